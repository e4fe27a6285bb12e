//! A blank Tauri 2 window: the floor the app's start-up time and memory are measured against
//! (crates/e2e/benches/app.rs). Nothing but the window and a page that marks its first frame.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the blank window runs");
}
