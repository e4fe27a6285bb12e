//! What the tests read and do on the chat page: the connection, the composer, the messages,
//! the banner (the stack of toasts).

use serde_json::{json, Value};

use crate::App;

impl App {
    /// `data-state` of the connection status.
    pub async fn connection_state(&self) -> String {
        self.js(
            "return document.querySelector('[data-testid=connection-status]').dataset.state",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    pub async fn wait_connection(&self, state: &str) -> String {
        let v = self
            .wait_js(
                &format!("connection state {state}"),
                &format!("const s = document.querySelector('[data-testid=connection-status]'); return s.dataset.state === '{state}' && s.textContent"),
            )
            .await;
        v.as_str().unwrap_or("").to_string()
    }

    /// Clicks Connect and waits for Connected (the fake browser completes the sign-in).
    pub async fn connect(&self) -> String {
        self.click("connect-button").await;
        self.wait_connection("connected").await
    }

    /// Waits until the model picker lists models (its options are in the page, open or not).
    pub async fn wait_models(&self) {
        self.wait_js(
            "models to load",
            "return document.querySelectorAll('[data-testid=model-option]').length > 0",
        )
        .await;
    }

    /// Picks `model` in the model picker, as a click on its entry does.
    pub async fn pick_model(&self, model: &str) {
        self.js(
            "document.querySelector(`[data-testid=model-option][data-value=\"${arguments[0]}\"]`).click()",
            vec![json!(model)],
        )
        .await;
        self.wait_js(
            &format!("{model} picked"),
            &format!(
                "return document.querySelector('[data-testid=model-select]').dataset.value === {}",
                json!(model)
            ),
        )
        .await;
    }

    /// Dismisses every toast.
    pub async fn dismiss_notices(&self) {
        self.js(
            "document.querySelectorAll('[data-testid=toast-dismiss]').forEach(b => b.click())",
            vec![],
        )
        .await;
    }

    /// Types `text` into the composer and presses Enter.
    pub async fn send(&self, text: &str) {
        let input = self.by_testid("composer-input").await;
        input.click().await.unwrap();
        input.send_keys(text).await.unwrap();
        input.send_keys("\u{E007}").await.unwrap(); // Enter
    }

    /// Every message: `{role, status, text, id}`.
    pub async fn messages(&self) -> Vec<Value> {
        let v = self
            .js(
                "return [...document.querySelectorAll('[data-testid=message]')].map(m => ({role: m.dataset.role, status: m.dataset.status || null, id: m.dataset.messageId || null, text: (m.querySelector('.content') || m.querySelector('.body')).innerText, html: (m.querySelector('.content') || m.querySelector('.body')).innerHTML}))",
                vec![],
            )
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Waits until the last message is an assistant answer with `status`, and returns it.
    pub async fn wait_last_answer(&self, status: &str) -> Value {
        self.wait_js(
            &format!("last answer {status}"),
            &format!("const m = [...document.querySelectorAll('[data-testid=message]')].pop(); return !!m && m.dataset.role === 'assistant' && m.dataset.status === '{status}'"),
        )
        .await;
        self.messages().await.pop().unwrap()
    }

    /// What the toasts say (`None` when none is shown).
    pub async fn banner_text(&self) -> Option<String> {
        let v = self
            .js(
                "const b = document.querySelector('[data-testid=error-banner]'); return b.hidden ? null : b.innerText",
                vec![],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    pub async fn wait_banner(&self, contains: &str) -> String {
        let v = self
            .wait_js(
                &format!("banner saying {contains:?}"),
                &format!("const b = document.querySelector('[data-testid=error-banner]'); return !b.hidden && b.innerText.includes({}) && b.innerText", json!(contains)),
            )
            .await;
        v.as_str().unwrap_or("").to_string()
    }
}
