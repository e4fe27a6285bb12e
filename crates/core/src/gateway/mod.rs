//! HTTP to Glama: the code exchange, key check, model lists, streamed chat and usage.
//!
//! One `reqwest` client with rustls. reqwest never re-sends a request whose bytes reached the
//! server, so a chat POST is never billed twice behind our back; the retries we do make are
//! explicit, in `chat`.

pub mod stream;
pub mod types;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::secret::{ApiKey, Secret};
pub use stream::{ChatEvents, StreamItem};
use types::{
    ChatMessage, ChatRequest, CompletionRequest, ModelInfo, OpenAiModelList, RichModel, StreamOptions, Usage,
    UsageSource,
};

/// Failures talking to Glama, in words a person can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    #[error("Glama could not be reached: {0}. Check your internet connection and try again.")]
    Unreachable(String),
    #[error("Glama did not answer in time. Try again in a moment.")]
    Timeout,
    #[error("Glama rejected the API key. Reconnect to get a new one.")]
    Unauthorized,
    #[error("Your Glama account is out of credit: {0}. Add credit at glama.ai, then try again.")]
    PaymentRequired(String),
    #[error("Glama is rate-limiting requests: {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("Glama refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("Glama had a server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("Glama sent a reply this app cannot read: {0}")]
    BadResponse(String),
    #[error("The connection to Glama dropped: {0}")]
    Dropped(String),
    #[error("Glama reported an error mid-answer: {0}")]
    StreamError(String),
}

impl GatewayError {
    /// A stable name for the UI to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::Unreachable(_) => "unreachable",
            GatewayError::Timeout => "timeout",
            GatewayError::Unauthorized => "key_rejected",
            GatewayError::PaymentRequired(_) => "payment_required",
            GatewayError::RateLimited { .. } => "rate_limited",
            GatewayError::Refused { .. } => "refused",
            GatewayError::Server { .. } => "server_error",
            GatewayError::BadResponse(_) => "bad_response",
            GatewayError::Dropped(_) => "dropped",
            GatewayError::StreamError(_) => "stream_error",
        }
    }

    fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            GatewayError::Timeout
        } else if e.is_connect() {
            GatewayError::Unreachable(root_cause(&e))
        } else if e.is_decode() || e.is_body() {
            GatewayError::Dropped(root_cause(&e))
        } else {
            GatewayError::Unreachable(root_cause(&e))
        }
    }
}

/// The innermost cause of an error ("Connection refused"), without the URL.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// How long we wait.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, for everything but the chat stream.
    pub request: Duration,
    /// Silence allowed between bytes of a chat stream (Glama sends keep-alive comments).
    pub stream_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
            stream_idle: Duration::from_secs(120),
        }
    }
}

/// A started chat stream: the request id (for usage) and its events.
pub struct ChatStream {
    pub request_id: Option<String>,
    pub events: ChatEvents,
}

/// The client for one gateway base URL.
#[derive(Clone)]
pub struct Gateway {
    base: Url,
    http: reqwest::Client,
    timeouts: Timeouts,
}

