//! Properties of the parsers that take what people type, paste or send:
//! the plain-text import ([`import`]), the search query reducer
//! ([`search_query`]), slugs and section anchors ([`slugs`]) and the
//! article editor's form ([`editor_form`]). Each takes any bytes and panics
//! when a property does not hold, naming the property and the values.
//!
//! Two runners share them: the cargo-fuzz targets in `fuzz/` (nightly,
//! `bench/fuzz.sh`), and a short deterministic run in this module's tests
//! over the seed corpus (`fuzz/corpus/<target>/`) and a few thousand
//! pseudo-random mutations of it, so that every `cargo test` checks the
//! same properties on stable.
//!
//! What is checked, besides "no panic":
//! - an import gives an article within the editor's limits that the editor
//!   takes back unchanged, with its paragraphs rendering as written, or an
//!   error naming a line of the text, in a short message;
//! - a search query reduces to at most [`SearchQuery::MAX_TERMS`] terms of
//!   letters and digits from what was typed, quoted so that neither
//!   full-text parser sees an operator, and SQLite FTS5 accepts the result
//!   (in an in-memory table made like the real one) and finds a text made
//!   of the query's own words;
//! - a slug is empty or valid, and slugifying it again changes nothing;
//!   anchors are valid, unique, short enough to be kept on the next save,
//!   and kept when they already were;
//! - the editor's form holds what the body sent (the last value of each
//!   field, the sections in page order, no section texts past the form's
//!   limit), a checked form keeps to every limit and renders nothing when
//!   refused, and an accepted form shown again and sent back is accepted
//!   unchanged.

use std::cell::RefCell;
use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::sqlite::SqliteConnection;

use crate::db::editor::SectionDraft;
use crate::db::search::{SearchQuery, Term};
use crate::domain::limits::{
    MAX_NOTE_CHARS, MAX_SECTIONS, MAX_SOURCE_NAME_CHARS, MAX_TAGS, MAX_TAG_CHARS, MAX_TITLE_CHARS,
};
use crate::domain::text::{self, Lines};
use crate::domain::{anchors_for, slugify, tag_slug, Slug, SourceKind};
use crate::import::{self, ImportErrorKind, ImportedArticle};
use crate::newsroom::article_form::{assign_anchors, check_form, Checked, EditorForm};

/// A target: its name (the folder of its corpus) and its check.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, for the runners.
pub const TARGETS: [Target; 4] = [
    ("import", import),
    ("search_query", search_query),
    ("slugs", slugs),
    ("editor_form", editor_form),
];

/// The label import errors name the text by.
const SOURCE: &str = "fuzz.txt";

/// An anchor longer than this is not kept by the editor on the next save
/// (`assign_anchors`), so every anchor made must fit.
const MAX_ANCHOR_LEN: usize = 100;

/// The longest message an error may have: errors quote at most a short
/// part of what was typed.
const MAX_MESSAGE_CHARS: usize = 400;

// ---------------------------------------------------------------- import

/// The plain-text import: an article within the editor's limits that the
/// editor takes unchanged, or an error at a line of the text.
pub fn import(data: &[u8]) {
    let text = match import::decode(data, SOURCE) {
        Ok(text) => text,
        Err(e) => {
            assert_eq!(e.kind, ImportErrorKind::InvalidUtf8, "{e}");
            let lines = data.split(|b| *b == b'\n').count();
            assert!((1..=lines).contains(&e.line), "line {} of {lines}", e.line);
            return;
        }
    };
    match import::parse(text, SOURCE) {
        Ok(article) => imported_article(&article),
        Err(e) => import_error(text, &e),
    }
}

fn import_error(text: &str, e: &import::ImportError) {
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        (1..=lines.len()).contains(&e.line),
        "{e}: line {} of {}",
        e.line,
        lines.len()
    );
    let shown = e.to_string();
    let prefix = format!("{SOURCE}:{}: ", e.line);
    assert!(
        shown.starts_with(&prefix) && shown.len() > prefix.len(),
        "{shown}"
    );
    assert!(
        shown.chars().count() <= MAX_MESSAGE_CHARS,
        "a message of {} characters",
        shown.chars().count()
    );
    // The line named is the one at fault.
    let line = lines[e.line - 1];
    match &e.kind {
        ImportErrorKind::ControlCharacter { code } => {
            let found = line.chars().any(|c| u32::from(c) == *code);
            assert!(found, "U+{code:04X} is not on line {}: {line:?}", e.line);
        }
        ImportErrorKind::LineTooLong { chars } => {
            let line = line.strip_suffix('\r').unwrap_or(line);
            assert_eq!(line.chars().count(), *chars);
            assert!(*chars > import::MAX_LINE_CHARS);
        }
        ImportErrorKind::TitleTooLong { chars } => assert!(*chars > MAX_TITLE_CHARS),
        _ => {}
    }
}

