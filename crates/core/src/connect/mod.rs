//! One-click Connect: the OAuth PKCE flow from "Connect" to a key in the keyring.
//!
//! A callback URL walks one way: shell (deep link or loopback) → [`Connector::handle_callback`]
//! → [`flow::Flows::accept`] → gateway (exchange, key check) → vault → a status event.

pub mod args;
pub mod callback;
mod connector;
pub mod flow;
pub mod loopback;
pub mod pkce;
pub mod scheme_handler;

use serde::{Deserialize, Serialize};

use crate::error_code::{ErrorCode, Notice};
use crate::gateway::GatewayError;
use crate::vault::VaultError;
pub use callback::CallbackTarget;
pub use connector::{Connector, StoredAtStart};
use flow::Rejection;

/// Which callback transport Connect uses (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportChoice {
    /// The URL scheme when it is registered with the OS, else loopback.
    #[default]
    Auto,
    Scheme,
    Loopback,
}

impl TransportChoice {
    /// Whether Connect uses the app link. `registered` asks the desktop whether this very app
    /// handles the link (Linux, Windows). macOS has no such question (a bundled app declares its
    /// scheme in Info.plist, and `is_registered` is unsupported there), so Automatic picks the
    /// app link on macOS.
    pub fn uses_scheme(self, registered: impl FnOnce() -> bool) -> bool {
        match self {
            TransportChoice::Loopback => false,
            TransportChoice::Scheme => true,
            TransportChoice::Auto => cfg!(target_os = "macos") || registered(),
        }
    }
}

/// What the UI shows about the connection. Never carries the key: only its masked tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Status {
    Disconnected,
    Connecting {
        authorize_url: String,
        browser_opened: bool,
        /// `scheme` or `loopback`.
        transport: &'static str,
    },
    Connected {
        masked_key: String,
        /// The keyring was unavailable and the person chose to keep the key in memory.
        session_only: bool,
    },
    Error {
        kind: ErrorCode,
        message: String,
        /// A key is waiting and only the keyring failed: offer "keep for this session only".
        can_keep_for_session: bool,
    },
}

/// What the connector tells the shell.
#[derive(Debug, Clone)]
pub enum ConnectEvent {
    Status(Status),
    Notice(Notice),
}

/// Connect's failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Rejected(Rejection),
    #[error("Glama did not grant access ({0}). Click Connect to try again.")]
    Denied(String),
    #[error("Glama refused the sign-in code: {0}. Click Connect to try again.")]
    ExchangeRefused(String),
    #[error("{0}")]
    Gateway(GatewayError),
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("Could not open a local port for the sign-in callback: {0}")]
    Loopback(String),
    #[error("There is no key waiting to be kept; click Connect.")]
    NothingToKeep,
    #[error("The sign-in was cancelled or restarted before it finished.")]
    Superseded,
}

impl ConnectError {
    pub fn kind(&self) -> ErrorCode {
        match self {
            ConnectError::Rejected(_) => ErrorCode::CallbackRejected,
            ConnectError::Denied(_) => ErrorCode::AccessDenied,
            ConnectError::ExchangeRefused(_) => ErrorCode::ExchangeRefused,
            ConnectError::Gateway(e) => e.kind(),
            ConnectError::Vault(e) => e.kind(),
            ConnectError::Loopback(_) => ErrorCode::LoopbackFailed,
            ConnectError::NothingToKeep => ErrorCode::NothingToKeep,
            ConnectError::Superseded => ErrorCode::Superseded,
        }
    }
}

impl From<GatewayError> for ConnectError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::Refused { message, .. } => ConnectError::ExchangeRefused(message),
            other => ConnectError::Gateway(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_asks_the_desktop_except_on_macos() {
        assert!(!TransportChoice::Loopback.uses_scheme(|| true));
        assert!(TransportChoice::Scheme.uses_scheme(|| false));
        assert!(TransportChoice::Auto.uses_scheme(|| true));
        assert_eq!(TransportChoice::Auto.uses_scheme(|| false), cfg!(target_os = "macos"));
    }
}
