//! Tools (MCP servers and tool calls), end to end in the real window, against the project's
//! FastMCP test server (crates/core/tests/mcp_servers/test_server.py, run by the venv that
//! `scripts/test.sh` installs in `.tools/`) and the fake gateway, which calls an offered tool
//! when the question names it (`test__echo {"text": "hi"}`) and answers from the results
//! ("<call id> said <result>").

use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::{workspace_root, App, Session, WAIT};
use serde_json::{json, Value};

/// The venv's Python, with the MCP SDK.
fn python() -> String {
    installed(workspace_root().join(".tools/python/bin/python"))
}

/// The project's MCP test server.
fn test_server() -> String {
    installed(workspace_root().join("crates/core/tests/mcp_servers/test_server.py"))
}

fn installed(path: PathBuf) -> String {
    assert!(
        path.exists(),
        "{} is missing: run `source scripts/lib.sh; install_mcp_test_servers` (scripts/test.sh does)",
        path.display()
    );
    path.display().to_string()
}

/// An `mcpServers` entry that runs the test server over stdio.
fn test_entry() -> Value {
    json!({"command": python(), "args": [test_server()]})
}

fn mcp_path(session: &Session) -> PathBuf {
    session.config_dir().join("mcp.json")
}

/// Writes `mcp.json` (before launch) with `servers`; returns the bytes written.
fn write_mcp(session: &Session, servers: Value) -> Vec<u8> {
    let bytes = serde_json::to_vec_pretty(&json!({"mcpServers": servers})).unwrap();
    write_mcp_bytes(session, &bytes);
    bytes
}

fn write_mcp_bytes(session: &Session, bytes: &[u8]) {
    std::fs::create_dir_all(session.config_dir()).unwrap();
    std::fs::write(mcp_path(session), bytes).unwrap();
}

/// A session whose app answers the native "run this program?" dialog with `answer`
/// (`accept` or `decline`; debug builds only).
async fn session_confirming(answer: &str) -> Session {
    let mut session = Session::start().await;
    session.app_env.push(("GLAMA_CHAT_TEST_CONFIRM".into(), answer.into()));
    session
}

/// Opens Settings (modal, as the button does) at its Tools section.
async fn open_tools(app: &App) {
    app.js(
        "const d = document.getElementById('settings'); if (!d.open) d.showModal()",
        vec![],
    )
    .await;
    app.js(
        "document.querySelector('#settings button[data-section=settings-tools]')?.click()",
        vec![],
    )
    .await;
    app.wait_js(
        "the Tools section",
        "const s = document.querySelector('[data-testid=tools-settings]'); return !!s && s.offsetParent !== null",
    )
    .await;
}

async fn close_settings(app: &App) {
    app.js("document.getElementById('settings').close()", vec![]).await;
    app.wait_js("Settings closed", "return !document.getElementById('settings').open")
        .await;
}

/// Waits until the Tools panel shows server `name` with `status`; returns what it shows:
/// `{status, reason, count, stderr, tools: [name], retry}`.
async fn wait_panel_server(app: &App, name: &str, status: &str) -> Value {
    app.wait_js(
        &format!("{name} {status} in the Tools panel"),
        &format!(
            "const s = [...document.querySelectorAll('[data-testid=mcp-server]')].find(s => s.dataset.name === {name}); \
             if (!s || s.dataset.status !== {status}) return null; \
             const t = id => s.querySelector(`[data-testid=${{id}}]`); \
             return {{status: s.dataset.status, reason: t('mcp-reason')?.textContent ?? null, \
               count: t('mcp-tool-count')?.textContent ?? null, stderr: t('mcp-stderr')?.textContent ?? null, \
               retry: !!t('mcp-retry') && !t('mcp-retry').hidden, \
               tools: [...s.querySelectorAll('[data-testid=mcp-tool]')].map(x => x.dataset.name)}}",
            name = json!(name),
            status = json!(status),
        ),
    )
    .await
}

/// Waits until Rust has server `server` ready (`tools_state`), and returns the name its tool
/// `tool` goes by in requests (what a question names to have it called).
async fn call_name(app: &App, server: &str, tool: &str) -> String {
    app.wait_js(
        &format!("{server} ready with {tool}"),
        &format!(
            "return window.__TAURI_INTERNALS__.invoke('tools_state').then(v => {{ \
               const s = v.servers.find(s => s.name === {server}); \
               return !!s && s.status === 'ready' && (s.tools.find(t => t.name === {tool})?.callName ?? null); }})",
            server = json!(server),
            tool = json!(tool),
        ),
    )
    .await
    .as_str()
    .expect("a call name")
    .to_string()
}

