//! Tool rounds through the in-process model and tools: approval held in Rust, each decision,
//! Stop while a call waits or runs, the rounds' limit.

use std::collections::HashSet;
use std::time::Duration;

use super::*;
use crate::chat::fake::{FakeModel, FakeTools, Script};
use crate::chat::tools::{CallStatus, Decide, Decision, MAX_ROUNDS};
use crate::gateway::types::{ChatMessage, Content, Part, Role};

/// Runs a turn with tools while `drive` plays the model's and the person's parts.
async fn turn_with<F, Fut>(tools: FakeTools, allowed: &[&str], drive: F) -> (Ending, Vec<AnswerEvent>)
where
    F: FnOnce(Script, Decide, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    turn_seeing(tools, allowed, false, drive).await
}

/// [`turn_with`], for a model that takes images when `sees_images`.
async fn turn_seeing<F, Fut>(
    tools: FakeTools,
    allowed: &[&str],
    sees_images: bool,
    drive: F,
) -> (Ending, Vec<AnswerEvent>)
where
    F: FnOnce(Script, Decide, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (model, script) = FakeModel::new();
    let policy = AnswerPolicy {
        save_every: Duration::from_millis(20),
        ..AnswerPolicy::default()
    };
    let (cancel, pace) = (CancellationToken::new(), Pace::default());
    let request = Request {
        model: "m".into(),
        messages: vec![ChatMessage::new(Role::User, "go")],
        tools: vec![serde_json::json!({"type": "function", "function": {"name": "echo"}})],
        parameters: Default::default(),
    };
    let (mut approvals, decide) = Approvals::new(allowed.iter().map(|s| s.to_string()).collect::<HashSet<_>>());
    let mut events = Vec::new();
    let run = Turn::new(&model, &request, None, &policy, &cancel, &pace)
        .with_tools(&tools, &mut approvals, sees_images)
        .run(&mut events);
    let (ending, ()) = tokio::join!(run, drive(script, decide, cancel.clone()));
    (ending, events)
}

fn statuses(ending: &Ending) -> Vec<CallStatus> {
    ending.calls.iter().map(|c| c.status).collect()
}

/// Waits until the turn shows the round's calls (it holds them then).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(30)).await;
}

