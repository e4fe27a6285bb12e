// @ts-check
// The one door to Rust: a function per command (src-tauri/src/lib.rs, `generate_handler!`),
// with the types of what each takes and gives back. The window never talks to the network or
// sees the API key.
//
// Only `invoke`: Rust's news (status, notices, an answer's updates) is taken with it too, never
// pushed as Tauri events, so the page needs none of Tauri's JavaScript API but the IPC Tauri
// injects (src-tauri/src/mailbox.rs says why). A command that fails rejects with an `AppError`.

// ---- errors ------------------------------------------------------------------------------

/**
 * What kind of failure (or notice) something is: the codes of `glama_core::error_code::ErrorCode`,
 * the same list (a Rust test checks it). The page branches on these and nothing else.
 * @typedef {('unreachable' | 'timeout' | 'key_rejected' | 'payment_required' | 'rate_limited'
 *   | 'refused' | 'server_error' | 'bad_response' | 'dropped' | 'stream_error' | 'redirected'
 *   | 'too_large' | 'stalled' | 'not_connected' | 'busy' | 'no_model' | 'context_full' | 'disk_full' | 'store_read_only'
 *   | 'store_locked' | 'store_corrupt' | 'store_too_new' | 'store_closed' | 'store'
 *   | 'store_job_failed' | 'store_in_memory' | 'no_such_conversation' | 'no_such_message' | 'no_such_assistant' | 'invalid'
 *   | 'bad_archive' | 'file' | 'export' | 'markdown_needs_one_chat' | 'delete_data'
 *   | 'attachment_empty' | 'attachment_too_large' | 'attachment_bad_image'
 *   | 'attachment_unsupported' | 'attachment_not_received' | 'callback_rejected'
 *   | 'access_denied' | 'exchange_refused' | 'loopback_failed' | 'nothing_to_keep'
 *   | 'superseded' | 'expired' | 'key_unchecked' | 'keyring_unavailable' | 'keyring_failed'
 *   | 'scheme_taken' | 'scheme_not_registered' | 'settings' | 'settings_reset' | 'unsafe_link'
 *   | 'browser' | 'shortcut_taken' | 'tools_refused' | 'parameter_refused' | 'mcp' | 'mcp_not_confirmed' | 'unknown')} ErrorCode
 */

/**
 * What a failed command rejects with (`AppError`, src-tauri/src/error.rs).
 * @typedef {object} AppError
 * @property {ErrorCode} kind  what to branch on
 * @property {string} message  words for the person
 */

/**
 * An answer's error as it is kept with the message (`ErrorView`); `unknown` when written by a
 * newer version.
 * @typedef {object} ErrorView
 * @property {ErrorCode} kind
 * @property {string} message
 */

/**
 * Words for a `{kind, message}` error from a command, or anything else thrown.
 * @param {unknown} e
 */
export function errorText(e) {
  if (e && typeof e === 'object' && 'message' in e && e.message) return String(e.message);
  return String(e);
}

// ---- the connection ----------------------------------------------------------------------

/**
 * What the window shows about the connection (`connect::Status`). Never the key: only its
 * masked tail.
 * @typedef {{state: 'disconnected'}
 *   | {state: 'connecting', authorizeUrl: string, browserOpened: boolean, transport: 'scheme' | 'loopback'}
 *   | {state: 'connected', maskedKey: string, sessionOnly: boolean}
 *   | {state: 'error', kind: ErrorCode, message: string, canKeepForSession: boolean}} Status
 */

/**
 * Something to read that does not change the status (`error_code::Notice`).
 * @typedef {object} Notice
 * @property {ErrorCode} kind
 * @property {string} message
 */

/**
 * What Rust tells the window (`events::WindowEvent`).
 * `toolsChanged`: a tool server's status or tools, or `mcp.json`, changed.
 * `conversationChanged`: a chat changed (`null`: many), by window `by` (`null`: by none).
 * `openConversation`: the main window opens this chat (quick ask's Open in Glama Chat).
 * `quickAskShown`: quick ask was shown again.
 * @typedef {{event: 'connection', data: Status} | {event: 'notice', data: Notice}
 *   | {event: 'toolsChanged'}
 *   | {event: 'conversationChanged', data: {conversationId: string | null, by: string | null}}
 *   | {event: 'openConversation', data: {conversationId: string}}
 *   | {event: 'quickAskShown'}} WindowEvent
 */

