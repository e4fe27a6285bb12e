// @ts-check
// The open chat's settings, in a popover from the header: its system prompt, saved as the person
// types (the parameters and the assistant will join it). The button is marked while the chat
// has a system prompt.
import * as api from '../api.js';
import { saver } from '../saver.js';
import { popover } from './popover.js';

const field = /** @type {HTMLTextAreaElement} */ (document.getElementById('system-prompt'));
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

export function initChatSettings() {
  popover(button, panel, { align: 'end', opened: () => field.focus(), closed: () => promptSave.now() });
  field.addEventListener('input', () => {
    mark();
    promptSave.later();
  });
  field.addEventListener('blur', () => promptSave.now());
  window.addEventListener('blur', () => promptSave.now());
}
