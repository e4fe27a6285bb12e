// @ts-check
// The Settings panel: the sign-in callback choice, About, and "Delete all data" (with an inline
// confirmation).
import * as api from '../api.js';
import { currentSettings, saveSettings } from '../settings.js';
import { showBanner, showError } from './banner.js';

/** @param {string} id */
const el = (id) => document.getElementById(id);
// Survives the reload that follows a deletion (the page's memory does not).
const DELETED_FLAG = 'glama-chat-data-deleted';

async function showAbout() {
  try {
    const about = await api.about();
    el('about-version').textContent = about.version;
    el('about-gateway').textContent = about.gateway;
    el('about-data').textContent = about.dataFolder;
    el('about-settings').textContent = about.settingsFile;
  } catch (e) {
    showError(e);
  }
}

/** @param {boolean} asking */
function askToConfirm(asking) {
  el('delete-confirm').hidden = !asking;
  el('delete-all-data').hidden = asking;
  if (asking) el('delete-all-data-cancel').focus();
}

async function deleteAll() {
  const confirm = /** @type {HTMLButtonElement} */ (el('delete-all-data-confirm'));
  confirm.disabled = true;
  try {
    await api.deleteAllData();
  } catch (e) {
    confirm.disabled = false;
    askToConfirm(false);
    showError(e, 'Not everything could be deleted: ');
    return;
  }
  // A fresh page shows the app as it is now: not connected, no conversations, default settings.
  sessionStorage.setItem(DELETED_FLAG, '1');
  location.reload();
}

/** The sign-in callback choice, shown and saved (once the settings are loaded). */
export function initTransportChoice() {
  const transport = /** @type {HTMLSelectElement} */ (el('transport'));
  transport.value = currentSettings().transport;
  transport.addEventListener('change', () => saveSettings({
    transport: /** @type {'auto' | 'scheme' | 'loopback'} */ (transport.value),
  }));
}

export async function initSettingsPanel() {
  el('delete-all-data').addEventListener('click', () => askToConfirm(true));
  el('delete-all-data-cancel').addEventListener('click', () => askToConfirm(false));
  el('delete-all-data-confirm').addEventListener('click', deleteAll);
  const panel = /** @type {HTMLDetailsElement} */ (el('settings'));
  panel.addEventListener('toggle', () => { if (!panel.open) askToConfirm(false); });
  if (sessionStorage.getItem(DELETED_FLAG)) {
    sessionStorage.removeItem(DELETED_FLAG);
    showBanner('All data was deleted: conversations, settings and the saved key.', 'info');
  }
  await showAbout();
}
