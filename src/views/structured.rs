//! Structured data (schema.org JSON-LD) for crawlers: the publisher on every
//! page, the site search on the home page, breadcrumbs, and articles.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::db::articles::Card;
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
pub fn script_json(value: &Value) -> String {
    // `to_string` writes through `io::Write`; `Value`'s `Display` goes
    // through `fmt` and cost twice as much. Serializing a `Value` cannot
    // fail: its map keys are strings.
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + 64);
    // Copied in runs between the characters escaped; the scan is over
    // bytes, since every character escaped has a UTF-8 form of its own that
    // no other character's bytes contain.
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
                (Some(0xBF), Some(&b @ (0xBE | 0xBF))) => (Some(0xFFC0 | u32::from(b & 0x3F)), 3),
                _ => (None, 1),
            },
            _ => (None, 1),
        };
        if let Some(c) = escaped {
            out.push_str(&json[copied..at]);
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{c:04x}");
            copied = at + len;
        }
        at += len;
    }
    out.push_str(&json[copied..]);
    out
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

/// The trail; the last crumb (the page itself) takes the canonical URL.
pub fn breadcrumbs(crumbs: &[Crumb], base_url: &str, canonical: &str) -> Value {
    let items: Vec<Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, crumb)| {
            let url = crumb
                .path
                .as_ref()
                .map_or_else(|| canonical.to_owned(), |p| format!("{base_url}{p}"));
            json!({ "@type": "ListItem", "position": i + 1, "name": crumb.name, "item": url })
        })
        .collect();
    json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

/// `NewsArticle`, or `BlogPosting` for a blog post. `image` is the hero
/// image, or the site's share image when the article has none. Each
/// correction among `notes` is a `CorrectionComment`; a wire service or
/// partner is the `sourceOrganization`.
#[allow(clippy::too_many_arguments)]
pub fn article(
    card: &Card,
    tags: &[Tag],
    notes: &[Note],
    image: &(String, i32, i32),
    site: &SiteSettings,
    base_url: &str,
    canonical: &str,
    logo: &str,
) -> Value {
    let a = &card.article;
    let kind = if card.category.is_some() {
        "NewsArticle"
    } else {
        "BlogPosting"
    };
    let iso = |t: chrono::NaiveDateTime| crate::views::filters::iso_utc(&t);
    let published = a.published_at.map(iso);
    let image =
        json!({ "@type": "ImageObject", "url": image.0, "width": image.1, "height": image.2 });
    let corrections: Vec<Value> = notes
        .iter()
        .filter(|n| n.kind == NoteKind::Correction)
        .map(|n| {
            json!({
                "@type": "CorrectionComment",
                "text": n.body,
                "datePublished": iso(n.created_at),
            })
        })
        .collect();
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "headline": a.title,
        "description": a.standfirst,
        "datePublished": published,
        "dateModified": iso(a.updated_at.max(a.published_at.unwrap_or(a.updated_at))),
        "author": [{
            "@type": "Person",
            "name": card.author.name,
            "url": format!("{base_url}/author/{}", card.author.slug),
        }],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "@id": format!("{base_url}/#organization"),
            "name": site.name,
            "logo": { "@type": "ImageObject", "url": format!("{base_url}{logo}"), "width": 64, "height": 64 },
        },
        "image": image,
        "articleSection": card.category.as_ref().map_or("Blog", |c| c.name.as_str()),
        "keywords": tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "mainEntityOfPage": { "@type": "WebPage", "@id": canonical },
        "url": canonical,
        "isAccessibleForFree": true,
    });
    if !corrections.is_empty() {
        value["correction"] = Value::Array(corrections);
    }
    if a.source != SourceKind::Staff {
        value["sourceOrganization"] = json!({ "@type": "Organization", "name": a.source_name });
    }
    value
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
