//! `/admin/audit`: the audit log for admins, newest first, 50 a page,
//! filterable by action and by user.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::forms::admin_only;
use super::page::{respond, AdminLayout};
use crate::auth::session::Staff;
use crate::db::audit::{self, AuditFilter, NamedEntry};
use crate::db::schema::users;
use crate::db::settings;
use crate::domain::PageNumber;
use crate::error::AppError;
use crate::routes::respond::PageQuery;
use crate::views::filters;

/// Entries per page.
pub const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: AdminLayout,
    pub entries: Vec<NamedEntry>,
    pub actions: &'static [&'static str],
    pub users: Vec<(i32, String)>,
    pub action: String,
    pub user_id: Option<i32>,
    pub page: u32,
    pub total_pages: u32,
    pub total: i64,
    /// The filter as a query string prefix (`action=..&user=..&`), for the
    /// pagination links.
    pub filter_query: String,
}

impl AuditPage {
    fn user_selected(&self, id: &i32) -> bool {
        self.user_id == Some(*id)
    }

    fn action_selected(&self, action: &str) -> bool {
        self.action == action
    }
}

/// The query string; everything kept as text so bad values get our 400 page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub page: Option<String>,
    pub action: Option<String>,
    pub user: Option<String>,
}

fn parse_filter(query: &AuditQuery) -> Result<AuditFilter, AppError> {
    let action = match query.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a) if audit::ACTIONS.contains(&a) => Some(a.to_owned()),
        Some(_) => return Err(AppError::BadRequest("Unknown audit action.".to_owned())),
    };
    let user_id = match query.user.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => Some(
            u.parse::<i32>()
                .map_err(|_| AppError::BadRequest("The user must be a user id.".to_owned()))?,
        ),
    };
    Ok(AuditFilter { action, user_id })
}

fn filter_query(filter: &AuditFilter) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Some(a) = &filter.action {
        out.append_pair("action", a);
    }
    if let Some(u) = filter.user_id {
        out.append_pair("user", &u.to_string());
    }
    let s = out.finish();
    if s.is_empty() {
        s
    } else {
        format!("{s}&")
    }
}

/// GET /admin/audit.
pub async fn show(
    state: web::Data<crate::app::AppState>,
    staff: Staff,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff, "read the audit log")?;
    let number: PageNumber = PageQuery {
        page: query.page.clone(),
    }
    .number()?;
    let filter = parse_filter(&query)?;
    let offset = number.offset(PER_PAGE);
    let lookup = filter.clone();
    let (site_name, entries, total, staff_users) = state
        .run(move |conn| {
            let site = settings::load(conn)?;
            let entries = audit::page(conn, &lookup, offset, PER_PAGE)?;
            let total = audit::count(conn, &lookup)?;
            let staff_users = users::table
                .filter(users::password_hash.is_not_null())
                .order((users::name.asc(), users::id.asc()))
                .select((users::id, users::name))
                .load::<(i32, String)>(conn)?;
            Ok((site.name, entries, total, staff_users))
        })
        .await?;
    if entries.is_empty() && number.get() > 1 {
        return Err(AppError::NotFound);
    }
    let total_pages = u32::try_from(((total + PER_PAGE - 1) / PER_PAGE).max(1)).unwrap_or(u32::MAX);
    let page = AuditPage {
        layout: AdminLayout::new(site_name, "Audit log", Some(staff)),
        entries,
        actions: &audit::ACTIONS,
        users: staff_users,
        action: filter.action.clone().unwrap_or_default(),
        user_id: filter.user_id,
        page: number.get(),
        total_pages,
        total,
        filter_query: filter_query(&filter),
    };
    respond(StatusCode::OK, &page)
}
