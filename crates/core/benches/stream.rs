//! Stream overhead on the Rust side: the same ~200 KB answer from the fake gateway at full
//! speed (each SSE event in one piece, as real gateways flush them), read as bare bytes (what
//! curl does), parsed into chat events, and streamed as an answer (events → text → rendered
//! updates), on the app's one-thread runtime and on a runtime with a worker per core. Context
//! for the app's stream-overhead figure (crates/e2e/benches/app.rs), which has the budget.
//! Prints `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>info` rows.

#[path = "common/shapes.rs"]
mod shapes;

use std::time::{Duration, Instant};

use fake_gateway::{ChatScenario, FakeGateway};
use futures_util::StreamExt;
use glama_core::chat::prompt::Request;
use glama_core::chat::{AnswerEvent, AnswerPolicy, AnswerSink, Glama, Pace, Turn};
use glama_core::connect::pkce::Pkce;
use glama_core::gateway::types::{ChatMessage, Role};
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::secret::{ApiKey, Secret};
use tokio_util::sync::CancellationToken;

const MODEL: &str = "openai/gpt-4o";
const RUNS: usize = 5;

fn main() {
    // The fake gateway stands for a remote server: its own thread, its own runtime.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let fake = std::sync::Arc::new(FakeGateway::start().await.unwrap());
            tx.send(fake).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let fake = rx.recv().unwrap();
    let url = fake.url();
    let reply = shapes::shapes()[0].1(200 * 1024);
    for (name, rt) in [
        (
            "one thread (the app's runtime)",
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "a worker per core (Tauri's default)",
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap(),
        ),
    ] {
        rt.block_on(async {
            let gateway = Gateway::new(url.parse().unwrap(), "bench", Timeouts::default());
            let pkce = Pkce::generate();
            let key = gateway
                .exchange_code(&Secret::new(fake.issue_code(&pkce.challenge)), &pkce.verifier)
                .await
                .unwrap();
            let (mut bytes, mut events, mut answers) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..RUNS {
                script(&fake, &reply);
                bytes.push(read_bytes(&url, &key).await);
                script(&fake, &reply);
                events.push(read_events(&gateway, &key).await);
                script(&fake, &reply);
                answers.push(read_answer(&gateway, &key).await);
            }
            let (b, e, a) = (median(bytes), median(events), median(answers));
            println!(
                "BENCH\tRust side of a 200 KB answer at full speed, {name}\t{a:.0} ms rendered, {e:.0} ms parsed, \
                 {b:.0} ms bare bytes; median of {RUNS}\t(context for stream overhead)\tinfo"
            );
        });
    }
}

fn script(fake: &FakeGateway, reply: &str) {
    fake.script_chat(ChatScenario {
        reply: Some(reply.to_string()),
        piece_delay: Some(Duration::ZERO),
        whole_events: true,
        ..Default::default()
    });
}

fn ask() -> Request {
    Request {
        model: MODEL.into(),
        messages: vec![ChatMessage::new(Role::User, "overhead")],
        tools: Vec::new(),
        parameters: Default::default(),
    }
}

/// A window that shows every update at once: the most rendering the answer can cost.
struct Window<'a> {
    pace: &'a Pace,
}

impl AnswerSink for Window<'_> {
    fn event(&mut self, _: AnswerEvent) {
        self.pace.shown();
    }
}

async fn read_bytes(url: &str, key: &ApiKey) -> f64 {
    let start = Instant::now();
    let body =
        serde_json::json!({"model": MODEL, "stream": true, "messages": [{"role": "user", "content": "overhead"}]});
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/gateway/openai/v1/chat/completions"))
        .bearer_auth(key.expose())
        .json(&body)
        .send()
        .await
        .unwrap();
    let mut stream = resp.bytes_stream();
    let mut n = 0;
    while let Some(chunk) = stream.next().await {
        n += chunk.unwrap().len();
    }
    assert!(n > 200 * 1024);
    start.elapsed().as_secs_f64() * 1000.0
}

async fn read_events(gateway: &Gateway, key: &ApiKey) -> f64 {
    let start = Instant::now();
    let mut stream = gateway
        .chat_stream(key, MODEL, &ask().messages, &[], &Default::default())
        .await
        .unwrap();
    let mut n = 0;
    while let Some(item) = stream.events.next().await {
        item.unwrap();
        n += 1;
    }
    assert!(n > 1000);
    start.elapsed().as_secs_f64() * 1000.0
}

async fn read_answer(gateway: &Gateway, key: &ApiKey) -> f64 {
    let start = Instant::now();
    let pace = Pace::default();
    let mut window = Window { pace: &pace };
    let model = Glama {
        gateway: gateway.clone(),
        key: key.clone(),
    };
    let (request, policy, cancel) = (ask(), AnswerPolicy::default(), CancellationToken::new());
    let ending = Turn::new(&model, &request, None, &policy, &cancel, &pace)
        .run(&mut window)
        .await;
    assert!(ending.written.text.len() > 200 * 1024);
    start.elapsed().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
