//! A streamed answer's tool calls, put together from their pieces.
//!
//! OpenAI's format sends each call in pieces keyed by `index`: the id and the function's name in
//! the call's first piece, the arguments' JSON text split anywhere in the pieces after it (mid
//! string, mid escape), and the pieces of several calls may interleave. Some providers leave
//! `index` out and send one call after another: there a piece with a new id starts a new call.
//! The arguments are kept as the model wrote them (they go back to it in the assistant message);
//! whether they are a JSON object is the caller's question ([`ToolCall::arguments_object`]), since
//! a model given a bad-arguments error can try again.

use std::collections::HashMap;

use super::limits;
use super::types::ToolCallPiece;

/// One whole tool call, as the model asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    /// The function's name as the model wrote it (the name the request gave the tool).
    pub name: String,
    /// JSON text; `{}` when the model sent none.
    pub arguments: String,
}

impl ToolCall {
    /// The arguments as a JSON object, or why they are not one, in words for the model.
    pub fn arguments_object(&self) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        match serde_json::from_str(&self.arguments) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            Ok(_) => Err("the arguments must be a JSON object".into()),
            Err(e) => Err(format!("the arguments are not valid JSON ({e})")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolCallError {
    #[error("the model asked for more than {} tool calls in one answer", limits::TOOL_CALLS)]
    TooMany,
    #[error("the model's arguments for a tool call are over {} bytes", limits::TOOL_ARGUMENTS)]
    TooLarge,
    #[error("the model asked for a tool call without naming the tool")]
    Unnamed,
}

/// The calls of one answer while their pieces arrive.
#[derive(Debug, Default)]
pub struct ToolCalls {
    calls: Vec<Building>,
    /// Where each `index` the stream used is in `calls`.
    by_index: HashMap<u64, usize>,
}

#[derive(Debug, Default)]
struct Building {
    /// The stream's `index`, which orders the calls.
    index: Option<u64>,
    id: String,
    name: String,
    arguments: String,
}

impl ToolCalls {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Adds one piece to the call it belongs to.
    pub fn push(&mut self, piece: ToolCallPiece) -> Result<(), ToolCallError> {
        let id = piece.id.filter(|id| !id.is_empty());
        let at = match piece.index {
            Some(index) => match self.by_index.get(&index) {
                Some(&at) => at,
                None => {
                    let at = self.start()?;
                    self.calls[at].index = Some(index);
                    self.by_index.insert(index, at);
                    at
                }
            },
            None => match (&id, self.calls.last()) {
                (Some(id), Some(last)) if !last.id.is_empty() && last.id != *id => self.start()?,
                (_, Some(_)) => self.calls.len() - 1,
                (_, None) => self.start()?,
            },
        };
        let call = &mut self.calls[at];
        if let Some(id) = id {
            if call.id.is_empty() {
                call.id = id;
            }
        }
        if let Some(name) = piece.function.name.filter(|n| !n.is_empty()) {
            // OpenAI names a call once; some providers repeat the name in every piece, a few
            // send it in parts.
            if call.name != name {
                call.name.push_str(&name);
            }
        }
        if let Some(arguments) = piece.function.arguments {
            if call.arguments.len() + arguments.len() > limits::TOOL_ARGUMENTS {
                return Err(ToolCallError::TooLarge);
            }
            call.arguments.push_str(&arguments);
        }
        Ok(())
    }

    fn start(&mut self) -> Result<usize, ToolCallError> {
        if self.calls.len() == limits::TOOL_CALLS {
            return Err(ToolCallError::TooMany);
        }
        self.calls.push(Building::default());
        Ok(self.calls.len() - 1)
    }

    /// The calls in the order of their index (of their first piece, without one). A call
    /// without an id gets one, unique in the answer (the results are matched to calls by id).
    pub fn finish(mut self) -> Result<Vec<ToolCall>, ToolCallError> {
        self.calls.sort_by_key(|call| call.index.unwrap_or(u64::MAX));
        let mut calls = Vec::with_capacity(self.calls.len());
        for (n, call) in self.calls.into_iter().enumerate() {
            if call.name.is_empty() {
                return Err(ToolCallError::Unnamed);
            }
            let id = if call.id.is_empty() || calls.iter().any(|c: &ToolCall| c.id == call.id) {
                format!("call_{n}_{}", uuid::Uuid::now_v7().simple())
            } else {
                call.id
            };
            let arguments = if call.arguments.trim().is_empty() {
                "{}".to_string()
            } else {
                call.arguments
            };
            calls.push(ToolCall {
                id,
                name: call.name,
                arguments,
            });
        }
        Ok(calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::types::FunctionPiece;
    use proptest::prelude::*;

    fn piece(index: Option<u64>, id: Option<&str>, name: Option<&str>, arguments: Option<&str>) -> ToolCallPiece {
        ToolCallPiece {
            index,
            id: id.map(str::to_string),
            function: FunctionPiece {
                name: name.map(str::to_string),
                arguments: arguments.map(str::to_string),
            },
        }
    }

    fn assembled(pieces: Vec<ToolCallPiece>) -> Result<Vec<ToolCall>, ToolCallError> {
        let mut calls = ToolCalls::default();
        for p in pieces {
            calls.push(p)?;
        }
        calls.finish()
    }

    #[test]
    fn interleaved_calls_by_index() {
        let calls = assembled(vec![
            // The second call begins first: the index orders them.
            piece(Some(1), Some("b"), Some("add"), None),
            piece(Some(0), Some("a"), Some("echo"), Some("")),
            piece(Some(0), None, None, Some("{\"text\":\"hé")),
            piece(Some(1), None, None, Some("{\"a\":1,")),
            piece(Some(0), None, None, Some("llo\"}")),
            piece(Some(1), None, None, Some("\"b\":2}")),
        ])
        .unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("a", "echo"));
        assert_eq!(calls[0].arguments, "{\"text\":\"héllo\"}");
        assert_eq!(calls[1].arguments_object().unwrap()["b"], 2);
    }

    #[test]
    fn without_index_a_new_id_starts_a_call() {
        let calls = assembled(vec![
            piece(None, Some("a"), Some("echo"), Some("{}")),
            piece(None, Some("b"), Some("add"), Some("{\"a\":")),
            piece(None, None, None, Some("1}")),
        ])
        .unwrap();
        assert_eq!(
            calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["echo", "add"]
        );
        assert_eq!(calls[1].arguments, "{\"a\":1}");
    }

    #[test]
    fn repeated_names_and_ids_are_not_doubled() {
        let calls = assembled(vec![
            piece(Some(0), Some("a"), Some("echo"), Some("{")),
            piece(Some(0), Some("a"), Some("echo"), Some("}")),
        ])
        .unwrap();
        assert_eq!((calls[0].name.as_str(), calls[0].arguments.as_str()), ("echo", "{}"));
    }

    #[test]
    fn missing_and_repeated_ids_are_made_unique() {
        let calls = assembled(vec![
            piece(Some(0), None, Some("echo"), None),
            piece(Some(1), Some("x"), Some("echo"), None),
            piece(Some(2), Some("x"), Some("echo"), None),
        ])
        .unwrap();
        assert_eq!(calls[0].arguments, "{}");
        assert_eq!(calls[1].id, "x");
        let ids: std::collections::HashSet<_> = calls.iter().map(|c| &c.id).collect();
        assert_eq!(ids.len(), 3, "{calls:?}");
    }

    #[test]
    fn bad_arguments_are_the_callers_to_tell() {
        let calls = assembled(vec![piece(Some(0), Some("a"), Some("echo"), Some("[1"))]).unwrap();
        assert!(calls[0].arguments_object().unwrap_err().contains("not valid JSON"));
        let calls = assembled(vec![piece(Some(0), Some("a"), Some("echo"), Some("[1]"))]).unwrap();
        assert!(calls[0].arguments_object().unwrap_err().contains("object"));
    }

    #[test]
    fn limits_hold() {
        let mut calls = ToolCalls::default();
        for i in 0..limits::TOOL_CALLS as u64 {
            calls.push(piece(Some(i), None, Some("t"), None)).unwrap();
        }
        assert_eq!(
            calls.push(piece(Some(999), None, Some("t"), None)),
            Err(ToolCallError::TooMany)
        );

        let mut calls = ToolCalls::default();
        let big = "x".repeat(limits::TOOL_ARGUMENTS);
        calls.push(piece(Some(0), None, Some("t"), Some(&big))).unwrap();
        assert_eq!(
            calls.push(piece(Some(0), None, None, Some("x"))),
            Err(ToolCallError::TooLarge)
        );

        assert_eq!(
            assembled(vec![piece(Some(0), Some("a"), None, Some("{}"))]),
            Err(ToolCallError::Unnamed)
        );
    }

    /// A call's arguments cut into pieces at the given character offsets.
    fn cut(text: &str, at: &[prop::sample::Index]) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut offsets: Vec<usize> = at.iter().map(|i| i.index(chars.len() + 1)).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let mut pieces = Vec::new();
        let mut last = 0;
        for o in offsets.into_iter().chain([chars.len()]) {
            pieces.push(chars[last..o].iter().collect());
            last = o;
        }
        pieces
    }

    proptest! {
        /// Any calls, their arguments cut anywhere, interleaved in any order that keeps each
        /// call's own order, come out whole and in the order of their index.
        #[test]
        fn any_cuts_any_interleaving(
            texts in proptest::collection::vec("[a-z\"\\\\é你🦀 {}:,0-9]{0,24}", 1..4),
            cuts in proptest::collection::vec(proptest::collection::vec(any::<prop::sample::Index>(), 0..6), 4),
            order in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
        ) {
            let mut queues: Vec<std::collections::VecDeque<ToolCallPiece>> = texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let mut q: std::collections::VecDeque<_> = cut(text, &cuts[i])
                        .into_iter()
                        .map(|a| piece(Some(i as u64), None, None, Some(&a)))
                        .collect();
                    q.push_front(piece(Some(i as u64), Some(&format!("id{i}")), Some(&format!("tool{i}")), None));
                    q
                })
                .collect();
            let mut pieces = Vec::new();
            let mut order = order.into_iter();
            while queues.iter().any(|q| !q.is_empty()) {
                let live: Vec<usize> = (0..queues.len()).filter(|&i| !queues[i].is_empty()).collect();
                let pick = order.next().map_or(0, |i| i.index(live.len()));
                pieces.push(queues[live[pick]].pop_front().unwrap());
            }
            let calls = assembled(pieces).unwrap();
            prop_assert_eq!(calls.len(), texts.len());
            for (i, (call, text)) in calls.iter().zip(&texts).enumerate() {
                prop_assert_eq!(&call.id, &format!("id{i}"));
                prop_assert_eq!(&call.name, &format!("tool{i}"));
                let expected = if text.trim().is_empty() { "{}" } else { text.as_str() };
                prop_assert_eq!(call.arguments.as_str(), expected);
            }
        }
    }
}