/// The cards of the last message, described.
const CARDS: &str = "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
  const cards = m ? [...m.querySelectorAll('[data-testid=tool-call]')] : []; \
  const d = c => ({id: c.dataset.id, status: c.dataset.status, \
    args: c.querySelector('[data-testid=tool-arguments]')?.textContent ?? null, \
    argsTag: c.querySelector('[data-testid=tool-arguments]')?.tagName ?? null, \
    argsElements: c.querySelector('[data-testid=tool-arguments]')?.children.length ?? null, \
    result: c.querySelector('[data-testid=tool-result]')?.textContent ?? null, \
    resultTag: c.querySelector('[data-testid=tool-result]')?.tagName ?? null, \
    text: c.innerText, \
    buttons: [...c.querySelectorAll('[data-testid^=tool-allow], [data-testid=tool-deny]')].map(b => b.dataset.testid)}); \
  const all = cards.map(d);";

/// Waits until the last message has at least `n` cards and the `n`th is `status`; returns it.
async fn wait_card(app: &App, n: usize, status: &str) -> Value {
    app.wait_js(
        &format!("tool call {n} {status}"),
        &format!(
            "{CARDS} return all.length >= {n} && all[{i}].status === {status} && all[{i}]",
            i = n - 1,
            status = json!(status),
        ),
    )
    .await
}

/// Clicks `testid` on the `n`th card of the last message.
async fn click_on_card(app: &App, n: usize, testid: &str) {
    app.wait_js(
        &format!("{testid} on card {n}"),
        &format!(
            "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             const b = m?.querySelectorAll('[data-testid=tool-call]')[{i}]?.querySelector('[data-testid={testid}]'); \
             return !!b && !b.disabled && b.offsetParent !== null",
            i = n - 1
        ),
    )
    .await;
    app.js(
        &format!(
            "[...document.querySelectorAll('[data-testid=message]')].pop().querySelectorAll('[data-testid=tool-call]')[{}].querySelector('[data-testid={testid}]').click()",
            n - 1
        ),
        vec![],
    )
    .await;
}

/// Messages in the window.
async fn message_count(app: &App) -> usize {
    app.js(
        "return document.querySelectorAll('[data-testid=message]').length",
        vec![],
    )
    .await
    .as_u64()
    .unwrap() as usize
}

/// Sends `text` and waits until its answer is there (streaming or not) after it.
async fn ask(app: &App, text: &str) {
    let before = message_count(app).await;
    app.send(text).await;
    app.wait_js(
        "the answer to start",
        &format!(
            "const all = document.querySelectorAll('[data-testid=message]'); \
             return all.length >= {} && all[all.length - 1].dataset.role !== 'user'",
            before + 2
        ),
    )
    .await;
}

/// The text of a tool result: the card's result text after its summary.
fn result_text(card: &Value) -> String {
    card["result"].as_str().unwrap_or("").to_string()
}