impl Gateway {
    /// `app_version` goes into the User-Agent and the `X-Glama-Metadata` label.
    pub fn new(base: Url, app_version: &str, timeouts: Timeouts) -> Self {
        let mut headers = HeaderMap::new();
        let metadata = serde_json::json!({"labels": [{"key": "app", "value": format!("glama-chat/{app_version}")}]});
        headers.insert(
            "X-Glama-Metadata",
            HeaderValue::from_str(&metadata.to_string()).expect("ASCII JSON is a valid header"),
        );
        let http = reqwest::Client::builder()
            .user_agent(format!("GlamaChat/{app_version}"))
            .default_headers(headers)
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.stream_idle)
            .build()
            .expect("rustls client builds");
        Self { base, http, timeouts }
    }

    /// The gateway in use (shown in About).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// `{base}/oauth/authorize?callback_url=…&code_challenge=…&code_challenge_method=S256`.
    pub fn authorize_url(&self, callback: &Url, challenge: &str) -> Url {
        let mut url = Url::parse(&self.endpoint("/oauth/authorize")).expect("base is a URL");
        url.query_pairs_mut()
            .append_pair("callback_url", callback.as_str())
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", crate::connect::pkce::METHOD);
        url
    }

    /// Trades the callback's code and our verifier for an API key.
    pub async fn exchange_code(&self, code: &Secret, verifier: &Secret) -> Result<ApiKey, GatewayError> {
        let body = serde_json::json!({
            "code": code.expose(),
            "code_verifier": verifier.expose(),
            "code_challenge_method": crate::connect::pkce::METHOD,
        });
        let resp = self
            .http
            .post(self.endpoint("/api/gateway/v1/auth/exchange-code"))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .timeout(self.timeouts.request)
            .send()
            .await
            .map_err(GatewayError::from_reqwest)?;
        let resp = check(resp).await?;
        let text = resp.text().await.map_err(GatewayError::from_reqwest)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|_| GatewayError::BadResponse("the code exchange did not answer with JSON".into()))?;
        match value.get("apiKey").and_then(|k| k.as_str()).map(str::trim) {
            Some(key) if !key.is_empty() => Ok(ApiKey::new(key)),
            _ => Err(GatewayError::BadResponse(
                "the code exchange answered without an apiKey".into(),
            )),
        }
    }

    /// One cheap authenticated call: does Glama accept this key?
    pub async fn check_key(&self, key: &ApiKey) -> Result<(), GatewayError> {
        self.openai_models(key).await.map(|_| ())
    }

    /// An authenticated GET, answered whatever the status.
    async fn get(&self, url: impl reqwest::IntoUrl, key: &ApiKey) -> Result<Response, GatewayError> {
        self.http
            .get(url)
            .bearer_auth(key.expose())
            .timeout(self.timeouts.request)
            .send()
            .await
            .map_err(GatewayError::from_reqwest)
    }

    async fn openai_models(&self, key: &ApiKey) -> Result<Vec<ModelInfo>, GatewayError> {
        let resp = self.get(self.endpoint("/api/gateway/openai/v1/models"), key).await?;
        let list: OpenAiModelList = json(check(resp).await?).await?;
        Ok(list
            .data
            .into_iter()
            .filter(|m| !m.id.is_empty())
            .map(|m| ModelInfo {
                id: m.id,
                input_per_million: None,
                output_per_million: None,
                capabilities: Vec::new(),
                max_tokens_input: None,
            })
            .collect())
    }

    /// Glama's rich list (prices, capabilities), falling back to the OpenAI-shaped one.
    pub async fn models(&self, key: &ApiKey) -> Result<Vec<ModelInfo>, GatewayError> {
        let rich = async {
            let resp = self.get(self.endpoint("/api/gateway/v1/models"), key).await?;
            json::<Vec<RichModel>>(check(resp).await?).await
        };
        match rich.await {
            Ok(models) if !models.is_empty() => Ok(models
                .into_iter()
                .filter(|m| !m.id.is_empty())
                .map(ModelInfo::from)
                .collect()),
            Err(GatewayError::Unauthorized) => Err(GatewayError::Unauthorized),
            _ => self.openai_models(key).await,
        }
    }

    /// Starts a streamed chat completion. Errors before the first byte come back here;
    /// errors after it come through the stream.
    pub async fn chat_stream(
        &self,
        key: &ApiKey,
        model: &str,
        messages: &[ChatMessage],
    ) -> Result<ChatStream, GatewayError> {
        let body = ChatRequest {
            model,
            messages,
            stream: true,
            stream_options: Some(StreamOptions { include_usage: true }),
        };
        let resp = self
            .http
            .post(self.endpoint("/api/gateway/openai/v1/chat/completions"))
            .bearer_auth(key.expose())
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&body).expect("request serializes"))
            .send()
            .await
            .map_err(GatewayError::from_reqwest)?;
        let resp = check(resp).await?;
        let request_id = ["x-completion-request-id", "x-request-id"]
            .iter()
            .find_map(|h| resp.headers().get(*h)?.to_str().ok().map(str::to_string));
        Ok(ChatStream {
            request_id,
            events: ChatEvents::new(resp.bytes_stream()),
        })
    }

    /// Tokens and cost of a finished request; `None` until Glama has settled it.
    pub async fn completion_usage(&self, key: &ApiKey, request_id: &str) -> Result<Option<Usage>, GatewayError> {
        let mut url = Url::parse(&self.endpoint("/api/gateway/v1/completion-requests/")).expect("base is a URL");
        url.path_segments_mut()
            .expect("http URL")
            .pop_if_empty()
            .push(request_id);
        let resp = self.get(url, key).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let req: CompletionRequest = json(check(resp).await?).await?;
        Ok(req.token_usage.map(|t| Usage {
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            cost_usd: req.total_cost_usd.as_ref().and_then(|c| c.per_token()),
            source: UsageSource::Glama,
        }))
    }
}

async fn json<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, GatewayError> {
    let text = resp.text().await.map_err(GatewayError::from_reqwest)?;
    serde_json::from_str(&text).map_err(|e| GatewayError::BadResponse(format!("unexpected JSON ({e})")))
}

/// Passes a 2xx through; turns anything else into a [`GatewayError`] with Glama's own words.
async fn check(resp: Response) -> Result<Response, GatewayError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.text().await.unwrap_or_default();
    let message = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(v) => stream::error_text(v.get("error").unwrap_or(&v)),
        Err(_) => {
            let trimmed: String = body.trim().chars().take(300).collect();
            if trimmed.is_empty() {
                status.canonical_reason().unwrap_or("no details").to_string()
            } else {
                trimmed
            }
        }
    };
    let code = status.as_u16();
    let lower = message.to_lowercase();
    Err(match code {
        401 => GatewayError::Unauthorized,
        402 => GatewayError::PaymentRequired(message),
        429 => GatewayError::RateLimited { retry_after, message },
        400..=499 if lower.contains("credit") || lower.contains("insufficient balance") => {
            GatewayError::PaymentRequired(message)
        }
        400..=499 => GatewayError::Refused { status: code, message },
        _ => GatewayError::Server { status: code, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_encodes_the_callback() {
        let g = Gateway::new(Url::parse("https://glama.ai/").unwrap(), "0.1.0", Timeouts::default());
        let cb = Url::parse("ai.glama.chat:/callback/abc-_DEF?x=1&y=2").unwrap();
        let url = g.authorize_url(&cb, "CHAL");
        assert!(
            url.as_str().starts_with(
                "https://glama.ai/oauth/authorize?callback_url=ai.glama.chat%3A%2Fcallback%2Fabc-_DEF%3Fx%3D1%26y%3D2&"
            ),
            "{url}"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("callback_url".into(), cb.to_string()),
                ("code_challenge".into(), "CHAL".into()),
                ("code_challenge_method".into(), "S256".into()),
            ]
        );
        let lb = Url::parse("http://127.0.0.1:4567/callback/S").unwrap();
        let url = g.authorize_url(&lb, "C");
        assert!(
            url.as_str()
                .contains("callback_url=http%3A%2F%2F127.0.0.1%3A4567%2Fcallback%2FS&"),
            "{url}"
        );
    }

    #[test]
    fn kinds_are_stable() {
        assert_eq!(GatewayError::Unauthorized.kind(), "key_rejected");
        assert_eq!(GatewayError::Timeout.kind(), "timeout");
    }
}
