//! A local stand-in for Glama's gateway, on loopback, implementing what `shared/GLAMA_API.md`
//! documents: the authorize redirect (auto-approved), the PKCE code exchange (real S256 check,
//! single-use codes that expire), both model lists, streamed and plain chat completions (SSE cut
//! at arbitrary byte boundaries, keep-alive comments, a usage chunk), and the
//! completion-requests usage endpoint.
//!
//! Tests start it in-process and script failures through [`FakeGateway`]; `cargo run -p
//! fake-gateway` serves it for the offline demo.

mod chat;
mod framing;
mod oauth;
mod state;
mod tools;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;

pub use chat::reply_for;
use state::State;
pub use state::{ChatScenario, ExchangeScenario, ModelsScenario, ReasoningForm, Stats, ENDLESS_BYTES};

/// A running fake gateway. Dropping it stops the server.
pub struct FakeGateway {
    addr: SocketAddr,
    state: Arc<State>,
    _shutdown: oneshot::Sender<()>,
}

impl FakeGateway {
    /// Serves on `127.0.0.1` at an ephemeral port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let state = Arc::new(State::default());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            state,
            _shutdown: tx,
        })
    }

    /// `http://127.0.0.1:PORT`, what `GLAMA_GATEWAY_URL` should say.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next chat completion requests behave as scripted, in order.
    pub fn script_chat(&self, scenario: ChatScenario) {
        self.state.lock().chat_script.push_back(scenario);
    }

    /// The next code exchanges behave as scripted, in order.
    pub fn script_exchange(&self, scenario: ExchangeScenario) {
        self.state.lock().exchange_script.push_back(scenario);
    }

    /// The next model-list requests (either list, the key check included) behave as scripted.
    pub fn script_models(&self, scenario: ModelsScenario) {
        self.state.lock().models_script.push_back(scenario);
    }

    /// How long an authorization code stays valid (default 60 s).
    pub fn set_code_lifetime(&self, lifetime: std::time::Duration) {
        self.state.lock().code_lifetime = lifetime;
    }

    /// The API keys handed out so far.
    pub fn issued_keys(&self) -> Vec<String> {
        self.state.lock().keys.iter().cloned().collect()
    }

    /// Forget every key, so each authenticated call answers 401.
    pub fn revoke_keys(&self) {
        self.state.lock().keys.clear();
    }

    /// Hands out a code for `challenge` as the authorize page would, without the redirect.
    pub fn issue_code(&self, challenge: &str) -> String {
        self.state.lock().issue_code(challenge)
    }

    pub fn stats(&self) -> Stats {
        self.state.lock().stats.clone()
    }
}

/// Anything Glama does not serve: counted, so a test can prove nothing (an image in an
/// answer, say) was fetched.
async fn stray(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    uri: axum::http::Uri,
) -> axum::http::StatusCode {
    state.lock().stats.stray_requests.push(uri.to_string());
    axum::http::StatusCode::NOT_FOUND
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/api/gateway/v1/auth/exchange-code", post(oauth::exchange_code))
        .route("/api/gateway/v1/models", get(chat::rich_models))
        .route("/api/gateway/openai/v1/models", get(chat::openai_models))
        .route("/api/gateway/openai/v1/chat/completions", post(chat::completions))
        .route(
            "/api/gateway/v1/completion-requests/{id}",
            get(chat::completion_request),
        )
        .fallback(stray)
        .with_state(state)
}
