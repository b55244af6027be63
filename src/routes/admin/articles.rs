//! `/admin/articles`: every article a staff member may edit, filtered by
//! status, category, author and words of the title, 50 a page.
//! Contributors and authors see their own; editors and admins see all.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::page::{respond, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::editor::{self, ListFilter, ListRow};
use crate::db::models::Category;
use crate::db::schema::users;
use crate::db::{article_views, categories, settings, DbConn};
use crate::domain::{ArticleStatus, PageNumber};
use crate::error::AppError;
use crate::readership;
use crate::routes::respond::PageQuery;
use crate::views::filters;

/// Articles per page.
pub const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "admin/articles.html")]
pub struct ArticlesPage {
    pub layout: AdminLayout,
    /// Each article with its views: in the last day, and in all.
    pub rows: Vec<(ListRow, Views)>,
    pub statuses: [ArticleStatus; 5],
    pub categories: Vec<Category>,
    /// Empty when the staff member sees only their own articles.
    pub authors: Vec<(i32, String)>,
    pub query: ListQuery,
    pub total: i64,
    pub page: u32,
    pub total_pages: u32,
    /// The query string of the filters, for the pager's links.
    pub filter_query: String,
    /// When the list was read: which expiries have passed.
    pub now: chrono::NaiveDateTime,
}

/// An article's views, counted first-hand (`readership`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Views {
    pub last_day: i64,
    pub all: i64,
}

/// The views of each listed article: two grouped queries for the page.
fn views_of(conn: &mut DbConn, rows: Vec<ListRow>) -> Result<Vec<(ListRow, Views)>, AppError> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let now = crate::domain::clock::now();
    let since = article_views::hour_of(now) - chrono::Duration::hours(readership::WINDOW_HOURS);
    let last_day = article_views::views_since(conn, &ids, since)?;
    let all = article_views::views_since(conn, &ids, chrono::DateTime::UNIX_EPOCH.naive_utc())?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let views = Views {
                last_day: last_day.get(&r.id).copied().unwrap_or(0),
                all: all.get(&r.id).copied().unwrap_or(0),
            };
            (r, views)
        })
        .collect())
}

/// The query string, kept as text so bad values get our 400 page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub page: Option<String>,
    pub status: String,
    pub category: String,
    pub author: String,
    pub q: String,
}

fn parse_filter(query: &ListQuery, staff: &Staff) -> Result<ListFilter, AppError> {
    let bad = |what: &str| AppError::BadRequest(format!("Unknown {what} in the filter."));
    let id = |raw: &str, what: &str| -> Result<Option<i32>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            v => v.parse::<i32>().map(Some).map_err(|_| bad(what)),
        }
    };
    let status = match query.status.trim() {
        "" => None,
        s => Some(ArticleStatus::parse(s).ok_or_else(|| bad("status"))?),
    };
    let text = query.q.trim();
    if text.chars().count() > 200 {
        return Err(AppError::BadRequest(
            "The search words are too long.".to_owned(),
        ));
    }
    let author_id = match staff.articles_listed() {
        Some(own) => Some(own),
        None => id(&query.author, "author")?,
    };
    Ok(ListFilter {
        status,
        category_id: id(&query.category, "category")?,
        author_id,
        text: (!text.is_empty()).then(|| text.to_owned()),
    })
}

fn filter_query(query: &ListQuery) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", &query.status),
        ("category", &query.category),
        ("author", &query.author),
        ("q", &query.q),
    ] {
        if !v.trim().is_empty() {
            out.append_pair(k, v.trim());
        }
    }
    let s = out.finish();
    if s.is_empty() {
        s
    } else {
        format!("{s}&")
    }
}

/// GET /admin/articles.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let number: PageNumber = PageQuery {
        page: query.page.clone(),
    }
    .number()?;
    let filter = parse_filter(&query, &staff)?;
    let offset = number.offset(PER_PAGE);
    let all_authors = staff.articles_listed().is_none();
    let (site_name, rows, total, categories, authors) = state
        .run(move |conn| {
            let authors = if all_authors {
                users::table
                    .order((users::name.asc(), users::id.asc()))
                    .select((users::id, users::name))
                    .load::<(i32, String)>(conn)?
            } else {
                Vec::new()
            };
            Ok((
                settings::load(conn)?.name,
                {
                    let rows = editor::list(conn, &filter, offset, PER_PAGE)?;
                    views_of(conn, rows)?
                },
                editor::count(conn, &filter)?,
                categories::all(conn)?,
                authors,
            ))
        })
        .await?;
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1) as u32;
    if number.get() > total_pages {
        return Err(AppError::NotFound);
    }
    let page = ArticlesPage {
        layout: AdminLayout::new(site_name, "Articles", Some(staff)),
        rows,
        statuses: ArticleStatus::ALL,
        categories,
        authors,
        filter_query: filter_query(&query),
        query,
        total,
        page: number.get(),
        total_pages,
        now: crate::domain::clock::now(),
    };
    respond(StatusCode::OK, &page)
}
