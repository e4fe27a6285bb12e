//! A local server's process: started in its own process group with the PATH a GUI launch lacks,
//! its stderr kept as a capped tail, its stdout held to JSON lines, and the whole group killed
//! when it stops.
//!
//! rmcp's line transport skips lines that are not JSON, so a server that prints a banner or a
//! log line on stdout would sit silent until a time limit. Ours ends the connection at the
//! first such line and keeps it to say what went wrong.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Stdio as Pipe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::process::{Child, ChildStdin, Command};

use super::config::Stdio;

/// How much of a server's stderr is kept: enough for a stack trace's end.
const STDERR_TAIL_BYTES: usize = 8 * 1024;
/// A line on stdout this long is not a message we will take (a tool's whole result is one line,
/// so it is generous).
const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;
/// How long a stopped server has to exit after SIGTERM before its group is killed.
const TERM_GRACE: Duration = Duration::from_secs(2);

/// The last bytes a server wrote on stderr.
#[derive(Debug, Default)]
pub struct StderrTail(Mutex<Vec<u8>>);

impl StderrTail {
    fn push(&self, bytes: &[u8]) {
        let mut tail = self.0.lock().unwrap_or_else(|p| p.into_inner());
        tail.extend_from_slice(bytes);
        if tail.len() > STDERR_TAIL_BYTES {
            let cut = tail.len() - STDERR_TAIL_BYTES;
            tail.drain(..cut);
        }
    }

    /// The tail as text, from its first whole line, or `None` when the server wrote nothing.
    pub fn text(&self) -> Option<String> {
        let tail = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let full = tail.len() >= STDERR_TAIL_BYTES;
        let text = String::from_utf8_lossy(&tail);
        let text = match text.find('\n') {
            Some(at) if full => &text[at + 1..],
            _ => &text[..],
        };
        let text = text.trim_end();
        (!text.is_empty()).then(|| text.to_string())
    }
}

/// A started server: its process and what it said that was not MCP.
#[derive(Debug)]
pub struct StdioProcess {
    child: Child,
    group: ProcessGroup,
    pub stderr: Arc<StderrTail>,
    /// The first line on stdout that was not JSON, when there was one.
    pub stdout_fault: Arc<Mutex<Option<String>>>,
}

/// The two ends rmcp's line transport speaks over: the server's checked stdout, its stdin.
pub type StdioTransport = (DuplexStream, ChildStdin);

/// Why a program could not be started, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    #[error("the program \"{command}\" was not found (looked in {path})")]
    NotFound { command: String, path: String },
    #[error("the program \"{command}\" could not be started: {reason}")]
    Failed { command: String, reason: String },
}

/// Starts `stdio` with `secrets` (values for its env references, in its env's order) added to
/// its environment.
pub fn spawn(stdio: &Stdio, secret_env: Vec<(String, String)>) -> Result<(StdioProcess, StdioTransport), SpawnError> {
    let path = launch_path(std::env::var_os("PATH"), home_dir());
    let mut command = Command::new(resolve(&stdio.command, &path));
    command
        .args(&stdio.args)
        .env("PATH", &path)
        .stdin(Pipe::piped())
        .stdout(Pipe::piped())
        .stderr(Pipe::piped())
        // Its own group, so stopping it stops what it started too (npx starts node, uvx python).
        .process_group(0)
        .kill_on_drop(true);
    for field in &stdio.env {
        if let super::config::FieldValue::Plain(value) = &field.value {
            command.env(&field.name, value);
        }
    }
    for (name, value) in secret_env {
        command.env(name, value);
    }
    if let Some(cwd) = &stdio.cwd {
        command.current_dir(expand_home(cwd));
    }
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SpawnError::NotFound {
            command: stdio.command.clone(),
            path: path.to_string_lossy().into_owned(),
        },
        _ => SpawnError::Failed {
            command: stdio.command.clone(),
            reason: e.to_string(),
        },
    })?;
    let group = ProcessGroup(child.id().map(|id| id as i32));
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");

    let tail = Arc::new(StderrTail::default());
    tokio::spawn(keep_tail(stderr, tail.clone()));
    let fault = Arc::new(Mutex::new(None));
    let (reader, writer) = tokio::io::duplex(64 * 1024);
    tokio::spawn(check_stdout(stdout, writer, fault.clone()));
    let process = StdioProcess {
        child,
        group,
        stderr: tail,
        stdout_fault: fault,
    };
    Ok((process, (reader, stdin)))
}

