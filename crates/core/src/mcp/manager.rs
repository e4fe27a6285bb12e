//! The app's MCP servers, one manager per app: read from `mcp.json` at start, edited through
//! it (each change applied at once, the file written atomically), their statuses and tools
//! shown, their enabled tools offered to models, and calls routed to them.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use indexmap::IndexMap;
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::call::{self, ToolResult};
use super::config::{command_line, Launch, ServerConfig, ServerDraft};
use super::document::Document;
use super::names::{ToolNames, ToolRef};
use super::secrets::{self, SecretRef};
use super::server::{Live, Server, Status};
use super::McpError;
use crate::vault::Vault;

/// The servers, their statuses and tools, as the Tools panel shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct McpSnapshot {
    /// Why `mcp.json` could not be read, when it could not (the app then runs without tools).
    pub file_error: Option<String>,
    pub servers: Vec<ServerView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerView {
    pub name: String,
    pub status: Status,
    pub reason: Option<String>,
    pub stderr: Option<String>,
    /// Failed now, but to be started again by itself.
    pub retrying: bool,
    /// `stdio` or `http` (`none` for an entry that cannot be used).
    pub transport: &'static str,
    /// The command line (secrets masked) or the address.
    pub target: String,
    pub timeout_secs: u64,
    /// The MCP version agreed with it, while ready.
    pub protocol: Option<String>,
    pub tools: Vec<ToolView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolView {
    /// The server's own name for it.
    pub name: String,
    /// The name it goes by in a request.
    pub call_name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Runs without asking, until revoked.
    pub always: bool,
}

/// Asks the person whether a program may run, showing its command line (in the app: a native
/// dialog, which a page cannot answer).
pub trait Confirm: Send + Sync {
    fn run_program<'a>(&'a self, server: &'a str, command_line: &'a str) -> BoxFuture<'a, bool>;
}

/// Owns the servers. Cheap to clone; every clone is the same manager.
#[derive(Clone)]
pub struct McpManager {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    vault: Vault,
    state: Mutex<State>,
    /// Edits one at a time: each reads, changes and writes the file.
    editing: tokio::sync::Mutex<()>,
    changed: watch::Sender<u64>,
}

struct State {
    /// `None` while the file cannot be read: nothing runs and nothing is written over it.
    document: Option<Document>,
    file_error: Option<String>,
    servers: IndexMap<String, Server>,
    /// Set when the app quits: nothing starts after.
    quit: bool,
}

impl McpManager {
    /// Reads `path` and starts the enabled servers, each on its own task: this returns at once.
    /// Needs a Tokio runtime.
    pub fn start(path: impl Into<PathBuf>, vault: Vault) -> McpManager {
        let manager = McpManager::stopped(path, vault);
        let stopped = manager.load();
        debug_assert!(stopped.is_empty(), "nothing runs before the first load");
        manager
    }

    /// A manager that has read nothing and runs nothing until [`McpManager::reload`]: the app
    /// starts its servers once the window has drawn, not while it draws.
    pub fn stopped(path: impl Into<PathBuf>, vault: Vault) -> McpManager {
        let (changed, _) = watch::channel(0);
        McpManager {
            inner: Arc::new(Inner {
                path: path.into(),
                vault,
                state: Mutex::new(State {
                    document: None,
                    file_error: None,
                    servers: IndexMap::new(),
                    quit: false,
                }),
                editing: tokio::sync::Mutex::new(()),
                changed,
            }),
        }
    }

