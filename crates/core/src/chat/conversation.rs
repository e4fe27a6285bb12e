//! Conversations in memory: the messages, and the edits that regenerate and edit-and-resend make.

use serde::Serialize;

use crate::gateway::types::{ChatMessage, Role, Usage};
use crate::render::render_markdown;

/// Who a message is from; `Error` rows say why an answer could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    User,
    Assistant,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Streaming,
    Done,
    Stopped,
    Error,
}

/// An error as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorView {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: u64,
    pub author: Author,
    pub text: String,
    pub status: MessageStatus,
    pub usage: Option<Usage>,
    pub error: Option<ErrorView>,
}

/// A message as the UI draws it (assistant text already rendered to safe HTML).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: u64,
    pub role: Author,
    pub text: String,
    pub html: String,
    pub status: MessageStatus,
    pub usage: Option<Usage>,
    pub error: Option<ErrorView>,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            role: m.author,
            html: if m.author == Author::Assistant {
                render_markdown(&m.text)
            } else {
                String::new()
            },
            text: m.text.clone(),
            status: m.status,
            usage: m.usage.clone(),
            error: m.error.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: u64,
    pub title: String,
    pub model: String,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: u64,
    pub title: String,
    pub model: String,
    pub messages: Vec<Message>,
    /// Ids are never reused: a late event about a removed answer must not land on its successor.
    last_message_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("That message is no longer in this conversation.")]
    NoSuchMessage,
    #[error("Only your own messages can be edited.")]
    NotAUserMessage,
    #[error("There is no question to answer again.")]
    NothingToRegenerate,
    #[error("Type a message first.")]
    EmptyMessage,
}

impl Conversation {
    pub fn new(id: u64, model: String) -> Self {
        Self {
            id,
            title: "New chat".into(),
            model,
            messages: Vec::new(),
            last_message_id: 0,
        }
    }

    pub fn summary(&self) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            title: self.title.clone(),
            model: self.model.clone(),
        }
    }

    fn push(&mut self, author: Author, text: String, status: MessageStatus) -> u64 {
        self.last_message_id += 1;
        let id = self.last_message_id;
        self.messages.push(Message {
            id,
            author,
            text,
            status,
            usage: None,
            error: None,
        });
        id
    }

    /// Adds the person's message; the first one names the conversation.
    pub fn push_user(&mut self, text: &str) -> Result<u64, EditError> {
        let text = text.trim_end();
        if text.trim().is_empty() {
            return Err(EditError::EmptyMessage);
        }
        if !self.messages.iter().any(|m| m.author == Author::User) {
            self.title = title_from(text);
        }
        Ok(self.push(Author::User, text.to_string(), MessageStatus::Done))
    }

    /// Adds an empty assistant message that the stream will fill.
    pub fn start_answer(&mut self) -> u64 {
        self.push(Author::Assistant, String::new(), MessageStatus::Streaming)
    }

    /// Removes the last answer (and any error row) so the last question can be asked again.
    pub fn drop_last_answer(&mut self) -> Result<(), EditError> {
        let last_user = self
            .messages
            .iter()
            .rposition(|m| m.author == Author::User)
            .ok_or(EditError::NothingToRegenerate)?;
        self.messages.truncate(last_user + 1);
        Ok(())
    }

    /// Replaces a message of the person's and drops everything after it.
    pub fn edit_user(&mut self, id: u64, text: &str) -> Result<(), EditError> {
        let text = text.trim_end();
        if text.trim().is_empty() {
            return Err(EditError::EmptyMessage);
        }
        let at = self
            .messages
            .iter()
            .position(|m| m.id == id)
            .ok_or(EditError::NoSuchMessage)?;
        if self.messages[at].author != Author::User {
            return Err(EditError::NotAUserMessage);
        }
        self.messages[at].text = text.to_string();
        self.messages.truncate(at + 1);
        if !self.messages[..at].iter().any(|m| m.author == Author::User) {
            self.title = title_from(text);
        }
        Ok(())
    }

    pub fn message_mut(&mut self, id: u64) -> Option<&mut Message> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// What the model is sent: the person's messages and the answers so far (partial ones
    /// included, as the person saw them), without error rows or the answer being streamed.
    pub fn history(&self) -> Vec<ChatMessage> {
        self.messages
            .iter()
            .filter(|m| m.status != MessageStatus::Streaming && !m.text.is_empty())
            .filter_map(|m| {
                let role = match m.author {
                    Author::User => Role::User,
                    Author::Assistant => Role::Assistant,
                    Author::Error => return None,
                };
                Some(ChatMessage {
                    role,
                    content: m.text.clone(),
                })
            })
            .collect()
    }
}

fn title_from(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(c: &mut Conversation, q: &str, a: &str) {
        c.push_user(q).unwrap();
        let id = c.start_answer();
        let m = c.message_mut(id).unwrap();
        m.text = a.into();
        m.status = MessageStatus::Done;
    }

    #[test]
    fn history_and_regenerate() {
        let mut c = Conversation::new(1, "m".into());
        answered(&mut c, "q1", "a1");
        answered(&mut c, "q2", "a2");
        assert_eq!(c.title, "q1");
        assert_eq!(c.history().len(), 4);
        let dropped = c.messages.last().unwrap().id;
        c.drop_last_answer().unwrap();
        let h = c.history();
        assert_eq!(h.len(), 3);
        assert_eq!(h.last().unwrap().content, "q2");
        let streaming = c.start_answer();
        assert!(streaming > dropped, "ids are never reused");
        assert_eq!(c.history().len(), 3, "the answer being streamed is not sent");
        assert!(c.message_mut(streaming).is_some());
    }

    #[test]
    fn edit_replaces_and_truncates() {
        let mut c = Conversation::new(1, "m".into());
        answered(&mut c, "q1", "a1");
        answered(&mut c, "q2", "a2");
        let q1 = c.messages[0].id;
        c.edit_user(q1, "Q1 edited").unwrap();
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].text, "Q1 edited");
        assert_eq!(c.title, "Q1 edited");
        assert_eq!(c.edit_user(99, "x"), Err(EditError::NoSuchMessage));
        assert_eq!(c.edit_user(q1, "  "), Err(EditError::EmptyMessage));
        let a = c.start_answer();
        assert_eq!(c.edit_user(a, "x"), Err(EditError::NotAUserMessage));
    }

    #[test]
    fn empty_conversation_cannot_regenerate() {
        let mut c = Conversation::new(1, "m".into());
        assert_eq!(c.drop_last_answer(), Err(EditError::NothingToRegenerate));
        assert_eq!(c.push_user(" \n "), Err(EditError::EmptyMessage));
    }
}
