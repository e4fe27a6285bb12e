//! An answer's tool calls on disk: written when the model asks for them, updated as each one
//! moves on, read back to show them and to send them to the model again.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::attachments::{self, AttachmentView};
use super::Result;
use crate::attach::parts::Loaded;
use crate::attach::{Kind, Prepared};

/// The most calls one answer can hold: the gateway's limit per round times the turn's rounds
/// (an import holding more is not ours).
pub const MAX_PER_ANSWER: usize = 64 * 25;

/// Where one call is, as its card shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallStatus {
    Awaiting,
    Running,
    Done,
    Denied,
    Failed,
    /// Waiting or running when it was stopped, or when the app ended: never run again by itself.
    Interrupted,
}

impl CallStatus {
    fn as_str(self) -> &'static str {
        match self {
            CallStatus::Awaiting => "awaiting",
            CallStatus::Running => "running",
            CallStatus::Done => "done",
            CallStatus::Denied => "denied",
            CallStatus::Failed => "failed",
            CallStatus::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> CallStatus {
        match s {
            "awaiting" => CallStatus::Awaiting,
            "running" => CallStatus::Running,
            "done" => CallStatus::Done,
            "denied" => CallStatus::Denied,
            "failed" => CallStatus::Failed,
            // The table's CHECK allows nothing else.
            _ => CallStatus::Interrupted,
        }
    }
}

/// One call and what became of it: kept, and shown as the call's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    pub id: String,
    /// The tool as the request offered it.
    pub name: String,
    /// The tool as the window names it (server and tool).
    pub label: String,
    /// The arguments as the model wrote them; the window shows them pretty-printed, as text.
    pub arguments: String,
    pub status: CallStatus,
    pub result: Option<String>,
    /// Images the result held, as its card shows them. An archive carries their bytes beside
    /// the call (`ArchivedMessage::tool_images`), so these views are never read back from one.
    #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<AttachmentView>,
    /// The tool round (0 first) the call was asked in.
    pub round: u32,
    /// The answer's text length (bytes) when the round's calls came.
    pub text_at: usize,
}

/// "an image", "3 images": what a call returned, in words; `None` for none.
pub fn images_in_words(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some("an image".into()),
        n => Some(format!("{n} images")),
    }
}

/// Keeps a round's calls as the model asked for them.
pub fn insert(db: &Connection, message_id: &str, calls: &[CallRecord]) -> Result<()> {
    let mut st = db.prepare_cached(
        "INSERT OR REPLACE INTO tool_calls
             (message_num, round, text_at, call_id, name, label, arguments, status, result)
         SELECT num, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM messages WHERE id = ?1",
    )?;
    for c in calls {
        st.execute(params![
            message_id,
            c.round,
            c.text_at as i64,
            c.id,
            c.name,
            c.label,
            c.arguments,
            c.status.as_str(),
            c.result
        ])?;
    }
    Ok(())
}

/// A call moved on.
pub fn update(db: &Connection, message_id: &str, call: &CallRecord) -> Result<()> {
    db.prepare_cached(
        "UPDATE tool_calls SET status = ?3, result = ?4
         WHERE call_id = ?2 AND message_num = (SELECT num FROM messages WHERE id = ?1)",
    )?
    .execute(params![message_id, call.id, call.status.as_str(), call.result])?;
    Ok(())
}

/// Keeps the images call `call_id` of answer `message_id` returned, after any kept before.
pub fn keep_images(db: &Connection, message_id: &str, call_id: &str, images: &[Prepared]) -> Result<()> {
    let mut st = db.prepare_cached(
        "INSERT INTO tool_call_images (tool_call_num, hash)
         SELECT tc.num, ?3 FROM tool_calls tc JOIN messages m ON m.num = tc.message_num
         WHERE m.id = ?1 AND tc.call_id = ?2",
    )?;
    for image in images {
        attachments::keep(db, image)?;
        st.execute(params![message_id, call_id, image.hash])?;
    }
    Ok(())
}

