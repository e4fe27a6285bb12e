//! Streaming answers against the fake gateway: stop, retries, errors mid-stream, usage.

use std::sync::Arc;
use std::time::Duration;

use fake_gateway::{ChatScenario, ReasoningForm};
use glama_core::chat::prompt::{self, Request};
use glama_core::chat::view::{self, Message};
use glama_core::chat::{AnswerEvent, AnswerPolicy, AnswerSink, Ask, ChatError, Chats, Ending, Glama, Pace, Turn};
use glama_core::gateway::types::{ChatMessage, Role};
use glama_core::gateway::{Gateway, GatewayError};
use glama_core::secret::ApiKey;
use glama_core::store::paging::Page;
use glama_core::store::rows::{Author, MessageStatus, StopReason};
use glama_core::store::{conversations, Store};
use glama_core::usage::UsageSource;
use tokio_util::sync::CancellationToken;

mod common;
use common::setup;

const MODEL: &str = "openai/gpt-4o";

fn fast_policy() -> AnswerPolicy {
    AnswerPolicy {
        default_retry_after: Duration::from_millis(100),
        server_retry_delay: Duration::from_millis(10),
        usage_poll_interval: Duration::from_millis(100),
        ..AnswerPolicy::default()
    }
}

fn ask(prompt: &str) -> Request {
    Request {
        model: MODEL.into(),
        messages: vec![ChatMessage::new(Role::User, prompt)],
        tools: Vec::new(),
        parameters: Default::default(),
    }
}

fn glama(gateway: &Gateway, key: &ApiKey) -> Glama {
    Glama {
        gateway: gateway.clone(),
        key: key.clone(),
    }
}

/// A window that shows every update as soon as it has it.
struct Window<'a> {
    pace: &'a Pace,
    events: Vec<AnswerEvent>,
}

impl AnswerSink for Window<'_> {
    fn event(&mut self, event: AnswerEvent) {
        self.pace.shown();
        self.events.push(event);
    }
}

/// Runs one answer and returns (how it ended, events, the HTML the window would show).
async fn run(
    gateway: &Gateway,
    key: &ApiKey,
    prompt: &str,
    cancel: CancellationToken,
) -> (Ending, Vec<AnswerEvent>, String) {
    let pace = Pace::default();
    let mut window = Window {
        pace: &pace,
        events: Vec::new(),
    };
    let (model, request, policy) = (glama(gateway, key), ask(prompt), fast_policy());
    let outcome = Turn::new(&model, &request, None, &policy, &cancel, &pace)
        .run(&mut window)
        .await;
    let events = window.events;
    let mut page = glama_core::render::Replica::default();
    for e in &events {
        if let AnswerEvent::Delta(u) = e {
            page.apply(u.clone());
        }
    }
    (outcome, events, page.html())
}

/// Sends `text` in conversation `c` on a task of its own, so the test can watch meanwhile.
fn ask_in_background(
    chats: &Arc<Chats>,
    gateway: &Gateway,
    key: &ApiKey,
    c: &str,
    text: &str,
) -> tokio::task::JoinHandle<Result<MessageStatus, ChatError>> {
    let (chats, c, model) = (chats.clone(), c.to_string(), glama(gateway, key));
    let text = text.to_string();
    tokio::spawn(async move {
        let asked = chats.ask(&model, &c, MODEL, Ask::Send { text }, &mut Vec::new()).await;
        asked.map(|a| a.status)
    })
}

#[tokio::test]
async fn streams_the_whole_reply() {
    let (fake, gateway, key) = setup().await;
    let (outcome, events, html) = run(&gateway, &key, "hello ✓", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Done);
    assert_eq!(outcome.written.text, fake_gateway::reply_for("hello ✓"));
    assert_eq!(html, glama_core::render::render_markdown(&outcome.written.text));
    assert!(outcome.request_id.as_deref().unwrap().starts_with("cr_"));
    let usage = outcome.stream_usage.clone().unwrap();
    assert_eq!(usage.source, UsageSource::Stream);
    let deltas = events.iter().filter(|e| matches!(e, AnswerEvent::Delta(_))).count();
    assert!(deltas >= 1);
    assert_eq!(fake.stats().streams_completed, 1);
}

/// Streams `reply` slowly to a window that shows updates (`shows`) or never says so; returns
/// how many updates it was sent, how long the answer took, and whether what it shows at the
/// end is the whole render.
async fn updates_sent(shows: bool, patience: Duration) -> (usize, Duration, bool) {
    let (fake, gateway, key) = setup().await;
    let reply: String = (0..80)
        .map(|i| format!("Paragraph {i}, a few words long.\n\n"))
        .collect();
    fake.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::from_millis(2)),
        whole_events: true,
        ..Default::default()
    });
    let policy = AnswerPolicy {
        page_patience: patience,
        ..fast_policy()
    };
    /// A window that shows each update (`shows`) or never says so.
    struct Paced<'a> {
        pace: &'a Pace,
        shows: bool,
        page: glama_core::render::Replica,
        updates: usize,
    }
    impl AnswerSink for Paced<'_> {
        fn event(&mut self, e: AnswerEvent) {
            if let AnswerEvent::Delta(u) = e {
                self.updates += 1;
                self.page.apply(u);
                if self.shows {
                    self.pace.shown();
                }
            }
        }
    }
    let pace = Pace::default();
    let mut window = Paced {
        pace: &pace,
        shows,
        page: glama_core::render::Replica::default(),
        updates: 0,
    };
    let (model, request, cancel) = (glama(&gateway, &key), ask("paced"), CancellationToken::new());
    let started = std::time::Instant::now();
    let outcome = Turn::new(&model, &request, None, &policy, &cancel, &pace)
        .run(&mut window)
        .await;
    let took = started.elapsed();
    let (updates, page) = (window.updates, window.page);
    assert_eq!(outcome.written.text, reply);
    (
        updates,
        took,
        page.html() == glama_core::render::render_markdown(&reply),
    )
}