impl StdioProcess {
    /// How the process ended, in words, when it has (`None` while it runs).
    pub fn exit(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(exit_words(status)),
            _ => None,
        }
    }

    /// Waits a little for the process to end (it may be closing as we ask), then says how.
    pub async fn exit_soon(&mut self) -> Option<String> {
        tokio::time::timeout(Duration::from_millis(500), self.child.wait())
            .await
            .ok()
            .and_then(Result::ok)
            .map(exit_words)
    }

    /// Stops the server and everything it started: SIGTERM to the group, then SIGKILL after a
    /// grace period (or at once when the leader is already gone; its children may not be).
    pub async fn stop(mut self) {
        self.group.signal(libc::SIGTERM);
        let _ = tokio::time::timeout(TERM_GRACE, self.child.wait()).await;
        self.group.signal(libc::SIGKILL);
        let _ = self.child.wait().await;
    }
}

fn exit_words(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("it exited with status {code}"),
        (None, Some(signal)) => format!("it was killed by signal {signal}"),
        _ => "it exited".to_string(),
    }
}

/// A process group, killed whole when dropped: quitting the app, or a task that was aborted,
/// must not leave servers behind.
#[derive(Debug)]
struct ProcessGroup(Option<i32>);

impl ProcessGroup {
    fn signal(&self, signal: i32) {
        if let Some(pgid) = self.0.filter(|&p| p > 0) {
            // SAFETY: killpg has no memory effects; a group that is gone gives ESRCH.
            unsafe {
                libc::killpg(pgid, signal);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal(libc::SIGKILL);
    }
}

async fn keep_tail(mut stderr: tokio::process::ChildStderr, tail: Arc<StderrTail>) {
    let mut buf = vec![0; 4096];
    while let Ok(n) = stderr.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tail.push(&buf[..n]);
    }
}

/// Copies stdout's JSON lines to `out`; at the first line that is not JSON, keeps it in
/// `fault` and ends `out`, which ends the connection.
async fn check_stdout(stdout: tokio::process::ChildStdout, mut out: DuplexStream, fault: Arc<Mutex<Option<String>>>) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE_BYTES {
            *fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
                "it wrote a line of more than {} MB on its standard output",
                MAX_LINE_BYTES >> 20
            ));
            return;
        }
        let body = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
        if body.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
            let shown: String = String::from_utf8_lossy(body).trim().chars().take(200).collect();
            *fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
                "it wrote something other than MCP messages on its standard output: \"{shown}\""
            ));
            return;
        }
        if out.write_all(&line).await.is_err() {
            return;
        }
        if !line.ends_with(b"\n") && out.write_all(b"\n").await.is_err() {
            return;
        }
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The folders where `npx`, `uvx`, `node`, `docker` and their kin are installed, which a
/// desktop session's PATH often lacks (the app started from a menu, not a login shell).
fn usual_bin_folders(home: Option<&Path>) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    if let Some(home) = home {
        for sub in [
            ".local/bin",
            ".cargo/bin",
            ".npm-global/bin",
            ".volta/bin",
            ".bun/bin",
            ".deno/bin",
            ".local/share/pnpm",
            // fnm's default Node, asdf's and mise's shims: their shell hooks put these in PATH,
            // and a desktop launch runs no shell.
            ".local/share/fnm/aliases/default/bin",
            ".fnm/aliases/default/bin",
            ".asdf/shims",
            ".local/share/mise/shims",
        ] {
            folders.push(home.join(sub));
        }
        folders.extend(newest_nvm_bin(home));
    }
    for dir in ["/usr/local/bin", "/opt/homebrew/bin", "/usr/bin", "/bin", "/snap/bin"] {
        folders.push(PathBuf::from(dir));
    }
    folders
}

/// The bin folder of the newest Node nvm installed: nvm picks its version in a shell's rc file,
/// which a desktop launch never reads, so the newest is the best guess at what a terminal runs.
fn newest_nvm_bin(home: &Path) -> Option<PathBuf> {
    std::fs::read_dir(home.join(".nvm/versions/node"))
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = node_version(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            bin.is_dir().then_some((version, bin))
        })
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, bin)| bin)
}

