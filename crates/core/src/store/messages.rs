//! Queries on the `messages` table: the life of an answer (begun, saved as it grows,
//! finished), the edits that regenerate and edit-and-resend make, and pages of a conversation.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::attachments::{self, AttachmentView};
use super::conversations::{self, title_from};
use super::{new_id, now_ms, Result, StoreError};
use crate::attach;
use crate::gateway::types::{ChatMessage, Role, Usage, UsageSource};
use crate::render::{render_markdown, RENDER_VERSION};

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

/// An error as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorView {
    pub kind: String,
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

/// A message as the window draws it (an answer's HTML already rendered and sanitized).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub seq: i64,
    pub role: Author,
    /// The markdown source (Copy, Edit).
    pub text: String,
    pub html: String,
    /// The model's reasoning as markdown, `""` when it showed none; never sent back to it.
    pub reasoning: String,
    pub reasoning_html: String,
    pub reasoning_ms: Option<u64>,
    pub status: MessageStatus,
    pub stop_reason: Option<StopReason>,
    /// The model's words when it declined.
    pub refusal: Option<String>,
    pub error: Option<ErrorView>,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub request_id: Option<String>,
    pub created_at: i64,
    /// What a question carries (files, images), in the order attached.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

const COLUMNS: &str = "num, id, seq, role, content, status, error_kind, error_text, model, tokens_in, tokens_out, \
                       cost_usd, usage_source, request_id, created_at, html, html_version, reasoning, reasoning_html, \
                       reasoning_ms, tokens_reasoning, stop_reason, refusal";

