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
use actix_web::web;
use tracing::field::{Field, Visit};
use tracing::{Event, Instrument, Level, Subscriber};
use tracing_core::field::FieldSet;
use tracing_core::metadata::{Kind, Metadata};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::EnvFilter;

use crate::app::AppState;
use crate::domain::limits::{MAX_PATH_BYTES, MAX_QUERY_BYTES};
use crate::error::ErrorPage;

/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,diesel=warn,r2d2=warn";

/// `RUST_LOG`'s filter, or [`DEFAULT_FILTER`].
fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// Logs to stderr; `RUST_LOG` adjusts the level (default `info`). Colours
/// only on a terminal: a log file or a journal gets plain text.
pub fn init() {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing::subscriber::set_global_default(subscriber(env_filter, std::io::stderr, ansi));
}

/// The subscriber [`init`] installs, writing to `writer`; `filter` makes
/// the filter (it is asked for twice).
pub fn subscriber<W>(filter: impl Fn() -> EnvFilter, writer: W, ansi: bool) -> impl Subscriber
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(ansi)
        .with_writer(writer)
        .with_target(false)
        .finish()
        .with(ClientConnectionErrors { filter: filter() })
}

/// Where actix-http logs the connections it ends.
const DISPATCHER: &str = "actix_http::h1::dispatcher";

/// actix-http logs at error level every connection that ends in an
/// error, and most such errors are the client's doing: a malformed
/// request (answered 400), a head too large (431), a connection that
/// broke. Any client could fill the error log with them, and they carry
/// no request id. This layer treats those as debug: they are written only
/// when the filter lets `actix_http` debug through
/// (`RUST_LOG=info,actix_http=debug`). Everything else actix logs,
/// response bodies that failed and internal errors among it, stays as it
/// is.
struct ClientConnectionErrors {
    filter: EnvFilter,
}

/// Reads an event's message.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }
}

/// Whether `event` is actix-http's report of a connection ended by the
/// client's error: what it logs as `stream error` for an I/O or parse
/// error, and a peer that stopped taking data.
fn is_client_connection_error(event: &Event<'_>) -> bool {
    let meta = event.metadata();
    if meta.target() != DISPATCHER || *meta.level() != Level::ERROR {
        return false;
    }
    let mut message = Message::default();
    event.record(&mut message);
    let m = message.0.as_str();
    m.starts_with("stream error: I/O error")
        || m.starts_with("stream error: request parse error")
        || m == "write zero; closing"
}

impl<S: Subscriber> Layer<S> for ClientConnectionErrors {
    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        if !is_client_connection_error(event) {
            return true;
        }
        let meta = event.metadata();
        let as_debug = Metadata::new(
            meta.name(),
            meta.target(),
            Level::DEBUG,
            meta.file(),
            meta.line(),
            meta.module_path(),
            FieldSet::new(&[], meta.callsite()),
            Kind::EVENT,
        );
        self.filter.enabled(&as_debug, ctx)
    }
}

static PROCESS_TAG: LazyLock<u32> = LazyLock::new(|| {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
});
static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A request's id, `3fa2b9c1-000042`: the process run's tag in hex and a
/// counter of at least six digits, so unique per run and ordered within
/// it. Written into a buffer on the stack: `format!` took a tenth of the
/// portal's own work on a page served from the cache.
struct RequestId {
    bytes: [u8; 29],
    len: usize,
}

