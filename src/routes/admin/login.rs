//! `/admin/login` and `/admin/logout`: the sign-in form with its
//! double-submit CSRF cookie, throttling, one message for every wrong
//! email or password, and sign-out.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{Button, StaffForm};
use super::page::AdminLayout;
use crate::app::AppState;
use crate::auth::session;
use crate::auth::{csrf, password, random_token};
use crate::db::models::StaffUser;
use crate::db::{audit, sessions, settings, users, write_transaction, DbConn};
use crate::domain::clock::now;
use crate::domain::throttle;
use crate::domain::Email;
use crate::error::AppError;

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

/// What a login attempt came to; a refusal carries the site's name for
/// the form it shows again.
enum Outcome {
    Throttled { secs: u64, site_name: String },
    Wrong { site_name: String },
    SignedIn(String),
}

/// What the first look at the database found: a throttled attempt, or
/// the claimed attempt and the user its email names (if any).
enum Claimed {
    Throttled { secs: u64, site_name: String },
    Go { claim: i32, user: Option<StaffUser> },
}

/// Claims the attempt, checks the throttle and reads the user. The
/// password is not checked here: that takes tens of milliseconds of CPU,
/// and must not hold a database connection meanwhile.
fn claim(conn: &mut DbConn, typed: &str, raw_email: &str, ip: &str) -> Result<Claimed, AppError> {
    let client = throttle::client_group(ip);
    let started = now();
    // Claimed as a failure first, then counted against the others: of any
    // number of parallel attempts, only as many as are free get through.
    let claim = sessions::claim_attempt(conn, typed, &client, started)?;
    let since = throttle::window_start(started);
    let by_email = sessions::email_failures(conn, typed, &client, since, claim)?;
    let by_client = sessions::client_failures(conn, &client, since, claim)?;
    if let Some(secs) = throttle::retry_after(&[by_email, by_client], started) {
        sessions::forget_attempt(conn, claim)?;
        let site_name = settings::load(conn)?.name;
        return Ok(Claimed::Throttled { secs, site_name });
    }
    let user = match Email::parse(raw_email) {
        Some(email) => users::find_by_email(conn, &email)?,
        None => None,
    };
    Ok(Claimed::Go { claim, user })
}

/// Records a checked attempt and audits it; on success stores a new
/// session and returns its token. A user whose password or active flag
/// changed while the password was being checked is not signed in.
fn record(
    conn: &mut DbConn,
    claim: i32,
    typed: &str,
    user: Option<StaffUser>,
    matched: bool,
    ip: &str,
    user_agent: &str,
) -> Result<Outcome, AppError> {
    let known_id = user.as_ref().map(|u| u.id);
    let at = now();
    let signed_in = match user.filter(|u| matched && u.active) {
        Some(user) => write_transaction::<_, AppError, _>(conn, |conn| {
            // Read again as the writer: the password checked must still
            // be the user's, and the user still active.
            let current = users::find_staff(conn, user.id)?;
            if !current.is_some_and(|c| c.active && c.password_hash == user.password_hash) {
                return Ok(None);
            }
            let (row, token) = session::new_session(user.id, ip, user_agent);
            sessions::attempt_succeeded(conn, claim)?;
            sessions::create(conn, &row)?;
            // Housekeeping, cheap and rare enough to do here.
            sessions::delete_expired(conn, at)?;
            sessions::delete_attempts_before(conn, at - chrono::Duration::days(1))?;
            audit::note(conn, Some(user.id), audit::LOGIN, "", ip, at)?;
            Ok(Some(token))
        })?,
        None => None,
    };
    match signed_in {
        Some(token) => Ok(Outcome::SignedIn(token)),
        None => {
            // The claimed attempt stays as the failure it is.
            let detail = format!("email tried: {typed}");
            audit::note(conn, known_id, audit::LOGIN_FAILED, &detail, ip, at)?;
            let site_name = settings::load(conn)?.name;
            Ok(Outcome::Wrong { site_name })
        }
    }
}

/// Checks the throttle, then the password; notes the attempt and audits
/// it; on success stores a new session and returns its token. The
/// database connection is taken twice, before and after the password
/// check, and is not held while the password is checked.
async fn attempt(
    state: &AppState,
    raw_email: String,
    password_typed: String,
    ip: String,
    user_agent: String,
) -> Result<Outcome, AppError> {
    let typed = typed_email(&raw_email);
    let claimed = {
        let (typed, ip) = (typed.clone(), ip.clone());
        state
            .run(move |conn| claim(conn, &typed, &raw_email, &ip))
            .await?
    };
    let (claim, user) = match claimed {
        Claimed::Throttled { secs, site_name } => {
            return Ok(Outcome::Throttled { secs, site_name })
        }
        Claimed::Go { claim, user } => (claim, user),
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matched = password::check(password_typed, hash).await?;
    state
        .run(move |conn| record(conn, claim, &typed, user, matched, &ip, &user_agent))
        .await
}

/// POST /admin/login.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::login_token_ok(&req, session::secure(&state), &form.csrf_token) {
        return Err(AppError::form_expired());
    }
    let next = next_or_dashboard(Some(&form.next));
    let ip = session::client_ip(&req);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let outcome = attempt(&state, form.email.clone(), form.password, ip, user_agent).await?;
    let secure = session::secure(&state);
    let again = |status: StatusCode,
                 site_name: String,
                 message: String|
     -> Result<HttpResponse, AppError> {
        let page = login_page(
            site_name,
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
        Outcome::Wrong { site_name } => {
            tracing::info!("failed staff login");
            again(StatusCode::UNAUTHORIZED, site_name, WRONG.to_owned())
        }
        Outcome::Throttled { secs, site_name } => {
            tracing::info!(retry_after = secs, "staff login throttled");
            let minutes = secs.div_ceil(60);
            let mut response = again(
                StatusCode::TOO_MANY_REQUESTS,
                site_name,
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
    state: web::Data<AppState>,
    post: StaffForm<Button>,
) -> Result<HttpResponse, AppError> {
    let staff = post.staff;
    let ip = staff.ip.clone();
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
