//! A streamed chat completion: SSE frames (parsed by `eventsource-stream`) to text,
//! reasoning and refusal deltas, the finish reason and the usage.
//!
//! `eventsource-stream` buffers an event without limit (and re-scans its buffer on each
//! chunk), and the read timeout never fires while bytes keep coming. So the bytes pass through
//! a cap on one event's size first (`cap`): past [`limits::STREAM_EVENT`] bytes in one event the
//! stream ends with [`GatewayError::TooLarge`], and the text received before it is kept.

mod cap;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};

use super::types::{ChatChunk, FinishReason, StreamUsage};
use super::{limits, readable, GatewayError};
use cap::{ByteStream, EventSizeCap, ReadError};

type EventStream = eventsource_stream::EventStream<EventSizeCap>;

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
