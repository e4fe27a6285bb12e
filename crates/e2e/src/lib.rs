//! The end-to-end harness: one isolated desktop session per test.
//!
//! [`Session`] starts, in a process group of its own, a private D-Bus session bus (no service
//! activation, so nothing starts behind our back), an unlocked gnome-keyring (unless a test asks
//! for none), temporary XDG and HOME folders, and the fake gateway in-process. [`App`] launches
//! the real built binary through `tauri-driver` + WebKitWebDriver on the X display the test
//! command provides (`xvfb-run`). Dropping them kills every process they started.
//!
//! Nothing here skips: a missing tool or display fails the test with what to install.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_gateway::FakeGateway;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The app identifier, URL scheme and keyring service name.
pub const APP_ID: &str = "ai.glama.chat";

/// The repository's top folder (where `Cargo.toml` and `tauri.conf.json` are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else `target/` at the workspace root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The built app: `GLAMA_CHAT_BIN`, else `target/debug/glama-chat`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("GLAMA_CHAT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/glama-chat"));
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo build -p glama-chat)",
        path.display()
    );
    path
}

/// `target/debug/fake-browser`, beside the test binary's `deps/` folder.
fn fake_browser() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join("fake-browser");
    assert!(
        path.exists(),
        "{} is missing: cargo build -p e2e --bins",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn need(tool: &str) -> PathBuf {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .expect("sh");
    assert!(
        found.status.success(),
        "`{tool}` is not installed: run scripts/test.sh, which installs it"
    );
    PathBuf::from(String::from_utf8_lossy(&found.stdout).trim())
}

/// The variable by which the app chooses how WebKit draws (src-tauri/src/rendering.rs).
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// This machine has a GPU render node (the app then leaves WebKit's DMA-BUF renderer on).
pub fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Options for a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Start gnome-keyring (a Secret Service). `false` simulates a desktop without one.
    pub keyring: bool,
    /// `FAKE_BROWSER_MODE`: `deliver`, `capture` or `fail`.
    pub browser_mode: &'static str,
    /// The app to run: [`app_binary`] when `None` (an installed copy for the package test).
    pub app: Option<PathBuf>,
    /// How the fake browser hands a custom-scheme callback to the app.
    pub handover: Handover,
}

/// How a custom-scheme callback link reaches the app from the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// Launch the app's binary with the link, as the desktop would.
    Launch,
    /// `gio open LINK`: the desktop's own opener picks the handler from the installed entries.
    Desktop,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            keyring: true,
            browser_mode: "deliver",
            app: None,
            handover: Handover::Launch,
        }
    }
}

/// One isolated desktop session.
pub struct Session {
    pub dir: PathBuf,
    pub gateway: FakeGateway,
    bus_address: String,
    pgid: i32,
    children: Vec<Child>,
    options: SessionOptions,
    /// More environment for the app (set before [`Session::launch`]).
    pub app_env: Vec<(String, String)>,
}

impl Session {
    pub async fn start() -> Self {
        Self::start_with(SessionOptions::default()).await
    }

    /// A new session whose app is launched, connected, and has its models loaded.
    pub async fn connected() -> (Self, App) {
        let session = Self::start().await;
        let app = session.launch_connected().await;
        (session, app)
    }

    /// Launches the app, connects it and waits for its models.
    pub async fn launch_connected(&self) -> App {
        let app = self.launch(&[]).await;
        app.connect().await;
        app.wait_models().await;
        app
    }

