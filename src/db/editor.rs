//! The staff side of articles: an article as the editor edits it (a
//! [`Draft`]), creating and saving it with a version check so that a stale
//! save is a conflict and never an overwrite, the workflow's status
//! changes, the 301 left behind by a renamed slug, and the revision that
//! every save writes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::models::{
    Article, NewArticle, NewArticleTag, NewAuditEntry, NewNote, NewSection, Section,
};
use super::schema::{
    article_notes, article_tags, articles, categories, redirects, revisions, sections, users,
};
use super::{audit, search_index, tags, write_transaction, DbConn};
use crate::domain::workflow::Step;
use crate::domain::{
    anchors_for, article_path, reading_minutes, ArticleKind, ArticleStatus, DatedNote, NoteInput,
    SourceKind,
};
use crate::markdown;

/// One section as the editor holds it. The anchor is kept from save to
/// save, so links to a section survive a change of its heading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDraft {
    pub anchor: String,
    pub heading: String,
    pub body: String,
    /// The body rendered and sanitized, when the editor has done so
    /// already (off the connection); otherwise a save renders it. Not part
    /// of a revision.
    #[serde(skip)]
    pub body_html: Option<String>,
}

impl SectionDraft {
    /// Sections from (heading, Markdown body) pairs in reading order, each
    /// anchored by its heading ([`anchors_for`]), as the editor would hold
    /// them: an imported article, the demo content and the tests' articles.
    pub fn from_headings(sections: &[(String, String)]) -> Vec<SectionDraft> {
        let headings: Vec<&str> = sections.iter().map(|(h, _)| h.as_str()).collect();
        anchors_for(&headings)
            .into_iter()
            .zip(sections)
            .map(|(anchor, (heading, body))| SectionDraft {
                anchor,
                heading: heading.clone(),
                body: body.clone(),
                body_html: None,
            })
            .collect()
    }
}

/// Everything an editor writes about an article: what a revision keeps and
/// a restore brings back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub kind: ArticleKind,
    pub category_id: Option<i32>,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub intro: String,
    pub author_id: i32,
    pub hero_media_id: Option<i32>,
    pub hero_alt: String,
    pub noindex: bool,
    /// Hashtags as written, without `#`.
    pub tags: Vec<String>,
    pub sections: Vec<SectionDraft>,
    /// When the article leaves the site (UTC), if ever. Revisions saved
    /// before expiries existed have none.
    #[serde(default)]
    pub expires_at: Option<NaiveDateTime>,
    /// Who the article comes from; our own staff in older revisions.
    #[serde(default)]
    pub source: SourceKind,
    /// The wire service's or partner's name; empty for our own staff.
    #[serde(default)]
    pub source_name: String,
}

/// What a revision stores: the draft, and where the article stood in the
/// workflow when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub draft: Draft,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
}

impl Snapshot {
    /// The snapshot as plain lines, for the diff between two revisions.
    pub fn as_text(&self) -> String {
        let d = &self.draft;
        let mut out = String::new();
        let mut line = |label: &str, value: &str| {
            out.push_str(label);
            out.push_str(": ");
            out.push_str(value);
            out.push('\n');
        };
        line("Title", &d.title);
        line("Slug", &d.slug);
        line("Kind", d.kind.as_str());
        line(
            "Category",
            &d.category_id.map(|c| c.to_string()).unwrap_or_default(),
        );
        line("Author", &d.author_id.to_string());
        line("Status", self.status.as_str());
        line(
            "Publish time (UTC)",
            &self
                .published_at
                .map(|p| p.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        );
        line("Standfirst", &d.standfirst);
        line(
            "Hero image",
            &d.hero_media_id.map(|m| m.to_string()).unwrap_or_default(),
        );
        line("Hero alt text", &d.hero_alt);
        line("Noindex", if d.noindex { "yes" } else { "no" });
        line(
            "Expires (UTC)",
            &d.expires_at
                .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        );
        line(
            "Source",
            &match d.source {
                SourceKind::Staff => d.source.as_str().to_owned(),
                other => format!("{} {}", other.as_str(), d.source_name),
            },
        );
        line(
            "Hashtags",
            &d.tags
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        out.push_str("Intro:\n");
        push_body(&mut out, &d.intro);
        for s in &d.sections {
            out.push_str(&format!("\n## {} {{#{}}}\n", s.heading, s.anchor));
            push_body(&mut out, &s.body);
        }
        out
    }
}

fn push_body(out: &mut String, body: &str) {
    for l in body.lines() {
        out.push_str(l);
        out.push('\n');
    }
}

/// An article as stored, with its draft.
#[derive(Debug, Clone)]
pub struct Stored {
    pub article: Article,
    pub draft: Draft,
}

impl Stored {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            draft: self.draft.clone(),
            status: self.article.status,
            published_at: self.article.published_at,
        }
    }
}

