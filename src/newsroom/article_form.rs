//! The editor's form: what `/admin/articles/new` and `/admin/articles/{id}`
//! post, read into its fields ([`EditorForm`]), checked without the
//! database ([`check_form`]), completed with what needs it into a
//! [`Draft`], and then previewed or saved with a step of the workflow
//! ([`submit`], through `newsroom::articles::write`). Every message is
//! given by the field it belongs to, so the page can show it there.

use std::collections::HashSet;

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::articles::{self, Written};
use crate::db::articles::Story;
use crate::db::editor::{self, Draft, SectionDraft, Stored};
use crate::db::media as db_media;
use crate::db::models::{Article, Author, Category, Media, Note, Section, Tag};
use crate::db::notes as db_notes;
use crate::db::schema::users;
use crate::db::{audit, DbConn};
use crate::domain::actor::Actor;
use crate::domain::clock::now;
use crate::domain::limits::{
    MAX_NOTE_CHARS, MAX_SECTIONS, MAX_SOURCE_NAME_CHARS, MAX_TAGS, MAX_TAG_CHARS, MAX_TITLE_CHARS,
};
use crate::domain::text::{self, Lines};
use crate::domain::workflow::Step;
use crate::domain::{
    slugify, tag_slug, Anchors, ArticleKind, ArticleStatus, NoteInput, NoteKind, Slug, SourceKind,
};
use crate::error::{AppError, FieldErrors};
use crate::markdown;

/// More sections than this in one form did not come from the editor,
/// which offers [`MAX_SECTIONS`]; it is refused without showing it again.
/// Up to here a form over the limit comes back with its sections, so that
/// an article stored with too many can be shortened.
pub const MAX_FORM_SECTIONS: usize = 4 * MAX_SECTIONS;

/// The form as typed: every value kept as text so it can be shown again.
#[derive(Debug, Clone, Default)]
pub struct EditorForm {
    pub csrf_token: String,
    pub version: String,
    pub action: String,
    pub title: String,
    pub slug: String,
    pub kind: String,
    pub category_id: String,
    pub author_id: String,
    pub standfirst: String,
    pub intro: String,
    pub hashtags: String,
    pub hero_media_id: String,
    pub hero_alt: String,
    pub publish_at: String,
    /// When the article leaves the site, in the site's time zone; empty
    /// for never.
    pub expires_at: String,
    /// `staff`, `wire` or `partner`.
    pub source_kind: String,
    pub source_name: String,
    /// `correction`, `update`, or empty for no note.
    pub note_kind: String,
    pub note_text: String,
    pub noindex: bool,
    pub sections: Vec<SectionDraft>,
    /// How many sections the form sent, when that is more than
    /// [`MAX_FORM_SECTIONS`]; `sections` is then left empty.
    pub too_many_sections: Option<usize>,
}

impl EditorForm {
    /// Reads an `application/x-www-form-urlencoded` body. Section fields
    /// repeat, one of each per section, in the order of the page.
    pub fn parse(body: &[u8]) -> EditorForm {
        let mut form = EditorForm::default();
        let (mut anchors, mut headings, mut bodies) = (Vec::new(), Vec::new(), Vec::new());
        // Past the limit only the count is kept growing, not the texts.
        let keep = |list: &mut Vec<String>, value: String| {
            let value = if list.len() < MAX_FORM_SECTIONS {
                value
            } else {
                String::new()
            };
            list.push(value);
        };
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "csrf_token" => form.csrf_token = value,
                "version" => form.version = value,
                "action" => form.action = value,
                "title" => form.title = value,
                "slug" => form.slug = value,
                "kind" => form.kind = value,
                "category_id" => form.category_id = value,
                "author_id" => form.author_id = value,
                "standfirst" => form.standfirst = value,
                "intro" => form.intro = value,
                "hashtags" => form.hashtags = value,
                "hero_media_id" => form.hero_media_id = value,
                "hero_alt" => form.hero_alt = value,
                "publish_at" => form.publish_at = value,
                "expires_at" => form.expires_at = value,
                "source_kind" => form.source_kind = value,
                "source_name" => form.source_name = value,
                "note_kind" => form.note_kind = value,
                "note_text" => form.note_text = value,
                "noindex" => form.noindex = !value.is_empty(),
                "section_anchor" => keep(&mut anchors, value),
                "section_heading" => keep(&mut headings, value),
                "section_body" => keep(&mut bodies, value),
                _ => {}
            }
        }
        let n = anchors.len().max(headings.len()).max(bodies.len());
        if n > MAX_FORM_SECTIONS {
            form.too_many_sections = Some(n);
            return form;
        }
        let take = |v: &mut Vec<String>, i: usize| v.get_mut(i).map(std::mem::take);
        for i in 0..n {
            form.sections.push(SectionDraft {
                anchor: take(&mut anchors, i).unwrap_or_default(),
                heading: take(&mut headings, i).unwrap_or_default(),
                body: take(&mut bodies, i).unwrap_or_default(),
                body_html: None,
            });
        }
        form
    }

    /// The form showing a stored draft.
    pub fn from_draft(draft: &Draft, published_at: Option<NaiveDateTime>, zone: Tz) -> EditorForm {
        EditorForm {
            title: draft.title.clone(),
            slug: draft.slug.clone(),
            kind: draft.kind.as_str().to_owned(),
            category_id: draft.category_id.map(|c| c.to_string()).unwrap_or_default(),
            author_id: draft.author_id.to_string(),
            standfirst: draft.standfirst.clone(),
            intro: draft.intro.clone(),
            hashtags: draft
                .tags
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" "),
            hero_media_id: draft
                .hero_media_id
                .map(|m| m.to_string())
                .unwrap_or_default(),
            hero_alt: draft.hero_alt.clone(),
            publish_at: published_at
                .map(|p| local_input(p, zone))
                .unwrap_or_default(),
            expires_at: draft
                .expires_at
                .map(|e| local_input(e, zone))
                .unwrap_or_default(),
            source_kind: draft.source.as_str().to_owned(),
            source_name: draft.source_name.clone(),
            noindex: draft.noindex,
            sections: draft.sections.clone(),
            ..EditorForm::default()
        }
    }
}

