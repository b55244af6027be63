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
-- article's own columns, whoever writes them: every update of an article
-- rewrites them, so a link added by a concurrent save cannot keep a copy
-- read before the article changed.
ALTER TABLE article_tags ADD COLUMN article_status TEXT;
ALTER TABLE article_tags ADD COLUMN article_published_at TIMESTAMP;
UPDATE article_tags SET article_status = a.status, article_published_at = a.published_at
FROM articles a WHERE a.id = article_tags.article_id;
DROP INDEX article_tags_tag_idx;
CREATE INDEX article_tags_listing_idx
    ON article_tags (tag_id, article_published_at, article_id, article_status);

CREATE FUNCTION iconocast_tag_copies_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.status, a.published_at INTO NEW.article_status, NEW.article_published_at
    FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER article_tags_copy_article BEFORE INSERT OR UPDATE OF article_id ON article_tags
    FOR EACH ROW EXECUTE FUNCTION iconocast_tag_copies_article();

CREATE FUNCTION iconocast_article_copies_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET article_status = NEW.status, article_published_at = NEW.published_at
    WHERE article_id = NEW.id
      AND (article_status IS DISTINCT FROM NEW.status
           OR article_published_at IS DISTINCT FROM NEW.published_at);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_copy_to_tags AFTER UPDATE ON articles
    FOR EACH ROW EXECUTE FUNCTION iconocast_article_copies_to_tags();

-- The sitemap index: articles-N lists the Nth run of 10,000 visible,
-- indexable articles by id, dated by the newest change among them. Rather
-- than read every article on each request, the index reads one summary row
-- per block of 128 ids: how many of its articles may be listed and the
-- newest change among them. "May be listed" is the visibility rule without
-- its clock (published or scheduled, with a publish time) and not noindex,
-- itself or by its category; articles whose time has not come yet are few
-- and subtracted when read (db::sitemaps). Triggers keep every block equal
-- to its articles: each statement that writes articles recounts their
-- blocks, and a category's noindex flag recounts them all.
CREATE TABLE sitemap_blocks (
    block INTEGER PRIMARY KEY,
    listed INTEGER NOT NULL,
    lastmod TIMESTAMP
);

CREATE FUNCTION iconocast_sitemap_listed(a articles) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL AND NOT a.noindex
       AND (a.category_id IS NULL
            OR a.category_id NOT IN (SELECT c.id FROM categories c WHERE c.noindex))
$$;

INSERT INTO sitemap_blocks (block, listed, lastmod)
SELECT a.id / 128, count(*), max(GREATEST(a.updated_at, a.published_at))
FROM articles a
WHERE iconocast_sitemap_listed(a)
GROUP BY a.id / 128;

-- Recounts one block. The block's row is locked before its articles are
-- read, so two transactions writing articles of one block recount it one
-- after the other, the second seeing what the first committed.
CREATE FUNCTION iconocast_sitemap_recount(b INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sitemap_blocks (block, listed) VALUES (b, 0) ON CONFLICT (block) DO NOTHING;
    PERFORM 1 FROM sitemap_blocks WHERE block = b FOR UPDATE;
    UPDATE sitemap_blocks SET (listed, lastmod) = (
        SELECT count(*), max(GREATEST(a.updated_at, a.published_at))
        FROM articles a
        WHERE a.id BETWEEN b * 128 AND b * 128 + 127 AND iconocast_sitemap_listed(a))
    WHERE block = b;
END
$$;

CREATE FUNCTION iconocast_sitemap_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM iconocast_sitemap_recount(b)
    FROM (SELECT DISTINCT id / 128 AS b FROM added ORDER BY 1) blocks;
    RETURN NULL;
END
$$;

CREATE FUNCTION iconocast_sitemap_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM iconocast_sitemap_recount(b)
    FROM (SELECT id / 128 AS b FROM added UNION SELECT id / 128 FROM removed ORDER BY 1) blocks;
    RETURN NULL;
END
$$;

CREATE FUNCTION iconocast_sitemap_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM iconocast_sitemap_recount(b)
    FROM (SELECT DISTINCT id / 128 AS b FROM removed ORDER BY 1) blocks;
    RETURN NULL;
END
$$;

CREATE FUNCTION iconocast_sitemap_recount_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE sitemap_blocks IN EXCLUSIVE MODE;
    DELETE FROM sitemap_blocks;
    INSERT INTO sitemap_blocks (block, listed, lastmod)
    SELECT a.id / 128, count(*), max(GREATEST(a.updated_at, a.published_at))
    FROM articles a
    WHERE iconocast_sitemap_listed(a)
    GROUP BY a.id / 128;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_insert_sitemap AFTER INSERT ON articles
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_sitemap_added();

CREATE TRIGGER articles_update_sitemap AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_sitemap_changed();

CREATE TRIGGER articles_delete_sitemap AFTER DELETE ON articles
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_sitemap_removed();

CREATE TRIGGER categories_noindex_sitemap AFTER UPDATE OF noindex ON categories
    FOR EACH ROW WHEN (OLD.noindex IS DISTINCT FROM NEW.noindex)
    EXECUTE FUNCTION iconocast_sitemap_recount_all();
