//! The connector end to end in-process: a real loopback listener, the fake gateway, and the
//! real keyring (the test command runs these inside a session bus with gnome-keyring).

use std::sync::{Arc, Mutex};

use fake_gateway::FakeGateway;
use glama_core::connect::flow::Rejection;
use glama_core::connect::{ConnectError, ConnectEvent, Connector, Status};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::secret::ApiKey;
use glama_core::vault::{Item, Vault};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Rig {
    fake: FakeGateway,
    connector: Arc<Connector>,
    events: Arc<Mutex<Vec<ConnectEvent>>>,
}

async fn rig() -> Rig {
    let fake = FakeGateway::start().await.unwrap();
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", Timeouts::default());
    // A vault of its own per test (the gateway port differs), so tests do not meet.
    let vault = Vault::new("ai.glama.chat.test", fake.addr().to_string());
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let connector = Connector::new(gateway, vault, move |e| sink.lock().unwrap().push(e));
    connector.start().await;
    Rig {
        fake,
        connector,
        events,
    }
}

impl Rig {
    /// Plays the browser: fetch the authorize URL and return the callback it redirects to.
    async fn authorize(&self, url: &str) -> String {
        let resp = no_redirects().get(url).send().await.unwrap();
        assert_eq!(resp.status(), 302);
        resp.headers()["location"].to_str().unwrap().to_string()
    }