/// Whether `text` has no character a field of this kind refuses.
fn clean(text: &str, lines: Lines) -> bool {
    text::forbidden_char(text, lines).is_none()
}

fn imported_article(a: &ImportedArticle) {
    let title_chars = a.title.chars().count();
    assert!(
        (1..=MAX_TITLE_CHARS).contains(&title_chars) && a.title.trim() == a.title,
        "title {:?}",
        a.title
    );
    assert!(clean(&a.title, Lines::One), "title {:?}", a.title);
    let standfirst_chars = a.standfirst.chars().count();
    assert!(
        (1..=import::MAX_STANDFIRST_CHARS).contains(&standfirst_chars),
        "standfirst {:?}",
        a.standfirst
    );
    assert!(clean(&a.standfirst, Lines::One), "{:?}", a.standfirst);
    assert!(clean(&a.intro, Lines::Many), "intro {:?}", a.intro);
    assert!(
        (1..=MAX_SECTIONS).contains(&a.sections.len()),
        "{} sections",
        a.sections.len()
    );
    for (heading, body) in &a.sections {
        let chars = heading.chars().count();
        assert!(
            (1..=import::MAX_HEADLINE_CHARS).contains(&chars) && clean(heading, Lines::One),
            "heading {heading:?}"
        );
        assert!(
            !body.trim().is_empty() && clean(body, Lines::Many),
            "body {body:?}"
        );
    }
    assert!(a.tags.len() <= MAX_TAGS, "{} hashtags", a.tags.len());
    let mut slugs = HashSet::new();
    for tag in &a.tags {
        assert!(tag.chars().count() <= MAX_TAG_CHARS, "#{tag}");
        let slug = tag_slug(tag).unwrap_or_else(|| panic!("#{tag} has no slug"));
        assert!(slugs.insert(slug), "#{tag} repeats an earlier hashtag");
    }
    // Paragraphs are plain text: Markdown shows them as written, in
    // paragraphs and nothing else (no emphasis, link, list or HTML).
    for body in std::iter::once(&a.intro).chain(a.sections.iter().map(|(_, b)| b)) {
        let html = crate::markdown::to_html(body);
        let inner = html.replace("<p>", "").replace("</p>", "");
        assert!(
            !inner.contains('<'),
            "{body:?} renders as more than paragraphs: {html:?}"
        );
    }
    // The editor takes the article back as it is shown there, unchanged.
    let form = EditorForm {
        title: a.title.clone(),
        standfirst: a.standfirst.clone(),
        intro: a.intro.clone(),
        hashtags: shown_hashtags(&a.tags),
        sections: SectionDraft::from_headings(&a.sections),
        ..EditorForm::default()
    };
    let checked = check_form(&form);
    assert!(
        checked.errors.is_empty(),
        "the editor refuses an imported article: {:?}",
        checked.errors
    );
    assert_eq!(checked.title, a.title);
    assert_eq!(checked.standfirst, a.standfirst);
    assert_eq!(checked.tags, a.tags);
    let sections: Vec<(&str, &str)> = checked
        .sections
        .iter()
        .map(|s| (s.heading.as_str(), s.body.as_str()))
        .collect();
    let imported: Vec<(&str, &str)> = a
        .sections
        .iter()
        .map(|(h, b)| (h.as_str(), b.as_str()))
        .collect();
    assert_eq!(sections, imported, "the editor changed the sections");
}