/// A row and whether its cached HTML must be made again.
fn from_row(r: &Row<'_>) -> rusqlite::Result<Stored> {
    let role = Author::parse(&r.get::<_, String>(3)?)?;
    let status = MessageStatus::parse(&r.get::<_, String>(5)?)?;
    let error = match (r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?) {
        (Some(kind), Some(message)) => Some(ErrorView { kind, message }),
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
    let html: Option<String> = r.get(15)?;
    let html_version: Option<i64> = r.get(16)?;
    let reasoning: String = r.get(17)?;
    let reasoning_html: Option<String> = r.get(18)?;
    let stale = role == Author::Assistant
        && (html.is_none()
            || html_version != Some(RENDER_VERSION as i64)
            || (!reasoning.is_empty() && reasoning_html.is_none()));
    let stop_reason = r
        .get::<_, Option<String>>(21)?
        .map(|s| StopReason::parse(&s))
        .transpose()?;
    Ok((
        r.get(0)?,
        Message {
            id: r.get(1)?,
            seq: r.get(2)?,
            role,
            text: r.get(4)?,
            html: html.unwrap_or_default(),
            reasoning,
            reasoning_html: reasoning_html.unwrap_or_default(),
            reasoning_ms: tokens(19)?,
            status,
            stop_reason,
            refusal: r.get(22)?,
            error,
            model: r.get(8)?,
            usage,
            request_id: r.get(13)?,
            created_at: r.get(14)?,
            attachments: Vec::new(),
        },
        stale,
    ))
}

/// Which part of a conversation to load.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "camelCase")]
pub enum Page {
    /// The newest messages (what opening a conversation shows).
    Latest,
    /// Messages just older than `seq` (scrolling up).
    Before(i64),
    /// Messages just newer than `seq` (scrolling down after a jump).
    After(i64),
    /// Messages around one message (a search result).
    Around(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_older: bool,
    pub has_newer: bool,
}

/// The most messages one page may hold.
pub const MAX_PAGE: usize = 500;

/// One page of a conversation, oldest first. Answers whose HTML is not cached (imported,
/// interrupted, rendered by an older version) are rendered once here and cached.
pub fn page(db: &Connection, conversation_id: &str, page: Page, limit: usize) -> Result<MessagePage> {
    conversations::get(db, conversation_id)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let older = |before: i64, n: usize| -> Result<(Vec<Stored>, bool)> {
        let mut rows = query(
            db,
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
            ),
            params![conversation_id, before, n as i64 + 1],
        )?;
        let more = rows.len() > n;
        rows.truncate(n);
        rows.reverse();
        Ok((rows, more))
    };
    let newer = |after: i64, n: usize| -> Result<(Vec<Stored>, bool)> {
        let mut rows = query(
            db,
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3"
            ),
            params![conversation_id, after, n as i64 + 1],
        )?;
        let more = rows.len() > n;
        rows.truncate(n);
        Ok((rows, more))
    };
    let (rows, has_older, has_newer) = match page {
        Page::Latest => {
            let (rows, more) = older(i64::MAX, limit)?;
            (rows, more, false)
        }
        Page::Before(seq) => {
            let (rows, more) = older(seq, limit)?;
            (rows, more, true)
        }
        Page::After(seq) => {
            let (rows, more) = newer(seq, limit)?;
            (rows, true, more)
        }
        Page::Around(id) => {
            let seq: i64 = db
                .query_row(
                    "SELECT seq FROM messages WHERE id = ?1 AND conversation_id = ?2",
                    params![id, conversation_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(StoreError::NoSuchMessage)?;
            let (mut rows, has_older) = older(seq + 1, limit.div_ceil(2))?;
            let (after, has_newer) = newer(seq, limit / 2)?;
            rows.extend(after);
            (rows, has_older, has_newer)
        }
    };
    let mut rows = rows;
    for (num, m, _) in &mut rows {
        if m.role == Author::User {
            m.attachments = attachments::of_message(db, *num)?;
        }
    }
    let messages = with_html(db, rows)?;
    Ok(MessagePage {
        messages,
        has_older,
        has_newer,
    })
}

/// A message row: its `seq`, the message, and whether its cached HTML must be rendered again.
type Stored = (i64, Message, bool);

fn query(db: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Stored>> {
    let mut st = db.prepare_cached(sql)?;
    let rows = st.query_map(params, from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Fills in each answer's HTML, caching what had to be rendered (in one transaction: one
/// fsync, not one per message).
fn with_html(db: &Connection, rows: Vec<Stored>) -> Result<Vec<Message>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut fresh = Vec::new();
    for (num, mut m, stale) in rows {
        if stale {
            m.html = render_markdown(&m.text);
            m.reasoning_html = render_reasoning(&m.reasoning);
            if m.status != MessageStatus::Streaming {
                fresh.push((num, m.html.clone(), m.reasoning_html.clone()));
            }
        }
        out.push(m);
    }
    if !fresh.is_empty() {
        let tx = db.unchecked_transaction()?;
        {
            let mut st = tx.prepare_cached(
                "UPDATE messages SET html = ?2, reasoning_html = ?3, html_version = ?4 WHERE num = ?1",
            )?;
            for (num, html, reasoning_html) in fresh {
                st.execute(params![num, html, reasoning_html, RENDER_VERSION as i64])?;
            }
        }
        tx.commit()?;
    }
    Ok(out)
}

/// Reasoning through the same safe renderer as answers; none renders as nothing.
pub fn render_reasoning(reasoning: &str) -> String {
    if reasoning.is_empty() {
        String::new()
    } else {
        render_markdown(reasoning)
    }
}

/// What starts an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A new message from the person, with what waits in the chat's composer (its draft
    /// attachments).
    Send { text: String },
    /// Answer the last question again (also "Retry" after an error or an interruption).
    Regenerate,
    /// Replace one of the person's messages, drop what followed, answer again. The message
    /// keeps those of its attachments listed in `attachments` (by id).
    Edit {
        message_id: String,
        text: String,
        attachments: Vec<String>,
    },
    /// Go on with the conversation's last answer (cut at the model's output limit, or stopped
    /// or interrupted), appending to that same message.
    Continue { message_id: String },
}

/// What the model is asked after the answer so far, to continue it. A user turn rather than
/// an assistant prefill: prefill is not part of OpenAI's API and many providers refuse a
/// conversation that ends with the assistant.
pub const CONTINUE_PROMPT: &str = "Your previous answer was cut off. Continue it exactly where it stopped, \
even mid-word or mid-sentence: do not repeat anything, and add no preamble or comment.";

/// An answer being continued: what it holds already.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resume {
    pub text: String,
    pub reasoning: String,
    pub reasoning_ms: Option<u64>,
    pub usage: Option<Usage>,
    /// Why it had stopped (kept when the continuation ends before its own end).
    pub stop_reason: Option<StopReason>,
}

/// An answer row, created before the request goes out.
#[derive(Debug, Clone, PartialEq)]
pub struct Begun {
    pub user_message_id: Option<String>,
    pub message_id: String,
    /// The model that writes the answer (a continuation keeps the answer's own model).
    pub model: String,
    /// What the model is sent: the system prompt, then the conversation so far.
    pub history: Vec<ChatMessage>,
    /// Set when an answer is continued.
    pub resume: Option<Resume>,
}

/// Applies `ask` to the conversation and adds the answer's row (`streaming`, empty), in one
/// transaction: the question is on disk before the request leaves.
pub fn begin_answer(db: &mut Connection, conversation_id: &str, model: &str, ask: &Ask) -> Result<Begun> {
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let conversation = conversations::get(&tx, conversation_id)?;
    if let Ask::Continue { message_id } = ask {
        let begun = begin_continue(&tx, &conversation, message_id, model)?;
        tx.commit()?;
        return Ok(begun);
    }
    let title_set: bool = tx.query_row(
        "SELECT title_set FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let last_seq: i64 = tx.query_row(
        "SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let now = now_ms();
    let mut user_message_id = None;
    // The first message of the person's names an unnamed chat.
    let retitle = |tx: &rusqlite::Transaction<'_>, text: &str, seq: i64| -> Result<()> {
        let earlier: i64 = tx.query_row(
            "SELECT count(*) FROM messages WHERE conversation_id = ?1 AND role = 'user' AND seq < ?2",
            params![conversation_id, seq],
            |r| r.get(0),
        )?;
        if earlier == 0 && !title_set {
            tx.execute(
                "UPDATE conversations SET title = ?2 WHERE id = ?1",
                params![conversation_id, title_from(text)],
            )?;
        }
        Ok(())
    };
    let answer_seq = match ask {
        Ask::Send { text } => {
            let text = with_attachments(text, attachments::has_drafts(&tx, conversation_id)?)?;
            let id = new_id();
            insert(
                &tx,
                &id,
                conversation_id,
                last_seq + 1,
                Author::User,
                text,
                MessageStatus::Done,
                None,
                now,
            )?;
            attachments::send_drafts(&tx, conversation_id, &id)?;
            retitle(&tx, &title_text(&tx, &id, text)?, last_seq + 1)?;
            // What was typed is now a message: the draft is spent.
            tx.execute("UPDATE conversations SET draft = '' WHERE id = ?1", [conversation_id])?;
            user_message_id = Some(id);
            last_seq + 2
        }
        Ask::Regenerate => {
            let last_user: i64 = tx
                .query_row(
                    "SELECT max(seq) FROM messages WHERE conversation_id = ?1 AND role = 'user'",
                    [conversation_id],
                    |r| r.get::<_, Option<i64>>(0),
                )?
                .ok_or(StoreError::Invalid("There is no question to answer again."))?;
            tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND seq > ?2",
                params![conversation_id, last_user],
            )?;
            last_user + 1
        }
        Ask::Continue { .. } => unreachable!("continued above"),
        Ask::Edit {
            message_id,
            text,
            attachments: keep,
        } => {
            let (seq, role): (i64, String) = tx
                .query_row(
                    "SELECT seq, role FROM messages WHERE id = ?1 AND conversation_id = ?2",
                    params![message_id, conversation_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(StoreError::NoSuchMessage)?;
            if role != "user" {
                return Err(StoreError::Invalid("Only your own messages can be edited."));
            }
            attachments::keep_only(&tx, message_id, keep)?;
            let text = with_attachments(text, attachments::has_any(&tx, message_id)?)?;
            tx.execute(
                "UPDATE messages SET content = ?2 WHERE id = ?1",
                params![message_id, text],
            )?;
            tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND seq > ?2",
                params![conversation_id, seq],
            )?;
            retitle(&tx, &title_text(&tx, message_id, text)?, seq)?;
            seq + 1
        }
    };
    let history = history(&tx, conversation_id, &conversation.system_prompt, answer_seq)?;
    let message_id = new_id();
    insert(
        &tx,
        &message_id,
        conversation_id,
        answer_seq,
        Author::Assistant,
        "",
        MessageStatus::Streaming,
        Some(model),
        now,
    )?;
    tx.execute(
        "UPDATE conversations SET model = ?2, updated_at = ?3 WHERE id = ?1",
        params![conversation_id, model, now],
    )?;
    conversations::set_active(&tx, conversation_id)?;
    tx.commit()?;
    Ok(Begun {
        user_message_id,
        message_id,
        model: model.to_string(),
        history,
        resume: None,
    })
}

/// Turns the conversation's last answer back to `streaming`, and says what the model is sent
/// to go on with it: the conversation up to it, the answer so far, [`CONTINUE_PROMPT`].
fn begin_continue(
    tx: &rusqlite::Transaction<'_>,
    conversation: &conversations::Conversation,
    message_id: &str,
    fallback_model: &str,
) -> Result<Begun> {
    let row = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1 AND conversation_id = ?2"),
            params![message_id, conversation.id],
            from_row,
        )
        .optional()?
        .ok_or(StoreError::NoSuchMessage)?;
    let (_, m, _) = row;
    let last: i64 = tx.query_row(
        "SELECT max(seq) FROM messages WHERE conversation_id = ?1",
        [&conversation.id],
        |r| r.get(0),
    )?;
    if m.role != Author::Assistant || m.seq != last || m.text.is_empty() {
        return Err(StoreError::Invalid(
            "Only the last answer, once it has text, can be continued.",
        ));
    }
    if m.status == MessageStatus::Streaming {
        return Err(StoreError::Invalid("This answer is still being written."));
    }
    let mut history = history(tx, &conversation.id, &conversation.system_prompt, m.seq)?;
    history.push(ChatMessage {
        role: Role::Assistant,
        content: m.text.clone().into(),
    });
    history.push(ChatMessage {
        role: Role::User,
        content: CONTINUE_PROMPT.into(),
    });
    tx.execute(
        "UPDATE messages SET status = 'streaming', stop_reason = NULL, error_kind = NULL, error_text = NULL
         WHERE id = ?1",
        [message_id],
    )?;
    tx.execute(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation.id, now_ms()],
    )?;
    Ok(Begun {
        user_message_id: None,
        message_id: m.id,
        model: m
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| fallback_model.to_string()),
        history,
        resume: Some(Resume {
            text: m.text,
            reasoning: m.reasoning,
            reasoning_ms: m.reasoning_ms,
            usage: m.usage,
            stop_reason: m.stop_reason,
        }),
    })
}

