use super::*;
use crate::chat::view::{self, render};
use crate::gateway::types::{ChatMessage, Role};
use crate::store::answers::Finish;
use crate::store::paging::Page;
use crate::store::rows::ErrorView;
use crate::store::Store;

/// [`super::begin`] for a model with no window known, so every request fits.
pub(super) fn begin(db: &mut Connection, c: &str, model: &str, ask: &Ask, sees_images: bool) -> Result<Begun> {
    let fit = Fit {
        sees_images,
        ..Fit::default()
    };
    super::begin(db, c, model, ask, &fit).map(|b| b.expect("no window, so it fits"))
}

pub(super) fn finish(db: &Connection, id: &str, text: &str, change: impl FnOnce(&mut Finish)) {
    let mut end = Finish::done(text.into(), render(text, ""));
    change(&mut end);
    answers::finish_answer(db, id, &end).unwrap();
}

fn ask_and_finish(db: &mut Connection, c: &str, q: &str, a: &str) -> Begun {
    let begun = begin(db, c, "m", &Ask::Send { text: q.into() }, false).unwrap();
    finish(db, &begun.message_id, a, |_| {});
    begun
}

fn texts(db: &Connection, c: &str) -> Vec<String> {
    view::page(db, c, Page::Latest, 50)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect()
}

#[test]
fn a_question_is_saved_before_the_request_and_names_the_chat() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            conversations::save_draft(db, &c, "What is 2+2?")?;
            conversations::set_system_prompt(db, &c, "Be brief.")?;
            let begun = begin(
                db,
                &c,
                "model-x",
                &Ask::Send {
                    text: "What is 2+2?".into(),
                },
                false,
            )?;
            assert_eq!(
                begun.request.messages,
                [
                    ChatMessage::new(Role::System, "Be brief."),
                    ChatMessage::new(Role::User, "What is 2+2?"),
                ]
            );
            assert_eq!(begun.request.model, "model-x");
            let conv = conversations::get(db, &c)?;
            assert_eq!(
                (conv.title.as_str(), conv.draft.as_str(), conv.model.as_str()),
                ("What is 2+2?", "", "model-x")
            );
            let page = view::page(db, &c, Page::Latest, 10)?;
            assert_eq!(begun.question_id.as_deref(), Some(page.messages[0].id.as_str()));
            assert_eq!(page.messages[1].status, MessageStatus::Streaming);
            Ok(())
        })
        .unwrap();
}

#[test]
fn regenerate_edit_and_errors() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            assert!(matches!(
                begin(db, &c, "m", &Ask::Regenerate, false),
                Err(StoreError::Invalid(_))
            ));
            assert!(matches!(
                begin(db, &c, "m", &Ask::Send { text: " \n".into() }, false),
                Err(StoreError::Invalid("Type a message first."))
            ));
            let first = ask_and_finish(db, &c, "q1", "a1");
            let second = ask_and_finish(db, &c, "q2", "a2");
            let regen = begin(db, &c, "m", &Ask::Regenerate, false)?;
            assert_eq!(regen.request.messages.last().unwrap().content, "q2");
            assert_eq!(regen.request.messages.len(), 3);
            assert_eq!(regen.question_id, second.question_id, "it follows the last question");
            assert_eq!(texts(db, &c), ["q1", "a1", "q2", ""]);

            // An error before any text becomes an error row, left out of what is sent.
            finish(db, &regen.message_id, "", |f| {
                f.role = Author::Error;
                f.status = MessageStatus::Error;
                f.error = Some(ErrorView {
                    kind: crate::error_code::ErrorCode::ServerError,
                    message: "Glama had a problem.".into(),
                });
            });
            assert_eq!(view::page(db, &c, Page::Latest, 50)?.messages[3].role, Author::Error);

            // Editing the first question forks a new version of it (the old one and what
            // followed it kept off the open branch) and renames the chat.
            let q1 = first.question_id.unwrap();
            let edited = begin(
                db,
                &c,
                "m",
                &Ask::Edit {
                    message_id: q1.clone(),
                    text: "Q1 again".into(),
                    attachments: vec![],
                },
                false,
            )?;
            assert_eq!(
                edited
                    .request
                    .messages
                    .iter()
                    .map(|m| m.content.as_str())
                    .collect::<Vec<_>>(),
                ["Q1 again"]
            );
            let q1_again = edited.question_id.clone().unwrap();
            assert_ne!(q1_again, q1);
            assert_eq!(texts(db, &c), ["Q1 again", ""]);
            assert_eq!(conversations::get(db, &c)?.title, "Q1 again");
            assert!(matches!(
                begin(
                    db,
                    &c,
                    "m",
                    &Ask::Edit {
                        message_id: q1.clone(),
                        text: "x".into(),
                        attachments: vec![],
                    },
                    false,
                ),
                Err(StoreError::Invalid(
                    "This message is in another version; open that version first."
                ))
            ));
            assert!(matches!(
                begin(
                    db,
                    &c,
                    "m",
                    &Ask::Edit {
                        message_id: edited.message_id.clone(),
                        text: "x".into(),
                        attachments: vec![],
                    },
                    false,
                ),
                Err(StoreError::Invalid("Only your own messages can be edited."))
            ));
            assert!(matches!(
                begin(
                    db,
                    &c,
                    "m",
                    &Ask::Edit {
                        message_id: "gone".into(),
                        text: "x".into(),
                        attachments: vec![],
                    },
                    false,
                ),
                Err(StoreError::NoSuchMessage)
            ));
            // A renamed chat keeps its name.
            conversations::rename(db, &c, "Mine")?;
            begin(
                db,
                &c,
                "m",
                &Ask::Edit {
                    message_id: q1_again,
                    text: "Q1 third".into(),
                    attachments: vec![],
                },
                false,
            )?;
            assert_eq!(conversations::get(db, &c)?.title, "Mine");
            Ok(())
        })
        .unwrap();
}