#[tokio::test]
async fn a_window_that_has_not_shown_the_last_update_gets_the_next_only_after_its_patience() {
    let patience = Duration::from_millis(200);
    let (silent, took, whole) = updates_sent(false, patience).await;
    assert!(whole, "the window still shows the whole answer at the end");
    // The first update, one per patience spent, and the end.
    let most = took.as_millis() / patience.as_millis() + 2;
    assert!((2..=most as usize).contains(&silent), "{silent} updates in {took:?}");

    let (shown, took, whole) = updates_sent(true, patience).await;
    assert!(whole);
    assert!(
        shown > silent * 2,
        "a window that shows each update gets them a frame apart: {shown} in {took:?}, against {silent}"
    );
}

#[tokio::test]
async fn stop_closes_the_connection_and_keeps_the_partial_answer() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        reply: Some("word ".repeat(400)),
        piece_delay: Some(Duration::from_millis(5)),
        ..Default::default()
    });
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.cancel();
    });
    let (outcome, _, _) = run(&gateway, &key, "long", cancel).await;
    assert_eq!(outcome.status, MessageStatus::Stopped);
    assert!(!outcome.written.text.is_empty(), "partial text kept");
    assert!(
        outcome.written.text.len() < 2000,
        "stopped early: {} bytes",
        outcome.written.text.len()
    );
    // The server sees the client go away.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.stats().streams_closed_early == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "server never saw the connection close"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.stats().streams_completed, 0);
}

#[tokio::test]
async fn rate_limit_waits_and_retries() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        status: Some(429),
        retry_after: Some(1),
        ..Default::default()
    });
    let started = std::time::Instant::now();
    let (outcome, events, _) = run(&gateway, &key, "again", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Done);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            AnswerEvent::Retrying {
                in_secs: 1,
                attempt: 1,
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(fake.stats().chat_requests, 2);
}

#[tokio::test]
async fn rate_limit_gives_up_after_three_retries() {
    let (fake, gateway, key) = setup().await;
    for _ in 0..4 {
        fake.script_chat(ChatScenario {
            status: Some(429),
            ..Default::default()
        });
    }
    let (outcome, _, _) = run(&gateway, &key, "x", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Error);
    assert!(matches!(outcome.error, Some(GatewayError::RateLimited { .. })));
    assert_eq!(fake.stats().chat_requests, 4, "one try and three retries");
}

#[tokio::test]
async fn server_error_before_any_byte_is_retried_once() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        status: Some(502),
        ..Default::default()
    });
    let (outcome, _, _) = run(&gateway, &key, "x", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Done);
    assert_eq!(fake.stats().chat_requests, 2);

    fake.script_chat(ChatScenario {
        status: Some(500),
        ..Default::default()
    });
    fake.script_chat(ChatScenario {
        status: Some(503),
        ..Default::default()
    });
    let (outcome, _, _) = run(&gateway, &key, "x", CancellationToken::new()).await;
    assert!(
        matches!(outcome.error, Some(GatewayError::Server { status: 503, .. })),
        "{:?}",
        outcome.error
    );
    assert_eq!(fake.stats().chat_requests, 4);
}

#[tokio::test]
async fn mid_stream_error_keeps_the_partial_text_and_is_not_retried() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        error_after_chars: Some(12),
        ..Default::default()
    });
    let (outcome, _, html) = run(&gateway, &key, "partial please", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Error);
    assert!(
        matches!(outcome.error, Some(GatewayError::StreamError(ref m)) if m.contains("mid-answer")),
        "{:?}",
        outcome.error
    );
    let full = fake_gateway::reply_for("partial please");
    assert!(
        !outcome.written.text.is_empty() && full.starts_with(&outcome.written.text),
        "{:?}",
        outcome.written.text
    );
    assert!(html.contains("Echo"), "{html}");
    assert_eq!(fake.stats().chat_requests, 1, "never retried after bytes arrived");
}

#[tokio::test]
async fn dropped_connection_keeps_the_partial_text() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        drop_after_chars: Some(9),
        ..Default::default()
    });
    let (outcome, _, _) = run(&gateway, &key, "drop", CancellationToken::new()).await;
    assert_eq!(outcome.status, MessageStatus::Error);
    assert!(
        matches!(outcome.error, Some(GatewayError::Dropped(_))),
        "{:?}",
        outcome.error
    );
    assert!(
        outcome.written.text.starts_with("Echo: dr"),
        "{:?}",
        outcome.written.text
    );
    assert_eq!(fake.stats().chat_requests, 1);
}

