//! The chat window, end to end: streaming, stop, regenerate, edit, errors, usage, hostile output,
//! reasoning, cut-off answers continued, filtered and refused answers.

use std::time::Duration;

use e2e::{Session, SessionOptions};
use fake_gateway::{ChatScenario, ReasoningForm};
use serde_json::json;

#[tokio::test]
async fn stop_keeps_the_partial_answer_and_closes_the_connection() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("Lorem ipsum dolor sit amet. ".repeat(200)),
        piece_delay: Some(Duration::from_millis(10)),
        ..Default::default()
    });
    app.send("tell me a long story").await;
    app.wait_js("some streamed text", "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'streaming' && m.innerText.includes('Lorem ipsum')").await;
    app.click("stop-button").await;
    let answer = app.wait_last_answer("stopped").await;
    let text = answer["text"].as_str().unwrap();
    assert!(text.starts_with("Lorem ipsum"), "{text}");
    assert!(text.len() < 5600, "stopped before the end ({} bytes)", text.len());
    let deadline = std::time::Instant::now() + e2e::WAIT;
    while session.gateway.stats().streams_closed_early == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway never saw the connection close"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The composer is usable again and a regenerate button is offered.
    app.by_testid("regenerate-button").await;
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=send-button]').hidden",
            vec![]
        )
        .await,
        json!(false)
    );
    app.quit().await;
}

#[tokio::test]
async fn escape_stops_a_stream() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("word ".repeat(2000)),
        piece_delay: Some(Duration::from_millis(10)),
        ..Default::default()
    });
    app.send("go").await;
    app.wait_js("streaming", "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'streaming' && m.innerText.includes('word')").await;
    app.by_testid("composer-input")
        .await
        .send_keys("\u{E00C}")
        .await
        .unwrap(); // Escape
    app.wait_last_answer("stopped").await;
    app.quit().await;
}

#[tokio::test]
async fn regenerate_and_edit_and_resend() {
    let (session, app) = Session::connected().await;
    app.send("first question").await;
    app.wait_last_answer("done").await;
    app.click("regenerate-button").await;
    app.wait_js("a new answer", "return document.querySelectorAll('[data-testid=message]').length === 2 && [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status === 'done'").await;
    assert_eq!(session.gateway.stats().chat_requests, 2);
    let msgs = app.messages().await;
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        msgs[1]["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for("first question")
    );

    app.send("second question").await;
    app.wait_js("four messages", "const all = document.querySelectorAll('[data-testid=message]'); return all.length === 4 && all[3].dataset.status === 'done'").await;

    // Edit the first question: everything after it is replaced.
    app.js(
        "document.querySelectorAll('[data-testid=edit-button]')[0].click()",
        vec![],
    )
    .await;
    let editor = app.by_testid("edit-input").await;
    editor.clear().await.unwrap();
    editor.send_keys("edited question").await.unwrap();
    app.click("edit-save").await;
    app.wait_js("the edited conversation", "const all = document.querySelectorAll('[data-testid=message]'); return all.length === 2 && all[1].dataset.status === 'done'").await;
    let msgs = app.messages().await;
    assert_eq!(msgs[0]["text"], "edited question");
    assert_eq!(
        msgs[1]["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for("edited question")
    );
    // What Rust holds agrees with the window.
    let held = app.js("return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => window.__TAURI_INTERNALS__.invoke('chat_messages', {conversationId: c[0].id})).then(p => p.messages.map(x => x.text))", vec![]).await;
    assert_eq!(
        held,
        json!(["edited question", fake_gateway::reply_for("edited question")])
    );
    assert_eq!(
        app.js(
            "return document.querySelectorAll('[data-testid=conversation-item]').length",
            vec![]
        )
        .await,
        json!(1)
    );
    app.quit().await;
}

#[tokio::test]
async fn usage_and_cost_are_shown() {
    let (_session, app) = Session::connected().await;
    app.send("how much?").await;
    app.wait_last_answer("done").await;
    let usage = app
        .wait_js(
            "usage",
            "const u = document.querySelector('[data-testid=usage]'); return !!u && u.textContent",
        )
        .await;
    let usage = usage.as_str().unwrap();
    assert!(
        usage.contains("tokens in") && usage.contains("out") && usage.contains('$'),
        "{usage}"
    );
    app.quit().await;
}

#[tokio::test]
async fn errors_are_shown_and_nothing_is_lost() {
    let (session, app) = Session::connected().await;
    // Out of credit before any byte: an error row, a banner, the question kept, Retry offered.
    session.gateway.script_chat(ChatScenario {
        status: Some(402),
        ..Default::default()
    });
    app.send("will this fail?").await;
    app.wait_js(
        "an error row",
        "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.role === 'error'",
    )
    .await;
    let banner = app.wait_banner("out of credit").await;
    assert!(banner.contains("Add credit"), "{banner}");
    assert_eq!(app.messages().await[0]["text"], "will this fail?");
    app.click("retry-button").await;
    let answer = app.wait_last_answer("done").await;
    assert_eq!(
        answer["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for("will this fail?")
    );

    // An error mid-answer keeps the partial text, marked, with Retry.
    session.gateway.script_chat(ChatScenario {
        error_after_chars: Some(15),
        ..Default::default()
    });
    app.send("partial").await;
    let answer = app.wait_last_answer("error").await;
    assert!(
        answer["text"].as_str().unwrap().starts_with("Echo: partial"),
        "{answer}"
    );
    assert!(answer["html"].as_str().unwrap().contains("Echo"));
    app.by_testid("retry-button").await;
    app.wait_banner("mid-answer").await;

    // A rejected key turns the status to "Key rejected — reconnect".
    session.gateway.revoke_keys();
    app.send("still there?").await;
    let status = app.wait_connection("error").await;
    assert!(status.contains("Key rejected — reconnect"), "{status}");
    // Retrying now is refused before anything starts: the conversation stays as it was.
    let before = app.messages().await.len();
    app.click("retry-button").await;
    app.wait_banner("Connect to Glama first").await;
    app.wait_js(
        "the conversation back",
        &format!("return document.querySelectorAll('[data-testid=message]').length === {before}"),
    )
    .await;
    app.quit().await;
}

#[tokio::test]
async fn rate_limit_shows_the_countdown_then_answers() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        status: Some(429),
        retry_after: Some(2),
        ..Default::default()
    });
    app.send("busy?").await;
    let notice = app
        .wait_js(
            "retry notice",
            "const n = document.querySelector('[data-testid=retry-notice]'); return !!n && n.textContent",
        )
        .await;
    assert!(notice.as_str().unwrap().contains("retrying in"), "{notice}");
    let answer = app.wait_last_answer("done").await;
    assert_eq!(
        answer["text"].as_str().unwrap().trim(),
        fake_gateway::reply_for("busy?")
    );
    assert_eq!(session.gateway.stats().chat_requests, 2);
    app.quit().await;
}

