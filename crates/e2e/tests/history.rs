//! Conversations that last, end to end: the sidebar, rename, delete and undo, per-chat
//! system prompt, search, export and import, relaunch, and a crash mid-answer.

use std::time::Duration;

use e2e::{App, Session};
use fake_gateway::ChatScenario;
use serde_json::{json, Value};

/// Sends `text` and waits for its answer to finish.
async fn exchange(app: &App, text: &str) {
    let before = app.messages().await.len();
    app.send(text).await;
    app.wait_js(
        "the answer",
        &format!("const all = document.querySelectorAll('[data-testid=message]'); return all.length === {} && all[all.length - 1].dataset.status === 'done'", before + 2),
    )
    .await;
}

/// The sidebar: `[{id, title, active}]`, top to bottom.
async fn sidebar(app: &App) -> Vec<Value> {
    app.js(
        "return [...document.querySelectorAll('[data-testid=conversation-item]')].map(li => ({id: li.dataset.conversationId, title: li.querySelector('.open, input').textContent || li.querySelector('input')?.value, active: li.dataset.active === 'true'}))",
        vec![],
    )
    .await
    .as_array()
    .cloned()
    .unwrap_or_default()
}

async fn new_chat_by_keyboard(app: &App) {
    let before = sidebar(app).await.len();
    app.by_testid("composer-input")
        .await
        .send_keys("\u{E009}n\u{E000}")
        .await
        .unwrap(); // Ctrl+N
    wait_new_chat(app, before).await;
}

async fn new_chat_by_button(app: &App) {
    let before = sidebar(app).await.len();
    app.click("new-chat-button").await;
    wait_new_chat(app, before).await;
}

/// Waits for a chat more than `before` in the sidebar, open and empty.
async fn wait_new_chat(app: &App, before: usize) {
    app.wait_js(
        "a new chat",
        &format!(
            "return document.querySelectorAll('[data-testid=conversation-item]').length === {}",
            before + 1
        ),
    )
    .await;
    app.wait_js(
        "an empty chat",
        "return document.querySelectorAll('[data-testid=message]').length === 0",
    )
    .await;
}

#[tokio::test]
async fn chats_drafts_and_system_prompts_survive_a_relaunch() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    exchange(&app, "first chat question").await;
    new_chat_by_keyboard(&app).await;

    // A system prompt for this chat (in the chat's settings), saved as typed; the gateway sees
    // it first.
    app.click("chat-settings-button").await;
    let prompt_field = app.by_testid("system-prompt-input").await;
    prompt_field.send_keys("Answer like a pirate.").await.unwrap();
    exchange(&app, "second chat question").await;
    let sent = session.gateway.stats().last_chat_messages;
    assert_eq!(sent[0], ("system".into(), "Answer like a pirate.".into()), "{sent:?}");
    assert_eq!(sent.last().unwrap(), &("user".into(), "second chat question".into()));

    // A draft left in the composer.
    app.by_testid("composer-input")
        .await
        .send_keys("an unsent thought")
        .await
        .unwrap();
    let shown = sidebar(&app).await;
    assert_eq!(shown.len(), 2);
    assert_eq!(
        shown[0]["title"], "second chat question",
        "newest activity first: {shown:?}"
    );
    assert_eq!(shown[0]["active"], true);
    assert_eq!(shown[1]["title"], "first chat question");
    // Give the draft's save (after a pause in typing) time to land, then quit.
    app.wait_js(
        "the draft saved",
        "return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => c[0].draft === 'an unsent thought')",
    )
    .await;
    let window_messages = app.messages().await;
    app.quit().await;

    let app = session.launch(&[]).await;
    app.wait_js(
        "the last chat open",
        "return document.querySelectorAll('[data-testid=message]').length === 2",
    )
    .await;
    assert_eq!(
        sidebar(&app).await,
        shown,
        "the same chats, in the same order, the same one open"
    );
    let again = app.messages().await;
    assert_eq!(
        again
            .iter()
            .map(|m| (&m["role"], &m["text"], &m["status"]))
            .collect::<Vec<_>>(),
        window_messages
            .iter()
            .map(|m| (&m["role"], &m["text"], &m["status"]))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=composer-input]').value",
            vec![]
        )
        .await,
        json!("an unsent thought")
    );
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=system-prompt-input]').value",
            vec![]
        )
        .await,
        json!("Answer like a pirate.")
    );
    // Switching chats shows each one's own prompt and draft.
    app.js(
        "document.querySelectorAll('[data-testid=conversation-item] .open')[1].click()",
        vec![],
    )
    .await;
    app.wait_js("the first chat", "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.innerText.includes('first chat question'))").await;
    assert_eq!(
        app.js("return [document.querySelector('[data-testid=system-prompt-input]').value, document.querySelector('[data-testid=composer-input]').value]", vec![]).await,
        json!(["", ""])
    );

    // The key is in the keyring and nowhere in the history file.
    let key = session.gateway.issued_keys().pop().unwrap();
    let db = session.data_dir().join("chats.sqlite3");
    assert!(db.exists());
    assert_eq!(session.files_containing(&key), Vec::<std::path::PathBuf>::new());
    app.quit().await;
}

