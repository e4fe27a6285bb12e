// @ts-check
// The sidebar shown or hidden: beside the chat it stays as the person left it (kept in the
// settings, Ctrl+B); below 720 px it is a layer over the chat, opened on demand and closed by
// Escape, a click outside, or opening a chat.
import { currentSettings, saveSettings } from '../settings.js';

const body = document.body;
const sidebar = document.getElementById('sidebar');
const scrim = document.getElementById('scrim');
const closeButton = document.getElementById('sidebar-close');
const openButton = document.getElementById('sidebar-open');
const narrow = matchMedia('(max-width: 720px)');

function shown() {
  return narrow.matches ? body.dataset.sidebarLayer === 'open' : body.dataset.sidebar !== 'collapsed';
}

function show() {
  const on = shown();
  scrim.hidden = !(narrow.matches && on);
  closeButton.setAttribute('aria-expanded', String(on));
  openButton.setAttribute('aria-expanded', String(on));
}

/** @param {boolean} open */
function setLayer(open) {
  if (open) body.dataset.sidebarLayer = 'open';
  else delete body.dataset.sidebarLayer;
  show();
}

/** Shows the sidebar if hidden, hides it if shown. */
export function toggleSidebar() {
  // Focus follows only from a button that goes away, or into a layer that opens.
  const follow = sidebar.contains(document.activeElement) || document.activeElement === openButton || narrow.matches;
  if (narrow.matches) {
    setLayer(!shown());
  } else {
    const collapsed = shown();
    body.dataset.sidebar = collapsed ? 'collapsed' : 'open';
    show();
    saveSettings({ sidebarCollapsed: collapsed });
  }
  if (follow) (shown() ? closeButton : openButton).focus();
}

/** Shows the sidebar if it is hidden (Ctrl+K reaches the search field in it). */
export function showSidebar() {
  if (!shown()) toggleSidebar();
}

/** A chat was opened: the layer over it goes (beside it, the sidebar stays). */
export function chatOpened() {
  if (narrow.matches) setLayer(false);
}

/** Wires the sidebar's buttons (once the settings are loaded). */
export function initSidebar() {
  body.dataset.sidebar = currentSettings().sidebarCollapsed ? 'collapsed' : 'open';
  for (const b of [closeButton, openButton]) b.addEventListener('click', toggleSidebar);
  scrim.addEventListener('click', () => setLayer(false));
  sidebar.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && narrow.matches && shown()) {
      e.preventDefault();
      setLayer(false);
      openButton.focus();
    }
  });
  narrow.addEventListener('change', () => setLayer(false));
  show();
}
