// @ts-check
// Boot: wire the panels, open the chat that was open last, then load models whenever the
// connection comes up.
import * as api from './api.js';
import { applyAppearance } from './appearance.js';
import { ask } from './ask.js';
import { initArchive } from './components/archive.js';
import { initAssistants, loadAssistants } from './components/assistants.js';
import { initAttachments } from './components/attachments.js';
import { initChatHeader } from './components/chat-header.js';
import { initChatList, refresh, setConversations } from './components/chat-list.js';
import { initChatSettings } from './components/chat-settings.js';
import { focusComposer, initComposer } from './components/composer.js';
import { initContextMeter } from './components/context-meter.js';
import { initConnection, onStatus } from './components/connection.js';
import { startEdit } from './components/editor.js';
import { initEmptyState } from './components/empty-state.js';
import { initMessageList } from './components/message-list.js';
import { initModelPicker, loadModels } from './components/model-picker.js';
import { focusSearch, initSearch, searchAgain } from './components/search.js';
import { initSettingsChoices, initSettingsDialog, openSettings } from './components/settings-dialog.js';
import { initSidebar, showSidebar, toggleSidebar } from './components/sidebar.js';
import { showError } from './components/toasts.js';
import { initTooltip } from './components/tooltip.js';
import { initVersions } from './components/versions.js';
import { conversationDeleted, initConversation, newChat, openConversation } from './conversation.js';
import { currentSettings, loadSettings } from './settings.js';
import { initShortcuts } from './shortcuts.js';
import * as state from './state.js';

async function openAtStart() {
  let start;
  try {
    start = await api.chatsAtStart();
  } catch (e) {
    showError(e, 'Could not load your chats: ');
    return;
  }
  setConversations(start.conversations);
  const id = start.activeId ?? start.conversations[0]?.id;
  if (id) await openConversation(id);
  else await newChat();
}

/** The person's choices, then what shows them: the look, the sidebar, Settings, the model picker. */
async function initChoices() {
  await loadSettings();
  applyAppearance(currentSettings());
  initSidebar();
  initSettingsChoices();
  initModelPicker();
}

async function boot() {
  initTooltip();
  initConversation();
  initAttachments();
  initComposer({ send: (text, attached) => ask({ kind: 'send', text }, { attached }) });
  initChatHeader();
  initChatSettings();
  initContextMeter({
    opened: async (id) => {
      await refresh();
      await openConversation(id);
    },
  });
  initEmptyState();
  initVersions((id) => openConversation(/** @type {string} */ (state.openId()), { around: id, mark: false }));
  initMessageList({
    edit: (node) => startEdit(node, (request, edited) => ask(request, { edited })),
    continue: (node) => ask({ kind: 'continue', messageId: node.dataset.messageId }, { continued: node }),
    regenerate: () => ask({ kind: 'regenerate' }),
    withoutTools: () => ask({ kind: 'regenerate' }, { withoutTools: true }),
  });
  initChatList({ open: openConversation, deleted: conversationDeleted, changed: searchAgain });
  initSearch(openConversation);
  initArchive({ imported: () => Promise.all([refresh(), loadAssistants()]).then(() => {}) });
  initAssistants({ newChat, manage: () => openSettings('settings-assistants') });
  initShortcuts({
    newChat: () => newChat(),
    search: () => { showSidebar(); focusSearch(); },
    toggleSidebar,
    settings: () => openSettings(),
    shortcuts: () => openSettings('settings-shortcuts'),
  }, document.getElementById('shortcut-list'));
  // What quick ask wrote: the chat list shows it, and Open in Glama Chat opens it here.
  document.addEventListener(api.CHANGED_ELSEWHERE, () => refresh());
  document.addEventListener(api.OPEN_CONVERSATION, async (e) => {
    await refresh();
    await openConversation(/** @type {CustomEvent<string>} */ (e).detail);
  });
  // Side by side: each waits on IPC round trips, and the status is what the window shows first.
  // The assistants too: a first New chat starts from the default one.
  await Promise.all([initChoices(), initConnection(), loadAssistants()]);
  // Start-up as a person sees it: the connection status is on screen (read by the cold-start
  // benchmark, crates/e2e/benches/app.rs).
  requestAnimationFrame(() => performance.mark('glama:status-shown'));
  await openAtStart();
  await initSettingsDialog();
  let loaded = false;
  onStatus((s) => {
    if (s.state === 'connected' && !loaded) {
      loaded = true;
      loadModels();
    }
    if (s.state !== 'connected') loaded = false;
  });
  focusComposer();
}

boot();
