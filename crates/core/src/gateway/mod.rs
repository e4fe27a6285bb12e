//! HTTP to Glama: the code exchange, key check, model lists, streamed chat and usage.
//!
//! One `reqwest` client with rustls. reqwest never re-sends a request whose bytes reached the
//! server, so a chat POST is never billed twice behind our back; the retries we do make are
//! explicit, in `chat`.
//!
//! Redirects are never followed, on any call: reqwest re-sends a 307/308 POST body (the sign-in
//! code and verifier, a conversation) to wherever it points, and Glama's API does not redirect.
//! A 3xx is an error that names where it pointed.
//!
//! Every body is read with a cap ([`limits`]): a misbehaving server cannot grow memory.

pub mod stream;
pub mod tool_calls;
pub mod types;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::error_code::ErrorCode;
use crate::secret::{ApiKey, Secret};
use crate::usage::{Usage, UsageSource};
pub use stream::{ChatEvents, StreamItem};
use types::{
    ChatMessage, ChatRequest, CompletionRequest, ModelInfo, OpenAiModelList, RichModel, Sampling, StreamOptions,
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
    #[error("Glama answered with a redirect ({status}) to {location}; this app does not follow redirects.")]
    Redirected { status: u16, location: String },
    #[error("Glama sent {what} larger than {} KB, more than this app reads; the rest was not read.", limit / 1024)]
    TooLarge { what: &'static str, limit: usize },
    /// The stream kept the connection open (keep-alives, blank lines, anything) but gave no
    /// word of the answer for this long.
    #[error(
        "The answer stalled: Glama sent nothing new for {}, though the connection stayed open. \
         Try again, or choose another model.",
        duration_words(*.0)
    )]
    Stalled(Duration),
    /// The model kept asking for tools, one round after another.
    #[error(
        "The model asked for tools {0} times for one question and was stopped there. \
         Ask again to let it go on, or turn tools off for this chat."
    )]
    ToolRounds(u32),
    /// A request with tools refused because of them (a 4xx that says so).
    #[error("This model does not take tools here: {0}. Send without tools, or choose another model.")]
    ToolsRefused(String),
    /// A request refused because of a parameter the chat sets (a 4xx that names it).
    #[error("This model did not take the chat's {parameter} ({value}): {message}. Change or clear it in the chat's settings.")]
    ParameterRefused {
        parameter: &'static str,
        value: String,
        message: String,
    },
    /// A request refused as longer than the model's window (a 4xx that says so).
    #[error("This chat has outgrown the model's window ({0}). Send only the newest turns that fit, or choose a model with a larger window.")]
    ContextFull(String),
}

/// "5 minutes", "90 seconds": a limit in words (at least a second).
fn duration_words(d: Duration) -> String {
    let secs = d.as_secs_f64().ceil().max(1.0) as u64;
    match secs {
        60 => "a minute".into(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        1 => "a second".into(),
        s => format!("{s} seconds"),
    }
}

/// How many bytes each kind of body may have.
pub mod limits {
    /// An error answer: enough for any message, which is then cut to [`MESSAGE_CHARS`].
    pub const ERROR_BODY: usize = 64 * 1024;
    /// The code exchange's `{"apiKey": …}`.
    pub const EXCHANGE: usize = 64 * 1024;
    /// A model list (Glama lists hundreds of models with prices and capabilities).
    pub const MODEL_LIST: usize = 16 * 1024 * 1024;
    /// One completion request's usage.
    pub const USAGE: usize = 1024 * 1024;
    /// One SSE event of a chat stream (a chunk carries a few tokens).
    pub const STREAM_EVENT: usize = 1024 * 1024;
    /// Tool calls the model may ask for in one answer.
    pub const TOOL_CALLS: usize = 64;
    /// One tool call's arguments (JSON text).
    pub const TOOL_ARGUMENTS: usize = 1024 * 1024;
    /// Characters of a server's message shown to the person.
    pub const MESSAGE_CHARS: usize = 300;
}

/// Whether a refusal's words are about tools ("does not support tool use", "tools are not
/// supported", "function calling is not available"…): providers word it differently.
/// How providers say a request is longer than the model's window (OpenAI's "maximum context
/// length", Anthropic's "prompt is too long", Google's "exceeds the maximum number of tokens").
fn names_context_length(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "context length",
        "context_length",
        "context window",
        "prompt is too long",
        "maximum number of tokens",
        "too many tokens",
    ]
    .iter()
    .any(|w| message.contains(w))
}

