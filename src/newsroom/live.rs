//! Live coverage: any article can be turned into a live page, on which
//! staff post short, timestamped entries (an optional headline, a Markdown
//! body, an optional image from the media library) without saving the
//! article. Each use case checks the actor's rights, validates, writes and
//! audits in one transaction:
//!
//! - [`start`] and [`end`] the coverage: for those who may publish the
//!   article (its author, if an author; any editor or admin);
//! - [`post`] an entry: any staff member who may publish (authors, editors,
//!   admins; not contributors), while the page is live;
//! - [`edit`] and [`delete`] an entry, live or not: its own author (if an
//!   author), any editor or admin. Both are audited with what they changed
//!   or removed.
//!
//! An entry is an inserted row: two staff members posting at the same
//! moment both get their entry, in the order of their ids.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::audit::{self as log, quoted};
use crate::db::live_entries::{self, EntryChange, EntryRow, NewEntry};
use crate::db::schema::articles;
use crate::db::{audit, media, write_transaction, DbConn};
use crate::domain::actor::{self as policy, Actor};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::error::{AppError, FieldErrors};
use crate::markdown;

/// Characters in an entry's headline.
pub const MAX_HEADLINE_CHARS: usize = 200;
/// Characters in an entry's text: entries are short.
pub const MAX_BODY_CHARS: usize = 4000;
/// Characters in an image's alt text.
pub const MAX_ALT_CHARS: usize = 300;
/// Characters in the image's file name as typed.
const MAX_IMAGE_NAME_CHARS: usize = 120;
/// Entries on one live page: the page shows them all.
pub const MAX_ENTRIES: i64 = 500;

/// An entry as typed into its form (and shown again): every field as text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntryInput {
    pub headline: String,
    pub body: String,
    /// The file name of an image of the media library (as `/admin/media`
    /// lists it), or its address `/media/NAME`; empty for none.
    pub image: String,
    pub image_alt: String,
}

impl EntryInput {
    /// The form of a stored entry, with its image's file name.
    pub fn of(row: &EntryRow, image: Option<&str>) -> EntryInput {
        EntryInput {
            headline: row.headline.clone(),
            body: row.body.clone(),
            image: image.unwrap_or_default().to_owned(),
            image_alt: row.image_alt.clone(),
        }
    }
}

/// An entry that passed validation.
#[derive(Debug)]
struct Valid {
    headline: String,
    body: String,
    body_html: String,
    image_media_id: Option<i32>,
    image_alt: String,
}

/// What a use case came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Nothing needed doing (already live, already ended, an edit that
    /// changed nothing); nothing was written.
    Unchanged,
}

