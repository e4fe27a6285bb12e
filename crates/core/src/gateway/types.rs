//! Glama's JSON, read tolerantly: unknown fields are ignored, missing or `null` ones default.

use serde::{Deserialize, Deserializer, Serialize};

use super::tool_calls::ToolCall;

/// `null` reads as the type's default (some gateways send `"choices": null`).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result, answering one call of the assistant message before it.
    Tool,
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: Content,
    /// An assistant message's tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// A tool message's call.
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<Content>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// An assistant message that asked for tools (its text may be empty).
    pub fn calls(text: &str, calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls: calls,
            ..Self::new(Role::Assistant, text)
        }
    }

    /// A tool's result for the call `call_id`.
    pub fn result(call_id: &str, content: impl Into<Content>) -> Self {
        Self {
            tool_call_id: Some(call_id.to_string()),
            ..Self::new(Role::Tool, content)
        }
    }
}

/// OpenAI's shape; an assistant message with calls and no text sends `content: null` (some
/// providers refuse an empty text).
impl Serialize for ChatMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("role", &self.role)?;
        if self.tool_calls.is_empty() || self.content != "" {
            map.serialize_entry("content", &self.content)?;
        } else {
            map.serialize_entry("content", &())?;
        }
        if !self.tool_calls.is_empty() {
            let calls: Vec<_> = self
                .tool_calls
                .iter()
                .map(|c| {
                    serde_json::json!({"id": c.id, "type": "function",
                                       "function": {"name": c.name, "arguments": c.arguments}})
                })
                .collect();
            map.serialize_entry("tool_calls", &calls)?;
        }
        if let Some(id) = &self.tool_call_id {
            map.serialize_entry("tool_call_id", id)?;
        }
        map.end()
    }
}

/// A message's content: a plain string, or OpenAI's content parts when the message carries
/// attachments (a string keeps every message without them exactly as before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<Part>),
}

/// One content part (`{"type":"text",…}` or `{"type":"image_url",…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// A `data:` URL: the image travels inside the request, never as a link to fetch.
    pub url: String,
}

impl Content {
    /// The text: the string, or the first text part.
    pub fn as_str(&self) -> &str {
        match self {
            Content::Text(t) => t,
            Content::Parts(parts) => parts
                .iter()
                .find_map(|p| match p {
                    Part::Text { text } => Some(text.as_str()),
                    Part::ImageUrl { .. } => None,
                })
                .unwrap_or(""),
        }
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Content::Text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Content::Text(text.to_string())
    }
}

impl PartialEq<&str> for Content {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Content::Text(t) if t == other)
    }
}

/// The body of `POST /chat/completions`.
#[derive(Debug, Serialize)]
pub struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    #[serde(flatten)]
    pub sampling: &'a Sampling,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// The tools the model may call, in OpenAI's `{"type": "function", …}` shape.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tools: &'a [serde_json::Value],
}

/// What a request sets of how the model answers, by OpenAI's names; unset ones are left out
/// of the body (a default some provider rejects is never sent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sampling {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `low`, `medium` or `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<&'static str>,
}

impl Sampling {
    /// The parameter a refusal's words name, of those this request set: its name for the
    /// person and its value.
    pub fn named_in(&self, message: &str) -> Option<(&'static str, String)> {
        let words = message.to_lowercase().replace(['-', ' '], "_");
        let set = [
            (
                self.temperature.map(|v| v.to_string()),
                &["temperature"][..],
                "temperature",
            ),
            (self.top_p.map(|v| v.to_string()), &["top_p"][..], "top-p"),
            (
                self.max_tokens.map(|v| v.to_string()),
                &["max_tokens", "max_completion_tokens", "max_output_tokens"][..],
                "maximum answer length",
            ),
            (
                self.reasoning_effort.map(str::to_string),
                &["reasoning_effort", "reasoning"][..],
                "reasoning effort",
            ),
        ];
        set.into_iter().find_map(|(value, names, person)| {
            Some((person, value?)).filter(|_| names.iter().any(|n| words.contains(n)))
        })
    }
}

#[derive(Debug, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// One streamed chunk in OpenAI's format.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChunk {
    #[serde(deserialize_with = "null_default")]
    pub choices: Vec<ChunkChoice>,
    pub usage: Option<StreamUsage>,
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChunkChoice {
    #[serde(deserialize_with = "null_default")]
    pub delta: Delta,
    /// `null`, absent or `""` while streaming; `"stop"`, `"length"`… at the end.
    pub finish_reason: Option<String>,
}

