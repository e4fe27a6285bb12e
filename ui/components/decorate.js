// @ts-check
// What the page adds to the HTML Rust renders (sanitized, and only ever added to, never
// rewritten): a header for each code block (code-block.js), and a name for each task-list box
// (the item's words: a form control must have one).
import { codeBlock } from './code-block.js';

/**
 * Decorates the new nodes in `root` (a fragment about to be inserted, or a message filled).
 * @param {ParentNode} root
 */
export function decorate(root) {
  for (const pre of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('pre.code'))) codeBlock(pre);
  for (const box of root.querySelectorAll('li > input[type=checkbox]')) {
    if (!box.hasAttribute('aria-label')) box.setAttribute('aria-label', box.parentElement.textContent.trim() || 'Task');
  }
}