#[tokio::test]
async fn hostile_answer_does_nothing() {
    let (session, app) = Session::connected().await;
    let leak = format!("{}/leak-image", session.gateway.url());
    let reply = format!(
        "Here you go <img src=x onerror=\"document.title='pwned-img'\"> and <script>document.title='pwned-script'</script>\n\n\
         ![secret]({leak}?q=conversation)\n\n<iframe src=\"{leak}-frame\"></iframe>\n\n[click](javascript:document.title='pwned-link')\n\n\
         ```js\nalert('just code')\n```\n"
    );
    session.gateway.script_chat(ChatScenario {
        reply: Some(reply),
        ..Default::default()
    });
    app.send("show me html").await;
    let answer = app.wait_last_answer("done").await;
    let html = answer["html"].as_str().unwrap().to_lowercase();
    // No dangerous element or attribute in the DOM (the markup survives only as escaped text).
    let bad = app
        .js(
            "const root = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             return [...root.querySelectorAll('*')].filter(e => ['IMG', 'SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE'].includes(e.tagName) \
               || [...e.attributes].some(a => a.name.startsWith('on') || a.name === 'style' || /^\\s*javascript:/i.test(a.value))).map(e => e.outerHTML)",
            vec![],
        )
        .await;
    assert_eq!(bad, json!([]), "{html}");
    // The markup is shown as text, the image as a link, the code highlighted with a Copy button.
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("<img src=x onerror="), "{text}");
    assert!(html.contains("image: secret"), "{html}");
    app.by_testid("copy-code").await;
    // Give anything that would run or load a moment, then check nothing did.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let title = app.js("return document.title", vec![]).await;
    assert_eq!(title, json!("Glama Chat"));
    assert_eq!(
        app.js(
            "return document.querySelectorAll('.messages img, .messages iframe, .messages script').length",
            vec![]
        )
        .await,
        json!(0)
    );
    // Clicking the javascript: link (rendered as plain text) and the image link from a script
    // loads nothing in the window, and opens nothing in the browser: a script's click is not a
    // person's.
    app.js(
        "document.querySelectorAll('.messages a').forEach(a => a.click())",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.js("return location.href.startsWith('tauri://localhost')", vec![])
            .await,
        json!(true)
    );
    // The CSP itself: an inline script injected into the page does not run, a remote image is not fetched.
    let ran = app
        .js(
            "const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.appendChild(s); \
             const i = document.createElement('img'); i.src = arguments[0]; document.body.appendChild(i); \
             return new Promise(r => setTimeout(() => r(window.__inlineRan === true), 300))",
            vec![json!(format!("{}/csp-probe.png", session.gateway.url()))],
        )
        .await;
    assert_eq!(ran, json!(false), "inline script ran: the CSP allows it");
    assert_eq!(
        session.gateway.stats().stray_requests,
        Vec::<String>::new(),
        "the window fetched nothing"
    );
    let leaked = |log: &[String]| {
        log.iter()
            .filter(|l| l.starts_with("open ") && l.contains("leak-image"))
            .count()
    };
    assert_eq!(
        leaked(&session.browser_log()),
        0,
        "a script's click opened a link: {:?}",
        session.browser_log()
    );
    // Nor is there a command to open one with.
    let asked = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('open_link', { url: arguments[0] }).then(() => 'opened', () => 'refused')",
            vec![json!(format!("{leak}?q=command"))],
        )
        .await;
    assert_eq!(asked, json!("refused"));
    // The person's click on the image link takes it to the system browser instead (http only).
    app.client()
        .find(fantoccini::Locator::Css(".messages a[href*='leak-image']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if leaked(&session.browser_log()) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = session.browser_log();
    assert_eq!(leaked(&log), 1, "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("open ") && l.contains("leak-image?q=conversation")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("javascript")), "{log:?}");
    assert_eq!(
        app.js("return location.href.startsWith('tauri://localhost')", vec![])
            .await,
        json!(true)
    );
    app.quit().await;
}

/// A long code block, then a long table, then prose whose reference link is defined at the end.
fn long_answer() -> String {
    let mut text = String::from("Here is the file:\n```rust\n");
    for n in 0..80 {
        text.push_str(&format!(
            "/* step {n}, a comment\n   over two lines */\nfn step_{n}(x: &str) -> String {{ format!(\"<b>{{x}}</b> & {n}\") }}\n"
        ));
    }
    text.push_str("```\n\n| n | name | code |\n|--:|:-:|---|\n");
    for n in 0..80 {
        text.push_str(&format!("| {n} | row *{n}* | `x[{n}]` and [a source][src] |\n"));
    }
    text.push_str("\nSee [the source][src].\n\n[src]: https://example.com/source \"The source\"\n");
    text
}

#[tokio::test]
async fn a_long_code_block_and_table_stream_into_exactly_the_whole_render() {
    let (session, app) = Session::connected().await;
    let reply = long_answer();
    session.gateway.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::ZERO),
        ..Default::default()
    });
    // Watch the page: the code element that lines are appended to, and how many appends it took.
    app.js(
        "window.__adds = 0; window.__code = null; \
         new MutationObserver(records => { for (const r of records) { \
           const code = r.target.closest && r.target.closest('.committed pre.code > code'); \
           if (code && r.addedNodes.length) { window.__code = window.__code || code; window.__adds++; } } \
         }).observe(document.getElementById('messages'), { childList: true, subtree: true })",
        vec![],
    )
    .await;
    app.send("show me the file").await;
    app.wait_last_answer("done").await;
    let seen = app
        .js(
            "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             const shown = m.querySelector('.committed').cloneNode(true); \
             for (const w of shown.querySelectorAll('.code-block')) { w.querySelector('.code-head').remove(); w.querySelector('pre').removeAttribute('tabindex'); w.replaceWith(...w.childNodes); } \
             const invoke = window.__TAURI_INTERNALS__.invoke; \
             return invoke('list_chats').then(c => invoke('chat_messages', { conversationId: c[0].id })).then(p => p.messages).then(ms => { \
               const whole = document.createElement('div'); \
               whole.innerHTML = ms[ms.length - 1].html; \
               return { text: ms[ms.length - 1].text, shown: shown.innerHTML, whole: whole.innerHTML, adds: window.__adds, \
                 sameCode: !!window.__code && window.__code.isConnected && m.contains(window.__code), \
                 codeText: m.querySelector('pre.code').innerText, parts: m.querySelectorAll('pre.code .lines').length, \
                 copyButtons: m.querySelectorAll('.code-block > .code-head > .copy-code').length }; })",
            vec![],
        )
        .await;
    assert_eq!(seen["text"], json!(reply));
    let (shown, whole) = (seen["shown"].as_str().unwrap(), seen["whole"].as_str().unwrap());
    assert!(whole.matches("<tr>").count() > 80 && whole.contains("hl-"), "{whole}");
    assert!(whole.contains("href=\"https://example.com/source\""), "{whole}");
    assert_eq!(shown, whole, "the streamed page differs from the whole render");
    // The code block grew in place: lines were appended to one element, more than once.
    assert_eq!(seen["sameCode"], json!(true), "{seen}");
    assert!(seen["adds"].as_u64().unwrap() > 1, "{seen}");
    assert_eq!(seen["copyButtons"], json!(1), "{seen}");
    // 240 lines come in parts (each laid out alone), and read (and copy) as the code they hold.
    assert_eq!(seen["parts"], json!(4), "{seen}");
    let code = &reply[reply.find("```rust\n").unwrap() + 8..reply.find("```\n\n|").unwrap()];
    assert_eq!(seen["codeText"].as_str().unwrap().trim_end(), code.trim_end());
    app.quit().await;
}

