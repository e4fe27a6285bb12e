//! What the model is sent: the conversation as kept, turned into the gateway's wire shape.

use super::tools::{CallRecord, CallStatus, DENIED};
use crate::attach;
use crate::attach::parts::Loaded;
use crate::gateway::tool_calls::ToolCall;
use crate::gateway::types::{ChatMessage, Content, ImageUrl, Part, Role};
use crate::store::answers::Said;
use crate::store::conversations::Parameters;
use crate::store::rows::Author;
use crate::store::tool_calls::images_in_words;

/// One request to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// The tools the model may call (OpenAI's `tools`); none leaves the field out.
    pub tools: Vec<serde_json::Value>,
    /// The chat's parameters; unset ones are left out.
    pub parameters: Parameters,
}

/// What the model is asked after the answer so far, to continue it. A user turn rather than
/// an assistant prefill: prefill is not part of OpenAI's API and many providers refuse a
/// conversation that ends with the assistant.
pub const CONTINUE_PROMPT: &str = "Your previous answer was cut off. Continue it exactly where it stopped, \
even mid-word or mid-sentence: do not repeat anything, and add no preamble or comment.";

/// What a chat that outgrew its model's window asks for, to go on in a new chat.
pub const SUMMARY_PROMPT: &str = "Summarize the conversation above so that it can be continued in a new chat: \
the goal, what was decided or found, what is still open, and any names, numbers, code or quotes the rest \
depends on. Write only the summary.";

/// What the conversation asks of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt<'a> {
    /// Answer the last question.
    Answer,
    /// Go on with `so_far`, an answer that stopped before its end.
    Continue { so_far: &'a str },
    /// Summarize what was said (to start a new chat from).
    Summarize,
}

/// The request for `model`: the system prompt (if any), what was said, and the prompt.
/// `sees_images`: the images tool calls returned are sent after their results.
pub fn request(model: &str, system_prompt: &str, said: &[Said], prompt: Prompt<'_>, sees_images: bool) -> Request {
    let mut messages = Vec::with_capacity(said.len() + 3);
    if !system_prompt.trim().is_empty() {
        messages.push(ChatMessage::new(Role::System, system_prompt));
    }
    for s in said {
        said_messages(s, sees_images, &mut messages);
    }
    match prompt {
        Prompt::Answer => {}
        Prompt::Continue { so_far } => {
            messages.push(ChatMessage::new(Role::Assistant, so_far));
            messages.push(ChatMessage::new(Role::User, CONTINUE_PROMPT));
        }
        Prompt::Summarize => messages.push(ChatMessage::new(Role::User, SUMMARY_PROMPT)),
    }
    Request {
        model: model.to_string(),
        messages,
        tools: Vec::new(),
        parameters: Parameters::default(),
    }
}

/// The messages one thing said becomes: a question, or an answer with its tool rounds.
pub fn said_messages(s: &Said, sees_images: bool, messages: &mut Vec<ChatMessage>) {
    match s.author {
        Author::User => messages.push(ChatMessage::new(
            Role::User,
            attach::parts::content(&s.text, &s.attachments),
        )),
        Author::Assistant | Author::Error => {
            let images = |c: &CallRecord| match s.call_images.get(&c.id) {
                Some(images) if sees_images => images.as_slice(),
                _ => &[],
            };
            answer_with_calls(&s.text, &s.calls, &images, messages);
        }
    }
}

/// An answer as the model wrote it: each tool round's words with its calls, then each call's
/// result (and the images the calls returned, for a model that sees them), then the words
/// after the last round.
fn answer_with_calls<'a>(
    text: &str,
    calls: &'a [CallRecord],
    images: &dyn Fn(&'a CallRecord) -> &'a [Loaded],
    messages: &mut Vec<ChatMessage>,
) {
    let mut at = 0;
    for round in calls.chunk_by(|a, b| a.round == b.round) {
        let end = round[0].text_at.clamp(at, text.len());
        let words = text.get(at..end).unwrap_or("");
        let asked = round
            .iter()
            .map(|c| ToolCall {
                id: c.id.clone(),
                name: c.name.clone(),
                arguments: c.arguments.clone(),
            })
            .collect();
        messages.push(ChatMessage::calls(words, asked));
        let round: Vec<(&CallRecord, &[Loaded])> = round.iter().map(|c| (c, images(c))).collect();
        round_results(&round, messages);
        at = end;
    }
    let rest = text.get(at..).unwrap_or(text);
    if calls.is_empty() || !rest.is_empty() {
        messages.push(ChatMessage::new(Role::Assistant, rest));
    }
}

/// A round's results, one `tool` message per call, then the images they returned in one
/// message of the person's: a `tool` message holds text only (OpenAI's API), so the images
/// come as the next turn, each call's after a line naming it. `images`: what is sent of each
/// call's images (none for a model that cannot see them).
pub(super) fn round_results(round: &[(&CallRecord, &[Loaded])], messages: &mut Vec<ChatMessage>) {
    let mut shown = Vec::new();
    for &(call, images) in round {
        let sent: Vec<&Loaded> = images.iter().filter(|i| i.data.is_some()).collect();
        let mut result = result_for_model(call);
        if let Some(what) = images_in_words(call.images.len()) {
            let note = if sent.len() == call.images.len() {
                format!("[The tool returned {what}: see the next message.]")
            } else {
                format!("[The tool returned {what}, shown to the person; not sent to you.]")
            };
            result = if result.is_empty() {
                note
            } else {
                format!("{result}\n{note}")
            };
        }
        messages.push(ChatMessage::result(&call.id, result));
        if !sent.is_empty() && sent.len() == call.images.len() {
            shown.push((call, sent));
        }
    }
    if shown.is_empty() {
        return;
    }
    let mut content = Vec::new();
    for (call, images) in shown {
        content.push(Part::Text {
            text: format!("The images the tool call {} returned:", call.id),
        });
        for image in images {
            if let Some(data) = &image.data {
                content.push(Part::ImageUrl {
                    image_url: ImageUrl {
                        url: attach::parts::data_url(&image.media_type, data),
                    },
                });
            }
        }
    }
    messages.push(ChatMessage::new(Role::User, Content::Parts(content)));
}

