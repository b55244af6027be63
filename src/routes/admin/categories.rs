//! `/admin/categories` (admins only): the categories with their article
//! counts, a form to add one, an edit page per category and deletion of
//! an empty category. A new slug leaves 301s behind at the old addresses.
//!
//! Also the small pieces the other management pages share: field errors,
//! the `?done=` notices and the responses.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{forbidden, respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, policy};
use crate::db::models::{Category, NewAuditEntry, NewCategory};
use crate::db::{audit, categories, redirects, settings, write_transaction, DbConn};
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{slugify, Slug};
use crate::error::AppError;
use crate::routes::paths::RESERVED;

/// Longest category name, tagline and description, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_TAGLINE: usize = 200;
pub const MAX_DESCRIPTION: usize = 2000;

/// Validation messages by form field, shown next to the fields.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, for the log.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `?done=...` after a successful POST: which notice the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

/// A whole-number id from the path; anything else names no page.
pub fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// Whether a checkbox was ticked (browsers send `on`).
pub fn checked(value: &str) -> bool {
    matches!(value.trim(), "on" | "1" | "true" | "yes")
}

/// The text between quotes for an audit detail: at most 80 characters.
pub fn quoted(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("\"{short}…\"")
    } else {
        format!("\"{short}\"")
    }
}

/// The form as posted (and as re-shown): every field as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub position: String,
    pub noindex: String,
    pub csrf_token: String,
}

impl CategoryForm {
    fn of(c: &Category) -> CategoryForm {
        CategoryForm {
            slug: c.slug.clone(),
            name: c.name.clone(),
            tagline: c.tagline.clone(),
            description: c.description.clone(),
            position: c.position.to_string(),
            noindex: if c.noindex {
                "on".to_owned()
            } else {
                String::new()
            },
            csrf_token: String::new(),
        }
    }

    pub fn noindex_checked(&self) -> bool {
        checked(&self.noindex)
    }
}

/// A category that passed validation.
struct Valid {
    slug: String,
    name: String,
    tagline: String,
    description: String,
    position: i32,
    noindex: bool,
}

impl Valid {
    fn as_new(&self) -> NewCategory<'_> {
        NewCategory {
            slug: &self.slug,
            name: &self.name,
            tagline: &self.tagline,
            description: &self.description,
            position: self.position,
            noindex: self.noindex,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
pub struct CategoriesPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub categories: Vec<(Category, i64)>,
    pub form: CategoryForm,
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
    pub form: CategoryForm,
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

/// Checks a posted category against the rules and the other categories
/// (`except` is the one being edited, whose position stays if left empty).
fn validate(
    conn: &mut DbConn,
    form: &CategoryForm,
    editing: Option<&Category>,
) -> Result<Result<Valid, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Give the category a name.");
    } else if name.chars().count() > MAX_NAME {
        errors.add(
            "name",
            format!("The name is too long: at most {MAX_NAME} characters."),
        );
    } else if let Err(message) = text::check(&name, Lines::One, "name") {
        errors.add("name", message);
    }
    let typed_slug = form.slug.trim();
    let slug = if typed_slug.is_empty() {
        slugify(&name)
    } else {
        typed_slug.to_owned()
    };
    if slug.is_empty() {
        if !name.is_empty() {
            errors.add(
                "slug",
                "The name makes no slug: type one (a-z, 0-9 and hyphens).",
            );
        }
    } else if let Some(reserved) = RESERVED.iter().find(|r| r.eq_ignore_ascii_case(&slug)) {
        errors.add(
            "slug",
            format!(
                "\"{reserved}\" is taken by the site itself (/{reserved}); choose another slug."
            ),
        );
    } else if Slug::parse(&slug).is_none() {
        errors.add(
            "slug",
            format!(
                "\"{slug}\" is not a valid slug: use a-z, 0-9 and single hyphens inside, \
                 at most {} characters.",
                Slug::MAX_LEN
            ),
        );
    } else if categories::slug_taken(conn, &slug, editing.map(|c| c.id))? {
        errors.add(
            "slug",
            format!("Another category already uses the slug \"{slug}\"."),
        );
    }
    let tagline = form.tagline.trim().to_owned();
    if tagline.chars().count() > MAX_TAGLINE {
        errors.add(
            "tagline",
            format!("The tagline is too long: at most {MAX_TAGLINE} characters."),
        );
    } else if let Err(message) = text::check(&tagline, Lines::One, "tagline") {
        errors.add("tagline", message);
    }
    let description = form.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add(
            "description",
            format!("The description is too long: at most {MAX_DESCRIPTION} characters."),
        );
    } else if let Err(message) = text::check(&description, Lines::Many, "description") {
        errors.add("description", message);
    }
    let position = match (form.position.trim(), editing) {
        ("", Some(c)) => c.position,
        ("", None) => categories::next_position(conn)?,
        (typed, _) => match typed.parse::<i32>() {
            Ok(p) if (-100_000..=100_000).contains(&p) => p,
            _ => {
                errors.add(
                    "position",
                    "The position must be a whole number (lower comes first).",
                );
                0
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(Valid {
        slug,
        name,
        tagline,
        description,
        position,
        noindex: checked(&form.noindex),
    }))
}

/// What changed, for the audit log; empty when nothing did.
fn changes(before: &Category, after: &Valid) -> Vec<String> {
    let mut out = Vec::new();
    if before.slug != after.slug {
        out.push(format!("slug {} → {}", before.slug, after.slug));
    }
    if before.name != after.name {
        out.push(format!(
            "name {} → {}",
            quoted(&before.name),
            quoted(&after.name)
        ));
    }
    if before.tagline != after.tagline {
        out.push("tagline".to_owned());
    }
    if before.description != after.description {
        out.push("description".to_owned());
    }
    if before.position != after.position {
        out.push(format!("position {} → {}", before.position, after.position));
    }
    if before.noindex != after.noindex {
        out.push(if after.noindex {
            "noindex on".to_owned()
        } else {
            "noindex off".to_owned()
        });
    }
    out
}

fn admin_only(staff: &Staff) -> Result<(), AppError> {
    policy::require(staff.is_admin(), "manage categories")
}

fn list_page(
    staff: Staff,
    site_name: String,
    categories: Vec<(Category, i64)>,
    form: CategoryForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> CategoriesPage {
    CategoriesPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Categories", Some(staff)),
        categories,
        form,
        errors,
        notice,
    }
}

/// GET /admin/categories.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff)?;
    let (site_name, all) = state
        .run(|conn| {
            Ok((
                settings::load(conn)?.name,
                categories::all_with_counts(conn)?,
            ))
        })
        .await?;
    let page = list_page(
        staff,
        site_name,
        all,
        CategoryForm::default(),
        FieldErrors::default(),
        notice(&query.done),
    );
    respond(StatusCode::OK, &page)
}

