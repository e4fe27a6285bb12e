//! Attachments in the real window: an image pasted into the composer reaches an image model
//! scaled, a text file dropped on the window arrives as a named text part, a model that cannot
//! see refuses the image in words, and thumbnails come from the app itself (after a relaunch
//! too), never from the network.

use base64::Engine;
use e2e::{App, Session};
use serde_json::{json, Value};

/// A PNG of `w`×`h` (a gradient: it compresses, so the page gets it quickly).
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 99]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn b64(bytes: &[u8]) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Builds a `File` from base64 in the page and hands it over as `event` ('paste' on the
/// composer, or 'drop' on the window), the way a real paste or drop delivers it.
const DELIVER: &str = r#"
const [data, name, type, event] = arguments;
const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
const dt = new DataTransfer();
dt.items.add(new File([bytes], name, { type }));
let e;
if (event === 'paste') {
  e = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
  document.querySelector('[data-testid=composer-input]').dispatchEvent(e);
} else {
  for (const kind of ['dragenter', 'dragover', 'drop']) {
    e = new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true });
    document.querySelector('[data-testid=messages], #messages').dispatchEvent(e);
  }
}
return e.defaultPrevented;
"#;

async fn deliver(app: &App, bytes: &[u8], name: &str, media_type: &str, event: &str) {
    let handled = app
        .js(DELIVER, vec![b64(bytes), json!(name), json!(media_type), json!(event)])
        .await;
    assert_eq!(handled, json!(true), "the page took the {event}");
}

/// Chips waiting in the composer, with their thumbnails' natural width (0 when not loaded).
async fn wait_composer_chips(app: &App, n: usize) -> Value {
    app.wait_js(
        &format!("{n} chips in the composer"),
        &format!(
            "const chips = [...document.querySelectorAll('[data-testid=composer-attachments] [data-testid=attachment-chip]')];
             if (chips.length !== {n}) return false;
             const thumbs = chips.map(c => c.querySelector('img'));
             if (thumbs.some(t => t && !(t.complete && t.naturalWidth > 0))) return false;
             return chips.map(c => ({{name: c.innerText, kind: c.dataset.kind, width: c.querySelector('img')?.naturalWidth ?? null}}));"
        ),
    )
    .await
}

/// What the page lists as loaded (WebKitGTK may list nothing at all).
const RESOURCES: &str = "return performance.getEntriesByType('resource').map(e => e.name)";

