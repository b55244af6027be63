//! Staff accounts: adding one (by an admin in the staff area, or by
//! `iconocast user add`, through the same [`create`]) and changing the
//! name, bio, role, active flag or password (admins only). A new role,
//! deactivation or a new password signs the user out everywhere at once;
//! the last active admin cannot be demoted or deactivated.

use serde::Deserialize;

use super::audit::{self as log, quoted};
use super::checked;
use crate::auth::password;
use crate::db::models::StaffUser;
use crate::db::DbConn;
use crate::db::{audit, users, write_transaction};
use crate::domain::actor::Actor;
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{Email, Role, Slug};
use crate::error::{AppError, FieldErrors};

/// Longest name (as `iconocast user add`) and bio, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_BIO: usize = 2000;

/// What the reason for the role refusal names.
const WHAT: &str = "manage staff accounts";

/// A new staff member as typed into the add form (shown again without
/// the password), or given to `iconocast user add`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
    /// The author page's slug (`iconocast user add --slug`); `None` makes
    /// one from the name. The staff area's form has no such field.
    #[serde(skip)]
    pub slug: Option<String>,
}

/// Who adds a staff member.
#[derive(Debug, Clone, Copy)]
pub enum AddedBy<'a> {
    /// An admin in the staff area; anyone else is refused.
    Staff(&'a Actor),
    /// `iconocast user add`, which anyone holding the database's address
    /// may run: no role is asked, and the audit entry names no user.
    CommandLine,
}

/// A staff member just added.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: i32,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub slug: String,
}

/// A staff member's changes as typed into the edit form (shown again
/// without the password); an empty password keeps the old one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditUserInput {
    pub name: String,
    pub bio: String,
    pub role: String,
    pub active: String,
    pub password: String,
}

impl EditUserInput {
    /// The form of a stored user.
    pub fn of(user: &StaffUser, bio: &str) -> EditUserInput {
        EditUserInput {
            name: user.name.clone(),
            bio: bio.to_owned(),
            role: user.role.as_str().to_owned(),
            active: if user.active {
                "on".to_owned()
            } else {
                String::new()
            },
            password: String::new(),
        }
    }

    pub fn active_checked(&self) -> bool {
        checked(&self.active)
    }
}

/// A name as `iconocast user add` takes it: runs of spaces made one.
fn clean_name(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_name(name: &str, errors: &mut FieldErrors) {
    if name.is_empty() || name.chars().count() > MAX_NAME {
        errors.add(
            "name",
            format!("The name must have 1 to {MAX_NAME} characters."),
        );
    } else if let Err(message) = text::check(name, Lines::One, "name") {
        errors.add("name", message);
    }
}

fn check_role(raw: &str, errors: &mut FieldErrors) -> Option<Role> {
    let role = Role::parse(raw);
    if role.is_none() {
        errors.add(
            "role",
            format!(
                "Unknown role \"{}\": use admin, editor, author or contributor.",
                raw.trim()
            ),
        );
    }
    role
}

/// `check_strength`'s reason as a sentence.
fn check_password(raw: &str, errors: &mut FieldErrors) {
    if let Err(reason) = password::check_strength(raw) {
        let mut chars = reason.chars();
        let sentence = match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => reason,
        };
        errors.add("password", sentence);
    }
}

fn hash(raw: &str) -> Result<String, AppError> {
    password::hash(raw).map_err(|e| {
        tracing::error!(error = %e, "cannot hash a password");
        AppError::Database(diesel::result::Error::RollbackTransaction)
    })
}

/// The fields of a new staff member but the password, checked.
struct NewFields {
    email: Email,
    name: String,
    role: Role,
    slug: Option<String>,
}

