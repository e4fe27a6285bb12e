//! One-click Connect: the OAuth PKCE flow from "Connect" to a key in the keyring.
//!
//! A callback URL walks one way: shell (deep link or loopback) → [`Connector::handle_callback`]
//! → [`flow::Flows::accept`] → gateway (exchange, key check) → vault → a status event.

pub mod callback;
pub mod flow;
pub mod loopback;
pub mod pkce;

use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::gateway::{Gateway, GatewayError};
use crate::secret::ApiKey;
use crate::vault::{Item, Vault, VaultError};
pub use callback::CallbackTarget;
use flow::{Accepted, Flows, PendingFlow, Rejection, FLOW_LIFETIME};
use loopback::LoopbackListener;

/// Which callback transport Connect uses (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportChoice {
    /// The URL scheme when it is registered with the OS, else loopback.
    #[default]
    Auto,
    Scheme,
    Loopback,
}

/// What the UI shows about the connection. Never carries the key: only its masked tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Status {
    Disconnected,
    Connecting {
        authorize_url: String,
        browser_opened: bool,
        /// `scheme` or `loopback`.
        transport: &'static str,
    },
    Connected {
        masked_key: String,
        /// The keyring was unavailable and the person chose to keep the key in memory.
        session_only: bool,
    },
    Error {
        kind: String,
        message: String,
        /// A key is waiting and only the keyring failed: offer "keep for this session only".
        can_keep_for_session: bool,
    },
}

/// Something the person should read that does not change the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: String,
    pub message: String,
}

/// What the connector tells the shell.
#[derive(Debug, Clone)]
pub enum ConnectEvent {
    Status(Status),
    Notice(Notice),
}

/// Connect's failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Rejected(Rejection),
    #[error("Glama did not grant access ({0}). Click Connect to try again.")]
    Denied(String),
    #[error("Glama refused the sign-in code: {0}. Click Connect to try again.")]
    ExchangeRefused(String),
    #[error("{0}")]
    Gateway(GatewayError),
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("Could not open a local port for the sign-in callback: {0}")]
    Loopback(String),
    #[error("There is no key waiting to be kept; click Connect.")]
    NothingToKeep,
    #[error("The sign-in was cancelled or restarted before it finished.")]
    Superseded,
}

impl ConnectError {
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectError::Rejected(_) => "callback_rejected",
            ConnectError::Denied(_) => "access_denied",
            ConnectError::ExchangeRefused(_) => "exchange_refused",
            ConnectError::Gateway(e) => e.kind(),
            ConnectError::Vault(e) => e.kind(),
            ConnectError::Loopback(_) => "loopback_failed",
            ConnectError::NothingToKeep => "nothing_to_keep",
            ConnectError::Superseded => "superseded",
        }
    }
}

impl From<GatewayError> for ConnectError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::Refused { message, .. } => ConnectError::ExchangeRefused(message),
            other => ConnectError::Gateway(other),
        }
    }
}

type Notify = Arc<dyn Fn(ConnectEvent) + Send + Sync>;

/// The key (if any), the pending flow (if any), and the status the UI shows.
pub struct Connector {
    gateway: Gateway,
    vault: Vault,
    notify: Notify,
    me: Weak<Connector>,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    flows: Flows,
    status: Option<Status>,
    key: Option<ApiKey>,
    session_only: bool,
    /// Glama answered 401 to `key`: it stays until replaced or disconnected, but is not used.
    rejected: bool,
    /// A key Glama gave us that the keyring would not take.
    unsaved: Option<ApiKey>,
    loopback: Option<LoopbackListener>,
    /// Bumped on every Connect, so a stale expiry timer does nothing.
    generation: u64,
}

impl Inner {
    fn resting_status(&self) -> Status {
        match &self.key {
            Some(_) if self.rejected => Status::Error {
                kind: "key_rejected".into(),
                message: "Key rejected — reconnect".into(),
                can_keep_for_session: false,
            },
            Some(key) => Status::Connected {
                masked_key: key.masked(),
                session_only: self.session_only,
            },
            None => Status::Disconnected,
        }
    }
}

