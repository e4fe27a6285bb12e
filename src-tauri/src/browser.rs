//! Opening a URL in the person's browser.

use std::time::Duration;

/// Opens `url` with the desktop's handler (`xdg-open`, `open`, `start`). `false` when that
/// fails within a few seconds; a handler still running after that is taken as success, since
/// some browsers keep the opener waiting until they exit.
pub async fn open(url: String) -> bool {
    let opening = tokio::task::spawn_blocking(move || open::that(url).is_ok());
    match tokio::time::timeout(Duration::from_secs(5), opening).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(_)) => false,
        Err(_) => true,
    }
}
