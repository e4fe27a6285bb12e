// Attachments: pasted into the composer, dropped on the window, or picked with the paperclip
// (Rust opens the dialog and reads the file: this page never sees a path). Bytes go to Rust as
// a raw IPC body, never as JSON arrays. Rust decides what a file is, scales images and keeps
// them; chips show what waits to be sent, and thumbnails come from Rust's own protocol.
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';
import { currentModel, modelInfo, modelsWith, pickModel } from './models.js';

const tray = document.getElementById('attachments');
const notice = document.getElementById('image-model-notice');
const attachButton = document.getElementById('attach');

// The same limit Rust enforces (glama_core::attach::MAX_INPUT_BYTES): a larger file is not
// even read into the page.
const MAX_BYTES = 20 * 1024 * 1024;

let openId = () => null;
let pending = [];
// Attaching is sequential: chips keep the order the files came in.
let queue = Promise.resolve();

/** Where a thumbnail is served from (Windows serves custom schemes over http). */
function thumbnailUrl(id) {
  return navigator.userAgent.includes('Windows')
    ? `http://glama-attachment.localhost/${id}`
    : `glama-attachment://localhost/${id}`;
}

/**
 * A chip for attachment `a`: a thumbnail for an image, the name, and (when `onRemove` is
 * given) a remove button.
 */
function chip(a, onRemove = null) {
  const el = document.createElement('span');
  el.className = 'attachment-chip';
  el.setAttribute('data-testid', 'attachment-chip');
  el.dataset.id = a.id;
  el.dataset.kind = a.kind;
  el.title = a.kind === 'image' ? `${a.name} (${a.width}×${a.height})` : a.name;
  if (a.kind === 'image') {
    const img = document.createElement('img');
    img.className = 'thumb';
    img.alt = '';
    img.setAttribute('data-testid', 'attachment-thumb');
    img.src = thumbnailUrl(a.id);
    el.appendChild(img);
  } else {
    const icon = document.createElement('span');
    icon.className = 'file-icon';
    icon.textContent = '📄';
    el.appendChild(icon);
  }
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = a.name;
  el.appendChild(name);
  if (onRemove) {
    const x = document.createElement('button');
    x.type = 'button';
    x.className = 'remove';
    x.textContent = '×';
    x.setAttribute('data-testid', 'attachment-remove');
    x.setAttribute('aria-label', `Remove ${a.name}`);
    x.addEventListener('click', () => onRemove(a));
    el.appendChild(x);
  }
  return el;
}

/** A row of chips (a sent message's attachments, or the edit composer's). */
export function chipRow(list, onRemove = null) {
  const row = document.createElement('div');
  row.className = 'attachment-row';
  for (const a of list) row.appendChild(chip(a, onRemove));
  return row;
}

function render() {
  tray.replaceChildren(...pending.map((a) => chip(a, remove)));
  tray.hidden = pending.length === 0;
  if (!pending.some((a) => a.kind === 'image')) notice.hidden = true;
}

/** What waits in the composer (sent with the next question). */
export function pendingAttachments() {
  return pending.slice();
}

/** The open chat changed: show what waits in its composer. */
export async function showDraftAttachments(conversationId) {
  pending = [];
  render();
  if (conversationId === null) return;
  try {
    const got = await invoke('draft_attachments', { conversationId });
    if (conversationId === openId()) {
      pending = got;
      render();
    }
  } catch (e) {
    showBanner(errorText(e), e?.kind);
  }
}

/** The question was sent: Rust moved the composer's attachments to it. */
export function sent() {
  pending = [];
  render();
}

async function remove(a) {
  const conversationId = openId();
  try {
    await invoke('remove_attachment', { conversationId, id: a.id });
    pending = pending.filter((p) => p.id !== a.id);
    render();
  } catch (e) {
    showBanner(errorText(e), e?.kind);
  }
}

function added(view, conversationId) {
  if (conversationId !== openId()) return;
  if (!pending.some((p) => p.id === view.id)) pending.push(view);
  render();
}

/** Sends each file's bytes to Rust, one after the other. */
function attachFiles(files) {
  const conversationId = openId();
  if (conversationId === null) return queue;
  for (const file of files) {
    queue = queue.then(async () => {
      const name = file.name || 'pasted';
      if (file.size > MAX_BYTES) {
        showBanner(`“${name}” is ${(file.size / 1048576).toFixed(1)} MB — attachments can be at most 20.0 MB.`, 'attachment_too_large');
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
        const view = await invoke('attach_bytes', bytes, {
          headers: {
            'x-conversation-id': encodeURIComponent(conversationId),
            'x-file-name': encodeURIComponent(name),
          },
        });
        added(view, conversationId);
      } catch (e) {
        showBanner(errorText(e), e?.kind);
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
    const got = await invoke('attach_files', { conversationId });
    for (const view of got.attached) added(view, conversationId);
    if (got.refused.length) showBanner(got.refused.join(' '), 'attachment');
  } catch (e) {
    showBanner(errorText(e), e?.kind);
  }
}

/**
 * Whether the question can go to the chosen model: an image needs a model that takes images.
 * If not, says so in words and offers the models that can.
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

function hasFiles(e) {
  return [...(e.dataTransfer?.types ?? [])].includes('Files');
}

export function initAttachments(currentId) {
  openId = currentId;
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
