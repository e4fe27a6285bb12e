// @ts-check
// The open conversation's messages: a page at a time (older ones as the person scrolls up, newer
// ones after a jump to a search result), kept at the end while an answer grows unless the
// person scrolled away (then a button jumps back to it), and what an ask changes shown before
// Rust has done it.
import * as api from '../api.js';
import * as state from '../state.js';
import { showActions } from './message-actions.js';
import { bodyOf, messageNode, reopen, showAttachments, storedMessageNode } from './message.js';
import { showError } from './toasts.js';
import { initWindowing } from './windowing.js';

/** @import { AskRequest, AttachmentView, MessagePage } from '../api.js' */
/** @import { MessageActions } from './message-actions.js' */

const list = document.getElementById('messages');
const empty = document.getElementById('empty');
const jump = document.getElementById('jump');

/** @type {MessageActions} */
let actions = { edit() {}, continue() {}, regenerate() {}, withoutTools() {} };
let stickToBottom = true;
let scrollQueued = false;
let loadingPage = false;

/** The message nodes, in order. */
function messages() {
  return [.../** @type {NodeListOf<HTMLElement>} */ (list.querySelectorAll('.message'))];
}

export function isEmpty() {
  return list.querySelector('.message') === null;
}

/**
 * Shows `page` in place of every message (a conversation opened).
 * @param {MessagePage} page
 */
export function showFirstPage(page) {
  for (const m of messages()) m.remove();
  state.forgetLoaded();
  showPage(page, 'replace');
}

/**
 * Brings message `id` into view, marked as found when `mark` (a search result).
 * @param {string} id
 * @param {boolean} mark
 */
export function showFound(id, mark) {
  const target = /** @type {HTMLElement | null} */ (list.querySelector(`.message[data-message-id="${CSS.escape(id)}"]`));
  list.querySelectorAll('.message.found').forEach((m) => m.classList.remove('found'));
  if (target) {
    if (mark) target.classList.add('found');
    follow(false);
    target.scrollIntoView({ block: 'center' });
  }
}

/** Loads older pages until the window is full: short messages may not fill one page's height. */
export async function fillViewport() {
  const id = state.openId();
  while (state.loadedRange().hasOlder && id === state.openId() && list.scrollHeight <= list.clientHeight + 300) {
    const before = state.loadedRange().oldestSeq;
    await loadMore('older');
    if (state.loadedRange().oldestSeq === before) break;
  }
}

/**
 * Adds a page of messages: `replace` (into an empty list), `older` (above) or `newer` (below).
 * @param {MessagePage} page
 * @param {'replace' | 'older' | 'newer'} where
 */
function showPage(page, where) {
  const nodes = page.messages.map(storedMessageNode);
  if (where === 'older') {
    const before = list.scrollHeight;
    const first = list.querySelector('.message');
    for (const n of nodes) list.insertBefore(n, first);
    list.scrollTop += list.scrollHeight - before; // keep what the person was reading in place
  } else {
    for (const n of nodes) list.appendChild(n);
  }
  state.addLoaded(page, where);
  empty.hidden = !isEmpty();
  markLast();
}

/** @param {'older' | 'newer'} direction */
async function loadMore(direction) {
  const id = state.openId();
  if (loadingPage || id === null) return;
  const { oldestSeq, newestSeq } = state.loadedRange();
  /** @type {api.Page} */
  const page = direction === 'older' ? { kind: 'before', at: oldestSeq } : { kind: 'after', at: newestSeq };
  loadingPage = true;
  try {
    const got = await api.chatMessages(id, page);
    if (id === state.openId()) showPage(got, direction);
  } catch (e) {
    showError(e);
  } finally {
    loadingPage = false;
  }
}

/** Gives each message its buttons; the last ones only to the conversation's last. */
export function markLast() {
  const nodes = messages();
  const hasNewer = state.loadedRange().hasNewer;
  nodes.forEach((node, i) => showActions(node, i === nodes.length - 1 && !hasNewer, actions));
}