#[tokio::test]
async fn unauthorized_and_payment_required() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        status: Some(402),
        ..Default::default()
    });
    let (outcome, _, _) = run(&gateway, &key, "x", CancellationToken::new()).await;
    assert!(matches!(outcome.error, Some(GatewayError::PaymentRequired(_))));
    assert!(outcome.error.unwrap().to_string().contains("out of credit"));
    fake.revoke_keys();
    let (outcome, _, _) = run(&gateway, &key, "x", CancellationToken::new()).await;
    assert_eq!(outcome.error, Some(GatewayError::Unauthorized));
}

/// The messages of a conversation, as the store holds them.
fn stored(store: &Store, c: &str) -> Vec<Message> {
    let c = c.to_string();
    store
        .call(move |db| Ok(view::page(db, &c, Page::Latest, 100)?.messages))
        .unwrap()
}

#[tokio::test]
async fn chats_poll_usage_and_regenerate_and_edit() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    store
        .call({
            let c = c.clone();
            move |db| conversations::set_system_prompt(db, &c, "You are a pirate.")
        })
        .unwrap();
    let mut events = Vec::new();
    let model = glama(&gateway, &key);
    let status = chats
        .ask(&model, &c, MODEL, Ask::Send { text: "first".into() }, &mut events)
        .await
        .unwrap()
        .status;
    assert_eq!(status, MessageStatus::Done);
    assert_eq!(
        fake.stats().last_chat_messages,
        [
            ("system".into(), "You are a pirate.".into()),
            ("user".into(), "first".into())
        ],
        "the system prompt goes first"
    );
    let usage = events
        .iter()
        .find_map(|e| match e {
            AnswerEvent::Usage(u) => Some(u.clone()),
            _ => None,
        })
        .expect("usage");
    assert_eq!(usage.source, UsageSource::Glama, "polled from completion-requests");
    assert!(usage.cost_usd.unwrap() > 0.0);
    assert!(usage.completion_tokens.unwrap() > 0);
    let msgs = stored(&store, &c);
    assert_eq!(
        msgs[1].usage.as_ref().unwrap().cost_usd,
        usage.cost_usd,
        "usage is saved"
    );
    assert_eq!(msgs[1].text, fake_gateway::reply_for("first"));
    assert_eq!(
        msgs[1].html,
        glama_core::render::render_markdown(&msgs[1].text),
        "HTML cached"
    );

    let status = chats
        .ask(&model, &c, MODEL, Ask::Regenerate, &mut Vec::new())
        .await
        .unwrap()
        .status;
    assert_eq!(status, MessageStatus::Done);
    let msgs = stored(&store, &c);
    assert_eq!(msgs.len(), 2, "regenerate replaced the answer");

    let user_id = msgs[0].id.clone();
    chats
        .ask(
            &model,
            &c,
            MODEL,
            Ask::Edit {
                message_id: user_id,
                text: "edited".into(),
                attachments: vec![],
            },
            &mut Vec::new(),
        )
        .await
        .unwrap();
    let msgs = stored(&store, &c);
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].text, "edited");
    assert_eq!(msgs[1].text, fake_gateway::reply_for("edited"));
    assert_eq!(fake.stats().chat_requests, 3);

    let err = Glama::connected(gateway.clone(), None).err().unwrap();
    assert!(matches!(err, ChatError::NotConnected));
}

#[tokio::test]
async fn an_answer_is_saved_as_it_streams() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Arc::new(Chats::new(store.clone(), fast_policy()));
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    // About four seconds of stream: each ~4-character token is an SSE event cut in 1-40 byte pieces.
    let reply = "Saved as it grows. ".repeat(100);
    fake.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::from_millis(1)),
        ..Default::default()
    });
    let running = ask_in_background(&chats, &gateway, &key, &c, "go");
    // While it streams, the row is there and its text grows on disk.
    let mut seen: Vec<usize> = Vec::new();
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let msgs = stored(&store, &c);
        if msgs.len() == 2
            && msgs[1].status == MessageStatus::Streaming
            && !msgs[1].text.is_empty()
            && seen.last() != Some(&msgs[1].text.len())
        {
            seen.push(msgs[1].text.len());
        }
        if seen.len() >= 2 {
            break;
        }
    }
    assert!(
        seen.len() >= 2 && seen[1] > seen[0],
        "partial saves while streaming: {seen:?}"
    );
    assert!(reply.starts_with(&stored(&store, &c)[1].text));
    assert_eq!(running.await.unwrap().unwrap(), MessageStatus::Done);
    assert_eq!(stored(&store, &c)[1].text, reply);
}

#[tokio::test]
async fn a_busy_conversation_refuses_a_second_question() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Arc::new(Chats::new(store.clone(), fast_policy()));
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    fake.script_chat(ChatScenario {
        reply: Some("slow ".repeat(100)),
        piece_delay: Some(Duration::from_millis(5)),
        ..Default::default()
    });
    let first = ask_in_background(&chats, &gateway, &key, &c, "one");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = chats
        .ask(
            &glama(&gateway, &key),
            &c,
            MODEL,
            Ask::Send { text: "two".into() },
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ChatError::Busy));
    assert!(chats.stop(&c));
    assert_eq!(first.await.unwrap().unwrap(), MessageStatus::Stopped);
    let msgs = stored(&store, &c);
    assert_eq!(msgs.len(), 2, "the refused question was not saved");
    assert_eq!(msgs[1].status, MessageStatus::Stopped);
}