/// Earlier tool rounds as words, for a request that offers no tools: some providers refuse a
/// conversation holding calls and results when the request defines no tools. Each round's
/// calls and results join the answer's own words.
pub fn calls_as_words(messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::with_capacity(messages.len());
    // Whether the last message is an answer whose round is being written out.
    let mut in_round = false;
    for m in messages {
        let words = match m.role {
            Role::Assistant if !m.tool_calls.is_empty() => {
                let said = m.content.as_str().trim();
                let mut words: Vec<String> = (!said.is_empty()).then(|| said.to_string()).into_iter().collect();
                for c in &m.tool_calls {
                    words.push(format!("[Called the tool {} with {}]", c.name, c.arguments));
                }
                words.join("\n\n")
            }
            Role::Tool => format!("[The tool answered: {}]", m.content.as_str()),
            Role::Assistant if in_round => m.content.as_str().to_string(),
            _ => {
                in_round = false;
                out.push(m);
                continue;
            }
        };
        match out.last_mut() {
            Some(last) if in_round => {
                let (before, after) = (last.content.as_str().trim_end(), words.trim());
                let joined = match (before.is_empty(), after.is_empty()) {
                    (_, true) => before.to_string(),
                    (true, false) => after.to_string(),
                    (false, false) => format!("{before}\n\n{after}"),
                };
                *last = ChatMessage::new(Role::Assistant, joined);
            }
            _ => out.push(ChatMessage::new(Role::Assistant, words.trim_start().to_string())),
        }
        // An answer's last words end its round.
        in_round = m.role != Role::Assistant || !m.tool_calls.is_empty();
    }
    out
}

/// What the model is told a call gave, whatever became of it.
pub(super) fn result_for_model(call: &CallRecord) -> String {
    let result = call.result.as_deref().unwrap_or("");
    match call.status {
        CallStatus::Done => result.to_string(),
        CallStatus::Failed => format!("Error: {result}"),
        CallStatus::Denied => DENIED.to_string(),
        CallStatus::Awaiting | CallStatus::Running | CallStatus::Interrupted => {
            "The call was interrupted before it returned a result.".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, round: u32, text_at: usize, status: CallStatus, result: &str) -> CallRecord {
        CallRecord {
            id: id.into(),
            name: "echo".into(),
            label: "fake · echo".into(),
            arguments: "{}".into(),
            status,
            result: Some(result.into()),
            images: Vec::new(),
            round,
            text_at,
        }
    }

    #[test]
    fn without_tools_the_rounds_are_sent_as_words() {
        let answer = Said {
            calls: vec![call("a", 0, 5, CallStatus::Done, "1")],
            ..Said::text(Author::Assistant, "Look. Done.")
        };
        let history = [Said::text(Author::User, "q"), answer, Said::text(Author::User, "q2")];
        let r = request("m", "", &history, Prompt::Answer, false);
        let sent: Vec<(Role, String, usize)> = calls_as_words(r.messages)
            .iter()
            .map(|m| (m.role, m.content.as_str().to_string(), m.tool_calls.len()))
            .collect();
        assert_eq!(
            sent,
            [
                (Role::User, "q".into(), 0),
                (
                    Role::Assistant,
                    "Look.\n\n[Called the tool echo with {}]\n\n[The tool answered: 1]\n\nDone.".into(),
                    0
                ),
                (Role::User, "q2".into(), 0),
            ]
        );
    }

    #[test]
    fn an_answer_with_tool_rounds_is_sent_round_by_round() {
        let answer = Said {
            calls: vec![
                call("a", 0, 5, CallStatus::Done, "1"),
                call("b", 0, 5, CallStatus::Failed, "broke"),
                call("c", 1, 5, CallStatus::Denied, ""),
                call("d", 2, 11, CallStatus::Interrupted, ""),
            ],
            ..Said::text(Author::Assistant, "Look. Again. Done.")
        };
        let r = request("m", "", &[Said::text(Author::User, "q"), answer], Prompt::Answer, false);
        let sent: Vec<(Role, &str, usize, Option<&str>)> = r
            .messages
            .iter()
            .map(|m| {
                (
                    m.role,
                    m.content.as_str(),
                    m.tool_calls.len(),
                    m.tool_call_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            sent,
            [
                (Role::User, "q", 0, None),
                (Role::Assistant, "Look.", 2, None),
                (Role::Tool, "1", 0, Some("a")),
                (Role::Tool, "Error: broke", 0, Some("b")),
                (Role::Assistant, "", 1, None),
                (Role::Tool, DENIED, 0, Some("c")),
                (Role::Assistant, " Again", 1, None),
                (
                    Role::Tool,
                    "The call was interrupted before it returned a result.",
                    0,
                    Some("d")
                ),
                (Role::Assistant, ". Done.", 0, None),
            ]
        );
    }

    #[test]
    fn a_continued_answer_is_sent_as_it_stands_then_asked_to_go_on() {
        let history = [Said::text(Author::User, "q1"), Said::text(Author::Assistant, "a1")];
        let r = request("m", "Be long.", &history, Prompt::Continue { so_far: "a2 cut" }, false);
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
        let r = request("m", " \n", &[Said::text(Author::User, "hi")], Prompt::Answer, false);
        assert_eq!(r.messages.len(), 1);
        assert_eq!(r.messages[0].role, Role::User);
    }
}
