//! The Tauri shell: plugins, state, commands, deep links. Everything that needs no window
//! lives in `glama-core`; this crate only wires it to one.

mod browser;
mod callbacks;
mod commands;
mod data;
mod error;
mod state;
mod window;

use tauri::Manager;

/// Starts Glama Chat.
pub fn run() {
    tauri::Builder::default()
        // First, so a second launch (a callback URL from the browser) is handed to the running
        // app before any other plugin starts; its `deep-link` feature forwards the URL.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            window::bring_to_front(app);
            callbacks::from_args(app, argv.iter().skip(1).map(String::as_str));
        }))
        .plugin(tauri_plugin_deep_link::init())
        .setup(|app| {
            let handle = app.handle().clone();
            let state = state::AppState::new(&handle)?;
            app.manage(state);
            window::create_main(&handle)?;
            callbacks::init(&handle);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::connection_status,
            commands::connect,
            commands::cancel_connect,
            commands::disconnect,
            commands::keep_key_for_session,
            commands::list_models,
            commands::get_settings,
            commands::set_settings,
            commands::new_chat,
            commands::list_chats,
            commands::chat_messages,
            commands::ask,
            commands::stop_answer,
            commands::open_link,
            data::about,
            data::delete_all_data,
        ])
        .run(tauri::generate_context!())
        .expect("Glama Chat failed to start");
}
