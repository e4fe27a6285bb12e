//! Streaming one answer: retries only before any byte of an answer, stop, one-frame
//! coalescing, reasoning kept apart from the answer, how it ended, usage.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::think::{Part, ThinkSplitter};
use crate::gateway::types::{ChatMessage, FinishReason, Usage, UsageSource};
use crate::gateway::{Gateway, GatewayError, StreamItem};
use crate::render::{IncrementalRenderer, RenderUpdate};
use crate::secret::ApiKey;
use crate::store::messages::{ErrorView, MessageStatus, Resume, StopReason};

/// The most reasoning kept for one answer; past it the rest is dropped with a note (a model
/// that never stops thinking cannot grow memory without bound).
pub const MAX_REASONING_BYTES: usize = 1024 * 1024;
/// The most of a refusal kept.
pub const MAX_REFUSAL_BYTES: usize = 16 * 1024;
const REASONING_CUT_NOTE: &str = "\n\n*(The rest of the reasoning was not kept: it passed 1 MB.)*";

/// How patient an answer is.
#[derive(Debug, Clone, Copy)]
pub struct AnswerPolicy {
    /// Deltas are coalesced to about one frame, so a fast stream does not flood the IPC.
    pub frame: Duration,
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
#[allow(clippy::too_many_arguments)]
pub async fn stream_answer(
    gateway: &Gateway,
    key: &ApiKey,
    model: &str,
    history: &[ChatMessage],
    resume: Option<&Resume>,
    cancel: &CancellationToken,
    policy: &AnswerPolicy,
    emit: &mut (dyn FnMut(AnswerEvent) + Send),
    save: &mut (dyn FnMut(&str, &str) + Send),
) -> AnswerOutcome {
    let mut answer = Growing::new(resume);
    if resume.is_some() {
        answer.flush(emit);
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
    let mut outcome = answer.outcome(MessageStatus::Error);
    outcome.request_id = stream.request_id.take();

    let mut pending = false;
    let mut last_flush = Instant::now();
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
                    outcome.stream_usage = Some(Usage {
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
                    if last_flush.elapsed() >= policy.frame {
                        answer.flush(emit);
                        pending = false;
                        last_flush = Instant::now();
                    }
                }
                Some(Err(e)) => {
                    outcome.error = Some(e);
                    break MessageStatus::Error;
                }
            },
            _ = tokio::time::sleep_until(last_flush + policy.frame), if pending => {
                answer.flush(emit);
                pending = false;
                last_flush = Instant::now();
            }
            _ = tokio::time::sleep_until(unsaved_since.unwrap_or_else(Instant::now) + policy.save_every),
                if unsaved_since.is_some() => {
                answer.save(save);
                unsaved_since = None;
            }
        }
    };
    drop(stream);
    answer.end(emit);
    let ended = answer.outcome(status);
    AnswerOutcome {
        error: outcome.error,
        request_id: outcome.request_id,
        stream_usage: outcome.stream_usage,
        ..ended
    }
}

/// An answer as it grows: its text and reasoning, each with its renderer, and the clock of
/// the reasoning.
struct Growing {
    text: IncrementalRenderer,
    reasoning: IncrementalRenderer,
    splitter: ThinkSplitter,
    /// What the page has not been sent yet.
    text_new: bool,
    reasoning_new: bool,
    /// Reasoning from an earlier request of this answer: new reasoning starts a new paragraph.
    reasoning_before: bool,
    reasoning_cut: bool,
    /// Milliseconds reasoned by earlier requests of this answer.
    earlier_ms: Option<u64>,
    /// When this request's reasoning began, and (once the answer began) how long it took.
    thinking_since: Option<Instant>,
    thought: Option<Duration>,
    finish: Option<FinishReason>,
    refusal: String,
    resumed: bool,
}

impl Growing {
    fn new(resume: Option<&Resume>) -> Self {
        let mut g = Growing {
            text: IncrementalRenderer::new(),
            reasoning: IncrementalRenderer::new(),
            splitter: ThinkSplitter::new(),
            text_new: false,
            reasoning_new: false,
            reasoning_before: false,
            reasoning_cut: false,
            earlier_ms: None,
            thinking_since: None,
            thought: None,
            finish: None,
            refusal: String::new(),
            resumed: resume.is_some(),
        };
        if let Some(r) = resume {
            g.text.push(&r.text);
            g.reasoning.push(&r.reasoning);
            g.text_new = !r.text.is_empty();
            g.reasoning_new = !r.reasoning.is_empty();
            g.reasoning_before = !r.reasoning.is_empty();
            g.earlier_ms = r.reasoning_ms;
        }
        g
    }

    /// Takes a text or reasoning delta.
    fn take(&mut self, item: StreamItem, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        match item {
            StreamItem::Text(t) => {
                for part in self.splitter.push(&t) {
                    self.take_part(part, emit);
                }
            }
            StreamItem::Reasoning(r) => self.take_part(Part::Reasoning(r), emit),
            _ => {}
        }
    }

    fn take_part(&mut self, part: Part, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        match part {
            Part::Reasoning(r) => {
                self.thinking_since.get_or_insert_with(Instant::now);
                if self.reasoning_cut {
                    return;
                }
                if std::mem::take(&mut self.reasoning_before) {
                    self.reasoning.push("\n\n");
                }
                let room = MAX_REASONING_BYTES.saturating_sub(self.reasoning.source().len());
                if r.len() > room {
                    self.reasoning.push(cut_at(&r, room));
                    self.reasoning.push(REASONING_CUT_NOTE);
                    self.reasoning_cut = true;
                } else {
                    self.reasoning.push(&r);
                }
                self.reasoning_new = true;
            }
            Part::Text(t) => {
                self.stop_thinking(emit);
                self.text.push(&t);
                self.text_new = true;
            }
        }
    }

