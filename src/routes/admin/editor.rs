//! The article editor: `/admin/articles/new` and `/admin/articles/{id}`.
//!
//! One form holds every field of the article, its sections (added, removed
//! and reordered by buttons that re-render the form without saving) and the
//! workflow buttons. Every save carries the version it started from; a
//! stale one is refused with both versions shown. Preview renders the
//! article with the public page's own template. Works without JavaScript.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use futures_util::StreamExt;

use super::{forbidden, respond, see_other, AdminLayout};
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, policy};
use crate::db::articles::Card;
use crate::db::editor::{self, Draft, Saved, SectionDraft, Snapshot, Step, Stored};
use crate::db::media as db_media;
use crate::db::models::{Article, Author, Category, Media, Section, Tag};
use crate::db::schema::users;
use crate::db::{audit, categories, settings, DbConn};
use crate::domain::{slugify, tag_slug, ArticleKind, ArticleStatus, Slug};
use crate::error::{AppError, ErrorPage};
use crate::markdown;
use crate::routes::state::{now, AppState};
use crate::views::filters;

/// The largest article form accepted (all sections together).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Limits on what one article may hold.
const MAX_SECTIONS: usize = 60;
const MAX_TAGS: usize = 20;
/// Media offered in the hero image picker, newest first.
const PICKER_MEDIA: i64 = 200;

/// A field's error message, shown next to the field.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The form as typed: every value kept as text so it can be shown again.
#[derive(Debug, Clone, Default)]
pub struct EditorForm {
    pub csrf_token: String,
    pub version: String,
    pub action: String,
    pub title: String,
    pub slug: String,
    pub kind: String,
    pub category_id: String,
    pub author_id: String,
    pub standfirst: String,
    pub intro: String,
    pub hashtags: String,
    pub hero_media_id: String,
    pub hero_alt: String,
    pub publish_at: String,
    pub noindex: bool,
    pub sections: Vec<SectionDraft>,
}

impl EditorForm {
    /// Reads an `application/x-www-form-urlencoded` body. Section fields
    /// repeat, one of each per section, in the order of the page.
    pub fn parse(body: &[u8]) -> EditorForm {
        let mut form = EditorForm::default();
        let (mut anchors, mut headings, mut bodies) = (Vec::new(), Vec::new(), Vec::new());
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "csrf_token" => form.csrf_token = value,
                "version" => form.version = value,
                "action" => form.action = value,
                "title" => form.title = value,
                "slug" => form.slug = value,
                "kind" => form.kind = value,
                "category_id" => form.category_id = value,
                "author_id" => form.author_id = value,
                "standfirst" => form.standfirst = value,
                "intro" => form.intro = value,
                "hashtags" => form.hashtags = value,
                "hero_media_id" => form.hero_media_id = value,
                "hero_alt" => form.hero_alt = value,
                "publish_at" => form.publish_at = value,
                "noindex" => form.noindex = !value.is_empty(),
                "section_anchor" => anchors.push(value),
                "section_heading" => headings.push(value),
                "section_body" => bodies.push(value),
                _ => {}
            }
        }
        let n = anchors.len().max(headings.len()).max(bodies.len());
        let take = |v: &mut Vec<String>, i: usize| v.get_mut(i).map(std::mem::take);
        for i in 0..n {
            form.sections.push(SectionDraft {
                anchor: take(&mut anchors, i).unwrap_or_default(),
                heading: take(&mut headings, i).unwrap_or_default(),
                body: take(&mut bodies, i).unwrap_or_default(),
            });
        }
        form
    }

    /// The form showing a stored draft.
    fn from_draft(draft: &Draft, published_at: Option<NaiveDateTime>, zone: Tz) -> EditorForm {
        EditorForm {
            title: draft.title.clone(),
            slug: draft.slug.clone(),
            kind: draft.kind.clone(),
            category_id: draft.category_id.map(|c| c.to_string()).unwrap_or_default(),
            author_id: draft.author_id.to_string(),
            standfirst: draft.standfirst.clone(),
            intro: draft.intro.clone(),
            hashtags: draft
                .tags
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" "),
            hero_media_id: draft
                .hero_media_id
                .map(|m| m.to_string())
                .unwrap_or_default(),
            hero_alt: draft.hero_alt.clone(),
            publish_at: published_at
                .map(|p| local_input(p, zone))
                .unwrap_or_default(),
            noindex: draft.noindex,
            sections: draft.sections.clone(),
            ..EditorForm::default()
        }
    }
}

