//! Render cost per streamed token for every shape of answer, incremental beside a naive whole
//! re-render; for an open code block in each language answers hold most; and for one code line
//! that never ends; against the budgets.
//!
//! `cargo bench -p glama-core --bench render` (or `bash scripts/bench.sh`). Prints one
//! `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` row per figure on stdout; budgets
//! are compared here, never in tests.

use std::time::Instant;

use glama_core::render::{render_markdown, IncrementalRenderer, Replica};

#[path = "common/languages.rs"]
mod languages;
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
    let mut timed = 0;
    for t in &tokens {
        r.push(t);
        std::hint::black_box(r.update());
        timed += 1;
        // A renderer whose cost grows gets a few tokens, not hours.
        if start.elapsed().as_secs() >= 5 {
            break;
        }
    }
    start.elapsed().as_secs_f64() * 1e6 / timed as f64
}

/// Best of three runs of [`incremental_cost`], to damp noise from the rest of the machine.
fn best_cost(text: &str, from: usize, to: usize) -> f64 {
    (0..3)
        .map(|_| incremental_cost(text, from, to))
        .fold(f64::MAX, f64::min)
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "pass"
    } else {
        "miss"
    }
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
            let us = best_cost(&text, (kb - 1) * 1024, (kb + 1) * 1024);
            let whole = whole_cost(&text, kb * 1024);
            println!(
                "BENCH\trender per token, {shape}, {kb} KB\t{us:.1} µs (whole re-render {whole:.0} µs)\t≤ {BUDGET_US:.0} µs\t{}",
                verdict(us <= BUDGET_US)
            );
        }
    }
    for (language, info, code) in languages::languages() {
        let text = languages::open_block(info, code, 101 * 1024);
        check_equal(&text);
        let us = best_cost(&text, 99 * 1024, 101 * 1024);
        // A language syntect has no grammar for is shown plain: say so, it costs nothing.
        let plain = !render_markdown(&text[..4096]).contains("class=\"hl-");
        println!(
            "BENCH\trender per token, open code block, {language}, 100 KB\t{us:.1} µs{}\t≤ {BUDGET_US:.0} µs\t{}",
            if plain { " (no grammar: shown plain)" } else { "" },
            verdict(us <= BUDGET_US)
        );
    }
    long_line();
}

/// One minified JSON line in a `json` block that grows to 4 MB without a line end (the
/// realistic worst case: a model dumping data): the cost per token must not grow with the line.
fn long_line() {
    const MB: usize = 1024 * 1024;
    let mut text = String::from("```json\n[");
    let mut n = 0;
    while text.len() < 4 * MB + 4 * 1024 {
        text.push_str(&format!(
            "{{\"id\":{n},\"name\":\"item {n}\",\"tags\":[\"a\",\"b\"],\"weight\":0.{n},\"owner\":null}},"
        ));
        n += 1;
    }
    // Streamed equals whole past the length where a line is shown plain (a whole check at 4 MB
    // would take a renderer whose cost grows hours).
    check_equal(&text[..boundary(&text, 12 * 1024)]);
    let short = best_cost(&text, 40 * 1024, 42 * 1024);
    let long = best_cost(&text, 4 * MB, 4 * MB + 2 * 1024);
    let ratio = long / short;
    println!(
        "BENCH\trender per token, one code line growing to 4 MB (json)\t{long:.1} µs at 4 MB, {short:.1} µs at 40 KB ({ratio:.2}×)\t≤ 2× at 40 KB\t{}",
        verdict(ratio <= 2.0)
    );
}