/// The article `id` with its sections and hashtags (three queries).
pub fn load(conn: &mut DbConn, id: i32) -> QueryResult<Option<Stored>> {
    let Some(article) = articles::table
        .find(id)
        .select(Article::as_select())
        .first::<Article>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let rows: Vec<Section> = sections::table
        .filter(sections::article_id.eq(id))
        .order(sections::position.asc())
        .select(Section::as_select())
        .load(conn)?;
    let tag_names = tags::of_article(conn, id)?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let draft = Draft {
        kind: article.kind,
        category_id: article.category_id,
        slug: article.slug.clone(),
        title: article.title.clone(),
        standfirst: article.standfirst.clone(),
        intro: article.intro.clone(),
        author_id: article.author_id,
        hero_media_id: article.hero_media_id,
        hero_alt: article.hero_alt.clone(),
        noindex: article.noindex,
        tags: tag_names,
        expires_at: article.expires_at,
        source: article.source,
        source_name: article.source_name.clone(),
        sections: rows
            .into_iter()
            .map(|s| SectionDraft {
                anchor: s.anchor,
                heading: s.heading,
                body: s.body,
                body_html: None,
            })
            .collect(),
    };
    Ok(Some(Stored { article, draft }))
}

/// What a save came to.
#[derive(Debug)]
pub enum Saved {
    /// Saved as this version.
    Done { id: i32, version: i32 },
    /// Someone saved the article since the editor opened it: nothing was
    /// written, and this is what is stored now.
    Conflict(Box<Stored>),
}

/// Writes an article's sections (Markdown rendered and sanitized once,
/// here) and hashtags, replacing the old ones if `replace`, and rewrites its
/// search row. Every way an article is made or saved goes through it.
pub(crate) fn write_body(
    conn: &mut DbConn,
    id: i32,
    sections_in_order: &[SectionDraft],
    hashtags: &[String],
    replace: bool,
) -> QueryResult<()> {
    if replace {
        diesel::delete(sections::table.filter(sections::article_id.eq(id))).execute(conn)?;
        diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id)))
            .execute(conn)?;
    }
    for (i, s) in sections_in_order.iter().enumerate() {
        let rendered;
        let body_html = match &s.body_html {
            Some(html) => html,
            None => {
                rendered = markdown::to_html(&s.body);
                &rendered
            }
        };
        diesel::insert_into(sections::table)
            .values(&NewSection {
                article_id: id,
                position: i as i32,
                anchor: &s.anchor,
                heading: &s.heading,
                body: &s.body,
                body_html,
            })
            .execute(conn)?;
    }
    let tag_ids = tags::ensure(conn, hashtags)?;
    for (i, tag_id) in tag_ids.iter().enumerate() {
        diesel::insert_into(article_tags::table)
            .values(&NewArticleTag {
                article_id: id,
                tag_id: *tag_id,
                position: i as i32,
            })
            .execute(conn)?;
    }
    search_index::reindex(conn, id)
}

/// The reading time of a draft, in minutes.
pub fn minutes(draft: &Draft) -> i32 {
    reading_minutes(
        [draft.standfirst.as_str(), draft.intro.as_str()]
            .into_iter()
            .chain(draft.sections.iter().map(|s| s.body.as_str())),
    )
}

