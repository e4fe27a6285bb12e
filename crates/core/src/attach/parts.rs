//! A question with attachments as OpenAI content parts: the typed text first, then each
//! attachment in the order it was attached — a text file as a text part (its name, then its
//! content fenced), an image as an `image_url` part holding a `data:` URL.

use base64::Engine;

use super::Kind;
use crate::gateway::types::{Content, ImageUrl, Part};

/// An attachment as the model is sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub name: String,
    pub kind: Kind,
    pub media_type: String,
    /// `None`: not sent again (a long chat's older attachments past what one request carries).
    pub data: Option<Vec<u8>>,
}

/// The content of a message: its text alone when it has no attachments (a plain string, as
/// every message was before attachments), content parts otherwise.
pub fn content(text: &str, attached: &[Loaded]) -> Content {
    if attached.is_empty() {
        return Content::Text(text.to_string());
    }
    let mut parts = Vec::with_capacity(attached.len() + 1);
    if !text.trim().is_empty() {
        parts.push(Part::Text { text: text.to_string() });
    }
    for a in attached {
        parts.push(match (&a.data, a.kind) {
            (None, _) => Part::Text {
                text: format!("(“{}” was attached here; it is not sent again: this chat's attachments are more than one request can carry.)", a.name),
            },
            (Some(data), Kind::Text) => Part::Text {
                text: fenced(&a.name, &String::from_utf8_lossy(data)),
            },
            (Some(data), Kind::Image) => Part::ImageUrl {
                image_url: ImageUrl {
                    url: data_url(&a.media_type, data),
                },
            },
        });
    }
    Content::Parts(parts)
}

/// An image as a `data:` URL, as `image_url` parts carry it.
pub fn data_url(media_type: &str, data: &[u8]) -> String {
    format!(
        "data:{media_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(data)
    )
}

/// `name`, then `body` in a fence longer than any run of backticks inside it, so the file
/// cannot close the block early.
pub fn fenced(name: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    format!("{name}\n{fence}\n{body}{newline}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(name: &str, kind: Kind, media_type: &str, data: &[u8]) -> Loaded {
        Loaded {
            name: name.into(),
            kind,
            media_type: media_type.into(),
            data: Some(data.to_vec()),
        }
    }

    #[test]
    fn no_attachments_is_a_plain_string() {
        let c = content("hello", &[]);
        assert_eq!(serde_json::to_value(&c).unwrap(), serde_json::json!("hello"));
    }

    #[test]
    fn the_openai_shape_text_first_then_each_attachment() {
        let c = content(
            "What is in these?",
            &[
                loaded("shot.png", Kind::Image, "image/png", b"\x89PNG"),
                loaded("notes.md", Kind::Text, "text/plain", b"# Notes\n"),
            ],
        );
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!([
                {"type": "text", "text": "What is in these?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}},
                {"type": "text", "text": "notes.md\n```\n# Notes\n```"},
            ])
        );
        assert_eq!(c.as_str(), "What is in these?");
    }

    #[test]
    fn an_attachment_alone_has_no_empty_text_part() {
        let c = content("  ", &[loaded("a.txt", Kind::Text, "text/plain", b"x")]);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!([{"type": "text", "text": "a.txt\n```\nx\n```"}])
        );
    }

    #[test]
    fn the_fence_is_longer_than_any_backticks_inside() {
        assert_eq!(fenced("a.md", "x"), "a.md\n```\nx\n```");
        let md = "Use ```rust\nfn x() {}\n```\nand ````` too\n";
        let f = fenced("doc.md", md);
        assert!(f.starts_with("doc.md\n``````\n"), "{f}");
        assert!(f.ends_with("\n``````"), "{f}");
        // The fenced file renders as one code block holding exactly the file.
        let html = crate::render::render_markdown(&f);
        assert_eq!(html.matches("<pre").count(), 1, "{html}");
    }
}
