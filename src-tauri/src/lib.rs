//! The Tauri shell: plugins, state, commands, deep links. Everything that needs no window
//! lives in `glama-core`; this crate only wires it to one.

mod attachments;
mod browser;
mod callbacks;
mod commands;
mod data;
mod error;
mod events;
mod files;
mod links;
mod logging;
mod mailbox;
mod quick_ask;
mod rendering;
mod state;
mod tools;
mod window;

use glama_core::store::attachments::THUMBNAIL_SCHEME;
use tauri::Manager;

/// Runs every async task of the app (commands, answers, HTTP) on one thread of its own.
///
/// An answer arrives in many small pieces, each handed from the HTTP connection's task to the
/// answer's. On Tauri's default runtime (a worker per core) that hand-over often crosses
/// threads, a kernel wake-up each time; on one thread it is a plain task switch
/// (`cargo bench -p glama-core --bench stream`: a 200 KB answer at full speed is read ~2× faster).
/// The tasks only wait and take short steps: blocking work (the keyring, files, whole renders)
/// goes to `spawn_blocking`, and the store has its own thread.
fn use_one_async_thread() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("an async runtime");
    tauri::async_runtime::set(runtime.handle().clone());
    std::thread::Builder::new()
        .name("glama-async".into())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .expect("the async thread");
}

/// Start-up work that can wait for the page: it would compete with the window's first frame
/// for the CPU. Warming the renderer (syntect's definitions) and registering the link scheme
/// (`xdg-mime`, several programs) take a few hundred milliseconds of CPU; Connect waits for
/// the registration, and the first answer for the renderer, either way. The tool servers are
/// programs of their own (often Node.js or Python starting up). Holding quick ask's shortcut
/// waits on the X server.
fn after_first_load(app: &tauri::AppHandle) {
    std::thread::spawn(glama_core::render::warm_up);
    callbacks::register_in_background(app);
    if let Some(state) = app.try_state::<state::AppState>() {
        state.tools.start(state.window_events.clone());
    }
    quick_ask::hold_shortcut(app);
}

/// Quitting stops the tool servers and waits (a moment) until their processes are gone.
fn on_exit(app: &tauri::AppHandle) {
    if let Some(state) = app.try_state::<state::AppState>() {
        let mcp = state.tools.mcp.clone();
        tauri::async_runtime::block_on(async move {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), mcp.stop_all()).await;
        });
    }
}

/// Starts Glama Chat. A `GLAMA_GATEWAY_URL` that cannot be used stops it before any window,
/// with a message naming the variable (exit status 2), rather than a panic or a silent
/// fall-back to glama.ai.
pub fn run() {
    rendering::choose();
    let gateway = match glama_core::config::gateway_base_from_env() {
        Ok(url) => url,
        Err(e) => {
            // On stderr, not in the log: whoever started the app from a terminal must read it,
            // and the log's folder is only known once Tauri runs.
            eprintln!("Glama Chat cannot start: {e}");
            std::process::exit(2);
        }
    };
    use_one_async_thread();
    let builder = tauri::Builder::default()
        // First, so a second launch (a callback URL from the browser, `--quick-ask` from a
        // desktop's shortcut) is handed to the running app before any other plugin starts. The
        // arguments come as text (lossy); `callbacks::from_args` reads every link: one path for
        // every link on Linux and Windows.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let args = argv.into_iter().skip(1).collect::<Vec<_>>();
            if quick_ask::asked_in(&args) {
                quick_ask::show(app);
            } else {
                window::bring_to_front(app);
            }
            callbacks::from_args(app, args);
        }));
    let builder = callbacks::with_deep_link_plugin(builder);
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .register_asynchronous_uri_scheme_protocol(THUMBNAIL_SCHEME, attachments::protocol)
        .on_window_event(|window, event| {
            // Quick ask is hidden, never closed: its page is made once (`quick_ask`).
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == window::QUICK_ASK {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
            // A closed window's page reads nothing more: its news and its answers' events
            // stop being kept (the answers go on and are saved).
            if let tauri::WindowEvent::Destroyed = event {
                if let Some(state) = window.try_state::<state::AppState>() {
                    state.window_events.forget(window.label());
                    state.answer_events.forget_window(window.label());
                }
            }
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            logging::init(handle.path().app_log_dir().ok().as_deref());
            tracing::info!(
                version = %handle.package_info().version,
                gateway = %gateway.origin().ascii_serialization(),
                "Glama Chat starts"
            );
            // The window first: WebKit starts its processes and loads the page while the
            // store opens and the keyring is read. No command can run before `setup` returns
            // (the page's requests come through this thread's loop), so the state is there
            // for the first.
            window::create_main(&handle, after_first_load)?;
            let state = state::AppState::new(&handle, gateway.clone())?;
            app.manage(state);
            callbacks::init(&handle);
            if quick_ask::asked_in(std::env::args_os().skip(1)) {
                quick_ask::show(&handle);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::connection::connection_status,
            commands::news::window_events,
            commands::connection::connect,
            commands::connection::cancel_connect,
            commands::connection::disconnect,
            commands::connection::keep_key_for_session,
            commands::answers::list_models,
            commands::settings::get_settings,
            commands::settings::set_settings,
            commands::chats::new_chat,
            commands::chats::chats_at_start,
            commands::chats::list_chats,
            commands::chats::open_chat,
            commands::chats::chat_messages,
            commands::chats::rename_chat,
            commands::chats::delete_chat,
            commands::chats::undo_delete_chat,
            commands::chats::set_chat_model,
            commands::chats::set_system_prompt,
            commands::chats::set_chat_tools,
            commands::chats::set_chat_parameters,
            commands::chats::set_chat_fit,
            commands::chats::show_version,
            commands::chats::delete_version,
            commands::chats::undo_delete_version,
            commands::chats::save_draft,
            commands::chats::search_chats,
            commands::archive::export_chats,
            commands::archive::import_chats,
            commands::answers::ask,
            commands::answers::measure_context,
            commands::answers::continue_in_new_chat,
            commands::answers::stop_answer,
            commands::answers::answer_events,
            commands::tools::tools_state,
            commands::tools::add_mcp_servers,
            commands::tools::add_mcp_server,
            commands::tools::mcp_server_draft,
            commands::tools::update_mcp_server,
            commands::tools::remove_mcp_server,
            commands::tools::set_mcp_server_enabled,
            commands::tools::set_mcp_tool_enabled,
            commands::tools::set_mcp_tool_always,
            commands::tools::retry_mcp_server,
            commands::tools::decide_tool_call,
            commands::assistants::list_assistants,
            commands::assistants::save_assistant,
            commands::assistants::update_assistant,
            commands::assistants::rename_assistant,
            commands::assistants::delete_assistant,
            commands::assistants::set_default_assistant,
            attachments::attachment_fits,
            attachments::attach_bytes,
            attachments::attach_files,
            attachments::draft_attachments,
            attachments::remove_attachment,
            data::about,
            data::delete_all_data,
            commands::quick_ask::open_in_main,
            commands::quick_ask::hide_quick_ask,
        ])
        .build(tauri::generate_context!())
        .expect("Glama Chat failed to start")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                on_exit(app);
            }
        });
}
