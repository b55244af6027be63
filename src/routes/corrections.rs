//! `/corrections`: the corrections of visible articles across the site,
//! newest first, `?page=N`, each linking to the note on its article.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::{Page, PageQuery, COUNTED};
use crate::app::AppState;
use crate::db::notes::{self, CorrectionEntry};
use crate::domain::clock::now;
use crate::error::AppError;
use crate::views::{filters, Crumb, Head, Layout, Pager};

/// Corrections a page lists.
pub const PER_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "corrections.html")]
pub struct CorrectionsPage {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub entries: Vec<CorrectionEntry>,
    pub pager: Pager,
}

impl Page for CorrectionsPage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.entries
            .iter()
            .map(|e| e.note.created_at)
            .chain(self.layout.newest([]))
            .max()
    }
}

/// GET /corrections.
pub async fn show(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    let st = state.clone();
    state
        .page(move |conn| {
            let now = now();
            // Counted as far as a listing counts (see `respond::listing_pager`).
            let enough = COUNTED.max(page.offset(PER_PAGE) + PER_PAGE);
            let counted = notes::count_corrections(conn, now, enough + 1)?;
            let more = counted > enough;
            let pager = Pager::counted(
                "/corrections",
                page.get(),
                counted.min(enough),
                more,
                PER_PAGE,
            );
            if pager.is_past_end() {
                return Err(AppError::NotFound);
            }
            let entries = notes::corrections(conn, now, PER_PAGE, page.offset(PER_PAGE))?;
            let (title, path) = if page.get() > 1 {
                (
                    format!("Corrections — page {}", page.get()),
                    format!("/corrections?page={}", page.get()),
                )
            } else {
                ("Corrections".to_owned(), "/corrections".to_owned())
            };
            let mut layout = st.layout(
                conn,
                Head {
                    title,
                    description: "The latest corrections to the agency's articles, newest first."
                        .to_owned(),
                    path,
                    current: String::new(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here("Corrections")];
            layout.add_breadcrumbs(&crumbs);
            Ok(CorrectionsPage {
                layout,
                crumbs,
                entries,
                pager,
            })
        })
        .await
}
