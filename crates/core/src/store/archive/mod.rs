//! Export and import: conversations as one JSON file (a backup, or a move to another
//! machine), and one conversation as Markdown (to read or share). The JSON format is
//! documented in the README; ids are kept, so importing a file twice adds nothing the second
//! time.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use base64::Engine;

mod markdown;

pub use markdown::markdown;

use super::answers;
use super::attachments;
use super::conversations::{self, Conversation};
use super::paging::{self, Page, MAX_PAGE};
use super::rows::{self, Author, ErrorView, MessageStatus, NewRow, StopReason};
use super::{now_ms, Result, StoreError};
use crate::attach::{self, Prepared};
use crate::usage::{Usage, UsageSource};

/// The value of `format` in every export.
pub const FORMAT: &str = "glama-chat";
/// The newest version this code writes and reads. Version 2 added an answer's reasoning, its
/// stop reason and refusal, and reasoning tokens; version 3 the attachments of questions (all
/// optional: older files read as they are).
pub const VERSION: u32 = 3;
/// The largest file import reads (a backup of a very long history is far smaller).
pub const MAX_IMPORT_BYTES: u64 = 512 * 1024 * 1024;
/// Ids are uuids; anything much longer is not ours.
const MAX_ID_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Archive {
    pub format: String,
    pub version: u32,
    /// Milliseconds since the Unix epoch, as every time in the file.
    pub exported_at: i64,
    pub conversations: Vec<ArchivedConversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedConversation {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub system_prompt: String,
    #[serde(default)]
    pub draft: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Oldest first.
    pub messages: Vec<ArchivedMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedMessage {
    pub id: String,
    pub role: Author,
    pub content: String,
    /// The model's reasoning (markdown), when it showed some.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_ms: Option<u64>,
    pub status: MessageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorView>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub usage: Option<ArchivedUsage>,
    #[serde(default)]
    pub request_id: Option<String>,
    pub created_at: i64,
    /// A question's files and images, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ArchivedAttachment>,
}

/// An attachment with its bytes (base64), as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedAttachment {
    pub name: String,
    pub media_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedUsage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
}

/// Every conversation (`None`) or one, with all its messages.
pub fn export(db: &Connection, only: Option<&str>) -> Result<Archive> {
    let chosen = match only {
        Some(id) => vec![conversations::get(db, id)?],
        None => conversations::list(db)?,
    };
    let mut out = Vec::with_capacity(chosen.len());
    for c in chosen {
        out.push(archive_conversation(db, c)?);
    }
    Ok(Archive {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: now_ms(),
        conversations: out,
    })
}

fn archive_conversation(db: &Connection, c: Conversation) -> Result<ArchivedConversation> {
    let mut all = Vec::new();
    let mut page = paging::page(db, &c.id, Page::After(0), MAX_PAGE)?;
    loop {
        let last = page.rows.last().map(|m| m.seq);
        let mut files = Vec::with_capacity(page.rows.len());
        for m in &page.rows {
            let mut kept = Vec::with_capacity(m.attachments.len());
            for a in &m.attachments {
                kept.push(ArchivedAttachment {
                    name: a.name.clone(),
                    media_type: a.media_type.clone(),
                    data: base64::engine::general_purpose::STANDARD.encode(attachments::data(db, &a.id)?),
                });
            }
            files.push(kept);
        }
        all.extend(
            page.rows
                .into_iter()
                .zip(files)
                .map(|(m, attachments)| ArchivedMessage {
                    id: m.id,
                    role: m.role,
                    content: m.text,
                    reasoning: m.reasoning,
                    reasoning_ms: m.reasoning_ms,
                    status: m.status,
                    stop_reason: m.stop_reason,
                    refusal: m.refusal,
                    error: m.error,
                    model: m.model,
                    usage: m.usage.map(|u| ArchivedUsage {
                        prompt_tokens: u.prompt_tokens,
                        completion_tokens: u.completion_tokens,
                        reasoning_tokens: u.reasoning_tokens,
                        cost_usd: u.cost_usd,
                    }),
                    request_id: m.request_id,
                    created_at: m.created_at,
                    attachments,
                }),
        );
        match last {
            Some(seq) if page.has_newer => page = paging::page(db, &c.id, Page::After(seq), MAX_PAGE)?,
            _ => break,
        }
    }
    Ok(ArchivedConversation {
        id: c.id,
        title: c.title,
        model: c.model,
        system_prompt: c.system_prompt,
        draft: c.draft,
        created_at: c.created_at,
        updated_at: c.updated_at,
        messages: all,
    })
}

/// Reads an export; anything else is refused with words.
pub fn parse(bytes: &[u8]) -> Result<Archive> {
    #[derive(Deserialize)]
    struct Head {
        format: Option<String>,
        version: Option<u32>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| StoreError::BadArchive(format!("not JSON ({e})")))?;
    if head.format.as_deref() != Some(FORMAT) {
        return Err(StoreError::BadArchive("it has no \"format\": \"glama-chat\"".into()));
    }
    match head.version {
        Some(v) if v <= VERSION => {}
        Some(v) => {
            return Err(StoreError::BadArchive(format!(
                "it is version {v}, made by a newer Glama Chat; update to import it"
            )))
        }
        None => return Err(StoreError::BadArchive("it has no version".into())),
    }
    let archive: Archive = serde_json::from_slice(bytes).map_err(|e| StoreError::BadArchive(e.to_string()))?;
    for c in &archive.conversations {
        check_id(&c.id)?;
        for m in &c.messages {
            check_id(&m.id)?;
        }
    }
    Ok(archive)
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(StoreError::BadArchive(format!(
            "an id is not valid ({:?})",
            id.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub imported: usize,
    /// Conversations already here (same id): left as they are.
    pub already_here: usize,
}

/// Adds the archive's conversations that are not here yet, in one transaction.
pub fn import(db: &mut Connection, archive: &Archive) -> Result<ImportReport> {
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = ImportReport {
        imported: 0,
        already_here: 0,
    };
    for c in &archive.conversations {
        let exists = tx
            .query_row("SELECT 1 FROM conversations WHERE id = ?1", [&c.id], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            report.already_here += 1;
            continue;
        }
        tx.execute(
            "INSERT INTO conversations (id, title, title_set, model, system_prompt, draft, created_at, updated_at)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)",
            params![
                c.id,
                c.title.chars().take(200).collect::<String>(),
                c.model,
                c.system_prompt,
                c.draft,
                c.created_at,
                c.updated_at
            ],
        )?;
        let mut seq = 0;
        for m in &c.messages {
            // A message id already used elsewhere would be a second copy: leave it out.
            let taken = tx
                .query_row("SELECT 1 FROM messages WHERE id = ?1", [&m.id], |_| Ok(()))
                .optional()?
                .is_some();
            if taken {
                continue;
            }
            seq += 1;
            // An answer that was streaming in the exporting app was cut there.
            let status = match m.status {
                MessageStatus::Streaming => MessageStatus::Interrupted,
                s => s,
            };
            rows::insert(
                &tx,
                &NewRow {
                    id: &m.id,
                    conversation_id: &c.id,
                    seq,
                    role: m.role,
                    text: &m.content,
                    status,
                    model: m.model.as_deref(),
                    created_at: m.created_at,
                },
            )?;
            if !m.reasoning.is_empty() || m.stop_reason.is_some() || m.refusal.is_some() {
                tx.execute(
                    "UPDATE messages SET reasoning = ?2, reasoning_ms = ?3, stop_reason = ?4, refusal = ?5 WHERE id = ?1",
                    params![
                        m.id,
                        m.reasoning,
                        m.reasoning_ms.map(|n| n.min(i64::MAX as u64) as i64),
                        m.stop_reason.map(StopReason::as_str),
                        m.refusal
                    ],
                )?;
            }
            if let Some(e) = &m.error {
                tx.execute(
                    "UPDATE messages SET error_kind = ?2, error_text = ?3, request_id = ?4 WHERE id = ?1",
                    params![m.id, e.kind.as_str(), e.message, m.request_id],
                )?;
            } else if m.request_id.is_some() {
                tx.execute(
                    "UPDATE messages SET request_id = ?2 WHERE id = ?1",
                    params![m.id, m.request_id],
                )?;
            }
            for a in &m.attachments {
                let file = restore(a)?;
                attachments::keep(&tx, &file)?;
                attachments::link(&tx, &m.id, &file.hash, &attach::display_name(&a.name))?;
            }
            if let Some(u) = &m.usage {
                answers::set_usage(
                    &tx,
                    &m.id,
                    &Usage {
                        prompt_tokens: u.prompt_tokens,
                        completion_tokens: u.completion_tokens,
                        reasoning_tokens: u.reasoning_tokens,
                        cost_usd: u.cost_usd,
                        source: UsageSource::Glama,
                    },
                )?;
            }
        }
        report.imported += 1;
    }
    tx.commit()?;
    Ok(report)
}

/// An exported attachment as it is kept: its bytes checked like a file attached by hand (a
/// file from elsewhere is hostile input), never trusted by its stated type.
fn restore(a: &ArchivedAttachment) -> Result<Prepared> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a.data.as_bytes())
        .map_err(|e| StoreError::BadArchive(format!("the attachment {:?} is not base64 ({e})", a.name)))?;
    attach::verify(&a.name, bytes).map_err(|e| StoreError::BadArchive(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;
    use crate::store::answers::tests::{answered, plain};
    use crate::store::answers::{set_usage, Finish};
    use crate::store::{search, Store};

    fn seeded() -> Store {
        let store = Store::in_memory();
        store
            .call(|db| {
                let c = conversations::create(db, "model-a")?.id;
                conversations::set_system_prompt(db, &c, "Be terse.")?;
                conversations::save_draft(db, &c, "unsent words")?;
                conversations::retitle(db, &c, "Capital of France?")?;
                let paris = answered(
                    db,
                    &c,
                    "model-a",
                    "Capital of France?",
                    &Finish {
                        request_id: Some("r1".into()),
                        ..plain("**Paris**", MessageStatus::Done)
                    },
                );
                set_usage(
                    db,
                    &paris,
                    &Usage {
                        prompt_tokens: Some(9),
                        completion_tokens: Some(2),
                        reasoning_tokens: None,
                        cost_usd: Some(0.5),
                        source: UsageSource::Glama,
                    },
                )?;
                let d = conversations::create(db, "model-b")?.id;
                conversations::retitle(db, &d, "你好")?;
                answered(
                    db,
                    &d,
                    "model-b",
                    "你好",
                    &Finish {
                        role: Author::Error,
                        error: Some(ErrorView {
                            kind: ErrorCode::PaymentRequired,
                            message: "Out of credit.".into(),
                        }),
                        ..plain("", MessageStatus::Error)
                    },
                );
                Ok(())
            })
            .unwrap();
        store
    }

    #[test]
    fn round_trip_into_a_fresh_profile_and_twice_is_once() {
        let from = seeded();
        let archive = from.call(|db| export(db, None)).unwrap();
        assert_eq!(archive.conversations.len(), 2);
        let bytes = serde_json::to_vec(&archive).unwrap();

        let to = Store::in_memory();
        let parsed = parse(&bytes).unwrap();
        let first = to.call(move |db| import(db, &parsed)).unwrap();
        assert_eq!(
            first,
            ImportReport {
                imported: 2,
                already_here: 0
            }
        );
        let parsed = parse(&bytes).unwrap();
        let second = to.call(move |db| import(db, &parsed)).unwrap();
        assert_eq!(
            second,
            ImportReport {
                imported: 0,
                already_here: 2
            }
        );

        let again = to.call(|db| export(db, None)).unwrap();
        assert_eq!(
            again.conversations, archive.conversations,
            "nothing lost, nothing doubled"
        );
        let found = to.call(|db| search::search(db, "paris", 10)).unwrap();
        assert_eq!(found.len(), 1, "imported messages are searchable");
        let count: i64 = to
            .call(|db| Ok(db.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(count, 4);
    }

    /// An answer with reasoning, cut at the output limit, and a refusal, through export,
    /// import and markdown.
    #[test]
    fn reasoning_stop_reasons_and_refusals_travel() {
        let from = Store::in_memory();
        from.call(|db| {
            let c = conversations::create(db, "m")?.id;
            answered(
                db,
                &c,
                "m",
                "q",
                &Finish {
                    reasoning: "Think **hard**.\n\nThen answer.".into(),
                    reasoning_ms: Some(4200),
                    stop_reason: Some(StopReason::Length),
                    ..plain("A cut answ", MessageStatus::Done)
                },
            );
            answered(
                db,
                &c,
                "m",
                "q2",
                &Finish {
                    refusal: Some("I won't.".into()),
                    ..plain("", MessageStatus::Done)
                },
            );
            Ok(())
        })
        .unwrap();
        let archive = from.call(|db| export(db, None)).unwrap();
        assert_eq!(archive.version, VERSION);
        let answer = &archive.conversations[0].messages[1];
        assert_eq!(answer.reasoning, "Think **hard**.\n\nThen answer.");
        assert_eq!(answer.stop_reason, Some(StopReason::Length));
        let bytes = serde_json::to_vec(&archive).unwrap();
        let to = Store::in_memory();
        let parsed = parse(&bytes).unwrap();
        to.call(move |db| import(db, &parsed)).unwrap();
        let again = to.call(|db| export(db, None)).unwrap();
        assert_eq!(again.conversations, archive.conversations);
        let md = markdown(&archive.conversations[0]);
        assert!(
            md.contains("> _Thought for 5 s:_\n>\n> Think **hard**.\n>\n> Then answer.\n\nA cut answ\n\n_(cut off at the model's output limit)_"),
            "{md}"
        );
        assert!(md.contains("_(the model declined: I won't.)_"), "{md}");
    }

    /// A file written before reasoning existed (version 1) imports as it is.
    #[test]
    fn a_version_1_export_still_imports() {
        let v1 = br#"{"format":"glama-chat","version":1,"exportedAt":5,"conversations":[{"id":"c-old","title":"old",
            "createdAt":1,"updatedAt":2,"messages":[
              {"id":"m1","role":"user","content":"hi","status":"done","createdAt":1},
              {"id":"m2","role":"assistant","content":"hello","status":"done","model":"m",
               "usage":{"promptTokens":1,"completionTokens":2,"costUsd":0.1},"createdAt":2}]}]}"#;
        let parsed = parse(v1).unwrap();
        let to = Store::in_memory();
        to.call(move |db| import(db, &parsed)).unwrap();
        let m = to
            .call(|db| Ok(paging::page(db, "c-old", Page::Latest, 10)?.rows))
            .unwrap();
        assert_eq!(m[1].text, "hello");
        assert_eq!(m[1].reasoning, "");
        assert_eq!(m[1].stop_reason, None);
        assert_eq!(m[1].usage.as_ref().unwrap().completion_tokens, Some(2));
    }

    #[test]
    fn refuses_what_is_not_an_export() {
        for (bytes, words) in [
            (&b"not json"[..], "not JSON"),
            (br#"{"format":"other","version":1,"conversations":[]}"#, "format"),
            (br#"{"format":"glama-chat","version":99,"exportedAt":0,"conversations":[]}"#, "newer"),
            (br#"{"format":"glama-chat","version":1,"exportedAt":0,"conversations":[{"id":""}]}"#, ""),
            (
                br#"{"format":"glama-chat","version":1,"exportedAt":0,"conversations":[{"id":"","title":"t","createdAt":0,"updatedAt":0,"messages":[]}]}"#,
                "id",
            ),
            (
                br#"{"format":"glama-chat","version":1,"exportedAt":0,"conversations":[{"id":"a","title":"t","createdAt":0,"updatedAt":0,"messages":[{"id":"m","role":"root","content":"","status":"done","createdAt":0}]}]}"#,
                "unknown variant `root`",
            ),
        ] {
            let err = parse(bytes).unwrap_err();
            assert_eq!(err.kind(), ErrorCode::BadArchive);
            assert!(err.to_string().contains(words), "{err}");
        }
    }

    #[test]
    fn markdown_shows_who_said_what() {
        let store = seeded();
        let archive = store.call(|db| export(db, None)).unwrap();
        let france = archive
            .conversations
            .iter()
            .find(|c| c.title == "Capital of France?")
            .unwrap();
        let md = markdown(france);
        assert!(md.starts_with("# Capital of France?\n"), "{md}");
        assert!(md.contains("**You:**\n\nCapital of France?"), "{md}");
        assert!(md.contains("**Assistant:**\n\n**Paris**"), "{md}");
        assert!(md.contains("Be terse."), "{md}");
        let hello = archive.conversations.iter().find(|c| c.title == "你好").unwrap();
        assert!(markdown(hello).contains("**Error:**\n\nOut of credit."));
    }
}
