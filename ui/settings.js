// The Settings panel's About section and "Delete all data" (with an inline confirmation).
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';

const el = (id) => document.getElementById(id);
// Survives the reload that follows a deletion (the page's memory does not).
const DELETED_FLAG = 'glama-chat-data-deleted';

async function showAbout() {
  try {
    const about = await invoke('about');
    el('about-version').textContent = about.version;
    el('about-gateway').textContent = about.gateway;
    el('about-data').textContent = about.dataFolder;
    el('about-settings').textContent = about.settingsFile;
  } catch (e) {
    showBanner(errorText(e));
  }
}

function askToConfirm(asking) {
  el('delete-confirm').hidden = !asking;
  el('delete-all-data').hidden = asking;
  if (asking) el('delete-all-data-cancel').focus();
}

async function deleteAll() {
  const confirm = el('delete-all-data-confirm');
  confirm.disabled = true;
  try {
    await invoke('delete_all_data');
  } catch (e) {
    confirm.disabled = false;
    askToConfirm(false);
    showBanner(`Not everything could be deleted: ${errorText(e)}`);
    return;
  }
  // A fresh page shows the app as it is now: not connected, no conversations, default settings.
  sessionStorage.setItem(DELETED_FLAG, '1');
  location.reload();
}

export async function initSettings() {
  el('delete-all-data').addEventListener('click', () => askToConfirm(true));
  el('delete-all-data-cancel').addEventListener('click', () => askToConfirm(false));
  el('delete-all-data-confirm').addEventListener('click', deleteAll);
  el('settings').addEventListener('toggle', () => { if (!el('settings').open) askToConfirm(false); });
  if (sessionStorage.getItem(DELETED_FLAG)) {
    sessionStorage.removeItem(DELETED_FLAG);
    showBanner('All data was deleted: conversations, settings and the saved key.', 'info');
  }
  await showAbout();
}
