//! Images down to [`MAX_LONG_SIDE`]: decoded under limits (a few bytes can claim a huge
//! picture), turned upright (a photo's EXIF orientation is lost once re-encoded), scaled, and
//! encoded again — JPEG stays JPEG, anything else becomes PNG (lossless, and every model takes it).

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
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
    let img = DynamicImage::from_decoder(decoder).map_err(|e| bad(name, e))?;
    drop(bytes);
    // Scaled before it is turned upright: the same picture (`target` is symmetric), with a
    // fraction of the pixels to move.
    let (w, h) = target(img.width(), img.height());
    let mut img = resize(img, w, h);
    img.apply_orientation(orientation);
    let (bytes, media_type) = if format == ImageFormat::Jpeg {
        (jpeg(&img).map_err(|e| bad(name, e))?, "image/jpeg")
    } else {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).map_err(|e| bad(name, e))?;
        (out.into_inner(), "image/png")
    };
    Ok(Scaled {
        bytes,
        media_type,
        width: img.width(),
        height: img.height(),
    })
}

/// `img` at `width`×`height`, with a triangle (bilinear) filter. SIMD resampling: image's own
/// `resize_exact` took most of the time of attaching a photo. Colours are weighted by alpha,
/// so transparent pixels leave no dark fringe.
fn resize(img: DynamicImage, width: u32, height: u32) -> DynamicImage {
    let mut out = DynamicImage::new(width, height, img.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    match Resizer::new().resize(&img, &mut out, &options) {
        Ok(()) => out,
        // A pixel layout it does not know (none that the four decoders make today): image's
        // own, slower resize.
        Err(_) => img.resize_exact(width, height, image::imageops::FilterType::Triangle),
    }
}

/// Quality of re-encoded photos, and no chroma subsampling: what image's encoder wrote before.
const JPEG_QUALITY: u8 = 88;

// The encoder takes 16-bit sizes; scaled pictures are within that.
const _: () = assert!(MAX_LONG_SIDE <= u16::MAX as u32);

/// `img` as a baseline JPEG.
fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let rgb;
    let (pixels, color) = match img {
        DynamicImage::ImageRgb8(p) => (p.as_raw(), jpeg_encoder::ColorType::Rgb),
        DynamicImage::ImageLuma8(p) => (p.as_raw(), jpeg_encoder::ColorType::Luma),
        other => {
            rgb = other.to_rgb8();
            (rgb.as_raw(), jpeg_encoder::ColorType::Rgb)
        }
    };
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    encoder.encode(pixels, img.width() as u16, img.height() as u16, color)?;
    Ok(out)
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