#[tokio::test]
async fn a_full_disk_refuses_the_question_before_it_is_sent() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    // No page left to grow into: SQLite answers SQLITE_FULL, as on a full disk.
    store
        .call(|db| {
            let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            db.pragma_update(None, "max_page_count", pages)?;
            Ok(())
        })
        .unwrap();
    let long_question = "a question worth keeping ".repeat(4000);
    let err = chats
        .ask(
            &glama(&gateway, &key),
            &c,
            MODEL,
            Ask::Send { text: long_question },
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "disk_full");
    assert!(err.to_string().contains("disk is full"), "{err}");
    assert_eq!(fake.stats().chat_requests, 0, "nothing is sent that could not be saved");
    assert!(stored(&store, &c).is_empty());
}

/// Runs one `Chats::ask` to its end, returning its events.
async fn ask_in(chats: &Chats, gateway: &Gateway, key: &ApiKey, c: &str, ask: Ask) -> Vec<AnswerEvent> {
    let mut events = Vec::new();
    chats
        .ask(&glama(gateway, key), c, MODEL, ask, &mut events)
        .await
        .unwrap();
    events
}

/// The page the window would build from the reasoning updates.
fn reasoning_page(events: &[AnswerEvent]) -> String {
    let mut page = glama_core::render::Replica::default();
    for e in events {
        if let AnswerEvent::Reasoning { update, .. } = e {
            page.apply(update.clone());
        }
    }
    page.html()
}

#[tokio::test]
async fn reasoning_in_every_form_is_kept_apart_and_never_sent_back() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let reasoning = "First, **2+2**: that is <b>4</b> — 你好 🦀.\n\nSo: four.";
    for form in [
        ReasoningForm::ReasoningContent,
        ReasoningForm::Reasoning,
        ReasoningForm::ThinkTag,
    ] {
        let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
        fake.script_chat(ChatScenario {
            reply: Some("It is 4.".into()),
            reasoning: Some(reasoning.into()),
            reasoning_form: form,
            ..Default::default()
        });
        let events = ask_in(&chats, &gateway, &key, &c, Ask::Send { text: "2+2?".into() }).await;
        // The reasoning is rendered by the safe renderer, and ends before the answer begins.
        assert_eq!(
            reasoning_page(&events),
            glama_core::render::render_markdown(reasoning),
            "{form:?}"
        );
        assert!(!reasoning_page(&events).contains("<b>"), "raw HTML is never passed");
        let thought = events.iter().position(|e| matches!(e, AnswerEvent::Thought { .. }));
        let first_text = events.iter().position(|e| match e {
            AnswerEvent::Delta(u) => !u.ops.is_empty() || !u.tail.is_empty(),
            _ => false,
        });
        assert!(
            thought.unwrap() < first_text.unwrap(),
            "{form:?}: folded when the answer starts"
        );
        let usage = events
            .iter()
            .find_map(|e| match e {
                AnswerEvent::Usage(u) => Some(u.clone()),
                _ => None,
            })
            .unwrap();
        assert!(
            usage.reasoning_tokens.unwrap() > 0,
            "{form:?}: reasoning tokens from the stream"
        );
        let m = stored(&store, &c).pop().unwrap();
        assert_eq!(m.text, "It is 4.", "{form:?}: no reasoning in the answer");
        assert_eq!(m.reasoning, reasoning, "{form:?}");
        assert_eq!(m.reasoning_html, glama_core::render::render_markdown(reasoning));
        assert!(m.reasoning_ms.is_some());
        assert!(m.usage.unwrap().reasoning_tokens.unwrap() > 0);
        // The next question sends the answer, never its reasoning.
        ask_in(
            &chats,
            &gateway,
            &key,
            &c,
            Ask::Send {
                text: "and 3+3?".into(),
            },
        )
        .await;
        let sent = fake.stats().last_chat_messages;
        assert_eq!(sent[1], ("assistant".into(), "It is 4.".into()), "{form:?}");
        assert!(!sent.iter().any(|(_, text)| text.contains("2+2**")), "{form:?}");
    }
}

