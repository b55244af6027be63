//! The article editor: `/admin/articles/new` and `/admin/articles/{id}`.
//!
//! One form holds every field of the article, its sections (added, removed
//! and reordered by buttons that re-render the form without saving) and the
//! workflow buttons. Every save carries the version it started from; a
//! stale one is refused with both versions shown. Preview renders the
//! article with the public page's own template. Works without JavaScript.
//!
//! The form's fields, its checks, the preview and the save each button
//! asks for are `newsroom::article_form`'s; this module reads the post off
//! the connection, calls it and renders the page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;
use futures_util::StreamExt;

use super::page::{see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::csrf;
use crate::auth::session::Staff;
use crate::db::articles::Story;
use crate::db::editor::{self, Draft, SectionDraft, Snapshot, Stored};
use crate::db::media as db_media;
use crate::db::models::{Category, Media, Note, Section, Tag};
use crate::db::review_notes::{self, NamedNote};
use crate::db::schema::users;
use crate::db::{categories, settings, DbConn};
use crate::domain::clock::now;
use crate::domain::limits::{MAX_ARTICLE_BYTES, MAX_SECTIONS};
use crate::domain::{ArticleKind, ArticleStatus, NoteKind, SourceKind};
use crate::error::{AppError, FieldErrors};
use crate::newsroom::article_form::{
    self, check_form, Action, Against, ArticlePreview, Checked, EditorForm, Submitted,
};
use crate::newsroom::articles;
use crate::newsroom::review::{self, NoteForm};
use crate::views::filters;

/// The largest article form accepted (all sections together).
pub const MAX_BODY: usize = MAX_ARTICLE_BYTES;
/// Media offered in the hero image picker, newest first.
const PICKER_MEDIA: i64 = 200;

/// The notice shown after a redirect with `?saved=KEY`.
fn notice_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "Created as a draft.",
        "saved" => "Saved.",
        "review" => "Submitted for review.",
        "published" => "Published: it is on the site now.",
        "approved" => "Approved and published: it is on the site now.",
        "noted" => "Note added. The writer and the editors see it beside the article.",
        "returned" => "Returned to its writer as a draft, with the notes beside it.",
        "scheduled" => "Scheduled: it goes on the site at the publish time.",
        "unpublished" => "Unpublished: it is off the site and back to draft.",
        "archived" => "Archived: it is off the site.",
        "restored" => "Restored: the old revision is now the newest one.",
        _ => return None,
    })
}

/// One line of a diff.
#[derive(Debug, Clone)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub kind: &'static str,
    pub text: String,
}

/// The differences between two texts, line by line, or a note that they
/// are too large to compare.
#[derive(Debug, Clone, Default)]
pub struct LineDiff {
    pub lines: Vec<DiffLine>,
    /// The texts were over [`MAX_DIFF_BYTES`] or [`MAX_DIFF_LINES`]
    /// together, so no line diff was made.
    pub too_large: bool,
}

impl LineDiff {
    /// How many lines were added or removed.
    pub fn changes(&self) -> usize {
        self.lines.iter().filter(|l| l.kind != "same").count()
    }
}

/// Texts larger than this together (bytes, or lines) are not compared
/// line by line: two versions of the largest article the editor takes,
/// or 20,000 lines (a long article has a few hundred).
pub const MAX_DIFF_BYTES: usize = 2 * MAX_BODY;
pub const MAX_DIFF_LINES: usize = 20_000;
/// How long the diff algorithm may look for the shortest diff; past this
/// it settles for a longer one that is still correct.
const DIFF_TIME: std::time::Duration = std::time::Duration::from_millis(300);

/// A line diff of two texts, bounded in size and in time. CPU work: call
/// it on the blocking pool.
pub fn diff_lines(old: &str, new: &str) -> LineDiff {
    let lines = old.lines().count() + new.lines().count();
    if old.len() + new.len() > MAX_DIFF_BYTES || lines > MAX_DIFF_LINES {
        tracing::info!(
            bytes = old.len() + new.len(),
            lines,
            "texts too large to compare line by line"
        );
        return LineDiff {
            lines: Vec::new(),
            too_large: true,
        };
    }
    let lines = similar::TextDiff::configure()
        .timeout(DIFF_TIME)
        .diff_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            kind: match c.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_owned(),
        })
        .collect();
    LineDiff {
        lines,
        too_large: false,
    }
}

