// @ts-check
// A popover: a panel its button opens, over the page, one at a time, placed under the button and
// inside the window. It closes on Escape (focus goes back to the button), on a click outside
// it, when the keyboard leaves it, and when the window is resized.

/**
 * @typedef {object} Popover
 * @property {() => void} open
 * @property {(returnFocus?: boolean) => void} close
 * @property {() => boolean} isOpen
 */

/** @type {Popover | null} */
let current = null;
const MARGIN = 8;

/**
 * Puts `panel` under `button`: centred on it, or (`end`) with their right edges lined up, moved
 * in as far as the window needs.
 * @param {HTMLElement} button
 * @param {HTMLElement} panel
 * @param {'center' | 'end'} align
 */
function place(button, panel, align) {
  const b = button.getBoundingClientRect();
  const top = b.bottom + 6;
  panel.style.maxHeight = `${window.innerHeight - top - MARGIN}px`;
  const width = panel.getBoundingClientRect().width;
  const wanted = align === 'end' ? b.right - width : b.left + b.width / 2 - width / 2;
  panel.style.left = `${Math.max(MARGIN, Math.min(wanted, window.innerWidth - width - MARGIN))}px`;
  panel.style.top = `${top}px`;
}

window.addEventListener('resize', () => current?.close());

/**
 * Makes `panel` a popover of `button`, placed under it (`align`). `opened()` runs once it shows
 * (to focus what is inside), `closed()` once it hides.
 * @param {HTMLElement} button
 * @param {HTMLElement} panel
 * @param {{align?: 'center' | 'end', opened?: () => void, closed?: () => void}} [options]
 * @returns {Popover}
 */
export function popover(button, panel, { align = 'center', opened = () => {}, closed = () => {} } = {}) {
  /** @type {Popover} */
  const self = {
    open() {
      if (self.isOpen()) return;
      current?.close();
      current = self;
      panel.hidden = false;
      place(button, panel, align);
      button.setAttribute('aria-expanded', 'true');
      opened();
    },
    close(returnFocus = false) {
      if (!self.isOpen()) return;
      if (current === self) current = null;
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      if (returnFocus) button.focus();
      closed();
    },
    isOpen: () => !panel.hidden,
  };
  const inside = (/** @type {EventTarget | null} */ t) => t instanceof Node && (panel.contains(t) || button.contains(t));
  button.addEventListener('click', () => (self.isOpen() ? self.close() : self.open()));
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.defaultPrevented) {
      e.preventDefault();
      e.stopPropagation();
      self.close(true);
    }
  });
  document.addEventListener('mousedown', (e) => { if (self.isOpen() && !inside(e.target)) self.close(); });
  panel.addEventListener('focusout', (e) => {
    if (e.relatedTarget !== null && !inside(e.relatedTarget)) self.close();
  });
  return self;
}
