//! The site settings (admins only): name, tagline, pitch, the about text
//! and the time zone, kept as the one settings row.

use serde::Deserialize;

use super::audit::{self as log, quoted};
use crate::db::models::{NewSiteSettings, SiteSettings};
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

/// The settings as typed into their form (and shown again).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub name: String,
    pub tagline: String,
    pub pitch: String,
    pub about: String,
    pub time_zone: String,
}

impl SettingsInput {
    /// The form of the stored settings.
    pub fn of(s: &SiteSettings) -> SettingsInput {
        SettingsInput {
            name: s.name.clone(),
            tagline: s.tagline.clone(),
            pitch: s.pitch.clone(),
            about: s.about.clone(),
            time_zone: s.time_zone.clone(),
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

/// Saves the settings; returns whether anything changed.
pub fn save(conn: &mut DbConn, actor: &Actor, input: &SettingsInput) -> Result<bool, AppError> {
    actor.admin_only("change the site settings")?;
    let valid = validate(input)?;
    write_transaction(conn, |conn| {
        let before = settings::load(conn)?;
        let changed = changes(&before, &valid);
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
