//! Who may do what in the staff area, asked of the signed-in [`Staff`]
//! member: the rules are [`Actor`]'s (`domain::actor`), and a staff
//! member is the actor of their requests.

use super::session::Staff;
pub use crate::domain::actor::{require, Actor};
use crate::domain::Role;

/// The same questions about the signed-in staff member, for the pages
/// (which links and buttons to show); the rules are [`Actor`]'s.
impl Staff {
    /// The staff member's role.
    pub fn role(&self) -> Role {
        self.role
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

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, user_id: i32) -> Staff {
        Staff {
            user_id,
            name: "N".into(),
            email: "n@example.com".into(),
            role,
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
    fn refusals_are_errors() {
        assert!(require(false, "do this").is_err());
        assert!(require(true, "do this").is_ok());
    }
}
