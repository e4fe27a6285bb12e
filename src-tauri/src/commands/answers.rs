//! Answers: the models to answer with, asking for one, taking its events as it streams, Stop.

use glama_core::chat::{AnswerEvent, Ask, ChatError};
use glama_core::gateway::types::ModelInfo;
use glama_core::store::messages::MessageStatus;
use serde::Deserialize;
use tauri::{State, WebviewWindow};

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    let key = state.connector.key().ok_or(ChatError::NotConnected)?;
    let models = state.connector.gateway().models(&key).await;
    Ok(models.inspect_err(|e| state.connector.call_failed(&key, e))?)
}

/// What the window asks for: a new message, the last answer again, an edit, or more of a
/// cut-off answer.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum AskRequest {
    Send {
        text: String,
    },
    Regenerate,
    Edit {
        message_id: String,
        text: String,
        /// The message's attachments it keeps (by id).
        #[serde(default)]
        attachments: Vec<String>,
    },
    Continue {
        message_id: String,
    },
}

/// Streams one answer and resolves when it has ended. Its events wait for the page in the
/// mailbox of `stream`, an id the calling window's page chose (`answer_events`). Its start and
/// its end are told to every window.
#[tauri::command]
pub async fn ask(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
    request: AskRequest,
    stream: String,
) -> Result<MessageStatus, AppError> {
    let ask = match request {
        AskRequest::Send { text } => Ask::Send { text },
        AskRequest::Regenerate => Ask::Regenerate,
        AskRequest::Edit {
            message_id,
            text,
            attachments,
        } => Ask::Edit {
            message_id,
            text,
            attachments,
        },
        AskRequest::Continue { message_id } => Ask::Continue { message_id },
    };
    let connector = state.connector.clone();
    let key = connector.key();
    let used = key.clone();
    let by = Some(window.label());
    let events = state.answer_events.stream(window.label(), &stream);
    let mut started = false;
    let mut emit = |event: AnswerEvent| {
        if let AnswerEvent::Started { conversation_id, .. } = &event {
            started = true;
            state.window_events.conversation_changed(Some(conversation_id), by);
        }
        if let (AnswerEvent::Finished { cause: Some(cause), .. }, Some(used)) = (&event, &used) {
            connector.call_failed(used, cause);
        }
        events.push(event);
    };
    let asked = state
        .chats
        .ask(state.connector.gateway(), key, &conversation_id, &model, ask, &mut emit)
        .await;
    events.close();
    if started {
        state.window_events.conversation_changed(Some(&conversation_id), by);
    }
    Ok(asked?)
}

/// The next events of answer `stream`, once there are some; `None` once it has ended and the
/// page has them all. `painted`: how many updates the page has on screen; when that is all of
/// them, the answer's next update may go (`glama_core::chat::Pace`).
#[tauri::command]
pub async fn answer_events(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    stream: String,
    painted: u64,
) -> Result<Option<Vec<AnswerEvent>>, AppError> {
    let answer = state.answer_events.stream(window.label(), &stream);
    if answer.all_painted(painted) {
        state.chats.shown(&conversation_id);
    }
    let events = answer.take().await;
    if events.is_none() {
        state.answer_events.forget(window.label(), &stream);
    }
    Ok(events)
}

#[tauri::command]
pub fn stop_answer(state: State<'_, AppState>, conversation_id: String) -> bool {
    state.chats.stop(&conversation_id)
}
