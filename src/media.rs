//! Uploaded images: recognising them by their content, and keeping them on
//! disk under content-addressed names (`{16 hex of a BLAKE2 digest}.{ext}`).
//!
//! Everything here is synchronous and touches no database: handlers call
//! the file functions on the blocking pool (`web::block`). The media folder
//! may be shared by several processes, so a file is written under a
//! temporary name in the same folder and renamed into place: a reader sees
//! either no file or the whole file, never a partial one.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use blake2::{Blake2b512, Digest};

/// The `accept` attribute of the upload field, and what the error pages name.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif";

/// The kinds in words, for messages.
pub const ACCEPTED_NAMES: &str = "JPEG, PNG, WebP or GIF";

/// The largest width or height accepted, in pixels.
pub const MAX_DIMENSION: u32 = 65_535;

/// The image formats the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageKind {
    pub const ALL: [ImageKind; 4] = [
        ImageKind::Jpeg,
        ImageKind::Png,
        ImageKind::Webp,
        ImageKind::Gif,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
            ImageKind::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
            ImageKind::Gif => "gif",
        }
    }

    pub fn from_extension(ext: &str) -> Option<ImageKind> {
        ImageKind::ALL.into_iter().find(|k| k.extension() == ext)
    }
}

/// What [`sniff`] found: the format and the size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageType {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

impl ImageType {
    pub fn content_type(&self) -> &'static str {
        self.kind.content_type()
    }

    pub fn extension(&self) -> &'static str {
        self.kind.extension()
    }
}

/// The format's own signature, checked strictly before `imagesize` reads
/// the dimensions (it only looks at the first few bytes).
fn signature(bytes: &[u8]) -> Option<ImageKind> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Some(ImageKind::Jpeg);
    }
    if bytes.starts_with(PNG) && bytes.get(12..16) == Some(b"IHDR".as_slice()) {
        return Some(ImageKind::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(ImageKind::Gif);
    }
    if bytes.get(0..4) == Some(b"RIFF".as_slice())
        && bytes.get(8..12) == Some(b"WEBP".as_slice())
        && matches!(
            bytes.get(12..16),
            Some(b"VP8 ") | Some(b"VP8L") | Some(b"VP8X")
        )
    {
        return Some(ImageKind::Webp);
    }
    None
}

/// Recognises a JPEG, PNG, WebP or GIF by its content alone (never by a
/// file name or a browser's content type) and reads its dimensions.
/// Anything else, an image whose header is cut short, or one claiming a
/// zero or huge size, is `None`.
pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
    let kind = signature(bytes)?;
    let found = match imagesize::image_type(bytes).ok()? {
        imagesize::ImageType::Jpeg => ImageKind::Jpeg,
        imagesize::ImageType::Png => ImageKind::Png,
        imagesize::ImageType::Webp => ImageKind::Webp,
        imagesize::ImageType::Gif => ImageKind::Gif,
        _ => return None,
    };
    if found != kind {
        return None;
    }
    let size = imagesize::blob_size(bytes).ok()?;
    let width = u32::try_from(size.width).ok()?;
    let height = u32::try_from(size.height).ok()?;
    let fits = |d: u32| (1..=MAX_DIMENSION).contains(&d);
    if !fits(width) || !fits(height) {
        return None;
    }
    Some(ImageType {
        kind,
        width,
        height,
    })
}

/// The content-addressed name of `bytes`: the first 16 hex digits of their
/// BLAKE2b digest and the format's extension.
pub fn file_name(bytes: &[u8], kind: ImageKind) -> String {
    let digest = Blake2b512::digest(bytes);
    format!("{}.{}", &hex::encode(&digest[..8]), kind.extension())
}

/// The kind of a name we could have generated (16 lowercase hex digits, a
/// dot, one of our extensions), else `None`. Only such names are ever
/// looked up on disk, so no request can reach another path.
pub fn parse_file_name(name: &str) -> Option<ImageKind> {
    let (stem, ext) = name.split_once('.')?;
    let hex = stem.len() == 16
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return None;
    }
    ImageKind::from_extension(ext)
}

/// The ETag of a stored file: its name's hash, which is its content's.
pub fn etag(name: &str) -> String {
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    format!("\"{stem}\"")
}

/// Creates the media folder (and its parents) if missing.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary name in the media folder that no other process or thread
/// uses at the same time; it never matches [`parse_file_name`].
fn temp_path(dir: &Path, name: &str) -> PathBuf {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    dir.join(format!(".{name}.{}-{n}-{nanos}.tmp", std::process::id()))
}

