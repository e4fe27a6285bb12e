//! The person's data as the Settings panel shows it: About (version, gateway, where things are
//! kept) and Delete all data.
//!
//! What the app keeps, and where (Linux paths; the folders are named by the app identifier):
//! - conversations: the app's data folder (`~/.local/share/ai.glama.chat`);
//! - settings and tool servers: `settings.json` and `mcp.json` in the app's config folder
//!   (`~/.config/ai.glama.chat`);
//! - the API key, a sign-in in progress and the tool servers' secrets: the system keyring
//!   (service `ai.glama.chat`).

use std::path::PathBuf;

use glama_core::connect::Status;
use serde::Serialize;
use tauri::{AppHandle, Manager, State, WebviewWindow};

use crate::error::AppError;
use crate::state::AppState;

/// What the About panel shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub version: String,
    /// The gateway in use (`GLAMA_GATEWAY_URL`, else Glama's own).
    pub gateway: String,
    pub data_folder: String,
    pub settings_file: String,
}

#[tauri::command]
pub fn about(app: AppHandle, state: State<'_, AppState>) -> About {
    let data_folder = app
        .path()
        .app_data_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    About {
        version: app.package_info().version.to_string(),
        gateway: state.connector.gateway().base_url().to_string(),
        data_folder,
        settings_file: state.settings.path().display().to_string(),
    }
}

/// Deletes everything the app keeps: the keyring entries (the key, any sign-in in progress, the
/// tool servers' secrets), the conversations, the settings and tools (`mcp.json`) and the app's
/// folders; the tool servers stop first. Everything that can be deleted is,
/// even when one part fails; the first failure is then returned. Every window is told that
/// every conversation changed.
#[tauri::command]
pub async fn delete_all_data(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> Result<Status, AppError> {
    tracing::info!("deleting all data");
    // The keyring first: the key matters most (a sign-in in progress ends, and its entry and
    // the key's are deleted).
    let keyring = state.connector.forget_all().await;
    // The tool servers stop (their processes gone) and their secrets leave the keyring before
    // their file goes with the folders.
    let tools = state.tools.mcp.forget_all().await;
    let handle = app.clone();
    let folders = tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let folders = app_folders(&handle);
        let result = state.with_conversations_closed(move || remove_folders(&folders));
        state.settings.reset();
        result
    })
    .await
    .map_err(|e| AppError::DeleteData {
        path: "the app's folders".into(),
        message: e.to_string(),
    })?;
    // No file now: no servers, and edits work again.
    state.tools.mcp.reload().await;
    state.window_events.conversation_changed(None, Some(window.label()));
    if let Err(e) = &keyring {
        tracing::warn!(error = %e, "Delete all data: the keyring");
    }
    if let Err(e) = &tools {
        tracing::warn!(error = %e, "Delete all data: the tool servers' secrets");
    }
    if let Err(e) = &folders {
        tracing::warn!(error = %e, "Delete all data: the folders");
    }
    keyring?;
    tools?;
    folders?;
    Ok(state.connector.status())
}

/// The app's own folders (data, local data, config, cache), each once.
fn app_folders(app: &AppHandle) -> Vec<PathBuf> {
    let path = app.path();
    let mut folders: Vec<PathBuf> = [
        path.app_data_dir(),
        path.app_local_data_dir(),
        path.app_config_dir(),
        path.app_cache_dir(),
    ]
    .into_iter()
    .flatten()
    .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// Removes each folder (a missing one is fine); goes on past a failure and returns the first.
fn remove_folders(folders: &[PathBuf]) -> Result<(), AppError> {
    let mut first_error = None;
    for folder in folders {
        match std::fs::remove_dir_all(folder) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                first_error.get_or_insert(AppError::DeleteData {
                    path: folder.display().to_string(),
                    message: e.to_string(),
                });
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_every_folder_and_tolerates_missing_ones() {
        let root = std::env::temp_dir().join(format!("glama-delete-{}", std::process::id()));
        let data = root.join("data/ai.glama.chat");
        let config = root.join("config/ai.glama.chat");
        std::fs::create_dir_all(data.join("nested")).unwrap();
        std::fs::write(data.join("nested/chats.sqlite"), b"x").unwrap();
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("settings.json"), b"{}").unwrap();
        let missing = root.join("cache/ai.glama.chat");
        remove_folders(&[data.clone(), config.clone(), missing]).unwrap();
        assert!(!data.exists() && !config.exists());
        assert!(root.join("data").exists(), "only the app's own folder goes");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_failure_does_not_stop_the_rest() {
        let root = std::env::temp_dir().join(format!("glama-delete-fail-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        // A file where a folder is expected cannot be removed as a folder.
        let not_a_folder = root.join("file");
        std::fs::write(&not_a_folder, b"x").unwrap();
        let folder = root.join("config");
        std::fs::create_dir_all(&folder).unwrap();
        let err = remove_folders(&[not_a_folder.clone(), folder.clone()]).unwrap_err();
        assert!(matches!(&err, AppError::DeleteData { path, .. } if path == &not_a_folder.display().to_string()));
        assert!(!folder.exists(), "the next folder was still removed");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