/// A UTC time as a `datetime-local` value in the site's time zone.
pub fn local_input(utc: NaiveDateTime, zone: Tz) -> String {
    zone.from_utc_datetime(&utc)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value in the site's time zone, as UTC. `None` when it
/// is not a time, or names a local time that does not exist (a DST gap).
pub fn parse_local(raw: &str, zone: Tz) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
}

/// What the buttons of the form ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AddSection,
    RemoveSection(usize),
    MoveUp(usize),
    MoveDown(usize),
    Preview,
    Save,
    Submit,
    Publish,
    Schedule,
    Unpublish,
    Archive,
}

impl Action {
    pub fn parse(raw: &str) -> Option<Action> {
        let index = |s: &str| s.parse::<usize>().ok();
        Some(match raw.split_once(':') {
            Some(("remove_section", n)) => Action::RemoveSection(index(n)?),
            Some(("move_up", n)) => Action::MoveUp(index(n)?),
            Some(("move_down", n)) => Action::MoveDown(index(n)?),
            Some(_) => return None,
            None => match raw {
                "add_section" => Action::AddSection,
                "preview" => Action::Preview,
                // Enter in a text field submits without a button: a save.
                "save" | "" => Action::Save,
                "submit" => Action::Submit,
                "publish" => Action::Publish,
                "schedule" => Action::Schedule,
                "unpublish" => Action::Unpublish,
                "archive" => Action::Archive,
                _ => return None,
            },
        })
    }

    /// Whether the action changes the sections on the page only.
    pub fn rearranges(self) -> bool {
        matches!(
            self,
            Action::AddSection | Action::RemoveSection(_) | Action::MoveUp(_) | Action::MoveDown(_)
        )
    }

    /// The sections after this action (for the rearranging ones).
    pub fn rearrange(self, sections: &mut Vec<SectionDraft>) {
        match self {
            Action::AddSection if sections.len() < MAX_SECTIONS => {
                sections.push(SectionDraft::default())
            }
            Action::RemoveSection(i) if i < sections.len() => {
                sections.remove(i);
            }
            Action::MoveUp(i) if i > 0 && i < sections.len() => sections.swap(i - 1, i),
            Action::MoveDown(i) if i + 1 < sections.len() => sections.swap(i, i + 1),
            _ => {}
        }
    }

    /// Whether the button asks for a step that needs the right to
    /// publish ([`Step::needs_publish_right`]), whatever time a schedule
    /// names.
    fn publishes(self) -> bool {
        let step = match self {
            Action::Publish => Step::Publish,
            Action::Schedule => Step::Schedule(NaiveDateTime::MIN),
            Action::Unpublish => Step::Unpublish,
            Action::Archive => Step::Archive,
            _ => return false,
        };
        step.needs_publish_right()
    }

    /// What the audit log calls a save with this action.
    fn audit_action(self) -> &'static str {
        match self {
            Action::Submit => audit::ARTICLE_SUBMIT,
            Action::Publish => audit::ARTICLE_PUBLISH,
            Action::Schedule => audit::ARTICLE_SCHEDULE,
            Action::Unpublish => audit::ARTICLE_UNPUBLISH,
            Action::Archive => audit::ARTICLE_ARCHIVE,
            _ => audit::ARTICLE_UPDATE,
        }
    }

    /// The `saved=` notice key after this action.
    fn notice_key(self) -> &'static str {
        match self {
            Action::Submit => "review",
            Action::Publish => "published",
            Action::Schedule => "scheduled",
            Action::Unpublish => "unpublished",
            Action::Archive => "archived",
            _ => "saved",
        }
    }
}

