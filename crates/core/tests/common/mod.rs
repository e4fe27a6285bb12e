//! What the integration tests share.

use fake_gateway::FakeGateway;
use glama_core::connect::pkce::Pkce;
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::secret::{ApiKey, Secret};

/// A fake gateway, a client of it, and a key it issued by the real code exchange.
pub async fn setup() -> (FakeGateway, Gateway, ApiKey) {
    let fake = FakeGateway::start().await.unwrap();
    let gateway = Gateway::new(fake.url().parse().unwrap(), "test", Timeouts::default());
    let pkce = Pkce::generate();
    let key = gateway
        .exchange_code(&Secret::new(fake.issue_code(&pkce.challenge)), &pkce.verifier)
        .await
        .unwrap();
    (fake, gateway, key)
}
