//! The site settings: a single row, id 1.

use diesel::prelude::*;

use super::models::{NewSiteSettings, SiteSettings};
use super::schema::site_settings;
use super::{write_transaction, DbConn};

/// The settings, or the built-in defaults when none were saved yet.
pub fn load(conn: &mut DbConn) -> QueryResult<SiteSettings> {
    let saved = site_settings::table
        .find(1)
        .select(SiteSettings::as_select())
        .first(conn)
        .optional()?;
    Ok(saved.unwrap_or_else(SiteSettings::defaults))
}

pub fn save(conn: &mut DbConn, new: &NewSiteSettings) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        diesel::delete(site_settings::table.find(1)).execute(conn)?;
        diesel::insert_into(site_settings::table)
            .values(new)
            .execute(conn)
    })
}

impl SiteSettings {
    pub fn defaults() -> SiteSettings {
        SiteSettings {
            name: "Iconocast News Agency".to_owned(),
            tagline: "News that matters, explained.".to_owned(),
            pitch: String::new(),
            about: String::new(),
            updated_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
            time_zone: "UTC".to_owned(),
        }
    }

    /// The site's time zone; UTC if the stored name is not a known zone.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}