/**
 * A batch of window events for the page that is `reader` (`events::WindowNews`).
 * @typedef {object} WindowNews
 * @property {number} reader
 * @property {WindowEvent[]} events
 */

/**
 * @template T
 * @param {string} command
 * @param {Record<string, unknown> | Uint8Array} [args]
 * @param {{headers: Record<string, string>}} [options]
 * @returns {Promise<T>}
 */
function invoke(command, args, options) {
  return /** @type {any} */ (window).__TAURI_INTERNALS__.invoke(command, args, options);
}

/** @returns {Promise<Status>} */
export const connectionStatus = () => invoke('connection_status');

/**
 * Status changes and notices for page `reader`, once there are some; null once another page
 * has become the reader. The first call (`reader` null) answers at once.
 * @type {(reader: number | null) => Promise<WindowNews | null>}
 */
export const windowEvents = (reader) => invoke('window_events', { reader });

/** @returns {Promise<Status>} */
export const connect = () => invoke('connect');
/** @returns {Promise<Status>} */
export const cancelConnect = () => invoke('cancel_connect');
/** @returns {Promise<Status>} */
export const disconnect = () => invoke('disconnect');
/** @returns {Promise<Status>} */
export const keepKeyForSession = () => invoke('keep_key_for_session');

// ---- models and settings -----------------------------------------------------------------

/**
 * A model as the picker shows it (`gateway::types::ModelInfo`).
 * @typedef {object} ModelInfo
 * @property {string} id
 * @property {number | null} inputPerMillion  US dollars per million input tokens
 * @property {number | null} outputPerMillion
 * @property {string[]} capabilities  e.g. `input:image`
 * @property {number | null} maxTokensInput
 */

/**
 * The person's choices (`settings::Settings`).
 * @typedef {object} Settings
 * @property {'auto' | 'scheme' | 'loopback'} transport  how Connect receives Glama's callback
 * @property {string | null} model  the last model picked: the default for new chats
 * @property {string[]} recentModels  the models picked last, newest first (kept by Rust: what
 *   the page sends here is ignored)
 * @property {'system' | 'light' | 'dark'} theme
 * @property {'small' | 'medium' | 'large'} textSize
 * @property {boolean} sidebarCollapsed  hidden beside the chat (Ctrl+B)
 */

/** @returns {Promise<ModelInfo[]>} */
export const listModels = () => invoke('list_models');
/** @returns {Promise<Settings>} */
export const getSettings = () => invoke('get_settings');
/** @type {(settings: Settings) => Promise<Settings>} */
export const setSettings = (settings) => invoke('set_settings', { settings });

// ---- conversations -----------------------------------------------------------------------

/**
 * A conversation as the sidebar and the chat show it (`store::conversations::Conversation`).
 * @typedef {object} Conversation
 * @property {string} id
 * @property {string} title  empty until the first message names it
 * @property {string} model
 * @property {string} systemPrompt
 * @property {string} draft
 * @property {boolean} tools  its questions offer the person's tools to the model
 * @property {Parameters} parameters
 * @property {boolean} fitNewest  once it outgrows its model's window, only its newest turns that fit are sent
 * @property {string | null} assistantId  the assistant it started from
 * @property {number} createdAt  ms since the Unix epoch
 * @property {number} updatedAt
 */

/**
 * A saved set of a chat's settings that new chats start from (`store::assistants::Assistant`).
 * @typedef {object} Assistant
 * @property {string} id
 * @property {string} name
 * @property {string} model  empty: the default model
 * @property {string} systemPrompt
 * @property {boolean} tools
 * @property {Parameters} parameters
 * @property {boolean} fitNewest
 * @property {boolean} isDefault  New chat starts from it
 * @property {number} createdAt
 * @property {number} updatedAt
 */

/**
 * What a new chat starts from (`store::assistants::Start`).
 * @typedef {{kind: 'default'} | {kind: 'plain'} | {kind: 'assistant', id: string}} Start
 */

/**
 * What a chat sets of how its model answers (`store::conversations::Parameters`); `null` is
 * unset (the model's default, never sent).
 * @typedef {object} Parameters
 * @property {number | null} temperature  0 to 2
 * @property {number | null} topP  above 0, at most 1
 * @property {number | null} maxTokens  1 to 1,000,000
 * @property {'low' | 'medium' | 'high' | null} reasoningEffort
 */