#[tokio::test]
async fn a_late_definition_links_many_paragraphs_over_several_frames_into_the_whole_render() {
    let (session, app) = Session::connected().await;
    const CITING: usize = 1500;
    let mut reply = String::new();
    for n in 0..CITING {
        reply.push_str(&format!("Finding {n}, as [the survey][src] says.\n\n"));
    }
    reply.push_str("[src]: https://example.com/survey\n\n");
    for n in 0..200 {
        reply.push_str(&format!("Afterword {n}, plain.\n\n"));
    }
    session.gateway.script_chat(ChatScenario {
        reply: Some(reply.clone()),
        piece_delay: Some(Duration::ZERO),
        ..Default::default()
    });
    // Every frame, the number of links on screen (each change once).
    app.js(
        "window.__links = []; (function tick() { \
           const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
           const n = m ? m.querySelectorAll('.committed a[href]').length : 0; \
           if (window.__links[window.__links.length - 1] !== n) window.__links.push(n); \
           requestAnimationFrame(tick); })()",
        vec![],
    )
    .await;
    app.send("what do the sources say?").await;
    app.wait_last_answer("done").await;
    let seen = app
        .js(
            "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             const invoke = window.__TAURI_INTERNALS__.invoke; \
             return invoke('list_chats').then(c => invoke('chat_messages', { conversationId: c[0].id })).then(p => p.messages).then(ms => { \
               const whole = document.createElement('div'); \
               whole.innerHTML = ms[ms.length - 1].html; \
               return { text: ms[ms.length - 1].text, shown: m.querySelector('.committed').innerHTML, whole: whole.innerHTML, \
                 links: window.__links }; })",
            vec![],
        )
        .await;
    assert_eq!(seen["text"], json!(reply));
    let (shown, whole) = (seen["shown"].as_str().unwrap(), seen["whole"].as_str().unwrap());
    assert_eq!(
        whole.matches("href=\"https://example.com/survey\"").count(),
        CITING,
        "{whole}"
    );
    assert_eq!(shown, whole, "the streamed page differs from the whole render");
    // The paragraphs became links a few at a time, frame by frame, not all in one frame.
    let links: Vec<u64> = seen["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert!(links.iter().any(|&n| n > 0 && n < CITING as u64), "{links:?}");
    app.quit().await;
}

/// How far the message list is from its end, in pixels (a JS expression).
const FROM_END: &str =
    "(() => { const l = document.getElementById('messages'); return l.scrollHeight - l.scrollTop - l.clientHeight })()";

#[tokio::test]
async fn a_streaming_answer_keeps_its_end_in_view_until_the_person_scrolls_up() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        // Several seconds at the fake's default pace, and taller than the window by far.
        reply: Some((0..70).map(|i| format!("Line {i} of a long answer.\n\n")).collect()),
        ..Default::default()
    });
    app.send("a long answer, please").await;
    app.wait_js(
        "the answer to fill more than the window",
        "const l = document.getElementById('messages'); return l.scrollHeight > l.clientHeight + 300",
    )
    .await;
    // Scrolled once per frame while it grows: the end comes back into view.
    app.wait_js("the end in view while streaming", &format!("return {FROM_END} < 60"))
        .await;
    let streaming = app
        .js(
            "return [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status",
            vec![],
        )
        .await;
    assert_eq!(
        streaming,
        json!("streaming"),
        "the answer was still streaming when checked"
    );
    // The person scrolls up to read: the stream leaves them there.
    app.js(
        "const l = document.getElementById('messages'); l.scrollTop = 0; l.dispatchEvent(new Event('scroll'))",
        vec![],
    )
    .await;
    app.wait_last_answer("done").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let top = app
        .js("return document.getElementById('messages').scrollTop", vec![])
        .await;
    assert!(top.as_f64().unwrap() < 50.0, "stayed where the person scrolled: {top}");
    // Sending again brings the end back.
    app.send("and another").await;
    app.wait_last_answer("done").await;
    app.wait_js("the end in view after sending", &format!("return {FROM_END} < 60"))
        .await;
    app.quit().await;
}

#[tokio::test]
async fn no_keyring_offers_session_only_and_writes_no_file() {
    let session = Session::start_with(SessionOptions {
        keyring: false,
        ..Default::default()
    })
    .await;
    let app = session.launch(&[]).await;
    // Raised at launch, before the page listened: kept until the page took it. Before, the
    // window said only "Not connected".
    let banner = app.wait_banner("No system keyring").await;
    assert!(banner.contains("GNOME Keyring"), "{banner}");
    app.click("connect-button").await;
    let status = app.wait_connection("error").await;
    assert!(status.contains("No system keyring"), "{status}");
    assert!(status.contains("GNOME Keyring"), "says how to fix it: {status}");
    app.click("keep-session-button").await;
    let shown = app.wait_connection("connected").await;
    assert!(shown.contains("this session only"), "{shown}");
    app.wait_models().await;
    app.send("works without a keyring?").await;
    app.wait_last_answer("done").await;
    let key = session.gateway.issued_keys().pop().unwrap();
    assert_eq!(session.files_containing(&key), Vec::<std::path::PathBuf>::new());
    app.quit().await;
}

