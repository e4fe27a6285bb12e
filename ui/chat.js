// The conversation: messages as Rust renders them, answers streamed in over a Channel.
// Assistant HTML comes from Rust already sanitized; user text is only ever set as text.
import { invoke, Channel, errorText } from './ipc.js';
import { showBanner } from './banner.js';
import { copyText } from './clipboard.js';
import { currentModel } from './models.js';
import { applyUpdate } from './stream.js';

const list = document.getElementById('messages');
const empty = document.getElementById('empty');
const live = document.getElementById('live');
const input = document.getElementById('input');
const sendButton = document.getElementById('send');
const stopButton = document.getElementById('stop');
const conversationsEl = document.getElementById('conversations');
const search = document.getElementById('search');

let conversationId = null;
let streaming = false;
let runs = 0; // which ask owns the streaming state
let stickToBottom = true;

// ---- conversations ---------------------------------------------------------------------

async function refreshConversations() {
  const all = await invoke('list_chats');
  const q = search.value.trim().toLowerCase();
  conversationsEl.replaceChildren();
  for (const c of all) {
    if (q && !c.title.toLowerCase().includes(q)) continue;
    const li = document.createElement('li');
    li.dataset.testid = 'conversation-item';
    li.setAttribute('data-testid', 'conversation-item');
    li.dataset.conversationId = c.id;
    li.setAttribute('aria-current', String(c.id === conversationId));
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = c.title;
    b.title = c.title;
    b.addEventListener('click', () => openConversation(c.id));
    li.appendChild(b);
    conversationsEl.appendChild(li);
  }
}

async function openConversation(id) {
  if (streaming) {
    showBanner('An answer is still being written; stop it before switching chats.', 'busy');
    return;
  }
  conversationId = id;
  const messages = await invoke('chat_messages', { conversationId: id });
  list.querySelectorAll('.message').forEach((m) => m.remove());
  for (const m of messages) {
    const node = messageNode(m.role, m.status);
    node.dataset.messageId = m.id;
    if (m.role === 'user') node.querySelector('.body').textContent = m.text;
    else if (m.role === 'error') setErrorRow(node, m.error);
    else {
      node.querySelector('.committed').innerHTML = m.html;
      node.dataset.source = m.text;
      decorate(node);
      finishNode(node, m.status, m.error);
      if (m.usage) showUsage(node, m.usage);
    }
    list.appendChild(node);
  }
  empty.hidden = messages.length > 0;
  markLast();
  refreshConversations();
  scrollToEnd(true);
}

