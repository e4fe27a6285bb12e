//! Conversations kept on disk: one SQLite file in the app's data folder.
//!
//! One connection, owned by one thread: every read and write is a job sent to it, so there is
//! one writer by construction, jobs run in the order they were sent (a partial save of an
//! answer can never land after its final save), and no caller — least of all the UI thread —
//! ever waits on the disk itself.
//!
//! Durability: WAL with `synchronous=FULL`. A commit is on disk when it returns, so a power
//! cut loses nothing committed; an answer is committed at most every 500 ms while it streams,
//! so a crash of any kind loses at most its last half second. The cost is one fsync per
//! commit, which a chat app makes a few times a second at most.
//!
//! When the file cannot be used (unwritable folder, locked by another program, made by a newer
//! version) the store runs in memory for this session and says so; a damaged file is moved
//! aside, never deleted, and a new one started.

pub mod answers;
pub mod archive;
pub mod assistants;
pub mod attachments;
pub mod conversations;
mod jobs;
pub mod paging;
pub mod rows;
pub mod search;
pub mod tool_calls;
pub mod versions;

mod schema;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::error_code::{ErrorCode, Notice};

/// The file's name inside the app's data folder.
pub const FILE_NAME: &str = "chats.sqlite3";

/// Why the store could not do something, in words the person can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("The disk is full, so this could not be saved. Free some space and try again.")]
    DiskFull,
    #[error("The chat history file can't be written ({0}). Check the folder's permissions.")]
    ReadOnly(String),
    #[error("The chat history file is in use by another program. Close it and try again.")]
    Locked,
    #[error("The chat history file is damaged ({0}).")]
    Corrupt(String),
    #[error("The chat history was written by a newer version of Glama Chat (schema {found}, this one knows {known}).")]
    TooNew { found: u32, known: u32 },
    #[error("That chat no longer exists.")]
    NoSuchConversation,
    #[error("That message is no longer in this chat.")]
    NoSuchMessage,
    #[error("That assistant no longer exists.")]
    NoSuchAssistant,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("That file is not a Glama Chat export: {0}")]
    BadArchive(String),
    #[error("Could not read or write {path}: {source}")]
    File { path: String, source: std::io::Error },
    /// A file's failure before it is named by its path (see [`archive`]).
    #[error("Could not read or write the file: {0}")]
    Io(std::io::Error),
    #[error("A message is larger than {} MB, more than an export may hold, so the chats were not exported.", archive::MAX_MESSAGE_BYTES >> 20)]
    MessageTooLarge,
    #[error("The chat history stopped working; restart Glama Chat.")]
    Closed,
    /// A job panicked (a bug): its transaction was rolled back and the store runs on.
    #[error("Something went wrong in the chat history, and that was not done (nothing was half saved). Try again.")]
    JobFailed,
    #[error("Could not save the chat history: {0}")]
    Sqlite(rusqlite::Error),
}

