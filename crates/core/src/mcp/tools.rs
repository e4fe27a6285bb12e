//! The MCP servers as the tools a chat's turn offers and calls (`chat::Tools`).

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use super::McpManager;
use crate::chat::tools::{ToolResult, Tools};
use crate::gateway::tool_calls::ToolCall;

impl Tools for McpManager {
    fn offered(&self) -> Vec<serde_json::Value> {
        self.openai_tools()
    }

    fn label(&self, name: &str) -> String {
        match self.resolve(name) {
            Some(tool) => format!("{} · {}", tool.server, tool.tool),
            None => name.to_string(),
        }
    }

    fn call(&self, call: ToolCall, cancel: CancellationToken) -> BoxFuture<'static, ToolResult> {
        let manager = self.clone();
        async move {
            // Bad arguments go back to the model as an error it can correct.
            let arguments = match call.arguments_object() {
                Ok(arguments) => serde_json::Value::Object(arguments),
                Err(why) => return ToolResult::error(why),
            };
            match manager.call(&call.name, arguments, &cancel).await {
                Ok(result) => ToolResult {
                    text: result.text,
                    is_error: result.is_error,
                    images: result.images.into_iter().map(|i| i.bytes).collect(),
                },
                Err(e) => ToolResult::error(e.to_string()),
            }
        }
        .boxed()
    }
}
