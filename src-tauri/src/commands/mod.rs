//! Commands: thin adapters from the window's intents to `glama-core`, one file per job. None
//! of them returns the API key; connection status carries only its masked tail.
//!
//! - `connection`: the status, Connect, Cancel, Disconnect, keeping a key for the session;
//! - `news`: what Rust tells the window (status changes, notices), taken by the page;
//! - `chats`: the conversations and their messages, drafts and search;
//! - `answers`: the models, asking for an answer, its events, Stop;
//! - `assistants`: saved sets of a chat's settings that new chats start from;
//! - `archive`: export and import;
//! - `quick_ask`: hiding quick ask, and opening its chat in the main window;
//! - `settings`: the person's choices;
//! - `tools`: the MCP servers (the Tools panel) and the person's decisions on tool calls.
//!
//! Attachments (`crate::attachments`) and the person's data (`crate::data`) keep their
//! commands beside the rest of their job.

pub mod answers;
pub mod archive;
pub mod assistants;
pub mod chats;
pub mod connection;
pub mod news;
pub mod quick_ask;
pub mod settings;
pub mod tools;
