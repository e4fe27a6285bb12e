//! A streamed chat completion: SSE frames (parsed by `eventsource-stream`) to text,
//! reasoning and refusal deltas, the finish reason and the usage.
//!
//! `eventsource-stream` buffers an event without limit (and re-scans its buffer on each
//! chunk), and the read timeout never fires while bytes keep coming. So the bytes pass through
//! [`EventSizeCap`] first: past [`limits::STREAM_EVENT`] bytes in one event the stream ends
//! with [`GatewayError::TooLarge`], and the text received before it is kept.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};

use super::types::{ChatChunk, FinishReason, StreamUsage};
use super::{limits, readable, GatewayError};

/// What one SSE event of a chat stream means to us.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Text(String),
    /// A `reasoning_content` or `reasoning` delta (sent with `content` null).
    Reasoning(String),
    /// A `refusal` delta: the model declined, in its words.
    Refusal(String),
    /// The first non-empty `finish_reason`.
    Finish(FinishReason),
    /// The final usage chunk (`stream_options.include_usage`), which has empty `choices`.
    Usage {
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
        reasoning_tokens: Option<u64>,
    },
}

/// Why the bytes of a stream stopped.
#[derive(Debug)]
enum ReadError {
    Transport(String),
    EventTooLarge,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Transport(e) => f.write_str(e),
            ReadError::EventTooLarge => write!(f, "an event is larger than {} bytes", limits::STREAM_EVENT),
        }
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;
type EventStream = eventsource_stream::EventStream<EventSizeCap>;

/// Passes bytes through while no SSE event is longer than `limit`; past it, yields the bytes
/// before the overflow, then [`ReadError::EventTooLarge`], then ends (the source is dropped
/// unread). Counts on bytes alone, one pass, whatever the chunking.
struct EventSizeCap {
    source: ByteStream,
    limit: usize,
    /// Bytes of the event being received (its lines, without their line ends).
    event: usize,
    /// Bytes of the line being received; a line end after an empty line ends the event.
    line: usize,
    /// The last byte was `\r` (so a following `\n` belongs to the same line end).
    after_cr: bool,
    state: CapState,
}

enum CapState {
    Open,
    /// The overflow is reported on the next poll.
    Overflowed,
    Ended,
}

impl EventSizeCap {
    fn new(source: ByteStream, limit: usize) -> Self {
        Self {
            source,
            limit,
            event: 0,
            line: 0,
            after_cr: false,
            state: CapState::Open,
        }
    }

    /// How many bytes of `chunk` fit before an event passes the limit (`None`: all of them).
    fn fit(&mut self, chunk: &[u8]) -> Option<usize> {
        for (at, &byte) in chunk.iter().enumerate() {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    if self.line == 0 {
                        self.event = 0;
                    }
                    self.line = 0;
                }
                _ => {
                    self.line += 1;
                    self.event += 1;
                    if self.event > self.limit {
                        return Some(at);
                    }
                }
            }
        }
        None
    }
}

impl Stream for EventSizeCap {
    type Item = Result<Bytes, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.state {
            CapState::Ended => return Poll::Ready(None),
            CapState::Overflowed => {
                self.state = CapState::Ended;
                return Poll::Ready(Some(Err(ReadError::EventTooLarge)));
            }
            CapState::Open => {}
        }
        match self.source.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.state = CapState::Ended;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.state = CapState::Ended;
                Poll::Ready(Some(Err(ReadError::Transport(e))))
            }
            Poll::Ready(Some(Ok(chunk))) => match self.fit(&chunk) {
                None => Poll::Ready(Some(Ok(chunk))),
                Some(fits) => {
                    self.state = CapState::Overflowed;
                    // Release the source now: its connection closes, nothing more is read.
                    self.source = Box::pin(futures_util::stream::empty());
                    Poll::Ready(Some(Ok(chunk.slice(..fits))))
                }
            },
        }
    }
}