/**
 * What the window shows first (`commands::ChatsAtStart`).
 * @typedef {object} ChatsAtStart
 * @property {Conversation[]} conversations
 * @property {string | null} activeId  the chat open last
 */

/** @typedef {'user' | 'assistant' | 'error'} Author */
/** @typedef {'streaming' | 'done' | 'stopped' | 'error' | 'interrupted'} MessageStatus */
/** @typedef {'length' | 'content_filter'} StopReason */

/**
 * Tokens and cost of one answer (`gateway::types::Usage`).
 * @typedef {object} Usage
 * @property {number | null} promptTokens
 * @property {number | null} completionTokens
 * @property {number | null} [reasoningTokens]
 * @property {number | null} costUsd
 * @property {'glama' | 'stream'} source
 */

/**
 * A message as the window draws it (`chat::view::Message`): an answer's HTML already
 * rendered and sanitized.
 * @typedef {object} Message
 * @property {string} id
 * @property {number} seq
 * @property {Author} role
 * @property {string} text  the markdown source (Copy, Edit)
 * @property {string} html
 * @property {string} reasoning  `""` when the model showed none
 * @property {string} reasoningHtml
 * @property {number | null} reasoningMs
 * @property {MessageStatus} status
 * @property {StopReason | null} stopReason
 * @property {string | null} refusal  the model's words when it declined
 * @property {ErrorView | null} error
 * @property {string | null} model
 * @property {Usage | null} usage
 * @property {string | null} requestId
 * @property {number} createdAt
 * @property {AttachmentView[]} [attachments]  absent when none
 * @property {ToolCall[]} [toolCalls]  an answer's tool calls, in order; absent when none
 * @property {boolean} continuable  Continue is offered on it, when it is the conversation's last
 * @property {Versions} [versions]  where it stands among its versions; absent when it has none
 */

/**
 * Where a message stands among its versions (`store::versions::Versions`): `index` from 1.
 * @typedef {{index: number, count: number}} Versions
 */

/**
 * Which part of a conversation to load (`store::paging::Page`).
 * @typedef {{kind: 'latest'} | {kind: 'before', at: number} | {kind: 'after', at: number}
 *   | {kind: 'around', at: string}} Page
 */

/**
 * A page of messages, oldest first (`chat::view::MessagePage`).
 * @typedef {object} MessagePage
 * @property {Message[]} messages
 * @property {boolean} hasOlder
 * @property {boolean} hasNewer
 */

/**
 * A message found, its snippet in plain-text parts (`store::search::SearchHit`).
 * @typedef {object} SearchHit
 * @property {string} conversationId
 * @property {string} conversationTitle
 * @property {string} messageId
 * @property {{text: string, hit: boolean}[]} snippet
 * @property {number} createdAt
 */

/**
 * What an import did (`store::archive::ImportReport`).
 * @typedef {object} ImportReport
 * @property {number} imported
 * @property {number} assistants  assistants added or brought up to the file's
 * @property {number} alreadyHere  chats with the same id, left as they were
 */

/**
 * A chat as `start` says: a new one, or `reuse` (the open chat) when nothing was said in it yet.
 * @type {(start?: Start, reuse?: string | null) => Promise<Conversation>}
 */
export const newChat = (start = { kind: 'default' }, reuse = null) => invoke('new_chat', { start, reuse });
/** @returns {Promise<Assistant[]>} */
export const listAssistants = () => invoke('list_assistants');
/** @type {(conversationId: string, name: string) => Promise<Assistant>} */
export const saveAssistant = (conversationId, name) => invoke('save_assistant', { conversationId, name });
/** @type {(id: string, conversationId: string) => Promise<Assistant>} */
export const updateAssistant = (id, conversationId) => invoke('update_assistant', { id, conversationId });
/** @type {(id: string, name: string) => Promise<Assistant>} */
export const renameAssistant = (id, name) => invoke('rename_assistant', { id, name });
/** @type {(id: string) => Promise<void>} */
export const deleteAssistant = (id) => invoke('delete_assistant', { id });
/** @type {(id: string | null) => Promise<void>} */
export const setDefaultAssistant = (id) => invoke('set_default_assistant', { id });
/** @returns {Promise<ChatsAtStart>} */
export const chatsAtStart = () => invoke('chats_at_start');
/** @returns {Promise<Conversation[]>} */
export const listChats = () => invoke('list_chats');
/**
 * Opens a chat: it becomes the one reopened at start.
 * @type {(conversationId: string) => Promise<Conversation>}
 */
