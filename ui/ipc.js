// The only door to Rust. The window never talks to the network or sees the API key.
const tauri = window.__TAURI__;

export const invoke = tauri.core.invoke;
export const Channel = tauri.core.Channel;
export const listen = tauri.event.listen;

/** Words for a `{kind, message}` error from a command, or anything else thrown. */
export function errorText(e) {
  if (e && typeof e === 'object' && e.message) return e.message;
  return String(e);
}
