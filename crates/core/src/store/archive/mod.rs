//! Export and import: conversations as one JSON file (a backup, or a move to another
//! machine), and one conversation as Markdown (to read or share). The JSON format is
//! documented in the README; ids are kept, so importing a file twice adds nothing the second
//! time.
//!
//! Both directions stream: export writes each message as it reads it, import adds each
//! message as it parses it, so what either holds in memory is one message, whatever the size
//! of the history (a backup with gigabytes of attachments is an ordinary file). Files are
//! written whole or not at all.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

mod export;
mod import;
mod markdown;

use super::assistants::Assistant;
use super::conversations::Parameters;
use super::rows::{Author, ErrorView, MessageStatus, StopReason};
use super::tool_calls::CallRecord;
use super::{Result, StoreError};
use crate::attach::{MAX_INPUT_BYTES, MAX_PER_MESSAGE};

/// The value of `format` in every export.
pub const FORMAT: &str = "glama-chat";
/// The newest version this code writes and reads. Version 2 added an answer's reasoning, its
/// stop reason and refusal, and reasoning tokens; version 3 the attachments of questions (all
/// optional: older files read as they are); version 4 an answer's tool calls; version 5 the
/// images those calls returned; version 6 the assistants, and a chat's window rule and
/// assistant; version 7 the versions of messages (the open branch first, then the others,
/// each with its parent).
pub const VERSION: u32 = 7;
/// The most bytes one message may take in an export, its files included: export refuses to
/// write a larger one and import to read it, so what import holds at once is bounded. A
/// message of the app holds at most ten files of 20 MB (a third larger in base64) and its
/// text, far below this.
pub const MAX_MESSAGE_BYTES: u64 = (MAX_PER_MESSAGE * MAX_INPUT_BYTES) as u64 * 4 / 3 + 64 * 1024 * 1024;
/// Ids are uuids; anything much longer is not ours.
const MAX_ID_LEN: usize = 128;

/// A whole archive in memory: the format as types, for tools, tests and benchmarks that build
/// or read small archives. The app itself never holds one: it streams
/// ([`write_json`], [`read_json`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Archive {
    pub format: String,
    pub version: u32,
    /// Milliseconds since the Unix epoch, as every time in the file.
    pub exported_at: i64,
    /// Written before the conversations; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assistants: Vec<Assistant>,
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
    /// The chat's tools switch; absent in archives written before it existed (on).
    #[serde(default = "tools_on")]
    pub tools: bool,
    /// The chat's parameters; absent when none is set.
    #[serde(default, skip_serializing_if = "is_default")]
    pub parameters: Parameters,
    /// Sends only its newest turns that fit its model's window.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fit_newest: bool,
    /// The assistant it started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Oldest first.
    pub messages: Vec<ArchivedMessage>,
}

fn tools_on() -> bool {
    true
}

fn is_default(p: &Parameters) -> bool {
    *p == Parameters::default()
}

/// A message as the archive holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedMessage {
    pub id: String,
    /// The message before it in its branch (absent for a chat's first, and in files written
    /// before versions: each message follows the one before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// A version off the branch open in the chat (written after the open branch).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub off_branch: bool,
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
    /// An answer's tool calls, in order, with what became of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<CallRecord>,
    /// The images those calls returned, in order, with their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_images: Vec<ArchivedToolImage>,
}

/// An image a tool call returned, with its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedToolImage {
    /// The call (of this message) that returned it.
    pub call_id: String,
    pub media_type: String,
    /// The bytes; in the file, base64 (standard alphabet, padded).
    #[serde(with = "base64_data")]
    pub data: Vec<u8>,
}

/// An attachment with its bytes, as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedAttachment {
    pub name: String,
    pub media_type: String,
    /// The bytes; in the file, base64 (standard alphabet, padded).
    #[serde(with = "base64_data")]
    pub data: Vec<u8>,
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

/// Bytes as base64 text, encoded straight into the file and decoded straight from it (no
/// copy of the text is kept beside the bytes).
mod base64_data {
    use base64::display::Base64Display;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&Base64Display::new(bytes, &STANDARD))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Base64;
        impl de::Visitor<'_> for Base64 {
            type Value = Vec<u8>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("base64 text")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
                STANDARD
                    .decode(text)
                    .map_err(|e| E::custom(format!("an attachment is not base64 ({e})")))
            }
        }
        d.deserialize_str(Base64)
    }
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub imported: usize,
    /// Assistants added or brought up to the archive's.
    pub assistants: usize,
    /// Conversations already here (same id): left as they are.
    pub already_here: usize,
}

