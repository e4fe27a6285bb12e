// @ts-check
// An answer's tool calls, as cards above its text: the server and tool, the arguments as the
// model wrote them (pretty-printed, always as text), what became of the call, its result
// folded, the images it returned as thumbnails, and, while it waits, the person's choices.
// The choice goes to Rust, which runs a call only when the answer waiting on it holds that
// call (glama_core::chat::tools).
import * as api from '../api.js';
import * as state from '../state.js';
import { chipRow } from './attachment-chips.js';
import { showError, showNotice } from './toasts.js';

/** @import { CallStatus, Decision, ToolCall } from '../api.js' */

const live = document.getElementById('live');

/** @type {Record<CallStatus, string>} */
const STATUS_WORDS = {
  awaiting: 'Waiting for your approval',
  running: 'Running…',
  done: 'Done',
  denied: 'Declined',
  failed: 'Failed',
  interrupted: 'Interrupted — not run again by itself',
};

/** @type {[Decision, string, string][]} */
const CHOICES = [
  ['allowOnce', 'Allow once', 'tool-allow-once'],
  ['allowChat', 'Allow in this chat', 'tool-allow-chat'],
  ['allowAlways', 'Always allow', 'tool-allow-always'],
  ['deny', 'Deny', 'tool-deny'],
];

/**
 * The arguments as readable text: indented when they are JSON, as written when not.
 * @param {string} args
 */
function pretty(args) {
  if (!args.trim()) return '{}';
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

/**
 * The answer's list of cards, made above its text when missing.
 * @param {HTMLElement} node
 */
function listOf(node) {
  let list = /** @type {HTMLElement | null} */ (node.querySelector('.tool-calls'));
  if (!list) {
    list = document.createElement('div');
    list.className = 'tool-calls';
    node.insertBefore(list, node.querySelector('.content'));
  }
  return list;
}

/**
 * Sends the person's choice on `call`; its buttons wait until Rust has it.
 * @param {HTMLElement} card
 * @param {ToolCall} call
 * @param {Decision} decision
 */
async function decide(card, call, decision) {
  const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (card.querySelectorAll('.tool-choices button'));
  for (const b of buttons) b.disabled = true;
  try {
    const id = state.openId();
    const heard = id !== null && await api.decideToolCall(id, call.id, decision);
    if (!heard) {
      showNotice('This call no longer waits: its answer has ended.', 'info');
      return;
    }
  } catch (e) {
    showError(e);
  }
  for (const b of buttons) b.disabled = false;
}

/**
 * Draws `call` into `card` (new or already shown).
 * @param {HTMLElement} card
 * @param {ToolCall} call
 */
function fill(card, call) {
  card.dataset.status = call.status;
  card.setAttribute('aria-label', `Tool call: ${call.label}, ${STATUS_WORDS[call.status]}`);
  /** @type {HTMLElement} */ (card.querySelector('.tool-status')).textContent = STATUS_WORDS[call.status];
  card.querySelector('.tool-choices')?.remove();
  if (call.status === 'awaiting') {
    const choices = document.createElement('div');
    choices.className = 'tool-choices';
    choices.setAttribute('role', 'group');
    choices.setAttribute('aria-label', `Run ${call.label}?`);
    for (const [decision, words, testid] of CHOICES) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = words;
      b.setAttribute('data-testid', testid);
      if (decision === 'allowOnce') b.className = 'primary';
      b.addEventListener('click', () => decide(card, call, decision));
      choices.appendChild(b);
    }
    card.appendChild(choices);
  }
  card.querySelector('.tool-result')?.remove();
  card.querySelector('.tool-images')?.remove();
  if (call.result != null) {
    const result = document.createElement('details');
    result.className = 'tool-result';
    result.setAttribute('data-testid', 'tool-result');
    // A failure's words are what the person needs: shown open.
    result.open = call.status === 'failed';
    const summary = document.createElement('summary');
    summary.textContent = call.status === 'failed' ? 'Error' : 'Result';
    const text = document.createElement('pre');
    text.textContent = call.result;
    result.append(summary, text);
    card.appendChild(result);
  }
  // Images stay in sight when the result is folded: they are what the person looks at.
  if (call.images?.length) {
    const images = chipRow(call.images);
    images.classList.add('tool-images');
    images.setAttribute('data-testid', 'tool-images');
    images.setAttribute('aria-label', `Images ${call.label} returned`);
    card.appendChild(images);
  }
}

/** @param {ToolCall} call */
function newCard(call) {
  const card = document.createElement('section');
  card.className = 'tool-call';
  card.setAttribute('data-testid', 'tool-call');
  card.dataset.id = call.id;
  const head = document.createElement('div');
  head.className = 'tool-head';
  const name = document.createElement('span');
  name.className = 'tool-name';
  name.textContent = call.label;
  const status = document.createElement('span');
  status.className = 'tool-status';
  head.append(name, status);
  const args = document.createElement('pre');
  args.className = 'tool-arguments';
  args.setAttribute('data-testid', 'tool-arguments');
  args.textContent = pretty(call.arguments);
  card.append(head, args);
  fill(card, call);
  return card;
}

/**
 * Shows calls on answer `node`: new ones as cards at the end of its list, known ones updated.
 * `announce`: they were just asked for (a screen reader hears what waits for the person).
 * @param {HTMLElement} node
 * @param {ToolCall[]} calls
 * @param {boolean} [announce]
 */
export function showCalls(node, calls, announce = false) {
  const list = listOf(node);
  for (const call of calls) {
    const card = /** @type {HTMLElement | null} */ (list.querySelector(`[data-id="${CSS.escape(call.id)}"]`));
    if (card) fill(card, call);
    else list.appendChild(newCard(call));
  }
  const waiting = calls.filter((c) => c.status === 'awaiting');
  if (announce && waiting.length) {
    live.textContent = `The model asks to run ${waiting.map((c) => c.label).join(', ')}. Allow or deny it below.`;
  }
}
