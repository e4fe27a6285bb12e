//! An answer's whole life around its turn, with the in-process model and a real (in-memory)
//! store: saved before the request, as it grows and at its end; what the window is told;
//! Stop in each state.

use std::time::Duration;

use super::*;
use crate::chat::fake::{self, FakeModel};
use crate::error_code::ErrorCode;
use crate::gateway;
use crate::store::conversations;
use crate::store::rows::Author;
use crate::usage::{Usage, UsageSource};

fn chats() -> (Arc<Chats>, Arc<Store>, String) {
    let store = Arc::new(Store::in_memory());
    let policy = AnswerPolicy {
        usage_polls: 4,
        usage_poll_interval: Duration::from_millis(50),
        save_every: Duration::from_millis(20),
        ..AnswerPolicy::default()
    };
    let chats = Arc::new(Chats::new(store.clone(), policy));
    let c = store.call(|db| conversations::create(db, "m")).unwrap().id;
    (chats, store, c)
}

fn stored(store: &Store, c: &str) -> Vec<view::Message> {
    let c = c.to_string();
    store
        .call(move |db| Ok(view::page(db, &c, Page::Latest, 100)?.messages))
        .unwrap()
}

fn finished(events: &[AnswerEvent]) -> &AnswerEvent {
    events
        .iter()
        .find(|e| matches!(e, AnswerEvent::Finished { .. }))
        .expect("a Finished event")
}

/// Asks `text` in the background; the model's part is the test's.
fn ask(
    chats: &Arc<Chats>,
    model: &Arc<FakeModel>,
    c: &str,
    ask: Ask,
) -> tokio::task::JoinHandle<(Result<Answered, ChatError>, Vec<AnswerEvent>)> {
    let (chats, model, c) = (chats.clone(), model.clone(), c.to_string());
    tokio::spawn(async move {
        let mut events = Vec::new();
        let answered = chats.ask(&*model, &c, "m", ask, &mut events).await;
        (answered, events)
    })
}

fn send(text: &str) -> Ask {
    Ask::Send { text: text.into() }
}

#[tokio::test]
async fn an_answer_is_saved_and_the_window_told_from_start_to_end() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let running = ask(&chats, &model, &c, send("hi"));
    let asked = script.next().await;
    // The question is on disk before the model has answered anything.
    let before = stored(&store, &c);
    assert_eq!(
        before.iter().map(|m| (m.role, m.status)).collect::<Vec<_>>(),
        [
            (Author::User, MessageStatus::Done),
            (Author::Assistant, MessageStatus::Streaming)
        ]
    );
    let feed = asked.stream();
    feed.text("Hello ");
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(stored(&store, &c)[1].text, "Hello ", "saved as it grows");
    feed.text("there.");
    model.settles_with(Usage {
        prompt_tokens: Some(2),
        completion_tokens: Some(2),
        reasoning_tokens: None,
        cost_usd: Some(0.01),
        source: UsageSource::Glama,
    });
    drop(feed);
    let (answered, events) = running.await.unwrap();
    assert_eq!(answered.unwrap().status, MessageStatus::Done);
    let AnswerEvent::Started {
        question_id,
        message_id,
        ..
    } = &events[0]
    else {
        panic!("started first: {:?}", events[0]);
    };
    let after = stored(&store, &c);
    assert_eq!(question_id.as_deref(), Some(after[0].id.as_str()));
    assert_eq!(message_id, &after[1].id);
    assert_eq!(after[1].text, "Hello there.");
    assert!(after[1].html.contains("Hello there."));
    assert_eq!(after[1].usage.as_ref().unwrap().cost_usd, Some(0.01));
    assert!(matches!(
        finished(&events),
        AnswerEvent::Finished {
            role: Author::Assistant,
            continuable: false,
            ..
        }
    ));
    assert!(matches!(events.last(), Some(AnswerEvent::Usage(_))));
}

#[tokio::test]
async fn a_failure_before_any_text_is_an_error_row_and_the_window_is_told_so() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let running = ask(&chats, &model, &c, send("hi"));
    script.next().await.fail(GatewayError::Unauthorized);
    let (answered, events) = running.await.unwrap();
    let answered = answered.unwrap();
    assert_eq!(answered.status, MessageStatus::Error);
    assert_eq!(
        answered.error,
        Some(GatewayError::Unauthorized),
        "for the shell to act on"
    );
    assert!(matches!(
        finished(&events),
        AnswerEvent::Finished { role: Author::Error, error: Some(e), .. } if e.kind == ErrorCode::KeyRejected
    ));
    assert_eq!(stored(&store, &c)[1].role, Author::Error);
}

#[tokio::test]
async fn stop_in_each_state() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);

    // Requesting: nothing came; the answer is stopped, empty.
    let running = ask(&chats, &model, &c, send("one"));
    let _asked = script.next().await;
    assert!(chats.stop(&c));
    let (answered, _) = running.await.unwrap();
    assert_eq!(answered.unwrap().status, MessageStatus::Stopped);

    // Streaming: the text so far is kept, and Continue is offered.
    let running = ask(&chats, &model, &c, send("two"));
    let feed = script.next().await.stream();
    feed.text("Once upon");
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(chats.stop(&c));
    let (answered, events) = running.await.unwrap();
    assert_eq!(answered.unwrap().status, MessageStatus::Stopped);
    assert!(matches!(
        finished(&events),
        AnswerEvent::Finished { continuable: true, .. }
    ));
    let last = stored(&store, &c).pop().unwrap();
    assert_eq!((last.text.as_str(), last.status), ("Once upon", MessageStatus::Stopped));
    assert!(last.continuable);

    // Finished, usage still settling: there is nothing left to stop, and the chat is free.
    let running = ask(&chats, &model, &c, send("three"));
    drop(script.next().await.stream());
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(!running.is_finished(), "usage still settling");
    assert!(!chats.stop(&c));
    let (answered, _) = running.await.unwrap();
    assert_eq!(answered.unwrap().status, MessageStatus::Done);
    assert_eq!(stored(&store, &c).pop().unwrap().status, MessageStatus::Done);
}

