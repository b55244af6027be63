//! `/admin/categories` (admins only): the categories with their article
//! counts, a form to add one, an edit page per category and deletion of
//! an empty category. The changes are `newsroom::categories`'.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::forms::{admin_only, parse_id, Button, DoneQuery, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::Staff;
use crate::db::models::Category;
use crate::db::{categories as db_categories, settings};
use crate::error::{AppError, FieldErrors};
use crate::newsroom::categories::{self, CategoryInput};

/// What the reason for the role refusal names.
const WHAT: &str = "manage categories";

#[derive(Template)]
#[template(path = "admin/categories.html")]
pub struct CategoriesPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub categories: Vec<(Category, i64)>,
    pub form: CategoryInput,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/category_form.html")]
pub struct CategoryPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    /// The category as stored.
    pub category: Category,
    pub article_count: i64,
    pub form: CategoryInput,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    /// Why a deletion was refused.
    pub refusal: Option<String>,
}

fn notice(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some("Category created. It is in the site's navigation now."),
        "saved" => Some("Changes saved. The public site shows them now."),
        "unchanged" => Some("Nothing was changed."),
        "deleted" => Some("Category deleted."),
        _ => None,
    }
}

/// The list page with `form` and `errors`.
async fn list_page(
    state: &AppState,
    staff: Staff,
    form: CategoryInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<CategoriesPage, AppError> {
    let (site_name, categories) = state
        .run(|conn| {
            Ok((
                settings::load(conn)?.name,
                db_categories::all_with_counts(conn)?,
            ))
        })
        .await?;
    Ok(CategoriesPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Categories", Some(staff)),
        categories,
        form,
        errors,
        notice,
    })
}

/// GET /admin/categories.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff, WHAT)?;
    let notice = notice(&query.done);
    let page = list_page(
        &state,
        staff,
        CategoryInput::default(),
        FieldErrors::default(),
        notice,
    )
    .await?;
    respond(StatusCode::OK, &page)
}

/// POST /admin/categories: a new category.
pub async fn create(
    state: web::Data<AppState>,
    post: StaffForm<CategoryInput>,
) -> Result<HttpResponse, AppError> {
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| categories::create(conn, &actor, &input))
        .await
    {
        Ok(slug) => {
            tracing::info!(%slug, "category created");
            Ok(see_other("/admin/categories?done=created"))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(errors = %errors.summary(), "category refused");
            let page = list_page(&state, post.staff, post.form, errors, None).await?;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// The edit page of category `id` (404 if there is none), showing `form`.
async fn edit_page(
    state: &AppState,
    staff: Staff,
    id: i32,
    form: Option<CategoryInput>,
) -> Result<CategoryPage, AppError> {
    let (site_name, category, article_count) = state
        .run(move |conn| {
            let category = db_categories::find(conn, id)?.ok_or(AppError::NotFound)?;
            let count = db_categories::article_count(conn, id)?;
            Ok((settings::load(conn)?.name, category, count))
        })
        .await?;
    let title = format!("Category: {}", category.name);
    Ok(CategoryPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        form: form.unwrap_or_else(|| CategoryInput::of(&category)),
        category,
        article_count,
        errors: FieldErrors::default(),
        notice: None,
        refusal: None,
    })
}

/// GET /admin/categories/{id}.
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

/// POST /admin/categories/{id}: saves the edit form.
pub async fn update(
    state: web::Data<AppState>,
    post: StaffForm<CategoryInput>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, input) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| categories::update(conn, &actor, id, &input))
        .await
    {
        Ok(saved) => {
            let done = saved.notice();
            tracing::info!(category_id = id, %done, "category saved");
            Ok(see_other(&format!("/admin/categories/{id}?done={done}")))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(category_id = id, errors = %errors.summary(), "category edit refused");
            let mut page = edit_page(&state, post.staff, id, Some(post.form)).await?;
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// POST /admin/categories/{id}/delete: only an empty category goes; one
/// with articles answers 409 with the edit page saying why.
pub async fn delete(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let actor = post.actor();
    match state
        .run(move |conn| categories::delete(conn, &actor, id))
        .await
    {
        Ok(()) => {
            tracing::info!(category_id = id, "category deleted");
            Ok(see_other("/admin/categories?done=deleted"))
        }
        Err(AppError::Conflict { message, .. }) => {
            let mut page = edit_page(&state, post.staff, id, None).await?;
            page.refusal = Some(message);
            respond(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e),
    }
}
