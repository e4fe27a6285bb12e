//! A gateway that misbehaves: endless bodies, oversized events, streams that keep the
//! connection open and say nothing, redirects. The client must stop reading early (the fake
//! counts the bytes it managed to send), say what happened in words, keep the text it had, and
//! never send the code or the key somewhere else.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use std::time::Duration;

use fake_gateway::{ChatScenario, ExchangeScenario, FakeGateway, ModelsScenario, ENDLESS_BYTES};
use glama_core::connect::pkce::Pkce;
use glama_core::gateway::types::{ChatMessage, Role};
use glama_core::gateway::{limits, Gateway, GatewayError, StreamItem, Timeouts};
use glama_core::secret::Secret;

mod common;
use common::setup;

/// Whatever the client reads past its cap, the server can only get this far ahead of it
/// (the sockets' buffers on both ends), far below the endless body's 256 MB.
const SENT_AT_MOST: u64 = 32 * 1024 * 1024;

fn ask(text: &str) -> Vec<ChatMessage> {
    vec![ChatMessage::new(Role::User, text)]
}

/// A server elsewhere that counts what reaches it: where a followed redirect would go.
async fn elsewhere() -> (String, Arc<AtomicU32>, tokio::sync::oneshot::Sender<()>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            // Were it reached, it would answer like Glama would.
            let _ = body;
            axum::Json(serde_json::json!({"apiKey": "stolen", "data": []}))
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let url = format!("http://{}/steal", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    (url, hits, tx)
}

#[tokio::test]
async fn an_endless_stream_event_ends_the_answer_with_words_and_the_text_so_far() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        reply: Some("Kept: ünïcödé 🦀".into()),
        endless: true,
        ..Default::default()
    });
    let mut stream = gateway
        .chat_stream(&key, "openai/gpt-4o", &ask("hi"), &[], &Default::default())
        .await
        .unwrap();
    let mut text = String::new();
    let error = loop {
        match stream.events.next().await {
            Some(Ok(StreamItem::Text(t))) => text.push_str(&t),
            Some(Ok(_)) => {}
            Some(Err(e)) => break e,
            None => panic!("the stream cannot end normally"),
        }
    };
    assert_eq!(text, "Kept: ünïcödé 🦀");
    assert_eq!(
        error,
        GatewayError::TooLarge {
            what: "a stream event",
            limit: limits::STREAM_EVENT
        }
    );
    assert_eq!(
        error.to_string(),
        "Glama sent a stream event larger than 1024 KB, more than this app reads; the rest was not read."
    );
    drop(stream);
    let sent = settle_sent(&fake, 1).await;
    assert!(sent < SENT_AT_MOST, "the server sent {sent} bytes");
}

/// Keep-alives every few milliseconds: the read timeout never fires, and before the progress
/// rule the answer never ended.
#[tokio::test]
async fn a_stream_that_keeps_the_connection_but_says_nothing_ends_as_stalled_with_the_text_so_far() {
    let (fake, _, key) = setup().await;
    let progress = Duration::from_millis(400);
    let timeouts = Timeouts {
        stream_progress: progress,
        ..Timeouts::default()
    };
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", timeouts);
    fake.script_chat(ChatScenario {
        reply: Some("Kept: ünïcödé 🦀".into()),
        stall: true,
        ..Default::default()
    });
    let mut stream = gateway
        .chat_stream(&key, "openai/gpt-4o", &ask("hi"), &[], &Default::default())
        .await
        .unwrap();
    let read = async {
        let mut text = String::new();
        loop {
            match stream.events.next().await {
                Some(Ok(StreamItem::Text(t))) => text.push_str(&t),
                Some(Ok(_)) => {}
                Some(Err(e)) => break (text, e),
                None => panic!("the stream cannot end normally"),
            }
        }
    };
    let (text, error) = tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the stream ends as stalled, whatever keeps coming");
    assert_eq!(text, "Kept: ünïcödé 🦀");
    assert_eq!(error, GatewayError::Stalled(progress));
    assert_eq!(error.kind(), "stalled");
    assert_eq!(
        error.to_string(),
        "The answer stalled: Glama sent nothing new for a second, though the connection stayed \
         open. Try again, or choose another model."
    );
    assert!(fake.stats().endless_bytes_sent > 100, "keep-alives kept coming");
    drop(stream);
    settle_sent(&fake, 1).await;
}

