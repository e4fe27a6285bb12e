use super::*;

/// Feeds `raw` cut at the given offsets and collects the outcome.
async fn run(raw: &[u8], cuts: &[usize]) -> (String, Option<GatewayError>, Vec<StreamItem>) {
    let mut pieces = Vec::new();
    let mut last = 0;
    for &c in cuts {
        pieces.push(Ok::<_, String>(Bytes::copy_from_slice(&raw[last..c])));
        last = c;
    }
    pieces.push(Ok(Bytes::copy_from_slice(&raw[last..])));
    let mut events = ChatEvents::new(futures_util::stream::iter(pieces));
    let (mut text, mut error, mut items) = (String::new(), None, Vec::new());
    while let Some(item) = events.next().await {
        match item {
            Ok(StreamItem::Text(t)) => text.push_str(&t),
            Ok(other) => items.push(other),
            Err(e) => error = Some(e),
        }
    }
    (text, error, items)
}

fn chunk(content: &str) -> String {
    format!(
        "{{\"choices\":[{{\"delta\":{{\"content\":{}}},\"finish_reason\":null}}]}}",
        serde_json::to_string(content).unwrap()
    )
}

const EXPECTED: &str = "Héllo, wörld — 你好 🦀!";

fn sample(eol: &str, space: &str) -> Vec<u8> {
    let mut s = String::new();
    s.push_str(&format!(": keep-alive{eol}{eol}"));
    for part in ["Héllo, ", "wörld — ", "你好 ", "🦀!"] {
        s.push_str(&format!("data:{space}{}{eol}{eol}", chunk(part)));
    }
    s.push_str(&format!(
        "data:{space}{{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}{eol}{eol}"
    ));
    s.push_str(&format!(
        "data:{space}{{\"choices\":[],\"usage\":{{\"prompt_tokens\":7,\"completion_tokens\":9}}}}{eol}{eol}"
    ));
    s.push_str(&format!("data:{space}[DONE]{eol}{eol}"));
    s.into_bytes()
}

#[tokio::test]
async fn split_at_every_byte_offset() {
    for (eol, space) in [("\n", " "), ("\r\n", " "), ("\n", ""), ("\r\n", ""), ("\r", " ")] {
        let raw = sample(eol, space);
        for cut in 0..=raw.len() {
            let (text, error, items) = run(&raw, &[cut]).await;
            assert_eq!(text, EXPECTED, "eol={eol:?} space={space:?} cut={cut}");
            assert!(error.is_none(), "cut={cut}: {error:?}");
            assert_eq!(
                items,
                vec![
                    StreamItem::Finish(FinishReason::Stop),
                    StreamItem::Usage {
                        prompt_tokens: Some(7),
                        completion_tokens: Some(9),
                        reasoning_tokens: None,
                    }
                ]
            );
        }
    }
}

#[tokio::test]
async fn split_into_single_bytes() {
    let raw = sample("\n", " ");
    let cuts: Vec<usize> = (1..raw.len()).collect();
    let (text, error, _) = run(&raw, &cuts).await;
    assert_eq!(text, EXPECTED);
    assert!(error.is_none());
}

/// All items of a raw stream, errors as a panic.
async fn items_of(raw: &str) -> Vec<StreamItem> {
    let mut events = ChatEvents::new(futures_util::stream::iter([Ok::<_, String>(Bytes::from(
        raw.to_string(),
    ))]));
    let mut items = Vec::new();
    while let Some(item) = events.next().await {
        items.push(item.unwrap_or_else(|e| panic!("{e}")));
    }
    items
}