/// A question's text: it may be empty when the question carries attachments.
fn with_attachments(text: &str, attached: bool) -> Result<&str> {
    if attached {
        Ok(text.trim_end())
    } else {
        non_empty(text)
    }
}

/// What names a chat after its first question: the words, or the first attachment's name.
fn title_text(db: &Connection, message_id: &str, text: &str) -> Result<String> {
    if !text.trim().is_empty() {
        return Ok(text.to_string());
    }
    Ok(db
        .query_row(
            "SELECT ma.name FROM message_attachments ma JOIN messages m ON m.num = ma.message_num
             WHERE m.id = ?1 ORDER BY ma.num LIMIT 1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default())
}

fn non_empty(text: &str) -> Result<&str> {
    let text = text.trim_end();
    if text.trim().is_empty() {
        Err(StoreError::Invalid("Type a message first."))
    } else {
        Ok(text)
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    db: &Connection,
    id: &str,
    conversation_id: &str,
    seq: i64,
    role: Author,
    content: &str,
    status: MessageStatus,
    model: Option<&str>,
    created_at: i64,
) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO messages (id, conversation_id, seq, role, content, status, model, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        id,
        conversation_id,
        seq,
        role.as_str(),
        content,
        status.as_str(),
        model,
        created_at
    ])?;
    Ok(())
}

