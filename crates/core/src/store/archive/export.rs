//! Export: the archive written while it is read, one message at a time. Nothing holds more
//! than one message (with its files) in memory, whatever the size of the history: the chats'
//! messages are read through one statement's cursor and serialized straight into the file.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::rc::Rc;

use rusqlite::Connection;
use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{markdown, ArchivedAttachment, ArchivedMessage, ArchivedToolImage, ArchivedUsage, FORMAT, VERSION};
use crate::store::assistants::{self, Assistant};
use crate::store::conversations::{self, Conversation, Parameters};
use crate::store::rows::{self, COLUMNS};
use crate::store::tool_calls::{self, CallRecord};
use crate::store::{attachments, now_ms, Result, StoreError};

/// Calls `each` with every message of the conversation, read through a cursor: the open branch
/// oldest first, then the versions off it; with their files' bytes when `with_files`.
pub(super) fn for_each_message(
    db: &Connection,
    conversation_id: &str,
    with_files: bool,
    mut each: impl FnMut(ArchivedMessage) -> Result<()>,
) -> Result<()> {
    let mut st = db.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND deleted_at IS NULL ORDER BY seq < 0, abs(seq)"
    ))?;
    let mut cursor = st.query([conversation_id])?;
    while let Some(row) = cursor.next()? {
        let m = rows::from_row(row)?;
        let mut files = Vec::new();
        for a in attachments::of_message(db, m.num)? {
            files.push(ArchivedAttachment {
                data: if with_files {
                    attachments::data(db, &a.id)?
                } else {
                    Vec::new()
                },
                name: a.name,
                media_type: a.media_type,
            });
        }
        let calls = tool_calls::of_messages(db, &[m.num])?
            .remove(&m.num)
            .unwrap_or_default();
        each(ArchivedMessage {
            id: m.id,
            parent_id: m.parent_id,
            off_branch: m.seq < 0,
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
            attachments: files,
            tool_images: tool_images(db, &calls)?,
            // The images travel with their bytes, above; the calls' own lists are views.
            tool_calls: calls
                .into_iter()
                .map(|c| CallRecord {
                    images: Vec::new(),
                    ..c
                })
                .collect(),
        })?;
    }
    Ok(())
}

/// Writes every conversation (`None`) or one as the JSON archive the README documents; a
/// message larger than `max_message` bytes stops it.
pub(super) fn write_json(db: &Connection, only: Option<&str>, out: impl Write, max_message: u64) -> Result<()> {
    let chosen = match only {
        Some(id) => vec![conversations::get(db, id)?],
        None => conversations::list(db)?,
    };
    let written = Rc::new(Cell::new(0));
    let out = Counted {
        inner: out,
        written: written.clone(),
    };
    let failure = RefCell::new(None);
    // A backup holds the assistants; one chat's export is that chat.
    let assistants = match only {
        Some(_) => Vec::new(),
        None => assistants::list(db)?,
    };
    let archive = ArchiveOut {
        db,
        assistants: &assistants,
        chosen: &chosen,
        exported_at: now_ms(),
        written: &written,
        max_message,
        failure: &failure,
    };
    let mut json = serde_json::Serializer::pretty(out);
    let result = archive.serialize(&mut json);
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    result.map_err(write_error)?;
    json.into_inner().flush().map_err(write_error)
}

/// One conversation's open branch as Markdown (its files named, not carried).
pub(super) fn write_markdown(db: &Connection, conversation_id: &str, mut out: impl Write) -> Result<()> {
    let c = conversations::get(db, conversation_id)?;
    out.write_all(markdown::head(&c.title, &c.model, &c.system_prompt).as_bytes())
        .map_err(write_error)?;
    for_each_message(db, &c.id, false, |m| {
        if m.off_branch {
            return Ok(());
        }
        out.write_all(markdown::message(&m).as_bytes()).map_err(write_error)
    })?;
    out.flush().map_err(write_error)
}

/// A failure to write the file; the caller names the file.
fn write_error(e: impl Into<std::io::Error>) -> StoreError {
    StoreError::Io(e.into())
}

