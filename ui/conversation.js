// @ts-check
// Which conversation is open: opening one (at its end, or around a search result), starting a
// new one, and what opens when the open one is deleted.
import * as api from './api.js';
import { defaultAssistant, showChatAssistant } from './components/assistants.js';
import { showDraftAttachments } from './components/attachments.js';
import * as chatList from './components/chat-list.js';
import { promptSave, showChatParameters, showChatTools, showSystemPrompt } from './components/chat-settings.js';
import { draftSave, focusComposer, showDraft } from './components/composer.js';
import { hideContextNotice, measure, showChatFit } from './components/context-meter.js';
import * as messageList from './components/message-list.js';
import { onModelPicked, showModel } from './components/model-picker.js';
import { chatOpened } from './components/sidebar.js';
import { showError, showNotice } from './components/toasts.js';
import * as state from './state.js';

/**
 * Opens a chat at its end, or `around` one message: a search result (marked as found), or a
 * version just opened (`mark: false`).
 * @param {string} id
 * @param {{around?: string | null, mark?: boolean}} [options]
 */
export async function openConversation(id, { around = null, mark = true } = {}) {
  if (state.isStreaming() && id !== state.openId()) {
    showNotice('An answer is still being written; stop it before switching chats.', 'busy');
    return;
  }
  await Promise.all([draftSave.now(), promptSave.now()]);
  let conversation;
  let page;
  try {
    conversation = await api.openChat(id);
    page = await api.chatMessages(id, around ? { kind: 'around', at: around } : { kind: 'latest' });
  } catch (e) {
    showError(e);
    return;
  }
  state.setOpenId(id);
  showDraftAttachments(id);
  showDraft(conversation.draft);
  showSystemPrompt(conversation.systemPrompt);
  showChatTools(conversation.tools);
  showChatParameters(conversation.parameters);
  showChatFit(conversation.fitNewest);
  showChatAssistant(conversation.assistantId);
  hideContextNotice();
  showModel(conversation.model);
  messageList.showFirstPage(page);
  chatList.setActive(id);
  chatOpened();
  if (around) messageList.showFound(around, mark);
  else messageList.scrollToEnd(true);
  await messageList.fillViewport();
  measure();
}

/**
 * A new chat as `start` says (the default assistant's, unless another or a plain one is
 * chosen); the open chat is it when nothing was said in it yet.
 * @param {import('./api.js').Start} [start]
 */
export async function newChat(start = { kind: 'default' }) {
  if (state.isStreaming()) {
    showNotice('An answer is still being written; stop it before starting a new chat.', 'busy');
    return;
  }
  const open = chatList.conversation(state.openId());
  const reuse = open && messageList.isEmpty() && !open.title ? open.id : null;
  // Already what New chat would make: nothing to do but type.
  if (reuse && start.kind === 'default' && (open.assistantId ?? null) === (defaultAssistant()?.id ?? null)) {
    focusComposer();
    return;
  }
  let c;
  try {
    await Promise.all([draftSave.now(), promptSave.now()]);
    c = await api.newChat(start, reuse);
  } catch (e) {
    showError(e);
    return;
  }
  await chatList.refresh();
  await openConversation(c.id);
  focusComposer();
}

/**
 * After a chat was deleted: if it was the open one, open the next (or a new one).
 * @param {string} id
 */
export async function conversationDeleted(id) {
  if (id !== state.openId()) return;
  draftSave.cancel();
  promptSave.cancel();
  state.setOpenId(null);
  const next = chatList.allConversations()[0];
  if (next) await openConversation(next.id);
  else await newChat();
}

export function initConversation() {
  document.getElementById('new-chat').addEventListener('click', () => newChat());
  onModelPicked((model) => {
    const id = state.openId();
    if (id === null) return;
    api.setChatModel(id, model).catch((e) => showError(e));
  });
}