/// The form as far as it can be checked without the database: every
/// field trimmed, every count and size limit, control characters, the
/// hashtags and the sections with their anchors. It runs on the blocking
/// pool before a connection is taken, so a long form never holds one.
#[derive(Debug)]
pub struct Checked {
    pub title: String,
    pub kind: ArticleKind,
    pub standfirst: String,
    pub intro: String,
    pub hero_alt: String,
    pub tags: Vec<String>,
    /// Empty when the form has more sections than an article may have:
    /// nothing is done per section then.
    pub sections: Vec<SectionDraft>,
    pub source: SourceKind,
    /// Empty for our own staff.
    pub source_name: String,
    /// The correction or update to attach, if one was written.
    pub note: Option<NoteInput>,
    pub errors: FieldErrors,
}

/// At most this many characters of a typed value are quoted in a message.
const QUOTED: usize = 60;

fn quote(typed: &str) -> String {
    let mut short: String = typed.chars().take(QUOTED).collect();
    if short.len() < typed.len() {
        short.push('…');
    }
    short
}

/// The hashtags of the field, repeats (by slug) dropped, in one pass that
/// stops at the first one past [`MAX_TAGS`].
fn hashtags(raw: &str) -> Result<Vec<String>, String> {
    text::check(raw, Lines::Many, "hashtags field")?;
    let mut tags: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for word in raw.split(|c: char| c.is_whitespace() || c == ',') {
        let name = word.trim().trim_start_matches('#');
        if name.is_empty() {
            continue;
        }
        let slug = match tag_slug(name) {
            Some(slug) if name.chars().count() <= MAX_TAG_CHARS => slug,
            _ => return Err(format!("#{} is not a usable hashtag.", quote(name))),
        };
        if seen.insert(slug) {
            if tags.len() == MAX_TAGS {
                return Err(format!("Use at most {MAX_TAGS} hashtags."));
            }
            tags.push(name.to_owned());
        }
    }
    Ok(tags)
}

/// Checks what needs no database: see [`Checked`]. The Markdown of the
/// sections is rendered only when no field is wrong.
pub fn check_form(form: &EditorForm) -> Checked {
    let mut errors = FieldErrors::default();
    let mut fail = |field: &'static str, message: String| errors.add(field, message);
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        fail("title", "Give the article a title.".into());
    } else if title.chars().count() > MAX_TITLE_CHARS {
        fail(
            "title",
            format!("Keep the title under {MAX_TITLE_CHARS} characters."),
        );
    } else if let Err(m) = text::check(&title, Lines::One, "title") {
        fail("title", m);
    }
    let kind = match form.kind.as_str() {
        "" => ArticleKind::News,
        typed => ArticleKind::parse(typed).unwrap_or_else(|| {
            fail("kind", "Choose news or blog post.".into());
            ArticleKind::News
        }),
    };
    let standfirst = form.standfirst.trim().to_owned();
    if standfirst.chars().count() > 400 {
        fail(
            "standfirst",
            "Keep the standfirst to one or two sentences (400 characters at most).".into(),
        );
    } else if let Err(m) = text::check(&standfirst, Lines::Many, "standfirst") {
        fail("standfirst", m);
    }
    let intro = form.intro.trim_end().to_owned();
    if let Err(m) = text::check(&intro, Lines::Many, "introduction") {
        fail("intro", m);
    }
    let tags = hashtags(&form.hashtags).unwrap_or_else(|m| {
        fail("hashtags", m);
        Vec::new()
    });
    let hero_alt = form.hero_alt.trim().to_owned();
    if hero_alt.chars().count() > 300 {
        fail("hero_alt", "Keep the alt text under 300 characters.".into());
    } else if let Err(m) = text::check(&hero_alt, Lines::One, "alt text") {
        fail("hero_alt", m);
    }
    let (source, source_name) = source_of(form).unwrap_or_else(|(field, m)| {
        fail(field, m);
        (SourceKind::Staff, String::new())
    });
    let note = note_of(form).unwrap_or_else(|(field, m)| {
        fail(field, m);
        None
    });
    // Counted before anything is done per section.
    let written = |s: &&SectionDraft| !s.heading.trim().is_empty() || !s.body.trim().is_empty();
    let count = form.sections.iter().filter(written).count();
    let mut sections: Vec<SectionDraft> = Vec::new();
    if count > MAX_SECTIONS {
        fail(
            "sections",
            format!("Use at most {MAX_SECTIONS} sections (this form has {count})."),
        );
    } else {
        sections = form
            .sections
            .iter()
            .filter(written)
            .map(|s| SectionDraft {
                anchor: s.anchor.trim().to_owned(),
                heading: s.heading.trim().to_owned(),
                body: s.body.trim_end().to_owned(),
                body_html: None,
            })
            .collect();
        if sections.iter().any(|s| s.heading.is_empty()) {
            fail(
                "sections",
                "Every section with text needs a heading.".into(),
            );
        } else if sections.iter().any(|s| s.heading.chars().count() > 200) {
            fail(
                "sections",
                "Keep section headings under 200 characters.".into(),
            );
        } else if let Some(m) = sections.iter().enumerate().find_map(|(i, s)| {
            let n = i + 1;
            text::check(&s.heading, Lines::One, &format!("heading of section {n}"))
                .and_then(|()| text::check(&s.body, Lines::Many, &format!("text of section {n}")))
                .err()
        }) {
            fail("sections", m);
        }
        assign_anchors(&mut sections);
    }
    // Rendering the Markdown is the costliest part of a save: done here,
    // so that the save's transaction only writes.
    if errors.is_empty() {
        for s in &mut sections {
            s.body_html = Some(markdown::to_html(&s.body));
        }
    }
    Checked {
        title,
        kind,
        standfirst,
        intro,
        hero_alt,
        tags,
        sections,
        source,
        source_name,
        note,
        errors,
    }
}

