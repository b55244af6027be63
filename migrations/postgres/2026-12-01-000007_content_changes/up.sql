-- Every change of public content sends a notification on the channel
-- `iconocast_content` when its transaction commits (PostgreSQL folds
-- repeats within one transaction). Running servers LISTEN on it to know
-- that their page caches are out of date, whoever made the change: another
-- server process, `iconocast import`, `user add` or `demo`.
-- The same triggers advance a sequence, which takes no lock and which a
-- server reads after its own form posts: only a post that changed content
-- empties its cache.
CREATE SEQUENCE content_changes_seq;

CREATE FUNCTION iconocast_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('content_changes_seq');
    PERFORM pg_notify('iconocast_content', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER sections_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sections
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER article_tags_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER tags_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER categories_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER users_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER site_settings_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site_settings
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER media_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON media
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER redirects_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON redirects
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER article_search_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_search
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();
