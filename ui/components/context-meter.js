// @ts-check
// The model's context window: a meter beside Send (how much of it the next request would fill,
// as Rust estimates it), the mark in the chat where the model's view begins when older turns
// are left out, and the notice when a request would not fit, with what the person can do.
import * as api from '../api.js';
import * as state from '../state.js';
import { currentModel, onModelPicked, onModelsLoaded, openModelPicker } from './model-picker.js';
import { draftSave, showDraft } from './composer.js';
import { showError, showNotice } from './toasts.js';

const meter = /** @type {HTMLElement} */ (document.getElementById('context-meter'));
const fill = /** @type {HTMLElement} */ (meter.querySelector('.context-meter-fill'));
const label = /** @type {HTMLElement} */ (meter.querySelector('.context-meter-text'));
const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('input'));
const notice = /** @type {HTMLElement} */ (document.getElementById('context-notice'));
const noticeText = /** @type {HTMLElement} */ (document.getElementById('context-notice-text'));
const newest = /** @type {HTMLButtonElement} */ (document.getElementById('context-newest'));
const fitSwitch = /** @type {HTMLInputElement} */ (document.getElementById('chat-fit'));
const summary = /** @type {HTMLButtonElement} */ (document.getElementById('context-summary'));
const SUMMARY_LABEL = summary.textContent;

/** Measures asked for: only the newest one's answer is shown. */
let measures = 0;
let timer = 0;
/** What sends the request that did not fit again. */
let again = () => {};

/**
 * Tokens in a few characters: 950, 12.3k, 128k.
 * @param {number} n
 */
function tokens(n) {
  if (n < 1000) return String(n);
  return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
}

/** Measures again once the person pauses typing. */
export function measureLater() {
  clearTimeout(timer);
  timer = window.setTimeout(measure, 300);
}

/** Measures the open chat's next request now. */
export async function measure() {
  clearTimeout(timer);
  const id = state.openId();
  const model = currentModel();
  const run = ++measures;
  if (id === null || !model) {
    meter.hidden = true;
    return;
  }
  let m;
  try {
    m = await api.measureContext(id, model, input.value);
  } catch {
    // Only a hint: what stops it (a chat gone, the history closed) is said where it matters.
    return;
  }
  if (run !== measures || id !== state.openId()) return;
  meter.dataset.used = String(m.used);
  meter.dataset.limit = m.limit === null ? '' : String(m.limit);
  markViewStart(m.from);
  if (m.limit === null) {
    meter.hidden = true;
    return;
  }
  const share = m.used / m.limit;
  meter.hidden = false;
  meter.dataset.level = share > 1 ? 'over' : share > 0.8 ? 'near' : 'ok';
  fill.style.width = `${Math.min(100, share * 100)}%`;
  label.textContent = `${tokens(m.used)} / ${tokens(m.limit)}`;
  meter.setAttribute('aria-valuemax', String(m.limit));
  meter.setAttribute('aria-valuenow', String(Math.min(m.used, m.limit)));
  const words = `About ${m.used.toLocaleString()} of the model's ${m.limit.toLocaleString()} tokens`;
  meter.setAttribute('aria-valuetext', words);
  meter.dataset.tip = fitSwitch.checked && m.from !== null
    ? `${words}: older turns are left out (marked in the chat)`
    : `${words} for the next message`;
}

/**
 * Marks the message where the model's view begins (message `id`), or none.
 * @param {string | null} id
 */
function markViewStart(id) {
  for (const n of document.querySelectorAll('.message.view-start')) {
    n.classList.remove('view-start');
    n.removeAttribute('data-view-start');
  }
  if (id === null) return;
  const node = document.querySelector(`.message[data-message-id="${CSS.escape(id)}"]`);
  if (!node) return;
  node.classList.add('view-start');
  node.setAttribute('data-view-start', 'The model sees from here');
}

/**
 * A request that would not fit (`error`, of kind `context_full`): said above the composer,
 * with its offers. `retry` sends it again.
 * @param {{message: string}} error
 * @param {() => void} retry
 */
export function showContextNotice(error, retry) {
  noticeText.textContent = error.message;
  again = retry;
  // Already sending the newest turns: only a shorter message or a larger window helps.
  newest.hidden = fitSwitch.checked;
  notice.hidden = false;
}

export function hideContextNotice() {
  notice.hidden = true;
}

/**
 * The model summarizes the open chat and a new chat starts from that summary, with what the
 * person was about to send in its composer; `opened(id)` opens it.
 * @param {(id: string) => Promise<void>} opened
 */
async function goOnFromSummary(opened) {
  const id = state.openId();
  const model = currentModel();
  if (id === null || !model) return;
  summary.disabled = true;
  summary.textContent = 'Writing a summary…';
  try {
    const draft = input.value;
    const started = await api.continueInNewChat(id, model, draft);
    // The question goes with the new chat; the old one keeps its words.
    showDraft('');
    draftSave.later();
    await draftSave.now();
    hideContextNotice();
    await opened(started.id);
    showNotice('This chat goes on from a summary of the last one: it is in the chat\'s settings, after the system prompt.', 'info');
  } catch (e) {
    showError(e, 'No new chat: ');
  } finally {
    summary.disabled = false;
    summary.textContent = SUMMARY_LABEL;
  }
}

/** @param {boolean} newestOnly */
export function showChatFit(newestOnly) {
  fitSwitch.checked = newestOnly;
}

async function saveFit() {
  const id = state.openId();
  if (id === null) return false;
  try {
    await api.setChatFit(id, fitSwitch.checked);
    measure();
    return true;
  } catch (e) {
    fitSwitch.checked = !fitSwitch.checked;
    showError(e, 'Not saved: ');
    return false;
  }
}

/** @param {{opened: (id: string) => Promise<void>}} on  `opened(id)` opens a chat started here */
export function initContextMeter({ opened }) {
  input.addEventListener('input', measureLater);
  // What waits attached counts too: the tray's chips change as files come and go.
  new MutationObserver(measureLater).observe(document.getElementById('attachments'), { childList: true });
  // The window is the model's: known once the list is loaded, another once another is picked.
  onModelsLoaded(measure);
  onModelPicked(() => {
    hideContextNotice();
    measure();
  });
  fitSwitch.addEventListener('change', saveFit);
  newest.addEventListener('click', async () => {
    fitSwitch.checked = true;
    if (!(await saveFit())) return;
    hideContextNotice();
    again();
  });
  summary.addEventListener('click', () => goOnFromSummary(opened));
  document.getElementById('context-other-model').addEventListener('click', () => {
    hideContextNotice();
    openModelPicker();
  });
  document.getElementById('context-notice-close').addEventListener('click', hideContextNotice);
}
