//! Notices for the window. One raised before the page listens (a keyring missing at launch,
//! a settings file kept aside, the sign-in link taken by an installed copy) would be lost as
//! an event alone, so each is also kept until the page takes them at load (`take_notices`).

use std::sync::Mutex;

use glama_core::connect::Notice;
use tauri::{AppHandle, Emitter};

/// The event name the window listens to.
pub const NOTICE_EVENT: &str = "notice";

pub struct Notices {
    /// `None` once the page has taken them: from then on the event is enough.
    pending: Mutex<Option<Vec<Notice>>>,
}

impl Notices {
    pub fn new() -> Self {
        Self {
            pending: Mutex::new(Some(Vec::new())),
        }
    }

    /// Tells the window, and keeps the notice if the page has not loaded yet.
    pub fn raise(&self, app: &AppHandle, notice: Notice) {
        if let Some(pending) = self.pending.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            pending.push(notice.clone());
        }
        let _ = app.emit(NOTICE_EVENT, notice);
    }

    /// What was raised before the page listened, once.
    pub fn take(&self) -> Vec<Notice> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default()
    }
}
