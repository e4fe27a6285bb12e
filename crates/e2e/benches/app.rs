//! App-level figures in the real window (release build, Xvfb): the longest gap between two
//! animation frames while a 100 KB answer of each shape streams at full speed from the fake
//! gateway, measured inside the page with `requestAnimationFrame`.
//!
//! `bash scripts/bench.sh` runs it with `GLAMA_CHAT_BIN=target/release/glama-chat`. Prints one
//! `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` row per figure.

use std::time::Duration;

use e2e::Session;
use fake_gateway::ChatScenario;

#[path = "../../core/benches/common/shapes.rs"]
mod shapes;

const FRAME_BUDGET_MS: f64 = 50.0;

/// Records every gap between animation frames until `window.__frames` is set to false.
const WATCH_FRAMES: &str = "window.__gaps = []; window.__frames = true; let last = performance.now(); \
    const tick = (t) => { window.__gaps.push(t - last); last = t; if (window.__frames) requestAnimationFrame(tick); }; \
    requestAnimationFrame(tick);";

#[tokio::main]
async fn main() {
    let session = Session::start().await;
    let app = session.launch(&[]).await;
    app.connect().await;
    app.wait_models().await;
    for (shape, make) in shapes::shapes() {
        session.gateway.script_chat(ChatScenario {
            reply: Some(make(100 * 1024)),
            piece_delay: Some(Duration::ZERO),
            ..Default::default()
        });
        app.click("new-chat-button").await;
        app.js(WATCH_FRAMES, vec![]).await;
        app.send(shape).await;
        let answer = app.wait_last_answer("done").await;
        assert!(
            answer["text"].as_str().unwrap_or("").len() >= 100 * 1024,
            "{shape}: the whole answer arrived"
        );
        let longest = app
            .js("window.__frames = false; return Math.max(...window.__gaps)", vec![])
            .await;
        let ms = longest.as_f64().unwrap_or(f64::MAX);
        println!(
            "BENCH\tpage update per frame, {shape}, 100 KB\t{ms:.0} ms (longest gap between frames)\t≤ {FRAME_BUDGET_MS:.0} ms\t{}",
            if ms <= FRAME_BUDGET_MS { "pass" } else { "miss" }
        );
    }
    app.quit().await;
}
