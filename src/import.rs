//! Plain-text article import: the text of one article (title, headline lines
//! starting sections, one-line paragraphs, a line of #hashtags, perhaps the
//! publisher's boilerplate) parsed into an [`ImportedArticle`]. Pure: no
//! files, no database, so the `import` command and a paste-in form share it.
//!
//! The rules, line by line (blank lines are ignored everywhere):
//! - the first non-empty line is the title (at most 200 characters);
//! - a *headline line* starts a section: at most 80 characters and 12 words,
//!   starting with a letter, digit or opening quote, not ending with
//!   sentence punctuation (`. ! ? : ; , …`, closing quotes aside);
//! - every other line is one paragraph, of the section above it, or of the
//!   intro before the first section;
//! - a line made only of `#hashtags` gives the tags and ends the article;
//! - a line that is exactly [`SITE_NAME`] (any case) starts the publisher's
//!   boilerplate, which is dropped up to a hashtag line or the end. After
//!   the hashtags only that boilerplate may follow, so no text is lost
//!   silently.
//!
//! An imported article keeps to the editor's limits (`domain::limits`):
//! at most 2 MB of text, 60 sections and 20 hashtags of up to 60
//! characters, so that it can be saved unchanged in the editor later. Each
//! limit is checked as the text is read, so parsing stops at the line that
//! passes it.
//!
//! Paragraphs are plain text: they are escaped so that Markdown renders
//! them as written, then joined into Markdown bodies.

use std::collections::HashSet;
use std::fmt;

use crate::domain::limits::{MAX_ARTICLE_BYTES, MAX_SECTIONS, MAX_TAGS, MAX_TAG_CHARS};
use crate::domain::tag_slug;
use crate::domain::text::{self, Lines};

pub use crate::domain::limits::MAX_TITLE_CHARS;

/// The line that starts the publisher's boilerplate, compared ignoring case.
pub const SITE_NAME: &str = "Iconocast News Agency";
pub const MAX_LINE_CHARS: usize = 20_000;
/// A headline line has at most this many characters ...
pub const MAX_HEADLINE_CHARS: usize = 80;
/// ... and at most this many words.
pub const MAX_HEADLINE_WORDS: usize = 12;
/// The standfirst (also the meta description) stays under 200 characters.
pub const MAX_STANDFIRST_CHARS: usize = 199;

/// An article as parsed from plain text, ready to become an `ArticleInput`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedArticle {
    pub title: String,
    /// The first sentence or two of the first paragraph, plain text.
    pub standfirst: String,
    /// Markdown: the paragraphs before the first section, if any.
    pub intro: String,
    /// (heading as plain text, Markdown body) in reading order.
    pub sections: Vec<(String, String)>,
    /// Hashtags without `#`, in order, repeats removed.
    pub tags: Vec<String>,
}

/// Why a text cannot be imported, and where: shown as `FILE:LINE: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The file name (or other label) the text came from.
    pub source_name: String,
    /// 1-based line number.
    pub line: usize,
    pub kind: ImportErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportErrorKind {
    #[error("the text is empty")]
    Empty,
    #[error("the text is not valid UTF-8")]
    InvalidUtf8,
    #[error("the line is {chars} characters long; a line may have at most {MAX_LINE_CHARS}")]
    LineTooLong { chars: usize },
    #[error(
        "the text is over {} MB, the most one article may have",
        MAX_ARTICLE_BYTES / 1024 / 1024
    )]
    TooLarge,
    #[error("the line contains the control character U+{code:04X}")]
    ControlCharacter { code: u32 },
    #[error(
        "a section more than an article may have: at most {MAX_SECTIONS}; \
         split the text into several articles"
    )]
    TooManySections,
    #[error("a hashtag more than an article may have: at most {MAX_TAGS} different ones")]
    TooManyHashtags,
    #[error(
        "the hashtag #{name} is {chars} characters long; a hashtag may have at most \
         {MAX_TAG_CHARS}"
    )]
    HashtagTooLong { name: String, chars: usize },
    #[error("no title: the first line is {what}, not a title")]
    NoTitle { what: &'static str },
    #[error("the title is {chars} characters long; a title may have at most {MAX_TITLE_CHARS}")]
    TitleTooLong { chars: usize },
    #[error(
        "no section: no headline line (a short line without final punctuation) \
         follows the title"
    )]
    NoSection,
    #[error(
        "the section \"{heading}\" has no paragraph (each paragraph must be a single \
         line; hard-wrapped text is not supported)"
    )]
    EmptySection { heading: String },
    #[error(
        "text after the hashtag line, which must end the article (only the \
         publisher's boilerplate, from a line \"{SITE_NAME}\", may follow it)"
    )]
    TextAfterHashtags,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source_name, self.line, self.kind)
    }
}

