//! The window for everyone, in the real window: axe-core finds nothing serious in either theme,
//! every button draws on a machine without emoji fonts, and the keyboard works the model picker
//! and the dialogs.

use e2e::{App, Session};
use serde_json::{json, Value};

/// Runs axe-core now and keeps what it finds, named by where the window was.
async fn audit(app: &App, state: &str, found: &mut Vec<String>) {
    for v in app.axe_violations().await {
        found.push(format!("{state}: {v}"));
    }
}

async fn open_model_picker(app: &App) {
    app.click("model-select").await;
    app.wait_js(
        "the model picker open",
        "return document.activeElement === document.querySelector('[data-testid=model-filter]')",
    )
    .await;
}

async fn press_escape(app: &App) {
    app.client()
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
}

/// The states the issue names, each in light and in dark: the disconnected start, a chat with a
/// rich answer (the fake gateway's `/demo`: code, a table, a list, a quote; regenerated, so it
/// has versions), the model picker
/// open, the Settings dialog, search results.
#[tokio::test]
async fn axe_finds_nothing_serious_or_critical_in_either_theme() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    let mut found = Vec::new();
    let mut backgrounds = Vec::new();
    for theme in ["light", "dark"] {
        app.set_theme(theme).await;
        app.wait_js("the disconnected empty state", "const e = document.querySelector('[data-testid=empty-connect-button]'); return !!e && e.offsetParent !== null").await;
        audit(&app, &format!("{theme}, disconnected start"), &mut found).await;
        backgrounds.push(
            app.js("return getComputedStyle(document.body).backgroundColor", vec![])
                .await,
        );
    }
    assert_ne!(backgrounds[0], backgrounds[1], "the themes differ");

    app.connect().await;
    app.wait_models().await;
    app.send("/demo").await;
    let answer = app.wait_last_answer("done").await;
    let html = answer["html"].as_str().unwrap();
    for part in ["<pre class=\"code\"", "<table", "<ul", "<blockquote"] {
        assert!(html.contains(part), "the rich answer has {part}: {html}");
    }
    // Answered twice, so the audit sees a message's versions (‹ 2/2 ›) too.
    app.click("regenerate-button").await;
    app.wait_js(
        "the second version",
        "const l = document.querySelector('[data-testid=version-label]'); return !!l && l.textContent === '2/2' && [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status === 'done'",
    )
    .await;
    for theme in ["light", "dark"] {
        app.set_theme(theme).await;
        audit(&app, &format!("{theme}, a rich answer"), &mut found).await;

        open_model_picker(&app).await;
        audit(&app, &format!("{theme}, the model picker open"), &mut found).await;
        press_escape(&app).await;

        app.click("settings-button").await;
        app.wait_js("the Settings dialog", "return document.getElementById('settings').open")
            .await;
        audit(&app, &format!("{theme}, the Settings dialog"), &mut found).await;
        app.click("settings-close").await;

        let search = app.by_testid("search-input").await;
        search.send_keys("renderer").await.unwrap();
        app.wait_js(
            "search results",
            "return document.querySelectorAll('[data-testid=search-result]').length > 0",
        )
        .await;
        audit(&app, &format!("{theme}, search results"), &mut found).await;
        search.send_keys("\u{E00C}").await.unwrap();
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
    app.quit().await;
}

/// The icons are Lucide's, drawn from the page's own sprite: every button holds an icon or plain
/// Latin text (an emoji would draw as an empty box where no emoji font is installed), and every
/// icon on screen drew.
#[tokio::test]
async fn every_button_draws_without_a_font_and_every_icon_draws() {
    let (_session, app) = Session::connected().await;
    app.send("/demo").await;
    app.wait_last_answer("done").await;
    let report = |v: &Value| v["problems"].as_array().cloned().unwrap_or_default();
    let chat = app.glyph_audit().await;
    assert!(report(&chat).is_empty(), "{chat}");
    assert!(
        chat["buttons"].as_u64().unwrap() > 15 && chat["icons"].as_u64().unwrap() > 10,
        "{chat}"
    );

    open_model_picker(&app).await;
    let picker = app.glyph_audit().await;
    assert!(report(&picker).is_empty(), "{picker}");
    press_escape(&app).await;

    app.click("settings-button").await;
    let settings = app.glyph_audit().await;
    assert!(report(&settings).is_empty(), "{settings}");
    assert!(
        settings["icons"].as_u64() > chat["icons"].as_u64(),
        "the dialog's icons drew: {settings}"
    );
    app.quit().await;
}

