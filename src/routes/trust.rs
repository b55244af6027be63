//! The agency's trust pages, `/corrections-policy`,
//! `/publishing-principles` and `/masthead`: Markdown written in the site
//! settings, served like `/about`; a page not written is a 404. The
//! publisher's JSON-LD on every page points to those that are.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::Page;
use crate::app::AppState;
use crate::db::settings;
use crate::domain::TrustPage;
use crate::error::AppError;
use crate::markdown;
use crate::views::{Crumb, Head, Layout};

#[derive(Template)]
#[template(path = "trust.html")]
pub struct TrustPageView {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub heading: &'static str,
    pub body_html: String,
}

impl Page for TrustPageView {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.layout.newest([])
    }
}

/// The meta description of each page.
fn description(page: TrustPage, site: &str) -> String {
    match page {
        TrustPage::CorrectionsPolicy => {
            format!("How {site} corrects its mistakes, and how to tell us about one.")
        }
        TrustPage::PublishingPrinciples => {
            format!("The standards {site} holds its reporting to.")
        }
        TrustPage::Masthead => format!("Who runs {site}'s newsroom, and how to reach them."),
    }
}

/// GET /corrections-policy.
pub async fn corrections_policy(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    show(state, TrustPage::CorrectionsPolicy).await
}

/// GET /publishing-principles.
pub async fn publishing_principles(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    show(state, TrustPage::PublishingPrinciples).await
}

/// GET /masthead.
pub async fn masthead(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    show(state, TrustPage::Masthead).await
}

async fn show(state: web::Data<AppState>, page: TrustPage) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    state
        .page(move |conn| {
            let text = settings::trust_page(conn, page)?
                .map(|(text, _)| text)
                .filter(|text| !text.trim().is_empty())
                .ok_or(AppError::NotFound)?;
            let mut layout = st.layout(
                conn,
                Head {
                    title: page.title().to_owned(),
                    description: String::new(),
                    path: page.path().to_owned(),
                    current: String::new(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            layout.description = description(page, &layout.site.name);
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here(page.title())];
            layout.add_breadcrumbs(&crumbs);
            Ok(TrustPageView {
                layout,
                crumbs,
                heading: page.title(),
                body_html: markdown::to_html(&text),
            })
        })
        .await
}