/// The events of one streamed answer. Ends with `None` after `[DONE]` (or after a
/// `finish_reason` when the server closes without `[DONE]`); a connection that drops before
/// either is an error, so a cut-off answer is never mistaken for a whole one.
pub struct ChatEvents {
    events: EventStream,
    /// Items of the last chunk not handed out yet (one chunk may carry several).
    ready: VecDeque<StreamItem>,
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
            events: EventSizeCap::new(bytes, limits::STREAM_EVENT).eventsource(),
            ready: VecDeque::new(),
            finished: false,
            done: false,
        }
    }

    /// The next delta, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<StreamItem, GatewayError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let event = match self.events.next().await {
                Some(Ok(event)) => event,
                Some(Err(EventStreamError::Transport(e))) => {
                    self.done = true;
                    // After a finish_reason the answer is whole; a connection cut before
                    // `[DONE]` loses nothing.
                    let error = match e {
                        ReadError::Transport(e) => GatewayError::Dropped(e),
                        ReadError::EventTooLarge => GatewayError::TooLarge {
                            what: "a stream event",
                            limit: limits::STREAM_EVENT,
                        },
                    };
                    return (!self.finished).then_some(Err(error));
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
                return Some(Err(GatewayError::StreamError(readable(&error_text(&error)))));
            }
            self.read_chunk(chunk);
        }
    }

    /// Queues what one chunk says, in the order a reader wants it: reasoning, text, refusal,
    /// the finish reason (once), the usage.
    fn read_chunk(&mut self, chunk: ChatChunk) {
        let joined = |field: fn(&super::types::Delta) -> Option<&String>| -> String {
            chunk
                .choices
                .iter()
                .filter_map(|c| field(&c.delta).map(String::as_str))
                .collect()
        };
        // A gateway that sends both names sends the same words twice: take one.
        let mut reasoning = joined(|d| d.reasoning_content.as_ref());
        if reasoning.is_empty() {
            reasoning = joined(|d| d.reasoning.as_ref());
        }
        let text = joined(|d| d.content.as_ref());
        let refusal = joined(|d| d.refusal.as_ref());
        for (item, words) in [
            (StreamItem::Reasoning as fn(String) -> StreamItem, reasoning),
            (StreamItem::Text, text),
            (StreamItem::Refusal, refusal),
        ] {
            if !words.is_empty() {
                self.ready.push_back(item(words));
            }
        }
        let reason = chunk
            .choices
            .iter()
            .find_map(|c| c.finish_reason.as_deref().filter(|r| !r.is_empty()));
        if let Some(reason) = reason {
            if !self.finished {
                self.ready.push_back(StreamItem::Finish(FinishReason::parse(reason)));
            }
            self.finished = true;
        }
        if let Some(StreamUsage {
            prompt_tokens,
            completion_tokens,
            completion_tokens_details,
        }) = chunk.usage
        {
            self.ready.push_back(StreamItem::Usage {
                prompt_tokens,
                completion_tokens,
                reasoning_tokens: completion_tokens_details.reasoning_tokens,
            });
        }
    }
}

