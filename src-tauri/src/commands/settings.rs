//! The person's choices (never secrets).

use glama_core::settings::Settings;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.get()
}

/// Takes the window's choices; the recent models are Rust's to keep (`Settings::choose`).
#[tauri::command]
pub fn set_settings(state: State<'_, AppState>, settings: Settings) -> Result<Settings, AppError> {
    Ok(state.settings.update(|s| s.choose(settings))?)
}