fn write_revision(
    conn: &mut DbConn,
    article_id: i32,
    version: i32,
    user_id: Option<i32>,
    snapshot: &Snapshot,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let json = serde_json::to_string(snapshot)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(revisions::table)
        .values((
            revisions::article_id.eq(article_id),
            revisions::version.eq(version),
            revisions::user_id.eq(user_id),
            revisions::snapshot.eq(json),
            revisions::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who makes a create or a save, when, from where, and the audit entry
/// it writes. The entry is written in the same transaction as the change,
/// so a change is never stored without it (nor an entry without its
/// change).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub user_id: i32,
    pub at: NaiveDateTime,
    pub ip: &'a str,
    /// One of the `audit::ARTICLE_*` actions.
    pub action: &'a str,
    /// What the entry says; a save adds ` as version N`.
    pub detail: &'a str,
}

/// Writes the audit entry of `change` to article `id`.
fn record(conn: &mut DbConn, id: i32, change: &Change, detail: &str) -> QueryResult<()> {
    audit::record(
        conn,
        &NewAuditEntry::new(
            audit::By {
                user_id: Some(change.user_id),
                ip: change.ip,
            },
            change.action,
            Some(("article", id)),
            detail,
            change.at,
        ),
    )?;
    Ok(())
}

/// A new article: its draft, where it starts in the workflow, when it is
/// made, and who makes it.
#[derive(Debug, Clone, Copy)]
pub struct NewDraft<'a> {
    pub draft: &'a Draft,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub at: NaiveDateTime,
    /// The staff member making it and the audit entry it writes; `None`
    /// when no one does (the demo content, `iconocast import`): then the
    /// first revision has no user and no audit entry is written.
    pub by: Option<&'a Change<'a>>,
    /// Corrections and updates made since its publication, each at its
    /// own time (the demo content); none for a new article.
    pub notes: &'a [DatedNote],
}

/// Writes a note on article `id`, made at `at` by `user_id`.
fn write_note(
    conn: &mut DbConn,
    id: i32,
    kind: crate::domain::NoteKind,
    body: &str,
    at: NaiveDateTime,
    user_id: Option<i32>,
) -> QueryResult<()> {
    diesel::insert_into(article_notes::table)
        .values(&NewNote {
            article_id: id,
            kind,
            body,
            created_at: at,
            user_id,
        })
        .execute(conn)
        .map(drop)
}

/// Creates an article as version 1: the row, its sections and hashtags,
/// its search row, its first revision and, when someone makes it, their
/// audit entry, in one transaction. The only writer of new articles
/// (`crate::newsroom::articles::create` is its one caller). An article
/// published in the past was last updated then (or at its newest note),
/// not at `at`, and its first revision carries that time.
pub fn create(conn: &mut DbConn, new: &NewDraft) -> QueryResult<i32> {
    let draft = new.draft;
    let noted = new.notes.iter().map(|n| n.at).max();
    let updated_at = new
        .published_at
        .map_or(new.at, |p| p.max(noted.unwrap_or(p)).min(new.at));
    write_transaction(conn, |conn| {
        let id: i32 = diesel::insert_into(articles::table)
            .values(&NewArticle {
                kind: draft.kind,
                category_id: draft.category_id,
                slug: &draft.slug,
                title: &draft.title,
                standfirst: &draft.standfirst,
                intro: &draft.intro,
                author_id: draft.author_id,
                hero_media_id: draft.hero_media_id,
                hero_alt: &draft.hero_alt,
                status: new.status,
                published_at: new.published_at,
                created_at: new.at,
                updated_at,
                reading_minutes: minutes(draft),
                noindex: draft.noindex,
                version: 1,
                expires_at: draft.expires_at,
                source: draft.source,
                source_name: &draft.source_name,
            })
            .returning(articles::id)
            .get_result(conn)?;
        write_body(conn, id, &draft.sections, &draft.tags, false)?;
        for note in new.notes {
            write_note(conn, id, note.kind, &note.body, note.at, None)?;
        }
        let snapshot = Snapshot {
            draft: draft.clone(),
            status: new.status,
            published_at: new.published_at,
        };
        let user_id = new.by.map(|c| c.user_id);
        write_revision(conn, id, 1, user_id, &snapshot, updated_at)?;
        if let Some(change) = new.by {
            record(conn, id, change, change.detail)?;
        }
        Ok(id)
    })
}

/// The public path of an article with this kind, category and slug
/// ([`article_path`], with the category's slug read).
pub fn public_path(conn: &mut DbConn, draft: &Draft) -> QueryResult<String> {
    let category = match draft.category_id {
        Some(id) if draft.kind == ArticleKind::News => categories::table
            .find(id)
            .select(categories::slug)
            .first::<String>(conn)
            .optional()?,
        _ => None,
    };
    Ok(article_path(draft.kind, category.as_deref(), &draft.slug))
}

/// Saves `draft` over article `current` if it is still at `expected`
/// version, taking `step` in the workflow; writes the revision and the
/// audit entry of `change`, the note it carries (a correction or update,
/// with an audit entry of its own), reindexes search and leaves a 301 when
/// a public article's path changes, all in one transaction. A conflict
/// writes nothing.
pub fn save(
    conn: &mut DbConn,
    current: &Stored,
    expected: i32,
    draft: &Draft,
    step: Step,
    change: &Change,
    note: Option<&NoteInput>,
) -> QueryResult<Saved> {
    let (user_id, now) = (change.user_id, change.at);
    let id = current.article.id;
    if current.article.version != expected {
        return Ok(Saved::Conflict(Box::new(current.clone())));
    }
    let (status, published_at) =
        step.apply(current.article.status, current.article.published_at, now);
    let was_public = current.article.status.is_visible(
        current.article.published_at,
        current.article.expires_at,
        now,
    );
    let version = expected + 1;
    write_transaction(conn, |conn| {
        // The version check and the write are one statement, so two saves
        // of the same version cannot both succeed.
        let changed = diesel::update(
            articles::table
                .filter(articles::id.eq(id))
                .filter(articles::version.eq(expected)),
        )
        .set((
            articles::kind.eq(draft.kind),
            articles::category_id.eq(draft.category_id),
            articles::slug.eq(&draft.slug),
            articles::title.eq(&draft.title),
            articles::standfirst.eq(&draft.standfirst),
            articles::intro.eq(&draft.intro),
            articles::author_id.eq(draft.author_id),
            articles::hero_media_id.eq(draft.hero_media_id),
            articles::hero_alt.eq(&draft.hero_alt),
            articles::status.eq(status),
            articles::published_at.eq(published_at),
            articles::updated_at.eq(now),
            articles::reading_minutes.eq(minutes(draft)),
            articles::noindex.eq(draft.noindex),
            articles::version.eq(version),
            articles::expires_at.eq(draft.expires_at),
            articles::source_kind.eq(draft.source),
            articles::source_name.eq(&draft.source_name),
        ))
        .execute(conn)?;
        if changed == 0 {
            let stored = load(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
            return Ok(Saved::Conflict(Box::new(stored)));
        }
        // Every article created since all creates went through [`create`]
        // has its first revision, but a database written by an older
        // version holds demo and imported articles without one, and the
        // synthetic scale data (`crate::synthetic`) is bulk-inserted
        // without revisions: keep what such an article was as its first.
        let has_base = revisions::table
            .filter(revisions::article_id.eq(id))
            .filter(revisions::version.eq(expected))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !has_base {
            write_revision(
                conn,
                id,
                expected,
                None,
                &current.snapshot(),
                current.article.updated_at,
            )?;
        }
        write_body(conn, id, &draft.sections, &draft.tags, true)?;
        if was_public {
            let old_path = public_path(conn, &current.draft)?;
            let new_path = public_path(conn, draft)?;
            if old_path != new_path && current.draft.slug != draft.slug {
                super::redirects::move_path(conn, &old_path, &new_path, now)?;
            }
        }
        let snapshot = Snapshot {
            draft: draft.clone(),
            status,
            published_at,
        };
        write_revision(conn, id, version, Some(user_id), &snapshot, now)?;
        record(
            conn,
            id,
            change,
            &format!("{} as version {version}", change.detail),
        )?;
        if let Some(note) = note {
            write_note(conn, id, note.kind, &note.body, now, Some(user_id))?;
            let short: String = note.body.chars().take(80).collect();
            let ellipsis = if short.len() < note.body.len() {
                "…"
            } else {
                ""
            };
            let detail = format!(
                "{} to version {version}: \"{short}{ellipsis}\"",
                note.kind.as_str()
            );
            audit::record(
                conn,
                &NewAuditEntry::new(
                    audit::By {
                        user_id: Some(user_id),
                        ip: change.ip,
                    },
                    audit::ARTICLE_NOTE,
                    Some(("article", id)),
                    &detail,
                    now,
                ),
            )?;
        }
        Ok(Saved::Done { id, version })
    })
}

/// Whether `error` is the unique index on article slugs refusing a write:
/// another article took the slug between the editor's check and the
/// write (two editors saving the same slug at the same moment).
pub fn is_slug_clash(error: &diesel::result::Error) -> bool {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            info.constraint_name() == Some("articles_slug_key")
                || info.message().contains("articles.slug")
        }
        _ => false,
    }
}

