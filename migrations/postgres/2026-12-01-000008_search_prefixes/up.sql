-- Prefix indexes are a SQLite FTS5 matter (see the SQLite migration): the
-- GIN index on article_search.document already serves `prefix:*` queries.
SELECT 1;
