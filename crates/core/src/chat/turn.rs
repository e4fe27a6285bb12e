//! One turn: a request to the model and the answer it streams back, from the request leaving
//! to the answer's end.
//!
//! The turn is an explicit state ([`State`]): requesting (with retries, only ever before any
//! byte of an answer) → streaming → finished; its status is derived from it in one place
//! ([`State::status`]). When the request offers tools and the model asks for calls, two states
//! come between streaming and the next request: approving (the person decides each call not
//! already allowed) and calling (the approved calls run); then the model is asked again with
//! the results, at most [`super::tools::MAX_ROUNDS`] times. Stop ends the turn from any state but the last;
//! the text received is kept whatever happens.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::begin::Resume;
use super::events::{AnswerEvent, AnswerSink, Phase};
use super::growing::{Growing, Written, MAX_ANSWER_BYTES};
use super::model::{Completion, Items, Model};
use super::pace::Pace;
use super::prompt::Request;
use super::tools::{Approvals, CallRecord, Tools};
use crate::gateway::tool_calls::{ToolCall, ToolCalls};
use crate::gateway::types::FinishReason;
use crate::gateway::{GatewayError, StreamItem};
use crate::store::rows::MessageStatus;
use crate::usage::{Usage, UsageSource};

/// How patient an answer is.
#[derive(Debug, Clone, Copy)]
pub struct AnswerPolicy {
    /// Deltas are coalesced to about one frame, so a fast stream does not flood the IPC.
    pub frame: Duration,
    /// How long an update waits for the window to show the one before (see [`Pace`]): a
    /// window that never says so still gets an update this often.
    pub page_patience: Duration,
    /// 429s waited out (for `Retry-After`) before giving up.
    pub rate_limit_retries: u32,
    pub default_retry_after: Duration,
    pub max_retry_after: Duration,
    /// 5xx answers retried, only ever before the first byte of an answer.
    pub server_retries: u32,
    pub server_retry_delay: Duration,
    /// Polls of `completion-requests/{id}` for usage and cost after the stream ends.
    pub usage_polls: u32,
    pub usage_poll_interval: Duration,
    /// How often the text so far is saved while it streams: a crash loses at most this much.
    pub save_every: Duration,
}

impl Default for AnswerPolicy {
    fn default() -> Self {
        Self {
            frame: Duration::from_millis(16),
            page_patience: Duration::from_millis(500),
            rate_limit_retries: 3,
            default_retry_after: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(60),
            server_retries: 1,
            server_retry_delay: Duration::from_millis(500),
            usage_polls: 10,
            usage_poll_interval: Duration::from_millis(200),
            save_every: Duration::from_millis(500),
        }
    }
}

/// How long a stopped tool call may take to pass the stop on to its server.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// Where a turn is.
enum State<I> {
    /// The request is on its way; the retries it has waited out so far.
    Requesting {
        rate_limited: u32,
        server_failed: u32,
    },
    /// The answer arrives.
    Streaming {
        items: I,
    },
    /// The model asked for these calls; the person decides the ones not already allowed.
    Approving {
        calls: Vec<ToolCall>,
    },
    /// The calls run in order, each approved (`true`) or declined.
    Calling {
        calls: Vec<(ToolCall, CallRecord, bool)>,
    },
    Finished(How),
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum How {
    /// The model ended its answer.
    Done,
    /// The person stopped it.
    Stopped,
    Failed(GatewayError),
}

impl<I> State<I> {
    /// The one place the answer's status is made.
    fn status(&self) -> MessageStatus {
        match self {
            State::Requesting { .. } | State::Streaming { .. } | State::Approving { .. } | State::Calling { .. } => {
                MessageStatus::Streaming
            }
            State::Finished(how) => how.status(),
        }
    }
}

impl How {
    fn status(&self) -> MessageStatus {
        match self {
            How::Done => MessageStatus::Done,
            How::Stopped => MessageStatus::Stopped,
            How::Failed(_) => MessageStatus::Error,
        }
    }
}

/// How a turn ended, and what it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub status: MessageStatus,
    pub written: Written,
    pub error: Option<GatewayError>,
    /// Glama's id of the completion (for its usage).
    pub request_id: Option<String>,
    /// The usage the stream itself reported, if it did.
    pub stream_usage: Option<Usage>,
    /// The tool calls the model asked for, in order, as they ended.
    pub calls: Vec<CallRecord>,
}

