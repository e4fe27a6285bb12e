//! Attachments: what a file is (by its content, never its name), images scaled to what a model
//! can use, and the content parts a message with attachments is sent as.
//!
//! - [`prepare`]: bytes the person attached → what is kept and sent (or a refusal in words).
//! - [`parts`]: a question and its attachments → OpenAI content parts.

pub mod parts;
mod scale;

use sha2::{Digest, Sha256};

use crate::error_code::ErrorCode;

pub use parts::content;

/// The most bytes an image may have when attached (before scaling).
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;
/// The most bytes a text file may have: past this it would crowd out the conversation.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// The most bytes anything attached may have: what the shell reads at most.
pub const MAX_INPUT_BYTES: usize = MAX_IMAGE_BYTES;
/// The most attachments one message may carry.
pub const MAX_PER_MESSAGE: usize = 10;
/// Images are scaled so that their long side is at most this (what vision models use anyway).
pub const MAX_LONG_SIDE: u32 = 2048;
/// The most pixels an image may have: what decoding it may cost is bounded (a small file can
/// claim a huge picture).
pub const MAX_PIXELS: u64 = 50_000_000;

/// What an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// PNG, JPEG, WebP or GIF: sent as an `image_url` part.
    Image,
    /// UTF-8 text without NULs (code, Markdown, CSV, JSON, logs): sent as a fenced text part.
    Text,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(Kind::Image),
            "text" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// Why a file cannot be attached, in words the person can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttachError {
    #[error("“{name}” is {} — attachments can be at most {}.", human_size(*.size), human_size(MAX_INPUT_BYTES))]
    FileTooLarge { name: String, size: usize },
    #[error("“{0}” is empty.")]
    Empty(String),
    #[error("“{name}” is {size} — images can be at most {limit}.")]
    ImageTooLarge { name: String, size: String, limit: String },
    #[error("“{name}” is {size} — text files can be at most {limit}. Attach the part that matters.")]
    TextTooLarge { name: String, size: String, limit: String },
    #[error("“{name}” is {width}×{height} pixels — too large a picture to read (at most 50 megapixels).")]
    TooManyPixels { name: String, width: u32, height: u32 },
    #[error("“{name}” is {width}×{height} pixels — a kept image is at most {MAX_LONG_SIDE} pixels on its long side.")]
    NotScaled { name: String, width: u32, height: u32 },
    #[error("“{name}” could not be read as an image ({why}).")]
    BadImage { name: String, why: String },
    #[error("“{0}” is neither an image (PNG, JPEG, WebP, GIF) nor a text file, so it can't be sent.")]
    Unsupported(String),
}

impl AttachError {
    /// A stable code the window can branch on.
    pub fn kind(&self) -> ErrorCode {
        match self {
            AttachError::Empty(_) => ErrorCode::AttachmentEmpty,
            AttachError::FileTooLarge { .. }
            | AttachError::ImageTooLarge { .. }
            | AttachError::TextTooLarge { .. }
            | AttachError::TooManyPixels { .. }
            | AttachError::NotScaled { .. } => ErrorCode::AttachmentTooLarge,
            AttachError::BadImage { .. } => ErrorCode::AttachmentBadImage,
            AttachError::Unsupported(_) => ErrorCode::AttachmentUnsupported,
        }
    }
}

/// An attachment as it is kept and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub kind: Kind,
    pub media_type: String,
    /// The bytes sent: the file itself, or the scaled image.
    pub bytes: Vec<u8>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// sha256 of `bytes`, lower-case hex: the attachment's id.
    pub hash: String,
}

/// Looks at what `bytes` are and makes them ready to send: an image is scaled to
/// [`MAX_LONG_SIDE`] when larger (and kept as it is otherwise); text is kept as it is. Slow for
/// large images: call it off the async workers.
pub fn prepare(name: &str, bytes: Vec<u8>) -> Result<Prepared, AttachError> {
    let name = display_name(name);
    if bytes.is_empty() {
        return Err(AttachError::Empty(name));
    }
    let (kind, media_type, bytes, size) = match image_format(&bytes) {
        Some(format) => {
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(AttachError::ImageTooLarge {
                    name,
                    size: human_size(bytes.len()),
                    limit: human_size(MAX_IMAGE_BYTES),
                });
            }
            let scaled = scale::fit(&name, bytes, format)?;
            (
                Kind::Image,
                scaled.media_type.to_string(),
                scaled.bytes,
                Some((scaled.width, scaled.height)),
            )
        }
        None if is_text(&bytes) => {
            if bytes.len() > MAX_TEXT_BYTES {
                return Err(AttachError::TextTooLarge {
                    name,
                    size: human_size(bytes.len()),
                    limit: human_size(MAX_TEXT_BYTES),
                });
            }
            (Kind::Text, "text/plain".to_string(), bytes, None)
        }
        None => return Err(AttachError::Unsupported(name)),
    };
    Ok(Prepared {
        kind,
        media_type,
        hash: hash(&bytes),
        bytes,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    })
}