/// A UTC time as a `datetime-local` value in the site's time zone.
pub fn local_input(utc: NaiveDateTime, zone: Tz) -> String {
    zone.from_utc_datetime(&utc)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value in the site's time zone, as UTC. `None` when it
/// is not a time, or names a local time that does not exist (a DST gap).
pub fn parse_local(raw: &str, zone: Tz) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
}

/// What the buttons of the form ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AddSection,
    RemoveSection(usize),
    MoveUp(usize),
    MoveDown(usize),
    Preview,
    Save,
    Submit,
    Publish,
    Schedule,
    Unpublish,
    Archive,
}

impl Action {
    pub fn parse(raw: &str) -> Option<Action> {
        let index = |s: &str| s.parse::<usize>().ok();
        Some(match raw.split_once(':') {
            Some(("remove_section", n)) => Action::RemoveSection(index(n)?),
            Some(("move_up", n)) => Action::MoveUp(index(n)?),
            Some(("move_down", n)) => Action::MoveDown(index(n)?),
            Some(_) => return None,
            None => match raw {
                "add_section" => Action::AddSection,
                "preview" => Action::Preview,
                // Enter in a text field submits without a button: a save.
                "save" | "" => Action::Save,
                "submit" => Action::Submit,
                "publish" => Action::Publish,
                "schedule" => Action::Schedule,
                "unpublish" => Action::Unpublish,
                "archive" => Action::Archive,
                _ => return None,
            },
        })
    }

    /// Whether the action changes the sections on the page only.
    fn rearranges(self) -> bool {
        matches!(
            self,
            Action::AddSection | Action::RemoveSection(_) | Action::MoveUp(_) | Action::MoveDown(_)
        )
    }

    /// The sections after this action (for the rearranging ones).
    fn rearrange(self, sections: &mut Vec<SectionDraft>) {
        match self {
            Action::AddSection if sections.len() < MAX_SECTIONS => {
                sections.push(SectionDraft::default())
            }
            Action::RemoveSection(i) if i < sections.len() => {
                sections.remove(i);
            }
            Action::MoveUp(i) if i > 0 && i < sections.len() => sections.swap(i - 1, i),
            Action::MoveDown(i) if i + 1 < sections.len() => sections.swap(i, i + 1),
            _ => {}
        }
    }

    /// What the audit log calls a save with this action.
    fn audit_action(self) -> &'static str {
        match self {
            Action::Submit => audit::ARTICLE_SUBMIT,
            Action::Publish => audit::ARTICLE_PUBLISH,
            Action::Schedule => audit::ARTICLE_SCHEDULE,
            Action::Unpublish => audit::ARTICLE_UNPUBLISH,
            Action::Archive => audit::ARTICLE_ARCHIVE,
            _ => audit::ARTICLE_UPDATE,
        }
    }

    /// The `saved=` notice key after this action.
    fn notice_key(self) -> &'static str {
        match self {
            Action::Submit => "review",
            Action::Publish => "published",
            Action::Schedule => "scheduled",
            Action::Unpublish => "unpublished",
            Action::Archive => "archived",
            _ => "saved",
        }
    }
}

/// The notice shown after a redirect with `?saved=KEY`.
fn notice_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "Created as a draft.",
        "saved" => "Saved.",
        "review" => "Submitted for review.",
        "published" => "Published: it is on the site now.",
        "scheduled" => "Scheduled: it goes on the site at the publish time.",
        "unpublished" => "Unpublished: it is off the site and back to draft.",
        "archived" => "Archived: it is off the site.",
        "restored" => "Restored: the old revision is now the newest one.",
        _ => return None,
    })
}

/// The differences between two texts, line by line.
#[derive(Debug, Clone)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub kind: &'static str,
    pub text: String,
}

pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            kind: match c.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

