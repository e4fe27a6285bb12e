//! Whether a request fits the model's context window, estimated before it leaves: a request
//! that would not fit is never sent without the person being told (or having chosen, for the
//! chat, to send only its newest turns that fit).

use crate::gateway::types::{ChatMessage, Content, Part};
use crate::store::answers::Said;
use crate::store::rows::Author;

/// What a request is checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fit {
    /// The model list says the model takes images.
    pub sees_images: bool,
    /// The model's window in tokens, when the model list says.
    pub window: Option<u64>,
    /// Tokens the request spends besides its messages (the tools offered).
    pub reserved: u64,
}

/// A request that would not fit the model's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The request's estimated size, in tokens (of the last turn alone, when `last_turn_alone`).
    pub needed: u64,
    pub window: u64,
    /// Even the newest turn alone (with the system prompt) would not fit.
    pub last_turn_alone: bool,
}

/// How the gateway's count of a chat's requests compares with the estimate: the newest
/// answer `model` wrote that the gateway counted, its request's `prompt_tokens` against the
/// estimate of what that request held (what came before the answer, and its tool rounds). A
/// provider's tokenizer may count more than the estimate (other scripts, other vocabularies):
/// the next request is then scaled up as much. Never down (a request that sent only the newest
/// turns was counted less than everything before it), and at most [`Scale::MAX`] (a count is
/// trusted, not without bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    counted: u64,
    estimated: u64,
}

impl Scale {
    const MAX: u64 = 3;
    const NONE: Scale = Scale {
        counted: 1,
        estimated: 1,
    };

    /// From `said` (oldest first) with each message's estimated `sizes` and the request's
    /// `fixed` part (system prompt, tools).
    pub fn from_counted(said: &[Said], sizes: &[u64], fixed: u64, model: &str) -> Scale {
        let Some((k, counted)) = said.iter().enumerate().rev().find_map(|(k, s)| {
            s.counted
                .as_ref()
                .filter(|c| c.model == model && s.author == Author::Assistant)
                .map(|c| (k, c.prompt_tokens))
        }) else {
            return Scale::NONE;
        };
        // The answer's own text came after its last request; its tool rounds were in it.
        let rounds = sizes[k].saturating_sub(text_tokens(&said[k].text));
        let estimated = sizes[..k]
            .iter()
            .fold(fixed.saturating_add(rounds), |sum, &n| sum.saturating_add(n))
            .max(1);
        Scale {
            counted: counted.clamp(estimated, estimated.saturating_mul(Self::MAX)),
            estimated,
        }
    }

    pub fn apply(self, tokens: u64) -> u64 {
        let scaled = u128::from(tokens) * u128::from(self.counted) / u128::from(self.estimated);
        u64::try_from(scaled).unwrap_or(u64::MAX)
    }
}

/// Tokens per image: what OpenAI's models count for a 512-pixel tile and its base, rounded
/// up; others count fewer.
pub(crate) const IMAGE_TOKENS: u64 = 800;
/// What a message costs besides its content (role, separators), as OpenAI's tokenizers count.
const MESSAGE_TOKENS: u64 = 4;

/// A text's tokens, estimated the way BPE tokenizers tend to split. By characters (about four
/// of ASCII to a token, a token per CJK character, two per token for other scripts), but never
/// fewer than its runs say: numbers, tables and hashes split into far more tokens than their
/// characters suggest (a markdown table of numbers is twice its characters / 4 in cl100k and
/// o200k). Measured against both on prose, code, tables, lock files, JSON and five languages:
/// BENCHMARKS.md, "Token estimate".
pub fn text_tokens(text: &str) -> u64 {
    by_characters(text).max(by_runs(text) * 85 / 100)
}

fn by_characters(text: &str) -> u64 {
    let (mut ascii, mut wide, mut other) = (0u64, 0u64, 0u64);
    for c in text.chars() {
        if c.is_ascii() {
            ascii += 1;
        } else if is_wide(c) {
            wide += 1;
        } else {
            other += 1;
        }
    }
    ascii.div_ceil(4) + wide + other.div_ceil(2)
}

/// What a run of one kind of character costs, as BPE tokenizers pre-split text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Letters,
    Digits,
    Punctuation,
    Spaces,
    Newlines,
    /// CJK, and anything else that is neither a letter nor ASCII.
    Single,
}

impl Run {
    fn of(c: char) -> Run {
        match c {
            c if c.is_ascii_digit() => Run::Digits,
            '\n' | '\r' => Run::Newlines,
            ' ' | '\t' => Run::Spaces,
            c if c.is_ascii_alphabetic() => Run::Letters,
            c if c.is_ascii() => Run::Punctuation,
            c if is_wide(c) => Run::Single,
            c if c.is_alphabetic() => Run::Letters,
            _ => Run::Single,
        }
    }

    fn tokens(self, n: u64) -> u64 {
        match self {
            // A word is a token, long ones a few.
            Run::Letters => n.div_ceil(6),
            // Numbers split into groups of up to three digits.
            Run::Digits => n.div_ceil(3),
            Run::Punctuation => n.div_ceil(2),
            // A lone space goes with the word after it; indentation is a token.
            Run::Spaces => u64::from(n > 1),
            Run::Newlines => 1,
            Run::Single => n,
        }
    }
}

/// Tokens by runs of letters, digits, punctuation and space.
fn by_runs(text: &str) -> u64 {
    let mut total = 0u64;
    let mut current: Option<(Run, u64)> = None;
    for c in text.chars() {
        let kind = Run::of(c);
        current = match current {
            Some((k, n)) if k == kind => Some((k, n + 1)),
            Some((k, n)) => {
                // A lone space joins the word after it, but not a number.
                if k == Run::Spaces && n == 1 && kind == Run::Digits {
                    total += 1;
                }
                total += k.tokens(n);
                Some((kind, 1))
            }
            None => Some((kind, 1)),
        };
    }
    total + current.map_or(0, |(k, n)| k.tokens(n))
}