impl std::error::Error for ImportError {}

fn error(source_name: &str, line: usize, kind: ImportErrorKind) -> ImportError {
    ImportError {
        source_name: source_name.to_owned(),
        line,
        kind,
    }
}

/// Reads an article's file, refusing one over the size an article may
/// have without reading more than that.
pub fn read_file(path: &std::path::Path, source_name: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{source_name}: cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{source_name}: cannot read the file: {e}"))?;
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(error(source_name, 1, ImportErrorKind::TooLarge).to_string());
    }
    Ok(bytes)
}

/// The hero image an article names on an `Image:` line before its title:
/// `Image: harbour.jpg | Fishing boats in the harbour at dawn` (the file,
/// relative to the text's folder, and its alt text, which is required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeroImage {
    /// The file as written.
    pub file: String,
    pub alt: String,
    /// 1-based line number of the `Image:` line.
    pub line: usize,
}

/// The longest alt text, as the editor's field allows.
pub const MAX_ALT_CHARS: usize = 300;

/// Takes the `Image:` line off the top of `text` (only blank lines may
/// come before it; `image:` in any case), leaving a blank line in its
/// place so that every other line keeps its number for [`parse`]. Without
/// such a line the text comes back as it was. The error names the line:
/// an `Image:` line needs a file and, after a `|`, the alt text.
pub fn hero_image(text: &str, source_name: &str) -> Result<(Option<HeroImage>, String), String> {
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        let trimmed = line.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() {
            offset += line.len() + 1;
            continue;
        }
        let Some(rest) = trimmed
            .get(..6)
            .filter(|head| head.eq_ignore_ascii_case("image:"))
            .map(|_| &trimmed[6..])
        else {
            break;
        };
        let number = index + 1;
        let (file, alt) = rest.split_once('|').unwrap_or((rest, ""));
        let (file, alt) = (file.trim(), alt.trim());
        if file.is_empty() {
            return Err(format!(
                "{source_name}:{number}: the Image line names no file"
            ));
        }
        if alt.is_empty() {
            return Err(format!(
                "{source_name}:{number}: the image needs its alt text: `Image: {file} | what it shows`"
            ));
        }
        if alt.chars().count() > MAX_ALT_CHARS {
            return Err(format!(
                "{source_name}:{number}: the alt text may have at most {MAX_ALT_CHARS} characters"
            ));
        }
        let mut rest_of_text = text[..offset].to_owned();
        rest_of_text.push_str(&text[offset + line.len()..]);
        return Ok((
            Some(HeroImage {
                file: file.to_owned(),
                alt: alt.to_owned(),
                line: number,
            }),
            rest_of_text,
        ));
    }
    Ok((None, text.to_owned()))
}

/// Checks that `bytes` are UTF-8 text; the error names the line of the first
/// invalid byte.
pub fn decode<'a>(bytes: &'a [u8], source_name: &str) -> Result<&'a str, ImportError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        error(source_name, line, ImportErrorKind::InvalidUtf8)
    })
}

/// Where the parser is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In the article.
    Article,
    /// In the publisher's boilerplate: lines are dropped.
    Boilerplate,
    /// After a hashtag line: only boilerplate or more hashtags may follow.
    AfterTags,
}

