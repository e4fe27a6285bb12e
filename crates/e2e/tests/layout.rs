//! The window's layout in the real window: nothing cut or spilling at 800×600 and 1920×1080,
//! the sidebar (grouped by date, collapsible, a layer when narrow), the empty states, "jump to
//! latest" while an answer streams, toasts, and the look kept across a relaunch.

use std::time::Duration;

use e2e::{App, Session};
use fake_gateway::ChatScenario;
use serde_json::{json, Value};

fn problems(audit: &Value) -> Vec<Value> {
    audit["problems"].as_array().cloned().unwrap_or_default()
}

/// What the layout audit finds at this size, with the states that show the most text: a rich
/// answer under a long title, the model picker open, the Settings dialog.
async fn audit_at(app: &App, width: u32, height: u32) -> Vec<String> {
    app.set_page_size(width, height).await;
    let mut found = Vec::new();
    let mut keep = |state: &str, audit: Value| {
        found.extend(
            problems(&audit)
                .into_iter()
                .map(|p| format!("{width}×{height}, {state}: {p}")),
        );
    };
    keep("a rich answer", app.layout_audit().await);
    app.click("model-select").await;
    keep("the model picker", app.layout_audit().await);
    app.click("model-select").await;
    app.click("settings-button").await;
    keep("the Settings dialog", app.layout_audit().await);
    app.click("settings-close").await;
    found
}

#[tokio::test]
async fn nothing_is_cut_or_spills_at_800x600_and_1920x1080() {
    let (_session, app) = Session::connected().await;
    app.send("/demo").await;
    app.wait_last_answer("done").await;
    // A title too long for any header: cut with an ellipsis, whole in its tooltip.
    let long = "A conversation about the renderer whose name is far too long to fit in any header or sidebar";
    app.click("chat-title").await;
    let field = app.by_testid("chat-title-input").await;
    field.send_keys(&format!("{long}\u{E007}")).await.unwrap();
    // The field held the old name, selected: typing replaced it.
    app.wait_js(
        "the chat renamed",
        &format!(
            "return document.querySelector('[data-testid=chat-title]').textContent === {0} && [...document.querySelectorAll('[data-testid=conversation-item] .open')].some(b => b.textContent === {0})",
            json!(long)
        ),
    )
    .await;
    let mut found = audit_at(&app, 800, 600).await;
    // The long title is cut at 800 px, which is what the audit checked.
    let cut = app
        .js(
            "const b = document.querySelector('[data-testid=chat-title]'); return b.scrollWidth > b.clientWidth",
            vec![],
        )
        .await;
    assert_eq!(cut, json!(true), "the title is long enough to be cut at 800 px");
    found.extend(audit_at(&app, 1920, 1080).await);
    assert!(found.is_empty(), "{}", found.join("\n"));
    app.quit().await;
}

/// The sidebar groups chats by date, hides with Ctrl+B (kept in settings.json across a
/// relaunch), and below 720 px is hidden by itself and opens as a layer over the chat.
#[tokio::test]
async fn the_sidebar_groups_by_date_collapses_and_is_a_layer_when_narrow() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    app.send("hello").await;
    app.wait_last_answer("done").await;
    let groups = app
        .js(
            "return [...document.querySelectorAll('.chat-group')].map(g => [g.querySelector('h2').textContent, g.querySelectorAll('[data-testid=conversation-item]').length])",
            vec![],
        )
        .await;
    assert_eq!(groups, json!([["Today", 1]]));

    let sidebar_shown = "return getComputedStyle(document.getElementById('sidebar')).display !== 'none'";
    let composer = app.by_testid("composer-input").await;
    composer.send_keys("\u{E009}b\u{E000}").await.unwrap(); // Ctrl+B
    app.wait_js(
        "the sidebar hidden",
        &format!("return !(() => {{ {sidebar_shown} }})()"),
    )
    .await;
    app.wait_js(
        "the choice saved",
        "return window.__TAURI_INTERNALS__.invoke('get_settings').then(s => s.sidebarCollapsed === true)",
    )
    .await;
    // The account stays one click away: the empty chat says what Connect does, the header
    // opens the sidebar.
    app.click("sidebar-open").await;
    app.wait_js("the sidebar shown", sidebar_shown).await;
    composer.send_keys("\u{E009}b\u{E000}").await.unwrap();
    app.wait_js(
        "the sidebar hidden",
        &format!("return !(() => {{ {sidebar_shown} }})()"),
    )
    .await;
    app.quit().await;

    let app = session.launch(&[]).await;
    app.wait_js(
        "the chat",
        "return document.querySelectorAll('[data-testid=message]').length === 2",
    )
    .await;
    assert_eq!(
        app.js(sidebar_shown, vec![]).await,
        json!(false),
        "still hidden after a relaunch"
    );
    app.click("sidebar-open").await;
    app.wait_js("the sidebar shown", sidebar_shown).await;

    // Narrow: hidden by itself; the header's button opens it over the chat, Escape closes it.
    app.set_page_size(640, 600).await;
    app.wait_js(
        "the sidebar hidden when narrow",
        &format!("return !(() => {{ {sidebar_shown} }})()"),
    )
    .await;
    app.click("sidebar-open").await;
    let layer = app
        .wait_js(
            "the sidebar as a layer",
            &format!("return (() => {{ {sidebar_shown} }})() && getComputedStyle(document.getElementById('sidebar')).position"),
        )
        .await;
    assert_eq!(layer, json!("fixed"));
    assert_eq!(
        app.js("return document.getElementById('scrim').hidden", vec![]).await,
        json!(false)
    );
    let layout = app.layout_audit().await;
    assert!(problems(&layout).is_empty(), "{layout}");
    app.by_testid("search-input").await.send_keys("\u{E00C}").await.unwrap();
    app.wait_js(
        "the layer closed",
        &format!("return !(() => {{ {sidebar_shown} }})() && document.getElementById('scrim').hidden"),
    )
    .await;
    app.quit().await;
}

