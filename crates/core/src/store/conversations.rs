//! Queries on the `conversations` table.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::assistants::Assistant;
use super::{new_id, now_ms, Result, StoreError};
use crate::gateway::types::Sampling;

/// A conversation as the sidebar and the chat header show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    /// Empty until the first message names it (the window shows "New chat").
    pub title: String,
    pub model: String,
    pub system_prompt: String,
    pub draft: String,
    /// The person's tools are offered to the model in this chat.
    pub tools: bool,
    pub parameters: Parameters,
    /// When the chat outgrows its model's window, only its newest turns that fit are sent.
    pub fit_newest: bool,
    /// The assistant the chat started from, while it exists.
    pub assistant_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a chat sets of how its model answers. Each is sent only when set: a default some
/// provider rejects is never sent for the person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Parameters {
    /// 0 to 2.
    pub temperature: Option<f64>,
    /// Above 0, at most 1.
    pub top_p: Option<f64>,
    /// The answer's length at most, in tokens.
    pub max_tokens: Option<u32>,
    /// For reasoning models.
    pub reasoning_effort: Option<ReasoningEffort>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    Low,
    Medium,
    High,
}

impl ReasoningEffort {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "low" => Some(ReasoningEffort::Low),
            "medium" => Some(ReasoningEffort::Medium),
            "high" => Some(ReasoningEffort::High),
            _ => None,
        }
    }
}

/// The most output tokens a chat may ask for (no model lists more).
pub const MAX_OUTPUT_TOKENS: u32 = 1_000_000;

impl Parameters {
    /// The parameters as a request sends them.
    pub fn sampling(&self) -> Sampling {
        Sampling {
            temperature: self.temperature,
            top_p: self.top_p,
            max_tokens: self.max_tokens,
            reasoning_effort: self.reasoning_effort.map(ReasoningEffort::as_str),
        }
    }

    /// The four parameter columns of a row, from column `at` on (temperature, top_p,
    /// max_tokens, reasoning_effort), as both chats and assistants keep them.
    pub(crate) fn read(r: &Row<'_>, at: usize) -> rusqlite::Result<Parameters> {
        Ok(Parameters {
            temperature: r.get(at)?,
            top_p: r.get(at + 1)?,
            max_tokens: r.get::<_, Option<i64>>(at + 2)?.and_then(|m| u32::try_from(m).ok()),
            reasoning_effort: r
                .get::<_, Option<String>>(at + 3)?
                .as_deref()
                .and_then(ReasoningEffort::parse),
        })
    }

    /// Refuses a value no provider takes, in words naming it.
    pub fn check(&self) -> Result<()> {
        if self.temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
            return Err(StoreError::Invalid("The temperature goes from 0 to 2."));
        }
        if self.top_p.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(StoreError::Invalid("Top-p is above 0 and at most 1."));
        }
        if self.max_tokens.is_some_and(|m| m == 0 || m > MAX_OUTPUT_TOKENS) {
            return Err(StoreError::Invalid(
                "The longest answer is at least 1 token and at most 1,000,000.",
            ));
        }
        Ok(())
    }
}

const COLUMNS: &str =
    "id, title, model, system_prompt, draft, created_at, updated_at, tools, temperature, top_p, max_tokens, reasoning_effort, fit_newest, assistant_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        model: r.get(2)?,
        system_prompt: r.get(3)?,
        draft: r.get(4)?,
        tools: r.get(7)?,
        parameters: Parameters::read(r, 8)?,
        fit_newest: r.get(12)?,
        assistant_id: r.get(13)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// The longest title kept; longer ones are cut (a title is a line in a sidebar).
const MAX_TITLE_CHARS: usize = 200;

/// Newest activity first; deleted ones are left out.
pub fn list(db: &Connection) -> Result<Vec<Conversation>> {
    let mut st = db.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC"
    ))?;
    let rows = st.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(db: &Connection, id: &str) -> Result<Conversation> {
    db.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE id = ?1 AND deleted_at IS NULL"
    ))?
    .query_row([id], from_row)
    .optional()?
    .ok_or(StoreError::NoSuchConversation)
}

