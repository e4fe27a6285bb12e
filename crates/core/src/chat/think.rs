//! Reasoning written inline: some models (DeepSeek R1, Qwen3, QwQ behind some providers)
//! open their content with a `<think>…</think>` block instead of sending a reasoning field.
//! [`ThinkSplitter`] takes the content as it streams, in pieces cut anywhere (the tags too),
//! and hands back what is reasoning and what is the answer.
//!
//! Only a block at the very start counts (after whitespace): a `<think>` later in an answer is
//! the answer's own text (code about such tags, say). Content that does not start with the tag
//! passes through at once, held back only while it could still be the tag's beginning.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";
/// Whitespace before `<think>` waited for; past it the content is simply the answer.
const MAX_LEADING_WHITESPACE: usize = 256;

/// A piece of content, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Reasoning(String),
    Text(String),
}

#[derive(Debug, Default)]
enum State {
    /// Not yet known whether the content opens with `<think>`: the content so far.
    #[default]
    Deciding,
    /// Inside the block; the held text could be the start of `</think>`.
    Thinking,
    /// Just after `</think>`: the blank lines that separate it from the answer are dropped.
    AfterThinking,
    /// The answer.
    Answer,
}

/// Sorts streamed content into reasoning and answer text.
#[derive(Debug, Default)]
pub struct ThinkSplitter {
    state: State,
    held: String,
}

impl ThinkSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next piece of content; returns what can be told apart so far, in order.
    pub fn push(&mut self, piece: &str) -> Vec<Part> {
        let mut out = Vec::new();
        self.feed(piece, &mut out);
        out
    }

    fn feed(&mut self, piece: &str, out: &mut Vec<Part>) {
        match self.state {
            State::Answer => emit(out, Part::Text(piece.to_string())),
            State::AfterThinking => {
                let rest = piece.trim_start();
                if !rest.is_empty() {
                    self.state = State::Answer;
                    emit(out, Part::Text(rest.to_string()));
                }
            }
            State::Deciding => {
                self.held.push_str(piece);
                let body = self.held.trim_start();
                if let Some(rest) = body.strip_prefix(OPEN) {
                    let rest = rest.to_string();
                    self.held.clear();
                    self.state = State::Thinking;
                    self.feed(&rest, out);
                    return;
                }
                let undecided = if body.is_empty() {
                    self.held.len() <= MAX_LEADING_WHITESPACE
                } else {
                    OPEN.starts_with(body)
                };
                if !undecided {
                    self.state = State::Answer;
                    emit(out, Part::Text(std::mem::take(&mut self.held)));
                }
            }
            State::Thinking => {
                self.held.push_str(piece);
                if let Some(at) = self.held.find(CLOSE) {
                    let rest = self.held[at + CLOSE.len()..].to_string();
                    self.held.truncate(at);
                    emit(out, Part::Reasoning(std::mem::take(&mut self.held)));
                    self.state = State::AfterThinking;
                    self.feed(&rest, out);
                    return;
                }
                // Keep back only a tail that could begin `</think>` (ASCII: a char boundary).
                let keep = (1..CLOSE.len())
                    .rev()
                    .find(|&n| self.held.ends_with(&CLOSE[..n]))
                    .unwrap_or(0);
                let tail = self.held.split_off(self.held.len() - keep);
                emit(out, Part::Reasoning(std::mem::replace(&mut self.held, tail)));
            }
        }
    }

    /// The content ended: what was held back is what it looked like. An unclosed block is all
    /// reasoning (the answer was cut while the model thought); a bare `<thi` is text.
    pub fn finish(&mut self) -> Vec<Part> {
        let held = std::mem::take(&mut self.held);
        let mut out = Vec::new();
        match self.state {
            State::Deciding => emit(&mut out, Part::Text(held)),
            State::Thinking => emit(&mut out, Part::Reasoning(held)),
            State::AfterThinking | State::Answer => {}
        }
        self.state = State::Answer;
        out
    }
}

