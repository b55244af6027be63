//! The files under `static/`, built into the binary and served under
//! content-derived names (`/static/site.3f9a0c21d4.css`), so a browser may
//! cache them for a year and a new release is fetched at once.

use std::sync::LazyLock;

use actix_web::http::header::HeaderValue;

pub struct Asset {
    /// The name templates ask for, e.g. `site.css`.
    pub name: &'static str,
    /// The fingerprinted file name, e.g. `site.3f9a0c21d4.css`.
    pub file_name: String,
    /// `/static/` + `file_name`.
    pub url: String,
    pub bytes: &'static [u8],
    /// The file in gzip and in brotli at maximum compression, made by
    /// `build.rs`; `None` for files that are compressed already (PNG).
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
    pub content_type: &'static str,
    /// The ETag of each form, made once: each coding of the file is its
    /// own representation with its own strong tag (`"…-gz"`, `"…-br"`).
    pub tags: Tags,
}

/// The `ETag` header value of each form of a file.
pub struct Tags {
    pub identity: HeaderValue,
    pub gzip: HeaderValue,
    pub brotli: HeaderValue,
}

impl Tags {
    /// The tags of a file whose own (identity) tag is `"{hash}"`; the hash
    /// is hexadecimal, so every value is a valid header.
    fn of(hash: &str) -> Tags {
        let value = |tag: String| {
            HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"static\""))
        };
        Tags {
            identity: value(format!("\"{hash}\"")),
            gzip: value(format!("\"{hash}-gz\"")),
            brotli: value(format!("\"{hash}-br\"")),
        }
    }
}

/// One static file: its name, its bytes and, for text, the forms that
/// `build.rs` compressed.
macro_rules! text_file {
    ($name:literal, $path:literal, $type:literal) => {
        (
            $name,
            include_bytes!(concat!("../static/", $path)),
            Some((
                include_bytes!(concat!(env!("OUT_DIR"), "/", $path, ".gz")).as_slice(),
                include_bytes!(concat!(env!("OUT_DIR"), "/", $path, ".br")).as_slice(),
            )),
            $type,
        )
    };
}

type File = (
    &'static str,
    &'static [u8],
    Option<(&'static [u8], &'static [u8])>,
    &'static str,
);

const FILES: [File; 6] = [
    text_file!("site.css", "css/site.css", "text/css; charset=utf-8"),
    text_file!("logo.svg", "img/logo.svg", "image/svg+xml"),
    text_file!("favicon.svg", "img/favicon.svg", "image/svg+xml"),
    (
        "share.png",
        include_bytes!("../static/img/share.png"),
        None,
        "image/png",
    ),
    text_file!(
        "editor.js",
        "js/editor.js",
        "text/javascript; charset=utf-8"
    ),
    text_file!("live.js", "js/live.js", "text/javascript; charset=utf-8"),
];

/// 64-bit FNV-1a: small, stable across builds, and plenty for cache busting.
fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")[..10].to_owned()
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, bytes, compressed, content_type)| {
            let hash = fingerprint(bytes);
            let file_name = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{name}.{hash}"),
            };
            Asset {
                name,
                url: format!("/static/{file_name}"),
                file_name,
                bytes,
                gzip: compressed.map(|(gz, _)| gz),
                brotli: compressed.map(|(_, br)| br),
                content_type,
                tags: Tags::of(&hash),
            }
        })
        .collect()
});

/// The public URL of a static file by its plain name. Only names listed in
/// `FILES` exist; asking for another is a programming error caught by tests.
pub fn url(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or("/static/missing", |a| a.url.as_str())
}

/// The asset served under a fingerprinted file name, if any.
pub fn find(file_name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.file_name == file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_fingerprinted_url() {
        for (name, ..) in FILES {
            let u = url(name);
            assert!(
                u.starts_with("/static/") && u != "/static/missing",
                "{name}: {u}"
            );
            let file = u.trim_start_matches("/static/");
            assert_eq!(find(file).map(|a| a.name), Some(name));
        }
        assert!(
            find("site.css").is_none(),
            "only fingerprinted names are served"
        );
    }
}
