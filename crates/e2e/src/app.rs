//! The app in a WebDriver session: quitting or killing it, its processes, running script in
//! its window and waiting on it.

use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use fantoccini::error::ErrorStatus;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::processes::{app_pids, kill_group, processes};
use crate::workspace_root;

/// The app in a WebDriver session.
pub struct App {
    pub(crate) client: Option<Client>,
    pub(crate) driver: Option<Child>,
    /// The binary's file name (how its process is found).
    pub(crate) name: String,
    /// When the WebDriver session that starts the app was requested.
    pub launched_at: std::time::SystemTime,
    /// The app's log file, whose end a failed wait shows.
    pub(crate) log: PathBuf,
}

/// How long a wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// How long one WebDriver command may take. WebKitWebDriver has been seen to never answer
/// (a screenshot, a session's start): without a limit the test, and CI, would wait forever.
const COMMAND: Duration = Duration::from_secs(30);

/// `command`, or `None` when WebDriver did not answer within [`COMMAND`].
async fn bounded<T>(command: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(COMMAND, command).await.ok()
}

impl App {
    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a started session")
    }

    /// Ends the session (the app quits) and stops tauri-driver.
    pub async fn quit(mut self) {
        if let Some(client) = self.client.take() {
            let _ = bounded(client.close()).await;
        }
        self.kill_driver();
    }

    /// Kills the app with SIGKILL, as a crash or a power cut would end it, and waits until
    /// it is gone. The WebDriver session dies with it: launch again for a new one.
    pub async fn kill_app(mut self) {
        let pgid = self.pgid();
        let pids = app_pids(pgid, &self.name);
        assert!(!pids.is_empty(), "no app process in group {pgid}");
        for &pid in &pids {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        let deadline = Instant::now() + WAIT;
        while !app_pids(pgid, &self.name).is_empty() {
            assert!(Instant::now() < deadline, "the app outlived SIGKILL");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.client.take();
        self.kill_driver();
    }

    fn pgid(&self) -> i32 {
        self.driver.as_ref().expect("a running driver").id() as i32
    }

    /// The app's process and all its descendants (WebKit's web and network processes).
    pub fn process_tree(&self) -> Vec<i32> {
        let all = processes();
        let mut tree = app_pids(self.pgid(), &self.name);
        let mut i = 0;
        while i < tree.len() {
            let parent = tree[i];
            tree.extend(all.iter().filter(|p| p.ppid == parent).map(|p| p.pid));
            i += 1;
        }
        tree
    }

    /// A variable of the environment WebKit's web process started with (what the app chose
    /// for it before GTK started), or `None` when unset.
    pub fn web_process_env(&self, name: &str) -> Option<String> {
        let web = self
            .process_tree()
            .into_iter()
            .find(|pid| {
                // `comm` holds the first 15 bytes of the name.
                std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "WebKitWebProces")
            })
            .expect("a WebKit web process");
        let environ = std::fs::read(format!("/proc/{web}/environ")).expect("its environment");
        let prefix = format!("{name}=");
        environ
            .split(|&b| b == 0)
            .map(String::from_utf8_lossy)
            .find_map(|v| v.strip_prefix(&prefix).map(str::to_string))
    }

    fn kill_driver(&mut self) {
        if let Some(driver) = self.driver.take() {
            kill_group(driver.id() as i32);
        }
    }

    /// The label of the window the next commands drive (`main`, or a debug build's `quick-ask`).
    pub async fn window_label(&self) -> Option<String> {
        let label = bounded(
            self.client()
                .execute("return window.__TAURI_INTERNALS__.metadata.currentWindow.label", vec![]),
        )
        .await?
        .ok()?;
        label.as_str().map(str::to_string)
    }

    /// Drives the window labelled `label` from now on (WebDriver's window switching: every
    /// webview of the app is a window of the session), once it is there.
    pub async fn switch_to_window(&self, label: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let handles = bounded(self.client().windows()).await.and_then(Result::ok);
            for handle in handles.unwrap_or_default() {
                if bounded(self.client().switch_to_window(handle))
                    .await
                    .is_some_and(|r| r.is_ok())
                    && self.window_label().await.as_deref() == Some(label)
                {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "no window labelled {label:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs JS in the window and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        bounded(self.client().execute(script, args))
            .await
            .unwrap_or_else(|| panic!("no answer from WebDriver within {COMMAND:?}\n{script}"))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` until it returns something truthy; fails with a screenshot after [`WAIT`].
    pub async fn wait_js(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(Ok(v)) = bounded(self.client().execute(script, vec![])).await {
                let truthy = !matches!(v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
                if truthy {
                    return v;
                }
            }
            if Instant::now() > deadline {
                // The text first: a screenshot WebKitWebDriver never answers blocks what follows.
                let state = bounded(self.client().execute("return document.body.innerText", vec![]))
                    .await
                    .and_then(Result::ok);
                let shot = self.screenshot(what).await;
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!(
                    "timed out waiting for {what} (screenshot: {shot:?})\nwindow text: {state:?}\n\
                     the app's log, last lines first:\n{}",
                    tail.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> Option<PathBuf> {
        // WebKitWebDriver has been seen to never answer a screenshot: a short limit of its own.
        let png = tokio::time::timeout(Duration::from_secs(5), self.client().screenshot())
            .await
            .ok()?
            .ok()?;
        let dir = workspace_root().join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir).ok()?;
        let file: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = dir.join(format!("{file}.png"));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }

    pub async fn by_testid(&self, testid: &str) -> fantoccini::elements::Element {
        bounded(
            self.client()
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(&format!("[data-testid=\"{testid}\"]"))),
        )
        .await
        .unwrap_or_else(|| panic!("no element {testid}: no answer from WebDriver within {COMMAND:?}"))
        .unwrap_or_else(|e| panic!("no element {testid}: {e}"))
    }

    pub async fn click(&self, testid: &str) {
        self.wait_js(
            &format!("{testid} to be clickable"),
            &format!("const e = document.querySelector('[data-testid=\"{testid}\"]'); return !!e && !e.hidden && !e.disabled && e.offsetParent !== null"),
        )
        .await;
        // WebDriver clicks at the element's centre as laid out when it looked. A section
        // above it that fills in meanwhile (Settings fills Tools when it opens) moves it:
        // WebKitWebDriver then refuses the click without dispatching it, so it is tried again.
        let deadline = Instant::now() + WAIT;
        loop {
            let clicked = bounded(self.by_testid(testid).await.click())
                .await
                .unwrap_or_else(|| panic!("click {testid}: no answer from WebDriver within {COMMAND:?}"));
            match clicked {
                Ok(_) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if Instant::now() < deadline
                        && matches!(
                            e.error,
                            ErrorStatus::ElementClickIntercepted
                                | ErrorStatus::ElementNotInteractable
                                | ErrorStatus::StaleElementReference
                        ) =>
                {
                    eprintln!("click {testid}: {:?}, trying again", e.error);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {testid}: {e:?}"),
            }
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.kill_driver();
    }
}
