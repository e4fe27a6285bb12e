//! The turn through the in-process model: each transition, and Stop in each state.

use std::time::Duration;

use super::*;
use crate::chat::fake::{FakeModel, Script};
use crate::gateway::types::FinishReason;
use crate::render::Replica;

/// What a turn told its sink.
#[derive(Default)]
struct Watch {
    events: Vec<AnswerEvent>,
    phases: Vec<Phase>,
    saved: Vec<(String, String)>,
}

impl AnswerSink for Watch {
    fn event(&mut self, event: AnswerEvent) {
        self.events.push(event);
    }
    fn phase(&mut self, phase: Phase) {
        self.phases.push(phase);
    }
    fn save(&mut self, text: &str, reasoning: &str) {
        self.saved.push((text.into(), reasoning.into()));
    }
}

impl Watch {
    /// The answer as the window shows it after every update.
    fn shown(&self) -> String {
        let mut page = Replica::default();
        for e in &self.events {
            if let AnswerEvent::Delta(u) = e {
                page.apply(u.clone());
            }
        }
        page.html()
    }

    fn retries(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, AnswerEvent::Retrying { .. }))
            .count()
    }
}

fn policy() -> AnswerPolicy {
    AnswerPolicy {
        default_retry_after: Duration::from_millis(30),
        server_retry_delay: Duration::from_millis(10),
        save_every: Duration::from_millis(20),
        ..AnswerPolicy::default()
    }
}

fn request() -> Request {
    Request {
        model: "m".into(),
        messages: vec![],
        tools: Vec::new(),
        parameters: Default::default(),
    }
}

/// Runs a turn against a fake model while `drive` plays the model's part.
async fn turn<F, Fut>(resume: Option<Resume>, drive: F) -> (Ending, Watch)
where
    F: FnOnce(Script, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (model, script) = FakeModel::new();
    let (cancel, pace, policy, request) = (CancellationToken::new(), Pace::default(), policy(), request());
    let mut watch = Watch::default();
    let run = Turn::new(&model, &request, resume.as_ref(), &policy, &cancel, &pace).run(&mut watch);
    let (ending, ()) = tokio::join!(run, drive(script, cancel.clone()));
    (ending, watch)
}

