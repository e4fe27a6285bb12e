// @ts-check
// The open chat's settings, in a popover from the header: its system prompt, saved as the person
// types, and whether it offers tools (the parameters and the assistant will join them). The
// button is marked while the chat has a system prompt.
import * as api from '../api.js';
import { saver } from '../saver.js';
import * as state from '../state.js';
import { popover } from './popover.js';
import { showError } from './toasts.js';

const field = /** @type {HTMLTextAreaElement} */ (document.getElementById('system-prompt'));
const toolsSwitch = /** @type {HTMLInputElement} */ (document.getElementById('chat-tools'));
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
  popover(button, panel, { align: 'end', opened: () => field.focus(), closed: () => promptSave.now() });
  field.addEventListener('input', () => {
    mark();
    promptSave.later();
  });
  field.addEventListener('blur', () => promptSave.now());
  window.addEventListener('blur', () => promptSave.now());
}