/// Two calls interleaved as OpenAI streams them, the arguments cut mid-string and mid-word,
/// with multi-byte text: cut at every byte offset too, they come out whole.
#[tokio::test]
async fn tool_calls_interleaved_and_cut_anywhere() {
    let piece = |index: u64, head: Option<(&str, &str)>, arguments: &str| {
        let mut call = serde_json::json!({"index": index, "function": {"arguments": arguments}});
        if let Some((id, name)) = head {
            call["id"] = id.into();
            call["type"] = "function".into();
            call["function"]["name"] = name.into();
        }
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": null, "tool_calls": [call]}, "finish_reason": null}]})
        )
    };
    let raw = [
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Let me look.\"}}]}\n\n".to_string(),
        piece(0, Some(("call_a", "files__read")), ""),
        piece(0, None, "{\"path\": \"/tmp/ünï"),
        piece(1, Some(("call_b", "math__add")), "{\"a\""),
        piece(0, None, "cödé 你好.txt\"}"),
        piece(1, None, ": 1, \"b\": 2}"),
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n".to_string(),
        "data: [DONE]\n\n".to_string(),
    ]
    .concat();
    let raw = raw.as_bytes();
    for cut in 0..=raw.len() {
        let (text, error, items) = run(raw, &[cut]).await;
        assert_eq!(text, "Let me look.");
        assert!(error.is_none(), "cut={cut}: {error:?}");
        let mut calls = crate::gateway::tool_calls::ToolCalls::default();
        for item in &items {
            if let StreamItem::ToolCall(piece) = item {
                calls.push(piece.clone()).unwrap();
            }
        }
        assert_eq!(items.last(), Some(&StreamItem::Finish(FinishReason::ToolCalls)));
        let calls = calls.finish().unwrap();
        assert_eq!(calls.len(), 2, "cut={cut}");
        assert_eq!(
            (
                calls[0].id.as_str(),
                calls[0].name.as_str(),
                calls[0].arguments.as_str()
            ),
            ("call_a", "files__read", "{\"path\": \"/tmp/ünïcödé 你好.txt\"}")
        );
        assert_eq!(calls[1].arguments_object().unwrap()["b"], 2);
    }
}

/// Tool-call shapes that are not OpenAI's never break the stream: an object for a list, a
/// piece of another shape, arguments sent as an object.
#[tokio::test]
async fn odd_tool_call_shapes_are_read_or_left_out() {
    let raw = concat!(
        "data: {\"choices\":[{\"delta\":{\"tool_calls\":{\"x\":1}}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"tool_calls\":[7,{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"t\",\"arguments\":{\"k\":\"v\"}}}]}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"tool_calls\":null},\"finish_reason\":\"tool_use\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let items = items_of(raw).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let StreamItem::ToolCall(piece) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(piece.function.arguments.as_deref(), Some("{\"k\":\"v\"}"));
    assert_eq!(items[1], StreamItem::Finish(FinishReason::ToolCalls));
}

#[tokio::test]
async fn reasoning_in_either_field_comes_before_the_text() {
    let raw = concat!(
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Let me \"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning\":\"think.\"}}]}\n\n",
        // Both names at once (some gateways copy one into the other): said once.
        "data: {\"choices\":[{\"delta\":{\"content\":\"\",\"reasoning_content\":\" Done\",\"reasoning\":\" Done\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"Answer\",\"reasoning_content\":null}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":null},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":9,\"completion_tokens_details\":{\"reasoning_tokens\":6}}}\n\n",
        "data: [DONE]\n\n",
    );
    assert_eq!(
        items_of(raw).await,
        vec![
            StreamItem::Reasoning("Let me ".into()),
            StreamItem::Reasoning("think.".into()),
            StreamItem::Reasoning(" Done".into()),
            StreamItem::Text("Answer".into()),
            StreamItem::Finish(FinishReason::Stop),
            StreamItem::Usage {
                prompt_tokens: Some(2),
                completion_tokens: Some(9),
                reasoning_tokens: Some(6)
            },
        ]
    );
}