    fn notices(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                ConnectEvent::Notice(n) => Some(n.message.clone()),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test]
async fn vault_round_trip() {
    let vault = Vault::new("ai.glama.chat.test", format!("vault-{}", std::process::id()));
    vault.delete(Item::ApiKey).unwrap();
    assert_eq!(vault.load_key().unwrap(), None);
    vault.store_key(&ApiKey::new("glama_test_key_1234")).unwrap();
    assert_eq!(vault.load_key().unwrap().unwrap().expose(), "glama_test_key_1234");
    let other = Vault::new("ai.glama.chat.test", "another-gateway");
    assert_eq!(other.load_key().unwrap(), None, "keys are per gateway");
    vault.delete(Item::ApiKey).unwrap();
    assert_eq!(vault.load_key().unwrap(), None);
    vault.delete(Item::ApiKey).unwrap();
}

#[tokio::test]
async fn loopback_flow_connects_and_closes_the_port() {
    let rig = rig().await;
    let url = rig.connector.connect(None).await.unwrap();
    assert!(matches!(
        rig.connector.status(),
        Status::Connecting {
            transport: "loopback",
            ..
        }
    ));
    let callback = rig.authorize(&url).await;
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");

    // A forged request to the listener is answered with an error and changes nothing.
    let port = url::Url::parse(&callback).unwrap().port().unwrap();
    let forged = reqwest::get(format!("http://127.0.0.1:{port}/callback/wrong?code=x"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(forged.text().await.unwrap().contains("does not belong"));
    assert!(matches!(rig.connector.status(), Status::Connecting { .. }));

    let page = reqwest::get(&callback).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("you can close this tab"));
    let key = rig.fake.issued_keys().pop().unwrap();
    assert!(
        matches!(rig.connector.status(), Status::Connected { ref masked_key, session_only: false } if key.ends_with(&masked_key[3..]))
    );
    assert_eq!(rig.connector.vault().load_key().unwrap().unwrap().expose(), key);
    assert!(reqwest::get(&callback).await.is_err(), "listener closed after the flow");

    rig.connector.disconnect().await.unwrap();
    assert_eq!(rig.connector.vault().load_key().unwrap(), None);
}

#[tokio::test]
async fn scheme_flow_rejections_leave_things_alone() {
    let rig = rig().await;
    let scheme = "ai.glama.chat";
    // No flow pending.
    let err = rig
        .connector
        .handle_callback(&format!("{scheme}:/callback/x?code=c"))
        .await
        .unwrap_err();
    assert_eq!(err, ConnectError::Rejected(Rejection::NoPendingFlow));

    let url = rig.connector.connect(Some(scheme)).await.unwrap();
    let callback = rig.authorize(&url).await;
    assert!(callback.starts_with(&format!("{scheme}:/callback/")));
    // The pending sign-in is kept in the keyring for a cold start.
    assert!(rig.connector.vault().get(Item::PendingSignIn).unwrap().is_some());

    for (bad, expected) in [
        (format!("{scheme}:/callback/forged?code=c"), Rejection::WrongState),
        (
            format!("{scheme}:/callback?code=c"),
            Rejection::Malformed(glama_core::connect::callback::CallbackError::MissingState),
        ),
        (
            "other.app:/callback/x?code=c".to_string(),
            Rejection::Malformed(glama_core::connect::callback::CallbackError::WrongTarget),
        ),
        (
            "%%garbage%%".to_string(),
            Rejection::Malformed(glama_core::connect::callback::CallbackError::NotAUrl),
        ),
    ] {
        let err = rig.connector.handle_callback(&bad).await.unwrap_err();
        assert_eq!(err, ConnectError::Rejected(expected), "{bad}");
        assert!(
            matches!(rig.connector.status(), Status::Connecting { .. }),
            "{bad} disturbed the flow"
        );
    }
    assert_eq!(rig.notices().len(), 5, "each rejection is told: {:?}", rig.notices());

    rig.connector.handle_callback(&callback).await.unwrap();
    assert!(matches!(rig.connector.status(), Status::Connected { .. }));
    assert!(rig.connector.vault().get(Item::PendingSignIn).unwrap().is_none());
    // Delivered twice by the OS: handled once, silently.
    let err = rig.connector.handle_callback(&callback).await.unwrap_err();
    assert_eq!(err, ConnectError::Rejected(Rejection::Duplicate));
    assert_eq!(rig.notices().len(), 5);
    assert_eq!(rig.fake.stats().exchange_requests, 1);
    rig.connector.disconnect().await.unwrap();
}

#[tokio::test]
async fn denial_and_refused_exchange_are_explained() {
    let rig = rig().await;
    let url = rig.connector.connect(Some("ai.glama.chat")).await.unwrap();
    let callback = rig.authorize(&url).await;
    let denied = callback.split('?').next().unwrap().to_string() + "?error=access_denied&error_description=No+thanks";
    let err = rig.connector.handle_callback(&denied).await.unwrap_err();
    assert_eq!(err, ConnectError::Denied("access_denied: No thanks".into()));
    assert!(matches!(rig.connector.status(), Status::Error { ref message, .. } if message.contains("No thanks")));

    // A code Glama refuses (here: already used by someone else).
    let url = rig.connector.connect(Some("ai.glama.chat")).await.unwrap();
    let callback = rig.authorize(&url).await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let stolen = glama_core::connect::pkce::Pkce::from_verifier("a".repeat(43));
    let _ = rig
        .connector
        .gateway()
        .exchange_code(&glama_core::secret::Secret::new(code), &stolen.verifier)
        .await;
    let err = rig.connector.handle_callback(&callback).await.unwrap_err();
    assert!(
        matches!(err, ConnectError::ExchangeRefused(ref m) if m.contains("already used")),
        "{err:?}"
    );
    assert!(matches!(rig.connector.status(), Status::Error { ref kind, .. } if kind == "exchange_refused"));
}

#[tokio::test]
async fn cancel_ends_the_flow() {
    let rig = rig().await;
    let url = rig.connector.connect(None).await.unwrap();
    let callback = rig.authorize(&url).await;
    assert_eq!(rig.connector.cancel().await, Status::Disconnected);
    assert!(reqwest::get(&callback).await.is_err(), "loopback closed on cancel");
    let err = rig.connector.handle_callback(&callback).await.unwrap_err();
    assert_eq!(err, ConnectError::Rejected(Rejection::NoPendingFlow));
}

#[tokio::test]
async fn a_rejected_key_stays_rejected_until_replaced() {
    let rig = rig().await;
    let url = rig.connector.connect(None).await.unwrap();
    reqwest::get(rig.authorize(&url).await).await.unwrap();
    let key = rig.connector.key().expect("connected");
    // A late 401 about some other key changes nothing.
    rig.connector.key_rejected(&ApiKey::new("an-older-key"));
    assert!(matches!(rig.connector.status(), Status::Connected { .. }));

    rig.connector.key_rejected(&key);
    assert!(matches!(rig.connector.status(), Status::Error { ref kind, .. } if kind == "key_rejected"));
    assert_eq!(rig.connector.key(), None, "a rejected key is not used");
    // Reconnect, then give up: still rejected, never "Connected" with the bad key.
    rig.connector.connect(None).await.unwrap();
    assert!(matches!(rig.connector.status(), Status::Connecting { .. }));
    rig.connector.cancel().await;
    assert!(matches!(rig.connector.status(), Status::Error { ref kind, .. } if kind == "key_rejected"));
    assert_eq!(rig.connector.key(), None);
    // A new key clears it.
    let url = rig.connector.connect(None).await.unwrap();
    reqwest::get(rig.authorize(&url).await).await.unwrap();
    assert!(matches!(rig.connector.status(), Status::Connected { .. }));
    assert_ne!(rig.connector.key(), Some(key));
    rig.connector.disconnect().await.unwrap();
}

/// Every call made with the key goes through one rule: Glama's 401 rejects that key; any other
/// failure (a 503, say) leaves it connected.
#[tokio::test]
async fn only_a_401_to_a_call_rejects_the_key_it_was_made_with() {
    let rig = rig().await;
    let url = rig.connector.connect(None).await.unwrap();
    reqwest::get(rig.authorize(&url).await).await.unwrap();
    let key = rig.connector.key().expect("connected");

    // Both lists (the rich one, then the OpenAI one it falls back to) answer 503.
    rig.fake.script_models(fake_gateway::ModelsScenario::Status(503));
    rig.fake.script_models(fake_gateway::ModelsScenario::Status(503));
    let error = rig.connector.gateway().models(&key).await.unwrap_err();
    rig.connector.call_failed(&key, &error);
    assert!(matches!(rig.connector.status(), Status::Connected { .. }), "{error:?}");

    rig.fake.script_models(fake_gateway::ModelsScenario::Status(401));
    let error = rig.connector.gateway().models(&key).await.unwrap_err();
    assert_eq!(error, glama_core::gateway::GatewayError::Unauthorized);
    rig.connector.call_failed(&ApiKey::new("an-older-key"), &error);
    assert!(
        matches!(rig.connector.status(), Status::Connected { .. }),
        "a 401 to another key says nothing about this one"
    );
    rig.connector.call_failed(&key, &error);
    assert!(matches!(rig.connector.status(), Status::Error { ref kind, .. } if kind == "key_rejected"));
    assert_eq!(rig.connector.key(), None);
    rig.connector.disconnect().await.unwrap();
}

#[tokio::test]
async fn cancel_during_the_exchange_wins() {
    let rig = rig().await;
    rig.fake
        .script_exchange(fake_gateway::ExchangeScenario::Slow(std::time::Duration::from_millis(
            500,
        )));
    let url = rig.connector.connect(Some("ai.glama.chat")).await.unwrap();
    let callback = rig.authorize(&url).await;
    let connector = rig.connector.clone();
    let handling = tokio::spawn(async move { connector.handle_callback(&callback).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(rig.connector.cancel().await, Status::Disconnected);
    assert_eq!(handling.await.unwrap(), Err(ConnectError::Superseded));
    assert_eq!(rig.connector.status(), Status::Disconnected);
    assert_eq!(
        rig.connector.vault().load_key().unwrap(),
        None,
        "nothing stored after Cancel"
    );
}

/// Before, any failure of the follow-up check threw the new key away ("server error").
#[tokio::test]
async fn a_check_that_cannot_be_made_keeps_the_new_key() {
    let rig = rig().await;
    rig.fake.script_models(fake_gateway::ModelsScenario::Status(503));
    let url = rig.connector.connect(None).await.unwrap();
    let page = reqwest::get(rig.authorize(&url).await).await.unwrap();
    assert_eq!(page.status(), 200);
    let key = rig.fake.issued_keys().pop().unwrap();
    assert!(matches!(rig.connector.status(), Status::Connected { .. }));
    assert_eq!(rig.connector.key().unwrap().expose(), key);
    assert_eq!(rig.connector.vault().load_key().unwrap().unwrap().expose(), key);
    let notices = rig.notices();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("could not confirm") && n.contains("503")),
        "{notices:?}"
    );
    rig.connector.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_401_on_the_check_still_means_rejected() {
    let rig = rig().await;
    rig.fake.script_models(fake_gateway::ModelsScenario::Status(401));
    let url = rig.connector.connect(None).await.unwrap();
    let page = reqwest::get(rig.authorize(&url).await).await.unwrap();
    assert_eq!(page.status(), 400);
    assert_eq!(rig.connector.key(), None);
    assert!(matches!(rig.connector.status(), Status::Error { ref kind, .. } if kind == "key_rejected"));
    assert_eq!(rig.connector.vault().load_key().unwrap(), None);
}

/// The keyring is read at launch; a sign-in that finishes before that read is applied keeps
/// its key. Before, the launch's read overwrote it with the older stored key.
#[tokio::test]
async fn a_sign_in_faster_than_the_launch_read_wins() {
    let fake = FakeGateway::start().await.unwrap();
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", Timeouts::default());
    let vault = Vault::new("ai.glama.chat.test", fake.addr().to_string());
    vault.store_key(&ApiKey::new("glama_old_stored_key")).unwrap();
    let connector = Connector::new(gateway, vault, |_| {});
    let stored = connector.read_stored().await;
    // Meanwhile, a sign-in completes.
    let url = connector.connect(None).await.unwrap();
    let resp = no_redirects().get(&url).send().await.unwrap();
    reqwest::get(resp.headers()["location"].to_str().unwrap())
        .await
        .unwrap();
    let new_key = fake.issued_keys().pop().unwrap();
    assert_eq!(connector.key().unwrap().expose(), new_key);
    // Then the launch's read is applied.
    connector.apply_stored(stored);
    assert_eq!(connector.key().unwrap().expose(), new_key, "the newer key stays");
    connector.disconnect().await.unwrap();
}

/// This session bus's keyring daemon, stopped (SIGSTOP) until dropped: a keyring call made
/// meanwhile waits, as it does on an unlock prompt. Kept well under the 2 s the keyring's D-Bus
/// calls wait for an answer. One at a time (tests run in parallel).
struct FrozenKeyring {
    pid: String,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

static FREEZING: Mutex<()> = Mutex::new(());

impl FrozenKeyring {
    fn now() -> Self {
        let one_at_a_time = FREEZING.lock().unwrap_or_else(|p| p.into_inner());
        let out = std::process::Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .expect("dbus-send runs");
        let reply = String::from_utf8_lossy(&out.stdout);
        let pid = reply
            .split_whitespace()
            .skip_while(|w| *w != "uint32")
            .nth(1)
            .unwrap_or_else(|| panic!("no keyring daemon on this bus: {reply}"))
            .to_string();
        signal("-STOP", &pid);
        FrozenKeyring {
            pid,
            _one_at_a_time: one_at_a_time,
        }
    }
}

impl Drop for FrozenKeyring {
    fn drop(&mut self) {
        signal("-CONT", &self.pid);
    }
}

fn signal(which: &str, pid: &str) {
    let status = std::process::Command::new("kill").args([which, pid]).status().unwrap();
    assert!(status.success(), "kill {which} {pid}");
}

/// Starts a sign-in whose key write will wait on a stopped keyring: the callback is handled
/// in a task, the keyring is stopped while the exchange is slow (after the pending entry's
/// deletion, before the write), and returned once the write is surely waiting.
async fn sign_in_stuck_in_the_keyring(rig: &Rig) -> (FrozenKeyring, tokio::task::JoinHandle<Result<(), ConnectError>>) {
    rig.fake
        .script_exchange(fake_gateway::ExchangeScenario::Slow(std::time::Duration::from_millis(
            400,
        )));
    let url = rig.connector.connect(Some("ai.glama.chat")).await.unwrap();
    let callback = rig.authorize(&url).await;
    let issued = rig.fake.issued_keys().len();
    let exchanges = rig.fake.stats().exchange_requests;
    let connector = rig.connector.clone();
    let handling = tokio::spawn(async move { connector.handle_callback(&callback).await });
    while rig.fake.stats().exchange_requests == exchanges {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let frozen = FrozenKeyring::now();
    while rig.fake.issued_keys().len() == issued {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // The key check (one local request) and the generation check, then the write waits.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!handling.is_finished(), "the write waits on the keyring");
    (frozen, handling)
}

/// Cancel while the new key is being written: the sign-in ends as cancelled, and the keyring
/// holds the key in use before it (a reconnect that was cancelled changes nothing). Before, the
/// generation was checked only before the write: the new key came back and the window said
/// Connected with it.
#[tokio::test]
async fn cancel_during_the_keyring_write_wins() {
    let rig = rig().await;
    let url = rig.connector.connect(None).await.unwrap();
    reqwest::get(rig.authorize(&url).await).await.unwrap();
    let before = rig.connector.key().expect("connected");

    let (frozen, handling) = sign_in_stuck_in_the_keyring(&rig).await;
    let connector = rig.connector.clone();
    // Cancel's own keyring call (the pending entry) waits too: it runs in a task.
    let cancelling = tokio::spawn(async move { connector.cancel().await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    drop(frozen);
    assert_eq!(handling.await.unwrap(), Err(ConnectError::Superseded));
    assert!(matches!(cancelling.await.unwrap(), Status::Connected { .. }));
    assert_eq!(rig.connector.key(), Some(before.clone()), "the key in use stays");
    assert_eq!(
        rig.connector.vault().load_key().unwrap(),
        Some(before),
        "the keyring holds the key in use again, not the cancelled sign-in's"
    );
    rig.connector.disconnect().await.unwrap();
}

/// Delete all data while a sign-in's key is being written: nothing comes back.
#[tokio::test]
async fn delete_all_data_during_the_keyring_write_leaves_no_key() {
    let rig = rig().await;
    let (frozen, handling) = sign_in_stuck_in_the_keyring(&rig).await;
    let connector = rig.connector.clone();
    let forgetting = tokio::spawn(async move { connector.forget_all().await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    drop(frozen);
    assert_eq!(handling.await.unwrap(), Err(ConnectError::Superseded));
    assert_eq!(forgetting.await.unwrap(), Ok(Status::Disconnected));
    assert_eq!(rig.connector.status(), Status::Disconnected);
    assert_eq!(rig.connector.key(), None);
    assert_eq!(rig.connector.vault().load_key().unwrap(), None, "no key in the keyring");
    assert_eq!(rig.connector.vault().get(Item::PendingSignIn).unwrap(), None);
}
