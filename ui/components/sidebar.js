// @ts-check
// The sidebar: chats newest activity first, rename inline, delete with Undo, and search
// across every message. Snippets arrive as plain-text parts and are only ever set as text.
import * as api from '../api.js';
import { showError } from './banner.js';

/** @import { Conversation, SearchHit } from '../api.js' */

/**
 * What the sidebar asks of the page.
 * @typedef {object} SidebarHooks
 * @property {(id: string, options?: {around?: string}) => Promise<void>} open  opens a chat (`around`: at a message)
 * @property {(id: string) => Promise<void>} deleted  told after a chat is deleted
 */

const listEl = document.getElementById('conversations');
const resultsEl = document.getElementById('search-results');
const search = /** @type {HTMLInputElement} */ (document.getElementById('search'));
const undoEl = document.getElementById('undo');
const undoText = document.getElementById('undo-text');
const undoButton = document.getElementById('undo-button');

const UNDO_MS = 8000;
/** @type {Conversation[]} */
let conversations = [];
/** @type {string | null} */
let activeId = null;
/** @type {SidebarHooks} */
let hooks = { open: async () => {}, deleted: async () => {} };
/** @type {ReturnType<typeof setTimeout> | undefined} */
let undoTimer;
/** @type {string | null} */
let undoId = null;
let searchRun = 0;
// While a chat is being renamed the list is not redrawn (that would take the field away).
let renaming = false;

/** @param {Conversation | null} c */
export const titleOf = (c) => c?.title || 'New chat';

/** @param {string | null} id */
export function conversation(id) {
  return conversations.find((c) => c.id === id) ?? null;
}

export function allConversations() {
  return conversations;
}

/** @param {Conversation[]} list */
export function setConversations(list) {
  conversations = list;
  render();
}

export async function refresh() {
  try {
    setConversations(await api.listChats());
  } catch (e) {
    showError(e, 'Could not load your chats: ');
  }
}

/** @param {string} id */
export function setActive(id) {
  activeId = id;
  for (const li of /** @type {HTMLCollectionOf<HTMLElement>} */ (listEl.children)) li.dataset.active = String(li.dataset.conversationId === id);
}

/**
 * @param {string} symbol
 * @param {string} label
 * @param {string} testid
 * @param {() => void} onClick
 */
function iconButton(symbol, label, testid, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'icon';
  b.textContent = symbol;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.setAttribute('data-testid', testid);
  b.addEventListener('click', onClick);
  return b;
}

function render() {
  if (renaming) return;
  listEl.replaceChildren();
  for (const c of conversations) {
    const li = document.createElement('li');
    li.setAttribute('data-testid', 'conversation-item');
    li.dataset.conversationId = c.id;
    li.dataset.active = String(c.id === activeId);
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'open';
    open.textContent = titleOf(c);
    open.title = titleOf(c);
    open.addEventListener('click', () => hooks.open(c.id));
    li.append(
      open,
      iconButton('✎', 'Rename', 'rename-button', () => startRename(li, c)),
      iconButton('🗑', 'Delete', 'delete-button', () => remove(c)),
    );
    listEl.appendChild(li);
  }
}

/**
 * @param {HTMLElement} li
 * @param {Conversation} c
 */
function startRename(li, c) {
  const open = li.querySelector('.open');
  const field = document.createElement('input');
  field.value = titleOf(c);
  field.setAttribute('data-testid', 'rename-input');
  field.setAttribute('aria-label', 'Chat name');
  let done = false;
  renaming = true;
  const finish = async (/** @type {boolean} */ save) => {
    if (done) return;
    done = true;
    const title = field.value.trim();
    if (save && title && title !== titleOf(c)) {
      try {
        const renamed = await api.renameChat(c.id, title);
        conversations = conversations.map((x) => (x.id === c.id ? renamed : x));
      } catch (e) {
        showError(e);
      }
    }
    renaming = false;
    render();
  };
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); finish(true); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); }
  });
  field.addEventListener('blur', () => finish(true));
  open.replaceWith(field);
  field.focus();
  field.select();
}

/** @param {Conversation} c */
async function remove(c) {
  try {
    await api.deleteChat(c.id);
  } catch (e) {
    showError(e);
    return;
  }
  conversations = conversations.filter((x) => x.id !== c.id);
  render();
  clearTimeout(undoTimer);
  undoId = c.id;
  undoText.textContent = `Deleted “${titleOf(c)}”.`;
  undoEl.hidden = false;
  undoTimer = setTimeout(() => { undoEl.hidden = true; undoId = null; }, UNDO_MS);
  if (search.value.trim()) runSearch();
  await hooks.deleted(c.id);
}

async function undo() {
  if (!undoId) return;
  const id = undoId;
  undoId = null;
  clearTimeout(undoTimer);
  undoEl.hidden = true;
  try {
    await api.undoDeleteChat(id);
  } catch (e) {
    showError(e);
    return;
  }
  await refresh();
  await hooks.open(id);
}

// ---- search ------------------------------------------------------------------------------

/** @param {SearchHit['snippet']} parts */
function snippetNode(parts) {
  const p = document.createElement('span');
  p.className = 'snippet';
  for (const part of parts) {
    if (part.hit) {
      const mark = document.createElement('mark');
      mark.textContent = part.text;
      p.appendChild(mark);
    } else {
      p.appendChild(document.createTextNode(part.text));
    }
  }
  return p;
}

async function runSearch() {
  const query = search.value;
  const run = ++searchRun;
  if (!query.trim()) {
    resultsEl.hidden = true;
    resultsEl.replaceChildren();
    listEl.hidden = false;
    return;
  }
  let hits;
  try {
    hits = await api.searchChats(query);
  } catch (e) {
    showError(e);
    return;
  }
  if (run !== searchRun) return; // a newer query is on its way
  resultsEl.replaceChildren();
  for (const hit of hits) {
    const li = document.createElement('li');
    li.setAttribute('data-testid', 'search-result');
    li.dataset.conversationId = hit.conversationId;
    li.dataset.messageId = hit.messageId;
    const b = document.createElement('button');
    b.type = 'button';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = hit.conversationTitle || 'New chat';
    b.append(title, snippetNode(hit.snippet));
    b.addEventListener('click', () => hooks.open(hit.conversationId, { around: hit.messageId }));
    li.appendChild(b);
    resultsEl.appendChild(li);
  }
  if (!hits.length) {
    const none = document.createElement('li');
    none.className = 'none';
    none.textContent = 'No messages match.';
    resultsEl.appendChild(none);
  }
  resultsEl.hidden = false;
  listEl.hidden = true;
}

export function focusSearch() {
  search.focus();
  search.select();
}

/** @param {SidebarHooks} given */
export function initSidebar(given) {
  hooks = given;
  undoButton.addEventListener('click', undo);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 120);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = '';
      runSearch();
    }
  });
}
