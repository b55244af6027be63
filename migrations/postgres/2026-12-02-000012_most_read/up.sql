-- Most read: article views counted first-hand, by the hour. Each server
-- adds what it counted once a minute (one upsert per article viewed), so
-- the sums are those of every server sharing the database. No row says
-- who read what: there is no reader, cookie or address in here.
CREATE TABLE article_views (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (article_id, hour)
);
-- The last day's ranking reads one day of rows.
CREATE INDEX article_views_hour_idx ON article_views (hour);
