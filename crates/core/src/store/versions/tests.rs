use rusqlite::Connection;

use super::*;
use crate::chat::begin::{begin, Ask, Begun};
use crate::chat::context::Fit;
use crate::chat::view::{self, render};
use crate::store::answers::{self, Finish};
use crate::store::archive::tests::{exported, import, json};
use crate::store::archive::write_markdown;
use crate::store::paging::Page;
use crate::store::rows::{self, Author, ErrorView, MessageStatus};
use crate::store::{conversations, now_ms, schema, search, Store};

fn ask(db: &mut Connection, c: &str, ask: Ask) -> Begun {
    begin(db, c, "m", &ask, &Fit::default())
        .unwrap()
        .expect("no window, so it fits")
}

fn finish(db: &Connection, id: &str, text: &str) {
    answers::finish_answer(db, id, &Finish::done(text.into(), render(text, ""))).unwrap();
}

fn said(db: &mut Connection, c: &str, question: &str, answer: &str) -> Begun {
    let begun = ask(db, c, Ask::Send { text: question.into() });
    finish(db, &begun.message_id, answer);
    begun
}

fn regenerated(db: &mut Connection, c: &str, answer: &str) -> Begun {
    let begun = ask(db, c, Ask::Regenerate);
    finish(db, &begun.message_id, answer);
    begun
}

/// The open branch as the window shows it: each message's text and, when it has others, its
/// place among its versions.
fn shown(db: &Connection, c: &str) -> Vec<(String, Option<(u32, u32)>)> {
    view::page(db, c, Page::Latest, 50)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| (m.text, m.versions.map(|v| (v.index, v.count))))
        .collect()
}

fn branch(items: &[(&str, Option<(u32, u32)>)]) -> Vec<(String, Option<(u32, u32)>)> {
    items.iter().map(|(t, v)| (t.to_string(), *v)).collect()
}

#[test]
fn regenerating_keeps_every_answer_as_a_version_to_page_through() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q", "first");
            regenerated(db, &c, "second");
            let third = regenerated(db, &c, "third");
            assert_eq!(third.answer_versions, Some(Versions { index: 3, count: 3 }));
            assert_eq!(
                third.request.messages.len(),
                1,
                "only the question is sent, no earlier answer"
            );
            assert_eq!(shown(db, &c), branch(&[("q", None), ("third", Some((3, 3)))]));

            let second = step(db, &c, &third.message_id, -1)?;
            assert_eq!(shown(db, &c), branch(&[("q", None), ("second", Some((2, 3)))]));
            step(db, &c, &second, -1)?;
            assert_eq!(shown(db, &c), branch(&[("q", None), ("first", Some((1, 3)))]));
            let first = shown(db, &c);
            assert!(matches!(
                step(db, &c, &view::page(db, &c, Page::Latest, 50)?.messages[1].id, -1),
                Err(StoreError::Invalid(_))
            ));
            assert_eq!(shown(db, &c), first, "a step past the first changes nothing");

            // What is shown is what is sent: a question after the first answer follows it.
            let next = ask(db, &c, Ask::Send { text: "more".into() });
            let sent: Vec<_> = next.request.messages.iter().map(|m| m.content.as_str()).collect();
            assert_eq!(sent, ["q", "first", "more"]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_edit_forks_and_paging_back_brings_the_old_branch_below_it() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q1", "a1");
            let q2 = said(db, &c, "q2", "a2").question_id.unwrap();
            said(db, &c, "q3", "a3");
            let edited = ask(
                db,
                &c,
                Ask::Edit {
                    message_id: q2.clone(),
                    text: "q2 again".into(),
                    attachments: vec![],
                },
            );
            let sent: Vec<_> = edited.request.messages.iter().map(|m| m.content.as_str()).collect();
            assert_eq!(sent, ["q1", "a1", "q2 again"], "the gateway gets only the open branch");
            assert_eq!(edited.question_versions, Some(Versions { index: 2, count: 2 }));
            finish(db, &edited.message_id, "a2 again");
            let new_branch = branch(&[
                ("q1", None),
                ("a1", None),
                ("q2 again", Some((2, 2))),
                ("a2 again", None),
            ]);
            assert_eq!(shown(db, &c), new_branch);

            step(db, &c, edited.question_id.as_deref().unwrap(), -1)?;
            assert_eq!(
                shown(db, &c),
                branch(&[
                    ("q1", None),
                    ("a1", None),
                    ("q2", Some((1, 2))),
                    ("a2", None),
                    ("q3", None),
                    ("a3", None)
                ]),
                "the whole branch below the old question comes back"
            );
            step(db, &c, &q2, 1)?;
            assert_eq!(shown(db, &c), new_branch);
            Ok(())
        })
        .unwrap();
}