#[tokio::test]
async fn a_refusal_and_the_finish_reasons_that_are_not_stop() {
    let raw = concat!(
        "data: {\"choices\":[{\"delta\":{\"content\":null,\"refusal\":\"I can't help \"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"refusal\":\"with that.\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\n",
        // A second finish reason (some gateways repeat it on the usage chunk) is not news.
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    assert_eq!(
        items_of(raw).await,
        vec![
            StreamItem::Refusal("I can't help ".into()),
            StreamItem::Refusal("with that.".into()),
            StreamItem::Finish(FinishReason::ContentFilter),
        ]
    );
    let raw = "data: {\"choices\":[{\"delta\":{\"content\":\"cut\"},\"finish_reason\":\"length\"}]}\n\n";
    assert_eq!(
        items_of(raw).await,
        vec![StreamItem::Text("cut".into()), StreamItem::Finish(FinishReason::Length)],
        "a finish reason without [DONE] still ends the answer whole"
    );
}

/// Each of the shapes real gateways send, alone in a stream: no stray text, no failure.
#[tokio::test]
async fn null_and_extra_fields_never_leak_as_text() {
    for (what, chunk) in [
        ("usage null", r#"{"choices":[{"delta":{"content":"ok"}}],"usage":null}"#),
        (
            "refusal null",
            r#"{"choices":[{"delta":{"content":"ok","refusal":null}}]}"#,
        ),
        (
            "logprobs null",
            r#"{"choices":[{"delta":{"content":"ok"},"logprobs":null}]}"#,
        ),
        (
            "extra fields",
            r#"{"id":"x","provider":{"n":1},"choices":[{"delta":{"content":"ok","audio":{},"reasoning_details":[]},"native_finish_reason":null}]}"#,
        ),
        (
            "reasoning not a string",
            r#"{"choices":[{"delta":{"content":"ok","reasoning":{"summary":"s"}}}]}"#,
        ),
    ] {
        let raw = format!(
            "data: {chunk}\n\ndata: {{\"choices\":[{{\"delta\":{{\"content\":null}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\"usage\":null}}\n\ndata: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":1,\"completion_tokens\":1,\"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":null}},\"prompt_tokens_details\":null}}}}\n\ndata: [DONE]\n\n"
        );
        let items = items_of(&raw).await;
        assert_eq!(
            items,
            vec![
                StreamItem::Text("ok".into()),
                StreamItem::Finish(FinishReason::Stop),
                StreamItem::Usage {
                    prompt_tokens: Some(1),
                    completion_tokens: Some(1),
                    reasoning_tokens: Some(0)
                }
            ],
            "{what}"
        );
    }
}

#[tokio::test]
async fn multi_line_data_is_joined() {
    let raw = b"data: {\"choices\":\ndata: [{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
    let (text, error, _) = run(raw, &[]).await;
    assert_eq!(text, "hi");
    assert!(error.is_none());
}

#[tokio::test]
async fn error_event_keeps_what_came_before() {
    let raw = format!(
        "data: {}\n\nevent: error\ndata: {{\"error\":{{\"message\":\"upstream overloaded\"}}}}\n\n",
        chunk("partial ")
    );
    let (text, error, _) = run(raw.as_bytes(), &[]).await;
    assert_eq!(text, "partial ");
    assert_eq!(error, Some(GatewayError::StreamError("upstream overloaded".into())));
}

#[tokio::test]
async fn error_object_in_data() {
    let raw = format!(
        "data: {}\n\ndata: {{\"error\":{{\"message\":\"boom\",\"code\":500}}}}\n\n",
        chunk("a")
    );
    let (text, error, _) = run(raw.as_bytes(), &[]).await;
    assert_eq!(text, "a");
    assert_eq!(error, Some(GatewayError::StreamError("boom".into())));
}

#[tokio::test]
async fn drop_before_done_is_an_error() {
    let raw = format!("data: {}\n\n", chunk("cut"));
    let (text, error, _) = run(raw.as_bytes(), &[]).await;
    assert_eq!(text, "cut");
    assert!(matches!(error, Some(GatewayError::Dropped(_))));
}

#[tokio::test]
async fn finish_reason_without_done_is_complete() {
    let raw = format!(
        "data: {}\n\ndata: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n",
        chunk("whole")
    );
    let (text, error, _) = run(raw.as_bytes(), &[]).await;
    assert_eq!(text, "whole");
    assert!(error.is_none());
}

#[tokio::test]
async fn non_json_data_is_a_bad_response() {
    let (_, error, _) = run(b"data: <html>oops</html>\n\n", &[]).await;
    assert!(matches!(error, Some(GatewayError::BadResponse(_))));
}

