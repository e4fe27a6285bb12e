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

    manager.add(stdio_draft("second"), &Confirmer::yes()).await.unwrap();
    assert!(matches!(
        manager.add(stdio_draft("second"), &Confirmer::yes()).await,
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
    manager
        .update("second", stdio_draft("renamed"), &Confirmer::yes())
        .await
        .unwrap();
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

    // Quit: nothing runs, nothing is written, and a late reload starts nothing.
    manager.stop_all().await;
    wait_gone(first_pid, Duration::from_secs(5)).await;
    assert!(matches!(
        manager.add(stdio_draft("third"), &Confirmer::yes()).await,
        Err(McpError::Stopped)
    ));
    manager.reload().await;
    assert!(manager.snapshot().servers.is_empty());
    assert!(file(&dir)["mcpServers"].get("third").is_none());
}

/// The app starts its servers a moment after the window draws: a server added before that
/// (or after Delete all data) reads the file then, and nothing is refused.
#[tokio::test]
async fn an_edit_before_the_start_or_after_delete_all_reads_the_file_and_applies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    std::fs::write(
        &path,
        json!({"mcpServers": {"first": test_server_entry(&[])}}).to_string(),
    )
    .unwrap();
    let manager = McpManager::stopped(&path, vault());
    assert!(manager.snapshot().servers.is_empty(), "nothing read yet");

    manager.add(stdio_draft("second"), &Confirmer::yes()).await.unwrap();
    ready(&manager, "first").await;
    ready(&manager, "second").await;
    assert!(
        file(&dir)["mcpServers"].get("first").is_some(),
        "what the file held is kept"
    );

    // The app's delayed start changes nothing that runs.
    let second_pid = pid_of(&manager, "second").await;
    manager.reload().await;
    assert_eq!(pid_of(&manager, "second").await, second_pid);

    manager.forget_all().await.unwrap();
    wait_gone(second_pid, Duration::from_secs(5)).await;
    std::fs::remove_file(&path).unwrap();
    manager.add(stdio_draft("third"), &Confirmer::yes()).await.unwrap();
    ready(&manager, "third").await;
    let names: Vec<String> = manager.snapshot().servers.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["third"]);
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
        manager.add(stdio_draft("x"), &Confirmer::yes()).await,
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

#[tokio::test]
async fn running_a_program_needs_the_persons_confirmation_of_its_command_line() {
    let (dir, manager) = start(json!({}));
    let before = std::fs::read(dir.path().join("mcp.json")).unwrap();
    let declined = Confirmer::answering(false);
    assert!(matches!(
        manager.add(stdio_draft("local"), &declined).await,
        Err(McpError::NotConfirmed(_))
    ));
    assert_eq!(declined.shown(), [format!("{} {}", python(), test_server())]);
    assert_eq!(
        std::fs::read(dir.path().join("mcp.json")).unwrap(),
        before,
        "nothing written"
    );
    assert!(manager.snapshot().servers.is_empty());

    let confirmer = Confirmer::yes();
    manager.add(stdio_draft("local"), &confirmer).await.unwrap();
    ready(&manager, "local").await;
    // A rename, or a new time limit, runs the same program: no question. New arguments do.
    manager
        .update("local", stdio_draft("renamed"), &confirmer)
        .await
        .unwrap();
    assert_eq!(confirmer.shown().len(), 1);
    let mut changed = stdio_draft("renamed");
    if let glama_core::mcp::config::DraftLaunch::Stdio { args, .. } = &mut changed.launch {
        args.push("--flag".into());
    }
    assert!(matches!(
        manager.update("renamed", changed.clone(), &declined).await,
        Err(McpError::NotConfirmed(_))
    ));
    assert_eq!(file(&dir)["mcpServers"]["renamed"]["args"], json!([test_server()]));
    manager.stop_all().await;
}

#[tokio::test]
async fn a_tool_allowed_always_is_kept_in_the_file_until_revoked_and_never_comes_from_a_snippet() {
    let (dir, manager) = start(json!({"first": test_server_entry(&[])}));
    ready(&manager, "first").await;
    assert!(manager.always_allowed().is_empty());
    manager.set_tool_always("first", "echo", true).await.unwrap();
    assert_eq!(file(&dir)["mcpServers"]["first"]["alwaysAllow"], json!(["echo"]));
    assert!(manager.always_allowed().contains("first__echo"));
    let view = manager.snapshot().servers.remove(0);
    assert!(view.tools.iter().find(|t| t.name == "echo").unwrap().always);

    // Read again from the file at the next start.
    manager.stop_all().await;
    let manager = McpManager::start(dir.path().join("mcp.json"), vault());
    ready(&manager, "first").await;
    assert!(manager.always_allowed().contains("first__echo"));
    manager.set_tool_always("first", "echo", false).await.unwrap();
    assert!(manager.always_allowed().is_empty());

    // A snippet that says its tools need no approval adds a server whose tools all ask.
    let snippet = format!(
        r#"{{"mcpServers": {{"pasted": {{"command": {:?}, "args": [{:?}], "alwaysAllow": ["echo"], "autoApprove": ["echo"]}}}}}}"#,
        python(),
        test_server()
    );
    for draft in glama_core::mcp::snippet::parse_snippet(&snippet).unwrap() {
        manager.add(draft, &Confirmer::yes()).await.unwrap();
    }
    ready(&manager, "pasted").await;
    assert!(manager.always_allowed().is_empty());
    assert!(file(&dir)["mcpServers"]["pasted"].get("alwaysAllow").is_none());
    manager.stop_all().await;
}
