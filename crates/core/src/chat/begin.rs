//! How an answer begins: what the person asked for (send, regenerate, edit, continue) applied
//! to the conversation by its rules, in one transaction, so the question is on disk before the
//! request leaves; and the request it makes.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::Deserialize;

use super::prompt::{self, Prompt, Request};
use super::rules;
use crate::store::answers;
use crate::store::conversations::{self, Conversation};
use crate::store::rows::{self, Author, MessageStatus, StopReason};
use crate::store::{attachments, Result, StoreError};
use crate::usage::Usage;

/// What starts an answer, as the window asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
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
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// Go on with the conversation's last answer (cut at the model's output limit, or stopped
    /// or interrupted), appending to that same message.
    Continue { message_id: String },
}

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

/// An answer whose row is written, and the request that will fill it.
#[derive(Debug, Clone, PartialEq)]
pub struct Begun {
    /// The question the answer follows (everything after it was replaced); `None` when an
    /// answer goes on in place.
    pub question_id: Option<String>,
    pub message_id: String,
    pub request: Request,
    /// Set when an answer is continued.
    pub resume: Option<Resume>,
}

/// Applies `ask` to the conversation and adds the answer's row, written by `model` (a
/// continued answer keeps its own). `sees_images`: the model list says `model` takes images
/// (the images earlier tool calls returned are sent to it again).
pub fn begin(db: &mut Connection, conversation_id: &str, model: &str, ask: &Ask, sees_images: bool) -> Result<Begun> {
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let conversation = conversations::get(&tx, conversation_id)?;
    let begun = match ask {
        Ask::Send { text } => send(&tx, &conversation, text)?,
        Ask::Regenerate => regenerate(&tx, &conversation)?,
        Ask::Edit {
            message_id,
            text,
            attachments,
        } => edit(&tx, &conversation, message_id, text, attachments)?,
        Ask::Continue { message_id } => return continue_answer(tx, &conversation, message_id, model, sees_images),
    };
    let said = answers::before(&tx, conversation_id, begun.answer_seq)?;
    let message_id = answers::add_answer(&tx, conversation_id, begun.answer_seq, model)?;
    tx.commit()?;
    Ok(Begun {
        question_id: Some(begun.question_id),
        message_id,
        request: Request {
            parameters: conversation.parameters,
            ..prompt::request(model, &conversation.system_prompt, &said, Prompt::Answer, sees_images)
        },
        resume: None,
    })
}

/// Where a new answer goes: after this question, at this `seq`.
struct Place {
    question_id: String,
    answer_seq: i64,
}

fn send(tx: &Transaction<'_>, conversation: &Conversation, text: &str) -> Result<Place> {
    let text = question_text(text, attachments::has_drafts(tx, &conversation.id)?)?;
    let seq = rows::last_seq(tx, &conversation.id)? + 1;
    let id = answers::add_question(tx, &conversation.id, seq, text)?;
    name_after_first_question(tx, conversation, &id, text, seq)?;
    Ok(Place {
        question_id: id,
        answer_seq: seq + 1,
    })
}

fn regenerate(tx: &Transaction<'_>, conversation: &Conversation) -> Result<Place> {
    let seq = rows::last_question_seq(tx, &conversation.id)?
        .ok_or(StoreError::Invalid("There is no question to answer again."))?;
    let question = rows::at_seq(tx, &conversation.id, seq)?;
    rows::delete_after(tx, &conversation.id, seq)?;
    Ok(Place {
        question_id: question,
        answer_seq: seq + 1,
    })
}

fn edit(
    tx: &Transaction<'_>,
    conversation: &Conversation,
    message_id: &str,
    text: &str,
    keep: &[String],
) -> Result<Place> {
    let question = rows::get(tx, &conversation.id, message_id)?;
    if question.role != Author::User {
        return Err(StoreError::Invalid("Only your own messages can be edited."));
    }
    attachments::keep_only(tx, message_id, keep)?;
    let text = question_text(text, attachments::has_any(tx, message_id)?)?;
    rows::set_text(tx, message_id, text)?;
    rows::delete_after(tx, &conversation.id, question.seq)?;
    name_after_first_question(tx, conversation, message_id, text, question.seq)?;
    Ok(Place {
        question_id: question.id,
        answer_seq: question.seq + 1,
    })
}

/// Turns the conversation's last answer back to `streaming`; the model is sent the
/// conversation up to it and the answer so far, and asked to go on.
fn continue_answer(
    tx: Transaction<'_>,
    conversation: &Conversation,
    message_id: &str,
    fallback_model: &str,
    sees_images: bool,
) -> Result<Begun> {
    let m = rows::get(&tx, &conversation.id, message_id)?;
    if m.status == MessageStatus::Streaming {
        return Err(StoreError::Invalid("This answer is still being written."));
    }
    let last = m.seq == rows::last_seq(&tx, &conversation.id)?;
    if !last || !rules::continuable(m.role, m.status, m.stop_reason, &m.text) {
        return Err(StoreError::Invalid(
            "Only the last answer, once it has text and stopped before its end, can be continued.",
        ));
    }
    let said = answers::before(&tx, &conversation.id, m.seq)?;
    answers::reopen(&tx, &conversation.id, message_id)?;
    tx.commit()?;
    let model = m.model.filter(|m| !m.is_empty());
    let model = model.as_deref().unwrap_or(fallback_model);
    Ok(Begun {
        question_id: None,
        message_id: m.id,
        request: Request {
            parameters: conversation.parameters,
            ..prompt::request(
                model,
                &conversation.system_prompt,
                &said,
                Prompt::Continue { so_far: &m.text },
                sees_images,
            )
        },
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
fn question_text(text: &str, attached: bool) -> Result<&str> {
    let text = text.trim_end();
    if !attached && text.trim().is_empty() {
        Err(StoreError::Invalid("Type a message first."))
    } else {
        Ok(text)
    }
}

/// The person's first question names a chat they have not named: its words, or else the name
/// of the first file it carries.
fn name_after_first_question(
    tx: &Transaction<'_>,
    conversation: &Conversation,
    question_id: &str,
    text: &str,
    seq: i64,
) -> Result<()> {
    if conversations::title_set(tx, &conversation.id)? || rows::questions_before(tx, &conversation.id, seq)? > 0 {
        return Ok(());
    }
    let words = if text.trim().is_empty() {
        attachments::first_name(tx, question_id)?.unwrap_or_default()
    } else {
        text.to_string()
    };
    conversations::retitle(tx, &conversation.id, &conversations::title_from(&words))
}

#[cfg(test)]
mod attachment_tests;
#[cfg(test)]
mod tests;
