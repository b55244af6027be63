//! Content codings: which one a client accepts (RFC 9110 §12.5.3), and
//! compressing a whole body into gzip or brotli in one call. Bodies are
//! compressed once, into a cache entry or a buffered response with a
//! `Content-Length`; no streaming encoder is kept per connection.

use std::io::Write;

use actix_web::http::header::HeaderValue;

/// A body's content coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value, if any.
    pub fn header_value(self) -> Option<HeaderValue> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Brotli => Some(HeaderValue::from_static("br")),
        }
    }
}

/// How hard to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// For a response compressed for one client only (a staff page, or
    /// any page with the cache off): fast, with a small window, and in
    /// gzip where the client takes it ([`for_one_client`]).
    Response,
    /// For a page kept in the cache and sent many times: a millisecond or
    /// two, so a cold page is not held up by its compression.
    Page,
    /// For files compressed once at build time: the smallest output.
    Max,
}

/// Compressions running at once. Each holds an encoder's window and
/// tables (megabytes for brotli), so a burst of readers queues here
/// instead of growing the process by one encoder each.
pub static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

/// How many compressions [`SLOTS`] lets run at once.
const AT_ONCE: usize = 2;

/// Bodies smaller than this are sent as they are: the coding's own
/// framing would eat what it saves.
pub const MIN_COMPRESS_BYTES: usize = 512;

/// What one `Accept-Encoding` value says of the codings on offer: the
/// q-value (in thousandths, RFC 9110 §12.4.2) of `br`, `gzip` and `*`,
/// each `None` when not named. Read in one pass over the bytes, with no
/// float parsed: it runs for every page served from the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Accepted {
    brotli: Option<u16>,
    gzip: Option<u16>,
    any: Option<u16>,
}

impl Accepted {
    fn of(accept: &[u8]) -> Accepted {
        let mut accepted = Accepted::default();
        for item in accept.split(|b| *b == b',') {
            let mut parts = item.split(|b| *b == b';');
            let coding = parts.next().unwrap_or_default().trim_ascii();
            let slot = if coding.eq_ignore_ascii_case(b"br") {
                &mut accepted.brotli
            } else if coding.eq_ignore_ascii_case(b"gzip") {
                &mut accepted.gzip
            } else if coding == b"*" {
                &mut accepted.any
            } else {
                continue;
            };
            // The first entry for a coding counts, as the first weight of an entry does.
            if slot.is_none() {
                *slot = Some(parts.find_map(weight).unwrap_or(1000));
            }
        }
        accepted
    }

    /// The q-value of `name`: its own entry's, else `*`'s; `None` when not
    /// acceptable (unnamed, or q=0).
    fn q(own: Option<u16>, any: Option<u16>) -> Option<u16> {
        own.or(any).filter(|q| *q > 0)
    }
}

/// A `q=` parameter's weight in thousandths (`q=0.5` is 500, at most
/// 1000); `None` for another parameter or one that is not a number.
fn weight(param: &[u8]) -> Option<u16> {
    let param = param.trim_ascii();
    let value = param
        .strip_prefix(b"q=")
        .or_else(|| param.strip_prefix(b"Q="))?
        .trim_ascii();
    let (whole, fraction) = match value.iter().position(|b| *b == b'.') {
        Some(dot) => (&value[..dot], &value[dot + 1..]),
        None => (value, &[][..]),
    };
    if (whole.is_empty() && fraction.is_empty())
        || !whole.iter().chain(fraction).all(u8::is_ascii_digit)
    {
        return None;
    }
    if whole.iter().any(|d| *d != b'0') {
        return Some(1000);
    }
    let mut thousandths = 0u16;
    for (i, digit) in fraction.iter().take(3).enumerate() {
        thousandths += u16::from(digit - b'0') * [100, 10, 1][i];
    }
    Some(thousandths)
}

/// The best coding the client accepts among those on offer: the highest
/// q-value, brotli before gzip at equal q, identity when neither is
/// accepted (or none is on offer).
pub fn negotiate(accept: Option<&HeaderValue>, gzip: bool, brotli: bool) -> Coding {
    let Some(accept) = accept else {
        return Coding::Identity;
    };
    let accepted = Accepted::of(accept.as_bytes());
    let q = |on_offer: bool, own: Option<u16>| {
        on_offer.then(|| Accepted::q(own, accepted.any)).flatten()
    };
    match (q(brotli, accepted.brotli), q(gzip, accepted.gzip)) {
        (Some(b), Some(g)) if g > b => Coding::Gzip,
        (Some(_), _) => Coding::Brotli,
        (None, Some(_)) => Coding::Gzip,
        (None, None) => Coding::Identity,
    }
}

