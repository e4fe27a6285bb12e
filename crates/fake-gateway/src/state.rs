//! What the fake gateway remembers, and what tests script.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// How the next chat completion request behaves.
#[derive(Debug, Clone, Default)]
pub struct ChatScenario {
    /// Answer with this HTTP status and an error body instead of streaming.
    pub status: Option<u16>,
    /// With a 429: the `Retry-After` seconds.
    pub retry_after: Option<u64>,
    /// Stream this text instead of the echo.
    pub reply: Option<String>,
    /// Send an SSE error event after this many characters of the reply.
    pub error_after_chars: Option<usize>,
    /// Close the connection after this many characters, without `[DONE]`.
    pub drop_after_chars: Option<usize>,
    /// Pause between byte pieces (default 1 ms), to make an answer slow enough to stop; zero is full speed.
    pub piece_delay: Option<Duration>,
    /// A body that does not end (up to [`ENDLESS_BYTES`]): with `status`, an error body of
    /// plain text; without, the reply's first event, then `data: ` and a line with no end.
    pub endless: bool,
    /// After the reply's first event, only keep-alive comments, a few milliseconds apart, until
    /// the client goes away: a stream whose bytes keep coming but which says nothing more.
    /// Counted like an endless body.
    pub stall: bool,
    /// Reasoning streamed before the reply, in the given form.
    pub reasoning: Option<String>,
    pub reasoning_form: ReasoningForm,
    /// The `finish_reason` of the last chunk (`"stop"` when unset): `"length"`, `"content_filter"`…
    pub finish_reason: Option<String>,
    /// A refusal streamed (in `refusal` deltas) after the reply.
    pub refusal: Option<String>,
    /// Tool calls to stream (name, arguments) instead of the ones the prompt asks for; only
    /// when the request offers tools.
    pub tool_calls: Vec<(String, serde_json::Value)>,
    /// Send each SSE event in one piece, as OpenAI and Glama flush them, instead of cutting the
    /// body at random 1–40-byte offsets (which tests a client's parsing at every cut).
    pub whole_events: bool,
}

/// How a scripted answer sends its reasoning, as real gateways do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReasoningForm {
    /// `delta.reasoning_content` with `content` null (DeepSeek, most gateways).
    #[default]
    ReasoningContent,
    /// `delta.reasoning` (OpenRouter and others).
    Reasoning,
    /// Inline: the content opens with `<think>…</think>` (cut across chunks like any text).
    ThinkTag,
}

/// What an "endless" body sends at most: far more than any client should read.
pub const ENDLESS_BYTES: u64 = 256 * 1024 * 1024;

/// How the next model-list request (either list) behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsScenario {
    /// Answer this status with a JSON error.
    Status(u16),
    /// Answer 200 with a JSON array that never ends.
    Endless,
    /// Answer with a redirect to `location`.
    Redirect { status: u16, location: String },
}

/// How the next code exchange behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeScenario {
    /// Answer 500 with a JSON error.
    ServerError,
    /// Answer 200 with an HTML page.
    NotJson,
    /// Answer 200 with JSON that has no `apiKey`.
    NoKey,
    /// Wait this long before answering normally.
    Slow(Duration),
    /// Answer with a redirect (307/308 make a client that follows them re-send the body).
    Redirect { status: u16, location: String },
}

/// Counters a test can assert on.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub authorize_requests: u32,
    pub exchange_requests: u32,
    pub chat_requests: u32,
    /// Chat streams whose client went away before the answer was complete.
    pub streams_closed_early: u32,
    pub streams_completed: u32,
    /// Headers of the last chat request.
    pub last_chat_user_agent: Option<String>,
    pub last_chat_metadata: Option<String>,
    /// The `messages` of the last chat request, as (role, content); content parts read as
    /// their text parts joined by blank lines.
    pub last_chat_messages: Vec<(String, String)>,
    /// The `messages` of the last chat request as sent (content parts and all).
    pub last_chat_raw: Vec<serde_json::Value>,
    /// The tool names the last chat request offered.
    pub last_chat_tools: Vec<String>,
    /// The sampling parameters the last chat request set (`temperature`, `top_p`, `max_tokens`,
    /// `reasoning_effort`), as sent; those it left out are absent.
    pub last_chat_parameters: serde_json::Map<String, serde_json::Value>,
    pub last_exchange_content_type: Option<String>,
    /// Requests for paths the gateway does not serve.
    pub stray_requests: Vec<String>,
    /// Bytes produced by endless bodies (what the client let the server send, plus what the
    /// socket buffers held when it went away).
    pub endless_bytes_sent: u64,
    /// When the last streamed answer's first text, and its last byte, were handed to the
    /// connection (wall-clock time, to compare with the page's performance marks).
    pub first_content_sent_at: Option<std::time::SystemTime>,
    pub last_byte_sent_at: Option<std::time::SystemTime>,
    /// Endless bodies the server has dropped (the client closed the connection).
    pub endless_bodies_closed: u32,
    pub model_list_requests: u32,
    /// Chat requests refused as longer than their model's window.
    pub context_refusals: u32,
}

pub(crate) struct Code {
    pub challenge: String,
    pub issued: Instant,
    pub used: bool,
}

pub(crate) struct Completion {
    pub settled_at: Instant,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

pub(crate) struct Inner {
    pub codes: HashMap<String, Code>,
    pub keys: HashSet<String>,
    pub code_lifetime: Duration,
    pub chat_script: VecDeque<ChatScenario>,
    pub exchange_script: VecDeque<ExchangeScenario>,
    pub models_script: VecDeque<ModelsScenario>,
    pub completions: HashMap<String, Completion>,
    pub stats: Stats,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            codes: HashMap::new(),
            keys: HashSet::new(),
            code_lifetime: Duration::from_secs(60),
            chat_script: VecDeque::new(),
            exchange_script: VecDeque::new(),
            models_script: VecDeque::new(),
            completions: HashMap::new(),
            stats: Stats::default(),
        }
    }
}

impl Inner {
    pub fn issue_code(&mut self, challenge: &str) -> String {
        let code = token(24);
        self.codes.insert(
            code.clone(),
            Code {
                challenge: challenge.to_string(),
                issued: Instant::now(),
                used: false,
            },
        );
        code
    }
}

#[derive(Default)]
pub(crate) struct State(Mutex<Inner>);

impl State {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}
