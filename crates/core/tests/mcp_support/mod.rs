//! What the MCP integration tests share: the real servers `scripts/lib.sh`
//! (`install_mcp_test_servers`) installs into `.tools/`, an `mcp.json` to start them from, and
//! waiting for a server to reach a state.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use glama_core::mcp::{McpManager, ServerView};
use glama_core::vault::Vault;
use tokio_util::sync::CancellationToken;

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools")
}

fn installed(path: PathBuf) -> String {
    assert!(
        path.exists(),
        "{} is missing: run `source scripts/lib.sh; install_mcp_test_servers` (scripts/test.sh does)",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// The venv's Python, with the MCP SDK.
pub fn python() -> String {
    installed(tools_dir().join("python/bin/python"))
}

/// The project's test server (crates/core/tests/mcp_servers/test_server.py).
pub fn test_server() -> String {
    installed(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_servers/test_server.py"))
}

/// `@modelcontextprotocol/server-everything`'s entry point.
pub fn everything() -> String {
    installed(tools_dir().join("node_modules/@modelcontextprotocol/server-everything/dist/index.js"))
}

/// An `mcpServers` entry that runs the test server over stdio with `args`.
pub fn test_server_entry(args: &[&str]) -> serde_json::Value {
    let mut all = vec![test_server()];
    all.extend(args.iter().map(|a| a.to_string()));
    serde_json::json!({"command": python(), "args": all})
}

/// A folder with `mcp.json` holding `servers`, and a manager started on it.
pub fn start(servers: serde_json::Value) -> (tempfile::TempDir, McpManager) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&serde_json::json!({"mcpServers": servers})).unwrap(),
    )
    .unwrap();
    let manager = McpManager::start(path, vault());
    (dir, manager)
}

/// A vault of its own service name: tests that store secrets need the test keyring
/// (scripts/with-keyring.sh); the others never touch it.
pub fn vault() -> Vault {
    Vault::new("glama-chat-mcp-test", "test")
}

/// The server `name` as soon as `ok` holds for it, or a panic after `within` that shows it.
pub async fn wait_for(
    manager: &McpManager,
    name: &str,
    within: Duration,
    ok: impl Fn(&ServerView) -> bool,
) -> ServerView {
    let deadline = Instant::now() + within;
    loop {
        let server = manager.snapshot().servers.into_iter().find(|s| s.name == name);
        if let Some(server) = &server {
            if ok(server) {
                return server.clone();
            }
        }
        if Instant::now() > deadline {
            panic!("{name} did not get there within {within:?}: {server:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn ready(manager: &McpManager, name: &str) -> ServerView {
    wait_for(manager, name, Duration::from_secs(30), |s| {
        s.status == glama_core::mcp::Status::Ready
    })
    .await
}

/// Whether a process is gone (or a zombie nobody waits for any more).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

pub async fn wait_gone(pid: u32, within: Duration) {
    let deadline = Instant::now() + within;
    while !process_gone(pid) {
        assert!(Instant::now() < deadline, "process {pid} is still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A token cancelled `after` from now (a person pressing Stop).
pub fn cancelled_after(after: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        stopper.cancel();
    });
    cancel
}

/// The person's answer to every "run this program?", and the command lines they were shown.
pub struct Confirmer {
    pub answer: bool,
    pub shown: std::sync::Mutex<Vec<String>>,
}

impl Confirmer {
    pub fn yes() -> Confirmer {
        Confirmer::answering(true)
    }

    pub fn answering(answer: bool) -> Confirmer {
        Confirmer {
            answer,
            shown: Default::default(),
        }
    }

    pub fn shown(&self) -> Vec<String> {
        self.shown.lock().unwrap().clone()
    }
}

impl glama_core::mcp::Confirm for Confirmer {
    fn run_program<'a>(&'a self, _server: &'a str, command_line: &'a str) -> futures_util::future::BoxFuture<'a, bool> {
        self.shown.lock().unwrap().push(command_line.to_string());
        Box::pin(std::future::ready(self.answer))
    }
}
