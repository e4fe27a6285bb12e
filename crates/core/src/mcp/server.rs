//! A server's life: started, listed, watched; restarted after a crash with backoff, left
//! `failed` after five failures in a row (failed starts, or crashes soon after it was ready);
//! stopped with its process group.
//!
//! Each enabled server has one task that owns its connection. What the rest of the app sees is
//! [`Live`], behind a lock, updated by that task; a change is announced on a watch channel.

use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use rmcp::model::Tool;
use rmcp::service::RoleClient;
use rmcp::Peer;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{Backoff, Next};
use super::config::ServerConfig;
use super::connection::{self, Connection, Failure};
use super::secrets;
use crate::vault::Vault;

/// How often a ready server is pinged. A remote server that went away is only noticed this
/// way: rmcp's HTTP client keeps its session open while requests to it fail.
const PING_EVERY: Duration = Duration::from_secs(10);

/// Where a server is in its life, as the Tools panel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Starting,
    Ready,
    Failed,
    Disabled,
}

/// A server as the app sees it right now.
#[derive(Debug, Clone)]
pub struct Live {
    pub status: Status,
    /// Why it failed, in words.
    pub reason: Option<String>,
    /// The end of what a local server wrote on stderr, kept when it failed.
    pub stderr: Option<String>,
    /// When it fails now, whether it will be started again by itself.
    pub retrying: bool,
    /// The protocol version agreed with it, while ready.
    pub protocol: Option<String>,
    /// Its tools, as it last listed them (empty unless ready).
    pub tools: Vec<Tool>,
    /// Where to send requests while it is ready.
    pub peer: Option<Peer<RoleClient>>,
}

impl Live {
    pub(crate) fn new(status: Status) -> Live {
        Live {
            status,
            reason: None,
            stderr: None,
            retrying: false,
            protocol: None,
            tools: Vec::new(),
            peer: None,
        }
    }
}

/// A running server's task and what it publishes.
pub struct Server {
    pub config: ServerConfig,
    pub live: Arc<Mutex<Live>>,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// A server that does not run (disabled, or its entry unusable), with its status.
    pub fn idle(config: ServerConfig, live: Live) -> Server {
        Server {
            config,
            live: Arc::new(Mutex::new(live)),
            stop: CancellationToken::new(),
            task: None,
        }
    }

    /// Starts `config`'s server on its own task. `changed` is told of every change.
    pub fn start(config: ServerConfig, vault: Vault, changed: watch::Sender<u64>) -> Server {
        let live = Arc::new(Mutex::new(Live::new(Status::Starting)));
        let stop = CancellationToken::new();
        let life = Life {
            config: config.clone(),
            vault,
            live: live.clone(),
            changed: changed.clone(),
            stop: stop.clone(),
        };
        // A bug in the life (a panic in the SDK, say) leaves the server failed, not starting
        // for ever.
        let shown = live.clone();
        let task = tokio::spawn(async move {
            if AssertUnwindSafe(life.run()).catch_unwind().await.is_err() {
                let mut live = shown.lock().unwrap_or_else(|p| p.into_inner());
                *live = Live::new(Status::Failed);
                live.reason = Some("the app's connection to it stopped on an internal error".into());
                drop(live);
                changed.send_modify(|n| *n = n.wrapping_add(1));
            }
        });
        Server {
            config,
            live,
            stop,
            task: Some(task),
        }
    }

    pub fn snapshot(&self) -> Live {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops the server and waits until its process group is gone.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A server dropped without `stop` (the app quitting) still ends: the task closes its
        // connection, and the process group's guard kills what is left.
        self.stop.cancel();
    }
}

struct Life {
    config: ServerConfig,
    vault: Vault,
    live: Arc<Mutex<Live>>,
    changed: watch::Sender<u64>,
    stop: CancellationToken,
}