#[tokio::test]
async fn transport_error_mid_stream() {
    let pieces = vec![
        Ok(Bytes::from(format!("data: {}\n\n", chunk("so far")))),
        Err("connection reset".to_string()),
    ];
    let mut events = ChatEvents::new(futures_util::stream::iter(pieces));
    assert_eq!(events.next().await.unwrap().unwrap(), StreamItem::Text("so far".into()));
    assert!(matches!(events.next().await, Some(Err(GatewayError::Dropped(_)))));
    assert!(events.next().await.is_none());
}

/// A source that sends `head`, then `data: ` and an endless line in 64 KB pieces (up to
/// `total` bytes), counting what was pulled from it.
fn endless_event(
    head: String,
    total: usize,
    pulled: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> impl Stream<Item = Result<Bytes, String>> + Send + 'static {
    let piece = Bytes::from(vec![b'a'; 64 * 1024]);
    let first = Bytes::from(format!("{head}data: "));
    futures_util::stream::iter(std::iter::once(first).chain(std::iter::repeat(piece))).scan(0usize, move |sent, b| {
        *sent += b.len();
        pulled.fetch_add(b.len(), std::sync::atomic::Ordering::Relaxed);
        futures_util::future::ready((*sent <= total).then_some(Ok(b)))
    })
}

/// Before the cap, the whole 16 MB was pulled and buffered, re-scanned on every piece,
/// and the answer ended as "dropped".
#[tokio::test]
async fn an_endless_event_ends_the_answer_at_the_cap_keeping_the_text() {
    let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let head = format!("data: {}\n\n", chunk("kept so far"));
    let mut events = ChatEvents::new(endless_event(head, 16 * 1024 * 1024, pulled.clone()));
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        StreamItem::Text("kept so far".into())
    );
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(
        error,
        GatewayError::TooLarge {
            what: "a stream event",
            limit: limits::STREAM_EVENT
        }
    );
    assert_eq!(error.kind(), "too_large");
    assert!(error.to_string().contains("larger than 1024 KB"), "{error}");
    assert!(events.next().await.is_none());
    let pulled = pulled.load(std::sync::atomic::Ordering::Relaxed);
    assert!(pulled < limits::STREAM_EVENT + 128 * 1024, "pulled {pulled} bytes");
}

#[tokio::test]
async fn many_lines_count_as_one_event_and_blank_lines_reset() {
    // Short lines, but one event of 1.5 MB: refused.
    let line = format!(": {}\r\n", "x".repeat(1000));
    let raw = line.repeat(1500);
    let (_, error, _) = run(raw.as_bytes(), &[]).await;
    assert!(matches!(error, Some(GatewayError::TooLarge { .. })), "{error:?}");
    // 1.5 MB in events of 1 KB each: fine, whatever the line ends.
    for eol in ["\n", "\r\n", "\r"] {
        let mut raw = String::new();
        for _ in 0..1500 {
            raw.push_str(&format!(": {}{eol}{eol}", "x".repeat(1000)));
        }
        // (With lone `\r` line ends, the answer is whole by its finish_reason even if the
        // last line end were not seen.)
        raw.push_str(&format!(
            "data: {}{eol}{eol}data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}{eol}{eol}data: [DONE]{eol}{eol}",
            chunk("ok")
        ));
        let (text, error, _) = run(raw.as_bytes(), &[7, 1001, 4096]).await;
        assert_eq!(text, "ok", "eol={eol:?}");
        assert!(error.is_none(), "eol={eol:?}: {error:?}");
    }
}