impl StoreError {
    /// A stable code the window can branch on.
    pub fn kind(&self) -> ErrorCode {
        match self {
            StoreError::DiskFull => ErrorCode::DiskFull,
            StoreError::ReadOnly(_) => ErrorCode::StoreReadOnly,
            StoreError::Locked => ErrorCode::StoreLocked,
            StoreError::Corrupt(_) => ErrorCode::StoreCorrupt,
            StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
            StoreError::NoSuchConversation => ErrorCode::NoSuchConversation,
            StoreError::NoSuchMessage => ErrorCode::NoSuchMessage,
            StoreError::NoSuchAssistant => ErrorCode::NoSuchAssistant,
            StoreError::Invalid(_) => ErrorCode::Invalid,
            StoreError::BadArchive(_) => ErrorCode::BadArchive,
            StoreError::File { .. } | StoreError::Io(_) => ErrorCode::File,
            StoreError::MessageTooLarge => ErrorCode::Export,
            StoreError::Closed => ErrorCode::StoreClosed,
            StoreError::JobFailed => ErrorCode::StoreJobFailed,
            StoreError::Sqlite(_) => ErrorCode::Store,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly)
            | Some(rusqlite::ErrorCode::CannotOpen)
            | Some(rusqlite::ErrorCode::PermissionDenied) => StoreError::ReadOnly(e.to_string()),
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => StoreError::Locked,
            Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new id: time-ordered and unique across machines, so an import never collides.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The store: a handle to the thread that owns the connection. Cheap to share behind an `Arc`.
pub struct Store {
    jobs: mpsc::Sender<Job>,
    /// The newest search each window sent.
    searches: Arc<search::Latest>,
    /// The file in use, or `None` when this session's chats live in memory.
    path: Option<PathBuf>,
}

/// What opening the store found.
pub struct Opened {
    pub store: Store,
    /// Something the person must hear about (a damaged file moved aside, chats kept in memory only).
    pub notice: Option<Notice>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, falling back to memory rather than failing.
    pub fn open(dir: &Path) -> Opened {
        let path = dir.join(FILE_NAME);
        let attempt = std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::ReadOnly(format!("{}: {e}", dir.display())))
            .and_then(|()| open_file(&path));
        let (conn, notice, path) = match attempt {
            Ok(conn) => (conn, None, Some(path)),
            Err(StoreError::Corrupt(why)) => match move_aside(&path) {
                Ok(aside) => match open_file(&path) {
                    Ok(conn) => (
                        conn,
                        Some(Notice::new(
                            ErrorCode::StoreCorrupt,
                            format!(
                                "The chat history file was damaged ({why}). It was moved aside to {} and a new one started.",
                                aside.display()
                            ),
                        )),
                        Some(path),
                    ),
                    Err(e) => in_memory(&path, e),
                },
                Err(e) => in_memory(&path, e),
            },
            Err(e) => in_memory(&path, e),
        };
        Opened {
            store: Store::spawn(conn, path),
            notice,
        }
    }

    /// A store in memory only (tests, benchmarks).
    pub fn in_memory() -> Store {
        Store::spawn(memory(), None)
    }

    fn spawn(mut conn: Connection, path: Option<PathBuf>) -> Store {
        let (jobs, inbox) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                for job in inbox {
                    // A panicking job (markdown is rendered here too) must not end the history
                    // for the session: its transaction rolls back as it unwinds, its caller
                    // hears `JobFailed` (its reply sender is dropped unanswered), and the next
                    // job runs on the same connection.
                    if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
                        tracing::error!("a store job panicked; the store goes on");
                    }
                }
            })
            .expect("spawn the store thread");
        Store {
            jobs,
            searches: Arc::default(),
            path,
        }
    }

    /// The file in use; `None` when chats are kept in memory for this session.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` on the store's thread and waits for it (from blocking code: tests, benchmarks).
    /// A job that was taken and never answered panicked: the thread outlives its jobs.
    pub fn call<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |c| {
                let _ = tx.send(f(c));
            }))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().map_err(|_| StoreError::JobFailed)?
    }

    /// Runs `f` on the store's thread; the caller's task waits, its thread does not.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |c| {
                let _ = tx.send(f(c));
            }))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::JobFailed)?
    }

    /// Closes the file, runs `remove` (Delete all data removes the file with its folder), then
    /// opens a new, empty file at the same place. Jobs sent meanwhile wait their turn.
    pub fn with_file_closed<T: Send + 'static>(&self, remove: impl FnOnce() -> T + Send + 'static) -> T {
        let path = self.path.clone();
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn| {
            *conn = memory();
            // The file is opened again even when `remove` panics; the panic goes on in the caller.
            let result = std::panic::catch_unwind(AssertUnwindSafe(remove));
            if let Some(path) = path {
                if let Some(dir) = path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                *conn = open_file(&path).unwrap_or_else(|_| memory());
            }
            let _ = tx.send(result);
        });
        let _ = self.jobs.send(job);
        match rx.recv().expect("the store thread runs every job it is sent") {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Queues `f` without waiting (saving an answer as it streams). Runs before any job sent later.
    pub fn queue(&self, f: impl FnOnce(&mut Connection) + Send + 'static) {
        let _ = self.jobs.send(Box::new(f));
    }
}

/// Opens the file, sets it up and brings its schema up to date; then repairs what a crash
/// left (answers cut mid-stream and their waiting or running tool calls become `interrupted`)
/// and purges deleted chats and versions.
fn open_file(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    // Short while starting: a file held by another program should not freeze the window.
    conn.busy_timeout(Duration::from_secs(1))?;
    configure(&conn)?;
    schema::migrate(&mut conn)?;
    answers::mark_interrupted(&conn)?;
    tool_calls::mark_interrupted(&conn)?;
    conversations::purge_deleted(&conn, now_ms())?;
    versions::purge_deleted(&conn, now_ms())?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    search::register_functions(conn)?;
    // `journal_mode` answers with the mode in force; reading it is also the first read of
    // the file, where a damaged or foreign file shows.
    let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// A migrated database in memory. It needs no file, so it cannot fail short of a bug.
fn memory() -> Connection {
    Connection::open_in_memory()
        .map_err(StoreError::from)
        .and_then(|mut c| {
            configure(&c)?;
            schema::migrate(&mut c)?;
            Ok(c)
        })
        .expect("an in-memory SQLite database opens")
}

/// Renames a damaged file (and its WAL and shared-memory files) to `<name>.corrupt-<time>`.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let aside = path.with_file_name(format!("{FILE_NAME}.corrupt-{}", now_ms()));
    std::fs::rename(path, &aside).map_err(|source| StoreError::File {
        path: path.display().to_string(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, format!("{}{suffix}", aside.display()));
        }
    }
    Ok(aside)
}

