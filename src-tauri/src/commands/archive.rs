//! Export (one chat as Markdown or JSON, or every chat as JSON) and import of an export file.

use glama_core::store::archive::{self, ImportReport};
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
    let bytes = files::read_bounded(&path, archive::MAX_IMPORT_BYTES).await?;
    let parsed = tokio::task::spawn_blocking(move || archive::parse(&bytes))
        .await
        .map_err(|e| AppError::Export(e.to_string()))??;
    let report = state.store.import(parsed).await?;
    state.window_events.conversation_changed(None, Some(window.label()));
    Ok(Some(report))
}