/// A source whose bytes are always there (never a wait, so no timer can fire) and say
/// nothing: the clock is looked at as pieces are read.
#[tokio::test]
async fn a_flood_that_says_nothing_ends_as_stalled_keeping_the_text() {
    let head = futures_util::stream::iter([Ok::<_, String>(Bytes::from(format!("data: {}\n\n", chunk("kept"))))]);
    let flood = futures_util::stream::repeat(Ok(Bytes::from_static(b": x\n\n\n\n"))).take(10_000_000);
    let limit = std::time::Duration::from_millis(20);
    let mut events = ChatEvents::new(head.chain(flood)).stalling_after(limit);
    assert_eq!(events.next().await.unwrap().unwrap(), StreamItem::Text("kept".into()));
    assert_eq!(events.next().await.unwrap().unwrap_err(), GatewayError::Stalled(limit));
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_a_bad_response() {
    let mut raw = format!("data: {}\n\ndata: ", chunk("so far")).into_bytes();
    raw.extend_from_slice(b"\xff\n\n");
    let (text, error, _) = run(&raw, &[]).await;
    assert_eq!(text, "so far");
    assert!(
        matches!(&error, Some(GatewayError::BadResponse(m)) if m.contains("UTF-8")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_error_event_is_cut_to_a_readable_length() {
    let raw = format!("event: error\ndata: {}\n\n", "y".repeat(10_000));
    let (_, error, _) = run(raw.as_bytes(), &[]).await;
    match error {
        Some(GatewayError::StreamError(m)) => assert!(m.chars().count() <= limits::MESSAGE_CHARS + 1),
        other => panic!("{other:?}"),
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn sse_line() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,30}".prop_map(|s| format!("data: {s}")),
            "[a-z ]{0,12}".prop_map(|s| format!("data: {}", chunk(&s))),
            Just("data: [DONE]".to_string()),
            Just("event: error".to_string()),
            Just(": keep-alive".to_string()),
            Just(String::new()),
            Just("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}".to_string()),
            Just(
                "data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"hm\"}}],\"usage\":null}"
                    .to_string()
            ),
            Just(
                "data: {\"choices\":[{\"delta\":{\"refusal\":\"no\"},\"finish_reason\":\"content_filter\"}]}"
                    .to_string()
            ),
            Just(
                "data: {\"choices\":[{\"delta\":{\"reasoning\":{\"x\":1},\"content\":\"<think>\"},\"logprobs\":null}]}"
                    .to_string()
            ),
            Just("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":-1}}".to_string()),
            Just("data: {\"error\":{\"error\":{\"message\":7}}}".to_string()),
        ]
    }

    fn outcome_is_sane(items: Vec<Result<StreamItem, GatewayError>>) -> Result<(), TestCaseError> {
        // After an error nothing follows, and an error always has words.
        let errors = items.iter().filter(|i| i.is_err()).count();
        prop_assert!(errors <= 1);
        if let Some(Err(e)) = items.last() {
            prop_assert!(!e.to_string().is_empty());
        } else {
            prop_assert_eq!(errors, 0);
        }
        Ok(())
    }

    async fn collect(pieces: Vec<Vec<u8>>) -> Vec<Result<StreamItem, GatewayError>> {
        let stream = futures_util::stream::iter(pieces.into_iter().map(|p| Ok::<_, String>(Bytes::from(p))));
        let mut events = ChatEvents::new(stream);
        let mut items = Vec::new();
        while let Some(item) = events.next().await {
            items.push(item);
            prop_assume_not_too_many(&items);
        }
        items
    }

    fn prop_assume_not_too_many(items: &[Result<StreamItem, GatewayError>]) {
        assert!(items.len() < 10_000, "a finite input gives finitely many items");
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    proptest! {
        #[test]
        fn any_bytes_any_cuts(pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
            outcome_is_sane(block_on(collect(pieces)))?;
        }

        #[test]
        fn sse_like_lines_any_cuts(
            lines in proptest::collection::vec(sse_line(), 0..16),
            eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let raw: Vec<u8> = lines.iter().flat_map(|l| format!("{l}{eol}").into_bytes()).collect();
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(raw.len() + 1)).collect();
            at.sort_unstable();
            let mut pieces = Vec::new();
            let mut last = 0;
            for c in at {
                pieces.push(raw[last..c].to_vec());
                last = c;
            }
            pieces.push(raw[last..].to_vec());
            outcome_is_sane(block_on(collect(pieces)))?;
        }
    }
}
