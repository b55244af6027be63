DROP TRIGGER live_entries_changes_content ON live_entries;
DROP TRIGGER live_coverage_changes_content ON live_coverage;
DROP TABLE live_entries;
DROP TABLE live_coverage;