/// The hashtags field as the editor shows stored hashtags.
fn shown_hashtags(tags: &[String]) -> String {
    tags.iter()
        .map(|t| format!("#{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------- search query

/// The search query reducer, from `?q=` to the FTS5 and tsquery
/// expressions.
pub fn search_query(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let (text, cut) = SearchQuery::typed(&raw);
    let typed: Vec<char> = raw.chars().filter(|c| !c.is_control()).collect();
    assert_eq!(cut, typed.len() > SearchQuery::MAX_CHARS);
    assert!(text.chars().count() <= SearchQuery::MAX_CHARS);
    assert!(text.trim() == text && !text.chars().any(char::is_control));

    let query = SearchQuery::parse(&text);
    assert!(query.terms.len() <= SearchQuery::MAX_TERMS);
    assert_eq!(query.is_empty(), query.terms.is_empty());
    // Every word is a run of letters and digits of the text, lowercased:
    // nothing is invented, and nothing else gets through.
    let runs: HashSet<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for term in &query.terms {
        let words = match term {
            Term::Word(w) => vec![w],
            Term::Prefix(w) => {
                assert!(w.chars().count() >= 2, "prefix {w:?} of one character");
                vec![w]
            }
            Term::Phrase(ws) => {
                assert!(ws.len() >= 2, "a phrase of {} words", ws.len());
                ws.iter().collect()
            }
        };
        for w in words {
            assert!(runs.contains(w.as_str()), "{w:?} is not a word of {text:?}");
            assert!(inert(w), "{w:?} holds a character a parser may act on");
        }
    }
    // Plain words are searched as typed, lowercased, the first few only.
    if !text.contains(['"', '*']) {
        let mut expected: Vec<Term> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| Term::Word(w.to_lowercase()))
            .collect();
        expected.truncate(SearchQuery::MAX_TERMS);
        assert_eq!(query.terms, expected, "the words of {text:?}");
    }

    let fts5 = query.to_fts5();
    let tsquery = query.to_tsquery();
    assert_eq!(fts5_strings(&fts5), query.terms.len(), "{fts5}");
    assert_eq!(tsquery_terms(&tsquery), query.terms.len(), "{tsquery}");
    assert!(
        fts5.chars().count() <= 10 * SearchQuery::MAX_CHARS,
        "{fts5}"
    );
    assert!(
        tsquery.chars().count() <= 10 * SearchQuery::MAX_CHARS,
        "{tsquery}"
    );
    if query.is_empty() {
        return;
    }
    // SQLite accepts the expression; a text made of the query's own
    // words is found when its words are ones the tokenizer keeps whole.
    let ascii = query.terms.iter().all(|t| match t {
        Term::Word(w) | Term::Prefix(w) => w.bytes().all(|b| b.is_ascii_alphanumeric()),
        Term::Phrase(ws) => ws
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_alphanumeric())),
    });
    let document: Vec<&str> = query
        .terms
        .iter()
        .flat_map(|t| match t {
            Term::Word(w) | Term::Prefix(w) => vec![w.as_str()],
            Term::Phrase(ws) => ws.iter().map(String::as_str).collect(),
        })
        .collect();
    let found = fts5_match(&fts5, &document.join(" "))
        .unwrap_or_else(|e| panic!("SQLite refuses {fts5:?} (from {text:?}): {e}"));
    if ascii {
        assert!(found, "{fts5:?} does not find {:?}", document.join(" "));
    }
    // The scoring expressions parse too, and look in their column only
    // (the text above is stored as the body).
    for column in ["title", "body"] {
        let scoring = query.to_fts5_in_column(column);
        let found = fts5_match(&scoring, &document.join(" "))
            .unwrap_or_else(|e| panic!("SQLite refuses {scoring:?} (from {text:?}): {e}"));
        if ascii {
            assert_eq!(
                found,
                column == "body",
                "{scoring:?} on a body of {document:?}"
            );
        }
    }
}

/// No character of `word` is one that FTS5 or `to_tsquery` reads as
/// syntax: no ASCII but letters and digits, no space, no control.
fn inert(word: &str) -> bool {
    !word.is_empty()
        && word.chars().all(|c| {
            if c.is_ascii() {
                c.is_ascii_alphanumeric()
            } else {
                !c.is_whitespace() && !c.is_control()
            }
        })
}

/// How many strings an FTS5 expression of ours holds: `"…"` or `"…"*`,
/// one space apart, nothing inside a string being a quote.
fn fts5_strings(expr: &str) -> usize {
    let mut rest = expr;
    let mut strings = 0;
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('"')
            .unwrap_or_else(|| panic!("{expr}: no string at {rest:?}"));
        let end = inner
            .find('"')
            .unwrap_or_else(|| panic!("{expr}: unclosed"));
        // A phrase is one string of words with spaces between.
        let words = &inner[..end];
        assert!(
            words.split(' ').all(inert),
            "{expr}: {words:?} is not plain words"
        );
        rest = &inner[end + 1..];
        rest = rest.strip_prefix('*').unwrap_or(rest);
        strings += 1;
        if !rest.is_empty() {
            rest = rest
                .strip_prefix(' ')
                .unwrap_or_else(|| panic!("{expr}: no space before {rest:?}"));
        }
    }
    strings
}