#[tokio::test]
async fn browser_that_will_not_open_shows_the_link_to_copy() {
    let session = Session::start_with(SessionOptions {
        browser_mode: "fail",
        ..Default::default()
    })
    .await;
    let app = session.launch(&[]).await;
    app.click("connect-button").await;
    app.wait_js("the fallback link", "const p = document.querySelector('[data-testid=authorize-panel]'); return !p.hidden && p.innerText.includes('could not be opened')").await;
    let url = app
        .js(
            "return document.querySelector('[data-testid=authorize-url]').value",
            vec![],
        )
        .await;
    let url = url.as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/oauth/authorize?", session.gateway.url())),
        "{url}"
    );
    app.by_testid("copy-authorize-url").await;
    // The person pastes it into a browser by hand; the sign-in completes.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callback = http.get(&url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    session.open_with_app(&callback);
    app.wait_connection("connected").await;
    app.quit().await;
}

/// The last message's reasoning section: `{hidden, open, summary, text, html}`.
const LAST_REASONING: &str = "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); const d = m.querySelector('[data-testid=reasoning]'); return {hidden: d.hidden, open: d.open, summary: d.querySelector('summary').textContent, text: d.querySelector('.reasoning-body').textContent, html: d.querySelector('.reasoning-body').innerHTML, status: m.dataset.status}";

#[tokio::test]
async fn reasoning_streams_open_then_folds_and_is_kept() {
    let (session, app) = Session::connected().await;
    let reasoning = "Let me think about **kiwis** step by step. <img src=x onerror=alert(1)> ".repeat(3);
    session.gateway.script_chat(ChatScenario {
        reply: Some("Kiwis are birds.".into()),
        reasoning: Some(reasoning.clone()),
        piece_delay: Some(Duration::from_millis(4)),
        ..Default::default()
    });
    app.send("tell me about kiwis").await;
    // Open while it streams, with a running count.
    let streaming = app
        .wait_js(
            "the reasoning open while it streams",
            &format!("const r = (() => {{ {LAST_REASONING} }})(); return !r.hidden && r.open && r.status === 'streaming' && r.summary.startsWith('Thinking…') && r.text.includes('kiwis') && r"),
        )
        .await;
    assert!(streaming["summary"].as_str().unwrap().ends_with(" s"), "{streaming}");
    let answer = app.wait_last_answer("done").await;
    assert_eq!(
        answer["text"].as_str().unwrap().trim(),
        "Kiwis are birds.",
        "no reasoning in the answer"
    );
    let done = app.js(LAST_REASONING, vec![]).await;
    assert_eq!(done["open"], json!(false), "folded once the answer began: {done}");
    let summary = done["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Thought for ") && summary.ends_with(" s"),
        "{summary}"
    );
    let html = done["html"].as_str().unwrap();
    assert!(html.contains("<strong>kiwis</strong>"), "rendered: {html}");
    assert!(!html.contains("<img"), "sanitized: {html}");
    // A click opens it again.
    app.js(
        "[...document.querySelectorAll('[data-testid=reasoning-summary]')].pop().click()",
        vec![],
    )
    .await;
    app.wait_js("reopened", &format!("return (() => {{ {LAST_REASONING} }})().open"))
        .await;
    let usage = app
        .wait_js(
            "usage with reasoning tokens",
            "const u = document.querySelector('[data-testid=usage]'); return !!u && u.textContent.includes('reasoning') && u.textContent",
        )
        .await;
    assert!(usage.as_str().unwrap().contains("reasoning)"), "{usage}");
    // Not sent back with the next question.
    app.send("and their eggs?").await;
    app.wait_js("a second answer", "return document.querySelectorAll('[data-testid=message]').length === 4 && [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status === 'done'").await;
    let sent = session.gateway.stats().last_chat_messages;
    assert_eq!(sent[1], ("assistant".to_string(), "Kiwis are birds.".to_string()));
    assert!(!sent.iter().any(|(_, t)| t.contains("step by step")), "{sent:?}");

    // Kept with the message: after a relaunch it is there, folded.
    app.quit().await;
    let app = session.launch(&[]).await;
    let kept = app
        .wait_js(
            "the reasoning after a relaunch",
            "const d = document.querySelectorAll('[data-testid=reasoning]')[0]; return !!d && !d.hidden && d.querySelector('.reasoning-body').textContent.includes('kiwis') && {open: d.open, summary: d.querySelector('summary').textContent}",
        )
        .await;
    assert_eq!(kept["open"], json!(false));
    assert!(kept["summary"].as_str().unwrap().starts_with("Thought for "), "{kept}");
    app.quit().await;
}

#[tokio::test]
async fn reasoning_as_think_tags_split_across_chunks_or_the_reasoning_field() {
    let (session, app) = Session::connected().await;
    for (n, form) in [ReasoningForm::ThinkTag, ReasoningForm::Reasoning]
        .into_iter()
        .enumerate()
    {
        session.gateway.script_chat(ChatScenario {
            reply: Some("The answer is 42.".into()),
            reasoning: Some("Deep thought, 7.5 million years.".into()),
            reasoning_form: form,
            ..Default::default()
        });
        app.send(&format!("question {n}")).await;
        app.wait_js(
            "the answer",
            &format!("const m = [...document.querySelectorAll('[data-testid=message]')]; return m.length === {} && m[m.length - 1].dataset.status === 'done'", 2 * (n + 1)),
        )
        .await;
        let answer = app.messages().await.pop().unwrap();
        let text = answer["text"].as_str().unwrap();
        assert_eq!(text.trim(), "The answer is 42.", "{form:?}");
        assert!(
            !answer["html"].as_str().unwrap().contains("think"),
            "{form:?}: {answer}"
        );
        let r = app.js(LAST_REASONING, vec![]).await;
        assert_eq!(r["hidden"], json!(false), "{form:?}");
        assert_eq!(
            r["text"].as_str().unwrap().trim(),
            "Deep thought, 7.5 million years.",
            "{form:?}"
        );
    }
    app.quit().await;
}