/// A refusal of one field: the field and its message.
type Refusal = (&'static str, String);

/// The source the form credits: our own staff (the name is dropped), or a
/// wire service or partner by name.
fn source_of(form: &EditorForm) -> Result<(SourceKind, String), Refusal> {
    let kind = match form.source_kind.trim() {
        "" => SourceKind::Staff,
        typed => SourceKind::parse(typed).ok_or_else(|| {
            (
                "source_kind",
                "Choose where the article comes from: our own staff, a wire service or a partner."
                    .to_owned(),
            )
        })?,
    };
    if kind == SourceKind::Staff {
        return Ok((kind, String::new()));
    }
    let name = form
        .source_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        return Err((
            "source_name",
            format!(
                "Name the {} the article comes from.",
                match kind {
                    SourceKind::Wire => "wire service",
                    _ => "partner",
                }
            ),
        ));
    }
    if name.chars().count() > MAX_SOURCE_NAME_CHARS {
        return Err((
            "source_name",
            format!("Keep the source's name under {MAX_SOURCE_NAME_CHARS} characters."),
        ));
    }
    text::check(&name, Lines::One, "source's name").map_err(|m| ("source_name", m))?;
    Ok((kind, name))
}

/// The correction or update the form attaches, if any: a kind and a
/// text of at most [`MAX_NOTE_CHARS`] characters, its lines and spaces
/// run together into one paragraph.
fn note_of(form: &EditorForm) -> Result<Option<NoteInput>, Refusal> {
    let kind = form.note_kind.trim();
    let typed = form.note_text.trim();
    if kind.is_empty() && typed.is_empty() {
        return Ok(None);
    }
    let kind = match kind {
        "" => {
            return Err((
                "note_kind",
                "Say whether the note is a correction or an update.".to_owned(),
            ))
        }
        k => NoteKind::parse(k).ok_or_else(|| {
            (
                "note_kind",
                "Choose a correction or an update for the note.".to_owned(),
            )
        })?,
    };
    if typed.is_empty() {
        return Err((
            "note_text",
            format!("Write what the {} says readers should know.", kind.as_str()),
        ));
    }
    // Counted as typed, before any work on it.
    if typed.chars().count() > MAX_NOTE_CHARS * 2 {
        return Err((
            "note_text",
            format!("Keep the note under {MAX_NOTE_CHARS} characters."),
        ));
    }
    let body = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err((
            "note_text",
            format!("Keep the note under {MAX_NOTE_CHARS} characters."),
        ));
    }
    text::check(&body, Lines::One, "note").map_err(|m| ("note_text", m))?;
    Ok(Some(NoteInput { kind, body }))
}

/// What a form is checked and saved against: the article as stored
/// (`None` for a new one), the categories and the staff the form offered
/// (no staff for those who may not credit another writer), and the site's
/// time zone, in which the publish time is typed.
pub struct Against<'a> {
    pub stored: Option<&'a Stored>,
    pub categories: &'a [Category],
    pub authors: &'a [(i32, String)],
    pub zone: Tz,
}

