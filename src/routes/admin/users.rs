//! `/admin/users` (admins only): every staff member, a form to add one,
//! and an edit page per user for the name, bio, role, active flag and a
//! new password. The rules are `newsroom::users`'.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use super::forms::{admin_only, parse_id, DoneQuery, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::models::StaffUser;
use crate::db::{settings, users as db_users, DbConn};
use crate::domain::Role;
use crate::error::{AppError, FieldErrors};
use crate::newsroom::users::{self, EditUserInput, NewUserInput};
use crate::views::filters;

/// What the reason for the role refusal names.
const WHAT: &str = "manage staff accounts";

/// One line of the list.
pub struct UserRow {
    pub user: StaffUser,
    pub last_sign_in: Option<NaiveDateTime>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub users: Vec<UserRow>,
    pub roles: &'static [Role],
    pub form: NewUserInput,
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
    pub form: EditUserInput,
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

fn rows(conn: &mut DbConn) -> Result<Vec<UserRow>, AppError> {
    let last: HashMap<i32, NaiveDateTime> = db_users::last_sign_ins(conn)?.into_iter().collect();
    Ok(db_users::all_staff(conn)?
        .into_iter()
        .map(|user| UserRow {
            last_sign_in: last.get(&user.id).copied(),
            user,
        })
        .collect())
}

/// The list page with `form` and `errors`.
async fn list_page(
    state: &AppState,
    staff: Staff,
    form: NewUserInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<UsersPage, AppError> {
    let (site_name, users) = state
        .run(|conn| Ok((settings::load(conn)?.name, rows(conn)?)))
        .await?;
    Ok(UsersPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Users", Some(staff)),
        users,
        roles: &Role::ALL,
        form,
        errors,
        notice,
    })
}

/// GET /admin/users.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff, WHAT)?;
    let form = NewUserInput {
        role: Role::Author.as_str().to_owned(),
        ..NewUserInput::default()
    };
    let notice = notice(&query.done);
    let page = list_page(&state, staff, form, FieldErrors::default(), notice).await?;
    respond(StatusCode::OK, &page)
}

/// POST /admin/users: a new staff member (`newsroom::users::create`).
pub async fn create(
    state: web::Data<AppState>,
    post: StaffForm<NewUserInput>,
) -> Result<HttpResponse, AppError> {
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| users::create(conn, users::AddedBy::Staff(&actor), &input))
        .await
    {
        Ok(_) => {
            tracing::info!("staff member added");
            Ok(see_other("/admin/users?done=created"))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(errors = %errors.summary(), "new staff member refused");
            let StaffForm { staff, mut form } = post;
            // A password is never sent back to the browser.
            form.password.clear();
            let page = list_page(&state, staff, form, errors, None).await?;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// The edit page of user `id` (404 if there is none), showing `form`.
async fn edit_page(
    state: &AppState,
    staff: Staff,
    id: i32,
    form: Option<EditUserInput>,
) -> Result<UserPage, AppError> {
    let (site_name, (user, bio)) = state
        .run(move |conn| {
            let found = db_users::find_with_bio(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((settings::load(conn)?.name, found))
        })
        .await?;
    let title = format!("User: {}", user.name);
    Ok(UserPage {
        csrf_token: staff.csrf_token.clone(),
        is_self: staff.user_id == user.id,
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        form: form.unwrap_or_else(|| EditUserInput::of(&user, &bio)),
        user,
        roles: &Role::ALL,
        errors: FieldErrors::default(),
        notice: None,
    })
}

/// GET /admin/users/{id}.
pub async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff, WHAT)?;
    let id = parse_id(&path)?;
    let mut page = edit_page(&state, staff, id, None).await?;
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// POST /admin/users/{id}: saves the edit form (`newsroom::users::update`).
pub async fn update(
    state: web::Data<AppState>,
    post: StaffForm<EditUserInput>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| users::update(conn, &actor, id, &input))
        .await
    {
        Ok(updated) => {
            let done = updated.notice();
            tracing::info!(user_id = id, %done, "staff member saved");
            Ok(see_other(&format!("/admin/users/{id}?done={done}")))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(user_id = id, errors = %errors.summary(), "staff edit refused");
            let StaffForm { staff, mut form } = post;
            form.password.clear();
            let mut page = edit_page(&state, staff, id, Some(form)).await?;
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
