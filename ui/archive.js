// Export (one chat as Markdown or JSON, every chat as JSON) and import, through the
// native file dialogs that Rust opens. The window never touches a file itself.
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';

const menu = document.getElementById('export-menu');

/** `openId()` is the chat open now; `imported()` runs after an import added chats. */
export function initArchive({ openId, imported }) {
  for (const choice of menu.querySelectorAll('[data-format]')) {
    choice.addEventListener('click', async () => {
      menu.open = false;
      const one = choice.dataset.scope === 'one';
      if (one && openId() === null) {
        showBanner('Open a chat to export it.', 'info');
        return;
      }
      try {
        const path = await invoke('export_chats', {
          conversationId: one ? openId() : null,
          format: choice.dataset.format,
        });
        if (path) showBanner(`Saved to ${path}`, 'info');
      } catch (e) {
        showBanner(errorText(e), e?.kind);
      }
    });
  }
  document.getElementById('import').addEventListener('click', async () => {
    try {
      const report = await invoke('import_chats');
      if (!report) return;
      const chats = (n) => `${n} chat${n === 1 ? '' : 's'}`;
      const already = report.alreadyHere ? ` (${chats(report.alreadyHere)} already here, left as they were)` : '';
      showBanner(`Imported ${chats(report.imported)}${already}.`, 'info');
      await imported();
    } catch (e) {
      showBanner(errorText(e), e?.kind);
    }
  });
}