#[test]
fn below_a_version_the_versions_open_last_come_back() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            let q = said(db, &c, "q", "a").question_id.unwrap();
            let b = regenerated(db, &c, "b");
            said(db, &c, "follow-up", "its answer");
            // Under "b", the follow-up's answer gets a second version, and the first is shown.
            let again = regenerated(db, &c, "its answer again");
            step(db, &c, &again.message_id, -1)?;

            let a = step(db, &c, &b.message_id, -1)?;
            assert_eq!(shown(db, &c), branch(&[("q", None), ("a", Some((1, 2)))]));
            step(db, &c, &a, 1)?;
            assert_eq!(
                shown(db, &c),
                branch(&[
                    ("q", None),
                    ("b", Some((2, 2))),
                    ("follow-up", None),
                    ("its answer", Some((1, 2)))
                ])
            );
            // Positions stay 1, 2, 3… on the open branch; every version keeps its own place.
            let seqs: Vec<i64> = view::page(db, &c, Page::Latest, 50)?
                .messages
                .iter()
                .map(|m| m.seq)
                .collect();
            assert_eq!(seqs, [1, 2, 3, 4]);
            let kept: i64 = db.query_row("SELECT count(*) FROM messages WHERE conversation_id = ?1", [&c], |r| {
                r.get(0)
            })?;
            assert_eq!(kept, 6);
            assert!(rows::get(db, &c, &q).is_ok());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_failed_regenerate_leaves_the_earlier_answer_one_step_away() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q", "a good answer");
            let failed = ask(db, &c, Ask::Regenerate);
            let mut end = Finish::done(String::new(), render("", ""));
            end.role = Author::Error;
            end.status = MessageStatus::Error;
            end.error = Some(ErrorView {
                kind: crate::error_code::ErrorCode::ServerError,
                message: "offline".into(),
            });
            answers::finish_answer(db, &failed.message_id, &end)?;
            assert_eq!(shown(db, &c)[1].1, Some((2, 2)));
            step(db, &c, &failed.message_id, -1)?;
            assert_eq!(shown(db, &c), branch(&[("q", None), ("a good answer", Some((1, 2)))]));

            // Retry from the error row replaces it: an error row is no answer to keep.
            step(db, &c, &view::page(db, &c, Page::Latest, 50)?.messages[1].id, 1)?;
            regenerated(db, &c, "a second answer");
            assert_eq!(shown(db, &c), branch(&[("q", None), ("a second answer", Some((2, 2)))]));
            Ok(())
        })
        .unwrap();
}

