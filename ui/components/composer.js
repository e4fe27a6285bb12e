// @ts-check
// The composer: the message box (its draft saved as the person types), Send, and Stop while an
// answer is being written.
import * as api from '../api.js';
import { saver } from '../saver.js';
import * as state from '../state.js';
import { modelCanTake, pendingAttachments, sent, settled } from './attachments.js';

/** @import { AttachmentView } from '../api.js' */

const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('input'));
const sendButton = document.getElementById('send');
const stopButton = document.getElementById('stop');

export const draftSave = saver(api.saveDraft, input, 'Your draft');

/** @param {string} draft */
export function showDraft(draft) {
  input.value = draft;
  fit();
}

export function focusComposer() {
  input.focus();
}

/** The box grows with what it holds, up to its maximum height (style.css). */
function fit() {
  input.style.height = 'auto';
  input.style.height = `${input.scrollHeight + 2}px`;
}

/**
 * Puts `text` in the message box (a starter), ready to be edited and sent.
 * @param {string} text
 */
export function fillComposer(text) {
  input.value = text;
  fit();
  draftSave.later();
  input.focus();
  input.setSelectionRange(text.length, text.length);
}

/**
 * A question that could not be asked: its words go back in the box, unless the person typed
 * something new meanwhile.
 * @param {string} text
 */
export function giveBack(text) {
  if (input.value) return;
  input.value = text;
  fit();
  draftSave.later();
}

let sending = false;

/** @param {(text: string, attached: AttachmentView[]) => void} ask */
async function send(ask) {
  if (state.isStreaming() || sending) return;
  sending = true;
  try {
    // A question sent while a file is still being attached waits for it.
    await settled();
  } finally {
    sending = false;
  }
  const text = input.value;
  const attached = pendingAttachments();
  if ((!text.trim() && !attached.length) || state.isStreaming()) return;
  if (!modelCanTake(attached)) return;
  input.value = '';
  fit();
  // Rust moves the composer's attachments to the question; the chips go with it now.
  sent();
  ask(text, attached);
}

function stop() {
  const id = state.openId();
  if (state.isStreaming() && id !== null) api.stopAnswer(id);
}

/** @param {{send: (text: string, attached: AttachmentView[]) => void}} on  what Send does */
export function initComposer(on) {
  document.getElementById('composer').addEventListener('submit', (e) => { e.preventDefault(); send(on.send); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(on.send); }
  });
  input.addEventListener('input', () => {
    fit();
    draftSave.later();
  });
  window.addEventListener('blur', () => draftSave.now());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.isStreaming()) { e.preventDefault(); stop(); }
  });
  stopButton.addEventListener('click', stop);
  state.onStreaming((on) => {
    stopButton.hidden = !on;
    sendButton.hidden = on;
  });
}
