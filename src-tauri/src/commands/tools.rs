//! Tools: the MCP servers as the Tools panel shows and edits them, and the person's decision
//! on a tool call (a chat's own tools switch is with the chats). A change that runs a program
//! is confirmed in a native dialog Rust opens (`crate::tools::NativeConfirm`), never by the page.

use glama_core::chat::Decision;
use glama_core::mcp::snippet::parse_snippet;
use glama_core::mcp::{McpError, McpSnapshot, ServerDraft};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::state::AppState;
use crate::tools::NativeConfirm;

/// What the Tools panel shows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsView {
    /// Where `mcp.json` is, to name it in words.
    pub path: String,
    #[serde(flatten)]
    pub snapshot: McpSnapshot,
}

#[tauri::command]
pub fn tools_state(state: State<'_, AppState>) -> ToolsView {
    let mcp = &state.tools.mcp;
    ToolsView {
        path: mcp.path().display().to_string(),
        snapshot: mcp.snapshot(),
    }
}

/// Adds the servers of a pasted `mcpServers` snippet, in its order; returns their names. Stops
/// at the first that fails (those before it are added).
#[tauri::command]
pub async fn add_mcp_servers(
    app: AppHandle,
    state: State<'_, AppState>,
    snippet: String,
) -> Result<Vec<String>, AppError> {
    let drafts = parse_snippet(&snippet).map_err(McpError::Invalid)?;
    let confirm = NativeConfirm(app);
    let mut added = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let name = draft.name.clone();
        state.tools.mcp.add(draft, &confirm).await?;
        added.push(name);
    }
    Ok(added)
}

#[tauri::command]
pub async fn add_mcp_server(app: AppHandle, state: State<'_, AppState>, draft: ServerDraft) -> Result<(), AppError> {
    Ok(state.tools.mcp.add(draft, &NativeConfirm(app)).await?)
}

#[tauri::command]
pub fn mcp_server_draft(state: State<'_, AppState>, name: String) -> Result<ServerDraft, AppError> {
    Ok(state.tools.mcp.draft(&name)?)
}

#[tauri::command]
pub async fn update_mcp_server(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    draft: ServerDraft,
) -> Result<(), AppError> {
    Ok(state.tools.mcp.update(&name, draft, &NativeConfirm(app)).await?)
}

#[tauri::command]
pub async fn remove_mcp_server(state: State<'_, AppState>, name: String) -> Result<(), AppError> {
    Ok(state.tools.mcp.remove(&name).await?)
}

#[tauri::command]
pub async fn set_mcp_server_enabled(state: State<'_, AppState>, name: String, enabled: bool) -> Result<(), AppError> {
    Ok(state.tools.mcp.set_enabled(&name, enabled).await?)
}

#[tauri::command]
pub async fn set_mcp_tool_enabled(
    state: State<'_, AppState>,
    server: String,
    tool: String,
    enabled: bool,
) -> Result<(), AppError> {
    Ok(state.tools.mcp.set_tool_enabled(&server, &tool, enabled).await?)
}

/// Always allows a tool, or (`always: false`) revokes that: it asks again from the next call.
#[tauri::command]
pub async fn set_mcp_tool_always(
    state: State<'_, AppState>,
    server: String,
    tool: String,
    always: bool,
) -> Result<(), AppError> {
    Ok(state.tools.mcp.set_tool_always(&server, &tool, always).await?)
}

#[tauri::command]
pub async fn retry_mcp_server(state: State<'_, AppState>, name: String) -> Result<(), AppError> {
    Ok(state.tools.mcp.retry(&name).await?)
}

/// The person's decision on a call the answer running in `conversation_id` waits on. A call
/// runs only once its answer holds it and this says so (`glama_core::chat::tools`).
#[tauri::command]
pub fn decide_tool_call(
    state: State<'_, AppState>,
    conversation_id: String,
    call_id: String,
    decision: Decision,
) -> bool {
    state.tools.decide(&conversation_id, &call_id, decision)
}
