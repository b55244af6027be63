-- One counter that every change of public content raises, in the same
-- transaction as the change. Running servers read it a few times a second
-- to know that their page caches are out of date, whoever made the change:
-- another server process, `iconocast import`, `user add` or `demo`. A
-- server also reads it after its own form posts: only a post that changed
-- content empties its cache.
CREATE TABLE content_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_changes (id, version) VALUES (1, 0);

CREATE TRIGGER articles_insert_changes_content AFTER INSERT ON articles BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER articles_update_changes_content AFTER UPDATE ON articles BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER articles_delete_changes_content AFTER DELETE ON articles BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER sections_insert_changes_content AFTER INSERT ON sections BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER sections_update_changes_content AFTER UPDATE ON sections BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER sections_delete_changes_content AFTER DELETE ON sections BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER article_tags_insert_changes_content AFTER INSERT ON article_tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER article_tags_update_changes_content AFTER UPDATE ON article_tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER article_tags_delete_changes_content AFTER DELETE ON article_tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER tags_insert_changes_content AFTER INSERT ON tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER tags_update_changes_content AFTER UPDATE ON tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER tags_delete_changes_content AFTER DELETE ON tags BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER categories_insert_changes_content AFTER INSERT ON categories BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER categories_update_changes_content AFTER UPDATE ON categories BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER categories_delete_changes_content AFTER DELETE ON categories BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_insert_changes_content AFTER INSERT ON users BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_update_changes_content AFTER UPDATE ON users BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER users_delete_changes_content AFTER DELETE ON users BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER site_settings_insert_changes_content AFTER INSERT ON site_settings BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER site_settings_update_changes_content AFTER UPDATE ON site_settings BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER site_settings_delete_changes_content AFTER DELETE ON site_settings BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER media_insert_changes_content AFTER INSERT ON media BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER media_update_changes_content AFTER UPDATE ON media BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER media_delete_changes_content AFTER DELETE ON media BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER redirects_insert_changes_content AFTER INSERT ON redirects BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER redirects_update_changes_content AFTER UPDATE ON redirects BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER redirects_delete_changes_content AFTER DELETE ON redirects BEGIN
    UPDATE content_changes SET version = version + 1 WHERE id = 1;
END;
