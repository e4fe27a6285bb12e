//! SSE parsing per byte under the framings a gateway (or anything between it and us) may choose:
//! the chat events of a streamed answer read from bytes already in memory, so only the parsing
//! is timed (SSE lines, events, their JSON). A framing costs per byte about what the normal one
//! costs, or a hostile server can keep the app's one async thread busy.
//!
//! `cargo bench -p glama-core --bench sse` (or `bash scripts/bench.sh`). Prints
//! `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` rows; budgets are compared here.
//! `GLAMA_BENCH_LINE_KB` shortens the long line (a quadratic parser needs hours for 1 MB).

use std::time::Instant;

use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use glama_core::gateway::{ChatEvents, StreamItem};

const MB: usize = 1024 * 1024;
/// Each hostile framing's time per byte, against the normal framing's.
const BUDGET_RATIO: f64 = 2.0;

/// One chat chunk event, as OpenAI and Glama send them.
fn event(content: &str) -> String {
    format!(
        "data: {{\"id\":\"chunk\",\"object\":\"chat.completion.chunk\",\"usage\":null,\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{}}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n",
        serde_json::to_string(content).unwrap()
    )
}

const END: &str = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

/// About `bytes` of events of a few words each, then the end: one piece per event.
fn events(bytes: usize) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let (mut total, mut n) = (0, 0);
    while total < bytes {
        let e = event(&format!(" word{n} and"));
        total += e.len();
        pieces.push(Bytes::from(e));
        n += 1;
    }
    pieces.push(Bytes::from_static(END.as_bytes()));
    pieces
}

/// The same bytes one at a time.
fn single_bytes(pieces: &[Bytes]) -> Vec<Bytes> {
    let all = Bytes::from(pieces.concat());
    (0..all.len()).map(|i| all.slice(i..i + 1)).collect()
}

/// The events with pieces of 16 KB of blank lines between them, as many bytes of blank lines
/// as of events.
fn blank_floods(pieces: &[Bytes]) -> Vec<Bytes> {
    let flood = Bytes::from(vec![b'\n'; 16 * 1024]);
    let total: usize = pieces.iter().map(Bytes::len).sum();
    let every = (pieces.len() / (total / flood.len()).max(1)).max(1);
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        out.push(p.clone());
        if i % every == every - 1 {
            out.push(flood.clone());
        }
    }
    out
}

/// One event whose `data:` line is `len` bytes long (under the per-event cap), then the end,
/// one byte at a time.
fn long_line(len: usize) -> Vec<Bytes> {
    let overhead = event("").len();
    let line = event(&"x".repeat(len.saturating_sub(overhead)));
    single_bytes(&[Bytes::from(line), Bytes::from_static(END.as_bytes())])
}

/// Nanoseconds per byte to read `pieces` as chat events (best of three), and the text's length.
fn cost(rt: &tokio::runtime::Runtime, pieces: &[Bytes]) -> (f64, usize) {
    let bytes: usize = pieces.iter().map(Bytes::len).sum();
    let mut best = f64::MAX;
    let mut text = 0;
    for _ in 0..3 {
        let pieces = pieces.to_vec();
        let start = Instant::now();
        text = rt.block_on(async move {
            let mut events = ChatEvents::new(futures_util::stream::iter(pieces.into_iter().map(Ok::<_, String>)));
            let mut text = 0;
            while let Some(item) = events.next().await {
                if let StreamItem::Text(t) = item.expect("the stream reads whole") {
                    text += t.len();
                }
            }
            text
        });
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / bytes as f64);
    }
    (best, text)
}

/// Nanoseconds per byte to receive `pieces` as the reader receives them (a boxed stream of
/// results) and do nothing with them: the least any reader pays for that framing (best of three).
fn receiving(rt: &tokio::runtime::Runtime, pieces: &[Bytes]) -> f64 {
    let bytes: usize = pieces.iter().map(Bytes::len).sum();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let pieces = pieces.to_vec();
        let start = Instant::now();
        let read = rt.block_on(async move {
            let mut source: Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>> = Box::pin(
                futures_util::stream::iter(pieces.into_iter().map(Ok::<_, String>))
                    .map(|r| r.map_err(|e| e.to_string())),
            );
            let mut read = 0;
            while let Some(piece) = source.next().await {
                read += piece.expect("in memory").len();
            }
            read
        });
        assert_eq!(read, bytes);
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / bytes as f64);
    }
    best
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let normal = events(MB);
    let (per_byte, text) = cost(&rt, &normal);
    println!("BENCH\tSSE parse, 1 MB of events, one piece per event\t{per_byte:.1} ns/byte\t(the reference)\tinfo");
    let line_kb: usize = std::env::var("GLAMA_BENCH_LINE_KB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    for (framing, pieces) in [
        ("1 MB of events in 1-byte pieces".to_string(), single_bytes(&normal)),
        (
            "1 MB of events, 16 KB pieces of blank lines between them".to_string(),
            blank_floods(&normal),
        ),
        (
            format!("one {line_kb} KB data: line in 1-byte pieces"),
            long_line(line_kb * 1024),
        ),
    ] {
        let (ns, read) = cost(&rt, &pieces);
        assert!(read == text || framing.contains("line"), "{framing}: the same text");
        let floor = receiving(&rt, &pieces);
        let ratio = ns / per_byte;
        println!(
            "BENCH\tSSE parse, {framing}\t{ns:.1} ns/byte ({ratio:.2}× one piece per event; receiving the pieces \
             alone: {floor:.1} ns/byte)\t≤ {BUDGET_RATIO}× one piece per event\t{}",
            if ratio <= BUDGET_RATIO { "pass" } else { "miss" }
        );
    }
}
