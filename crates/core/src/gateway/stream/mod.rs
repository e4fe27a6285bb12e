//! A streamed chat completion: SSE events (read by `sse`) to text, reasoning and refusal
//! deltas, tool-call pieces, the finish reason and the usage.
//!
//! Two limits keep a misbehaving server (or anything between it and us) from holding the app's
//! one async thread or its memory: past [`limits::STREAM_EVENT`] bytes in one event the stream
//! ends with [`GatewayError::TooLarge`], and a stream that has said nothing new (no delta, no
//! end, no usage) for the progress limit ends with [`GatewayError::Stalled`], whatever bytes keep
//! coming (the read timeout only fires when none do: so a stream silent for good is the read
//! timeout's, and one that trickles is found stalled when its next bytes come). Either way the
//! text received before is kept.

mod sse;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use futures_util::{FutureExt, Stream, StreamExt};

use super::types::{ChatChunk, FinishReason, StreamUsage, ToolCallPiece};
use super::{limits, readable, GatewayError, Timeouts};
use sse::{Parser, SseError};

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

/// What one SSE event of a chat stream means to us.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Text(String),
    /// A `reasoning_content` or `reasoning` delta (sent with `content` null).
    Reasoning(String),
    /// A `refusal` delta: the model declined, in its words.
    Refusal(String),
    /// A piece of a tool call (put together by [`super::tool_calls::ToolCalls`]).
    ToolCall(ToolCallPiece),
    /// The first non-empty `finish_reason`.
    Finish(FinishReason),
    /// The final usage chunk (`stream_options.include_usage`), which has empty `choices`.
    Usage {
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
        reasoning_tokens: Option<u64>,
    },
}

/// The events of one streamed answer. Ends with `None` after `[DONE]` (or after a
/// `finish_reason` when the server closes without `[DONE]`); a connection that drops before
/// either is an error, so a cut-off answer is never mistaken for a whole one.
pub struct ChatEvents {
    source: ByteStream,
    /// What the source gave and the parser has not read yet.
    piece: Bytes,
    parser: Parser,
    /// Items of the last chunk not handed out yet (one chunk may carry several).
    ready: VecDeque<StreamItem>,
    finished: bool,
    done: bool,
    /// How long the stream may go without an item.
    progress: Duration,
    /// When it must have given the next one.
    deadline: Instant,
    /// Pieces read since the clock was last looked at.
    unclocked: u32,
}

/// Why no event came.
enum Stop {
    /// The source ended.
    Ended,
    Transport(String),
    Sse(SseError),
    Stalled,
}

/// Pieces read between looks at the clock while the source never makes us wait (its bytes are
/// already here).
const PIECES_PER_CLOCK: u32 = 64;

impl ChatEvents {
    /// Reads SSE from any byte stream (the HTTP body, or a test's hand-cut chunks), with the
    /// default progress limit ([`Timeouts::stream_progress`]).
    pub fn new<S, E>(bytes: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let progress = Timeouts::default().stream_progress;
        Self {
            source: Box::pin(bytes.map(|r| r.map_err(|e| e.to_string()))),
            piece: Bytes::new(),
            parser: Parser::new(limits::STREAM_EVENT),
            ready: VecDeque::new(),
            finished: false,
            done: false,
            progress,
            deadline: Instant::now() + progress,
            unclocked: 0,
        }
    }

    /// The stream ends as stalled once it has given no item for `limit`.
    pub fn stalling_after(mut self, limit: Duration) -> Self {
        self.progress = limit;
        self.deadline = Instant::now() + limit;
        self
    }

    /// The next delta, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<StreamItem, GatewayError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                self.deadline = Instant::now() + self.progress;
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let event = match self.next_event().await {
                Ok(event) => event,
                Err(stop) => {
                    self.done = true;
                    // Release the source now: its connection closes, nothing more is read.
                    self.source = Box::pin(futures_util::stream::empty());
                    let error = match stop {
                        Stop::Sse(SseError::NotUtf8) => {
                            return Some(Err(GatewayError::BadResponse(
                                "the event stream is malformed (it is not UTF-8)".into(),
                            )))
                        }
                        Stop::Sse(SseError::TooLarge) => GatewayError::TooLarge {
                            what: "a stream event",
                            limit: limits::STREAM_EVENT,
                        },
                        Stop::Stalled => GatewayError::Stalled(self.progress),
                        Stop::Transport(e) => GatewayError::Dropped(e),
                        Stop::Ended => GatewayError::Dropped("the stream ended before the answer was complete".into()),
                    };
                    // After a finish_reason the answer is whole; what comes after it loses nothing.
                    return (!self.finished).then_some(Err(error));
                }
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                self.done = true;
                return None;
            }
            if event.name == "error" {
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

    /// The next SSE event, reading pieces from the source as needed.
    async fn next_event(&mut self) -> Result<sse::Event, Stop> {
        loop {
            if !self.piece.is_empty() {
                let mut rest = &self.piece[..];
                let event = self.parser.next(&mut rest);
                let read = self.piece.len() - rest.len();
                self.piece.advance(read);
                if let Some(event) = event.map_err(Stop::Sse)? {
                    return Ok(event);
                }
            }
            // The clock is looked at after each wait for bytes, and every so many pieces of a
            // source whose bytes are already there (a flood never waits).
            let next = match self.source.next().now_or_never() {
                Some(next) => {
                    self.unclocked += 1;
                    if self.unclocked >= PIECES_PER_CLOCK {
                        self.unclocked = 0;
                        self.check_progress()?;
                    }
                    next
                }
                None => {
                    let next = self.source.next().await;
                    self.check_progress()?;
                    next
                }
            };
            match next {
                None => {
                    self.parser.end().map_err(Stop::Sse)?;
                    return Err(Stop::Ended);
                }
                Some(Err(e)) => return Err(Stop::Transport(e)),
                Some(Ok(piece)) => self.piece = piece,
            }
        }
    }

    fn check_progress(&self) -> Result<(), Stop> {
        if Instant::now() >= self.deadline {
            Err(Stop::Stalled)
        } else {
            Ok(())
        }
    }

    /// Queues what one chunk says, in the order a reader wants it: reasoning, text, refusal,
    /// tool-call pieces, the finish reason (once), the usage.
    fn read_chunk(&mut self, mut chunk: ChatChunk) {
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
        for choice in &mut chunk.choices {
            let pieces = std::mem::take(&mut choice.delta.tool_calls);
            self.ready.extend(pieces.into_iter().map(StreamItem::ToolCall));
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