/// Whether `slug` is taken for article `except` (`None` for a new
/// article): another article has it, or an old address with it (such as
/// `/sport/{slug}`, left by a rename) redirects to another article. An
/// article there would answer that old address itself and hide the
/// redirect. An article may take back its own old slug. The editor, the
/// history's restore and the import all ask here.
pub fn slug_taken(conn: &mut DbConn, slug: &str, except: Option<i32>) -> QueryResult<bool> {
    let n: i64 = articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::id.ne(except.unwrap_or(0)))
        .count()
        .get_result(conn)?;
    if n > 0 {
        return Ok(true);
    }
    // Slugs are `a-z`, `0-9` and `-`: nothing LIKE would treat specially.
    let targets: Vec<String> = redirects::table
        .filter(redirects::from_path.like(format!("%/{slug}")))
        .select(redirects::to_path)
        .load(conn)?;
    for target in targets {
        match redirected_article(conn, &target)? {
            Some(id) if Some(id) != except => return Ok(true),
            _ => {}
        }
    }
    Ok(false)
}

/// The article whose public path is `path`, if any: the one with the
/// path's last part as its slug, if its path is exactly this one.
fn redirected_article(conn: &mut DbConn, path: &str) -> QueryResult<Option<i32>> {
    let Some((_, slug)) = path.rsplit_once('/') else {
        return Ok(None);
    };
    let found = articles::table
        .left_join(categories::table)
        .filter(articles::slug.eq(slug))
        .select((articles::id, articles::kind, categories::slug.nullable()))
        .first::<(i32, ArticleKind, Option<String>)>(conn)
        .optional()?;
    Ok(found
        .filter(|(_, kind, category)| article_path(*kind, category.as_deref(), slug) == path)
        .map(|(id, ..)| id))
}

