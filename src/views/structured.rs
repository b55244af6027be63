//! Structured data (schema.org JSON-LD) for crawlers: the publisher on every
//! page, the site search on the home page, breadcrumbs, and articles.
//!
//! The breadcrumb trail and the article, written on every uncached page,
//! are typed structures that borrow what they show and serialize
//! directly; the rest are built as `serde_json::Value`s, which copy every
//! key and value into a tree first (a tenth of an article page's
//! instructions when all of them were).

use serde::Serialize;
use serde_json::{json, Value};

use crate::db::articles::Story;
use crate::db::live_entries::{Coverage, Entry};
use crate::db::models::{Note, SiteSettings, Tag};
use crate::domain::{NoteKind, SourceKind};

/// One step of a breadcrumb trail; the last has no link.
pub struct Crumb {
    pub name: String,
    pub path: Option<String>,
}

impl Crumb {
    pub fn link(name: &str, path: &str) -> Crumb {
        Crumb {
            name: name.to_owned(),
            path: Some(path.to_owned()),
        }
    }

    pub fn here(name: &str) -> Crumb {
        Crumb {
            name: name.to_owned(),
            path: None,
        }
    }
}

/// Serializes for a `<script type="application/ld+json">` block: `<`, `>`
/// and `&` only occur inside JSON strings, where their `\u` escapes mean
/// the same, so the block can never close the script element early. Every
/// control character is escaped too (serde_json escapes U+0000 to U+001F;
/// DEL, the C1 controls, U+FFFE and U+FFFF are escaped here), so whatever
/// is stored, the block is valid JSON with no raw control character in
/// the page.
pub fn script_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Escaped as it is written (`ScriptSafe`), in one pass into one
    // buffer, where serializing first and escaping a copy cost a twentieth
    // of an article page. Serializing cannot fail: every map key here is a
    // string, and writing to a Vec cannot fail.
    let mut out = Vec::with_capacity(1024);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    if value.serialize(&mut serializer).is_err() {
        return "null".to_owned();
    }
    // serde_json writes UTF-8 only, and the escapes are ASCII.
    String::from_utf8(out).unwrap_or_else(|_| "null".to_owned())
}

/// serde_json's compact form, with the characters [`script_json`] names
/// escaped as `\u` sequences inside strings (the only place they occur).
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        // Written in runs between the characters escaped; the scan is over
        // bytes, since every character escaped has a UTF-8 form of its own
        // that no other character's bytes contain.
        let mut copied = 0;
        let mut at = 0;
        while at < bytes.len() {
            let (escaped, len) = match bytes[at] {
                b @ (b'<' | b'>' | b'&' | 0x00..=0x1F | 0x7F) => (Some(u32::from(b)), 1),
                // C1 controls, U+0080 to U+009F.
                0xC2 => match bytes.get(at + 1) {
                    Some(&b @ 0x80..=0x9F) => (Some(u32::from(b)), 2),
                    _ => (None, 1),
                },
                // U+FFFE and U+FFFF.
                0xEF => match (bytes.get(at + 1), bytes.get(at + 2)) {
                    (Some(0xBF), Some(&b @ (0xBE | 0xBF))) => {
                        (Some(0xFFC0 | u32::from(b & 0x3F)), 3)
                    }
                    _ => (None, 1),
                },
                _ => (None, 1),
            };
            if let Some(c) = escaped {
                writer.write_all(&bytes[copied..at])?;
                write!(writer, "\\u{c:04x}")?;
                copied = at + len;
            }
            at += len;
        }
        writer.write_all(&bytes[copied..])
    }
}

/// The publisher, with its trust pages (`correctionsPolicy`,
/// `publishingPrinciples`, `masthead`) when they are written.
pub fn organization(site: &SiteSettings, base_url: &str, logo: &str) -> Value {
    let mut org = json!({
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "@id": format!("{base_url}/#organization"),
        "name": site.name,
        "url": format!("{base_url}/"),
        "logo": { "@type": "ImageObject", "url": format!("{base_url}{logo}"), "width": 64, "height": 64 },
    });
    for page in site.trust_pages() {
        org[page.schema_property()] = json!(format!("{base_url}{}", page.path()));
    }
    org
}