/// What the model is sent before the message at `seq`: the system prompt, then the person's
/// messages and the answers (partial ones too, as the person saw them), without error rows.
fn history(db: &Connection, conversation_id: &str, system_prompt: &str, seq: i64) -> Result<Vec<ChatMessage>> {
    let mut out = Vec::new();
    if !system_prompt.trim().is_empty() {
        out.push(ChatMessage {
            role: Role::System,
            content: system_prompt.to_string().into(),
        });
    }
    let mut attached = attachments::loaded_before(db, conversation_id, seq)?;
    let mut st = db.prepare_cached(
        "SELECT role, content, num FROM messages
         WHERE conversation_id = ?1 AND seq < ?2 AND role <> 'error' AND status <> 'streaming'
           AND (content <> '' OR EXISTS (SELECT 1 FROM message_attachments WHERE message_num = messages.num))
         ORDER BY seq",
    )?;
    let rows = st.query_map(params![conversation_id, seq], |r| {
        Ok((
            r.get::<_, String>(0)? == "user",
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (user, text, num) = row?;
        let files = attached.remove(&num).unwrap_or_default();
        out.push(ChatMessage {
            role: if user { Role::User } else { Role::Assistant },
            content: attach::content(&text, &files),
        });
    }
    Ok(out)
}

/// Saves an answer's text and reasoning so far (called at most every 500 ms while it streams).
pub fn save_partial(db: &Connection, message_id: &str, text: &str, reasoning: &str) -> Result<()> {
    db.prepare_cached("UPDATE messages SET content = ?2, reasoning = ?3 WHERE id = ?1 AND status = 'streaming'")?
        .execute(params![message_id, text, reasoning])?;
    Ok(())
}

/// How an answer ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    pub text: String,
    pub status: MessageStatus,
    pub error: Option<ErrorView>,
    pub request_id: Option<String>,
    /// The rendered text, cached so opening the chat later renders nothing.
    pub html: String,
    pub reasoning: String,
    pub reasoning_html: String,
    pub reasoning_ms: Option<u64>,
    pub stop_reason: Option<StopReason>,
    pub refusal: Option<String>,
}

impl Finish {
    /// A plain end: text and its HTML, nothing else.
    pub fn plain(text: &str, status: MessageStatus) -> Self {
        Finish {
            text: text.to_string(),
            status,
            error: None,
            request_id: None,
            html: render_markdown(text),
            reasoning: String::new(),
            reasoning_html: String::new(),
            reasoning_ms: None,
            stop_reason: None,
            refusal: None,
        }
    }
}

/// Finalizes an answer. An error before any text turns the row into an error row.
pub fn finish_answer(db: &Connection, message_id: &str, finish: &Finish) -> Result<()> {
    let role = if finish.status == MessageStatus::Error && finish.text.is_empty() && finish.reasoning.is_empty() {
        Author::Error
    } else {
        Author::Assistant
    };
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
            role.as_str(),
            finish.error.as_ref().map(|e| &e.kind),
            finish.error.as_ref().map(|e| &e.message),
            finish.request_id,
            finish.html,
            RENDER_VERSION as i64,
            finish.reasoning,
            finish.reasoning_html,
            finish.reasoning_ms.map(|n| n.min(i64::MAX as u64) as i64),
            finish.stop_reason.map(StopReason::as_str),
            finish.refusal,
        ],
    )?;
    if updated == 0 {
        return Err(StoreError::NoSuchMessage);
    }
    tx.execute(
        "UPDATE conversations SET updated_at = ?2
         WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
        params![message_id, now_ms()],
    )?;
    tx.commit()?;
    Ok(())
}

