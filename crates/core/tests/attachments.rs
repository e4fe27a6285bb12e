//! Questions with attachments against the fake gateway: what leaves for the model, and a
//! model that cannot see refusing an image.

use std::sync::Arc;

use base64::Engine;
use glama_core::attach::prepare;
use glama_core::chat::{view, Ask, Chats, Glama};
use glama_core::store::paging::Page;
use glama_core::store::rows::MessageStatus;
use glama_core::store::{attachments, conversations, Store};

mod common;
use common::setup;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A chat whose composer holds `files` (name, bytes).
fn chat_with(store: &Store, files: Vec<(&'static str, Vec<u8>)>) -> String {
    store
        .call(move |db| {
            let c = conversations::create(db, "m")?.id;
            for (name, bytes) in files {
                let file = prepare(name, bytes).unwrap();
                attachments::attach_to_draft(db, &c, name, &file)?;
            }
            Ok(c)
        })
        .unwrap()
}

#[tokio::test]
async fn an_image_and_a_text_file_leave_as_content_parts() {
    let (fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), Default::default());
    let c = chat_with(
        &store,
        vec![("wide.png", png(4096, 1024)), ("notes.csv", b"a,b\n1,2\n".to_vec())],
    );
    let status = chats
        .ask(
            &Glama::connected(gateway.clone(), Some(key.clone())).unwrap(),
            &c,
            "openai/gpt-4o",
            Ask::Send {
                text: "What is this?".into(),
            },
            &mut Vec::new(),
        )
        .await
        .unwrap()
        .status;
    assert_eq!(status, MessageStatus::Done);
    let sent = fake.stats().last_chat_raw;
    let parts = sent[0]["content"].as_array().expect("content parts");
    assert_eq!(parts[0], serde_json::json!({"type": "text", "text": "What is this?"}));
    assert_eq!(parts[1]["type"], "image_url");
    let url = parts[1]["image_url"]["url"].as_str().unwrap();
    let data = url
        .strip_prefix("data:image/png;base64,")
        .unwrap_or_else(|| panic!("not a PNG data URL: {}", url.get(..40).unwrap_or(url)));
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (2048, 512),
        "scaled to 2048 on the long side"
    );
    assert_eq!(
        parts[2],
        serde_json::json!({"type": "text", "text": "notes.csv\n```\na,b\n1,2\n```"})
    );
    // The next question sends the history with the same parts; itself a plain string.
    chats
        .ask(
            &Glama::connected(gateway.clone(), Some(key.clone())).unwrap(),
            &c,
            "openai/gpt-4o",
            Ask::Send {
                text: "And now?".into(),
            },
            &mut Vec::new(),
        )
        .await
        .unwrap();
    let sent = fake.stats().last_chat_raw;
    assert_eq!(sent[0]["content"].as_array().unwrap().len(), 3);
    assert_eq!(sent[2]["content"], "And now?");
}

#[tokio::test]
async fn a_model_that_cannot_see_refuses_the_image_in_words() {
    let (_fake, gateway, key) = setup().await;
    let store = Arc::new(Store::in_memory());
    let chats = Chats::new(store.clone(), Default::default());
    let c = chat_with(&store, vec![("shot.png", png(10, 10))]);
    let status = chats
        .ask(
            &Glama::connected(gateway.clone(), Some(key.clone())).unwrap(),
            &c,
            "mistral/ministral-8b",
            Ask::Send { text: "see?".into() },
            &mut Vec::new(),
        )
        .await
        .unwrap()
        .status;
    assert_eq!(status, MessageStatus::Error);
    let shown = store
        .call(move |db| Ok(view::page(db, &c, Page::Latest, 10)?.messages))
        .unwrap();
    assert_eq!(shown[0].attachments.len(), 1, "the question keeps its image");
    let error = shown[1].error.as_ref().expect("an error row");
    assert!(error.message.contains("does not support image input"), "{error:?}");
}
