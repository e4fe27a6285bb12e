//! The app's windows. Each may only ever show the app's own pages: any navigation elsewhere
//! (a link in a model's answer, a redirect) is refused, and so is every new window; a link a
//! person clicks goes to the system browser instead (`links`).

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::links;

pub const MAIN: &str = "main";

/// The quick-ask window (`quick_ask`): its own small page and its own capability
/// (`capabilities/quick-ask.json`).
pub const QUICK_ASK: &str = "quick-ask";

/// A window of ours: the ones that may be served thumbnails.
pub fn is_ours(label: &str) -> bool {
    matches!(label, MAIN | QUICK_ASK)
}

/// A window showing `page` of the app, kept to the app's own pages; links open in the browser
/// on a person's click (`links`).
fn app_window<'a>(app: &'a AppHandle, label: &str, page: &str) -> WebviewWindowBuilder<'a, tauri::Wry, AppHandle> {
    let handle = app.clone();
    WebviewWindowBuilder::new(app, label, WebviewUrl::App(page.into()))
        .on_navigation(is_app_url)
        .on_new_window(move |url, _| links::on_new_window(&handle, url))
        // The page handles drops itself (HTML5 events carry the files' bytes, never their paths).
        .disable_drag_drop_handler()
}

/// Creates the main window; `loaded` runs once, when its page has first loaded.
pub fn create_main(app: &AppHandle, loaded: fn(&AppHandle)) -> tauri::Result<()> {
    let once = std::sync::Once::new();
    let window = app_window(app, MAIN, "index.html")
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

/// Creates quick ask, hidden: small, without the desktop's frame, over every other window and
/// out of the taskbar (it is the app's, not a window of its own).
pub fn create_quick_ask(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let window = app_window(app, QUICK_ASK, "quick-ask.html")
        .title("Glama Chat — Quick ask")
        .inner_size(640.0, 440.0)
        .min_inner_size(360.0, 200.0)
        .decorations(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .visible(false)
        // Shown at once after it is made, its focus can come before the window is on screen
        // and be lost: it is given again once the page is there.
        .on_page_load(|window, payload| {
            if payload.event() == PageLoadEvent::Finished && window.is_visible().unwrap_or(false) {
                let _ = window.set_focus();
            }
        })
        .build()?;
    links::watch(&window)?;
    Ok(window)
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
                "allow-open-in-main",
                "allow-hide-quick-ask",
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

    /// Each page asks for every module it starts with at once (`modulepreload`), not level by
    /// level as imports are found: a module missing from the list costs the start a round.
    #[test]
    fn each_page_preloads_every_module_it_starts_with() {
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        for (page, entry, at_least) in [("index.html", "app.js", 30), ("quick-ask.html", "quick-ask.js", 10)] {
            let mut imported = Vec::new();
            start_modules(&ui, entry, &mut imported);
            let html = std::fs::read_to_string(ui.join(page)).unwrap();
            let mut preloaded: Vec<String> = html
                .split("<link rel=\"modulepreload\" href=\"")
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap().to_string())
                .collect();
            imported.sort();
            preloaded.sort();
            assert!(
                imported.len() > at_least,
                "the walk found {page}'s imports: {imported:?}"
            );
            assert_eq!(imported, preloaded, "{page}");
            assert!(html.contains(&format!("<script type=\"module\" src=\"{entry}\">")));
        }
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