/// How many terms a tsquery of ours holds: `'w'`, `'w':*` or
/// `('a' <-> 'b' …)`, joined by ` & `, no lexeme holding a quote or a
/// backslash.
fn tsquery_terms(expr: &str) -> usize {
    if expr.is_empty() {
        return 0;
    }
    let lexeme = |s: &str| {
        let word = s
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .unwrap_or_else(|| panic!("{expr}: {s:?} is not a quoted lexeme"));
        assert!(inert(word), "{expr}: {word:?} is not a plain word");
    };
    let terms: Vec<&str> = expr.split(" & ").collect();
    for term in &terms {
        if let Some(phrase) = term.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            phrase.split(" <-> ").for_each(lexeme);
        } else {
            lexeme(term.strip_suffix(":*").unwrap_or(term));
        }
    }
    terms.len()
}

/// The search table, made as the migration makes it.
const SEARCH_MIGRATION: &str =
    include_str!("../migrations/sqlite/2026-12-01-000008_search_prefixes/up.sql");

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

thread_local! {
    /// An in-memory database with the search table, one per thread.
    static FTS5: RefCell<Option<SqliteConnection>> = const { RefCell::new(None) };
}

/// Whether the FTS5 expression `expr` finds a row whose body is
/// `document`, in a table made like the site's; `Err` when SQLite refuses
/// the expression.
fn fts5_match(expr: &str, document: &str) -> Result<bool, String> {
    FTS5.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let mut conn =
                SqliteConnection::establish(":memory:").map_err(|e| format!("sqlite: {e}"))?;
            let start = SEARCH_MIGRATION
                .find("CREATE VIRTUAL TABLE")
                .ok_or("no CREATE in the migration")?;
            let len = SEARCH_MIGRATION[start..]
                .find(");")
                .ok_or("no end of CREATE in the migration")?;
            diesel::sql_query(&SEARCH_MIGRATION[start..start + len + 2])
                .execute(&mut conn)
                .map_err(|e| e.to_string())?;
            *cell = Some(conn);
        }
        let conn = cell.as_mut().ok_or("no connection")?;
        diesel::sql_query("DELETE FROM article_search")
            .execute(conn)
            .map_err(|e| e.to_string())?;
        diesel::sql_query(
            "INSERT INTO article_search (rowid, title, standfirst, body, tags) \
             VALUES (1, '', '', ?, '')",
        )
        .bind::<diesel::sql_types::Text, _>(document)
        .execute(conn)
        .map_err(|e| e.to_string())?;
        let found: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM article_search WHERE article_search MATCH ?",
        )
        .bind::<diesel::sql_types::Text, _>(expr)
        .get_result(conn)
        .map_err(|e| e.to_string())?;
        Ok(found.n > 0)
    })
}

// ------------------------------------------------------ slugs and anchors

