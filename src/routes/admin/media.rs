//! `/admin/media`: the media library. Any staff member sees it and uploads
//! images; editors and admins delete any image, others only their own, and
//! never one that an article uses.
//!
//! An upload is a `multipart/form-data` POST whose `csrf_token` part comes
//! before its `file` part (the form is written that way), with the
//! picture's caption, credit and whose it is. It is read with a hard cap,
//! the details checked, the file recognised by its content only
//! (`crate::media::sniff`: the format, its size in pixels within the
//! limits, nothing after its end and no markup or script inside), then
//! decoded within the pixel limit and made into its variants
//! (`crate::pictures`, a few at a time on the blocking pool), written to
//! the media folder under content-addressed names, and then recorded with
//! its audit entry in one transaction; if that fails, the files go again
//! (unless a row of the same bytes uses them). The same bytes uploaded
//! twice are one set of files and one row.
//!
//! `/admin/media/{id}` shows one picture with its details: caption,
//! credit, whose it is, and the focal point (click the picture, or type
//! it), around which the share image is cut again when it moves.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::forms::{parse_id, Button, DoneQuery, StaffForm};
use super::page::{respond, see_other, AdminLayout};
use crate::app::AppState;
use crate::auth::csrf;
use crate::auth::session::Staff;
use crate::db::media::{self as db_media, Details, Listed};
use crate::db::models::Media;
use crate::db::settings;
use crate::domain::PageNumber;
use crate::error::{AppError, FieldErrors};
use crate::media::{self, ImageType, Refusal};
use crate::newsroom::media::{self as newsroom_media, Deletion, DetailsForm, InUse, Recorded};
use crate::pictures::{self, Processed};
use crate::routes::respond::PageQuery;
use crate::views::filters;

/// Images per page.
pub const PER_PAGE: i64 = 50;

/// What a multipart body may carry besides the file: boundaries, part
/// headers and the CSRF token.
const OVERHEAD: usize = 64 * 1024;

/// The longest CSRF token part read.
const TOKEN_LIMIT: usize = 1024;

/// One row of the library.
pub struct Item {
    pub media: Media,
    pub uploader: Option<String>,
    /// Articles using it as their hero image.
    pub uses: i64,
    pub can_delete: bool,
    pub size: String,
}

/// The notice after a successful upload or deletion.
pub enum Notice {
    Uploaded { file_name: String, existing: bool },
    Deleted,
}

#[derive(Template)]
#[template(path = "admin/media.html")]
pub struct MediaPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub items: Vec<Item>,
    pub page: u32,
    pub total_pages: u32,
    pub total: i64,
    pub accept: &'static str,
    pub accepted_names: &'static str,
    pub limit: String,
    pub pixel_limit: String,
    pub uploaded_id: Option<i32>,
    pub notice: Option<Notice>,
    pub error: Option<String>,
    pub conflict: Option<InUse>,
}

impl MediaPage {
    /// Whether `item` is the one just uploaded (highlighted).
    fn is_new(&self, item: &Item) -> bool {
        self.uploaded_id == Some(item.media.id)
    }
}

/// The query string; kept as text so a bad page number is our 400 page and
/// a bad notice parameter is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibraryQuery {
    pub page: Option<String>,
    pub uploaded: Option<String>,
    pub existing: Option<String>,
    pub deleted: Option<String>,
}

/// A byte limit as the pages state it: `10 MB`.
fn limit_text(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        media::human_size(i64::try_from(bytes).unwrap_or(i64::MAX))
    }
}

/// Extra things a library page shows besides the list.
#[derive(Default)]
struct Extras {
    uploaded: Option<(i32, bool)>,
    deleted: bool,
    error: Option<String>,
    conflict: Option<InUse>,
}

