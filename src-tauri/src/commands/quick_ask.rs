//! Quick ask's own commands (granted to its window only): hiding it, and handing its chat to
//! the main window.

use tauri::{Manager, State, WebviewWindow};

use crate::error::AppError;
use crate::events::WindowEvent;
use crate::quick_ask;
use crate::state::AppState;
use crate::window::{self, MAIN};

/// "Open in Glama Chat": the chat quick ask wrote (kept like any other) becomes the one the
/// main window shows, and is reopened at start; quick ask hides, the main window comes up.
#[tauri::command]
pub async fn open_in_main(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<(), AppError> {
    state.store.open_conversation(conversation_id.clone()).await?;
    state
        .window_events
        .tell(MAIN, WindowEvent::OpenConversation { conversation_id });
    quick_ask::hide(&window);
    window::bring_to_front(window.app_handle());
    Ok(())
}

/// Esc: quick ask hides, its page kept for the next time.
#[tauri::command]
pub fn hide_quick_ask(window: WebviewWindow) {
    quick_ask::hide(&window);
}