/// Slugs of any text, hashtag slugs, and section anchors for headings
/// (one per line; `anchor|heading` gives a section an anchor to keep).
pub fn slugs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for piece in std::iter::once(text.as_ref()).chain(text.lines()) {
        let slug = slugify(piece);
        assert!(
            slug.is_empty() || Slug::parse(&slug).is_some(),
            "slugify({piece:?}) = {slug:?}"
        );
        assert_eq!(slugify(&slug), slug, "slugify is not stable on {slug:?}");
        if piece.bytes().any(|b| b.is_ascii_alphanumeric()) {
            assert!(!slug.is_empty(), "{piece:?} has letters but no slug");
        }
        if Slug::parse(piece).is_some() {
            assert_eq!(slug, piece, "a valid slug is its own slug");
        }
        match tag_slug(piece) {
            Some(tag) => {
                assert!(Slug::parse(&tag).is_some(), "tag_slug({piece:?}) = {tag:?}");
                assert_eq!(tag, slugify(piece.trim_start_matches('#')));
            }
            None => assert!(slugify(piece.trim_start_matches('#')).is_empty()),
        }
    }

    // Fresh anchors for every line as a heading.
    let headings: Vec<&str> = text.lines().collect();
    let anchors = anchors_for(&headings);
    assert_eq!(anchors.len(), headings.len());
    assert_anchors(&anchors);
    for (i, (anchor, heading)) in anchors.iter().zip(&headings).enumerate() {
        let slug = slugify(heading);
        let base = if slug.is_empty() {
            format!("section-{}", i + 1)
        } else {
            let short: String = slug.chars().take(80).collect();
            short.trim_end_matches('-').to_owned()
        };
        assert!(
            anchor == &base || anchor.starts_with(&format!("{base}-")),
            "{anchor:?} for {heading:?}"
        );
    }

    // The editor's anchors: kept when well formed and first, else fresh;
    // a second pass (the next save) changes nothing.
    let mut sections: Vec<SectionDraft> = text
        .lines()
        .map(|line| {
            let (anchor, heading) = line.split_once('|').unwrap_or(("", line));
            SectionDraft {
                anchor: anchor.to_owned(),
                heading: heading.to_owned(),
                ..SectionDraft::default()
            }
        })
        .collect();
    let before: Vec<String> = sections.iter().map(|s| s.anchor.clone()).collect();
    assign_anchors(&mut sections);
    let after: Vec<String> = sections.iter().map(|s| s.anchor.clone()).collect();
    assert_anchors(&after);
    let mut seen = HashSet::new();
    for (old, new) in before.iter().zip(&after) {
        let keepable = Slug::parse(old).is_some() && old.len() <= MAX_ANCHOR_LEN;
        if keepable && seen.insert(old.as_str()) {
            assert_eq!(old, new, "a well-formed anchor was replaced");
        }
    }
    assign_anchors(&mut sections);
    let again: Vec<String> = sections.iter().map(|s| s.anchor.clone()).collect();
    assert_eq!(again, after, "anchors change on the next save");
}

/// Anchors are valid slugs, short enough to be kept, and unique.
fn assert_anchors(anchors: &[String]) {
    let mut seen = HashSet::new();
    for anchor in anchors {
        assert!(
            Slug::parse(anchor).is_some() && anchor.len() <= MAX_ANCHOR_LEN,
            "anchor {anchor:?}"
        );
        assert!(seen.insert(anchor.as_str()), "anchor {anchor:?} twice");
    }
}

// ----------------------------------------------------------- editor form

/// The fields of the editor's form, as the page names them.
const SCALARS: [&str; 19] = [
    "csrf_token",
    "version",
    "action",
    "title",
    "slug",
    "kind",
    "category_id",
    "author_id",
    "standfirst",
    "intro",
    "hashtags",
    "hero_media_id",
    "hero_alt",
    "publish_at",
    "expires_at",
    "source_kind",
    "source_name",
    "note_kind",
    "note_text",
];
const SECTION_FIELDS: [&str; 3] = ["section_anchor", "section_heading", "section_body"];

/// The largest number of sections whose texts a form keeps.
const MAX_FORM_SECTIONS: usize = 4 * MAX_SECTIONS;

fn scalar<'a>(form: &'a EditorForm, name: &str) -> &'a str {
    match name {
        "csrf_token" => &form.csrf_token,
        "version" => &form.version,
        "action" => &form.action,
        "title" => &form.title,
        "slug" => &form.slug,
        "kind" => &form.kind,
        "category_id" => &form.category_id,
        "author_id" => &form.author_id,
        "standfirst" => &form.standfirst,
        "intro" => &form.intro,
        "hashtags" => &form.hashtags,
        "hero_media_id" => &form.hero_media_id,
        "hero_alt" => &form.hero_alt,
        "publish_at" => &form.publish_at,
        "expires_at" => &form.expires_at,
        "source_kind" => &form.source_kind,
        "source_name" => &form.source_name,
        "note_kind" => &form.note_kind,
        "note_text" => &form.note_text,
        _ => "",
    }
}

