//! MCP servers over stdio, against the project's test server on the official Python SDK: tools
//! listed (paged too) and called, a changed list picked up, failures told in words, time limits,
//! Stop, a crash and its restart, and stopping that leaves no process behind.

mod mcp_support;

use std::time::{Duration, Instant};

use glama_core::mcp::{McpError, McpManager, Status};
use mcp_support::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

async fn call(
    manager: &McpManager,
    name: &str,
    args: serde_json::Value,
) -> Result<glama_core::mcp::ToolResult, McpError> {
    manager.call(name, args, &CancellationToken::new()).await
}

async fn pid_of(manager: &McpManager) -> u32 {
    call(manager, "test__pid", json!({}))
        .await
        .unwrap()
        .text
        .parse()
        .unwrap()
}

#[tokio::test]
async fn lists_and_calls_the_tools_of_a_stdio_server() {
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    let server = ready(&manager, "test").await;
    let names: Vec<&str> = server.tools.iter().map(|t| t.name.as_str()).collect();
    for tool in ["echo", "add", "slow", "image", "fail", "big", "pid"] {
        assert!(names.contains(&tool), "{names:?}");
    }
    assert_eq!(server.transport, "stdio");

    let tools = manager.openai_tools();
    let echo = tools
        .iter()
        .find(|t| t["function"]["name"] == "test__echo")
        .expect("echo offered");
    assert_eq!(echo["type"], "function");
    assert_eq!(echo["function"]["description"], "Says the text back.");
    assert_eq!(echo["function"]["parameters"]["properties"]["text"]["type"], "string");
    assert_eq!(manager.resolve("test__echo").unwrap().tool, "echo");

    let echoed = call(&manager, "test__echo", json!({"text": "héllo"})).await.unwrap();
    assert_eq!((echoed.text.as_str(), echoed.is_error), ("héllo", false));
    assert_eq!(
        call(&manager, "test__add", json!({"a": 2, "b": 3})).await.unwrap().text,
        "5"
    );

    let failed = call(&manager, "test__fail", json!({"message": "no such file"}))
        .await
        .unwrap();
    assert!(failed.is_error);
    assert!(failed.text.contains("no such file"), "{}", failed.text);

    let image = call(&manager, "test__image", json!({})).await.unwrap();
    assert_eq!(image.images.len(), 1);
    assert_eq!(image.images[0].mime, "image/png");
    assert!(image.images[0].bytes.starts_with(b"\x89PNG"));

    let big = call(&manager, "test__big", json!({"kb": 300})).await.unwrap();
    assert_eq!(big.cut_from, Some(300 * 1024));
    assert!(
        big.text.ends_with("[The result was cut: 100 KB of 300 KB are shown.]"),
        "{}",
        &big.text[big.text.len() - 60..]
    );

    assert!(matches!(
        call(&manager, "test__nope", json!({})).await,
        Err(McpError::NoSuchTool(_))
    ));
    assert!(matches!(
        call(&manager, "test__echo", json!([1])).await,
        Err(McpError::BadArguments(_))
    ));
    manager.stop_all().await;
}

#[tokio::test]
async fn every_page_of_tools_is_listed() {
    let (_dir, manager) = start(json!({"paged": test_server_entry(&["--page-size", "2"])}));
    let server = ready(&manager, "paged").await;
    let names: Vec<&str> = server.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?}");
    assert!(names.contains(&"echo") && names.contains(&"grow"), "{names:?}");
    manager.stop_all().await;
}

#[tokio::test]
async fn a_changed_tool_list_is_picked_up() {
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    ready(&manager, "test").await;
    assert!(manager.resolve("test__extra").is_none());
    assert_eq!(call(&manager, "test__grow", json!({})).await.unwrap().text, "grown");
    wait_for(&manager, "test", Duration::from_secs(10), |s| {
        s.tools.iter().any(|t| t.name == "extra")
    })
    .await;
    assert_eq!(
        call(&manager, "test__extra", json!({"text": "x"})).await.unwrap().text,
        "extra x"
    );
    manager.stop_all().await;
}

