//! `/admin/settings` (admins only): the site's name, tagline, pitch, the
//! about text (Markdown, the body of `/about`), time zone and the trust
//! pages (Markdown: `/corrections-policy`, `/publishing-principles`,
//! `/masthead`). Every page
//! reads them per change, so the public site shows a change at once; the
//! save is `newsroom::settings::save`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::forms::{self, admin_only, DoneQuery, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::settings;
use crate::error::{AppError, FieldErrors};
use crate::newsroom::settings::{self as newsroom_settings, SettingsInput};

/// The largest settings form accepted (the about text and the trust
/// pages are long).
pub const MAX_BODY: usize = 512 * 1024;

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub form: SettingsInput,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    pub zones: &'static [chrono_tz::Tz],
}

impl SettingsPage {
    /// The trust pages' fields: (name, label, address, hint).
    pub fn trust_fields(&self) -> [(&'static str, &'static str, &'static str, &'static str); 3] {
        [
            (
                "corrections_policy",
                "Corrections policy",
                "/corrections-policy",
                "How readers report an error, and how and when the agency corrects it.",
            ),
            (
                "publishing_principles",
                "Publishing principles",
                "/publishing-principles",
                "The standards the newsroom holds itself to: sourcing, independence, fairness.",
            ),
            (
                "masthead",
                "Masthead",
                "/masthead",
                "Who runs the newsroom: editors and desks, with how to reach them.",
            ),
        ]
    }

    /// What the form holds for trust page field `field`.
    pub fn trust_text(&self, field: &str) -> &str {
        match field {
            "corrections_policy" => &self.form.corrections_policy,
            "publishing_principles" => &self.form.publishing_principles,
            _ => &self.form.masthead,
        }
    }
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some("Settings saved. The public site shows them now."),
        "unchanged" => Some("Nothing was changed."),
        _ => None,
    }
}

/// The form config of `/admin/settings`: room for a long about text, and
/// a 413 page past it.
pub fn form_config() -> web::FormConfig {
    forms::form_config(
        MAX_BODY,
        "Text too long",
        "The settings form is over 512 KB, so nothing was saved. \
         Shorten the about text or the trust pages and try again.",
    )
}

fn page_of(staff: Staff, site_name: String, form: SettingsInput) -> SettingsPage {
    SettingsPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Site settings", Some(staff)),
        form,
        errors: FieldErrors::default(),
        notice: None,
        zones: &chrono_tz::TZ_VARIANTS,
    }
}

/// GET /admin/settings.
pub async fn form(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff, "change the site settings")?;
    let (site, pages) = state
        .run(|conn| Ok((settings::load(conn)?, settings::trust_texts(conn)?)))
        .await?;
    let mut page = page_of(staff, site.name.clone(), SettingsInput::of(&site, pages));
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// POST /admin/settings.
pub async fn save(
    state: web::Data<AppState>,
    post: StaffForm<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| newsroom_settings::save(conn, &actor, &input))
        .await
    {
        Ok(changed) => {
            let done = if changed { "saved" } else { "unchanged" };
            tracing::info!(%done, "site settings saved");
            Ok(see_other(&format!("/admin/settings?done={done}")))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(errors = %errors.summary(), "site settings refused");
            let site_name = state.run(|conn| Ok(settings::load(conn)?.name)).await?;
            let mut page = page_of(post.staff, site_name, post.form);
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
