//! Links in answers: opened in the system browser, never in the window.

use crate::browser;
use crate::error::AppError;

/// Opens a link from an answer in the system browser: http(s) only.
#[tauri::command]
pub async fn open_link(url: String) -> Result<(), AppError> {
    let parsed = url::Url::parse(&url).map_err(|_| AppError::UnsafeLink)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::UnsafeLink);
    }
    if browser::open(parsed.as_str()).await {
        Ok(())
    } else {
        Err(AppError::Browser(parsed.to_string()))
    }
}