/// Loads page `number` of the library and builds the page.
async fn library(
    state: &web::Data<AppState>,
    staff: Staff,
    number: PageNumber,
    extras: Extras,
) -> Result<MediaPage, AppError> {
    let offset = number.offset(PER_PAGE);
    let uploaded_id = extras.uploaded.map(|(id, _)| id);
    let (site_name, listed, total, uploaded) = state
        .run(move |conn| {
            let site_name = settings::load(conn)?.name;
            let listed = db_media::list(conn, offset, PER_PAGE)?;
            let total = db_media::count(conn)?;
            let uploaded = match uploaded_id {
                Some(id) => db_media::find(conn, id)?,
                None => None,
            };
            Ok((site_name, listed, total, uploaded))
        })
        .await?;
    if listed.is_empty() && number.get() > 1 {
        return Err(AppError::NotFound);
    }
    let total_pages = u32::try_from(((total + PER_PAGE - 1) / PER_PAGE).max(1)).unwrap_or(u32::MAX);
    let items = listed
        .into_iter()
        .map(|(media, uploader, uses): Listed| Item {
            can_delete: staff.can_delete_media(media.uploaded_by),
            size: media::human_size(media.byte_size),
            media,
            uploader,
            uses,
        })
        .collect();
    let notice = match (uploaded, extras.uploaded) {
        (Some(m), Some((_, existing))) => Some(Notice::Uploaded {
            file_name: m.file_name,
            existing,
        }),
        _ if extras.deleted => Some(Notice::Deleted),
        _ => None,
    };
    Ok(MediaPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, "Media library", Some(staff)),
        items,
        page: number.get(),
        total_pages,
        total,
        accept: media::ACCEPT,
        accepted_names: media::ACCEPTED_NAMES,
        limit: limit_text(state.max_upload_bytes),
        pixel_limit: media::pixel_limit_text(state.max_image_pixels),
        uploaded_id: match notice {
            Some(Notice::Uploaded { .. }) => uploaded_id,
            _ => None,
        },
        notice,
        error: extras.error,
        conflict: extras.conflict,
    })
}

/// The first page of the library with a message, at `status`.
async fn refuse(
    state: &web::Data<AppState>,
    staff: Staff,
    status: StatusCode,
    extras: Extras,
) -> Result<HttpResponse, AppError> {
    let page = library(state, staff, PageNumber::FIRST, extras).await?;
    respond(status, &page)
}

/// GET /admin/media.
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<LibraryQuery>,
) -> Result<HttpResponse, AppError> {
    let number = PageQuery {
        page: query.page.clone(),
    }
    .number()?;
    let extras = Extras {
        uploaded: query
            .uploaded
            .as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .map(|id| (id, query.existing.as_deref() == Some("1"))),
        deleted: query.deleted.as_deref() == Some("1"),
        ..Extras::default()
    };
    let page = library(&state, staff, number, extras).await?;
    respond(StatusCode::OK, &page)
}

/// The 413 refusal.
fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge {
        limit,
        title: "File too large",
        message: format!(
            "Images may be up to {} each, so nothing was uploaded. \
             Go back and choose a smaller file.",
            limit_text(limit)
        ),
    }
}

/// The 400 refusal of a body that is not a readable multipart form.
fn unreadable(error: &dyn std::fmt::Display) -> AppError {
    tracing::info!(error = %error, "unreadable image upload");
    AppError::BadRequest("The upload could not be read. Reload the page and try again.".to_owned())
}

/// Why a part could not be read whole.
enum ReadError {
    /// Over the byte limit given.
    TooLong,
    /// The body broke off or was malformed.
    Broken(actix_multipart::MultipartError),
}

/// Reads one part, stopping as soon as it passes `limit` bytes.
async fn read_part(field: &mut actix_multipart::Field, limit: usize) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(ReadError::Broken)?;
        if out.len() + chunk.len() > limit {
            return Err(ReadError::TooLong);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Reads the multipart body: the CSRF token, then the file (if any),
/// within the limits, and the picture's details. A file part before a
/// valid token is refused unread; a missing or wrong token is the 403 of
/// every staff form.
async fn read_upload(
    staff: &Staff,
    mut multipart: Multipart,
    limit: usize,
) -> Result<(Option<Vec<u8>>, DetailsForm), AppError> {
    let mut token = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut details = DetailsForm::default();
    let mut other = 0usize;
    let broken = |e: ReadError, too_long: AppError| match e {
        ReadError::TooLong => too_long,
        ReadError::Broken(e) => unreadable(&e),
    };
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| unreadable(&e))?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            csrf::FIELD => {
                let bytes = read_part(&mut field, TOKEN_LIMIT)
                    .await
                    .map_err(|e| broken(e, AppError::form_expired()))?;
                token = String::from_utf8_lossy(&bytes).into_owned();
            }
            "file" if file.is_none() => {
                if !csrf::session_token_ok(staff, &token) {
                    return Err(AppError::form_expired());
                }
                let bytes = read_part(&mut field, limit)
                    .await
                    .map_err(|e| broken(e, too_large(limit)))?;
                file = Some(bytes);
            }
            _ => {
                let bytes = read_part(&mut field, OVERHEAD.saturating_sub(other))
                    .await
                    .map_err(|e| broken(e, too_large(limit)))?;
                other += bytes.len();
                let value = String::from_utf8_lossy(&bytes).into_owned();
                match name.as_str() {
                    "caption" => details.caption = value,
                    "credit" => details.credit = value,
                    "source" => details.source = value,
                    _ => {}
                }
            }
        }
    }
    if !csrf::session_token_ok(staff, &token) {
        return Err(AppError::form_expired());
    }
    Ok((file, details))
}

