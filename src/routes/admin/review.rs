//! `POST /admin/articles/{id}/notes`: the review notes form beside the
//! editor. "Add note" adds a note on the article or one of its sections;
//! "Return to writer" (editors) sends an article in review back to its
//! writer as a draft, with the note typed. The rules are
//! `newsroom::review`'s; a refused note comes back in the editor's page
//! as typed, at 422.

use actix_web::{web, HttpResponse};

use super::editor;
use super::forms::{parse_id, StaffForm};
use super::page::see_other;
use crate::app::AppState;
use crate::error::AppError;
use crate::newsroom::review::{self, NoteForm, Reviewed};

/// POST /admin/articles/{id}/notes.
pub async fn submit(
    state: web::Data<AppState>,
    post: StaffForm<NoteForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, form) = (post.actor(), post.form.clone());
    match state
        .run(move |conn| review::act(conn, &actor, id, &form))
        .await
    {
        Ok(Reviewed::Noted) => {
            tracing::info!(article_id = id, "review note added");
            Ok(see_other(&format!(
                "/admin/articles/{id}?saved=noted#review-notes"
            )))
        }
        Ok(Reviewed::Returned) => {
            tracing::info!(article_id = id, "article returned to its writer");
            Ok(see_other(&format!("/admin/articles/{id}?saved=returned")))
        }
        Err(AppError::Invalid(errors)) => {
            tracing::info!(article_id = id, errors = %errors.summary(), "review note refused");
            editor::note_refused(&state, post.staff, id, post.form, errors).await
        }
        Err(e) => Err(e),
    }
}
