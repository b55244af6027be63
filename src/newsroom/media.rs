//! The media library's changes: recording an uploaded image (any staff
//! member) and deleting one (editors and admins any, others their own,
//! never one an article uses). The file itself is written by the caller
//! before [`record_upload`], under its content-addressed name; the
//! same bytes uploaded twice are one file and one row.

use std::path::Path;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::audit as log;
use crate::db::media::{self as db_media, Details, NewMedia};
use crate::db::{audit, write_transaction, DbConn};
use crate::domain::actor::{self as policy, Actor};
use crate::domain::clock::now;
use crate::error::AppError;
use crate::media::{self, ImageType};

/// An image recorded in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub id: i32,
    /// Whether the same bytes were in the library already.
    pub existing: bool,
}

/// Records the image already stored as `name` (`byte_size` bytes, with
/// variants `variants` wide beside it): its row, with the caption and
/// credit given at upload (checked by [`check_details`]), and audit entry
/// in one transaction, or the row of the same bytes if there is one.
pub fn record_upload(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    image: ImageType,
    byte_size: i64,
    variants: &str,
    details: &Details,
) -> Result<Recorded, AppError> {
    let at = now();
    let new = NewMedia {
        variants,
        focal_x: details.focal_x,
        focal_y: details.focal_y,
        caption: &details.caption,
        credit: &details.credit,
        own_work: details.own_work,
        file_name: name,
        content_type: image.content_type(),
        byte_size,
        width: i32::try_from(image.width).unwrap_or(i32::MAX),
        height: i32::try_from(image.height).unwrap_or(i32::MAX),
        uploaded_by: Some(actor.user_id),
        created_at: at,
    };
    let recorded = write_transaction(conn, |conn| {
        if let Some(found) = db_media::find_by_name(conn, name)? {
            return Ok(Recorded {
                id: found.id,
                existing: true,
            });
        }
        let id = db_media::insert(conn, &new)?;
        let detail = format!(
            "uploaded {name} ({}, {}x{}, {})",
            image.content_type(),
            image.width,
            image.height,
            media::human_size(byte_size)
        );
        log::record(conn, actor, audit::MEDIA_UPLOAD, ("media", id), &detail, at)?;
        Ok(Recorded {
            id,
            existing: false,
        })
    });
    match recorded {
        // Another request stored the same bytes at the same moment.
        Err(AppError::Database(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _,
        ))) => {
            let found = db_media::find_by_name(conn, name)?.ok_or(AppError::NotFound)?;
            Ok(Recorded {
                id: found.id,
                existing: true,
            })
        }
        other => other,
    }
}

/// Removes the file of an upload whose row could not be written, unless a
/// row for the same bytes exists: another upload of them committed. This
/// runs as a write transaction, with the table locked against new rows on
/// PostgreSQL, so an upload of the same bytes committing at the same
/// moment is either seen here, or commits after the removal and then
/// finds its file missing and writes it again. Returns whether the file
/// was removed.
pub fn forget_file(conn: &mut DbConn, dir: &Path, name: &str) -> Result<bool, AppError> {
    write_transaction(conn, |conn| {
        db_media::lock_out_writers(conn)?;
        if db_media::find_by_name(conn, name)?.is_some() {
            return Ok(false);
        }
        media::remove_all(dir, name).map_err(AppError::Storage)?;
        Ok(true)
    })
}

/// What a deletion came to.
pub enum Deletion {
    Deleted,
    /// Articles use the image as their hero: nothing was deleted.
    InUse(InUse),
}

/// Why a deletion was refused: the articles that use the image.
pub struct InUse {
    pub file_name: String,
    /// Each article's id and title.
    pub articles: Vec<(i32, String)>,
}

/// Deletes image `id`, its row and its file in `dir`, unless an article
/// uses it.
pub fn delete(conn: &mut DbConn, actor: &Actor, dir: &Path, id: i32) -> Result<Deletion, AppError> {
    let item = db_media::find(conn, id)?.ok_or(AppError::NotFound)?;
    policy::require(
        actor.can_delete_media(item.uploaded_by),
        "delete an image someone else uploaded",
    )?;
    write_transaction(conn, |conn| {
        let users = db_media::users_of(conn, &item)?;
        if !users.is_empty() {
            return Ok(Deletion::InUse(InUse {
                file_name: item.file_name.clone(),
                articles: users,
            }));
        }
        if db_media::delete(conn, item.id)? == 0 {
            return Err(AppError::NotFound);
        }
        let detail = format!("deleted {}", item.file_name);
        log::record(
            conn,
            actor,
            audit::MEDIA_DELETE,
            ("media", item.id),
            &detail,
            now(),
        )?;
        // Last, still inside the transaction: an upload of the same bytes
        // waits on the deleted row, then writes its files again after this
        // removal. Every variant and share image goes with the original.
        media::remove_all(dir, &item.file_name).map_err(AppError::Storage)?;
        Ok(Deletion::Deleted)
    })
}