/// POST /admin/media.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let limit = state.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + OVERHEAD) as u64) {
        return Err(too_large(limit));
    }
    let multipart = Multipart::new(req.headers(), payload);
    let (file, form) = read_upload(&staff, multipart, limit).await?;
    let details = match newsroom_media::check_details(&form) {
        Ok(details) => details,
        Err(errors) => {
            tracing::info!(fields = ?errors.iter().map(|e| e.0).collect::<Vec<_>>(), "image upload with bad details");
            let extras = Extras {
                error: Some(
                    errors
                        .into_iter()
                        .map(|(_, message)| message)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                ..Extras::default()
            };
            return refuse(&state, staff, StatusCode::UNPROCESSABLE_ENTITY, extras).await;
        }
    };
    let bytes = match file {
        Some(bytes) if !bytes.is_empty() => bytes,
        _ => {
            tracing::info!("image upload without a file");
            let extras = Extras {
                error: Some("Choose an image file to upload.".to_owned()),
                ..Extras::default()
            };
            return refuse(&state, staff, StatusCode::UNPROCESSABLE_ENTITY, extras).await;
        }
    };
    let size = bytes.len();
    let made = match process(&state, bytes, (details.focal_x, details.focal_y)).await? {
        Ok(made) => made,
        Err(refusal) => {
            let (status, message) = refusal_message(refusal, size, state.max_image_pixels);
            let extras = Extras {
                error: Some(message),
                ..Extras::default()
            };
            return refuse(&state, staff, status, extras).await;
        }
    };
    let Recorded { id, existing } = store(&state, &staff, made, &details).await?;
    tracing::info!(media_id = id, existing, "image uploaded");
    Ok(see_other(&if existing {
        format!("/admin/media?uploaded={id}&existing=1")
    } else {
        format!("/admin/media?uploaded={id}")
    }))
}

/// Recognises the upload (`media::sniff`, within the pixel limit) and
/// makes its files (`pictures::process`): CPU-heavy, so on the blocking
/// pool, and no more at once than `AppState::pictures` allows.
async fn process(
    state: &web::Data<AppState>,
    bytes: Vec<u8>,
    focal: (i32, i32),
) -> Result<Result<Processed, Refusal>, AppError> {
    let max_pixels = state.max_image_pixels;
    // The header's size is checked before the turn: a bomb waits for
    // nothing and costs nothing.
    let (bytes, checked) = web::block(move || {
        let checked = media::sniff_within(&bytes, max_pixels);
        (bytes, checked)
    })
    .await?;
    let image = match checked {
        Ok(image) => image,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let _turn = state
        .pictures
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("picture processing stopped".to_owned()))?;
    let started = std::time::Instant::now();
    let made = web::block(move || pictures::process(&bytes, image.kind, max_pixels, focal)).await?;
    if let Ok(made) = &made {
        tracing::info!(
            width = made.width,
            height = made.height,
            files = made.files.len(),
            ms = started.elapsed().as_millis() as u64,
            "picture processed"
        );
    }
    Ok(made)
}

