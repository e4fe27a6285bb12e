// @ts-check
// One place for messages the person must read: notices from Rust and failed actions.
import { errorText } from '../api.js';

/** @import { AppError, ErrorCode } from '../api.js' */

const banner = document.getElementById('banner');
const text = document.getElementById('banner-text');

/**
 * Shows `message`; `kind` is the code of what failed (or of a notice), or `info` for news that
 * is not a failure.
 * @param {string} message
 * @param {ErrorCode | 'info'} [kind]
 */
export function showBanner(message, kind = 'unknown') {
  text.textContent = message;
  banner.dataset.kind = kind;
  banner.hidden = false;
}

/**
 * Shows what a failed command rejected with (or anything else thrown), after `lead` when given
 * ("Could not load your chats: ").
 * @param {unknown} e
 * @param {string} [lead]
 */
export function showError(e, lead = '') {
  const kind = e && typeof e === 'object' && 'kind' in e ? /** @type {AppError} */ (e).kind : undefined;
  showBanner(`${lead}${errorText(e)}`, kind);
}

export function hideBanner() {
  banner.hidden = true;
}

document.getElementById('banner-close').addEventListener('click', hideBanner);
