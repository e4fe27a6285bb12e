//! Callback URLs: building the one we hand to Glama, and reading the one that comes back.
//!
//! The flow's `state` sits in the callback URL's *path* (`…/callback/{state}`), because Glama
//! appends `code=` to the query and may not keep a query of ours.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::secret::Secret;

/// The path segment before the state in every callback URL.
const CALLBACK_SEGMENT: &str = "callback";

/// How Glama's redirect reaches the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CallbackTarget {
    /// A private-use URL scheme (RFC 8252 §7.1), e.g. `ai.glama.chat:/callback/{state}`.
    Scheme { scheme: String },
    /// A loopback listener (RFC 8252 §7.3): `http://127.0.0.1:{port}/callback/{state}`, never `localhost`.
    Loopback { port: u16 },
}

/// What a well-formed callback carries.
#[derive(Debug, PartialEq, Eq)]
pub struct CallbackParams {
    pub state: String,
    pub result: CallbackResult,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CallbackResult {
    Code(Secret),
    /// Glama (or the person) said no: `error=access_denied` and the like.
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// Why a URL is not a callback of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("it is not a URL")]
    NotAUrl,
    #[error("it is not addressed to this app (scheme, host or port differ)")]
    WrongTarget,
    #[error("it has no sign-in state in its path")]
    MissingState,
    #[error("it carries neither a code nor an error")]
    MissingCode,
}

impl CallbackTarget {
    /// The callback URL for a flow whose state is `state`.
    pub fn url(&self, state: &str) -> Url {
        let raw = match self {
            CallbackTarget::Scheme { scheme } => format!("{scheme}:/{CALLBACK_SEGMENT}/{state}"),
            CallbackTarget::Loopback { port } => {
                format!("http://127.0.0.1:{port}/{CALLBACK_SEGMENT}/{state}")
            }
        };
        Url::parse(&raw).expect("scheme and base64url state always make a valid URL")
    }

    /// Reads a callback addressed to this target.
    pub fn parse(&self, raw: &str) -> Result<CallbackParams, CallbackError> {
        let url = Url::parse(raw.trim()).map_err(|_| CallbackError::NotAUrl)?;
        let segments: Vec<&str> = match self {
            CallbackTarget::Scheme { scheme } => {
                if !url.scheme().eq_ignore_ascii_case(scheme) {
                    return Err(CallbackError::WrongTarget);
                }
                // `scheme:/callback/S` is what we send; `scheme://callback/S` is what a gateway that
                // normalises URLs might send back. Both name the same place.
                match url.host_str() {
                    None | Some("") => url.path_segments().map(|s| s.collect()).unwrap_or_default(),
                    Some(CALLBACK_SEGMENT) => std::iter::once(CALLBACK_SEGMENT)
                        .chain(url.path_segments().into_iter().flatten())
                        .collect(),
                    Some(_) => return Err(CallbackError::WrongTarget),
                }
            }
            CallbackTarget::Loopback { port } => {
                let loopback =
                    url.scheme() == "http" && url.host_str() == Some("127.0.0.1") && url.port() == Some(*port);
                if !loopback {
                    return Err(CallbackError::WrongTarget);
                }
                url.path_segments().map(|s| s.collect()).unwrap_or_default()
            }
        };
        let state = match segments.as_slice() {
            [CALLBACK_SEGMENT, state] | [CALLBACK_SEGMENT, state, ""] if !state.is_empty() => (*state).to_string(),
            _ => return Err(CallbackError::MissingState),
        };
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        };
        let result = if let Some(error) = param("error") {
            CallbackResult::Denied {
                error,
                description: param("error_description"),
            }
        } else if let Some(code) = param("code") {
            CallbackResult::Code(Secret::new(code))
        } else {
            return Err(CallbackError::MissingCode);
        };
        Ok(CallbackParams { state, result })
    }
}

