//! Saving an answer as it streams (every 500 ms, a crash loses at most that much): the cost of
//! one save at 40 KB of answer and at 8 MB (the cap), on a file with the app's durability (WAL,
//! `synchronous=FULL`: each save waits for its fsync). Beside it, what rewriting the whole text
//! at each save costs (how saves were made before issue 27).
//!
//! `cargo bench -p glama-core --bench saves`. Prints `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss`.

use std::time::Instant;

use glama_core::store::{answers, conversations, Store};

const KB: usize = 1024;
/// What arrives between two saves, at a fast model's pace and more.
const PIECE: usize = 20 * KB;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Milliseconds per save (median of the saves around each mark), saving `PIECE` at a time up
/// to 8 MB, with `save` given the answer so far and what is new.
fn run(save: fn(&rusqlite::Connection, &str, &str) -> glama_core::store::Result<()>) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).store;
    store
        .call(|db| {
            let c = conversations::create(db, "m")?.id;
            db.execute(
                "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at)
                 VALUES ('answer', ?1, 1, 'assistant', '', 'streaming', 0)",
                [&c],
            )?;
            Ok(())
        })
        .unwrap();
    store
        .call(move |db| {
            let piece = "x".repeat(PIECE);
            let mut text = String::new();
            let (mut small, mut large) = (Vec::new(), Vec::new());
            while text.len() < 8 * 1024 * KB {
                text.push_str(&piece);
                let t = Instant::now();
                save(db, &text, &piece)?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if (20 * KB..=100 * KB).contains(&text.len()) {
                    small.push(ms);
                }
                if text.len() > 8 * 1024 * KB - 10 * PIECE {
                    large.push(ms);
                }
            }
            Ok((median(small), median(large)))
        })
        .unwrap()
}

fn main() {
    let (small, large) = run(|db, _, new| answers::save_partial(db, "answer", new, ""));
    let (_, rewrite) = run(|db, so_far, _| {
        db.execute(
            "UPDATE messages SET content = ?2, reasoning = '' WHERE id = ?1 AND status = 'streaming'",
            rusqlite::params!["answer", so_far],
        )?;
        Ok(())
    });
    let ratio = large / small;
    println!(
        "BENCH\tanswer saved as it streams, one save at 8 MB\t{large:.2} ms, {small:.2} ms at 40 KB ({ratio:.2}×; \
         rewriting the whole text: {rewrite:.1} ms)\t≤ 2× at 40 KB\t{}",
        if ratio <= 2.0 { "pass" } else { "miss" }
    );
}