export const openChat = (conversationId) => invoke('open_chat', { conversationId });
/** @type {(conversationId: string, page: Page) => Promise<MessagePage>} */
export const chatMessages = (conversationId, page) => invoke('chat_messages', { conversationId, page });
/** Opens the version `step` away from a message (−1 the one before, 1 the one after); its id. */
/** @type {(conversationId: string, messageId: string, step: number) => Promise<string>} */
export const showVersion = (conversationId, messageId, step) => invoke('show_version', { conversationId, messageId, step });
/** Deletes a version and what followed it (until Undo); the id of the version shown instead. */
/** @type {(conversationId: string, messageId: string) => Promise<string>} */
export const deleteVersion = (conversationId, messageId) => invoke('delete_version', { conversationId, messageId });
/** @type {(conversationId: string, messageId: string) => Promise<void>} */
export const undoDeleteVersion = (conversationId, messageId) => invoke('undo_delete_version', { conversationId, messageId });
/** @type {(conversationId: string, title: string) => Promise<Conversation>} */
export const renameChat = (conversationId, title) => invoke('rename_chat', { conversationId, title });
/** @type {(conversationId: string) => Promise<void>} */
export const deleteChat = (conversationId) => invoke('delete_chat', { conversationId });
/** @type {(conversationId: string) => Promise<Conversation>} */
export const undoDeleteChat = (conversationId) => invoke('undo_delete_chat', { conversationId });
/** @type {(conversationId: string, model: string) => Promise<void>} */
export const setChatModel = (conversationId, model) => invoke('set_chat_model', { conversationId, model });
/** @type {(conversationId: string, prompt: string) => Promise<void>} */
export const setSystemPrompt = (conversationId, prompt) => invoke('set_system_prompt', { conversationId, prompt });
/** @type {(conversationId: string, enabled: boolean) => Promise<void>} */
export const setChatTools = (conversationId, enabled) => invoke('set_chat_tools', { conversationId, enabled });

/** @type {(conversationId: string, newest: boolean) => Promise<void>} */
export const setChatFit = (conversationId, newest) => invoke('set_chat_fit', { conversationId, newest });
/** @type {(conversationId: string, parameters: Parameters) => Promise<void>} */
export const setChatParameters = (conversationId, parameters) =>
  invoke('set_chat_parameters', { conversationId, parameters });
/** @type {(conversationId: string, draft: string) => Promise<void>} */
export const saveDraft = (conversationId, draft) => invoke('save_draft', { conversationId, draft });
/** @type {(query: string) => Promise<SearchHit[]>} */
export const searchChats = (query) => invoke('search_chats', { query });
/**
 * Asks where to save, then writes the export: one chat (`conversationId`) or all (null).
 * Resolves to the file's path, or null when the person cancelled.
 * @type {(conversationId: string | null, format: 'markdown' | 'json') => Promise<string | null>}
 */
export const exportChats = (conversationId, format) => invoke('export_chats', { conversationId, format });
/**
 * Asks for an export file and adds its chats not here yet; null when the person cancelled.
 * @returns {Promise<ImportReport | null>}
 */
export const importChats = () => invoke('import_chats');

// ---- answers -----------------------------------------------------------------------------

/**
 * What the window asks for (`commands::AskRequest`): a new message, the last answer again, an
 * edited question (`attachments`: the ids of those it keeps), or more of a cut-off answer.
 * @typedef {{kind: 'send', text: string} | {kind: 'regenerate'}
 *   | {kind: 'edit', messageId: string, text: string, attachments: string[]}
 *   | {kind: 'continue', messageId: string}} AskRequest
 */

/**
 * One lasting change to an answer's HTML (`render::stream::Op`).
 * @typedef {{op: 'block', html: string} | {op: 'replace', index: number, html: string}
 *   | {op: 'open', head: string, foot: string, depth: number} | {op: 'add', html: string}
 *   | {op: 'split'} | {op: 'close'}} RenderOp
 */

