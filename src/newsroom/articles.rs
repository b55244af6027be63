//! Articles: creating one, saving it with a step of the workflow (submit,
//! publish, schedule, unpublish, archive) and restoring an old revision,
//! all through one write: the permission rule, the version check, the
//! content, its revision, the 301 of a renamed public article and the
//! audit entry, in one transaction (`db::editor::create` and `save`).
//!
//! [`create`] is the one way a new article is made, by the editor, the
//! import form, `iconocast import`, the demo content and the tests alike,
//! so every article has its first revision from the start.

use diesel::prelude::*;

use chrono::NaiveDateTime;

use crate::db::articles::ArticleInput;
use crate::db::editor::{self, Change, Draft, NewDraft, Saved, Stored};
use crate::db::schema::{categories, media};
use crate::db::{audit, review_notes, write_transaction, DbConn};
use crate::domain::actor::{self as policy, Actor};
use crate::domain::clock::now;
use crate::domain::workflow::{self, Step};
use crate::domain::{ArticleStatus, DatedNote, NoteInput};
use crate::error::AppError;

/// Article `id` for `actor` to open: 404 when missing, 403 when not theirs.
pub fn editable(conn: &mut DbConn, actor: &Actor, id: i32) -> Result<Stored, AppError> {
    let stored = editor::load(conn, id)?.ok_or(AppError::NotFound)?;
    policy::require(
        actor.can_edit(stored.article.author_id),
        "edit another writer's article",
    )?;
    Ok(stored)
}

/// Whether `actor` may write a draft credited to `author_id` over
/// `current` (`None` for a new article), taking a step that `publishes`
/// or not: publishing, and any change to an article that is or was
/// public, is for those who may publish the articles of both the stored
/// and the new author; crediting another writer is for those who may.
pub fn may_write(
    actor: &Actor,
    current: Option<&Stored>,
    author_id: i32,
    publishes: bool,
) -> Result<(), AppError> {
    let (stored_author, status) = current.map_or((actor.user_id, ArticleStatus::Draft), |s| {
        (s.article.author_id, s.article.status)
    });
    if publishes || workflow::change_needs_publish_right(status) {
        policy::require(
            actor.can_publish(stored_author) && actor.can_publish(author_id),
            "publish, unpublish or change this article",
        )?;
    }
    if author_id != stored_author {
        policy::require(actor.can_assign_author(), "credit another writer")?;
    }
    Ok(())
}

/// Creates article `draft` at `status` (published at `published_at`),
/// made at `at` by `by` (with its audit entry) or by no one, with the
/// corrections and updates `notes` made since its publication: the
/// article, its sections, hashtags, notes and search row, its first
/// revision and the audit entry, in one transaction. Every new article is
/// made here; no permission is checked (the editor's [`write`] checks
/// first).
pub fn create(
    conn: &mut DbConn,
    draft: &Draft,
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
    by: Option<&Change>,
    notes: &[DatedNote],
) -> QueryResult<i32> {
    editor::create(
        conn,
        &NewDraft {
            draft,
            status,
            published_at,
            at,
            by,
            notes,
        },
    )
}

/// Creates `input` as [`create`] does, made at `at` by no staff member:
/// the demo content, `iconocast import` and test fixtures.
pub fn create_unattended(
    conn: &mut DbConn,
    input: &ArticleInput,
    at: NaiveDateTime,
) -> QueryResult<i32> {
    create(
        conn,
        &input.draft(),
        input.status,
        input.published_at,
        at,
        None,
        &input.notes,
    )
}

/// One write of an article.
pub struct Write<'a> {
    pub draft: &'a Draft,
    pub step: Step,
    /// One of the `audit::ARTICLE_*` actions.
    pub action: &'a str,
    /// What the audit entry says.
    pub detail: &'a str,
    /// A correction or update to attach, for an article on the site
    /// (`newsroom::article_form` checks that it is).
    pub note: Option<&'a NoteInput>,
}

/// What a write came to.
#[derive(Debug)]
pub enum Written {
    /// Stored: the article's id.
    Done(i32),
    /// Someone saved the article since `expected`: nothing was written,
    /// and this is what is stored now.
    Conflict(Box<Stored>),
}

