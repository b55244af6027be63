//! The one way the site renders XML (feeds, sitemaps, the news sitemap):
//! [`render`]. Templates escape the markup characters; this drops what
//! XML 1.0 cannot carry at all (control characters other than tab and
//! line breaks, U+FFFE, U+FFFF), which no escape can make valid. The forms
//! refuse those characters, but text stored before they did, or written by
//! other means, must not make a whole feed or sitemap unreadable: one bad
//! title would otherwise make Google News drop every article listed.

use askama::Template;

/// Whether XML 1.0 allows `c` in a document (its `Char` production; Rust
/// strings hold no surrogates).
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `text` without the characters XML 1.0 does not allow; as it was (no
/// copy) when it has none.
pub fn clean(text: String) -> String {
    if text.chars().all(allowed) {
        text
    } else {
        text.chars().filter(|&c| allowed(c)).collect()
    }
}

/// Renders an XML template into a well-formed document whatever its
/// values hold.
pub fn render<T: Template>(template: &T) -> askama::Result<String> {
    template.render().map(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_xml_cannot_carry_is_dropped() {
        assert_eq!(
            clean("a\u{0}b\u{1b}c\u{7}\td\ne & <f>\r".to_owned()),
            "abc\td\ne & <f>\r"
        );
        assert_eq!(clean("é — \u{FFFF}ok\u{FFFE}".to_owned()), "é — ok");
        // DEL and the C1 controls are allowed by XML 1.0.
        assert_eq!(clean("x\u{7f}\u{85}y".to_owned()), "x\u{7f}\u{85}y");
    }

    #[derive(Template)]
    #[template(
        source = "<?xml version=\"1.0\"?><t a=\"{{ v }}\">{{ v }}</t>",
        ext = "xml"
    )]
    struct Doc<'a> {
        v: &'a str,
    }

    #[test]
    fn a_rendered_template_is_well_formed_whatever_it_holds() {
        let doc = render(&Doc {
            v: "Nul\u{0} bell\u{7} esc\u{1b}[0m <b>&\"'",
        })
        .expect("renders");
        assert!(!doc.contains('\u{0}') && !doc.contains('\u{1b}'), "{doc:?}");
        assert!(doc.contains("Nul bell esc[0m &#60;b&#62;&#38;"), "{doc}");
    }
}