/// A stale save: what is stored now against what the editor sent.
pub struct ConflictView {
    pub stored_version: i32,
    pub stored_at: NaiveDateTime,
    pub diff: LineDiff,
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
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    pub preview_html: Option<String>,
    pub conflict: Option<ConflictView>,
    pub live_path: Option<String>,
    pub can_publish: bool,
    pub can_assign_author: bool,
    pub time_zone: String,
    /// Whether the stored article was public and its expiry has passed.
    pub expired: bool,
    /// The review notes beside the editor, oldest first.
    pub review_notes: Vec<NoteView>,
    /// The sections a new note may be about: (anchor, heading), as saved.
    pub note_sections: Vec<(String, String)>,
    /// The notes form as typed (kept when a note is refused).
    pub note_form: NoteForm,
    /// Whether the notes form offers "Return to writer".
    pub can_return: bool,
}

/// A review note as the editor shows it.
pub struct NoteView {
    pub id: i32,
    pub author: String,
    pub created_at: NaiveDateTime,
    pub body: String,
    /// The anchor of the section it is about, if one.
    pub section_anchor: Option<String>,
    /// That section's heading now; `None` if it has since been removed.
    pub section_heading: Option<String>,
}

impl EditorPage {
    /// The message for `field`, if it has one.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// The editor's script: an unsaved-changes warning and Ctrl+S.
    pub fn script(&self) -> &'static str {
        crate::static_files::url("editor.js")
    }

    pub fn is_public(&self) -> bool {
        self.status.is_public()
    }

    /// The sources an article may credit, as the form offers them.
    pub fn sources(&self) -> [SourceKind; 3] {
        SourceKind::ALL
    }

    /// The kinds of note a save may attach.
    pub fn note_kinds(&self) -> [NoteKind; 2] {
        NoteKind::ALL
    }

    /// Whether the notes form has this section chosen.
    pub fn note_about(&self, anchor: &str) -> bool {
        self.note_form.section.trim() == anchor
    }
}

/// The article body exactly as the public page renders it.
#[derive(Template)]
#[template(path = "admin/article_preview.html")]
pub struct Preview {
    pub card: Story,
    pub hero: Option<Media>,
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    pub notes: Vec<Note>,
}

/// What every editor page needs from the database.
struct Context {
    site_name: String,
    zone: Tz,
    categories: Vec<Category>,
    authors: Vec<(i32, String)>,
    media: Vec<Media>,
    /// The review notes of the article being edited.
    notes: Vec<NamedNote>,
}

/// What every editor page needs: for article `article` (`None` for a new
/// one) whose hero image is `hero`.
fn context(
    conn: &mut DbConn,
    staff: &Staff,
    article: Option<i32>,
    hero: Option<i32>,
) -> QueryResult<Context> {
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
        notes: match article {
            Some(id) => review_notes::of_article(conn, id)?,
            None => Vec::new(),
        },
    })
}

/// The preview rendered with the public article template, its Markdown
/// rendered and sanitized as a save would.
fn render_preview(mut shown: ArticlePreview) -> Result<String, AppError> {
    shown.render_markdown();
    let ArticlePreview {
        card,
        hero,
        intro_html,
        sections,
        tags,
        notes,
    } = shown;
    let preview = Preview {
        card,
        hero,
        intro_html,
        sections,
        tags,
        notes,
    };
    Ok(preview.render()?)
}

/// What a request to the editor came to.
enum Outcome {
    Page(StatusCode, Box<EditorPage>, Extra),
    Redirect(String),
}