/// The expiry the form sets, in UTC; none when left empty. A new or
/// changed expiry must be in the future; one left as it is stored is kept
/// exactly (so an article that has expired can still be saved).
fn expiry_of(
    form: &EditorForm,
    stored: Option<&Stored>,
    zone: Tz,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, String> {
    let raw = form.expires_at.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let Some(when) = parse_local(raw, zone) else {
        return Err(format!(
            "Give the expiry as a date and time in the site's time zone ({zone}), or leave it empty."
        ));
    };
    let shown = local_input(when, zone);
    if let Some(kept) = stored
        .and_then(|s| s.draft.expires_at)
        .filter(|e| local_input(*e, zone) == shown)
    {
        return Ok(Some(kept));
    }
    if when <= at {
        return Err("Choose an expiry time in the future, or leave it empty.".to_owned());
    }
    Ok(Some(when))
}

/// A draft completed by [`validate`], the note it carries, and the
/// messages of its wrong fields.
type Validated = (Draft, Option<NoteInput>, FieldErrors);

/// Completes a checked form with what needs the database (the slug, the
/// category, the author and the hero image) and the site's time zone (the
/// expiry) into a draft, with an error per bad field.
fn validate(
    conn: &mut DbConn,
    actor: &Actor,
    against: &Against,
    form: &EditorForm,
    checked: Checked,
) -> QueryResult<Validated> {
    let stored = against.stored;
    let article_id = stored.map(|s| s.article.id);
    let stored_slug = stored.map(|s| s.article.slug.as_str());
    // The author the article has (or will have).
    let author_id = stored.map_or(actor.user_id, |s| s.article.author_id);
    let Checked {
        title,
        kind,
        standfirst,
        intro,
        hero_alt,
        tags,
        sections,
        source,
        source_name,
        note,
        mut errors,
    } = checked;
    let mut fail = |field: &'static str, message: &str| errors.add(field, message);
    let expires_at = expiry_of(form, stored, against.zone, now()).unwrap_or_else(|m| {
        fail("expires_at", &m);
        None
    });
    // A blank slug keeps the stored one, or is made from the title (and
    // numbered if another article has it).
    let slug = match (form.slug.trim(), stored_slug) {
        ("", Some(kept)) => kept.to_owned(),
        ("", None) => {
            let base: String = slugify(&title).chars().take(100).collect();
            let base = base.trim_end_matches('-').to_owned();
            let mut slug = base.clone();
            let mut n = 2;
            while !base.is_empty() && editor::slug_taken(conn, &slug, article_id)? {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        }
        (typed, _) => typed.to_owned(),
    };
    if Slug::parse(&slug).is_none() {
        if !title.is_empty() {
            fail(
                "slug",
                "Use lower-case letters, digits and single hyphens, e.g. winter-sea-swimming.",
            );
        }
    } else if slug.len() > 120 {
        fail("slug", "Keep the slug under 120 characters.");
    } else if editor::slug_taken(conn, &slug, article_id)? {
        fail(
            "slug",
            "Another article has this slug, or had it and its old address still leads \
             there; choose another.",
        );
    }
    let category_id = match kind {
        ArticleKind::Blog => None,
        ArticleKind::News => {
            let wanted = form.category_id.trim().parse::<i32>().ok();
            match wanted.filter(|id| against.categories.iter().any(|c| c.id == *id)) {
                Some(id) => Some(id),
                None => {
                    fail(
                        "category_id",
                        "Choose the category this article belongs to.",
                    );
                    None
                }
            }
        }
    };
    let author_id = if actor.can_assign_author() && !form.author_id.trim().is_empty() {
        match form.author_id.trim().parse::<i32>() {
            Ok(id) if against.authors.iter().any(|(a, _)| *a == id) || id == author_id => id,
            _ => {
                fail("author_id", "Choose one of the staff as the author.");
                author_id
            }
        }
    } else {
        author_id
    };
    let hero_media_id = match form.hero_media_id.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(id) if db_media::find(conn, id)?.is_some() => Some(id),
            _ => {
                fail("hero_media_id", "Choose an image from the media library.");
                None
            }
        },
    };
    if hero_media_id.is_some() && hero_alt.is_empty() {
        fail(
            "hero_alt",
            "Describe the image for readers who cannot see it (alt text is required).",
        );
    }
    let draft = Draft {
        kind,
        category_id,
        slug,
        title,
        standfirst,
        intro,
        author_id,
        hero_media_id,
        hero_alt,
        noindex: form.noindex,
        tags,
        sections,
        expires_at,
        source,
        source_name,
    };
    Ok((draft, note, errors))
}

/// Keeps each section's anchor when it is well formed and unique, and
/// gives the others one made from their heading. Linear in the number of
/// sections (see [`Anchors`]).
pub fn assign_anchors(sections: &mut [SectionDraft]) {
    let mut anchors = Anchors::with_capacity(sections.len());
    let mut pending = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let well_formed = Slug::parse(&s.anchor).is_some() && s.anchor.len() <= 100;
        if !(well_formed && anchors.keep(&s.anchor)) {
            pending.push(i);
        }
    }
    for i in pending {
        sections[i].anchor = anchors.fresh(&sections[i].heading, i);
    }
}

/// The checks of the workflow step on top of the fields.
fn step_for(
    action: Action,
    form: &EditorForm,
    draft: &Draft,
    zone: Tz,
    at: NaiveDateTime,
    errors: &mut FieldErrors,
) -> Step {
    let going_out = matches!(action, Action::Publish | Action::Schedule);
    if going_out && draft.standfirst.is_empty() {
        errors.add("standfirst", "Write a standfirst before publishing: it is the summary readers and search engines see.");
    }
    if going_out && draft.sections.is_empty() && draft.intro.trim().is_empty() {
        errors.add("sections", "Write at least one section before publishing.");
    }
    match action {
        Action::Submit => Step::Submit,
        Action::Publish => Step::Publish,
        Action::Unpublish => Step::Unpublish,
        Action::Archive => Step::Archive,
        Action::Schedule => match parse_local(&form.publish_at, zone) {
            Some(when) if when > at => Step::Schedule(when),
            Some(_) => {
                errors.add(
                    "publish_at",
                    "Choose a publish time in the future, or use Publish now.",
                );
                Step::Keep
            }
            None => {
                errors.add(
                    "publish_at",
                    format!(
                        "Give the publish time as a date and time in the site's time zone ({zone})."
                    ),
                );
                Step::Keep
            }
        },
        _ => Step::Keep,
    }
}

