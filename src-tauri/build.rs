// The commands listed here each get an `allow-*` permission, granted one by one in
// capabilities/.
fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "connection_status",
        "take_notices",
        "connect",
        "cancel_connect",
        "disconnect",
        "keep_key_for_session",
        "list_models",
        "get_settings",
        "set_settings",
        "new_chat",
        "list_chats",
        "chat_messages",
        "ask",
        "stop_answer",
        "open_link",
    ]));
    tauri_build::try_build(attributes).expect("tauri build step");
}
