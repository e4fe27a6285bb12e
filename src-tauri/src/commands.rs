//! Commands: thin adapters from the window's intents to `glama-core`. None of them returns
//! the API key; connection status carries only its masked tail.

use glama_core::chat::view::MessagePage;
use glama_core::chat::{AnswerEvent, Ask, ChatError, Glama};
use glama_core::connect::Status;
use glama_core::gateway::types::ModelInfo;
use glama_core::gateway::GatewayError;
use glama_core::settings::Settings;
use glama_core::store::archive::{self, ImportReport};
use glama_core::store::conversations::Conversation;
use glama_core::store::paging::Page;
use glama_core::store::rows::MessageStatus;
use glama_core::store::search::SearchHit;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::events::{WindowEvent, WindowNews};
use crate::state::AppState;
use crate::{browser, callbacks, files};

#[tauri::command]
pub fn connection_status(state: State<'_, AppState>) -> Status {
    state.connector.status()
}

/// Status changes and notices for the page that is `reader`, once there are some; `None` once
/// another page has become the reader. A page's first call (`reader` none) answers at once:
/// what was raised before it loaded (a keyring missing at launch, say), then the status now.
/// A page that loads has none of the answers streamed to the one before it.
#[tauri::command]
pub async fn window_events(state: State<'_, AppState>, reader: Option<u64>) -> Result<Option<WindowNews>, AppError> {
    let Some(reader) = reader else {
        state.answer_events.forget_all();
        let mut news = state.window_events.new_reader();
        news.events.push(WindowEvent::Connection(state.connector.status()));
        return Ok(Some(news));
    };
    Ok(state.window_events.take(reader).await)
}

/// Starts a sign-in and opens Glama's authorize page in the browser.
#[tauri::command]
pub async fn connect(app: AppHandle, state: State<'_, AppState>) -> Result<Status, AppError> {
    let scheme = callbacks::scheme(&app);
    let choice = state.settings.get().transport;
    let _ = state.scheme_settled.subscribe().wait_for(|settled| *settled).await;
    let asking = app.clone();
    // Asking the desktop runs a program (xdg-mime): not on an async worker.
    let use_scheme =
        tauri::async_runtime::spawn_blocking(move || choice.uses_scheme(|| callbacks::scheme_is_ours(&asking)))
            .await
            .unwrap_or(false);
    let url = state.connector.connect(use_scheme.then_some(scheme.as_str())).await?;
    if !browser::open(&url).await {
        state.connector.browser_failed();
    }
    Ok(state.connector.status())
}

#[tauri::command]
pub async fn cancel_connect(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.cancel().await)
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.disconnect().await?)
}

#[tauri::command]
pub fn keep_key_for_session(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.keep_for_session()?)
}

#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    let key = state.connector.key().ok_or(ChatError::NotConnected)?;
    let models = state.connector.gateway().models(&key).await;
    if let Err(GatewayError::Unauthorized) = models {
        state.connector.key_rejected(&key);
    }
    Ok(models?)
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.get()
}

#[tauri::command]
pub fn set_settings(state: State<'_, AppState>, settings: Settings) -> Result<Settings, AppError> {
    Ok(state.settings.update(|s| *s = settings)?)
}

#[tauri::command]
pub async fn new_chat(state: State<'_, AppState>) -> Result<Conversation, AppError> {
    let model = state.settings.get().model.unwrap_or_default();
    Ok(state.store.create_conversation(model).await?)
}

/// What the window shows first: the chats and the one open last.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatsAtStart {
    conversations: Vec<Conversation>,
    active_id: Option<String>,
}

#[tauri::command]
pub async fn chats_at_start(state: State<'_, AppState>) -> Result<ChatsAtStart, AppError> {
    let (conversations, active_id) = state.store.conversations_and_active().await?;
    Ok(ChatsAtStart {
        conversations,
        active_id,
    })
}

#[tauri::command]
pub async fn list_chats(state: State<'_, AppState>) -> Result<Vec<Conversation>, AppError> {
    Ok(state.store.conversations().await?)
}

/// Opens a chat: it becomes the one reopened at start.
#[tauri::command]
pub async fn open_chat(state: State<'_, AppState>, conversation_id: String) -> Result<Conversation, AppError> {
    Ok(state.store.open_conversation(conversation_id).await?)
}

/// A page of a chat's messages (the newest by default), answers already rendered.
#[tauri::command]
pub async fn chat_messages(
    state: State<'_, AppState>,
    conversation_id: String,
    page: Option<Page>,
) -> Result<MessagePage, AppError> {
    Ok(state.chats.page(conversation_id, page.unwrap_or(Page::Latest)).await?)
}

#[tauri::command]
pub async fn rename_chat(
    state: State<'_, AppState>,
    conversation_id: String,
    title: String,
) -> Result<Conversation, AppError> {
    Ok(state.store.rename_conversation(conversation_id, title).await?)
}

#[tauri::command]
pub async fn delete_chat(state: State<'_, AppState>, conversation_id: String) -> Result<(), AppError> {
    // A chat deleted while it streams stops; Undo brings back what it had.
    state.chats.stop(&conversation_id);
    Ok(state.store.delete_conversation(conversation_id).await?)
}

