-- Review notes: what staff write to each other about an article on its
-- way through review, optionally about one of its sections (by the
-- section's anchor, which survives a heading edit). Staff only: no page,
-- feed or search reads them, so they raise no content change (a note
-- changes nothing a reader sees). Never deleted by a save or a restore of
-- the article: they live beside it, not in its revisions.
CREATE TABLE review_notes (
    id SERIAL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The anchor of the section the note is about; NULL for the whole
    -- article.
    section_anchor TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX review_notes_article_idx ON review_notes (article_id, created_at, id);

-- An article an editor returned to its writer: a draft again, until the
-- writer submits it (or anyone publishes, schedules or archives it). One
-- row per article; the dashboard's "Returned to me" reads it.
CREATE TABLE review_returns (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    returned_at TIMESTAMP NOT NULL,
    returned_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX review_returns_returned_idx ON review_returns (returned_at);
