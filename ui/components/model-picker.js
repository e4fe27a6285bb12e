// @ts-check
// The model picker: a button naming the chat's model (its id in `data-value`) that opens a
// searchable list (model-list.js), worked by mouse or keyboard alone. The model picked becomes
// the chat's, and the default for new chats; Rust keeps the recent ones (settings.rs).
import * as api from '../api.js';
import { currentSettings, saveSettings } from '../settings.js';
import { isConnected } from './connection.js';
import { fillModelList, modelName } from './model-list.js';
import { popover } from './popover.js';
import { showError } from './toasts.js';

/** @import { ModelInfo } from '../api.js' */

const trigger = document.getElementById('model');
const triggerName = document.getElementById('model-name');
const panel = document.getElementById('model-popover');
const filter = /** @type {HTMLInputElement} */ (document.getElementById('model-filter'));
const listEl = document.getElementById('model-list');
const none = document.getElementById('model-none');

/** @type {ModelInfo[]} */
let models = [];
/** @type {HTMLElement[]} */
let options = [];
let active = -1;
// The open chat's model; new chats start with the last one picked (the settings' `model`).
/** @type {string | null} */
let chatModel = null;
/** @type {((model: string) => void)[]} */
const picked = [];
/** @type {(() => void)[]} */
const loaded = [];
const picker = popover(trigger, panel, { opened, closed: () => { filter.value = ''; } });

function chosenModel() {
  return chatModel && models.some((m) => m.id === chatModel) ? chatModel : currentSettings().model;
}

/** The model the next question goes to (its id), or `''` when none is known. */
export function currentModel() {
  return chosenModel() || '';
}

/** The button says which model the chat uses. */
function showChosen() {
  const id = chosenModel() ?? chatModel ?? '';
  trigger.dataset.value = id;
  triggerName.textContent = id ? modelName(id).name : 'Choose a model';
  trigger.title = id ? `${id} (choose another model)` : '';
}

function fill() {
  options = fillModelList(listEl, models, {
    query: filter.value, chosen: chosenModel() ?? '', recent: currentSettings().recentModels,
  });
  none.hidden = options.length > 0 || !models.length;
  options.forEach((o, i) => { o.id = `model-option-${i}`; });
  const chosenAt = options.findIndex((o) => o.dataset.value === chosenModel());
  setActive(filter.value.trim() ? 0 : Math.max(0, chosenAt));
}

/** @param {number} i */
function setActive(i) {
  options[active]?.removeAttribute('data-active');
  active = options.length ? (i + options.length) % options.length : -1;
  const el = options[active];
  if (el) {
    el.dataset.active = 'true';
    filter.setAttribute('aria-activedescendant', el.id);
    if (picker.isOpen()) el.scrollIntoView({ block: 'nearest' });
  } else {
    filter.removeAttribute('aria-activedescendant');
  }
}

function opened() {
  // A list that failed to load is fetched again when the person reaches for it.
  if (!models.length && isConnected()) loadModels();
  fill();
  filter.focus();
  options[active]?.scrollIntoView({ block: 'nearest' });
}

/**
 * Shows the open chat's model (the last one picked if it has none or it is gone).
 * @param {string} model
 */
export function showModel(model) {
  chatModel = model || null;
  showChosen();
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

/** Every model listed. */
export function allModels() {
  return models;
}

/** Opens the list of models (to choose one with a larger window, say). */
export function openModelPicker() {
  picker.open();
}

/**
 * Calls `fn(model)` when the person picks a model.
 * @param {(model: string) => void} fn
 */
export function onModelPicked(fn) {
  picked.push(fn);
}

/**
 * Calls `fn()` each time the list of models is loaded.
 * @param {() => void} fn
 */
export function onModelsLoaded(fn) {
  loaded.push(fn);
}

/**
 * Picks `id` as if the person chose it in the list.
 * @param {string} id
 */
export async function pickModel(id) {
  chatModel = id;
  showChosen();
  picker.close(document.activeElement === filter);
  await saveSettings({ model: id });
  fill();
  for (const fn of picked) fn(id);
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
  showChosen();
  fill();
  for (const fn of loaded) fn();
}

/** Wires the picker (once the settings are loaded). */
export function initModelPicker() {
  showChosen();
  trigger.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      picker.open();
    }
  });
  filter.addEventListener('input', fill);
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(active + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'PageDown' || e.key === 'PageUp') {
      e.preventDefault();
      setActive(Math.min(Math.max(active + (e.key === 'PageDown' ? 8 : -8), 0), options.length - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (options[active]) pickModel(options[active].dataset.value);
    } else if (e.key === 'Escape' && filter.value) {
      // The first Escape empties the search; the next closes the list.
      e.preventDefault();
      e.stopPropagation();
      filter.value = '';
      fill();
    }
  });
  listEl.addEventListener('click', (e) => {
    const o = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest('[role=option]'));
    if (o) pickModel(o.dataset.value);
  });
  listEl.addEventListener('mousemove', (e) => {
    const o = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest('[role=option]'));
    if (o && o !== options[active]) setActive(options.indexOf(o));
  });
}