/// One turn, ready to run.
pub struct Turn<'a, M: Model> {
    model: &'a M,
    request: &'a Request,
    policy: &'a AnswerPolicy,
    cancel: &'a CancellationToken,
    pace: &'a Pace,
    answer: Growing,
    request_id: Option<String>,
    stream_usage: Option<Usage>,
    tools: Option<(&'a dyn Tools, &'a mut Approvals)>,
    /// The request with the tool rounds so far (after the first round).
    next_request: Option<Request>,
    /// The calls of the round streaming now.
    round_calls: ToolCalls,
    /// Where this round's text starts in the answer.
    round_start: usize,
    rounds: u32,
    calls: Vec<CallRecord>,
    /// The model takes images: those calls return are sent on to it.
    sees_images: bool,
}

impl<'a, M: Model> Turn<'a, M> {
    /// A turn that sends `request` to `model`; with `resume`, the answer goes on from what it
    /// holds (shown again first). Updates go out at most once a frame, and only once `pace`
    /// says the window has shown the one before (the end goes out whatever the pace).
    pub fn new(
        model: &'a M,
        request: &'a Request,
        resume: Option<&Resume>,
        policy: &'a AnswerPolicy,
        cancel: &'a CancellationToken,
        pace: &'a Pace,
    ) -> Self {
        Turn {
            model,
            request,
            policy,
            cancel,
            pace,
            answer: Growing::new(resume),
            request_id: None,
            stream_usage: None,
            tools: None,
            next_request: None,
            round_calls: ToolCalls::default(),
            round_start: 0,
            rounds: 0,
            calls: Vec::new(),
            sees_images: false,
        }
    }

    /// Calls the model asks for run through `tools`, each once the person approves it (or
    /// allowed its tool before); without this, tool calls are not read.
    /// `sees_images`: the model takes images, so those the calls return are sent on to it.
    pub fn with_tools(mut self, tools: &'a dyn Tools, approvals: &'a mut Approvals, sees_images: bool) -> Self {
        self.tools = Some((tools, approvals));
        self.sees_images = sees_images;
        self
    }

    /// Runs the turn to its end, telling `sink` as it goes; the answer ends with `Finished`
    /// only once its owner has saved it, so the last event here is the final `Delta`.
    pub async fn run(mut self, sink: &mut dyn AnswerSink) -> Ending {
        let mut state: State<M::Items> = State::Requesting {
            rate_limited: 0,
            server_failed: 0,
        };
        sink.phase(Phase::Requesting);
        if self.answer.resumed() {
            self.flush(sink);
        }
        loop {
            let status = state.status();
            state = match state {
                State::Requesting {
                    rate_limited,
                    server_failed,
                } => self.request(rate_limited, server_failed, sink).await,
                State::Streaming { items } => self.stream(items, sink).await,
                State::Approving { calls } => self.approve(calls, sink).await,
                State::Calling { calls } => self.call(calls, sink).await,
                State::Finished(how) => {
                    sink.phase(Phase::Finished);
                    return Ending {
                        status,
                        written: self.answer.written(),
                        error: match how {
                            How::Failed(e) => Some(e),
                            How::Done | How::Stopped => None,
                        },
                        request_id: self.request_id,
                        stream_usage: self.stream_usage,
                        calls: self.calls,
                    };
                }
            };
        }
    }

