//! Importing articles in the agency's plain-text format (parsed by
//! `crate::import`): where they land, under which slug, and storing them.
//! `iconocast import` stores many files at once; the staff area's import
//! form stores one pasted article and audits it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::articles::{lock_slugs, ArticleInput};
use crate::db::editor::Change;
use crate::db::models::Category;
use crate::db::{audit, categories, write_transaction, DbConn};
use crate::domain::clock::now;
use crate::error::AppError;

use super::articles;
use crate::domain::actor::Actor;
use crate::domain::{ArticleKind, ArticleStatus, Role};
use crate::import::{self, ImportedArticle};

/// Where imported articles land and in which state.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub category_id: i32,
    pub author_id: i32,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
}

/// An article stored by [`store`].
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i32,
    pub slug: String,
    pub title: String,
}

/// Stores one pasted article as a draft in category `category_id` by
/// `actor`, with its first revision and its audit entry, in one
/// transaction (the staff area's import form); returns its id.
pub fn draft(
    conn: &mut DbConn,
    actor: &Actor,
    article: ImportedArticle,
    category_id: i32,
) -> Result<i32, AppError> {
    let target = Target {
        category_id,
        author_id: actor.user_id,
        status: ArticleStatus::Draft,
        published_at: None,
    };
    write_transaction(conn, |conn| {
        let input = imported_input(conn, article, &target)?;
        let detail = format!("imported \"{}\" as a draft", input.title);
        let change = Change {
            user_id: actor.user_id,
            at: now(),
            ip: &actor.ip,
            action: audit::IMPORT,
            detail: &detail,
        };
        let id = articles::create(
            conn,
            &input.draft(),
            input.status,
            input.published_at,
            change.at,
            Some(&change),
            &[],
        )?;
        Ok(id)
    })
}

/// Stores one parsed article at `target` under a slug made from its title
/// that no article or redirect uses yet, with its first revision and no
/// audit entry (`iconocast import`, which no staff member runs). Call it
/// in the write transaction that the import runs in: the slug stays this
/// article's until it commits.
pub fn store(
    conn: &mut DbConn,
    article: ImportedArticle,
    target: &Target,
    now: NaiveDateTime,
    hero: Option<(i32, String)>,
) -> QueryResult<Stored> {
    let mut input = imported_input(conn, article, target)?;
    input.hero = hero;
    let id = articles::create_unattended(conn, &input, now)?;
    Ok(Stored {
        id,
        slug: input.slug,
        title: input.title,
    })
}

/// The `ArticleInput` for a parsed article: a news article at `target`,
/// under a slug made from its title that no article or redirect uses yet.
fn imported_input(
    conn: &mut DbConn,
    article: ImportedArticle,
    target: &Target,
) -> QueryResult<ArticleInput> {
    lock_slugs(conn)?;
    let slug = import::unique_slug(&article.title, |s| {
        crate::db::editor::slug_taken(conn, s, None)
    })?;
    Ok(ArticleInput {
        kind: ArticleKind::News,
        category_id: Some(target.category_id),
        slug,
        title: article.title,
        standfirst: article.standfirst,
        intro: article.intro,
        author_id: target.author_id,
        status: target.status,
        published_at: target.published_at,
        noindex: false,
        sections: article.sections,
        tags: article.tags,
        expires_at: None,
        source: crate::domain::SourceKind::Staff,
        source_name: String::new(),
        notes: Vec::new(),
        hero: None,
    })
}

/// Why the command line's import has nowhere to put its articles.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("unknown category {wanted:?}; the categories are: {known}")]
    UnknownCategory { wanted: String, known: String },
    #[error(
        "there is no category to import into: `iconocast serve` loads the demo \
         categories into an empty database"
    )]
    NoCategory,
    #[error("unknown author {0:?}: no active staff member has that slug")]
    UnknownAuthor(String),
    #[error("no active admin or editor to credit the articles to; name one with --author SLUG")]
    NoAuthor,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// The category named `slug`, else the first one.
pub fn category(conn: &mut DbConn, slug: Option<&str>) -> Result<Category, TargetError> {
    let all = categories::all(conn)?;
    match slug {
        Some(wanted) => all
            .iter()
            .find(|c| c.slug == wanted)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|c| c.slug.as_str()).collect();
                TargetError::UnknownCategory {
                    wanted: wanted.to_owned(),
                    known: if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    },
                }
            }),
        None => all.into_iter().next().ok_or(TargetError::NoCategory),
    }
}

/// The active staff member with `slug`, else the first active admin or
/// editor.
pub fn author(conn: &mut DbConn, slug: Option<&str>) -> Result<i32, TargetError> {
    use crate::db::schema::users;
    match slug {
        Some(wanted) => users::table
            .filter(users::slug.eq(wanted))
            .filter(users::active.eq(true))
            .select(users::id)
            .first::<i32>(conn)
            .optional()?
            .ok_or_else(|| TargetError::UnknownAuthor(wanted.to_owned())),
        None => users::table
            .filter(users::role.eq_any([Role::Admin, Role::Editor]))
            .filter(users::active.eq(true))
            .order(users::id.asc())
            .select(users::id)
            .first::<i32>(conn)
            .optional()?
            .ok_or(TargetError::NoAuthor),
    }
}
