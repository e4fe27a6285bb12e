// @ts-check
// A message's versions: ‹ 2/3 › beside its buttons when it has others (answers regenerated, a
// question edited). Paging asks Rust to open the other version, with the branch below it, and
// the chat is shown again around it.
import * as api from '../api.js';
import { iconButton } from '../icons.js';
import * as state from '../state.js';
import { showError, showNotice } from './toasts.js';

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
  prev.disabled = index <= 1;
  next.disabled = index >= count;
  pager.append(prev, label, next);
  node.insertBefore(pager, node.querySelector('.actions'));
}

/**
 * Opens the version `step` away from message `node`'s, and keeps the focus on the pager.
 * @param {HTMLElement} node
 * @param {number} step
 */
async function go(node, step) {
  const id = state.openId();
  const messageId = node.dataset.messageId;
  if (id === null || !messageId) return;
  if (state.isStreaming()) {
    showNotice('An answer is still being written; stop it before switching versions.', 'busy');
    return;
  }
  let shown;
  try {
    shown = await api.showVersion(id, messageId, step);
  } catch (e) {
    showError(e);
    return;
  }
  await reopen(shown);
  const pager = document.querySelector(`.message[data-message-id="${CSS.escape(shown)}"] .versions`);
  const button = /** @type {HTMLButtonElement | null} */ (
    pager?.querySelector(`[data-testid=${step < 0 ? 'version-prev' : 'version-next'}]:not(:disabled)`)
    ?? pager?.querySelector('button:not(:disabled)'));
  button?.focus();
}
