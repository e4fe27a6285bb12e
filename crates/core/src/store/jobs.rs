//! The jobs the app gives the store, as typed async methods: callers say what they want done,
//! never how, and never hold a connection.

use std::future::Future;
use std::path::PathBuf;

use super::archive::{self, ImportReport};
use super::assistants::{self, Assistant, Start};
use super::attachments::{self, AttachmentView};
use super::conversations::{self, Conversation};
use super::search::{self, SearchHit};
use super::versions;
use super::{Result, Store};
use crate::attach::Prepared;

/// The most search results shown.
const SEARCH_RESULTS: usize = 50;

impl Store {
    /// Every chat, newest activity first.
    pub async fn conversations(&self) -> Result<Vec<Conversation>> {
        self.run(|db| conversations::list(db)).await
    }

    /// Every chat, and the one open last (what the window shows first).
    pub async fn conversations_and_active(&self) -> Result<(Vec<Conversation>, Option<String>)> {
        self.run(|db| Ok((conversations::list(db)?, conversations::active(db)?)))
            .await
    }

    /// A chat as `start` says, with `default_model` unless an assistant names another: a new
    /// one, or `reuse` when that chat is still empty. It becomes the one reopened at start.
    pub async fn start_chat(&self, start: Start, reuse: Option<String>, default_model: String) -> Result<Conversation> {
        self.run(move |db| assistants::start_chat(db, &start, reuse.as_deref(), &default_model))
            .await
    }

    /// The assistants, by name.
    pub async fn assistants(&self) -> Result<Vec<Assistant>> {
        self.run(|db| assistants::list(db)).await
    }

    /// Saves a chat's settings as a new assistant.
    pub async fn save_assistant(&self, conversation_id: String, name: String) -> Result<Assistant> {
        self.run(move |db| assistants::save_from_chat(db, &conversation_id, &name))
            .await
    }

    /// Saves a chat's settings into an assistant.
    pub async fn update_assistant(&self, id: String, conversation_id: String) -> Result<Assistant> {
        self.run(move |db| assistants::update_from_chat(db, &id, &conversation_id))
            .await
    }

    pub async fn rename_assistant(&self, id: String, name: String) -> Result<Assistant> {
        self.run(move |db| assistants::rename(db, &id, &name)).await
    }

    pub async fn delete_assistant(&self, id: String) -> Result<()> {
        self.run(move |db| assistants::delete(db, &id)).await
    }

    pub async fn set_default_assistant(&self, id: Option<String>) -> Result<()> {
        self.run(move |db| assistants::set_default(db, id.as_deref())).await
    }

    /// Opens a chat: it becomes the one reopened at start.
    pub async fn open_conversation(&self, id: String) -> Result<Conversation> {
        self.run(move |db| {
            conversations::set_active(db, &id)?;
            conversations::get(db, &id)
        })
        .await
    }

    pub async fn rename_conversation(&self, id: String, title: String) -> Result<Conversation> {
        self.run(move |db| conversations::rename(db, &id, &title)).await
    }

    /// Deletes a chat so that [`undo_delete_conversation`](Self::undo_delete_conversation)
    /// can bring it back.
    pub async fn delete_conversation(&self, id: String) -> Result<()> {
        self.run(move |db| conversations::delete(db, &id)).await
    }

    pub async fn undo_delete_conversation(&self, id: String) -> Result<Conversation> {
        self.run(move |db| conversations::undo_delete(db, &id)).await
    }

    pub async fn set_model(&self, id: String, model: String) -> Result<()> {
        self.run(move |db| conversations::set_model(db, &id, &model)).await
    }

    pub async fn set_system_prompt(&self, id: String, prompt: String) -> Result<()> {
        self.run(move |db| conversations::set_system_prompt(db, &id, &prompt))
            .await
    }

    pub async fn set_tools(&self, id: String, tools: bool) -> Result<()> {
        self.run(move |db| conversations::set_tools(db, &id, tools)).await
    }

