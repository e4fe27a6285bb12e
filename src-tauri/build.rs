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
        "chats_at_start",
        "open_chat",
        "rename_chat",
        "delete_chat",
        "undo_delete_chat",
        "set_chat_model",
        "set_system_prompt",
        "save_draft",
        "search_chats",
        "export_chats",
        "import_chats",
        "ask",
        "stop_answer",
        "open_link",
    ]));
    tauri_build::try_build(attributes).expect("tauri build step");
}
