//! The loopback callback (RFC 8252 §7.3): `http://127.0.0.1:{ephemeral}/callback/{state}`,
//! listening only while a flow is pending, answering the browser with a small page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::OriginalUri;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tokio::sync::oneshot;

/// What the listener does with a callback URL: `Ok` → "Connected", `Err(words)` → the error page.
pub type CallbackHandler =
    Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A running listener; dropping it closes the port.
pub struct LoopbackListener {
    port: u16,
    _shutdown: oneshot::Sender<()>,
}

impl LoopbackListener {
    /// Binds `127.0.0.1:0` (never `localhost`, which may resolve elsewhere) and serves until dropped.
    pub async fn bind(handler: CallbackHandler) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let (tx, rx) = oneshot::channel::<()>();
        let app = Router::new().fallback(move |OriginalUri(uri): OriginalUri| {
            let handler = handler.clone();
            async move {
                if !uri.path().starts_with("/callback/") {
                    return (StatusCode::NOT_FOUND, page("Not found", "Nothing here.")).into_response();
                }
                let url = format!("http://127.0.0.1:{port}{uri}");
                match handler(url).await {
                    Ok(()) => (
                        StatusCode::OK,
                        page("Connected", "Glama Chat is connected — you can close this tab."),
                    )
                        .into_response(),
                    Err(words) => (StatusCode::BAD_REQUEST, page("Not connected", &words)).into_response(),
                }
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self { port, _shutdown: tx })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

/// A page with no script and no remote load, whatever the words say.
fn page(title: &str, words: &str) -> impl IntoResponse {
    let esc = crate::render::escape_html;
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Glama Chat — {t}</title>\
         <style>body{{font:16px system-ui,sans-serif;margin:4em auto;max-width:32em;text-align:center}}</style>\
         </head><body><h1>{t}</h1><p>{w}</p></body></html>",
        t = esc(title),
        w = esc(words)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
}
