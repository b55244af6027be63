-- The staff area's lists: the article list and the dashboard show the most
-- recently changed first, and count and filter the articles that are not
-- published (few, next to a large published archive) without a scan.
CREATE INDEX articles_updated_idx ON articles (updated_at);
CREATE INDEX articles_workflow_idx ON articles (status, updated_at) WHERE status <> 'published';