/// One line of an article's history.
#[derive(Debug, Clone, Queryable)]
pub struct RevisionRow {
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub user_name: Option<String>,
}

/// An article's revisions, newest first, with who saved each.
pub fn revisions_of(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<RevisionRow>> {
    revisions::table
        .left_join(users::table)
        .filter(revisions::article_id.eq(article_id))
        .order(revisions::version.desc())
        .select((
            revisions::version,
            revisions::created_at,
            users::name.nullable(),
        ))
        .load(conn)
}

/// The snapshot saved as `version` of an article.
pub fn revision(conn: &mut DbConn, article_id: i32, version: i32) -> QueryResult<Option<Snapshot>> {
    let json = revisions::table
        .filter(revisions::article_id.eq(article_id))
        .filter(revisions::version.eq(version))
        .select(revisions::snapshot)
        .first::<String>(conn)
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    })
    .transpose()
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Which articles the staff list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ArticleStatus>,
    pub category_id: Option<i32>,
    pub author_id: Option<i32>,
    /// Words the title contains, any case.
    pub text: Option<String>,
}

/// One line of the staff list of articles.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub id: i32,
    pub title: String,
    pub kind: ArticleKind,
    pub status: ArticleStatus,
    pub category: Option<String>,
    pub author: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

impl ListRow {
    /// Whether it was public and its expiry has passed by `now`.
    pub fn has_expired(&self, now: &NaiveDateTime) -> bool {
        self.status
            .has_expired(self.published_at, self.expires_at, *now)
    }
}