#[tokio::test]
async fn a_cut_off_answer_continues_in_the_same_message() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("Once upon a time there was a ver".into()),
        finish_reason: Some("length".into()),
        ..Default::default()
    });
    app.send("tell me a story").await;
    app.wait_last_answer("done").await;
    let cut = app
        .wait_js(
            "the cut-off note",
            "const n = document.querySelector('[data-testid=cut-note]'); return !!n && n.textContent",
        )
        .await;
    assert!(cut.as_str().unwrap().contains("output limit"), "{cut}");
    let usage_before = app
        .wait_js(
            "usage",
            "const u = document.querySelector('[data-testid=usage]'); return !!u && u.textContent",
        )
        .await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("y small kiwi. The end.".into()),
        ..Default::default()
    });
    app.click("continue-button").await;
    app.wait_js(
        "the continued answer",
        "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'done' && m.innerText.includes('The end.')",
    )
    .await;
    let msgs = app.messages().await;
    assert_eq!(msgs.len(), 2, "one message, not two: {msgs:?}");
    assert_eq!(
        msgs[1]["text"].as_str().unwrap().trim(),
        "Once upon a time there was a very small kiwi. The end."
    );
    assert_eq!(
        app.js("return [...document.querySelectorAll('[data-testid=message]')].pop().querySelectorAll('[data-testid=copy-message]').length + ':' + document.querySelectorAll('[data-testid=continue-button], [data-testid=cut-note]').length", vec![]).await,
        json!("1:0")
    );
    let sent = session.gateway.stats().last_chat_messages;
    assert_eq!(
        sent[1],
        ("assistant".to_string(), "Once upon a time there was a ver".to_string())
    );
    assert_eq!(sent[2].0, "user");
    // The cost is the sum of both requests.
    let usage_after = app
        .wait_js(
            "summed usage",
            &format!("const u = document.querySelector('[data-testid=usage]'); return !!u && u.textContent !== {usage_before} && u.textContent"),
        )
        .await;
    let cost = |u: &serde_json::Value| -> f64 { u.as_str().unwrap().rsplit('$').next().unwrap().parse().unwrap() };
    assert!(
        cost(&usage_after) > cost(&usage_before),
        "{usage_before} then {usage_after}"
    );
    // Copy gives the whole answer.
    assert_eq!(
        app.js(
            "return [...document.querySelectorAll('[data-testid=message]')].pop().dataset.source",
            vec![]
        )
        .await,
        json!("Once upon a time there was a very small kiwi. The end.")
    );
    app.quit().await;
}

#[tokio::test]
async fn filtered_and_refused_answers_are_said_in_words() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some(String::new()),
        finish_reason: Some("content_filter".into()),
        ..Default::default()
    });
    app.send("something filtered").await;
    app.wait_last_answer("done").await;
    let filtered = app
        .wait_js("the filter note", "const n = [...document.querySelectorAll('[data-testid=message]')].pop().querySelector('[data-testid=filtered-note]'); return !!n && n.textContent")
        .await;
    assert!(filtered.as_str().unwrap().contains("content filter"), "{filtered}");
    session.gateway.script_chat(ChatScenario {
        reply: Some(String::new()),
        refusal: Some("I can't help with <b>that</b>.".into()),
        ..Default::default()
    });
    app.send("something refused").await;
    app.wait_js("the refusal", "const m = [...document.querySelectorAll('[data-testid=message]')]; return m.length === 4 && m[3].dataset.status === 'done'").await;
    let refusal = app
        .wait_js("the refusal note", "const n = [...document.querySelectorAll('[data-testid=message]')].pop().querySelector('[data-testid=refusal-note]'); return !!n && n.innerHTML")
        .await;
    assert_eq!(
        refusal,
        json!("The model declined: I can't help with &lt;b&gt;that&lt;/b&gt;.")
    );
    app.quit().await;
}

#[tokio::test]
async fn a_stopped_answer_can_be_continued_too() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("Lorem ipsum dolor sit amet. ".repeat(200)),
        piece_delay: Some(Duration::from_millis(10)),
        ..Default::default()
    });
    app.send("a long one").await;
    app.wait_js("some streamed text", "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return m.dataset.status === 'streaming' && m.innerText.includes('Lorem ipsum')").await;
    app.click("stop-button").await;
    let stopped = app.wait_last_answer("stopped").await;
    let partial = app
        .js(
            "return [...document.querySelectorAll('[data-testid=message]')].pop().dataset.source",
            vec![],
        )
        .await;
    session.gateway.script_chat(ChatScenario {
        reply: Some(" THE END".into()),
        ..Default::default()
    });
    app.click("continue-button").await;
    let done = app.wait_last_answer("done").await;
    assert_eq!(done["id"], stopped["id"], "the same message");
    assert_eq!(app.messages().await.len(), 2);
    let source = app
        .js(
            "return [...document.querySelectorAll('[data-testid=message]')].pop().dataset.source",
            vec![],
        )
        .await;
    assert_eq!(
        source.as_str().unwrap(),
        format!("{} THE END", partial.as_str().unwrap())
    );
    assert_eq!(
        app.js(
            "return document.querySelectorAll('[data-testid=continue-button], .stopped-note').length",
            vec![]
        )
        .await,
        json!(0)
    );
    app.quit().await;
}

/// A chat's parameters, set in its settings: sent as set (unset ones absent), a value out of
/// range refused in words with the field put back, and kept across a relaunch.
#[tokio::test]
async fn a_chats_parameters_reach_the_gateway_and_are_kept() {
    let (session, app) = Session::connected().await;
    app.click("chat-settings-button").await;
    let set = |testid: &'static str, value: &'static str| {
        let app = &app;
        async move {
            app.js(
                "const f = document.querySelector(`[data-testid=${arguments[0]}]`); f.value = arguments[1]; \
                 f.dispatchEvent(new Event('change', {bubbles: true}))",
                vec![json!(testid), json!(value)],
            )
            .await;
        }
    };
    set("param-temperature", "0.4").await;
    set("param-max-tokens", "256").await;
    // Saved once Rust holds it.
    app.wait_js(
        "the parameters saved",
        "return window.__TAURI_INTERNALS__.invoke('list_chats').then(c => c[0].parameters.temperature === 0.4 && c[0].parameters.maxTokens === 256)",
    )
    .await;
    app.send("warm words").await;
    app.wait_last_answer("done").await;
    assert_eq!(
        serde_json::Value::Object(session.gateway.stats().last_chat_parameters),
        json!({"temperature": 0.4, "max_tokens": 256}),
        "set ones as set, unset ones absent"
    );

    set("param-temperature", "3").await;
    let said = app
        .wait_js(
            "the refusal said",
            "const b = document.querySelector('[data-testid=error-banner]'); return !b.hidden && b.innerText",
        )
        .await;
    assert!(
        said.as_str().unwrap().contains("temperature goes from 0 to 2"),
        "{said}"
    );
    app.wait_js(
        "the field put back",
        "return document.querySelector('[data-testid=param-temperature]').value === '0.4'",
    )
    .await;
    app.quit().await;

    let app = session.launch(&[]).await;
    // The fields fill when the chat opens, which comes after the window is up.
    let shown = app
        .wait_js(
            "the chat's parameters shown",
            "const v = ['param-temperature', 'param-top-p', 'param-max-tokens', 'param-reasoning-effort'].map(t => document.querySelector(`[data-testid=${t}]`).value); return v[0] !== '' && v",
        )
        .await;
    assert_eq!(shown, json!(["0.4", "", "256", ""]));
    app.quit().await;
}

