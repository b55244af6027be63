CREATE INDEX articles_status_published_idx ON articles (status, published_at);
DROP INDEX articles_published_idx;