/// The checks that need the workflow step: an expiry after the publish
/// time the step leaves, and a note only on an article readers can see,
/// with a button that keeps it there (Save, or Update and keep published).
fn check_expiry_and_note(
    stored: Option<&Stored>,
    draft: &Draft,
    note: Option<&NoteInput>,
    action: Action,
    step: Step,
    at: NaiveDateTime,
    errors: &mut FieldErrors,
) {
    let (status, published_at) = stored.map_or((ArticleStatus::Draft, None), |s| {
        (s.article.status, s.article.published_at)
    });
    let (_, published_after) = step.apply(status, published_at, at);
    if let (Some(expires), Some(published)) = (draft.expires_at, published_after) {
        if expires <= published {
            errors.add(
                "expires_at",
                "The article would expire before it is published: choose an expiry after the \
                 publish time, or leave it empty.",
            );
        }
    }
    if note.is_none() {
        return;
    }
    let on_site = stored.is_some_and(|s| {
        s.article
            .status
            .is_visible(s.article.published_at, s.article.expires_at, at)
    });
    if !on_site {
        errors.add(
            "note_text",
            "A correction or update is for an article readers can see, and this one is not \
             on the site: save it without the note.",
        );
    } else if !matches!(action, Action::Save | Action::Publish) {
        errors.add(
            "note_text",
            "Attach a correction or update with Save or Update and keep published: this \
             button takes the article off the site or moves its publish time.",
        );
    }
}

/// An article not saved, as its public page would show it: what the
/// editor's Preview button shows.
#[derive(Debug)]
pub struct ArticlePreview {
    pub card: Story,
    pub hero: Option<Media>,
    /// Empty until [`ArticlePreview::render_markdown`].
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    /// Its corrections and updates, newest first, the one being written
    /// first.
    pub notes: Vec<Note>,
}

impl ArticlePreview {
    /// Renders and sanitizes its Markdown as a save would (the sections
    /// [`check_form`] has not rendered). CPU work: call it off the
    /// connection.
    pub fn render_markdown(&mut self) {
        self.intro_html = markdown::to_html(&self.card.article.intro);
        for s in &mut self.sections {
            if s.body_html.is_empty() {
                s.body_html = markdown::to_html(&s.body);
            }
        }
    }
}

/// What the preview of `draft` shows, read from the database; its
/// Markdown is rendered by [`ArticlePreview::render_markdown`], off the
/// connection.
fn preview(
    conn: &mut DbConn,
    draft: &Draft,
    note: Option<&NoteInput>,
    against: &Against,
) -> QueryResult<ArticlePreview> {
    let stored = against.stored;
    let author = users::table
        .find(draft.author_id)
        .select(Author::as_select())
        .first::<Author>(conn)
        .optional()?
        .unwrap_or(Author {
            id: draft.author_id,
            slug: String::new(),
            name: String::new(),
            bio: String::new(),
        });
    let at = now();
    let article = Article {
        id: stored.map_or(0, |s| s.article.id),
        kind: draft.kind,
        category_id: draft.category_id,
        slug: draft.slug.clone(),
        title: draft.title.clone(),
        standfirst: draft.standfirst.clone(),
        intro: draft.intro.clone(),
        author_id: draft.author_id,
        hero_media_id: draft.hero_media_id,
        hero_alt: draft.hero_alt.clone(),
        status: stored.map_or(ArticleStatus::Draft, |s| s.article.status),
        published_at: stored.and_then(|s| s.article.published_at),
        created_at: stored.map_or(at, |s| s.article.created_at),
        updated_at: at,
        reading_minutes: editor::minutes(draft),
        noindex: draft.noindex,
        version: stored.map_or(1, |s| s.article.version),
        expires_at: draft.expires_at,
        source: draft.source,
        source_name: draft.source_name.clone(),
    };
    let mut notes = match stored {
        Some(s) => db_notes::of_article(conn, s.article.id)?,
        None => Vec::new(),
    };
    if let Some(n) = note {
        notes.insert(
            0,
            Note {
                id: 0,
                article_id: article.id,
                kind: n.kind,
                body: n.body.clone(),
                created_at: at,
                user_id: None,
            },
        );
    }
    let category = draft
        .category_id
        .and_then(|id| against.categories.iter().find(|c| c.id == id).cloned());
    let hero = match draft.hero_media_id {
        Some(id) => db_media::find(conn, id)?,
        None => None,
    };
    let sections = draft
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| Section {
            id: i as i32,
            article_id: article.id,
            position: i as i32,
            anchor: s.anchor.clone(),
            heading: s.heading.clone(),
            body: s.body.clone(),
            // Rendered by `render_markdown` unless `check_form` did.
            body_html: s.body_html.clone().unwrap_or_default(),
        })
        .collect();
    let tags = draft
        .tags
        .iter()
        .map(|t| Tag {
            id: 0,
            slug: tag_slug(t).unwrap_or_default(),
            name: t.clone(),
        })
        .collect();
    Ok(ArticlePreview {
        notes,
        intro_html: String::new(),
        card: Story {
            article,
            category,
            author,
            hero: hero.clone(),
        },
        hero,
        sections,
        tags,
    })
}