/// What a POST came to.
enum Outcome {
    Done(String),
    Invalid(FieldErrors),
}

/// POST /admin/categories: a new category.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let posted = form.clone();
    let (site_name, all, outcome) = state
        .run(move |conn| {
            let outcome = write_transaction::<_, AppError, _>(conn, |conn| {
                let valid = match validate(conn, &posted, None)? {
                    Ok(v) => v,
                    Err(errors) => return Ok(Outcome::Invalid(errors)),
                };
                let at = now();
                let id = categories::create(conn, &valid.as_new())?;
                // The path is live again: old redirects from it would be dead.
                redirects::delete_from(conn, &format!("/{}", valid.slug))?;
                redirects::delete_from(conn, &format!("/{}/feed.xml", valid.slug))?;
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::CATEGORY_CREATE,
                        target_type: "category",
                        target_id: Some(id),
                        detail: &format!("created {} at /{}", quoted(&valid.name), valid.slug),
                        ip: &ip,
                        created_at: at,
                    },
                )?;
                Ok(Outcome::Done(valid.slug))
            })?;
            Ok((
                settings::load(conn)?.name,
                categories::all_with_counts(conn)?,
                outcome,
            ))
        })
        .await?;
    match outcome {
        Outcome::Done(slug) => {
            tracing::info!(%slug, "category created");
            Ok(see_other("/admin/categories?done=created"))
        }
        Outcome::Invalid(errors) => {
            tracing::info!(errors = %errors.summary(), "category refused");
            let page = list_page(staff, site_name, all, form, errors, None);
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The category `id` with its article count and the site name, or 404.
async fn load_one(state: &AppState, id: i32) -> Result<(String, Category, i64), AppError> {
    state
        .run(move |conn| {
            let category = categories::find(conn, id)?.ok_or(AppError::NotFound)?;
            let count = categories::article_count(conn, id)?;
            Ok((settings::load(conn)?.name, category, count))
        })
        .await
}

fn edit_page(
    staff: Staff,
    site_name: String,
    category: Category,
    article_count: i64,
    form: CategoryForm,
) -> CategoryPage {
    let title = format!("Category: {}", category.name);
    CategoryPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        category,
        article_count,
        form,
        errors: FieldErrors::default(),
        notice: None,
        refusal: None,
    }
}

/// GET /admin/categories/{id}.
pub async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&staff)?;
    let id = parse_id(&path)?;
    let (site_name, category, count) = load_one(&state, id).await?;
    let form = CategoryForm::of(&category);
    let mut page = edit_page(staff, site_name, category, count, form);
    page.notice = notice(&query.done);
    respond(StatusCode::OK, &page)
}