#[tokio::test]
async fn a_cut_off_answer_continues_in_the_same_message_with_usage_summed() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    fake.script_chat(ChatScenario {
        reply: Some("The first half, cut mid-wo".into()),
        reasoning: Some("Plan the answer.".into()),
        finish_reason: Some("length".into()),
        ..Default::default()
    });
    let events = ask_in(&chats, &gateway, &key, &c, Ask::Send { text: "write".into() }).await;
    assert!(events.iter().any(|e| matches!(
        e,
        AnswerEvent::Finished {
            stop_reason: Some(StopReason::Length),
            ..
        }
    )));
    let cut = stored(&store, &c).pop().unwrap();
    assert_eq!(cut.stop_reason, Some(StopReason::Length));
    assert_eq!(cut.status, MessageStatus::Done);
    let first_usage = cut.usage.clone().unwrap();

    fake.script_chat(ChatScenario {
        reply: Some("rd, and the rest.".into()),
        reasoning: Some("Go on.".into()),
        reasoning_form: ReasoningForm::ThinkTag,
        ..Default::default()
    });
    let events = ask_in(
        &chats,
        &gateway,
        &key,
        &c,
        Ask::Continue {
            message_id: cut.id.clone(),
        },
    )
    .await;
    // What was sent: the question, the answer so far, the request to go on; no reasoning.
    let sent = fake.stats().last_chat_messages;
    assert_eq!(
        sent,
        [
            ("user".into(), "write".into()),
            ("assistant".into(), "The first half, cut mid-wo".into()),
            ("user".into(), prompt::CONTINUE_PROMPT.into()),
        ]
    );
    let msgs = stored(&store, &c);
    assert_eq!(msgs.len(), 2, "one message, not two");
    let whole = msgs[1].clone();
    assert_eq!(whole.id, cut.id);
    assert_eq!(whole.text, "The first half, cut mid-word, and the rest.");
    assert_eq!(whole.reasoning, "Plan the answer.\n\nGo on.");
    assert_eq!(whole.stop_reason, None);
    let usage = whole.usage.unwrap();
    let second = events
        .iter()
        .find_map(|e| match e {
            AnswerEvent::Usage(u) => Some(u.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(second, usage, "the window is told the sum");
    assert!(usage.completion_tokens.unwrap() > first_usage.completion_tokens.unwrap());
    assert!(usage.cost_usd.unwrap() > first_usage.cost_usd.unwrap());
    // The window is sent the whole answer again from the start (it redraws it in place).
    let mut page = glama_core::render::Replica::default();
    for e in &events {
        if let AnswerEvent::Delta(u) = e {
            page.apply(u.clone());
        }
    }
    assert_eq!(page.html(), glama_core::render::render_markdown(&whole.text));
    assert_eq!(
        reasoning_page(&events),
        glama_core::render::render_markdown(&whole.reasoning)
    );

    // Only the last answer continues.
    let err = chats
        .ask(
            &glama(&gateway, &key),
            &c,
            MODEL,
            Ask::Continue {
                message_id: msgs[0].id.clone(),
            },
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid");
}

#[tokio::test]
async fn a_filtered_or_refused_answer_says_so() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    fake.script_chat(ChatScenario {
        reply: Some(String::new()),
        finish_reason: Some("content_filter".into()),
        ..Default::default()
    });
    ask_in(&chats, &gateway, &key, &c, Ask::Send { text: "bad".into() }).await;
    let m = stored(&store, &c).pop().unwrap();
    assert_eq!(
        (m.role, m.status, m.stop_reason),
        (Author::Assistant, MessageStatus::Done, Some(StopReason::ContentFilter))
    );
    fake.script_chat(ChatScenario {
        reply: Some(String::new()),
        refusal: Some("I can't help with that.".into()),
        ..Default::default()
    });
    let events = ask_in(&chats, &gateway, &key, &c, Ask::Send { text: "worse".into() }).await;
    assert!(events.iter().any(|e| matches!(
        e,
        AnswerEvent::Finished { refusal: Some(r), .. } if r == "I can't help with that."
    )));
    let m = stored(&store, &c).pop().unwrap();
    assert_eq!(m.refusal.as_deref(), Some("I can't help with that."));
    assert_eq!(m.text, "");
}

/// Reasoning can run for minutes before any answer text: it is saved as it streams too.
#[tokio::test]
async fn reasoning_is_saved_as_it_streams() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Arc::new(Chats::new(store.clone(), fast_policy()));
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    let reasoning = "Still thinking. ".repeat(100);
    fake.script_chat(ChatScenario {
        reply: Some("Done.".into()),
        reasoning: Some(reasoning.clone()),
        piece_delay: Some(Duration::from_millis(1)),
        ..Default::default()
    });
    let running = ask_in_background(&chats, &gateway, &key, &c, "go");
    let mut seen = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let msgs = stored(&store, &c);
        if msgs.len() == 2 && msgs[1].status == MessageStatus::Streaming && !msgs[1].reasoning.is_empty() {
            seen = Some(msgs[1].clone());
            break;
        }
    }
    let seen = seen.expect("partial reasoning saved while streaming");
    assert!(reasoning.starts_with(&seen.reasoning), "{:?}", seen.reasoning);
    assert_eq!(seen.text, "", "the reasoning is not the answer");
    assert_eq!(running.await.unwrap().unwrap(), MessageStatus::Done);
    let m = stored(&store, &c).pop().unwrap();
    assert_eq!((m.reasoning.as_str(), m.text.as_str()), (reasoning.as_str(), "Done."));
}

