//! The escaper of every HTML and XML template (named in `askama.toml`): the
//! five characters askama's own `Html` escaper escapes, as the same
//! entities, found with `memchr`'s vectorized search. askama's escaper looks
//! at one byte at a time, which was 8% of an uncached article page and 12%
//! of the home page: their titles, addresses and `srcset`s are long runs
//! with nothing to escape. A short text (a slug, a name, a number) is
//! looked at a byte at a time all the same: setting up two vectorized
//! searches cost more than reading it, and a page escapes some 270 texts.

use std::fmt::{self, Write};

/// Escapes `<`, `>`, `&`, `"` and `'` as askama's `Html` does (`&#60;`,
/// `&#62;`, `&#38;`, `&#34;`, `&#39;`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

/// Texts shorter than this are escaped byte by byte.
const SHORT: usize = 32;

/// The entity of a character to escape; `None` for every other byte.
fn entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'<' => Some("&#60;"),
        b'>' => Some("&#62;"),
        b'&' => Some("&#38;"),
        b'"' => Some("&#34;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: Write>(&self, mut out: W, text: &str) -> fmt::Result {
        let bytes = text.as_bytes();
        if bytes.len() < SHORT {
            let mut start = 0;
            for (at, &byte) in bytes.iter().enumerate() {
                if let Some(escaped) = entity(byte) {
                    // Every escaped character is ASCII: `at` is a boundary.
                    out.write_str(&text[start..at])?;
                    out.write_str(escaped)?;
                    start = at + 1;
                }
            }
            return out.write_str(&text[start..]);
        }
        // Two searches, for the three markup characters and for the two
        // quotes; each one's next hit is kept until the text passes it, so
        // every byte is searched once whichever kind comes more often.
        let markup = |from: usize| {
            memchr::memchr3(b'<', b'>', b'&', &bytes[from..]).map_or(bytes.len(), |i| from + i)
        };
        let quote = |from: usize| {
            memchr::memchr2(b'"', b'\'', &bytes[from..]).map_or(bytes.len(), |i| from + i)
        };
        let (mut next_markup, mut next_quote) = (markup(0), quote(0));
        let mut start = 0;
        loop {
            let at = next_markup.min(next_quote);
            if at == bytes.len() {
                break;
            }
            // Every escaped character is ASCII, so `at` is a char boundary.
            out.write_str(&text[start..at])?;
            out.write_str(entity(bytes[at]).unwrap_or("&#39;"))?;
            start = at + 1;
            if at == next_markup {
                next_markup = markup(start);
            } else {
                next_quote = quote(start);
            }
        }
        out.write_str(&text[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::Html;
    use askama::filters::Escaper;

    fn ours(text: &str) -> String {
        let mut out = String::new();
        Html.write_escaped_str(&mut out, text)
            .expect("writing to a String");
        out
    }

    fn askamas(text: &str) -> String {
        let mut out = String::new();
        askama::filters::Html
            .write_escaped_str(&mut out, text)
            .expect("writing to a String");
        out
    }

    /// The same output as askama's own escaper, on text with none, some
    /// and only characters to escape, next to each other, at either end,
    /// and among multi-byte characters.
    #[test]
    fn escapes_as_askama_does() {
        let samples = [
            "",
            "plain words, no markup",
            "<script>alert('x')</script>",
            "a & b \"quoted\" 'single' <tag attr=\"v\"> & &amp;",
            "<<>>&&\"\"''",
            "'",
            "ends with <",
            "> starts",
            "Zoë’s café — «ünïcödé» <b>fett</b> & ‘quotes’ 漢字 \"x\"",
            "/media/0123456789abcdef-480w.webp 480w, /media/0123456789abcdef-960w.webp 960w",
        ];
        for text in samples {
            assert_eq!(ours(text), askamas(text), "{text:?}");
        }
        assert_eq!(
            ours("a<b>'c'&\"d\""),
            "a&#60;b&#62;&#39;c&#39;&#38;&#34;d&#34;"
        );
        // Every pair of characters from a mix, so that each kind follows
        // each other kind.
        let mix = ['a', '<', '>', '&', '"', '\'', 'é', ' '];
        for x in mix {
            for y in mix {
                for z in mix {
                    let text: String = [x, y, z, x].iter().collect();
                    assert_eq!(ours(&text), askamas(&text), "{text:?}");
                    // The same past the length escaped byte by byte.
                    let long = format!("{text}{}{text}", "w".repeat(super::SHORT));
                    assert_eq!(ours(&long), askamas(&long), "{long:?}");
                }
            }
        }
    }

    /// A template escapes a title with markup and quotes, in text and in an
    /// attribute. (askama.toml names this escaper for html templates; its
    /// output is askama's own, so this checks what readers get, not which
    /// of the two wrote it.)
    #[test]
    fn a_template_escapes_markup_and_quotes() {
        #[derive(askama::Template)]
        #[template(source = "<h1 title=\"{{ t }}\">{{ t }}</h1>", ext = "html")]
        struct Heading<'a> {
            t: &'a str,
        }
        let page = askama::Template::render(&Heading {
            t: "\"Fish & <chips>\"",
        })
        .expect("renders");
        assert_eq!(
            page,
            "<h1 title=\"&#34;Fish &#38; &#60;chips&#62;&#34;\">&#34;Fish &#38; &#60;chips&#62;&#34;</h1>"
        );
    }
}
