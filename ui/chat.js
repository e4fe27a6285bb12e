// The open conversation: its messages a page at a time (older ones as you scroll up), its
// draft and system prompt saved as you type, and answers streamed in as Rust has them.
// Assistant HTML comes from Rust already sanitized; user text is only ever set as text.
import { invoke, errorText } from './ipc.js';
import { showBanner } from './banner.js';
import { copyText } from './clipboard.js';
import { currentModel, showModel, onModelPicked } from './models.js';
import * as sidebar from './sidebar.js';
import { applyUpdate, settle } from './stream.js';
import {
  initAttachments, showDraftAttachments, pendingAttachments, sent, modelCanTake, chipRow, settled,
} from './attachments.js';

const list = document.getElementById('messages');
const empty = document.getElementById('empty');
const live = document.getElementById('live');
const input = document.getElementById('input');
const systemPrompt = document.getElementById('system-prompt');
const sendButton = document.getElementById('send');
const stopButton = document.getElementById('stop');

let conversationId = null;
let streaming = false;
let runs = 0; // which ask owns the streaming state
let streams = 0; // asks made by this page, for each answer's stream id
const PAGE_ID = Math.random().toString(36).slice(2);
/** How often a hidden window (no animation frames) takes an answer's updates. */
const HIDDEN_PACE_MS = 100;
let stickToBottom = true;
// The loaded stretch of the conversation: [oldestSeq, newestSeq], and what lies beyond it.
let oldestSeq = null;
let newestSeq = null;
let hasOlder = false;
let hasNewer = false;
let loadingPage = false;
// The running "Thinking… N s" of the answer streaming now.
let thinkingTimer = null;

export function openId() {
  return conversationId;
}

// ---- saving as the person types --------------------------------------------------------

/** A save that waits for a pause in typing, and can be flushed at once. */
function saver(command, field, key, what) {
  let timer = null;
  let owner = null;
  const save = async () => {
    clearTimeout(timer);
    timer = null;
    if (owner === null) return;
    const id = owner;
    owner = null;
    try {
      await invoke(command, { conversationId: id, [key]: field.value });
    } catch (e) {
      // The words stay where they are; the person is told they are not kept.
      showBanner(`${what} could not be saved: ${errorText(e)}`, e?.kind);
    }
  };
  return {
    later() {
      if (conversationId === null) return;
      owner = conversationId;
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    },
    now: save,
    cancel() { clearTimeout(timer); timer = null; owner = null; },
  };
}

const draft = saver('save_draft', input, 'draft', 'Your draft');
const prompt = saver('set_system_prompt', systemPrompt, 'prompt', 'The system prompt');

// ---- opening a conversation ------------------------------------------------------------

/** Opens a chat at its end, or `around` one message (a search result). */
export async function openConversation(id, { around = null } = {}) {
  if (streaming && id !== conversationId) {
    showBanner('An answer is still being written; stop it before switching chats.', 'busy');
    return;
  }
  await Promise.all([draft.now(), prompt.now()]);
  let conversation;
  let page;
  try {
    conversation = await invoke('open_chat', { conversationId: id });
    page = await invoke('chat_messages', {
      conversationId: id,
      page: around ? { kind: 'around', at: around } : { kind: 'latest' },
    });
  } catch (e) {
    showBanner(errorText(e), e?.kind);
    return;
  }
  conversationId = id;
  showDraftAttachments(id);
  input.value = conversation.draft;
  systemPrompt.value = conversation.systemPrompt;
  showModel(conversation.model);
  list.querySelectorAll('.message').forEach((m) => m.remove());
  oldestSeq = newestSeq = null;
  showPage(page, 'replace');
  sidebar.setActive(id);
  if (around) {
    const target = list.querySelector(`.message[data-message-id="${CSS.escape(around)}"]`);
    list.querySelectorAll('.message.found').forEach((m) => m.classList.remove('found'));
    if (target) {
      target.classList.add('found');
      stickToBottom = false;
      target.scrollIntoView({ block: 'center' });
    }
  } else {
    scrollToEnd(true);
  }
  await fillViewport();
}

