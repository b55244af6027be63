//! Uploaded images: recognising them by their content, and keeping them on
//! disk under content-addressed names (`{16 hex of a BLAKE2 digest}.{ext}`),
//! with their variants beside them (`{16 hex}-{width}w.{ext}`, and the
//! share image `{16 hex}-share{x}x{y}.jpg` for a focal point), all named
//! after the uploaded bytes (see `crate::pictures`).
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

/// The largest width or height accepted, in pixels: twice what the widest
/// screens show, and more than any photograph a news page needs.
pub const MAX_SIDE: u32 = 12_000;

/// The most pixels accepted in one image (or one frame of a GIF): 50
/// megapixels, some 200 MB once a browser or an image tool decodes it.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The limits in words, for the form and messages.
pub const PIXEL_LIMIT_TEXT: &str = "12,000 pixels a side and 50 megapixels";

/// Markup or script that has no business in an image: what a file that is
/// also a PHP script or a web page carries. Compared ignoring case, over
/// the whole file, since compressed pixel data can hold raw bytes too.
/// No needle is shorter than five bytes, so that a chance match in
/// compressed data stays rarer than one in thousands of large uploads.
const FOREIGN: [&[u8]; 5] = [
    b"<?php",
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<iframe",
];

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

/// Why an upload is not taken as an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JPEG, PNG, WebP or GIF, or one that is cut short, malformed,
    /// or of zero size.
    NotAnImage,
    /// Larger than [`MAX_SIDE`] or [`MAX_PIXELS`], as its header declares.
    TooManyPixels { width: u64, height: u64 },
    /// Markup or script inside the file (see [`FOREIGN`]).
    ForeignContent,
    /// Bytes other than zero padding after the image's own end (a PNG's
    /// `IEND`, a JPEG's `EOI`, a GIF's trailer, the end of a WebP's RIFF).
    DataAfterEnd,
}

/// The pixel limit in words, for the form and messages.
pub fn pixel_limit_text(max_pixels: u64) -> String {
    if max_pixels == MAX_PIXELS {
        return PIXEL_LIMIT_TEXT.to_owned();
    }
    let mp = max_pixels as f64 / 1_000_000.0;
    format!("12,000 pixels a side and {mp} megapixels")
}

fn within_limits(width: u64, height: u64, max_pixels: u64) -> Result<(), Refusal> {
    let side = u64::from(MAX_SIDE);
    if width > side || height > side || width.saturating_mul(height) > max_pixels {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

/// Recognises a JPEG, PNG, WebP or GIF by its content alone (never by a
/// file name or a browser's content type), reads its dimensions from the
/// header and checks them against the limits before anything else, then
/// walks the format's structure to its end marker and looks for markup
/// or script anywhere in it. Nothing is decoded; every step is linear in
/// the size of the file.
pub fn sniff(bytes: &[u8]) -> Result<ImageType, Refusal> {
    sniff_within(bytes, MAX_PIXELS)
}

/// [`sniff`] with a pixel limit of `max_pixels` (`--max-image-megapixels`)
/// rather than [`MAX_PIXELS`].
pub fn sniff_within(bytes: &[u8], max_pixels: u64) -> Result<ImageType, Refusal> {
    let kind = signature(bytes).ok_or(Refusal::NotAnImage)?;
    let found = match imagesize::image_type(bytes).map_err(|_| Refusal::NotAnImage)? {
        imagesize::ImageType::Jpeg => ImageKind::Jpeg,
        imagesize::ImageType::Png => ImageKind::Png,
        imagesize::ImageType::Webp => ImageKind::Webp,
        imagesize::ImageType::Gif => ImageKind::Gif,
        _ => return Err(Refusal::NotAnImage),
    };
    if found != kind {
        return Err(Refusal::NotAnImage);
    }
    let size = imagesize::blob_size(bytes).map_err(|_| Refusal::NotAnImage)?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(Refusal::NotAnImage);
    }
    within_limits(width, height, max_pixels)?;
    let end = match kind {
        ImageKind::Png => structure::png_end(bytes),
        ImageKind::Jpeg => structure::jpeg_end(bytes),
        ImageKind::Gif => structure::gif_end(bytes, max_pixels)?,
        ImageKind::Webp => structure::webp_end(bytes),
    }
    .ok_or(Refusal::NotAnImage)?;
    if bytes.get(end..).unwrap_or_default().iter().any(|&b| b != 0) {
        return Err(Refusal::DataAfterEnd);
    }
    if contains_foreign(bytes) {
        return Err(Refusal::ForeignContent);
    }
    Ok(ImageType {
        kind,
        // Both at most MAX_SIDE.
        width: u32::try_from(width).map_err(|_| Refusal::NotAnImage)?,
        height: u32::try_from(height).map_err(|_| Refusal::NotAnImage)?,
    })
}

/// Whether `bytes` hold any of [`FOREIGN`], ignoring case: one pass over
/// the file, a few comparisons at each `<`.
fn contains_foreign(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(at, &b)| {
        b == b'<'
            && FOREIGN.iter().any(|needle| {
                bytes
                    .get(at..at + needle.len())
                    .is_some_and(|window| window.eq_ignore_ascii_case(needle))
            })
    })
}