    /// Where `mcp.json` is.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A receiver whose value changes whenever a status, a tool list or the config does.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn announce(&self) {
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Every server with its status and tools, in the file's order.
    pub fn snapshot(&self) -> McpSnapshot {
        let state = self.state();
        let names = names_of(&state);
        let servers = state
            .servers
            .iter()
            .map(|(name, server)| {
                let live = server.snapshot();
                let (transport, target) = match &server.config.launch {
                    Launch::Stdio(stdio) => ("stdio", command_line(stdio)),
                    Launch::Http(http) => ("http", http.url.clone()),
                    Launch::Unusable(_) => ("none", String::new()),
                };
                let tools = live
                    .tools
                    .iter()
                    .map(|tool| ToolView {
                        name: tool.name.to_string(),
                        call_name: names
                            .name_of(&tool_ref(name, &tool.name))
                            .unwrap_or_default()
                            .to_string(),
                        title: tool.title.clone(),
                        description: tool.description.as_deref().map(str::to_string),
                        enabled: !server.config.disabled_tools.contains(tool.name.as_ref()),
                        always: server.config.always_allowed.contains(tool.name.as_ref()),
                    })
                    .collect();
                ServerView {
                    name: name.clone(),
                    status: live.status,
                    reason: live.reason,
                    stderr: live.stderr,
                    retrying: live.retrying,
                    transport,
                    target,
                    timeout_secs: server.config.timeout_secs,
                    protocol: live.protocol,
                    tools,
                }
            })
            .collect();
        McpSnapshot {
            file_error: state.file_error.clone(),
            servers,
        }
    }

    /// The enabled tools of the ready servers as OpenAI `tools` (`parameters` is the tool's
    /// `inputSchema`), in a stable order.
    pub fn openai_tools(&self) -> Vec<serde_json::Value> {
        let state = self.state();
        let names = names_of(&state);
        let mut tools = Vec::new();
        for (server_name, server) in &state.servers {
            let live = server.snapshot();
            if live.status != Status::Ready {
                continue;
            }
            for tool in &live.tools {
                if server.config.disabled_tools.contains(tool.name.as_ref()) {
                    continue;
                }
                let Some(name) = names.name_of(&tool_ref(server_name, &tool.name)) else {
                    continue;
                };
                let mut function = serde_json::json!({
                    "name": name,
                    "parameters": serde_json::Value::Object((*tool.input_schema).clone()),
                });
                if let Some(description) = tool.description.as_deref().filter(|d| !d.is_empty()) {
                    function["description"] = description.into();
                }
                tools.push(serde_json::json!({"type": "function", "function": function}));
            }
        }
        tools
    }

    /// The server and tool a request's name stands for.
    pub fn resolve(&self, call_name: &str) -> Option<ToolRef> {
        names_of(&self.state()).resolve(call_name).cloned()
    }

    /// Calls the tool a request names, with the model's `arguments` (a JSON object, or null),
    /// within its server's time limit, until `cancel`.
    pub async fn call(
        &self,
        call_name: &str,
        arguments: serde_json::Value,
        cancel: &CancellationToken,
    ) -> Result<ToolResult, McpError> {
        let arguments = match arguments {
            serde_json::Value::Object(map) => map,
            serde_json::Value::Null => serde_json::Map::new(),
            _ => return Err(McpError::BadArguments(call_name.to_string())),
        };
        let (tool, peer, limit) = {
            let state = self.state();
            let tool = names_of(&state)
                .resolve(call_name)
                .cloned()
                .ok_or_else(|| McpError::NoSuchTool(call_name.to_string()))?;
            let server = state
                .servers
                .get(&tool.server)
                .ok_or_else(|| McpError::NoSuchTool(call_name.to_string()))?;
            if server.config.disabled_tools.contains(&tool.tool) {
                return Err(McpError::ToolDisabled {
                    server: tool.server,
                    tool: tool.tool,
                });
            }
            let live = server.snapshot();
            let peer = live
                .peer
                .filter(|_| live.status == Status::Ready)
                .ok_or_else(|| McpError::NotReady {
                    server: tool.server.clone(),
                    status: live.status,
                    reason: live.reason.clone(),
                })?;
            (tool, peer, Duration::from_secs(server.config.timeout_secs))
        };
        call::call(&peer, &tool.server, &tool.tool, arguments, limit, cancel).await
    }

    /// Reads the file again and applies it: servers added, changed, removed, switched on or
    /// off are started and stopped; the others go on untouched.
    pub async fn reload(&self) {
        let _editing = self.inner.editing.lock().await;
        if self.state().quit {
            return;
        }
        let stopped = self.load();
        stop_all(stopped).await;
    }

    fn load(&self) -> Vec<Server> {
        let read = read_file(&self.inner.path);
        let mut state = self.state();
        let stopped = match read {
            Ok(document) => {
                state.file_error = None;
                let stopped = self.apply(&mut state, &document);
                state.document = Some(document);
                stopped
            }
            Err(reason) => {
                tracing::warn!("{reason}");
                state.file_error = Some(reason);
                state.document = None;
                state.servers.drain(..).map(|(_, s)| s).collect()
            }
        };
        drop(state);
        self.announce();
        stopped
    }

