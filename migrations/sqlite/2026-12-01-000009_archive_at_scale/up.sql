-- The archive's pages cost the same at 100,000 articles as at 1,000.
--
-- Listings: each listing's index also holds the id (the order's tie-break)
-- and the status, so that counting a listing's first thousand articles and
-- skipping to a deep page read the index alone, never the articles' rows.
-- They replace the narrower indexes they extend.
DROP INDEX articles_category_published_idx;
CREATE INDEX articles_category_listing_idx ON articles (category_id, published_at, id, status);
DROP INDEX articles_author_published_idx;
CREATE INDEX articles_author_listing_idx ON articles (author_id, published_at, id, status);
DROP INDEX articles_kind_published_idx;
CREATE INDEX articles_kind_listing_idx ON articles (kind, published_at, id, status);
DROP INDEX articles_published_idx;
CREATE INDEX articles_listing_idx ON articles (published_at, id, status);

-- Hashtag pages: each link carries a copy of its article's status and
-- publish time, so a hashtag's articles are read newest first from one
-- index, as a category's are. Triggers keep the copies equal to the
-- article's own columns, whoever writes them.
ALTER TABLE article_tags ADD COLUMN article_status TEXT;
ALTER TABLE article_tags ADD COLUMN article_published_at TIMESTAMP;
UPDATE article_tags SET
    article_status = (SELECT a.status FROM articles a WHERE a.id = article_tags.article_id),
    article_published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);
DROP INDEX article_tags_tag_idx;
CREATE INDEX article_tags_listing_idx
    ON article_tags (tag_id, article_published_at, article_id, article_status);

CREATE TRIGGER article_tags_copy_article AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET
        article_status = (SELECT a.status FROM articles a WHERE a.id = NEW.article_id),
        article_published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

CREATE TRIGGER articles_copy_to_tags AFTER UPDATE OF status, published_at ON articles BEGIN
    UPDATE article_tags SET article_status = NEW.status, article_published_at = NEW.published_at
    WHERE article_id = NEW.id;
END;

-- The sitemap index: articles-N lists the Nth run of 10,000 visible,
-- indexable articles by id, dated by the newest change among them. Rather
-- than read every article on each request, the index reads one summary row
-- per block of 128 ids: how many of its articles may be listed and the
-- newest change among them. "May be listed" is the visibility rule without
-- its clock (published or scheduled, with a publish time) and not noindex,
-- itself or by its category; articles whose time has not come yet are few
-- and subtracted when read (db::sitemaps). Triggers keep every block equal
-- to its articles: each write of an article recounts its block, and a
-- category's noindex flag recounts them all.
CREATE TABLE sitemap_blocks (
    block INTEGER PRIMARY KEY NOT NULL,
    listed INTEGER NOT NULL,
    lastmod TIMESTAMP
);

INSERT INTO sitemap_blocks (block, listed, lastmod)
SELECT a.id / 128,
       count(*),
       max(max(a.updated_at, a.published_at))
FROM articles a
WHERE a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
  AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
GROUP BY a.id / 128;

CREATE TRIGGER articles_insert_sitemap AFTER INSERT ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT NEW.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN NEW.id / 128 * 128 AND NEW.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

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

CREATE TRIGGER articles_delete_sitemap AFTER DELETE ON articles BEGIN
    INSERT OR REPLACE INTO sitemap_blocks (block, listed, lastmod)
    SELECT OLD.id / 128, count(*), max(max(a.updated_at, a.published_at))
    FROM articles a
    WHERE a.id BETWEEN OLD.id / 128 * 128 AND OLD.id / 128 * 128 + 127
      AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
      AND (a.category_id IS NULL OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex));
END;

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
