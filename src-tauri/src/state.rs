//! The app's state: the connector (key and sign-in), the chats and their store, the settings,
//! the tools, and what waits for the window.

use std::sync::Arc;

use glama_core::chat::{AnswerPolicy, Chats};
use glama_core::connect::{ConnectEvent, Connector};
use glama_core::error_code::{ErrorCode, Notice};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::settings::SettingsFile;
use glama_core::store::Store;
use glama_core::vault::Vault;
use tauri::{AppHandle, Manager};
use tokio::sync::watch;
use url::Url;

use crate::events::{AnswerEvents, WindowEvents};
use crate::tools::ToolState;

pub struct AppState {
    pub connector: Arc<Connector>,
    pub chats: Chats,
    pub store: Arc<Store>,
    pub settings: SettingsFile,
    pub tools: ToolState,
    pub window_events: Arc<WindowEvents>,
    pub answer_events: AnswerEvents,
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
        let window_events = Arc::new(WindowEvents::new());
        let told = window_events.clone();
        let connector = Connector::new(gateway, vault.clone(), move |event| match event {
            ConnectEvent::Status(status) => told.status(status),
            ConnectEvent::Notice(notice) => told.notice(notice),
        });
        let (settings, note) = SettingsFile::load(app.path().app_config_dir()?.join("settings.json"));
        if let Some(note) = note {
            tracing::warn!(%note, "the settings file was set aside");
            window_events.notice(Notice::new(ErrorCode::SettingsReset, note.to_string()));
        }
        let opened = Store::open(&app.path().app_data_dir()?);
        if let Some(notice) = opened.notice {
            tracing::warn!(kind = %notice.kind, message = %notice.message, "the chat history could not be opened as it was");
            window_events.notice(notice);
        }
        let store = Arc::new(opened.store);
        // Started with the page (`ToolState::start`); servers' secrets are named entries, the
        // same for every gateway.
        let tools = ToolState::new(
            app.path().app_config_dir()?.join("mcp.json"),
            vault.clone(),
            store.clone(),
        );
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
            tools,
            window_events,
            answer_events: AnswerEvents::default(),
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
