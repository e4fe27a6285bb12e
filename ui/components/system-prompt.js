// @ts-check
// The open chat's system prompt, saved as the person types.
import * as api from '../api.js';
import { saver } from '../saver.js';

const field = /** @type {HTMLTextAreaElement} */ (document.getElementById('system-prompt'));

export const promptSave = saver(api.setSystemPrompt, field, 'The system prompt');

/** @param {string} prompt */
export function showSystemPrompt(prompt) {
  field.value = prompt;
}

export function initSystemPrompt() {
  field.addEventListener('input', () => promptSave.later());
  field.addEventListener('blur', () => promptSave.now());
  window.addEventListener('blur', () => promptSave.now());
}
