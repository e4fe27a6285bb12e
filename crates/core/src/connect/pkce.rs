//! PKCE (RFC 7636) with the S256 method, the one the gateway names in its requests.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// Bytes of OS randomness behind a verifier: RFC 7636 §4.1 recommends 32, which encodes to
/// 43 characters. Glama's own sample uses 256 bytes (342 characters), over the RFC's 128.
const VERIFIER_BYTES: usize = 32;

/// A verifier and the challenge derived from it.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; VERIFIER_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_verifier(verifier: impl Into<String>) -> Self {
        let verifier = verifier.into();
        let challenge = challenge_s256(&verifier);
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

/// `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`, RFC 7636 §4.2.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random token of `bytes` bytes, base64url without padding (flow state, loopback paths).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(pkce.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    fn is_unreserved(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
    }

    #[test]
    fn generated_verifiers_are_rfc_shaped_and_distinct() {
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let pkce = Pkce::generate();
            let v = pkce.verifier.expose();
            assert!((43..=128).contains(&v.len()), "length {}", v.len());
            assert!(v.chars().all(is_unreserved), "alphabet: {v}");
            assert_eq!(pkce.challenge, challenge_s256(v));
            assert_eq!(pkce.challenge.len(), 43);
            assert!(seen.insert(v.to_string()), "duplicate verifier");
        }
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token(16);
        let b = random_token(16);
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
    }
}