/** Loads older pages until the window is full: short messages may not fill one page's height. */
async function fillViewport() {
  const id = conversationId;
  while (hasOlder && id === conversationId && list.scrollHeight <= list.clientHeight + 300) {
    const before = oldestSeq;
    await loadMore('older');
    if (oldestSeq === before) break;
  }
}

/** Adds a page of messages: `replace`, `older` (above) or `newer` (below). */
function showPage(page, where) {
  const nodes = page.messages.map(nodeFor);
  if (where === 'older') {
    const before = list.scrollHeight;
    const first = list.querySelector('.message');
    for (const n of nodes) list.insertBefore(n, first);
    list.scrollTop += list.scrollHeight - before; // keep what the person was reading in place
  } else {
    for (const n of nodes) list.appendChild(n);
  }
  if (page.messages.length) {
    const seqs = page.messages.map((m) => m.seq);
    oldestSeq = oldestSeq === null ? seqs[0] : Math.min(oldestSeq, seqs[0]);
    newestSeq = newestSeq === null ? seqs[seqs.length - 1] : Math.max(newestSeq, seqs[seqs.length - 1]);
  }
  if (where !== 'newer') hasOlder = page.hasOlder;
  if (where !== 'older') hasNewer = page.hasNewer;
  empty.hidden = list.querySelector('.message') !== null;
  markLast();
}

async function loadMore(direction) {
  if (loadingPage || conversationId === null) return;
  const id = conversationId;
  const page = direction === 'older' ? { kind: 'before', at: oldestSeq } : { kind: 'after', at: newestSeq };
  loadingPage = true;
  try {
    const got = await invoke('chat_messages', { conversationId: id, page });
    if (id === conversationId) showPage(got, direction);
  } catch (e) {
    showBanner(errorText(e), e?.kind);
  } finally {
    loadingPage = false;
  }
}

function nodeFor(m) {
  const node = messageNode(m.role, m.status);
  node.dataset.messageId = m.id;
  if (m.role === 'user') {
    node.querySelector('.body').textContent = m.text;
    showAttachments(node, m.attachments ?? []);
  } else if (m.role === 'error') setErrorRow(node, m.error);
  else {
    node.querySelector('.committed').innerHTML = m.html;
    node.dataset.source = m.text;
    if (m.reasoning) {
      const details = node.querySelector('.reasoning');
      details.querySelector('.reasoning-body').innerHTML = m.reasoningHtml;
      details.querySelector('summary').textContent = thoughtLabel(m.reasoningMs);
      details.hidden = false;
    }
    decorate(node);
    finishNode(node, m.status, m.error, m.stopReason, m.refusal);
    if (m.usage) showUsage(node, m.usage);
  }
  return node;
}

/** A question's attachments as chips under its text (none: no row). */
function showAttachments(node, list) {
  node.querySelector('.attachment-row')?.remove();
  node.dataset.attachments = JSON.stringify(list);
  if (list.length) node.insertBefore(chipRow(list), node.querySelector('.actions'));
}

function attachmentsOf(node) {
  return JSON.parse(node.dataset.attachments || '[]');
}

/** A new chat, unless the open one is still empty: then that one is it. */
export async function newChat() {
  if (streaming) {
    showBanner('An answer is still being written; stop it before starting a new chat.', 'busy');
    return;
  }
  const open = sidebar.conversation(conversationId);
  if (open && !list.querySelector('.message') && !open.title) {
    input.focus();
    return;
  }
  let c;
  try {
    await Promise.all([draft.now(), prompt.now()]);
    c = await invoke('new_chat');
  } catch (e) {
    showBanner(errorText(e), e?.kind);
    return;
  }
  await sidebar.refresh();
  await openConversation(c.id);
  input.focus();
}

