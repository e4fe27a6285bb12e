// @ts-check
// Assistants: a chat's settings kept under a name. Saved (or saved into) from the chat's
// settings popover, started from in the menu beside New chat, and listed in Settings, where the
// one New chat starts from is chosen and each is renamed or deleted.
import * as api from '../api.js';
import * as state from '../state.js';
import { promptSave } from './chat-settings.js';
import { icon } from '../icons.js';
import { popover } from './popover.js';
import { showError, showNotice } from './toasts.js';

/** @import { Assistant, Start } from '../api.js' */

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const menuButton = el('assistant-menu-button');
const menu = el('assistant-menu');
const list = el('assistant-list');
const nameInput = /** @type {HTMLInputElement} */ (el('assistant-name-input'));
const updateButton = el('update-assistant');

/** @type {Assistant[]} */
let assistants = [];
/** The assistant the open chat started from. */
let chatAssistant = /** @type {string | null} */ (null);
/** @type {{newChat: (start: Start) => void, manage: () => void}} */
let on = { newChat: () => {}, manage: () => {} };

/** The assistant New chat starts from, if one is marked. */
export function defaultAssistant() {
  return assistants.find((a) => a.isDefault) ?? null;
}

/** Reads the assistants again and shows them wherever they are listed. */
export async function loadAssistants() {
  try {
    assistants = await api.listAssistants();
  } catch (e) {
    showError(e, 'Could not load your assistants: ');
    return;
  }
  fillList();
  showChatAssistant(chatAssistant);
}

/**
 * The open chat's assistant, named in its settings with the offer to save into it.
 * @param {string | null} id
 */
export function showChatAssistant(id) {
  chatAssistant = id;
  const a = assistants.find((x) => x.id === id);
  el('chat-assistant-name').textContent = a?.name ?? '';
  el('chat-assistant-from').hidden = !a;
  updateButton.hidden = !a;
  if (a) updateButton.textContent = `Save these settings to “${a.name}”`;
}

/**
 * A menu item.
 * @param {string} label
 * @param {string} testid
 * @param {string} [value]
 */
function item(label, testid, value) {
  const b = document.createElement('button');
  b.type = 'button';
  b.setAttribute('role', 'menuitem');
  b.dataset.testid = testid;
  if (value !== undefined) b.dataset.value = value;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = label;
  b.append(name);
  return b;
}

function fillMenu() {
  const plain = item('Plain chat', 'assistant-option', '');
  const items = [plain];
  for (const a of assistants) {
    const b = item(a.name, 'assistant-option', a.id);
    if (a.isDefault) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = 'Default';
      b.append(badge);
    }
    items.push(b);
  }
  const manage = item(assistants.length ? 'Manage assistants…' : 'About assistants…', 'assistant-manage');
  menu.replaceChildren(...items, document.createElement('hr'), manage);
}

/** Settings → Assistants: the choice of what New chat starts, and each assistant in place. */
function fillList() {
  const plain = document.createElement('li');
  plain.append(radio('', 'A plain chat'), Object.assign(document.createElement('span'), { textContent: 'A plain chat' }));
  const rows = assistants.map((a) => {
    const li = document.createElement('li');
    li.dataset.testid = 'assistant-item';
    li.dataset.value = a.id;
    const name = document.createElement('input');
    name.type = 'text';
    name.value = a.name;
    name.maxLength = 80;
    name.dataset.testid = 'assistant-rename';
    name.setAttribute('aria-label', 'Name of the assistant');
    name.addEventListener('change', async () => {
      try {
        await api.renameAssistant(a.id, name.value);
        await loadAssistants();
      } catch (e) {
        name.value = a.name;
        showError(e, 'Not renamed: ');
      }
    });
    const model = document.createElement('span');
    model.className = 'model';
    model.textContent = a.model || 'default model';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'icon-button';
    remove.dataset.testid = 'assistant-delete';
    remove.setAttribute('aria-label', `Delete ${a.name}`);
    remove.dataset.tip = 'Delete';
    remove.append(icon('trash-2'));
    remove.addEventListener('click', async () => {
      try {
        await api.deleteAssistant(a.id);
      } catch (e) {
        showError(e);
        return;
      }
      showNotice(`Deleted the assistant “${a.name}”; the chats it started keep their settings.`, 'info');
      await loadAssistants();
    });
    li.append(radio(a.id, a.name), name, model, remove);
    return li;
  });
  list.replaceChildren(plain, ...rows);
}

/**
 * The radio button choosing what New chat starts from.
 * @param {string} value  an assistant's id, or '' for a plain chat
 * @param {string} name
 */
function radio(value, name) {
  const r = document.createElement('input');
  r.type = 'radio';
  r.name = 'default-assistant';
  r.value = value;
  r.dataset.testid = 'assistant-default';
  r.checked = value === (defaultAssistant()?.id ?? '');
  r.setAttribute('aria-label', value ? `New chat starts from ${name}` : 'New chat starts a plain chat');
  r.addEventListener('change', async () => {
    if (!r.checked) return;
    try {
      await api.setDefaultAssistant(value || null);
    } catch (e) {
      showError(e);
    }
    await loadAssistants();
  });
  return r;
}

/** Saves the open chat's settings as a new assistant, named as typed. */
async function saveNew() {
  const id = state.openId();
  if (id === null) return;
  if (!nameInput.value.trim()) {
    nameInput.setAttribute('aria-invalid', 'true');
    nameInput.focus();
    showNotice('Give the assistant a name first.', 'invalid');
    return;
  }
  nameInput.removeAttribute('aria-invalid');
  try {
    // The system prompt as typed, not as last saved.
    await promptSave.now();
    const a = await api.saveAssistant(id, nameInput.value);
    nameInput.value = '';
    chatAssistant = a.id;
    await loadAssistants();
    showNotice(`Saved the assistant “${a.name}”. Start chats from it with the arrow beside New chat.`, 'info');
  } catch (e) {
    showError(e, 'Not saved: ');
  }
}

/** Saves the open chat's settings into the assistant it started from. */
async function saveInto() {
  const id = state.openId();
  if (id === null || chatAssistant === null) return;
  try {
    await promptSave.now();
    const a = await api.updateAssistant(chatAssistant, id);
    await loadAssistants();
    showNotice(`Saved to “${a.name}”.`, 'info');
  } catch (e) {
    showError(e, 'Not saved: ');
  }
}

/** Up and Down move between the menu's items, as in any menu. */
function menuKeys(/** @type {KeyboardEvent} */ e) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  e.preventDefault();
  const items = /** @type {HTMLElement[]} */ ([...menu.querySelectorAll('[role=menuitem]')]);
  const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
  const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
  items[next].focus();
}

/**
 * @param {{newChat: (start: Start) => void, manage: () => void}} handlers  what a chosen item does
 */
export function initAssistants(handlers) {
  on = handlers;
  const menuPopover = popover(menuButton, menu, {
    opened: () => {
      fillMenu();
      /** @type {HTMLElement} */ (menu.querySelector('[role=menuitem]')).focus();
    },
  });
  menu.addEventListener('keydown', menuKeys);
  menu.addEventListener('click', (e) => {
    const b = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest('[role=menuitem]'));
    if (!b) return;
    menuPopover.close();
    if (b.dataset.testid === 'assistant-manage') on.manage();
    else on.newChat(b.dataset.value ? { kind: 'assistant', id: b.dataset.value } : { kind: 'plain' });
  });
  el('save-assistant').addEventListener('click', saveNew);
  nameInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      saveNew();
    }
  });
  updateButton.addEventListener('click', saveInto);
}
