//! What Rust tells the window: connection status and notices, and each answer's events, each
//! kept in a [`Mailbox`] the page takes from (`window_events`, `answer_events`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use glama_core::chat::{AnswerEvent, AnswerSink};
use glama_core::connect::Status;
use glama_core::error_code::Notice;
use serde::Serialize;

use crate::mailbox::Mailbox;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum WindowEvent {
    Connection(Status),
    /// Something to read that does not change the status. One raised before the page loaded
    /// (a keyring missing at launch, a settings file kept aside) waits in the mailbox.
    Notice(Notice),
}

/// Status changes and notices, for the window's page. A page that loads becomes the one
/// reader: a request the page before it left waiting takes nothing more.
pub struct WindowEvents {
    mailbox: Mailbox<WindowEvent>,
    reader: AtomicU64,
}

/// A batch of window events, for the page that is `reader`.
#[derive(Debug, Serialize)]
pub struct WindowNews {
    pub reader: u64,
    pub events: Vec<WindowEvent>,
}

impl WindowEvents {
    pub fn new() -> Self {
        Self {
            // Statuses and notices come a few at a time; a page that never loads must not make
            // them pile up.
            mailbox: Mailbox::new(Some(64)),
            reader: AtomicU64::new(0),
        }
    }

    pub fn status(&self, status: Status) {
        self.mailbox.push(WindowEvent::Connection(status));
    }

    pub fn notice(&self, notice: Notice) {
        self.mailbox.push(WindowEvent::Notice(notice));
    }

    /// A page loaded: it becomes the reader, and has what came before it at once.
    pub fn new_reader(&self) -> WindowNews {
        let reader = self.reader.fetch_add(1, Ordering::SeqCst) + 1;
        self.mailbox.wake();
        WindowNews {
            reader,
            events: self.mailbox.take_now(),
        }
    }

    /// The next events for page `reader`, once there are some; `None` once another page
    /// has become the reader.
    pub async fn take(&self, reader: u64) -> Option<WindowNews> {
        let current = || self.reader.load(Ordering::SeqCst) == reader;
        let events = self.mailbox.take_while(current).await.unwrap_or_default();
        current().then_some(WindowNews { reader, events })
    }
}

/// One answer's events on their way to the page, and how many of them were updates
/// (`AnswerEvent::is_update`; the page counts `delta` and `reasoning` events the same way).
pub struct AnswerStream {
    events: Mailbox<AnswerEvent>,
    updates: AtomicU64,
}

impl AnswerStream {
    pub fn push(&self, event: AnswerEvent) {
        if event.is_update() {
            self.updates.fetch_add(1, Ordering::SeqCst);
        }
        self.events.push(event);
    }

    pub fn close(&self) {
        self.events.close();
    }

    /// The page has painted every update sent so far, and the answer goes on: its next update
    /// may go (`glama_core::chat::Pace`). Not when one is still on its way.
    pub fn all_painted(&self, painted: u64) -> bool {
        !self.events.is_closed() && painted == self.updates.load(Ordering::SeqCst)
    }

    pub async fn take(&self) -> Option<Vec<AnswerEvent>> {
        self.events.take().await
    }
}

/// An answer's events go to its stream, for the page to take.
impl AnswerSink for &AnswerStream {
    fn event(&mut self, event: AnswerEvent) {
        self.push(event);
    }
}

/// The answers being streamed, by the id the page gave each `ask`.
#[derive(Default)]
pub struct AnswerEvents(Mutex<HashMap<String, Arc<AnswerStream>>>);

impl AnswerEvents {
    fn streams(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AnswerStream>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stream `id`, made by whichever comes first: the `ask` that fills it or the page's
    /// first `answer_events`.
    pub fn stream(&self, id: &str) -> Arc<AnswerStream> {
        self.streams()
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(AnswerStream {
                    // Not capped: an answer's updates build on each other, and the answer
                    // paces them by the page's requests.
                    events: Mailbox::new(None),
                    updates: AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// Forgets stream `id` (its page has taken everything).
    pub fn forget(&self, id: &str) {
        self.streams().remove(id);
    }

    /// Forgets every stream: the page that read them is gone (a new one loaded).
    pub fn forget_all(&self) {
        for (_, stream) in self.streams().drain() {
            stream.close();
        }
    }
}