pub fn website(site: &SiteSettings, base_url: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.name,
        "url": format!("{base_url}/"),
        "publisher": { "@id": format!("{base_url}/#organization") },
        "potentialAction": {
            "@type": "SearchAction",
            "target": { "@type": "EntryPoint", "urlTemplate": format!("{base_url}/search?q={{search_term_string}}") },
            "query-input": "required name=search_term_string",
        },
    })
}

/// A schema.org object: its `@type`, then the fields of `T`.
#[derive(Serialize)]
struct Typed<T> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(flatten)]
    fields: T,
}

/// A `BreadcrumbList`; see [`breadcrumbs`].
#[derive(Serialize)]
pub struct Breadcrumbs<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "itemListElement")]
    items: Vec<ListItem<'a>>,
}

#[derive(Serialize)]
struct ListItem<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: usize,
    name: &'a str,
    item: String,
}

/// The trail; the last crumb (the page itself) takes the canonical URL.
pub fn breadcrumbs<'a>(crumbs: &'a [Crumb], base_url: &str, canonical: &str) -> Breadcrumbs<'a> {
    let items = crumbs
        .iter()
        .enumerate()
        .map(|(i, crumb)| ListItem {
            kind: "ListItem",
            position: i + 1,
            name: &crumb.name,
            item: crumb
                .path
                .as_ref()
                .map_or_else(|| canonical.to_owned(), |p| format!("{base_url}{p}")),
        })
        .collect();
    Breadcrumbs {
        context: "https://schema.org",
        kind: "BreadcrumbList",
        items,
    }
}

/// A `NewsArticle` or `BlogPosting`; see [`article`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    headline: &'a str,
    description: &'a str,
    date_published: Option<String>,
    date_modified: String,
    author: [Typed<Named<'a>>; 1],
    publisher: Publisher<'a>,
    /// Its picture; `credit_text` is who to credit for it.
    pub image: ImageLd<'a>,
    article_section: &'a str,
    keywords: Vec<&'a str>,
    main_entity_of_page: Typed<Id<'a>>,
    url: &'a str,
    is_accessible_for_free: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    correction: Vec<Typed<CorrectionComment<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_organization: Option<Typed<Name<'a>>>,
}

#[derive(Serialize)]
struct Name<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Id<'a> {
    #[serde(rename = "@id")]
    id: &'a str,
}

#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: &'a str,
    logo: ImageLd<'a>,
}

/// An `ImageObject`.
#[derive(Serialize)]
pub struct ImageLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    url: std::borrow::Cow<'a, str>,
    width: i32,
    height: i32,
    /// Who to credit for the picture.
    #[serde(rename = "creditText", skip_serializing_if = "Option::is_none")]
    pub credit_text: Option<&'a str>,
}

