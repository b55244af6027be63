DROP TRIGGER sitemap_blocks_delete_page;
DROP TRIGGER sitemap_blocks_update_page;
DROP TRIGGER sitemap_blocks_insert_page;
DROP TABLE sitemap_pages;