/// What a button of the form came to.
#[derive(Debug)]
pub enum Submitted {
    /// Preview: nothing was saved.
    Preview(Box<ArticlePreview>),
    /// Nothing was saved: the messages by field.
    Refused(FieldErrors),
    /// Nothing was saved: someone saved the article since the version the
    /// form started from. The draft as typed, and what is stored now.
    Stale {
        draft: Box<Draft>,
        now_stored: Box<Stored>,
    },
    /// Saved: the article's id, and the `saved=` notice key of the page
    /// after it.
    Saved { id: i32, notice: &'static str },
}

/// What a button other than the rearranging ones does to a checked form
/// (`checked` is [`check_form`] of `form`): completes it into a draft,
/// then previews it, or saves it with the step the button asks for if the
/// actor may ([`articles::may_write`], else `Forbidden`), every field is
/// right, and the article is still at version `expected` (0 for a new
/// one), through [`articles::write`].
pub fn submit(
    conn: &mut DbConn,
    actor: &Actor,
    against: &Against,
    form: &EditorForm,
    checked: Checked,
    action: Action,
    expected: i32,
) -> Result<Submitted, AppError> {
    let stored = against.stored;
    let (draft, note, mut errors) = validate(conn, actor, against, form, checked)?;
    if action == Action::Preview {
        let shown = preview(conn, &draft, note.as_ref(), against)?;
        return Ok(Submitted::Preview(Box::new(shown)));
    }
    articles::may_write(actor, stored, draft.author_id, action.publishes())?;
    let at = now();
    let step = step_for(action, form, &draft, against.zone, at, &mut errors);
    check_expiry_and_note(stored, &draft, note.as_ref(), action, step, at, &mut errors);
    if !errors.is_empty() {
        return Ok(Submitted::Refused(errors));
    }
    let created = stored.is_none() && step == Step::Keep;
    // Publishing or scheduling an article in review is approving it.
    let approved = stored.is_some_and(|s| s.article.status == ArticleStatus::Review)
        && matches!(action, Action::Publish | Action::Schedule);
    let detail = match stored {
        None => format!("created \"{}\"", draft.title),
        Some(_) if approved && action == Action::Publish => {
            format!("approved and published \"{}\"", draft.title)
        }
        Some(_) if approved => format!("approved and scheduled \"{}\"", draft.title),
        Some(_) => format!("saved \"{}\"", draft.title),
    };
    let write = articles::Write {
        draft: &draft,
        step,
        action: if created {
            audit::ARTICLE_CREATE
        } else if approved {
            audit::ARTICLE_APPROVE
        } else {
            action.audit_action()
        },
        detail: &detail,
        note: note.as_ref(),
    };
    match articles::write(conn, actor, stored, expected, &write)? {
        Written::Done(id) => {
            let notice = if created {
                "created"
            } else if approved && action == Action::Publish {
                "approved"
            } else {
                action.notice_key()
            };
            Ok(Submitted::Saved { id, notice })
        }
        Written::Conflict(now_stored) => Ok(Submitted::Stale {
            draft: Box::new(draft),
            now_stored,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_section_fields_pair_up_in_page_order() {
        let body = b"title=T&section_anchor=a&section_heading=A&section_body=x&section_anchor=&section_heading=B&section_body=y%26z&noindex=on";
        let form = EditorForm::parse(body);
        assert_eq!(form.title, "T");
        assert!(form.noindex);
        assert_eq!(form.sections.len(), 2);
        assert_eq!(form.sections[1].heading, "B");
        assert_eq!(form.sections[1].body, "y&z");
        assert_eq!(form.sections[0].anchor, "a");
    }

    #[test]
    fn anchors_survive_heading_edits_and_new_ones_are_unique() {
        let mut sections = vec![
            SectionDraft {
                anchor: "first-words".into(),
                heading: "Renamed heading".into(),
                body: String::new(),
                body_html: None,
            },
            SectionDraft {
                anchor: String::new(),
                heading: "First words".into(),
                body: String::new(),
                body_html: None,
            },
            SectionDraft {
                anchor: "bad anchor!".into(),
                heading: "".into(),
                body: String::new(),
                body_html: None,
            },
        ];
        assign_anchors(&mut sections);
        assert_eq!(sections[0].anchor, "first-words");
        assert_eq!(sections[1].anchor, "first-words-2");
        assert_eq!(sections[2].anchor, "section-3");
    }

    #[test]
    fn the_section_limit_is_checked_before_any_section_is_worked_on() {
        let same = SectionDraft {
            anchor: String::new(),
            heading: "Same heading".into(),
            body: "Same words.".into(),
            body_html: None,
        };
        let form = EditorForm {
            title: "T".into(),
            sections: vec![same.clone(); 5_000],
            ..EditorForm::default()
        };
        let checked = check_form(&form);
        assert!(checked.sections.is_empty(), "no section was prepared");
        let errors: Vec<_> = checked.errors.iter().map(|(field, _)| field).collect();
        assert_eq!(errors, ["sections"]);
        assert!(checked
            .errors
            .get("sections")
            .is_some_and(|m| m.contains("5000")));

        let form = EditorForm {
            title: "T".into(),
            sections: vec![same; MAX_SECTIONS],
            ..EditorForm::default()
        };
        let checked = check_form(&form);
        assert!(checked.errors.is_empty());
        let anchors: HashSet<&str> = checked.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors.len(),
            MAX_SECTIONS,
            "each section has its own anchor"
        );
    }

    #[test]
    fn hashtags_are_counted_once_each_and_stop_at_the_first_past_the_limit() {
        assert_eq!(
            hashtags("#Sport, #sport #SPORT #Running"),
            Ok(vec!["Sport".to_owned(), "Running".to_owned()])
        );
        assert_eq!(
            hashtags(&"#Same ".repeat(10_000)),
            Ok(vec!["Same".to_owned()])
        );
        let many: Vec<String> = (0..10_000).map(|i| format!("#t{i}")).collect();
        // A bad word after the 21st hashtag is never reached.
        let typed = format!("{} #!!!", many.join(" "));
        assert_eq!(
            hashtags(&typed),
            Err(format!("Use at most {MAX_TAGS} hashtags."))
        );
        assert!(hashtags("#Fine #!!!").is_err_and(|e| e.contains("#!!! is not a usable")));
        let long = format!("#{}", "x".repeat(5_000));
        assert!(
            hashtags(&long).is_err_and(|e| e.chars().count() < 100),
            "quoted short"
        );
    }

    #[test]
    fn buttons_parse_and_rearrange_sections() {
        assert_eq!(Action::parse("move_up:2"), Some(Action::MoveUp(2)));
        assert_eq!(Action::parse("remove_section:x"), None);
        assert_eq!(Action::parse("drop_table"), None);
        let mut s = vec![
            SectionDraft {
                heading: "a".into(),
                ..SectionDraft::default()
            },
            SectionDraft {
                heading: "b".into(),
                ..SectionDraft::default()
            },
        ];
        Action::MoveDown(0).rearrange(&mut s);
        assert_eq!(s[0].heading, "b");
        Action::MoveUp(9).rearrange(&mut s);
        Action::RemoveSection(0).rearrange(&mut s);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].heading, "a");
    }

    #[test]
    fn notes_and_sources_are_checked_and_run_together() {
        let form = |kind: &str, text: &str| EditorForm {
            note_kind: kind.into(),
            note_text: text.into(),
            ..EditorForm::default()
        };
        assert_eq!(note_of(&form("", "  ")), Ok(None));
        assert_eq!(
            note_of(&form("correction", " It said\r\n  Tuesday. ")),
            Ok(Some(NoteInput {
                kind: NoteKind::Correction,
                body: "It said Tuesday.".to_owned()
            }))
        );
        let field = |r: Result<Option<NoteInput>, Refusal>| r.err().map(|e| e.0);
        assert_eq!(field(note_of(&form("retraction", "x"))), Some("note_kind"));
        assert_eq!(field(note_of(&form("", "x"))), Some("note_kind"));
        assert_eq!(field(note_of(&form("update", ""))), Some("note_text"));
        let long = "word ".repeat(MAX_NOTE_CHARS);
        assert_eq!(field(note_of(&form("update", &long))), Some("note_text"));
        let exactly = "w".repeat(MAX_NOTE_CHARS);
        assert!(note_of(&form("update", &exactly)).is_ok_and(|n| n.is_some()));
        assert_eq!(
            field(note_of(&form("update", "a\u{0}b"))),
            Some("note_text")
        );

        let source = |kind: &str, name: &str| {
            source_of(&EditorForm {
                source_kind: kind.into(),
                source_name: name.into(),
                ..EditorForm::default()
            })
        };
        assert_eq!(
            source("", "ignored"),
            Ok((SourceKind::Staff, String::new()))
        );
        assert_eq!(
            source("wire", "  Harbour   Wire "),
            Ok((SourceKind::Wire, "Harbour Wire".to_owned()))
        );
        assert_eq!(source("partner", " ").map_err(|e| e.0), Err("source_name"));
        assert_eq!(source("tabloid", "X").map_err(|e| e.0), Err("source_kind"));
        let long = "n".repeat(MAX_SOURCE_NAME_CHARS + 1);
        assert_eq!(source("wire", &long).map_err(|e| e.0), Err("source_name"));
    }

    #[test]
    fn publish_times_are_read_in_the_site_time_zone() {
        let london: Tz = "Europe/London".parse().expect("a zone");
        // Summer time: 10:00 in London is 09:00 UTC.
        let utc = parse_local("2026-07-01T10:00", london).expect("a time");
        assert_eq!(utc.to_string(), "2026-07-01 09:00:00");
        assert_eq!(local_input(utc, london), "2026-07-01T10:00");
        // The hour skipped when the clocks go forward does not exist.
        assert_eq!(parse_local("2026-03-29T01:30", london), None);
        assert_eq!(parse_local("tomorrow", london), None);
    }
}
