//! `/admin/settings` (admins only): the site's name, tagline, pitch, the
//! about text (Markdown, the body of `/about`) and time zone. Saved as
//! the one settings row; every page reads it per request, so the public
//! site shows a change at once.

use actix_web::error::{InternalError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::categories::{quoted, DoneQuery, FieldErrors};
use super::page::{forbidden, AdminLayout};
use super::page::{respond, see_other};
use crate::app::AppState;
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, policy};
use crate::db::models::{NewAuditEntry, NewSiteSettings, SiteSettings};
use crate::db::{audit, settings, write_transaction};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::error::{AppError, ErrorPage};

/// Longest value of each field, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_TAGLINE: usize = 200;
pub const MAX_PITCH: usize = 2000;
pub const MAX_ABOUT: usize = 50_000;

/// The largest settings form accepted (the about text is long).
pub const MAX_BODY: usize = 256 * 1024;

/// The form as posted (and as re-shown).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub name: String,
    pub tagline: String,
    pub pitch: String,
    pub about: String,
    pub time_zone: String,
    pub csrf_token: String,
}

impl SettingsForm {
    fn of(s: &SiteSettings) -> SettingsForm {
        SettingsForm {
            name: s.name.clone(),
            tagline: s.tagline.clone(),
            pitch: s.pitch.clone(),
            about: s.about.clone(),
            time_zone: s.time_zone.clone(),
            csrf_token: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub form: SettingsForm,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    pub zones: &'static [chrono_tz::Tz],
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
    web::FormConfig::default()
        .limit(MAX_BODY)
        .error_handler(|err, _req| {
            tracing::info!(error = %err, "settings form refused");
            let response = match err {
                UrlencodedError::Overflow { .. } => ErrorPage::response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Text too long",
                    "The settings form is over 256 KB, so nothing was saved. \
                     Shorten the about text and try again.",
                ),
                _ => ErrorPage::response(
                    StatusCode::BAD_REQUEST,
                    "Bad request",
                    "The form could not be read. Reload the page and try again.",
                ),
            };
            InternalError::from_response(err, response).into()
        })
}

fn admin_only(staff: &Staff) -> Result<(), AppError> {
    policy::require(staff.is_admin(), "change the site settings")
}

fn page_of(staff: Staff, site_name: String, form: SettingsForm) -> SettingsPage {
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
    admin_only(&staff)?;
    let site = state.run(|conn| Ok(settings::load(conn)?)).await?;
    let mut page = page_of(staff, site.name.clone(), SettingsForm::of(&site));
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// Settings that passed validation.
struct Valid {
    name: String,
    tagline: String,
    pitch: String,
    about: String,
    time_zone: String,
}

/// A text field trimmed, with browser line breaks made `\n`.
fn text(raw: &str) -> String {
    raw.trim().replace("\r\n", "\n")
}

fn too_long(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.add(
            field,
            format!("The {label} is too long: at most {max} characters."),
        );
    }
}

/// Refuses control characters, which no page or feed can carry.
fn controls(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, lines: Lines) {
    if let Err(message) = text::check(value, lines, label) {
        errors.add(field, message);
    }
}

fn validate(form: &SettingsForm) -> Result<Valid, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("name", "Give the site a name.");
    }
    too_long(&mut errors, "name", "name", &name, MAX_NAME);
    controls(&mut errors, "name", "site name", &name, Lines::One);
    let tagline = text(&form.tagline);
    too_long(&mut errors, "tagline", "tagline", &tagline, MAX_TAGLINE);
    controls(&mut errors, "tagline", "tagline", &tagline, Lines::One);
    let pitch = text(&form.pitch);
    too_long(&mut errors, "pitch", "pitch", &pitch, MAX_PITCH);
    controls(&mut errors, "pitch", "pitch", &pitch, Lines::Many);
    let about = text(&form.about);
    too_long(&mut errors, "about", "about text", &about, MAX_ABOUT);
    controls(&mut errors, "about", "about text", &about, Lines::Many);
    let typed_zone = form.time_zone.trim();
    let time_zone = match typed_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => tz.name().to_owned(),
        Err(_) => {
            errors.add(
                "time_zone",
                format!(
                    "\"{typed_zone}\" is not a time zone name: use an IANA name such as \
                     Europe/London, America/New_York or UTC."
                ),
            );
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Valid {
        name,
        tagline,
        pitch,
        about,
        time_zone,
    })
}

/// What changed, for the audit log; empty when nothing did.
fn changes(before: &SiteSettings, after: &Valid) -> Vec<String> {
    let mut out = Vec::new();
    if before.name != after.name {
        out.push(format!(
            "name {} → {}",
            quoted(&before.name),
            quoted(&after.name)
        ));
    }
    if before.tagline != after.tagline {
        out.push("tagline".to_owned());
    }
    if before.pitch != after.pitch {
        out.push("pitch".to_owned());
    }
    if before.about != after.about {
        out.push("about text".to_owned());
    }
    if before.time_zone != after.time_zone {
        out.push(format!(
            "time zone {} → {}",
            before.time_zone, after.time_zone
        ));
    }
    out
}

enum Outcome {
    Done(&'static str),
    Invalid(FieldErrors),
}

/// POST /admin/settings.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let checked = validate(&form);
    let (site_name, outcome) = state
        .run(move |conn| {
            write_transaction::<_, AppError, _>(conn, |conn| {
                let before = settings::load(conn)?;
                let valid = match checked {
                    Ok(v) => v,
                    Err(errors) => return Ok((before.name, Outcome::Invalid(errors))),
                };
                let changed = changes(&before, &valid);
                if changed.is_empty() {
                    return Ok((before.name, Outcome::Done("unchanged")));
                }
                let at = now();
                settings::save(
                    conn,
                    &NewSiteSettings {
                        id: 1,
                        name: &valid.name,
                        tagline: &valid.tagline,
                        pitch: &valid.pitch,
                        about: &valid.about,
                        updated_at: at,
                        time_zone: &valid.time_zone,
                    },
                )?;
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::SETTINGS_UPDATE,
                        target_type: "settings",
                        target_id: Some(1),
                        detail: &format!("changed {}", changed.join("; ")),
                        ip: &ip,
                        created_at: at,
                    },
                )?;
                Ok((valid.name, Outcome::Done("saved")))
            })
        })
        .await?;
    match outcome {
        Outcome::Done(done) => {
            tracing::info!(%done, "site settings saved");
            Ok(see_other(&format!("/admin/settings?done={done}")))
        }
        Outcome::Invalid(errors) => {
            tracing::info!(errors = %errors.summary(), "site settings refused");
            let mut page = page_of(staff, site_name, form);
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