pub fn set_usage(db: &Connection, message_id: &str, usage: &Usage) -> Result<()> {
    db.execute(
        "UPDATE messages SET tokens_in = ?2, tokens_out = ?3, cost_usd = ?4, usage_source = ?5, tokens_reasoning = ?6
         WHERE id = ?1",
        params![
            message_id,
            usage.prompt_tokens.map(|n| n as i64),
            usage.completion_tokens.map(|n| n as i64),
            usage.cost_usd,
            match usage.source {
                UsageSource::Glama => "glama",
                UsageSource::Stream => "stream",
            },
            usage.reasoning_tokens.map(|n| n as i64),
        ],
    )?;
    Ok(())
}

/// At start: answers still `streaming` were cut by the end of the last run.
pub fn mark_interrupted(db: &Connection) -> Result<usize> {
    Ok(db.execute(
        "UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'",
        [],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn ask_and_finish(db: &mut Connection, c: &str, q: &str, a: &str) -> Begun {
        let begun = begin_answer(db, c, "m", &Ask::Send { text: q.into() }).unwrap();
        finish_answer(
            db,
            &begun.message_id,
            &Finish {
                text: a.into(),
                status: MessageStatus::Done,
                error: None,
                request_id: None,
                html: render_markdown(a),
                ..Finish::plain("", MessageStatus::Done)
            },
        )
        .unwrap();
        begun
    }

    #[test]
    fn an_answer_from_start_to_end() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                conversations::save_draft(db, &c, "What is 2+2?")?;
                conversations::set_system_prompt(db, &c, "Be brief.")?;
                let begun = begin_answer(
                    db,
                    &c,
                    "model-x",
                    &Ask::Send {
                        text: "What is 2+2?".into(),
                    },
                )?;
                assert_eq!(
                    begun.history,
                    [
                        ChatMessage {
                            role: Role::System,
                            content: "Be brief.".into()
                        },
                        ChatMessage {
                            role: Role::User,
                            content: "What is 2+2?".into()
                        },
                    ]
                );
                let conv = conversations::get(db, &c)?;
                assert_eq!(
                    (conv.title.as_str(), conv.draft.as_str(), conv.model.as_str()),
                    ("What is 2+2?", "", "model-x")
                );
                // The row exists before any byte of the answer, and grows.
                let p = page(db, &c, Page::Latest, 10)?;
                assert_eq!(p.messages[1].status, MessageStatus::Streaming);
                save_partial(db, &begun.message_id, "It is", "")?;
                assert_eq!(page(db, &c, Page::Latest, 10)?.messages[1].text, "It is");
                finish_answer(
                    db,
                    &begun.message_id,
                    &Finish {
                        text: "It is **4**.".into(),
                        status: MessageStatus::Done,
                        error: None,
                        request_id: Some("req-1".into()),
                        html: render_markdown("It is **4**."),
                        ..Finish::plain("", MessageStatus::Done)
                    },
                )?;
                // A late partial save cannot undo the end.
                save_partial(db, &begun.message_id, "It is", "")?;
                set_usage(
                    db,
                    &begun.message_id,
                    &Usage {
                        prompt_tokens: Some(5),
                        completion_tokens: Some(3),
                        reasoning_tokens: None,
                        cost_usd: Some(0.0001),
                        source: UsageSource::Glama,
                    },
                )?;
                let m = &page(db, &c, Page::Latest, 10)?.messages[1];
                assert_eq!(m.text, "It is **4**.");
                assert!(m.html.contains("<strong>4</strong>"), "{}", m.html);
                assert_eq!(m.status, MessageStatus::Done);
                assert_eq!(m.model.as_deref(), Some("model-x"));
                assert_eq!(m.request_id.as_deref(), Some("req-1"));
                assert_eq!(m.usage.as_ref().unwrap().completion_tokens, Some(3));
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
                    begin_answer(db, &c, "m", &Ask::Regenerate),
                    Err(StoreError::Invalid(_))
                ));
                assert!(matches!(
                    begin_answer(db, &c, "m", &Ask::Send { text: " \n".into() }),
                    Err(StoreError::Invalid("Type a message first."))
                ));
                let first = ask_and_finish(db, &c, "q1", "a1");
                let second = ask_and_finish(db, &c, "q2", "a2");
                let regen = begin_answer(db, &c, "m", &Ask::Regenerate)?;
                assert_eq!(regen.history.last().unwrap().content, "q2");
                assert_eq!(regen.history.len(), 3);
                let texts = |db: &Connection| -> Vec<String> {
                    page(db, &c, Page::Latest, 50)
                        .unwrap()
                        .messages
                        .into_iter()
                        .map(|m| m.text)
                        .collect()
                };
                assert_eq!(texts(db), ["q1", "a1", "q2", ""]);
                assert!(!texts(db).contains(&"a2".to_string()), "{:?}", second);

                // An error before any text becomes an error row, left out of what is sent.
                finish_answer(
                    db,
                    &regen.message_id,
                    &Finish {
                        text: String::new(),
                        status: MessageStatus::Error,
                        error: Some(ErrorView {
                            kind: "server".into(),
                            message: "Glama had a problem.".into(),
                        }),
                        request_id: None,
                        html: String::new(),
                        ..Finish::plain("", MessageStatus::Done)
                    },
                )?;
                assert_eq!(page(db, &c, Page::Latest, 50)?.messages[3].role, Author::Error);

                // Editing the first question drops what followed and renames the chat.
                let q1 = first.user_message_id.unwrap();
                let edited = begin_answer(
                    db,
                    &c,
                    "m",
                    &Ask::Edit {
                        message_id: q1.clone(),
                        text: "Q1 again".into(),
                        attachments: vec![],
                    },
                )?;
                assert_eq!(
                    edited.history.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
                    ["Q1 again"]
                );
                assert_eq!(conversations::get(db, &c)?.title, "Q1 again");
                assert!(matches!(
                    begin_answer(
                        db,
                        &c,
                        "m",
                        &Ask::Edit {
                            message_id: edited.message_id.clone(),
                            text: "x".into(),
                            attachments: vec![],
                        }
                    ),
                    Err(StoreError::Invalid("Only your own messages can be edited."))
                ));
                assert!(matches!(
                    begin_answer(
                        db,
                        &c,
                        "m",
                        &Ask::Edit {
                            message_id: "gone".into(),
                            text: "x".into(),
                            attachments: vec![],
                        }
                    ),
                    Err(StoreError::NoSuchMessage)
                ));
                // A renamed chat keeps its name.
                conversations::rename(db, &c, "Mine")?;
                begin_answer(
                    db,
                    &c,
                    "m",
                    &Ask::Edit {
                        message_id: q1,
                        text: "Q1 third".into(),
                        attachments: vec![],
                    },
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
                let b = begin_answer(db, &c, "model-b", &Ask::Send { text: "q2".into() })?;
                finish_answer(
                    db,
                    &b.message_id,
                    &Finish {
                        reasoning: "secret thoughts".into(),
                        stop_reason: Some(StopReason::Length),
                        ..Finish::plain("a2 cut", MessageStatus::Done)
                    },
                )?;
                let go_on = |db: &mut Connection, id: &str| {
                    begin_answer(
                        db,
                        &c,
                        "other-model",
                        &Ask::Continue {
                            message_id: id.to_string(),
                        },
                    )
                };
                // Not an earlier answer, not a question.
                for id in [first.message_id.clone(), b.user_message_id.clone().unwrap()] {
                    assert!(matches!(go_on(db, &id), Err(StoreError::Invalid(_))));
                }
                assert!(matches!(go_on(db, "gone"), Err(StoreError::NoSuchMessage)));
                let begun = go_on(db, &b.message_id)?;
                assert_eq!(begun.message_id, b.message_id, "the same message");
                assert_eq!(begun.model, "model-b", "the answer's own model");
                let sent: Vec<(Role, &str)> = begun.history.iter().map(|m| (m.role, m.content.as_str())).collect();
                assert_eq!(
                    sent,
                    [
                        (Role::System, "Be long."),
                        (Role::User, "q1"),
                        (Role::Assistant, "a1"),
                        (Role::User, "q2"),
                        (Role::Assistant, "a2 cut"),
                        (Role::User, CONTINUE_PROMPT),
                    ]
                );
                let resume = begun.resume.unwrap();
                assert_eq!(
                    (resume.text.as_str(), resume.reasoning.as_str(), resume.stop_reason),
                    ("a2 cut", "secret thoughts", Some(StopReason::Length))
                );
                let m = page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
                assert_eq!((m.status, m.stop_reason), (MessageStatus::Streaming, None));
                // While it streams it cannot be continued again.
                assert!(matches!(go_on(db, &b.message_id), Err(StoreError::Invalid(_))));
                // An answer with no text (cut while thinking) has nothing to go on from.
                let b3 = begin_answer(db, &c, "m", &Ask::Send { text: "q3".into() })?;
                finish_answer(
                    db,
                    &b3.message_id,
                    &Finish {
                        reasoning: "only thoughts".into(),
                        stop_reason: Some(StopReason::Length),
                        ..Finish::plain("", MessageStatus::Done)
                    },
                )?;
                assert!(matches!(go_on(db, &b3.message_id), Err(StoreError::Invalid(_))));
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
                let begun = begin_answer(db, &c, "m", &Ask::Send { text: "tell me".into() })?;
                save_partial(db, &begun.message_id, "Once upon a time", "Thinking *so far*")?;
                Ok((c, begun.message_id))
            })
            .unwrap();
        // The app ends without finishing (as a crash would): the file is opened again.
        drop(store);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let store = Store::open(dir.path()).store;
        let m = store
            .call(move |db| Ok(page(db, &c, Page::Latest, 10)?.messages.pop().unwrap()))
            .unwrap();
        assert_eq!(m.id, id);
        assert_eq!(m.status, MessageStatus::Interrupted);
        assert_eq!(m.text, "Once upon a time");
        assert!(m.html.contains("Once upon a time"));
        assert_eq!(m.reasoning, "Thinking *so far*", "partial reasoning is kept too");
        assert!(m.reasoning_html.contains("<em>so far</em>"), "{}", m.reasoning_html);
    }

    #[test]
    fn pages_of_a_long_conversation() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                for i in 0..120 {
                    ask_and_finish(db, &c, &format!("q{i}"), &format!("a{i}"));
                }
                let latest = page(db, &c, Page::Latest, 50)?;
                assert_eq!(latest.messages.len(), 50);
                assert!(latest.has_older && !latest.has_newer);
                assert_eq!(latest.messages.last().unwrap().text, "a119");
                let older = page(db, &c, Page::Before(latest.messages[0].seq), 50)?;
                assert_eq!(older.messages.last().unwrap().seq + 1, latest.messages[0].seq);
                let oldest = page(db, &c, Page::Before(older.messages[0].seq), 500)?;
                assert!(!oldest.has_older);
                assert_eq!(oldest.messages[0].text, "q0");
                assert_eq!(oldest.messages.len() + 100, 240);

                let target = oldest.messages[10].id.clone();
                let around = page(db, &c, Page::Around(target.clone()), 20)?;
                assert!(around.messages.iter().any(|m| m.id == target));
                assert!(around.has_older && around.has_newer);
                let after = page(db, &c, Page::After(around.messages.last().unwrap().seq), 20)?;
                assert_eq!(after.messages[0].seq, around.messages.last().unwrap().seq + 1);
                assert!(matches!(
                    page(db, &c, Page::Around("nope".into()), 20),
                    Err(StoreError::NoSuchMessage)
                ));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn html_is_rendered_once_and_cached() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let begun = ask_and_finish(db, &c, "q", "*hi*");
                db.execute("UPDATE messages SET html = NULL WHERE id = ?1", [&begun.message_id])?;
                let m = page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
                assert!(m.html.contains("<em>hi</em>"));
                let cached: Option<String> =
                    db.query_row("SELECT html FROM messages WHERE id = ?1", [&begun.message_id], |r| {
                        r.get(0)
                    })?;
                assert_eq!(cached, Some(m.html));
                Ok(())
            })
            .unwrap();
    }
}
