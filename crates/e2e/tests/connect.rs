//! Connect, end to end: the real app, the real keyring, the fake gateway over real HTTP.

use e2e::{Session, SessionOptions, APP_ID};

#[tokio::test]
async fn connect_by_scheme_stores_key_in_keyring_and_streams_a_reply() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    assert_eq!(app.connection_state().await, "disconnected");
    assert!(app
        .js(
            "return document.querySelector('[data-testid=connection-status]').textContent",
            vec![]
        )
        .await
        .as_str()
        .unwrap()
        .contains("Not connected"));

    let shown = app.connect().await;
    let keys = session.gateway.issued_keys();
    assert_eq!(keys.len(), 1, "one key issued");
    let key = &keys[0];
    assert!(shown.starts_with("Connected"), "{shown}");
    assert!(
        shown.contains(&format!("…{}", &key[key.len() - 4..])),
        "masked tail shown: {shown}"
    );

    // The browser got an S256 authorize URL with the scheme callback, and delivered it by a second launch.
    let log = session.browser_log();
    let open = log.iter().find(|l| l.starts_with("open ")).expect("browser opened");
    let authorize = url::Url::parse(&open[5..]).unwrap();
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(
        q["callback_url"].starts_with(&format!("{APP_ID}:/callback/")),
        "{}",
        q["callback_url"]
    );
    assert!(log.iter().any(|l| l.starts_with("delivered")), "{log:?}");
    // The scheme was registered with the desktop at start (register_all), with %u so the URL is passed on.
    let desktop = std::fs::read_to_string(session.dir.join("data/applications/glama-chat-handler.desktop"))
        .expect("handler .desktop file");
    assert!(
        desktop.contains(&format!("MimeType=x-scheme-handler/{APP_ID}")),
        "{desktop}"
    );
    assert!(desktop.contains("%u"), "{desktop}");

    // The key is in the keyring (read by another process) and in no file.
    assert_eq!(
        session.keyring_lookup(&session.key_account()).as_deref(),
        Some(key.as_str())
    );
    assert_eq!(session.files_containing(key), Vec::<std::path::PathBuf>::new());
    // ...and never in the window.
    let leaked = app
        .js(
            "return window.__TAURI_INTERNALS__.invoke('connection_status').then(s => JSON.stringify(s).includes(arguments[0]) || document.documentElement.outerHTML.includes(arguments[0]))",
            vec![serde_json::json!(key)],
        )
        .await;
    assert_eq!(leaked, serde_json::json!(false));

    // A message streams back with exactly the gateway's text, multi-byte characters included.
    app.wait_models().await;
    // WebKitWebDriver cannot type characters outside the BMP; the reply carries 🦀 (4 bytes).
    let prompt = "Grüße, 世界!";
    app.send(prompt).await;
    let answer = app.wait_last_answer("done").await;
    assert_eq!(answer["text"].as_str().unwrap().trim(), fake_gateway::reply_for(prompt));
    let user = &app.messages().await[0];
    assert_eq!(user["role"], "user");
    assert_eq!(user["text"], prompt);
    let stats = session.gateway.stats();
    assert_eq!(stats.streams_completed, 1);
    assert!(stats.last_chat_user_agent.unwrap().starts_with("GlamaChat/"));
    assert!(stats.last_chat_metadata.unwrap().contains("\"key\":\"app\""));
    app.quit().await;
}

#[tokio::test]
async fn relaunch_stays_connected_and_disconnect_removes_the_keyring_entry() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    app.connect().await;
    app.quit().await;

    // A new process reads the key back from the keyring.
    let app = session.launch(&[]).await;
    let shown = app.wait_connection("connected").await;
    let key = session.gateway.issued_keys().pop().unwrap();
    assert!(shown.contains(&key[key.len() - 4..]), "{shown}");
    assert_eq!(session.gateway.stats().exchange_requests, 1, "no second sign-in");

    app.click("disconnect-button").await;
    app.wait_connection("disconnected").await;
    assert_eq!(
        session.keyring_lookup(&session.key_account()),
        None,
        "keyring entry deleted"
    );
    app.quit().await;

    let app = session.launch(&[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.connection_state().await, "disconnected");
    app.quit().await;
}

#[tokio::test]
async fn connect_by_loopback() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    let select = app.by_testid("transport-select").await;
    app.click("settings-button").await;
    select.select_by_value("loopback").await.unwrap();
    app.wait_js(
        "setting saved",
        "return window.__TAURI_INTERNALS__.invoke('get_settings').then(s => s.transport === 'loopback')",
    )
    .await;
    app.click("settings-close").await;
    app.connect().await;
    let log = session.browser_log();
    let callback = log
        .iter()
        .find_map(|l| l.strip_prefix("callback "))
        .expect("callback")
        .to_string();
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("page 200") && l.contains("you can close this tab")),
        "{log:?}"
    );
    let key = session.gateway.issued_keys().pop().unwrap();
    assert_eq!(
        session.keyring_lookup(&session.key_account()).as_deref(),
        Some(key.as_str())
    );
    // The port is closed once the flow is over.
    let port: u16 = url::Url::parse(&callback).unwrap().port().unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "loopback port still open"
    );
    app.quit().await;
}

