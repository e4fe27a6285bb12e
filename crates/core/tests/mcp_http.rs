//! MCP servers over Streamable HTTP (the project's test server on the Python SDK, with its
//! headers, one of them a secret kept in the keyring), and a third party's server over stdio:
//! `@modelcontextprotocol/server-everything` from npm. The secret needs the test keyring
//! (scripts/with-keyring.sh).

mod mcp_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use glama_core::mcp::{McpError, McpManager, ServerDraft, Status};
use mcp_support::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// The test server over Streamable HTTP on a free port, killed when dropped.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start() -> HttpServer {
        HttpServer::start_on(
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port(),
        )
    }

    fn start_on(port: u16) -> HttpServer {
        let child = Command::new(python())
            .args([test_server(), "--http".into(), port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the HTTP test server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(
    manager: &McpManager,
    name: &str,
    args: serde_json::Value,
) -> Result<glama_core::mcp::ToolResult, McpError> {
    manager.call(name, args, &CancellationToken::new()).await
}

#[tokio::test]
async fn a_streamable_http_server_gets_its_headers_and_its_secret_from_the_keyring() {
    let http = HttpServer::start();
    let (dir, manager) = start(json!({}));
    let draft: ServerDraft = serde_json::from_value(json!({
        "name": "remote",
        "launch": {"type": "http", "url": http.url, "headers": [
            {"name": "X-Team", "value": {"kind": "plain", "value": "blue"}},
            {"name": "Authorization", "value": {"kind": "secret", "value": "Bearer s3cret-token"}}
        ]}
    }))
    .unwrap();
    manager.add(draft, &Confirmer::yes()).await.unwrap();
    let server = ready(&manager, "remote").await;
    assert_eq!(server.transport, "http");
    assert_eq!(server.target, http.url);

    // The file keeps a reference, never the secret.
    let file = std::fs::read_to_string(dir.path().join("mcp.json")).unwrap();
    assert!(file.contains("${keyring:remote/Authorization}"), "{file}");
    assert!(!file.contains("s3cret"), "{file}");

    assert_eq!(
        call(&manager, "remote__header", json!({"name": "x-team"}))
            .await
            .unwrap()
            .text,
        "blue"
    );
    assert_eq!(
        call(&manager, "remote__header", json!({"name": "authorization"}))
            .await
            .unwrap()
            .text,
        "Bearer s3cret-token"
    );
    assert_eq!(
        call(&manager, "remote__add", json!({"a": 40, "b": 2}))
            .await
            .unwrap()
            .text,
        "42"
    );

    // Removing the server deletes its secret from the keyring.
    manager.remove("remote").await.unwrap();
    assert!(manager.snapshot().servers.is_empty());
    let left = vault().get_named("mcp/remote/Authorization").unwrap();
    assert_eq!(left, None);
    manager.stop_all().await;
}

#[tokio::test]
async fn an_http_server_that_is_not_there_fails_in_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (_dir, manager) = start(json!({"away": {"url": url}}));
    let failed = wait_for(&manager, "away", Duration::from_secs(30), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = failed.reason.unwrap();
    eprintln!("reason: {reason}");
    assert!(reason.contains(&url), "{reason}");
    manager.stop_all().await;
}

#[tokio::test]
async fn server_everything_from_npm_echoes_adds_draws_and_is_stopped_mid_operation() {
    let (_dir, manager) = start(json!({"everything": {"command": "node", "args": [everything(), "stdio"]}}));
    let server = ready(&manager, "everything").await;
    let names: Vec<&str> = server.tools.iter().map(|t| t.name.as_str()).collect();
    for tool in ["echo", "get-sum", "get-tiny-image", "trigger-long-running-operation"] {
        assert!(names.contains(&tool), "{names:?}");
    }
    let echoed = call(&manager, "everything__echo", json!({"message": "hi"}))
        .await
        .unwrap();
    assert!(echoed.text.contains("hi"), "{}", echoed.text);
    let sum = call(&manager, "everything__get-sum", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert!(sum.text.contains('5'), "{}", sum.text);
    let image = call(&manager, "everything__get-tiny-image", json!({})).await.unwrap();
    assert_eq!(image.images.len(), 1, "{image:?}");
    assert_eq!(image.images[0].mime, "image/png");

    let cancel = cancelled_after(Duration::from_millis(500));
    let started = Instant::now();
    let result = manager
        .call(
            "everything__trigger-long-running-operation",
            json!({"duration": 30, "steps": 30}),
            &cancel,
        )
        .await;
    assert_eq!(result, Err(McpError::Cancelled));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(call(&manager, "everything__echo", json!({"message": "again"}))
        .await
        .unwrap()
        .text
        .contains("again"));
    manager.stop_all().await;
}

#[tokio::test]
async fn an_http_server_that_goes_away_fails_in_words_then_is_found_again() {
    let mut http = HttpServer::start();
    let (_dir, manager) = start(json!({"remote": {"url": http.url}}));
    ready(&manager, "remote").await;
    let _ = http.child.kill();
    let _ = http.child.wait();
    let failed = wait_for(&manager, "remote", Duration::from_secs(30), |s| {
        s.status == Status::Failed
    })
    .await;
    let reason = failed.reason.unwrap();
    eprintln!("{reason}");
    assert!(reason.contains("stopped answering"), "{reason}");
    assert!(failed.retrying);
    // Back on the same address: found again by the next start.
    let port = http
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/mcp")
        .to_string();
    let _again = HttpServer::start_on(port.parse().unwrap());
    ready(&manager, "remote").await;
    manager.stop_all().await;
}
