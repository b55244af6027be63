//! Review with notes: staff leave notes on an article, about the whole of
//! it or one of its sections, and an editor returns an article in review
//! to its writer with them (or approves it, which is publishing it from
//! the editor: `newsroom::article_form`).
//!
//! Whoever may open an article in the editor may read and write its notes
//! (`Actor::can_edit`: a writer their own, editors and admins anyone's);
//! returning is for those who may publish it, and only from review, with
//! at least one note on the article or one typed with the return. A note
//! and its audit entry, and a return with its note, its save and its
//! audit entries, are one transaction each. Notes are staff only: no
//! public page, feed or search reads them.

use std::collections::HashMap;

use serde::Deserialize;

use super::articles::{self, Write, Written};
use super::audit::{self as log, quoted};
use crate::db::editor::Stored;
use crate::db::models::NewReviewNote;
use crate::db::{audit, review_notes, write_transaction, DbConn};
use crate::domain::actor::{self as policy, Actor};
use crate::domain::clock::now;
use crate::domain::limits::MAX_REVIEW_NOTE_CHARS;
use crate::domain::text::{self, Lines};
use crate::domain::workflow::Step;
use crate::domain::ArticleStatus;
use crate::error::{AppError, FieldErrors};

/// The notes form beside the editor, as typed: kept as text so that a
/// refused note comes back as it was written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    /// The anchor of the section the note is about; empty for the whole
    /// article.
    pub section: String,
    pub body: String,
    /// `note` (the default) or `return`.
    pub action: String,
}

/// A note checked: its section's anchor, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInput {
    pub section: Option<String>,
    pub body: String,
}

/// What the form's button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Button {
    Note,
    Return,
}

/// What a post of the notes form came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reviewed {
    /// The note was added.
    Noted,
    /// The article went back to its writer as a draft (with the note, if
    /// one was typed).
    Returned,
}

/// The note the form holds, checked without the database: `None` when
/// nothing was typed, else its text trimmed (line breaks kept, as `\n`)
/// within [`MAX_REVIEW_NOTE_CHARS`] and free of control characters.
pub fn check_note(form: &NoteForm) -> Result<Option<NoteInput>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let typed = form.body.trim();
    let section = form.section.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    // Counted as typed, before any work on it.
    if typed.chars().count() > MAX_REVIEW_NOTE_CHARS {
        errors.add(
            "note_body",
            format!("Keep the note under {MAX_REVIEW_NOTE_CHARS} characters, or split it in two."),
        );
        return Err(errors);
    }
    let body = typed.replace("\r\n", "\n").replace('\r', "\n");
    if let Err(m) = text::check(&body, Lines::Many, "note") {
        errors.add("note_body", m);
        return Err(errors);
    }
    Ok(Some(NoteInput {
        section: (!section.is_empty()).then(|| section.to_owned()),
        body,
    }))
}

/// The headings of the article's sections by their anchors.
pub fn headings(stored: &Stored) -> HashMap<&str, &str> {
    stored
        .draft
        .sections
        .iter()
        .map(|s| (s.anchor.as_str(), s.heading.as_str()))
        .collect()
}

/// Writes `note` on the article `stored` by `actor` at `at`, with its
/// audit entry; the section must be one of the article's.
fn write_note(
    conn: &mut DbConn,
    actor: &Actor,
    stored: &Stored,
    note: &NoteInput,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let about =
        match &note.section {
            None => "the whole article".to_owned(),
            Some(anchor) => match headings(stored).get(anchor.as_str()) {
                Some(heading) => format!("section {}", quoted(heading)),
                None => return Err(AppError::invalid(
                    "note_section",
                    "Choose one of the article's sections as it is saved, or the whole article.",
                )),
            },
        };
    let id = stored.article.id;
    review_notes::insert(
        conn,
        &NewReviewNote {
            article_id: id,
            user_id: Some(actor.user_id),
            section_anchor: note.section.as_deref(),
            body: &note.body,
            created_at: at,
        },
    )?;
    let detail = format!("on {about}: {}", quoted(&note.body));
    log::record(
        conn,
        actor,
        audit::REVIEW_NOTE,
        ("article", id),
        &detail,
        at,
    )
}

