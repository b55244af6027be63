//! Compresses the text files under `static/` (CSS, JavaScript, SVG) with
//! gzip and brotli at their highest settings, once, at build time.
//! `src/static_files.rs` builds the results into the binary beside the
//! originals, so no request ever compresses a static file.
//!
//! It also sets the `postgres_tests` cfg when `TEST_DATABASE_URL` is set and
//! not empty: the integration tests' PostgreSQL variants (`backend_test!` in
//! `tests/api/helpers.rs`) are ignored without it, so `cargo test` on a
//! machine without PostgreSQL lists them as ignored instead of passing them.

use std::io::Write;
use std::path::Path;

/// The files compressed; keep in step with `src/static_files.rs`.
const TEXT_FILES: [&str; 5] = [
    "css/site.css",
    "img/logo.svg",
    "img/favicon.svg",
    "js/editor.js",
    "js/live.js",
];

fn main() {
    postgres_tests();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for file in TEXT_FILES {
        let source = Path::new("static").join(file);
        println!("cargo:rerun-if-changed={}", source.display());
        let bytes = std::fs::read(&source)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
        let target = Path::new(&out_dir).join(file);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("create OUT_DIR folder");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("gzip into memory");
        let gz = gz.finish().expect("gzip into memory");
        std::fs::write(format!("{}.gz", target.display()), gz).expect("write .gz");

        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            size_hint: bytes.len(),
            ..Default::default()
        };
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).expect("brotli into memory");
        std::fs::write(format!("{}.br", target.display()), br).expect("write .br");
    }
}

/// Marks the build as one that runs the PostgreSQL tests; rebuilt when the
/// variable changes.
fn postgres_tests() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    let set = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty());
    if set {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
