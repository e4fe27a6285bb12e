//! The one error type that crosses to the window, as `{kind, message}`.

use glama_core::attach::AttachError;
use glama_core::chat::ChatError;
use glama_core::connect::ConnectError;
use glama_core::error_code::ErrorCode;
use glama_core::gateway::GatewayError;
use glama_core::mcp::McpError;
use glama_core::settings::SettingsError;
use glama_core::store::StoreError;
use serde::ser::SerializeStruct;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error(transparent)]
    Mcp(#[from] McpError),
    #[error("The file did not reach Glama Chat whole; attach it again.")]
    NotRaw,
    #[error("Markdown export is for one chat; export all chats as JSON.")]
    MarkdownNeedsOneChat,
    #[error("Could not use the file {0}: {1}")]
    File(String, String),
    #[error("Could not delete {path}: {message}")]
    DeleteData { path: String, message: String },
}

impl AppError {
    /// A stable code the window can branch on.
    pub fn kind(&self) -> ErrorCode {
        match self {
            AppError::Connect(e) => e.kind(),
            AppError::Chat(e) => e.kind(),
            AppError::Gateway(e) => e.kind(),
            AppError::Settings(_) => ErrorCode::Settings,
            AppError::Store(e) => e.kind(),
            AppError::Attach(e) => e.kind(),
            AppError::Mcp(e) => e.kind(),
            AppError::NotRaw => ErrorCode::AttachmentNotReceived,
            AppError::MarkdownNeedsOneChat => ErrorCode::MarkdownNeedsOneChat,
            AppError::File(..) => ErrorCode::File,
            AppError::DeleteData { .. } => ErrorCode::DeleteData,
        }
    }
}

impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AppError", 2)?;
        s.serialize_field("kind", &self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_as_kind_and_message() {
        let json = serde_json::to_value(AppError::from(GatewayError::Unauthorized)).unwrap();
        assert_eq!(json["kind"], "key_rejected");
        assert_eq!(
            json["message"],
            "Glama rejected the API key. Reconnect to get a new one."
        );
        let json = serde_json::to_value(AppError::from(ChatError::NotConnected)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "not_connected", "message": "Connect to Glama first."})
        );
    }
}
