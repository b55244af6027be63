-- Newest-first listings (home, feeds) walk the publish-time index instead
-- of sorting every visible article. The (status, published_at) index goes:
-- nearly every article is published, so it never narrows a query, and at
-- 100,000 articles SQLite chose it and sorted them all (0.9 s for a feed).
CREATE INDEX articles_published_idx ON articles (published_at);
DROP INDEX articles_status_published_idx;