#[tokio::test]
async fn rename_delete_and_undo() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    exchange(&app, "keep me").await;
    // The button, here; Ctrl+N elsewhere.
    new_chat_by_button(&app).await;
    exchange(&app, "delete me").await;

    // Rename the older chat inline.
    app.js("document.querySelectorAll('[data-testid=conversation-item]')[1].querySelector('[data-testid=rename-button]').click()", vec![]).await;
    let field = app.by_testid("rename-input").await;
    // Not WebDriver's clear(): it blurs the field, which saves the rename as it stands.
    app.js(
        "document.querySelector('[data-testid=rename-input]').value = ''",
        vec![],
    )
    .await;
    field.send_keys("Renamed chat\u{E007}").await.unwrap();
    app.wait_js("the new name", "return [...document.querySelectorAll('[data-testid=conversation-item]')].some(li => li.innerText.includes('Renamed chat'))").await;
    let held = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => c.map(x => x.title))",
            vec![],
        )
        .await;
    assert_eq!(held, json!(["delete me", "Renamed chat"]));

    // Delete the open chat: it goes, the other opens, Undo brings it back with its messages.
    let deleted = sidebar(&app).await[0]["id"].clone();
    app.js("document.querySelectorAll('[data-testid=conversation-item]')[0].querySelector('[data-testid=delete-button]').click()", vec![]).await;
    app.wait_js(
        "one chat left",
        "return document.querySelectorAll('[data-testid=conversation-item]').length === 1",
    )
    .await;
    app.wait_js(
        "the other chat open",
        "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.innerText.includes('keep me'))",
    )
    .await;
    app.click("undo-button").await;
    app.wait_js(
        "the chat back",
        "return document.querySelectorAll('[data-testid=conversation-item]').length === 2",
    )
    .await;
    app.wait_js(
        "its messages back",
        "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.innerText.includes('delete me'))",
    )
    .await;
    assert_eq!(sidebar(&app).await[0]["id"], deleted);

    // Deleted for good: gone after a relaunch too.
    app.js("document.querySelectorAll('[data-testid=conversation-item]')[0].querySelector('[data-testid=delete-button]').click()", vec![]).await;
    app.wait_js(
        "one chat left",
        "return document.querySelectorAll('[data-testid=conversation-item]').length === 1",
    )
    .await;
    app.quit().await;
    let app = session.launch(&[]).await;
    app.wait_js(
        "the chats",
        "return document.querySelectorAll('[data-testid=conversation-item]').length >= 1",
    )
    .await;
    let titles: Vec<Value> = sidebar(&app).await.iter().map(|c| c["title"].clone()).collect();
    assert_eq!(titles, [json!("Renamed chat")]);
    app.quit().await;
}

