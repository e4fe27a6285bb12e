//! The context window's token estimate (`chat::context::text_tokens`) against OpenAI's
//! tokenizers (cl100k_base, o200k_base, as tiktoken-rs counts them) on the shapes questions and
//! answers hold: prose, code, a lock file's hashes, a table of numbers, minified JSON, and five
//! languages. One `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` row per shape. The
//! budget is against cl100k: at most 15 % under (a request believed to fit that does not is
//! refused by the gateway) and 30 % over (the person is told a little early).
//! o200k is shown beside it: it packs CJK and Cyrillic tighter, so the estimate is over there.

use glama_core::chat::context::text_tokens;

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).expect(p);
    let zh = "我们把数据存在本地，所以即使没有网络也可以搜索所有的对话。模型的上下文窗口有限，长对话需要只发送最新的几轮，或者让模型先写一个摘要，然后在新的对话中继续。".repeat(20);
    let ja = "このアプリは会話をすべてローカルに保存します。長い会話はモデルのコンテキストウィンドウを超えることがあるので、最新のやり取りだけを送るか、要約から新しいチャットを始めることができます。".repeat(20);
    let ru = "Приложение хранит все разговоры локально. Длинный разговор может превысить окно контекста модели, поэтому можно отправлять только последние реплики или начать новый чат с краткого изложения.".repeat(20);
    let de = "Die Anwendung speichert alle Unterhaltungen lokal. Ein langes Gespräch kann das Kontextfenster des Modells überschreiten; dann werden nur die neuesten Beiträge gesendet.".repeat(20);
    let table: String = (0..200)
        .map(|i| format!("| row {i} | {} | {:.2} | ok |\n", i * 37, i as f64 / 7.0))
        .collect();
    let minified: String = read("src-tauri/capabilities/default.json")
        .split_whitespace()
        .collect::<String>()
        .repeat(20);
    let shapes = [
        ("English prose and markdown (README.md)", read("README.md")),
        (
            "Rust (crates/core/src/chat/turn.rs)",
            read("crates/core/src/chat/turn.rs"),
        ),
        ("JavaScript (ui/app.js)", read("ui/app.js")),
        ("CSS (ui/style.css)", read("ui/style.css")),
        ("a lock file's hashes (Cargo.lock)", read("Cargo.lock")),
        ("a markdown table of numbers", table),
        ("minified JSON", minified),
        ("Chinese", zh),
        ("Japanese", ja),
        ("Russian", ru),
        ("German", de),
    ];
    let cl100k = tiktoken_rs::cl100k_base().expect("cl100k_base");
    let o200k = tiktoken_rs::o200k_base().expect("o200k_base");
    for (shape, text) in shapes {
        let estimate = text_tokens(&text) as f64;
        let cl = cl100k.encode_ordinary(&text).len() as f64;
        let o2 = o200k.encode_ordinary(&text).len() as f64;
        let off = (estimate - cl) / cl * 100.0;
        let pass = (-15.0..=30.0).contains(&off);
        println!(
            "BENCH\ttoken estimate, {shape}\t{estimate} vs cl100k {cl} ({off:+.0} %), o200k {o2} ({:+.0} %)\t−15 % to +30 % of cl100k\t{}",
            (estimate - o2) / o2 * 100.0,
            if pass { "pass" } else { "miss" }
        );
    }
}
