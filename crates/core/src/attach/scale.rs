//! Images down to [`MAX_LONG_SIDE`]: decoded under limits (a few bytes can claim a huge
//! picture), turned upright (a photo's EXIF orientation is lost once re-encoded), scaled, and
//! encoded again — JPEG stays JPEG, anything else becomes PNG (lossless, and every model takes it).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::{AttachError, MAX_LONG_SIDE, MAX_PIXELS};

/// What decoding may allocate: the largest picture allowed, four bytes a pixel, and room for
/// the decoder's own buffers.
const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 4 + 64 * 1024 * 1024;

pub(super) struct Scaled {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
}

pub(super) fn media_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Gif => "image/gif",
        _ => "image/png",
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(u16::MAX as u32);
    limits.max_image_height = Some(u16::MAX as u32);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn bad(name: &str, e: impl std::fmt::Display) -> AttachError {
    AttachError::BadImage {
        name: name.to_string(),
        why: e.to_string(),
    }
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    reader
}

/// The picture's size as its header says, refused past [`MAX_PIXELS`]; nothing is decoded.
pub(super) fn dimensions(name: &str, bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), AttachError> {
    let (width, height) = reader(bytes, format).into_dimensions().map_err(|e| bad(name, e))?;
    if width == 0 || height == 0 {
        return Err(bad(name, "it has no pixels"));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AttachError::TooManyPixels {
            name: name.to_string(),
            width,
            height,
        });
    }
    Ok((width, height))
}

/// `bytes` as they are when the picture fits, scaled otherwise.
pub(super) fn fit(name: &str, bytes: Vec<u8>, format: ImageFormat) -> Result<Scaled, AttachError> {
    let (width, height) = dimensions(name, &bytes, format)?;
    if width.max(height) <= MAX_LONG_SIDE {
        return Ok(Scaled {
            bytes,
            media_type: media_type(format),
            width,
            height,
        });
    }
    let mut decoder = reader(&bytes, format).into_decoder().map_err(|e| bad(name, e))?;
    let orientation = decoder.orientation().map_err(|e| bad(name, e))?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| bad(name, e))?;
    drop(bytes);
    img.apply_orientation(orientation);
    let (w, h) = target(img.width(), img.height());
    let img = img.resize_exact(w, h, FilterType::Triangle);
    let mut out = Cursor::new(Vec::new());
    let media_type = if format == ImageFormat::Jpeg {
        let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
        rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 88))
            .map_err(|e| bad(name, e))?;
        "image/jpeg"
    } else {
        img.write_to(&mut out, ImageFormat::Png).map_err(|e| bad(name, e))?;
        "image/png"
    };
    Ok(Scaled {
        bytes: out.into_inner(),
        media_type,
        width: w,
        height: h,
    })
}

/// The size with the long side at [`MAX_LONG_SIDE`] and the proportions kept (rounded, at
/// least one pixel).
fn target(width: u32, height: u32) -> (u32, u32) {
    let ratio = f64::from(MAX_LONG_SIDE) / f64::from(width.max(height));
    let side = |n: u32| ((f64::from(n) * ratio).round() as u32).clamp(1, MAX_LONG_SIDE);
    (side(width), side(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_keep_proportions() {
        assert_eq!(target(4096, 1024), (2048, 512));
        assert_eq!(target(1000, 3000), (683, 2048));
        assert_eq!(target(60_000, 1), (2048, 1));
        assert_eq!(target(2049, 2049), (2048, 2048));
    }
}