/// The article's author and title, or 404.
fn article(conn: &mut DbConn, article_id: i32) -> Result<(i32, String), AppError> {
    articles::table
        .find(article_id)
        .select((articles::author_id, articles::title))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

fn refused(title: &'static str, message: &str) -> AppError {
    AppError::Conflict {
        title,
        message: message.to_owned(),
    }
}

/// Checks an entry as typed: its texts first (their lengths before
/// anything reads them further), then the image against the library.
fn validate(conn: &mut DbConn, input: &EntryInput) -> Result<Valid, AppError> {
    let mut errors = FieldErrors::default();
    let headline = input.headline.trim().to_owned();
    if headline.chars().count() > MAX_HEADLINE_CHARS {
        errors.add(
            "headline",
            format!("The headline is too long: at most {MAX_HEADLINE_CHARS} characters."),
        );
    } else if let Err(message) = text::check(&headline, Lines::One, "headline") {
        errors.add("headline", message);
    }
    let body = input.body.trim().to_owned();
    if body.is_empty() {
        errors.add("body", "Write the entry's text.");
    } else if body.chars().count() > MAX_BODY_CHARS {
        errors.add(
            "body",
            format!(
                "The text is too long for a live entry: at most {MAX_BODY_CHARS} characters. \
                 Split it into two entries, or write an article."
            ),
        );
    } else if let Err(message) = text::check(&body, Lines::Many, "text") {
        errors.add("body", message);
    }
    let image_alt = input.image_alt.trim().to_owned();
    if image_alt.chars().count() > MAX_ALT_CHARS {
        errors.add(
            "image_alt",
            format!("The description is too long: at most {MAX_ALT_CHARS} characters."),
        );
    } else if let Err(message) = text::check(&image_alt, Lines::One, "description") {
        errors.add("image_alt", message);
    }
    let typed = input.image.trim();
    let name = typed.strip_prefix("/media/").unwrap_or(typed);
    let image_media_id = if name.is_empty() {
        if !image_alt.is_empty() {
            errors.add(
                "image_alt",
                "There is no image to describe: name one, or leave the description empty.",
            );
        }
        None
    } else if name.chars().count() > MAX_IMAGE_NAME_CHARS
        || text::check(name, Lines::One, "image").is_err()
    {
        errors.add(
            "image",
            "That is not the name of an image in the media library.",
        );
        None
    } else {
        match media::find_by_name(conn, name)? {
            None => {
                errors.add(
                    "image",
                    format!(
                        "The media library has no image \"{name}\": upload it first, \
                         or copy its name from the library."
                    ),
                );
                None
            }
            Some(found) => {
                if image_alt.is_empty() {
                    errors.add(
                        "image_alt",
                        "Describe the image for readers who cannot see it.",
                    );
                }
                Some(found.id)
            }
        }
    };
    errors.into_result()?;
    Ok(Valid {
        body_html: markdown::to_html(&body),
        headline,
        body,
        image_media_id,
        image_alt,
    })
}

/// What an audit entry quotes of an entry: its headline, else its text.
fn gist(headline: &str, body: &str) -> String {
    if headline.is_empty() {
        quoted(&body.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        quoted(headline)
    }
}

/// Starts the live coverage of article `article_id`, or starts it again
/// after it ended (the first start stays its start).
pub fn start(conn: &mut DbConn, actor: &Actor, article_id: i32) -> Result<Outcome, AppError> {
    write_transaction(conn, |conn| {
        let (author_id, title) = article(conn, article_id)?;
        policy::require(
            actor.can_publish(author_id),
            "start or end the live coverage of this article",
        )?;
        live_entries::lock(conn, article_id)?;
        let before = live_entries::coverage(conn, article_id)?;
        if before.is_some_and(|c| c.is_live()) {
            return Ok(Outcome::Unchanged);
        }
        let at = now();
        live_entries::start(conn, article_id, at)?;
        let detail = match before {
            None => format!("started live coverage of {}", quoted(&title)),
            Some(_) => format!("started live coverage of {} again", quoted(&title)),
        };
        log::record(
            conn,
            actor,
            audit::LIVE_START,
            ("article", article_id),
            &detail,
            at,
        )?;
        Ok(Outcome::Done)
    })
}

/// Ends the live coverage of article `article_id`: its page says when.
pub fn end(conn: &mut DbConn, actor: &Actor, article_id: i32) -> Result<Outcome, AppError> {
    write_transaction(conn, |conn| {
        let (author_id, title) = article(conn, article_id)?;
        policy::require(
            actor.can_publish(author_id),
            "start or end the live coverage of this article",
        )?;
        live_entries::lock(conn, article_id)?;
        match live_entries::coverage(conn, article_id)? {
            None => {
                return Err(refused(
                    "Not ended",
                    "This article has no live coverage to end.",
                ))
            }
            Some(c) if !c.is_live() => return Ok(Outcome::Unchanged),
            Some(_) => {}
        }
        let at = now();
        live_entries::end(conn, article_id, at)?;
        let entries = live_entries::count(conn, article_id)?;
        let detail = format!(
            "ended live coverage of {} after {entries} entr{}",
            quoted(&title),
            if entries == 1 { "y" } else { "ies" }
        );
        log::record(
            conn,
            actor,
            audit::LIVE_END,
            ("article", article_id),
            &detail,
            at,
        )?;
        Ok(Outcome::Done)
    })
}

/// Writes a validated entry by `author_id` at `at`, once the coverage is
/// known to be live and not full.
fn store(
    conn: &mut DbConn,
    article_id: i32,
    author_id: i32,
    valid: &Valid,
    at: NaiveDateTime,
) -> Result<i32, AppError> {
    Ok(live_entries::insert(
        conn,
        &NewEntry {
            article_id,
            author_id,
            headline: &valid.headline,
            body: &valid.body,
            body_html: &valid.body_html,
            image_media_id: valid.image_media_id,
            image_alt: &valid.image_alt,
            posted_at: at,
            updated_at: at,
        },
    )?)
}

/// Refuses a post to a page that is not live or is full.
fn check_open(conn: &mut DbConn, article_id: i32) -> Result<(), AppError> {
    match live_entries::coverage(conn, article_id)? {
        Some(c) if c.is_live() => {}
        Some(_) => {
            return Err(refused(
                "Not posted",
                "The live coverage of this article has ended, so the entry was not posted. \
                 Start the coverage again to post it.",
            ))
        }
        None => {
            return Err(refused(
                "Not posted",
                "This article is not a live page, so the entry was not posted. Start its \
                 live coverage first.",
            ))
        }
    }
    if live_entries::count(conn, article_id)? >= MAX_ENTRIES {
        return Err(refused(
            "Not posted",
            &format!(
                "This live page has {MAX_ENTRIES} entries, as many as one page holds, so the \
                 entry was not posted. End this coverage and continue on a new live article."
            ),
        ));
    }
    Ok(())
}

/// Posts entry `input` by `actor` on the live page of article
/// `article_id`; returns the entry's id.
pub fn post(
    conn: &mut DbConn,
    actor: &Actor,
    article_id: i32,
    input: &EntryInput,
) -> Result<i32, AppError> {
    policy::require(actor.can_publish(actor.user_id), "post live entries")?;
    write_transaction(conn, |conn| {
        live_entries::lock(conn, article_id)?;
        let (_, title) = article(conn, article_id)?;
        check_open(conn, article_id)?;
        let valid = validate(conn, input)?;
        let at = now();
        let id = store(conn, article_id, actor.user_id, &valid, at)?;
        let detail = format!(
            "posted entry {id} on {}: {}",
            quoted(&title),
            gist(&valid.headline, &valid.body)
        );
        log::record(
            conn,
            actor,
            audit::LIVE_POST,
            ("live_entry", id),
            &detail,
            at,
        )?;
        Ok(id)
    })
}

/// Posts entry `input` by staff member `author_id` at `at`, with no one
/// acting and no audit entry: the demo content and test fixtures. The
/// rules of the entry and the page are those of [`post`].
pub fn post_unattended(
    conn: &mut DbConn,
    article_id: i32,
    author_id: i32,
    input: &EntryInput,
    at: NaiveDateTime,
) -> Result<i32, AppError> {
    write_transaction(conn, |conn| {
        live_entries::lock(conn, article_id)?;
        check_open(conn, article_id)?;
        let valid = validate(conn, input)?;
        store(conn, article_id, author_id, &valid, at)
    })
}

/// Entry `entry_id` of article `article_id`, for `actor` to change: 404
/// when the article has no such entry, 403 when it is not theirs.
fn changeable(
    conn: &mut DbConn,
    actor: &Actor,
    article_id: i32,
    entry_id: i32,
) -> Result<EntryRow, AppError> {
    let entry = live_entries::find(conn, entry_id)?
        .filter(|e| e.article_id == article_id)
        .ok_or(AppError::NotFound)?;
    policy::require(
        actor.can_publish(entry.author_id),
        "change another writer's live entry",
    )?;
    Ok(entry)
}

/// Saves `input` over entry `entry_id` of article `article_id`; the audit
/// entry says what changed.
pub fn edit(
    conn: &mut DbConn,
    actor: &Actor,
    article_id: i32,
    entry_id: i32,
    input: &EntryInput,
) -> Result<Outcome, AppError> {
    write_transaction(conn, |conn| {
        live_entries::lock(conn, article_id)?;
        let before = changeable(conn, actor, article_id, entry_id)?;
        let valid = validate(conn, input)?;
        let mut changed = Vec::new();
        if before.headline != valid.headline {
            changed.push(format!(
                "headline {} → {}",
                quoted(&before.headline),
                quoted(&valid.headline)
            ));
        }
        if before.body != valid.body {
            changed.push(format!(
                "text {} → {}",
                gist("", &before.body),
                gist("", &valid.body)
            ));
        }
        if before.image_media_id != valid.image_media_id || before.image_alt != valid.image_alt {
            changed.push("image".to_owned());
        }
        if changed.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let at = now();
        live_entries::update(
            conn,
            entry_id,
            &EntryChange {
                headline: &valid.headline,
                body: &valid.body,
                body_html: &valid.body_html,
                image_media_id: valid.image_media_id,
                image_alt: &valid.image_alt,
                updated_at: at,
            },
        )?;
        let detail = format!(
            "edited entry {entry_id} of article {article_id}: {}",
            changed.join("; ")
        );
        log::record(
            conn,
            actor,
            audit::LIVE_EDIT,
            ("live_entry", entry_id),
            &detail,
            at,
        )?;
        Ok(Outcome::Done)
    })
}

/// Deletes entry `entry_id` of article `article_id`; the audit entry keeps
/// what it said, when and by whom.
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    article_id: i32,
    entry_id: i32,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        live_entries::lock(conn, article_id)?;
        let entry = changeable(conn, actor, article_id, entry_id)?;
        live_entries::delete(conn, entry_id)?;
        let at = now();
        live_entries::touch(conn, article_id, at)?;
        let detail = format!(
            "deleted entry {entry_id} of article {article_id}, posted {} by user {}: {}",
            entry.posted_at.format("%Y-%m-%d %H:%M UTC"),
            entry.author_id,
            gist(&entry.headline, &entry.body)
        );
        log::record(
            conn,
            actor,
            audit::LIVE_DELETE,
            ("live_entry", entry_id),
            &detail,
            at,
        )?;
        Ok(())
    })
}