/// Chats fall in the sidebar's date groups by when they were last active, newest first.
#[tokio::test]
async fn chats_are_grouped_today_yesterday_previous_7_days_older() {
    let session = Session::start().await;
    // Four chats written by the store itself before the app starts, each last active `days` ago.
    let store = glama_core::store::Store::open(&session.data_dir()).store;
    store
        .call(|db| {
            use glama_core::store::conversations;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            let day = 24 * 60 * 60 * 1000;
            for (title, days) in [("a month ago", 30), ("three days ago", 3), ("a day ago", 1), ("now", 0)] {
                let c = conversations::create(db, "openai/gpt-4o")?;
                conversations::rename(db, &c.id, title)?;
                db.execute(
                    "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
                    (&c.id, now - days * day),
                )
                .expect("set when the chat was last active");
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let app = session.launch(&[]).await;
    let groups = app
        .wait_js(
            "the chats in their groups",
            "const g = [...document.querySelectorAll('.chat-group')]; return g.length === 4 && g.map(g => [g.querySelector('h2').textContent, [...g.querySelectorAll('[data-testid=conversation-item] .open')].map(b => b.textContent)])",
        )
        .await;
    assert_eq!(
        groups,
        json!([
            ["Today", ["now"]],
            ["Yesterday", ["a day ago"]],
            ["Previous 7 days", ["three days ago"]],
            ["Older", ["a month ago"]]
        ])
    );
    app.quit().await;
}

/// A new chat greets with starters (one fills the message box); a disconnected window says what
/// Connect does, with its button.
#[tokio::test]
async fn empty_states_greet_or_explain_connect() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    let disconnected = app
        .wait_js(
            "the disconnected empty state",
            "const e = document.getElementById('empty-disconnected'); return !e.hidden && e.offsetParent !== null && e.innerText",
        )
        .await;
    assert!(disconnected.as_str().unwrap().contains("Connect"), "{disconnected}");
    app.click("empty-connect-button").await;
    app.wait_connection("connected").await;
    app.wait_js(
        "the greeting and starters",
        "return document.getElementById('empty-disconnected').hidden && document.querySelectorAll('[data-testid=starter]').length >= 3 && document.getElementById('empty-chat').offsetParent !== null",
    )
    .await;
    app.js("document.querySelector('[data-testid=starter]').click()", vec![])
        .await;
    let filled = app
        .wait_js(
            "the starter in the message box",
            "const i = document.querySelector('[data-testid=composer-input]'); return document.activeElement === i && i.value",
        )
        .await;
    assert!(filled.as_str().unwrap().len() > 20, "{filled}");
    app.wait_models().await;
    // Enter sends what the starter wrote.
    app.by_testid("composer-input")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    app.wait_last_answer("done").await;
    assert_eq!(
        app.js("return document.getElementById('empty').offsetParent", vec![])
            .await,
        Value::Null,
        "no empty state once the chat has messages"
    );
    app.quit().await;
}

/// Scrolled up while an answer streams, the person gets a button back to the end.
#[tokio::test]
async fn jump_to_latest_shows_when_scrolled_up_during_an_answer() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("A line of a long answer.\n\n".repeat(200)),
        piece_delay: Some(Duration::from_millis(5)),
        whole_events: true,
        ..Default::default()
    });
    app.send("a long answer, please").await;
    app.wait_js(
        "the answer taller than the window",
        "const l = document.getElementById('messages'); const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'streaming' && l.scrollHeight > l.clientHeight * 2",
    )
    .await;
    let jump = "return !document.querySelector('[data-testid=jump-to-latest]').hidden";
    assert_eq!(app.js(jump, vec![]).await, json!(false), "following the end: no button");
    app.js(
        "const l = document.getElementById('messages'); l.scrollTop = 0; l.dispatchEvent(new Event('scroll'))",
        vec![],
    )
    .await;
    app.wait_js("the jump button", jump).await;
    app.click("jump-to-latest").await;
    app.wait_js(
        "back at the end, following it",
        "const l = document.getElementById('messages'); return document.querySelector('[data-testid=jump-to-latest]').hidden && l.scrollHeight - l.scrollTop - l.clientHeight < 60",
    )
    .await;
    app.wait_last_answer("done").await;
    app.quit().await;
}

