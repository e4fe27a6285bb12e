//! Glama Chat's core: everything the app does that needs no window.
//!
//! - [`attach`]: attachments detected by content, images scaled, content parts.
//! - [`connect`]: the one-click OAuth PKCE flow (verifier, state, callbacks, loopback listener).
//! - [`vault`]: the API key in the OS keyring, and nowhere else.
//! - [`gateway`]: HTTP to Glama (exchange, models, streamed chat, usage).
//! - [`mcp`]: tools through MCP servers: their config, their lives, calling them.
//! - [`chat`]: an answer's life: its turn (request, stream, retries, stop), the rules of a
//!   conversation, the request built from it, messages as the window draws them.
//! - [`store`]: conversations on disk (SQLite): rows, pages, an answer's writes, search,
//!   export and import.
//! - [`render`]: model markdown to sanitized HTML, incrementally while it streams.
//! - [`settings`]: the person's choices (transport, model), never secrets.
//! - [`usage`]: tokens and cost of an answer.
//! - [`error_code`]: the one list of codes an error crosses to the window with.
//!
//! The Tauri shell in `src-tauri/` wires these to the window; tests drive them against the
//! `fake-gateway` crate over real HTTP.

pub mod attach;
pub mod chat;
pub mod config;
pub mod connect;
pub mod error_code;
pub mod gateway;
pub mod mcp;
pub mod render;
pub mod secret;
pub mod settings;
pub mod store;
pub mod usage;
pub mod vault;
