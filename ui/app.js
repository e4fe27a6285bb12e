// @ts-check
// Boot: wire the panels, open the chat that was open last, then load models whenever the
// connection comes up.
import * as api from './api.js';
import { ask } from './ask.js';
import { initArchive } from './components/archive.js';
import { initAttachments } from './components/attachments.js';
import { showError } from './components/banner.js';
import { focusComposer, initComposer } from './components/composer.js';
import { initConnection, onStatus } from './components/connection.js';
import { startEdit } from './components/editor.js';
import { initMessageList } from './components/message-list.js';
import { initModelPicker, loadModels } from './components/model-picker.js';
import { initSettingsPanel, initTransportChoice } from './components/settings-panel.js';
import { focusSearch, initSidebar, refresh, setConversations } from './components/sidebar.js';
import { initSystemPrompt } from './components/system-prompt.js';
import { conversationDeleted, initConversation, newChat, openConversation } from './conversation.js';
import { loadSettings } from './settings.js';

function shortcuts() {
  document.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (!mod || e.altKey || e.shiftKey) return;
    const key = e.key.toLowerCase();
    if (key === 'n') { e.preventDefault(); newChat(); }
    if (key === 'k') { e.preventDefault(); focusSearch(); }
  });
}

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

/** The person's choices, then what shows them: the sign-in callback and the model picker. */
async function initChoices() {
  await loadSettings();
  initTransportChoice();
  initModelPicker();
}

async function boot() {
  initConversation();
  initAttachments();
  initComposer({ send: (text, attached) => ask({ kind: 'send', text }, { attached }) });
  initSystemPrompt();
  initMessageList({
    edit: (node) => startEdit(node, (request, edited) => ask(request, { edited })),
    continue: (node) => ask({ kind: 'continue', messageId: node.dataset.messageId }, { continued: node }),
    regenerate: () => ask({ kind: 'regenerate' }),
  });
  initSidebar({ open: openConversation, deleted: conversationDeleted });
  initArchive({ imported: refresh });
  shortcuts();
  // Side by side: each waits on IPC round trips, and the status is what the window shows first.
  await Promise.all([initChoices(), initConnection()]);
  // Start-up as a person sees it: the connection status is on screen (read by the cold-start
  // benchmark, crates/e2e/benches/app.rs).
  requestAnimationFrame(() => performance.mark('glama:status-shown'));
  await openAtStart();
  await initSettingsPanel();
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
