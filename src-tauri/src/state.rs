//! The app's state: the connector (key and sign-in), the chats and their store, the settings,
//! the notices.

use std::sync::Arc;

use glama_core::chat::{AnswerPolicy, Chats};
use glama_core::connect::{ConnectEvent, Connector, Notice};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::settings::SettingsFile;
use glama_core::store::Store;
use glama_core::vault::Vault;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::watch;
use url::Url;

use crate::notices::Notices;

/// The event name of connection status changes.
pub const STATUS_EVENT: &str = "connection";

pub struct AppState {
    pub connector: Arc<Connector>,
    pub chats: Chats,
    pub store: Arc<Store>,
    pub settings: SettingsFile,
    pub notices: Arc<Notices>,
    /// Becomes `true` once the stored key and any saved sign-in are loaded; callbacks wait for it.
    pub ready: watch::Receiver<bool>,
    /// Becomes `true` once the launch's scheme registration is done; Connect waits for it, so
    /// Automatic never asks the desktop halfway through.
    pub scheme_settled: watch::Sender<bool>,
}

impl AppState {
    pub fn new(app: &AppHandle, base: Url) -> Result<Self, Box<dyn std::error::Error>> {
        let version = app.package_info().version.to_string();
        let gateway = Gateway::new(base.clone(), &version, Timeouts::default());
        // Keys are kept per gateway origin (scheme included): a key for https://glama.ai is
        // never sent to a plain-http or local gateway.
        let vault = Vault::new(app.config().identifier.clone(), base.origin().ascii_serialization());
        let notices = Arc::new(Notices::new());
        let (emitter, told) = (app.clone(), notices.clone());
        let connector = Connector::new(gateway, vault, move |event| match event {
            ConnectEvent::Status(status) => {
                let _ = emitter.emit(STATUS_EVENT, status);
            }
            ConnectEvent::Notice(notice) => told.raise(&emitter, notice),
        });
        let (settings, note) = SettingsFile::load(app.path().app_config_dir()?.join("settings.json"));
        if let Some(note) = note {
            notices.raise(
                app,
                Notice {
                    kind: "settings_reset".into(),
                    message: note.to_string(),
                },
            );
        }
        let opened = Store::open(&app.path().app_data_dir()?);
        if let Some(message) = opened.notice {
            notices.raise(
                app,
                Notice {
                    kind: "store".into(),
                    message,
                },
            );
        }
        let store = Arc::new(opened.store);
        let (ready_tx, ready) = watch::channel(false);
        let starting = connector.clone();
        tauri::async_runtime::spawn(async move {
            starting.start().await;
            let _ = ready_tx.send(true);
            starting.verify_stored_key().await;
        });
        Ok(Self {
            connector,
            chats: Chats::new(store.clone(), AnswerPolicy::default()),
            store,
            settings,
            notices,
            ready,
            scheme_settled: watch::Sender::new(false),
        })
    }
}

impl AppState {
    /// Delete all data: forgets every conversation and runs `remove` (which deletes the app's
    /// folders) while nothing of ours holds a file in them.
    ///
    /// Stops every answer and closes the history file while `remove()` runs (an open database
    /// would be written again, and on Windows its files cannot be deleted while open), then
    /// opens a new, empty one.
    pub fn with_conversations_closed<T: Send + 'static>(&self, remove: impl FnOnce() -> T + Send + 'static) -> T {
        self.chats.stop_all();
        self.store.with_file_closed(remove)
    }
}
