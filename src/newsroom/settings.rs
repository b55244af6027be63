//! The site settings (admins only): name, tagline, pitch, the about text,
//! the time zone and the trust pages (corrections policy, publishing
//! principles, masthead), kept as the one settings row.

use serde::Deserialize;

use super::audit::{self as log, quoted};
use crate::db::models::{NewSiteSettings, SiteSettings};
use crate::db::settings::TrustTexts;
use crate::db::{audit, settings, write_transaction, DbConn};
use crate::domain::actor::Actor;
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::error::{AppError, FieldErrors};

/// Longest value of each field, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_TAGLINE: usize = 200;
pub const MAX_PITCH: usize = 2000;
pub const MAX_ABOUT: usize = 50_000;
/// Each trust page (corrections policy, publishing principles, masthead).
pub const MAX_TRUST_PAGE: usize = 20_000;

/// The settings as typed into their form (and shown again).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub name: String,
    pub tagline: String,
    pub pitch: String,
    pub about: String,
    pub time_zone: String,
    pub corrections_policy: String,
    pub publishing_principles: String,
    pub masthead: String,
}

impl SettingsInput {
    /// The form of the stored settings and trust pages.
    pub fn of(s: &SiteSettings, pages: TrustTexts) -> SettingsInput {
        SettingsInput {
            name: s.name.clone(),
            tagline: s.tagline.clone(),
            pitch: s.pitch.clone(),
            about: s.about.clone(),
            time_zone: s.time_zone.clone(),
            corrections_policy: pages.corrections_policy,
            publishing_principles: pages.publishing_principles,
            masthead: pages.masthead,
        }
    }
}

/// Settings that passed validation.
struct Valid {
    name: String,
    tagline: String,
    pitch: String,
    about: String,
    time_zone: String,
    pages: TrustTexts,
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

fn validate(form: &SettingsInput) -> Result<Valid, AppError> {
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
    let mut page = |field: &'static str, label: &str, raw: &str| {
        let value = text(raw);
        too_long(&mut errors, field, label, &value, MAX_TRUST_PAGE);
        controls(&mut errors, field, label, &value, Lines::Many);
        value
    };
    let pages = TrustTexts {
        corrections_policy: page(
            "corrections_policy",
            "corrections policy",
            &form.corrections_policy,
        ),
        publishing_principles: page(
            "publishing_principles",
            "publishing principles",
            &form.publishing_principles,
        ),
        masthead: page("masthead", "masthead", &form.masthead),
    };
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
    errors.into_result()?;
    Ok(Valid {
        name,
        tagline,
        pitch,
        about,
        time_zone,
        pages,
    })
}

/// What changed, for the audit log; empty when nothing did.
fn changes(before: &SiteSettings, pages: &TrustTexts, after: &Valid) -> Vec<String> {
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
    for page in crate::domain::TrustPage::ALL {
        if pages.of(page) != after.pages.of(page) {
            out.push(page.title().to_lowercase());
        }
    }
    out
}

/// Saves the settings; returns whether anything changed.
pub fn save(conn: &mut DbConn, actor: &Actor, input: &SettingsInput) -> Result<bool, AppError> {
    actor.admin_only("change the site settings")?;
    let valid = validate(input)?;
    write_transaction(conn, |conn| {
        let before = settings::load(conn)?;
        let pages = settings::trust_texts(conn)?;
        let changed = changes(&before, &pages, &valid);
        if changed.is_empty() {
            return Ok(false);
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
                corrections_policy: &valid.pages.corrections_policy,
                publishing_principles: &valid.pages.publishing_principles,
                masthead: &valid.pages.masthead,
            },
        )?;
        let detail = format!("changed {}", changed.join("; "));
        log::record(
            conn,
            actor,
            audit::SETTINGS_UPDATE,
            ("settings", 1),
            &detail,
            at,
        )?;
        Ok(true)
    })
}
