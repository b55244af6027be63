DROP INDEX articles_workflow_idx;
DROP INDEX articles_updated_idx;
