-- The sitemap index lists one articles sitemap per 1,024 ids, eight blocks
-- of sitemap_blocks. Summing the blocks up per sitemap on every request
-- read one row per 128 ids (782 rows at 100,000 articles); this table
-- keeps the sum, one row per sitemap, so the index reads one row per entry
-- it lists. Triggers on sitemap_blocks keep each page equal to its eight
-- blocks (db::sitemaps reads it; PostgreSQL sums the blocks when read).
CREATE TABLE sitemap_pages (
    -- 0-based: page p is /sitemaps/articles-(p + 1).xml, blocks 8p to 8p + 7.
    page INTEGER PRIMARY KEY NOT NULL,
    listed INTEGER NOT NULL,
    lastmod TIMESTAMP
);

INSERT INTO sitemap_pages (page, listed, lastmod)
SELECT block / 8, sum(listed), max(CASE WHEN listed > 0 THEN lastmod END)
FROM sitemap_blocks
GROUP BY block / 8;

-- Blocks are written with INSERT OR REPLACE, which fires only the insert
-- trigger; the others keep any other write in step.
CREATE TRIGGER sitemap_blocks_insert_page AFTER INSERT ON sitemap_blocks BEGIN
    INSERT OR REPLACE INTO sitemap_pages (page, listed, lastmod)
    SELECT NEW.block / 8, coalesce(sum(b.listed), 0), max(CASE WHEN b.listed > 0 THEN b.lastmod END)
    FROM sitemap_blocks b
    WHERE b.block BETWEEN NEW.block / 8 * 8 AND NEW.block / 8 * 8 + 7;
END;

CREATE TRIGGER sitemap_blocks_update_page AFTER UPDATE ON sitemap_blocks BEGIN
    INSERT OR REPLACE INTO sitemap_pages (page, listed, lastmod)
    SELECT OLD.block / 8, coalesce(sum(b.listed), 0), max(CASE WHEN b.listed > 0 THEN b.lastmod END)
    FROM sitemap_blocks b
    WHERE b.block BETWEEN OLD.block / 8 * 8 AND OLD.block / 8 * 8 + 7;
    INSERT OR REPLACE INTO sitemap_pages (page, listed, lastmod)
    SELECT NEW.block / 8, coalesce(sum(b.listed), 0), max(CASE WHEN b.listed > 0 THEN b.lastmod END)
    FROM sitemap_blocks b
    WHERE b.block BETWEEN NEW.block / 8 * 8 AND NEW.block / 8 * 8 + 7;
END;

CREATE TRIGGER sitemap_blocks_delete_page AFTER DELETE ON sitemap_blocks BEGIN
    INSERT OR REPLACE INTO sitemap_pages (page, listed, lastmod)
    SELECT OLD.block / 8, coalesce(sum(b.listed), 0), max(CASE WHEN b.listed > 0 THEN b.lastmod END)
    FROM sitemap_blocks b
    WHERE b.block BETWEEN OLD.block / 8 * 8 AND OLD.block / 8 * 8 + 7;
END;
