//! `/blog`: the blog's posts, newest first, paginated.

use actix_web::{web, HttpResponse};

use super::listing::{self, Intro, Listed};
use super::respond::PageQuery;
use crate::app::AppState;
use crate::db::articles::Listing;
use crate::error::AppError;

pub async fn index(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    listing::respond(state, page, |_| {
        Ok(Listed {
            listing: Listing::Blog,
            base: "/blog".to_owned(),
            name: "Blog".to_owned(),
            description: "Notes from the newsroom: how and why we cover what we do.".to_owned(),
            current: "blog".to_owned(),
            og_type: "website",
            noindex: false,
            feed: Some(("Blog".to_owned(), "/blog".to_owned())),
            kicker: "From the newsroom".to_owned(),
            intro: Intro::Text(
                "Our writers and editors on how the agency works: how we verify, what we \
                 choose to cover, and what we are reading."
                    .to_owned(),
            ),
            empty: "No posts yet.".to_owned(),
        })
    })
    .await
}