    pub async fn start_with(options: SessionOptions) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no X display: run the end-to-end tests under xvfb-run (scripts/test.sh does)"
        );
        adopt_orphans();
        let dir = std::env::temp_dir().join(format!("glama-e2e-{}-{}", std::process::id(), free_port()));
        for sub in ["home", "data", "config", "cache", "runtime"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::set_permissions(dir.join("runtime"), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let bus_config = dir.join("bus.conf");
        std::fs::write(
            &bus_config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                dir.join("bus").display()
            ),
        )
        .unwrap();
        let gateway = FakeGateway::start().await.expect("fake gateway");
        let mut session = Self {
            dir,
            gateway,
            bus_address: String::new(),
            pgid: 0,
            children: Vec::new(),
            options,
            app_env: Vec::new(),
        };
        let mut dbus = Command::new(need("dbus-daemon"));
        dbus.arg(format!("--config-file={}", bus_config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut dbus, 0);
        let mut dbus = dbus.spawn().expect("dbus-daemon");
        session.pgid = dbus.id() as i32;
        let mut line = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        session.bus_address = line.trim().to_string();
        session.children.push(dbus);
        assert!(!session.bus_address.is_empty(), "dbus-daemon printed no address");
        if session.options.keyring {
            session.start_keyring();
        }
        session
    }

    fn start_keyring(&mut self) {
        let mut cmd = Command::new(need("gnome-keyring-daemon"));
        cmd.args(["--foreground", "--unlock", "--components=secrets"])
            .envs(self.base_env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, self.pgid);
        let mut child = cmd.spawn().expect("gnome-keyring-daemon");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            // An empty password leaves the collection locked (NoStorageAccess).
            stdin.write_all(b"e2e-keyring-password").unwrap();
        }
        self.children.push(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new("dbus-send")
                .envs(self.base_env())
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "gnome-keyring did not come up on the session bus"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The environment every process of this session sees.
    pub fn base_env(&self) -> Vec<(String, String)> {
        let d = |s: &str| self.dir.join(s).display().to_string();
        vec![
            ("HOME".into(), d("home")),
            ("XDG_DATA_HOME".into(), d("data")),
            ("XDG_CONFIG_HOME".into(), d("config")),
            ("XDG_CACHE_HOME".into(), d("cache")),
            ("XDG_RUNTIME_DIR".into(), d("runtime")),
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("NO_AT_BRIDGE".into(), "1".into()),
        ]
    }

    /// The binary this session runs.
    pub fn app(&self) -> PathBuf {
        self.options.app.clone().unwrap_or_else(app_binary)
    }

    /// What the app is started with: the session, the fake gateway, the fake browser.
    fn app_env(&self) -> Vec<(String, String)> {
        let mut env = self.base_env();
        env.extend([
            ("GLAMA_GATEWAY_URL".into(), self.gateway.url()),
            ("BROWSER".into(), fake_browser().display().to_string()),
            ("FAKE_BROWSER_LOG".into(), self.browser_log_path().display().to_string()),
            ("FAKE_BROWSER_MODE".into(), self.options.browser_mode.into()),
            ("GLAMA_E2E_APP".into(), self.app().display().to_string()),
            (
                "FAKE_BROWSER_HANDOVER".into(),
                match self.options.handover {
                    Handover::Launch => "launch",
                    Handover::Desktop => "desktop",
                }
                .into(),
            ),
        ]);
        env.extend(self.app_env.iter().cloned());
        env
    }

    pub fn browser_log_path(&self) -> PathBuf {
        self.dir.join("browser.log")
    }

    /// What the fake browser did, a line per step.
    pub fn browser_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.browser_log_path())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Opens `url` the way the OS hands a link to the app: a launch of the binary with the URL
    /// (a running instance receives it through single-instance, and the launch exits).
    pub fn open_with_app(&self, url: &str) {
        let status = Command::new(self.app())
            .arg(url)
            .envs(self.base_env())
            .env("GLAMA_GATEWAY_URL", self.gateway.url())
            .status()
            .expect("launch the app with a URL");
        assert!(status.success(), "the second launch failed: {status}");
    }

    /// The app's data folder (where the chat history lives).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data").join(APP_ID)
    }

    /// The desktop entry that handles `mime` for this session's user (`xdg-mime query default`),
    /// or an empty string.
    pub fn default_handler(&self, mime: &str) -> String {
        let out = Command::new(need("xdg-mime"))
            .envs(self.base_env())
            .args(["query", "default", mime])
            .output()
            .expect("xdg-mime");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The keyring account of the API key for this session's gateway.
    pub fn key_account(&self) -> String {
        format!("api-key@{}", self.gateway.url())
    }

    /// Reads the key as another process would: `secret-tool lookup`.
    pub fn keyring_lookup(&self, account: &str) -> Option<String> {
        let out = Command::new(need("secret-tool"))
            .envs(self.base_env())
            .args(["lookup", "service", APP_ID, "username", account])
            .output()
            .expect("secret-tool");
        let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !value.is_empty()).then_some(value)
    }

    /// Files under this session's folders (XDG, HOME) whose bytes contain `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, needle: &[u8], hits: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    walk(&path, needle, hits);
                } else if meta.is_file() {
                    if let Ok(bytes) = std::fs::read(&path) {
                        if bytes.windows(needle.len()).any(|w| w == needle) {
                            hits.push(path);
                        }
                    }
                }
            }
        }
        let mut hits = Vec::new();
        walk(&self.dir, needle.as_bytes(), &mut hits);
        hits
    }

    /// Launches the app (with `args`) in a WebDriver session.
    pub async fn launch(&self, args: &[&str]) -> App {
        self.launch_until(
            args,
            "return document.readyState === 'complete' && !!document.querySelector('[data-testid=connection-status]')",
        )
        .await
    }

    /// Launches the app (with `args`) and waits until `ready` (a script) returns true.
    pub async fn launch_until(&self, args: &[&str], ready: &str) -> App {
        // Starting a session can fail while the machine is busy (the driver proxy answers
        // before WebKitWebDriver does); a failed attempt's processes are killed before the next.
        let mut last_error = String::new();
        for _ in 0..3 {
            match self.try_launch(args).await {
                Ok(app) => {
                    app.wait_js("the window to load", ready).await;
                    return app;
                }
                Err(e) => last_error = e,
            }
        }
        panic!("could not start a WebDriver session with the app: {last_error}");
    }

    async fn try_launch(&self, args: &[&str]) -> Result<App, String> {
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .envs(self.app_env())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // A group of its own (driver, WebKitWebDriver, the app), so it can be killed whole.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().map_err(|e| format!("tauri-driver: {e}"))?;
        let mut app = App {
            client: None,
            driver: Some(driver),
            name: self.app().file_name().unwrap().to_string_lossy().into_owned(),
            launched_at: std::time::SystemTime::now(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        for p in [port, native_port] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                if Instant::now() > deadline {
                    return Err(format!("nothing listens on {p}"));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({"application": self.app(), "args": args}));
        // The new session starts the app.
        app.launched_at = std::time::SystemTime::now();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| e.to_string())?;
        app.client = Some(client);
        Ok(app)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.pgid > 0 {
            kill_group(self.pgid);
        }
        self.children.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Makes this test process adopt its orphaned descendants, so [`kill_group`] can reap them
/// (the app's helpers outlive tauri-driver for a moment; nothing is left as a zombie).
fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    });
}

