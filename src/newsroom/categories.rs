//! Categories (admins only): create, change and delete. A new slug leaves
//! 301s behind at the old addresses; a category with articles stays.

use serde::Deserialize;

use super::audit::{self as log, quoted};
use super::checked;
use crate::db::models::{Category, NewCategory};
use crate::db::{audit, categories, redirects, write_transaction, DbConn};
use crate::domain::actor::Actor;
use crate::domain::clock::now;
use crate::domain::text::{self, Lines};
use crate::domain::{slugify, Slug, FEED_FILES, RESERVED};
use crate::error::{AppError, FieldErrors};

/// Longest category name, tagline and description, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_TAGLINE: usize = 200;
pub const MAX_DESCRIPTION: usize = 2000;

/// What the reason for the role refusal names.
const WHAT: &str = "manage categories";

/// A category as typed into its form (and shown again): every field as
/// text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CategoryInput {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub position: String,
    pub noindex: String,
}

impl CategoryInput {
    /// The form of a stored category.
    pub fn of(c: &Category) -> CategoryInput {
        CategoryInput {
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

/// Checks a posted category against the rules and the other categories
/// (`editing` is the one being changed, whose position stays if left
/// empty).
fn validate(
    conn: &mut DbConn,
    form: &CategoryInput,
    editing: Option<&Category>,
) -> Result<Valid, AppError> {
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
    errors.into_result()?;
    Ok(Valid {
        slug,
        name,
        tagline,
        description,
        position,
        noindex: checked(&form.noindex),
    })
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

/// Creates a category; returns its slug.
pub fn create(conn: &mut DbConn, actor: &Actor, input: &CategoryInput) -> Result<String, AppError> {
    actor.admin_only(WHAT)?;
    write_transaction(conn, |conn| {
        let valid = validate(conn, input, None)?;
        let at = now();
        let id = categories::create(conn, &valid.as_new())?;
        // The path is live again: old redirects from it would be dead.
        redirects::delete_from(conn, &format!("/{}", valid.slug))?;
        for feed in FEED_FILES {
            redirects::delete_from(conn, &format!("/{}/{feed}", valid.slug))?;
        }
        let detail = format!("created {} at /{}", quoted(&valid.name), valid.slug);
        log::record(
            conn,
            actor,
            audit::CATEGORY_CREATE,
            ("category", id),
            &detail,
            at,
        )?;
        Ok(valid.slug)
    })
}

/// What a save came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Changed,
    Unchanged,
}

impl Saved {
    /// The notice the page shows after it.
    pub fn notice(self) -> &'static str {
        match self {
            Saved::Changed => "saved",
            Saved::Unchanged => "unchanged",
        }
    }
}

/// Saves category `id`. A new slug leaves 301s at `/old`, its feeds
/// (`/old/feed.xml`, `atom.xml`, `feed.json`) and every address under `/old/`.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    input: &CategoryInput,
) -> Result<Saved, AppError> {
    actor.admin_only(WHAT)?;
    write_transaction(conn, |conn| {
        let before = categories::find(conn, id)?.ok_or(AppError::NotFound)?;
        let valid = validate(conn, input, Some(&before))?;
        let changed = changes(&before, &valid);
        if changed.is_empty() {
            return Ok(Saved::Unchanged);
        }
        let at = now();
        categories::update(conn, id, &valid.as_new())?;
        if before.slug != valid.slug {
            let (old, new) = (format!("/{}", before.slug), format!("/{}", valid.slug));
            redirects::move_path(conn, &old, &new, at)?;
            for feed in FEED_FILES {
                redirects::move_path(conn, &format!("{old}/{feed}"), &format!("{new}/{feed}"), at)?;
            }
            redirects::move_prefix(conn, &format!("{old}/"), &format!("{new}/"))?;
        }
        let detail = format!("changed {}: {}", quoted(&valid.name), changed.join("; "));
        log::record(
            conn,
            actor,
            audit::CATEGORY_UPDATE,
            ("category", id),
            &detail,
            at,
        )?;
        Ok(Saved::Changed)
    })
}

/// Deletes category `id` if it is empty; one with articles (of any
/// status) is a `Conflict` that says so, and stays.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: i32) -> Result<(), AppError> {
    actor.admin_only(WHAT)?;
    write_transaction(conn, |conn| {
        let category = categories::find(conn, id)?.ok_or(AppError::NotFound)?;
        let count = categories::article_count(conn, id)?;
        if count > 0 {
            tracing::info!(
                category_id = id,
                articles = count,
                "category deletion refused: not empty"
            );
            return Err(AppError::Conflict {
                title: "Not deleted",
                message: format!(
                    "{} still holds {count} article{} (of any status), so it was not deleted. \
                     Move them to another category or delete them first.",
                    category.name,
                    if count == 1 { "" } else { "s" }
                ),
            });
        }
        let at = now();
        let path = format!("/{}", category.slug);
        redirects::delete_to(conn, &path)?;
        for feed in FEED_FILES {
            redirects::delete_to(conn, &format!("{path}/{feed}"))?;
        }
        categories::delete(conn, id)?;
        let detail = format!("deleted {} (/{})", quoted(&category.name), category.slug);
        log::record(
            conn,
            actor,
            audit::CATEGORY_DELETE,
            ("category", id),
            &detail,
            at,
        )?;
        Ok(())
    })
}
