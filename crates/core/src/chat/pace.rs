//! The window's pace: the next update of an answer goes out only once the window has shown
//! the one before (or has kept it waiting for `AnswerPolicy::page_patience`).
//!
//! At full speed, updates rendered every frame arrive faster than WebKit lays out and paints
//! a long answer; they queued up in the page, a long frame went by, and the queue arrived in a
//! burst. Waiting for the window instead makes each update hold everything that came
//! meanwhile: fewer renders and fewer messages, and never a frame behind a queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// Shared by the answer (which sends) and the window (which says when it has shown).
#[derive(Debug, Clone, Default)]
pub struct Pace(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    waiting: AtomicBool,
    shown: Notify,
}

impl Pace {
    /// The window has shown the last update it was sent.
    pub fn shown(&self) {
        self.0.waiting.store(false, Ordering::Release);
        self.0.shown.notify_one();
    }

    /// An update is on its way to the window.
    pub(super) fn sent(&self) {
        self.0.waiting.store(true, Ordering::Release);
    }

    /// Nothing sent is still unshown.
    pub(super) fn ready(&self) -> bool {
        !self.0.waiting.load(Ordering::Acquire)
    }

    /// Resolves once the window says it has shown an update.
    pub(super) async fn until_shown(&self) {
        self.0.shown.notified().await
    }
}
