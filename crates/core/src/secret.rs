//! Values that must never be printed: their `Debug` and `Display` say `<redacted>`.

use std::fmt;

/// A secret string (PKCE verifier, flow state, authorization code, API key).
///
/// Reading it takes an explicit [`Secret::expose`], so a stray `{:?}` in a log line cannot leak it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it leaves for its one legitimate destination.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares in constant time, so a forged callback cannot learn the state byte by byte.
    pub fn matches(&self, other: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.len() && bool::from(self.0.as_bytes().ct_eq(other.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A Glama API key. Only Rust holds it; the UI sees [`ApiKey::masked`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ApiKey(Secret);

impl ApiKey {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Secret::new(value))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The last four characters behind an ellipsis (`…a1b2`): enough to tell keys apart.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.expose().chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2-verifier");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{s}"), "<redacted>");
        let k = ApiKey::new("glama_sk_0123456789a1b2");
        assert!(!format!("{k:?}").contains("0123"));
        assert_eq!(format!("{k}"), "…a1b2");
    }

    #[test]
    fn masked_short_keys() {
        assert_eq!(ApiKey::new("ab").masked(), "…ab");
        assert_eq!(ApiKey::new("").masked(), "…");
    }

    #[test]
    fn matches_is_exact() {
        let s = Secret::new("abc");
        assert!(s.matches("abc"));
        assert!(!s.matches("abd"));
        assert!(!s.matches("ab"));
        assert!(!s.matches("abcd"));
    }
}
