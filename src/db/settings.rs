//! The site settings: a single row, id 1.

use diesel::prelude::*;

use super::models::{NewSiteSettings, SiteSettings};
use super::schema::site_settings;
use super::{write_transaction, DbConn};
use crate::domain::TrustPage;

/// The texts of the trust pages, as the settings form edits them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable)]
pub struct TrustTexts {
    pub corrections_policy: String,
    pub publishing_principles: String,
    pub masthead: String,
}

impl TrustTexts {
    /// The text of `page`.
    pub fn of(&self, page: TrustPage) -> &str {
        match page {
            TrustPage::CorrectionsPolicy => &self.corrections_policy,
            TrustPage::PublishingPrinciples => &self.publishing_principles,
            TrustPage::Masthead => &self.masthead,
        }
    }
}

/// The texts of the trust pages; empty when none were saved yet.
pub fn trust_texts(conn: &mut DbConn) -> QueryResult<TrustTexts> {
    Ok(site_settings::table
        .find(1)
        .select((
            site_settings::corrections_policy,
            site_settings::publishing_principles,
            site_settings::masthead,
        ))
        .first::<TrustTexts>(conn)
        .optional()?
        .unwrap_or_default())
}

/// The Markdown of one trust page (empty when it is not written), and
/// when the settings last changed: one column read, not the three.
pub fn trust_page(
    conn: &mut DbConn,
    page: TrustPage,
) -> QueryResult<Option<(String, chrono::NaiveDateTime)>> {
    let one = site_settings::table.find(1);
    match page {
        TrustPage::CorrectionsPolicy => one
            .select((site_settings::corrections_policy, site_settings::updated_at))
            .first(conn),
        TrustPage::PublishingPrinciples => one
            .select((
                site_settings::publishing_principles,
                site_settings::updated_at,
            ))
            .first(conn),
        TrustPage::Masthead => one
            .select((site_settings::masthead, site_settings::updated_at))
            .first(conn),
    }
    .optional()
}

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
            has_corrections_policy: false,
            has_publishing_principles: false,
            has_masthead: false,
        }
    }

    /// The site's time zone; UTC if the stored name is not a known zone.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}