impl RequestId {
    fn next() -> RequestId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [b'0'; 29];
        let tag = *PROCESS_TAG;
        for (i, b) in bytes[..8].iter_mut().enumerate() {
            *b = HEX[(tag >> (28 - 4 * i)) as usize & 0xf];
        }
        bytes[8] = b'-';
        let mut digits = itoa::Buffer::new();
        let count = digits
            .format(COUNTER.fetch_add(1, Ordering::Relaxed))
            .as_bytes();
        let len = 9 + count.len().max(6);
        bytes[len - count.len()..len].copy_from_slice(count);
        RequestId { bytes, len }
    }

    fn as_str(&self) -> &str {
        // Hex digits, a hyphen and decimal digits: always ASCII.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    let id = RequestId::next();
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
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let elapsed = start.elapsed();
    if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
        state.count(|m| m.observe_request(res.request(), res.status(), elapsed));
    }
    if tracing::enabled!(tracing::Level::INFO) {
        let status = res.status().as_u16();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let method = res.request().method();
        let path = clip(res.request().path(), 200);
        tracing::info!(request_id = %id, %method, %path, status, latency_ms = format!("{latency_ms:.2}"), "request");
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Log output kept in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    /// What the subscriber with `directives` writes for the events `emit`
    /// sends.
    fn logged(directives: &'static str, emit: impl FnOnce()) -> String {
        let out = Captured::default();
        let subscriber = subscriber(|| EnvFilter::new(directives), out.clone(), false);
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = out.0.lock().expect("log buffer").clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// What actix-http's dispatcher logs, from its own target.
    fn dispatcher_errors() {
        tracing::error!(
            target: "actix_http::h1::dispatcher",
            "stream error: {}",
            "request parse error: invalid Header provided"
        );
        tracing::error!(
            target: "actix_http::h1::dispatcher",
            "stream error: {}",
            "I/O error: Connection reset by peer (os error 104)"
        );
        tracing::error!(target: "actix_http::h1::dispatcher", "write zero; closing");
        tracing::error!(target: "actix_http::h1::dispatcher", "stream error: internal error");
        tracing::error!(
            target: "actix_http::h1::dispatcher",
            "Response payload stream error: {:?}",
            "broken"
        );
        tracing::error!(target: "iconocast::error", "request failed");
    }

    #[test]
    fn the_default_filter_keeps_client_connection_errors_out_of_the_error_log() {
        let out = logged(DEFAULT_FILTER, dispatcher_errors);
        assert!(!out.contains("request parse error"), "{out}");
        assert!(!out.contains("Connection reset by peer"), "{out}");
        assert!(!out.contains("write zero"), "{out}");
        // Real server errors stay visible.
        assert!(out.contains("stream error: internal error"), "{out}");
        assert!(out.contains("Response payload stream error"), "{out}");
        assert!(out.contains("request failed"), "{out}");
        for line in out.lines() {
            assert!(line.contains("ERROR"), "{line}");
        }
    }

    #[test]
    fn client_connection_errors_show_with_actix_http_debug() {
        let out = logged("info,actix_http=debug", dispatcher_errors);
        assert!(out.contains("request parse error"), "{out}");
        assert!(out.contains("Connection reset by peer"), "{out}");
        let out = logged("warn", dispatcher_errors);
        assert!(!out.contains("request parse error"), "{out}");
        assert!(out.contains("request failed"), "{out}");
    }

    #[test]
    fn request_ids_are_the_runs_tag_and_a_counter_of_six_digits_or_more() {
        let tag = format!("{:08x}", *PROCESS_TAG);
        let first = RequestId::next().to_string();
        let second = RequestId::next().to_string();
        for id in [&first, &second] {
            let (hex, count) = id.split_once('-').expect("a hyphen");
            assert_eq!(hex, tag);
            assert!(
                count.len() >= 6 && count.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
        }
        let number = |id: &str| id[9..].parse::<u64>().expect("a number");
        assert!(number(&second) > number(&first), "{first} then {second}");
        COUNTER.store(1_234_567_890_123, Ordering::Relaxed);
        assert_eq!(
            RequestId::next().to_string(),
            format!("{tag}-1234567890123")
        );
        COUNTER.store(42, Ordering::Relaxed);
        assert_eq!(RequestId::next().to_string(), format!("{tag}-000042"));
    }

    #[test]
    fn long_paths_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("/sport", 200), "/sport");
        assert_eq!(clip("/añb", 2), "/a");
        assert_eq!(clip("/añb", 3), "/a");
        assert_eq!(clip("/añb", 4), "/añ");
        assert_eq!(clip(&"é".repeat(300), 200).len(), 200);
    }
}
