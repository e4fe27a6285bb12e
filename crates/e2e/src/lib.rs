//! The end-to-end harness: one isolated desktop session per test.
//!
//! [`Session`] starts, in a process group of its own, a private D-Bus session bus (no service
//! activation, so nothing starts behind our back), an unlocked gnome-keyring (unless a test asks
//! for none), temporary XDG and HOME folders, and the fake gateway in-process. [`App`] launches
//! the real built binary through `tauri-driver` + WebKitWebDriver on the X display the test
//! command provides (`xvfb-run`). Dropping them kills every process they started.
//!
//! Nothing here skips: a missing tool or display fails the test with what to install.

mod app;
mod audit;
mod page;
mod processes;
mod session;

use std::path::{Path, PathBuf};

pub use app::{App, WAIT};
pub use session::{Handover, Session, SessionOptions};

/// The app identifier, URL scheme and keyring service name.
pub const APP_ID: &str = "ai.glama.chat";

/// The repository's top folder (where `Cargo.toml` and `tauri.conf.json` are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else `target/` at the workspace root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The built app: `GLAMA_CHAT_BIN`, else `target/debug/glama-chat`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("GLAMA_CHAT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/glama-chat"));
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo build -p glama-chat)",
        path.display()
    );
    path
}

/// The variable by which the app chooses how WebKit draws (src-tauri/src/rendering.rs).
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// This machine has a GPU render node (the app then leaves WebKit's DMA-BUF renderer on).
pub fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}
