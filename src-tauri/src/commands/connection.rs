//! The connection to Glama: its status, Connect, Cancel, Disconnect, and keeping a key the
//! keyring would not take for this session.

use glama_core::connect::Status;
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::state::AppState;
use crate::{browser, callbacks};

#[tauri::command]
pub fn connection_status(state: State<'_, AppState>) -> Status {
    state.connector.status()
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