/// Writes every conversation (`None`) or one, with all its messages and files, as the JSON
/// archive, a message at a time.
pub fn write_json(db: &Connection, only: Option<&str>, out: impl Write) -> Result<()> {
    export::write_json(db, only, out, MAX_MESSAGE_BYTES)
}

/// Writes one conversation as Markdown, a message at a time.
pub fn write_markdown(db: &Connection, conversation_id: &str, out: impl Write) -> Result<()> {
    export::write_markdown(db, conversation_id, out)
}

/// Adds the chats of the archive read from `input` that are not here yet, in one transaction;
/// anything that is not an export is refused with words.
pub fn read_json(db: &mut Connection, input: impl Read) -> Result<ImportReport> {
    import::read_json(db, input, MAX_MESSAGE_BYTES)
}

/// [`write_json`] into the file at `path`, whole or not at all.
pub fn export_json_to(db: &Connection, only: Option<&str>, path: &Path) -> Result<()> {
    write_whole(path, |out| write_json(db, only, out))
}

/// [`write_markdown`] into the file at `path`, whole or not at all.
pub fn export_markdown_to(db: &Connection, conversation_id: &str, path: &Path) -> Result<()> {
    write_whole(path, |out| write_markdown(db, conversation_id, out))
}

/// [`read_json`] from the file at `path`.
pub fn import_json_from(db: &mut Connection, path: &Path) -> Result<ImportReport> {
    let file = std::fs::File::open(path).map_err(|e| in_file(path, StoreError::Io(e)))?;
    read_json(db, BufReader::with_capacity(1 << 16, file)).map_err(|e| in_file(path, e))
}

/// Writes a temporary file beside `path` and renames it into place once it is on disk.
fn write_whole(path: &Path, write: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<()>) -> Result<()> {
    let tmp = path.with_extension("glama-tmp");
    let written = std::fs::File::create(&tmp)
        .map_err(StoreError::Io)
        .and_then(|file| {
            let mut out = BufWriter::with_capacity(1 << 16, file);
            write(&mut out)?;
            let file = out.into_inner().map_err(|e| StoreError::Io(e.into_error()))?;
            file.sync_all().map_err(StoreError::Io)
        })
        .and_then(|()| std::fs::rename(&tmp, path).map_err(StoreError::Io));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| in_file(path, e))
}

