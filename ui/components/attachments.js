// @ts-check
// The composer's attachments: pasted into the message box, dropped on the window, or picked with
// the paperclip (Rust opens the dialog and reads the file: this page never sees a path). Rust
// decides what a file is, scales images and keeps them; the tray's chips show what waits to be
// sent with the next question, per chat.
import * as api from '../api.js';
import { openId } from '../state.js';
import { chip } from './attachment-chips.js';
import { currentModel, modelInfo, modelsWith, pickModel } from './model-picker.js';
import { showError, showNotice } from './toasts.js';

/** @import { AttachmentView } from '../api.js' */

const tray = document.getElementById('attachments');
const notice = document.getElementById('image-model-notice');
const attachButton = document.getElementById('attach');

/** @type {AttachmentView[]} */
let pending = [];
// Attaching is sequential: chips keep the order the files came in.
let queue = Promise.resolve();

function render() {
  tray.replaceChildren(...pending.map((a) => chip(a, remove)));
  tray.hidden = pending.length === 0;
  if (!pending.some((a) => a.kind === 'image')) notice.hidden = true;
}

/** What waits in the composer (sent with the next question). */
export function pendingAttachments() {
  return pending.slice();
}

/**
 * The open chat changed: show what waits in its composer.
 * @param {string | null} conversationId
 */
export async function showDraftAttachments(conversationId) {
  pending = [];
  render();
  if (conversationId === null) return;
  try {
    const got = await api.draftAttachments(conversationId);
    if (conversationId === openId()) {
      pending = got;
      render();
    }
  } catch (e) {
    showError(e);
  }
}

/** The question was sent: Rust moved the composer's attachments to it. */
export function sent() {
  pending = [];
  render();
}

/** @param {AttachmentView} a */
async function remove(a) {
  const conversationId = openId();
  try {
    await api.removeAttachment(conversationId, a.id);
    pending = pending.filter((p) => p.id !== a.id);
    render();
  } catch (e) {
    showError(e);
  }
}

/**
 * @param {AttachmentView} view
 * @param {string} conversationId
 */
function added(view, conversationId) {
  if (conversationId !== openId()) return;
  if (!pending.some((p) => p.id === view.id)) pending.push(view);
  render();
}

/**
 * Sends each file's bytes to Rust, one after the other.
 * @param {File[]} files
 */
function attachFiles(files) {
  const conversationId = openId();
  if (conversationId === null) return queue;
  for (const file of files) {
    queue = queue.then(async () => {
      const name = file.name || 'pasted';
      try {
        await api.attachmentFits(name, file.size);
      } catch (e) {
        showError(e);
        return;
      }
      // Scaling a large photo takes a moment: show that it is coming.
      const busy = document.createElement('span');
      busy.className = 'attachment-chip attaching';
      busy.setAttribute('role', 'status');
      busy.textContent = `Attaching ${name}…`;
      tray.appendChild(busy);
      tray.hidden = false;
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const view = await api.attachBytes(conversationId, name, bytes);
        added(view, conversationId);
      } catch (e) {
        showError(e);
      } finally {
        busy.remove();
        render();
      }
    });
  }
  return queue;
}

/** Resolves once every file handed over so far is attached (or refused). */
export function settled() {
  return queue;
}

async function pick() {
  const conversationId = openId();
  if (conversationId === null) return;
  try {
    const got = await api.attachFiles(conversationId);
    for (const view of got.attached) added(view, conversationId);
    if (got.refused.length) showNotice(got.refused.map((r) => r.message).join(' '), got.refused[0].kind);
  } catch (e) {
    showError(e);
  }
}

/**
 * Whether the question can go to the chosen model: an image needs a model that takes images.
 * If not, says so in words and offers the models that can.
 * @param {AttachmentView[]} list
 */
export function modelCanTake(list) {
  const model = currentModel();
  const info = modelInfo(model);
  const hasImage = list.some((a) => a.kind === 'image');
  if (!hasImage || !info || info.capabilities.includes('input:image')) {
    notice.hidden = true;
    return true;
  }
  const text = document.createElement('p');
  text.textContent = `${model} can't see images, so this question was not sent. Pick a model that can, or remove the image:`;
  const choices = document.createElement('div');
  choices.className = 'choices';
  for (const m of modelsWith('input:image')) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = m.id;
    b.setAttribute('data-testid', 'image-model-choice');
    b.addEventListener('click', () => { pickModel(m.id); notice.hidden = true; });
    choices.appendChild(b);
  }
  notice.replaceChildren(text, choices);
  notice.hidden = false;
  return false;
}

/** @param {DragEvent} e */
function hasFiles(e) {
  return [...(e.dataTransfer?.types ?? [])].includes('Files');
}

export function initAttachments() {
  attachButton.addEventListener('click', pick);
  document.getElementById('input').addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    // Cells copied from a spreadsheet come as text and as a picture of them: the text is meant.
    if (!files.length || e.clipboardData.getData('text/plain')) return;
    e.preventDefault();
    attachFiles(files);
  });
  // Files dropped anywhere on the window are attached; the page itself never navigates to them.
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    document.body.classList.add('dropping');
  });
  window.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dropping');
  });
  window.addEventListener('drop', (e) => {
    document.body.classList.remove('dropping');
    if (!hasFiles(e)) return;
    e.preventDefault();
    attachFiles([...e.dataTransfer.files]);
  });
  render();
}
