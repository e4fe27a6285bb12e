// @ts-check
// One tooltip for the whole page: it names what the pointer rests on or the keyboard reached,
// for every element with `data-tip` (and its shortcut, `data-shortcut`). Icon buttons carry the
// same words as their `aria-label`, so a screen reader is told nothing twice.
import { keyLabel } from '../shortcuts.js';

const tip = document.getElementById('tooltip');
const DELAY_MS = 450;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {HTMLElement | null} */
let owner = null;

/** @param {HTMLElement} el */
function place(el) {
  const r = el.getBoundingClientRect();
  const t = tip.getBoundingClientRect();
  const gap = 6;
  const below = r.bottom + gap + t.height <= window.innerHeight;
  const top = below ? r.bottom + gap : r.top - gap - t.height;
  const left = Math.min(Math.max(4, r.left + r.width / 2 - t.width / 2), window.innerWidth - t.width - 4);
  tip.style.top = `${Math.max(4, top)}px`;
  tip.style.left = `${left}px`;
}

/** @param {HTMLElement} el */
function show(el) {
  const keys = el.dataset.shortcut;
  tip.textContent = keys ? `${el.dataset.tip} (${keyLabel(keys)})` : el.dataset.tip;
  tip.hidden = false;
  place(el);
}

function hide() {
  clearTimeout(timer);
  owner = null;
  tip.hidden = true;
}

/** @param {EventTarget | null} target */
function tipped(target) {
  return target instanceof Element ? /** @type {HTMLElement | null} */ (target.closest('[data-tip]')) : null;
}

export function initTooltip() {
  document.addEventListener('mouseover', (e) => {
    const el = tipped(e.target);
    if (el === owner) return;
    hide();
    if (!el) return;
    owner = el;
    timer = setTimeout(() => { if (owner === el && el.isConnected) show(el); }, DELAY_MS);
  });
  document.addEventListener('focusin', (e) => {
    const el = tipped(e.target);
    hide();
    if (el && el.matches(':focus-visible')) {
      owner = el;
      show(el);
    }
  });
  document.addEventListener('focusout', hide);
  document.addEventListener('mousedown', hide);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });
  document.addEventListener('scroll', hide, true);
}

/** The tooltip of `el` says `text` now (a button that changed, "Copied"). */
export function retip(/** @type {HTMLElement} */ el, /** @type {string} */ text) {
  el.dataset.tip = text;
  if (!el.hasAttribute('aria-pressed') && el.hasAttribute('aria-label')) el.setAttribute('aria-label', text);
  if (owner === el && !tip.hidden) show(el);
}