/// A stale save: what is stored now against what the editor sent.
pub struct ConflictView {
    pub stored_version: i32,
    pub stored_at: NaiveDateTime,
    pub lines: Vec<DiffLine>,
}

#[derive(Template)]
#[template(path = "admin/article_edit.html")]
pub struct EditorPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub id: Option<i32>,
    pub version: i32,
    pub status: ArticleStatus,
    pub form: EditorForm,
    pub categories: Vec<Category>,
    pub authors: Vec<(i32, String)>,
    pub media: Vec<Media>,
    pub errors: Vec<FieldError>,
    pub notice: Option<&'static str>,
    pub preview_html: Option<String>,
    pub conflict: Option<ConflictView>,
    pub live_path: Option<String>,
    pub can_publish: bool,
    pub can_assign_author: bool,
    pub time_zone: String,
}

impl EditorPage {
    /// The message for `field`, if it has one.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The editor's script: an unsaved-changes warning and Ctrl+S.
    pub fn script(&self) -> &'static str {
        crate::static_files::url("editor.js")
    }

    pub fn is_public(&self) -> bool {
        matches!(
            self.status,
            ArticleStatus::Published | ArticleStatus::Scheduled
        )
    }
}

/// The article body exactly as the public page renders it.
#[derive(Template)]
#[template(path = "admin/article_preview.html")]
pub struct Preview {
    pub card: Card,
    pub hero: Option<Media>,
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    pub updated: bool,
}

/// What every editor page needs from the database.
struct Context {
    site_name: String,
    zone: Tz,
    categories: Vec<Category>,
    authors: Vec<(i32, String)>,
    media: Vec<Media>,
}

fn context(conn: &mut DbConn, staff: &Staff, hero: Option<i32>) -> QueryResult<Context> {
    let site = settings::load(conn)?;
    let authors = if staff.can_assign_author() {
        users::table
            .filter(users::active.eq(true))
            .order((users::name.asc(), users::id.asc()))
            .select((users::id, users::name))
            .load(conn)?
    } else {
        Vec::new()
    };
    let mut picker = db_media::all_for_picker(conn, PICKER_MEDIA)?;
    if let Some(id) = hero.filter(|id| picker.iter().all(|m| m.id != *id)) {
        if let Some(m) = db_media::find(conn, id)? {
            picker.push(m);
        }
    }
    Ok(Context {
        site_name: site.name.clone(),
        zone: site.zone(),
        categories: categories::all(conn)?,
        authors,
        media: picker,
    })
}

