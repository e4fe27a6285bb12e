//! Callback URLs from the OS: a cold start's arguments, a second launch's arguments (through
//! single-instance), and, on macOS only, the deep-link plugin's events (macOS delivers them
//! only that way). Each link reaches the connector through exactly one of these; the
//! connector still handles a link delivered twice only once.

use glama_core::connect::args::callback_urls;
use glama_core::error_code::{ErrorCode, Notice};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// The URL scheme of this app: its reverse-domain identifier (RFC 8252 §7.1), which is also
/// what tauri.conf.json declares to the deep-link plugin (a test keeps the two equal).
pub fn scheme(app: &AppHandle) -> String {
    app.config().identifier.clone()
}

/// Adds the deep-link plugin where it is needed and safe: macOS (links arrive as events) and
/// Windows (it registers the scheme), but on Windows only when every argument is Unicode, since
/// its start-up reads `std::env::args()`, which panics otherwise. Never on Linux.
pub fn with_deep_link_plugin<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    #[cfg(target_os = "macos")]
    let builder = builder.plugin(tauri_plugin_deep_link::init());
    #[cfg(windows)]
    let builder = if std::env::args_os().all(|a| a.to_str().is_some()) {
        builder.plugin(tauri_plugin_deep_link::init())
    } else {
        builder
    };
    builder
}

/// Listens for links (macOS) and reads this launch's own arguments.
pub fn init(app: &AppHandle) {
    #[cfg(target_os = "macos")]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let handle = app.clone();
        app.deep_link().on_open_url(move |event| {
            crate::window::bring_to_front(&handle);
            for url in event.urls() {
                deliver(&handle, url.to_string());
            }
        });
    }
    // A cold start by the callback URL. Raw arguments: any bytes, never a panic.
    from_args(app, std::env::args_os().skip(1));
}

/// Registers the link scheme (off the async thread: it runs programs), then lets Connect go on.
pub fn register_in_background(app: &AppHandle) {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        register_scheme(&handle);
        handle.state::<AppState>().scheme_settled.send_replace(true);
    });
}

/// Handles every argument that is a URL of our scheme.
pub fn from_args<I>(app: &AppHandle, args: I)
where
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString>,
{
    for url in callback_urls(&scheme(app), args) {
        deliver(app, url);
    }
}

#[cfg_attr(target_os = "macos", allow(dead_code))]
fn notice(app: &AppHandle, kind: ErrorCode, message: String) {
    app.state::<AppState>().window_events.notice(Notice::new(kind, message));
}

/// Linux: registers this binary for the scheme unless it already is the handler, and never
/// over an installed copy (see `scheme_handler`).
#[cfg(target_os = "linux")]
fn register_scheme(app: &AppHandle) {
    use glama_core::connect::scheme_handler::{ensure_registered, Registration};
    let outcome = std::env::current_exe()
        .map_err(|e| e.to_string())
        .and_then(|this| ensure_registered(&scheme(app), &this).map_err(|e| e.to_string()));
    match &outcome {
        Ok(registration) => tracing::info!(?registration, "the sign-in link's handler"),
        Err(e) => tracing::warn!(error = %e, "the sign-in link could not be registered"),
    }
    match outcome {
        Ok(Registration::AlreadyThis | Registration::Registered) => {}
        Ok(Registration::InstalledCopy(installed)) => notice(
            app,
            ErrorCode::SchemeTaken,
            format!(
                "Sign-in links open the installed Glama Chat ({}), so this copy leaves them to it \
                 and signs in through a local port.",
                installed.display()
            ),
        ),
        Err(e) => notice(
            app,
            ErrorCode::SchemeNotRegistered,
            format!("The glama sign-in link could not be registered ({e}); Connect will use a local port instead."),
        ),
    }
}

#[cfg(windows)]
fn register_scheme(app: &AppHandle) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let Some(links) = app.try_state::<tauri_plugin_deep_link::DeepLink<tauri::Wry>>() else {
        return;
    };
    let scheme = scheme(app);
    if links.is_registered(&scheme).unwrap_or(false) {
        return;
    }
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!(error = %e, "the sign-in link could not be registered");
        notice(
            app,
            ErrorCode::SchemeNotRegistered,
            format!("The glama sign-in link could not be registered ({e}); Connect will use a local port instead."),
        );
    }
}

/// macOS: a bundled app declares its scheme in Info.plist.
#[cfg(not(any(target_os = "linux", windows)))]
fn register_scheme(_app: &AppHandle) {}

/// Whether the sign-in link opens this very binary (blocking: runs `xdg-mime` on Linux).
pub fn scheme_is_ours(app: &AppHandle) -> bool {
    #[cfg(target_os = "linux")]
    {
        let current = glama_core::connect::scheme_handler::current_handler(&scheme(app));
        match (std::env::current_exe(), current) {
            (Ok(this), Ok(Some(handler))) => {
                glama_core::connect::scheme_handler::decide(&this, Some(handler.as_path()))
                    == glama_core::connect::scheme_handler::Decision::AlreadyThis
            }
            _ => false,
        }
    }
    #[cfg(windows)]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        app.try_state::<tauri_plugin_deep_link::DeepLink<tauri::Wry>>()
            .is_some()
            && app.deep_link().is_registered(scheme(app)).unwrap_or(false)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = app;
        true
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
