//! Full-text search over every message, with FTS5.
//!
//! What a person types is never handed to FTS5's query syntax as it is (an unquoted `-`, `.`
//! or `'` is a syntax error there). It is read as words and "quoted phrases", with `OR` between
//! alternatives and a leading `-` to leave a word out; every word is quoted (`"` doubled) and
//! bound as a parameter. The last character of a word may be the start of a longer one
//! (`data` finds `database`).
//!
//! Scripts written without spaces (Chinese, Japanese, Thai) and Korean are indexed one
//! character per token, by [`search_text`], which runs on the text before the tokenizer sees
//! it, at indexing and at query time alike. A word in those scripts becomes a phrase of its
//! characters, so 数据 finds 我们把数据存在本地 (two characters, which a trigram index cannot
//! find), and one character finds every text holding it. Emoji and other symbols, which the
//! tokenizer would drop, become tokens of their own, so 🦀 finds 🦀.
//!
//! Snippets are plain text cut around the first hit, in parts marked hit or not; no markup
//! comes out of here, so model output never reaches the page as HTML through search.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection};
use serde::Serialize;

use super::Result;

/// One message found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub conversation_id: String,
    pub conversation_title: String,
    pub message_id: String,
    pub snippet: Vec<SnippetPart>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// Registers `search_text()`, which the index's triggers call.
pub fn register_functions(db: &Connection) -> rusqlite::Result<()> {
    db.create_scalar_function(
        "search_text",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(search_text(&ctx.get::<String>(0)?)),
    )
}

/// Characters of scripts written without spaces between words, indexed one by one.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF            // Thai, Lao
        | 0x1100..=0x11FF          // Hangul Jamo
        | 0x2E80..=0x2FDF          // CJK radicals
        | 0x3040..=0x30FF          // Hiragana, Katakana
        | 0x3100..=0x312F          // Bopomofo
        | 0x3130..=0x318F          // Hangul compatibility Jamo
        | 0x31F0..=0x31FF          // Katakana extensions
        | 0x3400..=0x4DBF          // CJK extension A
        | 0x4E00..=0x9FFF          // CJK unified ideographs
        | 0xAC00..=0xD7AF          // Hangul syllables
        | 0xF900..=0xFAFF          // CJK compatibility ideographs
        | 0xFF66..=0xFF9F          // half-width Katakana
        | 0x20000..=0x3134F        // CJK extensions B–G
    )
}

/// Emoji and pictographic symbols, which the tokenizer would otherwise drop as separators.
fn is_symbol(c: char) -> bool {
    matches!(c as u32,
        0x2190..=0x21FF | 0x2300..=0x23FF | 0x2460..=0x24FF | 0x25A0..=0x27BF | 0x2900..=0x297F
        | 0x2B00..=0x2BFF | 0x1F000..=0x1FAFF
    )
}

/// The text the index sees: unspaced scripts one character per token, symbols as tokens.
pub fn search_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_unspaced(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else if is_symbol(c) {
            // A token the tokenizer keeps, which no ordinary word spells.
            out.push_str(&format!(" zzsym{:x} ", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One part of what was typed.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Phrase(String),
    Not(String),
    Or,
}

fn terms(query: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut negate_next = false;
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let term = if c == '"' {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&c| c != '"').collect();
            Term::Phrase(phrase)
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            match word.as_str() {
                "OR" => Term::Or,
                // Words are joined by AND anyway.
                "AND" => continue,
                "NOT" => {
                    negate_next = true;
                    continue;
                }
                _ => match word.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() && !rest.starts_with('-') => Term::Not(rest.to_string()),
                    _ => Term::Word(word),
                },
            }
        };
        out.push(match term {
            Term::Word(w) | Term::Phrase(w) if negate_next => Term::Not(w),
            other => other,
        });
        negate_next = false;
    }
    out
}