#[tokio::test]
async fn a_command_that_does_not_exist_fails_in_words_and_gives_up_after_five_tries() {
    let (_dir, manager) = start(json!({"ghost": {"command": "glama-no-such-program", "args": ["x"]}}));
    let started = Instant::now();
    let failed = wait_for(&manager, "ghost", Duration::from_secs(5), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = failed.reason.unwrap();
    assert!(reason.contains("\"glama-no-such-program\" was not found"), "{reason}");
    assert!(failed.retrying);
    // 1 + 2 + 4 + 8 seconds between the five starts, then it stays failed.
    let gave_up = wait_for(&manager, "ghost", Duration::from_secs(25), |s| {
        s.status == Status::Failed && !s.retrying
    })
    .await;
    assert!(started.elapsed() >= Duration::from_secs(14), "{:?}", started.elapsed());
    assert!(gave_up.reason.unwrap().contains("was not found"));
    assert!(manager.openai_tools().is_empty());
    manager.stop_all().await;
}

#[tokio::test]
async fn a_server_that_crashes_each_time_it_is_ready_gives_up_after_five_in_a_row() {
    let (_dir, manager) = start(json!({"flaky": test_server_entry(&["--crash-when-listed"])}));
    let started = Instant::now();
    // It does get ready, so these are crashes after a start, not failed starts.
    ready(&manager, "flaky").await;
    let failed = wait_for(&manager, "flaky", Duration::from_secs(10), |s| {
        s.status == Status::Failed
    })
    .await;
    assert!(failed.retrying);
    // 1 + 2 + 4 + 8 seconds between the five starts, then it stays failed with why.
    let gave_up = wait_for(&manager, "flaky", Duration::from_secs(60), |s| {
        s.status == Status::Failed && !s.retrying
    })
    .await;
    assert!(started.elapsed() >= Duration::from_secs(14), "{:?}", started.elapsed());
    let reason = gave_up.reason.unwrap();
    assert!(reason.contains("exited with status 3"), "{reason}");
    assert!(gave_up.stderr.unwrap().contains("crashing on purpose"));
    // Given up for good: no sixth start comes.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let still = wait_for(&manager, "flaky", Duration::ZERO, |_| true).await;
    assert_eq!((still.status, still.retrying), (Status::Failed, false));
    manager.stop_all().await;
}

#[tokio::test]
async fn garbage_on_stdout_fails_in_words_with_the_stderr_tail() {
    let (_dir, manager) = start(json!({"noisy": test_server_entry(&["--garbage"])}));
    let failed = wait_for(&manager, "noisy", Duration::from_secs(10), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = failed.reason.unwrap();
    assert!(reason.contains("something other than MCP messages"), "{reason}");
    assert!(
        reason.contains("Welcome to the server! This line is not JSON."),
        "{reason}"
    );
    assert!(failed.stderr.unwrap().contains("test server"));
    manager.stop_all().await;
}

#[tokio::test]
async fn a_server_that_never_answers_fails_within_thirty_seconds() {
    let (_dir, manager) = start(json!({"mute": test_server_entry(&["--hang"])}));
    let failed = wait_for(&manager, "mute", Duration::from_secs(30), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = failed.reason.unwrap();
    assert!(reason.contains("did not answer the MCP handshake"), "{reason}");
    manager.stop_all().await;
}

#[tokio::test]
async fn a_server_killed_mid_call_fails_in_words_then_restarts() {
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    ready(&manager, "test").await;
    let pid = pid_of(&manager).await;
    let slow = {
        let manager = manager.clone();
        tokio::spawn(async move { call(&manager, "test__slow", json!({"seconds": 30})).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let result = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .unwrap()
        .unwrap();
    match result {
        Err(McpError::CallFailed { reason, .. }) => assert!(reason.contains("stopped during the call"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let failed = wait_for(&manager, "test", Duration::from_secs(5), |s| s.status == Status::Failed).await;
    assert!(failed.reason.unwrap().contains("killed by signal 9"));
    assert!(failed.retrying);
    ready(&manager, "test").await;
    assert_ne!(pid_of(&manager).await, pid);
    manager.stop_all().await;
}

#[tokio::test]
async fn a_call_past_its_time_limit_is_stopped_and_the_server_goes_on() {
    let mut entry = test_server_entry(&[]);
    entry["timeoutSecs"] = json!(1);
    let (_dir, manager) = start(json!({"test": entry}));
    ready(&manager, "test").await;
    let started = Instant::now();
    let result = call(&manager, "test__slow", json!({"seconds": 20})).await;
    assert!(
        matches!(result, Err(McpError::CallTimedOut { secs: 1, .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("did not finish within 1 seconds"));
    // The server was told to stop it too.
    assert_eq!(cancellations_after(&manager, Duration::from_secs(5)).await, 1);
    assert_eq!(
        call(&manager, "test__echo", json!({"text": "still here"}))
            .await
            .unwrap()
            .text,
        "still here"
    );
    manager.stop_all().await;
}

#[tokio::test]
async fn stop_cancels_a_running_call() {
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    ready(&manager, "test").await;
    let cancel = cancelled_after(Duration::from_millis(300));
    let started = Instant::now();
    let result = manager.call("test__slow", json!({"seconds": 20}), &cancel).await;
    assert_eq!(result, Err(McpError::Cancelled));
    assert!(started.elapsed() < Duration::from_secs(2));
    // The server heard it (notifications/cancelled interrupts the tool), which it tells after
    // a moment: the notification travels on its own.
    assert_eq!(cancellations_after(&manager, Duration::from_secs(5)).await, 1);
    assert_eq!(
        call(&manager, "test__echo", json!({"text": "after"}))
            .await
            .unwrap()
            .text,
        "after"
    );
    manager.stop_all().await;
}

/// How many calls of `slow` the test server saw cancelled, once it says some (or `within` ends).
async fn cancellations_after(manager: &McpManager, within: Duration) -> u32 {
    let deadline = Instant::now() + within;
    loop {
        let count: u32 = call(manager, "test__cancellations", json!({}))
            .await
            .unwrap()
            .text
            .parse()
            .unwrap();
        if count > 0 || Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn stopping_kills_the_server_with_what_it_started() {
    let (_dir, manager) = start(json!({"test": test_server_entry(&[])}));
    ready(&manager, "test").await;
    let server_pid = pid_of(&manager).await;
    let child: u32 = call(&manager, "test__spawn_child", json!({}))
        .await
        .unwrap()
        .text
        .parse()
        .unwrap();
    assert!(!process_gone(child));
    manager.stop_all().await;
    wait_gone(server_pid, Duration::from_secs(5)).await;
    wait_gone(child, Duration::from_secs(5)).await;
    assert!(manager.snapshot().servers.is_empty());
}

#[tokio::test]
async fn todays_protocol_and_the_previous_one_are_spoken_and_an_unknown_one_fails_in_words() {
    let (_dir, manager) = start(json!({
        "today": test_server_entry(&[]),
        "previous": test_server_entry(&["--protocol", "2025-06-18"]),
        "future": test_server_entry(&["--protocol", "2099-01-01"]),
    }));
    assert_eq!(ready(&manager, "today").await.protocol.as_deref(), Some("2025-11-25"));
    let previous = ready(&manager, "previous").await;
    assert_eq!(previous.protocol.as_deref(), Some("2025-06-18"));
    assert_eq!(
        call(&manager, "previous__echo", json!({"text": "old"}))
            .await
            .unwrap()
            .text,
        "old"
    );
    let future = wait_for(&manager, "future", Duration::from_secs(30), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = future.reason.unwrap();
    assert!(
        reason.contains("it speaks MCP version 2099-01-01, which this app does not know"),
        "{reason}"
    );
    manager.stop_all().await;
}

#[tokio::test]
async fn retry_starts_a_server_that_gave_up_again() {
    let (_dir, manager) = start(json!({"ghost": {"command": "glama-no-such-program"}}));
    wait_for(&manager, "ghost", Duration::from_secs(5), |s| {
        s.status == Status::Failed
    })
    .await;
    manager.retry("ghost").await.unwrap();
    // A fresh life: failed again at once, with its five tries ahead of it.
    let again = wait_for(&manager, "ghost", Duration::from_secs(5), |s| {
        s.status == Status::Failed
    })
    .await;
    assert!(again.retrying);
    assert!(matches!(manager.retry("nobody").await, Err(McpError::NoSuchServer(_))));
    manager.stop_all().await;
}
