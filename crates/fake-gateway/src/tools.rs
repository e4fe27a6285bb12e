//! Tool calls as models make them: asked for by the person's words, streamed in OpenAI's
//! pieces (id and name once, the arguments cut mid-string and mid-character, two calls
//! interleaved), and answered from the `tool` messages of the next request.

use rand::Rng;
use serde_json::{json, Value};

/// The function names a request offers (`tools[].function.name`).
pub fn offered(tools: &Value) -> Vec<String> {
    tools
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `model` takes tools. One of the fake's models refuses them, as some real ones do.
pub fn takes_tools(model: &str) -> bool {
    model != "mistral/ministral-8b"
}

/// The calls a prompt asks for: each offered tool the prompt names, in the prompt's order,
/// with the JSON object written right after its name as arguments (`{}` without one).
pub fn asked(prompt: &str, offered: &[String]) -> Vec<(String, Value)> {
    let mut found: Vec<(usize, String, Value)> = Vec::new();
    for name in offered {
        let Some(at) = prompt.find(name.as_str()) else { continue };
        let rest = prompt[at + name.len()..].trim_start();
        let arguments = rest
            .starts_with('{')
            .then(|| serde_json::Deserializer::from_str(rest).into_iter::<Value>().next())
            .flatten()
            .and_then(Result::ok)
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        found.push((at, name.clone(), arguments));
    }
    found.sort_by_key(|(at, ..)| *at);
    found.into_iter().map(|(_, name, args)| (name, args)).collect()
}

/// When the request ends with tool results, the answer that uses them: each result, by the
/// id of the call it answers.
pub fn results_reply(messages: &[Value]) -> Option<String> {
    let (messages, images) = result_images(messages);
    let results: Vec<String> = messages
        .iter()
        .rev()
        .take_while(|m| m["role"] == "tool")
        .map(|m| {
            format!(
                "{} said {}",
                m["tool_call_id"].as_str().unwrap_or("?"),
                crate::chat::content_text(&m["content"])
            )
        })
        .collect();
    (!results.is_empty()).then(|| {
        let mut results = results;
        results.reverse();
        let seen = match images {
            0 => String::new(),
            1 => " I saw 1 image.".to_string(),
            n => format!(" I saw {n} images."),
        };
        format!("Tool results: {}.{seen}", results.join("; "))
    })
}

/// The messages up to the last tool result when only a message of images follows it (how a
/// client sends the images tool calls returned: a `tool` message holds text only), and how
/// many images that message holds.
pub fn result_images(messages: &[Value]) -> (&[Value], usize) {
    if let [.., before, last] = messages {
        let images = last["content"]
            .as_array()
            .map_or(0, |parts| parts.iter().filter(|p| p["type"] == "image_url").count());
        if last["role"] == "user" && before["role"] == "tool" && images > 0 {
            return (&messages[..messages.len() - 1], images);
        }
    }
    (messages, 0)
}

/// The SSE events of `calls`: a first piece with id and name, then the arguments' text in
/// pieces of 1–4 characters; the calls' pieces interleaved at random.
pub fn events(calls: &[(String, Value)]) -> String {
    let mut rng = rand::thread_rng();
    let mut queues: Vec<Vec<Value>> = calls
        .iter()
        .enumerate()
        .map(|(index, (name, arguments))| {
            let mut pieces = vec![json!({"index": index, "id": format!("call_{}", crate::state::token(6)),
                "type": "function", "function": {"name": name, "arguments": ""}})];
            let text: Vec<char> = arguments.to_string().chars().collect();
            let mut at = 0;
            while at < text.len() {
                let len = rng.gen_range(1..=4).min(text.len() - at);
                let piece: String = text[at..at + len].iter().collect();
                pieces.push(json!({"index": index, "function": {"arguments": piece}}));
                at += len;
            }
            pieces.reverse();
            pieces
        })
        .collect();
    let mut out = String::new();
    // Every call's first piece comes before any of its arguments; the order across calls is free.
    while queues.iter().any(|q| !q.is_empty()) {
        let live: Vec<usize> = (0..queues.len()).filter(|&i| !queues[i].is_empty()).collect();
        let pick = live[rng.gen_range(0..live.len())];
        let piece = queues[pick].pop().expect("a live queue has a piece");
        let chunk = json!({"id": "chunk", "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": {"content": null, "tool_calls": [piece]}, "logprobs": null, "finish_reason": null}]});
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_names_tools_and_their_arguments() {
        let offered = vec!["echo".to_string(), "add".to_string(), "missing".to_string()];
        let calls = asked(
            r#"please add {"a": 1, "b": 2} then echo {"text": "héllo"} now"#,
            &offered,
        );
        assert_eq!(
            calls,
            vec![
                ("add".to_string(), json!({"a": 1, "b": 2})),
                ("echo".to_string(), json!({"text": "héllo"}))
            ]
        );
        assert_eq!(asked("echo it", &offered), vec![("echo".to_string(), json!({}))]);
        assert!(asked("nothing here", &offered).is_empty());
    }

    #[test]
    fn results_are_read_from_the_trailing_tool_messages() {
        let messages = vec![
            json!({"role": "user", "content": "x"}),
            json!({"role": "assistant", "content": null, "tool_calls": []}),
            json!({"role": "tool", "tool_call_id": "a", "content": "1"}),
            json!({"role": "tool", "tool_call_id": "b", "content": [{"type": "text", "text": "2"}]}),
        ];
        assert_eq!(
            results_reply(&messages).as_deref(),
            Some("Tool results: a said 1; b said 2.")
        );
        assert_eq!(results_reply(&messages[..1]), None);

        // The images the calls returned, in the message after the results, are seen.
        let mut with_images = messages.clone();
        with_images.push(json!({"role": "user", "content": [
            {"type": "text", "text": "The images the tool call b returned:"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}
        ]}));
        assert_eq!(
            results_reply(&with_images).as_deref(),
            Some("Tool results: a said 1; b said 2. I saw 1 image.")
        );
    }
}