/// What a page shows besides the form, made after the connection has gone
/// back to the pool.
enum Extra {
    Nothing,
    /// The preview of the form's draft.
    Preview(Box<ArticlePreview>),
    /// A stale save: the texts of the stored version and of the one sent.
    Conflict(String, String),
}

/// Answers with the outcome. Markdown, the diff and the page are rendered
/// on the blocking pool, without a connection.
async fn answer(outcome: Outcome) -> Result<HttpResponse, AppError> {
    let (status, mut page, extra) = match outcome {
        Outcome::Redirect(to) => return Ok(see_other(&to)),
        Outcome::Page(status, page, extra) => (status, page, extra),
    };
    let html = web::block(move || -> Result<String, AppError> {
        match extra {
            Extra::Nothing => {}
            Extra::Preview(preview) => page.preview_html = Some(render_preview(*preview)?),
            Extra::Conflict(stored, mine) => {
                if let Some(c) = page.conflict.as_mut() {
                    c.diff = diff_lines(&stored, &mine);
                }
            }
        }
        Ok(page.render()?)
    })
    .await??;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
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
    let headings = stored.map(review::headings).unwrap_or_default();
    let review_notes = ctx
        .notes
        .into_iter()
        .map(|NamedNote { note, author }| NoteView {
            id: note.id,
            author,
            created_at: note.created_at,
            section_heading: note
                .section_anchor
                .as_deref()
                .and_then(|a| headings.get(a))
                .map(|h| (*h).to_owned()),
            section_anchor: note.section_anchor,
            body: note.body,
        })
        .collect();
    let note_sections = stored.map_or_else(Vec::new, |s| {
        s.draft
            .sections
            .iter()
            .map(|s| (s.anchor.clone(), s.heading.clone()))
            .collect()
    });
    EditorPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(ctx.site_name, &title, Some(staff.clone())),
        id: stored.map(|s| s.article.id),
        version: stored.map_or(0, |s| s.article.version),
        status: stored.map_or(ArticleStatus::Draft, |s| s.article.status),
        form,
        categories: ctx.categories,
        authors: ctx.authors,
        media: ctx.media,
        errors: FieldErrors::default(),
        notice: None,
        preview_html: None,
        conflict: None,
        live_path,
        can_publish: staff.can_publish(author_id),
        can_assign_author: staff.can_assign_author(),
        time_zone: ctx.zone.to_string(),
        expired: stored.is_some_and(|s| {
            s.article
                .status
                .has_expired(s.article.published_at, s.article.expires_at, now())
        }),
        review_notes,
        note_sections,
        note_form: NoteForm::default(),
        can_return: stored.is_some_and(|s| s.article.status == ArticleStatus::Review)
            && staff.can_publish(author_id),
    }
}

/// The public path of a stored article if readers can see it now.
fn live_path(conn: &mut DbConn, stored: &Stored) -> QueryResult<Option<String>> {
    let a = &stored.article;
    if a.status.is_visible(a.published_at, a.expires_at, now()) {
        Ok(Some(editor::public_path(conn, &stored.draft)?))
    } else {
        Ok(None)
    }
}

/// The article `id` for `staff`: 404 when missing, 403 when not theirs
/// (`newsroom::articles::editable`). The editor and the history both open
/// articles through it.
pub(super) fn editable(conn: &mut DbConn, id: i32, staff: &Staff) -> Result<Stored, AppError> {
    articles::editable(conn, &staff.actor(), id)
}