/// Checks bytes that come back from an export: the same kinds and limits as [`prepare`], but
/// kept byte for byte (they were prepared when attached), so an image larger than
/// [`prepare`] keeps one ([`MAX_LONG_SIDE`]) is refused rather than scaled.
pub fn verify(name: &str, bytes: Vec<u8>) -> Result<Prepared, AttachError> {
    let name = display_name(name);
    if bytes.is_empty() {
        return Err(AttachError::Empty(name));
    }
    let (kind, media_type, size) = match image_format(&bytes) {
        Some(format) if bytes.len() <= MAX_IMAGE_BYTES => {
            let (width, height) = scale::dimensions(&name, &bytes, format)?;
            if width.max(height) > MAX_LONG_SIDE {
                return Err(AttachError::NotScaled { name, width, height });
            }
            (Kind::Image, scale::media_type(format), Some((width, height)))
        }
        Some(_) => {
            return Err(AttachError::ImageTooLarge {
                name,
                size: human_size(bytes.len()),
                limit: human_size(MAX_IMAGE_BYTES),
            })
        }
        None if is_text(&bytes) && bytes.len() <= MAX_TEXT_BYTES => (Kind::Text, "text/plain", None),
        None if is_text(&bytes) => {
            return Err(AttachError::TextTooLarge {
                name,
                size: human_size(bytes.len()),
                limit: human_size(MAX_TEXT_BYTES),
            })
        }
        None => return Err(AttachError::Unsupported(name)),
    };
    Ok(Prepared {
        kind,
        media_type: media_type.into(),
        hash: hash(&bytes),
        bytes,
        width: size.map(|s: (u32, u32)| s.0),
        height: size.map(|s| s.1),
    })
}

/// sha256 of `bytes` in lower-case hex.
pub fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `id` looks like one of ours (64 lower-case hex digits): anything else is never
/// looked up.
pub fn is_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A name fit to show and to send: no paths, no control characters, not too long.
pub fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "attachment".into()
    } else {
        clean.into()
    }
}

/// The four formats vision models take, judged by magic bytes.
fn image_format(bytes: &[u8]) -> Option<image::ImageFormat> {
    use image::ImageFormat::*;
    match image::guess_format(bytes).ok()? {
        f @ (Png | Jpeg | WebP | Gif) => Some(f),
        _ => None,
    }
}

/// Text: valid UTF-8 without NUL bytes, whatever the file is called.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0)
}

