ALTER TABLE site_settings DROP COLUMN masthead;
ALTER TABLE site_settings DROP COLUMN publishing_principles;
ALTER TABLE site_settings DROP COLUMN corrections_policy;

DROP TRIGGER categories_noindex_sitemap;
CREATE TRIGGER categories_noindex_sitemap AFTER UPDATE OF noindex ON categories
WHEN OLD.noindex IS NOT NEW.noindex BEGIN
    DELETE FROM sitemap_blocks;
    INSERT INTO sitemap_blocks (block, listed, lastmod)
    SELECT a.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
    GROUP BY a.id / 128;
END;

DROP TRIGGER articles_delete_sitemap;
CREATE TRIGGER articles_delete_sitemap AFTER DELETE ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT OLD.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN OLD.id / 128 * 128 AND OLD.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

DROP TRIGGER articles_update_sitemap;
CREATE TRIGGER articles_update_sitemap AFTER UPDATE OF id, status, published_at, updated_at, noindex, category_id ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT OLD.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN OLD.id / 128 * 128 AND OLD.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT NEW.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN NEW.id / 128 * 128 AND NEW.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

DROP TRIGGER articles_insert_sitemap;
CREATE TRIGGER articles_insert_sitemap AFTER INSERT ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT NEW.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN NEW.id / 128 * 128 AND NEW.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

-- Articles with an expiry counted again, as the old triggers count them.
DELETE FROM sitemap_blocks;
INSERT INTO sitemap_blocks (block, listed, lastmod)
SELECT a.id / 128, count(*), max(max(a.updated_at, a.published_at))
FROM articles a
WHERE a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
  AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
GROUP BY a.id / 128;

DROP TRIGGER articles_copy_to_tags;
CREATE TRIGGER articles_copy_to_tags AFTER UPDATE OF status, published_at ON articles BEGIN
    UPDATE article_tags SET article_status = NEW.status, article_published_at = NEW.published_at
    WHERE article_id = NEW.id;
END;

DROP TRIGGER article_tags_copy_article;
CREATE TRIGGER article_tags_copy_article AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET
        article_status = (SELECT a.status FROM articles a WHERE a.id = NEW.article_id),
        article_published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

DROP INDEX article_tags_listing_idx;
CREATE INDEX article_tags_listing_idx
    ON article_tags (tag_id, article_published_at, article_id, article_status);
ALTER TABLE article_tags DROP COLUMN article_expires_at;

DROP INDEX articles_listing_idx;
CREATE INDEX articles_listing_idx ON articles (published_at, id, status);
DROP INDEX articles_kind_listing_idx;
CREATE INDEX articles_kind_listing_idx ON articles (kind, published_at, id, status);
DROP INDEX articles_author_listing_idx;
CREATE INDEX articles_author_listing_idx ON articles (author_id, published_at, id, status);
DROP INDEX articles_category_listing_idx;
CREATE INDEX articles_category_listing_idx ON articles (category_id, published_at, id, status);

DROP INDEX articles_expiry_idx;
ALTER TABLE articles DROP COLUMN source_name;
ALTER TABLE articles DROP COLUMN source_kind;
ALTER TABLE articles DROP COLUMN expires_at;

DROP TRIGGER article_notes_delete_changes_content;
DROP TRIGGER article_notes_update_changes_content;
DROP TRIGGER article_notes_insert_changes_content;
DROP TABLE article_notes;
