DROP TRIGGER categories_noindex_sitemap;
DROP TRIGGER articles_delete_sitemap;
DROP TRIGGER articles_update_sitemap;
DROP TRIGGER articles_insert_sitemap;
DROP TABLE sitemap_blocks;

DROP TRIGGER articles_copy_to_tags;
DROP TRIGGER article_tags_copy_article;
DROP INDEX article_tags_listing_idx;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id);
ALTER TABLE article_tags DROP COLUMN article_published_at;
ALTER TABLE article_tags DROP COLUMN article_status;

DROP INDEX articles_listing_idx;
CREATE INDEX articles_published_idx ON articles (published_at);
DROP INDEX articles_kind_listing_idx;
CREATE INDEX articles_kind_published_idx ON articles (kind, published_at);
DROP INDEX articles_author_listing_idx;
CREATE INDEX articles_author_published_idx ON articles (author_id, published_at);
DROP INDEX articles_category_listing_idx;
CREATE INDEX articles_category_published_idx ON articles (category_id, published_at);
