//! `/admin/articles/{id}/live`: an article's live coverage for the staff.
//! Start and end it, post entries (a form that posts back to the page),
//! and edit or delete each entry on its own page. Everything it changes
//! is `newsroom::live`'s.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::forms::{self, parse_id, Button, DoneQuery, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::live_entries::{self, Coverage, Entry, EntryRow, LiveArticle};
use crate::db::{media, settings};
use crate::domain::actor::{self as policy, Actor};
use crate::error::{AppError, FieldErrors};
use crate::newsroom::live::{self, EntryInput, Outcome};
use crate::views::filters;

/// The largest entry form: 4,000 characters of text, percent-encoded.
const MAX_BODY: usize = 64 * 1024;

/// The form config of the entry forms.
pub fn form_config() -> web::FormConfig {
    forms::form_config(
        MAX_BODY,
        "Entry too long",
        "The entry's form is over 64 KB, so nothing was posted. Shorten the text and try again.",
    )
}

/// Images the form offers by name: the newest of the library.
const PICKER: i64 = 50;

#[derive(Template)]
#[template(path = "admin/live.html")]
pub struct LivePage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub article: LiveArticle,
    pub coverage: Option<Coverage>,
    pub entries: Vec<Entry>,
    /// The new entry's form, as typed.
    pub form: EntryInput,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    /// Why a post or an end was refused.
    pub refusal: Option<String>,
    /// File names of the newest images, offered by the image field.
    pub images: Vec<String>,
    pub actor: Actor,
}

impl LivePage {
    /// Whether the coverage runs now.
    fn is_live(&self) -> bool {
        self.coverage.is_some_and(|c| c.is_live())
    }

    /// Whether they may start or end it.
    fn may_run(&self) -> bool {
        self.actor.can_publish(self.article.author_id)
    }

    /// Whether they may edit or delete an entry of `author_id`.
    fn may_change(&self, author_id: &i32) -> bool {
        self.actor.can_publish(*author_id)
    }
}

#[derive(Template)]
#[template(path = "admin/live_entry.html")]
pub struct EntryPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub article: LiveArticle,
    pub entry: EntryRow,
    pub form: EntryInput,
    pub errors: FieldErrors,
    pub images: Vec<String>,
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "started" => Some("Live coverage started: the page shows its LIVE marker now."),
        "live" => Some("The coverage was live already."),
        "ended" => Some("Live coverage ended: the page says when."),
        "over" => Some("The coverage had ended already."),
        "posted" => Some(
            "Entry posted. It is on the page now, and readers who have the page open see it \
             within about 30 seconds.",
        ),
        "saved" => Some("Entry saved. The page shows the change now."),
        "unchanged" => Some("Nothing was changed."),
        "deleted" => Some("Entry deleted."),
        _ => None,
    }
}

/// Only those who may publish (authors, editors, admins) work on live
/// pages.
fn may_post(staff: &Staff) -> Result<(), AppError> {
    let actor = staff.actor();
    policy::require(actor.can_publish(actor.user_id), "post live entries")
}

/// The live page of article `id` (404 if there is none), with `form`.
async fn live_page(
    state: &AppState,
    staff: Staff,
    id: i32,
    form: EntryInput,
) -> Result<LivePage, AppError> {
    let (site_name, article, coverage, entries, images) = state
        .run(move |conn| {
            let article = live_entries::article(conn, id)?.ok_or(AppError::NotFound)?;
            let coverage = live_entries::coverage(conn, id)?;
            let entries = live_entries::newest(conn, id, 0, live::MAX_ENTRIES)?;
            let images = media::all_for_picker(conn, PICKER)?
                .into_iter()
                .map(|m| m.file_name)
                .collect();
            Ok((
                settings::load(conn)?.name,
                article,
                coverage,
                entries,
                images,
            ))
        })
        .await?;
    let title = format!("Live: {}", article.title);
    Ok(LivePage {
        csrf_token: staff.csrf_token.clone(),
        actor: staff.actor(),
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        article,
        coverage,
        entries,
        form,
        errors: FieldErrors::default(),
        notice: None,
        refusal: None,
        images,
    })
}

/// GET /admin/articles/{id}/live.
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    may_post(&staff)?;
    let id = parse_id(&path)?;
    let mut page = live_page(&state, staff, id, EntryInput::default()).await?;
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// The page again after a refused form or button: 422 with the fields'
/// messages, 409 with why; any other error as it is.
async fn refused(
    state: &AppState,
    staff: Staff,
    id: i32,
    form: EntryInput,
    error: AppError,
) -> Result<HttpResponse, AppError> {
    match error {
        AppError::Invalid(errors) => {
            tracing::info!(article_id = id, errors = %errors.summary(), "live entry refused");
            let mut page = live_page(state, staff, id, form).await?;
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        AppError::Conflict { message, .. } => {
            tracing::info!(article_id = id, %message, "live coverage change refused");
            let mut page = live_page(state, staff, id, form).await?;
            page.refusal = Some(message);
            respond(StatusCode::CONFLICT, &page)
        }
        other => Err(other),
    }
}

/// POST /admin/articles/{id}/live: a new entry.
pub async fn post(
    state: web::Data<AppState>,
    post: StaffForm<EntryInput>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| live::post(conn, &actor, id, &input))
        .await
    {
        Ok(entry) => {
            tracing::info!(article_id = id, entry_id = entry, "live entry posted");
            Ok(see_other(&format!(
                "/admin/articles/{id}/live?done=posted#entry-{entry}"
            )))
        }
        Err(e) => refused(&state, post.staff, id, post.form, e).await,
    }
}

