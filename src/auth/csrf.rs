//! CSRF protection. Before sign-in there is no session, so the login form
//! uses a double-submit cookie: GET /admin/login sets a random token in the
//! `iconocast_login_csrf` cookie (`__Host-iconocast_login_csrf` over https)
//! and in the form, and the POST must carry
//! both, equal. After sign-in every form carries the session's own token.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

use super::session::Staff;

/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "iconocast_login_csrf";

/// The same over https: `__Host-`, so that no other host of the domain can
/// plant a token of its choosing (the one weakness of a double-submit
/// cookie). That prefix needs `Path=/`; on plain http it stays `/admin`.
pub const SECURE_LOGIN_COOKIE: &str = "__Host-iconocast_login_csrf";

/// The name of the hidden field in every staff form.
pub const FIELD: &str = "csrf_token";

fn login_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_LOGIN_COOKIE
    } else {
        LOGIN_COOKIE
    }
}

pub fn login_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(login_cookie_name(secure), token)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path(if secure { "/" } else { "/admin" })
        .secure(secure)
        .finish()
}

pub fn login_removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = login_cookie(String::new(), secure);
    c.make_removal();
    c
}

/// Whether a login POST's field matches its cookie (both present).
pub fn login_token_ok(req: &HttpRequest, secure: bool, field: &str) -> bool {
    match req.cookie(login_cookie_name(secure)) {
        Some(cookie) => tokens_match(cookie.value(), field),
        None => false,
    }
}

/// Whether a signed-in POST carries its session's token.
pub fn session_token_ok(staff: &Staff, field: &str) -> bool {
    tokens_match(&staff.csrf_token, field)
}

fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && super::constant_time_eq(expected, given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tokens_never_match() {
        assert!(!tokens_match("", ""));
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", ""));
    }
}
