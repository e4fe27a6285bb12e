//! Models, chat completions (streamed and not), and completion-request usage.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::{json, Value};

use crate::state::{token, ChatScenario, Completion, ModelsScenario, ReasoningForm, State, ENDLESS_BYTES};

/// `(id, input $/token, output $/token, capabilities, context)`.
const MODELS: &[(&str, &str, &str, &[&str], u64)] = &[
    (
        "openai/gpt-4o",
        "0.0000025",
        "0.00001",
        &["input:image", "caching"],
        128_000,
    ),
    (
        "anthropic/claude-sonnet-4",
        "0.000003",
        "0.000015",
        &["input:image", "caching", "reasoning"],
        200_000,
    ),
    (
        "google/gemini-2.0-flash",
        "0.0000001",
        "0.0000004",
        &["input:image"],
        1_000_000,
    ),
    ("mistral/ministral-8b", "0.0000001", "0.0000001", &[], 128_000),
    // A window a test can fill.
    ("fake/small-window", "0.0000001", "0.0000001", &[], 2_000),
    // The same, with a tokenizer that counts twice as many tokens (see `DENSE`).
    (DENSE, "0.0000001", "0.0000001", &[], 2_000),
];

/// A model whose provider counts more tokens than the app estimates, as another vocabulary
/// does: a token per two characters.
const DENSE: &str = "fake/dense-tokens";

/// A message's text: the string, or its text parts joined by blank lines.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    }
}

/// The answer the fake streams for a prompt: an echo with multi-byte text, so every test
/// that checks a streamed answer also checks UTF-8 split across byte pieces. `/demo` answers
/// with a markdown showcase, for trying the renderer offline.
pub fn reply_for(prompt: &str) -> String {
    if prompt.trim() == "/demo" {
        return DEMO.to_string();
    }
    format!("Echo: {prompt} — ünïcödé ✓ 你好 🦀")
}

const DEMO: &str = "## What the renderer does\n\n\
Markdown with **bold**, *italic*, ~~strikethrough~~, `inline code` and a [link](https://glama.ai).\n\n\
- [x] task lists\n- [ ] tables and code\n\n\
| model | input $/1M | output $/1M |\n|---|---:|---:|\n| openai/gpt-4o | 2.50 | 10.00 |\n| anthropic/claude-sonnet-4 | 3.00 | 15.00 |\n\n\
```rust\nfn main() {\n    // Highlighted with CSS classes.\n    println!(\"Hello, {}!\", \"Glama\");\n}\n```\n\n\
> Raw HTML is shown, never run: <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n\
![an image is a link, never a fetch](https://example.com/cat.png)\n";

/// `/think`, `/think-tag`, `/cut` and `/refuse` answer as reasoning, cut-off and refusing
/// models do; anything else is the plain echo.
fn demo_scenario(prompt: &str) -> ChatScenario {
    let thinking = "The person wants to see reasoning. I will *think* a little, slowly, then answer.\n\n\
                    1. Reasoning streams first.\n2. The answer follows.";
    let slow = Some(Duration::from_millis(8));
    match prompt.trim() {
        "/think" => ChatScenario {
            reasoning: Some(thinking.into()),
            piece_delay: slow,
            ..Default::default()
        },
        "/think-tag" => ChatScenario {
            reasoning: Some(thinking.into()),
            reasoning_form: ReasoningForm::ThinkTag,
            piece_delay: slow,
            ..Default::default()
        },
        "/cut" => ChatScenario {
            reply: Some("This answer is long, and the model's output limit cuts it in the midd".into()),
            finish_reason: Some("length".into()),
            ..Default::default()
        },
        "/refuse" => ChatScenario {
            reply: Some(String::new()),
            refusal: Some("I can't help with that.".into()),
            ..Default::default()
        },
        _ => ChatScenario::default(),
    }
}

fn bearer_ok(state: &State, headers: &HeaderMap) -> bool {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    key.is_some_and(|k| state.lock().keys.contains(k))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"message": "Invalid API key"}})),
    )
        .into_response()
}

