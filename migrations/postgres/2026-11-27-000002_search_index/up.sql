-- Full-text search: one weighted tsvector per article with a GIN index,
-- kept in step by the application on every save (db::search::reindex).
-- `body` keeps the plain text that result snippets are cut from.
CREATE TABLE article_search (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX article_search_document_idx ON article_search USING GIN (document);

INSERT INTO article_search (article_id, document, body)
SELECT
    a.id,
    setweight(to_tsvector('english', a.title), 'A')
        || setweight(to_tsvector('english', COALESCE(tg.names, '')), 'A')
        || setweight(to_tsvector('english', a.standfirst), 'B')
        || setweight(to_tsvector('english', a.intro || ' ' || COALESCE(sc.body, '')), 'C'),
    a.intro || ' ' || COALESCE(sc.body, '')
FROM articles a
LEFT JOIN LATERAL (
    SELECT string_agg(s.heading || ' ' || s.body, ' ' ORDER BY s.position) AS body
    FROM sections s WHERE s.article_id = a.id
) sc ON TRUE
LEFT JOIN LATERAL (
    SELECT string_agg(t.name, ' ') AS names
    FROM article_tags at JOIN tags t ON t.id = at.tag_id
    WHERE at.article_id = a.id
) tg ON TRUE;
