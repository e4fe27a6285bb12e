//! One isolated desktop session: its bus, keyring, folders and fake gateway, and the app
//! launched in it through tauri-driver.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_gateway::FakeGateway;
use fantoccini::ClientBuilder;
use serde_json::json;

use crate::processes::{adopt_orphans, free_port, kill_group, need, tauri_driver};
use crate::{app_binary, App, APP_ID, WAIT};

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
    /// Dropped with the session, which stops its watchdog.
    _watchdog: std::sync::mpsc::Sender<()>,
}

/// The longest a test's session may live. A test that hangs anyway (in a call no limit covers)
/// ends its test binary with a message, rather than the whole run waiting for CI's limit.
const SESSION_LIMIT: Duration = Duration::from_secs(300);

fn watchdog() -> std::sync::mpsc::Sender<()> {
    let (alive, ended) = std::sync::mpsc::channel::<()>();
    let test = std::thread::current().name().unwrap_or("main").to_string();
    // libtest runs each test on a thread named after it; benchmarks run on `main` and take as
    // long as they measure.
    if test == "main" {
        return alive;
    }
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(SESSION_LIMIT) {
            eprintln!("{test} did not end within {SESSION_LIMIT:?}: ending the test binary");
            std::process::exit(101);
        }
    });
    alive
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
            _watchdog: watchdog(),
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
        self.launch_again(&[url]);
    }

    /// A second launch with `args`, as a desktop's shortcut or the OS starts it: it hands them
    /// to the running app (single-instance) and must exit, successfully, within [`WAIT`].
    pub fn launch_again(&self, args: &[&str]) {
        let mut second = Command::new(self.app())
            .args(args)
            .envs(self.base_env())
            .env("GLAMA_GATEWAY_URL", self.gateway.url())
            .spawn()
            .expect("launch the app again");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = second.try_wait().expect("the second launch's status") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = second.kill();
                let _ = second.wait();
                panic!("the second launch with {args:?} was still running after {WAIT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "the second launch with {args:?} failed: {status}");
    }

    /// Presses `keys` (xdotool's names: `ctrl+alt+space`) on the X display, as a person would
    /// with any window focused: what a global shortcut hears.
    pub fn press_keys(&self, keys: &str) {
        let status = Command::new(need("xdotool"))
            .args(["key", keys])
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool key {keys}: {status}");
    }

    /// The app's config folder (settings.json, mcp.json).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.join("config").join(APP_ID)
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
            log: self.data_dir().join("logs/glama-chat.log"),
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
        // WebKitWebDriver has been seen to wait forever for a browser that started (twice in
        // ~200 launches, while tool servers of the launch before were still exiting): a limit
        // turns that into a failed attempt, which the caller retries.
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let client = tokio::time::timeout(Duration::from_secs(60), builder.connect(&url))
            .await
            .map_err(|_| "no WebDriver session within 60 s".to_string())?
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