    /// Sends the request: the answer starts streaming, or the turn waits out a rate limit or a
    /// server error and asks again, or it ends (stopped, or failed before any byte).
    async fn request(&mut self, rate_limited: u32, server_failed: u32, sink: &mut dyn AnswerSink) -> State<M::Items> {
        let started = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return self.ended_early(How::Stopped, sink),
            r = self.model.complete(self.next_request.as_ref().unwrap_or(self.request)) => r,
        };
        let policy = self.policy;
        let (delay, attempt, reason, next) = match started {
            Ok(Completion { request_id, items }) => {
                self.request_id = request_id;
                sink.phase(Phase::Streaming);
                return State::Streaming { items };
            }
            Err(GatewayError::RateLimited { retry_after, .. }) if rate_limited < policy.rate_limit_retries => {
                let delay = retry_after
                    .unwrap_or(policy.default_retry_after)
                    .min(policy.max_retry_after);
                let next = State::Requesting {
                    rate_limited: rate_limited + 1,
                    server_failed,
                };
                (delay, rate_limited + 1, "Glama is busy (rate limit)", next)
            }
            Err(GatewayError::Server { .. }) if server_failed < policy.server_retries => {
                let next = State::Requesting {
                    rate_limited,
                    server_failed: server_failed + 1,
                };
                (
                    policy.server_retry_delay,
                    server_failed + 1,
                    "Glama had a server error",
                    next,
                )
            }
            Err(e) => return self.ended_early(How::Failed(e), sink),
        };
        if countdown(delay, attempt, reason, self.cancel, sink).await {
            next
        } else {
            self.ended_early(How::Stopped, sink)
        }
    }

    /// The turn ended before any answer came: a continued answer is shown whole again.
    fn ended_early(&mut self, how: How, sink: &mut dyn AnswerSink) -> State<M::Items> {
        self.answer.ended_early(sink);
        State::Finished(how)
    }

    /// Takes the answer as it comes until it ends, is stopped, or fails; nothing is retried
    /// once a byte of it has arrived.
    async fn stream(&mut self, mut items: M::Items, sink: &mut dyn AnswerSink) -> State<M::Items> {
        let (policy, pace) = (self.policy, self.pace);
        let mut pending = false;
        let mut last_flush = Instant::now();
        // The next update is due a frame after the last one, or, while the window has not shown
        // the last one, once its patience is spent.
        let due = |last_flush: Instant| {
            let wait = if pace.ready() {
                policy.frame
            } else {
                policy.page_patience
            };
            last_flush + wait
        };
        // When the oldest unsaved text arrived, if any.
        let mut unsaved_since: Option<Instant> = None;
        let how = loop {
            tokio::select! {
                biased;
                // Dropping the items closes the connection: the server sees us go.
                _ = self.cancel.cancelled() => break How::Stopped,
                item = items.next() => match item {
                    None => break How::Done,
                    Some(Ok(StreamItem::Usage { prompt_tokens, completion_tokens, reasoning_tokens })) => {
                        self.stream_usage = Some(Usage {
                            prompt_tokens,
                            completion_tokens,
                            reasoning_tokens,
                            cost_usd: None,
                            source: UsageSource::Stream,
                        });
                    }
                    Some(Ok(StreamItem::Finish(reason))) => self.answer.finish = Some(reason),
                    Some(Ok(StreamItem::Refusal(words))) => self.answer.refuse(&words),
                    Some(Ok(StreamItem::ToolCall(piece))) => {
                        // Read only when the request offered tools.
                        if self.tools.is_some() {
                            if let Err(e) = self.round_calls.push(piece) {
                                break How::Failed(GatewayError::BadResponse(e.to_string()));
                            }
                        }
                    }
                    Some(Ok(item)) => {
                        self.answer.take(item, sink);
                        if self.answer.full() {
                            // What came is kept and shown; the rest is not read.
                            break How::Failed(GatewayError::TooLarge {
                                what: "an answer",
                                limit: MAX_ANSWER_BYTES,
                            });
                        }
                        pending = true;
                        // Checked here too: a stream that never pauses starves the timers below.
                        if unsaved_since.get_or_insert_with(Instant::now).elapsed() >= policy.save_every {
                            self.answer.save(sink);
                            unsaved_since = None;
                        }
                        if Instant::now() >= due(last_flush) {
                            self.flush(sink);
                            pending = false;
                            last_flush = Instant::now();
                        }
                    }
                    Some(Err(e)) => break How::Failed(e),
                },
                _ = tokio::time::sleep_until(due(last_flush)), if pending => {
                    self.flush(sink);
                    pending = false;
                    last_flush = Instant::now();
                }
                // Shown: the next update is due a frame after the last (the loop works it out again).
                _ = pace.until_shown(), if pending && !pace.ready() => {}
                _ = tokio::time::sleep_until(unsaved_since.unwrap_or_else(Instant::now) + policy.save_every),
                    if unsaved_since.is_some() => {
                    self.answer.save(sink);
                    unsaved_since = None;
                }
            }
        };
        drop(items);
        // Calls whole: the stream ended as it should, and not at the output limit or a filter,
        // which cut them. Some providers end a call with `stop`, not `tool_calls`.
        let asked_for_tools = how == How::Done
            && !self.round_calls.is_empty()
            && !matches!(
                self.answer.finish,
                Some(FinishReason::Length | FinishReason::ContentFilter)
            );
        if asked_for_tools {
            self.flush(sink);
            self.answer.save(sink);
            return match std::mem::take(&mut self.round_calls).finish() {
                Ok(calls) => State::Approving { calls },
                Err(e) => {
                    self.answer.end(sink);
                    State::Finished(How::Failed(GatewayError::BadResponse(e.to_string())))
                }
            };
        }
        self.answer.end(sink);
        State::Finished(how)
    }

    /// Sends the window what changed since the last update, telling the pace an update is on
    /// its way (before the window can answer that it has shown it).
    fn flush(&mut self, sink: &mut dyn AnswerSink) {
        self.answer.flush(&mut Paced { sink, pace: self.pace });
    }
}

