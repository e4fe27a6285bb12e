//! How an answer begins: what the person asked for (send, regenerate, edit, continue) applied
//! to the conversation by its rules, in one transaction, so the question is on disk before the
//! request leaves; and the request it makes.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::Deserialize;

use super::context::{self, Fit, Overflow};
use super::prompt::{self, Prompt, Request};
use super::rules;
use crate::store::answers::{self, Said};
use crate::store::conversations::{self, Conversation};
use crate::store::rows::{self, Author, MessageStatus, StopReason};
use crate::store::versions::{self, Versions};
use crate::store::{attachments, Result, StoreError};
use crate::usage::Usage;

/// What starts an answer, as the window asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Ask {
    /// A new message from the person, with what waits in the chat's composer (its draft
    /// attachments).
    Send { text: String },
    /// Answer the last question again, beside the answer it had (also "Retry" after an error
    /// or an interruption).
    Regenerate,
    /// A new version of one of the person's messages, answered; the message and what followed
    /// it are kept as the earlier version. The new one carries those of its attachments listed
    /// in `attachments` (by id).
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
    /// Where the question and the answer stand among their versions, when they have others.
    pub question_versions: Option<Versions>,
    pub answer_versions: Option<Versions>,
    pub request: Request,
    /// Set when an answer is continued.
    pub resume: Option<Resume>,
}

/// Applies `ask` to the conversation and adds the answer's row, written by `model` (a
/// continued answer keeps its own), when the request fits the model's window (`fit`). When it
/// does not, nothing is written and the overflow is said (`Ok(Err(_))`): the person is told
/// before anything is sent.
pub fn begin(
    db: &mut Connection,
    conversation_id: &str,
    model: &str,
    ask: &Ask,
    fit: &Fit,
) -> Result<std::result::Result<Begun, Overflow>> {
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
        Ask::Continue { message_id } => return continue_answer(tx, &conversation, message_id, model, fit),
    };
    let said = answers::before(&tx, conversation_id, begun.answer_seq)?;
    // Dropped without a commit, the transaction leaves the chat as it was.
    let sent = match fitted(&conversation, &said, model, Prompt::Answer, fit) {
        Ok(fitted) => fitted,
        Err(overflow) => return Ok(Err(overflow)),
    };
    let message_id = answers::add_answer(&tx, conversation_id, begun.answer_seq, model)?;
    let question = rows::get(&tx, conversation_id, &begun.question_id)?;
    let question_versions = versions::of_message(&tx, conversation_id, &question.id, question.parent_id.as_deref())?;
    let answer_versions = versions::of_message(&tx, conversation_id, &message_id, Some(&question.id))?;
    tx.commit()?;
    Ok(Ok(Begun {
        question_id: Some(begun.question_id),
        message_id,
        question_versions,
        answer_versions,
        request: Request {
            parameters: conversation.parameters,
            ..prompt::request(
                model,
                &conversation.system_prompt,
                sent.said,
                Prompt::Answer,
                fit.sees_images,
            )
        },
        resume: None,
    }))
}

/// How much of the model's window a chat's next request would fill.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Measure {
    /// The request's estimated size, in tokens: what would be sent (the newest turns that fit,
    /// in a chat that sends those).
    pub used: u64,
    /// The model's window, when the model list says.
    pub limit: Option<u64>,
    /// The message where the model's view would begin, when older turns are left out.
    pub from: Option<String>,
}

/// The chat's next request, with `draft` and what waits attached in the composer as its
/// question, measured against `fit` (the meter beside the composer).
pub fn measure(db: &Connection, conversation_id: &str, model: &str, draft: &str, fit: &Fit) -> Result<Measure> {
    let conversation = conversations::get(db, conversation_id)?;
    let mut said = answers::before(db, conversation_id, i64::MAX)?;
    let attached = attachments::drafts_to_measure(db, conversation_id)?;
    if !draft.trim().is_empty() || !attached.is_empty() {
        said.push(Said {
            id: String::new(),
            author: Author::User,
            text: draft.to_string(),
            attachments: attached,
            calls: Vec::new(),
            call_images: Default::default(),
            counted: None,
        });
    }
    let (used, from) = match fitted(&conversation, &said, model, Prompt::Answer, fit) {
        // The draft has no id: a view that begins with it marks no message.
        Ok(fitted) => (fitted.tokens, fitted.from.filter(|id| !id.is_empty())),
        Err(overflow) => (overflow.needed, None),
    };
    Ok(Measure {
        used,
        limit: fit.window,
        from,
    })
}

/// The request that asks `model` for a summary of the chat, to start a new one from: its
/// newest turns that fit `fit` (whatever the chat's own rule; the system prompt always), no
/// tools, the model's default parameters. `None` when nothing was said yet, or not even the
/// newest turn fits.
pub fn summary_request(db: &Connection, conversation_id: &str, model: &str, fit: &Fit) -> Result<Option<Request>> {
    let conversation = Conversation {
        fit_newest: true,
        ..conversations::get(db, conversation_id)?
    };
    let said = answers::before(db, conversation_id, i64::MAX)?;
    if said.is_empty() {
        return Ok(None);
    }
    let Ok(sent) = fitted(&conversation, &said, model, Prompt::Summarize, fit) else {
        return Ok(None);
    };
    let request = prompt::request(
        model,
        &conversation.system_prompt,
        sent.said,
        Prompt::Summarize,
        fit.sees_images,
    );
    Ok(Some(Request {
        messages: prompt::calls_as_words(request.messages),
        ..request
    }))
}

