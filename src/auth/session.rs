//! Sessions as the browser sees them: a random token in the
//! `iconocast_session` cookie (`__Host-iconocast_session` over https), looked up by its BLAKE2 digest, and the
//! [`Staff`] extractor that every page under `/admin` takes. Without a live
//! session it answers 303 to the login form, with `next` set to the page.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use blake2::{Blake2s256, Digest};
use chrono::Duration;

use crate::app::AppState;
use crate::db::models::Session;
use crate::db::sessions::{self, ABSOLUTE_DAYS};
use crate::domain::clock::now;
use crate::domain::Role;

/// The session cookie.
pub const COOKIE: &str = "iconocast_session";

/// The hex BLAKE2s-256 digest of a token: what `sessions.id` stores.
pub fn digest(token: &str) -> String {
    hex::encode(Blake2s256::digest(token.as_bytes()))
}

/// Whether a cookie value could be a token we issued (64 hex digits), so
/// junk never reaches the database.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The session cookie of a site served over https: `Secure`, and with the
/// `__Host-` prefix, which browsers accept only from this very host, over
/// https, with `Path=/` and no `Domain`, so no other host of the domain
/// (nor anyone on plain http) can set or overwrite it.
pub const SECURE_COOKIE: &str = "__Host-iconocast_session";

/// Cookies are `Secure` and `__Host-` when the site is served over HTTPS.
pub fn secure(state: &AppState) -> bool {
    crate::app::is_https(&state.base_url)
}

/// The session cookie's name: [`SECURE_COOKIE`] over https, [`COOKIE`]
/// on plain http (the laptop demo).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The cookie that carries a new session's token.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(secure), token)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(CookieDuration::days(ABSOLUTE_DAYS))
        .finish()
}

/// The cookie that makes the browser forget its session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie(String::new(), secure);
    c.make_removal();
    c
}

/// A new session for `user_id`: the row to store and the token for the cookie.
pub fn new_session(user_id: i32, ip: &str, user_agent: &str) -> (Session, String) {
    let token = super::random_token();
    let at = now();
    let session = Session {
        id: digest(&token),
        user_id,
        csrf_token: super::random_token(),
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::days(ABSOLUTE_DAYS),
        ip: ip.to_owned(),
        user_agent: user_agent.chars().take(300).collect(),
    };
    (session, token)
}

/// The client's address, for throttling and the audit log: the socket's
/// peer, unless that peer is one of the configured trusted proxies; then
/// the nearest address in `X-Forwarded-For` that is not a trusted proxy.
/// Forwarding headers from anyone else are ignored: they can be forged.
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    let trusted: &[IpAddr] = req
        .app_data::<web::Data<AppState>>()
        .map_or(&[], |s| s.trusted_proxies.as_slice());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    forwarded_client(peer, trusted, &forwarded).to_string()
}

/// The client behind `peer`: walks `X-Forwarded-For` (all its values, in
/// order) from the right while the hop is a trusted proxy. A malformed
/// entry stops the walk at the last address known to be real.
fn forwarded_client(peer: IpAddr, trusted: &[IpAddr], forwarded: &[&str]) -> IpAddr {
    let mut client = peer;
    if !trusted.contains(&client) {
        return client;
    }
    let hops = forwarded
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The signed-in staff member of a request under `/admin`.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The session's own CSRF token, for every form the page shows.
    pub csrf_token: String,
    /// `sessions.id` of this session.
    pub session_id: String,
    /// The client's address ([`client_ip`]), for the audit log.
    pub ip: String,
}

/// Whether `next` is a path on this site that a login may redirect to:
/// it starts with one `/` (not `//` or `/\`, which browsers treat as
/// another host) and has no backslashes or control characters.
pub fn safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 1024
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

/// 303 to the login form, coming back to this page afterwards.
pub fn login_redirect(req: &HttpRequest) -> HttpResponse {
    let next = if matches!(*req.method(), Method::GET | Method::HEAD) {
        match req.uri().path_and_query() {
            Some(pq) if safe_next(pq.as_str()) => pq.as_str().to_owned(),
            _ => "/admin".to_owned(),
        }
    } else {
        "/admin".to_owned()
    };
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/login?next={encoded}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let refuse = || -> actix_web::Error {
                InternalError::from_response("sign-in required", login_redirect(&req)).into()
            };
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Err(actix_web::error::ErrorInternalServerError(
                    "no application state",
                ));
            };
            let name = cookie_name(secure(&state));
            let Some(token) = req.cookie(name).map(|c| c.value().to_owned()) else {
                return Err(refuse());
            };
            if !well_formed(&token) {
                return Err(refuse());
            }
            let id = digest(&token);
            let ip = client_ip(&req);
            let found = state
                .run(move |conn| Ok(sessions::find_live(conn, &id, now())?))
                .await?;
            match found {
                Some((session, user)) => Ok(Staff {
                    user_id: user.id,
                    name: user.name,
                    email: user.email,
                    role: user.role,
                    csrf_token: session.csrf_token,
                    session_id: session.id,
                    ip,
                }),
                None => Err(refuse()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_hex_and_differs_from_the_token() {
        let token = crate::auth::random_token();
        let d = digest(&token);
        assert_eq!(d.len(), 64);
        assert_ne!(d, token);
        assert_eq!(d, digest(&token));
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        // Not from a proxy: the header is anyone's words.
        assert_eq!(
            forwarded_client(ip("198.51.100.7"), &trusted, &["203.0.113.9"]),
            ip("198.51.100.7")
        );
        // Through two proxies: the nearest untrusted hop, not a forged
        // first entry.
        assert_eq!(
            forwarded_client(proxy, &trusted, &["1.2.3.4, 203.0.113.9, 10.0.0.3"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            forwarded_client(proxy, &trusted, &["1.2.3.4", "203.0.113.9"]),
            ip("203.0.113.9")
        );
        // No header, or junk: the proxy itself, or the last real hop.
        assert_eq!(forwarded_client(proxy, &trusted, &[]), proxy);
        assert_eq!(forwarded_client(proxy, &trusted, &["junk"]), proxy);
        assert_eq!(
            forwarded_client(proxy, &trusted, &["junk, 10.0.0.3"]),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        assert!(safe_next("/admin"));
        assert!(safe_next("/admin/articles?page=2"));
        for bad in [
            "",
            "admin",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/admin\r\nX: y",
        ] {
            assert!(!safe_next(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_session_cookie_is_http_only_and_lax() {
        let c = cookie("t".into(), false).to_string();
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite=Lax"), "{c}");
        assert!(c.contains("Path=/"), "{c}");
        assert!(!c.contains("Secure"), "{c}");
        let secure = cookie("t".into(), true).to_string();
        assert!(
            secure.starts_with("__Host-iconocast_session=t;"),
            "{secure}"
        );
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(secure.contains(attribute), "{secure}");
        }
        assert!(!secure.contains("Domain"), "{secure}");
        assert!(c.starts_with("iconocast_session=t;"), "{c}");
    }
}
