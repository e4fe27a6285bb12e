//! The app's log: our own crates' events (`tracing`), written to a file in the app's log folder
//! and, in debug builds, to stderr too.
//!
//! On Linux the folder is Tauri's `app_log_dir()`, `~/.local/share/ai.glama.chat/logs/` (inside
//! the data folder, so Delete all data takes it too): one file a day, `glama-chat.<date>.log`,
//! the last week's kept. A log line never holds the key or a message's text: the key's `Debug`
//! and `Display` are redacted (a test below), and no event carries what a person or a model wrote.

use std::path::Path;

use tracing::Level;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Days of logs kept.
const KEPT_FILES: usize = 7;

/// Starts logging to a file in `folder` (when there is one and it can be written) and, in debug
/// builds, to stderr. Other crates' events (WebKit's, Tauri's, HTTP's) are left out: what they
/// log is not ours to vouch for.
pub fn init(folder: Option<&Path>) {
    let file = folder.and_then(|folder| {
        RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix("glama-chat")
            .filename_suffix("log")
            .max_log_files(KEPT_FILES)
            .build(folder)
            .ok()
    });
    let stderr = cfg!(debug_assertions).then(|| lines(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(file.map(lines))
        .with(stderr)
        .with(ours())
        .try_init();
}

/// Lines as the log writes them to `writer`. A file appender's writes are a few lines a
/// minute, so they are made where the event is (no writer thread whose last lines an exit
/// would lose).
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
}