/// Walking each format's blocks to its end marker. Each returns the offset
/// just past the end, or `None` for a file that is cut short or
/// malformed. Every step moves forward, so each walk is linear.
mod structure {
    use super::Refusal;

    fn u16_le(bytes: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    }

    fn u16_be(bytes: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    }

    fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    }

    fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    }

    /// PNG: chunks (length, type, data, CRC) from the signature to `IEND`.
    pub fn png_end(bytes: &[u8]) -> Option<usize> {
        let mut at = 8;
        loop {
            let length = u32_be(bytes, at)?;
            if length > 0x7FFF_FFFF {
                return None;
            }
            let kind = bytes.get(at + 4..at + 8)?;
            if !kind.iter().all(u8::is_ascii_alphabetic) {
                return None;
            }
            let end = at.checked_add(12)?.checked_add(length as usize)?;
            if end > bytes.len() {
                return None;
            }
            if kind == b"IEND" {
                return Some(end);
            }
            at = end;
        }
    }

    /// JPEG: marker segments from SOI to EOI, skipping the entropy-coded
    /// data after each start of scan (where `FF` is followed by `00`, a
    /// restart marker or more `FF` fill).
    pub fn jpeg_end(bytes: &[u8]) -> Option<usize> {
        let mut at = 2;
        loop {
            if *bytes.get(at)? != 0xFF {
                return None;
            }
            while *bytes.get(at)? == 0xFF {
                at += 1;
            }
            let marker = *bytes.get(at)?;
            at += 1;
            match marker {
                0xD9 => return Some(at),
                0xD0..=0xD7 | 0x01 => {}
                0x00 | 0xD8 => return None,
                _ => {
                    let length = usize::from(u16_be(bytes, at)?);
                    if length < 2 {
                        return None;
                    }
                    at += length;
                    if marker == 0xDA {
                        // Entropy-coded data up to the next real marker.
                        loop {
                            let ff = at + bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
                            match *bytes.get(ff + 1)? {
                                0x00 | 0xD0..=0xD7 => at = ff + 2,
                                0xFF => at = ff + 1,
                                _ => {
                                    at = ff;
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The size in bytes of a GIF colour table announced by `flags`.
    fn colour_table(flags: u8) -> usize {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 0x07) + 1)
        }
    }

    /// Skips a chain of GIF data sub-blocks, through its zero terminator.
    fn gif_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
        loop {
            let size = usize::from(*bytes.get(at)?);
            at += 1;
            if size == 0 {
                return Some(at);
            }
            at += size;
        }
    }

    /// GIF: the screen descriptor, then extensions and images (each frame's
    /// own size checked against the limits too) to the trailer.
    pub fn gif_end(bytes: &[u8], max_pixels: u64) -> Result<Option<usize>, Refusal> {
        let Some(&flags) = bytes.get(10) else {
            return Ok(None);
        };
        let mut at = 13 + colour_table(flags);
        loop {
            let Some(&block) = bytes.get(at) else {
                return Ok(None);
            };
            match block {
                0x3B => return Ok(Some(at + 1)),
                0x21 => match gif_sub_blocks(bytes, at + 2) {
                    Some(next) => at = next,
                    None => return Ok(None),
                },
                0x2C => {
                    let (Some(width), Some(height), Some(&flags)) = (
                        u16_le(bytes, at + 5),
                        u16_le(bytes, at + 7),
                        bytes.get(at + 9),
                    ) else {
                        return Ok(None);
                    };
                    super::within_limits(u64::from(width), u64::from(height), max_pixels)?;
                    // Descriptor, local colour table, LZW code size, data.
                    let data = at + 10 + colour_table(flags) + 1;
                    match gif_sub_blocks(bytes, data) {
                        Some(next) => at = next,
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            }
        }
    }

    /// WebP: the RIFF container's declared length, with its chunks (each
    /// padded to an even length) filling it exactly.
    pub fn webp_end(bytes: &[u8]) -> Option<usize> {
        let end = 8usize.checked_add(u32_le(bytes, 4)? as usize)?;
        if end > bytes.len() {
            return None;
        }
        let mut at = 12;
        while at < end {
            if at + 8 > end {
                return None;
            }
            let size = u32_le(bytes, at + 4)? as usize;
            at = at
                .checked_add(8)?
                .checked_add(size)?
                .checked_add(size % 2)?;
        }
        // Some encoders leave the last chunk's pad byte out of the length.
        (at <= end + 1).then_some(end)
    }
}

/// The first 16 hex digits of the BLAKE2b digest of `bytes`: the stem of
/// every file made from them.
pub fn content_stem(bytes: &[u8]) -> String {
    let digest = Blake2b512::digest(bytes);
    hex::encode(&digest[..8])
}

/// The content-addressed name of `bytes`: the first 16 hex digits of their
/// BLAKE2b digest and the format's extension.
pub fn file_name(bytes: &[u8], kind: ImageKind) -> String {
    format!("{}.{}", content_stem(bytes), kind.extension())
}

/// The 16 hex digits an original's name starts with.
fn stem_of(original: &str) -> &str {
    original.get(..16).unwrap_or(original)
}

/// The name of the variant `width` pixels wide of the original named
/// `original`, in `kind`: `{16 hex}-{width}w.{ext}`.
pub fn variant_name(original: &str, width: u32, kind: ImageKind) -> String {
    let mut name = String::with_capacity(32);
    push_variant_name(&mut name, original, width, kind);
    name
}

/// [`variant_name`] written onto the end of `out`: a page writes a few
/// dozen of these into its `srcset`s, and a `format!` each cost more than
/// the rest of the `srcset`.
pub fn push_variant_name(out: &mut String, original: &str, width: u32, kind: ImageKind) {
    out.push_str(stem_of(original));
    out.push('-');
    out.push_str(itoa::Buffer::new().format(width));
    out.push_str("w.");
    out.push_str(kind.extension());
}

/// The name of the share image of `original` cropped around the focal
/// point `x`, `y` (percent): `{16 hex}-share{x}x{y}.jpg`.
pub fn share_name(original: &str, x: i32, y: i32) -> String {
    format!("{}-share{x}x{y}.jpg", stem_of(original))
}

/// The width a variant's name gives, if it is a variant's.
pub fn variant_width(name: &str) -> Option<u32> {
    let (stem, _) = name.split_once('.')?;
    let digits = stem.get(17..)?.strip_suffix('w')?;
    digits.parse().ok()
}

/// Whether `suffix` (what follows `{16 hex}-`) is one we make: `{width}w`
/// (1 to 5 digits) or `share{x}x{y}` (each 1 to 3 digits).
fn valid_suffix(suffix: &str) -> bool {
    let digits = |s: &str, most: usize| {
        !s.is_empty() && s.len() <= most && s.bytes().all(|b| b.is_ascii_digit())
    };
    if let Some(width) = suffix.strip_suffix('w') {
        return digits(width, 5);
    }
    suffix
        .strip_prefix("share")
        .and_then(|xy| xy.split_once('x'))
        .is_some_and(|(x, y)| digits(x, 3) && digits(y, 3))
}

/// The kind of a name we could have generated (16 lowercase hex digits,
/// perhaps a variant's or share image's suffix, a dot, one of our
/// extensions), else `None`. Only such names are ever looked up on disk,
/// so no request can reach another path.
pub fn parse_file_name(name: &str) -> Option<ImageKind> {
    let (stem, ext) = name.split_once('.')?;
    let (hex_part, suffix) = match stem.split_once('-') {
        Some((hex_part, suffix)) => (hex_part, Some(suffix)),
        None => (stem, None),
    };
    let hex = hex_part.len() == 16
        && hex_part
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex || suffix.is_some_and(|s| !valid_suffix(s)) {
        return None;
    }
    ImageKind::from_extension(ext)
}

/// The ETag of a stored file: its name without the extension, which
/// stands for its content.
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
    store_file(dir, name, bytes, true)
}

/// [`store`], flushed to disk or not: the demo's pictures, made again
/// from nothing at will, skip the flush.
pub fn store_file(dir: &Path, name: &str, bytes: &[u8], flush: bool) -> io::Result<()> {
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
        if flush {
            file.sync_all()?;
        }
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

/// Removes the original `dir/original` and every file made from it (its
/// variants and share images, whatever focal points they were cut for);
/// returns how many went. Files already gone are not an error.
pub fn remove_all(dir: &Path, original: &str) -> io::Result<usize> {
    if parse_file_name(original).is_none() {
        return Ok(0);
    }
    let stem = stem_of(original);
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(stem) && parse_file_name(name).is_some() {
            remove(dir, name)?;
            removed += 1;
        }
    }
    Ok(removed)
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
        assert_eq!(png.extension(), "png");
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
        let not = Err(Refusal::NotAnImage);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>"#;
        assert_eq!(sniff(svg), not);
        assert_eq!(sniff(b"Just some text, renamed to photo.jpg\n"), not);
        assert_eq!(sniff(b""), not);
        assert_eq!(sniff(b"\xFF\xD8"), not);
        // Cut-off headers: the signature is there, the size is not.
        assert_eq!(sniff(&PNG_1X1[..20]), not);
        assert_eq!(sniff(&GIF_3X2[..8]), not);
        assert_eq!(sniff(&JPEG_640X480[..22]), not);
        assert_eq!(sniff(&WEBP_2X3[..16]), not);
        // Cut off before the end marker: the size is there, the end is not.
        assert_eq!(sniff(&PNG_1X1[..PNG_1X1.len() - 12]), not);
        assert_eq!(sniff(&GIF_3X2[..GIF_3X2.len() - 1]), not);
        assert_eq!(sniff(&JPEG_640X480[..JPEG_640X480.len() - 2]), not);
        assert_eq!(sniff(&WEBP_2X3[..WEBP_2X3.len() - 2]), not);
        // A BMP and a TIFF are images, but not ones we take.
        assert_eq!(
            sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0"),
            not
        );
        assert_eq!(sniff(b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0"), not);
        // A PNG signature with a zero width.
        let mut zero = PNG_1X1.to_vec();
        zero[16..20].copy_from_slice(&[0, 0, 0, 0]);
        assert_eq!(sniff(&zero), not);
    }

    /// `PNG_1X1` claiming another size in its header.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut png = PNG_1X1.to_vec();
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        png
    }

    #[test]
    fn sizes_past_the_pixel_limits_are_refused_from_the_header() {
        for (width, height) in [
            (65_535, 65_535),
            (0x7FFF_FFFF, 1),
            (MAX_SIDE + 1, 1),
            (1, MAX_SIDE + 1),
            (8_000, 7_000),
        ] {
            assert_eq!(
                sniff(&png_claiming(width, height)),
                Err(Refusal::TooManyPixels {
                    width: width.into(),
                    height: height.into()
                }),
                "{width}x{height}"
            );
        }
        // The limits themselves are fine.
        for (width, height) in [(MAX_SIDE, 1), (1, MAX_SIDE), (10_000, 5_000)] {
            let image = sniff(&png_claiming(width, height)).expect("within the limits");
            assert_eq!((image.width, image.height), (width, height));
        }
        // A GIF's frames are held to the limits too, not only its screen.
        let mut gif = GIF_3X2.to_vec();
        gif[24..28].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            sniff(&gif),
            Err(Refusal::TooManyPixels {
                width: 65_535,
                height: 65_535
            })
        );
    }

    #[test]
    fn data_after_the_end_marker_is_refused_but_zero_padding_is_not() {
        for image in [PNG_1X1, GIF_3X2, JPEG_640X480, WEBP_2X3] {
            let mut padded = image.to_vec();
            padded.extend_from_slice(&[0; 100]);
            assert!(sniff(&padded).is_ok(), "{:?}", &image[..4]);
            for tail in [&b"PK\x03\x04"[..], b"x", b"\0\0\x01"] {
                let mut more = image.to_vec();
                more.extend_from_slice(tail);
                assert_eq!(
                    sniff(&more),
                    Err(Refusal::DataAfterEnd),
                    "{:?}",
                    &image[..4]
                );
            }
        }
    }

    #[test]
    fn markup_and_script_inside_an_image_are_refused() {
        for text in [
            &b"<?php echo 1; ?>"[..],
            b"<?PHP echo 1; ?>",
            b"<script>alert(1)</script>",
            b"<ScRiPt src=//evil>",
            b"<html><body>",
            b"<!DOCTYPE html>",
            b"<iframe src=//evil>",
        ] {
            // In a GIF comment extension, a legal place for text.
            let mut gif = GIF_3X2[..19].to_vec();
            gif.extend_from_slice(&[0x21, 0xFE, u8::try_from(text.len()).expect("short")]);
            gif.extend_from_slice(text);
            gif.push(0);
            gif.extend_from_slice(&GIF_3X2[19..]);
            assert_eq!(
                sniff(&gif),
                Err(Refusal::ForeignContent),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        // Plain words in a comment are fine; so is a lone `<`.
        let mut gif = GIF_3X2[..19].to_vec();
        gif.extend_from_slice(&[0x21, 0xFE, 9]);
        gif.extend_from_slice(b"a < b <ht");
        gif.push(0);
        gif.extend_from_slice(&GIF_3X2[19..]);
        assert!(sniff(&gif).is_ok());
    }

    #[test]
    fn jpeg_scans_are_walked_to_the_end_marker() {
        // SOI, SOF0, SOS, entropy-coded data with stuffed FF 00, a restart
        // marker and fill bytes, then EOI.
        let mut jpeg = JPEG_640X480[..39].to_vec();
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        jpeg.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        assert!(sniff(&jpeg).is_ok());
        // An EOI inside a segment (an embedded thumbnail's) is not the end.
        let mut thumb = JPEG_640X480[..20].to_vec();
        thumb.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00]);
        thumb.extend_from_slice(&JPEG_640X480[20..]);
        assert!(sniff(&thumb).is_ok());
        // A scan that never ends is cut short.
        let mut cut = jpeg.clone();
        cut.truncate(jpeg.len() - 2);
        assert_eq!(sniff(&cut), Err(Refusal::NotAnImage));
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
            "0123456789abcdef-.webp",
            "0123456789abcdef-w.webp",
            "0123456789abcdef-123456w.webp",
            "0123456789abcdef-640.webp",
            "0123456789abcdef-640w-1.webp",
            "0123456789abcdef-sharex1.jpg",
            "0123456789abcdef-share1000x1.jpg",
            "0123456789abcdef--640w.jpg",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad:?}");
        }
        // Variants and share images of an original.
        let original = "0123456789abcdef.jpg";
        let variant = variant_name(original, 640, ImageKind::Webp);
        assert_eq!(variant, "0123456789abcdef-640w.webp");
        assert_eq!(parse_file_name(&variant), Some(ImageKind::Webp));
        assert_eq!(variant_width(&variant), Some(640));
        assert_eq!(variant_width(original), None);
        let share = share_name(original, 0, 100);
        assert_eq!(share, "0123456789abcdef-share0x100.jpg");
        assert_eq!(parse_file_name(&share), Some(ImageKind::Jpeg));
        assert_eq!(variant_width(&share), None);
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
        // An original goes with everything made from it, and only that.
        let variant = variant_name(&name, 1, ImageKind::Webp);
        store_file(&dir, &variant, PNG_1X1, false).expect("store a variant");
        let other = file_name(GIF_3X2, ImageKind::Gif);
        store(&dir, &other, GIF_3X2).expect("store another");
        assert_eq!(remove_all(&dir, &name).expect("remove all"), 2);
        assert!(!exists(&dir, &variant) && exists(&dir, &other));
        remove(&dir, &other).expect("remove the other");
        store(&dir, &name, PNG_1X1).expect("store again");
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