#[tokio::test]
async fn a_pasted_image_reaches_an_image_model_scaled_and_its_thumbnail_survives_a_relaunch() {
    let (session, app) = Session::connected().await;
    app.pick_model("openai/gpt-4o").await;
    deliver(&app, &png(4096, 1024), "wide.png", "image/png", "paste").await;
    let chips = wait_composer_chips(&app, 1).await;
    assert_eq!(chips[0]["kind"], "image");
    assert_eq!(chips[0]["width"], 2048, "the thumbnail is the scaled image: {chips}");
    app.send("What is in this picture?").await;
    app.wait_last_answer("done").await;

    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 1);
    let parts = stats.last_chat_raw[0]["content"]
        .as_array()
        .cloned()
        .expect("content parts");
    assert_eq!(parts[0], json!({"type": "text", "text": "What is in this picture?"}));
    let url = parts[1]["image_url"]["url"].as_str().expect("an image_url part");
    let data = url.strip_prefix("data:image/png;base64,").expect("a PNG data URL");
    let sent = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    let img = image::load_from_memory_with_format(&sent, image::ImageFormat::Png).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (2048, 512),
        "scaled to 2048 px on the long side"
    );

    // The sent question shows its thumbnail; the composer is empty again.
    let sent_thumb = "const t = document.querySelector('.message[data-role=user] [data-testid=attachment-thumb]'); return !!t && t.complete && t.naturalWidth";
    assert_eq!(
        app.wait_js("the sent question's thumbnail", sent_thumb).await,
        json!(2048)
    );
    assert_eq!(
        app.js("return document.querySelectorAll('[data-testid=composer-attachments] [data-testid=attachment-chip]').length", vec![]).await,
        json!(0)
    );
    // No request left the page for it: the thumbnail's source is the app's own scheme, what
    // the page lists as loaded is the app's own, and the CSP refuses images from anywhere else
    // (data:, blob:, the network) — model output cannot use them.
    let src = app
        .js(
            "return document.querySelector('.message[data-role=user] [data-testid=attachment-thumb]').currentSrc",
            vec![],
        )
        .await;
    assert!(
        src.as_str().unwrap().starts_with("glama-attachment://localhost/"),
        "{src}"
    );
    let resources = app.js(RESOURCES, vec![]).await;
    for r in resources.as_array().unwrap() {
        let r = r.as_str().unwrap();
        assert!(
            [
                "glama-attachment://localhost/",
                "tauri://localhost/",
                "ipc:",
                "http://ipc.localhost/"
            ]
            .iter()
            .any(|own| r.starts_with(own)),
            "a resource from elsewhere: {r}"
        );
    }
    let probe = format!(
        "const load = (src) => new Promise((done) => {{ const i = new Image(); i.onload = () => done('loaded'); i.onerror = () => done('refused'); i.src = src; }});
         const blob = URL.createObjectURL(new Blob([Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0))], {{ type: 'image/png' }}));
         return Promise.all([load('data:image/png;base64,' + arguments[0]), load(blob), load('{}/probe.png')]);",
        session.gateway.url().trim_end_matches('/')
    );
    let loaded = app.js(&probe, vec![b64(&png(2, 2))]).await;
    assert_eq!(
        loaded,
        json!(["refused", "refused", "refused"]),
        "data:, blob: and remote images"
    );
    let stats = session.gateway.stats();
    assert!(stats.stray_requests.is_empty(), "{:?}", stats.stray_requests);
    assert_eq!(stats.chat_requests, 1);
    app.quit().await;

    let app = session.launch(&[]).await;
    assert_eq!(
        app.wait_js("the thumbnail after a relaunch", sent_thumb).await,
        json!(2048)
    );
    assert_eq!(
        session.gateway.stats().chat_requests,
        1,
        "nothing was fetched from the gateway"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_text_file_dropped_on_the_window_arrives_as_a_named_text_part() {
    let (session, app) = Session::connected().await;
    let notes = "# Plan\n\n```js\nlet x = 1;\n```\n";
    let before = app
        .wait_js(
            "the meter",
            "const m = document.querySelector('[data-testid=context-meter]'); return !m.hidden && [Number(m.dataset.used)]",
        )
        .await[0]
        .clone();
    deliver(&app, notes.as_bytes(), "plan.md", "text/markdown", "drop").await;
    let chips = wait_composer_chips(&app, 1).await;
    // What waits attached counts in the meter before a word is typed.
    app.wait_js(
        "the meter counting the file",
        &format!("return Number(document.querySelector('[data-testid=context-meter]').dataset.used) > {before}"),
    )
    .await;
    assert_eq!(chips[0]["kind"], "text");
    assert!(chips[0]["name"].as_str().unwrap().contains("plan.md"), "{chips}");
    app.send("Summarize the plan").await;
    app.wait_last_answer("done").await;
    let stats = session.gateway.stats();
    let parts = stats.last_chat_raw[0]["content"]
        .as_array()
        .cloned()
        .expect("content parts");
    assert_eq!(parts[0]["text"], "Summarize the plan");
    assert_eq!(
        parts[1],
        json!({"type": "text", "text": format!("plan.md\n````\n{notes}````")}),
        "the name, then the file in a fence longer than its own"
    );
    app.quit().await;
}

#[tokio::test]
async fn a_model_that_cannot_see_refuses_an_image_in_words_and_offers_those_that_can() {
    let (session, app) = Session::connected().await;
    app.pick_model("mistral/ministral-8b").await;
    deliver(&app, &png(64, 48), "shot.png", "image/png", "paste").await;
    wait_composer_chips(&app, 1).await;
    app.send("What is this?").await;
    let words = app
        .wait_js(
            "the refusal",
            "const n = document.querySelector('[data-testid=image-model-notice]'); return !n.hidden && n.innerText",
        )
        .await;
    let words = words.as_str().unwrap();
    assert!(words.contains("mistral/ministral-8b can't see images"), "{words}");
    let offered = app
        .js(
            "return [...document.querySelectorAll('[data-testid=image-model-choice]')].map(b => b.innerText)",
            vec![],
        )
        .await;
    let offered: Vec<&str> = offered
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(offered.contains(&"openai/gpt-4o"), "{offered:?}");
    assert!(!offered.contains(&"mistral/ministral-8b"), "{offered:?}");
    assert_eq!(session.gateway.stats().chat_requests, 0, "nothing was sent");
    assert!(app.messages().await.is_empty());
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=composer-input]').value",
            vec![]
        )
        .await,
        json!("What is this?"),
        "the question is kept"
    );
    // Picking one of the offered models sends it.
    app.js(
        "[...document.querySelectorAll('[data-testid=image-model-choice]')].find(b => b.innerText === 'openai/gpt-4o').click()",
        vec![],
    )
    .await;
    app.click("send-button").await;
    app.wait_last_answer("done").await;
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 1);
    assert_eq!(stats.last_chat_raw[0]["content"][1]["type"], "image_url");
    app.quit().await;
}

