//! A long conversation keeps on the page only the messages near what is on screen
//! (ui/components/windowing.js): the others are empty shells, made whole again when scrolled to,
//! and search still reaches them.

use e2e::Session;
use serde_json::json;

/// Questions and answers in the conversation; each answer is several screens tall.
const PAIRS: usize = 12;

/// An answer of about 20 KB of prose; the first one holds a word no other does.
fn answer(i: usize) -> String {
    let word = if i == 0 { "okapi" } else { "giraffe" };
    let paragraphs: Vec<String> = (0..60)
        .map(|p| format!("Paragraph {p} of answer {i}: a few sentences about the {word} and its habits, long enough to wrap onto more than one line in the window, and more of them."))
        .collect();
    format!("Answer {i} begins.\n\n{}", paragraphs.join("\n\n"))
}

/// Once some messages are shells: how many are whole, and how many there are (shells included).
const SOME_SHELLED: &str = "const all = [...document.querySelectorAll('[data-testid=message]')]; \
    const whole = all.filter(m => m.dataset.shell !== 'true').length; \
    return whole < all.length && [whole, all.length]";

#[tokio::test]
async fn a_long_conversation_keeps_fewer_nodes_than_messages_and_brings_them_back() {
    let session = Session::start().await;
    let store = glama_core::store::Store::open(&session.data_dir()).store;
    store
        .call(|db| {
            use glama_core::chat::begin::{begin, Ask};
            use glama_core::chat::view::render;
            use glama_core::chat::Fit;
            use glama_core::store::answers::{finish_answer, Finish};
            use glama_core::store::conversations;
            let c = conversations::create(db, "openai/gpt-4o")?.id;
            for i in 0..PAIRS {
                let ask = Ask::Send {
                    text: format!("question {i}"),
                };
                let b = begin(db, &c, "openai/gpt-4o", &ask, &Fit::default())?.expect("no window, so it fits");
                let text = answer(i);
                finish_answer(db, &b.message_id, &Finish::done(text.clone(), render(&text, "")))?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);

    let app = session.launch(&[]).await;
    app.wait_js(
        "the newest answer",
        &format!(
            "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.innerText.includes('Answer {} begins'))",
            PAIRS - 1
        ),
    )
    .await;
    // Opened at its end: the answers far above are shells, every message still has its place.
    let counts = app.wait_js("answers far from the viewport shelled", SOME_SHELLED).await;
    let (whole, all) = (counts[0].as_u64().unwrap(), counts[1].as_u64().unwrap());
    assert_eq!(all, 2 * PAIRS as u64, "every message has its node: {counts}");
    assert!(whole < all, "fewer whole messages than messages: {counts}");
    let shells_hold_text = app
        .js(
            "return [...document.querySelectorAll('[data-shell=true]')].some(m => m.innerText.trim() !== '')",
            vec![],
        )
        .await;
    assert_eq!(shells_hold_text, json!(false));

    // Scrolling to the top shows the first answer's text again.
    app.wait_js(
        "the first answer after scrolling up",
        "const l = document.getElementById('messages'); l.scrollTop = 0; \
         const first = document.querySelector('[data-testid=message][data-role=assistant]'); \
         return first.dataset.shell !== 'true' && first.innerText.includes('Answer 0 begins') \
           && first.getBoundingClientRect().top < l.getBoundingClientRect().bottom",
    )
    .await;
    // And back at the end, the first answer is a shell again.
    app.wait_js(
        "the first answer shelled again",
        "const l = document.getElementById('messages'); l.scrollTop = l.scrollHeight; \
         return document.querySelector('[data-testid=message][data-role=assistant]').dataset.shell === 'true'",
    )
    .await;

    // Search reaches the shelled answer: it opens whole, marked and in view.
    app.click("search-input").await;
    app.by_testid("search-input").await.send_keys("okapi").await.unwrap();
    app.wait_js(
        "a result for okapi",
        "return document.querySelectorAll('[data-testid=search-result]').length === 1",
    )
    .await;
    app.js(
        "document.querySelector('[data-testid=search-result] button').click()",
        vec![],
    )
    .await;
    app.wait_js(
        "the found answer whole and in view",
        "const m = document.querySelector('.message.found'); if (!m) return false; \
         const l = document.getElementById('messages').getBoundingClientRect(); \
         const r = m.getBoundingClientRect(); \
         return m.dataset.shell !== 'true' && m.innerText.includes('okapi') && r.bottom > l.top && r.top < l.bottom",
    )
    .await;
    app.quit().await;
}
