// @ts-check
// Only the messages near the viewport are kept whole on the page. A long message that has gone
// far from it becomes a shell: the same element, empty, at the height it had. Once the shell
// nears the viewport again it is made whole from Rust, which keeps every message's rendered
// HTML in its cache. A long conversation then costs the page what is on screen, not all of it.
// Always kept whole: the answer being written, the conversation's newest messages, a message
// being edited or marked as a search's result, and short messages (bringing one back would cost
// more than keeping it).
import * as api from '../api.js';
import * as state from '../state.js';
import { storedMessageNode } from './message.js';

/** How far beyond the viewport, above and below, messages stay whole. */
const MARGIN_PX = 1500;
/** The newest messages, always kept whole: the last question and its answer. */
const NEWEST_KEPT = 2;
/** Messages shorter than this stay whole. */
const SHORTEST_SHELLED_PX = 400;

/** @type {HTMLElement} */
let list;
/** @type {() => void} */
let madeWhole = () => {};
/** Message nodes outside the margin, as last seen. */
const outside = new Set();
/** Shells near the viewport, waiting to be made whole. */
const wanted = new Set();
let fetching = false;

/** Tells which messages are near the viewport (made in `initWindowing`: its root is the list). */
/** @type {IntersectionObserver} */
let near;

/** @param {IntersectionObserverEntry[]} entries */
function seen(entries) {
  for (const e of entries) {
    const node = /** @type {HTMLElement} */ (e.target);
    if (e.isIntersecting) {
      outside.delete(node);
      if (isShell(node)) wanted.add(node);
    } else {
      outside.add(node);
      wanted.delete(node);
    }
  }
  shellFarOnes();
  makeWantedWhole();
}

/** @param {HTMLElement} node */
function isShell(node) {
  return node.dataset.shell === 'true';
}

/** Makes shells of the messages outside the margin that may be shells. */
function shellFarOnes() {
  if (!outside.size) return;
  const nodes = list.querySelectorAll('.message');
  const newest = new Set([...nodes].slice(-NEWEST_KEPT));
  // Every height read before any node is replaced: one layout, not one per shell.
  const far = [...outside]
    .filter((node) => !newest.has(node) && mayBeShell(node))
    .map((node) => /** @type {[HTMLElement, number]} */ ([node, node.getBoundingClientRect().height]));
  for (const [node, height] of far) {
    if (height >= SHORTEST_SHELLED_PX) node.replaceWith(shellOf(node, height));
  }
}

/** @param {HTMLElement} node */
function mayBeShell(node) {
  return !isShell(node) && node.isConnected && !!node.dataset.messageId
    && node.dataset.status !== 'streaming' && !node.classList.contains('found')
    && !node.contains(document.activeElement);
}

/**
 * The empty stand-in for `node`: its attributes (id, role, status) without its text, at its height.
 * @param {HTMLElement} node
 * @param {number} height
 */
function shellOf(node, height) {
  const shell = /** @type {HTMLElement} */ (node.cloneNode(false));
  delete shell.dataset.source;
  shell.dataset.shell = 'true';
  shell.style.height = `${height}px`;
  shell.style.boxSizing = 'border-box';
  for (const part of ['body', 'actions']) {
    const div = document.createElement('div');
    div.className = part;
    shell.appendChild(div);
  }
  return shell;
}

/**
 * Makes the wanted shells whole, a page of messages around the first at a time (one round trip
 * brings back its neighbours too). What is above the viewport keeps what is read in place.
 */
async function makeWantedWhole() {
  if (fetching) return;
  fetching = true;
  try {
    while (wanted.size) {
      const conversation = state.openId();
      const [first] = wanted;
      wanted.delete(first);
      if (!first.isConnected || conversation === null) continue;
      let page;
      try {
        page = await api.chatMessages(conversation, { kind: 'around', at: first.dataset.messageId });
      } catch {
        continue; // deleted meanwhile; its shell goes with it
      }
      if (conversation !== state.openId()) continue;
      const byId = new Map(page.messages.map((m) => [m.id, m]));
      for (const shell of [first, ...wanted]) {
        const m = byId.get(shell.dataset.messageId);
        if (!m || !shell.isConnected || !isShell(shell)) continue;
        wanted.delete(shell);
        replaceShell(shell, storedMessageNode(m));
      }
      madeWhole();
    }
  } finally {
    fetching = false;
  }
}

/**
 * @param {HTMLElement} shell
 * @param {HTMLElement} node
 */
function replaceShell(shell, node) {
  if (shell.classList.contains('found')) node.classList.add('found');
  const above = shell.getBoundingClientRect().bottom <= list.getBoundingClientRect().top;
  const before = shell.offsetHeight;
  shell.replaceWith(node);
  if (above) list.scrollTop += node.offsetHeight - before;
}

/** @param {Node} node @returns {node is HTMLElement} */
function isMessage(node) {
  return node instanceof HTMLElement && node.classList.contains('message');
}

/**
 * Watches the messages of `messageList` (the scrolling list) as they come and go.
 * @param {HTMLElement} messageList
 * @param {() => void} onWhole  called after messages were made whole again (to give them their buttons)
 */
export function initWindowing(messageList, onWhole) {
  list = messageList;
  madeWhole = onWhole;
  near = new IntersectionObserver(seen, { root: list, rootMargin: `${MARGIN_PX}px 0px` });
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.removedNodes) {
        if (!isMessage(node)) continue;
        near.unobserve(node);
        outside.delete(node);
        wanted.delete(node);
      }
      for (const node of change.addedNodes) if (isMessage(node)) near.observe(node);
    }
    // A message added makes the one before it no longer the newest.
    shellFarOnes();
  }).observe(list, { childList: true });
}
