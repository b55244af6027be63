//! Processing an uploaded picture: decoding it within the pixel limit,
//! turning it upright by its EXIF orientation, and encoding it again from
//! its pixels alone (which drops every byte of metadata, a camera's GPS
//! position with it, and whatever else a file that is two formats at once
//! carried), at the widths pages ask for, in WebP and in the original's
//! family: JPEG, or PNG for a picture with transparency. Also the share
//! image (1200×630, cropped around the focal point).
//!
//! Everything here is synchronous, CPU-heavy and touches no database:
//! callers run it on the blocking pool, a few at a time
//! (`AppState::pictures`). The names come from `crate::media`.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::media::{self, ImageKind, Refusal};

/// The widths made of every picture, at most its own width: a phone's
/// card (320), a phone's full width at 2x (640, 960), a desktop column
/// (1280) and a wide screen or a 2x desktop (1920).
pub const WIDTHS: [u32; 5] = [320, 640, 960, 1280, 1920];

/// The share image's size (Open Graph's and X's large card).
pub const SHARE_SIZE: (u32, u32) = (1200, 630);

/// JPEG quality of the variants and of the share image.
const JPEG_QUALITY: u8 = 82;
/// JPEG quality of the full-size copy kept as the original.
const ORIGINAL_QUALITY: u8 = 90;
/// libwebp's quality (0 to 100) of the WebP variants.
const WEBP_QUALITY: f32 = 78.0;

/// Pictures processed at once: one per core, at least one.
pub fn at_once() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// What a picture was made into.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The family the picture is kept in: JPEG or PNG.
    pub kind: ImageKind,
    /// Upright size, in pixels.
    pub width: u32,
    pub height: u32,
    /// The variants' widths, smallest first, the largest at most
    /// [`WIDTHS`]' last and never more than `width`.
    pub widths: Vec<u32>,
    /// The original's name, `{16 hex}.{jpg|png}`.
    pub file_name: String,
    /// Every file to store: the original first, then the variants and the
    /// share image.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Processed {
    /// The variants' widths as the `media.variants` column keeps them.
    pub fn variants(&self) -> String {
        join_widths(&self.widths)
    }

    /// Bytes of the original as stored.
    pub fn original_size(&self) -> usize {
        self.files.first().map_or(0, |(_, bytes)| bytes.len())
    }
}

/// `320,640,960`.
pub fn join_widths(widths: &[u32]) -> String {
    widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The widths made of a picture `width` pixels wide.
pub fn widths_for(width: u32) -> Vec<u32> {
    let largest = WIDTHS[WIDTHS.len() - 1];
    let mut out: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    let top = width.min(largest);
    if !out.contains(&top) {
        out.push(top);
    }
    out
}

/// The decoder's limits: the sides and an allocation budget from the
/// pixel limit, so a file whose header declares more is refused before
/// any pixel buffer is allocated.
fn limits(max_pixels: u64) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(media::MAX_SIDE);
    limits.max_image_height = Some(media::MAX_SIDE);
    // RGBA at 8 bits, plus room for the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(64 << 20));
    limits
}

fn format_of(kind: ImageKind) -> image::ImageFormat {
    match kind {
        ImageKind::Jpeg => image::ImageFormat::Jpeg,
        ImageKind::Png => image::ImageFormat::Png,
        ImageKind::Webp => image::ImageFormat::WebP,
        ImageKind::Gif => image::ImageFormat::Gif,
    }
}

/// Decodes `bytes` (already recognised as `kind` by `media::sniff`) within
/// the limits, upright.
pub fn decode(bytes: &[u8], kind: ImageKind, max_pixels: u64) -> Result<DynamicImage, Refusal> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format_of(kind));
    reader.limits(limits(max_pixels));
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal::TooManyPixels {
            width: width.into(),
            height: height.into(),
        });
    }
    // An unreadable orientation is no orientation.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