/// The model picker by keyboard alone: it opens from its button, the arrows move through the
/// models, Enter picks one, Escape empties the search and then closes the list, and focus goes
/// back to the button.
#[tokio::test]
async fn the_model_picker_and_the_dialogs_work_by_keyboard() {
    let (_session, app) = Session::connected().await;
    let trigger = app.by_testid("model-select").await;
    let first = app
        .js(
            "return document.querySelector('[data-testid=model-select]').dataset.value",
            vec![],
        )
        .await;
    app.js("document.querySelector('[data-testid=model-select]').focus()", vec![])
        .await;
    trigger.send_keys("\u{E015}").await.unwrap(); // ArrowDown
    app.wait_js(
        "the list open, its search focused",
        "return !document.getElementById('model-popover').hidden && document.activeElement.dataset.testid === 'model-filter'",
    )
    .await;
    let filter = app.by_testid("model-filter").await;
    filter.send_keys("claude").await.unwrap();
    app.wait_js(
        "one model listed",
        "return document.querySelectorAll('[data-testid=model-option]').length === 1",
    )
    .await;
    filter.send_keys("\u{E00C}").await.unwrap(); // Escape: the search empties, the list stays
    app.wait_js(
        "every model listed again",
        "return document.querySelector('[data-testid=model-filter]').value === '' && document.querySelectorAll('[data-testid=model-option]').length > 1 && !document.getElementById('model-popover').hidden",
    )
    .await;
    filter.send_keys("gemini\u{E007}").await.unwrap(); // Enter picks the one highlighted
    let picked = app
        .wait_js(
            "a model picked by keyboard",
            "const s = document.querySelector('[data-testid=model-select]'); return document.getElementById('model-popover').hidden && document.activeElement === s && s.dataset.value",
        )
        .await;
    assert_eq!(picked, json!("google/gemini-2.0-flash"));
    assert_ne!(picked, first);
    // Kept by Rust: the chat's model, the default for new chats, and first among the recent.
    let settings = app
        .js("return window.__TAURI_INTERNALS__.invoke('get_settings')", vec![])
        .await;
    assert_eq!(settings["model"], picked, "{settings}");
    assert_eq!(settings["recentModels"][0], picked, "{settings}");
    // Recent models come first in the list, in a group of their own.
    app.click("model-select").await;
    let first_listed = app
        .wait_js("the list open", "const o = document.querySelector('[data-testid=model-option]'); return !document.getElementById('model-popover').hidden && o && o.closest('[role=group]')?.getAttribute('aria-label') + ' ' + o.dataset.value")
        .await;
    assert_eq!(first_listed, json!("Recent google/gemini-2.0-flash"));
    // Down then Enter: the option below the highlighted one (the chosen one) is picked.
    let filter = app.by_testid("model-filter").await;
    filter.send_keys("\u{E015}\u{E007}").await.unwrap();
    app.wait_js(
        "the next model picked",
        "const s = document.querySelector('[data-testid=model-select]'); return document.getElementById('model-popover').hidden && s.dataset.value !== 'google/gemini-2.0-flash'",
    )
    .await;

    // Settings by keyboard: Ctrl+/ opens it at the shortcuts, Escape closes it, and focus
    // returns to the page.
    let composer = app.by_testid("composer-input").await;
    composer.send_keys("\u{E009}/\u{E000}").await.unwrap();
    app.wait_js(
        "Settings open at the shortcuts",
        "return document.getElementById('settings').open && document.querySelector('[data-section=settings-shortcuts]').getAttribute('aria-current') === 'true' && document.querySelectorAll('#shortcut-list dt').length >= 5",
    )
    .await;
    press_escape(&app).await;
    app.wait_js("Settings closed", "return !document.getElementById('settings').open")
        .await;
    // Focus goes back to the button that opened it, drawn as the keyboard's focus is.
    app.click("settings-button").await;
    app.wait_js("Settings open", "return document.getElementById('settings').open")
        .await;
    press_escape(&app).await;
    app.wait_js("Settings closed", "return !document.getElementById('settings').open")
        .await;
    let outline = app
        .wait_js(
            "focus back on the Settings button, drawn",
            "const b = document.querySelector('[data-testid=settings-button]'); return document.activeElement === b && getComputedStyle(b).outlineStyle",
        )
        .await;
    assert_eq!(outline, json!("solid"), "focus is drawn");
    app.quit().await;
}

