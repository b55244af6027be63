//! An article's history: `/admin/articles/{id}/history` lists every
//! revision, `/history/diff?from=A&to=B` shows what changed between any
//! two, and restoring one saves it again as a new revision, so nothing in
//! the history is ever lost.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::editor::{diff_lines, editable, LineDiff};
use super::forms::StaffForm;
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::editor::{self, RevisionRow};
use crate::db::settings;
use crate::error::AppError;
use crate::newsroom::articles;

use crate::views::filters;

#[derive(Template)]
#[template(path = "admin/history.html")]
pub struct HistoryPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub id: i32,
    pub title: String,
    pub current: i32,
    pub revisions: Vec<RevisionRow>,
    pub from: i32,
    pub to: i32,
}

#[derive(Template)]
#[template(path = "admin/diff.html")]
pub struct DiffPage {
    pub layout: AdminLayout,
    pub id: i32,
    pub title: String,
    pub from: i32,
    pub to: i32,
    pub diff: LineDiff,
    pub changes: usize,
}

fn article_id(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>().map_err(|_| AppError::NotFound)
}

/// GET /admin/articles/{id}/history.
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = article_id(&path)?;
    let page = state
        .run(move |conn| {
            let stored = editable(conn, id, &staff)?;
            let revisions = editor::revisions_of(conn, id)?;
            let site_name = settings::load(conn)?.name;
            let current = stored.article.version;
            let to = revisions.first().map_or(current, |r| r.version);
            let from = revisions.get(1).map_or(to, |r| r.version);
            Ok(HistoryPage {
                csrf_token: staff.csrf_token.clone(),
                layout: AdminLayout::new(site_name, "History", Some(staff)),
                id,
                title: stored.article.title,
                current,
                revisions,
                from,
                to,
            })
        })
        .await?;
    respond(StatusCode::OK, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiffQuery {
    pub from: String,
    pub to: String,
}

/// GET /admin/articles/{id}/history/diff?from=A&to=B.
pub async fn diff(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let id = article_id(&path)?;
    let version = |raw: &str| {
        raw.trim().parse::<i32>().map_err(|_| {
            AppError::BadRequest("Choose two revisions by their version numbers.".to_owned())
        })
    };
    let (from, to) = (version(&query.from)?, version(&query.to)?);
    let who = staff.clone();
    let (site_name, title, old, new) = state
        .run(move |conn| {
            let stored = editable(conn, id, &who)?;
            let old = editor::revision(conn, id, from)?.ok_or(AppError::NotFound)?;
            let new = editor::revision(conn, id, to)?.ok_or(AppError::NotFound)?;
            let site_name = settings::load(conn)?.name;
            Ok((site_name, stored.article.title, old, new))
        })
        .await?;
    // The diff and the page are CPU work, done without a connection.
    let html = web::block(move || -> Result<String, AppError> {
        let diff = diff_lines(&old.as_text(), &new.as_text());
        let changes = diff.changes();
        let page = DiffPage {
            layout: AdminLayout::new(site_name, "Compare revisions", Some(staff)),
            id,
            title,
            from,
            to,
            diff,
            changes,
        };
        Ok(page.render()?)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RestoreForm {
    /// The article's version when the history page was shown.
    pub current: String,
}

/// POST /admin/articles/{id}/history/{version}/restore
/// (`newsroom::articles::restore`).
pub async fn restore(
    state: web::Data<AppState>,
    post: StaffForm<RestoreForm>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    let id = article_id(&id)?;
    let version = version.parse::<i32>().map_err(|_| AppError::NotFound)?;
    let expected = post.form.current.trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest("The form lost the article's version. Reload the history.".to_owned())
    })?;
    let actor = post.actor();
    state
        .run(move |conn| articles::restore(conn, &actor, id, version, expected))
        .await?;
    Ok(see_other(&format!("/admin/articles/{id}?saved=restored")))
}

/// The time of a revision for the history table.
pub fn when(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}
