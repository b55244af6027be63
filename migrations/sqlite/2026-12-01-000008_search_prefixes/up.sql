-- Prefix searches (`expl*`) read a prefix index instead of merging the
-- doclist of every word that starts with the prefix: at 100,000 articles a
-- common prefix matched tens of thousands of rows before the newest could be
-- picked. FTS5 takes the option only when the table is created, so the
-- table is rebuilt from the articles (as db::search::rebuild_all does).
DROP TABLE article_search;
CREATE VIRTUAL TABLE article_search USING fts5(
    title,
    standfirst,
    body,
    tags,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
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
