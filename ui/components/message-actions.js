// @ts-check
// A message's buttons, as icons with names and tooltips: Copy and Edit on a question; Copy,
// Continue and Regenerate (Retry after a failure) on an answer. Regenerate, Retry and Continue
// only on the conversation's last, and Send without tools on a model's refusal of tools.
import { copyText } from '../clipboard.js';
import { iconButton, setIcon } from '../icons.js';
import { bodyOf } from './message.js';
import { retip } from './tooltip.js';

/**
 * The actions a message's buttons start.
 * @typedef {object} MessageActions
 * @property {(node: HTMLElement) => void} edit  a question, edited in place
 * @property {(node: HTMLElement) => void} continue  a cut-off answer, continued
 * @property {() => void} regenerate  the last answer again (Retry after a failure)
 * @property {() => void} withoutTools  the last answer again, with no tools offered
 */

/**
 * A Copy button: what `text()` gives goes to the clipboard, and the button says so for a moment.
 * @param {() => string} text
 */
function copyButton(text) {
  const b = iconButton({
    icon: 'copy',
    label: 'Copy',
    testid: 'copy-message',
    onClick: async () => {
      const ok = await copyText(text());
      setIcon(b, ok ? 'check' : 'x');
      retip(b, ok ? 'Copied' : 'Copy failed');
      setTimeout(() => { setIcon(b, 'copy'); retip(b, 'Copy'); }, 1500);
    },
  });
  return b;
}

/** @param {HTMLElement} node */
function messageText(node) {
  return node.dataset.source ?? /** @type {HTMLElement} */ (node.querySelector('.content')).innerText;
}

/**
 * The buttons message `node` offers. Drawn again only when what they depend on changed: every
 * message is asked after each answer.
 * @param {HTMLElement} node
 * @param {boolean} isLast
 * @param {MessageActions} on
 */
export function showActions(node, isLast, on) {
  const actions = /** @type {HTMLElement} */ (node.querySelector('.actions'));
  const { role, status, continuable, errorKind } = node.dataset;
  const state = `${role} ${status} ${continuable} ${isLast} ${errorKind}`;
  if (actions.dataset.for === state) return;
  actions.dataset.for = state;
  actions.replaceChildren();
  if (role === 'user') {
    actions.append(
      copyButton(() => bodyOf(node).textContent),
      iconButton({ icon: 'pencil', label: 'Edit', testid: 'edit-button', onClick: () => on.edit(node) }),
    );
  } else if (role === 'assistant') {
    actions.append(copyButton(() => messageText(node)));
    if (isLast && continuable === 'true') {
      actions.append(iconButton({
        icon: 'chevrons-right', label: 'Continue', text: 'Continue', testid: 'continue-button', onClick: () => on.continue(node),
      }));
    }
    if (isLast && status !== 'streaming') {
      const retry = status === 'error' || status === 'interrupted';
      actions.append(retry
        ? iconButton({ icon: 'rotate-ccw', label: 'Retry', text: 'Retry', testid: 'retry-button', onClick: () => on.regenerate() })
        : iconButton({ icon: 'refresh-cw', label: 'Regenerate', testid: 'regenerate-button', onClick: () => on.regenerate() }));
    }
  } else if (isLast) {
    if (errorKind === 'tools_refused') {
      actions.append(iconButton({
        icon: 'refresh-cw', label: 'Ask again without tools', text: 'Send without tools', testid: 'send-without-tools',
        onClick: () => on.withoutTools(),
      }));
    }
    actions.append(iconButton({ icon: 'rotate-ccw', label: 'Retry', text: 'Retry', testid: 'retry-button', onClick: () => on.regenerate() }));
  }
}