/**
 * How an answer's HTML changed (`render::stream::RenderUpdate`): lasting ops, then the
 * provisional end (`tail` inside the open block, `after` it), which replaces the previous one.
 * @typedef {object} RenderUpdate
 * @property {RenderOp[]} ops
 * @property {string} tail
 * @property {string} after
 */

/**
 * How an answer ended (`AnswerEvent::Finished`); `text` is the whole answer as markdown.
 * @typedef {object} AnswerFinished
 * @property {MessageStatus} status
 * @property {'assistant' | 'error'} role  `error`: it failed before any text (an error row)
 * @property {ErrorView | null} error
 * @property {string} text
 * @property {StopReason | null} stopReason
 * @property {string | null} refusal
 * @property {boolean} continuable  Continue is offered on it (as the conversation's last)
 */

/**
 * One event of an answer's life (`chat::AnswerEvent`).
 * `started`: `questionId` is the question the answer follows (what followed it before is now
 * another version), `null` when an answer goes on in place; where the question and the answer
 * stand among their versions, when they have others.
 * @typedef {{event: 'started', data: {conversationId: string, questionId: string | null, messageId: string,
 *   questionVersions: Versions | null, answerVersions: Versions | null}}
 *   | {event: 'delta', data: RenderUpdate}
 *   | {event: 'reasoning', data: {update: RenderUpdate, live: boolean}}
 *   | {event: 'thought', data: {ms: number}}
 *   | {event: 'retrying', data: {inSecs: number, attempt: number, reason: string}}
 *   | {event: 'finished', data: AnswerFinished}
 *   | {event: 'usage', data: Usage}
 *   | {event: 'toolCalls', data: {calls: ToolCall[]}}
 *   | {event: 'toolCall', data: ToolCall}
 *   | {event: 'toolAllowed', data: {name: string, always: boolean}}
 *   | {event: 'notSaved', data: ErrorView}} AnswerEvent
 */

/**
 * Streams one answer and resolves once it has ended (with its status). Its events wait in the
 * mailbox of `stream`, an id the page chose (`answerEvents`). The chat's tools are offered
 * (when its switch is on and some are ready) unless `tools` is false.
 * @type {(conversationId: string, model: string, request: AskRequest, stream: string, tools: boolean) => Promise<MessageStatus>}
 */
export const ask = (conversationId, model, request, stream, tools) =>
  invoke('ask', { conversationId, model, request, stream, tools });

/**
 * How much of a model's window a chat's next request would fill (`chat::begin::Measure`), in
 * tokens; `limit` is null when the model list does not say.
 * @typedef {object} Measure
 * @property {number} used
 * @property {number | null} limit
 * @property {string | null} from  the message where the model's view begins, when older turns are left out
 */

/** @type {(conversationId: string, model: string, draft: string) => Promise<Measure>} */
export const measureContext = (conversationId, model, draft) =>
  invoke('measure_context', { conversationId, model, draft });
/**
 * Goes on in a new chat from the model's summary of a chat that outgrew its window, with
 * `draft` in the new chat's composer.
 * @type {(conversationId: string, model: string, draft: string) => Promise<Conversation>}
 */
export const continueInNewChat = (conversationId, model, draft) =>
  invoke('continue_in_new_chat', { conversationId, model, draft });

/**
 * Some of an answer's events, and how many updates (events the page lays out) it has been handed
 * so far, these included.
 * @typedef {object} AnswerBatch
 * @property {AnswerEvent[]} events
 * @property {number} updates
 */

/**
 * The next events of answer `stream`, once there are some; null once it has ended and the page
 * has them all. `painted`: how many updates the page has on screen (the last batch's `updates`,
 * once painted).
 * @type {(conversationId: string, stream: string, painted: number) => Promise<AnswerBatch | null>}
 */
export const answerEvents = (conversationId, stream, painted) =>
  invoke('answer_events', { conversationId, stream, painted });

/**
 * Stops the answer streaming in the chat; false when none was.
 * @type {(conversationId: string) => Promise<boolean>}
 */
export const stopAnswer = (conversationId) => invoke('stop_answer', { conversationId });

// ---- tools -------------------------------------------------------------------------------

/** @typedef {'awaiting' | 'running' | 'done' | 'denied' | 'failed' | 'interrupted'} CallStatus */

