// @ts-check
// Search across every message, in the sidebar: results in place of the chat list while the
// field holds a query. Snippets arrive as plain-text parts and are only ever set as text.
import * as api from '../api.js';
import { showError } from './toasts.js';

/** @import { SearchHit } from '../api.js' */

const listEl = document.getElementById('conversations');
const resultsEl = document.getElementById('search-results');
const search = /** @type {HTMLInputElement} */ (document.getElementById('search'));

/** @type {(id: string, options?: {around?: string}) => Promise<void>} */
let open = async () => {};
let searchRun = 0;

/** @param {SearchHit['snippet']} parts */
function snippetNode(parts) {
  const p = document.createElement('span');
  p.className = 'snippet';
  for (const part of parts) {
    if (part.hit) {
      const mark = document.createElement('mark');
      mark.textContent = part.text;
      p.appendChild(mark);
    } else {
      p.appendChild(document.createTextNode(part.text));
    }
  }
  return p;
}

/** Shows the results for what the field holds (the chat list when it is empty). */
export async function runSearch() {
  const query = search.value;
  const run = ++searchRun;
  if (!query.trim()) {
    resultsEl.hidden = true;
    resultsEl.replaceChildren();
    listEl.hidden = false;
    return;
  }
  let hits;
  try {
    hits = await api.searchChats(query);
  } catch (e) {
    showError(e);
    return;
  }
  if (run !== searchRun) return; // a newer query is on its way
  resultsEl.replaceChildren();
  for (const hit of hits) {
    const li = document.createElement('li');
    li.setAttribute('data-testid', 'search-result');
    li.dataset.conversationId = hit.conversationId;
    li.dataset.messageId = hit.messageId;
    const b = document.createElement('button');
    b.type = 'button';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = hit.conversationTitle || 'New chat';
    title.title = title.textContent;
    b.append(title, snippetNode(hit.snippet));
    b.addEventListener('click', () => open(hit.conversationId, { around: hit.messageId }));
    li.appendChild(b);
    resultsEl.appendChild(li);
  }
  if (!hits.length) {
    const none = document.createElement('li');
    none.className = 'none';
    none.textContent = 'No messages match.';
    resultsEl.appendChild(none);
  }
  resultsEl.hidden = false;
  listEl.hidden = true;
}

/** The list changed under a search: its results are asked for again. */
export function searchAgain() {
  if (search.value.trim()) runSearch();
}

export function focusSearch() {
  search.focus();
  search.select();
}

/** @param {(id: string, options?: {around?: string}) => Promise<void>} opener  opens a result */
export function initSearch(opener) {
  open = opener;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 120);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = '';
      runSearch();
    }
  });
}
