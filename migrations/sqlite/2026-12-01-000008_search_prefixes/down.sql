DROP TABLE article_search;
CREATE VIRTUAL TABLE article_search USING fts5(
    title,
    standfirst,
    body,
    tags,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO article_search (rowid, title, standfirst, body, tags)
SELECT
    a.id,
    a.title,
    a.standfirst,
    a.intro || ' ' || COALESCE((SELECT group_concat(s.heading || ' ' || s.body, ' ')
                                FROM sections s WHERE s.article_id = a.id), ''),
    COALESCE((SELECT group_concat(t.name, ' ')
              FROM article_tags at JOIN tags t ON t.id = at.tag_id
              WHERE at.article_id = a.id), '')
FROM articles a;
