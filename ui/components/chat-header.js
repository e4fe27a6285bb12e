// @ts-check
// The chat's header: its title, renamed in place (click it, type, Enter; Escape keeps the old
// name). The model picker and the chat's settings sit beside it (their own modules).
import { icon } from '../icons.js';
import * as state from '../state.js';
import { onActiveChanged, rename, titleOf } from './chat-list.js';

const heading = document.getElementById('chat-title');
const button = document.getElementById('chat-title-button');

/** @param {string} title */
function showTitle(title) {
  button.replaceChildren(title, icon('pencil'));
  button.title = `${title} (click to rename)`;
}

function startRename() {
  const id = state.openId();
  if (id === null) return;
  const field = document.createElement('input');
  field.value = button.textContent;
  field.setAttribute('data-testid', 'chat-title-input');
  field.setAttribute('aria-label', 'Chat name');
  let done = false;
  const finish = async (/** @type {boolean} */ save) => {
    if (done) return;
    done = true;
    field.replaceWith(button);
    if (save) await rename(id, field.value);
    button.focus();
  };
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); finish(true); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); }
  });
  field.addEventListener('blur', () => finish(true));
  button.replaceWith(field);
  field.focus();
  field.select();
}

export function initChatHeader() {
  button.addEventListener('click', startRename);
  onActiveChanged((c) => { if (heading.contains(button)) showTitle(titleOf(c)); });
}
