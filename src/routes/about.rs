//! `/about`: the agency page, from the site settings.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::Page;
use crate::app::AppState;
use crate::error::AppError;
use crate::markdown;
use crate::views::{Crumb, Head, Layout};

#[derive(Template)]
#[template(path = "about.html")]
pub struct AboutPage {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub about_html: String,
}

impl Page for AboutPage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.layout.newest([])
    }
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    state
        .page(move |conn| {
            let mut layout = st.layout(
                conn,
                Head {
                    title: "About the agency".to_owned(),
                    description: String::new(),
                    path: "/about".to_owned(),
                    current: "about".to_owned(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            let about_html = markdown::to_html(&layout.site.about);
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here("About")];
            layout.add_breadcrumbs(&crumbs);
            Ok(AboutPage {
                crumbs,
                about_html,
                layout,
            })
        })
        .await
}
