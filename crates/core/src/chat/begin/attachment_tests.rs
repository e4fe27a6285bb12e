//! What a question's attachments become: kept with it, named in its chat's title, sent with
//! the history (the newest with their bytes, older ones named).

use rusqlite::params;

use super::tests::{begin, finish};
use super::*;
use crate::attach::{prepare, tests::png, Prepared};
use crate::chat::view;
use crate::gateway::types::{Content, Part};
use crate::store::attachments::tests::{count, text_file};
use crate::store::attachments::{attach_to_draft, drafts, keep, MAX_BYTES_PER_REQUEST};
use crate::store::paging::Page;
use crate::store::Store;

/// A chat whose one question carries an image and a text file, answered.
fn asked(db: &mut Connection, image: &Prepared) -> (String, String) {
    let c = conversations::create(db, "m").unwrap().id;
    attach_to_draft(db, &c, "shot.png", image).unwrap();
    attach_to_draft(db, &c, "notes.md", &text_file("# Notes\n")).unwrap();
    let b = begin(db, &c, "m", &Ask::Send { text: "look".into() }, false).unwrap();
    finish(db, &b.message_id, "seen", |_| {});
    (c, b.question_id.unwrap())
}

#[test]
fn the_composer_s_attachments_go_with_the_question_and_into_the_history() {
    let store = Store::in_memory();
    store
        .call(|db| {
            let image = prepare("shot.png", png(30, 20)).unwrap();
            let (c, q) = asked(db, &image);
            assert!(drafts(db, &c)?.is_empty(), "the composer is empty once sent");
            let shown = view::page(db, &c, Page::Latest, 10)?.messages;
            let names: Vec<_> = shown[0].attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["shot.png", "notes.md"]);
            assert_eq!(shown[0].attachments[0].width, Some(30));
            assert_eq!(shown[0].id, q);
            assert!(shown[1].attachments.is_empty());
            // Asked again (regenerate): the question still carries both.
            let again = begin(db, &c, "m", &Ask::Regenerate, false)?;
            let Content::Parts(parts) = &again.request.messages[0].content else {
                panic!("parts expected: {:?}", again.request.messages[0].content)
            };
            assert_eq!(parts.len(), 3);
            assert!(matches!(&parts[1], Part::ImageUrl { image_url } if image_url.url.starts_with("data:image/png;base64,iVBOR")));
            assert!(matches!(&parts[2], Part::Text { text } if text == "notes.md\n```\n# Notes\n```"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_question_of_only_attachments_is_sent_and_names_the_chat() {
    let store = Store::in_memory();
    store
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            assert!(begin(db, &c, "m", &Ask::Send { text: " ".into() }, false).is_err());
            attach_to_draft(db, &c, "diagram.png", &prepare("d.png", png(8, 8)).unwrap())?;
            let b = begin(db, &c, "m", &Ask::Send { text: " ".into() }, false)?;
            let Content::Parts(parts) = &b.request.messages[0].content else {
                panic!()
            };
            assert_eq!(parts.len(), 1, "no empty text part");
            assert_eq!(conversations::get(db, &c)?.title, "diagram.png");
            Ok(())
        })
        .unwrap();
}

#[test]
fn edit_keeps_what_it_lists_and_files_go_with_their_last_use() {
    let store = Store::in_memory();
    store
        .call(|db| {
            let image = prepare("shot.png", png(30, 20)).unwrap();
            let (c, q) = asked(db, &image);
            // A second chat uses the same image.
            let (other, _) = asked(db, &image);
            assert_eq!(count(db, "attachments"), 2, "each file kept once");
            let edited = begin(
                db,
                &c,
                "m",
                &Ask::Edit {
                    message_id: q.clone(),
                    text: "only the picture".into(),
                    attachments: vec![image.hash.clone()],
                },
                false,
            )?;
            let Content::Parts(parts) = &edited.request.messages[0].content else {
                panic!()
            };
            assert_eq!(parts.len(), 2, "text and the image; the file was removed");
            assert_eq!(count(db, "attachments"), 2, "the other chat still uses the text file");
            // Deleting a chat (and its purge) keeps what the other chat still uses.
            conversations::delete(db, &c)?;
            conversations::purge_deleted(db, i64::MAX)?;
            assert_eq!(count(db, "attachments"), 2);
            conversations::delete(db, &other)?;
            conversations::purge_deleted(db, i64::MAX)?;
            assert_eq!(count(db, "attachments"), 0, "nothing uses them any more");
            assert_eq!(count(db, "message_attachments"), 0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_long_chat_sends_its_newest_attachments_and_names_the_older_ones() {
    let store = Store::in_memory();
    store
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            // Three questions of 16 MB of text files each (text, so no image work): 48 MB.
            for q in 0..3 {
                for f in 0..64 {
                    let body = format!("{q}-{f} {}", "x".repeat(crate::attach::MAX_TEXT_BYTES - 16));
                    let file = text_file(&body);
                    keep(db, &file)?;
                    db.execute(
                        "INSERT INTO draft_attachments (conversation_id, hash, name) VALUES (?1, ?2, ?3)",
                        params![c, file.hash, format!("q{q}-f{f}.txt")],
                    )?;
                }
                let b = begin(db, &c, "m", &Ask::Send { text: format!("q{q}") }, false)?;
                finish(db, &b.message_id, "ok", |_| {});
            }
            let again = begin(db, &c, "m", &Ask::Regenerate, false)?;
            let sent: usize = again
                .request
                .messages
                .iter()
                .map(|m| serde_json::to_string(&m.content).unwrap().len())
                .sum();
            assert!(sent as u64 <= MAX_BYTES_PER_REQUEST + 1024 * 1024, "{sent} bytes sent");
            let Content::Parts(newest) = &again.request.messages[4].content else {
                panic!()
            };
            assert!(newest
                .iter()
                .all(|p| matches!(p, Part::Text { text } if !text.contains("not sent again"))));
            let Content::Parts(oldest) = &again.request.messages[0].content else {
                panic!()
            };
            assert!(
                matches!(&oldest[1], Part::Text { text } if text.contains("“q0-f0.txt” was attached here")),
                "{:?}",
                oldest[1]
            );
            Ok(())
        })
        .unwrap();
}

/// The meter counts what waits attached in the composer as the request would carry it: a text
/// file by its words, an image as an image, whatever its bytes.
#[test]
fn the_meter_counts_the_composer_s_attachments() {
    let store = Store::in_memory();
    store
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            let fit = Fit::default();
            let bare = measure(db, &c, "m", "look", &fit)?.used;
            attach_to_draft(db, &c, "notes.md", &text_file(&"word ".repeat(400)))?;
            let with_text = measure(db, &c, "m", "look", &fit)?.used;
            assert!(with_text >= bare + 500, "{bare} → {with_text}");
            attach_to_draft(db, &c, "shot.png", &prepare("shot.png", png(30, 20)).unwrap())?;
            let with_image = measure(db, &c, "m", "look", &fit)?.used;
            assert_eq!(
                with_image - with_text,
                crate::chat::context::IMAGE_TOKENS,
                "an image's cost, whatever its bytes"
            );
            // Attachments alone, nothing typed: still the next request.
            assert!(measure(db, &c, "m", "", &fit)?.used > bare);
            Ok(())
        })
        .unwrap();
}