/// Whether process `pid` is gone (or a zombie).
fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Paste a server's snippet, see it ready with its tools, approve a call once, read an answer
/// that used its result; after a relaunch the call and its result are still shown.
#[tokio::test]
async fn a_pasted_server_runs_an_approved_call_and_the_call_outlives_a_relaunch() {
    let session = session_confirming("accept").await;
    let app = session.launch_connected().await;
    open_tools(&app).await;
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=tools-file-path]').textContent",
            vec![]
        )
        .await,
        json!(mcp_path(&session).display().to_string())
    );
    let snippet = json!({"mcpServers": {"test": test_entry()}}).to_string();
    app.by_testid("mcp-add-snippet")
        .await
        .send_keys(&snippet)
        .await
        .unwrap();
    app.click("mcp-add").await;
    app.wait_js(
        "the snippet box to empty",
        "return document.querySelector('[data-testid=mcp-add-snippet]').value === ''",
    )
    .await;
    let shown = wait_panel_server(&app, "test", "ready").await;
    let tools: Vec<&str> = shown["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for tool in ["echo", "add", "slow", "pid"] {
        assert!(tools.contains(&tool), "{tool} is not listed: {shown}");
    }
    let count = shown["count"].as_str().unwrap_or("");
    assert!(
        count.contains(&format!("{} tools", tools.len())),
        "the count of tools: {count:?} for {}",
        tools.len()
    );
    // The file holds the server as pasted.
    let file: Value = serde_json::from_slice(&std::fs::read(mcp_path(&session)).expect("mcp.json written")).unwrap();
    assert_eq!(file["mcpServers"]["test"]["command"], json!(python()), "{file}");
    assert_eq!(file["mcpServers"]["test"]["args"], json!([test_server()]), "{file}");
    close_settings(&app).await;

    let echo = call_name(&app, "test", "echo").await;
    ask(
        &app,
        &format!("Please run {echo} {{\"text\": \"hello from the test\"}}"),
    )
    .await;
    let card = wait_card(&app, 1, "awaiting").await;
    assert_eq!(
        card["buttons"],
        json!(["tool-allow-once", "tool-allow-chat", "tool-allow-always", "tool-deny"]),
        "{card}"
    );
    // The arguments as text (pretty-printed JSON, no markup).
    assert_eq!(card["argsElements"], json!(0), "{card}");
    let args = card["args"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(args).unwrap(),
        json!({"text": "hello from the test"})
    );
    assert!(args.contains('\n'), "pretty-printed: {args:?}");
    let label = card["text"].as_str().unwrap();
    assert!(
        label.contains("test") && label.contains("echo"),
        "server and tool shown: {label:?}"
    );
    let id = card["id"].as_str().unwrap().to_string();
    assert!(result_text(&card).is_empty(), "no result before it runs: {card}");

    click_on_card(&app, 1, "tool-allow-once").await;
    let card = wait_card(&app, 1, "done").await;
    assert_eq!(card["id"], json!(id));
    assert_eq!(card["resultTag"], json!("DETAILS"), "a collapsible result: {card}");
    assert!(result_text(&card).contains("hello from the test"), "{card}");
    assert_eq!(card["buttons"], json!([]), "no choices once decided: {card}");
    let answer = app.wait_last_answer("done").await;
    let text = answer["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{id} said hello from the test")),
        "the answer uses the result: {text:?}"
    );
    // The model was sent the result under the call's id.
    let raw = session.gateway.stats().last_chat_raw;
    assert!(
        raw.iter()
            .any(|m| m["role"] == "tool" && m["tool_call_id"] == json!(id)),
        "{raw:#?}"
    );
    app.quit().await;

    let app = session.launch(&[]).await;
    let card = wait_card(&app, 1, "done").await;
    assert_eq!(card["id"], json!(id));
    assert!(result_text(&card).contains("hello from the test"), "{card}");
    assert_eq!(
        serde_json::from_str::<Value>(card["args"].as_str().unwrap()).unwrap(),
        json!({"text": "hello from the test"})
    );
    assert_eq!(card["buttons"], json!([]), "{card}");
    let answer = app.messages().await.pop().unwrap();
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains(&format!("{id} said hello from the test")),
        "{answer}"
    );
    app.quit().await;
}

/// Waits until the last message's tool card draws its image; returns the image's address.
async fn tool_image_drawn(app: &App) -> Value {
    app.wait_js(
        "the tool's image drawn on its card",
        "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
         const img = m?.querySelector('[data-testid=tool-call] [data-testid=tool-images] img'); \
         return !!img && img.complete && img.naturalWidth === 1 && img.offsetParent !== null && img.src",
    )
    .await
}