#[tokio::test]
async fn an_approved_call_runs_and_the_model_answers_from_its_result() {
    let tools = FakeTools::default();
    let (ending, events) = turn_with(tools.clone(), &[], |mut script, decide, _| async move {
        script
            .next()
            .await
            .stream()
            .call_tools("Let me look. ", &[("c1", "echo")]);
        settle().await;
        assert!(!script.has_waiting(), "nothing is sent before the person decides");
        decide.send(("c1".into(), Decision::AllowOnce)).unwrap();
        let again = script.next().await;
        let sent = &again.request.messages;
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert_eq!(sent[1].role, Role::Assistant);
        assert_eq!(sent[1].content, "Let me look. ");
        assert_eq!(sent[1].tool_calls[0].arguments, "{\"n\":1}");
        assert_eq!(sent[2].tool_call_id.as_deref(), Some("c1"));
        assert_eq!(sent[2].content, "echo ran with {\"n\":1}");
        let feed = again.stream();
        feed.text("It said so.");
        feed.send(StreamItem::Finish(FinishReason::Stop));
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Done);
    assert_eq!(ending.written.text, "Let me look. It said so.");
    assert_eq!(tools.ran(), ["c1"]);
    assert_eq!(statuses(&ending), [CallStatus::Done]);
    assert_eq!(ending.calls[0].label, "fake · echo");
    assert_eq!(ending.calls[0].arguments, "{\"n\":1}", "as the model wrote them");
    assert_eq!(
        (ending.calls[0].round, ending.calls[0].text_at),
        (0, "Let me look. ".len())
    );
    let shown = events.iter().find_map(|e| match e {
        AnswerEvent::ToolCalls { calls } => Some(calls.clone()),
        _ => None,
    });
    assert_eq!(shown.unwrap()[0].status, CallStatus::Awaiting);
}

#[tokio::test]
async fn a_denied_call_never_runs_and_the_model_is_told() {
    let tools = FakeTools::default();
    let (ending, _) = turn_with(tools.clone(), &[], |mut script, decide, _| async move {
        script.next().await.stream().call_tools("", &[("c1", "echo")]);
        settle().await;
        decide.send(("c1".into(), Decision::Deny)).unwrap();
        let again = script.next().await;
        assert_eq!(again.request.messages[1].content, "", "no text: sent as null");
        assert_eq!(again.request.messages[2].content, crate::chat::tools::DENIED);
        again.stream().text("Fine.");
    })
    .await;
    assert!(tools.ran().is_empty());
    assert_eq!(statuses(&ending), [CallStatus::Denied]);
    assert_eq!(ending.written.text, "Fine.");
}

#[tokio::test]
async fn allowing_for_the_chat_covers_the_tools_other_calls_and_is_told() {
    let tools = FakeTools::default();
    let watched = tools.clone();
    let (ending, events) = turn_with(tools.clone(), &[], |mut script, decide, _| async move {
        let feed = script.next().await.stream();
        feed.call_tools("", &[("c1", "echo"), ("c2", "echo"), ("c3", "fail")]);
        settle().await;
        // A decision for a call this round does not hold counts for nothing.
        decide.send(("elsewhere".into(), Decision::AllowAlways)).unwrap();
        decide.send(("c2".into(), Decision::AllowChat)).unwrap();
        settle().await;
        assert!(watched.ran().is_empty(), "c3 still waits, so nothing runs yet");
        decide.send(("c3".into(), Decision::AllowOnce)).unwrap();
        let again = script.next().await;
        assert_eq!(again.request.messages[4].content, "Error: it broke");
        again.stream().text("ok");
    })
    .await;
    assert_eq!(tools.ran(), ["c1", "c2", "c3"]);
    assert_eq!(
        statuses(&ending),
        [CallStatus::Done, CallStatus::Done, CallStatus::Failed]
    );
    let allowed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            AnswerEvent::ToolAllowed { name, always } => Some((name.clone(), *always)),
            _ => None,
        })
        .collect();
    assert_eq!(allowed, [("echo".to_string(), false)]);
}

#[tokio::test]
async fn an_allowed_tool_runs_without_asking() {
    let tools = FakeTools::default();
    let (ending, _) = turn_with(tools.clone(), &["echo"], |mut script, _decide, _| async move {
        script.next().await.stream().call_tools("", &[("c1", "echo")]);
        script.next().await.stream().text("done");
    })
    .await;
    assert_eq!(tools.ran(), ["c1"]);
    assert_eq!(ending.written.text, "done");
}

