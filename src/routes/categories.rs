//! `/{category}`: a category's articles, newest first, paginated.

use actix_web::{web, HttpResponse};

use super::listing::{self, Intro, Listed};
use super::respond::PageQuery;
use crate::app::AppState;
use crate::db::articles::Listing;
use crate::db::categories;
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
        // A renamed category's old path: see `respond::follow_redirects`.
        let category = categories::find_by_slug(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
        Ok(Listed {
            listing: Listing::Category(category.id),
            base: format!("/{}", category.slug),
            feed: (!category.noindex)
                .then(|| (category.name.clone(), format!("/{}", category.slug))),
            name: category.name,
            description: category.description.clone(),
            current: category.slug,
            og_type: "website",
            noindex: category.noindex,
            kicker: category.tagline,
            intro: Intro::Text(category.description),
            empty: "No articles have been published here yet.".to_owned(),
        })
    })
    .await
}