/**
 * One tool call of an answer and what became of it (`store::tool_calls::CallRecord`).
 * @typedef {object} ToolCall
 * @property {string} id
 * @property {string} name  the tool as the request offered it
 * @property {string} label  the server and the tool, for the person
 * @property {string} arguments  as the model wrote them (shown as text, pretty-printed)
 * @property {CallStatus} status
 * @property {string | null} result
 * @property {AttachmentView[]} [images]  the images it returned (thumbnails); absent when none
 * @property {number} round
 * @property {number} textAt
 */

/** @typedef {'allowOnce' | 'allowChat' | 'allowAlways' | 'deny'} Decision */

/**
 * A server's tool (`mcp::manager::ToolView`).
 * @typedef {object} ToolView
 * @property {string} name  the server's own name for it
 * @property {string} callName  the name it goes by in a request
 * @property {string | null} title
 * @property {string | null} description
 * @property {boolean} enabled
 * @property {boolean} always  runs without asking, until revoked
 */

/**
 * A tool server as the Tools panel shows it (`mcp::manager::ServerView`).
 * @typedef {object} ServerView
 * @property {string} name
 * @property {'starting' | 'ready' | 'failed' | 'disabled'} status
 * @property {string | null} reason  why it failed, in words
 * @property {string | null} stderr  the tail of what it wrote to stderr
 * @property {boolean} retrying  failed now, but to be started again by itself
 * @property {'stdio' | 'http' | 'none'} transport
 * @property {string} target  the command line (secrets masked) or the address
 * @property {number} timeoutSecs
 * @property {string | null} protocol
 * @property {ToolView[]} tools
 */

/**
 * The Tools panel's content (`commands::tools::ToolsView`).
 * @typedef {object} ToolsView
 * @property {string} path  where `mcp.json` is
 * @property {string | null} fileError  why `mcp.json` could not be read (no tools run then)
 * @property {ServerView[]} servers
 */

/**
 * A value of a server's environment or headers as the form sends it: a secret goes to the
 * keyring; `keep` leaves a kept secret as it is (the page never has it).
 * @typedef {{kind: 'plain', value: string} | {kind: 'secret', value: string} | {kind: 'keep'}} DraftValue
 */

/**
 * A server as the form edits it (`mcp::config::ServerDraft`).
 * @typedef {object} ServerDraft
 * @property {string} name
 * @property {{type: 'stdio', command: string, args: string[], env: {name: string, value: DraftValue}[], cwd: string | null}
 *   | {type: 'http', url: string, headers: {name: string, value: DraftValue}[]}} launch
 * @property {boolean} disabled
 * @property {number | null} timeoutSecs
 */

/** The page's event for a `toolsChanged` from Rust (dispatched on `document`). */
export const TOOLS_CHANGED = 'glama:tools-changed';

/** The page's event for an `openConversation` from Rust (a `CustomEvent` whose `detail` is the id). */
export const OPEN_CONVERSATION = 'glama:open-conversation';

/** The page's event for a chat another window changed (`conversationChanged`). */
export const CHANGED_ELSEWHERE = 'glama:changed-elsewhere';

/** The label of this page's window (`main` or `quick-ask`). */
export const WINDOW_LABEL = /** @type {string} */ (/** @type {any} */ (window).__TAURI_INTERNALS__.metadata.currentWindow.label);

/**
 * Quick ask's "Open in Glama Chat": the main window shows the chat, quick ask hides.
 * @type {(conversationId: string) => Promise<void>}
 */
export const openInMain = (conversationId) => invoke('open_in_main', { conversationId });

/** Hides quick ask (Esc). @returns {Promise<void>} */
export const hideQuickAsk = () => invoke('hide_quick_ask');

/** @returns {Promise<ToolsView>} */
export const toolsState = () => invoke('tools_state');
/**
 * Adds the servers of a pasted `mcpServers` snippet; resolves to their names. A program to run
 * is confirmed first in a native dialog (rejects with `mcp_not_confirmed` when it is not).
 * @type {(snippet: string) => Promise<string[]>}
 */