#[tokio::test]
async fn search_finds_words_and_chinese_and_opens_the_message() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    exchange(&app, "我们把数据存在本地").await;
    exchange(&app, "something about giraffes").await;
    new_chat_by_keyboard(&app).await;
    exchange(&app, "an unrelated chat about kiwis").await;

    // Ctrl+K reaches the search field.
    app.by_testid("composer-input")
        .await
        .send_keys("\u{E009}k\u{E000}")
        .await
        .unwrap();
    app.wait_js(
        "search focused",
        "return document.activeElement === document.querySelector('[data-testid=search-input]')",
    )
    .await;
    app.by_testid("search-input").await.send_keys("数据").await.unwrap();
    let result = app
        .wait_js("a result", "const r = document.querySelectorAll('[data-testid=search-result]'); return r.length > 0 && [...r].map(x => x.innerHTML)")
        .await;
    let html = result[0].as_str().unwrap();
    assert!(html.contains("<mark>数据</mark>"), "the match is marked: {html}");
    assert!(html.contains("我们把数据存在本地"), "{html}");
    // Model output reaches search results only as text.
    assert!(!html.contains("<script") && !html.contains("<img"), "{html}");

    app.click("search-input").await;
    let search = app.by_testid("search-input").await;
    search.clear().await.unwrap();
    search.send_keys("GIRAFF").await.unwrap();
    app.wait_js("one result for giraffes", "const r = document.querySelectorAll('[data-testid=search-result]'); return r.length >= 1 && r[0].innerText.includes('我们把数据存在本地') && r[0].innerText.toLowerCase().includes('giraffe')").await;
    app.js(
        "document.querySelector('[data-testid=search-result] button').click()",
        vec![],
    )
    .await;
    let found = app
        .wait_js(
            "the message shown",
            "const m = document.querySelector('.message.found'); return !!m && m.innerText",
        )
        .await;
    assert!(found.as_str().unwrap().to_lowercase().contains("giraffe"), "{found}");
    let active = sidebar(&app).await;
    assert!(
        active
            .iter()
            .any(|c| c["active"] == true && c["title"] == "我们把数据存在本地"),
        "{active:?}"
    );

    // Odd queries neither crash nor error.
    for q in ["\"unclosed", "-", "OR", "a:b(", "'; DROP TABLE messages;--", "*"] {
        search.clear().await.unwrap();
        search.send_keys(q).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(app.banner_text().await, None, "no error shown");

    // Escape empties the search field and the model filter (text fields: see index.html).
    search.clear().await.unwrap();
    search.send_keys("kiwi\u{E00C}").await.unwrap();
    app.wait_js(
        "the search emptied",
        "return document.querySelector('[data-testid=search-input]').value === '' && document.getElementById('search-results').hidden",
    )
    .await;
    let models = "return document.querySelectorAll('[data-testid=model-option]').length";
    let all = app.js(models, vec![]).await;
    app.click("model-select").await;
    let filter = app.by_testid("model-filter").await;
    filter.send_keys("no model has this name").await.unwrap();
    app.wait_js("the list filtered", &format!("{models} < {all}")).await;
    filter.send_keys("\u{E00C}").await.unwrap();
    app.wait_js(
        "the filter emptied, every model listed",
        &format!("return document.querySelector('[data-testid=model-filter]').value === '' && (() => {{ {models}; }})() == {all}"),
    )
    .await;
    app.quit().await;
}