#[tokio::test]
async fn stop_while_a_call_awaits_approval_leaves_it_interrupted_and_unrun() {
    let tools = FakeTools::default();
    let (ending, _) = turn_with(tools.clone(), &[], |mut script, _decide, cancel| async move {
        script.next().await.stream().call_tools("Wait. ", &[("c1", "echo")]);
        settle().await;
        cancel.cancel();
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(ending.written.text, "Wait. ");
    assert!(tools.ran().is_empty());
    assert_eq!(statuses(&ending), [CallStatus::Interrupted]);
}

#[tokio::test]
async fn stop_while_a_call_runs_cancels_it() {
    let tools = FakeTools {
        slow: true,
        ..FakeTools::default()
    };
    let (ending, _) = turn_with(tools.clone(), &["echo"], |mut script, _decide, cancel| async move {
        script
            .next()
            .await
            .stream()
            .call_tools("", &[("c1", "echo"), ("c2", "echo")]);
        settle().await;
        cancel.cancel();
        settle().await;
        assert!(!script.has_waiting());
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(*tools.cancelled.lock().unwrap(), 1, "the running call was cancelled");
    assert_eq!(tools.ran(), ["c1"], "the next call never started");
    assert_eq!(statuses(&ending), [CallStatus::Interrupted, CallStatus::Interrupted]);
}

#[tokio::test]
async fn a_model_that_never_stops_calling_is_stopped_after_the_rounds_limit() {
    let tools = FakeTools::default();
    let (ending, _) = turn_with(tools.clone(), &["echo"], |mut script, _decide, _| async move {
        for round in 0..MAX_ROUNDS {
            script
                .next()
                .await
                .stream()
                .call_tools("", &[(&format!("c{round}"), "echo")]);
        }
        settle().await;
        assert!(!script.has_waiting(), "no request after the last round");
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Error);
    assert_eq!(ending.error, Some(GatewayError::ToolRounds(MAX_ROUNDS)));
    assert_eq!(tools.ran().len(), MAX_ROUNDS as usize);
}

#[tokio::test]
async fn without_tools_calls_are_not_read() {
    let (model, mut script) = FakeModel::new();
    let (policy, cancel, pace) = (AnswerPolicy::default(), CancellationToken::new(), Pace::default());
    let request = Request {
        model: "m".into(),
        messages: vec![],
        tools: Vec::new(),
        parameters: Default::default(),
    };
    let mut events = Vec::new();
    let drive = async {
        script.next().await.stream().call_tools("plain", &[("c1", "echo")]);
    };
    let (ending, ()) = tokio::join!(
        Turn::new(&model, &request, None, &policy, &cancel, &pace).run(&mut events),
        drive
    );
    assert_eq!(ending.status, MessageStatus::Done);
    assert_eq!(ending.written.text, "plain");
    assert!(ending.calls.is_empty());
}

#[tokio::test]
async fn calls_ended_with_stop_still_run_and_calls_cut_at_the_limit_do_not() {
    let tools = FakeTools::default();
    let (ending, _) = turn_with(tools.clone(), &["echo"], |mut script, _decide, _| async move {
        let feed = script.next().await.stream();
        feed.call_tools_ending("", &[("c1", "echo")], FinishReason::Stop);
        let feed = script.next().await.stream();
        feed.call_tools_ending("", &[("c2", "echo")], FinishReason::Length);
    })
    .await;
    assert_eq!(tools.ran(), ["c1"]);
    assert_eq!(ending.status, MessageStatus::Done);
    assert_eq!(
        ending.written.stop_reason(),
        Some(crate::store::rows::StopReason::Length)
    );
}

/// A call's images: checked and scaled, shown on its card, kept (the saving sink gets their
/// bytes), and sent on after the results only to a model that takes images; what is not an
/// image is left out, and the model told.
#[tokio::test]
async fn images_a_call_returns_are_shown_kept_and_sent_only_to_a_model_that_sees() {
    for sees in [true, false] {
        let (ending, events) = turn_seeing(FakeTools::default(), &["picture"], sees, |mut script, _, _| async move {
            script.next().await.stream().call_tools("", &[("c1", "picture")]);
            let again = script.next().await;
            let sent = &again.request.messages;
            let result = sent[2].content.as_str().to_string();
            assert!(result.starts_with("a picture\n"), "{result:?}");
            assert!(result.contains("could not be read"), "the bytes that are no image: {result:?}");
            if sees {
                assert!(result.contains("see the next message"), "{result:?}");
                assert_eq!(sent.len(), 4, "{sent:?}");
                assert_eq!(sent[3].role, Role::User);
                let Content::Parts(parts) = &sent[3].content else {
                    panic!("images as parts: {:?}", sent[3].content)
                };
                assert!(matches!(&parts[0], Part::Text { text } if text.contains("c1")), "{parts:?}");
                assert!(
                    matches!(&parts[1], Part::ImageUrl { image_url } if image_url.url.starts_with("data:image/png;base64,")),
                    "{parts:?}"
                );
                assert_eq!(parts.len(), 2);
            } else {
                assert!(result.contains("not sent to you"), "{result:?}");
                assert_eq!(sent.len(), 3, "nothing more for a model that cannot see: {sent:?}");
            }
            again.stream().text("Seen.");
        })
        .await;
        let card = &ending.calls[0];
        assert_eq!(card.images.len(), 1, "{card:?}");
        let image = &card.images[0];
        assert_eq!((image.width, image.height), (Some(3), Some(2)));
        assert_eq!(image.media_type, "image/png");
        assert!(
            image.thumbnail.as_deref().is_some_and(|t| t.ends_with(&image.id)),
            "{image:?}"
        );
        let kept: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                AnswerEvent::ToolImages { call_id, images } => Some((call_id.clone(), images.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0, "c1");
        assert_eq!(kept[0].1[0].hash, image.id, "the bytes kept are the ones shown");
    }
}
