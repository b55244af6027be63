//! Hashtags (editors and admins): renaming one (onto another hashtag's
//! slug merges the two) and deleting one. The old addresses answer 301 or
//! stop redirecting, and the search index of every article concerned is
//! rewritten, in the same transaction.

use chrono::NaiveDateTime;

use super::audit::{self as log, plural};
use crate::db::{audit, redirects, search_index, tags, write_transaction, DbConn};
use crate::domain::actor::{self as policy, Actor};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{tag_slug, FEED_FILES};
use crate::error::AppError;

/// Longest hashtag name, in characters.
pub const MAX_NAME: usize = 100;

/// `Ok` for those who may rename and delete hashtags, else the 403 page.
pub fn may_manage(actor: &Actor) -> Result<(), AppError> {
    policy::require(actor.can_manage_tags(), "manage hashtags")
}

/// Why a typed name cannot be a hashtag, or its (name, slug).
fn check_name(raw: &str) -> Result<(String, String), String> {
    let name = raw.trim().trim_start_matches('#').trim().to_owned();
    if name.is_empty() {
        return Err("Give the hashtag a name.".to_owned());
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "The name is too long: at most {MAX_NAME} characters."
        ));
    }
    text::check(&name, Lines::One, "name")?;
    match tag_slug(&name) {
        Some(slug) => Ok((name, slug)),
        None => Err("The name needs at least one letter or digit.".to_owned()),
    }
}

/// Rewrites the search index of `ids`.
fn reindex_all(conn: &mut DbConn, ids: &[i32]) -> Result<(), AppError> {
    for id in ids {
        search_index::reindex(conn, *id)?;
    }
    Ok(())
}

/// `/tag/old` (and its feeds) now answer 301 to `/tag/new`.
fn move_tag_paths(
    conn: &mut DbConn,
    old: &str,
    new: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    redirects::move_path(conn, &format!("/tag/{old}"), &format!("/tag/{new}"), at)?;
    for feed in FEED_FILES {
        redirects::move_path(
            conn,
            &format!("/tag/{old}/{feed}"),
            &format!("/tag/{new}/{feed}"),
            at,
        )?;
    }
    Ok(())
}

/// What a rename came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renamed {
    Renamed,
    /// Another hashtag had the slug: this one was merged into it.
    Merged,
    Unchanged,
}

impl Renamed {
    /// The notice the page shows after it.
    pub fn notice(self) -> &'static str {
        match self {
            Renamed::Renamed => "renamed",
            Renamed::Merged => "merged",
            Renamed::Unchanged => "unchanged",
        }
    }
}

/// Renames hashtag `id` to `typed`; its slug follows the name, and if
/// another hashtag has that slug already, this one is merged into it.
/// Returns what happened and the slug the hashtag has now; a name that
/// cannot be a hashtag is `Invalid` on the field `name`.
pub fn rename(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    typed: &str,
) -> Result<(Renamed, String), AppError> {
    may_manage(actor)?;
    let checked = check_name(typed);
    write_transaction(conn, |conn| {
        let tag = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
        let (name, slug) = checked.map_err(|message| AppError::invalid("name", message))?;
        if name == tag.name {
            return Ok((Renamed::Unchanged, tag.slug));
        }
        let at = now();
        let ids = tags::article_ids(conn, id)?;
        let (done, detail, now_slug) = if slug == tag.slug {
            tags::rename(conn, id, &slug, &name)?;
            (
                Renamed::Renamed,
                format!("renamed #{} to #{name}", tag.name),
                slug,
            )
        } else if let Some(target) = tags::find_by_slug(conn, &slug)? {
            let (moved, dropped) = tags::merge_into(conn, id, target.id)?;
            move_tag_paths(conn, &tag.slug, &target.slug, at)?;
            (
                Renamed::Merged,
                format!(
                    "merged #{} into #{} (tag {}): {moved} article{} moved, \
                     {dropped} already had it",
                    tag.name,
                    target.name,
                    target.id,
                    plural(moved)
                ),
                target.slug,
            )
        } else {
            tags::rename(conn, id, &slug, &name)?;
            move_tag_paths(conn, &tag.slug, &slug, at)?;
            (
                Renamed::Renamed,
                format!(
                    "renamed #{} to #{name} (/tag/{} → /tag/{slug})",
                    tag.name, tag.slug
                ),
                slug,
            )
        };
        reindex_all(conn, &ids)?;
        log::record(conn, actor, audit::TAG_UPDATE, ("tag", id), &detail, at)?;
        Ok((done, now_slug))
    })
}

/// Deletes hashtag `id` and removes it from its articles.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: i32) -> Result<(), AppError> {
    may_manage(actor)?;
    write_transaction(conn, |conn| {
        let tag = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
        let ids = tags::article_ids(conn, id)?;
        tags::delete(conn, id)?;
        // Old addresses that led here would now lead nowhere.
        redirects::delete_to(conn, &format!("/tag/{}", tag.slug))?;
        for feed in FEED_FILES {
            redirects::delete_to(conn, &format!("/tag/{}/{feed}", tag.slug))?;
        }
        reindex_all(conn, &ids)?;
        let detail = format!(
            "deleted #{} (/tag/{}) from {} article{}",
            tag.name,
            tag.slug,
            ids.len(),
            plural(ids.len())
        );
        log::record(conn, actor, audit::TAG_DELETE, ("tag", id), &detail, now())?;
        Ok(())
    })
}
