//! History benchmarks: open a 5,000-message conversation, search 100,000 messages, the size
//! on disk of 10,000, and the memory an import and an export of 2 GB of attachments take.
//! Prints `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` rows.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;

use glama_core::chat::view;
use glama_core::store::archive::{self, Archive, ArchivedConversation, ArchivedMessage};
use glama_core::store::paging::Page;
use glama_core::store::rows::{Author, MessageStatus};
use glama_core::store::{search, Store};

const WORDS: &[&str] = &[
    "the", "model", "answer", "database", "render", "stream", "token", "window", "search", "memory", "question",
    "function", "return", "value", "error", "index", "table", "query", "result", "string", "vector", "thread", "async",
    "rust", "python", "deploy", "server", "client", "cache", "budget", "kiwi", "orbit", "lattice",
];
const CJK: &[&str] = &["我们", "数据", "存在", "本地", "东京", "天気", "検索", "速度"];

/// A small deterministic generator (xorshift), so every run measures the same text.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// A made-up word for vocabulary rank `n` (beyond the common words above).
fn rare_word(n: u64) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "tus", "vo", "zel", "pra", "qui", "dan", "sor", "ex",
    ];
    let mut n = n;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[(n % SYLLABLES.len() as u64) as usize]);
        n /= SYLLABLES.len() as u64;
        if n == 0 {
            break w;
        }
    }
}

/// A message like the ones people and models write: prose over a Zipf-like vocabulary of
/// 20,000 words (the common words above most often), sometimes code, sometimes CJK.
fn text(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        if rng.next().is_multiple_of(40) {
            out.push_str(rng.pick(CJK));
            out.push_str(rng.pick(CJK));
        } else {
            let u = (rng.next() % 1_000_000) as f64 / 1e6;
            let rank = (u.powf(4.0) * 20_000.0) as u64;
            if rank < WORDS.len() as u64 {
                out.push_str(WORDS[rank as usize]);
            } else {
                out.push_str(&rare_word(rank));
            }
        }
    }
    if rng.next().is_multiple_of(4) {
        out.push_str("\n\n```rust\nfn main() {\n    let v = vec![1, 2, 3];\n    println!(\"{v:?}\");\n}\n```\n");
    }
    out
}

fn conversation(rng: &mut Rng, id: usize, messages: usize) -> ArchivedConversation {
    ArchivedConversation {
        id: format!("bench-c{id}"),
        title: format!("Conversation {id}"),
        model: "openai/gpt-4o".into(),
        system_prompt: String::new(),
        draft: String::new(),
        tools: true,
        parameters: Default::default(),
        fit_newest: false,
        assistant_id: None,
        created_at: 1,
        updated_at: 1 + id as i64,
        messages: (0..messages)
            .map(|i| {
                let user = i % 2 == 0;
                ArchivedMessage {
                    id: format!("bench-c{id}-m{i}"),
                    parent_id: None,
                    off_branch: false,
                    role: if user { Author::User } else { Author::Assistant },
                    content: text(rng, if user { 15 } else { 80 }),
                    reasoning: String::new(),
                    reasoning_ms: None,
                    status: MessageStatus::Done,
                    stop_reason: None,
                    refusal: None,
                    error: None,
                    model: None,
                    usage: None,
                    request_id: None,
                    created_at: i as i64,
                    attachments: Vec::new(),
                    tool_calls: Vec::new(),
                    tool_images: Vec::new(),
                }
            })
            .collect(),
    }
}

fn archive(conversations: Vec<ArchivedConversation>) -> Archive {
    Archive {
        format: archive::FORMAT.into(),
        version: archive::VERSION,
        exported_at: 0,
        assistants: Vec::new(),
        conversations,
    }
}

/// Imports `archive` as the app imports a file: streamed from its JSON.
fn import(store: &Store, archive: &Archive) {
    let json = serde_json::to_vec(archive).unwrap();
    store.call(move |db| archive::read_json(db, json.as_slice())).unwrap();
}