/// Turns the typed form into a draft, with an error per bad field.
/// `author_id` is the author the article has (or will have).
fn validate(
    conn: &mut DbConn,
    form: &EditorForm,
    ctx: &Context,
    article_id: Option<i32>,
    stored_slug: Option<&str>,
    author_id: i32,
    staff: &Staff,
) -> QueryResult<(Draft, Vec<FieldError>)> {
    let mut errors = Vec::new();
    let mut fail = |field: &'static str, message: &str| {
        errors.push(FieldError {
            field,
            message: message.to_owned(),
        })
    };
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        fail("title", "Give the article a title.");
    } else if title.chars().count() > 200 {
        fail("title", "Keep the title under 200 characters.");
    }
    // A blank slug keeps the stored one, or is made from the title (and
    // numbered if another article has it).
    let slug = match (form.slug.trim(), stored_slug) {
        ("", Some(kept)) => kept.to_owned(),
        ("", None) => {
            let base: String = slugify(&title).chars().take(100).collect();
            let base = base.trim_end_matches('-').to_owned();
            let mut slug = base.clone();
            let mut n = 2;
            while !base.is_empty() && editor::slug_taken(conn, &slug, article_id)? {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        }
        (typed, _) => typed.to_owned(),
    };
    if Slug::parse(&slug).is_none() {
        if !title.is_empty() {
            fail(
                "slug",
                "Use lower-case letters, digits and single hyphens, e.g. winter-sea-swimming.",
            );
        }
    } else if slug.len() > 120 {
        fail("slug", "Keep the slug under 120 characters.");
    } else if editor::slug_taken(conn, &slug, article_id)? {
        fail(
            "slug",
            "Another article already has this slug; choose another.",
        );
    }
    let kind = match form.kind.as_str() {
        "blog" => ArticleKind::Blog,
        "news" | "" => ArticleKind::News,
        _ => {
            fail("kind", "Choose news or blog post.");
            ArticleKind::News
        }
    };
    let category_id = match kind {
        ArticleKind::Blog => None,
        ArticleKind::News => {
            let wanted = form.category_id.trim().parse::<i32>().ok();
            match wanted.filter(|id| ctx.categories.iter().any(|c| c.id == *id)) {
                Some(id) => Some(id),
                None => {
                    fail(
                        "category_id",
                        "Choose the category this article belongs to.",
                    );
                    None
                }
            }
        }
    };
    let author_id = if staff.can_assign_author() && !form.author_id.trim().is_empty() {
        match form.author_id.trim().parse::<i32>() {
            Ok(id) if ctx.authors.iter().any(|(a, _)| *a == id) || id == author_id => id,
            _ => {
                fail("author_id", "Choose one of the staff as the author.");
                author_id
            }
        }
    } else {
        author_id
    };
    if form.standfirst.chars().count() > 400 {
        fail(
            "standfirst",
            "Keep the standfirst to one or two sentences (400 characters at most).",
        );
    }
    let mut tags: Vec<String> = Vec::new();
    for word in form.hashtags.split(|c: char| c.is_whitespace() || c == ',') {
        let name = word.trim().trim_start_matches('#');
        if name.is_empty() {
            continue;
        }
        match tag_slug(name) {
            Some(_) if name.chars().count() <= 60 => {
                if !tags.iter().any(|t| tag_slug(t) == tag_slug(name)) {
                    tags.push(name.to_owned())
                }
            }
            _ => {
                fail("hashtags", &format!("#{name} is not a usable hashtag."));
                break;
            }
        }
    }
    if tags.len() > MAX_TAGS {
        fail("hashtags", &format!("Use at most {MAX_TAGS} hashtags."));
    }
    let hero_media_id = match form.hero_media_id.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(id) if db_media::find(conn, id)?.is_some() => Some(id),
            _ => {
                fail("hero_media_id", "Choose an image from the media library.");
                None
            }
        },
    };
    let hero_alt = form.hero_alt.trim().to_owned();
    if hero_media_id.is_some() && hero_alt.is_empty() {
        fail(
            "hero_alt",
            "Describe the image for readers who cannot see it (alt text is required).",
        );
    } else if hero_alt.chars().count() > 300 {
        fail("hero_alt", "Keep the alt text under 300 characters.");
    }
    let mut sections: Vec<SectionDraft> = form
        .sections
        .iter()
        .filter(|s| !s.heading.trim().is_empty() || !s.body.trim().is_empty())
        .map(|s| SectionDraft {
            anchor: s.anchor.trim().to_owned(),
            heading: s.heading.trim().to_owned(),
            body: s.body.trim_end().to_owned(),
        })
        .collect();
    if sections.len() > MAX_SECTIONS {
        fail("sections", &format!("Use at most {MAX_SECTIONS} sections."));
    }
    if sections.iter().any(|s| s.heading.is_empty()) {
        fail("sections", "Every section with text needs a heading.");
    }
    if sections.iter().any(|s| s.heading.chars().count() > 200) {
        fail("sections", "Keep section headings under 200 characters.");
    }
    assign_anchors(&mut sections);
    let draft = Draft {
        kind: kind.as_str().to_owned(),
        category_id,
        slug,
        title,
        standfirst: form.standfirst.trim().to_owned(),
        intro: form.intro.trim_end().to_owned(),
        author_id,
        hero_media_id,
        hero_alt,
        noindex: form.noindex,
        tags,
        sections,
    };
    Ok((draft, errors))
}

/// Keeps each section's anchor when it is well formed and unique, and
/// gives the others one made from their heading.
pub fn assign_anchors(sections: &mut [SectionDraft]) {
    let mut taken: Vec<String> = Vec::with_capacity(sections.len());
    let mut pending = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        if Slug::parse(&s.anchor).is_some() && s.anchor.len() <= 100 && !taken.contains(&s.anchor) {
            taken.push(s.anchor.clone());
        } else {
            pending.push(i);
        }
    }
    for i in pending {
        let base = match slugify(&sections[i].heading) {
            s if s.is_empty() => format!("section-{}", i + 1),
            s => s
                .chars()
                .take(80)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned(),
        };
        let mut anchor = base.clone();
        let mut n = 2;
        while taken.contains(&anchor) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        taken.push(anchor.clone());
        sections[i].anchor = anchor;
    }
}