/// The status and message for an upload that is not taken as an image;
/// the refusal is logged.
fn refusal_message(refusal: Refusal, bytes: usize, max_pixels: u64) -> (StatusCode, String) {
    match refusal {
        Refusal::NotAnImage => {
            tracing::info!(bytes, "upload refused: not an accepted image");
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "That file is not an image we accept, so nothing was uploaded. \
                     Upload a {} image.",
                    media::ACCEPTED_NAMES
                ),
            )
        }
        Refusal::TooManyPixels { width, height } => {
            tracing::info!(bytes, width, height, "upload refused: too many pixels");
            let size = if width == 0 {
                "larger".to_owned()
            } else {
                format!("{width} × {height} pixels,")
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "That image is {size} more than the library takes \
                     (at most {}), so nothing was uploaded. Scale it down and upload it again.",
                    media::pixel_limit_text(max_pixels)
                ),
            )
        }
        Refusal::ForeignContent => {
            tracing::warn!(bytes, "upload refused: markup or script inside the image");
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "That file carries text that looks like a script or web page besides \
                 the image, so nothing was uploaded. Export the picture again as a plain \
                 image and upload that."
                    .to_owned(),
            )
        }
        Refusal::DataAfterEnd => {
            tracing::warn!(bytes, "upload refused: data after the end of the image");
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "That file carries other data after the end of the image (a motion \
                 photo's video, an attachment or a script), so nothing was uploaded. \
                 Export the picture again as a plain image and upload that."
                    .to_owned(),
            )
        }
    }
}

/// Writes the files, then records them (`newsroom::media::record_upload`);
/// if the record fails, the files go again unless a row of the same
/// bytes uses them.
async fn store(
    state: &web::Data<AppState>,
    staff: &Staff,
    made: Processed,
    details: &Details,
) -> Result<Recorded, AppError> {
    let file_name = made.file_name.clone();
    let image = ImageType {
        kind: made.kind,
        width: made.width,
        height: made.height,
    };
    let byte_size = i64::try_from(made.original_size()).unwrap_or(i64::MAX);
    let variants = made.variants();
    let files = std::sync::Arc::new(made.files);
    write_files(state, files.clone()).await?;

    let (actor, name, details) = (staff.actor(), file_name.clone(), details.clone());
    let recorded = state
        .run(move |conn| {
            newsroom_media::record_upload(
                conn, &actor, &name, image, byte_size, &variants, &details,
            )
        })
        .await;
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(error) => {
            forget_file(state, &file_name).await;
            return Err(error);
        }
    };
    // A deletion of the same image by another request may have removed
    // the files between the write and the commit: the row now exists, so
    // make sure its files do too.
    let dir = state.media_dir.clone();
    let check = files.clone();
    let all_there = web::block(move || check.iter().all(|(name, _)| media::exists(&dir, name)));
    if !all_there.await? {
        write_files(state, files).await?;
    }
    Ok(recorded)
}

/// Removes the file of an upload whose row could not be written
/// (`newsroom::media::forget_file`). If even this fails, the file stays
/// (it might be in use) and the log says so.
async fn forget_file(state: &web::Data<AppState>, name: &str) {
    let dir = state.media_dir.clone();
    let target = name.to_owned();
    let outcome = state
        .run(move |conn| newsroom_media::forget_file(conn, &dir, &target))
        .await;
    match outcome {
        Ok(true) => tracing::info!(file = name, "file of an unrecorded upload removed"),
        Ok(false) => tracing::info!(file = name, "upload not recorded; its file stays in use"),
        Err(error) => {
            tracing::warn!(file = name, error = %error, "file of an unrecorded upload left in place")
        }
    }
}

/// Writes each `(name, bytes)` in the media folder, on the blocking pool.
async fn write_files(
    state: &web::Data<AppState>,
    files: std::sync::Arc<Vec<(String, Vec<u8>)>>,
) -> Result<(), AppError> {
    let dir = state.media_dir.clone();
    web::block(move || {
        files
            .iter()
            .try_for_each(|(name, bytes)| media::store(&dir, name, bytes))
    })
    .await?
    .map_err(AppError::Storage)
}

