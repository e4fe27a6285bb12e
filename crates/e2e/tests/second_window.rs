//! Two windows of one app: the main window and quick ask (opened at start by `--quick-ask`),
//! each a reader of Rust's news.

use std::time::Duration;

use e2e::Session;
use fake_gateway::ChatScenario;
use serde_json::json;

/// Becomes the page's reader of window events (as a page that loads does) and keeps every
/// event it takes in `window.news`.
const READ_NEWS: &str = r#"
const invoke = window.__TAURI_INTERNALS__.invoke;
window.news = [];
invoke('window_events', { reader: null }).then(async (first) => {
  window.news.push(...first.events);
  for (;;) {
    const next = await invoke('window_events', { reader: first.reader });
    if (next === null) return;
    window.news.push(...next.events);
  }
});
"#;

/// Before, the first `window_events` of any page forgot every reader and closed every answer
/// stream: a second page that loaded (or read) while the main window streamed left that answer
/// streaming forever on screen.
#[tokio::test]
async fn a_second_page_reads_events_while_the_first_streams_an_answer() {
    let session = Session::start().await;
    let app = session.launch(&["--quick-ask"]).await;
    app.switch_to_window("main").await;
    app.connect().await;
    app.wait_models().await;

    // Slow enough that the second page reads well before the end (~7 s).
    let reply = "Lorem ipsum dolor sit amet. ".repeat(40);
    session.gateway.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::from_millis(20)),
        whole_events: true,
        ..Default::default()
    });
    app.send("tell me a story").await;
    app.wait_js("some streamed text", "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'streaming' && m.innerText.includes('Lorem ipsum')").await;
    let conversation = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => c[0].id)",
            vec![],
        )
        .await;

    app.switch_to_window("quick-ask").await;
    // The status reaches every window: this page saw the main window connect.
    app.wait_js(
        "quick ask to see the connection",
        "return document.querySelector('[data-testid=quick-ask]').dataset.connection === 'connected'",
    )
    .await;
    app.js(READ_NEWS, vec![]).await;
    app.wait_js(
        "the second page's first read",
        "return (window.news || []).some(e => e.event === 'connection' && e.data.state === 'connected')",
    )
    .await;
    // Its capability is its own: asking, not managing chats.
    let refused = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('list_chats').then(() => 'allowed', (e) => String(e))",
            vec![],
        )
        .await;
    assert!(refused.as_str().is_some_and(|e| e.contains("not allowed")), "{refused}");

    app.switch_to_window("main").await;
    assert_eq!(
        app.js(
            "return [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status",
            vec![]
        )
        .await,
        json!("streaming"),
        "the second page read while the answer streamed"
    );
    let answer = app.wait_last_answer("done").await;
    assert_eq!(answer["text"].as_str().unwrap().trim(), reply.trim());

    // The answer's end is announced to every window, with the window that asked.
    app.switch_to_window("quick-ask").await;
    app.wait_js(
        "the second page to hear of the answer",
        &format!(
            "return window.news.some(e => e.event === 'conversationChanged' && e.data.conversationId === {conversation} && e.data.by === 'main')"
        ),
    )
    .await;
    app.quit().await;
}