/// Writes `text` into the composer as a paste does (typing thousands of keys would be slow).
async fn paste_into_composer(app: &e2e::App, text: &str) {
    app.js(
        "const i = document.querySelector('[data-testid=composer-input]'); i.value = arguments[0]; \
         i.dispatchEvent(new Event('input', {bubbles: true}))",
        vec![json!(text)],
    )
    .await;
}

/// A short answer (an echo of thousands of characters streams slowly on a busy machine).
fn noted() -> ChatScenario {
    ChatScenario {
        reply: Some("Noted.".into()),
        ..Default::default()
    }
}

/// Picks fake/small-window (2,000 tokens), has one long turn answered, and sends a second long
/// question, which is told not to fit before anything is sent and goes back to the composer.
/// Returns that question.
async fn outgrow_the_small_window(session: &Session, app: &e2e::App) -> String {
    app.wait_models().await;
    app.pick_model("fake/small-window").await;
    // The meter measured for the model shown before the pick may still be on screen: wait for
    // the picked model's window (a wrong window never arrives and the wait fails).
    app.wait_js(
        "the meter shows the model's window",
        "const m = document.querySelector('[data-testid=context-meter]'); return !m.hidden && m.dataset.limit === '2000'",
    )
    .await;

    // About 1,100 tokens a question, answered in a word: one turn fits, a second does not.
    let question = |n: usize| format!("{n} {}", "words to fill the window ".repeat(176));
    session.gateway.script_chat(noted());
    paste_into_composer(app, &question(1)).await;
    app.click("send-button").await;
    app.wait_last_answer("done").await;
    assert_eq!(session.gateway.stats().chat_requests, 1);

    paste_into_composer(app, &question(2)).await;
    let level = app
        .wait_js(
            "the meter over the window",
            "const m = document.querySelector('[data-testid=context-meter]'); return m.dataset.level === 'over' && [Number(m.dataset.used), m.getAttribute('aria-valuetext')]",
        )
        .await;
    assert!(level[0].as_u64().unwrap() > 2000, "{level}");
    app.click("send-button").await;
    let said = app
        .wait_js(
            "the notice before sending",
            "const n = document.querySelector('[data-testid=context-notice]'); return !n.hidden && n.innerText",
        )
        .await;
    assert!(
        said.as_str().unwrap().contains("outgrown the model's window") && said.as_str().unwrap().contains("holds 2k"),
        "said, with the window: {said}"
    );
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 1, "nothing sent");
    assert_eq!(stats.context_refusals, 0, "told before the gateway had to refuse");
    // The question is not lost: it went back to the composer.
    let draft = app
        .js(
            "return document.querySelector('[data-testid=composer-input]').value",
            vec![],
        )
        .await;
    assert_eq!(draft, json!(question(2)));
    question(2)
}

#[tokio::test]
async fn a_chat_too_long_for_the_models_window_is_said_before_sending_and_can_send_the_newest_turns() {
    let (session, app) = Session::connected().await;
    outgrow_the_small_window(&session, &app).await;
    session.gateway.script_chat(noted());
    app.click("context-newest").await;
    app.wait_js(
        "the second answer",
        "return document.querySelectorAll('[data-testid=message][data-role=assistant][data-status=done]').length === 2",
    )
    .await;
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 2);
    assert_eq!(stats.context_refusals, 0);
    let sent: Vec<&str> = stats.last_chat_messages.iter().map(|(role, _)| role.as_str()).collect();
    assert_eq!(sent, ["user"], "only the newest turn sent");
    assert!(stats.last_chat_messages[0].1.starts_with("2 "));
    // The chat keeps every turn, and marks where the model's view begins.
    assert_eq!(app.messages().await.len(), 4);
    app.wait_js(
        "the marker on the newest question",
        "const m = document.querySelector('.message.view-start'); return !!m && m.dataset.role === 'user' && m.innerText.includes('2 words')",
    )
    .await;
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=context-fit]').checked",
            vec![]
        )
        .await,
        json!(true),
        "kept as the chat's setting"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_chat_too_long_for_the_models_window_goes_on_in_a_new_chat_from_a_summary() {
    let (session, app) = Session::connected().await;
    let question = outgrow_the_small_window(&session, &app).await;
    session.gateway.script_chat(ChatScenario {
        reply: Some("They filled the window with words.".into()),
        ..Default::default()
    });
    app.click("context-summary").await;
    let prompt = app
        .wait_js(
            "the new chat open, from the summary",
            "return document.querySelectorAll('[data-testid=conversation-item]').length === 2 && document.querySelectorAll('[data-testid=message]').length === 0 && document.querySelector('[data-testid=system-prompt-input]').value",
        )
        .await;
    assert!(
        prompt.as_str().unwrap().ends_with("They filled the window with words."),
        "{prompt}"
    );
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 2);
    assert_eq!(stats.context_refusals, 0, "the summary's request fits too");
    assert!(stats
        .last_chat_messages
        .last()
        .unwrap()
        .1
        .starts_with("Summarize the conversation above"));
    // The question waits in the new chat's composer, with the same model.
    let shown = app
        .wait_js(
            "the question in the new chat's composer",
            "const i = document.querySelector('[data-testid=composer-input]'); return i.value.length > 0 && [i.value, document.querySelector('[data-testid=model-select]').dataset.value, document.querySelector('[data-testid=context-notice]').hidden]",
        )
        .await;
    assert_eq!(shown, json!([question, "fake/small-window", true]));

    // It fits now, the summary ahead of it.
    session.gateway.script_chat(noted());
    app.click("send-button").await;
    app.wait_last_answer("done").await;
    let sent = session.gateway.stats().last_chat_messages;
    assert_eq!(
        sent.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["system", "user"]
    );
    assert!(sent[0].1.contains("They filled the window with words."));
    app.quit().await;
}

