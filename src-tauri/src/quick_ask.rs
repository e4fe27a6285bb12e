//! Quick ask (issue 28): a small window over everything, summoned by its global shortcut or by
//! `glama-chat --quick-ask` (a running app gets it through single-instance, and the launch
//! exits). Its webview is made once, on first use, and then only hidden and shown: a second web
//! page costs memory, and its second showing must be instant.

use std::ffi::OsStr;

use glama_core::error_code::{ErrorCode, Notice};
use tauri::{AppHandle, Manager, PhysicalPosition, WebviewWindow};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};

use crate::events::WindowEvent;
use crate::state::AppState;
use crate::window::{self, QUICK_ASK};

/// The launch argument that shows quick ask.
pub const FLAG: &str = "--quick-ask";

/// Whether a launch's arguments (without the program) ask for quick ask.
pub fn asked_in<I>(args: I) -> bool
where
    I: IntoIterator,
    I::Item: AsRef<OsStr>,
{
    args.into_iter().any(|a| a.as_ref() == FLAG)
}

/// The shortcut that shows and hides quick ask from anywhere.
pub const SHORTCUT: &str = "Ctrl+Alt+Space";

/// Holds [`SHORTCUT`] for as long as the app runs, or tells the main window why it cannot.
/// Where no app can hold one (Wayland) there is nothing to tell at each start: the README says
/// how to bind `glama-chat --quick-ask` instead.
pub fn hold_shortcut(app: &AppHandle) {
    if !global_shortcuts_here(|name| std::env::var_os(name)) {
        tracing::info!("no global shortcuts here (Wayland or no X display)");
        return;
    }
    let held = app.global_shortcut().on_shortcut(SHORTCUT, |app, _, event| {
        // On release: while the keys are down the X server holds the keyboard for the grab,
        // and the window shown then would not get the focus.
        if event.state == ShortcutState::Released {
            // Off the shortcut's own thread, which the plugin waits on from the main one.
            let handle = app.clone();
            let _ = app.run_on_main_thread(move || toggle(&handle));
        }
    });
    if let Err(e) = held {
        tracing::warn!(error = %e, "the quick-ask shortcut is not held");
        if let Some(state) = app.try_state::<AppState>() {
            state.window_events.notice(Notice::new(
                ErrorCode::ShortcutTaken,
                format!(
                    "{SHORTCUT} is taken by another program, so it does not open quick ask. \
                     Free it there, or bind `glama-chat --quick-ask` to another key in your \
                     desktop's keyboard settings."
                ),
            ));
        }
    }
}

/// Whether an app can hold a global shortcut in this session, from its environment: X11 (or
/// macOS, Windows) yes; Wayland no, even with XWayland (a grab there only fires while an X11
/// window has the focus), nor without any display.
fn global_shortcuts_here(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let wayland = var("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
        || var("XDG_SESSION_TYPE").is_some_and(|v| v == "wayland");
    let x11 = var("DISPLAY").is_some_and(|v| !v.is_empty());
    x11 && !wayland
}

/// The shortcut: quick ask hides when it has the focus, and shows otherwise.
fn toggle(app: &AppHandle) {
    match app.get_webview_window(QUICK_ASK) {
        Some(window) if window.is_visible().unwrap_or(false) && window.is_focused().unwrap_or(false) => hide(&window),
        _ => show(app),
    }
}

/// Shows quick ask, centred on the screen under the pointer, its input focused.
pub fn show(app: &AppHandle) {
    let window = match app.get_webview_window(QUICK_ASK) {
        Some(window) => window,
        None => match window::create_quick_ask(app) {
            Ok(window) => window,
            Err(e) => {
                tracing::warn!(error = %e, "quick ask could not be made");
                return;
            }
        },
    };
    centre_under_pointer(app, &window);
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
    // The page puts the cursor in its input again (a new page does so when it loads).
    if let Some(state) = app.try_state::<AppState>() {
        state.window_events.tell(QUICK_ASK, WindowEvent::QuickAskShown);
    }
}

/// Hides quick ask; its page stays, ready for the next showing.
pub fn hide(window: &WebviewWindow) {
    let _ = window.hide();
}

/// The window's centre on the middle of the work area of the monitor under the pointer (the
/// screen a person is looking at). Where the pointer cannot be read (Wayland), the window
/// keeps the place the desktop gives it.
fn centre_under_pointer(app: &AppHandle, window: &WebviewWindow) {
    let Ok(pointer) = app.cursor_position() else {
        return;
    };
    let Ok(Some(monitor)) = app.monitor_from_point(pointer.x, pointer.y) else {
        return;
    };
    let Ok(size) = window.outer_size() else {
        return;
    };
    let area = monitor.work_area();
    let x = area.position.x + (area.size.width as i32 - size.width as i32) / 2;
    let y = area.position.y + (area.size.height as i32 - size.height as i32) / 2;
    let _ = window.set_position(PhysicalPosition::new(x, y));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_shortcuts_only_on_x11() {
        let session = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert!(global_shortcuts_here(session(&[
            ("DISPLAY", ":0"),
            ("XDG_SESSION_TYPE", "x11")
        ])));
        assert!(!global_shortcuts_here(session(&[
            ("DISPLAY", ":0"),
            ("WAYLAND_DISPLAY", "wayland-0")
        ])));
        assert!(!global_shortcuts_here(session(&[
            ("DISPLAY", ":1"),
            ("XDG_SESSION_TYPE", "wayland")
        ])));
        assert!(!global_shortcuts_here(session(&[("DISPLAY", "")])));
        assert!(!global_shortcuts_here(session(&[])));
    }

    #[test]
    fn the_flag_is_found_among_any_arguments() {
        assert!(asked_in(["--quick-ask"]));
        assert!(asked_in(["ai.glama.chat://callback?code=x", "--quick-ask"]));
        assert!(!asked_in(["--quick-ask=1", "quick-ask", "ai.glama.chat://callback"]));
        assert!(!asked_in(Vec::<&str>::new()));
        // Bytes that are no text are only not the flag.
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert!(!asked_in([OsStr::from_bytes(b"\xff--quick-ask")]));
        }
    }
}
