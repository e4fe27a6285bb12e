//! Calling a tool: within its server's time limit, cancelled when the person stops (rmcp sends
//! `notifications/cancelled` when the request is dropped), and its result made something a
//! card can show and a model can read: text capped with the cut said, images kept as bytes.

use std::time::Duration;

use base64::Engine;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ResourceContents};
use rmcp::service::RoleClient;
use rmcp::{Peer, ServiceError};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::McpError;

/// How much of a result's text is kept: what a model can use, what a card can show.
pub const MAX_TEXT_BYTES: usize = 100 * 1024;
/// Images past this size, or past this count, are left out (and the text says so).
const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
const MAX_IMAGES: usize = 8;

/// A tool's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    /// The server said the call failed (`isError`): the text says why, and the model is told
    /// it as an error.
    pub is_error: bool,
    /// The result's text parts, one after another; when cut, it ends saying so.
    pub text: String,
    /// The text's size before the cut, when it was cut.
    pub cut_from: Option<usize>,
    pub images: Vec<ToolImage>,
}

/// An image a tool returned.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolImage {
    pub mime: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for ToolImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ToolImage({}, {} bytes)", self.mime, self.bytes.len())
    }
}

/// Calls `tool` on `peer` with `arguments`, within `limit`, until `cancel`.
pub async fn call(
    peer: &Peer<RoleClient>,
    server: &str,
    tool: &str,
    arguments: serde_json::Map<String, serde_json::Value>,
    limit: Duration,
    cancel: &CancellationToken,
) -> Result<ToolResult, McpError> {
    let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
    // Dropping the request (time limit, Stop) makes rmcp tell the server it is cancelled.
    let result = tokio::select! {
        result = tokio::time::timeout(limit, peer.call_tool(params)) => result,
        _ = cancel.cancelled() => return Err(McpError::Cancelled),
    };
    let failed = |reason: String| McpError::CallFailed {
        server: server.to_string(),
        tool: tool.to_string(),
        reason,
    };
    match result {
        Err(_) => Err(McpError::CallTimedOut {
            server: server.to_string(),
            tool: tool.to_string(),
            secs: limit.as_secs(),
        }),
        Ok(Ok(result)) => Ok(shape(result)),
        Ok(Err(ServiceError::McpError(error))) => {
            Err(failed(format!("the server refused the call: {}", error.message)))
        }
        Ok(Err(ServiceError::TransportClosed | ServiceError::TransportSend(_))) => {
            Err(failed("the server stopped during the call".to_string()))
        }
        Ok(Err(other)) => Err(failed(other.to_string())),
    }
}

/// A result as the app keeps it.
pub fn shape(result: CallToolResult) -> ToolResult {
    let mut text = String::new();
    let mut images = Vec::new();
    let mut notes = Vec::new();
    let mut push = |part: &str| {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(part);
    };
    for block in &result.content {
        match block {
            ContentBlock::Text(t) => push(&t.text),
            ContentBlock::Image(image) => {
                match base64::engine::general_purpose::STANDARD.decode(image.data.as_bytes()) {
                    Ok(bytes) if bytes.len() <= MAX_IMAGE_BYTES && images.len() < MAX_IMAGES => {
                        images.push(ToolImage {
                            mime: image.mime_type.clone(),
                            bytes,
                        })
                    }
                    Ok(bytes) => notes.push(format!("[an image of {} KB was left out]", bytes.len() / 1024)),
                    Err(_) => notes.push("[an image that was not valid base64 was left out]".to_string()),
                }
            }
            ContentBlock::Resource(resource) => match &resource.resource {
                ResourceContents::TextResourceContents { text: body, uri, .. } => push(&format!("[{uri}]\n{body}")),
                ResourceContents::BlobResourceContents { uri, mime_type, .. } => push(&format!(
                    "[a file, {uri} ({}), was left out]",
                    mime_type.as_deref().unwrap_or("binary")
                )),
                _ => notes.push("[an embedded resource of a kind this app does not show was left out]".to_string()),
            },
            ContentBlock::ResourceLink(link) => push(&format!("[{}: {}]", link.name, link.uri)),
            ContentBlock::Audio(audio) => notes.push(format!("[a sound ({}) was left out]", audio.mime_type)),
            #[allow(unreachable_patterns)]
            _ => notes.push("[a part of a kind this app does not show was left out]".to_string()),
        }
    }
    // A result given only as structured content is shown as its JSON.
    if result.content.is_empty() {
        if let Some(structured) = &result.structured_content {
            push(&serde_json::to_string_pretty(structured).unwrap_or_default());
        }
    }
    for note in notes {
        push(&note);
    }
    let (text, cut_from) = cap(text);
    ToolResult {
        is_error: result.is_error == Some(true),
        text,
        cut_from,
        images,
    }
}

/// Cuts `text` to [`MAX_TEXT_BYTES`] at a character's edge and says so at the end.
fn cap(text: String) -> (String, Option<usize>) {
    if text.len() <= MAX_TEXT_BYTES {
        return (text, None);
    }
    let full = text.len();
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text[..end].to_string();
    cut.push_str(&format!(
        "\n[The result was cut: {} KB of {} KB are shown.]",
        end / 1024,
        full.div_ceil(1024)
    ));
    (cut, Some(full))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ContentBlock as Content;

    #[test]
    fn text_is_capped_at_a_character_and_the_cut_is_said() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let result = shape(CallToolResult::success(vec![Content::text(long.clone())]));
        assert_eq!(result.cut_from, Some(long.len()));
        assert!(result.text.len() < MAX_TEXT_BYTES + 100);
        assert!(
            result
                .text
                .ends_with("[The result was cut: 100 KB of 200 KB are shown.]"),
            "{}",
            &result.text[result.text.len() - 80..]
        );
        let short = shape(CallToolResult::success(vec![Content::text("a"), Content::text("b")]));
        assert_eq!(
            (short.text.as_str(), short.cut_from, short.is_error),
            ("a\nb", None, false)
        );
    }

    #[test]
    fn errors_stay_errors_and_images_are_bytes() {
        let png = [0x89, b'P', b'N', b'G'];
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let result = shape(CallToolResult::error(vec![
            Content::text("no such file"),
            Content::image(data, "image/png"),
        ]));
        assert!(result.is_error);
        assert_eq!(result.text, "no such file");
        assert_eq!(
            result.images,
            [ToolImage {
                mime: "image/png".into(),
                bytes: png.to_vec()
            }]
        );
        let bad = shape(CallToolResult::success(vec![Content::image("%%%", "image/png")]));
        assert!(bad.images.is_empty());
        assert!(bad.text.contains("not valid base64"));
    }
}
