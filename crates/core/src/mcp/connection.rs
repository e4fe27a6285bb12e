//! One connection to a server: started (a process, or an address), initialized through rmcp
//! (which negotiates the protocol version: today's and the earlier ones), its tools listed
//! page by page, and its end told in words.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    ClientCapabilities, ClientConfig, ClientRequest, Implementation, PaginatedRequestParams, PingRequest,
    ProtocolVersion, Tool,
};
use rmcp::service::{ClientInitializeError, NotificationContext, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, Peer, ServiceError};
use tokio::sync::Notify;

use super::config::{FieldValue, Launch, ServerConfig};
use super::stdio::{self, StdioProcess};

/// How long a server has to answer `initialize`. A first `npx -y` may download for longer;
/// the restart that follows finds the package in npm's cache.
pub const START_TIMEOUT: Duration = Duration::from_secs(25);
/// How long listing the tools may take, all pages together.
const LIST_TIMEOUT: Duration = Duration::from_secs(20);
const PING_TIMEOUT: Duration = Duration::from_secs(10);
/// A server that pages forever is not listed forever.
const MAX_PAGES: usize = 100;

/// Our side of a connection: it hears that the server's tools changed.
#[derive(Clone)]
pub struct Client {
    tools_changed: Arc<Notify>,
}

impl ClientHandler for Client {
    fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) -> impl Future<Output = ()> + Send + '_ {
        self.tools_changed.notify_one();
        std::future::ready(())
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("glama-chat", env!("CARGO_PKG_VERSION")).with_title("Glama Chat"),
        )
    }
}

/// A server, initialized.
pub struct Connection {
    pub service: RunningService<RoleClient, Client>,
    /// The local server's process (`None` for a remote one).
    pub process: Option<StdioProcess>,
    /// Notified when the server says its tools changed.
    pub tools_changed: Arc<Notify>,
}

/// Why a server could not be started or stopped working, in words, with its stderr's tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub stderr: Option<String>,
}

impl Failure {
    fn new(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            stderr: None,
        }
    }
}

/// Connects to `config`'s server. `secrets` are the values of its keyring references, in the
/// order [`ServerConfig::secrets`] lists them.
pub async fn connect(config: &ServerConfig, secrets: Vec<String>) -> Result<Connection, Failure> {
    let connection = start(config, secrets).await?;
    // rmcp takes whatever version a server answers with; one it does not know (a server from
    // the future, or a broken one) would fail on its first request in obscure words.
    match connection.protocol() {
        Some(version) if !known_version(&version) => {
            let stderr = connection.stderr();
            connection.close().await;
            Err(Failure {
                reason: format!(
                    "it speaks MCP version {version}, which this app does not know (it speaks {} and earlier)",
                    ProtocolVersion::LATEST_WITH_INITIALIZE
                ),
                stderr,
            })
        }
        _ => Ok(connection),
    }
}

/// The versions an `initialize` handshake can agree on.
fn known_version(version: &str) -> bool {
    ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .any(|known| known.as_str() == version && known.has_initialize())
}

async fn start(config: &ServerConfig, secrets: Vec<String>) -> Result<Connection, Failure> {
    let tools_changed = Arc::new(Notify::new());
    let client = Client {
        tools_changed: tools_changed.clone(),
    };
    let names: Vec<String> = config.secrets().into_iter().map(|(field, _)| field).collect();
    let secret_values: Vec<(String, String)> = names.into_iter().zip(secrets).collect();
    match &config.launch {
        Launch::Stdio(stdio) => {
            let (mut process, transport) =
                stdio::spawn(stdio, secret_values).map_err(|e| Failure::new(e.to_string()))?;
            let started = tokio::time::timeout(START_TIMEOUT, rmcp::service::serve_client(client, transport)).await;
            match started {
                Ok(Ok(service)) => Ok(Connection {
                    service,
                    process: Some(process),
                    tools_changed,
                }),
                Ok(Err(error)) => {
                    let reason = process_failure(&mut process)
                        .await
                        .unwrap_or_else(|| format!("it did not start as an MCP server ({})", init_words(&error)));
                    Err(stopped(process, reason).await)
                }
                Err(_) => {
                    let reason = match process_failure(&mut process).await {
                        Some(reason) => reason,
                        None => format!(
                            "it did not answer the MCP handshake within {} seconds",
                            START_TIMEOUT.as_secs()
                        ),
                    };
                    Err(stopped(process, reason).await)
                }
            }
        }
        Launch::Http(http) => {
            let mut headers = HashMap::new();
            let values = http.headers.iter().filter_map(|f| match &f.value {
                FieldValue::Plain(v) => Some((f.name.clone(), v.clone())),
                FieldValue::Secret(_) => None,
            });
            for (name, value) in values.chain(secret_values) {
                let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Failure::new(format!("\"{name}\" is not a header name")))?;
                let value = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                    Failure::new(format!(
                        "the value of the header {name} holds characters a header cannot"
                    ))
                })?;
                headers.insert(name, value);
            }
            install_tls_provider();
            let transport = StreamableHttpClientTransport::from_config(
                StreamableHttpClientTransportConfig::with_uri(http.url.as_str()).custom_headers(headers),
            );
            match tokio::time::timeout(START_TIMEOUT, rmcp::service::serve_client(client, transport)).await {
                Ok(Ok(service)) => Ok(Connection {
                    service,
                    process: None,
                    tools_changed,
                }),
                Ok(Err(error)) => Err(Failure::new(format!(
                    "{} did not start an MCP session ({})",
                    http.url,
                    init_words(&error)
                ))),
                Err(_) => Err(Failure::new(format!(
                    "{} did not answer the MCP handshake within {} seconds",
                    http.url,
                    START_TIMEOUT.as_secs()
                ))),
            }
        }
        Launch::Unusable(reason) => Err(Failure::new(format!("its entry cannot be used: {reason}"))),
    }
}