/// Errors stay until dismissed; news fades by itself. Both are read to screen readers.
#[tokio::test]
async fn errors_stay_until_dismissed_and_news_fades() {
    let (_session, app) = Session::connected().await;
    app.send("hello").await;
    app.wait_last_answer("done").await;
    // News: a deleted chat, with its Undo, for a few seconds.
    app.js(
        "document.querySelector('[data-testid=conversation-item] [data-testid=delete-button]').click()",
        vec![],
    )
    .await;
    app.wait_banner("Deleted").await;
    let polite = app
        .js("return document.getElementById('announce-polite').textContent", vec![])
        .await;
    assert!(polite.as_str().unwrap().contains("Deleted"), "read out: {polite}");
    // An error: asking while not connected.
    app.js("return window.__TAURI_INTERNALS__.invoke('disconnect')", vec![])
        .await;
    app.wait_connection("disconnected").await;
    app.send("are you there?").await;
    let error = app.wait_banner("Connect to Glama first").await;
    let alert = app
        .js("return document.getElementById('announce-alert').textContent", vec![])
        .await;
    assert!(
        alert.as_str().unwrap().contains("Connect to Glama first"),
        "read out: {alert}"
    );
    app.wait_js(
        "the news gone",
        "const t = document.querySelector('[data-testid=error-banner]'); return !t.innerText.includes('Deleted')",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let now = app.banner_text().await.unwrap_or_default();
    assert!(
        now.contains("Connect to Glama first"),
        "the error stayed: {now} (was {error})"
    );
    app.click("toast-dismiss").await;
    app.wait_js(
        "no toast",
        "return document.querySelector('[data-testid=error-banner]').hidden",
    )
    .await;
    app.quit().await;
}

/// The theme and the text size are kept by Rust in settings.json: a relaunch shows them.
#[tokio::test]
async fn the_look_is_kept_across_a_relaunch() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    app.set_theme("dark").await;
    app.js(
        "document.querySelector('[data-testid=text-size-large]').click()",
        vec![],
    )
    .await;
    app.wait_js(
        "large text",
        "return document.documentElement.dataset.textSize === 'large' && getComputedStyle(document.documentElement).fontSize === '17px'",
    )
    .await;
    app.wait_js(
        "both saved",
        "return window.__TAURI_INTERNALS__.invoke('get_settings').then(s => s.theme === 'dark' && s.textSize === 'large')",
    )
    .await;
    app.quit().await;
    let file = std::fs::read_to_string(session.dir.join("config/ai.glama.chat/settings.json")).unwrap();
    assert!(
        file.contains("\"theme\": \"dark\"") && file.contains("\"textSize\": \"large\""),
        "{file}"
    );

    let app = session.launch(&[]).await;
    app.wait_js(
        "the dark theme and large text again",
        "return document.documentElement.dataset.theme === 'dark' && document.documentElement.dataset.textSize === 'large' && document.querySelector('[data-testid=theme-dark]').checked",
    )
    .await;
    let bg = app
        .js("return getComputedStyle(document.body).backgroundColor", vec![])
        .await;
    assert_eq!(bg, json!("rgb(31, 32, 35)"), "the dark theme's background");
    app.quit().await;
}
