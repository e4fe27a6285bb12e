// @ts-check
// The keyboard shortcuts: one list, which both handles the keys and is shown in Settings →
// Shortcuts (and in tooltips), so what is listed is what works.

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * Keys as people read them: `mod+b` is Ctrl+B (Cmd+B on a Mac).
 * @param {string} keys  `+`-separated, lower case: `mod`, `ctrl`, `alt`, `shift`, `space`, `enter`, `escape`, a key
 */
export function keyLabel(keys) {
  const names = {
    mod: MAC ? 'Cmd' : 'Ctrl', ctrl: 'Ctrl', alt: 'Alt', shift: 'Shift', space: 'Space', enter: 'Enter', escape: 'Esc',
  };
  return keys.split('+').map((k) => names[/** @type {keyof typeof names} */ (k)] ?? k.toUpperCase()).join('+');
}

/**
 * A shortcut: its keys, what it does in words, and (when the page handles it here) the action.
 * @typedef {object} Shortcut
 * @property {string} keys
 * @property {string} does
 * @property {(() => void)} [run]
 */

/**
 * What the page's shortcuts do; the keys handled elsewhere (in the composer, in a popover) are
 * listed without an action.
 * @typedef {object} ShortcutActions
 * @property {() => void} newChat
 * @property {() => void} search
 * @property {() => void} toggleSidebar
 * @property {() => void} settings
 * @property {() => void} shortcuts
 */

/** @param {ShortcutActions} on */
function list(on) {
  /** @type {Shortcut[]} */
  const all = [
    { keys: 'mod+n', does: 'New chat', run: on.newChat },
    { keys: 'mod+k', does: 'Search all chats', run: on.search },
    { keys: 'mod+b', does: 'Show or hide the sidebar', run: on.toggleSidebar },
    { keys: 'mod+,', does: 'Settings', run: on.settings },
    { keys: 'mod+/', does: 'These shortcuts', run: on.shortcuts },
    { keys: 'enter', does: 'Send the message' },
    { keys: 'shift+enter', does: 'A new line in the message' },
    { keys: 'escape', does: 'Stop the answer being written; close a popover or dialog' },
    // Held by Rust (src-tauri/src/quick_ask.rs), from any app; Wayland lets no app hold one.
    { keys: 'ctrl+alt+space', does: 'Quick ask, from any app (on Wayland: bind glama-chat --quick-ask to a key)' },
  ];
  return all;
}

/**
 * Handles the page's shortcuts and lists them in `listEl` (a `<dl>`).
 * @param {ShortcutActions} on
 * @param {HTMLElement} listEl
 */
export function initShortcuts(on, listEl) {
  const shortcuts = list(on);
  for (const s of shortcuts) {
    const dt = document.createElement('dt');
    for (const [i, key] of keyLabel(s.keys).split('+').entries()) {
      if (i) dt.append('+');
      const kbd = document.createElement('kbd');
      kbd.textContent = key;
      dt.appendChild(kbd);
    }
    const dd = document.createElement('dd');
    dd.textContent = s.does;
    listEl.append(dt, dd);
  }
  document.addEventListener('keydown', (e) => {
    const mod = MAC ? e.metaKey : e.ctrlKey;
    if (!mod || e.altKey || e.shiftKey) return;
    const key = e.key.toLowerCase();
    const hit = shortcuts.find((s) => s.run && s.keys === `mod+${key}`);
    if (!hit) return;
    e.preventDefault();
    hit.run();
  });
}