fn row(figure: &str, measured: String, budget: &str, pass: bool) {
    println!(
        "BENCH\t{figure}\t{measured}\t{budget}\t{}",
        if pass { "pass" } else { "miss" }
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench --bench store -- archive`: the archive figures alone.
    if std::env::args().skip(1).any(|a| a == "archive") {
        archive_both_ways();
        return;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // Open a 5,000-message conversation: the first page, HTML rendered once then cached.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).store;
    let long = archive(vec![conversation(&mut rng, 0, 5_000)]);
    import(&store, &long);
    let open = || {
        let t = Instant::now();
        let page = store.call(|db| view::page(db, "bench-c0", Page::Latest, 40)).unwrap();
        assert_eq!(page.messages.len(), 40);
        t.elapsed()
    };
    let first = open();
    let cached = median((0..20).map(|_| open()).collect());
    row(
        "history: open 5,000-message chat (first page, rendered)",
        ms(first),
        "≤ 300 ms",
        first.as_millis() <= 300,
    );
    row(
        "history: open 5,000-message chat (first page, cached)",
        ms(cached),
        "≤ 300 ms",
        cached.as_millis() <= 300,
    );
    drop(store);

    // Size on disk of 10,000 messages (file and WAL, after a checkpoint).
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).store;
    let ten = archive((0..100).map(|i| conversation(&mut rng, i, 100)).collect());
    let source_bytes: usize = ten
        .conversations
        .iter()
        .flat_map(|c| &c.messages)
        .map(|m| m.content.len())
        .sum();
    import(&store, &ten);
    // Render every answer once, as opening each chat would, so the HTML cache is counted.
    store
        .call(|db| {
            for i in 0..100 {
                view::page(db, &format!("bench-c{i}"), Page::Latest, 500)?;
            }
            db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })
        .unwrap();
    let size: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    row(
        "history: size on disk of 10,000 messages",
        format!(
            "{:.1} MB ({:.1} MB of text)",
            size as f64 / 1e6,
            source_bytes as f64 / 1e6
        ),
        "(reported)",
        true,
    );
    drop(store);

    // Search 100,000 messages.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).store;
    for batch in 0..10 {
        let part = archive((0..100).map(|i| conversation(&mut rng, batch * 100 + i, 100)).collect());
        import(&store, &part);
    }
    let queries = [
        "kiwi",
        "database query",
        "数据",
        "\"return value\"",
        "rend",
        "orbit OR lattice",
        "async -rust",
    ];
    for q in queries {
        let times: Vec<Duration> = (0..7)
            .map(|_| {
                let t = Instant::now();
                let hits = store.call(move |db| search::search(db, q, 50)).unwrap();
                assert!(!hits.is_empty(), "{q}");
                t.elapsed()
            })
            .collect();
        let m = median(times);
        row(
            &format!("history: search 100,000 messages for {q}"),
            ms(m),
            "≤ 50 ms",
            m.as_millis() <= 50,
        );
    }

    drop(store);

    archive_both_ways();
}

/// The export file of `conversations` chats whose questions carry `files` text attachments of
/// 256 KB in all, ten a question: written as it is made (the file, not memory, holds it).
fn write_attachments_archive(path: &Path, conversations: usize, files: usize) {
    const FILE_BYTES: usize = 256 * 1024;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(
        out,
        r#"{{"format":"{}","version":{},"exportedAt":0,"conversations":["#,
        archive::FORMAT,
        archive::VERSION
    )
    .unwrap();
    let per_chat = files.div_ceil(conversations);
    let mut made = 0;
    let mut body = vec![0u8; FILE_BYTES];
    for c in 0..conversations {
        if c > 0 {
            out.write_all(b",").unwrap();
        }
        write!(
            out,
            r#"{{"id":"files-c{c}","title":"Files {c}","createdAt":1,"updatedAt":2,"messages":["#
        )
        .unwrap();
        let mut m = 0;
        while made < files.min((c + 1) * per_chat) {
            if m > 0 {
                out.write_all(b",").unwrap();
            }
            write!(
                out,
                r#"{{"id":"files-c{c}-m{m}","role":"user","content":"files {m}","status":"done","createdAt":{m},"attachments":["#
            )
            .unwrap();
            for f in 0..10.min(files - made) {
                for chunk in body.chunks_mut(8) {
                    let r = rng.next().to_le_bytes();
                    for (b, r) in chunk.iter_mut().zip(r) {
                        *b = b'a' + r % 26;
                    }
                }
                if f > 0 {
                    out.write_all(b",").unwrap();
                }
                write!(
                    out,
                    r#"{{"name":"notes-{made}.txt","mediaType":"text/plain","data":"{}"}}"#,
                    base64::engine::general_purpose::STANDARD.encode(&body)
                )
                .unwrap();
                made += 1;
            }
            out.write_all(b"]}").unwrap();
            m += 1;
        }
        out.write_all(b"]}").unwrap();
    }
    out.write_all(b"]}").unwrap();
    out.flush().unwrap();
}

/// A figure of `/proc/self/status`, in bytes.
fn proc_status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Runs `f` and returns what it took in time and in peak resident memory over the memory
/// resident before it (the peak is reset first: `clear_refs` 5).
fn peak_over_idle<T>(f: impl FnOnce() -> T) -> (T, Duration, u64) {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let idle = proc_status_bytes("VmRSS:");
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    (out, took, proc_status_bytes("VmHWM:").saturating_sub(idle))
}

/// Import, then export, of an archive of 2 GB of attachments (`GLAMA_BENCH_ARCHIVE_MB` sets
/// another size): each streams, so its memory stays that of a message, whatever the size.
/// Everything is made in the target folder's tmp/ and deleted after.
fn archive_both_ways() {
    let mb: usize = std::env::var("GLAMA_BENCH_ARCHIVE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    let files = mb * 4; // 256 KB each
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let source = dir.path().join("source.json");
    write_attachments_archive(&source, 10, files);
    let file_mb = std::fs::metadata(&source).unwrap().len() as f64 / 1e6;

    let store = Store::open(&dir.path().join("profile")).store;
    let (report, took, peak) = peak_over_idle(|| {
        let source = source.clone();
        store.call(move |db| archive::import_json_from(db, &source)).unwrap()
    });
    assert_eq!(report.imported, 10);
    std::fs::remove_file(&source).unwrap();
    let budget = 200 * 1024 * 1024;
    row(
        &format!("history: import {mb} MB of attachments ({file_mb:.0} MB file), peak RSS over idle"),
        format!("{:.1} MB ({:.1} s)", peak as f64 / 1e6, took.as_secs_f64()),
        "≤ 200 MB",
        peak <= budget,
    );

    let exported = dir.path().join("export.json");
    let ((), took, peak) = peak_over_idle(|| {
        let exported = exported.clone();
        store
            .call(move |db| archive::export_json_to(db, None, &exported))
            .unwrap()
    });
    let out_mb = std::fs::metadata(&exported).unwrap().len() as f64 / 1e6;
    assert!(out_mb >= mb as f64 * 1.3, "the export holds every file: {out_mb:.0} MB");
    row(
        &format!("history: export {mb} MB of attachments ({out_mb:.0} MB file), peak RSS over idle"),
        format!("{:.1} MB ({:.1} s)", peak as f64 / 1e6, took.as_secs_f64()),
        "≤ 200 MB",
        peak <= budget,
    );
}
