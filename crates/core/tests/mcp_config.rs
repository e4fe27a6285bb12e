//! `mcp.json` as the app edits it, with real servers running: each change applied without a
//! restart of the others, and a malformed file told and left as it is.

mod mcp_support;

use std::time::Duration;

use glama_core::mcp::{McpError, McpManager, ServerDraft, Status};
use mcp_support::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn stdio_draft(name: &str) -> ServerDraft {
    serde_json::from_value(json!({
        "name": name,
        "launch": {"type": "stdio", "command": python(), "args": [test_server()]}
    }))
    .unwrap()
}

async fn pid_of(manager: &McpManager, server: &str) -> u32 {
    manager
        .call(&format!("{server}__pid"), json!({}), &CancellationToken::new())
        .await
        .unwrap()
        .text
        .parse()
        .unwrap()
}

fn file(dir: &tempfile::TempDir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.path().join("mcp.json")).unwrap()).unwrap()
}

#[tokio::test]
async fn add_switch_and_remove_apply_at_once() {
    let (dir, manager) = start(json!({"first": test_server_entry(&[])}));
    ready(&manager, "first").await;
    let first_pid = pid_of(&manager, "first").await;

    manager.add(stdio_draft("second")).await.unwrap();
    assert!(matches!(
        manager.add(stdio_draft("second")).await,
        Err(McpError::ServerExists(_))
    ));
    ready(&manager, "second").await;
    assert_eq!(file(&dir)["mcpServers"]["second"]["args"][0], test_server());

    // A tool switched off leaves the offer and refuses calls; the server is not restarted.
    manager.set_tool_enabled("second", "echo", false).await.unwrap();
    assert!(!manager
        .openai_tools()
        .iter()
        .any(|t| t["function"]["name"] == "second__echo"));
    let view = manager
        .snapshot()
        .servers
        .into_iter()
        .find(|s| s.name == "second")
        .unwrap();
    assert!(!view.tools.iter().find(|t| t.name == "echo").unwrap().enabled);
    let refused = manager
        .call("second__echo", json!({"text": "x"}), &CancellationToken::new())
        .await;
    assert!(matches!(refused, Err(McpError::ToolDisabled { .. })), "{refused:?}");
    assert_eq!(file(&dir)["mcpServers"]["second"]["disabledTools"], json!(["echo"]));
    let second_pid = pid_of(&manager, "second").await;

    // Disabling stops the process; enabling starts a new one.
    manager.set_enabled("second", false).await.unwrap();
    assert_eq!(manager.snapshot().servers[1].status, Status::Disabled);
    wait_gone(second_pid, Duration::from_secs(5)).await;
    assert_eq!(file(&dir)["mcpServers"]["second"]["disabled"], true);
    manager.set_enabled("second", true).await.unwrap();
    ready(&manager, "second").await;

    // An edit restarts only the server it changes, under its new name.
    manager.update("second", stdio_draft("renamed")).await.unwrap();
    ready(&manager, "renamed").await;
    let names: Vec<String> = manager.snapshot().servers.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["first", "renamed"]);

    manager.remove("renamed").await.unwrap();
    assert!(file(&dir)["mcpServers"].get("renamed").is_none());
    assert_eq!(
        pid_of(&manager, "first").await,
        first_pid,
        "the first server was never restarted"
    );

    // Stopped (quit, Delete all data): nothing runs and nothing is written until a reload.
    manager.stop_all().await;
    wait_gone(first_pid, Duration::from_secs(5)).await;
    assert!(matches!(
        manager.add(stdio_draft("third")).await,
        Err(McpError::Stopped)
    ));
    manager.reload().await;
    ready(&manager, "first").await;
    manager.stop_all().await;
}

#[tokio::test]
async fn a_malformed_file_is_told_left_untouched_and_read_again_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    let broken = b"{\"mcpServers\": {\"a\": {\"command\": \"x\",}\n";
    std::fs::write(&path, broken).unwrap();
    let manager = McpManager::start(&path, vault());
    let snapshot = manager.snapshot();
    let error = snapshot.file_error.unwrap();
    assert!(
        error.contains("mcp.json could not be read: it is not valid JSON"),
        "{error}"
    );
    assert!(error.contains("left as it is"), "{error}");
    assert!(snapshot.servers.is_empty());
    assert!(manager.openai_tools().is_empty());
    assert!(matches!(
        manager.add(stdio_draft("x")).await,
        Err(McpError::FileUnreadable(_))
    ));
    assert_eq!(std::fs::read(&path).unwrap(), broken);

    std::fs::write(
        &path,
        serde_json::to_vec(&json!({"mcpServers": {"fixed": test_server_entry(&[])}})).unwrap(),
    )
    .unwrap();
    manager.reload().await;
    assert_eq!(manager.snapshot().file_error, None);
    ready(&manager, "fixed").await;
    manager.stop_all().await;
}