/// Han, kana, hangul and the CJK punctuation and full-width forms.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// One message's tokens, estimated.
pub fn message_tokens(m: &ChatMessage) -> u64 {
    let content = match &m.content {
        Content::Text(t) => text_tokens(t),
        Content::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text { text } => text_tokens(text),
                Part::ImageUrl { .. } => IMAGE_TOKENS,
            })
            .sum(),
    };
    let calls: u64 = m
        .tool_calls
        .iter()
        .map(|c| text_tokens(&c.name) + text_tokens(&c.arguments) + MESSAGE_TOKENS)
        .sum();
    MESSAGE_TOKENS + content + calls
}

/// A request's messages' tokens, estimated.
pub fn tokens(messages: &[ChatMessage]) -> u64 {
    messages.iter().map(message_tokens).sum()
}

/// The tools offered, as the model is sent them (their JSON schemas).
pub fn tools_tokens(tools: &[serde_json::Value]) -> u64 {
    tools.iter().map(|t| text_tokens(&t.to_string())).sum()
}

/// Where the newest turns that fit begin: the earliest of `starts` (indexes into `sizes`,
/// oldest first, each where a turn begins) from which `fixed` plus the sizes from there on
/// fit in `window`. `None` when not even the last turn fits.
pub fn newest_that_fit(sizes: &[u64], starts: &[usize], fixed: u64, window: u64) -> Option<usize> {
    let mut from_here = vec![0u64; sizes.len() + 1];
    for i in (0..sizes.len()).rev() {
        from_here[i] = from_here[i + 1].saturating_add(sizes[i]);
    }
    starts
        .iter()
        .copied()
        .find(|&s| fixed.saturating_add(from_here[s]) <= window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::types::{ImageUrl, Role};

    #[test]
    fn text_is_counted_by_script() {
        assert_eq!(text_tokens(""), 0);
        assert_eq!(text_tokens("abcd"), 1);
        assert_eq!(text_tokens("abcde"), 2);
        assert_eq!(text_tokens("你好世界"), 4);
        assert_eq!(text_tokens("こんにちは"), 5);
        assert_eq!(text_tokens("привет"), 3);
        // cl100k_base and o200k_base: 10; by characters alone, 4.
        assert_eq!(text_tokens("2026-12-05 10:42"), 8);
    }

    /// A markdown table of numbers: cl100k_base and o200k_base both count 3,172 tokens for
    /// these 200 rows (tiktoken-rs 0.7); by characters alone it would be 1,547.
    #[test]
    fn numbers_in_a_table_count_as_tokenizers_split_them() {
        let table: String = (0..200)
            .map(|i| format!("| row {i} | {} | {:.2} | ok |\n", i * 37, i as f64 / 7.0))
            .collect();
        let estimate = text_tokens(&table) as f64;
        assert!((estimate / 3172.0 - 1.0).abs() <= 0.15, "{estimate}");
    }

    #[test]
    fn images_and_calls_count() {
        let image = ChatMessage::new(
            Role::User,
            Content::Parts(vec![
                Part::Text { text: "look".into() },
                Part::ImageUrl {
                    image_url: ImageUrl {
                        url: format!("data:image/png;base64,{}", "A".repeat(100_000)),
                    },
                },
            ]),
        );
        // The image's bytes are not its cost: a picture is a few hundred tokens.
        assert_eq!(message_tokens(&image), MESSAGE_TOKENS + 1 + IMAGE_TOKENS);
    }

    #[test]
    fn the_scale_follows_the_newest_count_of_the_same_model_within_bounds() {
        use crate::store::answers::Counted;
        let said = |author, text: &str, counted: Option<(&str, u64)>| Said {
            counted: counted.map(|(model, prompt_tokens)| Counted {
                model: model.into(),
                prompt_tokens,
            }),
            ..Said::text(author, text)
        };
        // The answer's text is 2 tokens: its request held the question (10) and the fixed 10.
        let chat = |counted| {
            vec![
                said(Author::User, "q", None),
                said(Author::Assistant, "abcdefgh", counted),
                said(Author::User, "q2", None),
            ]
        };
        let sizes = [10, 2, 10];
        let scale = |counted| Scale::from_counted(&chat(counted), &sizes, 10, "m");
        assert_eq!(scale(None).apply(100), 100, "nothing counted");
        assert_eq!(scale(Some(("m", 30))).apply(100), 150, "counted 30 of an estimated 20");
        assert_eq!(scale(Some(("other", 30))).apply(100), 100, "another model's tokenizer");
        assert_eq!(scale(Some(("m", 5))).apply(100), 100, "never scaled down");
        assert_eq!(scale(Some(("m", 1_000_000))).apply(100), 300, "at most three times");
        assert_eq!(scale(Some(("m", 40))).apply(u64::MAX), u64::MAX);
    }

    #[test]
    fn the_newest_turns_that_fit_are_whole_turns() {
        // Three turns: [q a] [q a] [q].
        let sizes = [10, 50, 10, 50, 10];
        let starts = [0, 2, 4];
        assert_eq!(newest_that_fit(&sizes, &starts, 5, 1000), Some(0));
        assert_eq!(newest_that_fit(&sizes, &starts, 5, 80), Some(2));
        assert_eq!(newest_that_fit(&sizes, &starts, 5, 20), Some(4));
        assert_eq!(newest_that_fit(&sizes, &starts, 5, 14), None);
        assert_eq!(newest_that_fit(&[], &[], 5, 14), None);
    }
}