export const addMcpServers = (snippet) => invoke('add_mcp_servers', { snippet });
/** @type {(draft: ServerDraft) => Promise<void>} */
export const addMcpServer = (draft) => invoke('add_mcp_server', { draft });
/** @type {(name: string) => Promise<ServerDraft>} */
export const mcpServerDraft = (name) => invoke('mcp_server_draft', { name });
/** @type {(name: string, draft: ServerDraft) => Promise<void>} */
export const updateMcpServer = (name, draft) => invoke('update_mcp_server', { name, draft });
/** @type {(name: string) => Promise<void>} */
export const removeMcpServer = (name) => invoke('remove_mcp_server', { name });
/** @type {(name: string, enabled: boolean) => Promise<void>} */
export const setMcpServerEnabled = (name, enabled) => invoke('set_mcp_server_enabled', { name, enabled });
/** @type {(server: string, tool: string, enabled: boolean) => Promise<void>} */
export const setMcpToolEnabled = (server, tool, enabled) => invoke('set_mcp_tool_enabled', { server, tool, enabled });
/** @type {(server: string, tool: string, always: boolean) => Promise<void>} */
export const setMcpToolAlways = (server, tool, always) => invoke('set_mcp_tool_always', { server, tool, always });
/** @type {(name: string) => Promise<void>} */
export const retryMcpServer = (name) => invoke('retry_mcp_server', { name });
/**
 * The person's decision on a call the chat's answer waits on; false when no answer waits there.
 * @type {(conversationId: string, callId: string, decision: Decision) => Promise<boolean>}
 */
export const decideToolCall = (conversationId, callId, decision) =>
  invoke('decide_tool_call', { conversationId, callId, decision });

// ---- attachments -------------------------------------------------------------------------

/**
 * An attachment as the window shows it (`store::attachments::AttachmentView`): all but the
 * bytes. `id` is what the thumbnail protocol serves it by.
 * @typedef {object} AttachmentView
 * @property {string} id
 * @property {string} name
 * @property {'image' | 'text'} kind
 * @property {string} mediaType
 * @property {number} size
 * @property {number | null} width
 * @property {number | null} height
 * @property {string | null} thumbnail  where an image's thumbnail is served from
 */

/**
 * What the file dialog brought (`attachments::Picked`): the files attached, and why the others
 * were not.
 * @typedef {object} Picked
 * @property {AttachmentView[]} attached
 * @property {AppError[]} refused  why each file left out was
 */

/**
 * Whether a file of `size` bytes can be attached, asked before its bytes are read: rejects with
 * Rust's words (`attachment_too_large`) when it cannot.
 * @type {(name: string, size: number) => Promise<void>}
 */
export const attachmentFits = (name, size) => invoke('attachment_fits', { name, size });

/**
 * Adds a pasted or dropped file to the chat's composer: its bytes go as the raw IPC body (never
 * as a JSON array), the chat and the file's name as headers.
 * @type {(conversationId: string, name: string, bytes: Uint8Array) => Promise<AttachmentView>}
 */
export const attachBytes = (conversationId, name, bytes) =>
  invoke('attach_bytes', bytes, {
    headers: {
      // Headers are ASCII.
      'x-conversation-id': encodeURIComponent(conversationId),
      'x-file-name': encodeURIComponent(name),
    },
  });

/**
 * Opens the native file dialog and attaches the files picked (this page never sees a path).
 * @type {(conversationId: string) => Promise<Picked>}
 */
export const attachFiles = (conversationId) => invoke('attach_files', { conversationId });
/**
 * What waits in a chat's composer.
 * @type {(conversationId: string) => Promise<AttachmentView[]>}
 */
export const draftAttachments = (conversationId) => invoke('draft_attachments', { conversationId });
/**
 * Takes a chip off the composer.
 * @type {(conversationId: string, id: string) => Promise<void>}
 */
export const removeAttachment = (conversationId, id) => invoke('remove_attachment', { conversationId, id });

// ---- the person's data -------------------------------------------------------------------

/**
 * What the About panel shows (`data::About`).
 * @typedef {object} About
 * @property {string} version
 * @property {string} gateway
 * @property {string} dataFolder
 * @property {string} settingsFile
 */

/** @returns {Promise<About>} */
export const about = () => invoke('about');
/**
 * Deletes everything the app keeps: the key, the conversations, the settings, its folders.
 * @returns {Promise<Status>}
 */
export const deleteAllData = () => invoke('delete_all_data');
