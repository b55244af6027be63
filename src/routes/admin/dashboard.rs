//! `/admin`: who is signed in, articles by status, and the most recently
//! changed articles of any status.

use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::HttpResponse;
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{respond, AdminLayout};
use crate::auth::session::Staff;
use crate::db::schema::{articles, users};
use crate::db::{settings, DbConn};
use crate::domain::ArticleStatus;
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
    /// How many articles each status has, in workflow order.
    pub counts: Vec<(ArticleStatus, i64)>,
}

/// The number of articles in each status: the unpublished ones from their
/// partial index, the published ones as the rest of the total.
fn status_counts(conn: &mut DbConn) -> QueryResult<Vec<(ArticleStatus, i64)>> {
    let published = ArticleStatus::Published.as_str();
    let mut rows: Vec<(String, i64)> = articles::table
        .filter(articles::status.ne(published))
        .group_by(articles::status)
        .select((articles::status, diesel::dsl::count_star()))
        .load(conn)?;
    let total: i64 = articles::table.count().get_result(conn)?;
    let others: i64 = rows.iter().map(|(_, n)| n).sum();
    rows.push((published.to_owned(), total - others));
    Ok(ArticleStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}

/// The most recently changed articles, whatever their status.
fn newest_articles(conn: &mut DbConn) -> QueryResult<Vec<ArticleRow>> {
    let rows = articles::table
        // A left join keeps `articles` the outer table (see db::editor::list).
        .left_join(users::table)
        .order((articles::updated_at.desc(), articles::id.desc()))
        .limit(NEWEST)
        .select((
            articles::id,
            articles::kind,
            articles::title,
            articles::status,
            users::name.nullable(),
            articles::updated_at,
        ))
        .load::<(i32, String, String, String, Option<String>, NaiveDateTime)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, title, status, author, updated_at)| ArticleRow {
            id,
            kind,
            title,
            status,
            author: author.unwrap_or_default(),
            updated_at,
        })
        .collect())
}

pub async fn show(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let (site, articles, counts) = state
        .run(|conn| {
            Ok((
                settings::load(conn)?,
                newest_articles(conn)?,
                status_counts(conn)?,
            ))
        })
        .await?;
    let page = DashboardPage {
        layout: AdminLayout::new(site.name, "Dashboard", Some(staff)),
        articles,
        counts,
    };
    respond(StatusCode::OK, &page)
}