/// The editor's form: the urlencoded body read into fields, then checked
/// with its limits, then shown again and sent back.
pub fn editor_form(data: &[u8]) {
    let form = EditorForm::parse(data);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for name in SCALARS {
        let last = pairs.iter().rev().find(|(k, _)| k == name);
        let expected = last.map_or("", |(_, v)| v.as_str());
        assert_eq!(scalar(&form, name), expected, "field {name}");
    }
    let noindex = pairs.iter().rev().find(|(k, _)| k == "noindex");
    assert_eq!(form.noindex, noindex.is_some_and(|(_, v)| !v.is_empty()));
    let values = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let columns: Vec<Vec<&str>> = SECTION_FIELDS.iter().map(|f| values(f)).collect();
    let n = columns.iter().map(Vec::len).max().unwrap_or(0);
    if n > MAX_FORM_SECTIONS {
        assert_eq!(form.too_many_sections, Some(n));
        assert!(form.sections.is_empty(), "sections kept past the limit");
        return;
    }
    assert_eq!(form.too_many_sections, None);
    assert_eq!(form.sections.len(), n);
    for (i, s) in form.sections.iter().enumerate() {
        let at = |c: usize| columns[c].get(i).copied().unwrap_or("");
        assert_eq!(
            (s.anchor.as_str(), s.heading.as_str(), s.body.as_str()),
            (at(0), at(1), at(2)),
            "section {i}"
        );
    }

    let checked = check_form(&form);
    checked_form(&form, &checked);
    if !checked.errors.is_empty() {
        return;
    }
    // Shown again as the editor shows it, and sent back by a browser.
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.append_pair("title", &checked.title)
        .append_pair("kind", checked.kind.as_str())
        .append_pair("standfirst", &checked.standfirst)
        .append_pair("intro", &checked.intro)
        .append_pair("hashtags", &shown_hashtags(&checked.tags))
        .append_pair("hero_alt", &checked.hero_alt)
        .append_pair("source_kind", checked.source.as_str())
        .append_pair("source_name", &checked.source_name);
    if let Some(note) = &checked.note {
        body.append_pair("note_kind", note.kind.as_str())
            .append_pair("note_text", &note.body);
    }
    for s in &checked.sections {
        body.append_pair("section_anchor", &s.anchor)
            .append_pair("section_heading", &s.heading)
            .append_pair("section_body", &s.body);
    }
    let again = check_form(&EditorForm::parse(body.finish().as_bytes()));
    assert!(
        again.errors.is_empty(),
        "an accepted form is refused when sent back: {:?}",
        again.errors
    );
    assert_eq!(
        (
            &again.title,
            &again.standfirst,
            &again.intro,
            &again.hero_alt
        ),
        (
            &checked.title,
            &checked.standfirst,
            &checked.intro,
            &checked.hero_alt
        )
    );
    assert_eq!(again.kind, checked.kind);
    assert_eq!(again.tags, checked.tags);
    assert_eq!(
        (again.source, &again.source_name, &again.note),
        (checked.source, &checked.source_name, &checked.note)
    );
    assert_eq!(again.sections, checked.sections, "sections changed");
}

/// The limits of a checked form: every one holds when it is accepted,
/// and a refused form renders nothing.
fn checked_form(form: &EditorForm, checked: &Checked) {
    for (field, message) in checked.errors.iter() {
        assert!(!message.is_empty(), "{field}");
        assert!(
            message.chars().count() <= MAX_MESSAGE_CHARS,
            "a message of {} characters on {field}",
            message.chars().count(),
        );
    }
    let written = form
        .sections
        .iter()
        .filter(|s| !s.heading.trim().is_empty() || !s.body.trim().is_empty())
        .count();
    if written > MAX_SECTIONS {
        assert!(checked.errors.get("sections").is_some());
        assert!(
            checked.sections.is_empty(),
            "sections prepared past the limit"
        );
    }
    if !checked.errors.is_empty() {
        assert!(
            checked.sections.iter().all(|s| s.body_html.is_none()),
            "Markdown rendered for a refused form"
        );
        return;
    }
    let title_chars = checked.title.chars().count();
    assert!((1..=MAX_TITLE_CHARS).contains(&title_chars));
    assert!(clean(&checked.title, Lines::One) && checked.title.trim() == checked.title);
    assert!(checked.standfirst.chars().count() <= 400);
    assert!(clean(&checked.standfirst, Lines::Many));
    assert!(clean(&checked.intro, Lines::Many));
    assert!(checked.hero_alt.chars().count() <= 300 && clean(&checked.hero_alt, Lines::One));
    assert!(
        checked.source_name.chars().count() <= MAX_SOURCE_NAME_CHARS
            && clean(&checked.source_name, Lines::One)
            && (checked.source == SourceKind::Staff) == checked.source_name.is_empty(),
        "source {:?} {:?}",
        checked.source,
        checked.source_name
    );
    if let Some(note) = &checked.note {
        let chars = note.body.chars().count();
        assert!(
            (1..=MAX_NOTE_CHARS).contains(&chars)
                && clean(&note.body, Lines::One)
                && note.body.split_whitespace().collect::<Vec<_>>().join(" ") == note.body,
            "note {:?}",
            note.body
        );
    }
    assert!(
        checked.tags.len() <= MAX_TAGS,
        "{} hashtags",
        checked.tags.len()
    );
    let mut slugs = HashSet::new();
    for tag in &checked.tags {
        assert!(
            tag.chars().count() <= MAX_TAG_CHARS
                && !tag.starts_with('#')
                && !tag.contains(|c: char| c.is_whitespace() || c == ','),
            "hashtag {tag:?}"
        );
        let slug = tag_slug(tag).unwrap_or_else(|| panic!("#{tag} has no slug"));
        assert!(slugs.insert(slug), "#{tag} repeats an earlier hashtag");
    }
    assert_eq!(checked.sections.len(), written);
    assert!(checked.sections.len() <= MAX_SECTIONS);
    for s in &checked.sections {
        let chars = s.heading.chars().count();
        assert!(
            (1..=200).contains(&chars) && clean(&s.heading, Lines::One),
            "heading {:?}",
            s.heading
        );
        assert!(clean(&s.body, Lines::Many), "body {:?}", s.body);
        assert!(s.body_html.is_some(), "an accepted section is not rendered");
    }
    let anchors: Vec<String> = checked.sections.iter().map(|s| s.anchor.clone()).collect();
    assert_anchors(&anchors);
}