/// The `code` query parameter of any URL, whoever it was meant for (to spot replays early).
pub(crate) fn any_code(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    let code = url.query_pairs().find(|(k, _)| k == "code")?.1.into_owned();
    (!code.is_empty()).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> CallbackTarget {
        CallbackTarget::Scheme {
            scheme: "ai.glama.chat".into(),
        }
    }

    #[test]
    fn builds_reverse_domain_and_loopback_urls() {
        assert_eq!(scheme().url("S1").as_str(), "ai.glama.chat:/callback/S1");
        assert_eq!(
            CallbackTarget::Loopback { port: 40123 }.url("S2").as_str(),
            "http://127.0.0.1:40123/callback/S2"
        );
    }

    #[test]
    fn reads_code_and_state() {
        let p = scheme().parse("ai.glama.chat:/callback/S1?code=abc").unwrap();
        assert_eq!(p.state, "S1");
        assert_eq!(p.result, CallbackResult::Code(Secret::new("abc")));
    }

    #[test]
    fn accepts_host_form_and_extra_parameters() {
        let p = scheme()
            .parse("ai.glama.chat://callback/S1?foo=1&code=a%2Bb&bar=2")
            .unwrap();
        assert_eq!(p.state, "S1");
        assert_eq!(p.result, CallbackResult::Code(Secret::new("a+b")));
    }

    #[test]
    fn reads_denial() {
        let p = scheme()
            .parse("ai.glama.chat:/callback/S1?error=access_denied&error_description=User+said+no")
            .unwrap();
        assert_eq!(
            p.result,
            CallbackResult::Denied {
                error: "access_denied".into(),
                description: Some("User said no".into())
            }
        );
    }

    #[test]
    fn error_wins_over_code() {
        let p = scheme()
            .parse("ai.glama.chat:/callback/S1?code=abc&error=server_error")
            .unwrap();
        assert!(matches!(p.result, CallbackResult::Denied { .. }));
    }

    #[test]
    fn rejects_what_is_not_ours() {
        let t = scheme();
        assert_eq!(
            t.parse("ai.glama.chat:/callback/S1").unwrap_err(),
            CallbackError::MissingCode
        );
        assert_eq!(
            t.parse("ai.glama.chat:/callback/S1?code=").unwrap_err(),
            CallbackError::MissingCode
        );
        assert_eq!(
            t.parse("ai.glama.chat:/callback?code=x").unwrap_err(),
            CallbackError::MissingState
        );
        assert_eq!(
            t.parse("ai.glama.chat:/callback/?code=x").unwrap_err(),
            CallbackError::MissingState
        );
        assert_eq!(
            t.parse("ai.glama.chat:/other/S1?code=x").unwrap_err(),
            CallbackError::MissingState
        );
        assert_eq!(
            t.parse("ai.glama.chat:/callback/S1/extra?code=x").unwrap_err(),
            CallbackError::MissingState
        );
        assert_eq!(
            t.parse("evil.app:/callback/S1?code=x").unwrap_err(),
            CallbackError::WrongTarget
        );
        assert_eq!(
            t.parse("ai.glama.chat://evil/callback/S1?code=x").unwrap_err(),
            CallbackError::WrongTarget
        );
        assert_eq!(
            t.parse("https://glama.ai/callback/S1?code=x").unwrap_err(),
            CallbackError::WrongTarget
        );
        assert_eq!(t.parse("not a url at all").unwrap_err(), CallbackError::NotAUrl);
        assert_eq!(t.parse("").unwrap_err(), CallbackError::NotAUrl);
        assert_eq!(t.parse("\u{0}\u{1}%%%").unwrap_err(), CallbackError::NotAUrl);
    }

    #[test]
    fn loopback_must_be_our_port_on_127_0_0_1() {
        let t = CallbackTarget::Loopback { port: 5000 };
        assert!(t.parse("http://127.0.0.1:5000/callback/S?code=x").is_ok());
        for bad in [
            "http://localhost:5000/callback/S?code=x",
            "http://127.0.0.1:5001/callback/S?code=x",
            "https://127.0.0.1:5000/callback/S?code=x",
            "http://127.0.0.2:5000/callback/S?code=x",
            "ai.glama.chat:/callback/S?code=x",
        ] {
            assert_eq!(t.parse(bad).unwrap_err(), CallbackError::WrongTarget, "{bad}");
        }
    }

    #[test]
    fn any_code_reads_foreign_urls() {
        assert_eq!(any_code("x:/y?code=abc").as_deref(), Some("abc"));
        assert_eq!(any_code("x:/y?code="), None);
        assert_eq!(any_code("garbage"), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn targets() -> [CallbackTarget; 2] {
            [scheme(), CallbackTarget::Loopback { port: 5000 }]
        }

        /// Text shaped like a callback, with the parts that matter varied.
        fn callbackish() -> impl Strategy<Value = String> {
            let scheme = prop_oneof![
                Just("ai.glama.chat:/"),
                Just("AI.GLAMA.CHAT://"),
                Just("ai.glama.chat:"),
                Just("http://127.0.0.1:5000/"),
                Just("http://[::1]:5000/"),
                Just("evil:/"),
                Just(""),
            ];
            let path = prop_oneof![
                Just("callback/".to_string()),
                Just("callback".to_string()),
                Just(String::new()),
                "[a-z/%.]{0,8}",
            ];
            let state = "[A-Za-z0-9_\\-%é🦀/]{0,12}";
            let query = proptest::collection::vec(
                (
                    prop_oneof![
                        Just("code".to_string()),
                        Just("error".to_string()),
                        Just("error_description".to_string()),
                        "[a-z%]{0,4}",
                    ],
                    "\\PC{0,10}",
                ),
                0..4,
            )
            .prop_map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            });
            (scheme, path, state, query).prop_map(|(s, p, st, q)| format!("{s}{p}{st}?{q}"))
        }

        fn check(raw: &str) -> Result<(), TestCaseError> {
            for target in targets() {
                match target.parse(raw) {
                    Ok(p) => {
                        prop_assert!(!p.state.is_empty());
                        match p.result {
                            CallbackResult::Code(c) => prop_assert!(!c.expose().is_empty()),
                            CallbackResult::Denied { error, .. } => prop_assert!(!error.is_empty()),
                        }
                    }
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                }
            }
            let _ = any_code(raw);
            Ok(())
        }

        proptest! {
            #[test]
            fn any_string(raw in "\\PC*") {
                check(&raw)?;
            }

            #[test]
            fn any_bytes_as_lossy_text(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
                check(&String::from_utf8_lossy(&bytes))?;
            }

            #[test]
            fn callback_shaped(raw in callbackish()) {
                check(&raw)?;
            }

            /// Every URL we build reads back to its own state.
            #[test]
            fn built_urls_round_trip(state in "[A-Za-z0-9_-]{1,43}", code in "[A-Za-z0-9_-]{1,40}") {
                for target in targets() {
                    let raw = format!("{}?code={code}", target.url(&state));
                    let p = target.parse(&raw).unwrap();
                    prop_assert_eq!(p.state, state.clone());
                    prop_assert_eq!(p.result, CallbackResult::Code(Secret::new(code.clone())));
                }
            }
        }
    }
}
