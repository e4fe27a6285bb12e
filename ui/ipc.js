// The only door to Rust. The window never talks to the network or sees the API key.
//
// Only `invoke`: Rust's news (status, notices, an answer's updates) is taken with it too,
// never pushed as Tauri events, so the page needs none of Tauri's JavaScript API but the IPC
// Tauri injects (src-tauri/src/mailbox.rs says why).
export const invoke = (cmd, args, options) => window.__TAURI_INTERNALS__.invoke(cmd, args, options);

/** Words for a `{kind, message}` error from a command, or anything else thrown. */
export function errorText(e) {
  if (e && typeof e === 'object' && e.message) return e.message;
  return String(e);
}
