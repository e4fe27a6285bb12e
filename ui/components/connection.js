// @ts-check
// The connection: the status Rust sends, shown at the sidebar's foot and in Settings → Account,
// and the clicks on Connect, Cancel, Disconnect and Keep turned into commands.
import * as api from '../api.js';
import { copyText } from '../clipboard.js';
import { clearNotices, showError, showNotice } from './toasts.js';

/** @import { Status } from '../api.js' */

/** @param {string} id */
const el = (id) => document.getElementById(id);
const status = el('status');
const settingsStatus = el('settings-status');
const buttons = {
  connect: el('connect'),
  cancel: el('cancel-connect'),
  keep: el('keep-session'),
  disconnect: el('disconnect'),
  settingsConnect: el('settings-connect'),
  settingsDisconnect: el('settings-disconnect'),
  emptyConnect: el('empty-connect'),
};
// What shows the status's colour (its dot).
const stateHolders = [status.closest('.account'), settingsStatus.closest('.setting-line')];
const authorize = el('authorize');
const authorizeUrl = /** @type {HTMLInputElement} */ (el('authorize-url'));
const authorizeWords = el('authorize-words');

/** @type {Status} */
let current = { state: 'disconnected' };
/** @type {((status: Status) => void)[]} */
const watchers = [];

/**
 * Calls `fn(status)` now and on every change.
 * @param {(status: Status) => void} fn
 */
export function onStatus(fn) {
  watchers.push(fn);
  fn(current);
}

export function isConnected() {
  return current.state === 'connected';
}

/** @param {Status} s */
function statusText(s) {
  switch (s.state) {
    case 'connected':
      return `Connected ${s.maskedKey}${s.sessionOnly ? ' (this session only)' : ''}`;
    case 'connecting':
      return 'Connecting…';
    case 'error':
      return s.message;
    default:
      return 'Not connected';
  }
}

/** @param {Status} s */
function show(s) {
  const was = current.state;
  current = s;
  status.dataset.state = s.state;
  for (const holder of stateHolders) holder.setAttribute('data-state', s.state);
  status.textContent = statusText(s);
  settingsStatus.textContent = status.textContent;
  const canConnect = s.state !== 'connected' && s.state !== 'connecting';
  const canDisconnect = s.state === 'connected' || (s.state === 'error' && s.kind === 'key_rejected');
  buttons.connect.hidden = !canConnect;
  buttons.connect.textContent = s.state === 'error' ? 'Reconnect' : 'Connect';
  buttons.settingsConnect.hidden = !canConnect;
  buttons.settingsConnect.textContent = buttons.connect.textContent;
  buttons.emptyConnect.hidden = !canConnect;
  buttons.cancel.hidden = s.state !== 'connecting';
  buttons.disconnect.hidden = !canDisconnect;
  buttons.settingsDisconnect.hidden = !canDisconnect;
  buttons.keep.hidden = !(s.state === 'error' && s.canKeepForSession);
  authorize.hidden = s.state !== 'connecting';
  if (s.state === 'connecting') {
    authorizeUrl.value = s.authorizeUrl;
    authorizeWords.textContent = s.browserOpened
      ? 'Finish signing in in your browser. If it did not open, open this link yourself:'
      : 'Your browser could not be opened. Open this link in a browser to sign in:';
  }
  if (s.state === 'connected' && was !== 'connected') clearNotices();
  watchers.forEach((fn) => fn(s));
}

// Status events, counted. Every change of the status is an event, and events arrive in order;
// a command's reply does not keep its place among them (a sign-in can finish while Connect is
// still replying). So a reply is shown only when no event came while it was awaited: else the
// events already said as much, or more.
let events = 0;

/**
 * Shows the status a command replies with, unless events overtook it.
 * @param {Promise<Status>} reply
 */
async function showReply(reply) {
  const seen = events;
  const s = await reply;
  if (events === seen) show(s);
}

/** @param {() => Promise<Status>} command */
async function run(command) {
  try {
    await showReply(command());
  } catch (e) {
    showError(e);
  }
}

export async function initConnection() {
  for (const b of [buttons.connect, buttons.settingsConnect, buttons.emptyConnect]) {
    b.addEventListener('click', () => run(api.connect));
  }
  buttons.cancel.addEventListener('click', () => run(api.cancelConnect));
  for (const b of [buttons.disconnect, buttons.settingsDisconnect]) b.addEventListener('click', () => run(api.disconnect));
  buttons.keep.addEventListener('click', () => run(api.keepKeyForSession));
  const copy = el('copy-authorize');
  const copyWords = /** @type {Text} */ ([...copy.childNodes].find((n) => n.nodeType === Node.TEXT_NODE));
  copy.addEventListener('click', async () => {
    const ok = await copyText(authorizeUrl.value);
    copyWords.data = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { copyWords.data = 'Copy link'; }, 1500);
  });
  // Rust's news, taken as it comes. The first call answers at once: notices raised before this
  // page loaded (a keyring missing at launch, say), shown together, then the status now.
  const first = await api.windowEvents(null);
  const early = first.events.filter((e) => e.event === 'notice').map((e) => e.data);
  for (const n of early) showNotice(n.message, n.kind);
  for (const e of first.events) if (e.event === 'connection') showEvent(e.data);
  follow(first.reader);
}

/** @param {Status} s */
function showEvent(s) {
  events += 1;
  show(s);
}

/**
 * Takes Rust's news for as long as this page is the reader (a reload makes a new one).
 * @param {number} reader
 */
async function follow(reader) {
  for (;;) {
    let news;
    try {
      news = await api.windowEvents(reader);
    } catch {
      // Only if the IPC itself failed; wait rather than spin.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (news === null) return;
    for (const e of news.events) {
      if (e.event === 'connection') showEvent(e.data);
      else if (e.event === 'notice') showNotice(e.data.message, e.data.kind);
      // For the Tools panel, loaded only once Settings opens (settings-dialog.js).
      else if (e.event === 'toolsChanged') document.dispatchEvent(new Event(api.TOOLS_CHANGED));
      else if (e.event === 'openConversation') {
        document.dispatchEvent(new CustomEvent(api.OPEN_CONVERSATION, { detail: e.data.conversationId }));
      } else if (e.event === 'conversationChanged' && e.data.by !== null && e.data.by !== api.WINDOW_LABEL) {
        document.dispatchEvent(new Event(api.CHANGED_ELSEWHERE));
      }
    }
  }
}