/// Runs `invoke(command)` in the page and waits until `check` (a JS expression over its result
/// `r`) is truthy; returns that value.
async fn wait_invoke(app: &e2e::App, what: &str, command: &str, check: &str) -> serde_json::Value {
    app.wait_js(
        what,
        &format!("return window.__TAURI_INTERNALS__.invoke('{command}').then(r => {check})"),
    )
    .await
}

/// Clicks the entry of the menu beside New chat whose value is `value` ('' for a plain chat).
async fn start_from_menu(app: &e2e::App, value: &str) {
    app.click("assistant-menu-button").await;
    app.wait_js(
        "the assistant menu open",
        &format!(
            "const o = document.querySelector(`[data-testid=assistant-option][data-value=\"{value}\"]`); return !document.getElementById('assistant-menu').hidden && !!o"
        ),
    )
    .await;
    app.js(
        "document.querySelector(`[data-testid=assistant-option][data-value=\"${arguments[0]}\"]`).click()",
        vec![json!(value)],
    )
    .await;
}

#[tokio::test]
async fn an_assistant_starts_chats_with_its_prompt_model_and_parameters() {
    let (session, app) = Session::connected().await;
    app.wait_models().await;
    app.pick_model("mistral/ministral-8b").await;
    // A chat with words in it: starting from an assistant then makes a new one (an empty open
    // chat would be reused).
    app.send("first words").await;
    app.wait_last_answer("done").await;
    app.click("chat-settings-button").await;
    let prompt = "Answer as a code reviewer.";
    app.by_testid("system-prompt-input")
        .await
        .send_keys(prompt)
        .await
        .unwrap();
    app.js(
        "const f = document.querySelector('[data-testid=param-temperature]'); f.value = '0.4'; \
         f.dispatchEvent(new Event('change', {bubbles: true}))",
        vec![],
    )
    .await;
    wait_invoke(
        &app,
        "the temperature saved",
        "list_chats",
        "r[0].parameters.temperature === 0.4",
    )
    .await;
    app.by_testid("assistant-name-input")
        .await
        .send_keys("Reviewer")
        .await
        .unwrap();
    app.click("save-assistant").await;
    // Saved with the prompt as typed (the save waits for the prompt's own).
    let id = wait_invoke(
        &app,
        "the assistant saved",
        "list_assistants",
        &format!("r.length === 1 && r[0].name === 'Reviewer' && r[0].systemPrompt === {} && r[0].model === 'mistral/ministral-8b' && r[0].id", json!(prompt)),
    )
    .await;
    let id = id.as_str().unwrap().to_string();
    app.wait_js(
        "the chat names its assistant",
        "return !document.querySelector('[data-testid=update-assistant]').hidden && document.getElementById('chat-assistant-name').textContent === 'Reviewer'",
    )
    .await;

    // A new chat from it, from the menu beside New chat.
    app.dismiss_notices().await;
    start_from_menu(&app, &id).await;
    let started = app
        .wait_js(
            "a chat from the assistant, open",
            "return document.querySelector('[data-testid=model-select]').dataset.value === 'mistral/ministral-8b' && document.querySelectorAll('[data-testid=conversation-item]').length === 2 && document.querySelector('[data-testid=system-prompt-input]').value",
        )
        .await;
    assert_eq!(started, json!(prompt));
    app.send("look at this").await;
    app.wait_last_answer("done").await;
    let stats = session.gateway.stats();
    assert_eq!(stats.last_chat_messages[0], ("system".into(), prompt.into()));
    assert_eq!(
        serde_json::Value::Object(stats.last_chat_parameters),
        json!({"temperature": 0.4}),
        "the assistant's parameters, and only those"
    );

    // Marked default in Settings: New chat (Ctrl+N) starts from it.
    app.click("settings-button").await;
    app.js(
        "document.querySelector(`[data-testid=assistant-default][value=\"${arguments[0]}\"]`).click()",
        vec![json!(id)],
    )
    .await;
    wait_invoke(&app, "the default marked", "list_assistants", "r[0].isDefault").await;
    app.dismiss_notices().await;
    app.click("settings-close").await;
    app.by_testid("composer-input")
        .await
        .send_keys("\u{E009}n\u{E000}")
        .await
        .unwrap();
    wait_invoke(
        &app,
        "Ctrl+N starts from the default assistant",
        "list_chats",
        &format!(
            "r.length === 3 && r[0].assistantId === {} && r[0].systemPrompt === {}",
            json!(id),
            json!(prompt)
        ),
    )
    .await;
    // A plain chat, asked of that empty chat: it becomes plain (no new empty chat beside it).
    start_from_menu(&app, "").await;
    wait_invoke(
        &app,
        "the empty chat made plain",
        "list_chats",
        "r.length === 3 && r[0].assistantId === null && r[0].systemPrompt === '' && r[0].parameters.temperature === null",
    )
    .await;
    app.wait_js(
        "the plain chat shown",
        "return document.querySelector('[data-testid=system-prompt-input]').value === '' && document.querySelector('[data-testid=update-assistant]').hidden",
    )
    .await;
    app.quit().await;

    // Kept: after a relaunch the menu lists it, marked default.
    let app = session.launch(&[]).await;
    app.click("assistant-menu-button").await;
    let listed = app
        .wait_js(
            "the assistant listed",
            "const o = [...document.querySelectorAll('[data-testid=assistant-option]')]; return o.length === 2 && o[1].innerText",
        )
        .await;
    assert!(
        listed.as_str().unwrap().contains("Reviewer") && listed.as_str().unwrap().contains("Default"),
        "{listed}"
    );
    app.quit().await;
}

/// The open chat's last answer's text and the version label on it, once they are `text` and
/// `label` (a label of `""`: none).
async fn wait_last_version(app: &e2e::App, text: &str, label: &str) {
    app.wait_js(
        &format!("the answer {text:?} as version {label:?}"),
        &format!(
            "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
             const l = m && m.querySelector('[data-testid=version-label]'); \
             return !!m && m.dataset.status !== 'streaming' && \
               (m.querySelector('.content') || m.querySelector('.body')).innerText.trim() === {text:?} && \
               (l ? l.textContent : '') === {label:?}"
        ),
    )
    .await;
}