/// The coding for a body compressed for one client only (a staff page, a
/// page with the cache off): gzip whenever the client takes it, even
/// where it prefers brotli, since a fast brotli costs about four times a
/// fast gzip here (a compressor's tables are made anew for each body) for
/// 8% fewer bytes; brotli for a client that takes only brotli.
pub fn for_one_client(accept: Option<&HeaderValue>) -> Coding {
    match negotiate(accept, true, false) {
        Coding::Gzip => Coding::Gzip,
        _ => negotiate(accept, false, true),
    }
}

/// Whether a response of this `Content-Type` is worth compressing: text,
/// markup and data, not images or archives that are compressed already.
pub fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    ct.starts_with("text/")
        || ct.contains("xml")
        || ct.contains("json")
        || ct.contains("javascript")
}

/// Deflate compressors for [`Effort::Response`], kept between bodies:
/// making one allocates and clears a few hundred kilobytes, which cost
/// more than compressing a page. At most one per slot ([`AT_ONCE`]) is kept.
static FAST_DEFLATE: std::sync::Mutex<Vec<flate2::Compress>> = std::sync::Mutex::new(Vec::new());

/// `body` in gzip at level 2 with a kept compressor: the gzip header
/// (RFC 1952, no name or time), raw deflate, then CRC-32 and length.
/// `flate2`'s `GzEncoder` makes a new compressor each time.
fn gzip_fast(body: &[u8]) -> Vec<u8> {
    let kept = FAST_DEFLATE.lock().ok().and_then(|mut pool| pool.pop());
    let mut deflate =
        kept.unwrap_or_else(|| flate2::Compress::new(flate2::Compression::new(2), false));
    deflate.reset();
    let mut out = Vec::with_capacity(body.len() / 2 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let done = loop {
        let read = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
        let rest = body.get(read..).unwrap_or_default();
        match deflate.compress_vec(rest, &mut out, flate2::FlushCompress::Finish) {
            Ok(flate2::Status::StreamEnd) => break true,
            Ok(_) => out.reserve(body.len() / 4 + 1024),
            Err(_) => break false,
        }
    };
    if let Ok(mut pool) = FAST_DEFLATE.lock() {
        if pool.len() < AT_ONCE {
            pool.push(deflate);
        }
    }
    if !done {
        return Vec::new();
    }
    let mut crc = flate2::Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out
}

/// `body` in gzip.
pub fn gzip(body: &[u8], effort: Effort) -> Vec<u8> {
    let level = match effort {
        Effort::Response => return gzip_fast(body),
        Effort::Page => flate2::Compression::new(6),
        Effort::Max => flate2::Compression::best(),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3 + 64), level);
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// `body` in brotli.
pub fn brotli(body: &[u8], effort: Effort) -> Vec<u8> {
    let (quality, lgwin) = match effort {
        Effort::Response => (2, 16),
        Effort::Page => (6, 20),
        Effort::Max => (11, 22),
    };
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin,
        size_hint: body.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 4 + 64);
    let mut input = body;
    match brotli::BrotliCompress(&mut input, &mut out, &params) {
        Ok(_) => out,
        Err(_) => Vec::new(),
    }
}