/// A string field that some gateways fill with other shapes (an object, a number): anything
/// but a string reads as absent, so an odd extra never breaks the stream.
fn lenient_text<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// A count that may be absent, `null`, negative or not a number: only a whole number counts.
fn lenient_count<'de, D>(d: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(serde_json::Value::deserialize(d)?.as_u64())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Delta {
    #[serde(deserialize_with = "lenient_text")]
    pub content: Option<String>,
    /// Reasoning as DeepSeek, Qwen and most gateways name it.
    #[serde(deserialize_with = "lenient_text")]
    pub reasoning_content: Option<String>,
    /// Reasoning as OpenRouter and some others name it.
    #[serde(deserialize_with = "lenient_text")]
    pub reasoning: Option<String>,
    /// OpenAI's refusal: the model declined, in its own words.
    #[serde(deserialize_with = "lenient_text")]
    pub refusal: Option<String>,
    /// Pieces of tool calls (put together by [`super::tool_calls::ToolCalls`]).
    #[serde(deserialize_with = "lenient_pieces")]
    pub tool_calls: Vec<ToolCallPiece>,
}

/// A list of tool-call pieces: anything but a list reads as none, and a piece of another
/// shape is left out, so an odd extra never breaks the stream.
fn lenient_pieces<'de, D>(d: D) -> Result<Vec<ToolCallPiece>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(pieces) => pieces
            .into_iter()
            .filter_map(|p| serde_json::from_value(p).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// One piece of a streamed tool call: the id and name come in a call's first piece, its
/// arguments' JSON text in any number of pieces after it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ToolCallPiece {
    /// Which call the piece belongs to (several may interleave); absent from some providers.
    #[serde(deserialize_with = "lenient_count")]
    pub index: Option<u64>,
    #[serde(deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub function: FunctionPiece,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct FunctionPiece {
    #[serde(deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "arguments_text")]
    pub arguments: Option<String>,
}

/// Arguments are JSON text in a string; a provider that sends the object itself is read as
/// that object's text.
fn arguments_text<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        object @ serde_json::Value::Object(_) => Some(object.to_string()),
        _ => None,
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct StreamUsage {
    #[serde(deserialize_with = "lenient_count")]
    pub prompt_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient_count")]
    pub completion_tokens: Option<u64>,
    #[serde(deserialize_with = "null_default")]
    pub completion_tokens_details: TokensDetails,
}

/// `usage.completion_tokens_details`: of the completion tokens, how many were reasoning.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TokensDetails {
    #[serde(deserialize_with = "lenient_count")]
    pub reasoning_tokens: Option<u64>,
}

/// Why the model stopped writing (`finish_reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    /// The model's output limit (`max_tokens`) cut the answer.
    Length,
    /// The provider's safety filter stopped or blocked the answer.
    ContentFilter,
    /// The model asked for tools to be called and waits for their results.
    ToolCalls,
    Other(String),
}

impl FinishReason {
    /// Reads OpenAI's names, and the native names some providers let through a gateway.
    pub fn parse(reason: &str) -> Self {
        match reason {
            "stop" | "end_turn" | "stop_sequence" | "STOP" => FinishReason::Stop,
            "length" | "max_tokens" | "MAX_TOKENS" => FinishReason::Length,
            "content_filter" | "SAFETY" | "safety" => FinishReason::ContentFilter,
            "tool_calls" | "tool_use" | "function_call" => FinishReason::ToolCalls,
            other => FinishReason::Other(other.chars().take(40).collect()),
        }
    }
}

/// One entry of Glama's rich model list (`GET /api/gateway/v1/models`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RichModel {
    pub id: String,
    pub max_tokens_input: Option<u64>,
    pub max_tokens_output: Option<u64>,
    #[serde(deserialize_with = "null_default")]
    pub capabilities: Vec<String>,
    pub price_per_token: Option<PricePerToken>,
}

/// Prices per token, as decimal strings.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PricePerToken {
    pub input: Option<PriceValue>,
    pub output: Option<PriceValue>,
}

/// A price Glama sends as a string; a number is taken too.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PriceValue {
    Text(String),
    Number(f64),
}

impl PriceValue {
    pub fn per_token(&self) -> Option<f64> {
        match self {
            PriceValue::Text(t) => t.trim().parse().ok(),
            PriceValue::Number(n) => Some(*n),
        }
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
    }
}

/// `GET /api/gateway/openai/v1/models`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenAiModelList {
    #[serde(deserialize_with = "null_default")]
    pub data: Vec<OpenAiModel>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenAiModel {
    pub id: String,
}

/// `GET /api/gateway/v1/completion-requests/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CompletionRequest {
    pub token_usage: Option<TokenUsage>,
    pub total_cost_usd: Option<PriceValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenUsage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub cache_creation_input_tokens: Option<u64>,
    pub cache_read_input_tokens: Option<u64>,
}

