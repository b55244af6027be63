//! `/`: the lead story, the latest of each category, the latest blog posts
//! and the agency's pitch.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::Page;
use crate::app::AppState;
use crate::db::articles::{self, Card, Listing};
use crate::db::models::Category;
use crate::domain::clock::now;
use crate::error::AppError;
use crate::page_cache::Marks;
use crate::views::{filters, structured, Head, Layout};

/// Cards shown per category on the home page.
const PER_CATEGORY: i64 = 3;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub lead: Option<Card>,
    pub top: Vec<Card>,
    pub areas: Vec<(Category, Vec<Card>)>,
    pub blog: Vec<Card>,
    /// The most read articles of the last day (`readership`).
    pub most_read: Vec<std::sync::Arc<Card>>,
}

impl Page for HomePage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        let areas = self.areas.iter().flat_map(|(_, cards)| cards);
        self.layout.newest(
            self.lead
                .iter()
                .chain(&self.top)
                .chain(areas)
                .chain(&self.blog)
                .map(|c| c.changed_at()),
        )
    }

    fn marks(&self) -> Marks {
        Marks {
            article: None,
            ranked: true,
        }
    }
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    state
        .page(move |conn| {
            let mut layout = st.layout(
                conn,
                Head {
                    title: String::new(),
                    description: String::new(),
                    path: "/".to_owned(),
                    current: "home".to_owned(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            let website = structured::website(&layout.site, &layout.base_url);
            layout.add_json_ld(&website);
            let now = now();
            let mut latest = articles::list(conn, Listing::News, now, 4, 0)?.into_iter();
            let lead = latest.next();
            let top: Vec<Card> = latest.collect();
            // One query per category: bounded by the handful of categories,
            // never by the number of articles.
            let mut areas = Vec::with_capacity(layout.categories.len());
            for category in layout.categories.iter() {
                let cards =
                    articles::list(conn, Listing::Category(category.id), now, PER_CATEGORY, 0)?;
                if !cards.is_empty() {
                    areas.push((category.clone(), cards));
                }
            }
            let blog = articles::list(conn, Listing::Blog, now, 3, 0)?;
            let most_read = st.readership.cards(conn, now, None, st.pages.freshness())?;
            Ok(HomePage {
                layout,
                lead,
                top,
                areas,
                blog,
                most_read,
            })
        })
        .await
}
