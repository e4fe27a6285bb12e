//! An answer's life on disk: the question and the answer's row written before the request
//! leaves, the text saved as it grows, the end, the usage; and what came before it, for the
//! model. Which of these may happen when is `chat`'s to say; this module only writes them.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::rows::{self, Author, ErrorView, MessageStatus, NewRow, Rendered, StopReason};
use super::tool_calls::{self, CallRecord};
use super::{attachments, conversations, new_id, now_ms, Result, StoreError};
use crate::attach::parts::Loaded;
use crate::usage::{stored_count, Usage, UsageSource};

/// Adds the person's question at `seq`, with what waits in the chat's composer (its draft
/// attachments, its draft text spent).
pub(crate) fn add_question(db: &Connection, conversation_id: &str, seq: i64, text: &str) -> Result<String> {
    let id = new_id();
    rows::insert(
        db,
        &NewRow {
            id: &id,
            conversation_id,
            seq,
            role: Author::User,
            text,
            status: MessageStatus::Done,
            model: None,
            created_at: now_ms(),
        },
    )?;
    attachments::send_drafts(db, conversation_id, &id)?;
    db.execute("UPDATE conversations SET draft = '' WHERE id = ?1", [conversation_id])?;
    Ok(id)
}

/// Adds an edited question at `seq`, in place of message `from` (kept as a version), with those
/// of its attachments listed in `keep` (by id).
pub(crate) fn add_edited_question(
    db: &Connection,
    conversation_id: &str,
    seq: i64,
    text: &str,
    from: &str,
    keep: &[String],
) -> Result<String> {
    let id = new_id();
    rows::insert(
        db,
        &NewRow {
            id: &id,
            conversation_id,
            seq,
            role: Author::User,
            text,
            status: MessageStatus::Done,
            model: None,
            created_at: now_ms(),
        },
    )?;
    attachments::copy_kept(db, from, &id, keep)?;
    Ok(id)
}

/// Adds the answer's row at `seq` (`streaming`, empty): written by `model`, in the chat that is
/// now the one reopened at start.
pub(crate) fn add_answer(db: &Connection, conversation_id: &str, seq: i64, model: &str) -> Result<String> {
    let (id, now) = (new_id(), now_ms());
    rows::insert(
        db,
        &NewRow {
            id: &id,
            conversation_id,
            seq,
            role: Author::Assistant,
            text: "",
            status: MessageStatus::Streaming,
            model: Some(model),
            created_at: now,
        },
    )?;
    db.execute(
        "UPDATE conversations SET model = ?2, updated_at = ?3 WHERE id = ?1",
        params![conversation_id, model, now],
    )?;
    conversations::set_active(db, conversation_id)?;
    Ok(id)
}

/// An answer that goes on (Continue) is `streaming` again, its end forgotten until it has a new one.
pub(crate) fn reopen(db: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    db.execute(
        "UPDATE messages SET status = 'streaming', stop_reason = NULL, error_kind = NULL, error_text = NULL
         WHERE id = ?1",
        [id],
    )?;
    db.execute(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation_id, now_ms()],
    )?;
    Ok(())
}

/// One message of what the model is sent before an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The message's id.
    pub id: String,
    pub author: Author,
    pub text: String,
    pub attachments: Vec<Loaded>,
    /// An answer's tool calls, with what became of each.
    pub calls: Vec<CallRecord>,
    /// The images of those calls with their bytes (what a model that can see is sent), by call.
    pub call_images: HashMap<String, Vec<Loaded>>,
    /// What the gateway counted of the request behind an answer, when it said.
    pub counted: Option<Counted>,
}

#[cfg(test)]
impl Said {
    /// A message of `text` alone, with no id.
    pub(crate) fn text(author: Author, text: &str) -> Said {
        Said {
            id: String::new(),
            author,
            text: text.into(),
            attachments: Vec::new(),
            calls: Vec::new(),
            call_images: HashMap::new(),
            counted: None,
        }
    }
}

/// What the gateway counted of the prompt of the request behind an answer (migration 0013).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The model that answered (tokenizers differ between models).
    pub model: String,
    pub prompt_tokens: u64,
}