/// POST /admin/categories/{id}: saves the edit form. A new slug leaves
/// 301s at `/old` and `/old/feed.xml`.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let id = parse_id(&path)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let posted = form.clone();
    let (site_name, category, count, outcome) = state
        .run(move |conn| {
            let (category, outcome) = write_transaction::<_, AppError, _>(conn, |conn| {
                let before = categories::find(conn, id)?.ok_or(AppError::NotFound)?;
                let valid = match validate(conn, &posted, Some(&before))? {
                    Ok(v) => v,
                    Err(errors) => return Ok((before, Outcome::Invalid(errors))),
                };
                let changed = changes(&before, &valid);
                if changed.is_empty() {
                    return Ok((before, Outcome::Done("unchanged".to_owned())));
                }
                let at = now();
                categories::update(conn, id, &valid.as_new())?;
                if before.slug != valid.slug {
                    let (old, new) = (format!("/{}", before.slug), format!("/{}", valid.slug));
                    redirects::move_path(conn, &old, &new, at)?;
                    redirects::move_path(
                        conn,
                        &format!("{old}/feed.xml"),
                        &format!("{new}/feed.xml"),
                        at,
                    )?;
                    redirects::move_prefix(conn, &format!("{old}/"), &format!("{new}/"))?;
                }
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::CATEGORY_UPDATE,
                        target_type: "category",
                        target_id: Some(id),
                        detail: &format!("changed {}: {}", quoted(&valid.name), changed.join("; ")),
                        ip: &ip,
                        created_at: at,
                    },
                )?;
                Ok((before, Outcome::Done("saved".to_owned())))
            })?;
            let count = categories::article_count(conn, id)?;
            Ok((settings::load(conn)?.name, category, count, outcome))
        })
        .await?;
    match outcome {
        Outcome::Done(done) => {
            tracing::info!(category_id = id, %done, "category saved");
            Ok(see_other(&format!("/admin/categories/{id}?done={done}")))
        }
        Outcome::Invalid(errors) => {
            tracing::info!(category_id = id, errors = %errors.summary(), "category edit refused");
            let mut page = edit_page(staff, site_name, category, count, form);
            page.errors = errors;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// POST /admin/categories/{id}/delete: only an empty category goes; one
/// with articles (of any status) answers 409 and stays.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<super::page::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    admin_only(&staff)?;
    let id = parse_id(&path)?;
    let ip = session::client_ip(&req);
    let user_id = staff.user_id;
    let (site_name, category, count, deleted) = state
        .run(move |conn| {
            let (category, count, deleted) = write_transaction::<_, AppError, _>(conn, |conn| {
                let category = categories::find(conn, id)?.ok_or(AppError::NotFound)?;
                let count = categories::article_count(conn, id)?;
                if count > 0 {
                    return Ok((category, count, false));
                }
                let at = now();
                let path = format!("/{}", category.slug);
                redirects::delete_to(conn, &path)?;
                redirects::delete_to(conn, &format!("{path}/feed.xml"))?;
                categories::delete(conn, id)?;
                audit::record(
                    conn,
                    &NewAuditEntry {
                        user_id: Some(user_id),
                        action: audit::CATEGORY_DELETE,
                        target_type: "category",
                        target_id: Some(id),
                        detail: &format!("deleted {} (/{})", quoted(&category.name), category.slug),
                        ip: &ip,
                        created_at: at,
                    },
                )?;
                Ok((category, 0, true))
            })?;
            Ok((settings::load(conn)?.name, category, count, deleted))
        })
        .await?;
    if deleted {
        tracing::info!(category_id = id, "category deleted");
        return Ok(see_other("/admin/categories?done=deleted"));
    }
    tracing::info!(
        category_id = id,
        articles = count,
        "category deletion refused: not empty"
    );
    let refusal = format!(
        "{} still holds {count} article{} (of any status), so it was not deleted. \
         Move them to another category or delete them first.",
        category.name,
        if count == 1 { "" } else { "s" }
    );
    let form = CategoryForm::of(&category);
    let mut page = edit_page(staff, site_name, category, count, form);
    page.refusal = Some(refusal);
    respond(StatusCode::CONFLICT, &page)
}
