//! Logging: the tracing subscriber, and the middleware that gives every
//! request an id and logs its method, path, status and latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::error::ErrorPage;

/// Paths longer than this answer 414: no page of ours has one.
pub const MAX_PATH_BYTES: usize = 1024;
/// Query strings longer than this answer 414.
pub const MAX_QUERY_BYTES: usize = 2048;

/// Logs to stderr; `RUST_LOG` adjusts the level (default `info`). Colours
/// only on a terminal: a log file or a journal gets plain text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,diesel=warn,r2d2=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

static PROCESS_TAG: LazyLock<u32> = LazyLock::new(|| {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
});
static COUNTER: AtomicU64 = AtomicU64::new(1);

/// `3fa2b9c1-000042`: unique per process run, ordered within it.
fn next_request_id() -> String {
    format!(
        "{:08x}-{:06}",
        *PROCESS_TAG,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[..end]
}

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = next_request_id();
    let method = req.method().clone();
    let path = clip(req.path(), 200).to_owned();
    let start = Instant::now();
    let too_long = req.path().len() > MAX_PATH_BYTES || req.query_string().len() > MAX_QUERY_BYTES;
    let mut res = if too_long {
        req.into_response(ErrorPage::response(
            StatusCode::URI_TOO_LONG,
            "Address too long",
            "That web address is longer than any page on this site.",
        ))
    } else {
        let span = tracing::info_span!("request", request_id = %id);
        next.call(req).instrument(span).await?.map_into_boxed_body()
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let status = res.status().as_u16();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(request_id = %id, %method, %path, status, latency_ms = format!("{latency_ms:.2}"), "request");
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn long_paths_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("/sport", 200), "/sport");
        assert_eq!(clip("/añb", 2), "/a");
        assert_eq!(clip("/añb", 3), "/a");
        assert_eq!(clip("/añb", 4), "/añ");
        assert_eq!(clip(&"é".repeat(300), 200).len(), 200);
    }
}