struct ArchiveOut<'a> {
    db: &'a Connection,
    assistants: &'a [Assistant],
    chosen: &'a [Conversation],
    exported_at: i64,
    written: &'a Cell<u64>,
    max_message: u64,
    /// What went wrong inside serialization that is not serde's (a read, a message too large).
    failure: &'a RefCell<Option<StoreError>>,
}

impl Serialize for ArchiveOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut archive = s.serialize_struct("Archive", 5)?;
        archive.serialize_field("format", FORMAT)?;
        archive.serialize_field("version", &VERSION)?;
        archive.serialize_field("exportedAt", &self.exported_at)?;
        if self.assistants.is_empty() {
            archive.skip_field("assistants")?;
        } else {
            archive.serialize_field("assistants", self.assistants)?;
        }
        archive.serialize_field("conversations", &ConversationsOut(self))?;
        archive.end()
    }
}

struct ConversationsOut<'a>(&'a ArchiveOut<'a>);

impl Serialize for ConversationsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.chosen.len()))?;
        for c in self.0.chosen {
            seq.serialize_element(&ConversationOut { archive: self.0, c })?;
        }
        seq.end()
    }
}

struct ConversationOut<'a> {
    archive: &'a ArchiveOut<'a>,
    c: &'a Conversation,
}

impl Serialize for ConversationOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.c;
        let mut out = s.serialize_struct("ArchivedConversation", 12)?;
        out.serialize_field("id", &c.id)?;
        out.serialize_field("title", &c.title)?;
        out.serialize_field("model", &c.model)?;
        out.serialize_field("systemPrompt", &c.system_prompt)?;
        out.serialize_field("draft", &c.draft)?;
        out.serialize_field("tools", &c.tools)?;
        if c.parameters != Parameters::default() {
            out.serialize_field("parameters", &c.parameters)?;
        } else {
            out.skip_field("parameters")?;
        }
        if c.fit_newest {
            out.serialize_field("fitNewest", &true)?;
        } else {
            out.skip_field("fitNewest")?;
        }
        match &c.assistant_id {
            Some(id) => out.serialize_field("assistantId", id)?,
            None => out.skip_field("assistantId")?,
        }
        out.serialize_field("createdAt", &c.created_at)?;
        out.serialize_field("updatedAt", &c.updated_at)?;
        out.serialize_field("messages", &MessagesOut(self))?;
        out.end()
    }
}

struct MessagesOut<'a>(&'a ConversationOut<'a>);

impl Serialize for MessagesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ConversationOut { archive, c } = self.0;
        let mut seq = s.serialize_seq(None)?;
        // Serde's error cannot carry ours: it waits in `failure` while serde's unwinds. A
        // failure of serde's own stops the reading, and is returned as it is.
        let mut serde_failure = None;
        let read = for_each_message(archive.db, &c.id, true, |m| {
            let before = archive.written.get();
            if let Err(e) = seq.serialize_element(&m) {
                serde_failure = Some(e);
                // Stops the reading; serde's error is what is returned.
                return Err(StoreError::Closed);
            }
            // What import would refuse is not written: the same limit both ways.
            if archive.written.get() - before > archive.max_message {
                return Err(StoreError::MessageTooLarge);
            }
            Ok(())
        });
        if let Some(e) = serde_failure {
            return Err(e);
        }
        if let Err(e) = read {
            let words = e.to_string();
            *archive.failure.borrow_mut() = Some(e);
            return Err(S::Error::custom(words));
        }
        seq.end()
    }
}

/// A writer that counts what passed through it.
struct Counted<W> {
    inner: W,
    written: Rc<Cell<u64>>,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.set(self.written.get() + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The images of `calls`, with their bytes.
fn tool_images(db: &Connection, calls: &[CallRecord]) -> Result<Vec<ArchivedToolImage>> {
    let mut out = Vec::new();
    for call in calls {
        for image in &call.images {
            out.push(ArchivedToolImage {
                call_id: call.id.clone(),
                media_type: image.media_type.clone(),
                data: attachments::data(db, &image.id)?,
            });
        }
    }
    Ok(out)
}
