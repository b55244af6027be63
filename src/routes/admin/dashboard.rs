//! `/admin`: who is signed in, and the newest articles of any status.

use actix_web::web;
use actix_web::HttpResponse;
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AdminLayout;
use crate::auth::session::Staff;
use crate::db::schema::{articles, users};
use crate::db::{settings, DbConn};
use crate::error::AppError;
use crate::routes::state::AppState;
use crate::views::filters;

/// How many articles the dashboard lists.
pub const NEWEST: i64 = 20;

/// One line of the dashboard's article list.
pub struct ArticleRow {
    pub id: i32,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub author: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub layout: AdminLayout,
    pub articles: Vec<ArticleRow>,
}

/// The newest articles by creation, whatever their status.
fn newest_articles(conn: &mut DbConn) -> QueryResult<Vec<ArticleRow>> {
    let rows = articles::table
        .inner_join(users::table)
        .order((articles::created_at.desc(), articles::id.desc()))
        .limit(NEWEST)
        .select((
            articles::id,
            articles::kind,
            articles::title,
            articles::status,
            users::name,
            articles::updated_at,
        ))
        .load::<(i32, String, String, String, String, NaiveDateTime)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, title, status, author, updated_at)| ArticleRow {
            id,
            kind,
            title,
            status,
            author,
            updated_at,
        })
        .collect())
}

pub async fn show(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let (site, articles) = state
        .run(|conn| Ok((settings::load(conn)?, newest_articles(conn)?)))
        .await?;
    let page = DashboardPage {
        layout: AdminLayout::new(site.name, "Dashboard", Some(staff)),
        articles,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}