impl Connector {
    pub fn new(gateway: Gateway, vault: Vault, notify: impl Fn(ConnectEvent) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            gateway,
            vault,
            notify: Arc::new(notify),
            me: me.clone(),
            inner: Mutex::new(Inner::default()),
        })
    }

    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self) -> Status {
        let inner = self.lock();
        inner.status.clone().unwrap_or_else(|| inner.resting_status())
    }

    /// The key for a gateway call, if connected with one Glama has not rejected.
    pub fn key(&self) -> Option<ApiKey> {
        let inner = self.lock();
        inner.key.clone().filter(|_| !inner.rejected)
    }

    fn set_status(&self, inner: &mut Inner, status: Option<Status>) {
        inner.status = status;
        let shown = inner.status.clone().unwrap_or_else(|| inner.resting_status());
        (self.notify)(ConnectEvent::Status(shown));
    }

    fn notice(&self, kind: &str, message: impl Into<String>) {
        (self.notify)(ConnectEvent::Notice(Notice {
            kind: kind.into(),
            message: message.into(),
        }));
    }

    /// At launch: a stored key means Connected; a saved sign-in (from a run that was closed
    /// mid-flow) is restored so its callback can still finish it.
    pub async fn start(&self) -> Status {
        let vault = self.vault.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let key = vault.load_key();
            let flow = vault.get(Item::PendingSignIn).ok().flatten();
            (key, flow)
        })
        .await
        .expect("keyring task");
        let mut inner = self.lock();
        match loaded.0 {
            Ok(key) => inner.key = key,
            Err(e) => self.notice(e.kind(), e.to_string()),
        }
        if let Some(flow) = loaded.1.as_deref().and_then(PendingFlow::from_saved) {
            if !flow.expired(SystemTime::now()) && inner.flows.pending().is_none() {
                inner.flows.restore(flow);
            }
        }
        let status = inner.status.clone().unwrap_or_else(|| inner.resting_status());
        (self.notify)(ConnectEvent::Status(status.clone()));
        status
    }

    /// Checks a stored key in the background; only a 401 changes anything.
    pub async fn verify_stored_key(&self) {
        let Some(key) = self.key() else { return };
        if let Err(GatewayError::Unauthorized) = self.gateway.check_key(&key).await {
            self.key_rejected(&key);
        }
    }

    /// Starts (or restarts) a sign-in and returns the authorize URL to open in the browser.
    /// The callback comes back on `scheme` (a registered private-use URL scheme) when given,
    /// else on a loopback port opened for this flow.
    pub async fn connect(&self, scheme: Option<&str>) -> Result<String, ConnectError> {
        let use_scheme = scheme.map(str::to_string);
        let listener = match use_scheme {
            Some(_) => None,
            None => Some(self.bind_loopback().await?),
        };
        let (authorize_url, saved, generation) = {
            let mut inner = self.lock();
            let target = match (&use_scheme, &listener) {
                (Some(scheme), _) => CallbackTarget::Scheme { scheme: scheme.clone() },
                (None, Some(l)) => CallbackTarget::Loopback { port: l.port() },
                (None, None) => unreachable!("one transport is chosen"),
            };
            inner.loopback = listener;
            inner.unsaved = None;
            inner.generation += 1;
            let flow = inner.flows.begin(target, SystemTime::now());
            let url = self
                .gateway
                .authorize_url(&flow.callback_url(), &flow.pkce.challenge)
                .to_string();
            let saved = matches!(flow.target, CallbackTarget::Scheme { .. }).then(|| flow.to_saved());
            let status = Status::Connecting {
                authorize_url: url.clone(),
                browser_opened: true,
                transport: if use_scheme.is_some() { "scheme" } else { "loopback" },
            };
            let generation = inner.generation;
            self.set_status(&mut inner, Some(status));
            (url, saved, generation)
        };
        self.save_pending(saved).await;
        self.expire_later(generation);
        Ok(authorize_url)
    }

    /// The browser did not open: the UI shows the authorize URL with a Copy button instead.
    pub fn browser_failed(&self) {
        let mut inner = self.lock();
        if let Some(Status::Connecting {
            authorize_url,
            transport,
            ..
        }) = inner.status.clone()
        {
            self.set_status(
                &mut inner,
                Some(Status::Connecting {
                    authorize_url,
                    browser_opened: false,
                    transport,
                }),
            );
        }
    }

    /// Cancel: ends the pending flow and closes the loopback port.
    pub async fn cancel(&self) -> Status {
        {
            let mut inner = self.lock();
            inner.flows.cancel();
            inner.loopback = None;
            inner.generation += 1;
            if matches!(inner.status, Some(Status::Connecting { .. })) {
                self.set_status(&mut inner, None);
            }
        }
        self.save_pending(None).await;
        self.status()
    }

    /// A callback URL from any transport. Rejections are reported and leave everything as it was.
    pub async fn handle_callback(&self, url: &str) -> Result<(), ConnectError> {
        let (accepted, generation) = {
            let mut inner = self.lock();
            match inner.flows.accept(url, SystemTime::now()) {
                Ok(a) => {
                    inner.loopback = None;
                    (a, inner.generation)
                }
                Err(rejection) => {
                    if rejection == Rejection::Expired {
                        inner.loopback = None;
                        self.flow_ended(&mut inner, "expired", rejection.to_string());
                    } else if rejection.is_visible() {
                        self.notice("callback_rejected", rejection.to_string());
                    }
                    return Err(ConnectError::Rejected(rejection));
                }
            }
        };
        self.save_pending(None).await;
        let result = match accepted {
            Accepted::Denied { error, description } => Err(ConnectError::Denied(match description {
                Some(d) => format!("{error}: {d}"),
                None => error,
            })),
            Accepted::Code { code, verifier } => self.finish(code, verifier, generation).await,
        };
        if let Err(e) = &result {
            let mut inner = self.lock();
            if inner.generation != generation {
                // Cancel or a new Connect came meanwhile: the status is theirs now.
                return result;
            }
            if matches!(e, ConnectError::Vault(_)) && inner.unsaved.is_some() {
                // Only the keyring failed: offer to keep the key for this session.
                self.set_status(
                    &mut inner,
                    Some(Status::Error {
                        kind: e.kind().into(),
                        message: e.to_string(),
                        can_keep_for_session: true,
                    }),
                );
            } else {
                // A failed reconnect leaves a working connection as it was.
                self.flow_ended(&mut inner, e.kind(), e.to_string());
            }
        }
        result
    }

    async fn finish(
        &self,
        code: crate::secret::Secret,
        verifier: crate::secret::Secret,
        generation: u64,
    ) -> Result<(), ConnectError> {
        let key = self.gateway.exchange_code(&code, &verifier).await?;
        self.gateway.check_key(&key).await?;
        if self.lock().generation != generation {
            return Err(ConnectError::Superseded);
        }
        let vault = self.vault.clone();
        let stored_key = key.clone();
        let stored = tokio::task::spawn_blocking(move || vault.store_key(&stored_key))
            .await
            .expect("keyring task");
        let mut inner = self.lock();
        match stored {
            Ok(()) => {
                inner.key = Some(key);
                inner.rejected = false;
                inner.session_only = false;
                inner.unsaved = None;
                self.set_status(&mut inner, None);
                Ok(())
            }
            Err(e) => {
                inner.unsaved = Some(key);
                Err(e.into())
            }
        }
    }

    /// The keyring failed and the person chose to keep the key in memory until they quit.
    pub fn keep_for_session(&self) -> Result<Status, ConnectError> {
        let mut inner = self.lock();
        let key = inner.unsaved.take().ok_or(ConnectError::NothingToKeep)?;
        inner.key = Some(key);
        inner.rejected = false;
        inner.session_only = true;
        self.set_status(&mut inner, None);
        Ok(inner.resting_status())
    }

    /// Forgets the key: deletes the keyring entry, then the copy in memory.
    pub async fn disconnect(&self) -> Result<Status, ConnectError> {
        let vault = self.vault.clone();
        tokio::task::spawn_blocking(move || vault.delete(Item::ApiKey))
            .await
            .expect("keyring task")?;
        let mut inner = self.lock();
        inner.key = None;
        inner.rejected = false;
        inner.unsaved = None;
        inner.session_only = false;
        self.set_status(&mut inner, None);
        Ok(Status::Disconnected)
    }

    /// A call made with `refused` was answered 401. A late answer about a key that has since
    /// been replaced changes nothing; a sign-in in progress keeps its status until it ends.
    pub fn key_rejected(&self, refused: &ApiKey) {
        let mut inner = self.lock();
        if inner.key.as_ref() != Some(refused) {
            return;
        }
        inner.rejected = true;
        if !matches!(inner.status, Some(Status::Connecting { .. })) {
            self.set_status(&mut inner, None);
        }
    }

    /// A sign-in ended without a key: with a working key the connection stays and the person
    /// is told; without one, the status says what happened.
    fn flow_ended(&self, inner: &mut Inner, kind: &str, message: String) {
        if inner.key.is_some() && !inner.rejected {
            self.set_status(inner, None);
            self.notice(kind, message);
        } else {
            self.set_status(
                inner,
                Some(Status::Error {
                    kind: kind.into(),
                    message,
                    can_keep_for_session: false,
                }),
            );
        }
    }

    async fn bind_loopback(&self) -> Result<LoopbackListener, ConnectError> {
        let me = self.me.clone();
        let handler: loopback::CallbackHandler = Arc::new(move |url: String| {
            let me = me.clone();
            Box::pin(async move {
                let Some(connector) = me.upgrade() else {
                    return Err("Glama Chat is closing.".to_string());
                };
                connector.handle_callback(&url).await.map_err(|e| e.to_string())
            })
        });
        LoopbackListener::bind(handler)
            .await
            .map_err(|e| ConnectError::Loopback(e.to_string()))
    }

    /// Keeps (or clears) the pending sign-in in the keyring. Best effort: without a keyring,
    /// only the cold-start case is lost, and the flow in memory still works.
    async fn save_pending(&self, saved: Option<String>) {
        let vault = self.vault.clone();
        let _ = tokio::task::spawn_blocking(move || match saved {
            Some(text) => vault.set(Item::PendingSignIn, &text),
            None => vault.delete(Item::PendingSignIn),
        })
        .await;
    }

    fn expire_later(&self, generation: u64) {
        let me = self.me.clone();
        tokio::spawn(async move {
            tokio::time::sleep(FLOW_LIFETIME).await;
            let Some(connector) = me.upgrade() else { return };
            let mut inner = connector.lock();
            if inner.generation != generation {
                return;
            }
            if inner
                .flows
                .expire(SystemTime::now() + std::time::Duration::from_secs(1))
            {
                inner.loopback = None;
                connector.flow_ended(
                    &mut inner,
                    "expired",
                    "The sign-in was not completed within 10 minutes. Click Connect to try again.".into(),
                );
            }
        });
    }
}