#[tokio::test]
async fn an_endless_error_body_is_cut_to_a_readable_message() {
    let (fake, gateway, key) = setup().await;
    fake.script_chat(ChatScenario {
        status: Some(500),
        endless: true,
        ..Default::default()
    });
    let err = match gateway
        .chat_stream(&key, "openai/gpt-4o", &ask("hi"), &[], &Default::default())
        .await
    {
        Err(e) => e,
        Ok(_) => panic!("a 500 is an error"),
    };
    match &err {
        GatewayError::Server { status: 500, message } => {
            assert!(message.starts_with("upstream error: xxx"), "{message}");
            assert!(message.chars().count() <= limits::MESSAGE_CHARS + 1);
        }
        other => panic!("{other:?}"),
    }
    let sent = settle_sent(&fake, 1).await;
    assert!(sent < SENT_AT_MOST, "the server sent {sent} bytes");
}

#[tokio::test]
async fn an_endless_model_list_is_refused() {
    let (fake, gateway, key) = setup().await;
    fake.script_models(ModelsScenario::Endless);
    fake.script_models(ModelsScenario::Endless);
    let err = gateway.models(&key).await.unwrap_err();
    assert_eq!(
        err,
        GatewayError::TooLarge {
            what: "a model list",
            limit: limits::MODEL_LIST
        }
    );
    let sent = settle_sent(&fake, 2).await;
    assert!(sent < 2 * SENT_AT_MOST, "the server sent {sent} bytes");
}

/// The bytes endless bodies produced, once the server has dropped them all (the client
/// went away; a client that read on would have had up to 256 MB).
async fn settle_sent(fake: &FakeGateway, bodies: u32) -> u64 {
    while fake.stats().endless_bodies_closed < bodies {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sent = fake.stats().endless_bytes_sent;
    assert!(sent > 0 && sent < ENDLESS_BYTES, "{sent}");
    sent
}

/// A 307/308 on the exchange would make reqwest re-send the code and the verifier to the
/// redirect's target.
#[tokio::test]
async fn the_code_exchange_never_follows_a_redirect() {
    for status in [301, 302, 303, 307, 308] {
        let (fake, gateway, _) = setup().await;
        let (target, hits, _stop) = elsewhere().await;
        fake.script_exchange(ExchangeScenario::Redirect {
            status,
            location: target.clone(),
        });
        let pkce = Pkce::generate();
        let code = Secret::new(fake.issue_code(&pkce.challenge));
        let err = gateway.exchange_code(&code, &pkce.verifier).await.unwrap_err();
        assert_eq!(
            err,
            GatewayError::Redirected {
                status,
                location: target.clone()
            }
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{status}: the code went elsewhere");
        assert_eq!(err.kind(), "redirected");
    }
}

/// The policy for every other call: no redirects either (the key stays with the gateway it
/// was issued by).
#[tokio::test]
async fn other_calls_never_follow_a_redirect() {
    let (fake, gateway, key) = setup().await;
    let (target, hits, _stop) = elsewhere().await;
    for _ in 0..3 {
        fake.script_models(ModelsScenario::Redirect {
            status: 307,
            location: target.clone(),
        });
    }
    assert!(matches!(
        gateway.check_key(&key).await,
        Err(GatewayError::Redirected { status: 307, .. })
    ));
    assert!(matches!(
        gateway.models(&key).await,
        Err(GatewayError::Redirected { status: 307, .. })
    ));
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