#[tokio::test]
async fn regenerate_and_edit_keep_the_question_s_attachments() {
    let (session, app) = Session::connected().await;
    deliver(&app, &png(30, 20), "dot.png", "image/png", "paste").await;
    wait_composer_chips(&app, 1).await;
    deliver(&app, b"a,b\n1,2\n", "table.csv", "text/csv", "drop").await;
    wait_composer_chips(&app, 2).await;
    app.send("first").await;
    app.wait_last_answer("done").await;
    let kinds = |raw: &Value| -> Vec<String> {
        raw["content"]
            .as_array()
            .map(|parts| parts.iter().map(|p| p["type"].as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        kinds(&session.gateway.stats().last_chat_raw[0]),
        ["text", "image_url", "text"]
    );

    app.click("regenerate-button").await;
    app.wait_js(
        "the second answer",
        "return document.querySelectorAll('[data-testid=message]').length === 2 && [...document.querySelectorAll('[data-testid=message]')].pop().dataset.status === 'done'",
    )
    .await;
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 2);
    assert_eq!(
        kinds(&stats.last_chat_raw[0]),
        ["text", "image_url", "text"],
        "regenerate sends them again"
    );

    // Edit: the chips show in the edit composer; one removed, the other kept.
    app.click("edit-button").await;
    let in_editor = app
        .wait_js(
            "chips in the editor",
            "const c = document.querySelectorAll('.editor [data-testid=attachment-chip]'); return c.length === 2 && c.length",
        )
        .await;
    assert_eq!(in_editor, json!(2));
    app.js(
        "document.querySelector('.editor [data-testid=attachment-chip][data-kind=text] [data-testid=attachment-remove]').click()",
        vec![],
    )
    .await;
    app.click("edit-save").await;
    app.wait_js(
        "the edited question answered",
        "const m = [...document.querySelectorAll('[data-testid=message]')]; return m.length === 2 && m[1].dataset.status === 'done' && m[0].querySelectorAll('[data-testid=attachment-chip]').length === 1",
    )
    .await;
    let stats = session.gateway.stats();
    assert_eq!(stats.chat_requests, 3);
    assert_eq!(
        kinds(&stats.last_chat_raw[0]),
        ["text", "image_url"],
        "the removed file is gone"
    );
    app.quit().await;

    // What the store kept agrees after a relaunch.
    let app = session.launch(&[]).await;
    let chips = app
        .wait_js(
            "the kept chip after a relaunch",
            "const c = [...document.querySelectorAll('.message[data-role=user] [data-testid=attachment-chip]')]; return c.length > 0 && c.map(x => x.dataset.kind)",
        )
        .await;
    assert_eq!(chips, json!(["image"]));
    app.quit().await;
}

#[tokio::test]
async fn the_paperclip_reads_the_picked_file_in_rust_and_refuses_what_cannot_be_sent() {
    // The native dialog is the one thing WebDriver cannot reach: tests answer it with a path.
    let mut picked = Session::start().await;
    let file = picked.dir.join("picked");
    picked
        .app_env
        .push(("GLAMA_CHAT_TEST_FILE_DIALOG".into(), file.display().to_string()));
    let app = picked.launch_connected().await;

    // A photo larger than 2048 px: attached scaled, still a JPEG.
    let photo = image::RgbImage::from_fn(3000, 1500, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    photo.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    std::fs::write(&file, jpeg.into_inner()).unwrap();
    app.click("attach-button").await;
    let chips = wait_composer_chips(&app, 1).await;
    assert_eq!(chips[0]["kind"], "image");
    assert_eq!(chips[0]["width"], 2048);

    // A program: refused in words, nothing added.
    std::fs::write(&file, b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0").unwrap();
    app.click("attach-button").await;
    let words = app.wait_banner("neither an image").await;
    assert!(words.contains("“picked”"), "{words}");
    // Text past the limit: refused with the limit in words.
    std::fs::write(&file, "log line\n".repeat(40_000)).unwrap();
    app.click("attach-button").await;
    app.wait_banner("at most 256 KB").await;
    assert_eq!(
        app.js("return document.querySelectorAll('[data-testid=composer-attachments] [data-testid=attachment-chip]').length", vec![]).await,
        json!(1)
    );
    app.quit().await;
}
