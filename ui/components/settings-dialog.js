// @ts-check
// Settings, as a dialog with sections listed beside them: Account (the status, Connect or
// Disconnect, the sign-in callback), Models (the default model), Tools (tools-panel.js, loaded
// once Settings first opens: not a module the window's start waits for),
// Appearance (theme, text size),
// Shortcuts, Data (export, import, delete all, with an inline confirmation) and About.
import * as api from '../api.js';
import { applyAppearance } from '../appearance.js';
import { currentSettings, saveSettings } from '../settings.js';
import { allModels, onModelsLoaded } from './model-picker.js';
import { showError, showNotice } from './toasts.js';

/** @param {string} id */
const el = (id) => document.getElementById(id);
const dialog = /** @type {HTMLDialogElement} */ (el('settings'));
const sections = el('settings-sections');
const nav = el('settings-nav');
const layer = el('layer');
// Survives the reload that follows a deletion (the page's memory does not).
const DELETED_FLAG = 'glama-chat-data-deleted';

/**
 * Opens Settings (at `section`, a section's id, when given).
 * @param {string} [section]
 */
export function openSettings(section) {
  if (!dialog.open) {
    fillDefaultModel();
    dialog.showModal();
    // Toasts and tooltips go with the dialog into the top layer, where they can be seen and used.
    dialog.appendChild(layer);
  }
  if (section) showSection(section);
}

/** @type {Promise<typeof import('./tools-panel.js')> | null} */
let toolsPanel = null;

/** The Tools section shows the servers as they are now, while Settings is open. */
async function showTools() {
  if (!dialog.open) return;
  toolsPanel ??= import('./tools-panel.js').then((panel) => {
    panel.initToolsPanel();
    return panel;
  });
  (await toolsPanel).showTools();
}

/** @param {string} id */
function showSection(id) {
  // Only the list of sections scrolls (scrollIntoView would scroll the dialog and the page too).
  sections.scrollTop = el(id).offsetTop - sections.offsetTop;
  markSection(id);
}

/** @param {string} id */
function markSection(id) {
  for (const b of /** @type {NodeListOf<HTMLElement>} */ (nav.querySelectorAll('button'))) {
    if (b.dataset.section === id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

/** The section at the top of the scrolled list is the one the list marks. */
function followScroll() {
  const top = sections.getBoundingClientRect().top + 24;
  let current = sections.firstElementChild.id;
  for (const s of sections.children) if (s.getBoundingClientRect().top <= top) current = s.id;
  markSection(current);
}

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

/** The default model's choices: the models listed (the one set, even if it is not listed). */
function fillDefaultModel() {
  const select = /** @type {HTMLSelectElement} */ (el('default-model'));
  const { model } = currentSettings();
  const ids = allModels().map((m) => m.id);
  if (model && !ids.includes(model)) ids.unshift(model);
  select.replaceChildren(...ids.map((id) => new Option(id, id)));
  if (!ids.length) select.append(new Option('Connect to list the models', ''));
  select.disabled = !ids.length;
  select.value = model ?? '';
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

/**
 * The radio buttons named `name` show `value` and save what is chosen as `key`.
 * @param {string} name
 * @param {'theme' | 'textSize'} key
 */
function radioChoice(name, key) {
  const radios = /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll(`input[name="${name}"]`));
  for (const r of radios) {
    r.checked = r.value === currentSettings()[key];
    r.addEventListener('change', async () => {
      if (!r.checked) return;
      await saveSettings({ [key]: r.value });
      applyAppearance(currentSettings());
    });
  }
}

/** The choices shown and saved (once the settings are loaded). */
export function initSettingsChoices() {
  const transport = /** @type {HTMLSelectElement} */ (el('transport'));
  transport.value = currentSettings().transport;
  transport.addEventListener('change', () => saveSettings({
    transport: /** @type {'auto' | 'scheme' | 'loopback'} */ (transport.value),
  }));
  const defaultModel = /** @type {HTMLSelectElement} */ (el('default-model'));
  defaultModel.addEventListener('change', () => { if (defaultModel.value) saveSettings({ model: defaultModel.value }); });
  onModelsLoaded(fillDefaultModel);
  radioChoice('theme', 'theme');
  radioChoice('text-size', 'textSize');
}

export async function initSettingsDialog() {
  el('open-settings').addEventListener('click', () => openSettings());
  el('settings-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    document.body.appendChild(layer);
    askToConfirm(false);
    /** @type {HTMLDetailsElement} */ (el('export-menu')).open = false;
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
  nav.addEventListener('click', (e) => {
    const b = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest('button[data-section]'));
    if (b) showSection(b.dataset.section);
  });
  sections.addEventListener('scroll', followScroll, { passive: true });
  markSection('settings-account');
  // However Settings was opened, and whenever Rust says tools changed.
  new MutationObserver(showTools).observe(dialog, { attributeFilter: ['open'] });
  document.addEventListener(api.TOOLS_CHANGED, showTools);
  el('delete-all-data').addEventListener('click', () => askToConfirm(true));
  el('delete-all-data-cancel').addEventListener('click', () => askToConfirm(false));
  el('delete-all-data-confirm').addEventListener('click', deleteAll);
  if (sessionStorage.getItem(DELETED_FLAG)) {
    sessionStorage.removeItem(DELETED_FLAG);
    showNotice('All data was deleted: conversations, settings and the saved key.', 'info');
  }
  await showAbout();
}
