//! Stands in for the person's browser during end-to-end tests. The app opens URLs with
//! `xdg-open`, which runs `$BROWSER URL`; this program is `$BROWSER`.
//!
//! For Glama's authorize page it does what a browser and a person who clicks "Allow" would:
//! fetch the page, read the redirect, and follow it. A loopback callback is fetched over HTTP;
//! a custom-scheme callback is handed to the app the way the OS does: by launching the app's
//! binary with the URL, or, as real browsers do, through the desktop's opener (`gio open`),
//! which finds the handler among the installed desktop entries. Either way the running
//! instance receives it through single-instance.
//!
//! Environment: `FAKE_BROWSER_LOG` (a file; one line per step), `FAKE_BROWSER_MODE`
//! (`deliver`, the default; `capture`: stop after reading the callback URL; `fail`: exit 1 as a
//! browser that cannot start), `FAKE_BROWSER_HANDOVER` (`launch`, the default, runs
//! `GLAMA_E2E_APP URL`; `desktop` runs `gio open URL`).

use std::io::Write;
use std::process::{Command, ExitCode};

fn log(line: &str) {
    if let Ok(path) = std::env::var("FAKE_BROWSER_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: fake-browser URL");
        return ExitCode::from(2);
    };
    log(&format!("open {url}"));
    let mode = std::env::var("FAKE_BROWSER_MODE").unwrap_or_else(|_| "deliver".into());
    if mode == "fail" {
        return ExitCode::from(1);
    }
    if !url.contains("/oauth/authorize") {
        return ExitCode::SUCCESS; // any other page: "shown".
    }
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = match http.get(&url).send() {
        Ok(r) => r,
        Err(e) => {
            log(&format!("error {e}"));
            return ExitCode::from(1);
        }
    };
    let Some(callback) = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        log(&format!("no-redirect {}", resp.status()));
        return ExitCode::from(1);
    };
    log(&format!("callback {callback}"));
    if mode == "capture" {
        return ExitCode::SUCCESS;
    }
    if callback.starts_with("http://") || callback.starts_with("https://") {
        match http.get(&callback).send() {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().unwrap_or_default().replace('\n', " ");
                log(&format!("page {status} {body}"));
            }
            Err(e) => log(&format!("error {e}")),
        }
    } else if std::env::var("FAKE_BROWSER_HANDOVER").as_deref() == Ok("desktop") {
        match Command::new("gio").args(["open", &callback]).status() {
            Ok(status) => log(&format!("delivered-by-desktop exit {}", status.code().unwrap_or(-1))),
            Err(e) => log(&format!("delivered-by-desktop error {e}")),
        }
    } else {
        let app = std::env::var("GLAMA_E2E_APP").expect("GLAMA_E2E_APP names the app binary");
        let status = Command::new(app).arg(&callback).status();
        log(&format!("delivered {status:?}"));
    }
    ExitCode::SUCCESS
}
