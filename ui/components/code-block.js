// @ts-check
// Code blocks get a header: the language, a wrap toggle and Copy. Rust sends bare `pre.code`
// (its language in `data-lang`, model output, so only ever set as text).
import { copyText } from '../clipboard.js';
import { icon, setIcon } from '../icons.js';

/**
 * @param {HTMLElement} block  the `.code-block`
 * @param {HTMLElement} pre
 */
function header(block, pre) {
  const head = document.createElement('div');
  head.className = 'code-head';
  const lang = document.createElement('span');
  lang.className = 'lang';
  lang.textContent = pre.dataset.lang || 'text';
  lang.title = lang.textContent;
  const wrap = document.createElement('button');
  wrap.type = 'button';
  wrap.setAttribute('aria-pressed', 'false');
  wrap.setAttribute('aria-label', 'Wrap lines');
  wrap.dataset.tip = 'Wrap lines';
  wrap.setAttribute('data-testid', 'wrap-code');
  wrap.appendChild(icon('wrap-text'));
  wrap.addEventListener('click', () => {
    const on = block.classList.toggle('wrap');
    wrap.setAttribute('aria-pressed', String(on));
  });
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.setAttribute('data-testid', 'copy-code');
  const words = document.createTextNode('Copy');
  copy.append(icon('copy'), words);
  copy.addEventListener('click', async () => {
    const ok = await copyText(pre.innerText);
    words.data = ok ? 'Copied' : 'Copy failed';
    setIcon(copy, ok ? 'check' : 'x');
    setTimeout(() => { words.data = 'Copy'; setIcon(copy, 'copy'); }, 1500);
  });
  head.append(lang, wrap, copy);
  return head;
}

/**
 * Gives code block `pre` its header, unless it has one.
 * @param {HTMLElement} pre
 */
export function codeBlock(pre) {
  if (/** @type {Element} */ (pre.parentNode).classList?.contains('code-block')) return;
  const block = document.createElement('div');
  block.className = 'code-block';
  pre.replaceWith(block);
  // A code block wider than the column scrolls: the keyboard can reach it to scroll it.
  pre.tabIndex = 0;
  block.append(header(block, pre), pre);
}
