//! Links in answers: opened in the system browser when a person clicks one, never in the window.
//!
//! The page shows what a model wrote, so whether a person clicked is not the page's to say: a
//! command it calls, or a token it passes along, is the page's word, and a page that runs a
//! script it should not (a sanitizer's bug) would say it too. The web engine saw the click.
//! So the page asks nothing of Rust: a link clicked in an answer opens as a new window
//! (`target="_blank"`), which the window never opens; here, on Linux, WebKit's policy
//! decision for that new window carries `webkit_navigation_action_is_user_gesture`, true only
//! when the person's own click or key led to it (WebKit's record of the input event, the one
//! that lets popups through), false for `a.click()` or `window.open` from a script. Only
//! then is the link opened, and only a web link (http or https).
//!
//! macOS and Windows (untested here) have no such signal through Tauri: there the new window
//! request opens the link, and the engine's popup blocker is what asks for a gesture.

use glama_core::error_code::{ErrorCode, Notice};
use tauri::{AppHandle, Manager, WebviewWindow};

use crate::browser;
use crate::state::AppState;

/// Opens `url` in the browser if it is a web link; every window hears when it is not, or
/// when no browser opens it.
async fn open(app: AppHandle, url: String) {
    let told = |kind, words: String| app.state::<AppState>().window_events.notice(Notice::new(kind, words));
    let web = url::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let Some(url) = web else {
        told(
            ErrorCode::UnsafeLink,
            "Only web links (http or https) are opened.".into(),
        );
        return;
    };
    if !browser::open(url.as_str()).await {
        told(ErrorCode::Browser, format!("Could not open the browser: {url}"));
    }
}

/// Watches `window`'s web view: every new window its page asks for is refused, and the link
/// is opened in the browser when a person's gesture led to it.
#[cfg(target_os = "linux")]
pub fn watch(window: &WebviewWindow) -> tauri::Result<()> {
    use webkit2gtk::glib::prelude::Cast;
    use webkit2gtk::{
        NavigationPolicyDecision, NavigationPolicyDecisionExt, PolicyDecisionExt, PolicyDecisionType, URIRequestExt,
        WebViewExt,
    };
    let app = window.app_handle().clone();
    window.with_webview(move |webview| {
        webview.inner().connect_decide_policy(move |_, decision, kind| {
            if kind != PolicyDecisionType::NewWindowAction {
                return false;
            }
            decision.ignore();
            let action = decision
                .downcast_ref::<NavigationPolicyDecision>()
                .and_then(|d| d.navigation_action());
            let Some(action) = action else { return true };
            let url = action.request().and_then(|r| r.uri()).map(|u| u.to_string());
            match url {
                Some(url) if action.is_user_gesture() => {
                    tauri::async_runtime::spawn(open(app.clone(), url));
                }
                _ => tracing::warn!("the page asked to open a link without a person's click; refused"),
            }
            true
        });
    })
}

/// Elsewhere the new-window request itself opens the link (see the module's note).
#[cfg(not(target_os = "linux"))]
pub fn watch(window: &WebviewWindow) -> tauri::Result<()> {
    let _ = window;
    Ok(())
}

/// What a window does with a request for a new window: never opens one; off Linux, opens the
/// link in the browser.
pub fn on_new_window(app: &AppHandle, url: url::Url) -> tauri::webview::NewWindowResponse<tauri::Wry> {
    if !cfg!(target_os = "linux") {
        tauri::async_runtime::spawn(open(app.clone(), url.to_string()));
    }
    tauri::webview::NewWindowResponse::Deny
}
