-- Corrections and updates, an article's expiry and source, and the
-- agency's trust pages.

-- A dated note on a published article: a correction or an update, written
-- by the save that carries it (its author in `user_id`; none for the demo
-- content). Shown on the article, in its feeds and JSON-LD, and (the
-- corrections) on /corrections, read newest first by kind.
CREATE TABLE article_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX article_notes_article_idx ON article_notes (article_id, created_at);
CREATE INDEX article_notes_kind_idx ON article_notes (kind, created_at, id);

CREATE TRIGGER article_notes_insert_changes_content AFTER INSERT ON article_notes BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER article_notes_update_changes_content AFTER UPDATE ON article_notes BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER article_notes_delete_changes_content AFTER DELETE ON article_notes BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

-- Expiry: the visibility rule hides an article from `expires_at` on.
-- Source: who the article comes from, `staff` (our own), `wire` or
-- `partner`, by name for the last two.
ALTER TABLE articles ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'staff';
ALTER TABLE articles ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
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

DROP TRIGGER article_tags_copy_article;
CREATE TRIGGER article_tags_copy_article AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET
        article_status = (SELECT a.status FROM articles a WHERE a.id = NEW.article_id),
        article_published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id),
        article_expires_at = (SELECT a.expires_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

DROP TRIGGER articles_copy_to_tags;
CREATE TRIGGER articles_copy_to_tags AFTER UPDATE OF status, published_at, expires_at ON articles BEGIN
    UPDATE article_tags SET
        article_status = NEW.status,
        article_published_at = NEW.published_at,
        article_expires_at = NEW.expires_at
    WHERE article_id = NEW.id;
END;

-- The sitemap blocks count only articles without an expiry: those with one
-- are few, and the sitemap index reads the ones still to expire itself
-- (db::sitemaps), so an article leaves the sitemaps at its expiry with no
-- write to recount its block.
DROP TRIGGER articles_insert_sitemap;
CREATE TRIGGER articles_insert_sitemap AFTER INSERT ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT NEW.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN NEW.id / 128 * 128 AND NEW.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND a.expires_at IS NULL
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

DROP TRIGGER articles_update_sitemap;
CREATE TRIGGER articles_update_sitemap AFTER UPDATE OF id, status, published_at, updated_at, noindex, category_id, expires_at ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT OLD.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN OLD.id / 128 * 128 AND OLD.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND a.expires_at IS NULL
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT NEW.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN NEW.id / 128 * 128 AND NEW.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND a.expires_at IS NULL
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

DROP TRIGGER articles_delete_sitemap;
CREATE TRIGGER articles_delete_sitemap AFTER DELETE ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT OLD.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN OLD.id / 128 * 128 AND OLD.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND a.expires_at IS NULL
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

DROP TRIGGER categories_noindex_sitemap;
CREATE TRIGGER categories_noindex_sitemap AFTER UPDATE OF noindex ON categories
WHEN OLD.noindex IS NOT NEW.noindex BEGIN
    DELETE FROM sitemap_blocks;
    INSERT INTO sitemap_blocks (block, listed, lastmod)
    SELECT a.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND a.expires_at IS NULL
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
    GROUP BY a.id / 128;
END;

-- The trust pages, Markdown like the about text; empty means no page.
ALTER TABLE site_settings ADD COLUMN corrections_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN publishing_principles TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN masthead TEXT NOT NULL DEFAULT '';
