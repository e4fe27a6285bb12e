// @ts-check
// What the page knows about the open chat, in one place: which conversation is open, whether an
// answer is being written in it, and which stretch of its messages is on the page. Modules read
// it here and change it through these functions; what each draws stays its own.

/** @import { MessagePage } from './api.js' */

/** @type {string | null} */
let conversationId = null;
let streaming = false;
/** @type {((streaming: boolean) => void)[]} */
const streamingWatchers = [];

/**
 * The loaded stretch of the conversation, by `seq`, and whether more lies beyond it.
 * @typedef {object} LoadedRange
 * @property {number | null} oldestSeq
 * @property {number | null} newestSeq
 * @property {boolean} hasOlder
 * @property {boolean} hasNewer
 */

/** @type {LoadedRange} */
const loaded = { oldestSeq: null, newestSeq: null, hasOlder: false, hasNewer: false };

/** The open conversation's id, or null while none is. */
export function openId() {
  return conversationId;
}

/** @param {string | null} id */
export function setOpenId(id) {
  conversationId = id;
}

/** Whether an answer is being written in the open conversation. */
export function isStreaming() {
  return streaming;
}

/** @param {boolean} on */
export function setStreaming(on) {
  streaming = on;
  for (const fn of streamingWatchers) fn(on);
}

/**
 * Calls `fn(streaming)` on every change.
 * @param {(streaming: boolean) => void} fn
 */
export function onStreaming(fn) {
  streamingWatchers.push(fn);
}

/** @returns {Readonly<LoadedRange>} */
export function loadedRange() {
  return loaded;
}

/** Nothing of the conversation is on the page (another one opens). */
export function forgetLoaded() {
  loaded.oldestSeq = null;
  loaded.newestSeq = null;
}

/**
 * A page of messages was added: `replace` (the first), `older` (above) or `newer` (below).
 * @param {MessagePage} page
 * @param {'replace' | 'older' | 'newer'} where
 */
export function addLoaded(page, where) {
  if (page.messages.length) {
    const first = page.messages[0].seq;
    const last = page.messages[page.messages.length - 1].seq;
    loaded.oldestSeq = loaded.oldestSeq === null ? first : Math.min(loaded.oldestSeq, first);
    loaded.newestSeq = loaded.newestSeq === null ? last : Math.max(loaded.newestSeq, last);
  }
  if (where !== 'newer') loaded.hasOlder = page.hasOlder;
  if (where !== 'older') loaded.hasNewer = page.hasNewer;
}

/** The page now ends where the conversation does (an edit deleted what followed). */
export function endsLoaded() {
  loaded.hasNewer = false;
}