/// A live process: `/proc/PID/stat`'s name, parent and process group.
struct Proc {
    pid: i32,
    comm: String,
    ppid: i32,
    pgrp: i32,
}

/// Every process that is not a zombie.
fn processes() -> Vec<Proc> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or("").to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse().ok()).unwrap_or(0);
        if fields.first() != Some(&"Z") {
            all.push(Proc {
                pid,
                comm,
                ppid: number(1),
                pgrp: number(2),
            });
        }
    }
    all
}

/// The processes named `name` (as `/proc` shortens it) in process group `pgid`.
fn app_pids(pgid: i32, name: &str) -> Vec<i32> {
    let name: String = name.chars().take(15).collect();
    processes()
        .into_iter()
        .filter(|p| p.comm == name && p.pgrp == pgid)
        .map(|p| p.pid)
        .collect()
}

/// Kills a process group and reaps every member that was ours.
fn kill_group(pgid: i32) {
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let mut status = 0;
        let pid = unsafe { libc::waitpid(-pgid, &mut status, libc::WNOHANG) };
        if pid < 0 {
            break; // no member of the group is our child any more
        }
        if pid == 0 {
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| need("tauri-driver"))
}

/// The app in a WebDriver session.
pub struct App {
    client: Option<Client>,
    driver: Option<Child>,
    /// The binary's file name (how its process is found).
    name: String,
    /// When the WebDriver session that starts the app was requested.
    pub launched_at: std::time::SystemTime,
}

