//! The Settings panel: About, and Delete all data with its confirmation.

use e2e::{App, Session};
use serde_json::json;

async fn open_settings(app: &App) {
    app.js("document.getElementById('settings').open = true", vec![]).await;
}

async fn text(app: &App, testid: &str) -> String {
    app.js(
        "return document.querySelector(`[data-testid=\"${arguments[0]}\"]`).textContent",
        vec![json!(testid)],
    )
    .await
    .as_str()
    .unwrap_or("")
    .to_string()
}

#[tokio::test]
async fn about_shows_the_version_and_the_gateway_in_use() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    open_settings(&app).await;
    app.by_testid("about-panel").await;
    app.wait_js(
        "the About panel to fill",
        "return document.querySelector('[data-testid=about-version]').textContent !== ''",
    )
    .await;
    assert_eq!(text(&app, "about-version").await, env!("CARGO_PKG_VERSION"));
    // The gateway this session's app talks to (GLAMA_GATEWAY_URL), as a URL.
    let shown = text(&app, "about-gateway").await;
    assert_eq!(shown.trim_end_matches('/'), session.gateway.url().trim_end_matches('/'));
    // Where the person's things are: inside this session's XDG folders.
    let data = text(&app, "about-data-folder").await;
    assert_eq!(data, session.dir.join("data/ai.glama.chat").display().to_string());
    let settings = text(&app, "about-settings-file").await;
    assert_eq!(
        settings,
        session
            .dir
            .join("config/ai.glama.chat/settings.json")
            .display()
            .to_string()
    );
    app.quit().await;
}

#[tokio::test]
async fn delete_all_data_asks_first_then_removes_key_settings_conversations_and_folders() {
    let session = Session::start().await;
    // Something in the app's data folder (where the conversations store lives).
    let data_folder = session.dir.join("data/ai.glama.chat");
    std::fs::create_dir_all(data_folder.join("store")).unwrap();
    std::fs::write(data_folder.join("store/conversations"), b"kept until deleted").unwrap();
    let settings_file = session.dir.join("config/ai.glama.chat/settings.json");

    let app = session.launch(&[]).await;
    app.connect().await;
    app.wait_models().await;
    app.send("remember this").await;
    app.wait_last_answer("done").await;
    open_settings(&app).await;
    app.by_testid("transport-select")
        .await
        .select_by_value("loopback")
        .await
        .unwrap();
    app.wait_js(
        "the setting to be saved",
        "return window.__TAURI_INTERNALS__.invoke('get_settings').then(s => s.transport === 'loopback')",
    )
    .await;
    assert!(settings_file.exists());
    let account = session.key_account();
    assert!(session.keyring_lookup(&account).is_some());
    let chats = app
        .js("return window.__TAURI_INTERNALS__.invoke('list_chats')", vec![])
        .await;
    assert_eq!(chats.as_array().map(Vec::len), Some(1), "{chats}");

    // The first click only asks; "Keep my data" keeps everything.
    app.click("delete-all-data-button").await;
    app.click("delete-all-data-cancel").await;
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=delete-all-data-confirm]').offsetParent === null",
            vec![]
        )
        .await,
        json!(true),
        "the confirmation is hidden again"
    );
    assert!(session.keyring_lookup(&account).is_some());
    assert!(settings_file.exists() && data_folder.exists());
    assert_eq!(app.connection_state().await, "connected");

    app.click("delete-all-data-button").await;
    app.click("delete-all-data-confirm").await;
    // The page reloads as the app now is: not connected, no conversation, default settings.
    app.wait_banner("All data was deleted").await;
    assert_eq!(app.connection_state().await, "disconnected");
    assert_eq!(
        session.keyring_lookup(&account),
        None,
        "the key is gone from the keyring"
    );
    assert!(!settings_file.exists(), "settings.json is gone");
    // WebKit keeps the window's own storage in the same folder and may write it again while the
    // window is open, so what is checked is that ours is gone.
    assert!(
        !data_folder.join("store").exists(),
        "the data folder's contents are gone"
    );
    // The page opens one new, empty chat in the new history; the old one is gone.
    let chats = app
        .js("return window.__TAURI_INTERNALS__.invoke('list_chats')", vec![])
        .await;
    let chats = chats.as_array().cloned().unwrap_or_default();
    assert!(chats.len() <= 1 && chats.iter().all(|c| c["title"] == ""), "{chats:?}");
    let found = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('search_chats', {query: 'remember'})",
            vec![],
        )
        .await;
    assert_eq!(found, json!([]), "the old messages are gone from the history");
    assert_eq!(
        app.js("return document.getElementById('transport').value", vec![])
            .await,
        json!("auto")
    );
    assert!(app.messages().await.is_empty(), "no message is shown after deletion");
    app.quit().await;

    // A new start finds nothing either.
    let app = session.launch(&[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.connection_state().await, "disconnected");
    assert_eq!(
        app.js("return window.__TAURI_INTERNALS__.invoke('get_settings')", vec![])
            .await["transport"],
        json!("auto")
    );
    app.quit().await;
}
