//! The `messages` table's rows: what a message is on disk, read and written one row at a time.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::attachments::AttachmentView;
use super::{Result, StoreError};
use crate::error_code::ErrorCode;
use crate::usage::{Usage, UsageSource};

/// Who a message is from; `Error` rows say why an answer could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    User,
    Assistant,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Streaming,
    Done,
    Stopped,
    Error,
    /// Was streaming when the app ended (quit, crash, power cut): the text so far is kept.
    Interrupted,
}

/// Why an answer ended when it was not a plain stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Cut at the model's output limit: it can be continued.
    Length,
    /// Stopped (or blocked) by the provider's content filter.
    ContentFilter,
}

/// An error as it is kept with an answer and shown: its code and the words for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorView {
    pub kind: ErrorCode,
    pub message: String,
}

macro_rules! sql_text_enum {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            fn parse(s: &str) -> rusqlite::Result<Self> {
                match s {
                    $($s => Ok(Self::$v),)*
                    other => Err(rusqlite::Error::InvalidColumnType(0, other.into(), rusqlite::types::Type::Text)),
                }
            }
        }
    };
}
sql_text_enum!(Author { User = "user", Assistant = "assistant", Error = "error" });
sql_text_enum!(MessageStatus {
    Streaming = "streaming",
    Done = "done",
    Stopped = "stopped",
    Error = "error",
    Interrupted = "interrupted",
});
sql_text_enum!(StopReason {
    Length = "length",
    ContentFilter = "content_filter",
});

/// One message as it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    /// The row's number: what attachments and the search index refer to.
    pub num: i64,
    pub id: String,
    pub seq: i64,
    /// The message before it in its branch (`None` for a chat's first): its versions share it.
    pub parent_id: Option<String>,
    pub role: Author,
    /// The markdown source.
    pub text: String,
    /// The model's reasoning as markdown, `""` when it showed none.
    pub reasoning: String,
    pub reasoning_ms: Option<u64>,
    pub status: MessageStatus,
    pub stop_reason: Option<StopReason>,
    pub refusal: Option<String>,
    pub error: Option<ErrorView>,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub request_id: Option<String>,
    pub created_at: i64,
    /// The answer's and its reasoning's HTML as last rendered, if it was.
    pub html: Option<Rendered>,
    /// What a question carries, in order (filled in by the reads that show it).
    pub attachments: Vec<AttachmentView>,
}

/// HTML rendered from an answer, kept so opening a chat renders nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// `None` when the reasoning was not rendered (there was none, or it came later).
    pub reasoning_html: Option<String>,
    /// The renderer's version that made it (`render::RENDER_VERSION`).
    pub version: i64,
}

/// A row's columns as [`from_row`] reads them. A streaming answer's text and reasoning are what
/// its row holds followed by what was saved as it grew (`answers::save_partial`).
pub(crate) const COLUMNS: &str = "num, id, seq, role, \
    CASE WHEN status = 'streaming' THEN content || coalesce((SELECT group_concat(g.text, '' ORDER BY g.num) \
        FROM answer_growth AS g WHERE g.message_num = messages.num), '') ELSE content END, \
    status, error_kind, error_text, model, tokens_in, tokens_out, cost_usd, usage_source, request_id, created_at, \
    html, html_version, \
    CASE WHEN status = 'streaming' THEN reasoning || coalesce((SELECT group_concat(g.reasoning, '' ORDER BY g.num) \
        FROM answer_growth AS g WHERE g.message_num = messages.num), '') ELSE reasoning END, \
    reasoning_html, reasoning_ms, tokens_reasoning, stop_reason, refusal, parent_id";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<MessageRow> {
    let role = Author::parse(&r.get::<_, String>(3)?)?;
    let status = MessageStatus::parse(&r.get::<_, String>(5)?)?;
    let error = match (r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?) {
        (Some(kind), Some(message)) => Some(ErrorView {
            kind: ErrorCode::parse(&kind),
            message,
        }),
        _ => None,
    };
    let tokens = |i| r.get::<_, Option<i64>>(i).map(|n| n.map(|n| n.max(0) as u64));
    let (tokens_in, tokens_out, cost_usd) = (tokens(9)?, tokens(10)?, r.get(11)?);
    let tokens_reasoning = tokens(20)?;
    let usage = r.get::<_, Option<String>>(12)?.map(|source| Usage {
        prompt_tokens: tokens_in,
        completion_tokens: tokens_out,
        reasoning_tokens: tokens_reasoning,
        cost_usd,
        source: if source == "glama" {
            UsageSource::Glama
        } else {
            UsageSource::Stream
        },
    });
    let html = r
        .get::<_, Option<String>>(15)?
        .map(|html| -> rusqlite::Result<Rendered> {
            Ok(Rendered {
                html,
                reasoning_html: r.get(18)?,
                version: r.get::<_, Option<i64>>(16)?.unwrap_or(0),
            })
        });
    let stop_reason = r
        .get::<_, Option<String>>(21)?
        .map(|s| StopReason::parse(&s))
        .transpose()?;
    Ok(MessageRow {
        num: r.get(0)?,
        id: r.get(1)?,
        seq: r.get(2)?,
        role,
        text: r.get(4)?,
        reasoning: r.get(17)?,
        reasoning_ms: tokens(19)?,
        status,
        stop_reason,
        refusal: r.get(22)?,
        parent_id: r.get(23)?,
        error,
        model: r.get(8)?,
        usage,
        request_id: r.get(13)?,
        created_at: r.get(14)?,
        html: html.transpose()?,
        attachments: Vec::new(),
    })
}

