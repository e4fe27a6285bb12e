// @ts-check
// One message on the page: its node (who wrote it; for an answer its folded reasoning, its text,
// the notes on how it ended and its usage), filled from a kept message or grown by a streaming
// one (its buttons are message-actions.js'). Assistant HTML comes from Rust already sanitized;
// user text is only ever set as text.
import { chipRow } from './attachment-chips.js';
import { decorate } from './decorate.js';
import { showCalls } from './tool-calls.js';
import { showVersions } from './versions.js';

/** @import { Author, AttachmentView, ErrorView, Message, MessageStatus, StopReason, Usage } from '../api.js' */

/**
 * An empty message: `.body` for a question or an error row, `.reasoning` and `.content` for an
 * answer, then `.actions`.
 * @param {Author} role
 * @param {MessageStatus} [status]
 */
export function messageNode(role, status) {
  const node = document.createElement('article');
  node.className = 'message';
  node.setAttribute('data-testid', 'message');
  node.dataset.role = role;
  if (role === 'assistant') node.dataset.status = status;
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : role === 'assistant' ? 'Assistant' : 'Error';
  node.appendChild(who);
  if (role === 'assistant') {
    // The model's reasoning, folded above the answer; Rust renders it like the answer.
    const reasoning = document.createElement('details');
    reasoning.className = 'reasoning';
    reasoning.setAttribute('data-testid', 'reasoning');
    reasoning.hidden = true;
    const summary = document.createElement('summary');
    summary.setAttribute('data-testid', 'reasoning-summary');
    const reasoningBody = document.createElement('div');
    reasoningBody.className = 'reasoning-body';
    reasoning.append(summary, reasoningBody);
    const content = document.createElement('div');
    content.className = 'content';
    const committed = document.createElement('div');
    committed.className = 'committed';
    content.append(committed);
    node.append(reasoning, content);
  } else {
    const body = document.createElement('div');
    body.className = 'body';
    node.appendChild(body);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  node.appendChild(actions);
  return node;
}

/**
 * The node of kept message `m`.
 * @param {Message} m
 */
export function storedMessageNode(m) {
  const node = messageNode(m.role, m.status);
  node.dataset.messageId = m.id;
  if (m.role === 'user') {
    bodyOf(node).textContent = m.text;
    showAttachments(node, m.attachments ?? []);
  } else if (m.role === 'error') setErrorRow(node, m.error);
  else {
    node.querySelector('.committed').innerHTML = m.html;
    node.dataset.source = m.text;
    if (m.reasoning) {
      const details = reasoningOf(node);
      details.querySelector('.reasoning-body').innerHTML = m.reasoningHtml;
      details.querySelector('summary').textContent = thoughtLabel(m.reasoningMs);
      details.hidden = false;
    }
    if (m.toolCalls) showCalls(node, m.toolCalls);
    decorate(node);
    finishNode(node, m);
    if (m.usage) showUsage(node, m.usage);
  }
  showVersions(node, m.versions);
  return node;
}

/** @param {HTMLElement} node */
export function bodyOf(node) {
  return /** @type {HTMLElement} */ (node.querySelector('.body'));
}

/** @param {HTMLElement} node */
export function reasoningOf(node) {
  return /** @type {HTMLDetailsElement} */ (node.querySelector('.reasoning'));
}

/**
 * A question's attachments as chips under its text (none: no row).
 * @param {HTMLElement} node
 * @param {AttachmentView[]} list
 */
export function showAttachments(node, list) {
  node.querySelector('.attachment-row')?.remove();
  node.dataset.attachments = JSON.stringify(list);
  if (list.length) node.insertBefore(chipRow(list), node.querySelector('.actions'));
}

/**
 * @param {HTMLElement} node
 * @returns {AttachmentView[]}
 */
export function attachmentsOf(node) {
  return JSON.parse(node.dataset.attachments || '[]');
}

/**
 * Makes `node` an error row saying `error`.
 * @param {HTMLElement} node
 * @param {ErrorView | null} error
 */
export function setErrorRow(node, error) {
  node.dataset.role = 'error';
  delete node.dataset.status;
  node.querySelector('.content')?.remove();
  let body = bodyOf(node);
  if (!body) {
    body = document.createElement('div');
    body.className = 'body';
    node.insertBefore(body, node.querySelector('.actions'));
  }
  node.querySelector('.who').textContent = 'Error';
  body.textContent = error ? error.message : 'The answer failed.';
  // What the row offers depends on why (message-actions.js).
  if (error) node.dataset.errorKind = error.kind;
}

/**
 * The message's note of `className` (created above the actions if missing).
 * @param {HTMLElement} node
 * @param {string} className
 * @param {string} [testid]
 * @returns {HTMLElement}
 */
export function note(node, className, testid) {
  let el = /** @type {HTMLElement | null} */ (node.querySelector(`.${className}`));
  if (!el) {
    el = document.createElement('div');
    el.className = className;
    if (testid) el.setAttribute('data-testid', testid);
    node.insertBefore(el, node.querySelector('.actions'));
  }
  return el;
}

/** Notes a finished answer can carry; all are cleared when it is continued. */
const END_NOTES = ['stopped-note', 'interrupted-note', 'error-note', 'cut-note', 'filtered-note', 'refusal-note', 'usage'];

/**
 * How an answer ended, as its status and notes; whether it can go on is Rust's to say.
 * @param {HTMLElement} node
 * @param {{status: MessageStatus, error: ErrorView | null, stopReason: StopReason | null,
 *   refusal: string | null, continuable: boolean}} end
 */
export function finishNode(node, { status, error, stopReason, refusal, continuable }) {
  node.dataset.status = status;
  node.dataset.continuable = String(continuable);
  if (stopReason) node.dataset.stop = stopReason;
  else delete node.dataset.stop;
  node.querySelector('.retrying')?.remove();
  const hasText = (node.dataset.source ?? '').trim() !== '';
  if (refusal) note(node, 'refusal-note', 'refusal-note').textContent = `The model declined: ${refusal}`;
  if (stopReason === 'length') {
    note(node, 'cut-note', 'cut-note').textContent = continuable
      ? "Cut off — the answer reached the model's output limit. Continue asks the model to go on."
      : "The model's output limit was reached while it was still thinking. Regenerate to try again.";
  }
  if (stopReason === 'content_filter') {
    note(node, 'filtered-note', 'filtered-note').textContent = hasText
      ? "Stopped by the provider's content filter — the answer so far is kept."
      : "The provider's content filter blocked this answer.";
  }
  if (status === 'stopped') note(node, 'stopped-note').textContent = 'Stopped — the answer so far is kept.';
  if (status === 'interrupted') {
    note(node, 'interrupted-note', 'interrupted-note').textContent =
      'Interrupted — Glama Chat closed while this was written. The text so far is kept.';
  }
  if (status === 'error' && error) note(node, 'error-note').textContent = `${error.message} The text so far is kept.`;
}

/**
 * A cut-off answer about to be continued: Rust sends it again whole, so it starts empty.
 * @param {HTMLElement} node
 */
export function reopen(node) {
  node.dataset.status = 'streaming';
  node.dataset.continuable = 'false';
  delete node.dataset.stop;
  for (const cls of END_NOTES) node.querySelector(`.${cls}`)?.remove();
  for (const cls of ['committed', 'reasoning-body']) {
    const fresh = document.createElement('div');
    fresh.className = cls;
    node.querySelector(`.${cls}`).replaceWith(fresh);
  }
}

/**
 * @param {HTMLElement} node
 * @param {Usage} u
 */
export function showUsage(node, u) {
  const line = note(node, 'usage', 'usage');
  const parts = [];
  if (u.promptTokens != null) parts.push(`${u.promptTokens} tokens in`);
  if (u.completionTokens != null) {
    parts.push(u.reasoningTokens ? `${u.completionTokens} out (${u.reasoningTokens} reasoning)` : `${u.completionTokens} out`);
  }
  if (u.costUsd != null) parts.push(`$${u.costUsd.toFixed(6)}`);
  line.textContent = parts.join(' · ');
}

// ---- reasoning ---------------------------------------------------------------------------

/**
 * "Thought for 12 s" (or "1 min 5 s"), once the reasoning is over.
 * @param {number | null} ms
 */
function thoughtLabel(ms) {
  if (ms == null) return 'Thoughts';
  return `Thought for ${secondsText(Math.max(1, Math.ceil(ms / 1000)))}`;
}

/** @param {number} secs */
function secondsText(secs) {
  return secs < 60 ? `${secs} s` : `${Math.floor(secs / 60)} min ${secs % 60} s`;
}

/**
 * The running "Thinking… N s" of each answer reasoning now.
 * @type {WeakMap<HTMLElement, ReturnType<typeof setInterval>>}
 */
const thinking = new WeakMap();

/**
 * Reasoning streams: the section opens, and its summary counts the seconds. False when it was
 * counting already.
 * @param {HTMLElement} node
 */
export function startThinking(node) {
  if (thinking.has(node)) return false;
  const details = reasoningOf(node);
  const summary = details.querySelector('summary');
  const since = Date.now();
  const tick = () => { summary.textContent = `Thinking… ${secondsText(Math.floor((Date.now() - since) / 1000))}`; };
  details.hidden = false;
  details.open = true;
  tick();
  thinking.set(node, setInterval(tick, 1000));
  return true;
}

/**
 * The reasoning is over (it took `ms`): the count stops, and the section folds (a click opens
 * it again).
 * @param {HTMLElement} node
 * @param {number | null} ms
 */
export function stopThinking(node, ms) {
  clearInterval(thinking.get(node));
  thinking.delete(node);
  const details = reasoningOf(node);
  if (details.hidden) return;
  if (ms != null) details.querySelector('summary').textContent = thoughtLabel(ms);
  details.open = false;
}

/**
 * The answer ended while its reasoning still counted: the count stops where it is.
 * @param {HTMLElement} node
 */
export function endThinking(node) {
  if (thinking.has(node)) stopThinking(node, null);
}
