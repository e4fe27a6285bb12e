//! Callback URLs from the OS: a cold start's arguments, a second launch's arguments (through
//! single-instance), and the deep-link plugin's events (macOS delivers them only that way).
//! All go to the connector, which handles a callback delivered twice only once.

use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::state::AppState;
use crate::window;

/// The URL scheme of this app: its reverse-domain identifier (RFC 8252 §7.1), which is also
/// what tauri.conf.json declares to the deep-link plugin (a test keeps the two equal).
pub fn scheme(app: &AppHandle) -> String {
    app.config().identifier.clone()
}

/// Registers the URL scheme with the desktop and starts listening for callbacks.
pub fn init(app: &AppHandle) {
    #[cfg(any(target_os = "linux", windows))]
    if let Err(e) = app.deep_link().register_all() {
        use tauri::Emitter;
        let _ = app.emit(
            crate::state::NOTICE_EVENT,
            glama_core::connect::Notice {
                kind: "scheme_not_registered".into(),
                message: format!(
                    "The glama sign-in link could not be registered ({e}); Connect will use a local port instead."
                ),
            },
        );
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        window::bring_to_front(&handle);
        for url in event.urls() {
            deliver(&handle, url.to_string());
        }
    });
    // A cold start by the callback URL: WebKitWebDriver and some launchers add arguments,
    // so every argument is looked at, not only a lone one.
    let args: Vec<String> = std::env::args().skip(1).collect();
    from_args(app, args.iter().map(String::as_str));
}

/// Handles every argument that is a URL of our scheme.
pub fn from_args<'a>(app: &AppHandle, args: impl Iterator<Item = &'a str>) {
    let prefix = format!("{}:", scheme(app));
    for arg in args {
        if arg.len() > prefix.len() && arg[..prefix.len()].eq_ignore_ascii_case(&prefix) {
            deliver(app, arg.to_string());
        }
    }
}

fn deliver(app: &AppHandle, url: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut ready = state.ready.clone();
        let _ = ready.wait_for(|r| *r).await;
        // Rejections and failures reach the window as notices and status events.
        let _ = state.connector.handle_callback(&url).await;
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn declared_scheme_is_the_identifier() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json is JSON");
        assert_eq!(
            conf["plugins"]["deep-link"]["desktop"]["schemes"],
            serde_json::json!([conf["identifier"]])
        );
    }
}
