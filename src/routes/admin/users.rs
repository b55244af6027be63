//! `/admin/users` (admins only): every staff member, a form to add one
//! (the checks and messages of `iconocast user add`), and an edit page per
//! user for the name, bio, role, active flag and a new password. A new
//! role, deactivation or a new password signs the user out everywhere at
//! once; the last active admin cannot be demoted or deactivated.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::categories::{checked, parse_id, quoted, DoneQuery, FieldErrors};
use super::page::{forbidden, AdminLayout};
use super::page::{respond, see_other};
use crate::app::AppState;
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, password, policy};
use crate::db::models::{NewAuditEntry, StaffUser};
use crate::db::{audit, settings, users, write_transaction, DbConn};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::views::filters;

/// Longest name (as `iconocast user add`) and bio, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_BIO: usize = 2000;

/// One line of the list.
pub struct UserRow {
    pub user: StaffUser,
    pub last_sign_in: Option<NaiveDateTime>,
}

/// The add form as posted (and re-shown, without the password).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
    pub csrf_token: String,
}

/// The edit form as posted (and re-shown, without the password).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditUserForm {
    pub name: String,
    pub bio: String,
    pub role: String,
    pub active: String,
    pub password: String,
    pub csrf_token: String,
}

impl EditUserForm {
    fn of(user: &StaffUser, bio: &str) -> EditUserForm {
        EditUserForm {
            name: user.name.clone(),
            bio: bio.to_owned(),
            role: user.role.as_str().to_owned(),
            active: if user.active {
                "on".to_owned()
            } else {
                String::new()
            },
            password: String::new(),
            csrf_token: String::new(),
        }
    }

    pub fn active_checked(&self) -> bool {
        checked(&self.active)
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub users: Vec<UserRow>,
    pub roles: &'static [Role],
    pub form: NewUserForm,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
}

impl UsersPage {
    fn role_selected(&self, role: &Role) -> bool {
        Role::parse(&self.form.role) == Some(*role)
    }
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
pub struct UserPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    /// The user as stored.
    pub user: StaffUser,
    pub roles: &'static [Role],
    pub form: EditUserForm,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    /// Whether the signed-in admin is editing themselves.
    pub is_self: bool,
}

impl UserPage {
    fn role_selected(&self, role: &Role) -> bool {
        Role::parse(&self.form.role) == Some(*role)
    }
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some("User added. They can sign in now with the password you gave."),
        "saved" => Some("Changes saved."),
        "signed-out" => Some(
            "Changes saved. The user was signed out everywhere and signs in again \
             with their new role or password.",
        ),
        "unchanged" => Some("Nothing was changed."),
        _ => None,
    }
}

fn admin_only(staff: &Staff) -> Result<(), AppError> {
    policy::require(staff.is_admin(), "manage staff accounts")
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

fn rows(conn: &mut DbConn) -> Result<Vec<UserRow>, AppError> {
    let last: HashMap<i32, NaiveDateTime> = users::last_sign_ins(conn)?.into_iter().collect();
    Ok(users::all_staff(conn)?
        .into_iter()
        .map(|user| UserRow {
            last_sign_in: last.get(&user.id).copied(),
            user,
        })
        .collect())
}

fn list_page(
    staff: Staff,
    site_name: String,
    users: Vec<UserRow>,
    form: NewUserForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> UsersPage {
    UsersPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Users", Some(staff)),
        users,
        roles: &Role::ALL,
        form,
        errors,
        notice,
    }
}

/// GET /admin/users.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff)?;
    let (site_name, all) = state
        .run(|conn| Ok((settings::load(conn)?.name, rows(conn)?)))
        .await?;
    let form = NewUserForm {
        role: Role::Author.as_str().to_owned(),
        ..NewUserForm::default()
    };
    let page = list_page(
        staff,
        site_name,
        all,
        form,
        FieldErrors::default(),
        notice(&query.done),
    );
    respond(StatusCode::OK, &page)
}

