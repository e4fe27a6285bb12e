// @ts-check
// Quick ask: a question to the default assistant (or the default model), its answer streamed
// here by the main window's renderer. Every exchange is a chat kept like any other; a question
// after an answer follows on in the same chat until New. Open in Glama Chat shows the chat in
// the main window; Esc hides this one (Rust keeps the page for the next time).
import { followAnswer, newStreamId } from './answer-stream.js';
import * as api from './api.js';
import { applyAppearance } from './appearance.js';
import { copyText } from './clipboard.js';
import { answerView } from './components/answer.js';
import { messageNode } from './components/message.js';
import { showError, showNotice } from './components/toasts.js';

/** @import { Status } from './api.js' */

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const root = el('quick-ask');
const form = /** @type {HTMLFormElement} */ (el('quick-ask-form'));
const input = /** @type {HTMLTextAreaElement} */ (el('quick-ask-input'));
const send = el('quick-ask-send');
const stop = el('quick-ask-stop');
const shown = el('quick-ask-answer');
const modelName = el('quick-ask-model');
const newButton = el('quick-ask-new');
const copy = el('quick-ask-copy');
const copyWords = /** @type {HTMLElement} */ (copy.querySelector('span'));
const open = el('quick-ask-open');
const hint = el('quick-ask-hint');

/** The chat this window shows (`null`: none yet, the next question starts one). */
let chat = /** @type {{id: string, model: string} | null} */ (null);
/** The last answer's node, whose source Copy copies. */
let lastAnswer = /** @type {HTMLElement | null} */ (null);

/** @param {'idle' | 'asking' | 'answered'} state */
function setState(state) {
  root.dataset.state = state;
  const asking = state === 'asking';
  send.hidden = asking;
  stop.hidden = !asking;
  for (const b of [newButton, copy, open]) b.hidden = state !== 'answered';
}

/** A chat for the question: the one shown, or a new one from the default assistant. */
async function chatForQuestion() {
  if (chat) return chat;
  const started = await api.newChat({ kind: 'default' }, null);
  // No default model yet (the main window picks one when models first load): the first listed.
  const model = started.model || (await api.listModels())[0]?.id || '';
  chat = { id: started.id, model };
  return chat;
}

/** @param {string} text */
async function ask(text) {
  setState('asking');
  /** @type {ReturnType<typeof answerView> | null} */
  let answer = null;
  /** @type {HTMLElement[]} */
  let nodes = [];
  try {
    const { id, model } = await chatForQuestion();
    modelName.textContent = model;
    const question = messageNode('user');
    /** @type {HTMLElement} */ (question.querySelector('.body')).textContent = text;
    const node = messageNode('assistant', 'streaming');
    nodes = [question, node];
    shown.hidden = false;
    shown.append(...nodes);
    input.value = '';
    const view = answerView(node, question, {
      started: () => {},
      grew: () => { shown.scrollTop = shown.scrollHeight; },
      ended: () => { lastAnswer = node; },
    });
    answer = view;
    const stream = newStreamId();
    const following = followAnswer(id, stream, view.handle);
    following.catch(() => {});
    await api.ask(id, model, { kind: 'send', text }, stream, false);
    await following;
    await view.finished();
  } catch (e) {
    // Refused before it began (not connected, no model…): the question goes back.
    if (!answer?.started()) {
      for (const n of nodes) n.remove();
      shown.hidden = shown.childElementCount === 0;
      input.value = text;
    }
    // The chat was deleted in the main window meanwhile: the next question starts another.
    if (e?.kind === 'no_such_conversation') chat = null;
    showError(e);
  } finally {
    answer?.close();
    setState(lastAnswer ? 'answered' : 'idle');
    input.focus();
  }
}

/** Ready for a new exchange: nothing shown, the next question starts a chat. */
function startOver() {
  chat = null;
  lastAnswer = null;
  shown.replaceChildren();
  shown.hidden = true;
  setState('idle');
  input.focus();
}

/**
 * Whether a question can go: the connection is made in the main window.
 * @param {Status} s
 */
function showConnection(s) {
  root.dataset.connection = s.state;
  hint.textContent = s.state === 'connected' ? 'Enter to ask · Esc to hide' : 'Not connected: connect in Glama Chat first · Esc to hide';
}

/** The cursor in the input, its text selected (typing replaces it). */
function focusInput() {
  input.focus();
  input.select();
  markFocused();
}

/** Shortcut → input focused, read by the quick-ask benchmark (crates/e2e/benches/app.rs). */
function markFocused() {
  if (document.hasFocus() && document.activeElement === input) performance.mark('glama:quick-ask-focused');
}

/**
 * Rust's news for this window, for as long as this page reads them.
 * @param {number} reader
 */
async function follow(reader) {
  for (;;) {
    let news;
    try {
      news = await api.windowEvents(reader);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (news === null) return;
    for (const e of news.events) {
      if (e.event === 'quickAskShown') focusInput();
      else if (e.event === 'connection') showConnection(e.data);
      else if (e.event === 'notice') showNotice(e.data.message, e.data.kind);
    }
  }
}

async function boot() {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (text && root.dataset.state !== 'asking') ask(text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.isComposing) {
      e.preventDefault();
      api.hideQuickAsk();
    }
  });
  stop.addEventListener('click', () => { if (chat) api.stopAnswer(chat.id).catch(showError); });
  newButton.addEventListener('click', startOver);
  copy.addEventListener('click', async () => {
    const ok = await copyText(lastAnswer?.dataset.source ?? '');
    copyWords.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { copyWords.textContent = 'Copy'; }, 1500);
  });
  open.addEventListener('click', async () => {
    if (!chat) return;
    try {
      await api.openInMain(chat.id);
      startOver();
    } catch (e) {
      showError(e);
    }
  });
  window.addEventListener('focus', markFocused);
  focusInput();
  try {
    applyAppearance(await api.getSettings());
  } catch {
    // The system's look, as before the settings load.
  }
  const first = await api.windowEvents(null);
  for (const e of first.events) {
    if (e.event === 'notice') showNotice(e.data.message, e.data.kind);
    else if (e.event === 'connection') showConnection(e.data);
  }
  follow(first.reader);
}

boot();