/** After a chat was deleted: if it was the open one, open the next (or a new one). */
export async function conversationDeleted(id) {
  if (id !== conversationId) return;
  draft.cancel();
  prompt.cancel();
  conversationId = null;
  const next = sidebar.allConversations()[0];
  if (next) await openConversation(next.id);
  else await newChat();
}

// ---- message nodes -----------------------------------------------------------------------

function button(label, testid, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('data-testid', testid);
  b.addEventListener('click', onClick);
  return b;
}

function messageNode(role, status) {
  const node = document.createElement('article');
  node.className = 'message';
  node.setAttribute('data-testid', 'message');
  node.dataset.role = role;
  if (role === 'assistant') node.dataset.status = status;
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : role === 'assistant' ? 'Assistant' : 'Error';
  node.appendChild(who);
  if (role === 'assistant') {
    // The model's reasoning, folded above the answer; Rust renders it like the answer.
    const reasoning = document.createElement('details');
    reasoning.className = 'reasoning';
    reasoning.setAttribute('data-testid', 'reasoning');
    reasoning.hidden = true;
    const summary = document.createElement('summary');
    summary.setAttribute('data-testid', 'reasoning-summary');
    const reasoningBody = document.createElement('div');
    reasoningBody.className = 'reasoning-body';
    reasoning.append(summary, reasoningBody);
    const content = document.createElement('div');
    content.className = 'content';
    const committed = document.createElement('div');
    committed.className = 'committed';
    content.append(committed);
    node.append(reasoning, content);
  } else {
    const body = document.createElement('div');
    body.className = 'body';
    node.appendChild(body);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  node.appendChild(actions);
  return node;
}

/** Buttons each message offers; regenerate (or Retry) only on the conversation's last answer. */
function markLast() {
  const nodes = [...list.querySelectorAll('.message')];
  nodes.forEach((node, i) => {
    const actions = node.querySelector('.actions');
    actions.replaceChildren();
    const isLast = i === nodes.length - 1 && !hasNewer;
    if (node.dataset.role === 'user') {
      actions.append(
        button('Edit', 'edit-button', () => startEdit(node)),
        button('Copy', 'copy-message', () => copyText(node.querySelector('.body').textContent)),
      );
    } else if (node.dataset.role === 'assistant') {
      actions.append(button('Copy', 'copy-message', () => copyText(messageText(node))));
      if (isLast && canContinue(node)) {
        actions.append(button('Continue', 'continue-button',
          () => ask({ kind: 'continue', messageId: node.dataset.messageId }, null, node)));
      }
      if (isLast && node.dataset.status !== 'streaming') {
        const retry = ['error', 'interrupted'].includes(node.dataset.status);
        actions.append(button(retry ? 'Retry' : 'Regenerate', retry ? 'retry-button' : 'regenerate-button',
          () => ask({ kind: 'regenerate' })));
      }
    } else if (isLast) {
      actions.append(button('Retry', 'retry-button', () => ask({ kind: 'regenerate' })));
    }
  });
}

/** An answer with text that ended before its end: cut at the output limit, stopped, interrupted. */
function canContinue(node) {
  const cut = node.dataset.stop === 'length' || ['stopped', 'interrupted'].includes(node.dataset.status);
  return cut && node.dataset.status !== 'streaming' && (node.dataset.source ?? '').trim() !== '';
}

function messageText(node) {
  return node.dataset.source ?? node.querySelector('.content').innerText;
}

function setErrorRow(node, error) {
  node.dataset.role = 'error';
  delete node.dataset.status;
  node.querySelector('.content')?.remove();
  let body = node.querySelector('.body');
  if (!body) {
    body = document.createElement('div');
    body.className = 'body';
    node.insertBefore(body, node.querySelector('.actions'));
  }
  node.querySelector('.who').textContent = 'Error';
  body.textContent = error ? error.message : 'The answer failed.';
}

/** The message's note of `className` (created above the actions if missing). */
function note(node, className, testid) {
  let el = node.querySelector(`.${className}`);
  if (!el) {
    el = document.createElement('div');
    el.className = className;
    if (testid) el.setAttribute('data-testid', testid);
    node.insertBefore(el, node.querySelector('.actions'));
  }
  return el;
}

/** Notes a finished answer can carry; all are cleared when it is continued. */
const END_NOTES = ['stopped-note', 'interrupted-note', 'error-note', 'cut-note', 'filtered-note', 'refusal-note', 'usage'];

/** Longest text read out for a completed block; the rest is in the answer itself. */
const ANNOUNCED_MAX = 500;

/**
 * Has a screen reader read out a block that just completed. A whole 100 KB code block or table
 * would be read for minutes, and laying it out in the hidden live region stalled the window
 * for a few hundred milliseconds.
 */
function announce(block) {
  const text = block.textContent;
  live.textContent = text.length <= ANNOUNCED_MAX ? text : `${text.slice(0, ANNOUNCED_MAX)}…`;
}

function finishNode(node, status, error, stopReason = null, refusal = null) {
  node.dataset.status = status;
  if (stopReason) node.dataset.stop = stopReason;
  else delete node.dataset.stop;
  node.querySelector('.retrying')?.remove();
  const hasText = (node.dataset.source ?? '').trim() !== '';
  if (refusal) note(node, 'refusal-note', 'refusal-note').textContent = `The model declined: ${refusal}`;
  if (stopReason === 'length') {
    note(node, 'cut-note', 'cut-note').textContent = hasText
      ? "Cut off — the answer reached the model's output limit. Continue asks the model to go on."
      : "The model's output limit was reached while it was still thinking. Regenerate to try again.";
  }
  if (stopReason === 'content_filter') {
    note(node, 'filtered-note', 'filtered-note').textContent = hasText
      ? "Stopped by the provider's content filter — the answer so far is kept."
      : "The provider's content filter blocked this answer.";
  }
  if (status === 'stopped') note(node, 'stopped-note').textContent = 'Stopped — the answer so far is kept.';
  if (status === 'interrupted') {
    note(node, 'interrupted-note', 'interrupted-note').textContent =
      'Interrupted — Glama Chat closed while this was written. The text so far is kept.';
  }
  if (status === 'error' && error) note(node, 'error-note').textContent = `${error.message} The text so far is kept.`;
}

function showUsage(node, u) {
  const line = note(node, 'usage', 'usage');
  const parts = [];
  if (u.promptTokens != null) parts.push(`${u.promptTokens} tokens in`);
  if (u.completionTokens != null) {
    parts.push(u.reasoningTokens ? `${u.completionTokens} out (${u.reasoningTokens} reasoning)` : `${u.completionTokens} out`);
  }
  if (u.costUsd != null) parts.push(`$${u.costUsd.toFixed(6)}`);
  line.textContent = parts.join(' · ');
}

/** "Thought for 12 s" (or "1 min 5 s"), once the reasoning is over. */
function thoughtLabel(ms) {
  if (ms == null) return 'Thoughts';
  return `Thought for ${secondsText(Math.max(1, Math.ceil(ms / 1000)))}`;
}

function secondsText(secs) {
  return secs < 60 ? `${secs} s` : `${Math.floor(secs / 60)} min ${secs % 60} s`;
}

/** Reasoning streams: the section opens, and its summary counts the seconds. */
function startThinking(node) {
  if (thinkingTimer) return;
  const details = node.querySelector('.reasoning');
  const summary = details.querySelector('summary');
  const since = Date.now();
  const tick = () => { summary.textContent = `Thinking… ${secondsText(Math.floor((Date.now() - since) / 1000))}`; };
  details.hidden = false;
  details.open = true;
  tick();
  thinkingTimer = setInterval(tick, 1000);
  live.textContent = 'Thinking…';
}

/** The reasoning is over: the count stops, and the section folds (a click opens it again). */
function stopThinking(node, ms) {
  clearInterval(thinkingTimer);
  thinkingTimer = null;
  const details = node.querySelector('.reasoning');
  if (details.hidden) return;
  if (ms != null) details.querySelector('summary').textContent = thoughtLabel(ms);
  details.open = false;
}

/** Adds a Copy button to each code block (Rust sends bare `pre.code`). */
function decorate(root) {
  for (const pre of root.querySelectorAll('pre.code')) {
    if (pre.parentNode.classList?.contains('code-block')) continue;
    const wrap = document.createElement('div');
    wrap.className = 'code-block';
    pre.replaceWith(wrap);
    wrap.appendChild(pre);
    const b = button('Copy', 'copy-code', async () => {
      b.textContent = (await copyText(pre.innerText)) ? 'Copied' : 'Copy failed';
      setTimeout(() => { b.textContent = 'Copy'; }, 1500);
    });
    b.className = 'copy-code';
    wrap.appendChild(b);
  }
}

// ---- editing -----------------------------------------------------------------------------

function startEdit(node) {
  if (streaming || node.querySelector('.editor')) return;
  const body = node.querySelector('.body');
  const editor = document.createElement('div');
  editor.className = 'editor';
  const area = document.createElement('textarea');
  area.value = body.textContent;
  // The question's attachments, removable; the edit keeps those still shown.
  let kept = attachmentsOf(node);
  let chips = null;
  const showChips = () => {
    const row = chipRow(kept, (a) => { kept = kept.filter((k) => k.id !== a.id); showChips(); });
    if (chips) chips.replaceWith(row);
    chips = row;
  };
  showChips();
  area.setAttribute('data-testid', 'edit-input');
  area.setAttribute('aria-label', 'Edit message');
  const save = button('Save & send', 'edit-save', () => {
    const text = area.value;
    if (!text.trim() && !kept.length) return;
    if (!modelCanTake(kept)) return;
    editor.remove();
    body.hidden = false;
    showAttachments(node, kept);
    ask({ kind: 'edit', messageId: node.dataset.messageId, text, attachments: kept.map((a) => a.id) }, node);
  });
  const cancel = button('Cancel', 'edit-cancel', () => { editor.remove(); body.hidden = false; });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save.click(); }
    if (e.key === 'Escape') { e.preventDefault(); cancel.click(); }
  });
  editor.append(area, chips, save, cancel);
  body.hidden = true;
  node.insertBefore(editor, node.querySelector('.actions'));
  area.focus();
}