/// What came before the message at `seq`, oldest first: the person's messages and the answers
/// (partial ones too, as the person saw them), without error rows, answers still streaming,
/// or messages with neither text nor attachments.
pub(crate) fn before(db: &Connection, conversation_id: &str, seq: i64) -> Result<Vec<Said>> {
    let mut attached = attachments::loaded_before(db, conversation_id, seq)?;
    let mut st = db.prepare_cached(
        "SELECT role, content, num, id, model, request_tokens FROM messages
         WHERE conversation_id = ?1 AND seq > 0 AND seq < ?2 AND role <> 'error' AND status <> 'streaming'
           AND (content <> '' OR EXISTS (SELECT 1 FROM message_attachments WHERE message_num = messages.num))
         ORDER BY seq",
    )?;
    let rows = st.query_map(params![conversation_id, seq], |r| {
        Ok((
            r.get::<_, String>(0)? == "user",
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<i64>>(5)?) {
                (Some(model), Some(tokens)) => u64::try_from(tokens)
                    .ok()
                    .map(|prompt_tokens| Counted { model, prompt_tokens }),
                _ => None,
            },
        ))
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let answers: Vec<i64> = rows
        .iter()
        .filter(|(user, ..)| !user)
        .map(|(_, _, num, ..)| *num)
        .collect();
    let mut calls = tool_calls::of_messages(db, &answers)?;
    // The newest images get the budget first, as the questions' attachments do.
    let mut budget = attachments::MAX_BYTES_PER_REQUEST;
    let mut call_images = HashMap::new();
    for num in answers.iter().rev() {
        if let Some(calls) = calls.get(num) {
            call_images.insert(*num, tool_calls::loaded_images(db, calls, &mut budget)?);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(user, text, num, id, counted)| Said {
            id,
            author: if user { Author::User } else { Author::Assistant },
            text,
            attachments: attached.remove(&num).unwrap_or_default(),
            calls: calls.remove(&num).unwrap_or_default(),
            call_images: call_images.remove(&num).unwrap_or_default(),
            counted,
        })
        .collect())
}

/// Saves what an answer's text and reasoning gained since its last save, while it streams (at
/// most every 500 ms): a row of its own in `answer_growth`, so a save costs what is new, not the
/// whole answer. Read after the message's text while it streams ([`rows::COLUMNS`]), folded
/// into it by [`finish_answer`] (or [`mark_interrupted`]). Nothing is saved once it ended.
pub fn save_partial(db: &Connection, message_id: &str, text: &str, reasoning: &str) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO answer_growth (message_num, text, reasoning)
         SELECT num, ?2, ?3 FROM messages WHERE id = ?1 AND status = 'streaming'",
    )?
    .execute(params![message_id, text, reasoning])?;
    Ok(())
}

/// How an answer ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    /// `Error` when it failed before any text: the row then says why, and is never sent back.
    pub role: Author,
    pub text: String,
    pub status: MessageStatus,
    pub error: Option<ErrorView>,
    pub request_id: Option<String>,
    /// The text rendered, kept so opening the chat later renders nothing.
    pub rendered: Rendered,
    pub reasoning: String,
    pub reasoning_ms: Option<u64>,
    pub stop_reason: Option<StopReason>,
    pub refusal: Option<String>,
}

impl Finish {
    /// An answer the model wrote to its end, and nothing more (no reasoning, usage or notes).
    pub fn done(text: String, rendered: Rendered) -> Finish {
        Finish {
            role: Author::Assistant,
            text,
            status: MessageStatus::Done,
            error: None,
            request_id: None,
            rendered,
            reasoning: String::new(),
            reasoning_ms: None,
            stop_reason: None,
            refusal: None,
        }
    }
}