    /// The answer began (or ended): the reasoning is over, and the page folds it away.
    fn stop_thinking(&mut self, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        if let (Some(since), None) = (self.thinking_since, self.thought) {
            // What reasoning there is reaches the page before it is folded.
            self.flush_reasoning(emit);
            self.thought = Some(since.elapsed());
            emit(AnswerEvent::Thought {
                ms: self.reasoning_ms().unwrap_or(0),
            });
        }
    }

    fn refuse(&mut self, words: &str) {
        let room = MAX_REFUSAL_BYTES.saturating_sub(self.refusal.len());
        self.refusal.push_str(cut_at(words, room));
    }

    fn reasoning_ms(&self) -> Option<u64> {
        let now = self.thought.map(|d| d.as_millis() as u64);
        match (self.earlier_ms, now) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        }
    }

    fn flush_reasoning(&mut self, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        if std::mem::take(&mut self.reasoning_new) {
            emit(AnswerEvent::Reasoning {
                update: self.reasoning.update(),
                live: self.thinking_since.is_some() && self.thought.is_none(),
            });
        }
    }

    /// Sends the page what changed since the last flush.
    fn flush(&mut self, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        self.flush_reasoning(emit);
        if std::mem::take(&mut self.text_new) {
            emit(AnswerEvent::Delta(self.text.update()));
        }
    }

    fn save(&self, save: &mut (dyn FnMut(&str, &str) + Send)) {
        save(self.text.source(), self.reasoning.source());
    }

    /// The stream is over: what the splitter held is sorted, and the page gets the last
    /// updates, which settle what only the end of the text can (a definition on the last
    /// line), so it ends with exactly a whole render.
    fn end(&mut self, emit: &mut (dyn FnMut(AnswerEvent) + Send)) {
        for part in self.splitter.finish() {
            self.take_part(part, emit);
        }
        self.stop_thinking(emit);
        if !self.reasoning.source().is_empty() {
            emit(AnswerEvent::Reasoning {
                update: self.reasoning.finish(),
                live: false,
            });
        }
        emit(AnswerEvent::Delta(self.text.finish()));
        self.text_new = false;
        self.reasoning_new = false;
    }

    /// No stream came (stopped, or refused): a continued answer is shown whole again.
    fn ended_early(
        &mut self,
        status: MessageStatus,
        error: Option<GatewayError>,
        emit: &mut (dyn FnMut(AnswerEvent) + Send),
    ) -> AnswerOutcome {
        if self.resumed {
            self.end(emit);
        }
        AnswerOutcome {
            error,
            ..self.outcome(status)
        }
    }

    fn outcome(&self, status: MessageStatus) -> AnswerOutcome {
        AnswerOutcome {
            text: self.text.source().to_string(),
            reasoning: self.reasoning.source().to_string(),
            reasoning_ms: self.reasoning_ms(),
            status,
            error: None,
            request_id: None,
            stream_usage: None,
            finish: self.finish.clone(),
            refusal: (!self.refusal.trim().is_empty()).then(|| self.refusal.clone()),
        }
    }
}

/// The longest start of `s` of at most `max` bytes, on a character boundary.
fn cut_at(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut at = max;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    &s[..at]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_past_the_cap_is_dropped_with_a_note() {
        let mut emit = |_: AnswerEvent| {};
        let mut g = Growing::new(None);
        let piece = "é".repeat(150_000); // 300 KB
        for _ in 0..5 {
            g.take(StreamItem::Reasoning(piece.clone()), &mut emit);
        }
        g.take(StreamItem::Text("the answer".into()), &mut emit);
        let out = g.outcome(MessageStatus::Done);
        assert!(out.reasoning.len() <= MAX_REASONING_BYTES + REASONING_CUT_NOTE.len());
        assert!(out.reasoning.ends_with(REASONING_CUT_NOTE));
        assert_eq!(out.text, "the answer");
    }

    #[test]
    fn reasoning_is_live_until_the_answer_begins_then_folds_once() {
        let mut events = Vec::new();
        let mut emit = |e: AnswerEvent| events.push(e);
        let mut g = Growing::new(Some(&Resume {
            text: "Before. ".into(),
            reasoning: "Earlier thoughts.".into(),
            reasoning_ms: Some(1500),
            usage: None,
        }));
        // Shown again as it was: not live.
        g.flush(&mut emit);
        g.take(StreamItem::Text("<think>more".into()), &mut emit);
        g.flush(&mut emit);
        g.take(StreamItem::Text("</think>\n\nAfter.".into()), &mut emit);
        g.end(&mut emit);
        let lives: Vec<bool> = events
            .iter()
            .filter_map(|e| match e {
                AnswerEvent::Reasoning { live, .. } => Some(*live),
                _ => None,
            })
            .collect();
        assert_eq!(lives, [false, true, false]);
        let thoughts: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                AnswerEvent::Thought { ms } => Some(*ms),
                _ => None,
            })
            .collect();
        assert_eq!(thoughts.len(), 1);
        assert!(thoughts[0] >= 1500, "earlier time counts: {thoughts:?}");
        let out = g.outcome(MessageStatus::Done);
        assert_eq!(out.text, "Before. After.");
        assert_eq!(out.reasoning, "Earlier thoughts.\n\nmore");
    }

    #[test]
    fn a_refusal_is_capped_on_a_character_boundary() {
        let mut g = Growing::new(None);
        g.refuse(&"ü".repeat(MAX_REFUSAL_BYTES));
        let refusal = g.outcome(MessageStatus::Done).refusal.unwrap();
        assert!(refusal.len() <= MAX_REFUSAL_BYTES);
        assert!(refusal.chars().all(|c| c == 'ü'));
    }
}