// ---- asking ------------------------------------------------------------------------------

function setStreaming(on) {
  streaming = on;
  stopButton.hidden = !on;
  sendButton.hidden = on;
}

function removeAfter(node) {
  while (node.nextElementSibling && node.nextElementSibling.classList.contains('message')) {
    node.nextElementSibling.remove();
  }
}

/** A cut-off answer about to be continued: Rust sends it again whole, so it starts empty. */
function reopen(node) {
  node.dataset.status = 'streaming';
  delete node.dataset.stop;
  for (const cls of END_NOTES) node.querySelector(`.${cls}`)?.remove();
  for (const cls of ['committed', 'reasoning-body']) {
    const fresh = document.createElement('div');
    fresh.className = cls;
    node.querySelector(`.${cls}`).replaceWith(fresh);
  }
}

/**
 * Starts an answer: `{kind: 'send', text}`, `{kind: 'regenerate'}`,
 * `{kind: 'edit', messageId, text, attachments}` (the ids kept) or `{kind: 'continue', messageId}`.
 * `editedNode` is the user message being edited; `continuedNode` the answer being continued;
 * `attached` what a sent question carries, shown under it.
 */
async function ask(request, editedNode = null, continuedNode = null, attached = []) {
  if (streaming || conversationId === null) return;
  // Request → answer on screen, read by the stream-overhead benchmark (one pair of marks).
  performance.clearMarks('glama:ask');
  performance.clearMarks('glama:answer-shown');
  performance.mark('glama:ask');
  const run = ++runs;
  const model = currentModel();
  const id = conversationId;
  // An answer goes at the end: show the end first if a search opened the middle.
  if (hasNewer && request.kind !== 'edit') await openConversation(id);
  await prompt.now();
  draft.cancel();
  // Optimistic view of what Rust is about to do to the conversation.
  let userNode = null;
  if (request.kind === 'send') {
    userNode = messageNode('user');
    userNode.querySelector('.body').textContent = request.text;
    showAttachments(userNode, attached);
    list.appendChild(userNode);
  } else if (request.kind === 'continue') {
    reopen(continuedNode);
  } else if (request.kind === 'edit') {
    editedNode.querySelector('.body').textContent = request.text;
    removeAfter(editedNode);
    hasNewer = false;
  } else {
    const users = [...list.querySelectorAll('.message[data-role="user"]')];
    if (users.length) removeAfter(users[users.length - 1]);
  }
  const node = continuedNode ?? messageNode('assistant', 'streaming');
  if (!continuedNode) list.appendChild(node);
  empty.hidden = true;
  markLast();
  scrollToEnd(true);
  setStreaming(true);

  const committed = node.querySelector('.committed');
  const reasoning = node.querySelector('.reasoning');
  const reasoningBody = node.querySelector('.reasoning-body');
  // Held, not looked up: a lookup per update would walk the whole answer.
  let retrying = null;
  const dropRetrying = () => { retrying?.remove(); retrying = null; };
  // The answer's events wait in a mailbox Rust keeps under this id (src-tauri/src/events.rs).
  streams += 1;
  const stream = `${PAGE_ID}:${streams}`;
  let started = false;
  // Updates applied, and whether the last is still to be painted: the next events are asked
  // for once it is on screen, with the count, which is what lets Rust send the next update
  // (glama_core::chat::Pace). A task queued from an animation-frame callback runs after that
  // frame's layout and paint; a hidden window has no frames, so a timer stands in.
  let painted = 0;
  let painting = false;
  const afterPaint = () => new Promise((resolve) => {
    if (!document.hidden) requestAnimationFrame(() => setTimeout(resolve));
    // Also if the window is hidden while this waits.
    setTimeout(resolve, document.hidden ? HIDDEN_PACE_MS : 1000);
  });
  let finished = Promise.resolve();
  const finish = (data) => {
    if (thinkingTimer) stopThinking(node, null);
    node.dataset.source = data.text;
    if (data.status === 'error' && !node.querySelector('.content').innerText.trim()
      && node.querySelector('.reasoning').hidden) {
      setErrorRow(node, data.error);
    } else {
      finishNode(node, data.status, data.error, data.stopReason, data.refusal);
    }
    if (data.error) showBanner(data.error.message, data.error.kind);
    live.textContent = data.status === 'done' ? 'Answer complete.' : `Answer ${data.status}.`;
    setStreaming(false);
    markLast();
    performance.mark('glama:answer-shown');
    sidebar.refresh();
  };
  const handle = ({ event, data }) => {
    switch (event) {
      case 'started':
        started = true;
        node.dataset.messageId = data.messageId;
        if (userNode && data.userMessageId != null) userNode.dataset.messageId = data.userMessageId;
        sidebar.refresh();
        break;
      case 'delta':
        dropRetrying();
        {
          const completed = applyUpdate(committed, data, decorate);
          if (completed) announce(completed);
        }
        scrollToEnd();
        break;
      case 'reasoning':
        dropRetrying();
        reasoning.hidden = false;
        if (data.live) startThinking(node);
        applyUpdate(reasoningBody, data.update, decorate);
        scrollToEnd();
        break;
      case 'thought':
        stopThinking(node, data.ms);
        break;
      case 'retrying':
        retrying = note(node, 'retrying', 'retry-notice');
        retrying.textContent = `${data.reason} — retrying in ${data.inSecs} s (attempt ${data.attempt})`;
        break;
      case 'finished':
        // The answer is done once the last replacements (a late definition's) are on screen.
        finished = Promise.all([settle(committed), settle(reasoningBody)]).then(() => finish(data));
        break;
      case 'notSaved':
        showBanner(`This answer is shown but was not saved: ${data.message}`, data.kind);
        break;
      case 'usage':
        showUsage(node, data);
        break;
    }
  };
  const follow = async () => {
    for (;;) {
      if (painting) {
        painting = false;
        await afterPaint();
      }
      const events = await invoke('answer_events', { conversationId: id, stream, painted });
      if (events === null) return;
      for (const e of events) {
        if (e.event === 'delta' || e.event === 'reasoning') {
          painted += 1;
          painting = true;
        }
        // One event the page failed on must not stop the rest.
        try { handle(e); } catch (err) { console.error(err); }
      }
    }
  };
  const following = follow();
  following.catch(() => {}); // awaited below, unless the ask is refused first
  try {
    await invoke('ask', { conversationId: id, model, request, stream });
    await following;
    await finished;
  } catch (e) {
    // Refused before anything started (not connected, no model, the disk full…): Rust
    // changed nothing, so show its copy again, and give typed text back.
    if (!started) {
      setStreaming(false);
      if (request.kind === 'send' && !input.value) {
        input.value = request.text;
        draft.later();
      }
      await openConversation(id);
    }
    showBanner(errorText(e), e?.kind);
  } finally {
    // The invoke resolves after usage settles; by then a newer ask may own the state.
    if (run === runs) {
      setStreaming(false);
      if (thinkingTimer) stopThinking(node, null);
    }
  }
}