fn human_size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `w`×`h` with a gradient (so scaling has something to average).
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn encoded(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([(x % 256) as u8, 10, 20, 255]));
        let img = image::DynamicImage::ImageRgba8(img);
        let img = if format == image::ImageFormat::Jpeg {
            image::DynamicImage::ImageRgb8(img.to_rgb8())
        } else {
            img
        };
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn decoded_size(bytes: &[u8]) -> (u32, u32) {
        let img = image::load_from_memory(bytes).unwrap();
        (img.width(), img.height())
    }

    #[test]
    fn images_are_known_by_their_bytes_not_their_name() {
        for (format, media) in [
            (image::ImageFormat::Png, "image/png"),
            (image::ImageFormat::Jpeg, "image/jpeg"),
            (image::ImageFormat::WebP, "image/webp"),
            (image::ImageFormat::Gif, "image/gif"),
        ] {
            let bytes = encoded(40, 30, format);
            let p = prepare("notes.txt", bytes.clone()).unwrap();
            assert_eq!(p.kind, Kind::Image, "{media}");
            assert_eq!(p.media_type, media);
            assert_eq!((p.width, p.height), (Some(40), Some(30)));
            assert_eq!(
                p.bytes, bytes,
                "{media}: an image that needs no scaling is sent as it is"
            );
            assert_eq!(p.hash, hash(&bytes));
            assert!(is_id(&p.hash));
        }
    }

    #[test]
    fn text_is_any_utf8_without_nul() {
        for (name, body) in [
            ("main.rs", "fn main() {}\n"),
            ("data.csv", "a,b\n1,2\n"),
            ("README", "# Hello 数据 🦀\n"),
            ("photo.png", "not a png at all, just words"),
        ] {
            let p = prepare(name, body.as_bytes().to_vec()).unwrap();
            assert_eq!(p.kind, Kind::Text, "{name}");
            assert_eq!(p.bytes, body.as_bytes());
            assert_eq!(p.media_type, "text/plain");
        }
    }

    #[test]
    fn other_binaries_are_refused_in_words() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
        let err = prepare("/tmp/a.out", elf).unwrap_err();
        assert_eq!(err, AttachError::Unsupported("a.out".into()));
        assert!(err.to_string().contains("neither an image"), "{err}");
        let latin1 = b"caf\xe9".to_vec();
        assert_eq!(prepare("x.txt", latin1).unwrap_err().kind(), "attachment_unsupported");
        let nul = b"text\0with a nul".to_vec();
        assert_eq!(prepare("x.txt", nul).unwrap_err().kind(), "attachment_unsupported");
        assert_eq!(
            prepare("e.txt", vec![]).unwrap_err(),
            AttachError::Empty("e.txt".into())
        );
    }

    #[test]
    fn size_limits_say_how_large_and_how_much_is_allowed() {
        let big = "a".repeat(MAX_TEXT_BYTES + 1).into_bytes();
        let err = prepare("log.txt", big).unwrap_err();
        assert_eq!(err.kind(), "attachment_too_large");
        assert!(err.to_string().contains("at most 256 KB"), "{err}");
        assert!(prepare("ok.txt", "a".repeat(MAX_TEXT_BYTES).into_bytes()).is_ok());
        // An image past the limit is refused before it is decoded.
        let mut huge = png(4, 4);
        huge.resize(MAX_IMAGE_BYTES + 1, 0);
        let err = prepare("huge.png", huge).unwrap_err();
        assert!(err.to_string().contains("at most 20.0 MB"), "{err}");
    }

    #[test]
    fn large_images_are_scaled_to_the_long_side() {
        let p = prepare("wide.png", png(4096, 1024)).unwrap();
        assert_eq!(p.media_type, "image/png");
        assert_eq!((p.width, p.height), (Some(2048), Some(512)));
        assert_eq!(decoded_size(&p.bytes), (2048, 512));
        let p = prepare("tall.jpg", encoded(1000, 3000, image::ImageFormat::Jpeg)).unwrap();
        assert_eq!(p.media_type, "image/jpeg", "a photo stays a JPEG");
        assert_eq!(decoded_size(&p.bytes), (683, 2048));
        let p = prepare("anim.gif", encoded(2100, 100, image::ImageFormat::Gif)).unwrap();
        assert_eq!(p.media_type, "image/png", "a scaled GIF is its first frame, as PNG");
        assert_eq!(decoded_size(&p.bytes), (2048, 98));
        // Exactly the limit: untouched.
        let edge = png(2048, 10);
        assert_eq!(prepare("edge.png", edge.clone()).unwrap().bytes, edge);
    }

    #[test]
    fn a_decompression_bomb_is_refused_without_decoding() {
        // A valid PNG header claiming 60000×60000 pixels, in a few dozen bytes.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let err = prepare("bomb.png", bomb).unwrap_err();
        assert!(
            matches!(err, AttachError::TooManyPixels { .. } | AttachError::BadImage { .. }),
            "{err:?}"
        );
        // Garbage after a PNG signature is a bad image, not a panic.
        let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
        broken.extend_from_slice(&[0xff; 64]);
        assert_eq!(
            prepare("broken.png", broken).unwrap_err().kind(),
            "attachment_bad_image"
        );
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(display_name("C:\\Users\\me\\shot.png"), "shot.png");
        assert_eq!(display_name("/home/me/a\nb.txt"), "ab.txt");
        assert_eq!(display_name("   "), "attachment");
    }

    #[test]
    fn verify_reads_back_what_prepare_kept() {
        let p = prepare("wide.png", png(3000, 300)).unwrap();
        assert_eq!(verify("wide.png", p.bytes.clone()).unwrap(), p);
        assert_eq!((p.width, p.height), (Some(2048), Some(205)));
        assert_eq!(
            verify("x", b"\x7fELF\0".to_vec()).unwrap_err().kind(),
            "attachment_unsupported"
        );
    }
}
