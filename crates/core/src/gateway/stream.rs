//! A streamed chat completion: SSE frames (parsed by `eventsource-stream`) to text deltas.

use std::pin::Pin;

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};

use super::types::{ChatChunk, StreamUsage};
use super::GatewayError;

/// What one SSE event of a chat stream means to us.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Text(String),
    /// The final usage chunk (`stream_options.include_usage`), which has empty `choices`.
    Usage {
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
    },
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;
type EventStream = eventsource_stream::EventStream<ByteStream>;

/// The events of one streamed answer. Ends with `None` after `[DONE]` (or after a
/// `finish_reason` when the server closes without `[DONE]`); a connection that drops before
/// either is an error, so a cut-off answer is never mistaken for a whole one.
pub struct ChatEvents {
    events: EventStream,
    finished: bool,
    done: bool,
}

impl ChatEvents {
    /// Reads SSE from any byte stream (the HTTP body, or a test's hand-cut chunks).
    pub fn new<S, E>(bytes: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let bytes: ByteStream = Box::pin(bytes.map(|r| r.map_err(|e| e.to_string())));
        Self {
            events: bytes.eventsource(),
            finished: false,
            done: false,
        }
    }

    /// The next delta, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<StreamItem, GatewayError>> {
        loop {
            if self.done {
                return None;
            }
            let event = match self.events.next().await {
                Some(Ok(event)) => event,
                Some(Err(EventStreamError::Transport(e))) => {
                    self.done = true;
                    // After a finish_reason the answer is whole; a connection cut before
                    // `[DONE]` loses nothing.
                    return (!self.finished).then_some(Err(GatewayError::Dropped(e)));
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(GatewayError::BadResponse(format!(
                        "the event stream is malformed ({e})"
                    ))));
                }
                None => {
                    self.done = true;
                    return (!self.finished).then(|| {
                        Err(GatewayError::Dropped(
                            "the stream ended before the answer was complete".into(),
                        ))
                    });
                }
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                self.done = true;
                return None;
            }
            if event.event == "error" {
                self.done = true;
                return Some(Err(GatewayError::StreamError(error_message(data))));
            }
            if data.is_empty() {
                continue;
            }
            let chunk: ChatChunk = match serde_json::from_str(data) {
                Ok(chunk) => chunk,
                Err(e) => {
                    self.done = true;
                    return Some(Err(GatewayError::BadResponse(format!(
                        "a stream event is not JSON ({e})"
                    ))));
                }
            };
            if let Some(error) = chunk.error {
                self.done = true;
                return Some(Err(GatewayError::StreamError(error_text(&error))));
            }
            if chunk
                .choices
                .iter()
                .any(|c| c.finish_reason.as_deref().is_some_and(|r| !r.is_empty()))
            {
                self.finished = true;
            }
            let text: String = chunk
                .choices
                .iter()
                .filter_map(|c| c.delta.content.as_deref())
                .collect();
            if !text.is_empty() {
                return Some(Ok(StreamItem::Text(text)));
            }
            if let Some(StreamUsage {
                prompt_tokens,
                completion_tokens,
            }) = chunk.usage
            {
                return Some(Ok(StreamItem::Usage {
                    prompt_tokens,
                    completion_tokens,
                }));
            }
        }
    }
}

/// The words of an error event's data, whatever its shape.
fn error_message(data: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(data) {
        Ok(v) => error_text(v.get("error").unwrap_or(&v)),
        Err(_) if !data.is_empty() => data.to_string(),
        Err(_) => "the gateway reported an error".into(),
    }
}

