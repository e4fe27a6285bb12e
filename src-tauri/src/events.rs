//! What Rust tells the windows: connection status, notices, changes to conversations and tools, and
//! each answer's events, each kept in a [`Mailbox`] a page takes from (`window_events`,
//! `answer_events`).
//!
//! Delivery is by window label, which Rust reads from the calling window (never from what a
//! page says): each window has its own mailbox and reader, and its own answers. A page that
//! (re)loads in one window replaces that window's reader and closes the answers that window's
//! page was reading; another window's are untouched.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use glama_core::chat::AnswerEvent;
use glama_core::connect::Status;
use glama_core::error_code::Notice;
use serde::Serialize;

use crate::mailbox::Mailbox;

#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "event",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum WindowEvent {
    Connection(Status),
    /// Something to read that does not change the status. One raised before any page loaded
    /// (a keyring missing at launch, a settings file kept aside) waits for the first page.
    Notice(Notice),
    /// A conversation changed (`None`: many or all of them, as an import or Delete all data
    /// does), told to every window with the label of the window whose action caused it
    /// (`None`: no window's), so a window shows what another did without asking.
    ConversationChanged {
        conversation_id: Option<String>,
        by: Option<String>,
    },
    /// A tool server's status or tools, or `mcp.json`, changed: the Tools panel reads them again.
    ToolsChanged,
    /// The main window opens this chat (quick ask's "Open in Glama Chat").
    OpenConversation {
        conversation_id: String,
    },
    /// Quick ask was shown again: its page puts the cursor in its input.
    QuickAskShown,
}

/// What every window is told: status changes, notices and changes to conversations.
pub struct WindowEvents(Mutex<Windows>);

struct Windows {
    /// Each window's mailbox and reader, by label, made by its page's first read.
    inboxes: HashMap<String, Arc<Inbox>>,
    /// What was told before any page read, for the first page that does (`None` once taken).
    early: Option<Mailbox<WindowEvent>>,
}

/// One window's events, and which of its pages reads them: a page that loads becomes the
/// reader, and a request the page before it left waiting takes nothing more.
struct Inbox {
    mailbox: Mailbox<WindowEvent>,
    reader: AtomicU64,
}

/// A batch of window events, for the page that is `reader` in its window.
#[derive(Debug, Serialize)]
pub struct WindowNews {
    pub reader: u64,
    pub events: Vec<WindowEvent>,
}

/// Statuses, notices and changes come a few at a time; a window whose page never reads must
/// not make them pile up.
fn capped_mailbox() -> Mailbox<WindowEvent> {
    Mailbox::new(Some(64))
}

impl WindowEvents {
    pub fn new() -> Self {
        Self(Mutex::new(Windows {
            inboxes: HashMap::new(),
            early: Some(capped_mailbox()),
        }))
    }

    fn windows(&self) -> MutexGuard<'_, Windows> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells every window.
    fn tell_all(&self, event: WindowEvent) {
        let windows = self.windows();
        if windows.inboxes.is_empty() {
            if let Some(early) = &windows.early {
                early.push(event);
            }
            return;
        }
        for inbox in windows.inboxes.values() {
            inbox.mailbox.push(event.clone());
        }
    }

    /// Tells window `label`, if its page reads: one that has not loaded yet shows the same
    /// when it does (what the main window opens, where quick ask's cursor is).
    pub fn tell(&self, label: &str, event: WindowEvent) {
        if let Some(inbox) = self.windows().inboxes.get(label) {
            inbox.mailbox.push(event);
        }
    }

    pub fn status(&self, status: Status) {
        self.tell_all(WindowEvent::Connection(status));
    }

    pub fn notice(&self, notice: Notice) {
        self.tell_all(WindowEvent::Notice(notice));
    }

    pub fn tools_changed(&self) {
        self.tell_all(WindowEvent::ToolsChanged);
    }

    /// Conversation `conversation_id` (`None`: many or all) changed by an action of window
    /// `by` (`None`: of none). Every write to conversations is told here.
    pub fn conversation_changed(&self, conversation_id: Option<&str>, by: Option<&str>) {
        self.tell_all(WindowEvent::ConversationChanged {
            conversation_id: conversation_id.map(str::to_string),
            by: by.map(str::to_string),
        });
    }

    /// A page loaded in window `label`: it becomes the window's reader, and has at once what
    /// came for the window before it (the first page of all: what came before any).
    pub fn new_reader(&self, label: &str) -> WindowNews {
        let inbox = {
            let mut windows = self.windows();
            if !windows.inboxes.contains_key(label) {
                let mailbox = capped_mailbox();
                if windows.inboxes.is_empty() {
                    for event in windows.early.take().map(|m| m.take_now()).unwrap_or_default() {
                        mailbox.push(event);
                    }
                }
                windows.inboxes.insert(
                    label.to_string(),
                    Arc::new(Inbox {
                        mailbox,
                        reader: AtomicU64::new(0),
                    }),
                );
            }
            windows.inboxes[label].clone()
        };
        let reader = inbox.reader.fetch_add(1, Ordering::SeqCst) + 1;
        inbox.mailbox.wake();
        WindowNews {
            reader,
            events: inbox.mailbox.take_now(),
        }
    }