    /// Brings the running servers in line with `document`; returns those to stop.
    fn apply(&self, state: &mut State, document: &Document) -> Vec<Server> {
        let configs: Vec<ServerConfig> = document
            .entries()
            .map(|(name, entry)| ServerConfig::read(name, entry))
            .collect();
        let mut old = std::mem::take(&mut state.servers);
        let mut stopped = Vec::new();
        for config in configs {
            let server = match old.shift_remove(&config.name) {
                // Only the switched-off tools changed: the server goes on.
                Some(mut server) if same_launch(&server.config, &config) => {
                    server.config = config.clone();
                    server
                }
                Some(server) => {
                    stopped.push(server);
                    self.server_for(config.clone())
                }
                None => self.server_for(config.clone()),
            };
            state.servers.insert(config.name, server);
        }
        stopped.extend(old.into_values());
        stopped
    }

    fn server_for(&self, config: ServerConfig) -> Server {
        if config.disabled {
            return Server::idle(config, idle(Status::Disabled, None));
        }
        if let Launch::Unusable(reason) = &config.launch {
            let reason = format!("its entry cannot be used: {reason}");
            return Server::idle(config, idle(Status::Failed, Some(reason)));
        }
        Server::start(config, self.inner.vault.clone(), self.inner.changed.clone())
    }

    /// Changes the file with `edit` (given the document and the configs it holds), writes it,
    /// and applies it. Refused while the file cannot be read: it stays as the person left it.
    async fn edit<T>(&self, edit: impl FnOnce(&mut Document) -> Result<T, McpError>) -> Result<T, McpError> {
        let _editing = self.inner.editing.lock().await;
        let mut document = self.document()?;
        let out = edit(&mut document)?;
        write_file(&self.inner.path, &document)?;
        let stopped = {
            let mut state = self.state();
            let stopped = self.apply(&mut state, &document);
            state.document = Some(document);
            stopped
        };
        self.announce();
        stop_all(stopped).await;
        Ok(out)
    }

    /// The file as last read, to edit; refused while it cannot be read, or once the app quits
    /// ([`McpManager::stop_all`]). Not read yet (the app starts its servers a moment after the
    /// window draws; Delete all data stops them all), it is read now: a person who adds a
    /// server at once must not be told the servers are stopped.
    fn document(&self) -> Result<Document, McpError> {
        let unread = {
            let state = self.state();
            match (&state.document, &state.file_error) {
                (Some(document), _) => return Ok(document.clone()),
                (None, Some(reason)) => return Err(McpError::FileUnreadable(reason.clone())),
                (None, None) if state.quit => return Err(McpError::Stopped),
                (None, None) => true,
            }
        };
        if unread {
            let stopped = self.load();
            if !stopped.is_empty() {
                tokio::spawn(stop_all(stopped));
            }
        }
        let state = self.state();
        match (&state.document, &state.file_error) {
            (Some(document), _) => Ok(document.clone()),
            (None, Some(reason)) => Err(McpError::FileUnreadable(reason.clone())),
            (None, None) => Err(McpError::Stopped),
        }
    }

    fn config_of(document: &Document, name: &str) -> Option<ServerConfig> {
        document.entry(name).map(|entry| ServerConfig::read(name, entry))
    }

    /// Adds a server (from the form, or a pasted snippet); its secret values go to the keyring
    /// first, so the file never names a secret that is not there. A local server's command line
    /// is `confirm`ed first: adding one is running a program.
    pub async fn add(&self, draft: ServerDraft, confirm: &dyn Confirm) -> Result<(), McpError> {
        let resolved = draft.resolve(None).map_err(McpError::Invalid)?;
        let name = resolved.config.name.clone();
        // Checked before the secrets are stored, so a refused add leaves none behind.
        if self.document()?.entry(&name).is_some() {
            return Err(McpError::ServerExists(name));
        }
        if let Launch::Stdio(stdio) = &resolved.config.launch {
            if !confirm.run_program(&name, &command_line(stdio)).await {
                return Err(McpError::NotConfirmed(name));
            }
        }
        secrets::store_all(&self.inner.vault, resolved.new_secrets).await?;
        self.edit(|document| {
            if document.entry(&name).is_some() {
                return Err(McpError::ServerExists(name.clone()));
            }
            resolved.config.write(document.entry_mut(&name));
            Ok(())
        })
        .await
    }