/// The calls of the messages numbered `nums`, by message, in order.
pub fn of_messages(db: &Connection, nums: &[i64]) -> Result<HashMap<i64, Vec<CallRecord>>> {
    let mut out: HashMap<i64, Vec<CallRecord>> = HashMap::new();
    if nums.is_empty() {
        return Ok(out);
    }
    let mut st = db.prepare_cached(
        "SELECT message_num, call_id, name, label, arguments, status, result, round, text_at
         FROM tool_calls WHERE message_num IN (SELECT value FROM json_each(?1)) ORDER BY num",
    )?;
    let nums = serde_json::to_string(nums).expect("numbers serialize");
    let rows = st.query_map([&nums], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            CallRecord {
                id: r.get(1)?,
                name: r.get(2)?,
                label: r.get(3)?,
                arguments: r.get(4)?,
                status: CallStatus::parse(&r.get::<_, String>(5)?),
                result: r.get(6)?,
                images: Vec::new(),
                round: u32::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
                text_at: usize::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
            },
        ))
    })?;
    for row in rows {
        let (num, call) = row?;
        out.entry(num).or_default().push(call);
    }
    for ((num, call_id), images) in images_of(db, &nums)? {
        if let Some(call) = out
            .get_mut(&num)
            .and_then(|calls| calls.iter_mut().find(|c| c.id == call_id))
        {
            call.images = images;
        }
    }
    Ok(out)
}

