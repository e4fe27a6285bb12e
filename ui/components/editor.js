// @ts-check
// A question edited in place: its text in a box, its attachments as chips that can be taken
// off, and Save & send, which asks again from there.
import * as state from '../state.js';
import { chipRow } from './attachment-chips.js';
import { modelCanTake } from './attachments.js';
import { attachmentsOf, bodyOf, showAttachments } from './message.js';

/** @import { AskRequest } from '../api.js' */

/**
 * A button saying `label`.
 * @param {string} label
 * @param {string} testid
 * @param {() => void} onClick
 * @param {string} [className]
 */
function button(label, testid, onClick, className = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  b.setAttribute('data-testid', testid);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Opens the editor on question `node`; Save & send hands the edit to `ask`.
 * @param {HTMLElement} node
 * @param {(request: AskRequest, edited: HTMLElement) => void} ask
 */
export function startEdit(node, ask) {
  if (state.isStreaming() || node.querySelector('.editor')) return;
  const body = bodyOf(node);
  const editor = document.createElement('div');
  editor.className = 'editor';
  const area = document.createElement('textarea');
  area.value = body.textContent;
  // The question's attachments, removable; the edit keeps those still shown.
  let kept = attachmentsOf(node);
  /** @type {HTMLElement | null} */
  let chips = null;
  const showChips = () => {
    const row = chipRow(kept, (a) => { kept = kept.filter((k) => k.id !== a.id); showChips(); });
    if (chips) chips.replaceWith(row);
    chips = row;
  };
  showChips();
  area.setAttribute('data-testid', 'edit-input');
  area.setAttribute('aria-label', 'Edit message');
  const save = button('Save & send', 'edit-save', () => {
    const text = area.value;
    if (!text.trim() && !kept.length) return;
    if (!modelCanTake(kept)) return;
    editor.remove();
    body.hidden = false;
    showAttachments(node, kept);
    ask({ kind: 'edit', messageId: node.dataset.messageId, text, attachments: kept.map((a) => a.id) }, node);
  }, 'primary');
  const cancel = button('Cancel', 'edit-cancel', () => { editor.remove(); body.hidden = false; }, 'quiet');
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save.click(); }
    if (e.key === 'Escape') { e.preventDefault(); cancel.click(); }
  });
  const row = document.createElement('div');
  row.className = 'row';
  row.append(cancel, save);
  editor.append(area, chips, row);
  body.hidden = true;
  node.insertBefore(editor, node.querySelector('.actions'));
  area.focus();
}
