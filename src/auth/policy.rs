//! Who may do what in the staff area. Every handler asks here before it
//! changes anything, so the rules hold whatever the page showed:
//!
//! - contributor: writes drafts (their own) and submits them for review;
//! - author: also publishes, schedules, unpublishes and archives their own;
//! - editor: edits and publishes anyone's articles, manages tags;
//! - admin: also manages users, categories and site settings.

use super::session::Staff;
use crate::domain::Role;
use crate::error::{AppError, Forbidden};

/// Who is acting on the newsroom: the signed-in staff member, their role
/// and the client's address as the audit log records it. Every use case
/// takes one and asks it what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i32,
    pub role: Role,
    /// The client's address ([`super::session::client_ip`]).
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

/// The same questions about the signed-in staff member, for the pages
/// (which links and buttons to show); the rules are [`Actor`]'s.
impl Staff {
    /// The staff member's role; an unknown stored role counts as the least
    /// trusted one.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Contributor)
    }

    /// The staff member as the one acting, from the address they came from.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            role: self.role(),
            ip: self.ip.clone(),
        }
    }

    pub fn can_edit(&self, author_id: i32) -> bool {
        self.actor().can_edit(author_id)
    }

    pub fn can_publish(&self, author_id: i32) -> bool {
        self.actor().can_publish(author_id)
    }

    pub fn articles_listed(&self) -> Option<i32> {
        self.actor().articles_listed()
    }

    pub fn can_assign_author(&self) -> bool {
        self.actor().can_assign_author()
    }

    pub fn can_manage_tags(&self) -> bool {
        self.actor().can_manage_tags()
    }

    pub fn can_delete_media(&self, uploaded_by: Option<i32>) -> bool {
        self.actor().can_delete_media(uploaded_by)
    }

    pub fn is_admin(&self) -> bool {
        self.actor().is_admin()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, user_id: i32) -> Staff {
        Staff {
            user_id,
            name: "N".into(),
            email: "n@example.com".into(),
            role: role.as_str().into(),
            csrf_token: String::new(),
            session_id: String::new(),
            ip: String::new(),
        }
    }

    #[test]
    fn contributors_edit_only_their_own_and_never_publish() {
        let c = staff(Role::Contributor, 7);
        assert!(c.can_edit(7));
        assert!(!c.can_edit(8));
        assert!(!c.can_publish(7));
        assert!(!c.can_manage_tags() && !c.is_admin() && !c.can_assign_author());
    }

    #[test]
    fn authors_publish_their_own_only() {
        let a = staff(Role::Author, 7);
        assert!(a.can_publish(7));
        assert!(!a.can_publish(8));
        assert!(!a.can_edit(8));
        assert!(!a.is_admin());
    }

    #[test]
    fn editors_publish_anyones_but_do_not_administer() {
        let e = staff(Role::Editor, 7);
        assert!(e.can_edit(8) && e.can_publish(8) && e.can_manage_tags());
        assert!(!e.is_admin());
        assert!(staff(Role::Admin, 1).is_admin());
    }

    #[test]
    fn authors_and_contributors_are_listed_only_their_own_articles() {
        assert_eq!(staff(Role::Contributor, 7).articles_listed(), Some(7));
        assert_eq!(staff(Role::Author, 7).articles_listed(), Some(7));
        assert_eq!(staff(Role::Editor, 7).articles_listed(), None);
        assert_eq!(staff(Role::Admin, 7).articles_listed(), None);
    }

    #[test]
    fn media_deletion_follows_ownership() {
        assert!(staff(Role::Author, 7).can_delete_media(Some(7)));
        assert!(!staff(Role::Author, 7).can_delete_media(Some(8)));
        assert!(!staff(Role::Contributor, 7).can_delete_media(None));
        assert!(staff(Role::Editor, 7).can_delete_media(None));
    }

    #[test]
    fn an_unknown_role_counts_as_contributor() {
        let mut s = staff(Role::Admin, 1);
        s.role = "owner".into();
        assert_eq!(s.role(), Role::Contributor);
        assert!(require(false, "do this").is_err());
    }
}
