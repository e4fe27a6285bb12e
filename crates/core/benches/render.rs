//! Render cost per streamed token for every shape of answer, incremental beside a naive whole
//! re-render, against the budget.
//!
//! `cargo bench -p glama-core --bench render` (or `bash scripts/bench.sh`). Prints one
//! `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` row per figure on stdout; budgets
//! are compared here, never in tests.

use std::time::Instant;

use glama_core::render::{render_markdown, IncrementalRenderer, Replica};

#[path = "common/shapes.rs"]
mod shapes;

/// Per token, at 100 KB of answer (and at 10 KB): a 60 fps frame is 16,667 µs.
const BUDGET_US: f64 = 100.0;

/// Splits into ~4-byte tokens on char boundaries, as a model's stream would arrive.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + 4).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[at..end]);
        at = end;
    }
    out
}

/// Mean microseconds per token (one update per token: the worst case; the app coalesces to
/// one update per frame) over the tokens of `text[from..to]`, once `text[..from]` arrived (in
/// one piece: the state reached is the same, and the benchmark stays short for a renderer
/// whose cost grows).
fn incremental_cost(text: &str, from: usize, to: usize) -> f64 {
    let (from, to) = (boundary(text, from), boundary(text, to));
    let mut r = IncrementalRenderer::new();
    r.push(&text[..from]);
    std::hint::black_box(r.update());
    let tokens = tokens(&text[from..to]);
    let start = Instant::now();
    for t in &tokens {
        r.push(t);
        std::hint::black_box(r.update());
    }
    start.elapsed().as_secs_f64() * 1e6 / tokens.len() as f64
}

fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Microseconds to re-render the whole message once at `len` bytes (what a naive client pays per token).
fn whole_cost(text: &str, len: usize) -> f64 {
    let end = boundary(text, len);
    let reps = 3;
    let start = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(render_markdown(&text[..end]));
    }
    start.elapsed().as_secs_f64() * 1e6 / reps as f64
}

/// The streamed result is what a whole render gives (a fast wrong renderer is no result).
fn check_equal(text: &str) {
    let mut r = IncrementalRenderer::new();
    let mut page = Replica::default();
    for t in tokens(text) {
        r.push(t);
        page.apply(r.update());
    }
    page.apply(r.finish());
    assert!(
        page.html() == render_markdown(text),
        "streamed output differs from a whole render"
    );
}

fn main() {
    glama_core::render::warm_up();
    for (shape, make) in shapes::shapes() {
        let text = make(101 * 1024);
        check_equal(&text);
        for kb in [10, 100] {
            // Best of three runs, to damp noise from the rest of the machine.
            let us = (0..3)
                .map(|_| incremental_cost(&text, (kb - 1) * 1024, (kb + 1) * 1024))
                .fold(f64::MAX, f64::min);
            let whole = whole_cost(&text, kb * 1024);
            println!(
                "BENCH\trender per token, {shape}, {kb} KB\t{us:.1} µs (whole re-render {whole:.0} µs)\t≤ {BUDGET_US:.0} µs\t{}",
                if us <= BUDGET_US { "pass" } else { "miss" }
            );
        }
    }
}
