// @ts-check
// The form for one tool server: a program (command, arguments, folder, environment) or a web
// address (headers), with values marked secret going to the keyring. Editing starts from what
// Rust gives (`mcp_server_draft`), where a kept secret is only "kept": the page never has it,
// and sends it back as `keep` unless the person types a new one.
import * as api from '../api.js';
import { iconButton } from '../icons.js';
import { showError, showNotice } from './toasts.js';

/** @import { DraftValue, ServerDraft } from '../api.js' */

/** @param {string} id */
const el = (id) => document.getElementById(id);
const form = /** @type {HTMLFormElement} */ (el('mcp-form'));
const values = el('mcp-form-values');
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (el(id));

/** The server being edited (its name before any rename); null when adding one. */
let editing = /** @type {string | null} */ (null);

function kind() {
  return /** @type {HTMLInputElement} */ (form.querySelector('input[name="mcp-kind"]:checked')).value;
}

function showKind() {
  const http = kind() === 'http';
  el('mcp-form-stdio').hidden = http;
  el('mcp-form-http').hidden = !http;
  el('mcp-form-values-title').textContent = http ? 'Headers' : 'Environment';
}

/**
 * A row of the environment or headers.
 * @param {string} name
 * @param {DraftValue} value
 */
function valueRow(name, value) {
  const row = document.createElement('div');
  row.className = 'mcp-value';
  row.setAttribute('data-testid', 'mcp-form-value');
  const n = document.createElement('input');
  n.className = 'value-name';
  n.value = name;
  n.setAttribute('aria-label', 'Name');
  n.placeholder = 'NAME';
  n.spellcheck = false;
  const v = document.createElement('input');
  v.className = 'value-value';
  v.setAttribute('aria-label', 'Value');
  v.spellcheck = false;
  v.autocomplete = 'off';
  const secret = document.createElement('input');
  secret.type = 'checkbox';
  secret.className = 'value-secret';
  const secretLabel = document.createElement('label');
  secretLabel.append(secret, ' Secret');
  if (value.kind === 'keep') {
    // Kept in the keyring: left as it is unless something new is typed.
    row.dataset.kept = 'true';
    v.placeholder = 'Kept in the keyring — type to replace';
    secret.checked = true;
  } else {
    v.value = value.value;
    secret.checked = value.kind === 'secret';
  }
  const mask = () => { v.type = secret.checked ? 'password' : 'text'; };
  secret.addEventListener('change', mask);
  mask();
  row.append(n, v, secretLabel, iconButton({
    icon: 'x', label: 'Remove this value', testid: 'mcp-form-remove-value', onClick: () => row.remove(),
  }));
  return row;
}

/** @returns {{name: string, value: DraftValue}[]} */
function readValues() {
  return [...values.querySelectorAll('.mcp-value')].flatMap((row) => {
    const name = /** @type {HTMLInputElement} */ (row.querySelector('.value-name')).value.trim();
    const value = /** @type {HTMLInputElement} */ (row.querySelector('.value-value')).value;
    const secret = /** @type {HTMLInputElement} */ (row.querySelector('.value-secret')).checked;
    if (!name) return [];
    /** @type {DraftValue} */
    const v = /** @type {HTMLElement} */ (row).dataset.kept && value === ''
      ? { kind: 'keep' }
      : { kind: secret ? 'secret' : 'plain', value };
    return [{ name, value: v }];
  });
}

/** @returns {ServerDraft} */
function readDraft() {
  const timeout = Number(input('mcp-form-timeout').value);
  const fields = readValues();
  return {
    name: input('mcp-form-name').value.trim(),
    disabled: false,
    timeoutSecs: Number.isFinite(timeout) && timeout > 0 ? Math.round(timeout) : null,
    launch: kind() === 'http'
      ? { type: 'http', url: input('mcp-form-url').value.trim(), headers: fields }
      : {
        type: 'stdio',
        command: input('mcp-form-command').value.trim(),
        args: /** @type {HTMLTextAreaElement} */ (el('mcp-form-args')).value.split('\n').map((a) => a.trim()).filter(Boolean),
        env: fields,
        cwd: input('mcp-form-cwd').value.trim() || null,
      },
  };
}

/**
 * Opens the form on `draft` (`name`: the server it edits, null to add).
 * @param {ServerDraft} draft
 * @param {string | null} name
 */
function open(draft, name) {
  editing = name;
  el('mcp-form-title').textContent = name ? `Edit ${name}` : 'New tool server';
  input('mcp-form-name').value = draft.name;
  const launch = draft.launch;
  for (const r of /** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll('input[name="mcp-kind"]'))) {
    r.checked = r.value === launch.type;
  }
  input('mcp-form-command').value = launch.type === 'stdio' ? launch.command : '';
  /** @type {HTMLTextAreaElement} */ (el('mcp-form-args')).value = launch.type === 'stdio' ? launch.args.join('\n') : '';
  input('mcp-form-cwd').value = launch.type === 'stdio' ? launch.cwd ?? '' : '';
  input('mcp-form-url').value = launch.type === 'http' ? launch.url : '';
  const fields = launch.type === 'stdio' ? launch.env : launch.headers;
  values.replaceChildren(...fields.map((f) => valueRow(f.name, f.value)));
  input('mcp-form-timeout').value = draft.timeoutSecs ? String(draft.timeoutSecs) : '';
  form.dataset.disabled = String(draft.disabled);
  showKind();
  form.hidden = false;
  form.scrollIntoView({ block: 'nearest' });
  input('mcp-form-name').focus();
}

function close() {
  form.hidden = true;
  editing = null;
}

/** Opens the form empty, to add a server. */
export function newServer() {
  open({ name: '', disabled: false, timeoutSecs: null, launch: { type: 'stdio', command: '', args: [], env: [], cwd: null } }, null);
}

/**
 * Opens the form on server `name` as Rust has it (its secrets only marked kept).
 * @param {string} name
 */
export async function editServer(name) {
  try {
    open(await api.mcpServerDraft(name), name);
  } catch (e) {
    showError(e);
  }
}

async function save() {
  const draft = { ...readDraft(), disabled: form.dataset.disabled === 'true' };
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
  button.disabled = true;
  try {
    if (editing) await api.updateMcpServer(editing, draft);
    else await api.addMcpServer(draft);
    showNotice(`${draft.name} was saved.`, 'info');
    close();
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
  }
}

export function initMcpForm() {
  for (const r of form.querySelectorAll('input[name="mcp-kind"]')) r.addEventListener('change', showKind);
  el('mcp-form-add-value').addEventListener('click', () => {
    const row = valueRow('', { kind: 'plain', value: '' });
    values.appendChild(row);
    /** @type {HTMLInputElement} */ (row.querySelector('.value-name')).focus();
  });
  el('mcp-form-cancel').addEventListener('click', close);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
}