/// A folder name such as `v18.10.1` as its numbers, so 18.10 sorts after 18.2 and 18 after 9.
fn node_version(name: &str) -> Option<Vec<u64>> {
    let digits = name.strip_prefix('v').unwrap_or(name);
    digits.split('.').map(|part| part.parse().ok()).collect()
}

/// The PATH a server runs with: the app's own, then the usual folders it lacks (that exist).
pub fn launch_path(current: Option<OsString>, home: Option<PathBuf>) -> OsString {
    let mut folders: Vec<PathBuf> = current
        .as_deref()
        .map(|p| std::env::split_paths(p).filter(|f| !f.as_os_str().is_empty()).collect())
        .unwrap_or_default();
    for folder in usual_bin_folders(home.as_deref()) {
        if !folders.contains(&folder) && folder.is_dir() {
            folders.push(folder);
        }
    }
    std::env::join_paths(folders).unwrap_or_else(|_| current.unwrap_or_default())
}

/// The program to run: a bare name is looked up in `path` (the child's PATH, not the app's),
/// anything with a slash is taken as it is.
fn resolve(command: &str, path: &OsStr) -> PathBuf {
    if command.contains('/') {
        return expand_home(command);
    }
    std::env::split_paths(path)
        .map(|dir| dir.join(command))
        .find(|candidate| is_executable(candidate))
        .unwrap_or_else(|| PathBuf::from(command))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_gains_the_usual_folders_once() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".local/bin")).unwrap();
        std::fs::create_dir_all(home.path().join(".cargo/bin")).unwrap();
        let path = launch_path(Some("/usr/bin:/custom".into()), Some(home.path().to_path_buf()));
        let folders: Vec<PathBuf> = std::env::split_paths(&path).collect();
        assert_eq!(folders[..2], [PathBuf::from("/usr/bin"), PathBuf::from("/custom")]);
        assert!(folders.contains(&home.path().join(".local/bin")));
        assert!(folders.contains(&home.path().join(".cargo/bin")));
        // Folders that do not exist are left out; none is there twice.
        assert!(!folders.contains(&home.path().join(".volta/bin")));
        assert_eq!(
            folders.iter().filter(|f| f.as_path() == Path::new("/usr/bin")).count(),
            1
        );
    }

    #[test]
    fn node_managers_folders_are_added_with_the_newest_nvm_version_by_number() {
        let home = tempfile::tempdir().unwrap();
        let nvm = home.path().join(".nvm/versions/node");
        for version in ["v9.1.0", "v18.2.0", "v18.10.1"] {
            std::fs::create_dir_all(nvm.join(version).join("bin")).unwrap();
        }
        // Newer but without a bin folder (a broken install), and a name that is no version.
        std::fs::create_dir_all(nvm.join("v20.0.0")).unwrap();
        std::fs::create_dir_all(nvm.join("system/bin")).unwrap();
        let managers = [
            ".local/share/fnm/aliases/default/bin",
            ".fnm/aliases/default/bin",
            ".asdf/shims",
            ".local/share/mise/shims",
        ];
        for sub in managers {
            std::fs::create_dir_all(home.path().join(sub)).unwrap();
        }
        let path = launch_path(Some("/custom".into()), Some(home.path().to_path_buf()));
        let folders: Vec<PathBuf> = std::env::split_paths(&path).collect();
        for sub in managers {
            assert!(
                folders.contains(&home.path().join(sub)),
                "{sub} missing from {folders:?}"
            );
        }
        let nvm_folders: Vec<&PathBuf> = folders.iter().filter(|f| f.starts_with(&nvm)).collect();
        assert_eq!(nvm_folders, [&nvm.join("v18.10.1/bin")]);
    }

    #[test]
    fn without_nvm_no_node_folder_is_guessed() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(newest_nvm_bin(home.path()), None);
        assert_eq!(node_version("v18.10.1"), Some(vec![18, 10, 1]));
        assert_eq!(node_version("lts-hydrogen"), None);
    }

    #[test]
    fn the_stderr_tail_keeps_the_end_from_a_whole_line() {
        let tail = StderrTail::default();
        assert_eq!(tail.text(), None);
        tail.push(b"first\n");
        assert_eq!(tail.text().as_deref(), Some("first"));
        for i in 0..2000 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        let text = tail.text().unwrap();
        assert!(text.len() <= STDERR_TAIL_BYTES);
        assert!(text.starts_with("line "), "{}", &text[..20]);
        assert!(text.ends_with("line 1999"));
    }
}
