//! Assistants: a saved set of system prompt, model, tools switch and parameters under a name,
//! that new chats start from. A person builds one by setting up a chat as they like it and
//! saving it; at most one is the default, which New chat starts from.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::conversations::{self, Conversation, Parameters, ReasoningEffort};
use super::{new_id, now_ms, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assistant {
    pub id: String,
    pub name: String,
    /// Empty: the default model of the day a chat starts.
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub system_prompt: String,
    #[serde(default = "on")]
    pub tools: bool,
    #[serde(default)]
    pub parameters: Parameters,
    #[serde(default)]
    pub fit_newest: bool,
    /// New chat (Ctrl/Cmd+N) starts from it.
    #[serde(default)]
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn on() -> bool {
    true
}

/// What a new chat starts from, as the window asks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Start {
    /// The default assistant, when one is marked; else a plain chat.
    Default,
    /// No assistant: the default model, no system prompt, no parameters.
    Plain,
    Assistant {
        id: String,
    },
}

/// The longest name kept (a name is a line in a menu).
const MAX_NAME_CHARS: usize = 80;

const COLUMNS: &str = "id, name, model, system_prompt, tools, temperature, top_p, max_tokens, reasoning_effort, \
                       fit_newest, is_default, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Assistant> {
    Ok(Assistant {
        id: r.get(0)?,
        name: r.get(1)?,
        model: r.get(2)?,
        system_prompt: r.get(3)?,
        tools: r.get(4)?,
        parameters: Parameters::read(r, 5)?,
        fit_newest: r.get(9)?,
        is_default: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// By name.
pub fn list(db: &Connection) -> Result<Vec<Assistant>> {
    let mut st = db.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM assistants ORDER BY name COLLATE NOCASE, created_at"
    ))?;
    let rows = st.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(db: &Connection, id: &str) -> Result<Assistant> {
    db.prepare_cached(&format!("SELECT {COLUMNS} FROM assistants WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(StoreError::NoSuchAssistant)
}

/// The assistant New chat starts from, if one is marked.
pub fn default(db: &Connection) -> Result<Option<Assistant>> {
    Ok(db
        .prepare_cached(&format!("SELECT {COLUMNS} FROM assistants WHERE is_default = 1"))?
        .query_row([], from_row)
        .optional()?)
}

/// Saves chat `conversation_id`'s settings as a new assistant named `name`; the chat is then
/// its.
pub fn save_from_chat(db: &Connection, conversation_id: &str, name: &str) -> Result<Assistant> {
    let name = clean_name(name)?;
    let chat = conversations::get(db, conversation_id)?;
    let (id, now) = (new_id(), now_ms());
    db.execute(
        "INSERT INTO assistants (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![id, name, now],
    )?;
    write_settings(db, &id, &chat)?;
    link(db, conversation_id, &id)?;
    get(db, &id)
}

/// Saves chat `conversation_id`'s settings into assistant `id` (its name and default mark stay).
pub fn update_from_chat(db: &Connection, id: &str, conversation_id: &str) -> Result<Assistant> {
    let chat = conversations::get(db, conversation_id)?;
    get(db, id)?;
    write_settings(db, id, &chat)?;
    link(db, conversation_id, id)?;
    get(db, id)
}

fn write_settings(db: &Connection, id: &str, chat: &Conversation) -> Result<()> {
    let p = &chat.parameters;
    db.execute(
        "UPDATE assistants SET model = ?2, system_prompt = ?3, tools = ?4, temperature = ?5, top_p = ?6,
         max_tokens = ?7, reasoning_effort = ?8, fit_newest = ?9, updated_at = ?10 WHERE id = ?1",
        params![
            id,
            chat.model,
            chat.system_prompt,
            chat.tools,
            p.temperature,
            p.top_p,
            p.max_tokens,
            p.reasoning_effort.map(ReasoningEffort::as_str),
            chat.fit_newest,
            now_ms()
        ],
    )?;
    Ok(())
}

fn link(db: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    db.execute(
        "UPDATE conversations SET assistant_id = ?2 WHERE id = ?1",
        params![conversation_id, id],
    )?;
    Ok(())
}

pub fn rename(db: &Connection, id: &str, name: &str) -> Result<Assistant> {
    let name = clean_name(name)?;
    found(db.execute(
        "UPDATE assistants SET name = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, name, now_ms()],
    )?)?;
    get(db, id)
}

/// Deletes an assistant; the chats it started keep their settings.
pub fn delete(db: &Connection, id: &str) -> Result<()> {
    found(db.execute("DELETE FROM assistants WHERE id = ?1", [id])?)?;
    db.execute(
        "UPDATE conversations SET assistant_id = NULL WHERE assistant_id = ?1",
        [id],
    )?;
    Ok(())
}

/// Marks `id` as the one New chat starts from (`None`: New chat starts a plain chat).
pub fn set_default(db: &Connection, id: Option<&str>) -> Result<()> {
    if let Some(id) = id {
        get(db, id)?;
    }
    db.execute("UPDATE assistants SET is_default = 0 WHERE is_default = 1", [])?;
    if let Some(id) = id {
        db.execute("UPDATE assistants SET is_default = 1 WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Adds an assistant from an archive, or replaces the one with its id; its default mark is
/// taken only when no other assistant holds it.
pub fn restore(db: &Connection, a: &Assistant) -> Result<()> {
    let name = clean_name(&a.name)?;
    a.parameters.check()?;
    let default_elsewhere = default(db)?.is_some_and(|d| d.id != a.id);
    let p = &a.parameters;
    db.execute(
        "INSERT OR REPLACE INTO assistants (id, name, model, system_prompt, tools, temperature, top_p, max_tokens,
         reasoning_effort, fit_newest, is_default, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            a.id,
            name,
            a.model,
            a.system_prompt,
            a.tools,
            p.temperature,
            p.top_p,
            p.max_tokens,
            p.reasoning_effort.map(ReasoningEffort::as_str),
            a.fit_newest,
            a.is_default && !default_elsewhere,
            a.created_at,
            a.updated_at
        ],
    )?;
    Ok(())
}

/// A chat as `start` says: a new one, or `reuse` (the open chat, when it is still empty) made
/// so. A plain start asked of an empty chat clears what an assistant set in it; a default
/// start with no default assistant leaves it as it is.
pub fn start_chat(db: &Connection, start: &Start, reuse: Option<&str>, default_model: &str) -> Result<Conversation> {
    let assistant = match start {
        Start::Default => default(db)?,
        Start::Plain => None,
        Start::Assistant { id } => Some(get(db, id)?),
    };
    let reused = match reuse {
        Some(id) if is_empty(db, id)? => Some(id.to_string()),
        _ => None,
    };
    let id = match reused {
        Some(id) => {
            conversations::set_active(db, &id)?;
            id
        }
        None => conversations::create(db, default_model)?.id,
    };
    match (assistant, start) {
        (Some(a), _) => conversations::apply_assistant(db, &id, &a, default_model),
        (None, Start::Plain) if reuse.is_some() => conversations::clear_assistant(db, &id, default_model),
        (None, _) => conversations::get(db, &id),
    }
}

/// A chat nothing was said in yet and that the person did not name.
fn is_empty(db: &Connection, id: &str) -> Result<bool> {
    Ok(db
        .query_row(
            "SELECT 1 FROM conversations c WHERE c.id = ?1 AND c.deleted_at IS NULL AND c.title = ''
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)",
            [id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn clean_name(name: &str) -> Result<String> {
    let name: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    if name.is_empty() {
        return Err(StoreError::Invalid("An assistant needs a name."));
    }
    Ok(name)
}

fn found(rows: usize) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NoSuchAssistant)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
