//! Files the person picks for export and import, through the native dialogs.

use std::path::{Path, PathBuf};

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use crate::error::AppError;

/// Set by the end-to-end tests: a debug build then answers every dialog with this path
/// instead of showing one (a native dialog is the one part of the window WebDriver cannot
/// reach). Release builds have no such hook: the name is not even in their binary.
#[cfg(debug_assertions)]
fn test_answer() -> Option<PathBuf> {
    std::env::var_os("GLAMA_CHAT_TEST_FILE_DIALOG").map(PathBuf::from)
}

#[cfg(not(debug_assertions))]
fn test_answer() -> Option<PathBuf> {
    None
}

/// Asks where to save `name.ext`; `None` if the person cancelled.
pub async fn choose_save(app: &AppHandle, name: &str, ext: &str) -> Option<PathBuf> {
    if let Some(path) = test_answer() {
        return Some(path);
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
    if let Some(path) = test_answer() {
        return Some(path);
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
    if let Some(path) = test_answer() {
        return vec![path];
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

/// Reads a file of at most `limit` bytes.
pub async fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, AppError> {
    let (path, shown) = (path.to_path_buf(), path.display().to_string());
    let failed = shown.clone();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
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
    .map_err(|e| AppError::File(failed, e.to_string()))?
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
