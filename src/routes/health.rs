//! `/healthz`: liveness and a database round trip, for load balancers
//! (plain text) and monitoring (JSON, with `Accept: application/json` or
//! `?format=json`).

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Duration;

use crate::app::AppState;

pub async fn check(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let backend = if state.db.url.is_sqlite() {
        "sqlite"
    } else {
        "postgres"
    };
    let pool = state.db.pool.clone();
    // A real read of a table: `SELECT 1` passes on a file that is no
    // longer a database. The short timeout keeps the answer quick.
    let result = web::block(move || -> Result<(), String> {
        let mut conn = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(|e| e.to_string())?;
        crate::db::settings::load(&mut conn)
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let wants_json = req.query_string().split('&').any(|p| p == "format=json")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
    let mut response = match &result {
        Ok(()) => HttpResponse::Ok(),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
        }
    };
    response.insert_header(CacheControl(vec![CacheDirective::NoStore]));
    let ok = result.is_ok();
    if wants_json {
        response.json(serde_json::json!({
            "status": if ok { "ok" } else { "error" },
            "database": if ok { "ok" } else { "unreachable" },
            "backend": backend,
            "version": env!("CARGO_PKG_VERSION"),
        }))
    } else {
        response
            .content_type("text/plain; charset=utf-8")
            .body(if ok {
                "ok\n"
            } else {
                "error: database unreachable\n"
            })
    }
}
