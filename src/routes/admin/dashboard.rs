//! `/admin`: who is signed in, the review boxes ("Waiting for my review"
//! for editors and admins, "Returned to me" for everyone who writes),
//! articles by status, and the most recently changed articles of any
//! status. Authors and contributors see only their own articles here, as
//! in the article list (`Staff::articles_listed`).

use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::HttpResponse;
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::{respond, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::review_notes::{self, ReviewRow};
use crate::db::schema::{articles, users};
use crate::db::{settings, DbConn};
use crate::domain::{ArticleKind, ArticleStatus};
use crate::error::AppError;
use crate::views::filters;

/// How many articles the dashboard lists.
pub const NEWEST: i64 = 20;
/// How many articles each review box lists (its count counts them all).
pub const REVIEW_ROWS: i64 = 10;

/// A review box: how many articles it holds, and the first of them.
pub struct ReviewBox {
    pub count: i64,
    pub rows: Vec<ReviewRow>,
}

impl ReviewBox {
    /// Whether it holds more articles than it lists.
    pub fn more(&self) -> bool {
        self.count > self.rows.len() as i64
    }
}

/// One line of the dashboard's article list.
pub struct ArticleRow {
    pub id: i32,
    pub kind: ArticleKind,
    pub title: String,
    pub status: ArticleStatus,
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
    /// Whether the page shows only the staff member's own articles.
    pub own_only: bool,
    /// Articles in review by others, for those who review (editors and
    /// admins); `None` for the others.
    pub waiting: Option<ReviewBox>,
    /// The staff member's articles returned to them.
    pub returned: ReviewBox,
}

/// The number of articles in each status, of `author` or of everyone.
/// Everyone's: the unpublished ones from their partial index, the
/// published ones as the rest of the total. One author's: one grouped
/// query over their articles, from the author index.
fn status_counts(conn: &mut DbConn, author: Option<i32>) -> QueryResult<Vec<(ArticleStatus, i64)>> {
    let published = ArticleStatus::Published;
    let rows: Vec<(ArticleStatus, i64)> = match author {
        Some(id) => articles::table
            .filter(articles::author_id.eq(id))
            .group_by(articles::status)
            .select((articles::status, diesel::dsl::count_star()))
            .load(conn)?,
        None => {
            let mut rows: Vec<(ArticleStatus, i64)> = articles::table
                .filter(articles::status.ne(published))
                .group_by(articles::status)
                .select((articles::status, diesel::dsl::count_star()))
                .load(conn)?;
            let total: i64 = articles::table.count().get_result(conn)?;
            let others: i64 = rows.iter().map(|(_, n)| n).sum();
            rows.push((published, total - others));
            rows
        }
    };
    Ok(ArticleStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(status, _)| *status == s)
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}

/// The most recently changed articles, whatever their status, of
/// `author` or of everyone.
fn newest_articles(conn: &mut DbConn, author: Option<i32>) -> QueryResult<Vec<ArticleRow>> {
    let mut query = articles::table
        // A left join keeps `articles` the outer table (see db::editor::list).
        .left_join(users::table)
        .into_boxed();
    if let Some(id) = author {
        query = query.filter(articles::author_id.eq(id));
    }
    let rows = query
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
        .load::<(
            i32,
            ArticleKind,
            String,
            ArticleStatus,
            Option<String>,
            NaiveDateTime,
        )>(conn)?;
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

/// The review boxes of staff member `me`: what waits for their review
/// (if `reviews`), and what was returned to them. Two queries a box, a
/// count and a short list, whatever the number of articles.
fn review_boxes(
    conn: &mut DbConn,
    me: i32,
    reviews: bool,
) -> QueryResult<(Option<ReviewBox>, ReviewBox)> {
    let waiting = if reviews {
        Some(ReviewBox {
            count: review_notes::count_waiting(conn, me)?,
            rows: review_notes::waiting(conn, me, REVIEW_ROWS)?,
        })
    } else {
        None
    };
    let returned = ReviewBox {
        count: review_notes::count_returned(conn, me)?,
        rows: review_notes::returned_to(conn, me, REVIEW_ROWS)?,
    };
    Ok((waiting, returned))
}

pub async fn show(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let author = staff.articles_listed();
    let me = staff.user_id;
    // Those who see everyone's articles review them.
    let reviews = author.is_none();
    let (site, articles, counts, (waiting, returned)) = state
        .run(move |conn| {
            Ok((
                settings::load(conn)?,
                newest_articles(conn, author)?,
                status_counts(conn, author)?,
                review_boxes(conn, me, reviews)?,
            ))
        })
        .await?;
    let page = DashboardPage {
        layout: AdminLayout::new(site.name, "Dashboard", Some(staff)),
        articles,
        counts,
        own_only: author.is_some(),
        waiting,
        returned,
    };
    respond(StatusCode::OK, &page)
}
