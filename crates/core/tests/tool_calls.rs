//! Tool calls over real HTTP: the fake gateway streams them as models do (two calls
//! interleaved, the arguments cut mid-string, the bytes cut mid-character), the client puts
//! them together, and the next request's `tool` messages are what the answer is made of.

use std::time::Duration;

use fake_gateway::ChatScenario;
use serde_json::{json, Value};

use glama_core::gateway::tool_calls::{ToolCall, ToolCalls};
use glama_core::gateway::types::FinishReason;
use glama_core::gateway::{ChatEvents, StreamItem};
use glama_core::secret::ApiKey;

mod common;
use common::setup;

fn tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "echo", "description": "Says it back",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "add", "description": "Adds",
            "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}},
    ])
}

/// What one streamed request gives: the text, the calls, the finish reason.
async fn ask(url: &str, key: &ApiKey, body: Value) -> Result<(String, Vec<ToolCall>, Option<FinishReason>), String> {
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/gateway/openai/v1/chat/completions"))
        .bearer_auth(key.expose())
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(resp.text().await.unwrap_or_default());
    }
    let mut events = ChatEvents::new(resp.bytes_stream());
    let (mut text, mut calls, mut finish) = (String::new(), ToolCalls::default(), None);
    while let Some(item) = events.next().await {
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
    let (fake, _gateway, key) = setup().await;
    let question =
        json!({"role": "user", "content": r#"add {"a": 2, "b": 3} and echo {"text": "ünïcödé 你好 🦀 \"q\""}"#});
    // Random cuts each time: a few rounds cover many of them.
    for _ in 0..20 {
        fake.script_chat(ChatScenario {
            piece_delay: Some(Duration::ZERO),
            ..Default::default()
        });
        let (text, calls, finish) = ask(
            &fake.url(),
            &key,
            json!({"model": "openai/gpt-4o", "stream": true, "messages": [question], "tools": tools()}),
        )
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

    let (text, calls, finish) = ask(
        &fake.url(),
        &key,
        json!({"model": "openai/gpt-4o", "stream": true, "tools": tools(), "messages": [
            question,
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":2,\"b\":3}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "5"},
        ]}),
    )
    .await
    .unwrap();
    assert!(calls.is_empty(), "{calls:?}");
    assert_eq!(finish, Some(FinishReason::Stop));
    assert_eq!(text, "Tool results: call_1 said 5.");
}

#[tokio::test]
async fn a_model_that_refuses_tools_says_so() {
    let (fake, _gateway, key) = setup().await;
    let error = ask(
        &fake.url(),
        &key,
        json!({"model": "mistral/ministral-8b", "stream": true, "tools": tools(),
               "messages": [{"role": "user", "content": "echo"}]}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("does not support tool use"), "{error}");
}
