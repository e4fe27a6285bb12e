//! The main window. It may only ever show the app's own pages: any navigation elsewhere
//! (a link in a model's answer, a redirect) is refused; links go to the system browser instead.

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";

/// Creates the window; `loaded` runs once, when its page has first loaded.
pub fn create_main(app: &AppHandle, loaded: fn(&AppHandle)) -> tauri::Result<()> {
    let once = std::sync::Once::new();
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Glama Chat")
        .inner_size(1040.0, 760.0)
        .min_inner_size(520.0, 420.0)
        .on_navigation(is_app_url)
        .on_page_load(move |window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                once.call_once(|| loaded(window.app_handle()));
            }
        })
        // The page handles drops itself (HTML5 events carry the files' bytes, never their paths).
        .disable_drag_drop_handler()
        .build()?;
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
