// @ts-check
// The chats in the sidebar: grouped by when they were last active (Today, Yesterday, Previous 7
// days, Older), newest first; renamed in place; deleted with an Undo.
import * as api from '../api.js';
import { iconButton } from '../icons.js';
import { showError, showNotice, UNDO_MS } from './toasts.js';

/** @import { Conversation } from '../api.js' */

/**
 * What the list asks of the page.
 * @typedef {object} ChatListHooks
 * @property {(id: string) => Promise<void>} open  opens a chat
 * @property {(id: string) => Promise<void>} deleted  told after a chat is deleted
 * @property {() => void} changed  the list changed (a search shown may be stale)
 */

const listEl = document.getElementById('conversations');

/** @type {Conversation[]} */
let conversations = [];
/** @type {string | null} */
let activeId = null;
/** @type {ChatListHooks} */
let hooks = { open: async () => {}, deleted: async () => {}, changed() {} };
/** @type {((c: Conversation | null) => void)[]} */
const activeWatchers = [];
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
  tellActive();
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
  for (const li of /** @type {NodeListOf<HTMLElement>} */ (listEl.querySelectorAll('li[data-conversation-id]'))) {
    li.dataset.active = String(li.dataset.conversationId === id);
  }
  tellActive();
}

/**
 * Calls `fn(conversation)` whenever the open chat or what is known of it (its title) changes.
 * @param {(c: Conversation | null) => void} fn
 */
export function onActiveChanged(fn) {
  activeWatchers.push(fn);
}

function tellActive() {
  const c = conversation(activeId);
  for (const fn of activeWatchers) fn(c);
}

/**
 * Renames chat `id` to `title` (trimmed; an empty or unchanged name changes nothing).
 * @param {string} id
 * @param {string} title
 */
export async function rename(id, title) {
  const c = conversation(id);
  const name = title.trim();
  if (c && name && name !== titleOf(c)) {
    try {
      const renamed = await api.renameChat(id, name);
      conversations = conversations.map((x) => (x.id === id ? renamed : x));
    } catch (e) {
      showError(e);
    }
  }
  render();
  tellActive();
}

/** The group of a chat last active at `at` (ms), by the local calendar. */
function groupOf(/** @type {number} */ at, /** @type {Date} */ now) {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const day = 24 * 60 * 60 * 1000;
  if (at >= today) return 'Today';
  if (at >= today - day) return 'Yesterday';
  if (at >= today - 7 * day) return 'Previous 7 days';
  return 'Older';
}

/** @param {Conversation} c */
function item(c) {
  const li = document.createElement('li');
  li.setAttribute('data-testid', 'conversation-item');
  li.dataset.conversationId = c.id;
  li.dataset.active = String(c.id === activeId);
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'open';
  open.textContent = titleOf(c);
  open.title = titleOf(c);
  if (c.id === activeId) open.setAttribute('aria-current', 'page');
  open.addEventListener('click', () => hooks.open(c.id));
  li.append(
    open,
    iconButton({ icon: 'pencil', label: 'Rename', testid: 'rename-button', onClick: () => startRename(li, c) }),
    iconButton({ icon: 'trash-2', label: 'Delete', testid: 'delete-button', onClick: () => remove(c) }),
  );
  return li;
}

function render() {
  if (renaming) return;
  const now = new Date();
  /** @type {Map<string, HTMLElement>} */
  const groups = new Map();
  for (const c of conversations) {
    const name = groupOf(c.updatedAt, now);
    let ul = groups.get(name);
    if (!ul) {
      ul = document.createElement('ul');
      groups.set(name, ul);
    }
    ul.appendChild(item(c));
  }
  listEl.replaceChildren();
  for (const [name, ul] of groups) {
    const section = document.createElement('section');
    section.className = 'chat-group';
    const heading = document.createElement('h2');
    heading.textContent = name;
    heading.id = `chats-${name.toLowerCase().replace(/\W+/g, '-')}`;
    ul.setAttribute('aria-labelledby', heading.id);
    section.append(heading, ul);
    listEl.appendChild(section);
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
    renaming = false;
    if (save) await rename(c.id, field.value);
    else render();
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
  showNotice(`Deleted “${titleOf(c)}”.`, 'info', {
    forMs: UNDO_MS,
    action: { label: 'Undo', testid: 'undo-button', run: () => undo(c.id) },
  });
  hooks.changed();
  await hooks.deleted(c.id);
}

/** @param {string} id */
async function undo(id) {
  try {
    await api.undoDeleteChat(id);
  } catch (e) {
    showError(e);
    return;
  }
  await refresh();
  hooks.changed();
  await hooks.open(id);
}

/** @param {ChatListHooks} given */
export function initChatList(given) {
  hooks = given;
}
