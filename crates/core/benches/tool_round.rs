//! The app's own time per tool round: from the model's last `tool_calls` piece to the next
//! request leaving, minus the tool server's own time. A real chat (`Chats`, a store), the fake
//! gateway over real HTTP, and the Python MCP test server over stdio (installed by
//! `scripts/lib.sh`, `install_mcp_test_servers`); the tool is allowed already, so no person's
//! time is in it. Prints `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` rows.

#[path = "../tests/mcp_support/mod.rs"]
mod mcp_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_gateway::FakeGateway;
use glama_core::chat::tools::{Approvals, CallStatus};
use glama_core::chat::{AnswerEvent, AnswerPolicy, AnswerSink, Ask, Chats, Glama, Phase};
use glama_core::connect::pkce::Pkce;
use glama_core::gateway::{Gateway, Timeouts};
use glama_core::secret::Secret;
use glama_core::store::{conversations, Store};

const MODEL: &str = "openai/gpt-4o";
const ROUNDS: usize = 30;
const BUDGET: Duration = Duration::from_millis(20);

/// When each step of one round happened.
#[derive(Default)]
struct Clock {
    calls: Option<Instant>,
    running: Option<Instant>,
    done: Option<Instant>,
    again: Option<Instant>,
}

impl AnswerSink for Clock {
    fn event(&mut self, event: AnswerEvent) {
        let now = Instant::now();
        match event {
            AnswerEvent::ToolCalls { .. } => self.calls = Some(now),
            AnswerEvent::ToolCall(call) if call.status == CallStatus::Running => self.running = Some(now),
            AnswerEvent::ToolCall(call) if call.status == CallStatus::Done => self.done = Some(now),
            _ => {}
        }
    }

    fn phase(&mut self, phase: Phase) {
        if phase == Phase::Requesting && self.done.is_some() && self.again.is_none() {
            self.again = Some(Instant::now());
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let fake = FakeGateway::start().await.unwrap();
        let gateway = Gateway::new(fake.url().parse().unwrap(), "bench", Timeouts::default());
        let pkce = Pkce::generate();
        let key = gateway
            .exchange_code(&Secret::new(fake.issue_code(&pkce.challenge)), &pkce.verifier)
            .await
            .unwrap();
        let (_dir, manager) = mcp_support::start(serde_json::json!({"test": mcp_support::test_server_entry(&[])}));
        mcp_support::ready(&manager, "test").await;
        let store = Arc::new(Store::in_memory());
        let chats = Chats::new(store.clone(), AnswerPolicy::default());
        let model = Glama { gateway, key };
        let mut own = Vec::with_capacity(ROUNDS);
        let mut server = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let c = store.call(|db| conversations::create(db, MODEL)).unwrap().id;
            let (mut approvals, _decide) = Approvals::new(["test__echo".to_string()].into());
            let mut clock = Clock::default();
            let ask = Ask::Send {
                text: r#"test__echo {"text": "ping"}"#.into(),
            };
            chats
                .ask_with_tools(&model, &c, MODEL, ask, (&manager, &mut approvals), &mut clock)
                .await
                .unwrap();
            let (calls, running, done, again) = (
                clock.calls.unwrap(),
                clock.running.unwrap(),
                clock.done.unwrap(),
                clock.again.unwrap(),
            );
            own.push((running - calls) + (again - done));
            server.push(done - running);
        }
        manager.stop_all().await;
        own.sort();
        server.sort();
        let median = own[ROUNDS / 2];
        let verdict = if median <= BUDGET { "pass" } else { "miss" };
        println!(
            "BENCH\ttool round: the app's own time (median of {ROUNDS}; max {:.2} ms)\t{:.2} ms\t≤ {} ms\t{verdict}",
            ms(own[ROUNDS - 1]),
            ms(median),
            BUDGET.as_millis()
        );
        println!(
            "BENCH\ttool round: the test server's echo over stdio (median, not counted)\t{:.2} ms\t(reported)\tpass",
            ms(server[ROUNDS / 2])
        );
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
