//! A server's secret values (an env value, a header value the person marked secret): kept in
//! the OS keyring through [`Vault`], while `mcp.json` holds a reference in their place.
//!
//! The reference is `${keyring:<id>}`, the shape of the `${env:NAME}` references Cursor and
//! VS Code read in the same file; `<id>` is `<server>/<field>` when the app stores it, and
//! the keyring entry is the named secret `mcp/<id>` (account `secret:mcp/<id>`). Someone who
//! stores an entry by hand can write a reference to it by hand.

use crate::vault::{Vault, VaultError};

const PREFIX: &str = "${keyring:";
const SUFFIX: &str = "}";

/// A reference to a secret in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef(String);

impl SecretRef {
    /// The reference a value is, if it is exactly one.
    pub fn parse(value: &str) -> Option<SecretRef> {
        let id = value.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
        (!id.trim().is_empty() && !id.contains('}') && !id.chars().any(char::is_control))
            .then(|| SecretRef(id.to_string()))
    }

    /// Whether a value looks like a reference (a page may not smuggle one in as plain text:
    /// it would point a server at another server's secret).
    pub fn looks_like_one(value: &str) -> bool {
        value.trim_start().starts_with(PREFIX)
    }

    /// The reference the app gives the secret of `field` in server `server`.
    pub fn for_field(server: &str, field: &str) -> SecretRef {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| if c == '}' || c.is_control() { '_' } else { c })
                .collect()
        };
        SecretRef(format!("{}/{}", clean(server), clean(field)))
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// As the file writes it: `${keyring:<id>}`.
    pub fn to_reference(&self) -> String {
        format!("{PREFIX}{}{SUFFIX}", self.0)
    }

    /// The named secret in the vault.
    fn vault_name(&self) -> String {
        format!("mcp/{}", self.0)
    }
}

/// Why a server's secret could not be read or kept, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("its secret {field} is not in the keyring (entry {account}); edit the server to enter it again")]
    Missing { field: String, account: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Reads each reference's value, off the async thread (keyring calls block on D-Bus).
/// `fields` pairs each reference with the field it fills, for the words when one is missing.
pub async fn read_all(vault: &Vault, fields: Vec<(String, SecretRef)>) -> Result<Vec<String>, SecretError> {
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    let vault = vault.clone();
    blocking(move || {
        fields
            .into_iter()
            .map(|(field, secret)| {
                let name = secret.vault_name();
                vault.get_named(&name)?.ok_or_else(|| SecretError::Missing {
                    field,
                    account: Vault::named_account(&name),
                })
            })
            .collect()
    })
    .await
}

/// Stores each value under its reference.
pub async fn store_all(vault: &Vault, values: Vec<(SecretRef, String)>) -> Result<(), SecretError> {
    if values.is_empty() {
        return Ok(());
    }
    let vault = vault.clone();
    blocking(move || {
        for (secret, value) in values {
            vault.set_named(&secret.vault_name(), &value)?;
        }
        Ok(())
    })
    .await
}

/// Deletes each reference's entry (one that is not there is fine).
pub async fn delete_all(vault: &Vault, secrets: Vec<SecretRef>) -> Result<(), SecretError> {
    if secrets.is_empty() {
        return Ok(());
    }
    let vault = vault.clone();
    blocking(move || {
        for secret in secrets {
            vault.delete_named(&secret.vault_name())?;
        }
        Ok(())
    })
    .await
}

async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    tokio::task::spawn_blocking(job).await.unwrap_or_else(|e| {
        Err(SecretError::Vault(VaultError::Failed(format!(
            "the keyring call failed: {e}"
        ))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_form() {
        let r = SecretRef::for_field("github", "GITHUB_TOKEN");
        assert_eq!(r.to_reference(), "${keyring:github/GITHUB_TOKEN}");
        assert_eq!(SecretRef::parse(&r.to_reference()), Some(r.clone()));
        assert_eq!(r.vault_name(), "mcp/github/GITHUB_TOKEN");
        for not_one in [
            "",
            "ghp_123",
            "${keyring:}",
            "${keyring: }",
            "${env:HOME}",
            "${keyring:a",
            "x${keyring:a}",
        ] {
            assert_eq!(SecretRef::parse(not_one), None, "{not_one}");
        }
        assert!(SecretRef::looks_like_one(" ${keyring:a"));
        assert!(!SecretRef::looks_like_one("${env:A}"));
        // A name with a closing brace still makes a reference that reads back.
        let odd = SecretRef::for_field("my}server", "A\nB");
        assert_eq!(SecretRef::parse(&odd.to_reference()), Some(odd));
    }
}