#[test]
fn continue_goes_on_with_the_last_answer_without_its_reasoning() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            conversations::set_system_prompt(db, &c, "Be long.")?;
            let first = ask_and_finish(db, &c, "q1", "a1");
            let b = begin(db, &c, "model-b", &Ask::Send { text: "q2".into() }, false)?;
            finish(db, &b.message_id, "a2 cut", |f| {
                f.reasoning = "secret thoughts".into();
                f.stop_reason = Some(StopReason::Length);
            });
            let go_on = |db: &mut Connection, id: &str| {
                begin(
                    db,
                    &c,
                    "other-model",
                    &Ask::Continue {
                        message_id: id.to_string(),
                    },
                    false,
                )
            };
            // Not an earlier answer, not a question.
            for id in [first.message_id.clone(), b.question_id.clone().unwrap()] {
                assert!(matches!(go_on(db, &id), Err(StoreError::Invalid(_))));
            }
            assert!(matches!(go_on(db, "gone"), Err(StoreError::NoSuchMessage)));
            let begun = go_on(db, &b.message_id)?;
            assert_eq!(begun.message_id, b.message_id, "the same message");
            assert_eq!(begun.question_id, None, "nothing is replaced");
            assert_eq!(begun.request.model, "model-b", "the answer's own model");
            let sent: Vec<(Role, &str)> = begun
                .request
                .messages
                .iter()
                .map(|m| (m.role, m.content.as_str()))
                .collect();
            assert_eq!(
                sent,
                [
                    (Role::System, "Be long."),
                    (Role::User, "q1"),
                    (Role::Assistant, "a1"),
                    (Role::User, "q2"),
                    (Role::Assistant, "a2 cut"),
                    (Role::User, prompt::CONTINUE_PROMPT),
                ]
            );
            let resume = begun.resume.unwrap();
            assert_eq!(
                (resume.text.as_str(), resume.reasoning.as_str(), resume.stop_reason),
                ("a2 cut", "secret thoughts", Some(StopReason::Length))
            );
            let m = view::page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
            assert_eq!((m.status, m.stop_reason), (MessageStatus::Streaming, None));
            // While it streams it cannot be continued again.
            assert!(matches!(go_on(db, &b.message_id), Err(StoreError::Invalid(_))));
            // An answer with no text (cut while thinking) has nothing to go on from.
            let b3 = begin(db, &c, "m", &Ask::Send { text: "q3".into() }, false)?;
            finish(db, &b3.message_id, "", |f| {
                f.reasoning = "only thoughts".into();
                f.stop_reason = Some(StopReason::Length);
            });
            assert!(matches!(go_on(db, &b3.message_id), Err(StoreError::Invalid(_))));
            // Nor does a whole answer.
            let b4 = begin(db, &c, "m", &Ask::Send { text: "q4".into() }, false)?;
            finish(db, &b4.message_id, "whole", |_| {});
            assert!(matches!(go_on(db, &b4.message_id), Err(StoreError::Invalid(_))));
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_window_asks_in_its_own_words() {
    let read = |json: &str| serde_json::from_str::<Ask>(json).unwrap();
    assert_eq!(read(r#"{"kind":"send","text":"hi"}"#), Ask::Send { text: "hi".into() });
    assert_eq!(read(r#"{"kind":"regenerate"}"#), Ask::Regenerate);
    assert_eq!(
        read(r#"{"kind":"edit","messageId":"m1","text":"again","attachments":["a"]}"#),
        Ask::Edit {
            message_id: "m1".into(),
            text: "again".into(),
            attachments: vec!["a".into()],
        }
    );
    assert_eq!(
        read(r#"{"kind":"edit","messageId":"m1","text":"again"}"#),
        Ask::Edit {
            message_id: "m1".into(),
            text: "again".into(),
            attachments: vec![],
        },
        "no attachments listed: none kept"
    );
    assert_eq!(
        read(r#"{"kind":"continue","messageId":"m2"}"#),
        Ask::Continue {
            message_id: "m2".into()
        }
    );
    assert!(serde_json::from_str::<Ask>(r#"{"kind":"delete"}"#).is_err());
}