fn names_tools(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["tool", "function call", "function_call"]
        .iter()
        .any(|w| message.contains(w))
}

/// A server's words cut to a readable length, on a character boundary.
pub(crate) fn readable(message: &str) -> String {
    let message = message.trim();
    match message.char_indices().nth(limits::MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_string(),
    }
}

impl GatewayError {
    /// A stable name for the UI to branch on.
    pub fn kind(&self) -> ErrorCode {
        match self {
            GatewayError::Unreachable(_) => ErrorCode::Unreachable,
            GatewayError::Timeout => ErrorCode::Timeout,
            GatewayError::Unauthorized => ErrorCode::KeyRejected,
            GatewayError::PaymentRequired(_) => ErrorCode::PaymentRequired,
            GatewayError::RateLimited { .. } => ErrorCode::RateLimited,
            GatewayError::Refused { .. } => ErrorCode::Refused,
            GatewayError::Server { .. } => ErrorCode::ServerError,
            GatewayError::BadResponse(_) => ErrorCode::BadResponse,
            GatewayError::Dropped(_) => ErrorCode::Dropped,
            GatewayError::StreamError(_) => ErrorCode::StreamError,
            GatewayError::Redirected { .. } => ErrorCode::Redirected,
            GatewayError::TooLarge { .. } => ErrorCode::TooLarge,
            GatewayError::Stalled(_) => ErrorCode::Stalled,
            // Over a limit, as a too-large answer is.
            GatewayError::ToolRounds(_) => ErrorCode::TooLarge,
            GatewayError::ToolsRefused(_) => ErrorCode::ToolsRefused,
            GatewayError::ParameterRefused { .. } => ErrorCode::ParameterRefused,
            GatewayError::ContextFull(_) => ErrorCode::ContextFull,
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
    /// How long a chat stream may go without a word of the answer (a delta, its end, its
    /// usage), however many bytes it sends meanwhile: keep-alives alone keep it open this long.
    /// Generous, for models that think a long while before they say anything.
    pub stream_progress: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
            stream_idle: Duration::from_secs(120),
            stream_progress: Duration::from_secs(300),
        }
    }
}

/// A started chat stream: the request id (for usage) and its events.
pub struct ChatStream {
    pub request_id: Option<String>,
    pub events: ChatEvents,
}

