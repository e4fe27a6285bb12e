//! A chat that outgrew its model's window, continued in a new chat from a summary the model
//! writes of it: the new chat keeps the old one's settings, carries the summary in its system
//! prompt (where the person can read and change it) and the question that did not fit in its
//! composer.

use super::model::{Completion, Items, Model};
use super::{begin, ChatError, Chats};
use crate::gateway::StreamItem;
use crate::store::conversations::{self, Conversation};
use crate::store::StoreError;

/// Room left in the model's window for the summary: a quarter of it, at most this.
const SUMMARY_TOKENS: u64 = 2_000;
/// The longest summary kept (a model that runs on is cut here).
const MAX_SUMMARY_BYTES: usize = 32 * 1024;

impl Chats {
    /// Asks `model_id` for a summary of chat `conversation_id` (its newest turns that fit) and
    /// starts a new chat from it, with `draft` waiting in its composer.
    pub async fn continue_in_new_chat(
        &self,
        model: &impl Model,
        conversation_id: &str,
        model_id: &str,
        draft: String,
    ) -> Result<Conversation, ChatError> {
        if model_id.is_empty() {
            return Err(ChatError::NoModel);
        }
        let mut fit = self.fit(model_id, &[]);
        fit.window = fit.window.map(|w| w - (w / 4).min(SUMMARY_TOKENS));
        let (c, m) = (conversation_id.to_string(), model_id.to_string());
        let request = self
            .store
            .run(move |db| begin::summary_request(db, &c, &m, &fit))
            .await?
            .ok_or(StoreError::Invalid(
                "Nothing in this chat fits the model's window to summarize; choose a model with a larger window.",
            ))?;
        let Completion { mut items, .. } = model.complete(&request).await?;
        let mut summary = String::new();
        while let Some(item) = items.next().await {
            match item? {
                StreamItem::Text(t) => summary.push_str(&t),
                StreamItem::Refusal(_) => {
                    return Err(StoreError::Invalid("The model declined to summarize this chat.").into())
                }
                _ => {}
            }
            if summary.len() > MAX_SUMMARY_BYTES {
                let mut end = MAX_SUMMARY_BYTES;
                while !summary.is_char_boundary(end) {
                    end -= 1;
                }
                summary.truncate(end);
                break;
            }
        }
        let summary = summary.trim().to_string();
        if summary.is_empty() {
            return Err(StoreError::Invalid("The model wrote no summary. Try again, or choose another model.").into());
        }
        let from = conversation_id.to_string();
        Ok(self
            .store
            .run(move |db| conversations::continue_from_summary(db, &from, &summary, &draft))
            .await?)
    }
}
