//! Streaming one answer: retries only before any byte of an answer, stop, one-frame
//! coalescing, reasoning kept apart from the answer, how it ended, usage.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::growing::Growing;
use super::pace::Pace;
use crate::gateway::types::{ChatMessage, FinishReason, Usage, UsageSource};
use crate::gateway::{Gateway, GatewayError, StreamItem};
use crate::render::RenderUpdate;
use crate::secret::ApiKey;
use crate::store::messages::{ErrorView, MessageStatus, Resume, StopReason};

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

/// What the window hears about one answer, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "event",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AnswerEvent {
    Started {
        conversation_id: String,
        user_message_id: Option<String>,
        message_id: String,
    },
    Delta(RenderUpdate),
    /// The reasoning grew: `update` is applied like `Delta`, to the reasoning's own element.
    /// `live` while the model is reasoning now (not when an answer's earlier reasoning is
    /// shown again, or settled at the end).
    Reasoning {
        update: RenderUpdate,
        live: bool,
    },
    /// The reasoning ended (the answer began, or the stream did); `ms` is how long it took.
    Thought {
        ms: u64,
    },
    Retrying {
        in_secs: u64,
        attempt: u32,
        reason: String,
    },
    /// `text` is the whole answer as markdown (for Copy). `cause` is the typed error, for Rust
    /// (a 401 marks the key rejected); the window reads `error`.
    Finished {
        status: MessageStatus,
        error: Option<ErrorView>,
        text: String,
        /// Cut at the output limit, or filtered.
        stop_reason: Option<StopReason>,
        /// The model declined, in these words.
        refusal: Option<String>,
        #[serde(skip)]
        cause: Option<GatewayError>,
    },
    Usage(Usage),
    /// The answer was shown but could not be saved (a full disk, say).
    NotSaved {
        kind: String,
        message: String,
    },
}

impl AnswerEvent {
    /// An update the window lays out (the answer or its reasoning grew): what the pace counts.
    pub fn is_update(&self) -> bool {
        matches!(self, AnswerEvent::Delta(_) | AnswerEvent::Reasoning { .. })
    }
}

/// How an answer ended.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerOutcome {
    /// The whole answer (a continued one's earlier text included).
    pub text: String,
    /// The whole reasoning, likewise.
    pub reasoning: String,
    /// How long the model reasoned, all requests of the answer together.
    pub reasoning_ms: Option<u64>,
    pub status: MessageStatus,
    pub error: Option<GatewayError>,
    pub request_id: Option<String>,
    pub stream_usage: Option<Usage>,
    /// The stream's finish reason, if it sent one.
    pub finish: Option<FinishReason>,
    pub refusal: Option<String>,
}

impl AnswerOutcome {
    /// What the window is told of a stop that was not a plain one.
    pub fn stop_reason(&self) -> Option<StopReason> {
        match self.finish {
            Some(FinishReason::Length) => Some(StopReason::Length),
            Some(FinishReason::ContentFilter) => Some(StopReason::ContentFilter),
            _ => None,
        }
    }
}

