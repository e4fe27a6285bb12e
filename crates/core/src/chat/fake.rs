//! A model in this process, for tests of the turn: each request waits until the test answers
//! it (a failure, or a feed it writes the answer into), so a test can stop a turn in any state.
//! And tools in this process, that keep what ran.

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use tokio::sync::{mpsc, oneshot};

use super::model::{Completion, Items, Model};
use super::prompt::Request;
use super::tools::{ToolResult, Tools};
use crate::gateway::tool_calls::ToolCall;
use crate::gateway::types::{FinishReason, FunctionPiece, ToolCallPiece};
use crate::gateway::{GatewayError, StreamItem};
use crate::usage::Usage;

type Reply = Result<Completion<FakeItems>, GatewayError>;

/// The model; its requests reach the [`Script`] made with it.
pub struct FakeModel {
    requests: mpsc::UnboundedSender<Asked>,
    usage: Mutex<Option<Usage>>,
}

/// The test's side: the requests as they come.
pub struct Script(mpsc::UnboundedReceiver<Asked>);

/// One request, waiting for its answer.
pub struct Asked {
    pub request: Request,
    reply: oneshot::Sender<Reply>,
}

/// Where the test writes an answer; dropping it ends the answer whole.
pub struct Feed(mpsc::UnboundedSender<Result<StreamItem, GatewayError>>);

pub struct FakeItems(mpsc::UnboundedReceiver<Result<StreamItem, GatewayError>>);

impl FakeModel {
    pub fn new() -> (FakeModel, Script) {
        let (requests, inbox) = mpsc::unbounded_channel();
        let model = FakeModel {
            requests,
            usage: Mutex::new(None),
        };
        (model, Script(inbox))
    }

    /// What the provider reports once a completion settles.
    pub fn settles_with(&self, usage: Usage) {
        *self.usage.lock().unwrap() = Some(usage);
    }
}

impl Script {
    /// The next request the model was sent.
    pub async fn next(&mut self) -> Asked {
        self.0.recv().await.expect("the model is still there")
    }

    /// Whether a request is waiting now.
    pub fn has_waiting(&mut self) -> bool {
        !self.0.is_empty()
    }
}

impl Asked {
    pub fn fail(self, error: GatewayError) {
        let _ = self.reply.send(Err(error));
    }

    /// Starts the answer (completion `cr_fake`); write it into the feed.
    pub fn stream(self) -> Feed {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = self.reply.send(Ok(Completion {
            request_id: Some("cr_fake".into()),
            items: FakeItems(rx),
        }));
        Feed(tx)
    }
}

impl Feed {
    pub fn send(&self, item: StreamItem) {
        let _ = self.0.send(Ok(item));
    }

    pub fn text(&self, text: &str) {
        self.send(StreamItem::Text(text.into()));
    }

    /// The model writes `text`, then asks for calls `(id, name)`, each with `{"n":1}` in two
    /// pieces, and ends the answer with `tool_calls`.
    pub fn call_tools(self, text: &str, calls: &[(&str, &str)]) {
        self.call_tools_ending(text, calls, FinishReason::ToolCalls);
    }

    /// [`Feed::call_tools`], the answer ending with `finish`.
    pub fn call_tools_ending(self, text: &str, calls: &[(&str, &str)], finish: FinishReason) {
        self.text(text);
        for (index, (id, name)) in calls.iter().enumerate() {
            for (head, arguments) in [(true, "{\"n\""), (false, ":1}")] {
                self.send(StreamItem::ToolCall(ToolCallPiece {
                    index: Some(index as u64),
                    id: head.then(|| id.to_string()),
                    function: FunctionPiece {
                        name: head.then(|| name.to_string()),
                        arguments: Some(arguments.into()),
                    },
                }));
            }
        }
        self.send(StreamItem::Finish(finish));
    }

    /// The answer fails here (a dropped connection, an error event).
    pub fn fail(self, error: GatewayError) {
        let _ = self.0.send(Err(error));
    }

    /// Whether the turn has let go of the answer (stopped: the connection is closed).
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl Model for FakeModel {
    type Items = FakeItems;

    async fn complete(&self, request: &Request) -> Reply {
        let (reply, answer) = oneshot::channel();
        let asked = Asked {
            request: request.clone(),
            reply,
        };
        if self.requests.send(asked).is_err() {
            return Err(GatewayError::Unreachable("the test's model is gone".into()));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(GatewayError::Dropped("the test left the request unanswered".into())))
    }

    async fn usage(&self, _request_id: &str) -> Result<Option<Usage>, GatewayError> {
        Ok(self.usage.lock().unwrap().clone())
    }
}

impl Items for FakeItems {
    async fn next(&mut self) -> Option<Result<StreamItem, GatewayError>> {
        self.0.recv().await
    }
}

/// Tools that answer at once (or, `slow`, only when cancelled), keeping what ran.
#[derive(Default, Clone)]
pub struct FakeTools {
    pub ran: Arc<Mutex<Vec<ToolCall>>>,
    pub cancelled: Arc<Mutex<u32>>,
    pub slow: bool,
}

impl Tools for FakeTools {
    fn offered(&self) -> Vec<serde_json::Value> {
        vec![serde_json::json!({"type": "function", "function": {"name": "echo"}})]
    }

    fn label(&self, name: &str) -> String {
        format!("fake · {name}")
    }

    fn call(&self, call: ToolCall, cancel: CancellationToken) -> BoxFuture<'static, ToolResult> {
        self.ran.lock().unwrap().push(call.clone());
        let (slow, cancelled) = (self.slow, self.cancelled.clone());
        async move {
            if slow {
                cancel.cancelled().await;
                *cancelled.lock().unwrap() += 1;
                return ToolResult::error("cancelled");
            }
            match call.name.as_str() {
                "fail" => ToolResult::error("it broke"),
                // A 3×2 PNG, then bytes that are no image at all.
                "picture" => ToolResult {
                    text: "a picture".into(),
                    is_error: false,
                    images: vec![crate::attach::tests::png(3, 2), b"not an image".to_vec()],
                },
                _ => ToolResult {
                    text: format!("{} ran with {}", call.name, call.arguments),
                    is_error: false,
                    images: Vec::new(),
                },
            }
        }
        .boxed()
    }
}

impl FakeTools {
    /// The ids of the calls that ran, in order.
    pub fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().iter().map(|c| c.id.clone()).collect()
    }
}
