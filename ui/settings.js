// @ts-check
// The person's choices (the sign-in callback, the last model picked), kept by Rust in
// settings.json; never a secret.
import * as api from './api.js';
import { showError } from './components/banner.js';

/** @import { Settings } from './api.js' */

/** @type {Settings} */
let settings = { transport: 'auto', model: null };

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