fn refusal(error: image::ImageError) -> Refusal {
    match error {
        image::ImageError::Limits(_) => Refusal::TooManyPixels {
            width: 0,
            height: 0,
        },
        _ => Refusal::NotAnImage,
    }
}

/// Whether any pixel is not fully opaque.
fn has_transparency(picture: &DynamicImage) -> bool {
    match picture {
        DynamicImage::ImageLumaA8(p) => p.pixels().any(|p| p.0[1] < u8::MAX),
        DynamicImage::ImageRgba8(p) => p.pixels().any(|p| p.0[3] < u8::MAX),
        DynamicImage::ImageLumaA16(p) => p.pixels().any(|p| p.0[1] < u16::MAX),
        DynamicImage::ImageRgba16(p) => p.pixels().any(|p| p.0[3] < u16::MAX),
        DynamicImage::ImageRgba32F(p) => p.pixels().any(|p| p.0[3] < 1.0),
        _ => false,
    }
}

/// Makes the stored files of an upload: `bytes` recognised as `kind`,
/// named after its content (so the same bytes give the same names), with
/// the share image cropped around `focal` (percent across, down).
pub fn process(
    bytes: &[u8],
    kind: ImageKind,
    max_pixels: u64,
    focal: (i32, i32),
) -> Result<Processed, Refusal> {
    let picture = decode(bytes, kind, max_pixels)?;
    let stem = media::content_stem(bytes);
    Ok(make(&stem, picture, focal))
}

/// The files of a decoded, upright picture, under names that start with
/// `stem`.
pub fn make(stem: &str, picture: DynamicImage, focal: (i32, i32)) -> Processed {
    let (kind, picture) = if has_transparency(&picture) {
        (
            ImageKind::Png,
            DynamicImage::ImageRgba8(picture.into_rgba8()),
        )
    } else {
        (
            ImageKind::Jpeg,
            DynamicImage::ImageRgb8(picture.into_rgb8()),
        )
    };
    let (width, height) = (picture.width(), picture.height());
    let file_name = format!("{stem}.{}", kind.extension());
    let mut files = vec![(file_name.clone(), encode(&picture, kind, true))];
    let widths = widths_for(width);
    let largest = widths.last().copied().unwrap_or(width);
    // The largest variant from the full picture, the smaller ones from it:
    // far less work than resizing the full picture each time.
    let base = if largest < width {
        resized(&picture, largest, FilterType::Triangle)
    } else {
        picture
    };
    for &w in widths.iter().rev() {
        let variant = if w == base.width() {
            None
        } else {
            Some(resized(&base, w, FilterType::CatmullRom))
        };
        let variant = variant.as_ref().unwrap_or(&base);
        files.push((
            media::variant_name(&file_name, w, ImageKind::Webp),
            encode_webp(variant),
        ));
        if w != width {
            files.push((
                media::variant_name(&file_name, w, kind),
                encode(variant, kind, false),
            ));
        }
    }
    files.push((
        media::share_name(&file_name, focal.0, focal.1),
        share_image(&base, focal),
    ));
    Processed {
        kind,
        width,
        height,
        widths,
        file_name,
        files,
    }
}

/// `picture` scaled to `width`, its height in proportion (at least 1).
fn resized(picture: &DynamicImage, width: u32, filter: FilterType) -> DynamicImage {
    let height = scaled(picture.height(), width, picture.width());
    picture.resize_exact(width, height, filter)
}

/// `value * num / den`, rounded, at least 1: a side of a picture scaled
/// by `num / den`.
pub fn scaled(value: u32, num: u32, den: u32) -> u32 {
    let den = u64::from(den.max(1));
    let out = (u64::from(value) * u64::from(num) + den / 2) / den;
    u32::try_from(out).unwrap_or(u32::MAX).max(1)
}

