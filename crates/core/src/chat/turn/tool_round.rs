//! A turn's tool round: the calls the model asked for, approved by the person (or allowed
//! before), run in order, and their results sent back to the model.

use super::{How, State, Turn, CANCEL_GRACE};
use crate::chat::events::{AnswerEvent, AnswerSink};
use crate::chat::model::Model;
use crate::chat::tools::{CallStatus, CallView, Decision, ToolResult, DENIED, MAX_ROUNDS};
use crate::gateway::tool_calls::ToolCall;
use crate::gateway::types::ChatMessage;
use crate::gateway::GatewayError;

impl<M: Model> Turn<'_, M> {
    /// Shows the calls and waits for the person's decision on each one whose tool is not
    /// allowed already. A decision counts only for a call of this round.
    pub(super) async fn approve(&mut self, calls: Vec<ToolCall>, sink: &mut dyn AnswerSink) -> State<M::Items> {
        let (tools, approvals) = self.tools.as_mut().expect("calls are read only with tools");
        let views: Vec<CallView> = calls.iter().map(|c| CallView::awaiting(c, *tools)).collect();
        let mut decided: Vec<Option<bool>> = calls
            .iter()
            .map(|c| approvals.allowed(&c.name).then_some(true))
            .collect();
        sink.event(AnswerEvent::ToolCalls { calls: views });
        while decided.iter().any(Option::is_none) {
            let next = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => None,
                next = approvals.next() => next,
            };
            // Stopped, or nobody is left to decide: the calls never run.
            let Some((id, decision)) = next else {
                let calls = calls.into_iter().zip(decided).map(|(c, d)| (c, d.unwrap_or(false)));
                return self.interrupted(calls, sink);
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
            .zip(decided.into_iter().map(|d| d == Some(true)))
            .collect();
        State::Calling { calls }
    }

    /// Runs the approved calls in order (a declined one tells the model so), then asks the
    /// model again with the results.
    pub(super) async fn call(&mut self, calls: Vec<(ToolCall, bool)>, sink: &mut dyn AnswerSink) -> State<M::Items> {
        let (tools, _) = self.tools.as_ref().expect("calls run only with tools");
        let tools = *tools;
        let mut results = Vec::with_capacity(calls.len());
        let mut calls = calls.into_iter();
        while let Some((call, approved)) = calls.next() {
            let mut view = CallView::awaiting(&call, tools);
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
                        let rest = std::iter::once((call, true)).chain(calls);
                        return self.interrupted(rest, sink);
                    }
                    result = &mut running => result,
                }
            } else {
                ToolResult {
                    text: DENIED.into(),
                    is_error: false,
                }
            };
            view.status = match (approved, result.is_error) {
                (false, _) => CallStatus::Denied,
                (true, true) => CallStatus::Failed,
                (true, false) => CallStatus::Done,
            };
            view.result = approved.then(|| result.text.clone());
            sink.event(AnswerEvent::ToolCall(view.clone()));
            self.calls.push(view);
            results.push((call, result));
        }
        self.rounds += 1;
        if self.rounds >= MAX_ROUNDS {
            self.answer.end(sink);
            return State::Finished(How::Failed(GatewayError::ToolRounds(MAX_ROUNDS)));
        }
        self.ask_again(results);
        State::Requesting {
            rate_limited: 0,
            server_failed: 0,
        }
    }

    /// The next request: the one before, then what the model wrote this round with its calls,
    /// then each call's result.
    fn ask_again(&mut self, results: Vec<(ToolCall, ToolResult)>) {
        let text = self.answer.written().text;
        let round_text = text.get(self.round_start..).unwrap_or("").to_string();
        self.round_start = text.len();
        let request = self.next_request.get_or_insert_with(|| self.request.clone());
        let (calls, results): (Vec<_>, Vec<_>) = results.into_iter().unzip();
        let ids: Vec<String> = calls.iter().map(|c| c.id.clone()).collect();
        request.messages.push(ChatMessage::calls(&round_text, calls));
        for (id, result) in ids.iter().zip(results) {
            let text = if result.is_error {
                format!("Error: {}", result.text)
            } else {
                result.text
            };
            request.messages.push(ChatMessage::result(id, text));
        }
    }

    /// Stopped while calls waited or ran: they are shown (and kept) as interrupted, never run
    /// again by themselves.
    fn interrupted(
        &mut self,
        calls: impl Iterator<Item = (ToolCall, bool)>,
        sink: &mut dyn AnswerSink,
    ) -> State<M::Items> {
        let (tools, _) = self.tools.as_ref().expect("calls exist only with tools");
        let tools = *tools;
        for (call, _) in calls {
            let mut view = CallView::awaiting(&call, tools);
            view.status = CallStatus::Interrupted;
            sink.event(AnswerEvent::ToolCall(view.clone()));
            self.calls.push(view);
        }
        self.answer.end(sink);
        State::Finished(How::Stopped)
    }
}
