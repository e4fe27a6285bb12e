//! An answer as it grows: the content sorted into reasoning and text (see `think`), each
//! rendered as it comes, the clock of the reasoning, the refusal, the finish reason.

use std::time::Duration;

use tokio::time::Instant;

use super::begin::Resume;
use super::events::{AnswerEvent, AnswerSink};
use super::think::{Part, ThinkSplitter};
use crate::gateway::types::FinishReason;
use crate::gateway::StreamItem;
use crate::render::IncrementalRenderer;
use crate::store::rows::StopReason;

/// The most reasoning kept for one answer; past it the rest is dropped with a note (a model
/// that never stops thinking cannot grow memory without bound).
pub const MAX_REASONING_BYTES: usize = 1024 * 1024;
/// The most of an answer's text kept: past it the answer stops, its text kept and the reason
/// said (`turn`), so an answer that never ends cannot grow memory, disk and rendering without
/// bound.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// The most of a refusal kept.
pub const MAX_REFUSAL_BYTES: usize = 16 * 1024;
const REASONING_CUT_NOTE: &str = "\n\n*(The rest of the reasoning was not kept: it passed 1 MB.)*";

/// An answer as it grows: its text and reasoning, each with its renderer, and the clock of
/// the reasoning.
pub(super) struct Growing {
    text: IncrementalRenderer,
    reasoning: IncrementalRenderer,
    splitter: ThinkSplitter,
    /// What the page has not been sent yet.
    text_new: bool,
    reasoning_new: bool,
    /// Reasoning from an earlier request of this answer: new reasoning starts a new paragraph.
    reasoning_before: bool,
    reasoning_cut: bool,
    /// The text reached [`MAX_ANSWER_BYTES`]: the rest is not kept.
    text_full: bool,
    /// How much of the text and the reasoning is saved (a continued answer's own is).
    saved: (usize, usize),
    /// Milliseconds reasoned by earlier requests of this answer.
    earlier_ms: Option<u64>,
    /// When this request's reasoning began, and (once the answer began) how long it took.
    thinking_since: Option<Instant>,
    thought: Option<Duration>,
    pub(super) finish: Option<FinishReason>,
    refusal: String,
    resumed: bool,
}

impl Growing {
    pub(super) fn new(resume: Option<&Resume>) -> Self {
        let mut g = Growing {
            text: IncrementalRenderer::new(),
            reasoning: IncrementalRenderer::new(),
            splitter: ThinkSplitter::new(),
            text_new: false,
            reasoning_new: false,
            reasoning_before: false,
            reasoning_cut: false,
            text_full: false,
            saved: (0, 0),
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
            g.saved = (r.text.len(), r.reasoning.len());
        }
        g
    }

    /// Whether the answer goes on from an earlier one.
    pub(super) fn resumed(&self) -> bool {
        self.resumed
    }

    /// Takes a text or reasoning delta.
    pub(super) fn take(&mut self, item: StreamItem, sink: &mut dyn AnswerSink) {
        match item {
            StreamItem::Text(t) => {
                for part in self.splitter.push(&t) {
                    self.take_part(part, sink);
                }
            }
            StreamItem::Reasoning(r) => self.take_part(Part::Reasoning(r), sink),
            _ => {}
        }
    }

    fn take_part(&mut self, part: Part, sink: &mut dyn AnswerSink) {
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
                self.stop_thinking(sink);
                if self.text_full {
                    return;
                }
                let room = MAX_ANSWER_BYTES.saturating_sub(self.text.source().len());
                if t.len() > room {
                    self.text.push(cut_at(&t, room));
                    self.text_full = true;
                } else {
                    self.text.push(&t);
                }
                self.text_new = true;
            }
        }
    }

    /// The answer began (or ended): the reasoning is over, and the page folds it away.
    fn stop_thinking(&mut self, sink: &mut dyn AnswerSink) {
        if let (Some(since), None) = (self.thinking_since, self.thought) {
            // What reasoning there is reaches the page before it is folded.
            self.flush_reasoning(sink);
            self.thought = Some(since.elapsed());
            sink.event(AnswerEvent::Thought {
                ms: self.reasoning_ms().unwrap_or(0),
            });
        }
    }

    pub(super) fn refuse(&mut self, words: &str) {
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

    fn flush_reasoning(&mut self, sink: &mut dyn AnswerSink) {
        if std::mem::take(&mut self.reasoning_new) {
            sink.event(AnswerEvent::Reasoning {
                update: self.reasoning.update(),
                live: self.thinking_since.is_some() && self.thought.is_none(),
            });
        }
    }

    /// Sends the page what changed since the last flush.
    pub(super) fn flush(&mut self, sink: &mut dyn AnswerSink) {
        self.flush_reasoning(sink);
        if std::mem::take(&mut self.text_new) {
            sink.event(AnswerEvent::Delta(self.text.update()));
        }
    }

    /// Whether the text reached [`MAX_ANSWER_BYTES`] (the answer must stop).
    /// The answer's text from byte `at` on (empty past its end).
    pub(super) fn text_from(&self, at: usize) -> &str {
        self.text.source().get(at..).unwrap_or("")
    }

    pub(super) fn text_len(&self) -> usize {
        self.text.source().len()
    }

    pub(super) fn full(&self) -> bool {
        self.text_full
    }

    /// Saves what the text and the reasoning gained since the last save (both only grow), if
    /// anything.
    pub(super) fn save(&mut self, sink: &mut dyn AnswerSink) {
        let (text, reasoning) = (self.text.source(), self.reasoning.source());
        if (text.len(), reasoning.len()) != self.saved {
            sink.save(&text[self.saved.0..], &reasoning[self.saved.1..]);
            self.saved = (text.len(), reasoning.len());
        }
    }

    /// The stream is over: what the splitter held is sorted, and the page gets the last
    /// updates, which settle what only the end of the text can (a definition on the last
    /// line), so it ends with exactly a whole render.
    pub(super) fn end(&mut self, sink: &mut dyn AnswerSink) {
        for part in self.splitter.finish() {
            self.take_part(part, sink);
        }
        self.stop_thinking(sink);
        if !self.reasoning.source().is_empty() {
            sink.event(AnswerEvent::Reasoning {
                update: self.reasoning.finish(),
                live: false,
            });
        }
        sink.event(AnswerEvent::Delta(self.text.finish()));
        self.text_new = false;
        self.reasoning_new = false;
    }

    /// No stream came (stopped, or refused): a continued answer is shown whole again.
    pub(super) fn ended_early(&mut self, sink: &mut dyn AnswerSink) {
        if self.resumed {
            self.end(sink);
        }
    }

    /// What the answer holds now.
    pub(super) fn written(&self) -> Written {
        Written {
            text: self.text.source().to_string(),
            reasoning: self.reasoning.source().to_string(),
            reasoning_ms: self.reasoning_ms(),
            finish: self.finish.clone(),
            refusal: (!self.refusal.trim().is_empty()).then(|| self.refusal.clone()),
        }
    }
}

