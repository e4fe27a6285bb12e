// @ts-check
// Export (one chat as Markdown or JSON, every chat as JSON) and import, through the
// native file dialogs that Rust opens. The window never touches a file itself.
import * as api from '../api.js';
import { openId } from '../state.js';
import { showError, showNotice } from './toasts.js';

const menu = /** @type {HTMLDetailsElement} */ (document.getElementById('export-menu'));

/**
 * @param {{imported: () => Promise<void>}} on  `imported()` runs after an import added chats
 */
export function initArchive({ imported }) {
  for (const choice of /** @type {NodeListOf<HTMLButtonElement>} */ (menu.querySelectorAll('[data-format]'))) {
    choice.addEventListener('click', async () => {
      menu.open = false;
      const one = choice.dataset.scope === 'one';
      if (one && openId() === null) {
        showNotice('Open a chat to export it.', 'info');
        return;
      }
      try {
        const format = /** @type {'markdown' | 'json'} */ (choice.dataset.format);
        const path = await api.exportChats(one ? openId() : null, format);
        if (path) showNotice(`Saved to ${path}`, 'info');
      } catch (e) {
        showError(e);
      }
    });
  }
  document.getElementById('import').addEventListener('click', async () => {
    try {
      const report = await api.importChats();
      if (!report) return;
      const chats = (/** @type {number} */ n) => `${n} chat${n === 1 ? '' : 's'}`;
      const already = report.alreadyHere ? ` (${chats(report.alreadyHere)} already here, left as they were)` : '';
      const assistants = report.assistants ? ` and ${report.assistants} assistant${report.assistants === 1 ? '' : 's'}` : '';
      showNotice(`Imported ${chats(report.imported)}${assistants}${already}.`, 'info');
      await imported();
    } catch (e) {
      showError(e);
    }
  });
}
