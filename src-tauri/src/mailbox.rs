//! A queue of events for the window, which takes them when it is ready: a pending `invoke`
//! that resolves with everything that came meanwhile.
//!
//! Tauri's own events and `Channel`s deliver by evaluating script in the page, and for each
//! evaluation WebKitGTK starts a JavaScript engine in the app's process to read its result
//! back (+1.4 MB PSS for the first, BENCHMARKS.md). An invoke's answer comes back as the body
//! of the IPC request instead, and its arrival tells Rust the window is ready for more.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

pub struct Mailbox<T> {
    state: Mutex<State<T>>,
    arrived: Notify,
    /// Past this many waiting, the oldest is dropped (`None`: never).
    cap: Option<usize>,
}

struct State<T> {
    queue: VecDeque<T>,
    closed: bool,
}

impl<T> Mailbox<T> {
    pub fn new(cap: Option<usize>) -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
            }),
            arrived: Notify::new(),
            cap,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `item` unless the mailbox is closed.
    pub fn push(&self, item: T) {
        {
            let mut state = self.state();
            if state.closed {
                return;
            }
            if self.cap.is_some_and(|cap| state.queue.len() >= cap) {
                state.queue.pop_front();
            }
            state.queue.push_back(item);
        }
        self.arrived.notify_waiters();
    }

    /// Nothing more will come; a reader gets what is left, then `None`.
    pub fn close(&self) {
        self.state().closed = true;
        self.arrived.notify_waiters();
    }

    /// Everything waiting now, possibly nothing.
    pub fn take_now(&self) -> Vec<T> {
        self.state().queue.drain(..).collect()
    }

    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Waits until something is there and takes it all; `None` once closed and empty.
    pub async fn take(&self) -> Option<Vec<T>> {
        self.take_while(|| true).await
    }

    /// As [`take`](Self::take), for a reader that may be replaced (a page that reloaded leaves
    /// its request waiting): once `current()` is false it takes nothing and gets an empty batch.
    pub async fn take_while(&self, current: impl Fn() -> bool) -> Option<Vec<T>> {
        loop {
            // Registered before looking, so a push between the look and the wait wakes it.
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            {
                let mut state = self.state();
                if !current() {
                    return Some(Vec::new());
                }
                if !state.queue.is_empty() {
                    return Some(state.queue.drain(..).collect());
                }
                if state.closed {
                    return None;
                }
            }
            arrived.await;
        }
    }

    /// Wakes every waiting reader, to look again (`take_while`).
    pub fn wake(&self) {
        self.arrived.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_reader_gets_everything_that_came_in_order_then_none_once_closed() {
        let mailbox = Arc::new(Mailbox::new(None));
        let reader = {
            let mailbox = mailbox.clone();
            tokio::spawn(async move { mailbox.take().await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!reader.is_finished(), "nothing came yet");
        mailbox.push(1);
        assert_eq!(reader.await.unwrap(), Some(vec![1]));
        mailbox.push(2);
        mailbox.push(3);
        mailbox.close();
        mailbox.push(4);
        assert_eq!(mailbox.take().await, Some(vec![2, 3]), "what came before closing");
        assert_eq!(mailbox.take().await, None);
    }

    #[tokio::test]
    async fn a_replaced_reader_takes_nothing() {
        let mailbox = Arc::new(Mailbox::new(None));
        let reader = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let old = {
            let (mailbox, reader) = (mailbox.clone(), reader.clone());
            tokio::spawn(async move {
                mailbox
                    .take_while(|| reader.load(std::sync::atomic::Ordering::SeqCst) == 1)
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        reader.store(2, std::sync::atomic::Ordering::SeqCst);
        mailbox.push("for the new page");
        assert_eq!(old.await.unwrap(), Some(vec![]), "the old reader leaves it");
        assert_eq!(mailbox.take_now(), vec!["for the new page"]);
    }

    #[test]
    fn a_capped_mailbox_drops_the_oldest() {
        let mailbox = Mailbox::new(Some(2));
        for i in 0..5 {
            mailbox.push(i);
        }
        assert_eq!(mailbox.take_now(), vec![3, 4]);
        assert!(mailbox.take_now().is_empty());
    }
}