/// An image a tool returns: shown on the card as a thumbnail (served by the app's own
/// protocol), sent on to a model that sees (the fake gateway's answer counts what it saw),
/// still shown after a relaunch, and sent again with the history.
#[tokio::test]
async fn an_image_a_tool_returns_is_shown_and_sent_to_a_model_that_sees() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let image = call_name(&app, "test", "image").await;
    ask(&app, &format!("Please run {image}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-once").await;
    let card = wait_card(&app, 1, "done").await;
    let id = card["id"].as_str().unwrap().to_string();
    let src = tool_image_drawn(&app).await;
    assert!(src.as_str().unwrap().starts_with("glama-attachment:"), "{src}");
    let answer = app.wait_last_answer("done").await;
    assert!(
        answer["text"].as_str().unwrap().contains("I saw 1 image."),
        "the model was sent the image: {answer}"
    );
    let raw = session.gateway.stats().last_chat_raw;
    let last = raw.last().unwrap();
    assert_eq!(last["role"], "user", "{raw:#?}");
    assert!(last["content"][0]["text"].as_str().unwrap().contains(&id), "{last}");
    assert!(
        last["content"][1]["image_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,"),
        "{last}"
    );
    app.quit().await;

    let app = session.launch(&[]).await;
    tool_image_drawn(&app).await;
    app.wait_models().await;
    ask(&app, "Thanks").await;
    app.wait_last_answer("done").await;
    let raw = session.gateway.stats().last_chat_raw;
    assert!(
        raw.iter().any(|m| m["role"] == "user"
            && m["content"][1]["image_url"]["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("data:image/png"))),
        "the image goes again with the history: {raw:#?}"
    );
    app.quit().await;
}

/// Deny: the call never runs, the model is told the person declined and answers on.
#[tokio::test]
async fn a_denied_call_never_runs_and_the_answer_goes_on() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let echo = call_name(&app, "test", "echo").await;
    ask(&app, &format!("{echo} {{\"text\": \"never said\"}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-deny").await;
    let card = wait_card(&app, 1, "denied").await;
    assert!(!result_text(&card).contains("never said"), "it did not run: {card}");
    assert_eq!(card["buttons"], json!([]), "{card}");
    let id = card["id"].as_str().unwrap().to_string();
    let answer = app.wait_last_answer("done").await;
    let text = answer["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{id} said")) && text.contains("declined"),
        "the model was told the person declined: {text:?}"
    );
    assert!(!text.contains("said never said"), "{text:?}");
    app.quit().await;
}

/// Allow in this chat: the same tool's next calls in the chat run without asking, after a
/// relaunch too; another chat asks.
#[tokio::test]
async fn allowed_in_this_chat_the_next_call_runs_without_asking() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let echo = call_name(&app, "test", "echo").await;
    ask(&app, &format!("{echo} {{\"text\": \"first\"}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-chat").await;
    let card = wait_card(&app, 1, "done").await;
    assert!(result_text(&card).contains("first"), "{card}");
    app.wait_last_answer("done").await;

    // Record every card drawn from now on, every status a card had before it changed, and any
    // choice ever put in (or taken out of) the page: records come after the fact, so a node
    // added and then removed is seen through its removal.
    app.js(
        "window.__offered = []; window.__drawn = 0; window.__was = []; \
         const choices = n => [n, ...n.querySelectorAll('*')].filter(b => b.matches('[data-testid^=tool-allow], [data-testid=tool-deny]')).map(b => b.dataset.testid); \
         new MutationObserver(records => { for (const r of records) { \
           if (r.type === 'attributes') { if (r.target.matches('[data-testid=tool-call]')) window.__was.push(r.oldValue); continue; } \
           for (const n of [...r.addedNodes, ...r.removedNodes]) { \
             if (!(n instanceof Element)) continue; \
             if (n.matches('[data-testid=tool-call]') && [...r.addedNodes].includes(n)) window.__drawn++; \
             window.__offered.push(...choices(n)); } } \
         }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-status'], attributeOldValue: true})",
        vec![],
    )
    .await;
    let requests = session.gateway.stats().chat_requests;
    ask(&app, &format!("{echo} {{\"text\": \"second\"}}")).await;
    let card = wait_card(&app, 1, "done").await;
    assert!(result_text(&card).contains("second"), "{card}");
    let answer = app.wait_last_answer("done").await;
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains(&format!("{} said second", card["id"].as_str().unwrap())),
        "{answer}"
    );
    assert_eq!(
        session.gateway.stats().chat_requests,
        requests + 2,
        "the question, then the result: no decision was waited for"
    );
    assert!(
        app.js("return window.__drawn", vec![]).await.as_u64().unwrap() >= 1,
        "the observer saw the card drawn"
    );
    // Shown as awaiting, even for a moment, a card offers choices that no longer mean anything
    // (crates/core/src/chat/turn/tool_round.rs announces every call as awaiting first).
    let was = app.js("return window.__was", vec![]).await;
    assert_eq!(
        app.js("return window.__offered", vec![]).await,
        json!([]),
        "a call allowed in this chat is never offered for approval (its card went through {was})"
    );
    assert!(
        !was.as_array().unwrap().iter().any(|s| s == "awaiting"),
        "a call allowed in this chat never waits for approval: its card went through {was}"
    );
    app.quit().await;

    // Kept with the chat: after a relaunch it still runs without asking there, and asks in
    // another chat.
    let app = session.launch(&[]).await;
    app.wait_models().await;
    wait_card(&app, 1, "done").await;
    let echo = call_name(&app, "test", "echo").await;
    let requests = session.gateway.stats().chat_requests;
    ask(&app, &format!("{echo} {{\"text\": \"third\"}}")).await;
    let card = wait_card(&app, 1, "done").await;
    assert!(result_text(&card).contains("third"), "{card}");
    app.wait_last_answer("done").await;
    assert_eq!(
        session.gateway.stats().chat_requests,
        requests + 2,
        "no decision was waited for"
    );
    app.click("new-chat-button").await;
    app.send(&format!("{echo} {{\"text\": \"elsewhere\"}}")).await;
    let card = wait_card(&app, 1, "awaiting").await;
    assert!(card["buttons"].as_array().is_some_and(|b| !b.is_empty()), "{card}");
    click_on_card(&app, 1, "tool-deny").await;
    app.wait_last_answer("done").await;
    app.quit().await;
}

