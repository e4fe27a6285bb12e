// @ts-check
// The model picker: Glama's list with prices, filtered as you type, the choice remembered.
import * as api from '../api.js';
import { currentSettings, saveSettings } from '../settings.js';
import { showError } from './banner.js';
import { isConnected } from './connection.js';

/** @import { ModelInfo } from '../api.js' */

const select = /** @type {HTMLSelectElement} */ (document.getElementById('model'));
const filter = /** @type {HTMLInputElement} */ (document.getElementById('model-filter'));
/** @type {ModelInfo[]} */
let models = [];
// The open chat's model; new chats start with the last one picked (the settings' `model`).
/** @type {string | null} */
let chatModel = null;
/** @type {((model: string) => void)[]} */
const picked = [];

/** @param {number | null} v */
const price = (v) => (v == null ? '?' : `$${v < 1 ? v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '') : v.toFixed(2)}`);

/** @param {ModelInfo} m */
function label(m) {
  const parts = [m.id];
  if (m.inputPerMillion != null || m.outputPerMillion != null) {
    parts.push(`${price(m.inputPerMillion)} in / ${price(m.outputPerMillion)} out per 1M`);
  }
  if (m.capabilities.length) parts.push(m.capabilities.join(', '));
  return parts.join(' · ');
}

function fill() {
  const q = filter.value.trim().toLowerCase();
  const chosen = chosenModel();
  select.replaceChildren();
  for (const m of models) {
    // The filter matches names and capabilities ("input:image" lists the models that see).
    const matches = m.id.toLowerCase().includes(q) || m.capabilities.some((c) => c.toLowerCase().includes(q));
    if (q && !matches && m.id !== chosen) continue;
    const option = document.createElement('option');
    option.value = m.id;
    option.textContent = label(m);
    option.title = label(m);
    select.appendChild(option);
  }
  if (chosen && models.some((m) => m.id === chosen)) select.value = chosen;
}

function chosenModel() {
  return chatModel && models.some((m) => m.id === chatModel) ? chatModel : currentSettings().model;
}

export function currentModel() {
  return select.value || chosenModel() || '';
}

/**
 * Shows the open chat's model (the last one picked if it has none or it is gone).
 * @param {string} model
 */
export function showModel(model) {
  chatModel = model || null;
  fill();
}

/**
 * What the list says about model `id` (its capabilities), or null if it is not listed.
 * @param {string} id
 */
export function modelInfo(id) {
  return models.find((m) => m.id === id) ?? null;
}

/**
 * The models that have `capability` (e.g. `input:image`).
 * @param {string} capability
 */
export function modelsWith(capability) {
  return models.filter((m) => m.capabilities.includes(capability));
}

/**
 * Picks `id` as if the person chose it in the list.
 * @param {string} id
 */
export async function pickModel(id) {
  chatModel = id;
  fill();
  await pick(id);
}

/**
 * Calls `fn(model)` when the person picks a model.
 * @param {(model: string) => void} fn
 */
export function onModelPicked(fn) {
  picked.push(fn);
}

/** @param {string} model */
async function pick(model) {
  chatModel = model;
  await saveSettings({ model });
  for (const fn of picked) fn(model);
}

export async function loadModels() {
  try {
    models = await api.listModels();
  } catch (e) {
    showError(e, 'Could not load the models: ');
    return;
  }
  const { model } = currentSettings();
  if (!model || !models.some((m) => m.id === model)) {
    if (models.length) await saveSettings({ model: models[0].id });
  }
  fill();
}

/** Wires the picker (once the settings are loaded). */
export function initModelPicker() {
  select.addEventListener('change', () => pick(select.value));
  // A list that failed to load is fetched again when the person reaches for it.
  for (const el of [select, filter]) {
    el.addEventListener('focus', () => { if (!models.length && isConnected()) loadModels(); });
  }
  filter.addEventListener('input', fill);
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && filter.value) {
      e.preventDefault();
      e.stopPropagation();
      filter.value = '';
      fill();
    } else if (e.key === 'Enter' && select.options.length) {
      e.preventDefault();
      select.value = select.options[0].value;
      pick(select.value);
      filter.value = '';
      fill();
    }
  });
}