/// Checks every field of `input` but the password, adding a message to
/// `errors` for each that is wrong.
fn new_fields(input: &NewUserInput, errors: &mut FieldErrors) -> Option<NewFields> {
    let email = Email::parse(&input.email);
    if email.is_none() {
        errors.add(
            "email",
            format!("\"{}\" is not a valid email address.", input.email.trim()),
        );
    }
    let name = clean_name(&input.name);
    check_name(&name, errors);
    let role = check_role(&input.role, errors);
    let slug = match input.slug.as_deref() {
        None => Some(None),
        Some(raw) => {
            let slug = Slug::parse(raw).map(|s| s.as_str().to_owned());
            if slug.is_none() {
                errors.add(
                    "slug",
                    format!(
                        "\"{}\" is not a valid slug: use a-z, 0-9 and single hyphens inside.",
                        raw.trim()
                    ),
                );
            }
            slug.map(Some)
        }
    };
    Some(NewFields {
        email: email?,
        name,
        role: role?,
        slug: slug?,
    })
}

/// Checks every field of `input` but the password, as [`create`] does:
/// `iconocast user add` checks them before it asks for the password.
pub fn check_new_fields(input: &NewUserInput) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    new_fields(input, &mut errors);
    errors.into_result()
}

/// Checks `input` as [`create`] does before it uses the database.
fn check_new(input: &NewUserInput) -> Result<NewFields, AppError> {
    let mut errors = FieldErrors::default();
    let fields = new_fields(input, &mut errors);
    check_password(&input.password, &mut errors);
    let Some(fields) = fields else {
        return Err(AppError::Invalid(errors));
    };
    errors.into_result()?;
    Ok(fields)
}

/// Checks `input` as [`create`] does before it uses the database:
/// `iconocast user add` checks it before it connects.
pub fn check_new_user(input: &NewUserInput) -> Result<(), AppError> {
    check_new(input).map(|_| ())
}

fn email_taken(email: &Email) -> AppError {
    AppError::invalid(
        "email",
        format!("A user with the email {email} already exists."),
    )
}

/// How many times a new staff member is written before a unique violation
/// is given up on: another one added at the same moment took the slug
/// made from the name, and the next try takes the next free one.
const ADD_ATTEMPTS: usize = 3;

/// Adds a staff member with an argon2id hash of the password and its
/// audit entry: by an admin, or from the command line. Refused when a
/// field is wrong or the email (or the slug asked for) is taken, also by
/// someone added at the same moment.
pub fn create(conn: &mut DbConn, by: AddedBy, input: &NewUserInput) -> Result<Added, AppError> {
    if let AddedBy::Staff(actor) = by {
        actor.admin_only(WHAT)?;
    }
    let NewFields {
        email,
        name,
        role,
        slug: wanted_slug,
    } = check_new(input)?;
    let hashed = hash(&input.password)?;
    let added_by = match by {
        AddedBy::Staff(actor) => users::AddedBy {
            user_id: Some(actor.user_id),
            ip: &actor.ip,
        },
        AddedBy::CommandLine => users::AddedBy {
            user_id: None,
            ip: "",
        },
    };
    write_transaction(conn, |conn| {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if users::email_taken(conn, &email)? {
                return Err(email_taken(&email));
            }
            let slug = match &wanted_slug {
                Some(s) if users::slug_taken(conn, s)? => {
                    return Err(AppError::invalid(
                        "slug",
                        format!("The slug \"{s}\" is already taken."),
                    ))
                }
                Some(s) => s.clone(),
                None => users::unique_slug(conn, &name)?,
            };
            let new = users::NewStaff {
                email: &email,
                name: &name,
                role,
                slug: &slug,
                password_hash: &hashed,
            };
            // A unique violation: someone was added with this email or
            // slug since the checks above (on PostgreSQL, which lets two
            // writers check at once). Its savepoint is rolled back, so the
            // checks run again and see them.
            match users::add_staff(conn, &new, &added_by, now()) {
                Ok(id) => {
                    return Ok(Added {
                        id,
                        email: email.clone(),
                        name: name.clone(),
                        role,
                        slug,
                    })
                }
                Err(e) if unique_violation(&e) && attempt < ADD_ATTEMPTS => {
                    tracing::info!("a staff member was added meanwhile; checking again");
                }
                Err(e) => return Err(e.into()),
            }
        }
    })
}

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether `user` counts towards the admins who keep the staff area run.
fn is_signing_admin(user: &StaffUser) -> bool {
    user.role == Role::Admin && user.active && user.password_hash.is_some()
}