/// Writes `bytes` to `dir/name` atomically: into a temporary file in the
/// same folder, flushed to disk, then renamed over the final name. Writing
/// the same name twice is harmless (the content is the same).
pub fn store(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    if parse_file_name(name).is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a media file name",
        ));
    }
    let temp = temp_path(dir, name);
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Reads `dir/name`; `Ok(None)` when the name is not one of ours or there
/// is no such file.
pub fn read(dir: &Path, name: &str) -> io::Result<Option<Vec<u8>>> {
    if parse_file_name(name).is_none() {
        return Ok(None);
    }
    match fs::read(dir.join(name)) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `dir/name` exists.
pub fn exists(dir: &Path, name: &str) -> bool {
    parse_file_name(name).is_some() && dir.join(name).is_file()
}

/// Removes `dir/name`; a file already gone is not an error.
pub fn remove(dir: &Path, name: &str) -> io::Result<()> {
    if parse_file_name(name).is_none() {
        return Ok(());
    }
    match fs::remove_file(dir.join(name)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A byte count as people read it: `512 bytes`, `14.2 KB`, `3.1 MB`.
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

/// Tiny but valid images of each kind, for tests.
#[cfg(test)]
pub mod samples {
    /// A 1x1 PNG (one black pixel).
    pub const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60,
        0x60, 0x60, 0x60, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0xA5, 0xF6, 0x45, 0x40, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    /// A 3x2 GIF89a header and a one-colour image.
    pub const GIF_3X2: &[u8] = &[
        b'G', b'I', b'F', b'8', b'9', b'a', 0x03, 0x00, 0x02, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xFF, 0xFF, 0xFF, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x02,
        0x02, 0x44, 0x01, 0x00, 0x3B,
    ];

    /// The start of a baseline JPEG, 640x480: SOI, an APP0 (JFIF) segment,
    /// then the SOF0 segment with the size.
    pub const JPEG_640X480: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03,
        0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ];

    /// A lossless WebP (VP8L) header, 2x3.
    pub const WEBP_2X3: &[u8] = &[
        b'R', b'I', b'F', b'F', 0x1A, 0x00, 0x00, 0x00, b'W', b'E', b'B', b'P', b'V', b'P', b'8',
        b'L', 0x0E, 0x00, 0x00, 0x00, 0x2F, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn the_four_formats_are_recognised_with_their_sizes() {
        let png = sniff(PNG_1X1).expect("png");
        assert_eq!((png.kind, png.width, png.height), (ImageKind::Png, 1, 1));
        assert_eq!(png.content_type(), "image/png");
        let gif = sniff(GIF_3X2).expect("gif");
        assert_eq!((gif.kind, gif.width, gif.height), (ImageKind::Gif, 3, 2));
        let jpeg = sniff(JPEG_640X480).expect("jpeg");
        assert_eq!(
            (jpeg.kind, jpeg.width, jpeg.height),
            (ImageKind::Jpeg, 640, 480)
        );
        assert_eq!(jpeg.extension(), "jpg");
        let webp = sniff(WEBP_2X3).expect("webp");
        assert_eq!(
            (webp.kind, webp.width, webp.height),
            (ImageKind::Webp, 2, 3)
        );
        assert_eq!(webp.content_type(), "image/webp");
    }

    #[test]
    fn anything_else_is_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>"#;
        assert_eq!(sniff(svg), None);
        assert_eq!(sniff(b"Just some text, renamed to photo.jpg\n"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
        // Cut-off headers: the signature is there, the size is not.
        assert_eq!(sniff(&PNG_1X1[..20]), None);
        assert_eq!(sniff(&GIF_3X2[..8]), None);
        assert_eq!(sniff(&JPEG_640X480[..22]), None);
        assert_eq!(sniff(&WEBP_2X3[..16]), None);
        // A BMP and a TIFF are images, but not ones we take.
        assert_eq!(
            sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0"),
            None
        );
        assert_eq!(sniff(b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0"), None);
        // A PNG signature with a zero width.
        let mut zero = PNG_1X1.to_vec();
        zero[16..20].copy_from_slice(&[0, 0, 0, 0]);
        assert_eq!(sniff(&zero), None);
        // A PNG claiming to be bigger than any page needs.
        let mut huge = PNG_1X1.to_vec();
        huge[16..20].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF]);
        assert_eq!(sniff(&huge), None);
    }

    #[test]
    fn a_jpeg_with_a_zero_length_segment_is_refused_not_looped_on() {
        let bytes = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0];
        assert_eq!(sniff(&bytes), None);
    }

    #[test]
    fn names_are_content_addressed_and_strict() {
        let a = file_name(PNG_1X1, ImageKind::Png);
        assert_eq!(a, file_name(PNG_1X1, ImageKind::Png));
        assert_ne!(a, file_name(GIF_3X2, ImageKind::Gif));
        assert_eq!(a.len(), 16 + 4);
        assert!(a.ends_with(".png"));
        assert_eq!(parse_file_name(&a), Some(ImageKind::Png));
        assert_eq!(etag(&a), format!("\"{}\"", &a[..16]));
        assert_eq!(
            parse_file_name("0123456789abcdef.webp"),
            Some(ImageKind::Webp)
        );
        for bad in [
            "",
            "..",
            "../../etc/passwd",
            "0123456789abcdef",
            "0123456789ABCDEF.png",
            "0123456789abcde.png",
            "0123456789abcdef0.png",
            "0123456789abcdef.svg",
            "0123456789abcdef.png.tmp",
            ".0123456789abcdef.png.1-2-3.tmp",
            "0123456789abcdeg.jpg",
            "0123456789abcdef.JPG",
            "0123456789abcdef/.jpg",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn files_are_stored_read_and_removed() {
        let dir = std::env::temp_dir().join(format!(
            "iconocast-media-unit-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        ensure_dir(&dir).expect("dir");
        let name = file_name(PNG_1X1, ImageKind::Png);
        store(&dir, &name, PNG_1X1).expect("store");
        store(&dir, &name, PNG_1X1).expect("store again");
        assert!(exists(&dir, &name));
        assert_eq!(read(&dir, &name).expect("read"), Some(PNG_1X1.to_vec()));
        // Nothing but the file itself is left behind.
        let entries: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(entries, vec![name.clone()]);
        assert!(store(&dir, "../escape.png", PNG_1X1).is_err());
        assert_eq!(read(&dir, "../escape.png").expect("read"), None);
        remove(&dir, &name).expect("remove");
        remove(&dir, &name).expect("remove twice");
        assert!(!exists(&dir, &name));
        assert_eq!(read(&dir, &name).expect("read"), None);
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(2048), "2.0 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 100 * 1024), "3.1 MB");
    }
}
