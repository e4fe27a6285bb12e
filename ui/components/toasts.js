// @ts-check
// Notices the person must read, as toasts: notices from Rust, failed actions, what an action did.
// Errors stay until dismissed; news fades after a while (not while the pointer or the keyboard
// is on it). Each is also said to screen readers, through live regions that are there from
// the start (a region added with its words is often not read).
import { errorText } from '../api.js';
import { icon, iconButton } from '../icons.js';

/** @import { AppError, ErrorCode } from '../api.js' */

const stack = document.getElementById('toasts');
const polite = document.getElementById('announce-polite');
const assertive = document.getElementById('announce-alert');
const NEWS_MS = 7000;
/** How long an Undo is offered. */
export const UNDO_MS = 8000;

/** The most shown at once; the oldest go first. */
const MOST = 4;

/**
 * A button a toast offers (Undo).
 * @typedef {object} ToastAction
 * @property {string} label
 * @property {string} testid
 * @property {() => void} run
 */

/**
 * Shows `message`; `kind` is the code of what failed (or of a notice), or `info` for news that
 * is not a failure. Returns a function that takes the toast away.
 * @param {string} message
 * @param {ErrorCode | 'info'} [kind]
 * @param {{action?: ToastAction, forMs?: number}} [options]  `forMs`: how long news stays
 */
export function showNotice(message, kind = 'unknown', { action, forMs = NEWS_MS } = {}) {
  const isNews = kind === 'info';
  const toast = document.createElement('div');
  toast.className = 'toast';
  toast.dataset.kind = kind;
  toast.setAttribute('data-testid', 'toast');
  const text = document.createElement('span');
  text.className = 'toast-text';
  text.textContent = message;
  toast.append(icon(isNews ? 'info' : 'circle-alert'), text);
  const dismiss = () => {
    clearTimeout(timer);
    toast.remove();
    stack.hidden = stack.childElementCount === 0;
  };
  if (action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'toast-action';
    b.textContent = action.label;
    b.setAttribute('data-testid', action.testid);
    b.addEventListener('click', () => { dismiss(); action.run(); });
    toast.appendChild(b);
  }
  toast.appendChild(iconButton({ icon: 'x', label: 'Dismiss', testid: 'toast-dismiss', onClick: dismiss }));
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const fadeLater = () => { if (isNews) timer = setTimeout(dismiss, forMs); };
  toast.addEventListener('mouseenter', () => clearTimeout(timer));
  toast.addEventListener('mouseleave', fadeLater);
  toast.addEventListener('focusin', () => clearTimeout(timer));
  fadeLater();
  stack.appendChild(toast);
  while (stack.childElementCount > MOST) stack.firstElementChild.remove();
  stack.hidden = false;
  (isNews ? polite : assertive).textContent = message;
  return dismiss;
}

/**
 * Shows what a failed command rejected with (or anything else thrown), after `lead` when given
 * ("Could not load your chats: ").
 * @param {unknown} e
 * @param {string} [lead]
 */
export function showError(e, lead = '') {
  const kind = e && typeof e === 'object' && 'kind' in e ? /** @type {AppError} */ (e).kind : undefined;
  showNotice(`${lead}${errorText(e)}`, kind);
}

/** Takes every toast away (what they said no longer holds: the connection came up). */
export function clearNotices() {
  stack.replaceChildren();
  stack.hidden = true;
}