/// What the notes form of article `article_id` asks for, done by `actor`:
/// a note added, or the article returned to its writer (with the note
/// typed, if any). 404 for no such article, 403 for one `actor` may not
/// open (or return), 409 for a return of an article not in review, 422
/// (`Invalid`, by field) for a note that cannot be kept as typed, or a
/// return with no note at all. Nothing is written unless all of it is.
pub fn act(
    conn: &mut DbConn,
    actor: &Actor,
    article_id: i32,
    form: &NoteForm,
) -> Result<Reviewed, AppError> {
    let button = match form.action.trim() {
        "" | "note" => Button::Note,
        "return" => Button::Return,
        other => {
            tracing::info!(action = other, "unknown review button");
            return Err(AppError::BadRequest("Unknown button.".to_owned()));
        }
    };
    write_transaction(conn, |conn| {
        let stored = articles::editable(conn, actor, article_id)?;
        if button == Button::Return {
            policy::require(
                actor.can_publish(stored.article.author_id),
                "return an article to its writer",
            )?;
            if stored.article.status != ArticleStatus::Review {
                return Err(AppError::Conflict {
                    title: "Not returned",
                    message: format!(
                        "Only an article in review goes back to its writer, and this one is {}. \
                         Nothing was changed.",
                        stored.article.status.label().to_lowercase()
                    ),
                });
            }
        }
        let note = check_note(form).map_err(AppError::Invalid)?;
        let at = now();
        match (button, &note) {
            (Button::Note, None) => Err(AppError::invalid(
                "note_body",
                "Write the note first: what should the writer know or change?",
            )),
            (Button::Note, Some(note)) => {
                write_note(conn, actor, &stored, note, at)?;
                Ok(Reviewed::Noted)
            }
            (Button::Return, _) => {
                if let Some(note) = &note {
                    write_note(conn, actor, &stored, note, at)?;
                } else if review_notes::count_of(conn, article_id)? == 0 {
                    return Err(AppError::invalid(
                        "note_body",
                        "An article goes back to its writer with at least one note: write \
                         what to change.",
                    ));
                }
                let detail = format!("returned {} to its writer", quoted(&stored.article.title));
                let w = Write {
                    draft: &stored.draft,
                    step: Step::Return,
                    action: audit::ARTICLE_RETURN,
                    detail: &detail,
                    note: None,
                };
                match articles::write(conn, actor, Some(&stored), stored.article.version, &w)? {
                    Written::Done(_) => Ok(Reviewed::Returned),
                    Written::Conflict(_) => Err(AppError::Conflict {
                        title: "Not returned",
                        message: "Someone saved the article a moment ago, so it was not \
                                  returned. Reload it, read their changes, and return it again."
                            .to_owned(),
                    }),
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(section: &str, body: &str) -> NoteForm {
        NoteForm {
            section: section.into(),
            body: body.into(),
            action: String::new(),
        }
    }

    #[test]
    fn notes_are_trimmed_keep_their_lines_and_keep_to_their_limit() {
        assert_eq!(check_note(&form("intro", "   ")).ok(), Some(None));
        assert_eq!(
            check_note(&form(" why-they-go ", " First line\r\nsecond line. ")).ok(),
            Some(Some(NoteInput {
                section: Some("why-they-go".into()),
                body: "First line\nsecond line.".into(),
            }))
        );
        assert_eq!(
            check_note(&form("", "Whole article.")).ok(),
            Some(Some(NoteInput {
                section: None,
                body: "Whole article.".into(),
            }))
        );
        let exactly = "é".repeat(MAX_REVIEW_NOTE_CHARS);
        assert!(check_note(&form("", &exactly)).is_ok());
        let over = format!("{exactly}x");
        let refused = check_note(&form("", &over)).expect_err("refused");
        assert!(refused.get("note_body").is_some());
        let control = check_note(&form("", "a\u{1b}b")).expect_err("refused");
        assert!(control
            .get("note_body")
            .is_some_and(|m| m.contains("U+001B")));
    }
}
