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
    /// The models picked last, newest first (at most [`RECENT_MODELS`]); kept by
    /// [`Settings::choose`], whatever the window sends.
    pub recent_models: Vec<String>,
    /// The window's colours.
    pub theme: Theme,
    /// The window's text size.
    pub text_size: TextSize,
    /// The sidebar hidden (Ctrl+B) in a window wide enough to show it beside the chat.
    pub sidebar_collapsed: bool,
}

/// How many models the picker lists as recent.
pub const RECENT_MODELS: usize = 5;

/// The window's colours: the system's, or always light or dark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// The window's text size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextSize {
    Small,
    #[default]
    Medium,
    Large,
}

impl Settings {
    /// Takes the person's choices from `next`. The recent models are not a choice: a model
    /// picked (a `model` other than the current one) goes to their front.
    pub fn choose(&mut self, next: Settings) {
        let recent = std::mem::take(&mut self.recent_models);
        let picked = next.model.clone().filter(|m| self.model.as_ref() != Some(m));
        *self = Settings {
            recent_models: recent,
            ..next
        };
        if let Some(model) = picked {
            self.recent_models.retain(|m| *m != model);
            self.recent_models.insert(0, model);
            self.recent_models.truncate(RECENT_MODELS);
        }
    }
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

/// What happened to a settings file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsLoadNote {
    #[error(
        "Your settings file could not be read ({reason}), so the defaults are in use. \
         The unreadable file was kept as {kept}."
    )]
    KeptAside { reason: String, kept: String },
    #[error("Your settings file could not be read ({reason}), so the defaults are in use.")]
    Unreadable { reason: String },
}

impl SettingsFile {
    /// Reads `path`. A missing file means defaults. A file that cannot be read or parsed also
    /// means defaults, but it is never silently lost: it is moved aside as
    /// `settings.json.corrupt-<unix seconds>` (so the next save does not overwrite it) and the
    /// note says where.
    pub fn load(path: impl Into<PathBuf>) -> (Self, Option<SettingsLoadNote>) {
        let path = path.into();
        let (current, note) = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(SettingsLoadNote::Unreadable { reason: e.to_string() }),
            ),
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(settings) => (settings, None),
                Err(e) => (Settings::default(), Some(keep_aside(&path, e.to_string()))),
            },
        };
        let file = Self {
            path,
            current: Mutex::new(current),
        };
        (file, note)
    }

    pub fn get(&self) -> Settings {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Applies `change` and writes the file durably (see [`write_durably`]).
    pub fn update(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, SettingsError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = current.clone();
        change(&mut next);
        write_durably(
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

fn keep_aside(path: &Path, reason: String) -> SettingsLoadNote {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut kept = path.as_os_str().to_owned();
    kept.push(format!(".corrupt-{stamp}"));
    let kept = PathBuf::from(kept);
    match std::fs::rename(path, &kept) {
        Ok(()) => SettingsLoadNote::KeptAside {
            reason,
            kept: kept.display().to_string(),
        },
        Err(e) => SettingsLoadNote::Unreadable {
            reason: format!("{reason}; it could not be moved aside either: {e}"),
        },
    }
}

/// Write to a temporary file, flush it to disk, rename it over the old one, flush the
/// folder: a crash or power cut leaves the old file or the new one, never half of one.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("json.tmp");
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    // Make the rename itself durable (on Windows a folder cannot be opened this way).
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("glama-settings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trip() {
        let dir = temp_dir("round-trip");
        let path = dir.join("nested/settings.json");
        let (file, note) = SettingsFile::load(&path);
        assert_eq!((file.get(), note), (Settings::default(), None));
        file.update(|s| {
            s.transport = TransportChoice::Loopback;
            s.model = Some("openai/gpt-4o".into());
        })
        .unwrap();
        let (again, note) = SettingsFile::load(&path);
        assert_eq!(note, None);
        assert_eq!(again.get().transport, TransportChoice::Loopback);
        assert_eq!(again.get().model.as_deref(), Some("openai/gpt-4o"));
        assert!(!path.with_extension("json.tmp").exists(), "no temporary file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_from_before_the_appearance_settings_reads_with_their_defaults() {
        let old: Settings = serde_json::from_str(r#"{"transport":"loopback","model":"m"}"#).unwrap();
        assert_eq!(old.transport, TransportChoice::Loopback);
        assert_eq!(
            (old.theme, old.text_size, old.sidebar_collapsed),
            (Theme::System, TextSize::Medium, false)
        );
        assert!(old.recent_models.is_empty());
        let json = serde_json::to_value(Settings::default()).unwrap();
        assert_eq!(json["theme"], "system");
        assert_eq!(json["textSize"], "medium");
        assert_eq!(json["recentModels"], serde_json::json!([]));
        assert_eq!(json["sidebarCollapsed"], false);
    }

    #[test]
    fn models_picked_are_kept_as_recent_newest_first_each_once_and_a_few() {
        let mut s = Settings::default();
        let pick = |s: &mut Settings, model: &str| {
            let next = Settings {
                model: Some(model.into()),
                ..s.clone()
            };
            s.choose(next);
        };
        for m in ["a", "b", "c", "b"] {
            pick(&mut s, m);
        }
        assert_eq!(s.recent_models, ["b", "c", "a"]);
        // Another choice, the model unchanged: the list stays as it is.
        s.choose(Settings {
            theme: Theme::Dark,
            ..s.clone()
        });
        assert_eq!((s.theme, s.recent_models.len()), (Theme::Dark, 3));
        // What the window sends as recent is not taken.
        s.choose(Settings {
            recent_models: vec!["forged".into()],
            ..s.clone()
        });
        assert_eq!(s.recent_models, ["b", "c", "a"]);
        for m in ["d", "e", "f", "g"] {
            pick(&mut s, m);
        }
        assert_eq!(s.recent_models, ["g", "f", "e", "d", "b"]);
    }

    /// Before, a corrupt file silently meant defaults, and the next save overwrote it.
    #[test]
    fn a_corrupt_file_is_kept_aside_and_reported() {
        let dir = temp_dir("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.json");
        std::fs::write(&path, b"{not json").unwrap();
        let (file, note) = SettingsFile::load(&path);
        assert_eq!(file.get(), Settings::default());
        let Some(SettingsLoadNote::KeptAside { kept, .. }) = note.clone() else {
            panic!("{note:?}")
        };
        assert!(kept.contains("settings.json.corrupt-"), "{kept}");
        assert_eq!(std::fs::read(&kept).unwrap(), b"{not json");
        assert!(!path.exists());
        assert!(note.unwrap().to_string().contains(&kept));
        // Saving now writes a fresh file and leaves the kept one alone.
        file.update(|s| s.model = Some("m".into())).unwrap();
        assert_eq!(std::fs::read(&kept).unwrap(), b"{not json");
        assert_eq!(SettingsFile::load(&path).0.get().model.as_deref(), Some("m"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