#[tokio::test]
async fn forged_callback_while_connected_changes_nothing() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    let before = app.connect().await;
    let key = session.gateway.issued_keys().pop().unwrap();
    // Someone makes the OS open a link with a real, unused code but no flow of ours.
    let code = session.gateway.issue_code("attacker-challenge");
    let forged = format!("{APP_ID}:/callback/forged-state?code={code}");
    session.open_with_app(&forged);
    app.wait_banner("did not ask for").await;
    assert_eq!(app.wait_connection("connected").await, before);
    assert_eq!(
        session.keyring_lookup(&session.key_account()).as_deref(),
        Some(key.as_str())
    );
    assert_eq!(
        session.gateway.stats().exchange_requests,
        1,
        "a forged code is never exchanged"
    );
    app.quit().await;
}

#[tokio::test]
async fn callback_that_cold_starts_the_app_completes_the_flow() {
    let session = Session::start_with(SessionOptions {
        browser_mode: "capture",
        ..Default::default()
    })
    .await;
    let app = session.launch(&[]).await;
    app.click("connect-button").await;
    app.wait_connection("connecting").await;
    // The person closes the app before the browser comes back.
    let callback = {
        let deadline = std::time::Instant::now() + e2e::WAIT;
        loop {
            if let Some(c) = session
                .browser_log()
                .iter()
                .find_map(|l| l.strip_prefix("callback ").map(str::to_string))
            {
                break c;
            }
            assert!(std::time::Instant::now() < deadline, "no callback captured");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    app.quit().await;
    // The browser's redirect starts the app with the URL.
    let app = session.launch(&[&callback]).await;
    app.wait_connection("connected").await;
    let key = session.gateway.issued_keys().pop().unwrap();
    assert_eq!(
        session.keyring_lookup(&session.key_account()).as_deref(),
        Some(key.as_str())
    );
    // The saved sign-in is gone from the keyring once used.
    assert_eq!(
        session.keyring_lookup(&format!("pending-sign-in@{}", session.gateway.url())),
        None
    );
    app.quit().await;
}

/// Launch arguments are anyone's to choose (a local process, a web page through the URL
/// scheme). Before, `ai.glama.chaté` panicked the scan at start (a byte slice through `é`),
/// and the same through a second launch crashed the running app.
#[tokio::test]
async fn hostile_arguments_crash_nothing() {
    use std::os::unix::ffi::OsStringExt;
    let session = Session::start().await;
    let app = session
        .launch(&[
            "ai.glama.chaté",
            "é",
            "ai.glama.chat:",
            "ai.glama.cha€t:/callback/x?code=🦀",
        ])
        .await;
    assert_eq!(app.connection_state().await, "disconnected");
    assert_eq!(app.banner_text().await, None, "none of those is a link of ours");
    let second_launches: [Vec<std::ffi::OsString>; 4] = [
        vec!["ai.glama.chaté".into()],
        vec![std::ffi::OsString::from_vec(vec![0xff, 0xfe])],
        vec![std::ffi::OsString::from_vec(
            b"ai.glama.chat:/callback/S?code=\xff".to_vec(),
        )],
        vec!["--flag".into(), "ai.glama.chat:/callback/forged?code=x".into()],
    ];
    for args in second_launches {
        let status = std::process::Command::new(e2e::app_binary())
            .args(&args)
            .envs(session.base_env())
            .env("GLAMA_GATEWAY_URL", session.gateway.url())
            .status()
            .expect("second launch");
        assert!(status.success(), "{args:?}: {status}");
    }
    // The last one was a well-formed link of no flow of ours: told, once the app handled it,
    // which proves the running app outlived the three before it.
    app.wait_banner("did not ask for").await;
    assert_eq!(app.connection_state().await, "disconnected");
    app.quit().await;
}

/// The app's log, a file in its folder, says what happened, and never holds the key or what
/// was written: neither the question nor the answer.
#[tokio::test]
async fn the_log_says_what_happened_but_never_the_key_or_the_words() {
    let (session, app) = Session::connected().await;
    let question = "a question only the window may know";
    app.send(question).await;
    app.wait_last_answer("done").await;
    let key = session.gateway.issued_keys().pop().unwrap();
    let log: String = std::fs::read_dir(session.data_dir().join("logs"))
        .expect("a log folder in the app's folder")
        .flatten()
        .map(|file| std::fs::read_to_string(file.path()).unwrap())
        .collect();
    assert!(log.contains("signed in"), "{log}");
    for secret in [key.as_str(), question, "Echo:"] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
    app.quit().await;
}
