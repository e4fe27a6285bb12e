// @ts-check
// The open chat's settings, in a popover from the header: its system prompt, saved as the person
// types, whether it offers tools, and its parameters (each empty for the model's default,
// which is never sent). The button is marked while the chat has a system prompt.
import * as api from '../api.js';
import { saver } from '../saver.js';
import * as state from '../state.js';
import { popover } from './popover.js';
import { showError } from './toasts.js';

const field = /** @type {HTMLTextAreaElement} */ (document.getElementById('system-prompt'));
const toolsSwitch = /** @type {HTMLInputElement} */ (document.getElementById('chat-tools'));
/** @param {string} id */
const numberField = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const temperature = numberField('param-temperature');
const topP = numberField('param-top-p');
const maxTokens = numberField('param-max-tokens');
const effort = /** @type {HTMLSelectElement} */ (document.getElementById('param-reasoning-effort'));

/** @import { Parameters } from '../api.js' */

/** What the chat has, as last shown or saved: restored when a change is refused. */
/** @type {Parameters} */
let shownParameters = { temperature: null, topP: null, maxTokens: null, reasoningEffort: null };
const button = document.getElementById('chat-settings-button');
const panel = document.getElementById('chat-settings');

export const promptSave = saver(api.setSystemPrompt, field, 'The system prompt');

function mark() {
  button.dataset.active = String(field.value.trim() !== '');
  button.dataset.tip = field.value.trim() ? 'Chat settings (a system prompt is set)' : 'Chat settings';
}

/** @param {string} prompt */
export function showSystemPrompt(prompt) {
  field.value = prompt;
  mark();
}

/** @param {boolean} enabled */
export function showChatTools(enabled) {
  toolsSwitch.checked = enabled;
}

/** @param {Parameters} p */
export function showChatParameters(p) {
  shownParameters = p;
  /** @param {number | null} v */
  const text = (v) => (v === null ? '' : String(v));
  temperature.value = text(p.temperature);
  topP.value = text(p.topP);
  maxTokens.value = text(p.maxTokens);
  effort.value = p.reasoningEffort ?? '';
  for (const f of [temperature, topP, maxTokens]) f.removeAttribute('aria-invalid');
}

/** @param {HTMLInputElement} f */
function numberIn(f) {
  const v = f.value.trim();
  return v === '' ? null : Number(v);
}

async function saveParameters() {
  const id = state.openId();
  if (id === null) return;
  /** @type {Parameters} */
  const p = {
    temperature: numberIn(temperature),
    topP: numberIn(topP),
    maxTokens: numberIn(maxTokens),
    reasoningEffort: /** @type {Parameters['reasoningEffort']} */ (effort.value || null),
  };
  // A number the field cannot read (letters, say) is refused here, where it was typed.
  for (const f of [temperature, topP, maxTokens]) {
    const bad = f.value.trim() !== '' && !Number.isFinite(numberIn(f));
    if (bad) f.setAttribute('aria-invalid', 'true');
    else f.removeAttribute('aria-invalid');
  }
  if ([temperature, topP, maxTokens].some((f) => f.hasAttribute('aria-invalid'))) return;
  try {
    await api.setChatParameters(id, p);
    shownParameters = p;
  } catch (e) {
    showError(e, 'Not saved: ');
    showChatParameters(shownParameters);
  }
}

async function saveChatTools() {
  const id = state.openId();
  if (id === null) return;
  try {
    await api.setChatTools(id, toolsSwitch.checked);
  } catch (e) {
    toolsSwitch.checked = !toolsSwitch.checked;
    showError(e, 'The tools switch was not saved: ');
  }
}

export function initChatSettings() {
  toolsSwitch.addEventListener('change', saveChatTools);
  for (const f of [temperature, topP, maxTokens, effort]) f.addEventListener('change', saveParameters);
  popover(button, panel, { align: 'end', opened: () => field.focus(), closed: () => promptSave.now() });
  field.addEventListener('input', () => {
    mark();
    promptSave.later();
  });
  field.addEventListener('blur', () => promptSave.now());
  window.addEventListener('blur', () => promptSave.now());
}
