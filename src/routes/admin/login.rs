//! `/admin/login` and `/admin/logout`: the sign-in form with its
//! double-submit CSRF cookie, throttling, one message for every wrong
//! email or password, and sign-out.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{forbidden, AdminLayout, CsrfForm};
use crate::auth::session::{self, Staff};
use crate::auth::{csrf, password, random_token, throttle};
use crate::db::{audit, sessions, settings, users, write_transaction, DbConn};
use crate::domain::Email;
use crate::error::AppError;
use crate::routes::state::{now, AppState};

/// The one message for an unknown email and a wrong password alike.
pub const WRONG: &str = "Email or password is wrong.";

#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    pub layout: AdminLayout,
    pub csrf_token: String,
    pub next: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
}

/// The login form as posted. Missing fields are empty: a form without its
/// CSRF token is refused with 403, not 400.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub csrf_token: String,
    pub next: String,
}

/// `next` if it is a path on this site, else the dashboard.
fn next_or_dashboard(next: Option<&str>) -> String {
    match next {
        Some(n) if session::safe_next(n) => n.to_owned(),
        _ => "/admin".to_owned(),
    }
}

/// An email as typed, as the throttle and the audit log keep it.
fn typed_email(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(Email::MAX_LEN)
        .collect()
}

async fn site_name(state: &AppState) -> Result<String, AppError> {
    state.run(|conn| Ok(settings::load(conn)?.name)).await
}

fn login_page(
    site_name: String,
    csrf_token: String,
    next: String,
    email: String,
    error: Option<String>,
) -> LoginPage {
    LoginPage {
        layout: AdminLayout::new(site_name, "Sign in", None),
        csrf_token,
        next,
        email,
        error,
    }
}

/// GET /admin/login: a fresh CSRF token in a cookie and in the form.
pub async fn form(
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let token = random_token();
    let next = next_or_dashboard(query.next.as_deref());
    let page = login_page(
        site_name(&state).await?,
        token.clone(),
        next,
        String::new(),
        None,
    );
    Ok(HttpResponse::Ok()
        .cookie(csrf::login_cookie(token, session::secure(&state)))
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// What a login attempt came to.
enum Outcome {
    Throttled(u64),
    Wrong,
    SignedIn(String),
}

/// Checks the throttle, then the password; notes the attempt and audits
/// it; on success stores a new session and returns its token.
fn attempt(
    conn: &mut DbConn,
    raw_email: &str,
    password_typed: &str,
    ip: &str,
    user_agent: &str,
) -> Result<Outcome, AppError> {
    let typed = typed_email(raw_email);
    let client = throttle::client_group(ip);
    let started = now();
    // Claimed as a failure first, then counted against the others: of any
    // number of parallel attempts, only as many as are free get through.
    let claim = sessions::claim_attempt(conn, &typed, &client, started)?;
    let since = throttle::window_start(started);
    let by_email = sessions::email_failures(conn, &typed, &client, since, claim)?;
    let by_client = sessions::client_failures(conn, &client, since, claim)?;
    if let Some(secs) = throttle::retry_after(&[by_email, by_client], started) {
        sessions::forget_attempt(conn, claim)?;
        return Ok(Outcome::Throttled(secs));
    }
    let user = match Email::parse(raw_email) {
        Some(email) => users::find_by_email(conn, &email)?,
        None => None,
    };
    let matched = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
        Some(hash) => password::verify(password_typed, hash),
        None => {
            password::verify_dummy(password_typed);
            false
        }
    };
    let known_id = user.as_ref().map(|u| u.id);
    let at = now();
    match user.filter(|u| matched && u.active) {
        Some(user) => {
            let (row, token) = session::new_session(user.id, ip, user_agent);
            write_transaction::<_, AppError, _>(conn, |conn| {
                sessions::attempt_succeeded(conn, claim)?;
                sessions::create(conn, &row)?;
                // Housekeeping, cheap and rare enough to do here.
                sessions::delete_expired(conn, at)?;
                sessions::delete_attempts_before(conn, at - chrono::Duration::days(1))?;
                audit::note(conn, Some(user.id), audit::LOGIN, "", ip, at)?;
                Ok(())
            })?;
            Ok(Outcome::SignedIn(token))
        }
        None => {
            // The claimed attempt stays as the failure it is.
            let detail = format!("email tried: {typed}");
            audit::note(conn, known_id, audit::LOGIN_FAILED, &detail, ip, at)?;
            Ok(Outcome::Wrong)
        }
    }
}

/// POST /admin/login.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::login_token_ok(&req, session::secure(&state), &form.csrf_token) {
        return Ok(forbidden());
    }
    let next = next_or_dashboard(Some(&form.next));
    let ip = session::client_ip(&req);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (email, typed_password) = (form.email.clone(), form.password);
    let (outcome, site_name) = state
        .run(move |conn| {
            let outcome = attempt(conn, &email, &typed_password, &ip, &user_agent)?;
            Ok((outcome, settings::load(conn)?.name))
        })
        .await?;
    let secure = session::secure(&state);
    let again = |status: StatusCode, message: String| -> Result<HttpResponse, AppError> {
        let page = login_page(
            site_name.clone(),
            form.csrf_token.clone(),
            next.clone(),
            form.email.trim().to_owned(),
            Some(message),
        );
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page.render()?))
    };
    match outcome {
        Outcome::SignedIn(token) => Ok(HttpResponse::SeeOther()
            .cookie(session::cookie(token, secure))
            .cookie(csrf::login_removal_cookie(secure))
            .insert_header((header::LOCATION, next.clone()))
            .finish()),
        Outcome::Wrong => {
            tracing::info!("failed staff login");
            again(StatusCode::UNAUTHORIZED, WRONG.to_owned())
        }
        Outcome::Throttled(secs) => {
            tracing::info!(retry_after = secs, "staff login throttled");
            let minutes = secs.div_ceil(60);
            let mut response = again(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many failed sign-ins. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ),
            )?;
            if let Ok(value) = header::HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

/// POST /admin/logout: ends this session (with the session's CSRF token).
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::session_token_ok(&staff, &form.csrf_token) {
        return Ok(forbidden());
    }
    let ip = session::client_ip(&req);
    let (session_id, user_id) = (staff.session_id.clone(), staff.user_id);
    state
        .run(move |conn| {
            let at = now();
            write_transaction::<_, AppError, _>(conn, |conn| {
                sessions::delete(conn, &session_id)?;
                audit::note(conn, Some(user_id), audit::LOGOUT, "", &ip, at)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal_cookie(session::secure(&state)))
        .insert_header((header::LOCATION, "/admin/login"))
        .finish())
}