/// A scripted answer for a model-list request, if one is queued.
fn scripted_models(state: &Arc<State>) -> Option<Response> {
    let scenario = {
        let mut s = state.lock();
        s.stats.model_list_requests += 1;
        s.models_script.pop_front()?
    };
    Some(match scenario {
        ModelsScenario::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(json!({"error": {"message": format!("scripted {code}")}}))).into_response()
        }
        ModelsScenario::Endless => endless(
            state,
            StatusCode::OK,
            "application/json",
            Bytes::from_static(b"["),
            b"{\"id\":\"m\"},",
        ),
        ModelsScenario::Redirect { status, location } => crate::oauth::redirect(status, &location),
    })
}

/// `head`, then `piece` repeated until the client goes away (or [`ENDLESS_BYTES`]), counting
/// every byte produced.
fn endless(state: &Arc<State>, status: StatusCode, content_type: &str, head: Bytes, piece: &[u8]) -> Response {
    let piece = Bytes::from(piece.repeat((64 * 1024 / piece.len()).max(1)));
    let pieces = std::iter::once(head).chain(std::iter::repeat(piece));
    let closed = EndlessGuard(state.clone());
    let stream = futures_util::StreamExt::scan(futures_util::stream::iter(pieces), 0u64, move |sent, bytes| {
        *sent += bytes.len() as u64;
        closed.0.lock().stats.endless_bytes_sent += bytes.len() as u64;
        futures_util::future::ready((*sent <= ENDLESS_BYTES).then_some(Ok::<_, std::io::Error>(bytes)))
    });
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(stream))
        .expect("valid response")
}

