// @ts-check
// The person's choices (the sign-in callback, the last model picked, the window's look), kept by
// Rust in settings.json; never a secret, and never in the page's own storage.
import * as api from './api.js';
import { showError } from './components/toasts.js';

/** @import { Settings } from './api.js' */

/** @type {Settings} */
let settings = {
  transport: 'auto', model: null, recentModels: [], theme: 'system', textSize: 'medium', sidebarCollapsed: false,
};

/** Reads the choices kept (once, at start). */
export async function loadSettings() {
  settings = await api.getSettings();
}

export function currentSettings() {
  return settings;
}

/**
 * Saves `change` over the current choices.
 * @param {Partial<Settings>} change
 */
export async function saveSettings(change) {
  try {
    settings = await api.setSettings({ ...settings, ...change });
  } catch (e) {
    showError(e);
  }
}