/// The words of an error event's data, whatever its shape.
fn error_message(data: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(data) {
        Ok(v) => readable(&error_text(v.get("error").unwrap_or(&v))),
        Err(_) if !data.is_empty() => readable(data),
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
                    vec![
                        StreamItem::Finish(FinishReason::Stop),
                        StreamItem::Usage {
                            prompt_tokens: Some(7),
                            completion_tokens: Some(9),
                            reasoning_tokens: None,
                        }
                    ]
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

    /// All items of a raw stream, errors as a panic.
    async fn items_of(raw: &str) -> Vec<StreamItem> {
        let mut events = ChatEvents::new(futures_util::stream::iter([Ok::<_, String>(Bytes::from(
            raw.to_string(),
        ))]));
        let mut items = Vec::new();
        while let Some(item) = events.next().await {
            items.push(item.unwrap_or_else(|e| panic!("{e}")));
        }
        items
    }

    #[tokio::test]
    async fn reasoning_in_either_field_comes_before_the_text() {
        let raw = concat!(
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Let me \"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning\":\"think.\"}}]}\n\n",
            // Both names at once (some gateways copy one into the other): said once.
            "data: {\"choices\":[{\"delta\":{\"content\":\"\",\"reasoning_content\":\" Done\",\"reasoning\":\" Done\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Answer\",\"reasoning_content\":null}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":null},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":9,\"completion_tokens_details\":{\"reasoning_tokens\":6}}}\n\n",
            "data: [DONE]\n\n",
        );
        assert_eq!(
            items_of(raw).await,
            vec![
                StreamItem::Reasoning("Let me ".into()),
                StreamItem::Reasoning("think.".into()),
                StreamItem::Reasoning(" Done".into()),
                StreamItem::Text("Answer".into()),
                StreamItem::Finish(FinishReason::Stop),
                StreamItem::Usage {
                    prompt_tokens: Some(2),
                    completion_tokens: Some(9),
                    reasoning_tokens: Some(6)
                },
            ]
        );
    }

    #[tokio::test]
    async fn a_refusal_and_the_finish_reasons_that_are_not_stop() {
        let raw = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":null,\"refusal\":\"I can't help \"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"refusal\":\"with that.\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\n",
            // A second finish reason (some gateways repeat it on the usage chunk) is not news.
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        assert_eq!(
            items_of(raw).await,
            vec![
                StreamItem::Refusal("I can't help ".into()),
                StreamItem::Refusal("with that.".into()),
                StreamItem::Finish(FinishReason::ContentFilter),
            ]
        );
        let raw = "data: {\"choices\":[{\"delta\":{\"content\":\"cut\"},\"finish_reason\":\"length\"}]}\n\n";
        assert_eq!(
            items_of(raw).await,
            vec![StreamItem::Text("cut".into()), StreamItem::Finish(FinishReason::Length)],
            "a finish reason without [DONE] still ends the answer whole"
        );
    }

    /// Each of the shapes real gateways send, alone in a stream: no stray text, no failure.
    #[tokio::test]
    async fn null_and_extra_fields_never_leak_as_text() {
        for (what, chunk) in [
            ("usage null", r#"{"choices":[{"delta":{"content":"ok"}}],"usage":null}"#),
            (
                "refusal null",
                r#"{"choices":[{"delta":{"content":"ok","refusal":null}}]}"#,
            ),
            (
                "logprobs null",
                r#"{"choices":[{"delta":{"content":"ok"},"logprobs":null}]}"#,
            ),
            (
                "extra fields",
                r#"{"id":"x","provider":{"n":1},"choices":[{"delta":{"content":"ok","audio":{},"reasoning_details":[]},"native_finish_reason":null}]}"#,
            ),
            (
                "reasoning not a string",
                r#"{"choices":[{"delta":{"content":"ok","reasoning":{"summary":"s"}}}]}"#,
            ),
        ] {
            let raw = format!(
                "data: {chunk}\n\ndata: {{\"choices\":[{{\"delta\":{{\"content\":null}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\"usage\":null}}\n\ndata: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":1,\"completion_tokens\":1,\"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":null}},\"prompt_tokens_details\":null}}}}\n\ndata: [DONE]\n\n"
            );
            let items = items_of(&raw).await;
            assert_eq!(
                items,
                vec![
                    StreamItem::Text("ok".into()),
                    StreamItem::Finish(FinishReason::Stop),
                    StreamItem::Usage {
                        prompt_tokens: Some(1),
                        completion_tokens: Some(1),
                        reasoning_tokens: Some(0)
                    }
                ],
                "{what}"
            );
        }
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

    /// A source that sends `head`, then `data: ` and an endless line in 64 KB pieces (up to
    /// `total` bytes), counting what was pulled from it.
    fn endless_event(
        head: String,
        total: usize,
        pulled: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) -> impl Stream<Item = Result<Bytes, String>> + Send + 'static {
        let piece = Bytes::from(vec![b'a'; 64 * 1024]);
        let first = Bytes::from(format!("{head}data: "));
        futures_util::stream::iter(std::iter::once(first).chain(std::iter::repeat(piece))).scan(
            0usize,
            move |sent, b| {
                *sent += b.len();
                pulled.fetch_add(b.len(), std::sync::atomic::Ordering::Relaxed);
                futures_util::future::ready((*sent <= total).then_some(Ok(b)))
            },
        )
    }

    /// Before the cap, the whole 16 MB was pulled and buffered, re-scanned on every piece,
    /// and the answer ended as "dropped".
    #[tokio::test]
    async fn an_endless_event_ends_the_answer_at_the_cap_keeping_the_text() {
        let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let head = format!("data: {}\n\n", chunk("kept so far"));
        let mut events = ChatEvents::new(endless_event(head, 16 * 1024 * 1024, pulled.clone()));
        assert_eq!(
            events.next().await.unwrap().unwrap(),
            StreamItem::Text("kept so far".into())
        );
        let error = events.next().await.unwrap().unwrap_err();
        assert_eq!(
            error,
            GatewayError::TooLarge {
                what: "a stream event",
                limit: limits::STREAM_EVENT
            }
        );
        assert_eq!(error.kind(), "too_large");
        assert!(error.to_string().contains("larger than 1024 KB"), "{error}");
        assert!(events.next().await.is_none());
        let pulled = pulled.load(std::sync::atomic::Ordering::Relaxed);
        assert!(pulled < limits::STREAM_EVENT + 128 * 1024, "pulled {pulled} bytes");
    }

    #[tokio::test]
    async fn many_lines_count_as_one_event_and_blank_lines_reset() {
        // Short lines, but one event of 1.5 MB: refused.
        let line = format!(": {}\r\n", "x".repeat(1000));
        let raw = line.repeat(1500);
        let (_, error, _) = run(raw.as_bytes(), &[]).await;
        assert!(matches!(error, Some(GatewayError::TooLarge { .. })), "{error:?}");
        // 1.5 MB in events of 1 KB each: fine, whatever the line ends.
        for eol in ["\n", "\r\n", "\r"] {
            let mut raw = String::new();
            for _ in 0..1500 {
                raw.push_str(&format!(": {}{eol}{eol}", "x".repeat(1000)));
            }
            // (With lone `\r` line ends `eventsource-stream` cannot see the last event end
            // until more bytes come, so the answer is made whole by its finish_reason.)
            raw.push_str(&format!(
                "data: {}{eol}{eol}data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}{eol}{eol}data: [DONE]{eol}{eol}",
                chunk("ok")
            ));
            let (text, error, _) = run(raw.as_bytes(), &[7, 1001, 4096]).await;
            assert_eq!(text, "ok", "eol={eol:?}");
            assert!(error.is_none(), "eol={eol:?}: {error:?}");
        }
    }

    #[tokio::test]
    async fn an_error_event_is_cut_to_a_readable_length() {
        let raw = format!("event: error\ndata: {}\n\n", "y".repeat(10_000));
        let (_, error, _) = run(raw.as_bytes(), &[]).await;
        match error {
            Some(GatewayError::StreamError(m)) => assert!(m.chars().count() <= limits::MESSAGE_CHARS + 1),
            other => panic!("{other:?}"),
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn sse_line() -> impl Strategy<Value = String> {
            prop_oneof![
                "\\PC{0,30}".prop_map(|s| format!("data: {s}")),
                "[a-z ]{0,12}".prop_map(|s| format!("data: {}", chunk(&s))),
                Just("data: [DONE]".to_string()),
                Just("event: error".to_string()),
                Just(": keep-alive".to_string()),
                Just(String::new()),
                Just("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}".to_string()),
                Just("data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"hm\"}}],\"usage\":null}".to_string()),
                Just("data: {\"choices\":[{\"delta\":{\"refusal\":\"no\"},\"finish_reason\":\"content_filter\"}]}".to_string()),
                Just("data: {\"choices\":[{\"delta\":{\"reasoning\":{\"x\":1},\"content\":\"<think>\"},\"logprobs\":null}]}".to_string()),
                Just("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":-1}}".to_string()),
                Just("data: {\"error\":{\"error\":{\"message\":7}}}".to_string()),
            ]
        }

        fn outcome_is_sane(items: Vec<Result<StreamItem, GatewayError>>) -> Result<(), TestCaseError> {
            // After an error nothing follows, and an error always has words.
            let errors = items.iter().filter(|i| i.is_err()).count();
            prop_assert!(errors <= 1);
            if let Some(Err(e)) = items.last() {
                prop_assert!(!e.to_string().is_empty());
            } else {
                prop_assert_eq!(errors, 0);
            }
            Ok(())
        }

        async fn collect(pieces: Vec<Vec<u8>>) -> Vec<Result<StreamItem, GatewayError>> {
            let stream = futures_util::stream::iter(pieces.into_iter().map(|p| Ok::<_, String>(Bytes::from(p))));
            let mut events = ChatEvents::new(stream);
            let mut items = Vec::new();
            while let Some(item) = events.next().await {
                items.push(item);
                prop_assume_not_too_many(&items);
            }
            items
        }

        fn prop_assume_not_too_many(items: &[Result<StreamItem, GatewayError>]) {
            assert!(items.len() < 10_000, "a finite input gives finitely many items");
        }

        fn block_on<F: std::future::Future>(f: F) -> F::Output {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(f)
        }

        proptest! {
            #[test]
            fn any_bytes_any_cuts(pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
                outcome_is_sane(block_on(collect(pieces)))?;
            }

            #[test]
            fn sse_like_lines_any_cuts(
                lines in proptest::collection::vec(sse_line(), 0..16),
                eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
                cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            ) {
                let raw: Vec<u8> = lines.iter().flat_map(|l| format!("{l}{eol}").into_bytes()).collect();
                let mut at: Vec<usize> = cuts.iter().map(|i| i.index(raw.len() + 1)).collect();
                at.sort_unstable();
                let mut pieces = Vec::new();
                let mut last = 0;
                for c in at {
                    pieces.push(raw[last..c].to_vec());
                    last = c;
                }
                pieces.push(raw[last..].to_vec());
                outcome_is_sane(block_on(collect(pieces)))?;
            }
        }
    }
}