    /// Changes server `name` to what `draft` says (perhaps under a new name). Secrets the
    /// server no longer names are deleted from the keyring. A change to what a local server
    /// runs (its command, arguments, folder or environment, a secret's value included) is
    /// `confirm`ed first.
    pub async fn update(&self, name: &str, draft: ServerDraft, confirm: &dyn Confirm) -> Result<(), McpError> {
        let document = self.document()?;
        let old = Self::config_of(&document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
        let resolved = draft.resolve(Some(&old)).map_err(McpError::Invalid)?;
        let new_name = resolved.config.name.clone();
        // Checked before the secrets are stored: an edit keeps the server's references, so a
        // refused one must not have changed their values.
        if new_name != name && document.entry(&new_name).is_some() {
            return Err(McpError::ServerExists(new_name));
        }
        if let Launch::Stdio(stdio) = &resolved.config.launch {
            let same = matches!(&old.launch, Launch::Stdio(before) if before == stdio);
            if (!same || !resolved.new_secrets.is_empty())
                && !confirm.run_program(&new_name, &command_line(stdio)).await
            {
                return Err(McpError::NotConfirmed(new_name));
            }
        }
        secrets::store_all(&self.inner.vault, resolved.new_secrets).await?;
        self.edit(|document| {
            if new_name != name && document.entry(&new_name).is_some() {
                return Err(McpError::ServerExists(new_name.clone()));
            }
            document.rename(name, &new_name);
            resolved.config.write(document.entry_mut(&new_name));
            Ok(())
        })
        .await?;
        let kept: BTreeSet<SecretRef> = resolved.config.secrets().into_iter().map(|(_, s)| s).collect();
        let gone = old
            .secrets()
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| !kept.contains(s))
            .collect();
        secrets::delete_all(&self.inner.vault, gone).await?;
        Ok(())
    }

