//! `/admin/tags` (editors and admins): every hashtag with its article
//! count, filtered by `?q=`, 100 a page; renaming one (onto another
//! hashtag's slug merges the two) and deleting one. The search index of
//! every article concerned is rewritten in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::categories::parse_id;
use super::page::{forbidden, AdminLayout};
use super::page::{respond, see_other};
use crate::app::AppState;
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, policy};
use crate::db::models::{NewAuditEntry, Tag};
use crate::db::{audit, redirects, search_index, settings, tags, write_transaction, DbConn};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{tag_slug, PageNumber};
use crate::error::AppError;

/// Hashtags per page.
pub const PER_PAGE: i64 = 100;

/// Longest hashtag name, in characters.
pub const MAX_NAME: usize = 100;

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
    pub csrf_token: String,
}

/// A deletion as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub q: String,
    pub csrf_token: String,
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

fn may_manage(staff: &Staff) -> Result<(), AppError> {
    policy::require(staff.can_manage_tags(), "manage hashtags")
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
            tags::page_with_counts(conn, filter.as_deref(), offset, PER_PAGE)?,
            tags::count_matching(conn, filter.as_deref())?,
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
    may_manage(&staff)?;
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

/// Why a typed name cannot be a hashtag, or its (name, slug).
fn check_name(raw: &str) -> Result<(String, String), String> {
    let name = raw.trim().trim_start_matches('#').trim().to_owned();
    if name.is_empty() {
        return Err("Give the hashtag a name.".to_owned());
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "The name is too long: at most {MAX_NAME} characters."
        ));
    }
    text::check(&name, Lines::One, "name")?;
    match tag_slug(&name) {
        Some(slug) => Ok((name, slug)),
        None => Err("The name needs at least one letter or digit.".to_owned()),
    }
}

/// Rewrites the search index of `ids`.
fn reindex_all(conn: &mut DbConn, ids: &[i32]) -> Result<(), AppError> {
    for id in ids {
        search_index::reindex(conn, *id)?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What a rename came to.
enum Outcome {
    /// The notice code and the slug the hashtag now has.
    Done(&'static str, String),
    Invalid(String),
}

/// POST /admin/tags/{id}: renames a hashtag. Its slug follows the name;
/// if another hashtag has that slug already, this one is merged into it.
pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    may_manage(&staff)?;
    let id = parse_id(&path)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let checked = check_name(&form.name);
    let outcome = state
        .run(move |conn| {
            write_transaction::<_, AppError, _>(conn, |conn| {
                let tag = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
                let (name, slug) = match checked {
                    Ok(v) => v,
                    Err(message) => return Ok(Outcome::Invalid(message)),
                };
                if name == tag.name {
                    return Ok(Outcome::Done("unchanged", tag.slug));
                }
                let at = now();
                let ids = tags::article_ids(conn, id)?;
                let (done, detail, now_slug) = if slug == tag.slug {
                    tags::rename(conn, id, &slug, &name)?;
                    ("renamed", format!("renamed #{} to #{name}", tag.name), slug)
                } else if let Some(target) = tags::find_by_slug(conn, &slug)? {
                    let (moved, dropped) = tags::merge_into(conn, id, target.id)?;
                    move_tag_paths(conn, &tag.slug, &target.slug, at)?;
                    (
                        "merged",
                        format!(
                            "merged #{} into #{} (tag {}): {moved} article{} moved, \
                             {dropped} already had it",
                            tag.name,
                            target.name,
                            target.id,
                            plural(moved)
                        ),
                        target.slug,
                    )
                } else {
                    tags::rename(conn, id, &slug, &name)?;
                    move_tag_paths(conn, &tag.slug, &slug, at)?;
                    (
                        "renamed",
                        format!(
                            "renamed #{} to #{name} (/tag/{} → /tag/{slug})",
                            tag.name, tag.slug
                        ),
                        slug,
                    )
                };
                reindex_all(conn, &ids)?;
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::TAG_UPDATE,
                        target_type: "tag",
                        target_id: Some(id),
                        detail: &detail,
                        ip: &ip,
                        created_at: at,
                    },
                )?;
                Ok(Outcome::Done(done, now_slug))
            })
        })
        .await?;
    match outcome {
        Outcome::Done(done, slug) => {
            tracing::info!(tag_id = id, %done, %slug, "hashtag renamed");
            Ok(see_other(&back_to(&slug, done)))
        }
        Outcome::Invalid(message) => {
            tracing::info!(tag_id = id, reason = %message, "hashtag rename refused");
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
    }
}

/// `/tag/old` (and its feed) now answer 301 to `/tag/new`.
fn move_tag_paths(
    conn: &mut DbConn,
    old: &str,
    new: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    redirects::move_path(conn, &format!("/tag/{old}"), &format!("/tag/{new}"), at)?;
    redirects::move_path(
        conn,
        &format!("/tag/{old}/feed.xml"),
        &format!("/tag/{new}/feed.xml"),
        at,
    )?;
    Ok(())
}

/// POST /admin/tags/{id}/delete: removes the hashtag from its articles.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    may_manage(&staff)?;
    let id = parse_id(&path)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    state
        .run(move |conn| {
            write_transaction::<_, AppError, _>(conn, |conn| {
                let tag = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
                let ids = tags::article_ids(conn, id)?;
                tags::delete(conn, id)?;
                // Old addresses that led here would now lead nowhere.
                redirects::delete_to(conn, &format!("/tag/{}", tag.slug))?;
                redirects::delete_to(conn, &format!("/tag/{}/feed.xml", tag.slug))?;
                reindex_all(conn, &ids)?;
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::TAG_DELETE,
                        target_type: "tag",
                        target_id: Some(id),
                        detail: &format!(
                            "deleted #{} (/tag/{}) from {} article{}",
                            tag.name,
                            tag.slug,
                            ids.len(),
                            plural(ids.len())
                        ),
                        ip: &ip,
                        created_at: now(),
                    },
                )?;
                Ok(())
            })
        })
        .await?;
    tracing::info!(tag_id = id, "hashtag deleted");
    Ok(see_other(&back_to(&form.q, "deleted")))
}
