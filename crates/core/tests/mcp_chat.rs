//! A chat that calls a real MCP server: the fake gateway (real HTTP) asks for the test
//! server's tool (the Python SDK, over stdio), the person's approval lets it run, and the
//! answer is made from its result; declined, it never runs. Everything is kept in a real store.

mod common;
mod mcp_support;

use std::sync::Arc;

use glama_core::chat::tools::{Approvals, CallRecord, CallStatus, Decide, Decision};
use glama_core::chat::{AnswerEvent, AnswerPolicy, Ask, Chats, Glama};
use glama_core::store::paging::Page;
use glama_core::store::rows::MessageStatus;
use glama_core::store::{conversations, Store};
use mcp_support::*;
use serde_json::json;

const MODEL: &str = "openai/gpt-4o";

/// Asks `text` with the manager's tools, deciding each call as `decision` once it is shown;
/// the events and the answer's stored calls.
async fn ask_deciding(text: &str, decision: Decision) -> (Vec<AnswerEvent>, MessageStatus, Vec<CallRecord>, String) {
    let (_fake, gateway, key) = common::setup().await;
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    ready(&manager, "test").await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), AnswerPolicy::default());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    let model = Glama { gateway, key };
    let (mut approvals, decide) = Approvals::new(Default::default());

    /// Decides each call as soon as the window is shown it.
    struct Deciding {
        events: Vec<AnswerEvent>,
        decide: Decide,
        decision: Decision,
    }
    impl glama_core::chat::AnswerSink for Deciding {
        fn event(&mut self, event: AnswerEvent) {
            if let AnswerEvent::ToolCalls { calls } = &event {
                for call in calls {
                    self.decide.send((call.id.clone(), self.decision)).unwrap();
                }
            }
            self.events.push(event);
        }
    }
    let mut sink = Deciding {
        events: Vec::new(),
        decide,
        decision,
    };
    let ask = Ask::Send { text: text.into() };
    let answered = chats
        .ask_with_tools(&model, &c, MODEL, ask, (&manager, &mut approvals), &mut sink)
        .await
        .unwrap();
    let message = store
        .call(move |db| Ok(glama_core::chat::view::page(db, &c, Page::Latest, 10)?.messages))
        .unwrap()
        .pop()
        .unwrap();
    manager.stop_all().await;
    (sink.events, answered.status, message.tool_calls, message.text)
}

#[tokio::test]
async fn an_approved_call_runs_on_the_server_and_the_answer_uses_its_result() {
    let (events, status, calls, text) = ask_deciding(r#"test__echo {"text": "héllo 🦀"}"#, Decision::AllowOnce).await;
    assert_eq!(status, MessageStatus::Done);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].status, calls[0].label.as_str()),
        (CallStatus::Done, "test · echo")
    );
    assert_eq!(calls[0].result.as_deref(), Some("héllo 🦀"));
    // The model's second request carried the result; its answer is made of it.
    assert!(
        text.ends_with(&format!("Tool results: {} said héllo 🦀.", calls[0].id)),
        "{text}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, AnswerEvent::ToolCall(c) if c.status == CallStatus::Running)));
}

#[tokio::test]
async fn a_declined_call_never_reaches_the_server() {
    let (_, status, calls, text) = ask_deciding(r#"test__pid"#, Decision::Deny).await;
    assert_eq!(status, MessageStatus::Done);
    assert_eq!(
        (calls[0].status, calls[0].result.as_deref()),
        (CallStatus::Denied, None)
    );
    assert!(text.contains("The person declined this tool call"), "{text}");
}
