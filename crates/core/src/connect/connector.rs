//! The connector: the key (if any), the pending sign-in (if any), and the status the UI shows.
//!
//! The state is two explicit enums, [`Link`] (the key) and [`Attempt`] (a sign-in shown over
//! it); the status is derived from them in one place ([`Inner::status`]). Every change goes
//! through [`Connector::update`], which releases the lock before telling the window, and tells
//! it in order (a second lock serializes publishing, so a stale status never lands last).

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::SystemTime;

use super::flow::{Accepted, Flows, PendingFlow, Rejection, FLOW_LIFETIME};
use super::loopback::{self, LoopbackListener};
use super::{CallbackTarget, ConnectError, ConnectEvent, Status};
use crate::error_code::{ErrorCode, Notice};
use crate::gateway::{Gateway, GatewayError};
use crate::secret::{ApiKey, Secret};
use crate::vault::{Item, Vault, VaultError};

type Notify = Arc<dyn Fn(ConnectEvent) + Send + Sync>;

/// The key.
#[derive(Debug, Clone, Default)]
enum Link {
    #[default]
    None,
    /// A key Glama accepts, as far as we know. `session_only`: kept in memory because the
    /// keyring failed and the person chose so.
    Key { key: ApiKey, session_only: bool },
    /// Glama answered 401 to the key: the connection shows as rejected until a new key
    /// replaces it or the person disconnects; the key is not used again.
    Rejected,
}

/// A sign-in, shown over the link while it runs or after it failed.
#[derive(Debug, Clone, Default)]
enum Attempt {
    #[default]
    Idle,
    Connecting {
        authorize_url: String,
        browser_opened: bool,
        transport: &'static str,
    },
    Failed {
        kind: ErrorCode,
        message: String,
        can_keep_for_session: bool,
    },
}

#[derive(Default)]
struct Inner {
    link: Link,
    attempt: Attempt,
    flows: Flows,
    /// A key Glama gave us that the keyring would not take.
    unsaved: Option<ApiKey>,
    loopback: Option<LoopbackListener>,
    /// Bumped on every Connect and Cancel, so a stale timer or exchange changes nothing.
    generation: u64,
    /// Notices raised by a change, told once the lock is released.
    notices: Vec<Notice>,
}

impl Inner {
    /// The one place the status is made.
    fn status(&self) -> Status {
        match &self.attempt {
            Attempt::Connecting {
                authorize_url,
                browser_opened,
                transport,
            } => Status::Connecting {
                authorize_url: authorize_url.clone(),
                browser_opened: *browser_opened,
                transport,
            },
            Attempt::Failed {
                kind,
                message,
                can_keep_for_session,
            } => Status::Error {
                kind: *kind,
                message: message.clone(),
                can_keep_for_session: *can_keep_for_session,
            },
            Attempt::Idle => match &self.link {
                Link::None => Status::Disconnected,
                Link::Key { key, session_only } => Status::Connected {
                    masked_key: key.masked(),
                    session_only: *session_only,
                },
                Link::Rejected => Status::Error {
                    kind: ErrorCode::KeyRejected,
                    message: "Key rejected — reconnect".into(),
                    can_keep_for_session: false,
                },
            },
        }
    }

    fn notice(&mut self, kind: ErrorCode, message: impl Into<String>) {
        self.notices.push(Notice::new(kind, message));
    }

    /// A new key is in use (replacing any other, rejected or not).
    fn connected(&mut self, key: ApiKey, session_only: bool) {
        self.link = Link::Key { key, session_only };
        self.unsaved = None;
        self.attempt = Attempt::Idle;
    }

    /// A sign-in ended without a key: with a working key the connection stays and the person
    /// is told; without one, the status says what happened.
    fn flow_ended(&mut self, kind: ErrorCode, message: String) {
        if matches!(self.link, Link::Key { .. }) {
            self.attempt = Attempt::Idle;
            self.notice(kind, message);
        } else {
            self.attempt = Attempt::Failed {
                kind,
                message,
                can_keep_for_session: false,
            };
        }
    }
}