macro_rules! filtered {
    ($filter:expr) => {
        filtered!(
            $filter,
            // Left joins keep `articles` the outer table, so SQLite walks
            // the updated_at index instead of sorting every article.
            articles::table
                .left_join(categories::table)
                .left_join(users::table)
                .into_boxed()
        )
    };
    ($filter:expr, $from:expr) => {{
        let f: &ListFilter = $filter;
        let mut query = $from;
        if let Some(status) = f.status {
            query = query.filter(articles::status.eq(status));
            if status != ArticleStatus::Published {
                // Lets the partial index of unpublished articles serve.
                query = query.filter(articles::status.ne(ArticleStatus::Published));
            }
        }
        if let Some(id) = f.category_id {
            query = query.filter(articles::category_id.eq(id));
        }
        if let Some(id) = f.author_id {
            query = query.filter(articles::author_id.eq(id));
        }
        if let Some(text) = &f.text {
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            query = query.filter(
                lower(articles::title)
                    .like(format!("%{escaped}%"))
                    .escape('\\'),
            );
        }
        query
    }};
}

/// One page of the staff list, the most recently changed first; one query.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    type Row = (
        i32,
        String,
        ArticleKind,
        ArticleStatus,
        Option<String>,
        Option<String>,
        Option<NaiveDateTime>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = filtered!(filter)
        .order((articles::updated_at.desc(), articles::id.desc()))
        .select((
            articles::id,
            articles::title,
            articles::kind,
            articles::status,
            categories::name.nullable(),
            users::name.nullable(),
            articles::published_at,
            articles::updated_at,
            articles::expires_at,
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title, kind, status, category, author, published_at, updated_at, expires_at)| {
                ListRow {
                    id,
                    title,
                    kind,
                    status,
                    category,
                    author: author.unwrap_or_default(),
                    published_at,
                    updated_at,
                    expires_at,
                }
            },
        )
        .collect())
}

/// How many articles the filter matches. Every filter is on `articles`,
/// so the count needs no join.
pub fn count(conn: &mut DbConn, filter: &ListFilter) -> QueryResult<i64> {
    filtered!(filter, articles::table.into_boxed())
        .count()
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_keep_kind_and_status_by_their_stored_names() {
        let stored = r#"{"draft":{"kind":"blog","category_id":null,"slug":"s","title":"T",
            "standfirst":"","intro":"","author_id":1,"hero_media_id":null,"hero_alt":"",
            "noindex":false,"tags":[],"sections":[]},"status":"scheduled","published_at":null}"#;
        let snapshot: Snapshot = serde_json::from_str(stored).expect("a snapshot");
        assert_eq!(snapshot.draft.kind, ArticleKind::Blog);
        assert_eq!(snapshot.status, ArticleStatus::Scheduled);
        let written = serde_json::to_string(&snapshot).expect("json");
        assert!(written.contains(r#""kind":"blog""#), "{written}");
        assert!(written.contains(r#""status":"scheduled""#), "{written}");
        let unknown = stored.replace("scheduled", "live");
        assert!(serde_json::from_str::<Snapshot>(&unknown).is_err());
    }

    #[test]
    fn the_text_of_a_snapshot_names_every_field_and_section() {
        let snapshot = Snapshot {
            draft: Draft {
                kind: ArticleKind::News,
                title: "A title".into(),
                tags: vec!["Sport".into()],
                sections: vec![SectionDraft {
                    anchor: "first".into(),
                    heading: "First".into(),
                    body: "Line one\nLine two".into(),
                    body_html: None,
                }],
                ..Draft::default()
            },
            status: ArticleStatus::Draft,
            published_at: None,
        };
        let text = snapshot.as_text();
        assert!(text.contains("Title: A title\n"), "{text}");
        assert!(text.contains("Hashtags: #Sport\n"), "{text}");
        assert!(
            text.contains("## First {#first}\nLine one\nLine two\n"),
            "{text}"
        );
    }
}