/// The checks of the workflow step on top of the fields.
fn step_for(
    action: Action,
    form: &EditorForm,
    draft: &Draft,
    zone: Tz,
    at: NaiveDateTime,
    errors: &mut Vec<FieldError>,
) -> Step {
    let going_out = matches!(action, Action::Publish | Action::Schedule);
    if going_out && draft.standfirst.is_empty() {
        errors.push(FieldError {
            field: "standfirst",
            message: "Write a standfirst before publishing: it is the summary readers and search engines see.".into(),
        });
    }
    if going_out && draft.sections.is_empty() && draft.intro.trim().is_empty() {
        errors.push(FieldError {
            field: "sections",
            message: "Write at least one section before publishing.".into(),
        });
    }
    match action {
        Action::Submit => Step::Submit,
        Action::Publish => Step::Publish,
        Action::Unpublish => Step::Unpublish,
        Action::Archive => Step::Archive,
        Action::Schedule => match parse_local(&form.publish_at, zone) {
            Some(when) if when > at => Step::Schedule(when),
            Some(_) => {
                errors.push(FieldError {
                    field: "publish_at",
                    message: "Choose a publish time in the future, or use Publish now.".into(),
                });
                Step::Keep
            }
            None => {
                errors.push(FieldError {
                    field: "publish_at",
                    message: format!(
                        "Give the publish time as a date and time in the site's time zone ({zone})."
                    ),
                });
                Step::Keep
            }
        },
        _ => Step::Keep,
    }
}

/// The preview of `draft`, rendered with the public article template.
fn preview(
    conn: &mut DbConn,
    draft: &Draft,
    ctx: &Context,
    stored: Option<&Stored>,
) -> Result<String, AppError> {
    let author = users::table
        .find(draft.author_id)
        .select(Author::as_select())
        .first::<Author>(conn)
        .optional()?
        .unwrap_or(Author {
            id: draft.author_id,
            slug: String::new(),
            name: String::new(),
            bio: String::new(),
        });
    let at = now();
    let article = Article {
        id: stored.map_or(0, |s| s.article.id),
        kind: draft.kind.clone(),
        category_id: draft.category_id,
        slug: draft.slug.clone(),
        title: draft.title.clone(),
        standfirst: draft.standfirst.clone(),
        intro: draft.intro.clone(),
        author_id: draft.author_id,
        hero_media_id: draft.hero_media_id,
        hero_alt: draft.hero_alt.clone(),
        status: stored.map_or("draft".to_owned(), |s| s.article.status.clone()),
        published_at: stored.and_then(|s| s.article.published_at),
        created_at: stored.map_or(at, |s| s.article.created_at),
        updated_at: at,
        reading_minutes: editor::minutes(draft),
        noindex: draft.noindex,
        version: stored.map_or(1, |s| s.article.version),
    };
    let category = draft
        .category_id
        .and_then(|id| ctx.categories.iter().find(|c| c.id == id).cloned());
    let hero = match draft.hero_media_id {
        Some(id) => db_media::find(conn, id)?,
        None => None,
    };
    let sections = draft
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| Section {
            id: i as i32,
            article_id: article.id,
            position: i as i32,
            anchor: s.anchor.clone(),
            heading: s.heading.clone(),
            body: s.body.clone(),
            body_html: markdown::to_html(&s.body),
        })
        .collect();
    let tags = draft
        .tags
        .iter()
        .map(|t| Tag {
            id: 0,
            slug: tag_slug(t).unwrap_or_default(),
            name: t.clone(),
        })
        .collect();
    let page = Preview {
        intro_html: markdown::to_html(&draft.intro),
        card: Card {
            article,
            category,
            author,
        },
        hero,
        sections,
        tags,
        updated: false,
    };
    Ok(page.render()?)
}

