//! Tools through MCP servers: the client side of the Model Context Protocol, on the official
//! SDK (`rmcp`).
//!
//! - [`document`] and [`config`]: `mcp.json` in the format Claude desktop, Cursor and LM Studio
//!   share, read tolerantly and written back keeping what we do not own.
//! - [`snippet`]: a pasted `mcpServers` snippet as servers to add.
//! - [`secrets`]: values the person marked secret, in the keyring, referenced from the file.
//! - [`names`]: the names tools go by in a request, unique and valid for every provider.
//! - [`backoff`]: when a server that stopped is started again, and when it is left failed.

pub mod backoff;
pub mod config;
pub mod document;
pub mod names;
pub mod secrets;
pub mod snippet;
