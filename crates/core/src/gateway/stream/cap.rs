//! A cap on the size of one SSE event, on the bytes before the parser sees them.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

use crate::gateway::limits;

/// Why the bytes of a stream stopped.
#[derive(Debug)]
pub(super) enum ReadError {
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

pub(super) type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

/// Passes bytes through while no SSE event is longer than `limit`; past it, yields the bytes
/// before the overflow, then [`ReadError::EventTooLarge`], then ends (the source is dropped
/// unread). Counts on bytes alone, one pass, whatever the chunking.
pub(super) struct EventSizeCap {
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
    pub(super) fn new(source: ByteStream, limit: usize) -> Self {
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
