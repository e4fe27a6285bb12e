//! What Rust tells the window, taken by the page (`crate::events` keeps it meanwhile).

use tauri::State;

use crate::error::AppError;
use crate::events::{WindowEvent, WindowNews};
use crate::state::AppState;

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
