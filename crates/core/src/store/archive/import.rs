//! Import: the archive parsed as it is read, one message at a time, into one transaction.
//! Memory holds one message (with its files) at most, whatever the size of the file; no
//! message may be larger than [`super::MAX_MESSAGE_BYTES`], the limit export keeps too.
//!
//! JSON does not order an object's keys, and a file passed through a tool may have them
//! sorted: `format` and `version` are checked wherever they come (nothing is committed before
//! the end), and a conversation's messages may come anywhere after its `id`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer as _;

use super::{check_id, ArchivedAttachment, ArchivedMessage, ImportReport, FORMAT, VERSION};
use crate::attach::{self, Prepared, MAX_PER_MESSAGE};
use crate::store::assistants::{self, Assistant};
use crate::store::conversations::{self, Parameters};
use crate::store::rows::{self, MessageStatus, NewRow, StopReason};
use crate::store::tool_calls::{self, CallRecord, CallStatus};
use crate::store::{answers, attachments, Result, StoreError};
use crate::usage::{stored_count, Usage, UsageSource};

/// Adds the chats of the archive read from `input` that are not here yet, in one transaction:
/// a file refused anywhere adds nothing. A message larger than `max_message` bytes is refused.
pub(super) fn read_json(db: &mut Connection, input: impl Read, max_message: u64) -> Result<ImportReport> {
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let read = Rc::new(Cell::new(0));
    let item_start = Rc::new(Cell::new(0));
    let importer = Importer {
        tx: &tx,
        report: RefCell::new(ImportReport {
            imported: 0,
            assistants: 0,
            already_here: 0,
        }),
        failure: RefCell::new(None),
        read: read.clone(),
        item_start: item_start.clone(),
        max_message,
    };
    let input = Bounded {
        inner: input,
        read,
        item_start,
        max_message,
    };
    let mut json = serde_json::Deserializer::from_reader(input);
    let parsed = (&mut json)
        .deserialize_map(ArchiveVisitor(&importer))
        .and_then(|()| json.end());
    if let Some(e) = importer.failure.take() {
        return Err(e);
    }
    if let Err(e) = parsed {
        return Err(importer.refusal(e));
    }
    // A chat names an assistant the archive did not carry (one chat's export): it lets go.
    tx.execute(
        "UPDATE conversations SET assistant_id = NULL WHERE assistant_id IS NOT NULL
         AND assistant_id NOT IN (SELECT id FROM assistants)",
        [],
    )?;
    let report = importer.report.take();
    tx.commit()?;
    Ok(report)
}

struct Importer<'a> {
    tx: &'a Transaction<'a>,
    report: RefCell<ImportReport>,
    /// Our error, kept while serde's unwinds to the top (serde's cannot carry it).
    failure: RefCell<Option<StoreError>>,
    /// Bytes read so far, and where the message (or conversation head) being read began.
    read: Rc<Cell<u64>>,
    item_start: Rc<Cell<u64>>,
    max_message: u64,
}