#[tokio::test]
async fn a_busy_chat_refuses_a_second_question_and_a_missing_model_is_refused_first() {
    let (chats, _store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let running = ask(&chats, &model, &c, send("one"));
    let _asked = script.next().await;
    let second = chats.ask(&*model, &c, "m", send("two"), &mut Vec::new()).await;
    assert!(matches!(second, Err(ChatError::Busy)));
    let no_model = chats.ask(&*model, &c, " ", send("two"), &mut Vec::new()).await;
    assert!(matches!(no_model, Err(ChatError::NoModel)));
    chats.stop(&c);
    running.await.unwrap().0.unwrap();
}

#[tokio::test]
async fn a_regenerated_answer_follows_the_last_question() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let running = ask(&chats, &model, &c, send("q"));
    script.next().await.stream().text("first");
    running.await.unwrap().0.unwrap();
    let question = stored(&store, &c)[0].id.clone();

    let running = ask(&chats, &model, &c, Ask::Regenerate);
    let asked = script.next().await;
    assert_eq!(
        asked.request.messages.len(),
        1,
        "the question alone, not the old answer"
    );
    asked.stream().text("second");
    let (_, events) = running.await.unwrap();
    assert!(matches!(&events[0], AnswerEvent::Started { question_id: Some(q), .. } if *q == question));
    let texts: Vec<String> = stored(&store, &c).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["q", "second"]);
}

/// The calls of the conversation's answers, as kept.
fn kept_calls(store: &Store) -> Vec<tools::CallRecord> {
    store
        .call(|db| {
            let nums: Vec<i64> = db
                .prepare("SELECT num FROM messages ORDER BY seq")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(tool_calls::of_messages(db, &nums)?.into_values().flatten().collect())
        })
        .unwrap()
}

#[tokio::test]
async fn tool_calls_are_kept_as_they_go_and_sent_again_on_the_next_question() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let tools = fake::FakeTools::default();
    let (approvals, decide) = Approvals::new(Default::default());
    let running = {
        let (chats, model, c, tools) = (chats.clone(), model.clone(), c.clone(), tools.clone());
        tokio::spawn(async move {
            let mut approvals = approvals;
            let mut events = Vec::new();
            let ask = send("look it up");
            let answered = chats
                .ask_with_tools(&*model, &c, "m", ask, (&tools, &mut approvals), &mut events)
                .await;
            (answered, events)
        })
    };
    let asked = script.next().await;
    assert_eq!(asked.request.tools, tools.offered(), "the tools are offered");
    asked.stream().call_tools("Looking. ", &[("c1", "echo")]);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        kept_calls(&store)[0].status,
        tools::CallStatus::Awaiting,
        "kept while it waits"
    );
    decide.send(("c1".into(), tools::Decision::AllowOnce)).unwrap();
    script.next().await.stream().text("Found it.");
    let (answered, _) = running.await.unwrap();
    assert_eq!(answered.unwrap().status, MessageStatus::Done);
    let kept = kept_calls(&store);
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].status, kept[0].result.as_deref()),
        (tools::CallStatus::Done, Some("echo ran with {\"n\":1}"))
    );
    let shown = &stored(&store, &c)[1];
    assert_eq!(shown.text, "Looking. Found it.");
    assert_eq!(shown.tool_calls, kept, "the window gets the calls with the answer");

    // The next question, asked without tools, sends the round as words (a request that defines
    // no tools may not hold calls); with tools, the round goes again as calls and results.
    let running = ask(&chats, &model, &c, send("and then?"));
    let asked = script.next().await;
    let sent: Vec<(gateway::types::Role, String)> = asked
        .request
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_str().to_string()))
        .collect();
    use gateway::types::Role;
    assert_eq!(
        sent,
        [
            (Role::User, "look it up".to_string()),
            (
                Role::Assistant,
                "Looking.\n\n[Called the tool echo with {\"n\":1}]\n\n[The tool answered: echo ran with {\"n\":1}]\n\nFound it."
                    .to_string()
            ),
            (Role::User, "and then?".to_string()),
        ]
    );
    assert!(asked.request.tools.is_empty());
    asked.stream().text("ok");
    running.await.unwrap().0.unwrap();
}

#[tokio::test]
async fn a_stopped_tool_round_keeps_its_calls_interrupted() {
    let (chats, store, c) = chats();
    let (model, mut script) = FakeModel::new();
    let model = Arc::new(model);
    let tools = fake::FakeTools::default();
    let (approvals, _decide) = Approvals::new(Default::default());
    let running = {
        let (chats, model, c, tools) = (chats.clone(), model.clone(), c.clone(), tools.clone());
        tokio::spawn(async move {
            let mut approvals = approvals;
            chats
                .ask_with_tools(&*model, &c, "m", send("go"), (&tools, &mut approvals), &mut Vec::new())
                .await
        })
    };
    script.next().await.stream().call_tools("", &[("c1", "echo")]);
    tokio::time::sleep(Duration::from_millis(40)).await;
    chats.stop(&c);
    assert_eq!(running.await.unwrap().unwrap().status, MessageStatus::Stopped);
    assert_eq!(kept_calls(&store)[0].status, tools::CallStatus::Interrupted);
    assert!(tools.ran().is_empty());
}