/// A model as the picker shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub id: String,
    /// US dollars per million input tokens.
    pub input_per_million: Option<f64>,
    pub output_per_million: Option<f64>,
    pub capabilities: Vec<String>,
    /// The context window, in tokens.
    pub max_tokens_input: Option<u64>,
    /// The longest answer, in tokens.
    pub max_tokens_output: Option<u64>,
}

impl From<RichModel> for ModelInfo {
    fn from(m: RichModel) -> Self {
        // A huge per-token price would overflow to infinity per million: no price is better.
        let per_million = |p: Option<&PriceValue>| {
            p.and_then(PriceValue::per_token)
                .map(|v| v * 1e6)
                .filter(|v| v.is_finite())
        };
        let price = m.price_per_token.as_ref();
        Self {
            input_per_million: per_million(price.and_then(|p| p.input.as_ref())),
            output_per_million: per_million(price.and_then(|p| p.output.as_ref())),
            id: m.id,
            capabilities: m.capabilities,
            max_tokens_input: m.max_tokens_input,
            max_tokens_output: m.max_tokens_output,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_tolerates_odd_shapes() {
        for raw in [
            r#"{}"#,
            r#"{"choices":null}"#,
            r#"{"choices":[]}"#,
            r#"{"choices":[{"delta":null}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":""}],"extra":{"x":1}}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[]},"logprobs":null,"finish_reason":null}]}"#,
        ] {
            let c: ChatChunk = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert!(c.choices.iter().all(|ch| ch.delta.content.is_none()), "{raw}");
        }
        let c: ChatChunk =
            serde_json::from_str(r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}"#).unwrap();
        assert_eq!(c.usage.unwrap().completion_tokens, Some(5));
    }

    /// What real gateways put in every chunk: none of it is text, none of it fails.
    #[test]
    fn nulls_and_extras_are_not_text() {
        for raw in [
            // usage, refusal and logprobs null on every chunk
            r#"{"choices":[{"index":0,"delta":{"content":null,"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            // content null on the last chunk, with a finish reason
            r#"{"choices":[{"index":0,"delta":{"content":null},"finish_reason":"stop"}],"system_fingerprint":"fp_1"}"#,
            // extra fields of odd shapes, reasoning given as an object
            r#"{"choices":[{"delta":{"reasoning":{"effort":"high"},"reasoning_details":[{"type":"x"}],"annotations":[]}}],"provider":"p"}"#,
            // usage with details, some null
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":null},"prompt_tokens_details":null}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":-5,"completion_tokens_details":null}}"#,
        ] {
            let c: ChatChunk = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            for ch in &c.choices {
                let d = &ch.delta;
                assert!(
                    d.content.is_none()
                        && d.reasoning.is_none()
                        && d.reasoning_content.is_none()
                        && d.refusal.is_none(),
                    "{raw}"
                );
            }
        }
        let c: ChatChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":4}}}"#,
        )
        .unwrap();
        assert_eq!(c.usage.unwrap().completion_tokens_details.reasoning_tokens, Some(4));
        let c: ChatChunk =
            serde_json::from_str(r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":-5}}"#).unwrap();
        assert_eq!(c.usage.unwrap().completion_tokens, None);
    }

    #[test]
    fn finish_reasons() {
        assert_eq!(FinishReason::parse("stop"), FinishReason::Stop);
        assert_eq!(FinishReason::parse("length"), FinishReason::Length);
        assert_eq!(FinishReason::parse("max_tokens"), FinishReason::Length);
        assert_eq!(FinishReason::parse("content_filter"), FinishReason::ContentFilter);
        assert_eq!(FinishReason::parse("tool_calls"), FinishReason::ToolCalls);
        assert_eq!(FinishReason::parse("tool_use"), FinishReason::ToolCalls);
        assert_eq!(FinishReason::parse("end"), FinishReason::Other("end".into()));
    }

    #[test]
    fn rich_model_prices_per_million() {
        let m: RichModel = serde_json::from_str(
            r#"{"id":"openai/gpt-4o","maxTokensInput":128000,"capabilities":["input:image"],
                "pricePerToken":{"input":"0.0000025","output":"0.00001","cacheRead":null}}"#,
        )
        .unwrap();
        let info = ModelInfo::from(m);
        assert!((info.input_per_million.unwrap() - 2.5).abs() < 1e-9);
        assert!((info.output_per_million.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(info.capabilities, vec!["input:image"]);
        let bare: RichModel = serde_json::from_str(r#"{"id":"x","pricePerToken":{"input":"n/a"}}"#).unwrap();
        let info = ModelInfo::from(bare);
        assert_eq!(info.input_per_million, None);
        assert_eq!(info.output_per_million, None);
    }
}