async function newChat() {
  if (streaming) {
    showBanner('An answer is still being written; stop it before starting a new chat.', 'busy');
    return;
  }
  const c = await invoke('new_chat');
  conversationId = c.id;
  list.querySelectorAll('.message').forEach((m) => m.remove());
  empty.hidden = false;
  await refreshConversations();
  input.focus();
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
    const content = document.createElement('div');
    content.className = 'content';
    const committed = document.createElement('div');
    committed.className = 'committed';
    content.append(committed);
    node.appendChild(content);
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

/** Buttons each message offers; regenerate only on the last answer. */
function markLast() {
  const nodes = [...list.querySelectorAll('.message')];
  nodes.forEach((node, i) => {
    const actions = node.querySelector('.actions');
    actions.replaceChildren();
    const isLast = i === nodes.length - 1;
    if (node.dataset.role === 'user') {
      actions.append(
        button('Edit', 'edit-button', () => startEdit(node)),
        button('Copy', 'copy-message', () => copyText(node.querySelector('.body').textContent)),
      );
    } else if (node.dataset.role === 'assistant') {
      actions.append(button('Copy', 'copy-message', () => copyText(messageText(node))));
      if (isLast && node.dataset.status !== 'streaming') {
        actions.append(button(node.dataset.status === 'error' ? 'Retry' : 'Regenerate',
          node.dataset.status === 'error' ? 'retry-button' : 'regenerate-button', () => ask({ kind: 'regenerate' })));
      }
    } else if (isLast) {
      actions.append(button('Retry', 'retry-button', () => ask({ kind: 'regenerate' })));
    }
  });
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

function finishNode(node, status, error) {
  node.dataset.status = status;
  node.querySelector('.retrying')?.remove();
  if (status === 'stopped') note(node, 'stopped-note').textContent = 'Stopped — the answer so far is kept.';
  if (status === 'error' && error) note(node, 'error-note').textContent = `${error.message} The text so far is kept.`;
}

function showUsage(node, u) {
  const line = note(node, 'usage', 'usage');
  const parts = [];
  if (u.promptTokens != null) parts.push(`${u.promptTokens} tokens in`);
  if (u.completionTokens != null) parts.push(`${u.completionTokens} out`);
  if (u.costUsd != null) parts.push(`$${u.costUsd.toFixed(6)}`);
  line.textContent = parts.join(' · ');
}

/** Adds a Copy button to each code block (Rust sends bare `pre.code`). */
function decorate(root) {
  for (const pre of root.querySelectorAll('pre.code')) {
    if (pre.parentElement.classList.contains('code-block')) continue;
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
  area.setAttribute('data-testid', 'edit-input');
  area.setAttribute('aria-label', 'Edit message');
  const save = button('Save & send', 'edit-save', () => {
    const text = area.value;
    if (!text.trim()) return;
    editor.remove();
    body.hidden = false;
    ask({ kind: 'edit', messageId: Number(node.dataset.messageId), text }, node);
  });
  const cancel = button('Cancel', 'edit-cancel', () => { editor.remove(); body.hidden = false; });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save.click(); }
    if (e.key === 'Escape') { e.preventDefault(); cancel.click(); }
  });
  editor.append(area, save, cancel);
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

/**
 * Starts an answer: `{kind: 'send', text}`, `{kind: 'regenerate'}` or `{kind: 'edit', messageId, text}`.
 * `editedNode` is the user message being edited.
 */
async function ask(request, editedNode = null) {
  if (streaming) return;
  const run = ++runs;
  const model = currentModel();
  if (conversationId === null) {
    const c = await invoke('new_chat');
    conversationId = c.id;
  }
  // Optimistic view of what Rust is about to do to the conversation.
  let userNode = null;
  if (request.kind === 'send') {
    userNode = messageNode('user');
    userNode.querySelector('.body').textContent = request.text;
    list.appendChild(userNode);
  } else if (request.kind === 'edit') {
    editedNode.querySelector('.body').textContent = request.text;
    removeAfter(editedNode);
  } else {
    const users = [...list.querySelectorAll('.message[data-role="user"]')];
    if (users.length) removeAfter(users[users.length - 1]);
  }
  const node = messageNode('assistant', 'streaming');
  list.appendChild(node);
  empty.hidden = true;
  markLast();
  scrollToEnd(true);
  setStreaming(true);

  const committed = node.querySelector('.committed');
  const channel = new Channel();
  let started = false;
  channel.onmessage = ({ event, data }) => {
    switch (event) {
      case 'started':
        started = true;
        node.dataset.messageId = data.messageId;
        if (userNode && data.userMessageId != null) userNode.dataset.messageId = data.userMessageId;
        refreshConversations();
        break;
      case 'delta':
        node.querySelector('.retrying')?.remove();
        {
          const completed = applyUpdate(committed, data, decorate);
          if (completed) live.textContent = completed.textContent;
        }
        scrollToEnd();
        break;
      case 'retrying':
        note(node, 'retrying', 'retry-notice').textContent =
          `${data.reason} — retrying in ${data.inSecs} s (attempt ${data.attempt})`;
        break;
      case 'finished':
        node.dataset.source = data.text;
        if (data.status === 'error' && !node.querySelector('.content').innerText.trim()) {
          setErrorRow(node, data.error);
        } else {
          finishNode(node, data.status, data.error);
        }
        if (data.error) showBanner(data.error.message, data.error.kind);
        live.textContent = data.status === 'done' ? 'Answer complete.' : `Answer ${data.status}.`;
        setStreaming(false);
        markLast();
        break;
      case 'usage':
        showUsage(node, data);
        break;
    }
  };
  try {
    await invoke('ask', { conversationId, model, request, onEvent: channel });
  } catch (e) {
    // Refused before anything started (not connected, no model…): Rust changed nothing, so
    // show its copy again, and give typed text back.
    if (!started) {
      setStreaming(false);
      if (request.kind === 'send' && !input.value) input.value = request.text;
      await openConversation(conversationId);
    }
    showBanner(errorText(e), e?.kind);
  } finally {
    // The invoke resolves after usage settles; by then a newer ask may own the state.
    if (run === runs) setStreaming(false);
  }
}

function send() {
  const text = input.value;
  if (!text.trim() || streaming) return;
  input.value = '';
  ask({ kind: 'send', text });
}

function stop() {
  if (streaming && conversationId !== null) invoke('stop_answer', { conversationId });
}

// ---- scrolling ---------------------------------------------------------------------------

function scrollToEnd(force = false) {
  if (force) stickToBottom = true;
  if (stickToBottom) list.scrollTop = list.scrollHeight;
}

export function initChat() {
  document.getElementById('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && streaming) { e.preventDefault(); stop(); }
  });
  stopButton.addEventListener('click', stop);
  document.getElementById('new-chat').addEventListener('click', newChat);
  search.addEventListener('input', refreshConversations);
  list.addEventListener('scroll', () => {
    stickToBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  // Links in answers open in the system browser (http/https only, checked in Rust).
  list.addEventListener('click', (e) => {
    const a = e.target.closest('a');
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute('href');
    if (href) invoke('open_link', { url: href }).catch((err) => showBanner(errorText(err)));
  });
  refreshConversations();
}
