// Boot: wire the panels, open the chat that was open last, then load models whenever the
// connection comes up.
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';
import { initConnection, onStatus } from './connection.js';
import { initModels, loadModels } from './models.js';
import { initChat, openConversation, newChat, conversationDeleted, openId } from './chat.js';
import { initSidebar, setConversations, refresh, focusSearch } from './sidebar.js';
import { initArchive } from './archive.js';
import { initSettings } from './settings.js';

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
    start = await invoke('chats_at_start');
  } catch (e) {
    showBanner(`Could not load your chats: ${errorText(e)}`, e?.kind);
    return;
  }
  setConversations(start.conversations);
  const id = start.activeId ?? start.conversations[0]?.id;
  if (id) await openConversation(id);
  else await newChat();
}

async function boot() {
  initChat();
  initSidebar({ open: openConversation, deleted: conversationDeleted });
  initArchive({ openId, imported: refresh });
  shortcuts();
  // Side by side: each waits on IPC round trips, and the status is what the window shows first.
  await Promise.all([initModels(), initConnection()]);
  // Start-up as a person sees it: the connection status is on screen (read by the cold-start
  // benchmark, crates/e2e/benches/app.rs).
  requestAnimationFrame(() => performance.mark('glama:status-shown'));
  await openAtStart();
  await initSettings();
  let loaded = false;
  onStatus((s) => {
    if (s.state === 'connected' && !loaded) {
      loaded = true;
      loadModels();
    }
    if (s.state !== 'connected') loaded = false;
  });
  document.getElementById('input').focus();
}

boot();