/// A file's failure, named by the file.
fn in_file(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::Io(source) => StoreError::File {
            path: path.display().to_string(),
            source,
        },
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error_code::ErrorCode;
    use crate::store::answers::tests::{answered, plain};
    use crate::store::answers::{set_usage, Finish};
    use crate::store::paging::{self, Page};
    use crate::store::{assistants, conversations};
    use crate::store::{search, Store};
    use crate::usage::{Usage, UsageSource};

    /// The JSON export of every chat.
    pub(crate) fn json(db: &Connection) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        write_json(db, None, &mut out)?;
        Ok(out)
    }

    /// The JSON export of every chat, read back whole.
    pub(crate) fn exported(db: &Connection) -> Result<Archive> {
        Ok(serde_json::from_slice(&json(db)?).expect("an export reads back"))
    }

    /// Imports `bytes` into the store.
    pub(crate) fn import(to: &Store, bytes: &[u8]) -> Result<ImportReport> {
        let bytes = bytes.to_vec();
        to.call(move |db| read_json(db, bytes.as_slice()))
    }

    /// One conversation as Markdown, as the export writes it.
    fn markdown(c: &ArchivedConversation) -> String {
        let mut out = markdown::head(&c.title, &c.model, &c.system_prompt);
        for m in &c.messages {
            out.push_str(&markdown::message(m));
        }
        out
    }

    fn seeded() -> Store {
        let store = Store::in_memory();
        store
            .call(|db| {
                let c = conversations::create(db, "model-a")?.id;
                conversations::set_system_prompt(db, &c, "Be terse.")?;
                conversations::set_parameters(
                    db,
                    &c,
                    &Parameters {
                        temperature: Some(0.3),
                        reasoning_effort: Some(conversations::ReasoningEffort::High),
                        ..Parameters::default()
                    },
                )?;
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
        let archive = from.call(|db| exported(db)).unwrap();
        assert_eq!(archive.conversations.len(), 2);
        assert!(
            archive
                .conversations
                .iter()
                .any(|c| c.parameters.temperature == Some(0.3)),
            "a chat's parameters are exported"
        );
        let bytes = serde_json::to_vec(&archive).unwrap();

        let to = Store::in_memory();
        let first = import(&to, &bytes).unwrap();
        assert_eq!(
            first,
            ImportReport {
                imported: 2,
                assistants: 0,
                already_here: 0
            }
        );
        let second = import(&to, &bytes).unwrap();
        assert_eq!(
            second,
            ImportReport {
                imported: 0,
                assistants: 0,
                already_here: 2
            }
        );

        let again = to.call(|db| exported(db)).unwrap();
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

    /// A chat deleted moments ago (its Undo still offered) and then imported from a backup
    /// comes back as the backup holds it, and the purge of deleted chats leaves it.
    #[test]
    fn a_chat_deleted_moments_ago_comes_back_from_an_import() {
        let store = seeded();
        let archive = store.call(|db| exported(db)).unwrap();
        let id = archive.conversations[0].id.clone();
        store
            .call({
                let id = id.clone();
                move |db| {
                    conversations::delete(db, &id)?;
                    Ok(())
                }
            })
            .unwrap();
        let report = import(&store, &serde_json::to_vec(&archive).unwrap()).unwrap();
        assert_eq!(
            report,
            ImportReport {
                imported: 1,
                assistants: 0,
                already_here: 1
            }
        );
        store.call(|db| conversations::purge_deleted(db, i64::MAX)).unwrap();
        let again = store.call(|db| exported(db)).unwrap();
        assert_eq!(
            again.conversations, archive.conversations,
            "back as the backup holds it"
        );
        let found = store.call(|db| search::search(db, "paris", 10)).unwrap();
        assert_eq!(found.len(), 1, "searchable once");
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
        let archive = from.call(|db| exported(db)).unwrap();
        assert_eq!(archive.version, VERSION);
        let answer = &archive.conversations[0].messages[1];
        assert_eq!(answer.reasoning, "Think **hard**.\n\nThen answer.");
        assert_eq!(answer.stop_reason, Some(StopReason::Length));
        let bytes = serde_json::to_vec(&archive).unwrap();
        let to = Store::in_memory();
        import(&to, &bytes).unwrap();
        let again = to.call(|db| exported(db)).unwrap();
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
        let to = Store::in_memory();
        import(&to, v1).unwrap();
        let m = to
            .call(|db| Ok(paging::page(db, "c-old", Page::Latest, 10)?.rows))
            .unwrap();
        assert_eq!(m[1].text, "hello");
        assert_eq!(m[1].reasoning, "");
        assert_eq!(m[1].stop_reason, None);
        assert_eq!(m[1].usage.as_ref().unwrap().completion_tokens, Some(2));
    }

    /// `v` with every object's keys in order, as `jq -S` writes a file.
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut pairs: Vec<_> = map.into_iter().collect();
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }

    /// The reader streams, but JSON does not order keys: a file whose keys a tool sorted
    /// (`conversations` before `format`, `messages` before `title`) imports the same.
    #[test]
    fn keys_in_any_order_import_alike() {
        let from = seeded();
        let archive = from.call(|db| exported(db)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&from.call(|db| json(db)).unwrap()).unwrap();
        let bytes = serde_json::to_vec(&sorted(value)).unwrap();
        assert!(bytes.starts_with(br#"{"conversations":[{"createdAt""#));
        let to = Store::in_memory();
        assert_eq!(import(&to, &bytes).unwrap().imported, 2);
        assert_eq!(to.call(|db| exported(db)).unwrap().conversations, archive.conversations);

        let early = br#"{"format":"glama-chat","version":3,"exportedAt":0,"conversations":[{"messages":[],"id":"x","title":"t","createdAt":0,"updatedAt":0}]}"#;
        let err = import(&to, early).unwrap_err();
        assert!(err.to_string().contains("before its id"), "{err}");
        // The format is checked wherever it comes; nothing before it is kept.
        let late = br#"{"conversations":[{"id":"late","title":"t","createdAt":0,"updatedAt":0,"messages":[]}],"format":"other","version":3}"#;
        assert!(import(&to, late).unwrap_err().to_string().contains("format"));
        assert!(
            to.call(|db| conversations::get(db, "late")).is_err(),
            "nothing half imported"
        );
    }

    /// What one message may take is the same number both ways: export refuses to write a
    /// message import would refuse to read, and import stops reading one at that size.
    #[test]
    fn a_message_past_the_limit_is_neither_written_nor_read() {
        let from = Store::in_memory();
        from.call(|db| {
            let c = conversations::create(db, "m")?.id;
            answered(db, &c, "m", "q", &plain(&"long ".repeat(1000), MessageStatus::Done));
            Ok(())
        })
        .unwrap();
        let err = from
            .call(|db| export::write_json(db, None, Vec::new(), 4096))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Export);
        assert!(err.to_string().contains("larger than"), "{err}");
        let whole = from.call(|db| json(db)).unwrap();
        let to = Store::in_memory();
        let err = to
            .call(move |db| import::read_json(db, whole.as_slice(), 4096))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::BadArchive);
        assert!(err.to_string().contains("larger than"), "{err}");
        assert!(to.call(|db| conversations::list(db)).unwrap().is_empty());
        let whole = from.call(|db| json(db)).unwrap();
        to.call(move |db| import::read_json(db, whole.as_slice(), 8192))
            .unwrap();
    }

    /// A file is written whole or not at all, and reads back.
    #[test]
    fn export_files_are_whole_or_absent() {
        let from = seeded();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.json");
        from.call({
            let path = path.clone();
            move |db| export_json_to(db, None, &path)
        })
        .unwrap();
        let to = Store::in_memory();
        let report = to.call(move |db| import_json_from(db, &path)).unwrap();
        assert_eq!(report.imported, 2);

        let nowhere = dir.path().join("missing/all.json");
        let err = from
            .call({
                let nowhere = nowhere.clone();
                move |db| export_json_to(db, None, &nowhere)
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::File);
        assert!(err.to_string().contains("missing/all.json"), "{err}");
        let id = from.call(|db| Ok(conversations::list(db)?[0].id.clone())).unwrap();
        let md = dir.path().join("one.md");
        from.call({
            let md = md.clone();
            move |db| export_markdown_to(db, &id, &md)
        })
        .unwrap();
        assert!(std::fs::read_to_string(&md).unwrap().starts_with("# "));
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
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
            let err = import(&Store::in_memory(), bytes).unwrap_err();
            assert_eq!(err.kind(), ErrorCode::BadArchive);
            assert!(err.to_string().contains(words), "{err}");
        }
    }

    #[test]
    fn markdown_shows_who_said_what() {
        let store = seeded();
        let archive = store.call(|db| exported(db)).unwrap();
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

    /// A backup carries the assistants (the default mark with them) and each chat's window
    /// rule and assistant; one chat's export carries no assistant, and its chat lets go of it.
    #[test]
    fn assistants_and_a_chats_window_rule_travel_in_a_backup() {
        let from = seeded();
        let (chat, assistant) = from
            .call(|db| {
                let c = conversations::list(db)?
                    .into_iter()
                    .find(|c| c.title == "Capital of France?")
                    .unwrap();
                conversations::set_fit_newest(db, &c.id, true)?;
                let a = assistants::save_from_chat(db, &c.id, "Terse")?;
                assistants::set_default(db, Some(&a.id))?;
                Ok((c.id, a.id))
            })
            .unwrap();
        let archive = from.call(|db| exported(db)).unwrap();
        assert_eq!(archive.version, VERSION);
        assert_eq!(archive.assistants.len(), 1);
        let to = Store::in_memory();
        let report = import(&to, &serde_json::to_vec(&archive).unwrap()).unwrap();
        assert_eq!((report.imported, report.assistants), (2, 1));
        let (kept, a) = to
            .call({
                let (chat, assistant) = (chat.clone(), assistant.clone());
                move |db| Ok((conversations::get(db, &chat)?, assistants::get(db, &assistant)?))
            })
            .unwrap();
        assert!(kept.fit_newest);
        assert_eq!(kept.assistant_id.as_deref(), Some(assistant.as_str()));
        assert_eq!(
            (a.name.as_str(), a.system_prompt.as_str(), a.is_default),
            ("Terse", "Be terse.", true)
        );
        assert_eq!(a.parameters.temperature, Some(0.3));

        let one = from
            .call({
                let chat = chat.clone();
                move |db| {
                    let mut out = Vec::new();
                    write_json(db, Some(&chat), &mut out)?;
                    Ok(out)
                }
            })
            .unwrap();
        let alone: Archive = serde_json::from_slice(&one).unwrap();
        assert!(alone.assistants.is_empty(), "one chat's export is that chat");
        let elsewhere = Store::in_memory();
        import(&elsewhere, &one).unwrap();
        let c = elsewhere.call(move |db| conversations::get(db, &chat)).unwrap();
        assert_eq!(c.assistant_id, None, "no assistant of that id here");
        assert!(c.fit_newest);
    }
}
