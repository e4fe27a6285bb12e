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
    /// a count or cost one of them lacks stays unknown.
    pub fn plus(&self, later: &Usage) -> Usage {
        fn add<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
            Some(a? + b?)
        }
        Usage {
            prompt_tokens: add(self.prompt_tokens, later.prompt_tokens),
            completion_tokens: add(self.completion_tokens, later.completion_tokens),
            reasoning_tokens: match (self.reasoning_tokens, later.reasoning_tokens) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            },
            cost_usd: add(self.cost_usd, later.cost_usd),
            source: later.source,
        }
    }
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
}