/// What a request to the editor came to.
enum Outcome {
    Page(StatusCode, Box<EditorPage>),
    Redirect(String),
}

fn answer(outcome: Outcome) -> Result<HttpResponse, AppError> {
    match outcome {
        Outcome::Page(status, page) => respond(status, page.as_ref()),
        Outcome::Redirect(to) => Ok(see_other(&to)),
    }
}

fn page(
    staff: &Staff,
    ctx: Context,
    stored: Option<&Stored>,
    form: EditorForm,
    live_path: Option<String>,
) -> EditorPage {
    let author_id = stored.map_or(staff.user_id, |s| s.article.author_id);
    let title = match stored {
        Some(s) => format!("Edit: {}", s.article.title),
        None => "New article".to_owned(),
    };
    EditorPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(ctx.site_name, &title, Some(staff.clone())),
        id: stored.map(|s| s.article.id),
        version: stored.map_or(0, |s| s.article.version),
        status: stored
            .and_then(|s| ArticleStatus::parse(&s.article.status))
            .unwrap_or(ArticleStatus::Draft),
        form,
        categories: ctx.categories,
        authors: ctx.authors,
        media: ctx.media,
        errors: Vec::new(),
        notice: None,
        preview_html: None,
        conflict: None,
        live_path,
        can_publish: staff.can_publish(author_id),
        can_assign_author: staff.can_assign_author(),
        time_zone: ctx.zone.to_string(),
    }
}

/// The public path of a stored article if readers can see it now.
fn live_path(conn: &mut DbConn, stored: &Stored) -> QueryResult<Option<String>> {
    let a = &stored.article;
    let visible = ArticleStatus::PUBLIC.contains(&a.status.as_str())
        && a.published_at.is_some_and(|p| p <= now());
    if visible {
        Ok(Some(editor::public_path(conn, &stored.draft)?))
    } else {
        Ok(None)
    }
}

/// The article `id` for `staff`: 404 when missing, 403 when not theirs.
/// The editor and the history both open articles through it.
pub(super) fn editable(conn: &mut DbConn, id: i32, staff: &Staff) -> Result<Stored, AppError> {
    let stored = editor::load(conn, id)?.ok_or(AppError::NotFound)?;
    policy::require(
        staff.can_edit(stored.article.author_id),
        "edit another writer's article",
    )?;
    Ok(stored)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EditQuery {
    pub saved: Option<String>,
}

/// GET /admin/articles/new.
pub async fn new_form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let outcome = state
        .run(move |conn| {
            let ctx = context(conn, &staff, None)?;
            let form = EditorForm {
                kind: ArticleKind::News.as_str().to_owned(),
                author_id: staff.user_id.to_string(),
                sections: vec![SectionDraft::default()],
                ..EditorForm::default()
            };
            Ok(Outcome::Page(
                StatusCode::OK,
                Box::new(page(&staff, ctx, None, form, None)),
            ))
        })
        .await?;
    answer(outcome)
}

/// GET /admin/articles/{id}.
pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.parse::<i32>().map_err(|_| AppError::NotFound)?;
    let notice = query.saved.as_deref().and_then(notice_for);
    let outcome = state
        .run(move |conn| {
            let stored = editable(conn, id, &staff)?;
            let ctx = context(conn, &staff, stored.article.hero_media_id)?;
            let form = EditorForm::from_draft(&stored.draft, stored.article.published_at, ctx.zone);
            let live = live_path(conn, &stored)?;
            let mut page = page(&staff, ctx, Some(&stored), form, live);
            page.notice = notice;
            Ok(Outcome::Page(StatusCode::OK, Box::new(page)))
        })
        .await?;
    answer(outcome)
}

/// Reads the form body, refusing more than [`MAX_BODY`] with a 413 page.
async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, HttpResponse> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "article form not read");
            ErrorPage::response(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The form could not be read. Reload the page and try again.",
            )
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            tracing::info!(limit = MAX_BODY, "article form over the size limit");
            return Err(ErrorPage::response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Article too long",
                "The article is over 2 MB of text, so it was not saved. Split it into shorter articles.",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// POST /admin/articles/new.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    submit(req, state, staff, payload, None).await
}