/// The editor again at 409, with what is stored now beside what was
/// typed: someone saved the article since the form was opened.
fn conflict_page(
    conn: &mut DbConn,
    staff: &Staff,
    ctx: Context,
    form: EditorForm,
    draft: Draft,
    now_stored: Stored,
) -> Result<Outcome, AppError> {
    let mine = Snapshot {
        draft,
        status: now_stored.article.status,
        published_at: now_stored.article.published_at,
    };
    let texts = (now_stored.snapshot().as_text(), mine.as_text());
    let live = live_path(conn, &now_stored)?;
    let mut p = page(staff, ctx, Some(&now_stored), form, live);
    p.conflict = Some(ConflictView {
        stored_version: now_stored.article.version,
        stored_at: now_stored.article.updated_at,
        diff: LineDiff::default(),
    });
    Ok(Outcome::Page(
        StatusCode::CONFLICT,
        Box::new(p),
        Extra::Conflict(texts.0, texts.1),
    ))
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
            let ctx = context(conn, &staff, None, None)?;
            let form = EditorForm {
                kind: ArticleKind::News.as_str().to_owned(),
                author_id: staff.user_id.to_string(),
                sections: vec![SectionDraft::default()],
                ..EditorForm::default()
            };
            Ok(Outcome::Page(
                StatusCode::OK,
                Box::new(page(&staff, ctx, None, form, None)),
                Extra::Nothing,
            ))
        })
        .await?;
    answer(outcome).await
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
            let ctx = context(conn, &staff, Some(id), stored.article.hero_media_id)?;
            let form = EditorForm::from_draft(&stored.draft, stored.article.published_at, ctx.zone);
            let live = live_path(conn, &stored)?;
            let mut page = page(&staff, ctx, Some(&stored), form, live);
            page.notice = notice;
            Ok(Outcome::Page(
                StatusCode::OK,
                Box::new(page),
                Extra::Nothing,
            ))
        })
        .await?;
    answer(outcome).await
}

/// The editor of article `id` as saved, with the notes form showing
/// `note` as typed and its `errors`: a refused note, at 422.
pub(super) async fn note_refused(
    state: &AppState,
    staff: Staff,
    id: i32,
    note: NoteForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let outcome = state
        .run(move |conn| {
            let stored = editable(conn, id, &staff)?;
            let ctx = context(conn, &staff, Some(id), stored.article.hero_media_id)?;
            let form = EditorForm::from_draft(&stored.draft, stored.article.published_at, ctx.zone);
            let live = live_path(conn, &stored)?;
            let mut page = page(&staff, ctx, Some(&stored), form, live);
            page.note_form = note;
            page.errors = errors;
            Ok(Outcome::Page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Box::new(page),
                Extra::Nothing,
            ))
        })
        .await?;
    answer(outcome).await
}