fn encode(picture: &DynamicImage, kind: ImageKind, original: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let written = match kind {
        ImageKind::Png => {
            picture.write_with_encoder(image::codecs::png::PngEncoder::new(Cursor::new(&mut out)))
        }
        _ => {
            let quality = if original {
                ORIGINAL_QUALITY
            } else {
                JPEG_QUALITY
            };
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
            match picture {
                DynamicImage::ImageRgb8(_) => picture.write_with_encoder(encoder),
                other => DynamicImage::ImageRgb8(other.to_rgb8()).write_with_encoder(encoder),
            }
        }
    };
    // Encoding pixels we hold into memory cannot fail but for a bug.
    if let Err(error) = written {
        tracing::error!(error = %error, "a picture could not be encoded");
    }
    out
}

/// libwebp's effort (0 to 6; its default is 4): 2 makes files a few
/// percent larger in about half the time.
const WEBP_METHOD: i32 = 2;

fn encode_webp(picture: &DynamicImage) -> Vec<u8> {
    let (w, h) = (picture.width(), picture.height());
    let rgb;
    let encoder = match picture {
        DynamicImage::ImageRgba8(p) => webp::Encoder::from_rgba(p.as_raw(), w, h),
        other => {
            rgb = other.to_rgb8();
            webp::Encoder::from_rgb(rgb.as_raw(), w, h)
        }
    };
    let encoded = webp::WebPConfig::new()
        .map_err(|()| "no WebP configuration".to_owned())
        .and_then(|mut config| {
            config.quality = WEBP_QUALITY;
            config.method = WEBP_METHOD;
            config.alpha_compression = 1;
            encoder
                .encode_advanced(&config)
                .map(|memory| memory.to_vec())
                .map_err(|e| format!("{e:?}"))
        });
    // Within our limits (12,000 pixels a side; WebP takes 16,383) this
    // fails only without memory.
    encoded.unwrap_or_else(|error| {
        tracing::error!(
            error,
            width = w,
            height = h,
            "a WebP variant could not be encoded"
        );
        Vec::new()
    })
}

/// The share image's crop of a picture `width` × `height` around `focal`
/// (percent): the largest rectangle of the share image's shape that fits,
/// centred on the focal point as far as the edges allow, and the size it
/// is scaled to (the share size, or the crop's own when smaller).
/// `(x, y, crop width, crop height, out width, out height)`.
pub fn share_crop(width: u32, height: u32, focal: (i32, i32)) -> (u32, u32, u32, u32, u32, u32) {
    let (sw, sh) = SHARE_SIZE;
    let (w, h) = (u64::from(width.max(1)), u64::from(height.max(1)));
    // Wider than the share shape: full height; else full width.
    let (cw, ch) = if w * u64::from(sh) > h * u64::from(sw) {
        ((h * u64::from(sw) / u64::from(sh)).max(1), h)
    } else {
        (w, (w * u64::from(sh) / u64::from(sw)).max(1))
    };
    let centre = |size: u64, crop: u64, percent: i32| -> u64 {
        let at = size * u64::try_from(percent.clamp(0, 100)).unwrap_or(50) / 100;
        at.saturating_sub(crop / 2).min(size - crop)
    };
    let x = centre(w, cw, focal.0);
    let y = centre(h, ch, focal.1);
    let (ow, oh) = if cw > u64::from(sw) {
        (u64::from(sw), u64::from(sh))
    } else {
        (cw, ch)
    };
    let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    (n(x), n(y), n(cw), n(ch), n(ow), n(oh))
}

/// The share image of `picture` around `focal`, as a JPEG (transparency
/// on white).
pub fn share_image(picture: &DynamicImage, focal: (i32, i32)) -> Vec<u8> {
    let (x, y, cw, ch, ow, oh) = share_crop(picture.width(), picture.height(), focal);
    let cropped = picture.crop_imm(x, y, cw, ch);
    let scaled = if (ow, oh) == (cw, ch) {
        cropped
    } else {
        cropped.resize_exact(ow, oh, FilterType::CatmullRom)
    };
    let flat = match scaled {
        DynamicImage::ImageRgba8(p) => {
            let mut rgb = image::RgbImage::new(p.width(), p.height());
            for (to, from) in rgb.pixels_mut().zip(p.pixels()) {
                let [r, g, b, a] = from.0;
                let over = |c: u8| -> u8 {
                    let c = u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a));
                    u8::try_from(c / 255).unwrap_or(u8::MAX)
                };
                to.0 = [over(r), over(g), over(b)];
            }
            DynamicImage::ImageRgb8(rgb)
        }
        other => other,
    };
    encode(&flat, ImageKind::Jpeg, false)
}

