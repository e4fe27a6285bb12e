// @ts-check
// The model picker's list: each model's provider and name, context window, prices per million
// tokens and what it can do, recent models first, filtered by what the person types.
import { icon } from '../icons.js';

/** @import { ModelInfo } from '../api.js' */
/** @import { IconName } from '../icons.js' */

/**
 * What a model can do, as badges: each from the capabilities the gateway lists.
 * @type {{label: string, icon: IconName, has: (capabilities: string[]) => boolean}[]}
 */
const BADGES = [
  { label: 'Vision', icon: 'eye', has: (c) => c.includes('input:image') },
  { label: 'Tools', icon: 'wrench', has: (c) => c.some((x) => /tool|function/i.test(x)) },
  { label: 'Reasoning', icon: 'brain', has: (c) => c.some((x) => /reason|think/i.test(x)) },
];

/**
 * `openai/gpt-4o` → provider `openai`, name `gpt-4o`.
 * @param {string} id
 */
export function modelName(id) {
  const slash = id.indexOf('/');
  return slash < 0 ? { provider: '', name: id } : { provider: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** @param {number | null} perMillion */
function price(perMillion) {
  if (perMillion == null) return '?';
  if (perMillion === 0) return 'free';
  const digits = perMillion < 0.1 ? 3 : 2;
  return `$${perMillion.toFixed(digits).replace(/\.?0+$/, '')}`;
}

/** @param {number} tokens */
function tokenCount(tokens) {
  if (tokens >= 1e6) return `${+(tokens / 1e6).toFixed(1)}M`;
  if (tokens >= 1e3) return `${Math.round(tokens / 1e3)}K`;
  return String(tokens);
}

/** @param {ModelInfo} m */
function badgesOf(m) {
  return BADGES.filter((b) => b.has(m.capabilities));
}

/**
 * Whether model `m` matches what was typed: its id, a capability (`input:image`) or a badge.
 * @param {ModelInfo} m
 * @param {string} query  lower case
 */
function matches(m, query) {
  return m.id.toLowerCase().includes(query)
    || m.capabilities.some((c) => c.toLowerCase().includes(query))
    || badgesOf(m).some((b) => b.label.toLowerCase().startsWith(query));
}

/**
 * One option: `data-value` holds the model's id.
 * @param {ModelInfo} m
 * @param {string} chosen
 */
function option(m, chosen) {
  const el = document.createElement('div');
  el.className = 'model-option';
  el.setAttribute('role', 'option');
  el.setAttribute('data-testid', 'model-option');
  el.dataset.value = m.id;
  el.setAttribute('aria-selected', String(m.id === chosen));
  const { provider, name } = modelName(m.id);
  const title = document.createElement('span');
  title.className = 'name';
  title.append(name);
  if (provider) {
    const p = document.createElement('span');
    p.className = 'provider';
    p.textContent = ` · ${provider}`;
    title.appendChild(p);
  }
  title.title = title.textContent;
  const check = icon('check');
  check.classList.add('check');
  const meta = document.createElement('span');
  meta.className = 'meta';
  if (m.maxTokensInput) meta.append(span(`${tokenCount(m.maxTokensInput)} context`));
  if (m.inputPerMillion != null || m.outputPerMillion != null) {
    meta.append(span(`${price(m.inputPerMillion)} in · ${price(m.outputPerMillion)} out per 1M tokens`));
  }
  const badges = badgesOf(m);
  if (badges.length) {
    const row = span('');
    row.className = 'badges';
    for (const b of badges) {
      const badge = span(b.label);
      badge.className = 'badge';
      badge.prepend(icon(b.icon));
      row.appendChild(badge);
    }
    meta.appendChild(row);
  }
  el.append(title, check, meta);
  return el;
}

/** @param {string} text */
function span(text) {
  const s = document.createElement('span');
  s.textContent = text;
  return s;
}

/**
 * A labelled group of options.
 * @param {string} label
 * @param {HTMLElement[]} options
 */
function group(label, options) {
  const g = document.createElement('div');
  g.className = 'model-group';
  g.setAttribute('role', 'group');
  g.setAttribute('aria-label', label);
  const heading = document.createElement('div');
  heading.className = 'model-group-label';
  heading.setAttribute('aria-hidden', 'true');
  heading.textContent = label;
  g.append(heading, ...options);
  return g;
}

/**
 * Fills `listEl` with the models matching `query`: the recent ones first (when nothing is typed),
 * then the rest in the gateway's order. Returns the options, top to bottom.
 * @param {HTMLElement} listEl
 * @param {ModelInfo[]} models
 * @param {{query: string, chosen: string, recent: string[]}} view
 */
export function fillModelList(listEl, models, { query, chosen, recent }) {
  const q = query.trim().toLowerCase();
  listEl.replaceChildren();
  if (q) {
    const found = models.filter((m) => matches(m, q)).map((m) => option(m, chosen));
    listEl.append(...found);
    return found;
  }
  const recentModels = recent.map((id) => models.find((m) => m.id === id)).filter(Boolean);
  const rest = models.filter((m) => !recentModels.includes(m));
  const recentOptions = recentModels.map((m) => option(m, chosen));
  const restOptions = rest.map((m) => option(m, chosen));
  if (recentOptions.length) listEl.append(group('Recent', recentOptions), group('All models', restOptions));
  else listEl.append(...restOptions);
  return [...recentOptions, ...restOptions];
}