/// `body` in `coding`, or `None` when the coding would not make it
/// smaller (or is identity).
pub fn encode(body: &[u8], coding: Coding, effort: Effort) -> Option<Vec<u8>> {
    if body.len() < MIN_COMPRESS_BYTES {
        return None;
    }
    let out = match coding {
        Coding::Identity => return None,
        Coding::Gzip => gzip(body, effort),
        Coding::Brotli => brotli(body, effort),
    };
    (!out.is_empty() && out.len() < body.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accept(v: &'static str) -> Option<HeaderValue> {
        Some(HeaderValue::from_static(v))
    }

    #[test]
    fn brotli_is_preferred_then_gzip_then_identity() {
        let n = |v, g, b| negotiate(accept(v).as_ref(), g, b);
        assert_eq!(n("gzip, deflate, br", true, true), Coding::Brotli);
        assert_eq!(n("gzip, deflate, br", true, false), Coding::Gzip);
        assert_eq!(n("gzip;q=1, br;q=0.5", true, true), Coding::Gzip);
        assert_eq!(n("br;q=0, gzip", true, true), Coding::Gzip);
        assert_eq!(n("*", true, true), Coding::Brotli);
        assert_eq!(n("*, br;q=0", true, true), Coding::Gzip);
        assert_eq!(n("identity", true, true), Coding::Identity);
        assert_eq!(n("deflate", true, true), Coding::Identity);
        assert_eq!(negotiate(None, true, true), Coding::Identity);
    }

    #[test]
    fn q_values_are_read_in_thousandths_and_a_malformed_one_counts_as_absent() {
        let n = |v, g, b| negotiate(accept(v).as_ref(), g, b);
        assert_eq!(n("br;q=0.501, gzip;q=0.502", true, true), Coding::Gzip);
        assert_eq!(n("br;q=0.502, gzip;q=0.501", true, true), Coding::Brotli);
        assert_eq!(n(" GZIP ; Q=0.9 ,BR;q=0.8 ", true, true), Coding::Gzip);
        assert_eq!(n("br;q=0.000, gzip;q=0.001", true, true), Coding::Gzip);
        assert_eq!(n("br;q=0.0, gzip;q=0", true, true), Coding::Identity);
        // A weight that is not a number is ignored: the entry weighs 1.
        assert_eq!(n("br;q=high, gzip;q=0.9", true, true), Coding::Brotli);
        assert_eq!(n("br;q=, gzip;q=0.9", true, true), Coding::Brotli);
        assert_eq!(n("br;level=5;q=0.1, gzip", true, true), Coding::Gzip);
        // The first entry for a coding counts.
        assert_eq!(n("br;q=0, br, gzip;q=0.5", true, true), Coding::Gzip);
        assert_eq!(n("*;q=0.3, gzip;q=0.2", true, true), Coding::Brotli);
        assert_eq!(weight(b"q=1.000"), Some(1000));
        assert_eq!(weight(b"q=.25"), Some(250));
        assert_eq!(weight(b"q=0.12345"), Some(123));
        assert_eq!(weight(b"q=-1"), None);
        assert_eq!(weight(b"charset=x"), None);
    }

    #[test]
    fn both_codings_round_trip() {
        let body = "<p>The harbour reopened this morning.</p>\n".repeat(100);
        let gz = encode(body.as_bytes(), Coding::Gzip, Effort::Page).expect("smaller");
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .expect("gzip decodes");
        assert_eq!(back, body);
        let br = encode(body.as_bytes(), Coding::Brotli, Effort::Max).expect("smaller");
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).expect("brotli decodes");
        assert_eq!(back, body.as_bytes());
        assert_eq!(encode(b"tiny", Coding::Gzip, Effort::Page), None);
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut back)
            .expect("gzip decodes");
        back
    }

    #[test]
    fn a_kept_gzip_compressor_gives_whole_streams_each_time() {
        // Text, text longer than the first output buffer guess, and bytes
        // that do not compress (the output grows past its first guess).
        let text = "<p>The harbour reopened this morning.</p>\n".repeat(2_000);
        let mut noise = Vec::with_capacity(200_000);
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x.to_le_bytes()[0]);
        }
        for body in [text.as_bytes(), &noise[..], b"", text.as_bytes()] {
            let first = gzip(body, Effort::Response);
            let again = gzip(body, Effort::Response);
            assert_eq!(first, again, "a kept compressor starts afresh");
            assert_eq!(gunzip(&first), body);
        }
        assert!(gzip(text.as_bytes(), Effort::Response).len() < text.len() / 10);
    }

    #[test]
    fn one_client_gets_gzip_when_it_takes_it_else_brotli() {
        assert_eq!(
            for_one_client(accept("gzip, deflate, br").as_ref()),
            Coding::Gzip
        );
        assert_eq!(
            for_one_client(accept("br;q=1, gzip;q=0.5").as_ref()),
            Coding::Gzip
        );
        assert_eq!(for_one_client(accept("br").as_ref()), Coding::Brotli);
        assert_eq!(
            for_one_client(accept("gzip;q=0, br").as_ref()),
            Coding::Brotli
        );
        assert_eq!(
            for_one_client(accept("identity").as_ref()),
            Coding::Identity
        );
        assert_eq!(for_one_client(None), Coding::Identity);
    }
}