impl<'a> ImageLd<'a> {
    fn new(url: impl Into<std::borrow::Cow<'a, str>>, width: i32, height: i32) -> ImageLd<'a> {
        ImageLd {
            kind: "ImageObject",
            url: url.into(),
            width,
            height,
            credit_text: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CorrectionComment<'a> {
    text: &'a str,
    date_published: String,
}

/// `NewsArticle`, or `BlogPosting` for a blog post. `image` is the hero
/// image, or the site's share image when the article has none. Each
/// correction among `notes` is a `CorrectionComment`; a wire service or
/// partner is the `sourceOrganization`.
#[allow(clippy::too_many_arguments)]
pub fn article<'a>(
    card: &'a Story,
    tags: &'a [Tag],
    notes: &'a [Note],
    image: &'a (String, i32, i32),
    site: &'a SiteSettings,
    base_url: &str,
    canonical: &'a str,
    logo: &str,
) -> ArticleLd<'a> {
    let a = &card.article;
    let kind = if card.category.is_some() {
        "NewsArticle"
    } else {
        "BlogPosting"
    };
    let iso = |t: chrono::NaiveDateTime| crate::views::filters::iso_utc(&t);
    ArticleLd {
        context: "https://schema.org",
        kind,
        headline: &a.title,
        description: &a.standfirst,
        date_published: a.published_at.map(iso),
        date_modified: iso(a.updated_at.max(a.published_at.unwrap_or(a.updated_at))),
        author: [Typed {
            kind: "Person",
            fields: Named {
                name: &card.author.name,
                url: format!("{base_url}/author/{}", card.author.slug),
            },
        }],
        publisher: Publisher {
            kind: "NewsMediaOrganization",
            id: format!("{base_url}/#organization"),
            name: &site.name,
            logo: ImageLd::new(format!("{base_url}{logo}"), 64, 64),
        },
        image: ImageLd::new(image.0.as_str(), image.1, image.2),
        article_section: card.category.as_ref().map_or("Blog", |c| c.name.as_str()),
        keywords: tags.iter().map(|t| t.name.as_str()).collect(),
        main_entity_of_page: Typed {
            kind: "WebPage",
            fields: Id { id: canonical },
        },
        url: canonical,
        is_accessible_for_free: true,
        correction: notes
            .iter()
            .filter(|n| n.kind == NoteKind::Correction)
            .map(|n| Typed {
                kind: "CorrectionComment",
                fields: CorrectionComment {
                    text: &n.body,
                    date_published: iso(n.created_at),
                },
            })
            .collect(),
        source_organization: (a.source != SourceKind::Staff).then(|| Typed {
            kind: "Organization",
            fields: Name {
                name: &a.source_name,
            },
        }),
    }
}

/// The newest entries a live page's JSON-LD lists as `liveBlogUpdate`.
pub const LIVE_UPDATES: usize = 20;

/// Makes an article's JSON-LD (from [`article`]) a `LiveBlogPosting`:
/// `coverageStartTime`, `coverageEndTime` once coverage is over, the
/// newest entries (`entries` is newest first) as `liveBlogUpdate`, each a
/// `BlogPosting` at its anchor, and `dateModified` moved on to `modified`
/// (its newest change).
pub fn live_blog(
    value: &mut Value,
    coverage: &Coverage,
    entries: &[Entry],
    modified: chrono::NaiveDateTime,
    base_url: &str,
    canonical: &str,
) {
    let iso = |t: chrono::NaiveDateTime| t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    value["@type"] = json!("LiveBlogPosting");
    value["coverageStartTime"] = json!(iso(coverage.started_at));
    if let Some(end) = coverage.ended_at {
        value["coverageEndTime"] = json!(iso(end));
    }
    value["dateModified"] = json!(iso(modified));
    let updates: Vec<Value> = entries
        .iter()
        .take(LIVE_UPDATES)
        .map(|e| {
            let url = format!("{canonical}#entry-{}", e.row.id);
            let mut update = json!({
                "@type": "BlogPosting",
                "@id": url,
                "url": url,
                "headline": e.title(),
                "articleBody": crate::markdown::to_text(&e.row.body),
                "datePublished": iso(e.row.posted_at),
                "dateModified": iso(e.row.updated_at),
                "author": {
                    "@type": "Person",
                    "name": e.author_name,
                    "url": format!("{base_url}/author/{}", e.author_slug),
                },
            });
            if let Some(image) = &e.image {
                update["image"] = json!({
                    "@type": "ImageObject",
                    "url": format!("{base_url}/media/{}", image.file_name),
                    "width": image.width,
                    "height": image.height,
                });
            }
            update
        })
        .collect();
    value["liveBlogUpdate"] = Value::Array(updates);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = json!({ "headline": "</script><script>alert(1)</script> & more" });
        let out = script_json(&v);
        assert!(!out.contains("</script"));
        let back: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, v);
        // Keys are escaped as values are.
        let key = json!({ "</script>": ["<!--", 1] });
        let out = script_json(&key);
        assert!(!out.contains('<'), "{out}");
        assert_eq!(serde_json::from_str::<Value>(&out).expect("JSON"), key);
    }

    #[test]
    fn script_json_escapes_every_control_character() {
        let v = json!({ "headline": "nul\u{0} esc\u{1b} del\u{7f} c1\u{85} end\u{FFFF}" });
        let out = script_json(&v);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert!(out.contains("\\u007f") && out.contains("\\u0085") && out.contains("\\uffff"));
        let back: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, v);
        // The neighbours of the escaped characters pass through as they are.
        let edges = json!({ "s": "\u{7e}\u{80}\u{9f}\u{a0}\u{fffd}\u{fffe}\u{ffff}\u{10000}é" });
        let out = script_json(&edges);
        assert!(!out
            .chars()
            .any(|c| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}'));
        assert!(out.contains("\\u0080") && out.contains("\\u009f") && out.contains("\\ufffe"));
        for kept in ['~', '\u{a0}', '\u{fffd}', '\u{10000}', 'é'] {
            assert!(out.contains(kept), "{kept:?} in {out:?}");
        }
        let back: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, edges);
    }
}