    /// The next events for page `reader` of window `label`, once there are some; `None` once
    /// another page has become the window's reader, or the window has closed.
    pub async fn take(&self, label: &str, reader: u64) -> Option<WindowNews> {
        let inbox = self.windows().inboxes.get(label).cloned()?;
        let current = || inbox.reader.load(Ordering::SeqCst) == reader;
        let events = inbox.mailbox.take_while(current).await?;
        current().then_some(WindowNews { reader, events })
    }

    /// Window `label` closed: nothing more is kept for it, and its waiting reader gets `None`.
    pub fn forget(&self, label: &str) {
        if let Some(inbox) = self.windows().inboxes.remove(label) {
            inbox.mailbox.close();
        }
    }
}

/// One answer's events on their way to the page, and how many of them were updates
/// (`AnswerEvent::is_update`): sent, and handed to the page.
pub struct AnswerStream {
    events: Mailbox<AnswerEvent>,
    updates: AtomicU64,
    handed: AtomicU64,
}

/// Some of an answer's events for its page, and how many updates the page has been handed so
/// far, these included: the count it answers with once they are painted (`answer_events`), so
/// the page need not know which events are updates.
#[derive(Debug, Serialize)]
pub struct AnswerBatch {
    pub events: Vec<AnswerEvent>,
    pub updates: u64,
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

    /// The next events, once there are some; `None` once the answer has ended and the page
    /// has them all.
    pub async fn take(&self) -> Option<AnswerBatch> {
        let events = self.events.take().await?;
        let new = events.iter().filter(|e| e.is_update()).count() as u64;
        let updates = self.handed.fetch_add(new, Ordering::SeqCst) + new;
        Some(AnswerBatch { events, updates })
    }
}

/// The answers being streamed, by the window that asked (its label) and the id its page gave
/// each `ask`: two windows' pages may pick the same id.
#[derive(Default)]
pub struct AnswerEvents(Mutex<HashMap<(String, String), Arc<AnswerStream>>>);