/// A chat's parameters reach the gateway as set, unset ones are absent, and one the model
/// refuses is said in words naming it.
#[tokio::test]
async fn a_chats_parameters_are_sent_when_set_and_a_refused_one_is_named() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
    let model = glama(&gateway, &key);
    let send = |text: &str| Ask::Send { text: text.into() };

    chats
        .ask(&model, &c, MODEL, send("plain"), &mut Vec::new())
        .await
        .unwrap();
    assert!(fake.stats().last_chat_parameters.is_empty(), "none set, none sent");

    let set = |p: conversations::Parameters| {
        let c = c.clone();
        store.call(move |db| conversations::set_parameters(db, &c, &p))
    };
    set(conversations::Parameters {
        temperature: Some(1.5),
        max_tokens: Some(300),
        ..Default::default()
    })
    .unwrap();
    chats
        .ask(&model, &c, MODEL, send("warm"), &mut Vec::new())
        .await
        .unwrap();
    let sent = fake.stats().last_chat_parameters;
    assert_eq!(
        serde_json::Value::Object(sent),
        serde_json::json!({"temperature": 1.5, "max_tokens": 300})
    );

    // A value no provider takes never gets to the store.
    for bad in [
        conversations::Parameters {
            temperature: Some(2.5),
            ..Default::default()
        },
        conversations::Parameters {
            top_p: Some(0.0),
            ..Default::default()
        },
        conversations::Parameters {
            max_tokens: Some(0),
            ..Default::default()
        },
    ] {
        assert!(set(bad).is_err(), "{bad:?}");
    }

    // Anthropic's models take a temperature up to 1: the error names it.
    let mut events = Vec::new();
    let claude = "anthropic/claude-sonnet-4";
    let answered = chats
        .ask(&model, &c, claude, send("too warm"), &mut events)
        .await
        .unwrap();
    assert_eq!(answered.status, MessageStatus::Error);
    let error = events
        .iter()
        .find_map(|e| match e {
            AnswerEvent::Finished { error, .. } => error.clone(),
            _ => None,
        })
        .expect("an error");
    assert_eq!(error.kind, glama_core::error_code::ErrorCode::ParameterRefused);
    assert!(error.message.contains("temperature (1.5)"), "{}", error.message);
    assert!(error.message.contains("chat's settings"), "{}", error.message);
}

/// The echo, in whole events at full speed.
fn full_speed() -> ChatScenario {
    ChatScenario {
        piece_delay: Some(Duration::ZERO),
        whole_events: true,
        ..Default::default()
    }
}

const SMALL: &str = "fake/small-window";
/// The same window, at a provider that counts twice the tokens the estimate says.
const DENSE: &str = "fake/dense-tokens";

/// How far `estimated` is from what the gateway counted of the chat's last request (a
/// fraction of the count), and the count.
async fn off_from_counted(chats: &Chats, c: &str, estimated: u64) -> (f64, u64) {
    let page = chats.page(c.to_string(), Page::Latest).await.unwrap();
    let last = page.messages.last().unwrap();
    let counted = last
        .usage
        .as_ref()
        .and_then(|u| u.prompt_tokens)
        .expect("the gateway's count");
    ((estimated as f64 - counted as f64).abs() / counted as f64, counted)
}

/// Chats that know the models' windows, and a chat with `model` (fake/small-window or
/// fake/dense-tokens: 2,000 tokens) and a system prompt.
async fn small_window_chat(model: &str) -> (fake_gateway::FakeGateway, Gateway, ApiKey, Arc<Store>, Chats, String) {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), fast_policy());
    chats.models_listed(&gateway.models(&key).await.unwrap());
    let m = model.to_string();
    let c = store.call(move |db| conversations::create(db, &m)).unwrap().id;
    let id = c.clone();
    store
        .call(move |db| conversations::set_system_prompt(db, &id, "You answer in plain English."))
        .unwrap();
    (fake, gateway, key, store, chats, c)
}