/**
 * Shows at once what Rust is about to do to the conversation for `request`: the question sent
 * (with what it carries), the edited one's new text, and the answer's node, new or
 * (`continued`) emptied. Returns the answer's node and the question sent.
 * @param {AskRequest} request
 * @param {{edited?: HTMLElement | null, continued?: HTMLElement | null, attached?: AttachmentView[]}} nodes
 */
export function showAsked(request, { edited = null, continued = null, attached = [] }) {
  /** @type {HTMLElement | null} */
  let userNode = null;
  if (request.kind === 'send') {
    userNode = messageNode('user');
    bodyOf(userNode).textContent = request.text;
    showAttachments(userNode, attached);
    list.appendChild(userNode);
  } else if (request.kind === 'continue') {
    reopen(continued);
  } else if (request.kind === 'edit' && edited) {
    // The edit is a new version of the question: the node shows it and learns its id.
    bodyOf(edited).textContent = request.text;
    userNode = edited;
  }
  const node = continued ?? messageNode('assistant', 'streaming');
  if (!continued) list.appendChild(node);
  empty.hidden = true;
  markLast();
  scrollToEnd(true);
  return { node, userNode };
}

/**
 * Rust began the answer in `node` after question `questionId`: what followed that question
 * (an earlier answer regenerated, what came after an edited question) is gone, loaded or not.
 * `null`: the answer goes on in place, nothing is gone.
 * @param {string | null} questionId
 * @param {HTMLElement} node
 */
export function showStarted(questionId, node) {
  if (questionId === null) return;
  const nodes = messages();
  const question = nodes.findIndex((n) => n.dataset.messageId === questionId);
  if (question >= 0) for (const n of nodes.slice(question + 1)) if (n !== node) n.remove();
  state.endsLoaded();
  markLast();
}

/**
 * Keeps the end in view while the person has not scrolled away. A forced scroll (a chat
 * opened, a question sent) happens now; a streamed update's waits for the next frame, once per
 * frame: reading `scrollHeight` right after each update made WebKit lay the whole page out
 * again per update (most of a long answer's time in the page).
 */
export function scrollToEnd(force = false) {
  if (force) {
    follow(true);
    list.scrollTop = list.scrollHeight;
    return;
  }
  if (!stickToBottom || scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    if (stickToBottom) list.scrollTop = list.scrollHeight;
  });
}

/**
 * Whether the end is followed; when it is not, "Jump to latest" is offered.
 * @param {boolean} on
 */
function follow(on) {
  stickToBottom = on;
  const hide = on || isEmpty();
  if (jump.hidden !== hide) jump.hidden = hide;
}

/** @param {MessageActions} on  what the messages' buttons do */
export function initMessageList(on) {
  actions = on;
  jump.addEventListener('click', () => {
    scrollToEnd(true);
    list.focus({ preventScroll: true });
  });
  initWindowing(list, markLast);
  // Following the end stops when the person scrolls up and resumes when they reach the end.
  // Judged by the direction of the scroll, not by the distance to the end: the answer grows
  // between our once-a-frame scroll and its scroll event.
  // A list that got shorter (reasoning folded away) moves up by itself: not the person's doing.
  let lastTop = list.scrollTop;
  let lastHeight = list.scrollHeight;
  list.addEventListener('scroll', () => {
    const top = list.scrollTop;
    const height = list.scrollHeight;
    if (top < lastTop - 2 && height >= lastHeight) follow(false);
    else if (height - top - list.clientHeight < 40) follow(true);
    lastTop = top;
    lastHeight = height;
    const { hasOlder, hasNewer } = state.loadedRange();
    if (list.scrollTop < 300 && hasOlder) loadMore('older');
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 300 && hasNewer) loadMore('newer');
  });
  // Links in answers open in the system browser, and only on a person's click: the click
  // follows the link as a new window, which Rust never opens in the app; WebKit tells Rust
  // whether a person's click led to it, and only then is the link opened (src-tauri/src/links.rs).
  list.addEventListener('click', (e) => {
    const a = /** @type {Element} */ (e.target).closest('a[href]');
    if (!a) return;
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  });
}
