//! `/admin/import`: paste an article as plain text (the format of
//! `iconocast import`) and it becomes a draft by the signed-in staff member.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{self, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::models::Category;
use crate::db::{categories, settings};
use crate::error::AppError;
use crate::import;
use crate::newsroom::import as newsroom_import;

/// The largest form body the import accepts.
pub const MAX_BODY: usize = 512 * 1024;

/// The label parse errors name the text by.
const SOURCE: &str = "pasted text";

#[derive(Template)]
#[template(path = "admin/import.html")]
pub struct ImportPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub categories: Vec<Category>,
    pub category: String,
    pub text: String,
    pub error: Option<String>,
}

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    pub text: String,
    pub category: String,
}

/// The form config of `/admin/import`: a larger limit than the other staff
/// forms, and a 413 page when it is exceeded.
pub fn form_config() -> web::FormConfig {
    forms::form_config(
        MAX_BODY,
        "Text too long",
        "The pasted text is over 512 KB, so nothing was imported. Shorten it and try again.",
    )
}

/// GET /admin/import.
pub async fn form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let (site_name, categories) = state
        .run(|conn| Ok((settings::load(conn)?.name, categories::all(conn)?)))
        .await?;
    let page = ImportPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Import an article", Some(staff)),
        category: categories
            .first()
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
        categories,
        text: String::new(),
        error: None,
    };
    respond(StatusCode::OK, &page)
}

/// What a submission came to.
enum Outcome {
    Created(i32),
    Invalid(String),
}

/// POST /admin/import.
pub async fn submit(
    state: web::Data<AppState>,
    post: StaffForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let actor = post.actor();
    let StaffForm { staff, form } = post;
    // Parsing is CPU work on up to 512 KB: on the blocking pool, before a
    // connection is taken, and never on the async worker.
    let text = form.text;
    let (text, parsed) = web::block(move || {
        let parsed = import::parse(&text, SOURCE);
        (text, parsed)
    })
    .await?;
    if let Err(e) = &parsed {
        tracing::info!(error = %e, "pasted article refused");
    }
    let wanted = form.category.clone();
    let (site_name, categories, outcome) = state
        .run(move |conn| {
            let site_name = settings::load(conn)?.name;
            let categories = categories::all(conn)?;
            let outcome = match (parsed, categories.iter().find(|c| c.slug == wanted)) {
                (Err(e), _) => Outcome::Invalid(e.to_string()),
                (Ok(_), None) => Outcome::Invalid("Choose one of the categories.".to_owned()),
                (Ok(article), Some(category)) => {
                    Outcome::Created(newsroom_import::draft(conn, &actor, article, category.id)?)
                }
            };
            Ok((site_name, categories, outcome))
        })
        .await?;
    match outcome {
        Outcome::Created(id) => {
            tracing::info!(article_id = id, "article imported from pasted text");
            Ok(see_other("/admin"))
        }
        Outcome::Invalid(message) => {
            let page = ImportPage {
                csrf_token: staff.csrf_token.clone(),
                layout: AdminLayout::new(site_name, "Import an article", Some(staff)),
                categories,
                category: form.category,
                text,
                error: Some(message),
            };
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