    pub async fn set_fit_newest(&self, id: String, newest: bool) -> Result<()> {
        self.run(move |db| conversations::set_fit_newest(db, &id, newest)).await
    }

    pub async fn set_parameters(&self, id: String, parameters: conversations::Parameters) -> Result<()> {
        self.run(move |db| conversations::set_parameters(db, &id, &parameters))
            .await
    }

    /// Opens the version `step` versions from message `id` (−1 the one before, 1 the one after)
    /// and returns its id.
    pub async fn step_version(&self, conversation_id: String, id: String, step: i64) -> Result<String> {
        self.run(move |db| versions::step(db, &conversation_id, &id, step))
            .await
    }

    /// Deletes version `id` and what followed it, so that
    /// [`undo_delete_version`](Self::undo_delete_version) can bring them back; returns the
    /// version shown in its place.
    pub async fn delete_version(&self, conversation_id: String, id: String) -> Result<String> {
        self.run(move |db| versions::delete(db, &conversation_id, &id)).await
    }

    pub async fn undo_delete_version(&self, conversation_id: String, id: String) -> Result<()> {
        self.run(move |db| versions::undo_delete(db, &conversation_id, &id))
            .await
    }

    pub async fn save_draft(&self, id: String, draft: String) -> Result<()> {
        self.run(move |db| conversations::save_draft(db, &id, &draft)).await
    }

    /// One chat (its title, model…), without opening it.
    pub async fn conversation(&self, id: String) -> Result<Conversation> {
        self.run(move |db| conversations::get(db, &id)).await
    }

    /// Messages matching `query`, best first; `None` when `asker` (a window) sent a newer
    /// search before this one's turn came: typing sends a query a keystroke, and only the
    /// last one is worth running.
    /// The search is numbered when it is called, not when it is awaited.
    pub fn search(&self, asker: String, query: String) -> impl Future<Output = Result<Option<Vec<SearchHit>>>> + '_ {
        let latest = self.searches.clone();
        let mine = latest.begin(&asker);
        self.run(move |db| {
            if !latest.is_latest(&asker, mine) {
                return Ok(None);
            }
            search::search(db, &query, SEARCH_RESULTS).map(Some)
        })
    }

    /// Writes every chat (`None`) or one, with all its messages and files, as JSON into the
    /// file at `path`, a message at a time.
    pub async fn export_json(&self, only: Option<String>, path: PathBuf) -> Result<()> {
        self.run(move |db| archive::export_json_to(db, only.as_deref(), &path))
            .await
    }

    /// Writes one chat as Markdown into the file at `path`.
    pub async fn export_markdown(&self, id: String, path: PathBuf) -> Result<()> {
        self.run(move |db| archive::export_markdown_to(db, &id, &path)).await
    }

    /// Adds the chats of the export at `path` that are not here yet, a message at a time.
    pub async fn import_json(&self, path: PathBuf) -> Result<ImportReport> {
        self.run(move |db| archive::import_json_from(db, &path)).await
    }

    /// Adds `file` to the chat's composer.
    pub async fn attach_to_draft(
        &self,
        conversation_id: String,
        name: String,
        file: Prepared,
    ) -> Result<AttachmentView> {
        self.run(move |db| attachments::attach_to_draft(db, &conversation_id, &name, &file))
            .await
    }

    /// What waits in the chat's composer.
    pub async fn draft_attachments(&self, conversation_id: String) -> Result<Vec<AttachmentView>> {
        self.run(move |db| attachments::drafts(db, &conversation_id)).await
    }

    pub async fn remove_draft_attachment(&self, conversation_id: String, id: String) -> Result<()> {
        self.run(move |db| attachments::remove_draft(db, &conversation_id, &id))
            .await
    }

    /// An image's media type and bytes, by id (thumbnails).
    pub async fn image(&self, id: String) -> Result<Option<(String, Vec<u8>)>> {
        self.run(move |db| attachments::image(db, &id)).await
    }
}