pub fn create(db: &Connection, model: &str) -> Result<Conversation> {
    let (id, now) = (new_id(), now_ms());
    db.prepare_cached("INSERT INTO conversations (id, model, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?
        .execute(params![id, model, now])?;
    set_active(db, &id)?;
    get(db, &id)
}

/// Gives chat `id` what `assistant` sets: its system prompt, model (its own, or `default_model`
/// when it names none), tools switch, parameters and window rule.
pub fn apply_assistant(db: &Connection, id: &str, assistant: &Assistant, default_model: &str) -> Result<Conversation> {
    let model = if assistant.model.is_empty() {
        default_model
    } else {
        &assistant.model
    };
    let p = &assistant.parameters;
    changed(db.execute(
        "UPDATE conversations SET assistant_id = ?2, model = ?3, system_prompt = ?4, tools = ?5, temperature = ?6,
         top_p = ?7, max_tokens = ?8, reasoning_effort = ?9, fit_newest = ?10
         WHERE id = ?1 AND deleted_at IS NULL",
        params![
            id,
            assistant.id,
            model,
            assistant.system_prompt,
            assistant.tools,
            p.temperature,
            p.top_p,
            p.max_tokens,
            p.reasoning_effort.map(ReasoningEffort::as_str),
            assistant.fit_newest
        ],
    )?)?;
    get(db, id)
}

/// A new chat that goes on from chat `from` by its model's `summary` of it: the same model,
/// tools, parameters, window rule and assistant, the summary after its system prompt, and
/// `draft` in its composer. It becomes the one reopened at start.
pub fn continue_from_summary(db: &Connection, from: &str, summary: &str, draft: &str) -> Result<Conversation> {
    let old = get(db, from)?;
    let head = match old.title.as_str() {
        "" => "This chat continues an earlier one.".to_string(),
        title => format!("This chat continues an earlier one, “{title}”."),
    };
    let summary = format!("{head} What was said there, as the model summarized it:\n\n{summary}");
    let system_prompt = match old.system_prompt.trim_end() {
        "" => summary,
        own => format!("{own}\n\n{summary}"),
    };
    let new = create(db, &old.model)?;
    let p = &old.parameters;
    db.execute(
        "UPDATE conversations SET system_prompt = ?2, draft = ?3, tools = ?4, temperature = ?5, top_p = ?6,
         max_tokens = ?7, reasoning_effort = ?8, fit_newest = ?9, assistant_id = ?10 WHERE id = ?1",
        params![
            new.id,
            system_prompt,
            draft,
            old.tools,
            p.temperature,
            p.top_p,
            p.max_tokens,
            p.reasoning_effort.map(ReasoningEffort::as_str),
            old.fit_newest,
            old.assistant_id
        ],
    )?;
    get(db, &new.id)
}

/// Makes chat `id` plain again: no assistant, no system prompt, no parameters, tools on, the
/// default model.
pub fn clear_assistant(db: &Connection, id: &str, default_model: &str) -> Result<Conversation> {
    changed(db.execute(
        "UPDATE conversations SET assistant_id = NULL, model = ?2, system_prompt = '', tools = 1, temperature = NULL,
         top_p = NULL, max_tokens = NULL, reasoning_effort = NULL, fit_newest = 0
         WHERE id = ?1 AND deleted_at IS NULL",
        params![id, default_model],
    )?)?;
    get(db, id)
}

/// Renames a chat; from then on its first message no longer names it.
pub fn rename(db: &Connection, id: &str, title: &str) -> Result<Conversation> {
    let title = clean_title(title);
    if title.is_empty() {
        return Err(StoreError::Invalid("A chat needs a name."));
    }
    changed(db.execute(
        "UPDATE conversations SET title = ?2, title_set = 1 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, title],
    )?)?;
    get(db, id)
}

/// Whether the person named the chat (its first message then no longer does).
pub(crate) fn title_set(db: &Connection, id: &str) -> Result<bool> {
    Ok(db.query_row("SELECT title_set FROM conversations WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Names a chat after what was said in it (the person can still rename it).
pub(crate) fn retitle(db: &Connection, id: &str, title: &str) -> Result<()> {
    db.execute("UPDATE conversations SET title = ?2 WHERE id = ?1", params![id, title])?;
    Ok(())
}

/// Deletes a chat so that [`undo_delete`] can bring it back; it is purged at the next start.
pub fn delete(db: &Connection, id: &str) -> Result<()> {
    let now = now_ms();
    // Chats deleted earlier are past their undo: purge them now.
    purge_deleted(db, now)?;
    changed(db.execute(
        "UPDATE conversations SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, now],
    )?)
}

pub fn undo_delete(db: &Connection, id: &str) -> Result<Conversation> {
    changed(db.execute(
        "UPDATE conversations SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
        [id],
    )?)?;
    get(db, id)
}

/// Removes chats deleted before `before` for good (their messages go with them).
pub fn purge_deleted(db: &Connection, before: i64) -> Result<()> {
    db.execute("DELETE FROM conversations WHERE deleted_at < ?1", [before])?;
    Ok(())
}

pub fn set_model(db: &Connection, id: &str, model: &str) -> Result<()> {
    changed(db.execute(
        "UPDATE conversations SET model = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, model],
    )?)
}

pub fn set_system_prompt(db: &Connection, id: &str, prompt: &str) -> Result<()> {
    changed(db.execute(
        "UPDATE conversations SET system_prompt = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, prompt],
    )?)
}

pub fn set_tools(db: &Connection, id: &str, tools: bool) -> Result<()> {
    changed(db.execute(
        "UPDATE conversations SET tools = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, tools],
    )?)
}

/// Whether the chat, once it outgrows its model's window, sends only its newest turns that fit.
pub fn set_fit_newest(db: &Connection, id: &str, fit_newest: bool) -> Result<()> {
    changed(db.execute(
        "UPDATE conversations SET fit_newest = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, fit_newest],
    )?)
}

/// The chat's parameters, all four at once (an unset one is `None`).
pub fn set_parameters(db: &Connection, id: &str, p: &Parameters) -> Result<()> {
    p.check()?;
    changed(db.execute(
        "UPDATE conversations SET temperature = ?2, top_p = ?3, max_tokens = ?4, reasoning_effort = ?5
         WHERE id = ?1 AND deleted_at IS NULL",
        params![
            id,
            p.temperature,
            p.top_p,
            p.max_tokens,
            p.reasoning_effort.map(ReasoningEffort::as_str)
        ],
    )?)
}

/// Keeps what the person is typing, so it survives a restart.
pub fn save_draft(db: &Connection, id: &str, draft: &str) -> Result<()> {
    changed(db.execute(
        "UPDATE conversations SET draft = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, draft],
    )?)
}

/// The conversation open last (opened again at start), if it still exists.
pub fn active(db: &Connection) -> Result<Option<String>> {
    Ok(db
        .query_row(
            "SELECT c.id FROM meta m JOIN conversations c ON c.id = m.value
             WHERE m.key = 'active_conversation' AND c.deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn set_active(db: &Connection, id: &str) -> Result<()> {
    db.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('active_conversation', ?1)")?
        .execute([id])?;
    Ok(())
}

/// A title from the first line of the person's first message, made locally.
pub fn title_from(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

fn clean_title(title: &str) -> String {
    title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect()
}

fn changed(rows: usize) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NoSuchConversation)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn round_trip_and_order_by_activity() {
        let store = Store::in_memory();
        store
            .call(|db| {
                let a = create(db, "model-a")?;
                let b = create(db, "model-b")?;
                assert_eq!(active(db)?, Some(b.id.clone()));
                db.execute(
                    "UPDATE conversations SET updated_at = updated_at + 1000 WHERE id = ?1",
                    [&a.id],
                )?;
                let all = list(db)?;
                assert_eq!(all.iter().map(|c| &c.id).collect::<Vec<_>>(), [&a.id, &b.id]);
                assert_eq!(all[0].model, "model-a");
                assert_eq!(all[0].title, "");

                assert_eq!(rename(db, &a.id, "  Trip\n plans ")?.title, "Trip plans");
                assert!(matches!(rename(db, &a.id, "  "), Err(StoreError::Invalid(_))));
                set_system_prompt(db, &a.id, "Answer in French.")?;
                save_draft(db, &a.id, "half a thought")?;
                set_model(db, &a.id, "model-c")?;
                let a = get(db, &a.id)?;
                assert_eq!(
                    (a.system_prompt.as_str(), a.draft.as_str(), a.model.as_str()),
                    ("Answer in French.", "half a thought", "model-c")
                );
                assert!(matches!(get(db, "nope"), Err(StoreError::NoSuchConversation)));
                assert!(matches!(
                    save_draft(db, "nope", "x"),
                    Err(StoreError::NoSuchConversation)
                ));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn delete_undo_and_purge() {
        let store = Store::in_memory();
        store
            .call(|db| {
                let a = create(db, "m")?;
                delete(db, &a.id)?;
                assert!(list(db)?.is_empty());
                assert_eq!(active(db)?, None, "a deleted chat is not reopened");
                assert_eq!(undo_delete(db, &a.id)?.id, a.id);
                assert_eq!(list(db)?.len(), 1);
                delete(db, &a.id)?;
                purge_deleted(db, now_ms() + 1)?;
                assert!(matches!(undo_delete(db, &a.id), Err(StoreError::NoSuchConversation)));
                let left: i64 = db.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?;
                assert_eq!(left, 0);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn titles() {
        assert_eq!(title_from("\n  How do I sort?\nmore"), "How do I sort?");
        let long = "x".repeat(80);
        assert_eq!(title_from(&long).chars().count(), 61);
        assert_eq!(clean_title(&"y".repeat(500)).chars().count(), MAX_TITLE_CHARS);
    }
}
