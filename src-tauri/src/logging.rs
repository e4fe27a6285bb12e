//! The app's log: our own crates' events (`tracing`), written to a file in the app's log folder
//! and, in debug builds, to stderr too.
//!
//! On Linux the folder is Tauri's `app_log_dir()`, `~/.local/share/ai.glama.chat/logs/` (inside
//! the data folder, so Delete all data takes it too): `glama-chat.log`, set aside at a start once
//! it passes 1 MB as `glama-chat.1.log` (the one before as `.2`, and so on), seven files kept. A
//! log line never holds the key or a message's text: the key's `Debug` and `Display` are
//! redacted (a test below), and no event carries what a person or a model wrote.
//!
//! The subscriber and the rotation are ours, and small: tracing-subscriber's formatter and
//! tracing-appender's daily rotation (with a date crate and a channel crate) took the release
//! binary over its size budget, for a log of a few lines a minute with no spans. A line reads
//! `2026-12-03T20:14:35.123456Z  INFO glama_core::store: message field=value`.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Files kept: the one written and the six set aside before it.
const KEPT_FILES: usize = 7;

/// Size past which the file is set aside at the next start.
const ROTATE_AT_BYTES: u64 = 1024 * 1024;

/// The crates whose events are written, from `info` up. Other crates' events (WebKit's,
/// Tauri's, HTTP's) are left out: what they log is not ours to vouch for.
const OURS: [&str; 2] = ["glama_chat_lib", "glama_core"];

/// Starts logging to a file in `folder` (when there is one and it can be written) and, in debug
/// builds, to stderr.
pub fn init(folder: Option<&Path>) {
    let mut writers: Vec<Box<dyn Write + Send>> = Vec::new();
    if let Some(file) = folder.and_then(|folder| open(folder).ok()) {
        writers.push(Box::new(file));
    }
    if cfg!(debug_assertions) {
        writers.push(Box::new(io::stderr()));
    }
    let _ = tracing::subscriber::set_global_default(Log::new(writers));
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

/// Writes our crates' events as lines, each where the event is (a few lines a minute: no
/// writer thread whose last lines an exit would lose).
struct Log {
    writers: Mutex<Vec<Box<dyn Write + Send>>>,
}

impl Log {
    fn new(writers: Vec<Box<dyn Write + Send>>) -> Self {
        Self {
            writers: Mutex::new(writers),
        }
    }
}

/// An event or span of ours, at `info` or above.
fn is_ours(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    *metadata.level() <= Level::INFO
        && OURS.iter().any(|crate_name| {
            target
                .strip_prefix(crate_name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
}

impl Subscriber for Log {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_ours(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::INFO)
    }

    // No spans are written (the app opens none): each gets the same id.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = line(event, SystemTime::now());
        let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        for writer in writers.iter_mut() {
            let _ = writer.write_all(line.as_bytes());
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// `event` as one line of the log, at `now`.
fn line(event: &Event<'_>, now: SystemTime) -> String {
    let metadata = event.metadata();
    let mut line = format!("{} {:>5} {}: ", utc(now), metadata.level().as_str(), metadata.target());
    let mut fields = Fields {
        message: String::new(),
        rest: String::new(),
    };
    event.record(&mut fields);
    line.push_str(&fields.message);
    line.push_str(&fields.rest);
    line.push('\n');
    line
}

/// An event's message, then its other fields as ` name=value`.
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

/// `time` in UTC as RFC 3339 with microseconds: `2026-12-03T20:14:35.123456Z`.
fn utc(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (Howard Hinnant's `civil_from_days`, for days after 1970).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60,
        since.subsec_micros()
    )
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

    /// A key that reaches a log line by mistake, as a field or inside the message, shows only
    /// its masked tail.
    #[test]
    fn a_key_in_a_log_line_stays_redacted() {
        let written = Written::default();
        let subscriber = Log::new(vec![Box::new(written.clone())]);
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

    /// Dates and times of the log's lines, in UTC.
    #[test]
    fn times_are_written_in_utc() {
        let at = |secs: u64, micros: u32| utc(UNIX_EPOCH + std::time::Duration::new(secs, micros * 1000));
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(at(1_796_330_075, 123_456), "2026-12-03T20:34:35.123456Z");
        assert_eq!(at(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z");
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
