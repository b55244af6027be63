//! The newsroom: what the staff do to the site (create, save, publish and
//! import articles, review them with notes, and the changes to categories,
//! tags, users, media and settings), each as one function that the staff
//! area's handlers, the command line and the demo call alike. It sits
//! between the handlers and `db/`: a use case here takes the [`Actor`](crate::domain::actor::Actor)
//! (user, role and client address) and the input as typed, checks
//! permission, validates, writes through `db/` and keeps its audit record
//! in one `db::write_transaction`, and returns a typed outcome or an
//! `AppError` (`Invalid` with the messages by field, `Conflict`,
//! `Forbidden`). It knows nothing of HTTP or the terminal.

pub mod article_form;
pub mod articles;
pub mod audit;
pub mod categories;
pub mod import;
pub mod live;
pub mod media;
pub mod review;
pub mod settings;
pub mod tags;
pub mod users;

/// Whether a checkbox was ticked (browsers send `on`).
pub fn checked(value: &str) -> bool {
    matches!(value.trim(), "on" | "1" | "true" | "yes")
}
