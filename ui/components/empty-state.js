// @ts-check
// What an empty chat shows: a greeting and a few ways to start, or, while not connected, what
// Connect does and its button.
import { fillComposer } from './composer.js';
import { onStatus } from './connection.js';

/** Ideas to start with: a title, a few words more, and what goes in the message box. */
const STARTERS = [
  { title: 'Explain a concept', detail: 'as if I were new to it', text: 'Explain how public-key cryptography works, as if I were new to it.' },
  { title: 'Write some code', detail: 'a function, a script, a query', text: 'Write a Python function that removes duplicate lines from a file, keeping their order.' },
  { title: 'Summarize a text', detail: 'in a few points', text: 'Summarize the following text in five short points:\n\n' },
  { title: 'Make a plan', detail: 'a trip, a project, a week', text: 'Help me plan three days in Lisbon: what to see each day, and where to eat.' },
];

export function initEmptyState() {
  const starters = document.getElementById('starters');
  for (const s of STARTERS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('data-testid', 'starter');
    const title = document.createElement('span');
    title.className = 'starter-title';
    title.textContent = s.title;
    const detail = document.createElement('span');
    detail.className = 'starter-detail';
    detail.textContent = s.detail;
    b.append(title, detail);
    b.addEventListener('click', () => fillComposer(s.text));
    starters.appendChild(b);
  }
  const chat = document.getElementById('empty-chat');
  const disconnected = document.getElementById('empty-disconnected');
  onStatus((s) => {
    chat.hidden = s.state !== 'connected';
    disconnected.hidden = s.state === 'connected';
  });
}
