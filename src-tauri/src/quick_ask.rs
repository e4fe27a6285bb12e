//! Quick ask (issue 28): a small window over everything, summoned by `glama-chat --quick-ask`
//! (a running app gets it through single-instance, and the launch exits). Its webview is made
//! once, on first use, and then only hidden and shown: a second web page costs memory, and
//! its second showing must be instant.

use std::ffi::OsStr;

use tauri::{AppHandle, Manager, PhysicalPosition, WebviewWindow};

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