impl Importer<'_> {
    fn fail<E: de::Error>(&self, e: StoreError) -> E {
        let words = e.to_string();
        *self.failure.borrow_mut() = Some(e);
        E::custom(words)
    }

    fn new_item(&self) {
        self.item_start.set(self.read.get());
    }

    /// Serde's error in words: not JSON at all, JSON of another shape, or the file.
    fn refusal(&self, e: serde_json::Error) -> StoreError {
        use serde_json::error::Category;
        match e.classify() {
            Category::Io if self.read.get() - self.item_start.get() > self.max_message => {
                StoreError::BadArchive(format!(
                    "a message is larger than {} MB, more than an export holds",
                    self.max_message >> 20
                ))
            }
            Category::Io => StoreError::Io(e.into()),
            Category::Syntax | Category::Eof => StoreError::BadArchive(format!("not JSON ({e})")),
            Category::Data => StoreError::BadArchive(e.to_string()),
        }
    }

    /// Starts conversation `id`: `false` when it is here already (its messages are then read
    /// and left out). Its head is written when it ends ([`Self::end_conversation`]). A chat the
    /// person deleted (whose Undo may still be offered) is replaced by the archive's: importing
    /// a backup is asking for it back.
    fn begin_conversation(&self, id: &str) -> Result<bool> {
        self.tx.execute(
            "DELETE FROM conversations WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id],
        )?;
        let here = self
            .tx
            .query_row("SELECT 1 FROM conversations WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some();
        if !here {
            self.tx.execute(
                "INSERT INTO conversations (id, title, title_set, created_at, updated_at) VALUES (?1, '', 1, 0, 0)",
                [id],
            )?;
        }
        Ok(!here)
    }

    fn end_conversation(&self, head: &Head, imported: bool) -> Result<()> {
        let mut report = self.report.borrow_mut();
        if !imported {
            report.already_here += 1;
            return Ok(());
        }
        self.tx.execute(
            "UPDATE conversations SET title = ?2, model = ?3, system_prompt = ?4, draft = ?5, created_at = ?6,
             updated_at = ?7, tools = ?8, fit_newest = ?9, assistant_id = ?10 WHERE id = ?1",
            params![
                head.id,
                head.title.chars().take(200).collect::<String>(),
                head.model,
                head.system_prompt,
                head.draft,
                head.created_at,
                head.updated_at,
                head.tools.unwrap_or(true),
                head.fit_newest,
                head.assistant_id
            ],
        )?;
        conversations::set_parameters(self.tx, &head.id, &head.parameters)?;
        report.imported += 1;
        Ok(())
    }

    /// Adds message `m` at `seq` (after the open branch's `seq - 1`, or off it below 0 under
    /// its own parent); `false` when its id is used elsewhere (it would be a second copy: it
    /// is left out).
    fn add_message(&self, conversation_id: &str, seq: i64, m: ArchivedMessage) -> Result<bool> {
        let tx = self.tx;
        let taken = tx
            .query_row("SELECT 1 FROM messages WHERE id = ?1", [&m.id], |_| Ok(()))
            .optional()?
            .is_some();
        if taken {
            return Ok(false);
        }
        if m.attachments.len() > MAX_PER_MESSAGE {
            return Err(StoreError::BadArchive(format!(
                "a message carries {} attachments; a message carries at most {MAX_PER_MESSAGE}",
                m.attachments.len()
            )));
        }
        // An answer that was streaming in the exporting app was cut there.
        let status = match m.status {
            MessageStatus::Streaming => MessageStatus::Interrupted,
            s => s,
        };
        rows::insert(
            tx,
            &NewRow {
                id: &m.id,
                conversation_id,
                seq,
                role: m.role,
                text: &m.content,
                status,
                model: m.model.as_deref(),
                created_at: m.created_at,
            },
        )?;
        if seq < 0 {
            // A version off the open branch: under its own parent, in the file's order.
            tx.execute(
                "UPDATE messages SET parent_id = ?2, shown = ?3 WHERE id = ?1",
                params![m.id, m.parent_id, -seq],
            )?;
        }
        if !m.reasoning.is_empty() || m.stop_reason.is_some() || m.refusal.is_some() {
            tx.execute(
                "UPDATE messages SET reasoning = ?2, reasoning_ms = ?3, stop_reason = ?4, refusal = ?5 WHERE id = ?1",
                params![
                    m.id,
                    m.reasoning,
                    m.reasoning_ms.map(stored_count),
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
        for a in m.attachments {
            let name = attach::display_name(&a.name);
            let file = restore(a)?;
            attachments::keep(tx, &file)?;
            attachments::link(tx, &m.id, &file.hash, &name)?;
        }
        if m.tool_calls.len() > tool_calls::MAX_PER_ANSWER {
            return Err(StoreError::BadArchive(format!(
                "a message carries {} tool calls; an answer makes at most {}",
                m.tool_calls.len(),
                tool_calls::MAX_PER_ANSWER
            )));
        }
        // Calls that waited or ran in the exporting app were cut there, as the answer was.
        let calls: Vec<CallRecord> = m
            .tool_calls
            .into_iter()
            .map(|c| match c.status {
                CallStatus::Awaiting | CallStatus::Running => CallRecord {
                    status: CallStatus::Interrupted,
                    ..c
                },
                _ => c,
            })
            .collect();
        tool_calls::insert(tx, &m.id, &calls)?;
        if m.tool_images.len() > tool_calls::MAX_PER_ANSWER {
            return Err(StoreError::BadArchive(format!(
                "a message carries {} images of tool calls; an answer keeps at most {}",
                m.tool_images.len(),
                tool_calls::MAX_PER_ANSWER
            )));
        }
        for image in m.tool_images {
            if !calls.iter().any(|c| c.id == image.call_id) {
                return Err(StoreError::BadArchive(format!(
                    "an image names the tool call {}, which its message does not hold",
                    image.call_id
                )));
            }
            let file = restore(ArchivedAttachment {
                name: "image".into(),
                media_type: image.media_type,
                data: image.data,
            })?;
            if file.kind != attach::Kind::Image {
                return Err(StoreError::BadArchive("a tool call's image is not an image".into()));
            }
            tool_calls::keep_images(tx, &m.id, &image.call_id, &[file])?;
        }
        if let Some(u) = &m.usage {
            answers::set_usage(
                tx,
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
        Ok(true)
    }
}

/// An exported attachment as it is kept: its bytes checked like a file attached by hand (a
/// file from elsewhere is hostile input), never trusted by its stated type.
fn restore(a: ArchivedAttachment) -> Result<Prepared> {
    attach::verify(&a.name, a.data).map_err(|e| StoreError::BadArchive(e.to_string()))
}

/// The file as read, counted, and cut off where one message runs past its limit
/// (what it costs to hold one message is then bounded, whatever the file says).
struct Bounded<R> {
    inner: R,
    read: Rc<Cell<u64>>,
    item_start: Rc<Cell<u64>>,
    max_message: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.get() - self.item_start.get() > self.max_message {
            return Err(std::io::Error::other("a message is too large"));
        }
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

struct ArchiveVisitor<'a>(&'a Importer<'a>);

impl<'de> Visitor<'de> for ArchiveVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Glama Chat export")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let imp = self.0;
        let (mut format, mut version) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    if map.next_value::<String>()? != FORMAT {
                        return Err(imp.fail(no_format()));
                    }
                    format = true;
                }
                "version" => match map.next_value::<u32>()? {
                    v if v <= VERSION => version = true,
                    v => {
                        return Err(imp.fail(StoreError::BadArchive(format!(
                            "it is version {v}, made by a newer Glama Chat; update to import it"
                        ))))
                    }
                },
                "assistants" => {
                    for a in map.next_value::<Vec<Assistant>>()? {
                        check_id(&a.id).map_err(|e| imp.fail(e))?;
                        assistants::restore(imp.tx, &a).map_err(|e| imp.fail(e))?;
                        imp.report.borrow_mut().assistants += 1;
                    }
                }
                "conversations" => map.next_value_seed(Conversations(imp))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !format {
            return Err(imp.fail(no_format()));
        }
        if !version {
            return Err(imp.fail(StoreError::BadArchive("it has no version".into())));
        }
        Ok(())
    }
}

fn no_format() -> StoreError {
    StoreError::BadArchive("it has no \"format\": \"glama-chat\"".into())
}

struct Conversations<'a>(&'a Importer<'a>);

impl<'de> DeserializeSeed<'de> for Conversations<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Conversations<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of conversations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.0.new_item();
            if seq.next_element_seed(OneConversation(self.0))?.is_none() {
                return Ok(());
            }
        }
    }
}

