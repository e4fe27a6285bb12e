//! The connector on a desktop without a keyring: the session bus points nowhere, so every
//! keyring call fails as it would without a Secret Service.

use std::sync::{Arc, Mutex};

use fake_gateway::FakeGateway;
use glama_core::connect::{ConnectEvent, Connector, Status};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::vault::Vault;

#[tokio::test]
async fn keep_for_session_then_disconnect_forgets_the_key() {
    // The only test in this binary: the environment is ours to set.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/glama-test-bus");
    let fake = FakeGateway::start().await.unwrap();
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", Timeouts::default());
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let connector = Connector::new(gateway, Vault::new("ai.glama.chat.test", "no-keyring"), move |e| {
        sink.lock().unwrap().push(e)
    });

    // At launch the missing keyring is a notice (the shell keeps it for the page).
    connector.start().await;
    let told = events.lock().unwrap().clone();
    assert!(
        told.iter()
            .any(|e| matches!(e, ConnectEvent::Notice(n) if n.kind == "keyring_unavailable")),
        "{told:?}"
    );

    let url = connector.connect(None).await.unwrap();
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    reqwest::get(resp.headers()["location"].to_str().unwrap())
        .await
        .unwrap();
    assert!(matches!(
        connector.status(),
        Status::Error {
            can_keep_for_session: true,
            ..
        }
    ));
    connector.keep_for_session().unwrap();
    assert!(matches!(
        connector.status(),
        Status::Connected { session_only: true, .. }
    ));
    assert!(connector.key().is_some());

    // Before, this failed on the keyring (which never held the key) and kept the key.
    assert_eq!(connector.disconnect().await, Ok(Status::Disconnected));
    assert_eq!(connector.key(), None);
    assert_eq!(connector.status(), Status::Disconnected);
}