#[tokio::test]
async fn requesting_then_streaming_then_finished() {
    let (ending, watch) = turn(None, |mut script, _| async move {
        let feed = script.next().await.stream();
        feed.text("Hello, ");
        feed.text("**world**.");
        feed.send(StreamItem::Finish(FinishReason::Stop));
        feed.send(StreamItem::Usage {
            prompt_tokens: Some(3),
            completion_tokens: Some(4),
            reasoning_tokens: None,
        });
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Streaming, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Done);
    assert_eq!(ending.written.text, "Hello, **world**.");
    assert_eq!(ending.written.stop_reason(), None);
    assert_eq!(ending.request_id.as_deref(), Some("cr_fake"));
    assert_eq!(ending.stream_usage.unwrap().completion_tokens, Some(4));
    assert_eq!(watch.shown(), crate::render::render_markdown("Hello, **world**."));
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_in_requesting_then_the_answer_comes() {
    let (ending, watch) = turn(None, |mut script, _| async move {
        script.next().await.fail(GatewayError::RateLimited {
            retry_after: None,
            message: "slow down".into(),
        });
        let feed = script.next().await.stream();
        feed.text("ok");
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Streaming, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Done);
    assert!(watch.retries() >= 1);
    assert_eq!(ending.written.text, "ok");
}

#[tokio::test]
async fn a_refusal_in_requesting_finishes_with_the_error_and_no_retry() {
    let (ending, watch) = turn(None, |mut script, _| async move {
        script
            .next()
            .await
            .fail(GatewayError::PaymentRequired("no credit".into()));
        tokio::task::yield_now().await;
        assert!(!script.has_waiting(), "not retried");
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Error);
    assert!(matches!(ending.error, Some(GatewayError::PaymentRequired(_))));
    assert_eq!(watch.retries(), 0);
}

#[tokio::test]
async fn a_failure_while_streaming_keeps_the_text_and_is_not_retried() {
    let (ending, watch) = turn(None, |mut script, _| async move {
        let feed = script.next().await.stream();
        feed.text("half an ans");
        feed.fail(GatewayError::Dropped("connection reset".into()));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!script.has_waiting(), "not retried once bytes came");
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Streaming, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Error);
    assert_eq!(ending.written.text, "half an ans");
    assert!(watch.shown().contains("half an ans"));
}

#[tokio::test]
async fn stop_while_requesting() {
    let (ending, watch) = turn(None, |mut script, cancel| async move {
        let asked = script.next().await;
        cancel.cancel();
        // The turn lets go of the request without waiting for its answer.
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(asked);
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(ending.error, None);
}

#[tokio::test]
async fn stop_while_waiting_to_ask_again() {
    let (ending, watch) = turn(None, |mut script, cancel| async move {
        script.next().await.fail(GatewayError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
            message: "slow down".into(),
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        cancel.cancel();
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(watch.retries(), 1, "the countdown showed once, then the stop ended it");
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Finished]);
}

#[tokio::test]
async fn stop_while_streaming_keeps_the_text_and_closes_the_stream() {
    let (ending, watch) = turn(None, |mut script, cancel| async move {
        let feed = script.next().await.stream();
        feed.text("Once upon");
        tokio::time::sleep(Duration::from_millis(40)).await;
        cancel.cancel();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(feed.is_closed(), "the turn let go of the stream");
    })
    .await;
    assert_eq!(watch.phases, [Phase::Requesting, Phase::Streaming, Phase::Finished]);
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(ending.written.text, "Once upon");
    assert!(watch.shown().contains("Once upon"));
    assert!(
        watch.saved.iter().any(|(text, _)| text == "Once upon"),
        "saved while it streamed: {:?}",
        watch.saved
    );
}

#[tokio::test]
async fn a_continued_answer_is_shown_again_first_and_grows() {
    let resume = Resume {
        text: "Before. ".into(),
        stop_reason: Some(crate::store::rows::StopReason::Length),
        ..Resume::default()
    };
    let (ending, watch) = turn(Some(resume), |mut script, _| async move {
        let feed = script.next().await.stream();
        feed.text("After.");
    })
    .await;
    assert!(
        matches!(watch.events.first(), Some(AnswerEvent::Delta(_))),
        "shown again before the request: {:?}",
        watch.events.first()
    );
    assert_eq!(ending.written.text, "Before. After.");
}

#[tokio::test]
async fn a_continued_answer_stopped_before_the_request_is_shown_whole_again() {
    let resume = Resume {
        text: "Before.".into(),
        ..Resume::default()
    };
    let (ending, watch) = turn(Some(resume), |mut script, cancel| async move {
        let _asked = script.next().await;
        cancel.cancel();
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Stopped);
    assert_eq!(ending.written.text, "Before.");
    assert_eq!(watch.shown(), crate::render::render_markdown("Before."));
}

#[tokio::test]
async fn usage_is_the_providers_once_settled_else_the_streams() {
    let (model, mut script) = FakeModel::new();
    let (cancel, pace, policy, request) = (CancellationToken::new(), Pace::default(), policy(), request());
    let mut watch = Watch::default();
    let run = Turn::new(&model, &request, None, &policy, &cancel, &pace).run(&mut watch);
    let drive = async {
        let feed = script.next().await.stream();
        feed.text("ok");
        feed.send(StreamItem::Usage {
            prompt_tokens: Some(1),
            completion_tokens: Some(2),
            reasoning_tokens: Some(1),
        });
    };
    let (ending, ()) = tokio::join!(run, drive);
    assert_eq!(
        ending.settle_usage(&model, &policy).await.unwrap().source,
        UsageSource::Stream,
        "nothing settled: the stream's count"
    );
    model.settles_with(Usage {
        prompt_tokens: Some(10),
        completion_tokens: Some(20),
        reasoning_tokens: None,
        cost_usd: Some(0.5),
        source: UsageSource::Glama,
    });
    let settled = ending.settle_usage(&model, &policy).await.unwrap();
    assert_eq!((settled.cost_usd, settled.source), (Some(0.5), UsageSource::Glama));
    assert_eq!(
        settled.reasoning_tokens,
        Some(1),
        "the stream's reasoning count is kept"
    );
}

/// Before the cap, an answer grew for as long as the stream went on.
#[tokio::test]
async fn an_answer_past_its_cap_ends_kept_and_said_and_lets_go_of_the_stream() {
    let piece = format!("{}\n", "x".repeat(1023)).repeat(1024); // 1 MB of code lines
    let (ending, watch) = turn(None, |mut script, _| async move {
        let feed = script.next().await.stream();
        feed.text("```\n");
        for _ in 0..9 {
            feed.text(&piece);
        }
        for _ in 0..1000 {
            if feed.is_closed() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(feed.is_closed(), "the turn let go of the stream");
    })
    .await;
    assert_eq!(ending.status, MessageStatus::Error);
    assert_eq!(
        ending.error,
        Some(GatewayError::TooLarge {
            what: "an answer",
            limit: MAX_ANSWER_BYTES
        })
    );
    assert_eq!(
        ending.error.unwrap().to_string(),
        "Glama sent an answer larger than 8192 KB, more than this app reads; the rest was not read."
    );
    assert_eq!(ending.written.text.len(), MAX_ANSWER_BYTES);
    assert!(
        watch.shown().ends_with("</code></pre>\n"),
        "shown whole, as far as it went"
    );
}