/// The PKCE challenge method sent with the authorize URL and the code exchange: the challenge
/// is SHA-256 of the verifier (how `connect::pkce` makes it); `plain` gives no protection if
/// the authorize URL leaks.
const CHALLENGE_METHOD: &str = "S256";

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
            .redirect(reqwest::redirect::Policy::none())
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
            .append_pair("code_challenge_method", CHALLENGE_METHOD);
        url
    }

    /// Trades the callback's code and our verifier for an API key.
    pub async fn exchange_code(&self, code: &Secret, verifier: &Secret) -> Result<ApiKey, GatewayError> {
        let body = serde_json::json!({
            "code": code.expose(),
            "code_verifier": verifier.expose(),
            "code_challenge_method": CHALLENGE_METHOD,
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
        let body = read_capped(resp, limits::EXCHANGE, "a code exchange answer").await?;
        let value: serde_json::Value = serde_json::from_slice(&body)
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
        decode_openai_models(&read_capped(check(resp).await?, limits::MODEL_LIST, "a model list").await?)
    }

    /// Glama's rich list (prices, capabilities), falling back to the OpenAI-shaped one.
    pub async fn models(&self, key: &ApiKey) -> Result<Vec<ModelInfo>, GatewayError> {
        let rich = async {
            let resp = self.get(self.endpoint("/api/gateway/v1/models"), key).await?;
            decode_rich_models(&read_capped(check(resp).await?, limits::MODEL_LIST, "a model list").await?)
        };
        match rich.await {
            Ok(models) if !models.is_empty() => Ok(models),
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
        tools: &[serde_json::Value],
        sampling: &Sampling,
    ) -> Result<ChatStream, GatewayError> {
        let body = ChatRequest {
            model,
            messages,
            sampling,
            stream: true,
            stream_options: Some(StreamOptions { include_usage: true }),
            tools,
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
        let resp = check(resp).await.map_err(|e| match e {
            GatewayError::Refused { message, .. } if names_context_length(&message) => {
                GatewayError::ContextFull(message)
            }
            GatewayError::Refused { message, .. } if !tools.is_empty() && names_tools(&message) => {
                GatewayError::ToolsRefused(message)
            }
            GatewayError::Refused { message, status } => match sampling.named_in(&message) {
                Some((parameter, value)) => GatewayError::ParameterRefused {
                    parameter,
                    value,
                    message,
                },
                None => GatewayError::Refused { status, message },
            },
            e => e,
        })?;
        let request_id = ["x-completion-request-id", "x-request-id"]
            .iter()
            .find_map(|h| resp.headers().get(*h)?.to_str().ok().map(str::to_string));
        Ok(ChatStream {
            request_id,
            events: ChatEvents::new(resp.bytes_stream()).stalling_after(self.timeouts.stream_progress),
        })
    }

    /// `{base}/api/gateway/v1/completion-requests/{id}`, the id one escaped path segment.
    pub fn usage_url(&self, request_id: &str) -> Result<Url, GatewayError> {
        let mut url = Url::parse(&self.endpoint("/api/gateway/v1/completion-requests/"))
            .map_err(|e| GatewayError::BadResponse(format!("the gateway address cannot take a path ({e})")))?;
        url.path_segments_mut()
            .map_err(|()| GatewayError::BadResponse("the gateway address cannot take a path".into()))?
            .pop_if_empty()
            .push(request_id);
        Ok(url)
    }

    /// Tokens and cost of a finished request; `None` until Glama has settled it.
    pub async fn completion_usage(&self, key: &ApiKey, request_id: &str) -> Result<Option<Usage>, GatewayError> {
        let resp = self.get(self.usage_url(request_id)?, key).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode_usage(&read_capped(check(resp).await?, limits::USAGE, "a usage record").await?)
    }
}

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, GatewayError> {
    serde_json::from_slice(body).map_err(|e| GatewayError::BadResponse(format!("unexpected JSON ({e})")))
}

/// `GET /api/gateway/v1/models`: entries without an id are skipped.
pub fn decode_rich_models(body: &[u8]) -> Result<Vec<ModelInfo>, GatewayError> {
    let models: Vec<RichModel> = json(body)?;
    Ok(models
        .into_iter()
        .filter(|m| !m.id.is_empty())
        .map(ModelInfo::from)
        .collect())
}

/// `GET /api/gateway/openai/v1/models`: ids only.
pub fn decode_openai_models(body: &[u8]) -> Result<Vec<ModelInfo>, GatewayError> {
    let list: OpenAiModelList = json(body)?;
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
            max_tokens_output: None,
        })
        .collect())
}

/// `GET /api/gateway/v1/completion-requests/{id}`: `None` until Glama has settled it.
pub fn decode_usage(body: &[u8]) -> Result<Option<Usage>, GatewayError> {
    let req: CompletionRequest = json(body)?;
    Ok(req.token_usage.map(|t| Usage {
        prompt_tokens: t.prompt_tokens,
        completion_tokens: t.completion_tokens,
        // Glama's record does not break reasoning out; the stream's usage chunk does.
        reasoning_tokens: None,
        cost_usd: req.total_cost_usd.as_ref().and_then(|c| c.per_token()),
        source: UsageSource::Glama,
    }))
}

/// The whole body, or [`GatewayError::TooLarge`] as soon as it passes `limit` (the rest is
/// never read: dropping the response closes the connection).
async fn read_capped(resp: Response, limit: usize, what: &'static str) -> Result<Vec<u8>, GatewayError> {
    match read_prefix(resp, limit).await? {
        (body, false) => Ok(body),
        (_, true) => Err(GatewayError::TooLarge { what, limit }),
    }
}