/// Stop while the slow tool runs: the call is interrupted and the answer ends, at once.
#[tokio::test]
async fn stop_during_a_slow_call_interrupts_it_quickly() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let slow = call_name(&app, "test", "slow").await;
    ask(&app, &format!("{slow} {{\"seconds\": 30}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-once").await;
    wait_card(&app, 1, "running").await;
    let stopped_at = Instant::now();
    app.click("stop-button").await;
    let card = wait_card(&app, 1, "interrupted").await;
    let took = stopped_at.elapsed();
    assert!(took < Duration::from_secs(10), "interrupted after {took:?}: {card}");
    assert!(!result_text(&card).contains("slept"), "it did not finish: {card}");
    app.wait_last_answer("stopped").await;
    assert!(
        stopped_at.elapsed() < Duration::from_secs(10),
        "the answer ended after {:?}",
        stopped_at.elapsed()
    );
    // The call was cancelled, not its server: the server stays ready.
    call_name(&app, "test", "slow").await;
    app.quit().await;
}

/// A server killed during a call: the call fails in words, the server is shown failing (or
/// starting again), then ready again, and a new process answers the next call.
#[tokio::test]
async fn a_server_killed_mid_call_fails_the_call_in_words_then_comes_back() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let pid_tool = call_name(&app, "test", "pid").await;
    let slow = call_name(&app, "test", "slow").await;

    ask(&app, &format!("{pid_tool} {{}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-once").await;
    let card = wait_card(&app, 1, "done").await;
    let pid: i32 = result_text(&card)
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a pid in the result: {card}"));
    assert!(!process_gone(pid), "the server runs as {pid}");
    app.wait_last_answer("done").await;

    ask(&app, &format!("{slow} {{\"seconds\": 30}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-once").await;
    wait_card(&app, 1, "running").await;
    // Watch the panel from before the kill: every status it shows the server in.
    open_tools(&app).await;
    wait_panel_server(&app, "test", "ready").await;
    app.js(
        "window.__statuses = []; const list = document.querySelector('[data-testid=tools-settings]'); \
         const note = () => { const s = [...list.querySelectorAll('[data-testid=mcp-server]')].find(s => s.dataset.name === 'test'); \
           const st = s ? s.dataset.status : 'absent'; if (window.__statuses[window.__statuses.length - 1] !== st) window.__statuses.push(st); }; \
         note(); new MutationObserver(note).observe(list, {childList: true, subtree: true, attributes: true})",
        vec![],
    )
    .await;
    let killed_at = Instant::now();
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let card = wait_card(&app, 1, "failed").await;
    let why = result_text(&card);
    assert!(
        why.len() > 20 && (why.contains("stopped") || why.contains("failed")),
        "the call fails in words: {card}"
    );
    assert!(!why.contains("slept"), "{card}");
    let answer = app.wait_last_answer("done").await;
    assert!(
        answer["text"].as_str().unwrap().contains(card["id"].as_str().unwrap()),
        "the model was told the call failed: {answer}"
    );
    // Failed (or starting again), then ready, within the backoff's first waits.
    let seen = app
        .wait_js(
            "the server shown failing, then ready again",
            "const s = window.__statuses; return s.length >= 3 && s[0] === 'ready' && s.slice(1, -1).some(x => x === 'failed' || x === 'starting') && s[s.length - 1] === 'ready' && s",
        )
        .await;
    assert!(
        killed_at.elapsed() < WAIT,
        "back within {:?}: {seen}",
        killed_at.elapsed()
    );
    assert!(
        seen.as_array().unwrap().iter().any(|s| s == "failed"),
        "the panel showed the server failed: {seen}"
    );
    wait_panel_server(&app, "test", "ready").await;
    close_settings(&app).await;

    // A new process answers.
    ask(&app, &format!("{pid_tool} {{}}")).await;
    wait_card(&app, 1, "awaiting").await;
    click_on_card(&app, 1, "tool-allow-once").await;
    let card = wait_card(&app, 1, "done").await;
    let again: i32 = result_text(&card)
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a pid in the result: {card}"));
    assert_ne!(again, pid, "a new server process");
    assert!(process_gone(pid));
    app.wait_last_answer("done").await;
    app.quit().await;
}

/// A server whose command does not exist is failed, and the panel says why in words.
#[tokio::test]
async fn a_server_whose_command_does_not_exist_is_failed_in_words() {
    let session = Session::start().await;
    let missing = "glama-e2e-no-such-program";
    write_mcp(
        &session,
        json!({"test": test_entry(), "missing": {"command": missing, "args": ["--stdio"]}}),
    );
    let app = session.launch(&[]).await;
    open_tools(&app).await;
    let shown = wait_panel_server(&app, "missing", "failed").await;
    let reason = shown["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains(missing) && reason.to_lowercase().contains("not found"),
        "the reason in words: {shown}"
    );
    assert_eq!(shown["retry"], json!(true), "Retry offered: {shown}");
    // The other server is not held up by it.
    wait_panel_server(&app, "test", "ready").await;
    app.quit().await;
}

/// A malformed mcp.json is reported in words and left as it is, even when the person tries to
/// add a server meanwhile; the app runs without tools.
#[tokio::test]
async fn a_malformed_mcp_json_is_reported_and_left_untouched() {
    let session = session_confirming("accept").await;
    let bytes = format!(
        "{{\n  // my servers\n  \"mcpServers\": {{\n    \"test\": {{\"command\": {}, \"args\": [{}],}}\n",
        json!(python()),
        json!(test_server())
    )
    .into_bytes();
    write_mcp_bytes(&session, &bytes);
    let app = session.launch(&[]).await;
    open_tools(&app).await;
    let error = app
        .wait_js(
            "the file's error",
            "const e = document.querySelector('[data-testid=tools-file-error]'); return !!e && !e.hidden && e.offsetParent !== null && e.textContent",
        )
        .await;
    let error = error.as_str().unwrap();
    assert!(
        error.contains("mcp.json") && error.contains("could not be read"),
        "said in words: {error:?}"
    );
    let state = app
        .js("return window.__TAURI_INTERNALS__.invoke('tools_state')", vec![])
        .await;
    assert_eq!(state["servers"], json!([]), "no tools run: {state}");
    assert!(state["fileError"].is_string(), "{state}");
    // Adding a server now is refused: the file is not rewritten from nothing.
    let snippet = json!({"mcpServers": {"other": test_entry()}}).to_string();
    app.by_testid("mcp-add-snippet")
        .await
        .send_keys(&snippet)
        .await
        .unwrap();
    app.click("mcp-add").await;
    app.wait_js(
        "an error toast",
        "return [...document.querySelectorAll('[data-testid=toast]')].some(t => t.dataset.kind !== 'info')",
    )
    .await;
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=mcp-add-snippet]').value",
            vec![]
        )
        .await,
        json!(snippet),
        "the text stays"
    );
    assert_eq!(
        std::fs::read(mcp_path(&session)).unwrap(),
        bytes,
        "unchanged while running"
    );
    app.quit().await;
    assert_eq!(
        std::fs::read(mcp_path(&session)).unwrap(),
        bytes,
        "unchanged after quitting"
    );
}

