-- Corrections and updates, an article's expiry and source, and the
-- agency's trust pages.

-- A dated note on a published article: a correction or an update, written
-- by the save that carries it (its author in `user_id`; none for the demo
-- content). Shown on the article, in its feeds and JSON-LD, and (the
-- corrections) on /corrections, read newest first by kind.
CREATE TABLE article_notes (
    id SERIAL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX article_notes_article_idx ON article_notes (article_id, created_at);
CREATE INDEX article_notes_kind_idx ON article_notes (kind, created_at, id);

CREATE TRIGGER article_notes_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_notes
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

-- Expiry: the visibility rule hides an article from `expires_at` on.
-- Source: who the article comes from, `staff` (our own), `wire` or
-- `partner`, by name for the last two.
ALTER TABLE articles
    ADD COLUMN expires_at TIMESTAMP,
    ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'staff'
        CHECK (source_kind IN ('staff', 'wire', 'partner')),
    ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
-- The few articles with an expiry: the next one due, and those still to
-- come for the sitemap index.
CREATE INDEX articles_expiry_idx ON articles (expires_at) WHERE expires_at IS NOT NULL;

-- Each listing's index also holds the expiry, so that a listing still
-- counts and skips to a deep page in the index alone (migration 9).
DROP INDEX articles_category_listing_idx;
CREATE INDEX articles_category_listing_idx ON articles (category_id, published_at, id, status, expires_at);
DROP INDEX articles_author_listing_idx;
CREATE INDEX articles_author_listing_idx ON articles (author_id, published_at, id, status, expires_at);
DROP INDEX articles_kind_listing_idx;
CREATE INDEX articles_kind_listing_idx ON articles (kind, published_at, id, status, expires_at);
DROP INDEX articles_listing_idx;
CREATE INDEX articles_listing_idx ON articles (published_at, id, status, expires_at);

-- Hashtag links copy their article's expiry too, kept by the same triggers.
ALTER TABLE article_tags ADD COLUMN article_expires_at TIMESTAMP;
DROP INDEX article_tags_listing_idx;
CREATE INDEX article_tags_listing_idx
    ON article_tags (tag_id, article_published_at, article_id, article_status, article_expires_at);

CREATE OR REPLACE FUNCTION iconocast_tag_copies_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.status, a.published_at, a.expires_at
    INTO NEW.article_status, NEW.article_published_at, NEW.article_expires_at
    FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION iconocast_article_copies_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET
        article_status = NEW.status,
        article_published_at = NEW.published_at,
        article_expires_at = NEW.expires_at
    WHERE article_id = NEW.id
      AND (article_status IS DISTINCT FROM NEW.status
           OR article_published_at IS DISTINCT FROM NEW.published_at
           OR article_expires_at IS DISTINCT FROM NEW.expires_at);
    RETURN NULL;
END
$$;

-- The sitemap blocks count only articles without an expiry: those with one
-- are few, and the sitemap index reads the ones still to expire itself
-- (db::sitemaps), so an article leaves the sitemaps at its expiry with no
-- write to recount its block. No article has an expiry yet, so the counts
-- stand.
CREATE OR REPLACE FUNCTION iconocast_sitemap_listed(a articles) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
       AND a.expires_at IS NULL
       AND (a.category_id IS NULL
            OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
$$;

-- The trust pages, Markdown like the about text; empty means no page.
ALTER TABLE site_settings
    ADD COLUMN corrections_policy TEXT NOT NULL DEFAULT '',
    ADD COLUMN publishing_principles TEXT NOT NULL DEFAULT '',
    ADD COLUMN masthead TEXT NOT NULL DEFAULT '';
