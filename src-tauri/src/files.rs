//! Files the person picks for export and import, through the native dialogs.

use std::path::{Path, PathBuf};

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use crate::error::AppError;

/// Tests answer every dialog with this path instead of showing one: a native dialog is
/// the one part of the window that WebDriver cannot reach.
const TEST_ANSWER: &str = "GLAMA_CHAT_TEST_FILE_DIALOG";

/// Asks where to save `name.ext`; `None` if the person cancelled.
pub async fn choose_save(app: &AppHandle, name: &str, ext: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(TEST_ANSWER) {
        return Some(PathBuf::from(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(format!("{name}.{ext}"))
        .add_filter(if ext == "md" { "Markdown" } else { "JSON" }, &[ext])
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Asks for an export file to import; `None` if the person cancelled.
pub async fn choose_open(app: &AppHandle) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(TEST_ANSWER) {
        return Some(PathBuf::from(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Glama Chat export", &["json"])
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Asks for files to attach; none if the person cancelled.
pub async fn choose_attachments(app: &AppHandle) -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(TEST_ANSWER) {
        return vec![PathBuf::from(path)];
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_files(move |paths| {
        let paths = paths
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect();
        let _ = tx.send(paths);
    });
    rx.await.unwrap_or_default()
}

/// A file name from a chat's title: no path separators or control characters.
pub fn file_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                ' '
            } else {
                c
            }
        })
        .take(80)
        .collect();
    // Words of dots alone (`..`) go: a name never climbs out of the chosen folder.
    let cleaned = cleaned
        .split_whitespace()
        .filter(|w| !w.chars().all(|c| c == '.'))
        .collect::<Vec<_>>()
        .join(" ");
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "Glama Chat".into()
    } else {
        cleaned.into()
    }
}

/// Writes `bytes` whole or not at all (a temporary file renamed into place).
pub async fn write(path: &Path, bytes: Vec<u8>) -> Result<(), AppError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let tmp = path.with_extension("glama-tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                AppError::File(path.display().to_string(), e.to_string())
            })
    })
    .await
    .map_err(|e| AppError::Export(e.to_string()))?
}

/// Reads a file of at most `limit` bytes.
pub async fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, AppError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let shown = path.display().to_string();
        let file = std::fs::File::open(&path).map_err(|e| AppError::File(shown.clone(), e.to_string()))?;
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AppError::File(shown.clone(), e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(AppError::File(
                shown,
                format!("it is larger than {} MB", limit / 1024 / 1024),
            ));
        }
        Ok(bytes)
    })
    .await
    .map_err(|e| AppError::Export(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_titles() {
        assert_eq!(file_name("How do I sort?"), "How do I sort");
        assert_eq!(file_name("../../etc/passwd"), "etc passwd");
        assert_eq!(file_name("   "), "Glama Chat");
        assert_eq!(file_name("a\u{0}b\nc"), "a b c");
    }
}
