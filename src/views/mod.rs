//! What every page template shares: the layout data (site, navigation,
//! head tags), the pager and breadcrumb, and the template filters.

pub mod escape;
pub mod filters;
pub mod structured;
pub mod xml;

pub use structured::Crumb;

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::models::{Category, SiteSettings};
use crate::static_files;

/// The data `base.html` needs on every page.
pub struct Layout {
    /// Shared with every page of the same generation of the content
    /// ([`crate::app::SiteAndCategories`]), not copied per page.
    pub site: Arc<SiteSettings>,
    /// In navigation order; shared like `site`.
    pub categories: Arc<[Category]>,
    /// The full `<title>`.
    pub title: String,
    /// The meta description.
    pub description: String,
    /// The absolute canonical URL.
    pub canonical: String,
    pub base_url: String,
    /// The navigation entry to mark as current (`blog`, a category slug, ...).
    pub current: String,
    pub og_type: &'static str,
    pub noindex: bool,
    pub css: &'static str,
    pub logo: &'static str,
    pub favicon: &'static str,
    pub year: i32,
    /// Feeds named in the head: (title, absolute URL, MIME type).
    pub feeds: Vec<(String, String, &'static str)>,
    /// JSON-LD blocks, already serialized for a script element.
    pub json_ld: Vec<String>,
    /// The image for link previews: (absolute URL, width, height).
    pub image: (String, i32, i32),
}

/// The three feeds of an area (`""` for the whole site): title, absolute
/// URL and type, for `<link rel="alternate">`.
pub fn feed_links(title: &str, base_url: &str, area: &str) -> [(String, String, &'static str); 3] {
    let [rss, atom, json] = crate::domain::feed_urls(base_url, area);
    [
        (format!("{title} (RSS)"), rss, "application/rss+xml"),
        (format!("{title} (Atom)"), atom, "application/atom+xml"),
        (
            format!("{title} (JSON Feed)"),
            json,
            "application/feed+json",
        ),
    ]
}

/// Pieces of the layout a handler decides.
pub struct Head {
    /// The page's own title; the site name is appended.
    pub title: String,
    pub description: String,
    /// The path of the page, e.g. `/sport?page=2`.
    pub path: String,
    pub current: String,
    pub og_type: &'static str,
    pub noindex: bool,
}

impl Layout {
    pub fn new(
        site: Arc<SiteSettings>,
        categories: Arc<[Category]>,
        // The publisher's JSON-LD (`structured::organization`), serialized.
        organization: String,
        base_url: &str,
        head: Head,
        year: i32,
    ) -> Layout {
        let title = if head.title.is_empty() {
            format!("{} — {}", site.name, site.tagline)
        } else {
            format!("{} | {}", head.title, site.name)
        };
        let description = if head.description.is_empty() {
            site.tagline.clone()
        } else {
            head.description
        };
        let feeds = feed_links(&site.name, base_url, "").to_vec();
        Layout {
            feeds,
            json_ld: vec![organization],
            image: (
                format!("{base_url}{}", static_files::url("share.png")),
                1200,
                630,
            ),
            title,
            description,
            canonical: format!("{base_url}{}", head.path),
            base_url: base_url.to_owned(),
            current: head.current,
            og_type: head.og_type,
            noindex: head.noindex,
            site,
            categories,
            css: static_files::url("site.css"),
            logo: static_files::url("logo.svg"),
            favicon: static_files::url("favicon.svg"),
            year,
        }
    }
}

/// Previous/next links of a paginated listing.
pub struct Pager {
    pub page: u32,
    /// The number of pages; only a lower bound when `more`.
    pub pages: u32,
    /// Whether the listing was counted only in part (it has "many" pages).
    pub more: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the listing's path (and query) without `page`.
    pub fn new(base: &str, page: u32, total: i64, per_page: i64) -> Pager {
        Pager::counted(base, page, total, false, per_page)
    }

    /// A pager for a listing of at least `total` items (more when `more`).
    pub fn counted(base: &str, page: u32, total: i64, more: bool, per_page: i64) -> Pager {
        let pages = u32::try_from(((total + per_page - 1) / per_page).max(1)).unwrap_or(u32::MAX);
        let join = if base.contains('?') { '&' } else { '?' };
        let link = |n: u32| {
            if n == 1 {
                base.to_owned()
            } else {
                format!("{base}{join}page={n}")
            }
        };
        Pager {
            page,
            pages,
            more,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages || more).then(|| link(page + 1)),
        }
    }

    /// A page past the last one does not exist (the first always does).
    pub fn is_past_end(&self) -> bool {
        self.page > self.pages
    }
}

impl Layout {
    /// The newest change among the site settings and the given times (the
    /// `changed_at` of the page's cards): a page's `Last-Modified`.
    pub fn newest(
        &self,
        changes: impl IntoIterator<Item = NaiveDateTime>,
    ) -> Option<NaiveDateTime> {
        changes
            .into_iter()
            .chain(std::iter::once(self.site.updated_at))
            .max()
    }

    /// Names an area's own feeds in the head (RSS, Atom and JSON Feed),
    /// given the area's page: `/sport` names `/sport/feed.xml`,
    /// `/sport/atom.xml` and `/sport/feed.json`.
    pub fn add_feed(&mut self, title: &str, area: &str) {
        self.feeds.extend(feed_links(title, &self.base_url, area));
    }

    pub fn add_json_ld<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        self.json_ld.push(structured::script_json(value));
    }

    /// Adds the `BreadcrumbList` for a page's trail.
    pub fn add_breadcrumbs(&mut self, crumbs: &[Crumb]) {
        let value = structured::breadcrumbs(crumbs, &self.base_url, &self.canonical);
        self.add_json_ld(&value);
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn pager_links_neighbours_and_knows_its_end() {
        let p = Pager::new("/sport", 2, 30, 12);
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev.as_deref(), Some("/sport"));
        assert_eq!(p.next.as_deref(), Some("/sport?page=3"));
        assert!(!p.is_past_end());
        assert!(Pager::new("/sport", 4, 30, 12).is_past_end());
        let search = Pager::new("/search?q=tea", 1, 13, 12);
        assert_eq!(search.next.as_deref(), Some("/search?q=tea&page=2"));
        let many = Pager::counted("/sport", 3, 36, true, 12);
        assert_eq!(
            (many.pages, many.next.as_deref()),
            (3, Some("/sport?page=4"))
        );
        assert!(!many.is_past_end());
        let empty = Pager::new("/sport", 1, 0, 12);
        assert_eq!((empty.pages, empty.prev, empty.next), (1, None, None));
    }
}
