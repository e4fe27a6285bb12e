// @ts-check
// Icons: Lucide's, drawn from the sprite at the top of index.html (scripts/ui-icons.sh writes
// it), so every icon draws on any machine, whatever its fonts. A button that is only an icon carries its name
// (`aria-label`) and a tooltip (`data-tip`, components/tooltip.js).

const SVG = 'http://www.w3.org/2000/svg';

/**
 * The names of the sprite's icons that the page's scripts draw.
 * @typedef {'arrow-down' | 'brain' | 'check' | 'chevron-left' | 'chevron-right' | 'chevrons-right' | 'circle-alert' | 'copy' | 'eye'
 *   | 'file-text' | 'info' | 'pencil' | 'refresh-cw' | 'rotate-ccw' | 'trash-2'
 *   | 'wrap-text' | 'wrench' | 'x'} IconName
 */

/**
 * An icon, hidden from screen readers (what it stands for is said by its button).
 * @param {IconName} name
 */
export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#icon-${name}`);
  svg.appendChild(use);
  return svg;
}

/**
 * Changes the icon `el` holds to `name`.
 * @param {Element} el
 * @param {IconName} name
 */
export function setIcon(el, name) {
  el.querySelector('svg.icon use')?.setAttribute('href', `#icon-${name}`);
}

/**
 * A button that is an icon, named `label` (its tooltip too), with `text` beside the icon when
 * given.
 * @param {{icon: IconName, label: string, testid?: string, text?: string, onClick: (e: MouseEvent) => void}} spec
 */
export function iconButton({ icon: name, label, testid, text, onClick }) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = text ? 'icon-button with-text' : 'icon-button';
  b.appendChild(icon(name));
  if (text) b.append(text);
  else b.setAttribute('aria-label', label);
  b.dataset.tip = label;
  if (testid) b.setAttribute('data-testid', testid);
  b.addEventListener('click', onClick);
  return b;
}