/// Writes `w` as a new article (`current` is `None`) or over `current` if
/// it is still at version `expected`: the permission rule of
/// [`may_write`], then the content, revision, redirect and audit entry in
/// one transaction.
pub fn write(
    conn: &mut DbConn,
    actor: &Actor,
    current: Option<&Stored>,
    expected: i32,
    w: &Write,
) -> Result<Written, AppError> {
    may_write(
        actor,
        current,
        w.draft.author_id,
        w.step.needs_publish_right(),
    )?;
    if let Some(current) = current {
        if !w.step.allowed_from(current.article.status) {
            return Err(AppError::Conflict {
                title: "Not saved",
                message: format!(
                    "Only an article in review can be returned to its writer, and this one is \
                     {}. Nothing was saved.",
                    current.article.status.label().to_lowercase()
                ),
            });
        }
    }
    let change = Change {
        user_id: actor.user_id,
        at: now(),
        ip: &actor.ip,
        action: w.action,
        detail: w.detail,
    };
    let written = write_transaction(conn, |conn| -> QueryResult<Written> {
        let Some(current) = current else {
            let (status, published_at) = w.step.apply(ArticleStatus::Draft, None, change.at);
            return create(
                conn,
                w.draft,
                status,
                published_at,
                change.at,
                Some(&change),
                &[],
            )
            .map(Written::Done);
        };
        let saved = editor::save(conn, current, expected, w.draft, w.step, &change, w.note)?;
        Ok(match saved {
            Saved::Done { id, .. } => {
                // A step of the workflow moves the article on: it is
                // returned to its writer by a return, and no longer by
                // any other step.
                if w.step != Step::Keep {
                    let returned = (w.step == Step::Return).then_some((actor.user_id, change.at));
                    review_notes::set_returned(conn, id, returned)?;
                }
                Written::Done(id)
            }
            Saved::Conflict(stored) => Written::Conflict(stored),
        })
    });
    match written {
        Err(e) if editor::is_slug_clash(&e) => Err(AppError::Conflict {
            title: "Not saved",
            message: format!(
                "Another article took the slug \"{}\" a moment ago, so nothing was saved. \
                 Go back to the editor, choose another slug and save again.",
                w.draft.slug
            ),
        }),
        other => Ok(other?),
    }
}

/// A restore refused because of what the article or the site holds now.
fn not_restored(message: String) -> AppError {
    AppError::Conflict {
        title: "Not restored",
        message,
    }
}

/// Saves revision `version` of article `id` again as a new version, if the
/// article is still at `expected`, through the same [`write`] as the
/// editor. What no longer fits is adapted or refused: an image deleted
/// since is dropped, an author the actor may not credit stays the current
/// one, the expiry stays the current one, and a slug another article took
/// or a category deleted since is a `Conflict`.
pub fn restore(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    version: i32,
    expected: i32,
) -> Result<(), AppError> {
    let stored = editable(conn, actor, id)?;
    may_write(actor, Some(&stored), stored.article.author_id, false)?;
    let snapshot = editor::revision(conn, id, version)?.ok_or(AppError::NotFound)?;
    let mut draft = snapshot.draft;
    if editor::slug_taken(conn, &draft.slug, Some(id))? {
        return Err(not_restored(format!(
            "Another article now has the slug \"{}\" (or had it, and its old address leads \
             there), so this revision cannot be restored as it is. Open the editor and change \
             the slug first.",
            draft.slug
        )));
    }
    if let Some(c) = draft.category_id {
        if categories::table.find(c).count().get_result::<i64>(conn)? == 0 {
            return Err(not_restored(
                "This revision's category no longer exists, so it cannot be restored as it is."
                    .to_owned(),
            ));
        }
    }
    if let Some(m) = draft.hero_media_id {
        // An image deleted since keeps the text, not the picture.
        if media::table.find(m).count().get_result::<i64>(conn)? == 0 {
            draft.hero_media_id = None;
        }
    }
    if draft.author_id != stored.article.author_id && !actor.can_assign_author() {
        draft.author_id = stored.article.author_id;
    }
    // The end of a licence is not undone by bringing back older text: the
    // article keeps the expiry it has now.
    draft.expires_at = stored.draft.expires_at;
    let detail = format!("restored version {version} of \"{}\"", draft.title);
    let w = Write {
        draft: &draft,
        step: Step::Keep,
        action: audit::ARTICLE_RESTORE,
        detail: &detail,
        note: None,
    };
    match write(conn, actor, Some(&stored), expected, &w)? {
        Written::Done(_) => Ok(()),
        Written::Conflict(_) => Err(not_restored(
            "The article was saved by someone else since you opened its history, so nothing \
             was restored. Reload the history and try again."
                .to_owned(),
        )),
    }
}