/// POST /admin/articles/{id}/live/start.
pub async fn start(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let done = ("started", "live");
    switch_coverage(
        state,
        post,
        path,
        live::start,
        done,
        "live coverage started",
    )
    .await
}

/// POST /admin/articles/{id}/live/end.
pub async fn end(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let done = ("ended", "over");
    switch_coverage(state, post, path, live::end, done, "live coverage ended").await
}

/// Starts or ends an article's coverage with `step`, then back to its
/// live page saying `done.0` (it changed) or `done.1` (it already was so).
async fn switch_coverage(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<String>,
    step: fn(&mut crate::db::DbConn, &Actor, i32) -> Result<Outcome, AppError>,
    done: (&'static str, &'static str),
    what: &'static str,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let actor = post.actor();
    match state.run(move |conn| step(conn, &actor, id)).await {
        Ok(outcome) => {
            tracing::info!(article_id = id, ?outcome, "{what}");
            let done = if outcome == Outcome::Done {
                done.0
            } else {
                done.1
            };
            Ok(see_other(&format!("/admin/articles/{id}/live?done={done}")))
        }
        Err(e) => refused(&state, post.staff, id, EntryInput::default(), e).await,
    }
}

/// The two ids of `/admin/articles/{id}/live/{entry}`.
fn ids(path: &(String, String)) -> Result<(i32, i32), AppError> {
    Ok((parse_id(&path.0)?, parse_id(&path.1)?))
}

/// The edit page of entry `entry` of article `id` (404 if the article has
/// no such entry), with `form` or the entry as stored.
async fn entry_page(
    state: &AppState,
    staff: Staff,
    (id, entry): (i32, i32),
    form: Option<EntryInput>,
) -> Result<EntryPage, AppError> {
    let (site_name, article, row, image, images) = state
        .run(move |conn| {
            let article = live_entries::article(conn, id)?.ok_or(AppError::NotFound)?;
            let row = live_entries::find(conn, entry)?
                .filter(|e| e.article_id == id)
                .ok_or(AppError::NotFound)?;
            let image = match row.image_media_id {
                Some(m) => media::find(conn, m)?.map(|m| m.file_name),
                None => None,
            };
            let images = media::all_for_picker(conn, PICKER)?
                .into_iter()
                .map(|m| m.file_name)
                .collect();
            Ok((settings::load(conn)?.name, article, row, image, images))
        })
        .await?;
    let title = format!("Live entry of {}", article.title);
    Ok(EntryPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        form: form.unwrap_or_else(|| EntryInput::of(&row, image.as_deref())),
        article,
        entry: row,
        errors: FieldErrors::default(),
        images,
    })
}

/// GET /admin/articles/{id}/live/{entry}.
pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    may_post(&staff)?;
    let ids = ids(&path)?;
    let actor = staff.actor();
    let page = entry_page(&state, staff, ids, None).await?;
    policy::require(
        actor.can_publish(page.entry.author_id),
        "change another writer's live entry",
    )?;
    respond(StatusCode::OK, &page)
}

/// POST /admin/articles/{id}/live/{entry}: saves the edit form.
pub async fn save(
    state: web::Data<AppState>,
    post: StaffForm<EntryInput>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, entry) = ids(&path)?;
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| live::edit(conn, &actor, id, entry, &input))
        .await
    {
        Ok(outcome) => {
            tracing::info!(
                article_id = id,
                entry_id = entry,
                ?outcome,
                "live entry saved"
            );
            let done = if outcome == Outcome::Done {
                "saved"
            } else {
                "unchanged"
            };
            Ok(see_other(&format!(
                "/admin/articles/{id}/live?done={done}#entry-{entry}"
            )))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(entry_id = entry, errors = %errors.summary(), "live entry edit refused");
            let mut page = entry_page(&state, post.staff, (id, entry), Some(post.form)).await?;
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// POST /admin/articles/{id}/live/{entry}/delete.
pub async fn delete(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, entry) = ids(&path)?;
    let actor = post.actor();
    state
        .run(move |conn| live::delete(conn, &actor, id, entry))
        .await?;
    tracing::info!(article_id = id, entry_id = entry, "live entry deleted");
    Ok(see_other(&format!(
        "/admin/articles/{id}/live?done=deleted"
    )))
}