/// Reads the form body, refusing more than [`MAX_BODY`] with a 413 page.
async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "article form not read");
            AppError::BadRequest(
                "The form could not be read. Reload the page and try again.".to_owned(),
            )
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(AppError::PayloadTooLarge {
                limit: MAX_BODY,
                title: "Article too long",
                message: "The article is over 2 MB of text, so it was not saved. \
                          Split it into shorter articles."
                    .to_owned(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// POST /admin/articles/new.
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    submit(state, staff, payload, None).await
}

/// POST /admin/articles/{id}.
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.parse::<i32>().map_err(|_| AppError::NotFound)?;
    submit(state, staff, payload, Some(id)).await
}

/// An editor form as posted: read, its token checked, its fields checked
/// off the connection.
struct Posted {
    form: EditorForm,
    /// The fields checked, unless the button only rearranges sections.
    checked: Option<Checked>,
    action: Action,
    /// The version the form started from (0 for a new article).
    expected: i32,
}

/// Reads and checks the form posted to the article `id` (`None`: a new
/// one): the body within [`MAX_BODY`], the CSRF token, the section count,
/// the button and the version. Reading and checking is CPU work on up to
/// 2 MB of text: it runs on the blocking pool, before a pooled connection
/// is taken.
async fn read_form(
    staff: &Staff,
    payload: web::Payload,
    id: Option<i32>,
) -> Result<Posted, AppError> {
    let body = read_body(payload).await?;
    let who = staff.clone();
    let (form, checked) = web::block(move || {
        let form = EditorForm::parse(&body);
        let validating = csrf::session_token_ok(&who, &form.csrf_token)
            && form.too_many_sections.is_none()
            && Action::parse(&form.action).is_some_and(|a| !a.rearranges());
        let checked = validating.then(|| check_form(&form));
        (form, checked)
    })
    .await?;
    if !csrf::session_token_ok(staff, &form.csrf_token) {
        return Err(AppError::form_expired());
    }
    if let Some(n) = form.too_many_sections {
        tracing::info!(sections = n, "article form with too many sections refused");
        // Too many to show again: the refusal is a page of its own.
        return Err(AppError::invalid(
            "sections",
            format!(
                "The form has {n} sections; an article may have at most {MAX_SECTIONS}, \
                 so nothing was saved. Go back and remove some."
            ),
        ));
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
    Ok(Posted {
        form,
        checked,
        action,
        expected,
    })
}

/// The article being edited and what its page needs.
struct Editing {
    staff: Staff,
    stored: Option<Stored>,
    ctx: Context,
    live: Option<String>,
    expected: i32,
}

impl Editing {
    /// The editor showing `form`.
    fn page(self, form: EditorForm) -> Box<EditorPage> {
        let mut p = page(&self.staff, self.ctx, self.stored.as_ref(), form, self.live);
        p.version = self.expected;
        Box::new(p)
    }
}

async fn submit(
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let posted = read_form(&staff, payload, id).await?;
    let outcome = state
        .run(move |conn| {
            let stored = match id {
                Some(id) => Some(editable(conn, id, &staff)?),
                None => None,
            };
            let hero = posted.form.hero_media_id.trim().parse::<i32>().ok();
            let ctx = context(conn, &staff, id, hero)?;
            let live = match &stored {
                Some(s) => live_path(conn, s)?,
                None => None,
            };
            let editing = Editing {
                staff,
                stored,
                ctx,
                live,
                expected: posted.expected,
            };
            act(conn, editing, posted)
        })
        .await?;
    answer(outcome).await
}

/// What a button does: rearrange the sections, or preview or save through
/// `newsroom::article_form::submit` (the form again at 422 with its
/// errors, or at 409 beside what someone else saved meanwhile).
fn act(conn: &mut DbConn, editing: Editing, posted: Posted) -> Result<Outcome, AppError> {
    let Posted {
        mut form,
        checked,
        action,
        expected,
    } = posted;
    if action.rearranges() {
        action.rearrange(&mut form.sections);
        if form.sections.is_empty() {
            form.sections.push(SectionDraft::default());
        }
        return Ok(Outcome::Page(
            StatusCode::OK,
            editing.page(form),
            Extra::Nothing,
        ));
    }
    let checked = checked.unwrap_or_else(|| check_form(&form));
    let against = Against {
        stored: editing.stored.as_ref(),
        categories: &editing.ctx.categories,
        authors: &editing.ctx.authors,
        zone: editing.ctx.zone,
    };
    let actor = editing.staff.actor();
    let submitted = article_form::submit(conn, &actor, &against, &form, checked, action, expected)?;
    Ok(match submitted {
        Submitted::Preview(preview) => {
            Outcome::Page(StatusCode::OK, editing.page(form), Extra::Preview(preview))
        }
        Submitted::Refused(errors) => {
            tracing::info!(errors = errors.len(), "article form refused");
            let mut p = editing.page(form);
            p.errors = errors;
            Outcome::Page(StatusCode::UNPROCESSABLE_ENTITY, p, Extra::Nothing)
        }
        Submitted::Stale { draft, now_stored } => {
            tracing::info!(
                article_id = now_stored.article.id,
                expected,
                "stale save refused"
            );
            let Editing { staff, ctx, .. } = editing;
            conflict_page(conn, &staff, ctx, form, *draft, *now_stored)?
        }
        Submitted::Saved { id, notice } => {
            Outcome::Redirect(format!("/admin/articles/{id}?saved={notice}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_mark_added_and_removed_lines() {
        let diff = diff_lines("a\nb\n", "a\nc\n");
        assert!(!diff.too_large);
        assert_eq!(diff.changes(), 2);
        let kinds: Vec<_> = diff
            .lines
            .iter()
            .map(|l| (l.kind, l.text.as_str()))
            .collect();
        assert_eq!(kinds, vec![("same", "a"), ("removed", "b"), ("added", "c")]);
    }
}