/// The innermost cause of an error: rmcp's outer words name its own types ("Send message error
/// Transport [rmcp::transport::worker::…]"); the last source says what happened ("Connection
/// refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut words = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        words = inner.to_string();
        source = inner.source();
    }
    words
}

/// Why `initialize` failed: a transport's error lies in a field rmcp does not give as the
/// source, so it is unwrapped here.
fn init_words(error: &ClientInitializeError) -> String {
    match error {
        ClientInitializeError::TransportError { error, .. } => root_cause(error),
        other => root_cause(other),
    }
}

/// rmcp's HTTP client (reqwest 0.13, built without a TLS provider) takes the process's default
/// rustls provider: ring, the one our own reqwest uses. Installing it twice is harmless.
fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What a local server's process did that explains a failure, if anything: garbage on stdout,
/// or its exit.
async fn process_failure(process: &mut StdioProcess) -> Option<String> {
    let fault = process.stdout_fault.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match fault {
        Some(fault) => Some(fault),
        None => process.exit_soon().await,
    }
}

async fn stopped(process: StdioProcess, reason: String) -> Failure {
    let stderr = process.stderr.text();
    process.stop().await;
    Failure { reason, stderr }
}

impl Connection {
    /// A handle to send requests with, which outlives nothing: once the connection ends, its
    /// requests fail.
    pub fn peer(&self) -> Peer<RoleClient> {
        self.service.peer().clone()
    }

    /// Every tool the server has, page after page.
    pub async fn list_tools(&self) -> Result<Vec<Tool>, String> {
        list_tools_of(&self.peer()).await
    }

    /// Closes the session and stops the process with everything it started.
    pub async fn close(mut self) {
        let _ = self.service.close_with_timeout(Duration::from_secs(2)).await;
        if let Some(process) = self.process.take() {
            process.stop().await;
        }
    }

    /// The protocol version the server and rmcp agreed on.
    pub fn protocol(&self) -> Option<String> {
        self.service
            .peer()
            .peer_info()
            .map(|info| info.protocol_version.to_string())
    }

    /// The stderr tail of a local server.
    pub fn stderr(&self) -> Option<String> {
        self.process.as_ref().and_then(|p| p.stderr.text())
    }
}

/// Why a connection ended, once it has, in words, with the stderr tail; the process is stopped.
/// `quit` is rmcp's word for the end, used when the process says nothing better.
pub async fn ended(process: Option<StdioProcess>, quit: &str) -> Failure {
    let Some(mut process) = process else {
        return Failure::new(format!("the connection ended ({quit})"));
    };
    let reason = process_failure(&mut process)
        .await
        .unwrap_or_else(|| format!("the connection ended ({quit})"));
    stopped(process, reason).await
}

/// Why a ready server cannot be reached any more, by a ping; `None` while it can. A ping that
/// goes unanswered for a while is not counted: a busy server may be slow to answer it.
pub async fn unreachable(peer: &Peer<RoleClient>) -> Option<String> {
    let ping = peer.send_request(ClientRequest::PingRequest(PingRequest::default()));
    match tokio::time::timeout(PING_TIMEOUT, ping).await {
        Ok(Err(error @ (ServiceError::TransportClosed | ServiceError::TransportSend(_)))) => Some(root_cause(&error)),
        _ => None,
    }
}

/// Every tool a server has, page after page.
pub async fn list_tools_of(peer: &Peer<RoleClient>) -> Result<Vec<Tool>, String> {
    let all = async {
        let mut tools = Vec::new();
        let mut cursor = None;
        for _ in 0..MAX_PAGES {
            let params = cursor
                .take()
                .map(|c| PaginatedRequestParams::default().with_cursor(Some(c)));
            let page = peer
                .list_tools(params)
                .await
                .map_err(|e| format!("listing its tools failed ({e})"))?;
            tools.extend(page.tools);
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(tools),
            }
        }
        Err(format!("it listed more than {MAX_PAGES} pages of tools"))
    };
    tokio::time::timeout(LIST_TIMEOUT, all).await.unwrap_or_else(|_| {
        Err(format!(
            "it did not list its tools within {} seconds",
            LIST_TIMEOUT.as_secs()
        ))
    })
}