/// The longest caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 500;
/// The longest credit, in characters.
pub const MAX_CREDIT_CHARS: usize = 200;

/// A picture's details as typed, before they are checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    pub caption: String,
    pub credit: String,
    /// `own` (the agency's) or `other`; anything else is refused.
    pub source: String,
    pub focal_x: String,
    pub focal_y: String,
}

/// Checks what was typed: a caption and credit on one line within their
/// lengths, a credit for a picture that is not the agency's own, and a
/// focal point of whole percentages. The errors name their fields.
pub fn check_details(form: &DetailsForm) -> Result<Details, Vec<(&'static str, String)>> {
    use crate::domain::text::{self, Lines};
    let mut errors = Vec::new();
    let caption = form.caption.trim().to_owned();
    let credit = form.credit.trim().to_owned();
    for (field, value, most) in [
        ("caption", &caption, MAX_CAPTION_CHARS),
        ("credit", &credit, MAX_CREDIT_CHARS),
    ] {
        if value.chars().count() > most {
            errors.push((
                field,
                format!("The {field} may have at most {most} characters."),
            ));
        } else if let Err(message) = text::check(value, Lines::One, field) {
            errors.push((field, message));
        }
    }
    let own_work = match form.source.trim() {
        "" | "own" => true,
        "other" => false,
        _ => {
            errors.push(("source", "Choose whose picture it is.".to_owned()));
            true
        }
    };
    if !own_work && credit.is_empty() {
        errors.push((
            "credit",
            "Credit the photographer or agency: the picture is not ours.".to_owned(),
        ));
    }
    let mut percent = |field: &'static str, raw: &str| -> i32 {
        match raw.trim() {
            "" => 50,
            raw => match raw.parse::<i32>() {
                Ok(v) if (0..=100).contains(&v) => v,
                _ => {
                    errors.push((field, "A whole number from 0 to 100.".to_owned()));
                    50
                }
            },
        }
    };
    let focal_x = percent("focal_x", &form.focal_x);
    let focal_y = percent("focal_y", &form.focal_y);
    if errors.is_empty() {
        Ok(Details {
            caption,
            credit,
            own_work,
            focal_x,
            focal_y,
        })
    } else {
        Err(errors)
    }
}

/// Whether `actor` may change the details of an image `uploaded_by`: as
/// for deleting it (editors and admins any, others their own).
pub fn may_describe(actor: &Actor, uploaded_by: Option<i32>) -> Result<(), AppError> {
    policy::require(
        actor.can_delete_media(uploaded_by),
        "change an image someone else uploaded",
    )
}

/// Saves checked details of image `id` with their audit entry, in one
/// transaction. The share image for a new focal point is stored by the
/// caller before this, so a page never names a file that is not there.
pub fn describe(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    details: &Details,
) -> Result<(), AppError> {
    let item = db_media::find(conn, id)?.ok_or(AppError::NotFound)?;
    may_describe(actor, item.uploaded_by)?;
    write_transaction(conn, |conn| {
        if db_media::update_details(conn, id, details)? == 0 {
            return Err(AppError::NotFound);
        }
        let before = Details::of(&item);
        let mut changed = Vec::new();
        if before.caption != details.caption {
            changed.push("caption");
        }
        if before.credit != details.credit || before.own_work != details.own_work {
            changed.push("credit");
        }
        if (before.focal_x, before.focal_y) != (details.focal_x, details.focal_y) {
            changed.push("focal point");
        }
        let detail = format!(
            "described {}: {}",
            item.file_name,
            if changed.is_empty() {
                "nothing changed".to_owned()
            } else {
                changed.join(", ")
            }
        );
        log::record(
            conn,
            actor,
            audit::MEDIA_UPDATE,
            ("media", id),
            &detail,
            now(),
        )?;
        Ok(())
    })
}

impl DetailsForm {
    /// The form filled in with what is stored.
    pub fn of(item: &crate::db::models::Media) -> DetailsForm {
        DetailsForm {
            caption: item.caption.clone(),
            credit: item.credit.clone(),
            source: if item.own_work { "own" } else { "other" }.to_owned(),
            focal_x: item.focal_x.to_string(),
            focal_y: item.focal_y.to_string(),
        }
    }
}
