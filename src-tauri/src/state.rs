//! The app's state: the connector (key and sign-in), the chats, the settings.

use std::sync::Arc;

use glama_core::chat::{AnswerPolicy, Chats};
use glama_core::config::gateway_base_from_env;
use glama_core::connect::{ConnectEvent, Connector};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::settings::SettingsFile;
use glama_core::vault::Vault;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::watch;

/// Event names the window listens to.
pub const STATUS_EVENT: &str = "connection";
pub const NOTICE_EVENT: &str = "notice";

pub struct AppState {
    pub connector: Arc<Connector>,
    pub chats: Chats,
    pub settings: SettingsFile,
    /// Becomes `true` once the stored key and any saved sign-in are loaded; callbacks wait for it.
    pub ready: watch::Receiver<bool>,
}

impl AppState {
    pub fn new(app: &AppHandle) -> Result<Self, Box<dyn std::error::Error>> {
        let base = gateway_base_from_env().map_err(|e| format!("GLAMA_GATEWAY_URL is not a URL: {e}"))?;
        let version = app.package_info().version.to_string();
        let gateway = Gateway::new(base.clone(), &version, Timeouts::default());
        // Keys are kept per gateway origin (scheme included): a key for https://glama.ai is
        // never sent to a plain-http or local gateway.
        let vault = Vault::new(app.config().identifier.clone(), base.origin().ascii_serialization());
        let emitter = app.clone();
        let connector = Connector::new(gateway, vault, move |event| {
            let _ = match event {
                ConnectEvent::Status(status) => emitter.emit(STATUS_EVENT, status),
                ConnectEvent::Notice(notice) => emitter.emit(NOTICE_EVENT, notice),
            };
        });
        let settings = SettingsFile::load(app.path().app_config_dir()?.join("settings.json"));
        let (ready_tx, ready) = watch::channel(false);
        let starting = connector.clone();
        tauri::async_runtime::spawn(async move {
            std::thread::spawn(glama_core::render::warm_up);
            starting.start().await;
            let _ = ready_tx.send(true);
            starting.verify_stored_key().await;
        });
        Ok(Self {
            connector,
            chats: Chats::new(AnswerPolicy::default()),
            settings,
            ready,
        })
    }
}

impl AppState {
    /// Delete all data: forgets every conversation and runs `remove` (which deletes the app's
    /// folders) while nothing of ours holds a file in them.
    ///
    /// THE ONE PLACE TO CLOSE THE STORE (issue 7): close the SQLite connection here before
    /// `remove()` (an open database would be written again, and on Windows its files cannot be
    /// deleted while open), then open a new, empty store after it.
    pub fn with_conversations_closed<T>(&self, remove: impl FnOnce() -> T) -> T {
        self.chats.clear();
        remove()
    }
}
