//! Quick ask (issue 28), end to end: summoned by `glama-chat --quick-ask` handed to the running
//! app, a question streamed there, Open in Glama Chat, Esc, and the chat kept.

use e2e::{App, Session};
use serde_json::{json, Value};

const FOCUSED: &str =
    "return document.hasFocus() && document.activeElement === document.querySelector('[data-testid=quick-ask-input]')";

/// What quick ask shows: `{state, texts}` (each message's text, in order).
async fn shown(app: &App) -> Value {
    app.js(
        "return {state: document.querySelector('[data-testid=quick-ask]').dataset.state, texts: [...document.querySelectorAll('[data-testid=quick-ask-answer] [data-testid=message]')].map(m => (m.querySelector('.content') || m.querySelector('.body')).innerText.trim())}",
        vec![],
    )
    .await
}

/// Whether the page's window is shown (WebKit says hidden once the window is).
async fn visible(app: &App) -> bool {
    app.js("return document.visibilityState === 'visible'", vec![]).await == json!(true)
}

#[tokio::test]
async fn quick_ask_answers_then_opens_its_chat_in_the_main_window() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    let chats_before = app
        .js(
            "return document.querySelectorAll('[data-testid=conversation-item]').length",
            vec![],
        )
        .await;

    // A desktop's shortcut runs `glama-chat --quick-ask`: handed over, and that launch exits
    // (`launch_again` fails the test if it stays).
    session.launch_again(&["--quick-ask"]);
    app.switch_to_window("quick-ask").await;
    app.wait_js("the cursor in quick ask's input", FOCUSED).await;
    assert!(visible(&app).await);

    let question = "What is quick ask?";
    let input = app.by_testid("quick-ask-input").await;
    input.send_keys(question).await.unwrap();
    input.send_keys("\u{E007}").await.unwrap(); // Enter
    app.wait_js(
        "the answer in quick ask",
        "return document.querySelector('[data-testid=quick-ask]').dataset.state === 'answered'",
    )
    .await;
    let reply = fake_gateway::reply_for(question);
    assert_eq!(shown(&app).await["texts"], json!([question, reply.trim()]));
    assert_eq!(
        session.gateway.stats().last_chat_messages.last(),
        Some(&("user".to_string(), question.to_string()))
    );
    // Rendered by Rust like the main window's answers, sanitized HTML.
    let html = app
        .js(
            "return document.querySelector('[data-testid=quick-ask-answer] [data-role=assistant] .content').innerHTML",
            vec![],
        )
        .await;
    assert!(html.as_str().is_some_and(|h| h.contains("<p>")), "{html}");
    // Accessible as the main window is: axe-core finds nothing serious.
    let found = app.axe_violations().await;
    assert!(found.is_empty(), "axe-core found: {found:?}");
    // The key is in neither window: not in the page, not in what its commands return.
    let key = session.gateway.issued_keys().pop().expect("a key");
    let leaked = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('connection_status').then(s => JSON.stringify(s).includes(arguments[0]) || document.documentElement.outerHTML.includes(arguments[0]))",
            vec![json!(key)],
        )
        .await;
    assert_eq!(leaked, json!(false));

    // The main window heard of the new chat already (its list grew); Open in Glama Chat shows it
    // there and hides quick ask.
    app.click("quick-ask-open").await;
    app.wait_js("quick ask to hide", "return document.visibilityState === 'hidden'")
        .await;
    app.switch_to_window("main").await;
    app.wait_js(
        "the exchange open in the main window",
        &format!(
            "const m = [...document.querySelectorAll('[data-testid=message]')]; return m.length === 2 && m[0].innerText.includes({}) && m[1].dataset.status === 'done'",
            json!(question)
        ),
    )
    .await;
    let chats = app
        .js(
            "return document.querySelectorAll('[data-testid=conversation-item]').length",
            vec![],
        )
        .await;
    assert_eq!(chats.as_u64(), chats_before.as_u64().map(|n| n + 1), "one chat more");

    // Summoned again: shown and focused at once (its page was kept), empty for a new question;
    // Esc hides it.
    session.launch_again(&["--quick-ask"]);
    app.switch_to_window("quick-ask").await;
    app.wait_js("the cursor in quick ask's input again", FOCUSED).await;
    assert_eq!(shown(&app).await, json!({"state": "idle", "texts": []}));
    app.by_testid("quick-ask-input")
        .await
        .send_keys("\u{E00C}")
        .await
        .unwrap(); // Esc
    app.wait_js("Esc to hide quick ask", "return document.visibilityState === 'hidden'")
        .await;

    // Kept like any other chat, and the one the main window opens after a relaunch.
    app.switch_to_window("main").await;
    app.quit().await;
    let app = session.launch(&[]).await;
    app.wait_js(
        "the quick-ask chat after a relaunch",
        &format!(
            "const m = [...document.querySelectorAll('[data-testid=message]')]; return m.length === 2 && m[0].innerText.includes({})",
            json!(question)
        ),
    )
    .await;
    app.quit().await;
}

