//! Tokens and cost of one answer: what the gateway reports and what the history keeps.

use serde::Serialize;

/// Tokens and cost of one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// Of the completion tokens, those spent reasoning (when the stream reports them).
    pub reasoning_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    /// `glama` when read from the completion-requests endpoint, `stream` from the usage chunk.
    pub source: UsageSource,
}

impl Usage {
    /// Two requests' usage as one (an answer and its continuation): counts and costs add up;
    /// a count or cost one of them lacks stays unknown. Counts come from the gateway, so they
    /// saturate rather than overflow.
    pub fn plus(&self, later: &Usage) -> Usage {
        fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            Some(a?.saturating_add(b?))
        }
        Usage {
            prompt_tokens: add(self.prompt_tokens, later.prompt_tokens),
            completion_tokens: add(self.completion_tokens, later.completion_tokens),
            reasoning_tokens: match (self.reasoning_tokens, later.reasoning_tokens) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            },
            cost_usd: self.cost_usd.zip(later.cost_usd).map(|(a, b)| a + b),
            source: later.source,
        }
    }
}

/// A count as SQLite keeps it (a signed 64-bit integer): one past `i64::MAX`, which only a
/// hostile gateway would report, is kept as `i64::MAX` rather than wrapping to a negative.
pub fn stored_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UsageSource {
    Glama,
    Stream,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_adds_up() {
        let a = Usage {
            prompt_tokens: Some(10),
            completion_tokens: Some(5),
            reasoning_tokens: None,
            cost_usd: Some(0.25),
            source: UsageSource::Glama,
        };
        let b = Usage {
            prompt_tokens: Some(20),
            completion_tokens: Some(7),
            reasoning_tokens: Some(3),
            cost_usd: None,
            source: UsageSource::Stream,
        };
        let sum = a.plus(&b);
        assert_eq!(sum.prompt_tokens, Some(30));
        assert_eq!(sum.completion_tokens, Some(12));
        assert_eq!(sum.reasoning_tokens, Some(3));
        assert_eq!(sum.cost_usd, None, "an unknown cost is not a zero cost");
        assert_eq!(a.plus(&a).cost_usd, Some(0.5));
    }

    /// Before, counts a gateway reported near `u64::MAX` overflowed (a panic in a debug build,
    /// a wrap in a release one) and were kept as negative numbers.
    #[test]
    fn counts_saturate_and_are_stored_unwrapped() {
        let huge = Usage {
            prompt_tokens: Some(u64::MAX - 1),
            completion_tokens: Some(u64::MAX),
            reasoning_tokens: Some(u64::MAX),
            cost_usd: None,
            source: UsageSource::Stream,
        };
        let sum = huge.plus(&huge);
        assert_eq!(sum.prompt_tokens, Some(u64::MAX));
        assert_eq!(sum.completion_tokens, Some(u64::MAX));
        assert_eq!(sum.reasoning_tokens, Some(u64::MAX));
        assert_eq!(stored_count(u64::MAX), i64::MAX);
        assert_eq!(stored_count(1 << 63), i64::MAX);
        assert_eq!(stored_count(42), 42);
    }

    /// Before, `u64::MAX` tokens were kept as -1 and read back as 0.
    #[test]
    fn a_huge_count_is_kept_as_the_largest_not_as_nothing() {
        use crate::store::answers::set_usage;
        use crate::store::answers::tests::{answered, plain};
        use crate::store::paging::{page, Page};
        use crate::store::rows::MessageStatus;
        use crate::store::{conversations, Store};
        let store = Store::in_memory();
        let read = store
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let a = answered(db, &c, "m", "q", &plain("a", MessageStatus::Done));
                let huge = Usage {
                    prompt_tokens: Some(u64::MAX),
                    completion_tokens: Some(u64::MAX),
                    reasoning_tokens: Some(u64::MAX),
                    cost_usd: None,
                    source: UsageSource::Stream,
                };
                set_usage(db, &a, &huge)?;
                Ok(page(db, &c, Page::Latest, 10)?.rows.pop().unwrap().usage.unwrap())
            })
            .unwrap();
        let largest = Some(i64::MAX as u64);
        assert_eq!(read.prompt_tokens, largest);
        assert_eq!(read.completion_tokens, largest);
        assert_eq!(read.reasoning_tokens, largest);
    }
}
