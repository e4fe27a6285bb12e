//! Where the gateway is, read once at start.

use url::Url;

/// Glama's production gateway.
pub const DEFAULT_GATEWAY: &str = "https://glama.ai";

/// The environment variable that points the app at another gateway (tests, the offline demo).
pub const GATEWAY_ENV: &str = "GLAMA_GATEWAY_URL";

/// The gateway base URL from `GLAMA_GATEWAY_URL`, or Glama's own.
pub fn gateway_base_from_env() -> Result<Url, url::ParseError> {
    let raw = std::env::var(GATEWAY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_GATEWAY.to_string());
    Url::parse(raw.trim())
}