/// A sink that tells the pace of each update sent through it.
struct Paced<'s> {
    sink: &'s mut dyn AnswerSink,
    pace: &'s Pace,
}

impl AnswerSink for Paced<'_> {
    fn event(&mut self, event: AnswerEvent) {
        if event.is_update() {
            self.pace.sent();
        }
        self.sink.event(event);
    }
}

/// Waits out a retry delay, telling the window each second; `false` if stopped meanwhile.
async fn countdown(
    delay: Duration,
    attempt: u32,
    reason: &str,
    cancel: &CancellationToken,
    sink: &mut dyn AnswerSink,
) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        sink.event(AnswerEvent::Retrying {
            in_secs: left.as_secs_f64().ceil() as u64,
            attempt,
            reason: reason.to_string(),
        });
        let step = left.min(Duration::from_secs(1));
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = tokio::time::sleep(step) => {}
        }
    }
}

impl Ending {
    /// Usage and cost from the model's provider (polled until settled), else the stream's own
    /// usage chunk. Glama's record does not count reasoning tokens apart; the stream's count
    /// is kept.
    pub async fn settle_usage(&self, model: &impl Model, policy: &AnswerPolicy) -> Option<Usage> {
        if let Some(id) = &self.request_id {
            for poll in 0..policy.usage_polls {
                if poll > 0 {
                    tokio::time::sleep(policy.usage_poll_interval).await;
                }
                match model.usage(id).await {
                    Ok(Some(usage)) => {
                        return Some(Usage {
                            reasoning_tokens: self.stream_usage.as_ref().and_then(|u| u.reasoning_tokens),
                            ..usage
                        })
                    }
                    Ok(None) => continue,
                    Err(_) => break,
                }
            }
        }
        self.stream_usage.clone()
    }
}

mod tool_round;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tool_tests;
