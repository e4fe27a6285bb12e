// @ts-check
// Settings → Tools: the tool servers of mcp.json as Rust runs them (status, tools, why one
// failed, with its stderr), each to enable, retry, edit or remove, a switch per tool and the
// always-allows to revoke; and adding servers by pasting a snippet or with the form. Drawn
// when Settings opens, and again whenever Rust says tools changed while it is open
// (settings-dialog.js). Every change is Rust's to make and confirm: a
// program to run is shown to the person in a native dialog, never by this page.
import * as api from '../api.js';
import { iconButton } from '../icons.js';
import { editServer, initMcpForm, newServer } from './mcp-form.js';
import { showError, showNotice } from './toasts.js';

/** @import { ServerView, ToolView } from '../api.js' */

/** @param {string} id */
const el = (id) => document.getElementById(id);
const list = el('mcp-servers');
const snippet = /** @type {HTMLTextAreaElement} */ (el('mcp-add-snippet'));

/** @type {Record<ServerView['status'], string>} */
const STATUS_WORDS = { starting: 'Starting…', ready: 'Ready', failed: 'Failed', disabled: 'Off' };

/**
 * Runs a change; its error is said in words.
 * @param {() => Promise<unknown>} change
 * @param {string} [lead]
 */
async function run(change, lead) {
  try {
    await change();
    return true;
  } catch (e) {
    showError(e, lead);
    return false;
  }
}

/**
 * A labelled switch (a checkbox the page styles as one).
 * @param {string} testid
 * @param {string} label
 * @param {boolean} checked
 * @param {(on: boolean) => Promise<unknown>} change
 */
function toggle(testid, label, checked, change) {
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.setAttribute('role', 'switch');
  input.setAttribute('data-testid', testid);
  input.setAttribute('aria-label', label);
  input.checked = checked;
  input.addEventListener('change', async () => {
    input.disabled = true;
    if (!await run(() => change(input.checked))) input.checked = !input.checked;
    input.disabled = false;
  });
  return input;
}

/**
 * @param {ServerView} server
 * @param {ToolView} tool
 */
function toolRow(server, tool) {
  const li = document.createElement('li');
  li.className = 'mcp-tool';
  li.setAttribute('data-testid', 'mcp-tool');
  li.dataset.name = tool.name;
  const words = document.createElement('div');
  words.className = 'mcp-tool-words';
  const name = document.createElement('span');
  name.className = 'mcp-tool-name';
  name.textContent = tool.title ?? tool.name;
  words.appendChild(name);
  if (tool.description) {
    const d = document.createElement('span');
    d.className = 'mcp-tool-description';
    d.textContent = tool.description;
    words.appendChild(d);
  }
  li.append(toggle('mcp-tool-enabled', `Offer ${tool.name} to the model`, tool.enabled,
    (on) => api.setMcpToolEnabled(server.name, tool.name, on)), words);
  if (tool.always) {
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'quiet';
    revoke.setAttribute('data-testid', 'mcp-tool-revoke');
    revoke.textContent = 'Always allowed · Revoke';
    revoke.setAttribute('aria-label', `Ask again before ${tool.name} runs`);
    revoke.addEventListener('click', () => run(() => api.setMcpToolAlways(server.name, tool.name, false)));
    li.appendChild(revoke);
  }
  return li;
}

/** @param {ServerView} s */
function countWords(s) {
  if (s.status !== 'ready') return STATUS_WORDS[s.status];
  const on = s.tools.filter((t) => t.enabled).length;
  const all = s.tools.length;
  if (all === 0) return 'Ready, no tools';
  return on === all ? `${all} tool${all === 1 ? '' : 's'} ready` : `${on} of ${all} tools offered`;
}