/// How long a wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

impl App {
    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a started session")
    }

    /// Ends the session (the app quits) and stops tauri-driver.
    pub async fn quit(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
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

    /// Runs JS in the window and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` until it returns something truthy; fails with a screenshot after [`WAIT`].
    pub async fn wait_js(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(v) = self.client().execute(script, vec![]).await {
                let truthy = !matches!(v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
                if truthy {
                    return v;
                }
            }
            if Instant::now() > deadline {
                let shot = self.screenshot(what).await;
                let state = self
                    .client()
                    .execute("return document.body.innerText", vec![])
                    .await
                    .ok();
                panic!("timed out waiting for {what} (screenshot: {shot:?})\nwindow text: {state:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> Option<PathBuf> {
        let png = self.client().screenshot().await.ok()?;
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
        self.client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
            .await
            .unwrap_or_else(|e| panic!("no element {testid}: {e}"))
    }

    pub async fn click(&self, testid: &str) {
        self.wait_js(
            &format!("{testid} to be clickable"),
            &format!("const e = document.querySelector('[data-testid=\"{testid}\"]'); return !!e && !e.hidden && !e.disabled && e.offsetParent !== null"),
        )
        .await;
        self.by_testid(testid)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {testid}: {e}"));
    }

    /// `data-state` of the connection status.
    pub async fn connection_state(&self) -> String {
        self.js(
            "return document.querySelector('[data-testid=connection-status]').dataset.state",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    pub async fn wait_connection(&self, state: &str) -> String {
        let v = self
            .wait_js(
                &format!("connection state {state}"),
                &format!("const s = document.querySelector('[data-testid=connection-status]'); return s.dataset.state === '{state}' && s.textContent"),
            )
            .await;
        v.as_str().unwrap_or("").to_string()
    }

    /// Clicks Connect and waits for Connected (the fake browser completes the sign-in).
    pub async fn connect(&self) -> String {
        self.click("connect-button").await;
        self.wait_connection("connected").await
    }

    pub async fn wait_models(&self) {
        self.wait_js(
            "models to load",
            "return document.querySelector('[data-testid=model-select]').options.length > 0",
        )
        .await;
    }

    /// Types `text` into the composer and presses Enter.
    pub async fn send(&self, text: &str) {
        let input = self.by_testid("composer-input").await;
        input.click().await.unwrap();
        input.send_keys(text).await.unwrap();
        input.send_keys("\u{E007}").await.unwrap(); // Enter
    }

    /// Every message: `{role, status, text, id}`.
    pub async fn messages(&self) -> Vec<Value> {
        let v = self
            .js(
                "return [...document.querySelectorAll('[data-testid=message]')].map(m => ({role: m.dataset.role, status: m.dataset.status || null, id: m.dataset.messageId || null, text: (m.querySelector('.content') || m.querySelector('.body')).innerText, html: (m.querySelector('.content') || m.querySelector('.body')).innerHTML}))",
                vec![],
            )
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Waits until the last message is an assistant answer with `status`, and returns it.
    pub async fn wait_last_answer(&self, status: &str) -> Value {
        self.wait_js(
            &format!("last answer {status}"),
            &format!("const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return !!m && m.dataset.role === 'assistant' && m.dataset.status === '{status}'"),
        )
        .await;
        self.messages().await.pop().unwrap()
    }

    pub async fn banner_text(&self) -> Option<String> {
        let v = self
            .js(
                "const b = document.querySelector('[data-testid=error-banner]'); return b.hidden ? null : b.innerText",
                vec![],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    pub async fn wait_banner(&self, contains: &str) -> String {
        let v = self
            .wait_js(
                &format!("banner saying {contains:?}"),
                &format!("const b = document.querySelector('[data-testid=error-banner]'); return !b.hidden && b.innerText.includes({}) && b.innerText", json!(contains)),
            )
            .await;
        v.as_str().unwrap_or("").to_string()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.kill_driver();
    }
}
