//! `/{category}/{slug}` and `/blog/{slug}`: one article or blog post with
//! its corrections and updates, table of contents, sections, hashtags and
//! related articles. An article whose expiry has passed answers 410 Gone.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::live::{self, LiveBlock};
use super::respond::{Found, Page};
use crate::app::AppState;
use crate::db::articles::{self, Card, Story};
use crate::db::models::{Media, Note, Section, Tag};
use crate::db::{notes, tags};
use crate::domain::clock::now;
use crate::domain::Slug;
use crate::error::AppError;
use crate::markdown;
use crate::page_cache::Marks;
use crate::views::{filters, structured, Crumb, Head, Layout};

/// Related articles shown under an article.
const RELATED: usize = 4;

#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub card: Story,
    pub hero: Option<Media>,
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    pub related: Vec<Card>,
    /// The most read articles of the last day, this one left out.
    pub most_read: Vec<std::sync::Arc<Card>>,
    /// Its corrections and updates, newest first: the byline's "Updated"
    /// is the newest one's time (a silent fix shows none).
    pub notes: Vec<Note>,
    /// Its live coverage and entries, once it has been turned live.
    pub live: Option<LiveBlock>,
}

impl Page for ArticlePage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        let newest = self.layout.newest(
            std::iter::once(self.card.changed_at())
                .chain(self.related.iter().map(|c| c.changed_at())),
        );
        match &self.live {
            Some(live) => newest.max(Some(live.newest_change())),
            None => newest,
        }
    }

    fn marks(&self) -> Marks {
        Marks {
            article: Some(self.card.article.id),
            ranked: true,
        }
    }
}

pub async fn show_news(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (category, slug) = path.into_inner();
    Slug::parse(&category).ok_or(AppError::NotFound)?;
    show(state, &slug, req.path()).await
}

pub async fn show_blog_post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    show(state, &path, req.path()).await
}

async fn show(
    state: web::Data<AppState>,
    slug: &str,
    path: &str,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(slug).ok_or(AppError::NotFound)?;
    let path = path.to_owned();
    let st = state.clone();
    let found = state
        .run_then(
            move |conn| {
                let now = now();
                let Some((card, hero)) = articles::find_visible(conn, slug.as_str(), now)? else {
                    // Withdrawn at its expiry: gone for good, which tells
                    // crawlers to drop it (a 404 they retry for a while).
                    if articles::expired(conn, slug.as_str(), now)? {
                        return Err(AppError::Gone);
                    }
                    // An old slug: see `respond::follow_redirects`.
                    return Err(AppError::NotFound);
                };
                // The same slug under another category (or /blog) is the same
                // article: send readers and crawlers to its one canonical URL.
                let canonical = card.path();
                if canonical != path {
                    return Ok(Found::MovedTo(canonical));
                }
                let sections = articles::sections_of(conn, card.article.id)?;
                let notes = notes::of_article(conn, card.article.id)?;
                let live = live::block(conn, card.article.id, &canonical)?;
                let tags = tags::of_article(conn, card.article.id)?;
                let tag_ids: Vec<i32> = tags.iter().map(|t| t.id).collect();
                let related = articles::related(conn, &card, &tag_ids, now, RELATED)?;
                let most_read =
                    st.readership
                        .cards(conn, now, Some(card.article.id), st.pages.freshness())?;
                let mut crumbs = vec![Crumb::link("Home", "/")];
                let current = match &card.category {
                    Some(c) => {
                        crumbs.push(Crumb::link(&c.name, &format!("/{}", c.slug)));
                        c.slug.clone()
                    }
                    None => {
                        crumbs.push(Crumb::link("Blog", "/blog"));
                        "blog".to_owned()
                    }
                };
                crumbs.push(Crumb::here(&card.article.title));
                let noindex =
                    card.article.noindex || card.category.as_ref().is_some_and(|c| c.noindex);
                let mut layout = st.layout(
                    conn,
                    Head {
                        title: card.article.title.clone(),
                        description: card.article.standfirst.clone(),
                        path: canonical.clone(),
                        current,
                        og_type: "article",
                        noindex,
                    },
                )?;
                layout.add_breadcrumbs(&crumbs);
                let canonical_url = layout.canonical.clone();
                if let Some(h) = &hero {
                    // The share image, cut around the picture's focal point.
                    let (path, width, height) = h.share();
                    layout.image = (format!("{}{path}", layout.base_url), width, height);
                }
                let mut article_ld = structured::article(
                    &card,
                    &tags,
                    &notes,
                    &layout.image,
                    &layout.site,
                    &layout.base_url,
                    &canonical_url,
                    layout.logo,
                );
                if let Some(h) = &hero {
                    // Who to credit: as typed, else the agency for its own.
                    article_ld.image.credit_text =
                        Some(h.credit_line().unwrap_or(&layout.site.name));
                }
                let article_ld = match &live {
                    None => structured::script_json(&article_ld),
                    Some(live) => {
                        let a = &card.article;
                        let modified = a
                            .updated_at
                            .max(a.published_at.unwrap_or(a.updated_at))
                            .max(live.newest_change());
                        // A live article's JSON-LD is added to as a tree.
                        let mut value = serde_json::to_value(&article_ld)
                            .map_err(|e| AppError::Template(askama::Error::custom(e)))?;
                        structured::live_blog(
                            &mut value,
                            &live.coverage,
                            &live.entries,
                            modified,
                            &layout.base_url,
                            &canonical_url,
                        );
                        layout.feeds.push((
                            format!("{} (live updates, RSS)", card.article.title),
                            format!("{}{}", layout.base_url, live.feed),
                            "application/rss+xml",
                        ));
                        structured::script_json(&value)
                    }
                };
                // Added as serialized: the typed form borrows the layout.
                layout.json_ld.push(article_ld);
                match &card.category {
                    // A noindex category has no feed to name.
                    Some(c) if c.noindex => {}
                    Some(c) => layout.add_feed(&c.name, &format!("/{}", c.slug)),
                    None => layout.add_feed("Blog", "/blog"),
                }
                Ok(Found::Page(ArticlePage {
                    layout,
                    crumbs,
                    intro_html: markdown::to_html(&card.article.intro),
                    card,
                    hero,
                    sections,
                    tags,
                    related,
                    most_read,
                    notes,
                    live,
                }))
            },
            Found::render,
        )
        .await?;
    Ok(found.respond())
}
