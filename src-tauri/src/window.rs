//! The app's windows. Each may only ever show the app's own pages: any navigation elsewhere
//! (a link in a model's answer, a redirect) is refused, and so is every new window; a link a
//! person clicks goes to the system browser instead (`links`).

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::links;

pub const MAIN: &str = "main";

/// The quick-ask window of issue 28: a second window on the same page, with its own
/// capability (`capabilities/quick-ask.json`). Until that issue gives it a way to open, only a
/// debug build's test hook opens it ([`open_quick_ask_for_tests`]).
pub const QUICK_ASK: &str = "quick-ask";

/// A window of ours: the ones that may be served thumbnails.
pub fn is_ours(label: &str) -> bool {
    matches!(label, MAIN | QUICK_ASK)
}

/// A window showing the app's page, kept to the app's own pages; links open in the browser
/// on a person's click (`links`).
fn app_window<'a>(app: &'a AppHandle, label: &str) -> WebviewWindowBuilder<'a, tauri::Wry, AppHandle> {
    let handle = app.clone();
    WebviewWindowBuilder::new(app, label, WebviewUrl::App("index.html".into()))
        .on_navigation(is_app_url)
        .on_new_window(move |url, _| links::on_new_window(&handle, url))
        // The page handles drops itself (HTML5 events carry the files' bytes, never their paths).
        .disable_drag_drop_handler()
}

/// Creates the main window; `loaded` runs once, when its page has first loaded.
pub fn create_main(app: &AppHandle, loaded: fn(&AppHandle)) -> tauri::Result<()> {
    let once = std::sync::Once::new();
    let window = app_window(app, MAIN)
        .title("Glama Chat")
        .inner_size(1040.0, 760.0)
        .min_inner_size(520.0, 420.0)
        .on_page_load(move |window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                once.call_once(|| loaded(window.app_handle()));
            }
        })
        .build()?;
    links::watch(&window)
}

/// Set by the end-to-end tests: a debug build then opens the quick-ask window at start, so a
/// second page can be driven before issue 28 adds its shortcut. Release builds have no such hook.
#[cfg(debug_assertions)]
const TEST_QUICK_ASK: &str = "GLAMA_CHAT_TEST_QUICK_ASK";

#[cfg(debug_assertions)]
pub fn open_quick_ask_for_tests(app: &AppHandle) -> tauri::Result<()> {
    if std::env::var_os(TEST_QUICK_ASK).is_some() {
        let window = app_window(app, QUICK_ASK)
            .title("Glama Chat — Quick ask")
            .inner_size(640.0, 480.0)
            .build()?;
        links::watch(&window)?;
    }
    Ok(())
}

/// `tauri://localhost/…` on Linux and macOS, `http(s)://tauri.localhost/…` on Windows.
fn is_app_url(url: &url::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => cfg!(windows) && url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Shows, unminimizes and focuses the main window (a callback arrived).
pub fn bring_to_front(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capability(file: &str) -> serde_json::Value {
        let path = format!("{}/src-tauri/capabilities/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("a capability file")).expect("JSON")
    }

    /// Least privilege for the second window: only what asking needs, and no plugin command
    /// (a `plugin:` permission would reach past our commands).
    #[test]
    fn the_quick_ask_window_may_only_ask() {
        let quick = capability("quick-ask.json");
        assert_eq!(quick["windows"], serde_json::json!([QUICK_ASK]));
        let granted: Vec<&str> = quick["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(
            granted,
            [
                "allow-connection-status",
                "allow-window-events",
                "allow-list-models",
                "allow-get-settings",
                "allow-new-chat",
                "allow-ask",
                "allow-answer-events",
                "allow-stop-answer",
            ]
        );
        let main = capability("default.json");
        assert_eq!(
            main["windows"],
            serde_json::json!([MAIN]),
            "each window has its own file"
        );
        assert!(main["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.as_str().is_some_and(|p| p.starts_with("allow-"))));
        assert!(is_ours(MAIN) && is_ours(QUICK_ASK) && !is_ours("other"));
    }

    /// The modules `app.js` imports, at any depth (not those imported on demand), as paths
    /// from `ui/`.
    fn start_modules(ui: &std::path::Path, module: &str, found: &mut Vec<String>) {
        let text = std::fs::read_to_string(ui.join(module)).expect("a module the page imports");
        let folder = std::path::Path::new(module).parent().unwrap();
        // `import … from './x.js';` on one line, or its last line `} from './x.js';`.
        for line in text
            .lines()
            .filter(|l| l.starts_with("import ") || l.starts_with("} from "))
        {
            let Some(quoted) = line.rsplit(['"', '\'']).nth(1) else {
                continue;
            };
            let mut path = folder.to_path_buf();
            for part in quoted.split('/') {
                match part {
                    "." => {}
                    ".." => drop(path.pop()),
                    part => path.push(part),
                }
            }
            let path = path.to_string_lossy().into_owned();
            if !found.contains(&path) {
                found.push(path.clone());
                start_modules(ui, &path, found);
            }
        }
    }

    /// The page asks for every module it starts with at once (`modulepreload`), not level by
    /// level as imports are found: a module missing from the list costs the start a round.
    #[test]
    fn the_page_preloads_every_module_it_starts_with() {
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut imported = Vec::new();
        start_modules(&ui, "app.js", &mut imported);
        let page = std::fs::read_to_string(ui.join("index.html")).unwrap();
        let mut preloaded: Vec<String> = page
            .split("<link rel=\"modulepreload\" href=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .collect();
        imported.sort();
        preloaded.sort();
        assert!(imported.len() > 30, "the walk found the imports: {imported:?}");
        assert_eq!(imported, preloaded);
    }

    #[test]
    fn only_app_pages_are_navigable() {
        let windows_only = ["http://tauri.localhost/", "https://tauri.localhost/x"];
        let ok = if cfg!(windows) { &windows_only[..] } else { &[][..] };
        let ok = ok.iter().chain(&["tauri://localhost/index.html"]);
        let bad = [
            "https://evil.example/",
            "http://localhost/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "tauri://evil/",
        ];
        for u in ok {
            assert!(is_app_url(&url::Url::parse(u).unwrap()), "{u}");
        }
        if !cfg!(windows) {
            for u in windows_only {
                assert!(!is_app_url(&url::Url::parse(u).unwrap()), "{u}");
            }
        }
        for u in bad {
            assert!(!is_app_url(&url::Url::parse(u).unwrap()), "{u}");
        }
    }
}