/// A model that refuses tools: the answer is an error in words, and "Send without tools" gets
/// an answer.
#[tokio::test]
async fn a_model_that_refuses_tools_is_told_and_can_be_asked_without_them() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let echo = call_name(&app, "test", "echo").await;
    app.pick_model("mistral/ministral-8b").await;
    let question = "what time is it";
    app.send(question).await;
    let row = app
        .wait_js(
            "a tools_refused error row",
            "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             return !!m && m.dataset.role === 'error' && m.dataset.errorKind === 'tools_refused' && m.innerText",
        )
        .await;
    let row = row.as_str().unwrap();
    assert!(row.to_lowercase().contains("tools"), "said in words: {row:?}");
    assert!(
        session.gateway.stats().last_chat_tools.contains(&echo),
        "the refused request offered the tools"
    );
    app.click("send-without-tools").await;
    let answer = app.wait_last_answer("done").await;
    assert_eq!(
        answer["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for(question)
    );
    assert!(
        session.gateway.stats().last_chat_tools.is_empty(),
        "asked again without tools"
    );
    app.quit().await;
}

/// Sets the open chat's tools switch in its settings popover and waits until Rust holds it.
async fn switch_chat_tools(app: &App, on: bool) {
    app.click("chat-settings-button").await;
    app.js(
        "const s = document.querySelector('[data-testid=chat-tools-switch]'); \
         if (s.checked !== arguments[0]) s.click()",
        vec![json!(on)],
    )
    .await;
    app.wait_js(
        "the switch saved",
        &format!("return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => c[0].tools === {on})"),
    )
    .await;
    app.click("chat-settings-button").await;
}

