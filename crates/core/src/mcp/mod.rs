//! Tools through MCP servers: the client side of the Model Context Protocol, on the official
//! SDK (`rmcp`). No window in here: the shell shows [`McpManager::snapshot`] and asks
//! [`McpManager::call`].
//!
//! - [`document`] and [`config`]: `mcp.json` in the format Claude desktop, Cursor and LM Studio
//!   share, read tolerantly and written back keeping what we do not own.
//! - [`snippet`]: a pasted `mcpServers` snippet as servers to add.
//! - [`secrets`]: values the person marked secret, in the keyring, referenced from the file.
//! - [`stdio`]: a local server's process (its group, its PATH, its stderr, its stdout checked).
//! - [`connection`]: one connection to a server, initialized, its tools listed.
//! - [`server`]: a server's life: started, watched, restarted with [`backoff`], stopped.
//! - [`names`]: the names tools go by in a request, unique and valid for every provider.
//! - [`call`]: a tool call within its time limit, cancellable, its result capped.
//! - [`manager`]: all of them, as the app holds them.

pub mod backoff;
pub mod call;
pub mod config;
pub mod connection;
pub mod document;
pub mod manager;
pub mod names;
pub mod secrets;
pub mod server;
pub mod snippet;
pub mod stdio;
mod tools;

pub use call::{ToolImage, ToolResult};
pub use config::ServerDraft;
pub use manager::{Confirm, McpManager, McpSnapshot, ServerView, ToolView};
pub use names::ToolRef;
pub use server::Status;

/// What went wrong with a server, a tool call or `mcp.json`, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// The file cannot be read; edits are refused so it stays as the person left it.
    #[error("{0}")]
    FileUnreadable(String),
    /// After [`McpManager::stop_all`], until [`McpManager::reload`].
    #[error("The tool servers are stopped.")]
    Stopped,
    #[error("{path} could not be saved: {reason}")]
    FileWrite { path: String, reason: String },
    /// A form's or a snippet's server cannot be used, and why.
    #[error("{0}")]
    Invalid(String),
    #[error("There is no server named \"{0}\".")]
    NoSuchServer(String),
    #[error("{0} was not saved: running its command was not confirmed.")]
    NotConfirmed(String),
    #[error("A server named \"{0}\" already exists.")]
    ServerExists(String),
    #[error("No tool is called \"{0}\".")]
    NoSuchTool(String),
    #[error("The arguments for {0} are not a JSON object.")]
    BadArguments(String),
    #[error("The tool {tool} of {server} is switched off.")]
    ToolDisabled { server: String, tool: String },
    #[error("The server {server} is not ready ({}).", not_ready_words(*.status, .reason.as_deref()))]
    NotReady {
        server: String,
        status: Status,
        reason: Option<String>,
    },
    #[error("The tool {tool} of {server} did not finish within {secs} seconds.")]
    CallTimedOut { server: String, tool: String, secs: u64 },
    #[error("The call to {tool} of {server} failed: {reason}.")]
    CallFailed {
        server: String,
        tool: String,
        reason: String,
    },
    #[error("The call was stopped.")]
    Cancelled,
    #[error("The keyring: {0}")]
    Secret(#[from] secrets::SecretError),
}

impl McpError {
    /// A stable name for the window to branch on.
    pub fn kind(&self) -> crate::error_code::ErrorCode {
        use crate::error_code::ErrorCode;
        match self {
            McpError::NotConfirmed(_) => ErrorCode::McpNotConfirmed,
            _ => ErrorCode::Mcp,
        }
    }
}

fn not_ready_words(status: Status, reason: Option<&str>) -> String {
    match (status, reason) {
        (Status::Failed, Some(reason)) => format!("it failed: {reason}"),
        (Status::Failed, None) => "it failed".into(),
        (Status::Starting, _) => "it is starting".into(),
        (Status::Disabled, _) => "it is switched off".into(),
        (Status::Ready, _) => "it is ready".into(),
    }
}