/// A model's window, from the model list: the estimate follows what the gateway counts, a
/// request that would not fit is said before anything is written or sent, and a chat that
/// sends its newest turns sends whole turns that fit, its system prompt first, and marks
/// where the model's view begins.
#[tokio::test]
async fn a_chat_that_outgrows_the_models_window_is_told_first_then_sends_its_newest_turns() {
    use glama_core::chat::context;
    let (fake, gateway, key, store, chats, c) = small_window_chat(SMALL).await;
    let model = glama(&gateway, &key);
    // English prose, about 380 tokens a question; the echo doubles each turn.
    let question = |i: usize| {
        format!(
            "Question {i}: {}",
            "Tell me how the tides follow the moon, and why there are two of them a day. ".repeat(20)
        )
    };

    let mut i = 0;
    let overflow = loop {
        i += 1;
        assert!(i < 20, "the window never filled");
        fake.script_chat(full_speed());
        match chats
            .ask(&model, &c, SMALL, Ask::Send { text: question(i) }, &mut Vec::new())
            .await
        {
            Ok(answered) => {
                assert_eq!(answered.status, MessageStatus::Done, "turn {i}");
                // What was estimated of this request, against what the gateway counted.
                let sent = fake.stats().last_chat_messages;
                let estimated = context::tokens(
                    &sent
                        .iter()
                        .map(|(_, text)| ChatMessage::new(Role::User, text.as_str()))
                        .collect::<Vec<_>>(),
                );
                let (off, counted) = off_from_counted(&chats, &c, estimated).await;
                assert!(off <= 0.15, "turn {i}: estimated {estimated}, counted {counted}");
            }
            Err(ChatError::Overflow(o)) => break o,
            Err(e) => panic!("turn {i}: {e}"),
        }
    };
    assert_eq!(overflow.window, 2_000);
    assert!(overflow.needed > 2_000 && !overflow.last_turn_alone, "{overflow:?}");
    let words = ChatError::Overflow(overflow).to_string();
    assert!(words.contains("newest turns"), "{words}");
    // Told before: nothing written, nothing sent.
    let requests = fake.stats().chat_requests;
    let kept = chats.page(c.clone(), Page::Latest).await.unwrap().messages.len();
    assert_eq!(kept, 2 * (i - 1), "the question that did not fit was not kept");
    assert_eq!(fake.stats().context_refusals, 0);

    // The meter says the same, before a word is sent.
    let measure = chats.measure(&c, SMALL, question(i), &[]).await.unwrap();
    assert_eq!(
        (measure.used, measure.limit, measure.from.as_deref()),
        (overflow.needed, Some(2_000), None)
    );
    let empty = chats.measure(&c, SMALL, String::new(), &[]).await.unwrap();
    assert!(empty.used < measure.used, "{empty:?} {measure:?}");

    // The chat sends its newest turns that fit from now on (the last scripted answer, not
    // taken by the request that was never sent, answers it).
    {
        let c = c.clone();
        store
            .call(move |db| conversations::set_fit_newest(db, &c, true))
            .unwrap();
    }
    let answered = chats
        .ask(&model, &c, SMALL, Ask::Send { text: question(i) }, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(answered.status, MessageStatus::Done);
    assert_eq!(fake.stats().chat_requests, requests + 1);
    let sent = fake.stats().last_chat_messages;
    assert_eq!(
        sent[0],
        ("system".into(), "You answer in plain English.".into()),
        "the system prompt kept"
    );
    assert_eq!(sent[1].0, "user", "whole turns: the view starts at a question");
    assert_eq!(sent.last().unwrap().1, question(i).trim_end());
    assert!(sent.len() < 2 * i, "older turns left out: {} messages sent", sent.len());
    let page = chats.page(c.clone(), Page::Latest).await.unwrap();
    assert_eq!(page.messages.len(), 2 * i, "the chat keeps everything");
    let measure = chats.measure(&c, SMALL, question(i + 1), &[]).await.unwrap();
    assert!(measure.used <= 2_000, "what would be sent fits: {measure:?}");
    // Where the model's view begins: a question, kept in the chat.
    let first = page
        .messages
        .iter()
        .find(|m| Some(&m.id) == measure.from.as_ref())
        .expect("a message of the chat");
    assert_eq!(first.role, Author::User);
    assert!(first.seq > page.messages[0].seq, "older turns left out");

    // A message too long even alone is said as such.
    let huge = "word ".repeat(3_000);
    match chats
        .ask(&model, &c, SMALL, Ask::Send { text: huge }, &mut Vec::new())
        .await
    {
        Err(ChatError::Overflow(o)) => assert!(o.last_turn_alone, "{o:?}"),
        other => panic!("{other:?}"),
    }
}

/// A provider that counts twice the tokens the estimate says (fake/dense-tokens): from the
/// second request on, the estimate starts from what the gateway counted of the last one, so it
/// follows the provider's count and the window is told full before the gateway would refuse.
#[tokio::test]
async fn the_estimate_follows_what_the_gateway_counted() {
    let (fake, gateway, key, _store, chats, c) = small_window_chat(DENSE).await;
    let model = glama(&gateway, &key);
    let question = |i: usize| {
        format!(
            "Question {i}: {}",
            "Why is the sea salty but rivers are not? ".repeat(12)
        )
    };
    let mut i = 0;
    let overflow = loop {
        i += 1;
        assert!(i < 20, "the window never filled");
        let estimated = chats.measure(&c, DENSE, question(i), &[]).await.unwrap().used;
        fake.script_chat(full_speed());
        match chats
            .ask(&model, &c, DENSE, Ask::Send { text: question(i) }, &mut Vec::new())
            .await
        {
            Ok(answered) => {
                assert_eq!(answered.status, MessageStatus::Done, "turn {i}");
                let (off, counted) = off_from_counted(&chats, &c, estimated).await;
                if i == 1 {
                    // Nothing counted yet: the estimate is the app's own, half the provider's.
                    assert!(off > 0.3, "turn 1: estimated {estimated}, counted {counted}");
                } else {
                    assert!(off <= 0.15, "turn {i}: estimated {estimated}, counted {counted}");
                }
            }
            Err(ChatError::Overflow(o)) => break o,
            Err(e) => panic!("turn {i}: {e}"),
        }
    };
    assert!(i > 2, "the window filled at turn {i}: {overflow:?}");
    assert_eq!(fake.stats().context_refusals, 0, "told before the gateway refused");
}

/// A continued answer keeps the count of the request that began it: the request that continued
/// it held the answer's first part too, which would make the next estimate over three times the
/// gateway's count, and the window "full" long before it is.
#[tokio::test]
async fn a_continued_answer_does_not_inflate_the_estimate() {
    let (fake, gateway, key, _store, chats, c) = small_window_chat(DENSE).await;
    let model = glama(&gateway, &key);
    // Long enough for the gateway's count to outweigh what the estimate adds per message.
    let question = "Why does the tide rise twice a day, and not once? ".repeat(8);
    let first_part = "The tide rises twice a day because the moon pulls the near and far sides. ".repeat(8);
    fake.script_chat(ChatScenario {
        reply: Some(first_part),
        finish_reason: Some("length".into()),
        ..full_speed()
    });
    let cut = chats
        .ask(&model, &c, DENSE, Ask::Send { text: question }, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(cut.status, MessageStatus::Done);
    let id = chats
        .page(c.clone(), Page::Latest)
        .await
        .unwrap()
        .messages
        .last()
        .unwrap()
        .id
        .clone();
    fake.script_chat(ChatScenario {
        reply: Some(" And that is all.".into()),
        ..full_speed()
    });
    chats
        .ask(&model, &c, DENSE, Ask::Continue { message_id: id }, &mut Vec::new())
        .await
        .unwrap();

    let next = "And the sun?";
    let estimated = chats.measure(&c, DENSE, next.into(), &[]).await.unwrap().used;
    fake.script_chat(full_speed());
    chats
        .ask(&model, &c, DENSE, Ask::Send { text: next.into() }, &mut Vec::new())
        .await
        .unwrap();
    let (off, counted) = off_from_counted(&chats, &c, estimated).await;
    assert!(off <= 0.15, "estimated {estimated}, counted {counted}");
}

/// Glama's own "maximum context length" refusal is said in the same words as the guard's.
#[tokio::test]
async fn the_gateways_context_length_refusal_is_said_as_a_full_window() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    // No model list: the window is not known here, so the request leaves and is refused.
    let chats = Chats::new(store.clone(), fast_policy());
    let c = store.call(|db| conversations::create(db, SMALL)).unwrap().id;
    let mut events = Vec::new();
    let answered = chats
        .ask(
            &glama(&gateway, &key),
            &c,
            SMALL,
            Ask::Send {
                text: "word ".repeat(3_000),
            },
            &mut events,
        )
        .await
        .unwrap();
    assert_eq!(answered.status, MessageStatus::Error);
    assert_eq!(fake.stats().context_refusals, 1);
    let error = events
        .iter()
        .find_map(|e| match e {
            AnswerEvent::Finished { error, .. } => error.clone(),
            _ => None,
        })
        .expect("an error");
    assert_eq!(error.kind, glama_core::error_code::ErrorCode::ContextFull);
    assert!(error.message.contains("newest turns"), "{}", error.message);
}

/// A chat that outgrew its model's window goes on in a new chat from the model's summary of
/// its newest turns that fit (leaving the summary room): the new chat has the old one's
/// settings, the summary after its system prompt, and the question waiting in its composer.
#[tokio::test]
async fn a_full_chat_goes_on_in_a_new_chat_from_the_models_summary() {
    let (fake, gateway, key, store, chats, c) = small_window_chat(SMALL).await;
    {
        let c = c.clone();
        store
            .call(move |db| {
                conversations::rename(db, &c, "Tides")?;
                conversations::set_parameters(
                    db,
                    &c,
                    &conversations::Parameters {
                        temperature: Some(0.5),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
    }
    let model = glama(&gateway, &key);
    let empty = chats.continue_in_new_chat(&model, &c, SMALL, String::new()).await;
    assert!(matches!(empty, Err(ChatError::Store(_))), "nothing to summarize yet");
    assert_eq!(fake.stats().chat_requests, 0);

    // Three turns of about 550 tokens, answered briefly: they fit the window of 2,000, but not
    // the 1,500 left once the summary has its room, so the oldest is left out.
    let question = |i: usize| format!("Question {i}: {}", "Why are there two tides a day? ".repeat(70));
    for i in 0..3 {
        fake.script_chat(ChatScenario {
            reply: Some(format!("Answer {i}.")),
            ..full_speed()
        });
        chats
            .ask(&model, &c, SMALL, Ask::Send { text: question(i) }, &mut Vec::new())
            .await
            .unwrap();
    }
    fake.script_chat(ChatScenario {
        reply: Some("They asked about tides; the moon pulls two bulges.".into()),
        ..full_speed()
    });
    let new = chats
        .continue_in_new_chat(&model, &c, SMALL, "And the sun?".into())
        .await
        .unwrap();
    let sent = fake.stats().last_chat_messages;
    assert_eq!(sent[0], ("system".into(), "You answer in plain English.".into()));
    assert_eq!(sent.last().unwrap().0, "user");
    assert!(sent.last().unwrap().1.starts_with("Summarize the conversation above"));
    assert!(
        !sent.iter().any(|(_, t)| t.starts_with("Question 0")),
        "the oldest turn left out: {sent:?}"
    );
    assert!(sent.iter().any(|(_, t)| t.starts_with("Question 2")));
    assert_eq!(fake.stats().context_refusals, 0);
    assert!(
        fake.stats().last_chat_parameters.is_empty(),
        "the summary is asked with the model's defaults"
    );

    assert_ne!(new.id, c);
    assert_eq!(new.model, SMALL);
    assert_eq!(new.draft, "And the sun?");
    assert_eq!(new.parameters.temperature, Some(0.5));
    assert!(
        new.system_prompt
            .starts_with("You answer in plain English.\n\nThis chat continues an earlier one, “Tides”.")
            && new
                .system_prompt
                .ends_with("They asked about tides; the moon pulls two bulges."),
        "{}",
        new.system_prompt
    );
    let old = chats.page(c.clone(), Page::Latest).await.unwrap();
    assert_eq!(old.messages.len(), 6, "the old chat is kept as it was");
    let page = chats.page(new.id.clone(), Page::Latest).await.unwrap();
    assert!(page.messages.is_empty());
}