/// What an answer holds once it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The whole answer (a continued one's earlier text included).
    pub text: String,
    /// The whole reasoning, likewise.
    pub reasoning: String,
    /// How long the model reasoned, all requests of the answer together.
    pub reasoning_ms: Option<u64>,
    /// The stream's finish reason, if it sent one.
    pub finish: Option<FinishReason>,
    pub refusal: Option<String>,
}

impl Written {
    /// Why the answer ended when it was not a plain stop.
    pub fn stop_reason(&self) -> Option<StopReason> {
        match self.finish {
            Some(FinishReason::Length) => Some(StopReason::Length),
            Some(FinishReason::ContentFilter) => Some(StopReason::ContentFilter),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_past_the_cap_is_dropped_with_a_note() {
        let mut sink = Vec::new();
        let mut g = Growing::new(None);
        let piece = "é".repeat(150_000); // 300 KB
        for _ in 0..5 {
            g.take(StreamItem::Reasoning(piece.clone()), &mut sink);
        }
        g.take(StreamItem::Text("the answer".into()), &mut sink);
        let out = g.written();
        assert!(out.reasoning.len() <= MAX_REASONING_BYTES + REASONING_CUT_NOTE.len());
        assert!(out.reasoning.ends_with(REASONING_CUT_NOTE));
        assert_eq!(out.text, "the answer");
    }

    #[test]
    fn reasoning_is_live_until_the_answer_begins_then_folds_once() {
        let mut events = Vec::new();
        let mut g = Growing::new(Some(&Resume {
            text: "Before. ".into(),
            reasoning: "Earlier thoughts.".into(),
            reasoning_ms: Some(1500),
            usage: None,
            stop_reason: None,
        }));
        // Shown again as it was: not live.
        g.flush(&mut events);
        g.take(StreamItem::Text("<think>more".into()), &mut events);
        g.flush(&mut events);
        g.take(StreamItem::Text("</think>\n\nAfter.".into()), &mut events);
        g.end(&mut events);
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
        let out = g.written();
        assert_eq!(out.text, "Before. After.");
        assert_eq!(out.reasoning, "Earlier thoughts.\n\nmore");
    }

    /// Before the cap, the text grew as long as the stream went on.
    #[test]
    fn the_answer_past_its_cap_is_cut_and_full() {
        let mut sink = Vec::new();
        let mut g = Growing::new(None);
        let piece = "ü".repeat(512 * 1024); // 1 MB
        for _ in 0..7 {
            g.take(StreamItem::Text(piece.clone()), &mut sink);
        }
        assert!(!g.full());
        g.take(StreamItem::Text(format!("x{piece}")), &mut sink);
        assert!(g.full());
        g.take(StreamItem::Text("more".into()), &mut sink);
        let text = g.written().text;
        assert_eq!(text.len(), MAX_ANSWER_BYTES - 1, "cut on a character boundary");
        assert!(text.ends_with('ü'));
    }

    /// A save hands over what is new, not the whole answer again.
    #[test]
    fn each_save_holds_only_what_came_since_the_last() {
        struct Saves(Vec<(String, String)>);
        impl AnswerSink for Saves {
            fn event(&mut self, _: AnswerEvent) {}
            fn save(&mut self, text: &str, reasoning: &str) {
                self.0.push((text.into(), reasoning.into()));
            }
        }
        let mut saves = Saves(Vec::new());
        let mut g = Growing::new(Some(&Resume {
            text: "Before. ".into(),
            reasoning: "Earlier.".into(),
            reasoning_ms: None,
            usage: None,
            stop_reason: None,
        }));
        g.take(StreamItem::Reasoning("More.".into()), &mut saves);
        g.save(&mut saves);
        g.take(StreamItem::Text("After".into()), &mut saves);
        g.take(StreamItem::Text(" all.".into()), &mut saves);
        g.save(&mut saves);
        g.save(&mut saves);
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(saves.0, [s("", "\n\nMore."), s("After all.", "")]);
    }

    #[test]
    fn a_refusal_is_capped_on_a_character_boundary() {
        let mut g = Growing::new(None);
        g.refuse(&"ü".repeat(MAX_REFUSAL_BYTES));
        let refusal = g.written().refusal.unwrap();
        assert!(refusal.len() <= MAX_REFUSAL_BYTES);
        assert!(refusal.chars().all(|c| c == 'ü'));
    }
}