/// A conversation's fields other than its messages.
#[derive(Default)]
struct Head {
    id: String,
    title: String,
    model: String,
    system_prompt: String,
    draft: String,
    /// Absent in archives written before the switch existed: on, as every chat was.
    tools: Option<bool>,
    parameters: Parameters,
    fit_newest: bool,
    assistant_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

struct OneConversation<'a>(&'a Importer<'a>);

impl<'de> DeserializeSeed<'de> for OneConversation<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneConversation<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a conversation")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let imp = self.0;
        let mut head = Head::default();
        let (mut id, mut title, mut created, mut updated) = (false, false, false, false);
        // Whether it is new here; known once its messages begin.
        let mut imported = None;
        let mut places = Places::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => {
                    head.id = map.next_value()?;
                    check_id(&head.id).map_err(|e| imp.fail(e))?;
                    id = true;
                }
                "title" => {
                    head.title = map.next_value()?;
                    title = true;
                }
                "model" => head.model = map.next_value()?,
                "systemPrompt" => head.system_prompt = map.next_value()?,
                "draft" => head.draft = map.next_value()?,
                "tools" => head.tools = map.next_value()?,
                "parameters" => {
                    head.parameters = map.next_value()?;
                    head.parameters.check().map_err(|e| imp.fail(e))?;
                }
                "fitNewest" => head.fit_newest = map.next_value()?,
                "assistantId" => head.assistant_id = map.next_value()?,
                "createdAt" => {
                    head.created_at = map.next_value()?;
                    created = true;
                }
                "updatedAt" => {
                    head.updated_at = map.next_value()?;
                    updated = true;
                }
                "messages" => {
                    if !id {
                        return Err(imp.fail(StoreError::BadArchive(
                            "a conversation's messages come before its id".into(),
                        )));
                    }
                    let new = match imported {
                        Some(new) => new,
                        None => imp.begin_conversation(&head.id).map_err(|e| imp.fail(e))?,
                    };
                    imported = Some(new);
                    map.next_value_seed(Messages {
                        imp,
                        conversation_id: &head.id,
                        new,
                        places: &mut places,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        for (present, field) in [
            (id, "id"),
            (title, "title"),
            (created, "createdAt"),
            (updated, "updatedAt"),
            (imported.is_some(), "messages"),
        ] {
            if !present {
                return Err(de::Error::missing_field(field));
            }
        }
        imp.end_conversation(&head, imported == Some(true))
            .map_err(|e| imp.fail(e))
    }
}

/// Where a conversation's next imported messages go: the open branch at `seq` 1, 2, 3…, the
/// versions off it at −1, −2… (in the file's order, which is the order they left the branch).
#[derive(Default)]
struct Places {
    open: i64,
    off: i64,
}

struct Messages<'a, 'b> {
    imp: &'a Importer<'a>,
    conversation_id: &'b str,
    /// `false`: the conversation is here already, its messages are only read.
    new: bool,
    places: &'b mut Places,
}

impl<'de> DeserializeSeed<'de> for Messages<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let imp = self.imp;
        loop {
            imp.new_item();
            let Some(m) = seq.next_element::<ArchivedMessage>()? else {
                return Ok(());
            };
            check_id(&m.id).map_err(|e| imp.fail(e))?;
            if let Some(parent) = &m.parent_id {
                check_id(parent).map_err(|e| imp.fail(e))?;
            }
            if !self.new {
                continue;
            }
            let places = &mut *self.places;
            let (seq, next) = if m.off_branch {
                (places.off - 1, &mut places.off)
            } else {
                (places.open + 1, &mut places.open)
            };
            if imp.add_message(self.conversation_id, seq, m).map_err(|e| imp.fail(e))? {
                *next = seq;
            }
        }
    }
}
