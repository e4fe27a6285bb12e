//! The API key in the OS keyring, and nowhere else; beside it, other named secrets (an MCP
//! server's token, say) under the same service, one account each.
//!
//! Entries are built from an explicit platform backend (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows). We never call `keyring::Entry::new`, whose fallback
//! with no backend compiled in is an in-memory mock that silently forgets the key.
//! The calls block (D-Bus, Keychain): run them off the async runtime.

use keyring::Entry;

use crate::error_code::ErrorCode;
use crate::secret::ApiKey;

/// The keyring's answer, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error(
        "No system keyring is available to keep your key safely ({0}). {hint} \
         You can keep the key for this session only; it is never written to a file.",
        hint = PLATFORM_HINT
    )]
    Unavailable(String),
    #[error("The system keyring failed: {0}")]
    Failed(String),
}

impl VaultError {
    pub fn kind(&self) -> ErrorCode {
        match self {
            VaultError::Unavailable(_) => ErrorCode::KeyringUnavailable,
            VaultError::Failed(_) => ErrorCode::KeyringFailed,
        }
    }
}

#[cfg(target_os = "linux")]
const PLATFORM_HINT: &str = "Install and unlock a Secret Service keyring (GNOME Keyring or KWallet), then try again.";
#[cfg(target_os = "macos")]
const PLATFORM_HINT: &str = "Check that your login Keychain is unlocked, then try again.";
#[cfg(target_os = "windows")]
const PLATFORM_HINT: &str = "Check that Windows Credential Manager is running, then try again.";
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const PLATFORM_HINT: &str = "This platform has no supported keyring.";

/// The app's keyring entries for one gateway.
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
    /// Keys are per gateway (its origin): a demo key from a local stand-in never meets glama.ai.
    gateway: String,
}

/// Which secret of ours an entry holds.
#[derive(Debug, Clone, Copy)]
pub enum Item {
    ApiKey,
    /// A sign-in in progress, so a callback that cold-starts the app can finish it.
    PendingSignIn,
}

impl Item {
    fn account(self, gateway: &str) -> String {
        match self {
            Item::ApiKey => format!("api-key@{gateway}"),
            Item::PendingSignIn => format!("pending-sign-in@{gateway}"),
        }
    }
}

impl Vault {
    /// `service` is the app identifier; `gateway` names the gateway (its origin).
    pub fn new(service: impl Into<String>, gateway: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            gateway: gateway.into(),
        }
    }

    /// The account name of `item` (what `secret-tool lookup service S username A` finds).
    pub fn account(&self, item: Item) -> String {
        item.account(&self.gateway)
    }

    pub fn load_key(&self) -> Result<Option<ApiKey>, VaultError> {
        Ok(self.get(Item::ApiKey)?.filter(|k| !k.is_empty()).map(ApiKey::new))
    }

    pub fn store_key(&self, key: &ApiKey) -> Result<(), VaultError> {
        self.set(Item::ApiKey, key.expose())
    }

    /// Reads any secret of ours; `None` when there is no entry.
    pub fn get(&self, item: Item) -> Result<Option<String>, VaultError> {
        match self.entry(item)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    pub fn set(&self, item: Item, value: &str) -> Result<(), VaultError> {
        self.entry(item)?.set_password(value).map_err(map_error)
    }

    /// Deletes an entry; deleting one that is not there is fine.
    pub fn delete(&self, item: Item) -> Result<(), VaultError> {
        match self.entry(item)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    fn entry(&self, item: Item) -> Result<Entry, VaultError> {
        let account = self.account(item);
        platform_entry(&self.service, &account).map_err(map_error)
    }

    /// The account name of the named secret `name`: `secret:<name>`. Named secrets are not
    /// per gateway (they belong to what uses them, not to Glama), and the prefix keeps them
    /// apart from the key's accounts whatever the name.
    pub fn named_account(name: &str) -> String {
        format!("secret:{name}")
    }

    /// Reads the named secret `name`; `None` when there is no entry.
    pub fn get_named(&self, name: &str) -> Result<Option<String>, VaultError> {
        match self.named_entry(name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    pub fn set_named(&self, name: &str, value: &str) -> Result<(), VaultError> {
        self.named_entry(name)?.set_password(value).map_err(map_error)
    }

    /// Deletes the named secret `name`; deleting one that is not there is fine.
    pub fn delete_named(&self, name: &str) -> Result<(), VaultError> {
        match self.named_entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    fn named_entry(&self, name: &str) -> Result<Entry, VaultError> {
        platform_entry(&self.service, &Self::named_account(name)).map_err(map_error)
    }
}

#[cfg(target_os = "linux")]
fn platform_entry(service: &str, account: &str) -> keyring::Result<Entry> {
    let cred = keyring::secret_service::SsCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(cred)))
}

#[cfg(target_os = "macos")]
fn platform_entry(service: &str, account: &str) -> keyring::Result<Entry> {
    let cred = keyring::macos::MacCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(cred)))
}

#[cfg(target_os = "windows")]
fn platform_entry(service: &str, account: &str) -> keyring::Result<Entry> {
    let cred = keyring::windows::WinCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(cred)))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_entry(_service: &str, _account: &str) -> keyring::Result<Entry> {
    Err(keyring::Error::NoStorageAccess(
        "no keyring backend for this platform".into(),
    ))
}

fn map_error(e: keyring::Error) -> VaultError {
    match e {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            VaultError::Unavailable(inner.to_string())
        }
        other => VaultError::Failed(other.to_string()),
    }
}
