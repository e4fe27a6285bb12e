// @ts-check
// A message's versions: ‹ 2/3 › beside its buttons when it has others (answers regenerated, a
// question edited), and a button that deletes the one shown (with Undo). Paging asks Rust to
// open the other version, with the branch below it, and the chat is shown again around it.
import * as api from '../api.js';
import { iconButton } from '../icons.js';
import * as state from '../state.js';
import { showError, showNotice, UNDO_MS } from './toasts.js';

/** @import { Versions } from '../api.js' */

/** Shows the open chat again around message `id` (set by the page). */
let reopen = async (/** @type {string} */ _id) => {};

/** @param {(id: string) => Promise<void>} showAround */
export function initVersions(showAround) {
  reopen = showAround;
}

/**
 * Shows where message `node` stands among its versions; nothing when it has no other.
 * @param {HTMLElement} node
 * @param {Versions | null | undefined} versions
 */
export function showVersions(node, versions) {
  node.querySelector('.versions')?.remove();
  if (!versions || versions.count < 2) return;
  const { index, count } = versions;
  const pager = document.createElement('div');
  pager.className = 'versions';
  pager.setAttribute('role', 'group');
  pager.setAttribute('aria-label', `Version ${index} of ${count}`);
  const label = document.createElement('span');
  label.className = 'version-label';
  label.setAttribute('data-testid', 'version-label');
  label.setAttribute('aria-hidden', 'true');
  label.textContent = `${index}/${count}`;
  const prev = iconButton({ icon: 'chevron-left', label: 'Previous version', testid: 'version-prev', onClick: () => go(node, -1) });
  const next = iconButton({ icon: 'chevron-right', label: 'Next version', testid: 'version-next', onClick: () => go(node, 1) });
  const remove = iconButton({ icon: 'trash-2', label: 'Delete this version', testid: 'version-delete', onClick: () => deleteVersion(node) });
  prev.disabled = index <= 1;
  next.disabled = index >= count;
  pager.append(prev, label, next, remove);
  node.insertBefore(pager, node.querySelector('.actions'));
}

/**
 * The open chat and message `node`'s id, when its versions may change now.
 * @param {HTMLElement} node
 */
function changeable(node) {
  const id = state.openId();
  const messageId = node.dataset.messageId;
  if (id === null || !messageId) return null;
  if (state.isStreaming()) {
    showNotice('An answer is still being written; stop it before changing versions.', 'busy');
    return null;
  }
  return { id, messageId };
}

/**
 * Shows the chat again around message `shown`, the focus on its pager's `testid` button (or
 * another of them) for a person paging by keyboard.
 * @param {string} shown
 * @param {string} testid
 */
async function showAround(shown, testid) {
  await reopen(shown);
  const pager = document.querySelector(`.message[data-message-id="${CSS.escape(shown)}"] .versions`);
  const button = /** @type {HTMLButtonElement | null} */ (
    pager?.querySelector(`[data-testid=${testid}]:not(:disabled)`) ?? pager?.querySelector('button:not(:disabled)'));
  button?.focus();
}

/**
 * Opens the version `step` away from message `node`'s.
 * @param {HTMLElement} node
 * @param {number} step
 */
async function go(node, step) {
  const at = changeable(node);
  if (!at) return;
  let shown;
  try {
    shown = await api.showVersion(at.id, at.messageId, step);
  } catch (e) {
    showError(e);
    return;
  }
  await showAround(shown, step < 0 ? 'version-prev' : 'version-next');
}

/**
 * Deletes message `node`'s version and what followed it, with an Undo; the version before it
 * (or else after it) is shown.
 * @param {HTMLElement} node
 */
async function deleteVersion(node) {
  const at = changeable(node);
  if (!at) return;
  let shown;
  try {
    shown = await api.deleteVersion(at.id, at.messageId);
  } catch (e) {
    showError(e);
    return;
  }
  await showAround(shown, 'version-delete');
  showNotice('Deleted that version and what followed it.', 'info', {
    forMs: UNDO_MS,
    action: { label: 'Undo', testid: 'undo-button', run: () => undoDelete(at.id, at.messageId) },
  });
}

/**
 * @param {string} id  the chat
 * @param {string} messageId  the version deleted
 */
async function undoDelete(id, messageId) {
  try {
    await api.undoDeleteVersion(id, messageId);
  } catch (e) {
    showError(e);
    return;
  }
  if (state.openId() === id) await showAround(messageId, 'version-delete');
}