/// Parses one article; `source_name` labels errors (a file name, or e.g.
/// "pasted text").
pub fn parse(text: &str, source_name: &str) -> Result<ImportedArticle, ImportError> {
    if text.len() > MAX_ARTICLE_BYTES {
        return Err(error(source_name, 1, ImportErrorKind::TooLarge));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut title: Option<(usize, String)> = None;
    let mut intro: Vec<String> = Vec::new();
    // (line of the heading, heading, paragraphs)
    let mut sections: Vec<(usize, String, Vec<String>)> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    // The slugs of `tags`: one tag per slug, found in constant time.
    let mut tag_slugs: HashSet<String> = HashSet::new();
    let mut state = State::Article;

    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let chars = raw.chars().count();
        if chars > MAX_LINE_CHARS {
            return Err(error(
                source_name,
                number,
                ImportErrorKind::LineTooLong { chars },
            ));
        }
        // Tab is allowed inside a line (the line breaks are gone already).
        if let Some(c) = raw
            .chars()
            .find(|&c| c != '\t' && !text::allowed(c, Lines::One))
        {
            return Err(error(
                source_name,
                number,
                ImportErrorKind::ControlCharacter { code: u32::from(c) },
            ));
        }
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let hashtags = hashtag_line(line);
        let site_name = line.eq_ignore_ascii_case(SITE_NAME);
        if title.is_none() {
            let what = if hashtags.is_some() {
                Some("a line of hashtags")
            } else if site_name {
                Some("the publisher's boilerplate")
            } else {
                None
            };
            if let Some(what) = what {
                return Err(error(
                    source_name,
                    number,
                    ImportErrorKind::NoTitle { what },
                ));
            }
            let clean = collapse_spaces(line);
            let chars = clean.chars().count();
            if chars > MAX_TITLE_CHARS {
                return Err(error(
                    source_name,
                    number,
                    ImportErrorKind::TitleTooLong { chars },
                ));
            }
            title = Some((number, clean));
            continue;
        }
        if let Some(found) = hashtags {
            for tag in found {
                let chars = tag.chars().count();
                if chars > MAX_TAG_CHARS {
                    let name: String = tag.chars().take(20).collect();
                    return Err(error(
                        source_name,
                        number,
                        ImportErrorKind::HashtagTooLong {
                            name: format!("{name}…"),
                            chars,
                        },
                    ));
                }
                // A name that makes no slug names no hashtag page: the
                // editor refuses it, and storing would drop it.
                let Some(slug) = tag_slug(&tag) else { continue };
                if tag_slugs.insert(slug) {
                    if tags.len() == MAX_TAGS {
                        return Err(error(source_name, number, ImportErrorKind::TooManyHashtags));
                    }
                    tags.push(tag);
                }
            }
            if state == State::Article {
                state = State::AfterTags;
            }
            continue;
        }
        if site_name {
            state = State::Boilerplate;
            continue;
        }
        match state {
            State::Boilerplate => continue,
            State::AfterTags => {
                return Err(error(
                    source_name,
                    number,
                    ImportErrorKind::TextAfterHashtags,
                ))
            }
            State::Article => {}
        }
        if is_headline(line) {
            if sections.len() == MAX_SECTIONS {
                return Err(error(source_name, number, ImportErrorKind::TooManySections));
            }
            sections.push((number, collapse_spaces(line), Vec::new()));
        } else {
            let paragraph = line.to_owned();
            match sections.last_mut() {
                Some((_, _, paragraphs)) => paragraphs.push(paragraph),
                None => intro.push(paragraph),
            }
        }
    }

    let Some((title_line, title)) = title else {
        return Err(error(source_name, 1, ImportErrorKind::Empty));
    };
    if sections.is_empty() {
        return Err(error(source_name, title_line, ImportErrorKind::NoSection));
    }
    if let Some((line, heading, _)) = sections.iter().find(|(_, _, p)| p.is_empty()) {
        return Err(error(
            source_name,
            *line,
            ImportErrorKind::EmptySection {
                heading: heading.clone(),
            },
        ));
    }
    let first_paragraph = intro
        .first()
        .or_else(|| sections.first().and_then(|(_, _, p)| p.first()))
        .map(String::as_str)
        .unwrap_or_default();
    Ok(ImportedArticle {
        title,
        standfirst: standfirst(first_paragraph),
        intro: markdown_paragraphs(&intro),
        sections: sections
            .into_iter()
            .map(|(_, heading, paragraphs)| (heading, markdown_paragraphs(&paragraphs)))
            .collect(),
        tags,
    })
}