/// What a POST came to.
enum Outcome {
    Done(&'static str),
    Invalid(FieldErrors),
}

/// POST /admin/users: a new staff member, checked as `iconocast user add`
/// checks one.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, AppError> {
    let mut form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let posted = form.clone();
    let (site_name, all, outcome) = state
        .run(move |conn| {
            let mut errors = FieldErrors::default();
            let email = Email::parse(&posted.email);
            if email.is_none() {
                errors.add(
                    "email",
                    format!("\"{}\" is not a valid email address.", posted.email.trim()),
                );
            }
            let name = clean_name(&posted.name);
            check_name(&name, &mut errors);
            let role = check_role(&posted.role, &mut errors);
            check_password(&posted.password, &mut errors);
            let outcome = match (email, role) {
                (Some(email), Some(role)) if errors.is_empty() => {
                    let hashed = hash(&posted.password)?;
                    write_transaction::<_, AppError, _>(conn, |conn| {
                        if users::email_taken(conn, &email)? {
                            errors.add(
                                "email",
                                format!("A user with the email {email} already exists."),
                            );
                            return Ok(Outcome::Invalid(errors));
                        }
                        let slug = users::unique_slug(conn, &name)?;
                        let at = now();
                        users::add_staff(
                            conn,
                            &users::NewStaff {
                                email: &email,
                                name: &name,
                                role,
                                slug: &slug,
                                password_hash: &hashed,
                            },
                            &users::AddedBy {
                                user_id: Some(user_id),
                                ip: &ip,
                            },
                            at,
                        )?;
                        Ok(Outcome::Done("created"))
                    })?
                }
                _ => Outcome::Invalid(errors),
            };
            Ok((settings::load(conn)?.name, rows(conn)?, outcome))
        })
        .await?;
    match outcome {
        Outcome::Done(done) => {
            tracing::info!("staff member added");
            Ok(see_other(&format!("/admin/users?done={done}")))
        }
        Outcome::Invalid(errors) => {
            tracing::info!(errors = %errors.summary(), "new staff member refused");
            // A password is never sent back to the browser.
            form.password.clear();
            let page = list_page(staff, site_name, all, form, errors, None);
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

fn edit_page(staff: Staff, site_name: String, user: StaffUser, form: EditUserForm) -> UserPage {
    let title = format!("User: {}", user.name);
    UserPage {
        csrf_token: staff.csrf_token.clone(),
        is_self: staff.user_id == user.id,
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        user,
        roles: &Role::ALL,
        form,
        errors: FieldErrors::default(),
        notice: None,
    }
}

/// GET /admin/users/{id}.
pub async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff)?;
    let id = parse_id(&path)?;
    let (site_name, (user, bio)) = state
        .run(move |conn| {
            let found = users::find_with_bio(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((settings::load(conn)?.name, found))
        })
        .await?;
    let form = EditUserForm::of(&user, &bio);
    let mut page = edit_page(staff, site_name, user, form);
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// Whether `user` counts towards the admins who keep the staff area run.
fn is_signing_admin(user: &StaffUser) -> bool {
    user.role == Role::Admin && user.active && user.password_hash.is_some()
}

/// POST /admin/users/{id}: saves the edit form.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<EditUserForm>,
) -> Result<HttpResponse, AppError> {
    let mut form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let id = parse_id(&path)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let posted = form.clone();
    let (site_name, user, outcome) = state
        .run(move |conn| {
            let mut errors = FieldErrors::default();
            let name = clean_name(&posted.name);
            check_name(&name, &mut errors);
            let bio = posted.bio.trim().replace("\r\n", "\n");
            if bio.chars().count() > MAX_BIO {
                errors.add(
                    "bio",
                    format!("The bio is too long: at most {MAX_BIO} characters."),
                );
            } else if let Err(message) = text::check(&bio, Lines::Many, "bio") {
                errors.add("bio", message);
            }
            let role = check_role(&posted.role, &mut errors);
            let active = checked(&posted.active);
            let new_password = !posted.password.is_empty();
            if new_password {
                check_password(&posted.password, &mut errors);
            }
            let hashed = match (new_password && errors.is_empty(), role) {
                (true, Some(_)) => Some(hash(&posted.password)?),
                _ => None,
            };
            let (user, outcome) = write_transaction::<_, AppError, _>(conn, |conn| {
                // Locked first (PostgreSQL), so the last-admin check holds.
                let admins = users::lock_active_admins(conn)?;
                let (user, old_bio) = users::find_with_bio(conn, id)?.ok_or(AppError::NotFound)?;
                let Some(role) = role else {
                    return Ok((user, Outcome::Invalid(errors)));
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
                if !errors.is_empty() {
                    return Ok((user, Outcome::Invalid(errors)));
                }
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
                    changed.push(format!("role {} → {role}", user.role));
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
                    return Ok((user, Outcome::Done("unchanged")));
                }
                if signed_out {
                    changed.push("signed out everywhere".to_owned());
                }
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::USER_UPDATE,
                        target_type: "user",
                        target_id: Some(id),
                        detail: &format!(
                            "updated {} <{}>: {}",
                            user.name,
                            user.email,
                            changed.join("; ")
                        ),
                        ip: &ip,
                        created_at: now(),
                    },
                )?;
                Ok((
                    user,
                    Outcome::Done(if signed_out { "signed-out" } else { "saved" }),
                ))
            })?;
            Ok((settings::load(conn)?.name, user, outcome))
        })
        .await?;
    match outcome {
        Outcome::Done(done) => {
            tracing::info!(user_id = id, %done, "staff member saved");
            Ok(see_other(&format!("/admin/users/{id}?done={done}")))
        }
        Outcome::Invalid(errors) => {
            tracing::info!(user_id = id, errors = %errors.summary(), "staff edit refused");
            form.password.clear();
            let mut page = edit_page(staff, site_name, user, form);
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
