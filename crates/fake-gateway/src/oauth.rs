//! `/oauth/authorize` and `/api/gateway/v1/auth/exchange-code`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::state::{token, ExchangeScenario, State};

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

pub(crate) fn redirect(status: u16, location: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
    (status, [(header::LOCATION, location.to_string())]).into_response()
}

/// Auto-approves: redirects to `callback_url` with `code=` appended (`?` or `&` as needed).
pub async fn authorize(AxState(state): AxState<Arc<State>>, Query(q): Query<HashMap<String, String>>) -> Response {
    state.lock().stats.authorize_requests += 1;
    let Some(callback) = q.get("callback_url").filter(|c| !c.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "callback_url is required");
    };
    let Some(challenge) = q.get("code_challenge").filter(|c| !c.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "code_challenge is required");
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return error(StatusCode::BAD_REQUEST, "code_challenge_method must be S256");
    }
    if url::Url::parse(callback).is_err() {
        return error(StatusCode::BAD_REQUEST, "callback_url is not a URL");
    }
    let code = state.lock().issue_code(challenge);
    let sep = if callback.contains('?') { '&' } else { '?' };
    let location = format!("{callback}{sep}code={code}");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Checks S256(code_verifier) against the challenge the code was issued for; codes are
/// single-use and expire.
pub async fn exchange_code(AxState(state): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    let scenario = {
        let mut s = state.lock();
        s.stats.exchange_requests += 1;
        s.stats.last_exchange_content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        s.exchange_script.pop_front()
    };
    match scenario {
        Some(ExchangeScenario::ServerError) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
        Some(ExchangeScenario::NotJson) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html>Welcome!</html>",
            )
                .into_response();
        }
        Some(ExchangeScenario::NoKey) => return (StatusCode::OK, Json(json!({"ok": true}))).into_response(),
        Some(ExchangeScenario::Slow(d)) => tokio::time::sleep(d).await,
        Some(ExchangeScenario::Redirect { status, location }) => return redirect(status, &location),
        None => {}
    }
    // Glama's own sample sends no Content-Type, so the body is read as JSON whatever it says.
    let Ok(req) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body must be JSON");
    };
    let field = |name: &str| req.get(name).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (code, verifier, method) = (field("code"), field("code_verifier"), field("code_challenge_method"));
    if method != "S256" {
        return error(StatusCode::BAD_REQUEST, "code_challenge_method must be S256");
    }
    let mut s = state.lock();
    let lifetime = s.code_lifetime;
    let Some(entry) = s.codes.get_mut(&code) else {
        return error(StatusCode::FORBIDDEN, "Invalid authorization code");
    };
    if entry.used {
        return error(StatusCode::FORBIDDEN, "Authorization code already used");
    }
    entry.used = true;
    if entry.issued.elapsed() > lifetime {
        return error(StatusCode::FORBIDDEN, "Authorization code expired");
    }
    let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if expected != entry.challenge {
        return error(StatusCode::FORBIDDEN, "Invalid code verifier");
    }
    let key = format!("glama_fake_{}", token(18));
    s.keys.insert(key.clone());
    (StatusCode::OK, Json(json!({"apiKey": key}))).into_response()
}