    /// Removes server `name`, stopping it, and deletes its secrets from the keyring.
    pub async fn remove(&self, name: &str) -> Result<(), McpError> {
        let old = self
            .edit(|document| {
                let old = Self::config_of(document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
                document.remove(name);
                Ok(old)
            })
            .await?;
        let gone = old.secrets().into_iter().map(|(_, s)| s).collect();
        secrets::delete_all(&self.inner.vault, gone).await?;
        Ok(())
    }

    /// Switches server `name` on or off.
    pub async fn set_enabled(&self, name: &str, enabled: bool) -> Result<(), McpError> {
        self.edit(|document| {
            let mut config = Self::config_of(document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
            config.disabled = !enabled;
            config.write(document.entry_mut(name));
            Ok(())
        })
        .await
    }

    /// Switches one of server `name`'s tools on or off (by the server's name for it).
    pub async fn set_tool_enabled(&self, name: &str, tool: &str, enabled: bool) -> Result<(), McpError> {
        self.edit(|document| {
            let mut config = Self::config_of(document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
            if enabled {
                config.disabled_tools.remove(tool);
            } else {
                config.disabled_tools.insert(tool.to_string());
            }
            config.write(document.entry_mut(name));
            Ok(())
        })
        .await
    }

    /// Lets one of server `name`'s tools (by the server's name for it) run without asking, or
    /// asks again from now on.
    pub async fn set_tool_always(&self, name: &str, tool: &str, always: bool) -> Result<(), McpError> {
        self.edit(|document| {
            let mut config = Self::config_of(document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
            if always {
                config.always_allowed.insert(tool.to_string());
            } else {
                config.always_allowed.remove(tool);
            }
            config.write(document.entry_mut(name));
            Ok(())
        })
        .await
    }

    /// The tools allowed always, by the names a request gives them.
    pub fn always_allowed(&self) -> HashSet<String> {
        let state = self.state();
        let names = names_of(&state);
        state
            .servers
            .iter()
            .flat_map(|(server, s)| {
                let names = &names;
                s.config
                    .always_allowed
                    .iter()
                    .filter_map(move |tool| names.name_of(&tool_ref(server, tool)).map(str::to_string))
            })
            .collect()
    }

    /// The server's edit form as it starts: see [`ServerConfig::draft`].
    pub fn draft(&self, name: &str) -> Result<ServerDraft, McpError> {
        let document = self.document()?;
        let config = Self::config_of(&document, name).ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
        config.draft().ok_or_else(|| {
            McpError::Invalid(format!(
                "The entry of {name} cannot be edited here; edit {} itself.",
                self.path().display()
            ))
        })
    }

    /// Starts a failed server again now (its backoff starts over).
    pub async fn retry(&self, name: &str) -> Result<(), McpError> {
        let _editing = self.inner.editing.lock().await;
        let stopped = {
            let mut state = self.state();
            let config = state
                .servers
                .get(name)
                .map(|s| s.config.clone())
                .ok_or_else(|| McpError::NoSuchServer(name.to_string()))?;
            let fresh = self.server_for(config);
            state.servers.insert(name.to_string(), fresh)
        };
        self.announce();
        stop_all(stopped.into_iter().collect()).await;
        Ok(())
    }

    /// Quit: stops every server and waits until their processes are gone. The manager then
    /// runs nothing and refuses edits.
    pub async fn stop_all(&self) {
        self.halt(true).await;
    }

    /// Stops every server and forgets the file; `quit`: for good (edits are refused after).
    async fn halt(&self, quit: bool) {
        let _editing = self.inner.editing.lock().await;
        let stopped: Vec<Server> = {
            let mut state = self.state();
            state.quit = quit;
            state.document = None;
            state.file_error = None;
            state.servers.drain(..).map(|(_, s)| s).collect()
        };
        self.announce();
        stop_all(stopped).await;
    }

    /// Delete all data: stops every server and deletes from the keyring every secret the file
    /// names (the file itself goes with the app's folders). The next edit reads the file anew.
    pub async fn forget_all(&self) -> Result<(), McpError> {
        let secrets: Vec<SecretRef> = match read_file(&self.inner.path) {
            Ok(document) => document
                .entries()
                .flat_map(|(name, entry)| ServerConfig::read(name, entry).secrets())
                .map(|(_, secret)| secret)
                .collect(),
            Err(_) => Vec::new(),
        };
        self.halt(false).await;
        secrets::delete_all(&self.inner.vault, secrets).await?;
        Ok(())
    }
}

async fn stop_all(servers: Vec<Server>) {
    futures_util::future::join_all(servers.into_iter().map(Server::stop)).await;
}

fn idle(status: Status, reason: Option<String>) -> Live {
    let mut live = Live::new(status);
    live.reason = reason;
    live
}

/// Whether two configs start the same server (they may differ in switched-off tools).
fn same_launch(a: &ServerConfig, b: &ServerConfig) -> bool {
    a.launch == b.launch && a.disabled == b.disabled && a.timeout_secs == b.timeout_secs
}

fn tool_ref(server: &str, tool: &str) -> ToolRef {
    ToolRef {
        server: server.to_string(),
        tool: tool.to_string(),
    }
}

/// The request names of every tool the ready servers have (switched off or not, so a name
/// does not change when another tool is switched).
fn names_of(state: &State) -> ToolNames {
    ToolNames::new(state.servers.iter().flat_map(|(name, server)| {
        let live = server.live.lock().unwrap_or_else(|p| p.into_inner());
        live.tools.iter().map(|t| tool_ref(name, &t.name)).collect::<Vec<_>>()
    }))
}

/// Reads `mcp.json`; a missing file is an empty one. Why it cannot be read is said in words
/// that name the file.
fn read_file(path: &Path) -> Result<Document, String> {
    match std::fs::read(path) {
        Ok(bytes) => Document::parse(&bytes).map_err(|e| {
            format!(
                "{} could not be read: {e}. It was left as it is; the app runs without its tools until it is fixed.",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Document::default()),
        Err(e) => Err(format!("{} could not be read: {e}.", path.display())),
    }
}

fn write_file(path: &Path, document: &Document) -> Result<(), McpError> {
    crate::settings::write_durably(path, &document.to_bytes()).map_err(|source| McpError::FileWrite {
        path: path.display().to_string(),
        reason: source.to_string(),
    })
}