/// `head`, then a keep-alive comment every 5 ms until the client goes away (or
/// [`ENDLESS_BYTES`]), counted like an endless body.
fn keep_alive_forever(state: &Arc<State>, head: Bytes) -> Response {
    let closed = EndlessGuard(state.clone());
    let stream = futures_util::stream::unfold((Some(head), closed), |(head, closed)| async move {
        let bytes = match head {
            Some(head) => head,
            None => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Bytes::from_static(b": keep-alive\n\n")
            }
        };
        let sent = {
            let mut s = closed.0.lock();
            s.stats.endless_bytes_sent += bytes.len() as u64;
            s.stats.endless_bytes_sent
        };
        (sent <= ENDLESS_BYTES).then_some((Ok::<_, std::io::Error>(bytes), (None, closed)))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .expect("valid response")
}

/// Counts an endless body as closed when the server drops it (the client went away).
struct EndlessGuard(Arc<State>);

impl Drop for EndlessGuard {
    fn drop(&mut self) {
        self.0.lock().stats.endless_bodies_closed += 1;
    }
}

pub async fn rich_models(AxState(state): AxState<Arc<State>>) -> Response {
    if let Some(scripted) = scripted_models(&state) {
        return scripted;
    }
    Json(Value::Array(
        MODELS
            .iter()
            .map(|(id, input, output, caps, ctx)| {
                json!({"id": id, "maxTokensInput": ctx, "maxTokensOutput": 8192, "capabilities": caps,
                       "pricePerToken": {"input": input, "output": output, "cacheRead": null, "cacheWrite": null}})
            })
            .collect(),
    ))
    .into_response()
}

pub async fn openai_models(AxState(state): AxState<Arc<State>>, headers: HeaderMap) -> Response {
    if !bearer_ok(&state, &headers) {
        return unauthorized();
    }
    if let Some(scripted) = scripted_models(&state) {
        return scripted;
    }
    let data: Vec<Value> = MODELS
        .iter()
        .map(|m| json!({"id": m.0, "object": "model", "owned_by": "glama"}))
        .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

pub async fn completions(AxState(state): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    let scenario = {
        let mut s = state.lock();
        s.stats.chat_requests += 1;
        let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        s.stats.last_chat_user_agent = h("user-agent");
        s.stats.last_chat_metadata = h("x-glama-metadata");
        s.chat_script.pop_front()
    };
    let scripted = scenario.is_some();
    let scenario = scenario.unwrap_or_default();
    if !bearer_ok(&state, &headers) {
        return unauthorized();
    }
    if let Some(status) = scenario.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if scenario.endless {
            return endless(
                &state,
                status,
                "text/plain",
                Bytes::from_static(b"upstream error: "),
                b"x",
            );
        }
        let mut resp = (
            status,
            Json(json!({"error": {"message": format!("scripted {}", status.as_u16())}})),
        )
            .into_response();
        if let Some(secs) = scenario.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        return resp;
    }
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "body must be JSON"}})),
        )
            .into_response();
    };
    let model = req["model"].as_str().unwrap_or("").to_string();
    let Some(&(_, input_price, output_price, capabilities, window)) = MODELS.iter().find(|m| m.0 == model) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": format!("unknown model {model:?}")}})),
        )
            .into_response();
    };
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    {
        let mut s = state.lock();
        s.stats.last_chat_messages = messages
            .iter()
            .map(|m| {
                (
                    m["role"].as_str().unwrap_or("").to_string(),
                    content_text(&m["content"]),
                )
            })
            .collect();
        s.stats.last_chat_raw = messages.clone();
        s.stats.last_chat_tools = crate::tools::offered(&req["tools"]);
        s.stats.last_chat_parameters = ["temperature", "top_p", "max_tokens", "reasoning_effort"]
            .into_iter()
            .filter_map(|p| Some((p.to_string(), req.get(p)?.clone())))
            .collect();
    }
    // As Anthropic's models do: a temperature above 1 is refused, naming it.
    if model.starts_with("anthropic/") && req["temperature"].as_f64().is_some_and(|t| t > 1.0) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "temperature: range: 0..1"}})),
        )
            .into_response();
    }
    let offered = crate::tools::offered(&req["tools"]);
    if !offered.is_empty() && !crate::tools::takes_tools(&model) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": format!("{model} does not support tool use")}})),
        )
            .into_response();
    }
    // As real providers do: an image to a model that cannot see is refused.
    let has_image = messages.iter().any(|m| {
        m["content"]
            .as_array()
            .is_some_and(|parts| parts.iter().any(|p| p["type"] == "image_url"))
    });
    if has_image && !capabilities.contains(&"input:image") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": format!("{model} does not support image input")}})),
        )
            .into_response();
    }
    let prompt_chars: usize = messages
        .iter()
        .map(|m| content_text(&m["content"]).chars().count())
        .sum();
    let chars_per_token = if model == DENSE { 2 } else { 4 };
    let prompt_tokens = (prompt_chars as u64).div_ceil(chars_per_token).max(1);
    // As OpenAI does: a request longer than the model's window is refused, in its words.
    if prompt_tokens > window {
        state.lock().stats.context_refusals += 1;
        let message = format!(
            "This model's maximum context length is {window} tokens. However, your messages resulted in {prompt_tokens} tokens. Please reduce the length of the messages."
        );
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": message, "type": "invalid_request_error", "code": "context_length_exceeded"}})),
        )
            .into_response();
    }
    let prompt = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| content_text(&m["content"]))
        .unwrap_or_default();
    // Unscripted (the offline demo), a few prompts show how real models end their answers.
    let scenario = if scripted { scenario } else { demo_scenario(&prompt) };
    // Calls only answer the person's words: after tool results (and their images) the model
    // answers from them.
    let asks = messages.last().is_some_and(|m| m["role"] == "user") && crate::tools::result_images(&messages).1 == 0;
    let calls = match (&offered[..], asks) {
        ([], _) | (_, false) => Vec::new(),
        _ if !scenario.tool_calls.is_empty() => scenario.tool_calls.clone(),
        _ => crate::tools::asked(&prompt, &offered),
    };
    let reply = match (&scenario.reply, crate::tools::results_reply(&messages)) {
        (Some(reply), _) => reply.clone(),
        (None, Some(results)) => results,
        (None, None) if !calls.is_empty() => "Let me use a tool — 🦀.".into(),
        (None, None) => reply_for(&prompt),
    };
    let reasoning_tokens = scenario
        .reasoning
        .as_ref()
        .map_or(0, |r| (r.chars().count() as u64).div_ceil(4));
    let completion_tokens = (reply.chars().count() as u64).div_ceil(4).max(1) + reasoning_tokens;
    let cost = prompt_tokens as f64 * input_price.parse::<f64>().unwrap_or(0.0)
        + completion_tokens as f64 * output_price.parse::<f64>().unwrap_or(0.0);
    let id = format!("cr_{}", token(9));
    state.lock().completions.insert(
        id.clone(),
        Completion {
            settled_at: Instant::now() + Duration::from_millis(300),
            prompt_tokens,
            completion_tokens,
            cost_usd: cost,
        },
    );
    if req["stream"].as_bool() != Some(true) {
        let body = json!({
            "id": id, "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
        });
        return ([("x-completion-request-id", id.as_str())], Json(body)).into_response();
    }
    if scenario.stall {
        let head = format!(
            "data: {}\n\n",
            json!({"choices": [{"index": 0, "delta": {"content": reply}, "finish_reason": null}]})
        );
        return keep_alive_forever(&state, Bytes::from(head));
    }
    if scenario.endless {
        let head = format!(
            ": keep-alive\n\ndata: {}\n\ndata: ",
            json!({"choices": [{"index": 0, "delta": {"content": reply}, "finish_reason": null}]})
        );
        return endless(&state, StatusCode::OK, "text/event-stream", Bytes::from(head), b"a");
    }
    let sse = sse_body(
        &reply,
        &calls,
        &scenario,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
    );
    let pieces = if scenario.whole_events {
        crate::framing::whole_events(&sse.bytes)
    } else {
        crate::framing::cut_anywhere(&sse.bytes)
    };
    let delay = scenario.piece_delay.unwrap_or(Duration::from_millis(1));
    {
        let mut s = state.lock();
        s.stats.first_content_sent_at = None;
        s.stats.last_byte_sent_at = None;
    }
    let guard = StreamGuard {
        state: state.clone(),
        complete: false,
    };
    let truncated = sse.truncated;
    let stream = futures_util::stream::unfold((pieces.into_iter(), guard), move |(mut it, mut guard)| async move {
        match it.next() {
            Some(piece) => {
                // A zero delay is full speed (tokio would still round a sleep up to its 1 ms tick).
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                guard.sending(&piece);
                Some((Ok::<_, std::io::Error>(Bytes::from(piece)), (it, guard)))
            }
            None => {
                guard.complete = !truncated;
                if truncated {
                    // An abrupt end: the client sees the body stop without [DONE]. The pause
                    // lets what was sent reach the client before the connection is cut.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    return Some((Err(std::io::Error::other("dropped")), (it, guard)));
                }
                None
            }
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-completion-request-id", &id)
        .body(Body::from_stream(stream))
        .expect("valid response")
}

/// Counts a stream as closed early if the client dropped it before the end.
struct StreamGuard {
    state: Arc<State>,
    complete: bool,
}

impl StreamGuard {
    /// Notes when the answer's first text and its last byte leave, for the latency benchmark.
    /// The first text is seen when an event carrying it is in one piece (`whole_events`).
    fn sending(&self, piece: &[u8]) {
        let now = SystemTime::now();
        let mut s = self.state.lock();
        if s.stats.first_content_sent_at.is_none() && carries_text(piece) {
            s.stats.first_content_sent_at = Some(now);
        }
        s.stats.last_byte_sent_at = Some(now);
    }
}

/// A chunk event whose `content` is not empty.
fn carries_text(piece: &[u8]) -> bool {
    const FIELD: &[u8] = b"\"content\":\"";
    piece
        .windows(FIELD.len() + 1)
        .any(|w| w.starts_with(FIELD) && w[FIELD.len()] != b'"')
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut s = self.state.lock();
        if self.complete {
            s.stats.streams_completed += 1;
        } else {
            s.stats.streams_closed_early += 1;
        }
    }
}

struct Sse {
    bytes: Vec<u8>,
    truncated: bool,
}

/// The whole SSE body: a role chunk, the reasoning (if scripted), a few characters per chunk,
/// keep-alive comments, a refusal (if scripted), the tool calls (if any), the finish chunk, the usage chunk (empty
/// `choices`), `[DONE]`. Every chunk carries what OpenAI's do: `usage`, `refusal` and
/// `logprobs` null, `content` null on the last one, and fields clients do not know.
fn sse_body(
    reply: &str,
    calls: &[(String, Value)],
    scenario: &ChatScenario,
    prompt_tokens: u64,
    completion_tokens: u64,
    reasoning_tokens: u64,
) -> Sse {
    let mut out = String::from(": keep-alive\n\n");
    let event = |v: Value| format!("data: {v}\n\n");
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chunk", "object": "chat.completion.chunk", "system_fingerprint": "fp_fake", "usage": null,
               "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]})
    };
    out.push_str(&event(chunk(
        json!({"role": "assistant", "content": "", "refusal": null}),
        Value::Null,
    )));
    let mut rng = rand::thread_rng();
    let mut content = reply.to_string();
    if let Some(reasoning) = &scenario.reasoning {
        let field = match scenario.reasoning_form {
            ReasoningForm::ReasoningContent => Some("reasoning_content"),
            ReasoningForm::Reasoning => Some("reasoning"),
            ReasoningForm::ThinkTag => None,
        };
        match field {
            Some(field) => {
                let chars: Vec<char> = reasoning.chars().collect();
                for piece in chars.chunks(3) {
                    let text: String = piece.iter().collect();
                    out.push_str(&event(chunk(json!({"content": null, field: text}), Value::Null)));
                }
            }
            None => content = format!("<think>{reasoning}</think>\n\n{reply}"),
        }
    }
    let chars: Vec<char> = content.chars().collect();
    let mut sent = 0;
    for (n, piece) in chars.chunks(3).enumerate() {
        if scenario.error_after_chars.is_some_and(|at| sent >= at) {
            out.push_str("event: error\ndata: {\"error\":{\"message\":\"The upstream model failed mid-answer\"}}\n\n");
            return Sse {
                bytes: out.into_bytes(),
                truncated: false,
            };
        }
        if scenario.drop_after_chars.is_some_and(|at| sent >= at) {
            return Sse {
                bytes: out.into_bytes(),
                truncated: true,
            };
        }
        let text: String = piece.iter().collect();
        let finish = if rng.gen_bool(0.5) { Value::Null } else { json!("") };
        let line = chunk(json!({"content": text, "refusal": null}), finish);
        // Vary the framing: with and without the space after `data:`.
        if n % 2 == 0 {
            out.push_str(&event(line));
        } else {
            out.push_str(&format!("data:{line}\n\n"));
        }
        if n % 10 == 9 {
            out.push_str(": keep-alive\n\n");
        }
        sent += piece.len();
    }
    if let Some(refusal) = &scenario.refusal {
        let chars: Vec<char> = refusal.chars().collect();
        for piece in chars.chunks(5) {
            let text: String = piece.iter().collect();
            out.push_str(&event(chunk(json!({"content": null, "refusal": text}), Value::Null)));
        }
    }
    out.push_str(&crate::tools::events(calls));
    let finish = match &scenario.finish_reason {
        Some(finish) => finish,
        None if !calls.is_empty() => "tool_calls",
        None => "stop",
    };
    out.push_str(&event(chunk(json!({"content": null}), json!(finish))));
    out.push_str(&event(
        json!({"id": "chunk", "object": "chat.completion.chunk", "choices": [], "usage": {
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": null,
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": null}}}),
    ));
    out.push_str("data: [DONE]\n\n");
    Sse {
        bytes: out.into_bytes(),
        truncated: false,
    }
}

pub async fn completion_request(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !bearer_ok(&state, &headers) {
        return unauthorized();
    }
    let s = state.lock();
    let Some(c) = s.completions.get(&id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response();
    };
    if Instant::now() < c.settled_at {
        return Json(json!({"id": id})).into_response();
    }
    Json(json!({
        "id": id,
        "tokenUsage": {"promptTokens": c.prompt_tokens, "completionTokens": c.completion_tokens,
                       "cacheCreationInputTokens": 0, "cacheReadInputTokens": 0},
        "totalCostUsd": format!("{:.8}", c.cost_usd),
    }))
    .into_response()
}
