//! What the model is sent: the conversation as kept, turned into the gateway's wire shape.

use crate::attach;
use crate::gateway::types::{ChatMessage, Role};
use crate::store::answers::Said;
use crate::store::rows::Author;

/// One request to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// The tools the model may call (OpenAI's `tools`); none leaves the field out.
    pub tools: Vec<serde_json::Value>,
}

/// What the model is asked after the answer so far, to continue it. A user turn rather than
/// an assistant prefill: prefill is not part of OpenAI's API and many providers refuse a
/// conversation that ends with the assistant.
pub const CONTINUE_PROMPT: &str = "Your previous answer was cut off. Continue it exactly where it stopped, \
even mid-word or mid-sentence: do not repeat anything, and add no preamble or comment.";

/// What the conversation asks of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt<'a> {
    /// Answer the last question.
    Answer,
    /// Go on with `so_far`, an answer that stopped before its end.
    Continue { so_far: &'a str },
}

/// The request for `model`: the system prompt (if any), what was said, and the prompt.
pub fn request(model: &str, system_prompt: &str, said: &[Said], prompt: Prompt<'_>) -> Request {
    let mut messages = Vec::with_capacity(said.len() + 3);
    if !system_prompt.trim().is_empty() {
        messages.push(ChatMessage::new(Role::System, system_prompt));
    }
    messages.extend(said.iter().map(|s| {
        let role = match s.author {
            Author::User => Role::User,
            Author::Assistant | Author::Error => Role::Assistant,
        };
        ChatMessage::new(role, attach::parts::content(&s.text, &s.attachments))
    }));
    if let Prompt::Continue { so_far } = prompt {
        messages.push(ChatMessage::new(Role::Assistant, so_far));
        messages.push(ChatMessage::new(Role::User, CONTINUE_PROMPT));
    }
    Request {
        model: model.to_string(),
        messages,
        tools: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(author: Author, text: &str) -> Said {
        Said {
            author,
            text: text.into(),
            attachments: vec![],
        }
    }

    #[test]
    fn a_continued_answer_is_sent_as_it_stands_then_asked_to_go_on() {
        let history = [said(Author::User, "q1"), said(Author::Assistant, "a1")];
        let r = request("m", "Be long.", &history, Prompt::Continue { so_far: "a2 cut" });
        let sent: Vec<(Role, &str)> = r.messages.iter().map(|m| (m.role, m.content.as_str())).collect();
        assert_eq!(
            sent,
            [
                (Role::System, "Be long."),
                (Role::User, "q1"),
                (Role::Assistant, "a1"),
                (Role::Assistant, "a2 cut"),
                (Role::User, CONTINUE_PROMPT),
            ]
        );
        assert_eq!(r.model, "m");
    }

    #[test]
    fn a_blank_system_prompt_is_not_sent() {
        let r = request("m", " \n", &[said(Author::User, "hi")], Prompt::Answer);
        assert_eq!(r.messages.len(), 1);
        assert_eq!(r.messages[0].role, Role::User);
    }
}