/** @param {ServerView} s */
function serverItem(s) {
  const li = document.createElement('li');
  li.className = 'mcp-server';
  li.setAttribute('data-testid', 'mcp-server');
  li.dataset.name = s.name;
  li.dataset.status = s.status;
  const head = document.createElement('div');
  head.className = 'mcp-head';
  const dot = document.createElement('span');
  dot.className = 'status-dot';
  dot.setAttribute('aria-hidden', 'true');
  const title = document.createElement('div');
  title.className = 'mcp-title';
  const name = document.createElement('span');
  name.className = 'mcp-name';
  name.textContent = s.name;
  const count = document.createElement('span');
  count.className = 'mcp-count';
  count.setAttribute('data-testid', 'mcp-tool-count');
  count.textContent = countWords(s);
  const target = document.createElement('code');
  target.className = 'mcp-target';
  target.textContent = s.target;
  title.append(name, count, target);
  const buttons = document.createElement('div');
  buttons.className = 'mcp-buttons';
  if (s.status === 'failed') {
    buttons.appendChild(iconButton({
      icon: 'rotate-ccw', label: `Start ${s.name} again`, text: 'Retry', testid: 'mcp-retry',
      onClick: () => run(() => api.retryMcpServer(s.name)),
    }));
  }
  buttons.append(
    iconButton({ icon: 'pencil', label: `Edit ${s.name}`, testid: 'mcp-edit', onClick: () => editServer(s.name) }),
    iconButton({
      icon: 'trash-2', label: `Remove ${s.name}`, testid: 'mcp-remove',
      onClick: async () => {
        if (await run(() => api.removeMcpServer(s.name))) showNotice(`${s.name} was removed.`, 'info');
      },
    }),
    toggle('mcp-enabled', `Use ${s.name}`, s.status !== 'disabled', (on) => api.setMcpServerEnabled(s.name, on)),
  );
  head.append(dot, title, buttons);
  li.appendChild(head);
  if (s.status === 'failed' && s.reason) {
    const reason = document.createElement('p');
    reason.className = 'mcp-reason';
    reason.setAttribute('data-testid', 'mcp-reason');
    reason.textContent = s.retrying ? `${s.reason} It will be started again by itself.` : s.reason;
    li.appendChild(reason);
  }
  if (s.stderr) {
    const details = document.createElement('details');
    details.className = 'mcp-stderr';
    details.open = s.status === 'failed';
    const summary = document.createElement('summary');
    summary.textContent = 'What it wrote (stderr)';
    const pre = document.createElement('pre');
    pre.setAttribute('data-testid', 'mcp-stderr');
    pre.textContent = s.stderr;
    details.append(summary, pre);
    li.appendChild(details);
  }
  if (s.tools.length) {
    const tools = document.createElement('ul');
    tools.className = 'mcp-tools';
    tools.setAttribute('aria-label', `Tools of ${s.name}`);
    tools.append(...s.tools.map((t) => toolRow(s, t)));
    li.appendChild(tools);
  }
  return li;
}

/** The servers as Rust has them now. */
export async function showTools() {
  let view;
  try {
    view = await api.toolsState();
  } catch (e) {
    showError(e, 'The tool servers could not be read: ');
    return;
  }
  el('tools-file-path').textContent = view.path;
  const fileError = el('tools-file-error');
  fileError.hidden = !view.fileError;
  fileError.textContent = view.fileError
    ? `${view.fileError} No tools run until it is fixed; the file is left as it is.`
    : '';
  // Redrawn whole: a panel of a few servers. Keep the keyboard where it was.
  const focused = /** @type {HTMLElement | null} */ (document.activeElement);
  const where = focused && list.contains(focused)
    ? [focused.closest('[data-testid="mcp-server"]')?.getAttribute('data-name'), focused.getAttribute('data-testid')]
    : null;
  list.replaceChildren(...view.servers.map(serverItem));
  el('mcp-none').hidden = view.servers.length > 0 || !!view.fileError;
  if (where) {
    const server = [...list.children].find((c) => /** @type {HTMLElement} */ (c).dataset.name === where[0]);
    /** @type {HTMLElement | null} */ (server?.querySelector(`[data-testid="${where[1]}"]`))?.focus();
  }
}

async function addSnippet() {
  const text = snippet.value.trim();
  if (!text) {
    snippet.focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ (el('mcp-add'));
  button.disabled = true;
  try {
    const names = await api.addMcpServers(text);
    snippet.value = '';
    showNotice(`Added ${names.join(', ')}.`, 'info');
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
  }
}

/** Wires the panel; its buttons, disabled in the page until then, work from now on. */
export function initToolsPanel() {
  for (const [id, onClick] of /** @type {const} */ ([['mcp-add', addSnippet], ['mcp-new', newServer]])) {
    const button = /** @type {HTMLButtonElement} */ (el(id));
    button.addEventListener('click', onClick);
    button.disabled = false;
  }
  initMcpForm();
}