/// What the keyring held at launch, read before it is applied (see [`Connector::start`]).
pub struct StoredAtStart {
    key: Result<Option<ApiKey>, VaultError>,
    flow: Option<String>,
}

/// The key (if any), the pending flow (if any), and the status the UI shows.
pub struct Connector {
    gateway: Gateway,
    vault: Vault,
    notify: Notify,
    me: Weak<Connector>,
    inner: Mutex<Inner>,
    /// Held while telling the window; holds the last status told (to skip repeats).
    published: Mutex<Option<Status>>,
    /// Held across each write of the key's keyring entry and what follows from it, so the
    /// entry changes in the order the key does in memory (a write can wait on an unlock
    /// prompt for as long as the person takes).
    key_writes: tokio::sync::Mutex<()>,
}

impl Connector {
    pub fn new(gateway: Gateway, vault: Vault, notify: impl Fn(ConnectEvent) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            gateway,
            vault,
            notify: Arc::new(notify),
            me: me.clone(),
            inner: Mutex::new(Inner::default()),
            published: Mutex::new(None),
            key_writes: tokio::sync::Mutex::new(()),
        })
    }

    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `change` under the lock, then (lock released) tells the window its notices and
    /// the status if it changed.
    fn update<R>(&self, change: impl FnOnce(&mut Inner) -> R) -> R {
        let (result, notices) = {
            let mut inner = self.lock();
            let result = change(&mut inner);
            (result, std::mem::take(&mut inner.notices))
        };
        self.publish(notices, false);
        result
    }

    fn publish(&self, notices: Vec<Notice>, always: bool) {
        let mut published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        for notice in notices {
            (self.notify)(ConnectEvent::Notice(notice));
        }
        let status = self.status();
        if always || published.as_ref() != Some(&status) {
            *published = Some(status.clone());
            (self.notify)(ConnectEvent::Status(status));
        }
    }

    pub fn status(&self) -> Status {
        self.lock().status()
    }

    /// The key for a gateway call, if connected with one Glama has not rejected.
    pub fn key(&self) -> Option<ApiKey> {
        match &self.lock().link {
            Link::Key { key, .. } => Some(key.clone()),
            _ => None,
        }
    }

    /// At launch: a stored key means Connected; a saved sign-in (from a run that was closed
    /// mid-flow) is restored so its callback can still finish it.
    pub async fn start(&self) -> Status {
        let stored = self.read_stored().await;
        self.apply_stored(stored)
    }

    /// The keyring's contents at launch (blocking calls, off the runtime).
    pub async fn read_stored(&self) -> StoredAtStart {
        let vault = self.vault.clone();
        tokio::task::spawn_blocking(move || StoredAtStart {
            key: vault.load_key(),
            flow: vault.get(Item::PendingSignIn).ok().flatten(),
        })
        .await
        .unwrap_or_else(|e| StoredAtStart {
            key: Err(VaultError::Failed(e.to_string())),
            flow: None,
        })
    }

    /// Applies what the keyring held, *under* anything that happened since it was read: a
    /// sign-in that finished first keeps its key, and a flow started meanwhile keeps its place.
    pub fn apply_stored(&self, stored: StoredAtStart) -> Status {
        let status = {
            let mut inner = self.lock();
            match stored.key {
                Ok(Some(key)) if matches!(inner.link, Link::None) => {
                    inner.link = Link::Key {
                        key,
                        session_only: false,
                    }
                }
                Ok(_) => {}
                Err(e) => inner.notice(e.kind(), e.to_string()),
            }
            if let Some(flow) = stored.flow.as_deref().and_then(PendingFlow::from_saved) {
                if !flow.expired(SystemTime::now()) && inner.flows.pending().is_none() {
                    inner.flows.restore(flow);
                }
            }
            (inner.status(), std::mem::take(&mut inner.notices))
        };
        self.publish(status.1, true);
        status.0
    }

    /// Checks a stored key in the background; only a 401 changes anything.
    pub async fn verify_stored_key(&self) {
        let Some(key) = self.key() else { return };
        if let Err(e) = self.gateway.check_key(&key).await {
            self.call_failed(&key, &e);
        }
    }

    /// Starts (or restarts) a sign-in and returns the authorize URL to open in the browser.
    /// The callback comes back on `scheme` (a registered private-use URL scheme) when given,
    /// else on a loopback port opened for this flow.
    pub async fn connect(&self, scheme: Option<&str>) -> Result<String, ConnectError> {
        let (target, listener) = match scheme {
            Some(scheme) => (
                CallbackTarget::Scheme {
                    scheme: scheme.to_string(),
                },
                None,
            ),
            None => {
                let listener = self.bind_loopback().await?;
                (CallbackTarget::Loopback { port: listener.port() }, Some(listener))
            }
        };
        let (authorize_url, saved, generation) = self.update(|inner| {
            inner.loopback = listener;
            inner.unsaved = None;
            inner.generation += 1;
            let flow = inner.flows.begin(target, SystemTime::now());
            let url = self
                .gateway
                .authorize_url(&flow.callback_url(), &flow.pkce.challenge)
                .to_string();
            let scheme = matches!(flow.target, CallbackTarget::Scheme { .. });
            let saved = scheme.then(|| flow.to_saved());
            inner.attempt = Attempt::Connecting {
                authorize_url: url.clone(),
                browser_opened: true,
                transport: if scheme { "scheme" } else { "loopback" },
            };
            (url, saved, inner.generation)
        });
        self.save_pending(saved).await;
        self.expire_later(generation);
        Ok(authorize_url)
    }

    /// The browser did not open: the UI shows the authorize URL with a Copy button instead.
    pub fn browser_failed(&self) {
        self.update(|inner| {
            if let Attempt::Connecting { browser_opened, .. } = &mut inner.attempt {
                *browser_opened = false;
            }
        });
    }

    /// Cancel: ends the pending flow and closes the loopback port.
    pub async fn cancel(&self) -> Status {
        self.update(|inner| {
            inner.flows.cancel();
            inner.loopback = None;
            inner.generation += 1;
            if matches!(inner.attempt, Attempt::Connecting { .. }) {
                inner.attempt = Attempt::Idle;
            }
        });
        self.save_pending(None).await;
        self.status()
    }

    /// A callback URL from any transport. Rejections are reported and leave everything as it was.
    pub async fn handle_callback(&self, url: &str) -> Result<(), ConnectError> {
        let (accepted, generation) = self.update(|inner| match inner.flows.accept(url, SystemTime::now()) {
            Ok(accepted) => {
                inner.loopback = None;
                Ok((accepted, inner.generation))
            }
            Err(rejection) => {
                if rejection == Rejection::Expired {
                    inner.loopback = None;
                    inner.flow_ended(ErrorCode::Expired, rejection.to_string());
                } else if rejection.is_visible() {
                    inner.notice(ErrorCode::CallbackRejected, rejection.to_string());
                }
                tracing::info!(%rejection, "a sign-in callback was refused");
                Err(ConnectError::Rejected(rejection))
            }
        })?;
        self.save_pending(None).await;
        let result = match accepted {
            Accepted::Denied { error, description } => Err(ConnectError::Denied(match description {
                Some(d) => format!("{error}: {d}"),
                None => error,
            })),
            Accepted::Code { code, verifier } => self.finish(code, verifier, generation).await,
        };
        match &result {
            Ok(()) => tracing::info!("signed in"),
            Err(e) => tracing::warn!(kind = %e.kind(), "a sign-in did not finish"),
        }
        if let Err(e) = &result {
            self.update(|inner| {
                if inner.generation != generation {
                    // Cancel or a new Connect came meanwhile: the status is theirs now.
                    return;
                }
                if matches!(e, ConnectError::Vault(_)) && inner.unsaved.is_some() {
                    // Only the keyring failed: offer to keep the key for this session.
                    inner.attempt = Attempt::Failed {
                        kind: e.kind(),
                        message: e.to_string(),
                        can_keep_for_session: true,
                    };
                } else {
                    // A failed reconnect leaves a working connection as it was.
                    inner.flow_ended(e.kind(), e.to_string());
                }
            });
        }
        result
    }

    /// Exchanges the code, checks the key, stores it. Only a 401 on the check means the key is
    /// bad; a check that could not be made (timeout, 5xx, unreachable) keeps the key and says so.
    ///
    /// The flow's generation is checked before the keyring write and again once it is done:
    /// the write can wait on an unlock prompt, and a Cancel, a Delete all data or a new Connect
    /// meanwhile wins. The key written for the ended flow is then taken back out of the
    /// keyring (the entry is made to hold what memory holds: the key in use, or none).
    async fn finish(&self, code: Secret, verifier: Secret, generation: u64) -> Result<(), ConnectError> {
        let key = self.gateway.exchange_code(&code, &verifier).await?;
        let unchecked = match self.gateway.check_key(&key).await {
            Ok(()) => None,
            Err(GatewayError::Unauthorized) => return Err(GatewayError::Unauthorized.into()),
            Err(e) => Some(e),
        };
        let _writing = self.key_writes.lock().await;
        if self.lock().generation != generation {
            return Err(ConnectError::Superseded);
        }
        let stored_key = key.clone();
        let stored = self.in_keyring(move |vault| vault.store_key(&stored_key)).await;
        let applied = self.update(|inner| {
            if inner.generation != generation {
                return Err(match &inner.link {
                    Link::Key {
                        key,
                        session_only: false,
                    } => Some(key.clone()),
                    _ => None,
                });
            }
            if let Some(e) = &unchecked {
                inner.notice(
                    ErrorCode::KeyUnchecked,
                    format!(
                        "Connected. Glama could not confirm the new key just now ({e}); it is kept \
                         and will be checked again when it is used."
                    ),
                );
            }
            Ok(match stored {
                Ok(()) => {
                    inner.connected(key, false);
                    Ok(())
                }
                Err(ref e) => {
                    inner.unsaved = Some(key);
                    Err(e.clone().into())
                }
            })
        });
        match applied {
            Ok(result) => result,
            Err(in_use) => {
                if stored.is_ok() {
                    tracing::info!("a sign-in ended while its key was written; the keyring is put back");
                    let put_back = self
                        .in_keyring(move |vault| match in_use {
                            Some(key) => vault.store_key(&key),
                            None => vault.delete(Item::ApiKey),
                        })
                        .await;
                    if let Err(e) = put_back {
                        tracing::warn!(error = %e, "the keyring kept the key of a sign-in that ended");
                    }
                }
                Err(ConnectError::Superseded)
            }
        }
    }

    /// Runs a keyring call off the async runtime (the calls block, on D-Bus and on prompts).
    async fn in_keyring<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Vault) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let vault = self.vault.clone();
        tokio::task::spawn_blocking(move || call(&vault))
            .await
            .unwrap_or_else(|e| Err(VaultError::Failed(e.to_string())))
    }

    /// The keyring failed and the person chose to keep the key in memory until they quit.
    pub fn keep_for_session(&self) -> Result<Status, ConnectError> {
        self.update(|inner| {
            let key = inner.unsaved.take().ok_or(ConnectError::NothingToKeep)?;
            inner.connected(key, true);
            Ok(inner.status())
        })
    }

    /// Forgets the key: the copy in memory first (so a keyring that fails, or that never held
    /// it, as in "this session only", cannot keep it alive), then the keyring entry.
    pub async fn disconnect(&self) -> Result<Status, ConnectError> {
        let session_only = self.update(|inner| {
            let session_only = matches!(inner.link, Link::Key { session_only: true, .. });
            inner.link = Link::None;
            inner.unsaved = None;
            if !matches!(inner.attempt, Attempt::Connecting { .. }) {
                inner.attempt = Attempt::Idle;
            }
            session_only
        });
        // After a sign-in's write in progress, never under it (see `finish`).
        let _writing = self.key_writes.lock().await;
        let deleted = self.in_keyring(|vault| vault.delete(Item::ApiKey)).await;
        match deleted {
            // Nothing was ever written to a keyring that failed.
            Err(_) if session_only => Ok(self.status()),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(self.status()),
        }
    }

    /// Delete all data, the keyring's part: ends a sign-in in progress (its saved entry
    /// deleted), then forgets the key. A sign-in finishing meanwhile cannot bring the key back.
    pub async fn forget_all(&self) -> Result<Status, ConnectError> {
        self.cancel().await;
        self.disconnect().await
    }

    /// Glama answered `error` to a call made with `used`. A 401 means that key is rejected: the
    /// one place this rule lives, for every call made with the key (models, answers, the check
    /// at launch). Any other failure says nothing about the key.
    pub fn call_failed(&self, used: &ApiKey, error: &GatewayError) {
        if matches!(error, GatewayError::Unauthorized) {
            tracing::warn!("Glama answered 401: the key in use is rejected");
            self.key_rejected(used);
        }
    }

    /// A call made with `refused` was answered 401. A late answer about a key that has since
    /// been replaced changes nothing; a sign-in in progress keeps its status until it ends.
    pub fn key_rejected(&self, refused: &ApiKey) {
        self.update(|inner| {
            if matches!(&inner.link, Link::Key { key, .. } if key == refused) {
                inner.link = Link::Rejected;
            }
        });
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
        let kept = self
            .in_keyring(move |vault| match saved {
                Some(text) => vault.set(Item::PendingSignIn, &text),
                None => vault.delete(Item::PendingSignIn),
            })
            .await;
        if let Err(e) = kept {
            tracing::warn!(error = %e, "the keyring did not keep the pending sign-in");
        }
    }

    fn expire_later(&self, generation: u64) {
        let me = self.me.clone();
        tokio::spawn(async move {
            tokio::time::sleep(FLOW_LIFETIME).await;
            let Some(connector) = me.upgrade() else { return };
            connector.update(|inner| {
                if inner.generation != generation {
                    return;
                }
                if inner
                    .flows
                    .expire(SystemTime::now() + std::time::Duration::from_secs(1))
                {
                    inner.loopback = None;
                    inner.flow_ended(
                        ErrorCode::Expired,
                        "The sign-in was not completed within 10 minutes. Click Connect to try again.".into(),
                    );
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::Timeouts;

    /// The window is told after the lock is released: a listener that reads the status while
    /// it is told (as a window's handler may) must not deadlock. Before, `notify` ran under
    /// the lock and this hung.
    #[test]
    fn a_listener_may_read_the_connector() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let gateway = Gateway::new("http://127.0.0.1:9".parse().unwrap(), "0", Timeouts::default());
            let slot: Arc<Mutex<Weak<Connector>>> = Arc::new(Mutex::new(Weak::new()));
            let reader = slot.clone();
            let seen = Arc::new(Mutex::new(Vec::new()));
            let sink = seen.clone();
            let connector = Connector::new(gateway, Vault::new("ai.glama.chat.test", "unused"), move |e| {
                if let Some(c) = reader.lock().unwrap().upgrade() {
                    sink.lock().unwrap().push((format!("{e:?}"), c.status()));
                }
            });
            *slot.lock().unwrap() = Arc::downgrade(&connector);
            connector.apply_stored(StoredAtStart {
                key: Ok(Some(ApiKey::new("glama_key_0001"))),
                flow: None,
            });
            let key = connector.key().unwrap();
            connector.key_rejected(&key);
            let _ = tx.send(seen.lock().unwrap().len());
        });
        let told = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the connector deadlocked while telling a listener");
        assert_eq!(told, 2, "connected, then rejected");
    }

    #[test]
    fn status_is_derived_from_link_and_attempt() {
        let mut inner = Inner::default();
        assert_eq!(inner.status(), Status::Disconnected);
        inner.connected(ApiKey::new("glama_key_abcd"), true);
        assert!(matches!(inner.status(), Status::Connected { session_only: true, .. }));
        inner.flow_ended(ErrorCode::Expired, "late".into());
        assert!(
            matches!(inner.status(), Status::Connected { .. }),
            "a failed reconnect keeps the key"
        );
        assert_eq!(inner.notices.len(), 1);
        inner.link = Link::None;
        inner.flow_ended(ErrorCode::Expired, "late".into());
        assert!(matches!(
            inner.status(),
            Status::Error {
                kind: ErrorCode::Expired,
                ..
            }
        ));
    }
}