/// `{"message": "..."}`, a bare string, or anything else printed as JSON.
pub(crate) fn error_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .or_else(|| o.get("error").map(error_text))
            .unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `raw` cut at the given offsets and collects the outcome.
    async fn run(raw: &[u8], cuts: &[usize]) -> (String, Option<GatewayError>, Vec<StreamItem>) {
        let mut pieces = Vec::new();
        let mut last = 0;
        for &c in cuts {
            pieces.push(Ok::<_, String>(Bytes::copy_from_slice(&raw[last..c])));
            last = c;
        }
        pieces.push(Ok(Bytes::copy_from_slice(&raw[last..])));
        let mut events = ChatEvents::new(futures_util::stream::iter(pieces));
        let (mut text, mut error, mut items) = (String::new(), None, Vec::new());
        while let Some(item) = events.next().await {
            match item {
                Ok(StreamItem::Text(t)) => text.push_str(&t),
                Ok(other) => items.push(other),
                Err(e) => error = Some(e),
            }
        }
        (text, error, items)
    }

    fn chunk(content: &str) -> String {
        format!(
            "{{\"choices\":[{{\"delta\":{{\"content\":{}}},\"finish_reason\":null}}]}}",
            serde_json::to_string(content).unwrap()
        )
    }

    const EXPECTED: &str = "Héllo, wörld — 你好 🦀!";

    fn sample(eol: &str, space: &str) -> Vec<u8> {
        let mut s = String::new();
        s.push_str(&format!(": keep-alive{eol}{eol}"));
        for part in ["Héllo, ", "wörld — ", "你好 ", "🦀!"] {
            s.push_str(&format!("data:{space}{}{eol}{eol}", chunk(part)));
        }
        s.push_str(&format!(
            "data:{space}{{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}{eol}{eol}"
        ));
        s.push_str(&format!(
            "data:{space}{{\"choices\":[],\"usage\":{{\"prompt_tokens\":7,\"completion_tokens\":9}}}}{eol}{eol}"
        ));
        s.push_str(&format!("data:{space}[DONE]{eol}{eol}"));
        s.into_bytes()
    }

    #[tokio::test]
    async fn split_at_every_byte_offset() {
        for (eol, space) in [("\n", " "), ("\r\n", " "), ("\n", ""), ("\r\n", ""), ("\r", " ")] {
            let raw = sample(eol, space);
            for cut in 0..=raw.len() {
                let (text, error, items) = run(&raw, &[cut]).await;
                assert_eq!(text, EXPECTED, "eol={eol:?} space={space:?} cut={cut}");
                assert!(error.is_none(), "cut={cut}: {error:?}");
                assert_eq!(
                    items,
                    vec![StreamItem::Usage {
                        prompt_tokens: Some(7),
                        completion_tokens: Some(9)
                    }]
                );
            }
        }
    }

    #[tokio::test]
    async fn split_into_single_bytes() {
        let raw = sample("\n", " ");
        let cuts: Vec<usize> = (1..raw.len()).collect();
        let (text, error, _) = run(&raw, &cuts).await;
        assert_eq!(text, EXPECTED);
        assert!(error.is_none());
    }

    #[tokio::test]
    async fn multi_line_data_is_joined() {
        let raw = b"data: {\"choices\":\ndata: [{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
        let (text, error, _) = run(raw, &[]).await;
        assert_eq!(text, "hi");
        assert!(error.is_none());
    }

    #[tokio::test]
    async fn error_event_keeps_what_came_before() {
        let raw = format!(
            "data: {}\n\nevent: error\ndata: {{\"error\":{{\"message\":\"upstream overloaded\"}}}}\n\n",
            chunk("partial ")
        );
        let (text, error, _) = run(raw.as_bytes(), &[]).await;
        assert_eq!(text, "partial ");
        assert_eq!(error, Some(GatewayError::StreamError("upstream overloaded".into())));
    }

    #[tokio::test]
    async fn error_object_in_data() {
        let raw = format!(
            "data: {}\n\ndata: {{\"error\":{{\"message\":\"boom\",\"code\":500}}}}\n\n",
            chunk("a")
        );
        let (text, error, _) = run(raw.as_bytes(), &[]).await;
        assert_eq!(text, "a");
        assert_eq!(error, Some(GatewayError::StreamError("boom".into())));
    }

    #[tokio::test]
    async fn drop_before_done_is_an_error() {
        let raw = format!("data: {}\n\n", chunk("cut"));
        let (text, error, _) = run(raw.as_bytes(), &[]).await;
        assert_eq!(text, "cut");
        assert!(matches!(error, Some(GatewayError::Dropped(_))));
    }

    #[tokio::test]
    async fn finish_reason_without_done_is_complete() {
        let raw = format!(
            "data: {}\n\ndata: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n",
            chunk("whole")
        );
        let (text, error, _) = run(raw.as_bytes(), &[]).await;
        assert_eq!(text, "whole");
        assert!(error.is_none());
    }

    #[tokio::test]
    async fn non_json_data_is_a_bad_response() {
        let (_, error, _) = run(b"data: <html>oops</html>\n\n", &[]).await;
        assert!(matches!(error, Some(GatewayError::BadResponse(_))));
    }

    #[tokio::test]
    async fn transport_error_mid_stream() {
        let pieces = vec![
            Ok(Bytes::from(format!("data: {}\n\n", chunk("so far")))),
            Err("connection reset".to_string()),
        ];
        let mut events = ChatEvents::new(futures_util::stream::iter(pieces));
        assert_eq!(events.next().await.unwrap().unwrap(), StreamItem::Text("so far".into()));
        assert!(matches!(events.next().await, Some(Err(GatewayError::Dropped(_)))));
        assert!(events.next().await.is_none());
    }
}