fn replying(text: &str) -> ChatScenario {
    ChatScenario {
        reply: Some(text.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn regenerating_twice_gives_three_versions_to_page_through_and_the_open_one_is_kept() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(replying("The first answer."));
    app.send("which version?").await;
    wait_last_version(&app, "The first answer.", "").await;
    session.gateway.script_chat(replying("The second answer."));
    app.click("regenerate-button").await;
    wait_last_version(&app, "The second answer.", "2/2").await;
    session.gateway.script_chat(replying("The third answer."));
    app.click("regenerate-button").await;
    wait_last_version(&app, "The third answer.", "3/3").await;
    assert_eq!(
        app.messages().await.len(),
        2,
        "versions page in place, they do not pile up"
    );

    app.click("version-prev").await;
    wait_last_version(&app, "The second answer.", "2/3").await;
    app.click("version-prev").await;
    wait_last_version(&app, "The first answer.", "1/3").await;
    let ends = app
        .js(
            "return ['version-prev', 'version-next'].map(t => document.querySelector(`[data-testid=${t}]`).disabled)",
            vec![],
        )
        .await;
    assert_eq!(ends, json!([true, false]), "no version before the first");
    assert_eq!(
        session.gateway.stats().chat_requests,
        3,
        "paging asks the gateway nothing"
    );
    app.quit().await;

    // The chat reopens on the version that was open.
    let app = session.launch(&[]).await;
    wait_last_version(&app, "The first answer.", "1/3").await;
    app.click("version-next").await;
    wait_last_version(&app, "The second answer.", "2/3").await;
    // What is shown is what is sent.
    session.gateway.script_chat(noted());
    app.send("and then?").await;
    wait_last_version(&app, "Noted.", "").await;
    let sent: Vec<String> = session
        .gateway
        .stats()
        .last_chat_messages
        .iter()
        .map(|(_, text)| text.clone())
        .collect();
    assert_eq!(sent, ["which version?", "The second answer.", "and then?"]);
    app.quit().await;
}

#[tokio::test]
async fn a_failed_regenerate_leaves_the_earlier_answer_one_click_away() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(replying("A good answer."));
    app.send("keep this").await;
    wait_last_version(&app, "A good answer.", "").await;
    session.gateway.script_chat(ChatScenario {
        status: Some(402),
        ..Default::default()
    });
    app.click("regenerate-button").await;
    app.wait_js(
        "an error row as the second version",
        "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
         return m.dataset.role === 'error' && m.querySelector('[data-testid=version-label]')?.textContent === '2/2'",
    )
    .await;
    app.click("version-prev").await;
    wait_last_version(&app, "A good answer.", "1/2").await;
    app.quit().await;
}

#[tokio::test]
async fn an_edit_forks_the_chat_and_the_gateway_gets_only_the_open_branch() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(replying("First answer."));
    app.send("first question").await;
    wait_last_version(&app, "First answer.", "").await;
    session.gateway.script_chat(replying("Second answer."));
    app.send("second question").await;
    wait_last_version(&app, "Second answer.", "").await;

    app.js(
        "document.querySelectorAll('[data-testid=edit-button]')[0].click()",
        vec![],
    )
    .await;
    let editor = app.by_testid("edit-input").await;
    editor.clear().await.unwrap();
    editor.send_keys("first question, edited").await.unwrap();
    session.gateway.script_chat(replying("Answer to the edit."));
    app.click("edit-save").await;
    wait_last_version(&app, "Answer to the edit.", "").await;
    let sent: Vec<String> = session
        .gateway
        .stats()
        .last_chat_messages
        .iter()
        .map(|(_, text)| text.clone())
        .collect();
    assert_eq!(sent, ["first question, edited"]);
    let shown = app
        .wait_js(
            "the edited question as its second version",
            "const m = document.querySelectorAll('[data-testid=message]'); \
             return m.length === 2 && m[0].querySelector('[data-testid=version-label]')?.textContent === '2/2' && m[0].innerText",
        )
        .await;
    assert!(shown.as_str().unwrap().contains("first question, edited"), "{shown}");

    // The first version comes back with everything that followed it.
    app.click("version-prev").await;
    let texts = app
        .wait_js(
            "the first branch",
            "const m = [...document.querySelectorAll('[data-testid=message]')]; \
             return m.length === 4 && m[0].querySelector('[data-testid=version-label]')?.textContent === '1/2' && \
               m.map(x => (x.querySelector('.content') || x.querySelector('.body')).innerText.trim())",
        )
        .await;
    assert_eq!(
        texts,
        json!(["first question", "First answer.", "second question", "Second answer."])
    );

    // Search finds the version that is not open, and opens it.
    app.click("search-input").await;
    app.by_testid("search-input").await.send_keys("edited").await.unwrap();
    app.wait_js(
        "the edit found",
        "const r = document.querySelectorAll('[data-testid=search-result]'); return r.length > 0",
    )
    .await;
    app.js(
        "[...document.querySelectorAll('[data-testid=search-result]')].find(r => r.innerText.includes('edited')).querySelector('button').click()",
        vec![],
    )
    .await;
    app.wait_js(
        "the edited branch open",
        "const m = document.querySelectorAll('[data-testid=message]'); \
         return m.length === 2 && m[0].querySelector('[data-testid=version-label]')?.textContent === '2/2'",
    )
    .await;
    app.quit().await;
}

#[tokio::test]
async fn a_version_is_deleted_with_an_undo_and_gone_at_the_next_start() {
    let (session, app) = Session::connected().await;
    session.gateway.script_chat(replying("Keep this answer."));
    app.send("answer me twice").await;
    wait_last_version(&app, "Keep this answer.", "").await;
    session.gateway.script_chat(replying("Drop this answer."));
    app.click("regenerate-button").await;
    wait_last_version(&app, "Drop this answer.", "2/2").await;

    app.click("version-delete").await;
    wait_last_version(&app, "Keep this answer.", "").await;
    app.click("undo-button").await;
    wait_last_version(&app, "Drop this answer.", "2/2").await;

    app.click("version-delete").await;
    wait_last_version(&app, "Keep this answer.", "").await;
    app.quit().await;
    let app = session.launch(&[]).await;
    wait_last_version(&app, "Keep this answer.", "").await;
    let found = app
        .js(
            // One after the other: a search overtaken by a newer one from the same window is dropped.
            "const search = (query) => window.__TAURI_INTERNALS__.invoke('search_chats', {query}).then(r => r.length); \
             return search('Keep').then(keep => search('Drop').then(drop => [keep, drop]))",
            vec![],
        )
        .await;
    assert_eq!(found, json!([1, 0]), "nothing of the deleted version is found");
    app.quit().await;
}