/// A question quick ask cannot send yet (not connected) goes back to its input, in words.
#[tokio::test]
async fn quick_ask_before_connecting_says_so_and_keeps_the_question() {
    let session = Session::start().await;
    let app = session.launch(&["--quick-ask"]).await;
    app.switch_to_window("quick-ask").await;
    app.wait_js(FOCUSED, FOCUSED).await;
    let hint = app.by_testid("quick-ask-hint").await.text().await.unwrap();
    assert!(hint.contains("Not connected"), "{hint}");
    let input = app.by_testid("quick-ask-input").await;
    input.send_keys("Anyone there?").await.unwrap();
    input.send_keys("\u{E007}").await.unwrap();
    let banner = app.wait_banner("").await;
    assert!(banner.to_lowercase().contains("connect"), "{banner}");
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=quick-ask-input]').value",
            vec![]
        )
        .await,
        json!("Anyone there?")
    );
    assert_eq!(shown(&app).await, json!({"state": "idle", "texts": []}));
    assert_eq!(session.gateway.stats().chat_requests, 0);
    app.switch_to_window("main").await;
    app.quit().await;
}

/// Ctrl+Alt+Space, pressed anywhere on the display (xdotool, X11), shows quick ask with its
/// input focused, and hides it again.
#[tokio::test]
async fn the_shortcut_shows_and_hides_quick_ask() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    // Held since the page loaded (off the start's path), well before Connect was done.
    session.press_keys("ctrl+alt+space");
    app.switch_to_window("quick-ask").await;
    app.wait_js("the cursor in quick ask's input", FOCUSED).await;
    assert!(visible(&app).await);
    session.press_keys("ctrl+alt+space");
    app.wait_js(
        "the shortcut to hide quick ask",
        "return document.visibilityState === 'hidden'",
    )
    .await;
    session.press_keys("ctrl+alt+space");
    app.wait_js("the shortcut to show it again", FOCUSED).await;
    app.switch_to_window("main").await;
    app.quit().await;
}

/// A shortcut another program holds is said in words (here: a second Glama Chat on the same
/// display, with a session of its own, holds it first).
#[tokio::test]
async fn a_shortcut_another_program_holds_is_reported() {
    let first = Session::start().await;
    let holder = first.launch(&[]).await;
    let second = Session::start().await;
    let app = second.launch(&[]).await;
    let banner = app.wait_banner("Ctrl+Alt+Space is taken by another program").await;
    assert!(banner.contains("glama-chat --quick-ask"), "{banner}");
    // The first one still holds it: its quick ask opens.
    first.press_keys("ctrl+alt+space");
    holder.switch_to_window("quick-ask").await;
    holder.wait_js("the holder's quick ask", FOCUSED).await;
    holder.switch_to_window("main").await;
    app.quit().await;
    holder.quit().await;
}
