ALTER TABLE site_settings
    DROP COLUMN masthead,
    DROP COLUMN publishing_principles,
    DROP COLUMN corrections_policy;

-- The functions first: their bodies name the columns dropped below.
CREATE OR REPLACE FUNCTION iconocast_sitemap_listed(a articles) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
       AND (a.category_id IS NULL
            OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
$$;

-- Articles with an expiry counted again, as the old function counts them.
LOCK TABLE sitemap_blocks IN EXCLUSIVE MODE;
DELETE FROM sitemap_blocks;
INSERT INTO sitemap_blocks (block, listed, lastmod)
SELECT a.id / 128, count(*), max(GREATEST(a.updated_at, a.published_at))
FROM articles a
WHERE iconocast_sitemap_listed(a)
GROUP BY a.id / 128;

CREATE OR REPLACE FUNCTION iconocast_article_copies_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET article_status = NEW.status, article_published_at = NEW.published_at
    WHERE article_id = NEW.id
      AND (article_status IS DISTINCT FROM NEW.status
           OR article_published_at IS DISTINCT FROM NEW.published_at);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION iconocast_tag_copies_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.status, a.published_at INTO NEW.article_status, NEW.article_published_at
    FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END
$$;

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
ALTER TABLE articles
    DROP COLUMN source_name,
    DROP COLUMN source_kind,
    DROP COLUMN expires_at;

DROP TRIGGER article_notes_changes_content ON article_notes;
DROP TABLE article_notes;
