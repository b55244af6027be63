//! The media library's changes: recording an uploaded image (any staff
//! member) and deleting one (editors and admins any, others their own,
//! never one an article uses). The file itself is written by the caller
//! before [`record_upload`], under its content-addressed name; the
//! same bytes uploaded twice are one file and one row.

use std::path::Path;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::audit as log;
use crate::db::media::{self as db_media, NewMedia};
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

/// Records the image already stored as `name` (`byte_size` bytes): its
/// row and audit entry in one transaction, or the row of the same bytes
/// if there is one.
pub fn record_upload(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    image: ImageType,
    byte_size: i64,
) -> Result<Recorded, AppError> {
    let at = now();
    let new = NewMedia {
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
        media::remove(dir, name).map_err(AppError::Storage)?;
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
        // waits on the deleted row, then writes its file again after this
        // removal.
        media::remove(dir, &item.file_name).map_err(AppError::Storage)?;
        Ok(Deletion::Deleted)
    })
}