#[tokio::test]
async fn export_matches_the_window_and_imports_into_a_fresh_profile_once() {
    let session = {
        let mut s = Session::start().await;
        let file = s.dir.join("export.json");
        s.app_env
            .push(("GLAMA_CHAT_TEST_FILE_DIALOG".into(), file.display().to_string()));
        s
    };
    let app = session.launch_connected().await;
    exchange(&app, "Export me, **please**").await;
    exchange(&app, "and this too").await;
    new_chat_by_keyboard(&app).await;
    exchange(&app, "a second chat").await;
    let file = session.dir.join("export.json");

    // Export and import are in Settings → Data. One chat as Markdown: what the window shows,
    // in order.
    app.click("settings-button").await;
    app.click("export-button").await;
    app.click("export-markdown").await;
    app.wait_banner("Saved to").await;
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.starts_with("# a second chat\n"), "{md}");
    assert!(
        md.contains(&format!(
            "**Assistant:**\n\n{}",
            fake_gateway::reply_for("a second chat").trim_end()
        )),
        "{md}"
    );

    // Every chat as JSON, compared with what the window shows for each.
    app.dismiss_notices().await;
    app.click("export-button").await;
    app.click("export-all").await;
    app.wait_banner("Saved to").await;
    app.click("settings-close").await;
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(exported["format"], "glama-chat");
    assert_eq!(exported["version"], glama_core::store::archive::VERSION);
    let chats = exported["conversations"].as_array().unwrap();
    assert_eq!(chats.len(), 2);
    for (i, chat) in chats.iter().enumerate() {
        app.js(
            &format!("document.querySelectorAll('[data-testid=conversation-item] .open')[{i}].click()"),
            vec![],
        )
        .await;
        app.wait_js("the chat open", &format!("return document.querySelectorAll('[data-testid=conversation-item]')[{i}].dataset.active === 'true' && document.querySelectorAll('[data-testid=message]').length === {}", chat["messages"].as_array().unwrap().len())).await;
        let shown = app.messages().await;
        for (m, s) in chat["messages"].as_array().unwrap().iter().zip(&shown) {
            assert_eq!(m["role"], s["role"]);
            assert_eq!(m["id"], s["id"]);
            if m["role"] == "user" {
                assert_eq!(m["content"], s["text"]);
            } else {
                // The window shows the rendered markdown; the file keeps the source.
                let source = app
                    .js(
                        &format!(
                            "return document.querySelector('[data-message-id=\"{}\"]').dataset.source",
                            m["id"].as_str().unwrap()
                        ),
                        vec![],
                    )
                    .await;
                assert_eq!(m["content"], source);
            }
        }
    }

    // Into a fresh profile: the chats appear once, even when imported twice.
    let fresh = {
        let mut s = Session::start().await;
        s.app_env
            .push(("GLAMA_CHAT_TEST_FILE_DIALOG".into(), file.display().to_string()));
        s
    };
    app.quit().await;
    let other = fresh.launch(&[]).await;
    other.click("settings-button").await;
    other.click("import-button").await;
    other.wait_banner("Imported 2 chats").await;
    other.dismiss_notices().await;
    other.click("import-button").await;
    other.wait_banner("2 chats already here").await;
    other.click("settings-close").await;
    // Two imported (the empty chat made at start is the third).
    let titles: Vec<Value> = sidebar(&other).await.iter().map(|c| c["title"].clone()).collect();
    assert!(
        titles.contains(&json!("Export me, **please**")) && titles.contains(&json!("a second chat")),
        "{titles:?}"
    );
    assert_eq!(titles.len(), 3, "{titles:?}");
    other.js("[...document.querySelectorAll('[data-testid=conversation-item]')].find(li => li.innerText.includes('Export me')).querySelector('.open').click()", vec![]).await;
    other
        .wait_js(
            "its messages",
            "return document.querySelectorAll('[data-testid=message]').length === 4",
        )
        .await;
    let texts: Vec<Value> = other.messages().await.iter().map(|m| m["id"].clone()).collect();
    let ids: Vec<Value> = chats.iter().find(|c| c["title"] == "Export me, **please**").unwrap()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(texts, ids, "ids kept");
    other.quit().await;
}