/// Adds a part, merging it into the last one of its kind and dropping empty ones.
fn emit(out: &mut Vec<Part>, part: Part) {
    match (out.last_mut(), part) {
        (_, Part::Reasoning(s) | Part::Text(s)) if s.is_empty() => {}
        (Some(Part::Reasoning(a)), Part::Reasoning(b)) | (Some(Part::Text(a)), Part::Text(b)) => a.push_str(&b),
        (_, part) => out.push(part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pieces` and joins what came out: (reasoning, text).
    fn split(pieces: &[&str]) -> (String, String) {
        let mut s = ThinkSplitter::new();
        let mut parts: Vec<Part> = pieces.iter().flat_map(|p| s.push(p)).collect();
        parts.extend(s.finish());
        let (mut reasoning, mut text) = (String::new(), String::new());
        for p in parts {
            match p {
                Part::Reasoning(r) => reasoning.push_str(&r),
                Part::Text(t) => text.push_str(&t),
            }
        }
        (reasoning, text)
    }

    #[test]
    fn a_leading_block_is_reasoning_wherever_it_is_cut() {
        let whole = "<think>Let me see: 2+2 — 你好 🦀 </thi nk>.</think>\n\nIt is **4**. </think> stays.";
        let expected = (
            "Let me see: 2+2 — 你好 🦀 </thi nk>.".to_string(),
            "It is **4**. </think> stays.".to_string(),
        );
        assert_eq!(split(&[whole]), expected);
        let cuts: Vec<usize> = (0..=whole.len()).filter(|&i| whole.is_char_boundary(i)).collect();
        for &a in &cuts {
            assert_eq!(split(&[&whole[..a], &whole[a..]]), expected, "cut at {a}");
            for &b in cuts.iter().filter(|&&b| b >= a) {
                assert_eq!(
                    split(&[&whole[..a], &whole[a..b], &whole[b..]]),
                    expected,
                    "cuts {a} {b}"
                );
            }
        }
        let chars: Vec<String> = whole.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(split(&refs), expected, "one character at a time");
    }

    #[test]
    fn whitespace_before_the_tag_is_tolerated() {
        assert_eq!(
            split(&["\n", "  <thi", "nk>hm</think>", "ok"]),
            ("hm".to_string(), "ok".to_string())
        );
    }

    #[test]
    fn content_without_the_tag_passes_at_once() {
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push("Hello"), vec![Part::Text("Hello".into())]);
        assert_eq!(
            s.push(" <think>x</think>"),
            vec![Part::Text(" <think>x</think>".into())]
        );
        // Held only while it could still be the tag.
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push("<thi"), vec![]);
        assert_eq!(s.push("s is html"), vec![Part::Text("<this is html".into())]);
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push("<"), vec![]);
        assert_eq!(s.finish(), vec![Part::Text("<".into())]);
    }

    #[test]
    fn reasoning_streams_as_it_comes_and_an_unclosed_block_is_all_reasoning() {
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push("<think>step one"), vec![Part::Reasoning("step one".into())]);
        assert_eq!(s.push(" and two</th"), vec![Part::Reasoning(" and two".into())]);
        assert_eq!(s.push("inking"), vec![Part::Reasoning("</thinking".into())]);
        assert_eq!(s.finish(), vec![]);
        assert_eq!(
            split(&["<think>cut while thinking </thi"]).0,
            "cut while thinking </thi"
        );
    }

    #[test]
    fn endless_whitespace_is_not_held_forever() {
        let spaces = " ".repeat(MAX_LEADING_WHITESPACE + 1);
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push(&spaces), vec![Part::Text(spaces.clone())]);
    }

    #[test]
    fn an_empty_block_and_an_empty_answer() {
        assert_eq!(split(&["<think></think>", "\n\n"]), (String::new(), String::new()));
        assert_eq!(
            split(&["<think>\n</think>\n\nHi"]),
            ("\n".to_string(), "Hi".to_string())
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// However the content is cut, it is sorted as if it came whole, and nothing is
            /// lost but the tags and the blank lines after the block.
            #[test]
            fn any_cuts_sort_like_the_whole(
                whole in "[ \n]{0,2}(<think>)?[<>/thinkéü🦀 a\n]{0,40}(</think>)?[<>/thinké a\n]{0,20}",
                cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            ) {
                let mut at: Vec<usize> = cuts.iter().map(|i| i.index(whole.len() + 1)).collect();
                at.retain(|&i| whole.is_char_boundary(i));
                at.sort_unstable();
                let mut pieces = Vec::new();
                let mut last = 0;
                for c in at {
                    pieces.push(&whole[last..c]);
                    last = c;
                }
                pieces.push(&whole[last..]);
                let (reasoning, text) = split(&pieces);
                prop_assert_eq!((reasoning.clone(), text.clone()), split(&[&whole]));
                prop_assert!(reasoning.len() + text.len() <= whole.len());
            }
        }
    }
}
