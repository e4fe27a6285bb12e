//! The app's log: our own crates' events (`tracing`), written to a file in the app's log folder
//! and, in debug builds, to stderr too.
//!
//! On Linux the folder is Tauri's `app_log_dir()`, `~/.local/share/ai.glama.chat/logs/` (inside
//! the data folder, so Delete all data takes it too): `glama-chat.log`, set aside at a start once
//! it passes 1 MB as `glama-chat.1.log` (the one before as `.2`, and so on), seven files kept. A
//! log line never holds the key or a message's text: the key's `Debug` and `Display` are
//! redacted (a test below), and no event carries what a person or a model wrote.
//!
//! The rotation is ours, at start only: tracing-appender's daily rotation brought a date crate
//! and a channel crate, half a megabyte of the binary, for a log of a few lines a minute.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::Mutex;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Files kept: the one written and the six set aside before it.
const KEPT_FILES: usize = 7;

/// Size past which the file is set aside at the next start.
const ROTATE_AT_BYTES: u64 = 1024 * 1024;

/// Starts logging to a file in `folder` (when there is one and it can be written) and, in debug
/// builds, to stderr. Other crates' events (WebKit's, Tauri's, HTTP's) are left out: what they
/// log is not ours to vouch for.
pub fn init(folder: Option<&Path>) {
    let file = folder.and_then(|folder| open(folder).ok()).map(Mutex::new);
    let stderr = cfg!(debug_assertions).then(|| lines(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(file.map(lines))
        .with(stderr)
        .with(ours())
        .try_init();
}

/// The file to append to, the full one set aside first.
fn open(folder: &Path) -> io::Result<File> {
    std::fs::create_dir_all(folder)?;
    let current = folder.join(file_name(0));
    if std::fs::metadata(&current).is_ok_and(|file| file.len() >= ROTATE_AT_BYTES) {
        set_aside(folder);
    }
    OpenOptions::new().create(true).append(true).open(current)
}

/// Moves each file one place older; the oldest is overwritten. A rename that fails leaves that
/// file where it was: the log goes on either way.
fn set_aside(folder: &Path) {
    for age in (0..KEPT_FILES - 1).rev() {
        let _ = std::fs::rename(folder.join(file_name(age)), folder.join(file_name(age + 1)));
    }
}

/// `glama-chat.log`, then `glama-chat.1.log`, `glama-chat.2.log`…
fn file_name(age: usize) -> String {
    match age {
        0 => "glama-chat.log".to_owned(),
        age => format!("glama-chat.{age}.log"),
    }
}

/// Lines as the log writes them to `writer`. The file's writes are a few lines a minute, so
/// they are made where the event is (no writer thread whose last lines an exit would lose).
fn lines<S, W>(writer: W) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(true)
}

/// Our crates' events, from `info` up.
fn ours() -> Targets {
    Targets::new()
        .with_target("glama_chat_lib", Level::INFO)
        .with_target("glama_core", Level::INFO)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use glama_core::secret::ApiKey;

    use super::*;

    /// Collects what the log writes.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Written {
        type Writer = Written;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    /// A key that reaches a log line by mistake, as a field or inside the message, shows only
    /// its masked tail.
    #[test]
    fn a_key_in_a_log_line_stays_redacted() {
        let written = Written::default();
        let subscriber = tracing_subscriber::registry().with(lines(written.clone())).with(ours());
        let key = ApiKey::new("glama_sk_live_0123456789abcdef");
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(key = ?key, shown = %key, "connected with {key} ({key:?})");
            tracing::info!(target: "reqwest", "another crate's event: {}", key.expose());
        });
        let log = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("connected with"), "{log}");
        assert!(log.contains("…cdef"), "the masked tail: {log}");
        assert!(!log.contains("0123456789"), "{log}");
        assert!(!log.contains("another crate"), "only our crates are written: {log}");
    }

    /// A full file is set aside at start, the older ones move one place, and only seven stay.
    #[test]
    fn a_full_log_is_set_aside_at_start_and_seven_are_kept() {
        let folder = std::env::temp_dir().join(format!("glama-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for age in 1..KEPT_FILES {
            std::fs::write(folder.join(file_name(age)), format!("start {age} ago")).unwrap();
        }
        std::fs::write(folder.join(file_name(0)), "small").unwrap();
        drop(open(&folder).unwrap());
        assert_eq!(std::fs::read_to_string(folder.join(file_name(0))).unwrap(), "small");

        std::fs::write(folder.join(file_name(0)), vec![b'x'; ROTATE_AT_BYTES as usize]).unwrap();
        drop(open(&folder).unwrap());
        assert_eq!(std::fs::read(folder.join(file_name(0))).unwrap().len(), 0);
        assert_eq!(
            std::fs::read(folder.join(file_name(1))).unwrap().len(),
            ROTATE_AT_BYTES as usize
        );
        assert_eq!(
            std::fs::read_to_string(folder.join(file_name(2))).unwrap(),
            "start 1 ago"
        );
        assert_eq!(
            std::fs::read_to_string(folder.join(file_name(KEPT_FILES - 1))).unwrap(),
            format!("start {} ago", KEPT_FILES - 2)
        );
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), KEPT_FILES);
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