#[tauri::command]
pub async fn undo_delete_chat(state: State<'_, AppState>, conversation_id: String) -> Result<Conversation, AppError> {
    Ok(state.store.undo_delete_conversation(conversation_id).await?)
}

#[tauri::command]
pub async fn set_chat_model(
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
) -> Result<(), AppError> {
    Ok(state.store.set_model(conversation_id, model).await?)
}

#[tauri::command]
pub async fn set_system_prompt(
    state: State<'_, AppState>,
    conversation_id: String,
    prompt: String,
) -> Result<(), AppError> {
    Ok(state.store.set_system_prompt(conversation_id, prompt).await?)
}

#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, conversation_id: String, draft: String) -> Result<(), AppError> {
    Ok(state.store.save_draft(conversation_id, draft).await?)
}

#[tauri::command]
pub async fn search_chats(state: State<'_, AppState>, query: String) -> Result<Vec<SearchHit>, AppError> {
    Ok(state.store.search(query).await?)
}

/// What to export: one chat as Markdown or JSON, or every chat as JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// Asks where to save, then writes the export. `None` when the person cancelled.
#[tauri::command]
pub async fn export_chats(
    app: AppHandle,
    state: State<'_, AppState>,
    conversation_id: Option<String>,
    format: ExportFormat,
) -> Result<Option<String>, AppError> {
    let archive = state.store.export(conversation_id.clone()).await?;
    let (bytes, name, ext) = match (&format, archive.conversations.first()) {
        (ExportFormat::Markdown, Some(c)) if conversation_id.is_some() => {
            (archive::markdown(c).into_bytes(), files::file_name(&c.title), "md")
        }
        (ExportFormat::Markdown, _) => return Err(AppError::MarkdownNeedsOneChat),
        (ExportFormat::Json, Some(c)) if conversation_id.is_some() => (
            serde_json::to_vec_pretty(&archive).map_err(|e| AppError::Export(e.to_string()))?,
            files::file_name(&c.title),
            "json",
        ),
        (ExportFormat::Json, _) => (
            serde_json::to_vec_pretty(&archive).map_err(|e| AppError::Export(e.to_string()))?,
            "Glama Chat history".to_string(),
            "json",
        ),
    };
    let Some(path) = files::choose_save(&app, &name, ext).await else {
        return Ok(None);
    };
    files::write(&path, bytes).await?;
    Ok(Some(path.display().to_string()))
}

/// Asks for an export file and adds its chats that are not here yet.
#[tauri::command]
pub async fn import_chats(app: AppHandle, state: State<'_, AppState>) -> Result<Option<ImportReport>, AppError> {
    let Some(path) = files::choose_open(&app).await else {
        return Ok(None);
    };
    let bytes = files::read_bounded(&path, archive::MAX_IMPORT_BYTES).await?;
    let parsed = tokio::task::spawn_blocking(move || archive::parse(&bytes))
        .await
        .map_err(|e| AppError::Export(e.to_string()))??;
    Ok(Some(state.store.import(parsed).await?))
}

/// Streams one answer and resolves when it has ended. Its events wait for the page in the
/// mailbox of `stream`, an id the page chose (`answer_events`).
#[tauri::command]
pub async fn ask(
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
    request: Ask,
    stream: String,
) -> Result<MessageStatus, AppError> {
    let connector = state.connector.clone();
    let key = connector.key();
    let glama = Glama::connected(connector.gateway().clone(), key.clone())?;
    let events = state.answer_events.stream(&stream);
    let answered = state
        .chats
        .ask(&glama, &conversation_id, &model, request, &mut &*events)
        .await;
    events.close();
    let answered = answered?;
    if let (Some(GatewayError::Unauthorized), Some(key)) = (&answered.error, &key) {
        connector.key_rejected(key);
    }
    Ok(answered.status)
}

/// The next events of answer `stream`, once there are some; `None` once it has ended and the
/// page has them all. `painted`: how many updates the page has on screen; when that is all of
/// them, the answer's next update may go (`glama_core::chat::Pace`).
#[tauri::command]
pub async fn answer_events(
    state: State<'_, AppState>,
    conversation_id: String,
    stream: String,
    painted: u64,
) -> Result<Option<Vec<AnswerEvent>>, AppError> {
    let answer = state.answer_events.stream(&stream);
    if answer.all_painted(painted) {
        state.chats.shown(&conversation_id);
    }
    let events = answer.take().await;
    if events.is_none() {
        state.answer_events.forget(&stream);
    }
    Ok(events)
}

#[tauri::command]
pub fn stop_answer(state: State<'_, AppState>, conversation_id: String) -> bool {
    state.chats.stop(&conversation_id)
}

/// Opens a link from an answer in the system browser: http(s) only.
#[tauri::command]
pub async fn open_link(url: String) -> Result<(), AppError> {
    let parsed = url::Url::parse(&url).map_err(|_| AppError::UnsafeLink)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::UnsafeLink);
    }
    if browser::open(parsed.as_str()).await {
        Ok(())
    } else {
        Err(AppError::Browser(parsed.to_string()))
    }
}