/// `text` as an FTS5 string (a phrase of its tokens), or `None` if it holds no token at all.
fn fts_string(text: &str) -> Option<String> {
    let prepared = search_text(text);
    prepared
        .chars()
        .any(char::is_alphanumeric)
        .then(|| format!("\"{}\"", prepared.trim().replace('"', "\"\"")))
}

/// A word matches as a prefix unless it ends in a character indexed on its own. A prefix needs
/// two letters: one letter is the start of a large part of every language's words, a search
/// that costs the most and finds nothing in particular (the first keystroke of a query); such
/// a word is left out. A character of an unspaced script or a symbol is a word of its own,
/// matched exactly, and stays.
fn fts_word(word: &str) -> Option<String> {
    let quoted = fts_string(word)?;
    let last = word.chars().rev().find(|c| c.is_alphanumeric() || is_symbol(*c))?;
    if is_unspaced(last) || is_symbol(last) {
        Some(quoted)
    } else if word.chars().filter(|c| c.is_alphanumeric()).count() < MIN_PREFIX_CHARS {
        None
    } else {
        Some(format!("{quoted}*"))
    }
}

/// The fewest letters a word searched as a prefix has.
const MIN_PREFIX_CHARS: usize = 2;

/// What the person typed, as an FTS5 query, and the words to mark in snippets.
pub fn fts_query(query: &str) -> Option<(String, Vec<String>)> {
    let parsed = terms(query);
    let has_positive = parsed.iter().any(|t| matches!(t, Term::Word(_) | Term::Phrase(_)));
    // Groups joined by AND; the members of a group by OR (`a b OR c` = a AND (b OR c)).
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut nots = Vec::new();
    let mut marks = Vec::new();
    let mut or_next = false;
    for term in parsed {
        let (fts, mark) = match term {
            Term::Or => {
                or_next = !groups.is_empty();
                continue;
            }
            // With nothing else to look for, `-word` is looked for as it is.
            Term::Not(word) if !has_positive => (fts_word(&word), word),
            Term::Not(word) => {
                nots.extend(fts_string(&word));
                continue;
            }
            Term::Word(word) => (fts_word(&word), word),
            Term::Phrase(phrase) => (fts_string(&phrase), phrase),
        };
        let Some(fts) = fts else { continue };
        marks.push(mark);
        match groups.last_mut() {
            Some(group) if or_next => group.push(fts),
            _ => groups.push(vec![fts]),
        }
        or_next = false;
    }
    if groups.is_empty() {
        return None;
    }
    let mut expr = groups
        .iter()
        .map(|g| format!("({})", g.join(" OR ")))
        .collect::<Vec<_>>()
        .join(" AND ");
    for not in nots {
        expr = format!("({expr}) NOT {not}");
    }
    Some((expr, marks))
}

/// The newest search each asker (a window) sent, by number: a search that a newer one from
/// the same asker overtook while it waited is not run.
#[derive(Debug, Default)]
pub struct Latest(Mutex<HashMap<String, u64>>);

impl Latest {
    /// Numbers a new search from `asker`; it is now the latest.
    pub fn begin(&self, asker: &str) -> u64 {
        let mut latest = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = latest.entry(asker.to_string()).or_default();
        *n += 1;
        *n
    }

    pub fn is_latest(&self, asker: &str, n: u64) -> bool {
        let latest = self.0.lock().unwrap_or_else(|p| p.into_inner());
        latest.get(asker) == Some(&n)
    }
}

/// How many of the newest matches are ranked.
const RANKED: i64 = 2000;

