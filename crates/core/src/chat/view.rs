//! Messages as the window draws them: answers rendered to sanitized HTML (kept once rendered),
//! and what each one offers, by the conversation's rules.

use rusqlite::Connection;
use serde::Serialize;

use super::rules;
use crate::render::{render_markdown, RENDER_VERSION};
use crate::store::attachments::AttachmentView;
use crate::store::paging::{self, Page};
use crate::store::rows::{self, Author, ErrorView, MessageRow, MessageStatus, Rendered, StopReason};
use crate::store::tool_calls::{self, CallRecord};
use crate::store::versions::{self, Versions};
use crate::store::Result;
use crate::usage::Usage;

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
    /// An answer's tool calls, in order, with what became of each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<CallRecord>,
    /// Continue is offered on it, when it is the conversation's last message.
    pub continuable: bool,
    /// Where it stands among its versions, when it has others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Versions>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_older: bool,
    pub has_newer: bool,
}

/// Messages per page: enough to fill a tall window, few enough to open at once.
pub const PAGE_SIZE: usize = 40;

/// One page of a conversation, oldest first. Answers whose HTML is not kept (imported,
/// interrupted, rendered by an older version) are rendered once here and kept. A page around a
/// message of another version (a search result) opens that version first.
pub fn page(db: &Connection, conversation_id: &str, page: Page, limit: usize) -> Result<MessagePage> {
    if let Page::Around(id) = &page {
        versions::open(db, conversation_id, id)?;
    }
    let rows = paging::page(db, conversation_id, page, limit)?;
    let answers: Vec<i64> = rows
        .rows
        .iter()
        .filter(|r| r.role == Author::Assistant)
        .map(|r| r.num)
        .collect();
    let mut calls = tool_calls::of_messages(db, &answers)?;
    let mut fresh = Vec::new();
    let mut messages = Vec::with_capacity(rows.rows.len());
    for row in rows.rows {
        let tool_calls = calls.remove(&row.num).unwrap_or_default();
        let versions = versions::of_message(db, conversation_id, &row.id, row.parent_id.as_deref())?;
        let (message, rendered) = message(row);
        fresh.extend(rendered);
        messages.push(Message {
            tool_calls,
            versions,
            ..message
        });
    }
    rows::cache_html(db, &fresh)?;
    Ok(MessagePage {
        messages,
        has_older: rows.has_older,
        has_newer: rows.has_newer,
    })
}

/// Reasoning through the same safe renderer as answers; none renders as nothing.
pub fn render_reasoning(reasoning: &str) -> String {
    if reasoning.is_empty() {
        String::new()
    } else {
        render_markdown(reasoning)
    }
}

/// An answer's text and reasoning rendered by this version of the renderer.
pub fn render(text: &str, reasoning: &str) -> Rendered {
    Rendered {
        html: render_markdown(text),
        reasoning_html: Some(render_reasoning(reasoning)),
        version: RENDER_VERSION as i64,
    }
}

/// The row as the window draws it, and its HTML if it had to be rendered again and is worth
/// keeping (not while it still streams).
fn message(row: MessageRow) -> (Message, Option<(i64, Rendered)>) {
    let kept = row
        .html
        .clone()
        .filter(|r| r.version == RENDER_VERSION as i64 && (row.reasoning.is_empty() || r.reasoning_html.is_some()));
    let (rendered, fresh) = match (row.role, kept) {
        (Author::Assistant, Some(kept)) => (kept, None),
        (Author::Assistant, None) => {
            let made = render(&row.text, &row.reasoning);
            let keep = (row.status != MessageStatus::Streaming).then(|| (row.num, made.clone()));
            (made, keep)
        }
        // Questions are shown as text, error rows by their error: nothing to render.
        (Author::User | Author::Error, _) => (
            Rendered {
                html: String::new(),
                reasoning_html: None,
                version: RENDER_VERSION as i64,
            },
            None,
        ),
    };
    let continuable = rules::continuable(row.role, row.status, row.stop_reason, &row.text);
    let message = Message {
        id: row.id,
        seq: row.seq,
        role: row.role,
        text: row.text,
        html: rendered.html,
        reasoning: row.reasoning,
        reasoning_html: rendered.reasoning_html.unwrap_or_default(),
        reasoning_ms: row.reasoning_ms,
        status: row.status,
        stop_reason: row.stop_reason,
        refusal: row.refusal,
        error: row.error,
        model: row.model,
        usage: row.usage,
        request_id: row.request_id,
        created_at: row.created_at,
        attachments: row.attachments,
        tool_calls: Vec::new(),
        continuable,
        versions: None,
    };
    (message, fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::answers::{self, Finish};
    use crate::store::{conversations, Store};

    fn answered(db: &Connection, c: &str, q: &str, a: &str, finish: impl FnOnce(&mut Finish)) -> String {
        let seq = rows::last_seq(db, c).unwrap();
        answers::add_question(db, c, seq + 1, q).unwrap();
        let id = answers::add_answer(db, c, seq + 2, "m").unwrap();
        let mut end = Finish::done(a.into(), render(a, ""));
        finish(&mut end);
        answers::finish_answer(db, &id, &end).unwrap();
        id
    }

    #[test]
    fn html_is_rendered_once_and_kept() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let id = answered(db, &c, "q", "*hi*", |_| {});
                db.execute("UPDATE messages SET html = NULL WHERE id = ?1", [&id])?;
                let m = page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
                assert!(m.html.contains("<em>hi</em>"));
                let kept: Option<String> =
                    db.query_row("SELECT html FROM messages WHERE id = ?1", [&id], |r| r.get(0))?;
                assert_eq!(kept, Some(m.html));
                // Made by an older renderer: made again.
                db.execute(
                    "UPDATE messages SET html = 'old', html_version = 1 WHERE id = ?1",
                    [&id],
                )?;
                let m = page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
                assert!(m.html.contains("<em>hi</em>"), "{}", m.html);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn an_interrupted_answer_is_rendered_with_its_reasoning() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                answers::add_question(db, &c, 1, "tell me")?;
                let id = answers::add_answer(db, &c, 2, "m")?;
                answers::save_partial(db, &id, "Once upon a time", "Thinking *so far*")?;
                answers::mark_interrupted(db)?;
                let m = page(db, &c, Page::Latest, 10)?.messages.pop().unwrap();
                assert_eq!(m.status, MessageStatus::Interrupted);
                assert!(m.html.contains("Once upon a time"));
                assert!(m.reasoning_html.contains("<em>so far</em>"), "{}", m.reasoning_html);
                assert!(m.continuable, "an interrupted answer with text goes on");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn each_message_says_whether_it_can_go_on() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                answered(db, &c, "q1", "whole", |_| {});
                answered(db, &c, "q2", "cut", |f| f.stop_reason = Some(StopReason::Length));
                let offered: Vec<(Author, bool)> = page(db, &c, Page::Latest, 10)?
                    .messages
                    .iter()
                    .map(|m| (m.role, m.continuable))
                    .collect();
                assert_eq!(
                    offered,
                    [
                        (Author::User, false),
                        (Author::Assistant, false),
                        (Author::User, false),
                        (Author::Assistant, true)
                    ]
                );
                Ok(())
            })
            .unwrap();
    }
}