/// What a change of a user came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Saved,
    /// Saved, and the user was signed out everywhere (a new role, a
    /// deactivation or a new password).
    SignedOut,
    Unchanged,
}

impl Updated {
    /// The notice the page shows after it.
    pub fn notice(self) -> &'static str {
        match self {
            Updated::Saved => "saved",
            Updated::SignedOut => "signed-out",
            Updated::Unchanged => "unchanged",
        }
    }
}

/// Saves the edit form of user `id`.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    input: &EditUserInput,
) -> Result<Updated, AppError> {
    actor.admin_only(WHAT)?;
    let mut errors = FieldErrors::default();
    let name = clean_name(&input.name);
    check_name(&name, &mut errors);
    let bio = input.bio.trim().replace("\r\n", "\n");
    if bio.chars().count() > MAX_BIO {
        errors.add(
            "bio",
            format!("The bio is too long: at most {MAX_BIO} characters."),
        );
    } else if let Err(message) = text::check(&bio, Lines::Many, "bio") {
        errors.add("bio", message);
    }
    let role = check_role(&input.role, &mut errors);
    let active = checked(&input.active);
    let new_password = !input.password.is_empty();
    if new_password {
        check_password(&input.password, &mut errors);
    }
    let hashed = match (new_password && errors.is_empty(), role) {
        (true, Some(_)) => Some(hash(&input.password)?),
        _ => None,
    };
    write_transaction(conn, |conn| {
        // Locked first (PostgreSQL), so the last-admin check holds.
        let admins = users::lock_active_admins(conn)?;
        let (user, old_bio) = users::find_with_bio(conn, id)?.ok_or(AppError::NotFound)?;
        let Some(role) = role else {
            return Err(AppError::Invalid(errors));
        };
        let stays_admin = role == Role::Admin && active;
        if is_signing_admin(&user) && !stays_admin && admins == [user.id] {
            let field = if role != Role::Admin {
                "role"
            } else {
                "active"
            };
            errors.add(
                field,
                format!(
                    "{} is the only active administrator: make someone else an \
                     administrator first, or nobody could manage the staff area.",
                    user.name
                ),
            );
        }
        errors.into_result()?;
        let mut changed = Vec::new();
        if name != user.name {
            changed.push(format!("name {} → {}", quoted(&user.name), quoted(&name)));
        }
        if bio != old_bio {
            changed.push("bio".to_owned());
        }
        if name != user.name || bio != old_bio {
            users::set_profile(conn, id, &name, &bio)?;
        }
        let mut signed_out = false;
        if role != user.role {
            users::set_role(conn, id, role)?;
            changed.push(format!("role {} → {}", user.role.as_str(), role.as_str()));
            signed_out = true;
        }
        if active != user.active {
            users::set_active(conn, id, active)?;
            changed.push(if active { "reactivated" } else { "deactivated" }.to_owned());
            signed_out = true;
        }
        if let Some(h) = &hashed {
            users::set_password(conn, id, h)?;
            changed.push("password changed".to_owned());
            signed_out = true;
        }
        if changed.is_empty() {
            return Ok(Updated::Unchanged);
        }
        if signed_out {
            changed.push("signed out everywhere".to_owned());
        }
        let detail = format!(
            "updated {} <{}>: {}",
            user.name,
            user.email,
            changed.join("; ")
        );
        log::record(
            conn,
            actor,
            audit::USER_UPDATE,
            ("user", id),
            &detail,
            now(),
        )?;
        Ok(if signed_out {
            Updated::SignedOut
        } else {
            Updated::Saved
        })
    })
}