/// POST /admin/media/{id}/delete (`newsroom::media::delete`); an image in
/// use answers 409 with the library naming the articles that use it.
pub async fn delete(
    state: web::Data<AppState>,
    post: StaffForm<Button>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (actor, dir) = (post.actor(), state.media_dir.clone());
    let outcome = state
        .run(move |conn| newsroom_media::delete(conn, &actor, &dir, id))
        .await?;
    match outcome {
        Deletion::Deleted => {
            tracing::info!(media_id = id, "image deleted");
            Ok(see_other("/admin/media?deleted=1"))
        }
        Deletion::InUse(conflict) => {
            tracing::info!(
                media_id = id,
                uses = conflict.articles.len(),
                "image in use, not deleted"
            );
            let extras = Extras {
                conflict: Some(conflict),
                ..Extras::default()
            };
            refuse(&state, post.staff, StatusCode::CONFLICT, extras).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/media_edit.html")]
pub struct MediaEditPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub media: Media,
    pub form: DetailsForm,
    pub errors: FieldErrors,
    pub saved: bool,
    /// The share image as it is now: (path, width, height).
    pub share: (String, i32, i32),
    pub editor_js: &'static str,
}

impl MediaEditPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// The edit page of image `id`, with `form` as typed (or as stored).
async fn edit_page(
    state: &web::Data<AppState>,
    staff: Staff,
    id: i32,
    form: Option<DetailsForm>,
) -> Result<MediaEditPage, AppError> {
    let (site_name, item) = state
        .run(move |conn| {
            let item = db_media::find(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((settings::load(conn)?.name, item))
        })
        .await?;
    newsroom_media::may_describe(&staff.actor(), item.uploaded_by)?;
    let title = format!("Image {}", item.file_name);
    Ok(MediaEditPage {
        csrf_token: staff.csrf_token.clone(),
        layout: AdminLayout::new(site_name, &title, Some(staff)),
        form: form.unwrap_or_else(|| DetailsForm::of(&item)),
        share: item.share(),
        media: item,
        errors: FieldErrors::default(),
        saved: false,
        editor_js: crate::static_files::url("editor.js"),
    })
}

/// GET /admin/media/{id}: the picture with its caption, credit and focal
/// point (editors and admins any, others their own).
pub async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let mut page = edit_page(&state, staff, id, None).await?;
    page.saved = query.done == "saved";
    respond(StatusCode::OK, &page)
}

/// POST /admin/media/{id}: saves the details. A new focal point has its
/// share image cut (on the blocking pool, in turn with uploads) before
/// the row names it.
pub async fn describe(
    state: web::Data<AppState>,
    post: StaffForm<DetailsForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let details = match newsroom_media::check_details(&post.form) {
        Ok(details) => details,
        Err(found) => {
            let mut errors = FieldErrors::default();
            for (field, message) in found {
                errors.add(field, message);
            }
            tracing::info!(media_id = id, errors = %errors.summary(), "image details refused");
            let mut page = edit_page(&state, post.staff, id, Some(post.form)).await?;
            page.errors = errors;
            return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let actor = post.actor();
    let item = state
        .run(move |conn| db_media::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    newsroom_media::may_describe(&actor, item.uploaded_by)?;
    let focal = (details.focal_x, details.focal_y);
    if focal != (item.focal_x, item.focal_y) && !item.widths().is_empty() {
        cut_share_image(&state, &item, focal).await?;
    }
    state
        .run(move |conn| newsroom_media::describe(conn, &actor, id, &details))
        .await?;
    tracing::info!(media_id = id, "image details saved");
    Ok(see_other(&format!("/admin/media/{id}?done=saved")))
}

/// Cuts and stores the share image of `item` around `focal`, from its
/// largest variant.
async fn cut_share_image(
    state: &web::Data<AppState>,
    item: &Media,
    focal: (i32, i32),
) -> Result<(), AppError> {
    let kind = media::parse_file_name(&item.file_name).ok_or(AppError::NotFound)?;
    let largest = item.widths().last().copied().unwrap_or(0);
    let source = if i64::from(largest) == i64::from(item.width) {
        item.file_name.clone()
    } else {
        media::variant_name(&item.file_name, largest, kind)
    };
    let (dir, original) = (state.media_dir.clone(), item.file_name.clone());
    let _turn = state
        .pictures
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("picture processing stopped".to_owned()))?;
    web::block(move || -> Result<(), AppError> {
        let bytes = media::read(&dir, &source)
            .map_err(AppError::Storage)?
            .ok_or(AppError::NotFound)?;
        let (name, share) = pictures::share_again(&original, &bytes, kind, focal)
            .map_err(|_| AppError::Storage(std::io::Error::other("a variant cannot be read")))?;
        media::store(&dir, &name, &share).map_err(AppError::Storage)
    })
    .await?
}