/// At most `limit` bytes of the body, and whether there was more.
async fn read_prefix(mut resp: Response, limit: usize) -> Result<(Vec<u8>, bool), GatewayError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(GatewayError::from_reqwest)? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
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
    let code = status.as_u16();
    if status.is_redirection() {
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|v| readable(&String::from_utf8_lossy(v.as_bytes())))
            .unwrap_or_else(|| "nowhere".into());
        return Err(GatewayError::Redirected { status: code, location });
    }
    // An error body is read only so far: its words are cut to a line or two anyway.
    let (body, _) = read_prefix(resp, limits::ERROR_BODY).await.unwrap_or_default();
    let body = String::from_utf8_lossy(&body);
    let message = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(v) => readable(&stream::error_text(v.get("error").unwrap_or(&v))),
        Err(_) => readable(&body),
    };
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("no details").to_string()
    } else {
        message
    };
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
    fn readable_cuts_on_a_character_boundary() {
        let long = "é".repeat(1000);
        let cut = readable(&long);
        assert_eq!(cut.chars().count(), limits::MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(readable("  short  "), "short");
    }

    #[test]
    fn kinds_are_stable() {
        assert_eq!(GatewayError::Unauthorized.kind(), "key_rejected");
        assert_eq!(GatewayError::Timeout.kind(), "timeout");
    }

    mod decoders {
        use super::super::*;
        use proptest::prelude::*;

        /// JSON-ish text: the decoders' likely inputs, odd shapes included.
        fn jsonish() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("null".to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| serde_json::json!(n).to_string()),
                "\\PC{0,12}".prop_map(|s| serde_json::json!(s).to_string()),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                let key = prop_oneof![
                    Just("id"),
                    Just("data"),
                    Just("pricePerToken"),
                    Just("input"),
                    Just("output"),
                    Just("capabilities"),
                    Just("maxTokensInput"),
                    Just("tokenUsage"),
                    Just("promptTokens"),
                    Just("completionTokens"),
                    Just("totalCostUsd"),
                    Just("x"),
                ];
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
                    proptest::collection::vec((key, inner), 0..6).prop_map(|v| {
                        let fields: Vec<String> = v.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                        format!("{{{}}}", fields.join(","))
                    }),
                ]
            })
        }

        fn check_models(models: &[ModelInfo]) {
            for m in models {
                assert!(!m.id.is_empty());
                for price in [m.input_per_million, m.output_per_million].into_iter().flatten() {
                    assert!(price.is_finite() && price >= 0.0, "{price}");
                }
            }
        }

        proptest! {
            #[test]
            fn any_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
                if let Ok(m) = decode_rich_models(&body) { check_models(&m) }
                if let Ok(m) = decode_openai_models(&body) { check_models(&m) }
                let _ = decode_usage(&body);
            }

            #[test]
            fn any_json_shape(body in jsonish()) {
                match decode_rich_models(body.as_bytes()) {
                    Ok(m) => check_models(&m),
                    Err(e) => prop_assert_eq!(e.kind(), "bad_response"),
                }
                match decode_openai_models(body.as_bytes()) {
                    Ok(m) => check_models(&m),
                    Err(e) => prop_assert_eq!(e.kind(), "bad_response"),
                }
                match decode_usage(body.as_bytes()) {
                    Ok(Some(u)) => prop_assert!(u.cost_usd.is_none_or(|c| c.is_finite() && c >= 0.0)),
                    Ok(None) => {}
                    Err(e) => prop_assert_eq!(e.kind(), "bad_response"),
                }
            }
        }

        #[test]
        fn shapes_read() {
            let rich = br#"[{"id":"a","pricePerToken":{"input":"0.000001","output":1e308}},{"id":""},{"id":"b","capabilities":null}]"#;
            let models = decode_rich_models(rich).unwrap();
            assert_eq!(models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
            assert_eq!(models[0].input_per_million, Some(1.0));
            assert_eq!(
                models[0].output_per_million, None,
                "1e308 per token overflows per million"
            );
            let usage = decode_usage(br#"{"tokenUsage":{"promptTokens":3},"totalCostUsd":"-1"}"#)
                .unwrap()
                .unwrap();
            assert_eq!((usage.prompt_tokens, usage.cost_usd), (Some(3), None));
            assert_eq!(decode_usage(b"{}").unwrap(), None);
        }
    }
}