impl AnswerEvents {
    fn streams(&self) -> MutexGuard<'_, HashMap<(String, String), Arc<AnswerStream>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stream `id` of window `label`, made by whichever comes first: the `ask` that fills it
    /// or the page's first `answer_events`.
    pub fn stream(&self, label: &str, id: &str) -> Arc<AnswerStream> {
        self.streams()
            .entry((label.to_string(), id.to_string()))
            .or_insert_with(|| {
                Arc::new(AnswerStream {
                    // Not capped: an answer's updates build on each other, and the answer
                    // paces them by the page's requests.
                    events: Mailbox::new(None),
                    updates: AtomicU64::new(0),
                    handed: AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// Forgets stream `id` of window `label` (its page has taken everything).
    pub fn forget(&self, label: &str, id: &str) {
        self.streams().remove(&(label.to_string(), id.to_string()));
    }

    /// Forgets window `label`'s streams: the page that read them is gone (a new one loaded,
    /// or the window closed). The answers go on and are saved; only their events stop.
    pub fn forget_window(&self, label: &str) {
        self.streams().retain(|(window, _), stream| {
            let keep = window != label;
            if !keep {
                stream.close();
            }
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use glama_core::error_code::ErrorCode;

    const QUICK: &str = "quick-ask";

    /// A notice told apart by its words.
    fn notice(words: &str) -> Notice {
        Notice::new(ErrorCode::Unknown, words)
    }

    /// Each event: a notice's words, else the event's name.
    fn kinds(news: &WindowNews) -> Vec<String> {
        news.events
            .iter()
            .map(|e| match e {
                WindowEvent::Notice(n) => n.message.clone(),
                other => serde_json::to_value(other).unwrap()["event"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            })
            .collect()
    }

    #[test]
    fn told_to_one_window_only_that_window_hears_it() {
        let events = WindowEvents::new();
        // Before quick ask's page has read, what is told to it is dropped (it focuses on load).
        events.tell(QUICK, WindowEvent::QuickAskShown);
        let main = events.new_reader("main");
        let quick = events.new_reader(QUICK);
        assert!(kinds(&quick).is_empty());
        events.tell(
            "main",
            WindowEvent::OpenConversation {
                conversation_id: "7".into(),
            },
        );
        events.tell(QUICK, WindowEvent::QuickAskShown);
        assert_eq!(kinds(&events.new_reader("main")), ["openConversation"]);
        assert_eq!(kinds(&events.new_reader(QUICK)), ["quickAskShown"]);
        let _ = (main, quick);
    }

    #[tokio::test]
    async fn a_reload_replaces_only_its_own_windows_reader() {
        let events = Arc::new(WindowEvents::new());
        let main = events.new_reader("main").reader;
        let quick = events.new_reader("quick-ask").reader;
        let waiting_main = {
            let events = events.clone();
            tokio::spawn(async move { events.take("main", main).await })
        };
        // The quick-ask page reloads: the main window's reader is untouched.
        let reloaded = events.new_reader("quick-ask").reader;
        assert_ne!(reloaded, quick);
        assert_eq!(events.take("quick-ask", quick).await.map(|n| n.events.len()), None);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting_main.is_finished(), "main still waits for news");

        events.notice(notice("for both"));
        let news = waiting_main.await.unwrap().expect("main is still the reader");
        assert_eq!(kinds(&news), ["for both"]);
        let news = events.take("quick-ask", reloaded).await.unwrap();
        assert_eq!(kinds(&news), ["for both"]);
    }

    #[tokio::test]
    async fn what_came_before_any_page_goes_to_the_first_page_only() {
        let events = WindowEvents::new();
        events.notice(notice("keyring_missing"));
        let first = events.new_reader("main");
        assert_eq!(kinds(&first), ["keyring_missing"]);
        let second = events.new_reader("quick-ask");
        assert!(second.events.is_empty(), "the first page had it");
        // A reload keeps what came for its window meanwhile.
        events.notice(notice("later"));
        assert_eq!(kinds(&events.new_reader("main")), ["later"]);
        assert_eq!(kinds(&events.new_reader("quick-ask")), ["later"]);
    }

    #[tokio::test]
    async fn a_closed_window_is_forgotten_and_its_reader_ends() {
        let events = Arc::new(WindowEvents::new());
        let quick = events.new_reader("quick-ask").reader;
        let waiting = {
            let events = events.clone();
            tokio::spawn(async move { events.take("quick-ask", quick).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        events.forget("quick-ask");
        assert!(waiting.await.unwrap().is_none());
        events.status(Status::Disconnected);
        let main = events.new_reader("main");
        assert!(main.events.is_empty(), "early events were for the first page only");
    }

    #[test]
    fn a_conversation_change_crosses_with_who_caused_it() {
        let events = WindowEvents::new();
        events.new_reader("main");
        events.conversation_changed(Some("c1"), Some("main"));
        events.conversation_changed(None, None);
        let json = serde_json::to_value(events.new_reader("main").events).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"event": "conversationChanged", "data": {"conversationId": "c1", "by": "main"}},
                {"event": "conversationChanged", "data": {"conversationId": null, "by": null}},
            ])
        );
    }

    #[tokio::test]
    async fn a_page_that_loads_closes_only_its_own_windows_answers() {
        let answers = AnswerEvents::default();
        let main = answers.stream("main", "1");
        let quick = answers.stream("quick-ask", "1");
        assert!(!Arc::ptr_eq(&main, &quick), "the same id in two windows is two streams");
        answers.forget_window("quick-ask");
        main.push(AnswerEvent::Thought { ms: 1 });
        assert_eq!(
            main.take().await.map(|b| b.events.len()),
            Some(1),
            "main's answer goes on"
        );
        assert!(Arc::ptr_eq(&main, &answers.stream("main", "1")));
        quick.push(AnswerEvent::Thought { ms: 1 });
        assert_eq!(
            quick.take().await.map(|b| b.events.len()),
            None,
            "closed, and nothing more comes"
        );
    }

    #[tokio::test]
    async fn each_batch_says_how_many_updates_the_page_has_been_handed() {
        use glama_core::render::RenderUpdate;
        use glama_core::usage::{Usage, UsageSource};
        let answers = AnswerEvents::default();
        let answer = answers.stream("main", "s1");
        let update = || AnswerEvent::Delta(RenderUpdate::default());
        answer.push(update());
        answer.push(AnswerEvent::Thought { ms: 5 });
        answer.push(AnswerEvent::Reasoning {
            update: RenderUpdate::default(),
            live: true,
        });
        let batch = answer.take().await.unwrap();
        assert_eq!((batch.events.len(), batch.updates), (3, 2));
        assert!(!answer.all_painted(1), "one update is still to be painted");
        assert!(answer.all_painted(batch.updates));
        answer.push(AnswerEvent::Usage(Usage {
            prompt_tokens: None,
            completion_tokens: None,
            reasoning_tokens: None,
            cost_usd: None,
            source: UsageSource::Stream,
        }));
        answer.push(update());
        answer.close();
        assert_eq!(answer.take().await.unwrap().updates, 3, "counted across batches");
        assert!(answer.take().await.is_none());
    }
}