/// The tags of a line made only of `#hashtags` (a trailing comma allowed on
/// each), or `None` if the line is anything else.
fn hashtag_line(line: &str) -> Option<Vec<String>> {
    let mut found = Vec::new();
    for token in line.split_whitespace() {
        let name = token.strip_prefix('#')?.trim_end_matches(',');
        let ok = name.chars().any(char::is_alphanumeric)
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            return None;
        }
        found.push(name.to_owned());
    }
    (!found.is_empty()).then_some(found)
}

const SENTENCE_END: [char; 8] = ['.', '!', '?', ':', ';', ',', '…', '。'];
const CLOSERS: [char; 8] = ['"', '\'', '”', '’', '»', ')', ']', '*'];
const OPENERS: [char; 6] = ['"', '\'', '“', '‘', '«', '('];

/// A short line without final sentence punctuation starts a section. List
/// items (`- `, `– `, `* `, `• `) and quotes (`>`) are paragraphs.
fn is_headline(line: &str) -> bool {
    if line.chars().count() > MAX_HEADLINE_CHARS
        || line.split_whitespace().count() > MAX_HEADLINE_WORDS
    {
        return false;
    }
    let starts_well = line
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || OPENERS.contains(&c));
    let body = line.trim_end_matches(|c: char| CLOSERS.contains(&c) || c.is_whitespace());
    let ends_well = body
        .chars()
        .last()
        .is_some_and(|c| !SENTENCE_END.contains(&c));
    starts_well && ends_well
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first sentence or two of `paragraph`, under 200 characters; a first
/// sentence too long for that is cut at a word boundary and ends with `…`.
fn standfirst(paragraph: &str) -> String {
    let paragraph = collapse_spaces(paragraph);
    let mut out = String::new();
    for sentence in sentences(&paragraph).into_iter().take(2) {
        let candidate = if out.is_empty() {
            sentence.to_owned()
        } else {
            format!("{out} {sentence}")
        };
        if candidate.chars().count() > MAX_STANDFIRST_CHARS {
            break;
        }
        out = candidate;
    }
    if !out.is_empty() {
        return out;
    }
    // One long first sentence: as many whole words as fit, then `…`.
    let room = MAX_STANDFIRST_CHARS - 1;
    for word in paragraph.split(' ') {
        let extra = word.chars().count() + usize::from(!out.is_empty());
        if out.chars().count() + extra > room {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        // A single word longer than the limit: cut it.
        out = paragraph.chars().take(room).collect();
    }
    let trimmed = out.trim_end_matches(|c: char| SENTENCE_END.contains(&c) || c == '-');
    format!("{trimmed}…")
}

/// Splits text into sentences: a sentence ends at `.`, `!`, `?` or `…`
/// (closing quotes and brackets included) followed by a space or the end.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        while let Some(&(_, next)) = chars.peek() {
            if CLOSERS.contains(&next) || matches!(next, '.' | '!' | '?') {
                chars.next();
            } else {
                break;
            }
        }
        let end = chars.peek().map_or(text.len(), |(i, _)| *i);
        if chars.peek().is_none_or(|(_, next)| next.is_whitespace()) {
            let sentence = text[start..end].trim();
            if !sentence.is_empty() {
                out.push(sentence);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Plain-text paragraphs as one Markdown body, each escaped to render as
/// written.
fn markdown_paragraphs(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| escape_markdown(p))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Escapes what Markdown would otherwise interpret in a one-line plain-text
/// paragraph: emphasis, code, links, HTML, entities, and block markers at
/// the start (headings, lists, quotes).
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    if let Some(c) = text.chars().next() {
        if matches!(c, '#' | '-' | '+' | '>' | '=') {
            out.push('\\');
            out.push(c);
            rest = &text[c.len_utf8()..];
        } else {
            // An ordered-list marker: up to 9 digits, then `.` or `)`.
            let digits = text.chars().take_while(char::is_ascii_digit).count();
            if (1..=9).contains(&digits) && matches!(text[digits..].chars().next(), Some('.' | ')'))
            {
                out.push_str(&text[..digits]);
                out.push('\\');
                rest = &text[digits..];
                // The delimiter itself is pushed by the loop below.
            }
        }
    }
    for (i, c) in rest.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' => out.push('\\'),
            '&' if looks_like_entity(&rest[i..]) => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `&amp;`, `&#38;`, `&#x26;`: what Markdown would decode as an entity.
fn looks_like_entity(text: &str) -> bool {
    let body = text.trim_start_matches('&');
    let body = body.strip_prefix('#').unwrap_or(body);
    let name_len = body.chars().take_while(char::is_ascii_alphanumeric).count();
    name_len > 0 && body[name_len..].starts_with(';')
}

/// A slug made from `title` that `taken` says is free: the title's slug,
/// else with `-2`, `-3` … appended (kept within the 120 characters a URL
/// slug may have). An empty slug becomes `article`.
pub fn unique_slug<E>(
    title: &str,
    mut taken: impl FnMut(&str) -> Result<bool, E>,
) -> Result<String, E> {
    let base = match crate::domain::slugify(title) {
        s if s.is_empty() => "article".to_owned(),
        s => s,
    };
    if !taken(&base)? {
        return Ok(base);
    }
    let mut n: u64 = 2;
    loop {
        let suffix = format!("-{n}");
        let keep = crate::domain::Slug::MAX_LEN - suffix.len();
        let stem = base[..base.len().min(keep)].trim_end_matches('-');
        let candidate = format!("{stem}{suffix}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_line_before_the_title_names_the_hero() {
        let text = "\nImage: pics/harbour.jpg | Boats in the harbour\nThe title\nA headline\nA paragraph.\n";
        let (hero, rest) = hero_image(text, "a.txt").expect("parses");
        assert_eq!(
            hero,
            Some(HeroImage {
                file: "pics/harbour.jpg".to_owned(),
                alt: "Boats in the harbour".to_owned(),
                line: 2,
            })
        );
        // The other lines keep their numbers.
        assert_eq!(rest, "\n\nThe title\nA headline\nA paragraph.\n");
        let (hero, rest) = hero_image("The title\nImage: x.jpg | y\n", "a.txt").expect("parses");
        assert_eq!(
            (hero, rest.as_str()),
            (None, "The title\nImage: x.jpg | y\n")
        );
        assert_eq!(
            hero_image("image: x.jpg\nTitle\n", "a.txt"),
            Err("a.txt:1: the image needs its alt text: `Image: x.jpg | what it shows`".to_owned())
        );
        assert!(hero_image("Image:  | alt\n", "a.txt").is_err());
    }

    const FIXTURE: &str = include_str!("../tests/fixtures/seed-article.txt");

    const HEADINGS: [&str; 7] = [
        "Understanding Emotional Connection in Relationships",
        "Open Communication",
        "Identify Underlying Issues",
        "Show Patience and Understanding",
        "Encourage Vulnerability",
        "Set Boundaries and Expectations",
        "Seek Support for Yourself",
    ];

    fn fixture() -> ImportedArticle {
        parse(FIXTURE, "seed-article.txt").expect("the fixture parses")
    }

    fn all_text(a: &ImportedArticle) -> String {
        let mut all = vec![a.title.clone(), a.standfirst.clone(), a.intro.clone()];
        for (h, b) in &a.sections {
            all.push(h.clone());
            all.push(b.clone());
        }
        all.extend(a.tags.iter().cloned());
        all.join("\n")
    }

    #[test]
    fn the_fixture_has_its_title_seven_sections_and_five_hashtags() {
        let a = fixture();
        assert_eq!(
            a.title,
            "What should I do if my partner isn’t making the effort to connect emotionally?"
        );
        let headings: Vec<&str> = a.sections.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(headings, HEADINGS);
        assert_eq!(
            a.tags,
            [
                "EmotionalConnection",
                "HealthyRelationships",
                "Communication",
                "Iconocast",
                "StayInformed"
            ]
        );
        assert_eq!(a.intro, "", "the first section follows the title");
        for (heading, body) in &a.sections {
            assert!(!body.trim().is_empty(), "{heading} has text");
        }
        // Paragraphs are kept one by one; the closing one stays in the last section.
        assert_eq!(a.sections[1].1.split("\n\n").count(), 2);
        assert_eq!(a.sections[5].1.split("\n\n").count(), 1);
        let (_, last) = &a.sections[6];
        assert_eq!(last.split("\n\n").count(), 2);
        assert!(last
            .split("\n\n")
            .nth(1)
            .is_some_and(|p| p.starts_with("If your partner isn’t making the effort")));
    }

    #[test]
    fn the_publishers_boilerplate_is_not_part_of_the_article() {
        let text = all_text(&fixture());
        for boilerplate in [
            "Iconocast News Agency",
            "Why Choose Iconocast",
            "Imagining a Brighter Future",
            "Source For Sport News",
            "Our current news offerings",
            "beacon of clarity",
        ] {
            assert!(!text.contains(boilerplate), "{boilerplate:?} leaked in");
        }
    }

    #[test]
    fn the_standfirst_is_the_opening_sentences_under_200_characters() {
        let a = fixture();
        assert!(a.standfirst.chars().count() < 200, "{}", a.standfirst);
        assert!(
            a.standfirst.starts_with(
                "Emotional connection forms the cornerstone of a healthy relationship."
            ),
            "{}",
            a.standfirst
        );
        assert!(a.standfirst.ends_with('.'), "{}", a.standfirst);

        let long = format!("{} end.", "word ".repeat(80));
        let cut = standfirst(&long);
        assert!(cut.chars().count() < 200, "{cut}");
        assert!(cut.ends_with("word…"), "{cut}");
        assert_eq!(
            standfirst("One. Two! Three?"),
            "One. Two!",
            "at most two sentences"
        );
        assert_eq!(standfirst("No final stop"), "No final stop");
        let huge = "x".repeat(500);
        assert_eq!(standfirst(&huge).chars().count(), 199);
    }

    #[test]
    fn hashtags_end_the_article_before_or_after_the_boilerplate() {
        let before = "Title\nHeading\nA paragraph.\n#One #two\nIconocast News Agency\nWhy Choose Us\nPitch.\n";
        let after = "Title\nHeading\nA paragraph.\niconocast news agency\nWhy Choose Us\nPitch.\n#One #two\n";
        let none = "Title\nHeading\nA paragraph.\nICONOCAST NEWS AGENCY\nWhy Choose Us\nPitch.\n";
        for text in [before, after, none] {
            let a = parse(text, "t.txt").expect("parses");
            assert_eq!(a.sections, [("Heading".into(), "A paragraph.".into())]);
            assert!(!all_text(&a).contains("Why Choose"), "{text}");
        }
        assert_eq!(parse(before, "t").unwrap().tags, ["One", "two"]);
        assert_eq!(parse(after, "t").unwrap().tags, ["One", "two"]);
        assert!(parse(none, "t").unwrap().tags.is_empty());
    }

    #[test]
    fn intro_paragraphs_precede_the_first_section_and_blank_lines_are_ignored() {
        let a = parse(
            "\n\n  A title  \n\nAn opening paragraph, before any heading.\n\nFirst part\n\nIts text.\r\nMore text.\n",
            "t",
        )
        .expect("parses");
        assert_eq!(a.title, "A title");
        assert_eq!(a.intro, "An opening paragraph, before any heading.");
        assert_eq!(a.standfirst, "An opening paragraph, before any heading.");
        assert_eq!(
            a.sections,
            [("First part".into(), "Its text.\n\nMore text.".into())]
        );
    }

    #[test]
    fn headline_lines_are_short_and_unpunctuated() {
        for yes in [
            "Open Communication",
            "Seek Support for Yourself",
            "1. Know your limits",
            "“Quoted” heading",
            "Why it matters (and when)",
        ] {
            assert!(is_headline(yes), "{yes}");
        }
        for no in [
            "Short sentence.",
            "A question?",
            "Our offerings:",
            "– A list item",
            "- a list item",
            "> quoted",
            "He said “stop.”",
            &"long ".repeat(17),
            "one two three four five six seven eight nine ten eleven twelve thirteen",
        ] {
            assert!(!is_headline(no), "{no}");
        }
    }

    #[test]
    fn paragraphs_are_escaped_so_markdown_shows_them_as_written() {
        let a = parse(
            "Title\nHeading\n# not a heading, *not bold* <b>x</b> [y](z) &amp; a_b\n1984. A year.\n- not a list item.\n",
            "t",
        )
        .expect("parses");
        let html = crate::markdown::to_html(&a.sections[0].1);
        assert!(
            html.contains("# not a heading, *not bold* &lt;b&gt;x&lt;/b&gt; [y](z) &amp;amp; a_b"),
            "{html}"
        );
        assert!(html.contains("<p>1984. A year.</p>"), "{html}");
        assert!(html.contains("<p>- not a list item.</p>"), "{html}");
        assert!(!html.contains("<h1") && !html.contains("<ol") && !html.contains("<ul"));
    }

    fn err(text: &str) -> ImportError {
        parse(text, "bad.txt").expect_err("refused")
    }

    #[test]
    fn malformed_texts_are_refused_with_their_line() {
        for empty in ["", "\n\n", "  \r\n\t\n"] {
            let e = err(empty);
            assert_eq!((e.line, &e.kind), (1, &ImportErrorKind::Empty), "{empty:?}");
        }
        assert_eq!(err("").to_string(), "bad.txt:1: the text is empty");

        let e = err("\nJust a title\n");
        assert_eq!((e.line, &e.kind), (2, &ImportErrorKind::NoSection));
        assert!(e.to_string().starts_with("bad.txt:2: no section"), "{e}");
        let e = err("Title\nOnly paragraphs here.\nAnd more of them.\n");
        assert_eq!((e.line, &e.kind), (1, &ImportErrorKind::NoSection));

        let e = err(&format!("\n{}\nHeading\nText.\n", "t".repeat(201)));
        assert_eq!(
            (e.line, &e.kind),
            (2, &ImportErrorKind::TitleTooLong { chars: 201 })
        );
        assert!(e
            .to_string()
            .starts_with("bad.txt:2: the title is 201 characters long"));
        assert!(parse(&format!("{}\nHeading\nText.", "t".repeat(200)), "ok").is_ok());

        let e = err(&format!("Title\nHeading\n{}\n", "x".repeat(20_001)));
        assert_eq!(
            (e.line, &e.kind),
            (3, &ImportErrorKind::LineTooLong { chars: 20_001 })
        );
        // Even inside the boilerplate that would be dropped.
        let e = err(&format!(
            "Title\nHeading\nText.\nIconocast News Agency\n{}\n",
            "x".repeat(20_001)
        ));
        assert_eq!(e.line, 5);

        let e = err("#Only #Tags\nHeading\nText.\n");
        assert!(matches!(e.kind, ImportErrorKind::NoTitle { .. }) && e.line == 1);
        let e = err("Iconocast News Agency\nHeading\nText.\n");
        assert!(matches!(e.kind, ImportErrorKind::NoTitle { .. }) && e.line == 1);

        let e = err("Title\nHeading\nText.\n#Tag\nMore text after the tags.\n");
        assert_eq!((e.line, &e.kind), (5, &ImportErrorKind::TextAfterHashtags));

        let e = err("Title\nA heading\nAnother heading\nText.\n");
        assert_eq!(e.line, 2);
        assert!(matches!(e.kind, ImportErrorKind::EmptySection { .. }));

        let e = err("Title\nHeading\nA nul \u{0} here.\n");
        assert_eq!(
            (e.line, &e.kind),
            (3, &ImportErrorKind::ControlCharacter { code: 0 })
        );
    }

    #[test]
    fn the_editors_limits_hold_for_imports_too() {
        let article = |sections: usize, tags: &str| {
            let mut text = String::from("Title\n");
            for i in 1..=sections {
                text.push_str(&format!("Part {i}\nSome text.\n"));
            }
            text.push_str(tags);
            text
        };
        assert_eq!(
            parse(&article(60, ""), "t")
                .expect("60 sections")
                .sections
                .len(),
            60
        );
        // The 61st heading is on line 122: parsing stops there.
        let e = err(&article(61, ""));
        assert_eq!((e.line, &e.kind), (122, &ImportErrorKind::TooManySections));
        assert!(e.to_string().contains("at most 60"), "{e}");

        let twenty: Vec<String> = (1..=20).map(|i| format!("#Tag{i}")).collect();
        let a = parse(&article(1, &twenty.join(" ")), "t").expect("20 hashtags");
        assert_eq!(a.tags.len(), 20);
        // Repeats count once, whatever their case, however many there are.
        let repeats = format!("{}\n{}", twenty.join(" "), "#tag1 #TAG2\n".repeat(5_000));
        assert_eq!(
            parse(&article(1, &repeats), "t").expect("repeats").tags,
            a.tags
        );
        // A 21st, on a second hashtag line (line 5).
        let e = err(&article(
            1,
            &format!("{}\n#OneMore #AndAnother", twenty.join(" ")),
        ));
        assert_eq!((e.line, &e.kind), (5, &ImportErrorKind::TooManyHashtags));
        // 200 different ones on one line: refused at that line.
        let many: Vec<String> = (1..=200).map(|i| format!("#T{i}")).collect();
        let e = err(&article(1, &many.join(" ")));
        assert_eq!((e.line, &e.kind), (4, &ImportErrorKind::TooManyHashtags));

        let e = err(&article(1, &format!("#{}", "h".repeat(61))));
        assert!(
            matches!(e.kind, ImportErrorKind::HashtagTooLong { chars: 61, .. }),
            "{e}"
        );
        assert!(parse(&article(1, &format!("#{}", "h".repeat(60))), "t").is_ok());

        let huge = format!("Title\nPart\n{}", "Words and words.\n".repeat(130_000));
        let e = err(&huge);
        assert_eq!((e.line, &e.kind), (1, &ImportErrorKind::TooLarge));
        assert!(e.to_string().contains("over 2 MB"), "{e}");
    }

    #[test]
    fn control_characters_and_non_characters_are_refused() {
        for (text, code) in [
            ("Title\nHeading\nAn escape \u{1b}[31m here.\n", 0x1b),
            ("Title\u{7}\nHeading\nText.\n", 0x7),
            ("Title\nHeading\nA carriage\rreturn inside.\n", 0xd),
            ("Title\nHeading\nNot a character \u{FFFF}.\n", 0xffff),
        ] {
            let e = err(text);
            assert_eq!(
                e.kind,
                ImportErrorKind::ControlCharacter { code },
                "{text:?}"
            );
        }
        assert!(parse("Title\nHeading\nA\ttab is fine.\r\n", "t").is_ok());
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_line() {
        let e = decode(b"Title\nHeading\nbad \xff byte\n", "bin.txt").expect_err("refused");
        assert_eq!((e.line, &e.kind), (3, &ImportErrorKind::InvalidUtf8));
        assert_eq!(e.to_string(), "bin.txt:3: the text is not valid UTF-8");
        assert_eq!(decode("Tïtle".as_bytes(), "ok"), Ok("Tïtle"));
    }

    #[test]
    fn hashtags_are_deduplicated_and_need_a_name() {
        let a = parse("T\nH\nText.\n#Tag, #tag #Other_One\n", "t").expect("parses");
        assert_eq!(a.tags, ["Tag", "Other_One"]);
        // `#` alone, or a word without `#`, make the line a paragraph.
        let a = parse("T\nH\nText.\n#Tag # \n", "t").expect("parses");
        assert!(a.tags.is_empty());
        assert!(a.sections[0].1.ends_with("\\#Tag #"), "{}", a.sections[0].1);
    }

    #[test]
    fn unique_slugs_count_up_and_stay_within_the_url_limit() {
        let taken = ["hello-world", "hello-world-2"];
        let slug = unique_slug("Hello, World!", |s| Ok::<_, ()>(taken.contains(&s)));
        assert_eq!(slug, Ok("hello-world-3".to_owned()));
        assert_eq!(
            unique_slug("¿?", |_| Ok::<_, ()>(false)),
            Ok("article".to_owned())
        );
        let long = "word ".repeat(40);
        let base = crate::domain::slugify(&long);
        let slug = unique_slug(&long, |s| Ok::<_, ()>(s == base)).expect("slug");
        assert!(slug.len() <= crate::domain::Slug::MAX_LEN && slug.ends_with("-2"));
        assert!(crate::domain::Slug::parse(&slug).is_some(), "{slug}");
    }
}
