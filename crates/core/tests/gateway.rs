//! The gateway client against the fake gateway, over real HTTP.

use std::time::Duration;

use fake_gateway::{ExchangeScenario, FakeGateway};
use glama_core::connect::pkce::Pkce;
use glama_core::gateway::{Gateway, GatewayError, Timeouts};
use glama_core::secret::{ApiKey, Secret};

async fn setup() -> (FakeGateway, Gateway) {
    let fake = FakeGateway::start().await.unwrap();
    let gateway = Gateway::new(fake.url().parse().unwrap(), "0.0.0-test", Timeouts::default());
    (fake, gateway)
}

#[tokio::test]
async fn exchange_succeeds_once_per_code() {
    let (fake, gateway) = setup().await;
    let pkce = Pkce::generate();
    let code = Secret::new(fake.issue_code(&pkce.challenge));
    let key = gateway.exchange_code(&code, &pkce.verifier).await.unwrap();
    assert_eq!(fake.issued_keys(), vec![key.expose().to_string()]);
    assert_eq!(
        fake.stats().last_exchange_content_type.as_deref(),
        Some("application/json")
    );
    gateway.check_key(&key).await.unwrap();

    let again = gateway.exchange_code(&code, &pkce.verifier).await.unwrap_err();
    assert_eq!(
        again,
        glama_core::gateway::GatewayError::Refused {
            status: 403,
            message: "Authorization code already used".into()
        }
    );
}

#[tokio::test]
async fn wrong_verifier_is_refused() {
    let (fake, gateway) = setup().await;
    let pkce = Pkce::generate();
    let code = Secret::new(fake.issue_code(&pkce.challenge));
    let other = Pkce::generate();
    let err = gateway.exchange_code(&code, &other.verifier).await.unwrap_err();
    assert_eq!(
        err,
        GatewayError::Refused {
            status: 403,
            message: "Invalid code verifier".into()
        }
    );
    assert!(fake.issued_keys().is_empty());
}

#[tokio::test]
async fn expired_code_is_refused() {
    let (fake, gateway) = setup().await;
    fake.set_code_lifetime(Duration::from_millis(10));
    let pkce = Pkce::generate();
    let code = Secret::new(fake.issue_code(&pkce.challenge));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let err = gateway.exchange_code(&code, &pkce.verifier).await.unwrap_err();
    assert!(
        matches!(err, GatewayError::Refused { status: 403, ref message } if message.contains("expired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn server_error_non_json_and_missing_key() {
    let (fake, gateway) = setup().await;
    for (scenario, check) in [
        (
            ExchangeScenario::ServerError,
            (|e: &GatewayError| matches!(e, GatewayError::Server { status: 500, .. })) as fn(&GatewayError) -> bool,
        ),
        (
            ExchangeScenario::NotJson,
            |e| matches!(e, GatewayError::BadResponse(m) if m.contains("JSON")),
        ),
        (
            ExchangeScenario::NoKey,
            |e| matches!(e, GatewayError::BadResponse(m) if m.contains("apiKey")),
        ),
    ] {
        fake.script_exchange(scenario.clone());
        let pkce = Pkce::generate();
        let code = Secret::new(fake.issue_code(&pkce.challenge));
        let err = gateway.exchange_code(&code, &pkce.verifier).await.unwrap_err();
        assert!(check(&err), "{scenario:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn slow_server_times_out() {
    let fake = FakeGateway::start().await.unwrap();
    let timeouts = Timeouts {
        request: Duration::from_millis(200),
        ..Timeouts::default()
    };
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", timeouts);
    fake.script_exchange(ExchangeScenario::Slow(Duration::from_secs(3)));
    let pkce = Pkce::generate();
    let code = Secret::new(fake.issue_code(&pkce.challenge));
    let started = std::time::Instant::now();
    let err = gateway.exchange_code(&code, &pkce.verifier).await.unwrap_err();
    assert_eq!(err, GatewayError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn unreachable_gateway() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gateway = Gateway::new(
        format!("http://127.0.0.1:{port}").parse().unwrap(),
        "test",
        Timeouts::default(),
    );
    let pkce = Pkce::generate();
    let err = gateway
        .exchange_code(&Secret::new("c"), &pkce.verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, GatewayError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("could not be reached"));
}

#[tokio::test]
async fn models_rich_list_with_prices() {
    let (fake, gateway) = setup().await;
    let pkce = Pkce::generate();
    let key = gateway
        .exchange_code(&Secret::new(fake.issue_code(&pkce.challenge)), &pkce.verifier)
        .await
        .unwrap();
    let models = gateway.models(&key).await.unwrap();
    let gpt = models.iter().find(|m| m.id == "openai/gpt-4o").unwrap();
    assert!((gpt.input_per_million.unwrap() - 2.5).abs() < 1e-9);
    assert!((gpt.output_per_million.unwrap() - 10.0).abs() < 1e-9);
    assert!(gpt.capabilities.contains(&"input:image".to_string()));
}

#[tokio::test]
async fn rejected_key_is_unauthorized() {
    let (_fake, gateway) = setup().await;
    let err = gateway.check_key(&ApiKey::new("glama_fake_nope")).await.unwrap_err();
    assert_eq!(err, GatewayError::Unauthorized);
}
