//! The newsroom: what the staff do to the site, one file per area. Each
//! use case takes the [`Actor`](crate::auth::policy::Actor) and the input
//! as typed, checks permission, validates, writes and audits in one
//! `db::write_transaction`, and returns a typed outcome or an `AppError`
//! (`Invalid` with the messages by field, `Conflict`, `Forbidden`).
//! The staff pages call them from their handlers; none of them knows HTTP.

pub mod audit;
pub mod categories;
pub mod media;
pub mod settings;
pub mod tags;
pub mod users;

/// Whether a checkbox was ticked (browsers send `on`).
pub fn checked(value: &str) -> bool {
    matches!(value.trim(), "on" | "1" | "true" | "yes")
}