/// What is sent of what was said.
struct Fitted<'s> {
    said: &'s [Said],
    /// The message where the model's view begins, when older turns are left out.
    from: Option<String>,
    /// The request's estimated size.
    tokens: u64,
}

/// What is sent of `said`: all of it when the request fits the model's window (or the window
/// is not known); when it does not and the chat sends its newest turns, those that fit (whole
/// turns, so a tool call stays with its result; the system prompt always).
fn fitted<'s>(
    conversation: &Conversation,
    said: &'s [Said],
    model: &str,
    prompt: Prompt<'_>,
    fit: &Fit,
) -> std::result::Result<Fitted<'s>, Overflow> {
    let sizes: Vec<u64> = said
        .iter()
        .map(|s| {
            let mut messages = Vec::new();
            prompt::said_messages(s, fit.sees_images, &mut messages);
            context::tokens(&messages)
        })
        .collect();
    // The system prompt, what the prompt adds (an answer being continued) and the tools.
    let fixed = context::tokens(&prompt::request(model, &conversation.system_prompt, &[], prompt, false).messages)
        .saturating_add(fit.reserved);
    // Counted as the gateway counts.
    let scale = context::Scale::from_counted(said, &sizes, fixed, model);
    let sizes: Vec<u64> = sizes.into_iter().map(|n| scale.apply(n)).collect();
    let fixed = scale.apply(fixed);
    let needed = fixed.saturating_add(sizes.iter().sum());
    let all = Fitted {
        said,
        from: None,
        tokens: needed,
    };
    let Some(window) = fit.window.filter(|&w| needed > w) else {
        return Ok(all);
    };
    let starts: Vec<usize> = (0..said.len()).filter(|&i| said[i].author == Author::User).collect();
    match context::newest_that_fit(&sizes, &starts, fixed, window) {
        Some(start) if conversation.fit_newest => Ok(Fitted {
            said: &said[start..],
            from: Some(said[start].id.clone()),
            tokens: fixed.saturating_add(sizes[start..].iter().sum()),
        }),
        Some(_) => Err(Overflow {
            needed,
            window,
            last_turn_alone: false,
        }),
        None => Err(Overflow {
            needed: fixed.saturating_add(sizes[starts.last().copied().unwrap_or(0)..].iter().sum()),
            window,
            last_turn_alone: true,
        }),
    }
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

/// A new answer to the last question, beside the one it had (kept as a version). An error row
/// only says why an answer could not start: it is replaced, not kept.
fn regenerate(tx: &Transaction<'_>, conversation: &Conversation) -> Result<Place> {
    let seq = rows::last_question_seq(tx, &conversation.id)?
        .ok_or(StoreError::Invalid("There is no question to answer again."))?;
    let question = rows::at_seq(tx, &conversation.id, seq)?;
    if rows::error_at(tx, &conversation.id, seq + 1)? {
        rows::delete_after(tx, &conversation.id, seq)?;
    } else {
        versions::shelve_from(tx, &conversation.id, seq + 1)?;
    }
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
    if question.seq < 1 {
        return Err(StoreError::Invalid(
            "This message is in another version; open that version first.",
        ));
    }
    // The question and what followed it stay as a version; the edit goes beside it.
    versions::shelve_from(tx, &conversation.id, question.seq)?;
    let id = answers::add_edited_question(tx, &conversation.id, question.seq, text.trim_end(), message_id, keep)?;
    question_text(text, attachments::has_any(tx, &id)?)?;
    name_after_first_question(tx, conversation, &id, text.trim_end(), question.seq)?;
    Ok(Place {
        question_id: id,
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
    fit: &Fit,
) -> Result<std::result::Result<Begun, Overflow>> {
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
    let model = m.model.clone().filter(|m| !m.is_empty());
    let model = model.as_deref().unwrap_or(fallback_model);
    let so_far = Prompt::Continue { so_far: &m.text };
    let sent = match fitted(conversation, &said, model, so_far.clone(), fit) {
        Ok(fitted) => fitted,
        Err(overflow) => return Ok(Err(overflow)),
    };
    answers::reopen(&tx, &conversation.id, message_id)?;
    tx.commit()?;
    let request = Request {
        parameters: conversation.parameters,
        ..prompt::request(model, &conversation.system_prompt, sent.said, so_far, fit.sees_images)
    };
    Ok(Ok(Begun {
        question_id: None,
        message_id: m.id,
        question_versions: None,
        answer_versions: None,
        request,
        resume: Some(Resume {
            text: m.text,
            reasoning: m.reasoning,
            reasoning_ms: m.reasoning_ms,
            usage: m.usage,
            stop_reason: m.stop_reason,
        }),
    }))
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
