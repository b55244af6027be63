-- Live coverage: any article can be turned into a live page, on which
-- staff post short, timestamped entries without saving the article.

-- The coverage of an article: when it started and (once over) ended, and
-- when it last changed other than by a new entry (started, ended, an entry
-- deleted), which the page's Last-Modified counts. A row of its own rather
-- than columns of `articles`: starting or ending coverage is not a save of
-- the article (no version, revision, sitemap or ping), and posting never
-- touches the article's row.
CREATE TABLE live_coverage (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    changed_at TIMESTAMP NOT NULL
);

-- One entry: an inserted row, so that two staff members posting at the
-- same moment never conflict. Its id is its anchor (`#entry-ID`) and the
-- readers' polling cursor. The body is Markdown, kept with its sanitized
-- HTML (rendered when written, as sections are); the image is a file of
-- the media library, with its alt text.
CREATE TABLE live_entries (
    id SERIAL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id),
    headline TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    image_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    image_alt TEXT NOT NULL DEFAULT '',
    posted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- An article's entries newest first, and those after a reader's last one.
CREATE INDEX live_entries_article_idx ON live_entries (article_id, id);
-- A media file's deletion sets its entries' image to none.
CREATE INDEX live_entries_image_idx ON live_entries (image_media_id) WHERE image_media_id IS NOT NULL;

-- Every change of either is a change of public content (migration 7).
CREATE TRIGGER live_coverage_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON live_coverage
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();

CREATE TRIGGER live_entries_changes_content AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON live_entries
    FOR EACH STATEMENT EXECUTE FUNCTION iconocast_content_changed();
