//! The README's screenshots, light and dark: the real app, against the fake gateway, in a
//! window of 1280×800, with a few chats and an answer of every kind of block.
//!
//! `bash scripts/screenshots.sh` runs it under Xvfb: `cargo run -p e2e --example screenshots --
//! DIR` writes `DIR/chat-light.png`, `chat-dark.png`, `models-light.png`, `models-dark.png`,
//! `settings-light.png` and `settings-dark.png`.

use std::path::PathBuf;
use std::time::Duration;

use e2e::{App, Session};
use fake_gateway::ChatScenario;

const QUESTION: &str = "How do I sort a Vec of structs by two keys in Rust?";

const ANSWER: &str = r#"Use `sort_by` and compare the first key, breaking ties with the second through `Ordering::then_with`:

```rust
#[derive(Debug)]
struct Person { last: String, age: u32 }

fn main() {
    let mut people = vec![
        Person { last: "Okafor".into(), age: 41 },
        Person { last: "Lindqvist".into(), age: 29 },
        Person { last: "Okafor".into(), age: 35 },
    ];
    // By last name, then youngest first.
    people.sort_by(|a, b| a.last.cmp(&b.last).then_with(|| a.age.cmp(&b.age)));
    println!("{people:#?}");
}
```

A few things worth knowing:

- `sort_by` is **stable**: people with equal keys keep their order.
- `sort_unstable_by` is faster and allocates nothing, when the order among equals does not matter.
- `sort_by_key(|p| (p.last.clone(), p.age))` reads well, but clones each name at every comparison.

| Method | Stable | Allocates |
|---|:-:|---|
| `sort_by` | yes | a buffer |
| `sort_unstable_by` | no | nothing |
| `sort_by_cached_key` | yes | one key per element |

> For descending order on one key, swap its arguments: `b.age.cmp(&a.age)`.
"#;

const REASONING: &str = "Two keys: compare the names, and only when they are equal compare the ages. \
`Ordering::then_with` does exactly that, lazily.";

/// Earlier chats, for the sidebar: a question and a short answer each.
const EARLIER: &[(&str, &str)] = &[
    ("Plan three days in Lisbon", "**Day 1:** Alfama and the castle at sunset. **Day 2:** Belém and the LX Factory. **Day 3:** a train to Sintra."),
    ("Explain public-key cryptography simply", "Think of a padlock anyone can close, but only you can open: the public key closes, the private key opens."),
    ("Summarize the meeting notes in five points", "1. Launch moves to May.\n2. Pricing stays.\n3. Two hires approved.\n4. Docs need an owner.\n5. Next review on Friday."),
];

async fn ask(session: &Session, app: &App, question: &str, scenario: ChatScenario) {
    session.gateway.script_chat(scenario);
    let before = app.messages().await.len();
    app.send(question).await;
    app.wait_js(
        "the answer",
        &format!("const m = document.querySelectorAll('[data-testid=message]'); return m.length === {} && m[m.length - 1].dataset.status === 'done'", before + 2),
    )
    .await;
}

async fn new_chat(app: &App) {
    app.click("new-chat-button").await;
    app.wait_js(
        "an empty chat",
        "return document.querySelectorAll('[data-testid=message]').length === 0",
    )
    .await;
}

async fn save(app: &App, dir: &std::path::Path, name: &str) {
    // Let transitions settle.
    tokio::time::sleep(Duration::from_millis(400)).await;
    // WebKitWebDriver has been seen to hang on a screenshot: said, not waited on forever.
    let png = tokio::time::timeout(Duration::from_secs(60), app.client().screenshot())
        .await
        .expect("the screenshot within a minute")
        .expect("a screenshot");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write the screenshot");
    println!("{}", path.display());
}

#[tokio::main]
async fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs/screenshots".into()));
    std::fs::create_dir_all(&dir).expect("the screenshots' folder");
    let session = Session::start().await;
    let app = session.launch_connected().await;
    app.set_page_size(1280, 800).await;
    for (i, (question, answer)) in EARLIER.iter().enumerate() {
        if i > 0 {
            new_chat(&app).await;
        }
        let scenario = ChatScenario {
            reply: Some(answer.to_string()),
            whole_events: true,
            ..Default::default()
        };
        ask(&session, &app, question, scenario).await;
    }
    new_chat(&app).await;
    app.pick_model("anthropic/claude-sonnet-4").await;
    let scenario = ChatScenario {
        reply: Some(ANSWER.into()),
        reasoning: Some(REASONING.into()),
        piece_delay: Some(Duration::from_millis(2)),
        whole_events: true,
        ..Default::default()
    };
    ask(&session, &app, QUESTION, scenario.clone()).await;
    // Regenerated once: the answer shows its versions' pager (‹ 2/2 ›).
    session.gateway.script_chat(scenario);
    app.click("regenerate-button").await;
    app.wait_js(
        "the second version",
        "const m = [...document.querySelectorAll('[data-testid=message]')].pop(); \
         return m.dataset.status === 'done' && m.querySelector('[data-testid=version-label]')?.textContent.includes('2')",
    )
    .await;
    // The question at the top, the answer under it: both kinds of message in the picture.
    app.js(
        "const m = document.querySelectorAll('[data-testid=message]'); m[m.length - 2].scrollIntoView({ block: 'start' })",
        vec![],
    )
    .await;

    for theme in ["light", "dark"] {
        app.set_theme(theme).await;
        // No caret or focus ring in the picture.
        app.js("document.activeElement?.blur?.()", vec![]).await;
        save(&app, &dir, &format!("chat-{theme}")).await;

        app.click("model-select").await;
        app.wait_js(
            "the model picker",
            "return !document.getElementById('model-popover').hidden",
        )
        .await;
        // The fake gateway's test models (fake/…) are no one's choice: not in the picture.
        app.js(
            "document.querySelectorAll('[data-testid=model-option][data-value^=\"fake/\"]').forEach(o => o.hidden = true)",
            vec![],
        )
        .await;
        save(&app, &dir, &format!("models-{theme}")).await;
        app.click("model-select").await;

        app.click("settings-button").await;
        app.js(
            "document.querySelector('[data-section=settings-appearance]').click(); document.activeElement.blur()",
            vec![],
        )
        .await;
        save(&app, &dir, &format!("settings-{theme}")).await;
        app.click("settings-close").await;
    }
    app.quit().await;
}