/// POST /admin/articles/{id}.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.parse::<i32>().map_err(|_| AppError::NotFound)?;
    submit(req, state, staff, payload, Some(id)).await
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let body = match read_body(payload).await {
        Ok(body) => body,
        Err(refusal) => return Ok(refusal),
    };
    let mut form = EditorForm::parse(&body);
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    let Some(action) = Action::parse(&form.action) else {
        return Err(AppError::BadRequest("Unknown editor button.".to_owned()));
    };
    let expected = match (id, form.version.trim().parse::<i32>()) {
        (None, _) => 0,
        (Some(_), Ok(v)) => v,
        (Some(_), Err(_)) => {
            return Err(AppError::BadRequest(
                "The form lost its version number. Reload the article and try again.".to_owned(),
            ))
        }
    };
    let ip = session::client_ip(&req);
    let outcome = state
        .run(move |conn| {
            let stored = match id {
                Some(id) => Some(editable(conn, id, &staff)?),
                None => None,
            };
            let author_id = stored
                .as_ref()
                .map_or(staff.user_id, |s| s.article.author_id);
            let hero = form.hero_media_id.trim().parse::<i32>().ok();
            let ctx = context(conn, &staff, hero)?;
            let zone = ctx.zone;
            let live = match &stored {
                Some(s) => live_path(conn, s)?,
                None => None,
            };
            if action.rearranges() {
                action.rearrange(&mut form.sections);
                if form.sections.is_empty() {
                    form.sections.push(SectionDraft::default());
                }
                let mut p = page(&staff, ctx, stored.as_ref(), form, live);
                p.version = expected;
                return Ok(Outcome::Page(StatusCode::OK, Box::new(p)));
            }
            let (draft, mut errors) = validate(
                conn,
                &form,
                &ctx,
                stored.as_ref().map(|s| s.article.id),
                stored.as_ref().map(|s| s.article.slug.as_str()),
                author_id,
                &staff,
            )?;
            if action == Action::Preview {
                let html = preview(conn, &draft, &ctx, stored.as_ref())?;
                let mut p = page(&staff, ctx, stored.as_ref(), form, live);
                p.version = expected;
                p.preview_html = Some(html);
                return Ok(Outcome::Page(StatusCode::OK, Box::new(p)));
            }
            // Who may take this step: publishing and anything that changes
            // a public or archived article is for those who may publish.
            let current_status = stored
                .as_ref()
                .and_then(|s| ArticleStatus::parse(&s.article.status))
                .unwrap_or(ArticleStatus::Draft);
            let touches_public =
                !matches!(current_status, ArticleStatus::Draft | ArticleStatus::Review);
            let publishing = matches!(
                action,
                Action::Publish | Action::Schedule | Action::Unpublish | Action::Archive
            );
            if publishing || touches_public {
                policy::require(
                    staff.can_publish(author_id) && staff.can_publish(draft.author_id),
                    "publish, unpublish or change this article",
                )?;
            }
            if draft.author_id != author_id {
                policy::require(staff.can_assign_author(), "credit another writer")?;
            }
            let at = now();
            let step = step_for(action, &form, &draft, zone, at, &mut errors);
            if !errors.is_empty() {
                tracing::info!(errors = errors.len(), "article form refused");
                let mut p = page(&staff, ctx, stored.as_ref(), form, live);
                p.version = expected;
                p.errors = errors;
                return Ok(Outcome::Page(StatusCode::UNPROCESSABLE_ENTITY, Box::new(p)));
            }
            let article_id = match &stored {
                None => {
                    let detail = format!("created \"{}\"", draft.title);
                    let change = editor::Change {
                        user_id: staff.user_id,
                        at,
                        ip: &ip,
                        action: if step == Step::Keep {
                            audit::ARTICLE_CREATE
                        } else {
                            action.audit_action()
                        },
                        detail: &detail,
                    };
                    editor::create(conn, &draft, step, &change)?
                }
                Some(current) => {
                    let detail = format!("saved \"{}\"", draft.title);
                    let change = editor::Change {
                        user_id: staff.user_id,
                        at,
                        ip: &ip,
                        action: action.audit_action(),
                        detail: &detail,
                    };
                    match editor::save(conn, current, expected, &draft, step, &change)? {
                        Saved::Done { id, .. } => id,
                        Saved::Conflict(now_stored) => {
                            tracing::info!(
                                article_id = current.article.id,
                                expected,
                                "stale save refused"
                            );
                            let mine = Snapshot {
                                draft: draft.clone(),
                                status: now_stored.article.status.clone(),
                                published_at: now_stored.article.published_at,
                            };
                            let lines =
                                diff_lines(&now_stored.snapshot().as_text(), &mine.as_text());
                            let live = live_path(conn, &now_stored)?;
                            let mut p = page(&staff, ctx, Some(&now_stored), form, live);
                            p.conflict = Some(ConflictView {
                                stored_version: now_stored.article.version,
                                stored_at: now_stored.article.updated_at,
                                lines,
                            });
                            return Ok(Outcome::Page(StatusCode::CONFLICT, Box::new(p)));
                        }
                    }
                }
            };
            let key = if stored.is_none() && step == Step::Keep {
                "created"
            } else {
                action.notice_key()
            };
            Ok(Outcome::Redirect(format!(
                "/admin/articles/{article_id}?saved={key}"
            )))
        })
        .await?;
    answer(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_section_fields_pair_up_in_page_order() {
        let body = b"title=T&section_anchor=a&section_heading=A&section_body=x&section_anchor=&section_heading=B&section_body=y%26z&noindex=on";
        let form = EditorForm::parse(body);
        assert_eq!(form.title, "T");
        assert!(form.noindex);
        assert_eq!(form.sections.len(), 2);
        assert_eq!(form.sections[1].heading, "B");
        assert_eq!(form.sections[1].body, "y&z");
        assert_eq!(form.sections[0].anchor, "a");
    }

    #[test]
    fn anchors_survive_heading_edits_and_new_ones_are_unique() {
        let mut sections = vec![
            SectionDraft {
                anchor: "first-words".into(),
                heading: "Renamed heading".into(),
                body: String::new(),
            },
            SectionDraft {
                anchor: String::new(),
                heading: "First words".into(),
                body: String::new(),
            },
            SectionDraft {
                anchor: "bad anchor!".into(),
                heading: "".into(),
                body: String::new(),
            },
        ];
        assign_anchors(&mut sections);
        assert_eq!(sections[0].anchor, "first-words");
        assert_eq!(sections[1].anchor, "first-words-2");
        assert_eq!(sections[2].anchor, "section-3");
    }

    #[test]
    fn buttons_parse_and_rearrange_sections() {
        assert_eq!(Action::parse("move_up:2"), Some(Action::MoveUp(2)));
        assert_eq!(Action::parse("remove_section:x"), None);
        assert_eq!(Action::parse("drop_table"), None);
        let mut s = vec![
            SectionDraft {
                heading: "a".into(),
                ..SectionDraft::default()
            },
            SectionDraft {
                heading: "b".into(),
                ..SectionDraft::default()
            },
        ];
        Action::MoveDown(0).rearrange(&mut s);
        assert_eq!(s[0].heading, "b");
        Action::MoveUp(9).rearrange(&mut s);
        Action::RemoveSection(0).rearrange(&mut s);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].heading, "a");
    }

    #[test]
    fn publish_times_are_read_in_the_site_time_zone() {
        let london: Tz = "Europe/London".parse().expect("a zone");
        // Summer time: 10:00 in London is 09:00 UTC.
        let utc = parse_local("2026-07-01T10:00", london).expect("a time");
        assert_eq!(utc.to_string(), "2026-07-01 09:00:00");
        assert_eq!(local_input(utc, london), "2026-07-01T10:00");
        // The hour skipped when the clocks go forward does not exist.
        assert_eq!(parse_local("2026-03-29T01:30", london), None);
        assert_eq!(parse_local("tomorrow", london), None);
    }

    #[test]
    fn diffs_mark_added_and_removed_lines() {
        let lines = diff_lines("a\nb\n", "a\nc\n");
        let kinds: Vec<_> = lines.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(kinds, vec![("same", "a"), ("removed", "b"), ("added", "c")]);
    }
}
