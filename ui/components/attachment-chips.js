// @ts-check
// Attachments as chips: a thumbnail for an image (served by Rust's own protocol), an icon for a
// text file, the name, and a remove button where one can be taken off.
import { icon, iconButton } from '../icons.js';

/** @import { AttachmentView } from '../api.js' */

/**
 * A chip for attachment `a`, with a remove button when `onRemove` is given.
 * @param {AttachmentView} a
 * @param {((a: AttachmentView) => void) | null} [onRemove]
 */
export function chip(a, onRemove = null) {
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
    img.src = a.thumbnail ?? '';
    el.appendChild(img);
  } else {
    el.appendChild(icon('file-text'));
  }
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = a.name;
  el.appendChild(name);
  if (onRemove) {
    el.appendChild(iconButton({ icon: 'x', label: `Remove ${a.name}`, testid: 'attachment-remove', onClick: () => onRemove(a) }));
  }
  return el;
}

/**
 * A row of chips (a sent message's attachments, or the edit composer's).
 * @param {AttachmentView[]} list
 * @param {((a: AttachmentView) => void) | null} [onRemove]
 */
export function chipRow(list, onRemove = null) {
  const row = document.createElement('div');
  row.className = 'attachment-row';
  for (const a of list) row.appendChild(chip(a, onRemove));
  return row;
}
