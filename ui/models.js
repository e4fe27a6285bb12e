// The model picker: Glama's list with prices, filtered as you type, the choice remembered.
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';
import { isConnected } from './connection.js';

const select = document.getElementById('model');
const filter = document.getElementById('model-filter');
let models = [];
let settings = { transport: 'auto', model: null };
// The open chat's model; new chats start with the last one picked (`settings.model`).
let chatModel = null;
const picked = [];

const price = (v) => (v == null ? '?' : `$${v < 1 ? v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '') : v.toFixed(2)}`);

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
  return chatModel && models.some((m) => m.id === chatModel) ? chatModel : settings.model;
}

export function currentModel() {
  return select.value || chosenModel() || '';
}

/** Shows the open chat's model (the last one picked if it has none or it is gone). */
export function showModel(model) {
  chatModel = model || null;
  fill();
}

/** What the list says about model `id` (its capabilities), or null if it is not listed. */
export function modelInfo(id) {
  return models.find((m) => m.id === id) ?? null;
}

/** The models that have `capability` (e.g. `input:image`). */
export function modelsWith(capability) {
  return models.filter((m) => m.capabilities.includes(capability));
}

/** Picks `id` as if the person chose it in the list. */
export async function pickModel(id) {
  chatModel = id;
  fill();
  await pick(id);
}

/** Calls `fn(model)` when the person picks a model. */
export function onModelPicked(fn) {
  picked.push(fn);
}

async function pick(model) {
  chatModel = model;
  await saveSettings({ model });
  for (const fn of picked) fn(model);
}

export function currentSettings() {
  return settings;
}

export async function saveSettings(change) {
  try {
    settings = await invoke('set_settings', { settings: { ...settings, ...change } });
  } catch (e) {
    showBanner(errorText(e));
  }
}

export async function loadModels() {
  try {
    models = await invoke('list_models');
  } catch (e) {
    showBanner(`Could not load the models: ${errorText(e)}`);
    return;
  }
  if (!settings.model || !models.some((m) => m.id === settings.model)) {
    if (models.length) await saveSettings({ model: models[0].id });
  }
  fill();
}

export async function initModels() {
  settings = await invoke('get_settings');
  const transport = document.getElementById('transport');
  transport.value = settings.transport;
  transport.addEventListener('change', () => saveSettings({ transport: transport.value }));
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