/// Streams one answer into `emit`, ending with `Finished`. The text received is kept
/// whatever happens; nothing is retried once a byte of the answer has arrived. `save` is
/// handed the text and reasoning so far whenever some of it is `policy.save_every` old and
/// unsaved. With `resume` the answer goes on from what it holds (it is shown again first).
/// Updates go out at most once a frame, and only once `pace` says the window has shown the
/// one before (the end goes out whatever the pace).
#[allow(clippy::too_many_arguments)]
pub async fn stream_answer(
    gateway: &Gateway,
    key: &ApiKey,
    model: &str,
    history: &[ChatMessage],
    resume: Option<&Resume>,
    cancel: &CancellationToken,
    pace: &Pace,
    policy: &AnswerPolicy,
    emit: &mut (dyn FnMut(AnswerEvent) + Send),
    save: &mut (dyn FnMut(&str, &str) + Send),
) -> AnswerOutcome {
    let mut answer = Growing::new(resume);
    if resume.is_some() {
        flush(&mut answer, pace, emit);
    }
    let (mut rate_limited, mut server_failed) = (0u32, 0u32);
    let mut stream = loop {
        let started = tokio::select! {
            biased;
            _ = cancel.cancelled() => return answer.ended_early(MessageStatus::Stopped, None, emit),
            r = gateway.chat_stream(key, model, history) => r,
        };
        let wait = match &started {
            Err(GatewayError::RateLimited { retry_after, .. }) if rate_limited < policy.rate_limit_retries => {
                rate_limited += 1;
                Some((
                    retry_after
                        .unwrap_or(policy.default_retry_after)
                        .min(policy.max_retry_after),
                    rate_limited,
                    "Glama is busy (rate limit)",
                ))
            }
            Err(GatewayError::Server { .. }) if server_failed < policy.server_retries => {
                server_failed += 1;
                Some((policy.server_retry_delay, server_failed, "Glama had a server error"))
            }
            _ => None,
        };
        match (started, wait) {
            (Ok(stream), _) => break stream,
            (Err(_), Some((delay, attempt, reason))) => {
                if !countdown(delay, attempt, reason, cancel, emit).await {
                    return answer.ended_early(MessageStatus::Stopped, None, emit);
                }
            }
            (Err(e), None) => return answer.ended_early(MessageStatus::Error, Some(e), emit),
        }
    };
    let request_id = stream.request_id.take();
    let (mut stream_usage, mut error) = (None, None);

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
    let status = loop {
        tokio::select! {
            biased;
            // Dropping the stream closes the connection: the server sees us go.
            _ = cancel.cancelled() => break MessageStatus::Stopped,
            item = stream.events.next() => match item {
                None => break MessageStatus::Done,
                Some(Ok(StreamItem::Usage { prompt_tokens, completion_tokens, reasoning_tokens })) => {
                    stream_usage = Some(Usage {
                        prompt_tokens,
                        completion_tokens,
                        reasoning_tokens,
                        cost_usd: None,
                        source: UsageSource::Stream,
                    });
                }
                Some(Ok(StreamItem::Finish(reason))) => answer.finish = Some(reason),
                Some(Ok(StreamItem::Refusal(words))) => answer.refuse(&words),
                Some(Ok(item)) => {
                    answer.take(item, emit);
                    pending = true;
                    // Checked here too: a stream that never pauses starves the timers below.
                    if unsaved_since.get_or_insert_with(Instant::now).elapsed() >= policy.save_every {
                        answer.save(save);
                        unsaved_since = None;
                    }
                    if Instant::now() >= due(last_flush) {
                        flush(&mut answer, pace, emit);
                        pending = false;
                        last_flush = Instant::now();
                    }
                }
                Some(Err(e)) => {
                    error = Some(e);
                    break MessageStatus::Error;
                }
            },
            _ = tokio::time::sleep_until(due(last_flush)), if pending => {
                flush(&mut answer, pace, emit);
                pending = false;
                last_flush = Instant::now();
            }
            // Shown: the next update is due a frame after the last (the loop works it out again).
            _ = pace.until_shown(), if pending && !pace.ready() => {}
            _ = tokio::time::sleep_until(unsaved_since.unwrap_or_else(Instant::now) + policy.save_every),
                if unsaved_since.is_some() => {
                answer.save(save);
                unsaved_since = None;
            }
        }
    };
    drop(stream);
    answer.end(emit);
    AnswerOutcome {
        error,
        request_id,
        stream_usage,
        ..answer.outcome(status)
    }
}

/// Sends the window what changed since the last update, telling `pace` an update is on its
/// way (before the window can answer that it has shown it).
fn flush(answer: &mut Growing, pace: &Pace, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
    answer.flush(&mut |event| {
        if event.is_update() {
            pace.sent();
        }
        emit(event)
    });
}

/// Waits out a retry delay, telling the window each second; `false` if stopped meanwhile.
async fn countdown(
    delay: Duration,
    attempt: u32,
    reason: &str,
    cancel: &CancellationToken,
    emit: &mut (dyn FnMut(AnswerEvent) + Send),
) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        emit(AnswerEvent::Retrying {
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

/// Usage and cost from Glama (polled until settled), else the stream's own usage chunk.
/// Glama's record does not count reasoning tokens apart; the stream's count is kept.
pub async fn settle_usage(
    gateway: &Gateway,
    key: &ApiKey,
    outcome: &AnswerOutcome,
    policy: &AnswerPolicy,
) -> Option<Usage> {
    if let Some(id) = &outcome.request_id {
        for poll in 0..policy.usage_polls {
            if poll > 0 {
                tokio::time::sleep(policy.usage_poll_interval).await;
            }
            match gateway.completion_usage(key, id).await {
                Ok(Some(usage)) => {
                    return Some(Usage {
                        reasoning_tokens: outcome.stream_usage.as_ref().and_then(|u| u.reasoning_tokens),
                        ..usage
                    })
                }
                Ok(None) => continue,
                Err(_) => break,
            }
        }
    }
    outcome.stream_usage.clone()
}
