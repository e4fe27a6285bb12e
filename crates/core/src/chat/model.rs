//! The model a turn talks to: Glama through the gateway, or (in tests) a fake in this process.

use std::future::Future;

use super::prompt::Request;
use super::ChatError;
use crate::gateway::{ChatEvents, Gateway, GatewayError, StreamItem};
use crate::secret::ApiKey;
use crate::usage::Usage;

/// A model that answers a request as a stream.
pub trait Model: Send + Sync {
    type Items: Items;

    /// Sends `request`. Failures before the first byte come back here, later ones through the
    /// items.
    fn complete(&self, request: &Request)
        -> impl Future<Output = Result<Completion<Self::Items>, GatewayError>> + Send;

    /// The usage and cost of a completion once the provider has settled them (`None`: not yet).
    fn usage(&self, request_id: &str) -> impl Future<Output = Result<Option<Usage>, GatewayError>> + Send;
}

/// A completion that has started: its request id (for usage) and its items.
pub struct Completion<I> {
    pub request_id: Option<String>,
    pub items: I,
}

/// A completion's items in order; `None` once it ended whole.
pub trait Items: Send {
    fn next(&mut self) -> impl Future<Output = Option<Result<StreamItem, GatewayError>>> + Send;
}

/// Glama's gateway, with the key the person connected.
pub struct Glama {
    pub gateway: Gateway,
    pub key: ApiKey,
}

impl Glama {
    /// Glama with the person's key; none until they connect.
    pub fn connected(gateway: Gateway, key: Option<ApiKey>) -> Result<Glama, ChatError> {
        let key = key.ok_or(ChatError::NotConnected)?;
        Ok(Glama { gateway, key })
    }
}

impl Model for Glama {
    type Items = ChatEvents;

    async fn complete(&self, request: &Request) -> Result<Completion<ChatEvents>, GatewayError> {
        let stream = self
            .gateway
            .chat_stream(
                &self.key,
                &request.model,
                &request.messages,
                &request.tools,
                &request.parameters.sampling(),
            )
            .await?;
        Ok(Completion {
            request_id: stream.request_id,
            items: stream.events,
        })
    }

    async fn usage(&self, request_id: &str) -> Result<Option<Usage>, GatewayError> {
        self.gateway.completion_usage(&self.key, request_id).await
    }
}

impl Items for ChatEvents {
    async fn next(&mut self) -> Option<Result<StreamItem, GatewayError>> {
        ChatEvents::next(self).await
    }
}
