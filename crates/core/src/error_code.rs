//! What kind of failure (or notice) something is: the one list of codes that crosses to the
//! window, beside the words for the person. The page names the same list once (`ui/api.js`,
//! checked by a test here) and branches only on these; the codes of answers that failed are
//! kept with them, so a code's name never changes (a new name would need a migration of the
//! `messages.error_kind` column and a reading of the old one in archives).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident = $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            /// Every code, in the order declared.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),*];

            /// The code's name, as the window and the history file know it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $name,)*
                }
            }

            /// A code by its name; a name this version does not know (from a newer version's
            /// export, say) is [`ErrorCode::Unknown`].
            pub fn parse(name: &str) -> ErrorCode {
                match name {
                    $($name => ErrorCode::$code,)*
                    _ => ErrorCode::Unknown,
                }
            }
        }
    };
}

error_codes! {
    // Glama's answers (kept with an answer that failed).
    /// Glama could not be reached.
    Unreachable = "unreachable",
    Timeout = "timeout",
    /// Glama refused the key: the window offers to reconnect.
    KeyRejected = "key_rejected",
    PaymentRequired = "payment_required",
    RateLimited = "rate_limited",
    /// Glama refused the request itself (a 4xx other than those above).
    Refused = "refused",
    ServerError = "server_error",
    BadResponse = "bad_response",
    /// The connection dropped mid-answer.
    Dropped = "dropped",
    /// Glama reported an error inside the stream.
    StreamError = "stream_error",
    Redirected = "redirected",
    TooLarge = "too_large",
    /// The stream stayed open but said nothing new for too long.
    Stalled = "stalled",
    /// The model or its provider takes no tools: the window offers to send without them.
    ToolsRefused = "tools_refused",
    /// The model or its provider took not a parameter the chat sets: the message names it.
    ParameterRefused = "parameter_refused",

    // Asking.
    NotConnected = "not_connected",
    /// An answer is still being written in that chat.
    Busy = "busy",
    NoModel = "no_model",
    /// The request would not fit the model's context window (said before it is sent, or by
    /// Glama): the window offers the newest turns only, or a model with a larger window.
    ContextFull = "context_full",

    // The history.
    DiskFull = "disk_full",
    StoreReadOnly = "store_read_only",
    StoreLocked = "store_locked",
    StoreCorrupt = "store_corrupt",
    StoreTooNew = "store_too_new",
    StoreClosed = "store_closed",
    /// A job of the history's failed by a bug; the history goes on.
    StoreJobFailed = "store_job_failed",
    /// Any other SQLite failure.
    Store = "store",
    /// The chats are kept in memory this session (told once at start).
    StoreInMemory = "store_in_memory",
    NoSuchConversation = "no_such_conversation",
    NoSuchMessage = "no_such_message",
    NoSuchAssistant = "no_such_assistant",
    /// What was asked goes against the conversation's rules (an empty question, continuing a
    /// whole answer…); the message says which.
    Invalid = "invalid",
    BadArchive = "bad_archive",
    /// A file could not be read or written.
    File = "file",
    Export = "export",
    /// Markdown export is for one chat.
    MarkdownNeedsOneChat = "markdown_needs_one_chat",
    DeleteData = "delete_data",

    // Attachments.
    AttachmentEmpty = "attachment_empty",
    AttachmentTooLarge = "attachment_too_large",
    AttachmentBadImage = "attachment_bad_image",
    AttachmentUnsupported = "attachment_unsupported",
    /// The bytes of a pasted or dropped file did not reach Rust whole.
    AttachmentNotReceived = "attachment_not_received",

    // Signing in.
    CallbackRejected = "callback_rejected",
    AccessDenied = "access_denied",
    ExchangeRefused = "exchange_refused",
    LoopbackFailed = "loopback_failed",
    NothingToKeep = "nothing_to_keep",
    Superseded = "superseded",
    /// A sign-in ran past its time.
    Expired = "expired",
    /// Connected, but Glama could not confirm the new key yet.
    KeyUnchecked = "key_unchecked",
    KeyringUnavailable = "keyring_unavailable",
    KeyringFailed = "keyring_failed",
    /// An installed copy handles sign-in links; this one uses a local port.
    SchemeTaken = "scheme_taken",
    SchemeNotRegistered = "scheme_not_registered",

    // The desktop.
    Settings = "settings",
    /// The settings file could not be read and was set aside.
    SettingsReset = "settings_reset",
    /// Only web links are opened.
    UnsafeLink = "unsafe_link",
    Browser = "browser",
    /// Quick ask's global shortcut could not be held (another program holds it).
    ShortcutTaken = "shortcut_taken",

    // Tools.
    /// A tool server, its configuration or a call (the message says which, in words).
    Mcp = "mcp",
    /// Running a server's command was not confirmed in the native dialog.
    McpNotConfirmed = "mcp_not_confirmed",

    /// A code this version does not know.
    Unknown = "unknown",
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ErrorCode::parse(&String::deserialize(d)?))
    }
}

/// Something the person should read that changes nothing else (a keyring missing at launch, a
/// damaged history file moved aside), with its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: ErrorCode,
    pub message: String,
}

impl Notice {
    pub fn new(kind: ErrorCode, message: impl Into<String>) -> Notice {
        Notice {
            kind,
            message: message.into(),
        }
    }
}

/// A code is its name (tests compare them so).
impl PartialEq<str> for ErrorCode {
    fn eq(&self, name: &str) -> bool {
        self.as_str() == name
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn each_code_has_one_name_and_reads_back() {
        let names: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "no two codes share a name");
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), code);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        assert_eq!(ErrorCode::parse("from_a_newer_version"), ErrorCode::Unknown);
    }

    /// The page names the codes once, as the `ErrorCode` union in `ui/api.js`: the same list.
    #[test]
    fn the_page_knows_the_same_codes() {
        let api = include_str!("../../../ui/api.js");
        let start = api
            .find("@typedef {(")
            .and_then(|i| api[i..].find(")} ErrorCode").map(|end| (i, i + end)))
            .expect("ui/api.js declares the ErrorCode union as `@typedef {( … )} ErrorCode`");
        let union = &api[start.0..start.1];
        let in_page: BTreeSet<&str> = union.split('\'').skip(1).step_by(2).collect();
        let in_rust: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(in_page, in_rust, "ui/api.js and ErrorCode name different codes");
    }
}
