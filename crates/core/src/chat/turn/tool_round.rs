//! A turn's tool round: the calls the model asked for, approved by the person (or allowed
//! before), run in order, and their results sent back to the model.

use super::{How, State, Turn, CANCEL_GRACE};
use crate::attach::parts::Loaded;
use crate::attach::{self, Prepared};
use crate::chat::events::{AnswerEvent, AnswerSink, Phase};
use crate::chat::model::Model;
use crate::chat::prompt::round_results;
use crate::chat::tools::{awaiting, CallRecord, CallStatus, Decision, ToolResult, DENIED, MAX_ROUNDS};
use crate::gateway::tool_calls::ToolCall;
use crate::gateway::types::ChatMessage;
use crate::gateway::GatewayError;
use crate::store::attachments;

impl<M: Model> Turn<'_, M> {
    /// Shows the calls and waits for the person's decision on each one whose tool is not
    /// allowed already. A decision counts only for a call of this round.
    pub(super) async fn approve(&mut self, calls: Vec<ToolCall>, sink: &mut dyn AnswerSink) -> State<M::Items> {
        let (round, text_at) = (self.rounds, self.answer.text_len());
        let (tools, approvals) = self.tools.as_mut().expect("calls are read only with tools");
        let mut decided: Vec<Option<bool>> = calls
            .iter()
            .map(|c| approvals.allowed(&c.name).then_some(true))
            .collect();
        // A call allowed already is never shown as waiting for the person: it runs as soon as
        // the round's other calls are decided.
        let records: Vec<CallRecord> = calls
            .iter()
            .zip(&decided)
            .map(|(c, d)| {
                let record = awaiting(c, *tools, round, text_at);
                match d {
                    Some(true) => CallRecord {
                        status: CallStatus::Running,
                        ..record
                    },
                    _ => record,
                }
            })
            .collect();
        sink.event(AnswerEvent::ToolCalls { calls: records.clone() });
        while decided.iter().any(Option::is_none) {
            let next = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => None,
                next = approvals.next() => next,
            };
            // Stopped, or nobody is left to decide: the calls never run.
            let Some((id, decision)) = next else {
                return self.interrupted(records, sink);
            };
            let Some(at) = calls
                .iter()
                .position(|c| c.id == id)
                .filter(|&at| decided[at].is_none())
            else {
                continue;
            };
            decided[at] = Some(decision != Decision::Deny);
            if matches!(decision, Decision::AllowChat | Decision::AllowAlways) {
                let name = calls[at].name.clone();
                approvals.allow(&name);
                for (call, d) in calls.iter().zip(decided.iter_mut()) {
                    if call.name == name && d.is_none() {
                        *d = Some(true);
                    }
                }
                sink.event(AnswerEvent::ToolAllowed {
                    name,
                    always: decision == Decision::AllowAlways,
                });
            }
        }
        let calls = calls
            .into_iter()
            .zip(records)
            .zip(decided)
            .map(|((call, record), d)| (call, record, d == Some(true)))
            .collect();
        State::Calling { calls }
    }

    /// Runs the approved calls in order (a declined one tells the model so), then asks the
    /// model again with the results.
    pub(super) async fn call(
        &mut self,
        calls: Vec<(ToolCall, CallRecord, bool)>,
        sink: &mut dyn AnswerSink,
    ) -> State<M::Items> {
        let (tools, _) = self.tools.as_ref().expect("calls run only with tools");
        let tools = *tools;
        let mut round = Vec::with_capacity(calls.len());
        let mut calls = calls.into_iter();
        while let Some((call, mut view, approved)) = calls.next() {
            let result = if approved {
                view.status = CallStatus::Running;
                sink.event(AnswerEvent::ToolCall(view.clone()));
                let cancel = self.cancel.child_token();
                let mut running = tools.call(call.clone(), cancel.clone());
                tokio::select! {
                    biased;
                    _ = self.cancel.cancelled() => {
                        // The call is told (the child token is cancelled with the turn's) and
                        // given a moment to tell its server.
                        let _ = tokio::time::timeout(CANCEL_GRACE, &mut running).await;
                        let rest = std::iter::once(view).chain(calls.map(|(_, record, _)| record));
                        return self.interrupted(rest, sink);
                    }
                    result = &mut running => result,
                }
            } else {
                ToolResult {
                    text: DENIED.into(),
                    is_error: false,
                    images: Vec::new(),
                }
            };
            view.status = match (approved, result.is_error) {
                (false, _) => CallStatus::Denied,
                (true, true) => CallStatus::Failed,
                (true, false) => CallStatus::Done,
            };
            let (images, left_out) = prepare_images(result.images).await;
            let mut text = result.text;
            if left_out > 0 {
                let what = if left_out == 1 { "an image" } else { "images" };
                let note = format!(
                    "[{what} the tool returned could not be read and {} left out]",
                    if left_out == 1 { "was" } else { "were" }
                );
                text = if text.is_empty() {
                    note
                } else {
                    format!("{text}\n{note}")
                };
            }
            view.result = approved.then_some(text);
            view.images = images
                .iter()
                .enumerate()
                .map(|(i, image)| attachments::view_of(format!("image {}", i + 1), image))
                .collect();
            if !images.is_empty() {
                sink.event(AnswerEvent::ToolImages {
                    call_id: view.id.clone(),
                    images: images.clone(),
                });
            }
            sink.event(AnswerEvent::ToolCall(view.clone()));
            self.calls.push(view.clone());
            let sent: Vec<Loaded> = match self.sees_images {
                true => images.into_iter().map(loaded).collect(),
                false => Vec::new(),
            };
            round.push((call, view, sent));
        }
        self.rounds += 1;
        if self.rounds >= MAX_ROUNDS {
            self.answer.end(sink);
            return State::Finished(How::Failed(GatewayError::ToolRounds(MAX_ROUNDS)));
        }
        self.ask_again(round);
        sink.phase(Phase::Requesting);
        State::Requesting {
            rate_limited: 0,
            server_failed: 0,
        }
    }

    /// The next request: the one before, then what the model wrote this round with its calls,
    /// then each call's result and images (as a later question will send them again).
    fn ask_again(&mut self, round: Vec<(ToolCall, CallRecord, Vec<Loaded>)>) {
        let words = self.answer.text_from(self.round_start).to_string();
        self.round_start = self.answer.text_len();
        let request = self.next_request.get_or_insert_with(|| self.request.clone());
        let calls = round.iter().map(|(call, ..)| call.clone()).collect();
        request.messages.push(ChatMessage::calls(&words, calls));
        let results: Vec<(&CallRecord, &[Loaded])> = round.iter().map(|(_, r, i)| (r, i.as_slice())).collect();
        round_results(&results, &mut request.messages);
    }

    /// Stopped while calls waited or ran: they are shown (and kept) as interrupted, never run
    /// again by themselves.
    fn interrupted(
        &mut self,
        calls: impl IntoIterator<Item = CallRecord>,
        sink: &mut dyn AnswerSink,
    ) -> State<M::Items> {
        for mut view in calls {
            view.status = CallStatus::Interrupted;
            sink.event(AnswerEvent::ToolCall(view.clone()));
            self.calls.push(view);
        }
        self.answer.end(sink);
        State::Finished(How::Stopped)
    }
}

/// A call's images checked and scaled as attachments are (off the async threads: a large image
/// takes a while), and how many were not images that could be read.
async fn prepare_images(images: Vec<Vec<u8>>) -> (Vec<Prepared>, usize) {
    if images.is_empty() {
        return (Vec::new(), 0);
    }
    let count = images.len();
    let prepared = tokio::task::spawn_blocking(move || {
        images
            .into_iter()
            .filter_map(|bytes| attach::prepare("image", bytes).ok())
            .filter(|p| p.kind == attach::Kind::Image)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let left_out = count - prepared.len();
    (prepared, left_out)
}

fn loaded(image: Prepared) -> Loaded {
    Loaded {
        name: String::new(),
        kind: image.kind,
        media_type: image.media_type,
        data: Some(image.bytes),
    }
}