fn in_memory(path: &Path, why: StoreError) -> (Connection, Option<Notice>, Option<PathBuf>) {
    let reason = match &why {
        StoreError::Locked => format!("{} is in use by another program", path.display()),
        StoreError::TooNew { .. } => format!("{why} It is left untouched"),
        other => other.to_string(),
    };
    let conn = memory();
    let notice = format!(
        "Chats can't be saved this time: {reason}. They are kept until you quit; fix this and restart to keep them."
    );
    (conn, Some(Notice::new(ErrorCode::StoreInMemory, notice)), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_file_is_moved_aside_and_a_new_one_used() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"this is not a database, just some bytes that got here somehow".repeat(100);
        std::fs::write(dir.path().join(FILE_NAME), &garbage).unwrap();
        let opened = Store::open(dir.path());
        let notice = opened.notice.expect("the person is told");
        assert_eq!(notice.kind, ErrorCode::StoreCorrupt);
        let notice = notice.message;
        assert!(notice.contains("damaged") && notice.contains("moved aside"), "{notice}");
        assert_eq!(opened.store.path(), Some(dir.path().join(FILE_NAME).as_path()));
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1, "the damaged file is kept");
        assert_eq!(std::fs::read(aside[0].path()).unwrap(), garbage, "byte for byte");
        // The new file works.
        let id = opened.store.call(|db| conversations::create(db, "m")).unwrap().id;
        assert_eq!(opened.store.call(|db| conversations::list(db)).unwrap()[0].id, id);
    }

    #[test]
    fn an_unusable_folder_means_memory_for_this_session_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be: the folder can't be made (root ignores permissions).
        let blocker = dir.path().join("data");
        std::fs::write(&blocker, b"x").unwrap();
        let opened = Store::open(&blocker.join("glama"));
        let notice = opened.notice.expect("the person is told");
        assert_eq!(notice.kind, ErrorCode::StoreInMemory);
        let notice = notice.message;
        assert!(notice.contains("can't be saved"), "{notice}");
        assert!(opened.store.path().is_none());
        // Chats still work for the session.
        opened.store.call(|db| conversations::create(db, "m")).unwrap();
        assert_eq!(opened.store.call(|db| conversations::list(db)).unwrap().len(), 1);
    }

    #[test]
    fn a_file_locked_by_another_program_means_memory_and_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).store);
        std::thread::sleep(Duration::from_millis(50));
        let other = Connection::open(dir.path().join(FILE_NAME)).unwrap();
        other
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM conversations;")
            .unwrap();
        let opened = Store::open(dir.path());
        let notice = opened.notice.expect("the person is told").message;
        assert!(notice.contains("in use by another program"), "{notice}");
        assert!(opened.store.path().is_none());
        drop(other);
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).store);
        std::thread::sleep(Duration::from_millis(50));
        let path = dir.path().join(FILE_NAME);
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let opened = Store::open(dir.path());
        let notice = opened.notice.expect("the person is told").message;
        assert!(notice.contains("newer version"), "{notice}");
        let version: u32 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 99);
    }

    /// Before, a panicking job ended the store's thread: every later job failed with "stopped
    /// working" for the rest of the session.
    #[test]
    fn a_panicking_job_fails_in_words_and_the_store_lives_on() {
        let store = Store::in_memory();
        let err = store
            .call(|db| -> Result<()> {
                let tx = db.transaction()?;
                conversations::create(&tx, "half-made")?;
                panic!("a bug in a job");
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::StoreJobFailed);
        assert!(err.to_string().contains("Try again"), "{err}");
        store.queue(|_| panic!("a bug in a queued job"));
        assert!(
            store.call(|db| conversations::list(db)).unwrap().is_empty(),
            "the panicking job's transaction was rolled back"
        );
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = runtime
            .block_on(store.run(|_| -> Result<()> { panic!("a bug in an async job") }))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::StoreJobFailed);
        store.call(|db| conversations::create(db, "m")).unwrap();
        assert_eq!(store.call(|db| conversations::list(db)).unwrap().len(), 1);
    }

    #[test]
    fn a_full_disk_is_an_error_in_words() {
        let store = Store::in_memory();
        let id = store.call(|db| conversations::create(db, "m")).unwrap().id;
        let err = store
            .call(move |db| {
                let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                db.pragma_update(None, "max_page_count", pages)?;
                conversations::save_draft(db, &id, &"lorem ipsum ".repeat(100_000))
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorCode::DiskFull);
        assert!(err.to_string().contains("disk is full"), "{err}");
    }
}