impl Life {
    fn set(&self, change: impl FnOnce(&mut Live)) {
        change(&mut self.live.lock().unwrap_or_else(|p| p.into_inner()));
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn fail(&self, failure: Failure, retrying: bool) {
        self.set(|live| {
            *live = Live::new(Status::Failed);
            live.reason = Some(failure.reason);
            live.stderr = failure.stderr;
            live.retrying = retrying;
        });
    }

    /// Waits `wait`, or less when stopped; says whether to go on.
    async fn pause(&self, wait: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(wait) => true,
            _ = self.stop.cancelled() => false,
        }
    }

    async fn run(self) {
        let mut backoff = Backoff::default();
        while !self.stop.is_cancelled() {
            self.set(|live| {
                live.status = Status::Starting;
                live.peer = None;
                live.tools.clear();
            });
            let connection = tokio::select! {
                started = self.connect() => started,
                _ = self.stop.cancelled() => return,
            };
            let next = match connection {
                Err(failure) => {
                    let next = backoff.start_failed();
                    self.fail(failure, next != Next::GiveUp);
                    next
                }
                Ok(connection) => {
                    let ready_at = Instant::now();
                    match self.serve(connection).await {
                        None => return,
                        Some(failure) => {
                            let next = backoff.connection_ended(ready_at.elapsed());
                            self.fail(failure, next != Next::GiveUp);
                            next
                        }
                    }
                }
            };
            match next {
                Next::RetryIn(wait) => {
                    if !self.pause(wait).await {
                        return;
                    }
                }
                Next::GiveUp => {
                    tracing::info!(server = %self.config.name, "gave up after five failures in a row");
                    return;
                }
            }
        }
    }

    async fn connect(&self) -> Result<Connection, Failure> {
        let secrets = secrets::read_all(&self.vault, self.config.secrets())
            .await
            .map_err(|e| Failure {
                reason: e.to_string(),
                stderr: None,
            })?;
        let connection = connection::connect(&self.config, secrets).await?;
        match connection.list_tools().await {
            Ok(tools) => {
                self.set(|live| {
                    *live = Live::new(Status::Ready);
                    live.protocol = connection.protocol();
                    live.tools = tools;
                    live.peer = Some(connection.peer());
                });
                Ok(connection)
            }
            Err(reason) => {
                let stderr = connection.stderr();
                connection.close().await;
                Err(Failure { reason, stderr })
            }
        }
    }

    /// Keeps a ready connection until it ends (`Some`, why) or the server is stopped (`None`).
    async fn serve(&self, connection: Connection) -> Option<Failure> {
        let Connection {
            service,
            process,
            tools_changed,
        } = connection;
        let peer = service.peer().clone();
        let cancel = service.cancellation_token();
        let mut waiting = pin!(service.waiting());
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let quit = loop {
            tokio::select! {
                quit = &mut waiting => break quit,
                _ = ping.tick() => {
                    if let Some(reason) = connection::unreachable(&peer).await {
                        cancel.cancel();
                        let _ = tokio::time::timeout(Duration::from_secs(2), &mut waiting).await;
                        let mut failure = connection::ended(process, &reason).await;
                        failure.reason = format!("it stopped answering ({reason})");
                        return Some(failure);
                    }
                }
                _ = tools_changed.notified() => {
                    match connection::list_tools_of(&peer).await {
                        Ok(tools) => self.set(|live| live.tools = tools),
                        Err(reason) => tracing::warn!(server = %self.config.name, "{reason}"),
                    }
                }
                _ = self.stop.cancelled() => {
                    cancel.cancel();
                    let _ = tokio::time::timeout(Duration::from_secs(2), &mut waiting).await;
                    if let Some(process) = process {
                        process.stop().await;
                    }
                    self.set(|live| {
                        live.peer = None;
                    });
                    return None;
                }
            }
        };
        let quit = match quit {
            Ok(reason) => format!("{reason:?}").to_lowercase(),
            Err(e) => e.to_string(),
        };
        Some(connection::ended(process, &quit).await)
    }
}
