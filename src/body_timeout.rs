//! Request bodies arrive in bounded time. actix-web times out a request's
//! head (`client_request_timeout`) but not its body: a client that sends
//! complete headers and then stops would hold its connection, and the
//! handler waiting on the body, for as long as it liked. A few hundred of
//! those exhaust the server.
//!
//! [`limit`] wraps every request body in a stream with a deadline: from
//! the moment the server first waits for the body, it must arrive within
//! the body timeout (`--body-timeout`, 20 s by default) plus one second
//! for every [`BYTES_PER_SECOND`] already received, so a large upload on
//! a slow line still gets through while a trickle does not. A body that
//! misses its deadline ends in an error for whatever was reading it, and
//! the answer, whatever the handler made of that error, is a 408 with the
//! connection closed.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep_until, Instant, Sleep};
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;

use crate::error::ErrorPage;

/// The rate a body must keep up, on average, once its first timeout has
/// passed: every this many bytes received buys one more second.
pub const BYTES_PER_SECOND: u64 = 16 * 1024;

/// A request body with a deadline. It notes in `expired` that the deadline
/// passed, for the middleware to answer 408.
struct Deadline {
    inner: Payload,
    timeout: Duration,
    /// When the server first waited for the body.
    started: Option<Instant>,
    received: u64,
    sleep: Option<Pin<Box<Sleep>>>,
    expired: Rc<Cell<bool>>,
}

impl Deadline {
    fn deadline(&self, started: Instant) -> Instant {
        let allowance =
            Duration::from_millis(self.received.saturating_mul(1000) / BYTES_PER_SECOND);
        started + self.timeout + allowance
    }
}

fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(Some(Err(timed_out())));
        }
        let started = *this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received = this.received.saturating_add(bytes.len() as u64);
                let deadline = this.deadline(started);
                if let Some(sleep) = this.sleep.as_mut() {
                    sleep.as_mut().reset(deadline);
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Pending => {
                let deadline = this.deadline(started);
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_ready() {
                    this.expired.set(true);
                    return Poll::Ready(Some(Err(timed_out())));
                }
                Poll::Pending
            }
            done => done,
        }
    }
}

/// The middleware: wraps the body of every request that has one, and turns
/// the answer to a request whose body missed its deadline into a 408 that
/// closes the connection. Requests without a body pass untouched.
pub async fn limit(
    timeout: Duration,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let expired = Rc::new(Cell::new(false));
    let body: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Deadline {
        inner: payload,
        timeout,
        started: None,
        received: 0,
        sleep: None,
        expired: expired.clone(),
    });
    req.set_payload(Payload::from(body));
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_boxed_body());
    }
    tracing::warn!(
        method = %res.request().method(),
        path = %res.request().path(),
        timeout_secs = timeout.as_secs(),
        "request body did not arrive in time; answered 408 and closed the connection"
    );
    let (req, _) = res.into_parts();
    let mut answer = ErrorPage::response(
        StatusCode::REQUEST_TIMEOUT,
        "Request timeout",
        "The form took too long to arrive, so nothing was changed. \
         Check your connection and send it again.",
    );
    answer.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer))
}