/// The chat's own switch: off, its requests carry no tools while the server stays ready, and
/// it stays off across a relaunch; on again, they carry them.
#[tokio::test]
async fn a_chat_with_its_tools_switched_off_asks_without_them() {
    let session = Session::start().await;
    write_mcp(&session, json!({"test": test_entry()}));
    let app = session.launch_connected().await;
    let echo = call_name(&app, "test", "echo").await;
    switch_chat_tools(&app, false).await;
    let question = "what time is it";
    app.send(question).await;
    let answer = app.wait_last_answer("done").await;
    assert_eq!(
        answer["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for(question)
    );
    let requests = session.gateway.stats().chat_requests;
    assert!(
        session.gateway.stats().last_chat_tools.is_empty(),
        "the switch off: no tools offered"
    );
    app.quit().await;

    let app = session.launch(&[]).await;
    call_name(&app, "test", "echo").await;
    // Kept off across the relaunch (the chat opens once the window is up).
    app.wait_js(
        "the chat's switch shown off",
        "return document.querySelector('[data-testid=message]') !== null && \
         !document.querySelector('[data-testid=chat-tools-switch]').checked",
    )
    .await;
    switch_chat_tools(&app, true).await;
    let question = "and now";
    app.send(question).await;
    app.wait_last_answer("done").await;
    assert_eq!(session.gateway.stats().chat_requests, requests + 1);
    assert!(
        session.gateway.stats().last_chat_tools.contains(&echo),
        "on again: the tools offered"
    );
    app.quit().await;
}

/// Declining the native confirmation adds nothing: mcp.json unchanged, an error toast says so.
#[tokio::test]
async fn a_declined_confirmation_adds_nothing() {
    let session = session_confirming("decline").await;
    let mut kept = test_entry();
    kept["disabled"] = json!(true);
    let bytes = write_mcp(&session, json!({"kept": kept}));
    let app = session.launch(&[]).await;
    open_tools(&app).await;
    wait_panel_server(&app, "kept", "disabled").await;
    let snippet = json!({"mcpServers": {"test": test_entry()}}).to_string();
    app.by_testid("mcp-add-snippet")
        .await
        .send_keys(&snippet)
        .await
        .unwrap();
    app.click("mcp-add").await;
    let toast = app
        .wait_js(
            "an error toast",
            "const t = [...document.querySelectorAll('[data-testid=toast]')].find(t => t.dataset.kind !== 'info'); return !!t && t.innerText",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(toast.contains("not confirmed"), "{toast:?}");
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=mcp-add-snippet]').value",
            vec![]
        )
        .await,
        json!(snippet),
        "the text stays"
    );
    let names = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('tools_state').then(v => v.servers.map(s => s.name))",
            vec![],
        )
        .await;
    assert_eq!(names, json!(["kept"]));
    assert_eq!(
        app.js(
            "return [...document.querySelectorAll('[data-testid=mcp-server]')].map(s => s.dataset.name)",
            vec![]
        )
        .await,
        json!(["kept"])
    );
    assert_eq!(std::fs::read(mcp_path(&session)).unwrap(), bytes);
    app.quit().await;
    assert_eq!(std::fs::read(mcp_path(&session)).unwrap(), bytes);
}
