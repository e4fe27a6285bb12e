//! Opening a URL in the person's browser.

use std::time::Duration;

/// Opens `url` with the desktop's handler (`xdg-open`, `open`, `start`, as the `open` crate
/// chooses them), awaited as child processes: no thread is blocked. `false` when none could
/// open it within a few seconds; a handler still running after that is taken as success,
/// since some browsers keep the opener waiting until they exit.
pub async fn open(url: &str) -> bool {
    for command in open::commands(url) {
        let mut command = tokio::process::Command::from(command);
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(false);
        let Ok(mut child) = command.spawn() else { continue };
        match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
            Ok(Ok(status)) if status.success() => return true,
            Ok(_) => continue,
            Err(_) => return true,
        }
    }
    // Not the URL: a sign-in link carries its state, and a link from an answer is its text.
    tracing::warn!("no browser could open a link");
    false
}