let sending = false;

async function send() {
  if (streaming || sending) return;
  sending = true;
  try {
    // A question sent while a file is still being attached waits for it.
    await settled();
  } finally {
    sending = false;
  }
  const text = input.value;
  const attached = pendingAttachments();
  if ((!text.trim() && !attached.length) || streaming) return;
  if (!modelCanTake(attached)) return;
  input.value = '';
  // Rust moves the composer's attachments to the question; the chips go with it now.
  sent();
  ask({ kind: 'send', text }, null, null, attached);
}

function stop() {
  if (streaming && conversationId !== null) invoke('stop_answer', { conversationId });
}

// ---- scrolling ---------------------------------------------------------------------------

let scrollQueued = false;

/**
 * Keeps the end in view while the person has not scrolled away. A forced scroll (a chat
 * opened, a question sent) happens now; a streamed update's waits for the next frame, once per
 * frame: reading `scrollHeight` right after each update made WebKit lay the whole page out
 * again per update (most of a long answer's time in the page).
 */
function scrollToEnd(force = false) {
  if (force) {
    stickToBottom = true;
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

export function initChat() {
  initAttachments(() => conversationId);
  document.getElementById('new-chat').addEventListener('click', newChat);
  document.getElementById('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  input.addEventListener('input', () => draft.later());
  systemPrompt.addEventListener('input', () => prompt.later());
  systemPrompt.addEventListener('blur', () => prompt.now());
  window.addEventListener('blur', () => { draft.now(); prompt.now(); });
  onModelPicked((model) => {
    if (conversationId === null) return;
    invoke('set_chat_model', { conversationId, model }).catch((e) => showBanner(errorText(e), e?.kind));
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && streaming) { e.preventDefault(); stop(); }
  });
  stopButton.addEventListener('click', stop);
  // Following the end stops when the person scrolls up and resumes when they reach the end.
  // Judged by the direction of the scroll, not by the distance to the end: the answer grows
  // between our once-a-frame scroll and its scroll event.
  let lastTop = list.scrollTop;
  list.addEventListener('scroll', () => {
    const top = list.scrollTop;
    if (top < lastTop - 2) stickToBottom = false;
    else if (list.scrollHeight - top - list.clientHeight < 40) stickToBottom = true;
    lastTop = top;
    if (list.scrollTop < 300 && hasOlder) loadMore('older');
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 300 && hasNewer) loadMore('newer');
  });
  // Links in answers open in the system browser (http/https only, checked in Rust).
  list.addEventListener('click', (e) => {
    const a = e.target.closest('a');
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute('href');
    if (href) invoke('open_link', { url: href }).catch((err) => showBanner(errorText(err)));
  });
}
