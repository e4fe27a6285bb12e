//! The person's choices (not secrets): a small JSON file in the app's config folder.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::connect::TransportChoice;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// How Connect receives Glama's callback.
    pub transport: TransportChoice,
    /// The last model picked: the default for new chats.
    pub model: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("Could not save your settings to {path}: {source}")]
pub struct SettingsError {
    path: String,
    source: std::io::Error,
}

/// Settings read at start and written through on every change.
#[derive(Debug)]
pub struct SettingsFile {
    path: PathBuf,
    current: Mutex<Settings>,
}

impl SettingsFile {
    /// Reads `path`; a missing or unreadable file means defaults (it is only preferences).
    pub fn load(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let current = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            current: Mutex::new(current),
        }
    }

    pub fn get(&self) -> Settings {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Applies `change` and writes the file (write-then-rename, so a crash never leaves half a file).
    pub fn update(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, SettingsError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = current.clone();
        change(&mut next);
        write_atomically(
            &self.path,
            &serde_json::to_vec_pretty(&next).expect("settings serialize"),
        )
        .map_err(|source| SettingsError {
            path: self.path.display().to_string(),
            source,
        })?;
        *current = next.clone();
        Ok(next)
    }
}

impl SettingsFile {
    /// Back to the defaults, in memory only: Delete all data removes the file with its folder,
    /// and the next change writes a new one.
    pub fn reset(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Settings::default();
    }

    /// Where the file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_files() {
        let dir = std::env::temp_dir().join(format!("glama-settings-{}", std::process::id()));
        let path = dir.join("nested/settings.json");
        let file = SettingsFile::load(&path);
        assert_eq!(file.get(), Settings::default());
        file.update(|s| {
            s.transport = TransportChoice::Loopback;
            s.model = Some("openai/gpt-4o".into());
        })
        .unwrap();
        let again = SettingsFile::load(&path);
        assert_eq!(again.get().transport, TransportChoice::Loopback);
        assert_eq!(again.get().model.as_deref(), Some("openai/gpt-4o"));
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(SettingsFile::load(&path).get(), Settings::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