/// The answer being written is read out politely: each block once Rust has committed it (not
/// every token), then that the answer is complete.
#[tokio::test]
async fn the_streaming_answer_is_announced_politely() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(fake_gateway::ChatScenario {
        reply: Some("The first paragraph, whole.\n\nThe second.\n\nThe third.\n\nThe last.".into()),
        piece_delay: Some(std::time::Duration::from_millis(40)),
        whole_events: true,
        ..Default::default()
    });
    app.js(
        "window.__said = []; const live = document.getElementById('live'); \
         new MutationObserver((rs) => rs.forEach(r => r.addedNodes.forEach(n => window.__said.push(n.textContent)))).observe(live, { childList: true })",
        vec![],
    )
    .await;
    app.send("two paragraphs, please").await;
    app.wait_last_answer("done").await;
    let said = app
        .wait_js(
            "the end read out",
            "const s = window.__said; return s[s.length - 1] === 'Answer complete.' && s",
        )
        .await;
    let said: Vec<String> = serde_json::from_value(said).unwrap();
    assert!(
        said.iter().any(|s| s == "The first paragraph, whole."),
        "the first block read once complete: {said:?}"
    );
    assert!(
        said.iter().all(|s| s != "The" && s != "The first"),
        "no token read on its own: {said:?}"
    );
    assert_eq!(
        app.js(
            "return document.getElementById('live').getAttribute('aria-live')",
            vec![]
        )
        .await,
        json!("polite")
    );
    app.quit().await;
}

/// The page's controls in the order of the document, and how each is named in a failure.
const CONTROLS: &str = r#"
const all = [...document.querySelectorAll('button, a[href], input, textarea, select, summary, [tabindex]')];
const name = (e) => e.dataset.testid || e.getAttribute('aria-label') || e.id || e.tagName.toLowerCase();
"#;

/// What the keyboard should reach, by place in [`CONTROLS`]: every visible, enabled control
/// outside a closed dialog or popover (message actions count: they are drawn when focused).
const REACHABLE: &str = r#"
const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[inert], dialog:not([open]), [hidden]');
return all.flatMap((e, i) => shown(e) && !e.disabled && e.tabIndex >= 0 ? [[i, name(e)]] : []);
"#;

/// The focused control: its place in [`CONTROLS`], name, region, and whether its focus is drawn.
const FOCUSED: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return null;
const region = e.closest('#sidebar') ? 0 : e.closest('.chat-header') ? 1 : e.closest('#messages') ? 2 : e.closest('#composer') ? 3 : 4;
// The composer's box stands for its text field, and draws its focus.
const s = getComputedStyle(e.matches('.composer textarea') ? e.closest('.composer') : e);
const drawn = e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
return {at: all.indexOf(e), name: name(e), region, drawn};
"#;

async fn press_tab(app: &App) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let tab = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '\u{E004}' })
        .then(KeyAction::Up { value: '\u{E004}' });
    app.client().perform_actions(tab).await.unwrap();
}

/// Tab alone goes round a chat with an answer (code, table, versions): from the top, the
/// sidebar, the chat's header, the conversation, then the composer; every control on screen is
/// reached on the way, and each draws its focus.
#[tokio::test]
async fn tab_reaches_every_control_in_reading_order_with_its_focus_drawn() {
    let (_session, app) = Session::connected().await;
    app.send("/demo").await;
    app.wait_last_answer("done").await;
    app.click("regenerate-button").await;
    app.wait_js(
        "the second version",
        "const l = document.querySelector('[data-testid=version-label]'); return !!l && l.textContent === '2/2' && [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status === 'done'",
    )
    .await;
    let expected: Vec<(i64, String)> =
        serde_json::from_value(app.js(&format!("{CONTROLS}{REACHABLE}"), vec![]).await).unwrap();
    assert!(expected.len() > 15, "a chat with an answer has controls: {expected:?}");

    // Round once, from wherever focus is, until a control comes back.
    let focused = format!("{CONTROLS}{FOCUSED}");
    let mut round: Vec<Value> = Vec::new();
    for _ in 0..2 * expected.len() + 10 {
        press_tab(&app).await;
        let now = app.js(&focused, vec![]).await;
        if now.is_null() {
            continue;
        }
        if round.iter().any(|seen| seen["at"] == now["at"]) {
            break;
        }
        round.push(now);
    }
    // From the top of the page: the round turned to start at the document's first control.
    let first = (0..round.len()).min_by_key(|&i| round[i]["at"].as_i64()).unwrap_or(0);
    round.rotate_left(first);

    let regions: Vec<i64> = round.iter().map(|v| v["region"].as_i64().unwrap()).collect();
    assert!(
        regions.windows(2).all(|w| w[0] <= w[1]),
        "sidebar, header, conversation, composer in that order: {round:?}"
    );
    for region in 0..4 {
        assert!(regions.contains(&region), "region {region} is reached: {round:?}");
    }
    let reached: Vec<i64> = round.iter().map(|v| v["at"].as_i64().unwrap()).collect();
    let missed: Vec<&String> = expected
        .iter()
        .filter(|(at, _)| !reached.contains(at))
        .map(|(_, n)| n)
        .collect();
    assert!(
        missed.is_empty(),
        "not reached by Tab: {missed:?}\nthe round: {round:?}"
    );
    let undrawn: Vec<&Value> = round.iter().filter(|v| v["drawn"] != json!(true)).collect();
    assert!(undrawn.is_empty(), "focus not drawn on: {undrawn:?}");
    app.quit().await;
}