/// The share image of a stored picture for a new focal point, made from
/// its largest variant (`bytes`, one of our own files): its name and
/// bytes.
pub fn share_again(
    original: &str,
    largest: &[u8],
    kind: ImageKind,
    focal: (i32, i32),
) -> Result<(String, Vec<u8>), Refusal> {
    let picture = decode(largest, kind, media::MAX_PIXELS)?;
    Ok((
        media::share_name(original, focal.0, focal.1),
        share_image(&picture, focal),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_exceed_the_picture() {
        assert_eq!(widths_for(5000), vec![320, 640, 960, 1280, 1920]);
        assert_eq!(widths_for(1920), vec![320, 640, 960, 1280, 1920]);
        assert_eq!(widths_for(1000), vec![320, 640, 960, 1000]);
        assert_eq!(widths_for(640), vec![320, 640]);
        assert_eq!(widths_for(100), vec![100]);
    }

    #[test]
    fn the_share_crop_follows_the_focal_point_within_the_picture() {
        // Wide: full height, 3800 × 2000 → a 3809-wide crop cannot fit, so
        // it is 1995 × 2000 ... check the shape instead.
        let (x, y, cw, ch, ow, oh) = share_crop(4000, 1000, (0, 50));
        assert_eq!((x, y, ch), (0, 0, 1000));
        assert_eq!(cw, 1904);
        assert_eq!((ow, oh), SHARE_SIZE);
        let (x, ..) = share_crop(4000, 1000, (100, 50));
        assert_eq!(x, 4000 - 1904);
        let (x, ..) = share_crop(4000, 1000, (50, 50));
        assert_eq!(x, 2000 - 952);
        // Tall: full width, moved down by the focal point.
        let (x, y, cw, ch, ..) = share_crop(1000, 3000, (50, 0));
        assert_eq!((x, y, cw, ch), (0, 0, 1000, 525));
        let (_, y, ..) = share_crop(1000, 3000, (50, 100));
        assert_eq!(y, 3000 - 525);
        // Small pictures are not scaled up.
        let (.., ow, oh) = share_crop(600, 315, (50, 50));
        assert_eq!((ow, oh), (600, 315));
    }

    #[test]
    fn a_picture_is_made_into_upright_variants_without_metadata() {
        let picture = DynamicImage::ImageRgb8(image::RgbImage::from_fn(700, 300, |x, _| {
            image::Rgb([u8::try_from(x % 256).unwrap_or(0), 90, 160])
        }));
        let made = make("0123456789abcdef", picture, (50, 50));
        assert_eq!(made.kind, ImageKind::Jpeg);
        assert_eq!(made.widths, vec![320, 640, 700]);
        assert_eq!(made.file_name, "0123456789abcdef.jpg");
        let names: Vec<&str> = made.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "0123456789abcdef.jpg",
                "0123456789abcdef-700w.webp",
                "0123456789abcdef-640w.webp",
                "0123456789abcdef-640w.jpg",
                "0123456789abcdef-320w.webp",
                "0123456789abcdef-320w.jpg",
                "0123456789abcdef-share50x50.jpg",
            ]
        );
        for (name, bytes) in &made.files {
            assert!(media::parse_file_name(name).is_some(), "{name}");
            let decoded = image::load_from_memory(bytes).expect(name);
            if let Some(w) = media::variant_width(name) {
                assert_eq!(decoded.width(), w, "{name}");
            }
        }
    }
}
