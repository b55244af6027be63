//! `/author/{slug}`: a writer's bio and articles.

use actix_web::{web, HttpResponse};

use super::listing::{self, Intro, Listed};
use super::respond::PageQuery;
use crate::app::AppState;
use crate::db::articles::Listing;
use crate::db::users;
use crate::domain::Slug;
use crate::error::AppError;

pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    let page = query.number()?;
    listing::respond(state, page, move |conn| {
        let author = users::find_author(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
        let description = if author.bio.is_empty() {
            format!("Articles by {}.", author.name)
        } else {
            author.bio.clone()
        };
        Ok(Listed {
            listing: Listing::Author(author.id),
            base: format!("/author/{}", author.slug),
            description,
            current: String::new(),
            og_type: "profile",
            noindex: false,
            feed: Some((author.name.clone(), format!("/author/{}", author.slug))),
            kicker: "Author".to_owned(),
            intro: Intro::Text(author.bio),
            empty: format!("{} has not published anything yet.", author.name),
            name: author.name,
        })
    })
    .await
}
