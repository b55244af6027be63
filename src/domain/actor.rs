//! Who is acting, and what their role allows: the rules every staff use
//! case asks before it changes anything, so they hold whatever a page
//! showed.
//!
//! - contributor: writes drafts (their own) and submits them for review;
//! - author: also publishes, schedules, unpublishes and archives their own;
//! - editor: edits and publishes anyone's articles, manages tags;
//! - admin: also manages users, categories and site settings.

use super::Role;
use crate::error::{AppError, Forbidden};

/// Who is acting on the newsroom: the signed-in staff member, their role
/// and the client's address as the audit log records it. Every use case
/// takes one and asks it what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i32,
    pub role: Role,
    /// The client's address (`auth::session::client_ip`).
    pub ip: String,
}

impl Actor {
    /// Whether they may open and save the article written by `author_id`.
    pub fn can_edit(&self, author_id: i32) -> bool {
        match self.role {
            Role::Admin | Role::Editor => true,
            Role::Author | Role::Contributor => author_id == self.user_id,
        }
    }

    /// Whether they may publish, schedule, unpublish or archive the article
    /// written by `author_id` (and edit it once it is public).
    pub fn can_publish(&self, author_id: i32) -> bool {
        match self.role {
            Role::Admin | Role::Editor => true,
            Role::Author => author_id == self.user_id,
            Role::Contributor => false,
        }
    }

    /// Whose articles the staff area lists for them (the article list and
    /// the dashboard): `Some(their own id)` for authors and contributors,
    /// `None` (everyone's) for editors and admins.
    pub fn articles_listed(&self) -> Option<i32> {
        match self.role {
            Role::Admin | Role::Editor => None,
            Role::Author | Role::Contributor => Some(self.user_id),
        }
    }

    /// Whether they may write articles under another author's name.
    pub fn can_assign_author(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Editor)
    }

    /// Whether they may rename, merge and delete hashtags.
    pub fn can_manage_tags(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Editor)
    }

    /// Whether they may delete the media file uploaded by `uploaded_by`.
    pub fn can_delete_media(&self, uploaded_by: Option<i32>) -> bool {
        match self.role {
            Role::Admin | Role::Editor => true,
            Role::Author | Role::Contributor => uploaded_by == Some(self.user_id),
        }
    }

    /// Whether they may manage users, categories, site settings and read
    /// the audit log.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// `Ok` for an admin, else the 403 page saying `what` is not theirs
    /// to do.
    pub fn admin_only(&self, what: &str) -> Result<(), AppError> {
        require(self.is_admin(), what)
    }
}

/// `Ok` when `allowed`, else the 403 page explaining `what` is not theirs
/// to do.
pub fn require(allowed: bool, what: &str) -> Result<(), AppError> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(Forbidden::Role(format!(
            "Your role does not allow you to {what}. Ask an editor or an administrator."
        ))))
    }
}