#[cfg(test)]
mod tests {
    //! The short run: each target over its seed corpus and a few thousand
    //! deterministic mutations of it, within a few seconds in all.

    use super::*;
    use std::path::PathBuf;

    /// Mutations per target.
    const MUTATIONS: usize = 2_500;

    fn corpus_dir(target: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
    }

    /// The seed inputs of a target, in file name order.
    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = corpus_dir(target);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a corpus entry").path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read(p).expect("a corpus file"))
            .collect()
    }

    /// The tokens of a libFuzzer dictionary (`fuzz/dict/<target>.dict`):
    /// one `"..."` per line, with `\\`, `\"` and `\xNN` escapes.
    fn dictionary(target: &str) -> Vec<Vec<u8>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/dict")
            .join(format!("{target}.dict"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut tokens = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            let Some(start) = line.find('"') else {
                continue;
            };
            if line.starts_with('#') || !line.ends_with('"') || line.len() < start + 2 {
                continue;
            }
            let inner = &line.as_bytes()[start + 1..line.len() - 1];
            let mut token = Vec::new();
            let mut i = 0;
            while i < inner.len() {
                match inner[i] {
                    b'\\' if inner.get(i + 1) == Some(&b'x') && i + 3 < inner.len() => {
                        let hex = std::str::from_utf8(&inner[i + 2..i + 4]).unwrap_or("00");
                        token.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                        i += 4;
                    }
                    b'\\' if i + 1 < inner.len() => {
                        token.push(inner[i + 1]);
                        i += 2;
                    }
                    b => {
                        token.push(b);
                        i += 1;
                    }
                }
            }
            tokens.push(token);
        }
        tokens
    }

    /// xorshift64*: a small deterministic generator.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Bytes that matter to these parsers, besides the dictionary's.
    const INTERESTING: &[&[u8]] = &[
        b"\n",
        b"\r\n",
        b" ",
        b"\t",
        b"#",
        b"\"",
        b"*",
        b"-",
        b"&",
        b"=",
        b"%",
        b"+",
        b"|",
        b".",
        b"\x00",
        b"\x1b",
        b"\xff",
        "İ".as_bytes(),
        "é".as_bytes(),
        "\u{2028}".as_bytes(),
        "\u{feff}".as_bytes(),
        "ǅ".as_bytes(),
        "ा".as_bytes(),
        "½".as_bytes(),
    ];

    /// One mutation of `input`: a few edits, drawing on the corpus and
    /// the dictionary.
    fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>], dict: &[Vec<u8>]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(out.len() + 1);
            match rng.below(8) {
                0 if !out.is_empty() => {
                    let i = rng.below(out.len());
                    out[i] ^= 1 << rng.below(8);
                }
                1 => out.insert(at, rng.next() as u8),
                2 if !out.is_empty() => {
                    let len = 1 + rng.below(16.min(out.len() - at.min(out.len() - 1)));
                    let from = at.min(out.len() - 1);
                    out.drain(from..(from + len).min(out.len()));
                }
                3 if !dict.is_empty() => {
                    let token = &dict[rng.below(dict.len())];
                    out.splice(at..at, token.iter().copied());
                }
                4 => {
                    let token = INTERESTING[rng.below(INTERESTING.len())];
                    out.splice(at..at, token.iter().copied());
                }
                5 if !out.is_empty() => {
                    // Repeat a slice a few times: repeats find limits.
                    let from = rng.below(out.len());
                    let to = (from + 1 + rng.below(32)).min(out.len());
                    let piece = out[from..to].to_vec();
                    for _ in 0..1 + rng.below(8) {
                        out.splice(at..at, piece.iter().copied());
                    }
                }
                6 if !seeds.is_empty() => {
                    let other = &seeds[rng.below(seeds.len())];
                    let from = rng.below(other.len() + 1);
                    out.splice(at..at, other[from..].iter().copied());
                }
                _ => out.truncate(at),
            }
        }
        out.truncate(16 * 1024);
        out
    }

    /// The inputs of a target's short run: its seeds, then mutations.
    fn inputs(name: &str) -> Vec<Vec<u8>> {
        let seeds = corpus(name);
        assert!(!seeds.is_empty(), "{name} has a seed corpus");
        let dict = dictionary(name);
        // One generator per target, so each target's run is the same
        // whatever else runs.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        let mut all = seeds.clone();
        for _ in 0..MUTATIONS {
            let base = &seeds[rng.below(seeds.len())];
            all.push(mutate(&mut rng, base, &seeds, &dict));
        }
        all
    }

    fn run(name: &str) {
        let (_, check) = TARGETS.iter().find(|(n, _)| *n == name).expect("a target");
        for input in inputs(name) {
            let outcome = std::panic::catch_unwind(|| check(&input));
            if outcome.is_err() {
                panic!(
                    "{name}: a property failed on {:?}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
    }

    /// PostgreSQL parses every `to_tsquery` expression of the search
    /// query's short run (with `TEST_DATABASE_URL`; the fuzz target only
    /// checks their shape).
    #[test]
    fn postgres_takes_the_tsquery_of_every_query_of_the_short_run() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        let mut conn = diesel::PgConnection::establish(&url).expect("TEST_DATABASE_URL answers");
        let mut checked = 0;
        for input in inputs("search_query") {
            let (text, _) = SearchQuery::typed(&String::from_utf8_lossy(&input));
            let tsquery = SearchQuery::parse(&text).to_tsquery();
            if tsquery.is_empty() {
                continue;
            }
            diesel::sql_query("SELECT numnode(to_tsquery('english', $1))::bigint AS n")
                .bind::<diesel::sql_types::Text, _>(&tsquery)
                .get_result::<Count>(&mut conn)
                .unwrap_or_else(|e| panic!("PostgreSQL refuses {tsquery:?} (from {text:?}): {e}"));
            checked += 1;
        }
        assert!(checked > 1_000, "{checked} queries checked");
    }

    #[test]
    fn the_import_keeps_its_properties() {
        run("import");
    }

    #[test]
    fn the_search_query_reducer_keeps_its_properties() {
        run("search_query");
    }

    #[test]
    fn slugs_and_anchors_keep_their_properties() {
        run("slugs");
    }

    #[test]
    fn the_editor_form_keeps_its_properties() {
        run("editor_form");
    }

    #[test]
    fn the_checks_catch_what_they_are_for() {
        // A check that cannot fail checks nothing: each catches a broken
        // value of its kind.
        assert!(!inert("a\"b") && !inert("a'b") && !inert("a b") && inert("café"));
        assert!(std::panic::catch_unwind(|| fts5_strings("\"a\" \"b")).is_err());
        assert!(std::panic::catch_unwind(|| tsquery_terms("'a' & 'b''c'")).is_err());
        assert!(std::panic::catch_unwind(|| assert_anchors(&["a".into(), "a".into()])).is_err());
        assert_eq!(fts5_strings("\"a b\" \"c\"*"), 2);
        assert_eq!(tsquery_terms("('a' <-> 'b') & 'c':*"), 2);
        assert_eq!(fts5_match("\"tea\"", "green tea"), Ok(true));
        assert_eq!(fts5_match("\"coffee\"", "green tea"), Ok(false));
        assert!(
            fts5_match("\"tea", "green tea").is_err(),
            "an unclosed string"
        );
    }
}