/// The best `limit` matches for `query` across every chat, best first. Any text is a valid
/// query; one that holds nothing to look for finds nothing.
pub fn search(db: &Connection, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
    let Some((expr, marks)) = fts_query(query) else {
        return Ok(Vec::new());
    };
    // Ranking costs per match, and a common word matches thousands of messages: only the
    // newest RANKED matches are ranked (the index finds them walking back from the newest),
    // so a search costs the same in any size of history. One MATCH finds and ranks them (rank
    // is computed only for the rows read); they are cut to the best before the joins, the
    // newer first among equals. Chats deleted moments ago and not purged yet take a little of
    // the margin.
    let mut st = db.prepare_cached(
        "WITH newest AS (
           SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?4
         ),
         best AS (
           SELECT rowid, rank FROM newest ORDER BY rank, rowid DESC LIMIT ?3
         )
         SELECT m.conversation_id, c.title, m.id, m.content, m.created_at
         FROM best f
         JOIN messages m ON m.num = f.rowid
         JOIN conversations c ON c.id = m.conversation_id
         WHERE c.deleted_at IS NULL AND m.deleted_at IS NULL
         ORDER BY f.rank, m.created_at DESC
         LIMIT ?2",
    )?;
    let rows = st.query_map(params![expr, limit as i64, limit as i64 + 100, RANKED], |r| {
        let content: String = r.get(3)?;
        Ok(SearchHit {
            conversation_id: r.get(0)?,
            conversation_title: r.get(1)?,
            message_id: r.get(2)?,
            snippet: snippet(&content, &marks),
            created_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Characters of context shown before the first hit, and in all.
const BEFORE: usize = 30;
const LENGTH: usize = 140;

/// A short stretch of `text` around the first of `marks` found, with every mark flagged.
pub fn snippet(text: &str, marks: &[String]) -> Vec<SnippetPart> {
    let chars: Vec<char> = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    let folded: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
    let needles: Vec<Vec<char>> = marks
        .iter()
        .map(|m| m.trim().chars().map(fold).collect::<Vec<_>>())
        .filter(|n| !n.is_empty())
        .collect();
    let find_at = |i: usize| {
        needles
            .iter()
            .filter(|n| folded[i..].starts_with(n))
            .map(Vec::len)
            .max()
    };
    let first = (0..folded.len()).find(|&i| find_at(i).is_some()).unwrap_or(0);
    let start = first.saturating_sub(BEFORE);
    let end = (start + LENGTH).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: String, hit: bool| match parts.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(&text),
        _ => parts.push(SnippetPart { text, hit }),
    };
    if start > 0 {
        push("…".into(), false);
    }
    let mut i = start;
    while i < end {
        match find_at(i) {
            Some(len) => {
                let stop = (i + len).min(end);
                push(chars[i..stop].iter().collect(), true);
                i = stop;
            }
            None => {
                push(chars[i].to_string(), false);
                i += 1;
            }
        }
    }
    if end < chars.len() {
        push("…".into(), false);
    }
    parts
}

/// Case-folds one character to one character (enough to find what was typed).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::answers::tests::{answered, plain};
    use crate::store::answers::{add_answer, add_question, finish_answer, save_partial};
    use crate::store::rows::{self, MessageStatus};
    use crate::store::{conversations, Store};

    /// A store with one chat per entry: the person's question and the model's answer.
    fn store_with(chats: &[(&str, &str, &str)]) -> Store {
        let store = Store::in_memory();
        let chats: Vec<(String, String, String)> = chats
            .iter()
            .map(|(t, q, a)| (t.to_string(), q.to_string(), a.to_string()))
            .collect();
        store
            .call(move |db| {
                for (title, q, a) in chats {
                    let c = conversations::create(db, "m")?.id;
                    conversations::rename(db, &c, &title)?;
                    answered(db, &c, "m", &q, &plain(&a, MessageStatus::Done));
                }
                Ok(())
            })
            .unwrap();
        store
    }

    /// The chats found for `q`, each once, best first (a chat may hold several hits).
    fn titles(store: &Store, q: &str) -> Vec<String> {
        let q = q.to_string();
        let hits = store
            .call(move |db| search(db, &q, 50))
            .unwrap_or_else(|e| panic!("query errored: {e}"));
        let mut out: Vec<String> = Vec::new();
        for h in hits {
            if !out.contains(&h.conversation_title) {
                out.push(h.conversation_title);
            }
        }
        out
    }

    /// Before, every query typed was run in turn, each a keystroke behind the next one.
    #[test]
    fn a_search_overtaken_by_a_newer_one_from_the_same_window_is_not_run() {
        let s = corpus();
        let older = s.search("main".into(), "sort".into());
        let elsewhere = s.search("second".into(), "sort".into());
        let newer = s.search("main".into(), "datab".into());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (older, elsewhere, newer) = runtime.block_on(async { tokio::join!(older, elsewhere, newer) });
        assert_eq!(older.unwrap(), None, "overtaken: not run");
        assert_eq!(
            elsewhere.unwrap().unwrap().len(),
            2,
            "another window's search is its own"
        );
        assert_eq!(newer.unwrap().unwrap()[0].conversation_title, "rust");
    }

    fn corpus() -> Store {
        store_with(&[
            (
                "rust",
                "How do I sort a Vec in Rust?",
                "Use `v.sort()` or `sort_by_key`. The database crate is rusqlite.",
            ),
            (
                "chinese",
                "我们把数据存在本地",
                "好的，数据会保存在本地的 SQLite 文件里。",
            ),
            ("japanese", "東京の天気はどうですか", "東京は晴れです。"),
            ("korean", "데이터를 저장했어요", "네, 저장했습니다."),
            ("emoji", "I love 🦀 and ✓ marks", "🦀 is Ferris."),
            ("sql", "Robert'); DROP TABLE messages;--", "Little Bobby Tables."),
            ("french", "Un café crème, s'il vous plaît", "Voilà."),
            ("parens", "call f(x) and g(y)", "(ok)"),
            ("cake", "chocolate cake recipe", "Mix flour, cocoa and sugar."),
            ("pie", "apple pie recipe", "Apples, butter, flour."),
        ])
    }

    #[test]
    fn words_prefixes_and_ranking() {
        let s = corpus();
        assert_eq!(titles(&s, "sort"), ["rust"]);
        assert_eq!(titles(&s, "SORT vec"), ["rust"]);
        assert_eq!(titles(&s, "datab"), ["rust"], "a prefix finds the word");
        assert!(titles(&s, "s").is_empty(), "one letter is not looked up");
        assert_eq!(titles(&s, "so"), ["rust"], "two are");
        assert_eq!(
            titles(&s, "s sort"),
            ["rust"],
            "a one-letter word is left out of a longer query"
        );
        assert_eq!(titles(&s, "recipe").len(), 2);
        assert!(titles(&s, "nothing-like-this").is_empty());
        assert_eq!(titles(&s, "cafe"), ["french"], "diacritics are folded");
    }

    #[test]
    fn operators_a_person_would_use() {
        let s = corpus();
        assert_eq!(titles(&s, "\"apple pie\""), ["pie"]);
        assert!(titles(&s, "\"pie apple\"").is_empty(), "a phrase keeps its order");
        let mut both = titles(&s, "chocolate OR apple");
        both.sort();
        assert_eq!(both, ["cake", "pie"]);
        assert_eq!(titles(&s, "recipe -apple"), ["cake"]);
        assert_eq!(titles(&s, "recipe AND apple"), ["pie"]);
        assert_eq!(titles(&s, "recipe NOT apple"), ["cake"]);
    }

    #[test]
    fn odd_queries_neither_crash_nor_error() {
        let s = corpus();
        for q in [
            "\"",
            "\"\"",
            "\"unclosed phrase",
            "*",
            "**",
            "-",
            "--",
            "- -",
            "OR",
            "OR OR",
            "AND",
            "NOT",
            "NEAR(a b)",
            "(",
            ")",
            "()",
            "f(x)",
            "a:b",
            "col:sort",
            "^sort",
            "'",
            "';--",
            "Robert'); DROP TABLE messages;--",
            "\u{0}",
            "\\",
            "%",
            "_",
            "sort*",
            "*sort",
            "{sort}",
            "[sort]",
            "sort +",
            "𝔘𝔫𝔦",
            "\u{202e}",
            "\u{200b}",
            "🦀🦀🦀",
            "🏳️‍🌈",
            "ß",
            "İ",
            "",
        ] {
            titles(&s, q);
        }
        assert_eq!(titles(&s, "f(x)"), ["parens"]);
        assert_eq!(titles(&s, "DROP TABLE"), ["sql"]);
        assert_eq!(titles(&s, "Robert'); DROP TABLE messages;--"), ["sql"]);
        assert!(titles(&s, "*").is_empty());
        assert_eq!(
            titles(&s, "-sort"),
            ["rust"],
            "only a leading dash: looked for as the word"
        );
        // The tables are still there.
        assert_eq!(titles(&s, "sort"), ["rust"]);
    }

    #[test]
    fn chinese_japanese_korean_inside_sentences() {
        let s = corpus();
        assert_eq!(titles(&s, "数据"), ["chinese"], "two characters inside a sentence");
        assert_eq!(titles(&s, "数据存在本地"), ["chinese"]);
        assert_eq!(titles(&s, "本"), ["chinese"], "one character");
        assert_eq!(titles(&s, "東京"), ["japanese"]);
        assert_eq!(titles(&s, "天気"), ["japanese"]);
        assert_eq!(
            titles(&s, "데이터"),
            ["korean"],
            "a Korean word with a particle attached"
        );
        assert!(titles(&s, "据数").is_empty(), "characters in order");
        assert_eq!(titles(&s, "SQLite 数据"), ["chinese"], "mixed scripts");
    }

    #[test]
    fn emoji_and_symbols() {
        let s = corpus();
        assert_eq!(titles(&s, "🦀"), ["emoji"]);
        assert_eq!(titles(&s, "✓"), ["emoji"]);
    }

    #[test]
    fn snippets_are_text_with_marks() {
        let s = store_with(&[(
            "t",
            "question",
            &format!(
                "{} the <b>needle</b> is here {}",
                "hay ".repeat(40),
                "straw ".repeat(40)
            ),
        )]);
        let hit = s.call(|db| Ok(search(db, "NEEDLE", 10)?.remove(0))).unwrap();
        let marked: Vec<_> = hit.snippet.iter().filter(|p| p.hit).map(|p| p.text.as_str()).collect();
        assert_eq!(marked, ["needle"]);
        let whole: String = hit.snippet.iter().map(|p| p.text.as_str()).collect();
        assert!(whole.starts_with('…') && whole.ends_with('…'), "{whole}");
        assert!(
            whole.contains("<b>needle</b>"),
            "text as it is: the window sets it as text"
        );
        assert!(whole.chars().count() <= LENGTH + 2);
        assert_eq!(
            snippet("我们把数据存在本地", &["数据".into()])[1],
            SnippetPart {
                text: "数据".into(),
                hit: true
            }
        );
    }

    #[test]
    fn streaming_answers_are_indexed_once_they_end_and_deleted_chats_are_not_found() {
        let s = Store::in_memory();
        s.call(|db| {
            let c = conversations::create(db, "m")?.id;
            add_question(db, &c, 1, "q")?;
            let answer = add_answer(db, &c, 2, "m")?;
            save_partial(db, &answer, "partial zebra", "")?;
            assert!(search(db, "zebra", 10)?.is_empty());
            finish_answer(db, &answer, &plain("zebra done", MessageStatus::Stopped))?;
            assert_eq!(search(db, "zebra", 10)?.len(), 1);
            conversations::delete(db, &c)?;
            assert!(search(db, "zebra", 10)?.is_empty());
            conversations::undo_delete(db, &c)?;
            assert_eq!(search(db, "zebra", 10)?.len(), 1);
            // Regenerate deletes the answer, and the index follows.
            rows::delete_after(db, &c, 1)?;
            assert!(search(db, "zebra", 10)?.is_empty());
            Ok(())
        })
        .unwrap();
    }
}
