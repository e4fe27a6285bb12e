//! Tool calls over real HTTP: the fake gateway streams them as models do (two calls
//! interleaved, the arguments cut mid-string, the bytes cut mid-character), the client puts
//! them together, and the next request's `tool` messages are what the answer is made of.

use std::time::Duration;

use fake_gateway::ChatScenario;
use serde_json::{json, Value};

use glama_core::gateway::tool_calls::{ToolCall, ToolCalls};
use glama_core::gateway::types::{ChatMessage, FinishReason, Role};
use glama_core::gateway::{Gateway, StreamItem};
use glama_core::secret::ApiKey;

mod common;
use common::setup;

const MODEL: &str = "openai/gpt-4o";

fn tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "echo", "description": "Says it back",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "add", "description": "Adds",
            "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}},
    ])
}

/// What one streamed request gives: the text, the calls, the finish reason.
async fn ask(
    gateway: &Gateway,
    key: &ApiKey,
    model: &str,
    messages: &[ChatMessage],
) -> Result<(String, Vec<ToolCall>, Option<FinishReason>), String> {
    let tools = tools();
    let mut stream = gateway
        .chat_stream(key, model, messages, tools.as_array().unwrap(), &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    let (mut text, mut calls, mut finish) = (String::new(), ToolCalls::default(), None);
    while let Some(item) = stream.events.next().await {
        match item.map_err(|e| e.to_string())? {
            StreamItem::Text(t) => text.push_str(&t),
            StreamItem::ToolCall(piece) => calls.push(piece).map_err(|e| e.to_string())?,
            StreamItem::Finish(f) => finish = Some(f),
            _ => {}
        }
    }
    Ok((text, calls.finish().map_err(|e| e.to_string())?, finish))
}

#[tokio::test]
async fn calls_come_whole_and_results_make_the_answer() {
    let (fake, gateway, key) = setup().await;
    let question = ChatMessage::new(
        Role::User,
        r#"add {"a": 2, "b": 3} and echo {"text": "ünïcödé 你好 🦀 \"q\""}"#,
    );
    // Random cuts each time: a few rounds cover many of them.
    for _ in 0..20 {
        fake.script_chat(ChatScenario {
            piece_delay: Some(Duration::ZERO),
            ..Default::default()
        });
        let (text, calls, finish) = ask(&gateway, &key, MODEL, std::slice::from_ref(&question))
            .await
            .unwrap();
        assert_eq!(finish, Some(FinishReason::ToolCalls));
        assert!(text.contains('🦀'), "{text}");
        let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["add", "echo"]);
        assert_eq!(
            calls[0].arguments_object().unwrap(),
            *json!({"a": 2, "b": 3}).as_object().unwrap()
        );
        assert_eq!(calls[1].arguments_object().unwrap()["text"], "ünïcödé 你好 🦀 \"q\"");
        assert!(calls.iter().all(|c| c.id.starts_with("call_")));
    }
    assert_eq!(fake.stats().last_chat_tools, ["echo", "add"]);

    let call = ToolCall {
        id: "call_1".into(),
        name: "add".into(),
        arguments: r#"{"a":2,"b":3}"#.into(),
    };
    let messages = [
        question,
        ChatMessage::calls("", vec![call]),
        ChatMessage::result("call_1", "5"),
    ];
    let (text, calls, finish) = ask(&gateway, &key, MODEL, &messages).await.unwrap();
    // Sent in OpenAI's shape: the calls with `content: null`, the result with its call's id.
    let sent = &fake.stats().last_chat_raw;
    assert_eq!(sent[1]["content"], Value::Null);
    assert_eq!(sent[1]["tool_calls"][0]["function"]["name"], "add");
    assert_eq!(
        sent[2],
        json!({"role": "tool", "content": "5", "tool_call_id": "call_1"})
    );
    assert!(calls.is_empty(), "{calls:?}");
    assert_eq!(finish, Some(FinishReason::Stop));
    assert_eq!(text, "Tool results: call_1 said 5.");
}

#[tokio::test]
async fn a_model_that_refuses_tools_says_so() {
    let (_fake, gateway, key) = setup().await;
    let error = ask(
        &gateway,
        &key,
        "mistral/ministral-8b",
        &[ChatMessage::new(Role::User, "echo")],
    )
    .await
    .unwrap_err();
    assert!(error.contains("does not support tool use"), "{error}");
    assert!(error.contains("Send without tools"), "{error}");

    // Typed, so the window can offer to send without them; without tools the model answers.
    let refused = gateway
        .chat_stream(
            &key,
            "mistral/ministral-8b",
            &[ChatMessage::new(Role::User, "echo")],
            tools().as_array().unwrap(),
            &Default::default(),
        )
        .await
        .err()
        .unwrap();
    assert_eq!(refused.kind(), glama_core::error_code::ErrorCode::ToolsRefused);
    assert!(gateway
        .chat_stream(
            &key,
            "mistral/ministral-8b",
            &[ChatMessage::new(Role::User, "echo")],
            &[],
            &Default::default(),
        )
        .await
        .is_ok());
}