#[test]
fn search_finds_every_version_and_opens_the_one_found() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q", "an answer about kiwis");
            regenerated(db, &c, "an answer about mangos");
            let hits = search::search(db, "kiwis", 10)?;
            assert_eq!(hits.len(), 1, "the version off the branch is found");
            let page = view::page(db, &c, Page::Around(hits[0].message_id.clone()), 50)?;
            let texts: Vec<_> = page.messages.iter().map(|m| m.text.as_str()).collect();
            assert_eq!(texts, ["q", "an answer about kiwis"]);
            assert_eq!(shown(db, &c)[1].0, "an answer about kiwis", "and it stays open");
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_backup_carries_every_branch_and_markdown_the_open_one() {
    let from = Store::in_memory();
    let (c, before) = from
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q1", "a1");
            let q2 = said(db, &c, "q2", "a2").question_id.unwrap();
            let edited = ask(
                db,
                &c,
                Ask::Edit {
                    message_id: q2,
                    text: "q2 again".into(),
                    attachments: vec![],
                },
            );
            finish(db, &edited.message_id, "a2 again");
            regenerated(db, &c, "a2 third");
            // Versions are ordered by when they were written, and a person writes them seconds
            // apart, not within the same millisecond as here.
            db.execute("UPDATE messages SET created_at = num * 1000", [])?;
            let mut md = Vec::new();
            write_markdown(db, &c, &mut md)?;
            let md = String::from_utf8(md).unwrap();
            assert!(
                md.contains("a2 third") && !md.contains("a2 again") && !md.contains("\nq2\n"),
                "{md}"
            );
            let before = shown(db, &c);
            Ok((c, before))
        })
        .unwrap();
    let archive = from.call(|db| exported(db)).unwrap();
    assert_eq!(archive.version, crate::store::archive::VERSION);
    let off: Vec<_> = archive.conversations[0]
        .messages
        .iter()
        .filter(|m| m.off_branch)
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(off, ["q2", "a2", "a2 again"]);

    let to = Store::in_memory();
    import(&to, &from.call(|db| json(db)).unwrap()).unwrap();
    to.call(move |db| {
        assert_eq!(shown(db, &c), before);
        let q2_again = view::page(db, &c, Page::Latest, 50)?.messages[2].id.clone();
        step(db, &c, &q2_again, -1)?;
        assert_eq!(
            shown(db, &c),
            branch(&[("q1", None), ("a1", None), ("q2", Some((1, 2))), ("a2", None)])
        );
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_deleted_version_goes_with_what_followed_it_until_undone_or_the_next_start() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q", "about kiwis");
            let second = regenerated(db, &c, "about mangos");
            said(db, &c, "and figs?", "figs too");
            regenerated(db, &c, "about plums");

            // The second answer goes, and the follow-up under it: the first is shown.
            let shown_now = delete(db, &c, &second.message_id)?;
            assert_eq!(shown(db, &c), branch(&[("q", None), ("about kiwis", None)]));
            assert_eq!(rows::get(db, &c, &shown_now)?.text, "about kiwis");
            assert!(search::search(db, "plums", 10)?.is_empty(), "search leaves it out");
            let exported = exported(db)?;
            assert!(
                exported.conversations[0]
                    .messages
                    .iter()
                    .all(|m| !m.content.contains("mangos")),
                "so does a backup"
            );
            assert!(
                matches!(delete(db, &c, &shown_now), Err(StoreError::Invalid(_))),
                "the only version left is not deleted this way"
            );

            undo_delete(db, &c, &second.message_id)?;
            assert_eq!(
                shown(db, &c),
                branch(&[
                    ("q", None),
                    ("about mangos", Some((2, 2))),
                    ("and figs?", None),
                    ("about plums", Some((2, 2)))
                ])
            );

            delete(db, &c, &second.message_id)?;
            purge_deleted(db, now_ms() + 1)?;
            assert!(matches!(
                undo_delete(db, &c, &second.message_id),
                Err(StoreError::NoSuchMessage)
            ));
            let kept: i64 = db.query_row("SELECT count(*) FROM messages WHERE conversation_id = ?1", [&c], |r| {
                r.get(0)
            })?;
            assert_eq!(kept, 2, "the version and the three messages after it are gone");
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_loop_of_parents_from_a_file_is_refused_not_followed() {
    Store::in_memory()
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            said(db, &c, "q", "a");
            db.execute_batch(&format!(
                "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, parent_id)
                   VALUES ('x', '{c}', -1, 'user', 'x', 'done', 0, 'y'), ('y', '{c}', -2, 'user', 'y', 'done', 0, 'x');"
            ))?;
            assert!(matches!(open(db, &c, "x"), Err(StoreError::Invalid(_))));
            assert_eq!(shown(db, &c), branch(&[("q", None), ("a", None)]), "nothing moved");
            Ok(())
        })
        .unwrap();
}

#[test]
fn todays_chats_become_single_branches() {
    let mut db = Connection::open_in_memory().unwrap();
    search::register_functions(&db).unwrap();
    schema::migrate_to(&mut db, 11).unwrap();
    db.execute_batch(
        "INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'old', 1, 2);
         INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) VALUES
           ('m1', 'c', 1, 'user', 'q', 'done', 1), ('m2', 'c', 2, 'assistant', 'a', 'done', 2),
           ('m3', 'c', 3, 'user', 'q2', 'done', 3);",
    )
    .unwrap();
    schema::migrate(&mut db).unwrap();
    let parents: Vec<(String, Option<String>)> = db
        .prepare("SELECT id, parent_id FROM messages ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        parents,
        [
            ("m1".to_string(), None),
            ("m2".to_string(), Some("m1".to_string())),
            ("m3".to_string(), Some("m2".to_string()))
        ]
    );
    // And the next question follows the last.
    let next = ask(&mut db, "c", Ask::Send { text: "q3".into() });
    assert_eq!(next.question_versions, None);
    assert_eq!(
        rows::get(&db, "c", next.question_id.as_deref().unwrap())
            .unwrap()
            .parent_id
            .as_deref(),
        Some("m3")
    );
}
