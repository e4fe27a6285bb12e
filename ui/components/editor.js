// @ts-check
// A question edited in place: its text in a box, its attachments as chips that can be taken
// off, and Save & send, which asks again from there.
import * as state from '../state.js';
import { chipRow } from './attachment-chips.js';
import { modelCanTake } from './attachments.js';
import { attachmentsOf, bodyOf, button, showAttachments } from './message.js';

/** @import { AskRequest } from '../api.js' */

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
  });
  const cancel = button('Cancel', 'edit-cancel', () => { editor.remove(); body.hidden = false; });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save.click(); }
    if (e.key === 'Escape') { e.preventDefault(); cancel.click(); }
  });
  editor.append(area, chips, save, cancel);
  body.hidden = true;
  node.insertBefore(editor, node.querySelector('.actions'));
  area.focus();
}
