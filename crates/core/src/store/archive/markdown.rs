//! One conversation as Markdown, for reading (the JSON archive is for importing back), written
//! a message at a time.

use super::ArchivedMessage;
use crate::store::rows::{Author, MessageStatus, StopReason};
use crate::store::tool_calls::{images_in_words, CallRecord, CallStatus};

/// A conversation's heading: its title, model and system prompt.
pub fn head(title: &str, model: &str, system_prompt: &str) -> String {
    let title = if title.is_empty() { "New chat" } else { title };
    let mut out = format!("# {title}\n\n");
    if !model.is_empty() {
        out.push_str(&format!("Model: `{model}`\n\n"));
    }
    if !system_prompt.trim().is_empty() {
        out.push_str(&format!("**System prompt:**\n\n{}\n\n", system_prompt.trim_end()));
    }
    out
}

/// One message under who wrote it.
pub fn message(m: &ArchivedMessage) -> String {
    let mut out = String::new();
    let who = match m.role {
        Author::User => "You",
        Author::Assistant => "Assistant",
        Author::Error => "Error",
    };
    out.push_str(&format!("---\n\n**{who}:**\n\n"));
    if !m.reasoning.trim().is_empty() {
        // A quote, so the reasoning reads apart from the answer in any viewer.
        let took = m
            .reasoning_ms
            .map(|ms| format!(" for {}", duration_words(ms)))
            .unwrap_or_default();
        out.push_str(&format!("> _Thought{took}:_\n>\n"));
        for line in m.reasoning.trim_end().lines() {
            out.push_str(if line.is_empty() { ">" } else { "> " });
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    let body = match (&m.role, &m.error) {
        (Author::Error, Some(e)) => e.message.as_str(),
        _ => m.content.trim_end(),
    };
    if !body.is_empty() {
        out.push_str(body);
        out.push_str("\n\n");
    }
    for c in &m.tool_calls {
        // The export carries a call's images beside it, with their bytes.
        let images = m.tool_images.iter().filter(|i| i.call_id == c.id).count();
        out.push_str(&tool_call(c, images));
    }
    for a in &m.attachments {
        // Named, not embedded: the JSON export carries the files themselves.
        out.push_str(&format!("_(attached: {})_\n\n", a.name));
    }
    if let Some(refusal) = &m.refusal {
        out.push_str(&format!("_(the model declined: {})_\n\n", refusal.trim()));
    }
    match m.stop_reason {
        Some(StopReason::Length) => out.push_str("_(cut off at the model's output limit)_\n\n"),
        Some(StopReason::ContentFilter) => out.push_str("_(stopped by the provider's content filter)_\n\n"),
        None => {}
    }
    let note = match m.status {
        MessageStatus::Stopped => Some("stopped"),
        MessageStatus::Interrupted => Some("interrupted"),
        MessageStatus::Error if m.role == Author::Assistant => Some("cut off by an error"),
        _ => None,
    };
    if let Some(note) = note {
        out.push_str(&format!("_({note})_\n\n"));
    }
    out
}

/// A tool call as a quote: the tool, its arguments and what it gave, in code spans and blocks
/// so nothing in them reads as Markdown. (The words of the answer are written whole above.)
fn tool_call(c: &CallRecord, images: usize) -> String {
    let status = match c.status {
        CallStatus::Done => "done",
        CallStatus::Failed => "failed",
        CallStatus::Denied => "declined",
        CallStatus::Awaiting | CallStatus::Running | CallStatus::Interrupted => "interrupted",
    };
    let mut out = format!("> _Tool call ({status}):_ `{}`\n>\n", c.label.replace('`', "'"));
    let block = |text: &str| {
        let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
        let mut quoted = format!("> {fence}\n");
        for line in text.trim_end().lines() {
            quoted.push_str("> ");
            quoted.push_str(line);
            quoted.push('\n');
        }
        quoted.push_str(&format!("> {fence}\n"));
        quoted
    };
    out.push_str(&block(&c.arguments));
    if let Some(result) = c.result.as_deref().filter(|r| !r.trim().is_empty()) {
        out.push_str(">\n");
        out.push_str(&block(result));
    }
    if let Some(what) = images_in_words(images) {
        out.push_str(&format!(
            ">\n> _It returned {what} (in the app, and in the JSON export)._\n"
        ));
    }
    out.push('\n');
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `42 s`, `3 min 5 s`: how long a model thought, as the window says it.
fn duration_words(ms: u64) -> String {
    let secs = ms.div_ceil(1000).max(1);
    if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min {} s", secs / 60, secs % 60)
    }
}
