//! Where the gateway is, read once at start.

use url::Url;

/// Glama's production gateway.
pub const DEFAULT_GATEWAY: &str = "https://glama.ai";

/// The environment variable that points the app at another gateway (tests, the offline demo).
pub const GATEWAY_ENV: &str = "GLAMA_GATEWAY_URL";

/// Why `GLAMA_GATEWAY_URL` cannot be used. The app refuses to start with it rather than fall
/// back to glama.ai: whoever set it meant another gateway, and a key must not go elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{GATEWAY_ENV} is set to {value:?}, which {reason}. Set it to an http(s) address such as {DEFAULT_GATEWAY}, or unset it.")]
pub struct GatewayUrlError {
    /// What the variable says (cut to a readable length).
    value: String,
    reason: &'static str,
}

/// The gateway base URL from `GLAMA_GATEWAY_URL`, or Glama's own.
pub fn gateway_base_from_env() -> Result<Url, GatewayUrlError> {
    match std::env::var_os(GATEWAY_ENV) {
        None => parse_gateway_base(DEFAULT_GATEWAY),
        Some(raw) => match raw.into_string() {
            Ok(text) if text.trim().is_empty() => parse_gateway_base(DEFAULT_GATEWAY),
            Ok(text) => parse_gateway_base(&text),
            Err(raw) => Err(GatewayUrlError {
                value: raw.to_string_lossy().chars().take(120).collect(),
                reason: "is not text (it is not valid Unicode)",
            }),
        },
    }
}

/// A gateway base must be an `http(s)` URL with a host, and nothing the endpoints cannot be
/// appended to (no query, no fragment, no credentials).
pub fn parse_gateway_base(raw: &str) -> Result<Url, GatewayUrlError> {
    let refuse = |reason| GatewayUrlError {
        value: raw.chars().take(120).collect(),
        reason,
    };
    let url = Url::parse(raw.trim()).map_err(|_| refuse("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("is not an http or https URL"));
    }
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("has a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("carries a user name or password"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_http_gateways() {
        for ok in [
            "https://glama.ai",
            "http://127.0.0.1:8080",
            "https://gw.example/base/",
            " https://x.y ",
        ] {
            assert!(parse_gateway_base(ok).is_ok(), "{ok}");
        }
    }

    /// `mailto:x` and `data:,x` were accepted before and panicked later (a URL that cannot be
    /// a base has no path segments to push the usage id onto).
    #[test]
    fn refuses_what_would_break_later_naming_the_variable() {
        for bad in [
            "mailto:x",
            "data:,x",
            "glama.ai",
            "file:///tmp",
            "http://",
            "https://glama.ai/?q=1",
            "https://glama.ai/#f",
            "https://u:p@glama.ai",
            "ai.glama.chat:/callback",
        ] {
            let err = parse_gateway_base(bad).unwrap_err().to_string();
            assert!(err.starts_with("GLAMA_GATEWAY_URL is set to"), "{bad}: {err}");
        }
    }

    proptest! {
        /// Whatever the variable says, a gateway built from an accepted base can build every
        /// endpoint URL without a panic.
        #[test]
        fn any_value_is_accepted_or_refused_never_a_panic(raw in "\\PC{0,60}") {
            if let Ok(base) = parse_gateway_base(&raw) {
                let gateway = crate::gateway::Gateway::new(base, "0", crate::gateway::Timeouts::default());
                let cb = Url::parse("ai.glama.chat:/callback/S").unwrap();
                let _ = gateway.authorize_url(&cb, "C");
                let _ = gateway.usage_url("cr_1/../x?y");
            }
        }

        #[test]
        fn urlish_values(host in "[a-z0-9.:@/?#%-]{0,20}", scheme in "(https?|mailto|data|ftp|x)") {
            let raw = format!("{scheme}:{host}");
            if let Ok(base) = parse_gateway_base(&raw) {
                let gateway = crate::gateway::Gateway::new(base, "0", crate::gateway::Timeouts::default());
                let _ = gateway.usage_url("id");
            }
        }
    }
}