/// Message `id` of the conversation.
pub(crate) fn get(db: &Connection, conversation_id: &str, id: &str) -> Result<MessageRow> {
    db.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE id = ?1 AND conversation_id = ?2"
    ))?
    .query_row(params![id, conversation_id], from_row)
    .optional()?
    .ok_or(StoreError::NoSuchMessage)
}

/// The rows `sql` selects (`SELECT {COLUMNS} …`).
pub(crate) fn query(db: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<MessageRow>> {
    let mut st = db.prepare_cached(sql)?;
    let rows = st.query_map(params, from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The `seq` of the conversation's last message, 0 when it has none.
pub(crate) fn last_seq(db: &Connection, conversation_id: &str) -> Result<i64> {
    Ok(db.query_row(
        "SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = ?1 AND seq > 0",
        [conversation_id],
        |r| r.get(0),
    )?)
}

/// The `seq` of the conversation's last question, if it has one.
pub(crate) fn last_question_seq(db: &Connection, conversation_id: &str) -> Result<Option<i64>> {
    Ok(db.query_row(
        "SELECT max(seq) FROM messages WHERE conversation_id = ?1 AND role = 'user' AND seq > 0",
        [conversation_id],
        |r| r.get(0),
    )?)
}

/// The id of the message at `seq`.
pub(crate) fn at_seq(db: &Connection, conversation_id: &str, seq: i64) -> Result<String> {
    db.query_row(
        "SELECT id FROM messages WHERE conversation_id = ?1 AND seq = ?2",
        params![conversation_id, seq],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(StoreError::NoSuchMessage)
}

/// How many questions come before `seq`.
pub(crate) fn questions_before(db: &Connection, conversation_id: &str, seq: i64) -> Result<i64> {
    Ok(db.query_row(
        "SELECT count(*) FROM messages WHERE conversation_id = ?1 AND role = 'user' AND seq > 0 AND seq < ?2",
        params![conversation_id, seq],
        |r| r.get(0),
    )?)
}

/// A new message row.
pub(crate) struct NewRow<'a> {
    pub id: &'a str,
    pub conversation_id: &'a str,
    pub seq: i64,
    pub role: Author,
    pub text: &'a str,
    pub status: MessageStatus,
    pub model: Option<&'a str>,
    pub created_at: i64,
}

/// Adds a row to the open branch, after the message at `seq - 1` (its parent).
pub(crate) fn insert(db: &Connection, row: &NewRow<'_>) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO messages (id, conversation_id, seq, role, content, status, model, created_at, parent_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT id FROM messages WHERE conversation_id = ?2 AND seq = ?3 - 1))",
    )?
    .execute(params![
        row.id,
        row.conversation_id,
        row.seq,
        row.role.as_str(),
        row.text,
        row.status.as_str(),
        row.model,
        row.created_at
    ])?;
    Ok(())
}

/// Whether the open branch's message at `seq` is an error row.
pub(crate) fn error_at(db: &Connection, conversation_id: &str, seq: i64) -> Result<bool> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND seq = ?2 AND role = 'error')",
        params![conversation_id, seq],
        |r| r.get(0),
    )?)
}

/// Deletes every message of the open branch after `seq` (an error row a regenerate replaces).
pub(crate) fn delete_after(db: &Connection, conversation_id: &str, seq: i64) -> Result<()> {
    db.execute(
        "DELETE FROM messages WHERE conversation_id = ?1 AND seq > ?2",
        params![conversation_id, seq],
    )?;
    Ok(())
}

/// Keeps HTML rendered again for rows read (by `num`), in one transaction: one fsync, not one
/// per row.
pub fn cache_html(db: &Connection, rendered: &[(i64, Rendered)]) -> Result<()> {
    if rendered.is_empty() {
        return Ok(());
    }
    let tx = db.unchecked_transaction()?;
    {
        let mut st =
            tx.prepare_cached("UPDATE messages SET html = ?2, reasoning_html = ?3, html_version = ?4 WHERE num = ?1")?;
        for (num, r) in rendered {
            st.execute(params![num, r.html, r.reasoning_html, r.version])?;
        }
    }
    tx.commit()?;
    Ok(())
}