#[tokio::test]
async fn a_crash_mid_answer_keeps_the_text_marked_interrupted_and_retry_works() {
    let session = Session::start().await;
    let app = session.launch_connected().await;
    let reply = "Crash-safe words keep arriving. ".repeat(150);
    session.gateway.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::from_millis(2)),
        ..Default::default()
    });
    app.send("tell me a long story").await;
    let shown = app
        .wait_js("a good part of the answer", "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); const t = m.querySelector('.content')?.innerText || ''; return m.dataset.status === 'streaming' && t.length > 300 && t.length")
        .await
        .as_u64()
        .unwrap();
    // Past the save interval, so what was shown then is on disk.
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.kill_app().await;

    let app = session.launch(&[]).await;
    let answer = app.wait_last_answer("interrupted").await;
    let kept = answer["text"].as_str().unwrap().trim().to_string();
    assert!(
        kept.len() as u64 >= shown - 10,
        "kept {} of the {} shown before the crash",
        kept.len(),
        shown
    );
    assert!(reply.starts_with(kept.split_whitespace().next().unwrap()));
    assert!(kept.len() < reply.len(), "cut before the end");
    app.by_testid("interrupted-note").await;
    app.wait_connection("connected").await;
    app.wait_models().await;
    app.click("retry-button").await;
    let done = app.wait_last_answer("done").await;
    assert_eq!(
        done["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for("tell me a long story")
    );
    assert_eq!(
        app.messages().await.len(),
        2,
        "the retry replaced the interrupted answer"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_damaged_history_file_is_moved_aside_and_the_app_says_so() {
    let session = Session::start().await;
    std::fs::create_dir_all(session.data_dir()).unwrap();
    let garbage = b"SQLite format 3\0 but not really; garbage bytes follow ".repeat(200);
    std::fs::write(session.data_dir().join("chats.sqlite3"), &garbage).unwrap();
    let app = session.launch(&[]).await;
    let banner = app.wait_banner("damaged").await;
    assert!(banner.contains("moved aside"), "{banner}");
    let aside: Vec<_> = std::fs::read_dir(session.data_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("chats.sqlite3.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), garbage, "kept byte for byte");
    // And the app works: a chat is there to type in.
    app.wait_js(
        "a chat",
        "return document.querySelectorAll('[data-testid=conversation-item]').length === 1",
    )
    .await;
    app.quit().await;
}

#[tokio::test]
async fn a_long_conversation_opens_at_its_end_and_loads_older_messages_on_scroll() {
    let session = Session::start().await;
    // 600 messages, written by the store itself before the app starts.
    let store = glama_core::store::Store::open(&session.data_dir()).store;
    store
        .call(|db| {
            use glama_core::chat::begin::{begin, Ask};
            use glama_core::chat::view::render;
            use glama_core::chat::Fit;
            use glama_core::store::answers::{finish_answer, Finish};
            use glama_core::store::conversations;
            let c = conversations::create(db, "openai/gpt-4o")?.id;
            for i in 0..300 {
                let b = begin(
                    db,
                    &c,
                    "openai/gpt-4o",
                    &Ask::Send {
                        text: format!("question {i}"),
                    },
                    &Fit::default(),
                )?
                .expect("no window, so it fits");
                let text = format!("answer {i}\n\n```rust\nfn f{i}() {{}}\n```");
                finish_answer(db, &b.message_id, &Finish::done(text.clone(), render(&text, "")))?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let app = session.launch(&[]).await;
    app.wait_js(
        "the newest answer",
        "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.innerText.includes('answer 299'))",
    )
    .await;
    let loaded = app
        .js(
            "return document.querySelectorAll('[data-testid=message]').length",
            vec![],
        )
        .await
        .as_u64()
        .unwrap();
    assert!(loaded < 200, "a page, not all 600: {loaded}");
    let at_bottom = app
        .js(
            "const l = document.getElementById('messages'); return l.scrollHeight - l.scrollTop - l.clientHeight < 60",
            vec![],
        )
        .await;
    assert_eq!(at_bottom, json!(true), "opened at its end");
    // Scroll to the top until the first question is there.
    app.wait_js(
        "the oldest message after scrolling up",
        "const l = document.getElementById('messages'); l.scrollTop = 0; l.dispatchEvent(new Event('scroll')); return [...document.querySelectorAll('[data-testid=message] .body')].some(b => b.textContent === 'question 0')",
    )
    .await;
    let all = app
        .js(
            "return document.querySelectorAll('[data-testid=message]').length",
            vec![],
        )
        .await;
    assert_eq!(all, json!(600));
    // Code blocks of cached HTML are decorated like streamed ones.
    let copies = app
        .js(
            "return document.querySelectorAll('[data-testid=copy-code]').length",
            vec![],
        )
        .await;
    assert_eq!(copies, json!(300));
    app.quit().await;
}