/// The images of the calls of the messages in `nums` (a JSON array), by message and call.
fn images_of(db: &Connection, nums: &str) -> Result<HashMap<(i64, String), Vec<AttachmentView>>> {
    let mut st = db.prepare_cached(
        "SELECT tc.message_num, tc.call_id, a.hash, a.kind, a.media_type, a.size, a.width, a.height
         FROM tool_call_images i
         JOIN tool_calls tc ON tc.num = i.tool_call_num
         JOIN attachments a ON a.hash = i.hash
         WHERE tc.message_num IN (SELECT value FROM json_each(?1)) ORDER BY i.num",
    )?;
    let mut out: HashMap<(i64, String), Vec<AttachmentView>> = HashMap::new();
    let rows = st.query_map([nums], |r| {
        let (num, call_id, hash): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok((
            (num, call_id),
            hash,
            r.get::<_, String>(3)?,
            r.get(4)?,
            r.get::<_, i64>(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    for row in rows {
        let (at, hash, kind, media_type, size, width, height) = row?;
        let images = out.entry(at).or_default();
        let view = AttachmentView {
            thumbnail: Some(attachments::thumbnail_url(&hash)),
            name: format!("image {}", images.len() + 1),
            id: hash,
            kind: Kind::parse(&kind).unwrap_or(Kind::Image),
            media_type,
            size: size.max(0) as u64,
            width,
            height,
        };
        images.push(view);
    }
    Ok(out)
}

/// The images of `calls` (of the message numbered `num`) with their bytes, for a model that
/// can see: the newest first get `budget` bytes, older ones come without theirs (and the model
/// is told they are not sent again).
pub(crate) fn loaded_images(
    db: &Connection,
    calls: &[CallRecord],
    budget: &mut u64,
) -> Result<HashMap<String, Vec<Loaded>>> {
    let mut out: HashMap<String, Vec<Loaded>> = HashMap::new();
    for call in calls.iter().rev() {
        for image in call.images.iter().rev() {
            let data = if image.size <= *budget {
                *budget -= image.size;
                Some(attachments::data(db, &image.id)?)
            } else {
                *budget = 0;
                None
            };
            out.entry(call.id.clone()).or_default().insert(
                0,
                Loaded {
                    name: image.name.clone(),
                    kind: Kind::Image,
                    media_type: image.media_type.clone(),
                    data,
                },
            );
        }
    }
    Ok(out)
}

/// Tool `name` (as requests name it) runs without asking in the conversation from now on.
pub fn allow_in_chat(db: &Connection, conversation_id: &str, name: &str) -> Result<()> {
    db.prepare_cached("INSERT OR IGNORE INTO chat_allowed_tools (conversation_id, name) VALUES (?1, ?2)")?
        .execute(params![conversation_id, name])?;
    Ok(())
}

/// The tools allowed in the conversation (by the names requests give them).
pub fn allowed_in_chat(db: &Connection, conversation_id: &str) -> Result<HashSet<String>> {
    let mut st = db.prepare_cached("SELECT name FROM chat_allowed_tools WHERE conversation_id = ?1")?;
    let names = st
        .query_map([conversation_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

/// At start: calls that waited or ran when the app ended are interrupted, never run again.
pub fn mark_interrupted(db: &Connection) -> Result<usize> {
    Ok(db.execute(
        "UPDATE tool_calls SET status = 'interrupted' WHERE status IN ('awaiting', 'running')",
        [],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::answers::tests::{answered, plain};
    use crate::store::archive::{self, tests::exported, tests::import};
    use crate::store::conversations;
    use crate::store::rows::MessageStatus;
    use crate::store::Store;

    fn call(id: &str, status: CallStatus) -> CallRecord {
        CallRecord {
            id: id.into(),
            name: "files__read".into(),
            label: "files · read".into(),
            arguments: "{\"path\":\"/tmp/ü\"}".into(),
            status,
            result: None,
            images: Vec::new(),
            round: 0,
            text_at: 7,
        }
    }

    fn num_of(db: &Connection, id: &str) -> i64 {
        db.query_row("SELECT num FROM messages WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn calls_are_kept_updated_and_read_in_order() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let a = answered(db, &c, "m", "q", &plain("Let me.", MessageStatus::Done));
                insert(
                    db,
                    &a,
                    &[call("c1", CallStatus::Awaiting), call("c2", CallStatus::Awaiting)],
                )?;
                let mut done = call("c2", CallStatus::Done);
                done.result = Some("5".into());
                update(db, &a, &done)?;
                let num = num_of(db, &a);
                let calls = of_messages(db, &[num])?.remove(&num).unwrap();
                assert_eq!(calls, [call("c1", CallStatus::Awaiting), done]);
                assert_eq!(mark_interrupted(db)?, 1);
                let calls = of_messages(db, &[num])?.remove(&num).unwrap();
                assert_eq!(calls[0].status, CallStatus::Interrupted);
                assert_eq!(calls[1].status, CallStatus::Done);
                // Deleting the conversation deletes its calls.
                conversations::delete(db, &c)?;
                conversations::purge_deleted(db, i64::MAX)?;
                assert!(of_messages(db, &[num])?.is_empty());
                Ok(())
            })
            .unwrap();
    }

    /// Calls travel through export and import (waiting ones arrive interrupted), and the
    /// Markdown export shows them as text.
    #[test]
    fn calls_travel_through_export_and_import() {
        let from = Store::in_memory();
        from.call(|db| {
            let c = conversations::create(db, "m")?.id;
            let a = answered(db, &c, "m", "q", &plain("Looked.", MessageStatus::Done));
            let mut done = call("c1", CallStatus::Done);
            done.result = Some("```\n<b>5</b>".into());
            insert(db, &a, &[done, call("c2", CallStatus::Running)])
        })
        .unwrap();
        let archive = from.call(|db| exported(db)).unwrap();
        assert_eq!(archive.version, archive::VERSION);
        assert_eq!(archive.conversations[0].messages[1].tool_calls.len(), 2);
        let to = Store::in_memory();
        import(&to, &serde_json::to_vec(&archive).unwrap()).unwrap();
        let again = to.call(|db| exported(db)).unwrap();
        let calls = &again.conversations[0].messages[1].tool_calls;
        assert_eq!(calls[0], archive.conversations[0].messages[1].tool_calls[0]);
        assert_eq!(calls[1].status, CallStatus::Interrupted);

        let id = archive.conversations[0].id.clone();
        let md = from
            .call(move |db| {
                let mut out = Vec::new();
                archive::write_markdown(db, &id, &mut out)?;
                Ok(String::from_utf8(out).unwrap())
            })
            .unwrap();
        assert!(md.contains("> _Tool call (done):_ `files · read`\n>\n> ```\n> {\"path\":\"/tmp/ü\"}\n> ```\n>\n> ````\n> ```\n> <b>5</b>\n> ````"), "{md}");
        assert!(md.contains("> _Tool call (interrupted):_"), "{md}");
    }

    /// A call's images: kept once by hash, shown with the call, sent back with their bytes,
    /// carried through export and import, and released with the chat.
    #[test]
    fn images_of_calls_are_kept_shown_sent_exported_and_released() {
        use crate::attach::{prepare, tests::png};
        use crate::store::attachments::tests::count;
        let image = prepare("image", png(4, 3)).unwrap();
        let from = Store::in_memory();
        let (c, a) = from
            .call({
                let image = image.clone();
                move |db| {
                    let c = conversations::create(db, "m")?.id;
                    let a = answered(db, &c, "m", "q", &plain("Looked.", MessageStatus::Done));
                    insert(db, &a, &[call("c1", CallStatus::Done), call("c2", CallStatus::Done)])?;
                    keep_images(db, &a, "c2", &[image.clone(), image])?;
                    Ok((c, a))
                }
            })
            .unwrap();
        from.call({
            let (c, a, image) = (c.clone(), a.clone(), image.clone());
            move |db| {
                assert_eq!(count(db, "attachments"), 1, "the same bytes are kept once");
                let num = num_of(db, &a);
                let calls = of_messages(db, &[num])?.remove(&num).unwrap();
                assert!(calls[0].images.is_empty());
                let shown: Vec<(&str, &str)> = calls[1]
                    .images
                    .iter()
                    .map(|i| (i.id.as_str(), i.name.as_str()))
                    .collect();
                assert_eq!(
                    shown,
                    [(image.hash.as_str(), "image 1"), (image.hash.as_str(), "image 2")]
                );
                assert_eq!(
                    (calls[1].images[0].width, calls[1].images[0].height),
                    (Some(4), Some(3))
                );
                // What a later question sends of them: the bytes.
                let said = crate::store::answers::before(db, &c, 100)?;
                let sent = &said[1].call_images["c2"];
                assert_eq!(sent.len(), 2);
                assert_eq!(sent[0].data.as_deref(), Some(image.bytes.as_slice()));
                Ok(())
            }
        })
        .unwrap();

        let archive = from.call(|db| exported(db)).unwrap();
        let message = &archive.conversations[0].messages[1];
        assert_eq!(message.tool_images.len(), 2);
        assert_eq!(message.tool_images[0].call_id, "c2");
        assert!(
            message.tool_calls.iter().all(|c| c.images.is_empty()),
            "the calls carry no views"
        );
        let to = Store::in_memory();
        import(&to, &serde_json::to_vec(&archive).unwrap()).unwrap();
        assert_eq!(to.call(|db| exported(db)).unwrap().conversations, archive.conversations);

        // An image naming a call its message does not hold is refused.
        let mut bad = archive.clone();
        bad.conversations[0].messages[1].tool_images[0].call_id = "c9".into();
        let refused = import(&Store::in_memory(), &serde_json::to_vec(&bad).unwrap()).unwrap_err();
        assert!(refused.to_string().contains("c9"), "{refused}");
        let markdown = from
            .call({
                let c = c.clone();
                move |db| {
                    let mut out = Vec::new();
                    archive::write_markdown(db, &c, &mut out)?;
                    Ok(String::from_utf8(out).unwrap())
                }
            })
            .unwrap();
        assert!(markdown.contains("_It returned 2 images (in the app"), "{markdown}");

        from.call(move |db| {
            conversations::delete(db, &c)?;
            conversations::purge_deleted(db, i64::MAX)?;
            assert_eq!(count(db, "tool_call_images"), 0);
            assert_eq!(count(db, "attachments"), 0, "released with the last call that used it");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn tools_allowed_in_a_chat_are_kept_with_it_and_go_with_it() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let other = conversations::create(db, "m")?.id;
                allow_in_chat(db, &c, "files__read")?;
                allow_in_chat(db, &c, "files__read")?;
                allow_in_chat(db, &c, "web__fetch")?;
                let allowed = allowed_in_chat(db, &c)?;
                assert_eq!(
                    allowed,
                    HashSet::from(["files__read".to_string(), "web__fetch".to_string()])
                );
                assert!(
                    allowed_in_chat(db, &other)?.is_empty(),
                    "one chat's allowance is its own"
                );
                conversations::delete(db, &c)?;
                conversations::purge_deleted(db, i64::MAX)?;
                assert!(allowed_in_chat(db, &c)?.is_empty());
                Ok(())
            })
            .unwrap();
    }
}
