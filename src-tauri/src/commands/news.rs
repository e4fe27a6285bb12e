//! What Rust tells the windows, taken by each window's page (`crate::events` keeps it meanwhile).

use tauri::{State, WebviewWindow};

use crate::error::AppError;
use crate::events::{WindowEvent, WindowNews};
use crate::state::AppState;

/// Status changes, notices and changes to conversations for the page that is `reader` in the
/// calling window, once there are some; `None` once another page has become that window's
/// reader. A page's first call (`reader` none) answers at once: what came for its window before
/// it loaded (for the first page of all, what was raised before any, such as a keyring missing
/// at launch), then the status now. A page that loads has none of the answers streamed to the
/// page before it in its window; other windows keep theirs.
#[tauri::command]
pub async fn window_events(
    window: WebviewWindow,
    state: State<'_, AppState>,
    reader: Option<u64>,
) -> Result<Option<WindowNews>, AppError> {
    let label = window.label();
    let Some(reader) = reader else {
        state.answer_events.forget_window(label);
        let mut news = state.window_events.new_reader(label);
        news.events.push(WindowEvent::Connection(state.connector.status()));
        return Ok(Some(news));
    };
    Ok(state.window_events.take(label, reader).await)
}
