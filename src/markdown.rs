//! Markdown to sanitized HTML: what staff write is rendered with
//! pulldown-cmark and cleaned by ammonia before it reaches a page.

use std::sync::LazyLock;

use pulldown_cmark::{html, Options, Parser};

/// Built once: a default ammonia builder allocates its whole allow-list.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener nofollow"));
    builder
});

pub fn to_html(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut raw = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(source, options));
    SANITIZER.clean(&raw).to_string()
}

/// The words of `source` as readers see them, as plain text on one line:
/// the sanitized HTML of [`to_html`] without its tags (what the sanitizer
/// drops, such as a script's text, is not there either), for structured
/// data and feed titles.
pub fn to_text(source: &str) -> String {
    /// Tags that end a block: the words on either side stay apart.
    const BLOCKS: [&str; 17] = [
        "p",
        "li",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "td",
        "th",
        "ul",
        "ol",
        "hr",
    ];
    let html = to_html(source);
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if BLOCKS.contains(&name.to_ascii_lowercase().as_str()) {
            out.push(' ');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    // The escapes the sanitizer's serializer writes in text.
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, cut at a space with `…` when it
/// is longer.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let kept = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", kept.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::{excerpt, to_html, to_text};

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        assert_eq!(
            to_text("**Bold** start.\n\nA [link](https://x.example) and `code`.\n\n- one\n- two"),
            "Bold start. A link and code. one two"
        );
        assert_eq!(to_text("plain <em>x</em>"), "plain x");
        assert_eq!(to_text("a <script>alert(1)</script> b"), "a b");
        assert_eq!(
            to_text("Fish &amp; chips < 5 > 4 & \"so\""),
            "Fish & chips < 5 > 4 & “so”"
        );
    }

    #[test]
    fn an_excerpt_is_cut_at_a_word() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("the runners reach the bridge", 15), "the runners…");
    }

    #[test]
    fn renders_markdown_and_strips_scripts() {
        let html = to_html("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }
}