/// Finalizes an answer.
pub fn finish_answer(db: &Connection, message_id: &str, finish: &Finish) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    let updated = tx.execute(
        "UPDATE messages SET content = ?2, status = ?3, role = ?4, error_kind = ?5, error_text = ?6,
                request_id = ?7, html = ?8, html_version = ?9, reasoning = ?10, reasoning_html = ?11,
                reasoning_ms = ?12, stop_reason = ?13, refusal = ?14
         WHERE id = ?1",
        params![
            message_id,
            finish.text,
            finish.status.as_str(),
            finish.role.as_str(),
            finish.error.as_ref().map(|e| e.kind.as_str()),
            finish.error.as_ref().map(|e| &e.message),
            finish.request_id,
            finish.rendered.html,
            finish.rendered.version,
            finish.reasoning,
            finish.rendered.reasoning_html,
            finish.reasoning_ms.map(|n| n.min(i64::MAX as u64) as i64),
            finish.stop_reason.map(StopReason::as_str),
            finish.refusal,
        ],
    )?;
    if updated == 0 {
        return Err(StoreError::NoSuchMessage);
    }
    // The whole text is in the message now.
    tx.execute(
        "DELETE FROM answer_growth WHERE message_num = (SELECT num FROM messages WHERE id = ?1)",
        [message_id],
    )?;
    tx.execute(
        "UPDATE conversations SET updated_at = ?2
         WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
        params![message_id, now_ms()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Keeps what the gateway counted of the prompt of the one request behind an answer (`usage`
/// may be the bill of several).
pub fn set_request_tokens(db: &Connection, message_id: &str, prompt_tokens: u64) -> Result<()> {
    db.execute(
        "UPDATE messages SET request_tokens = ?2 WHERE id = ?1",
        params![message_id, stored_count(prompt_tokens)],
    )?;
    Ok(())
}

pub fn set_usage(db: &Connection, message_id: &str, usage: &Usage) -> Result<()> {
    db.execute(
        "UPDATE messages SET tokens_in = ?2, tokens_out = ?3, cost_usd = ?4, usage_source = ?5, tokens_reasoning = ?6
         WHERE id = ?1",
        params![
            message_id,
            usage.prompt_tokens.map(stored_count),
            usage.completion_tokens.map(stored_count),
            usage.cost_usd,
            match usage.source {
                UsageSource::Glama => "glama",
                UsageSource::Stream => "stream",
            },
            usage.reasoning_tokens.map(stored_count),
        ],
    )?;
    Ok(())
}

/// At start: answers still `streaming` were cut by the end of the last run; what they had
/// saved is folded into their text.
pub fn mark_interrupted(db: &Connection) -> Result<usize> {
    let tx = db.unchecked_transaction()?;
    let cut = tx.execute(
        "UPDATE messages SET
            content = content || coalesce(
                (SELECT group_concat(g.text, '' ORDER BY g.num) FROM answer_growth AS g WHERE g.message_num = messages.num),
                ''),
            reasoning = reasoning || coalesce(
                (SELECT group_concat(g.reasoning, '' ORDER BY g.num) FROM answer_growth AS g WHERE g.message_num = messages.num),
                ''),
            status = 'interrupted'
         WHERE status = 'streaming'",
        [],
    )?;
    tx.execute("DELETE FROM answer_growth", [])?;
    tx.commit()?;
    Ok(cut)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::paging::{page, Page};
    use crate::store::Store;

    /// A plain end: `text` as it was, no HTML kept.
    pub(crate) fn plain(text: &str, status: MessageStatus) -> Finish {
        let no_html = Rendered {
            html: String::new(),
            reasoning_html: None,
            version: 0,
        };
        Finish {
            status,
            ..Finish::done(text.to_string(), no_html)
        }
    }

    /// Question `q` answered by `model` as `finish` says, at the end of conversation `c`; the
    /// answer's id.
    pub(crate) fn answered(db: &Connection, c: &str, model: &str, q: &str, finish: &Finish) -> String {
        let seq = rows::last_seq(db, c).unwrap();
        add_question(db, c, seq + 1, q).unwrap();
        let id = add_answer(db, c, seq + 2, model).unwrap();
        finish_answer(db, &id, finish).unwrap();
        id
    }

    /// Question `q` answered `a` at the end of conversation `c`; the answer's id.
    pub(crate) fn ask_and_finish(db: &Connection, c: &str, q: &str, a: &str) -> String {
        answered(db, c, "m", q, &plain(a, MessageStatus::Done))
    }

    #[test]
    fn an_answer_from_start_to_end() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                conversations::save_draft(db, &c, "What is 2+2?")?;
                add_question(db, &c, 1, "What is 2+2?")?;
                let id = add_answer(db, &c, 2, "model-x")?;
                let conv = conversations::get(db, &c)?;
                assert_eq!((conv.draft.as_str(), conv.model.as_str()), ("", "model-x"));
                // The row exists before any byte of the answer, and grows.
                let p = page(db, &c, Page::Latest, 10)?;
                assert_eq!(p.rows[1].status, MessageStatus::Streaming);
                save_partial(db, &id, "It is", "")?;
                assert_eq!(page(db, &c, Page::Latest, 10)?.rows[1].text, "It is");
                finish_answer(
                    db,
                    &id,
                    &Finish {
                        request_id: Some("req-1".into()),
                        ..plain("It is **4**.", MessageStatus::Done)
                    },
                )?;
                // A late partial save cannot undo the end.
                save_partial(db, &id, "It is", "")?;
                set_usage(
                    db,
                    &id,
                    &Usage {
                        prompt_tokens: Some(5),
                        completion_tokens: Some(3),
                        reasoning_tokens: None,
                        cost_usd: Some(0.0001),
                        source: UsageSource::Glama,
                    },
                )?;
                let m = &page(db, &c, Page::Latest, 10)?.rows[1];
                assert_eq!(m.text, "It is **4**.");
                assert_eq!(m.status, MessageStatus::Done);
                assert_eq!(m.model.as_deref(), Some("model-x"));
                assert_eq!(m.request_id.as_deref(), Some("req-1"));
                assert_eq!(m.usage.as_ref().unwrap().completion_tokens, Some(3));
                assert!(matches!(
                    finish_answer(db, "gone", &plain("", MessageStatus::Done)),
                    Err(StoreError::NoSuchMessage)
                ));
                Ok(())
            })
            .unwrap();
    }

    /// A save writes what is new beside the message, never its whole text again (before, each
    /// save rewrote the row: ~230 ms with its fsync at 8 MB); it reads back whole while it
    /// streams, and the end folds it in.
    #[test]
    fn saves_add_what_is_new_and_the_end_folds_it_in() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                add_question(db, &c, 1, "tell me")?;
                let id = add_answer(db, &c, 2, "m")?;
                for (text, reasoning) in [("Once", "Hm"), (" upon", ""), (" a time", ", so.")] {
                    save_partial(db, &id, text, reasoning)?;
                }
                let stored = |db: &Connection| -> Result<(i64, i64, i64)> {
                    Ok(db.query_row(
                        "SELECT length(m.content), (SELECT count(*) FROM answer_growth),
                                (SELECT coalesce(sum(length(text)), 0) FROM answer_growth)
                         FROM messages AS m WHERE m.id = ?1",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )?)
                };
                assert_eq!(stored(db)?, (0, 3, "Once upon a time".len() as i64));
                let m = page(db, &c, Page::Latest, 10)?.rows.pop().unwrap();
                assert_eq!((m.text.as_str(), m.reasoning.as_str()), ("Once upon a time", "Hm, so."));
                finish_answer(db, &id, &plain("Once upon a time.", MessageStatus::Done))?;
                assert_eq!(stored(db)?, (17, 0, 0));
                assert_eq!(page(db, &c, Page::Latest, 10)?.rows[1].text, "Once upon a time.");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn what_came_before_leaves_out_errors_and_what_still_streams() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                ask_and_finish(db, &c, "q1", "a1");
                add_question(db, &c, 3, "q2")?;
                let failed = add_answer(db, &c, 4, "m")?;
                finish_answer(
                    db,
                    &failed,
                    &Finish {
                        role: Author::Error,
                        ..plain("", MessageStatus::Error)
                    },
                )?;
                add_answer(db, &c, 5, "m")?;
                let said: Vec<(Author, String)> = before(db, &c, 6)?.into_iter().map(|s| (s.author, s.text)).collect();
                assert_eq!(
                    said,
                    [
                        (Author::User, "q1".to_string()),
                        (Author::Assistant, "a1".to_string()),
                        (Author::User, "q2".to_string()),
                    ]
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn interrupted_at_start_keeps_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).store;
        let (c, id) = store
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                add_question(db, &c, 1, "tell me")?;
                let id = add_answer(db, &c, 2, "m")?;
                save_partial(db, &id, "Once upon a time", "Thinking *so far*")?;
                Ok((c, id))
            })
            .unwrap();
        // The app ends without finishing (as a crash would): the file is opened again.
        drop(store);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let store = Store::open(dir.path()).store;
        let m = store
            .call(move |db| Ok(page(db, &c, Page::Latest, 10)?.rows.pop().unwrap()))
            .unwrap();
        assert_eq!(m.id, id);
        assert_eq!(m.status, MessageStatus::Interrupted);
        assert_eq!(m.text, "Once upon a time");
        assert_eq!(m.reasoning, "Thinking *so far*", "partial reasoning is kept too");
        let growth: i64 = store
            .call(|db| Ok(db.query_row("SELECT count(*) FROM answer_growth", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(growth, 0, "folded into the message");
    }
}
