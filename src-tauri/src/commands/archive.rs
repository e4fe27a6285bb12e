//! Export (one chat as Markdown or JSON, or every chat as JSON) and import of an export file.
//! Both stream between the file and the history on the store's thread, a message at a time:
//! neither the async runtime nor memory carries the archive.

use glama_core::store::archive::ImportReport;
use glama_core::store::conversations::Conversation;
use serde::Deserialize;
use tauri::{AppHandle, State, WebviewWindow};

use crate::error::AppError;
use crate::files;
use crate::state::AppState;

/// What to export: one chat as Markdown or JSON, or every chat as JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// What an export writes, settled before the dialog opens.
enum Target {
    Markdown(Conversation),
    /// Every chat (`None`) or one.
    Json(Option<Conversation>),
}

/// Asks where to save, then writes the export. `None` when the person cancelled.
#[tauri::command]
pub async fn export_chats(
    app: AppHandle,
    state: State<'_, AppState>,
    conversation_id: Option<String>,
    format: ExportFormat,
) -> Result<Option<String>, AppError> {
    let target = match (format, conversation_id) {
        (ExportFormat::Markdown, None) => return Err(AppError::MarkdownNeedsOneChat),
        (ExportFormat::Markdown, Some(id)) => Target::Markdown(state.store.conversation(id).await?),
        (ExportFormat::Json, Some(id)) => Target::Json(Some(state.store.conversation(id).await?)),
        (ExportFormat::Json, None) => Target::Json(None),
    };
    let (name, ext) = match &target {
        Target::Markdown(c) => (files::file_name(&c.title), "md"),
        Target::Json(Some(c)) => (files::file_name(&c.title), "json"),
        Target::Json(None) => ("Glama Chat history".to_string(), "json"),
    };
    let Some(path) = files::choose_save(&app, &name, ext).await else {
        return Ok(None);
    };
    match target {
        Target::Markdown(c) => state.store.export_markdown(c.id, path.clone()).await?,
        Target::Json(c) => state.store.export_json(c.map(|c| c.id), path.clone()).await?,
    }
    Ok(Some(path.display().to_string()))
}

/// Asks for an export file and adds its chats that are not here yet (told to every window).
#[tauri::command]
pub async fn import_chats(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> Result<Option<ImportReport>, AppError> {
    let Some(path) = files::choose_open(&app).await else {
        return Ok(None);
    };
    let report = state.store.import_json(path).await?;
    state.window_events.conversation_changed(None, Some(window.label()));
    Ok(Some(report))
}
