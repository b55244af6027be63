//! `/admin/tags` (editors and admins): every hashtag with its article
//! count, filtered by `?q=`, 100 a page; renaming one (onto another
//! hashtag's slug merges the two) and deleting one. The search index of
//! every article concerned is rewritten in the same transaction
//! (`newsroom::tags`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{parse_id, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::models::Tag;
use crate::db::{settings, tags as db_tags, DbConn};
use crate::domain::{tag_slug, PageNumber};
use crate::error::AppError;
use crate::newsroom::tags;

/// Hashtags per page.
pub const PER_PAGE: i64 = 100;

/// The query string; kept as text so bad values get our 400 page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TagsQuery {
    pub q: String,
    pub page: Option<String>,
    pub done: String,
}

/// A rename as posted; `q` and `page` bring the reader back to the same
/// listing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    pub name: String,
    pub q: String,
    pub page: String,
}

/// A deletion as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub q: String,
}

/// A rename that was refused: which hashtag, what was typed and why.
pub struct Refused {
    pub id: i32,
    pub typed: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "admin/tags.html")]
pub struct TagsPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub tags: Vec<(Tag, i64)>,
    pub q: String,
    pub page: u32,
    pub total_pages: u32,
    pub total: i64,
    pub notice: Option<&'static str>,
    pub refused: Option<Refused>,
    /// `q=...&` for the pagination links, or empty.
    pub filter_query: String,
}

impl TagsPage {
    /// What the rename field of `tag` shows: what was typed if its rename
    /// was refused, else its name.
    fn typed_for<'a>(&'a self, tag: &'a Tag) -> &'a str {
        match &self.refused {
            Some(r) if r.id == tag.id => &r.typed,
            _ => &tag.name,
        }
    }

    fn error_for(&self, id: &i32) -> Option<&str> {
        match &self.refused {
            Some(r) if r.id == *id => Some(&r.message),
            _ => None,
        }
    }
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "renamed" => Some(
            "Hashtag renamed. Its articles show the new name, and the old address \
             redirects to the new one.",
        ),
        "merged" => Some(
            "Another hashtag already had that name, so the two were merged: their articles \
             now carry the one hashtag listed here, and the old address redirects to it.",
        ),
        "unchanged" => Some("Nothing was changed."),
        "deleted" => Some("Hashtag deleted and removed from its articles."),
        _ => None,
    }
}

/// The slug fragment `q` filters by: `Ok(None)` for no filter,
/// `Err(())` for a query that can match nothing.
fn filter_of(q: &str) -> Result<Option<String>, ()> {
    let q = q.trim();
    if q.is_empty() || q.trim_start_matches('#').trim().is_empty() {
        return Ok(None);
    }
    tag_slug(q).map(Some).ok_or(())
}

fn filter_query(q: &str) -> String {
    let q = q.trim();
    if q.is_empty() {
        return String::new();
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair("q", q);
    format!("{}&", out.finish())
}

/// One listing page: the site name, the rows (each hashtag with its
/// article count) and how many hashtags match.
type Listing = (String, Vec<(Tag, i64)>, i64);

fn listing(conn: &mut DbConn, q: &str, offset: i64) -> Result<Listing, AppError> {
    let site_name = settings::load(conn)?.name;
    let (rows, total) = match filter_of(q) {
        Err(()) => (Vec::new(), 0),
        Ok(filter) => (
            db_tags::page_with_counts(conn, filter.as_deref(), offset, PER_PAGE)?,
            db_tags::count_matching(conn, filter.as_deref())?,
        ),
    };
    Ok((site_name, rows, total))
}

fn total_pages(total: i64) -> u32 {
    u32::try_from(((total + PER_PAGE - 1) / PER_PAGE).max(1)).unwrap_or(u32::MAX)
}

#[allow(clippy::too_many_arguments)]
fn page_of(
    staff: Staff,
    site_name: String,
    tags: Vec<(Tag, i64)>,
    total: i64,
    q: String,
    page: u32,
    notice: Option<&'static str>,
    refused: Option<Refused>,
) -> TagsPage {
    TagsPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Hashtags", Some(staff)),
        tags,
        filter_query: filter_query(&q),
        q: q.trim().to_owned(),
        page,
        total_pages: total_pages(total),
        total,
        notice,
        refused,
    }
}

/// GET /admin/tags.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<TagsQuery>,
) -> Result<HttpResponse, AppError> {
    tags::may_manage(&staff.actor())?;
    let query = query.into_inner();
    let number = PageNumber::parse(query.page.as_deref())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let q = query.q.clone();
    let offset = number.offset(PER_PAGE);
    let (site_name, rows, total) = state.run(move |conn| listing(conn, &q, offset)).await?;
    if rows.is_empty() && number.get() > 1 {
        return Err(AppError::NotFound);
    }
    let page = page_of(
        staff,
        site_name,
        rows,
        total,
        query.q,
        number.get(),
        notice(&query.done),
        None,
    );
    respond(StatusCode::OK, &page)
}

/// Where to go after a change: the listing filtered by `q`, with a notice.
fn back_to(q: &str, done: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if !q.trim().is_empty() {
        out.append_pair("q", q.trim());
    }
    out.append_pair("done", done);
    format!("/admin/tags?{}", out.finish())
}

/// POST /admin/tags/{id}: renames a hashtag (`newsroom::tags::rename`);
/// a name it refuses comes back in its row with the reason, at 422.
pub async fn rename(
    state: web::Data<AppState>,
    post: StaffForm<RenameForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, typed) = (post.actor(), post.form.name.clone());
    let outcome = state
        .run(move |conn| tags::rename(conn, &actor, id, &typed))
        .await;
    let message = match outcome {
        Ok((done, slug)) => {
            let done = done.notice();
            tracing::info!(tag_id = id, %done, %slug, "hashtag renamed");
            return Ok(see_other(&back_to(&slug, done)));
        }
        Err(AppError::Invalid(errors)) => errors.get("name").unwrap_or_default().to_owned(),
        Err(e) => return Err(e),
    };
    tracing::info!(tag_id = id, reason = %message, "hashtag rename refused");
    let StaffForm { staff, form } = post;
    let number = PageNumber::parse(Some(&form.page)).unwrap_or(PageNumber::FIRST);
    let q = form.q.clone();
    let offset = number.offset(PER_PAGE);
    let (site_name, rows, total) = state.run(move |conn| listing(conn, &q, offset)).await?;
    let page = page_of(
        staff,
        site_name,
        rows,
        total,
        form.q,
        number.get(),
        None,
        Some(Refused {
            id,
            typed: form.name,
            message,
        }),
    );
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// POST /admin/tags/{id}/delete: removes the hashtag from its articles.
pub async fn delete(
    state: web::Data<AppState>,
    post: StaffForm<DeleteForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let actor = post.actor();
    state
        .run(move |conn| tags::delete(conn, &actor, id))
        .await?;
    tracing::info!(tag_id = id, "hashtag deleted");
    Ok(see_other(&back_to(&post.form.q, "deleted")))
}
