// @ts-check
// A save that waits for a pause in typing, and can be flushed at once: what the person types
// into a chat (its draft, its system prompt) is kept per chat as they go.
import { showError } from './components/toasts.js';
import * as state from './state.js';

/**
 * Saves `field`'s words for the chat open when they were typed, with `store`; `what` names them
 * in a failure ("Your draft").
 * @param {(conversationId: string, value: string) => Promise<void>} store
 * @param {HTMLTextAreaElement} field
 * @param {string} what
 */
export function saver(store, field, what) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  /** @type {string | null} */
  let owner = null;
  const save = async () => {
    clearTimeout(timer);
    timer = null;
    if (owner === null) return;
    const id = owner;
    owner = null;
    try {
      await store(id, field.value);
    } catch (e) {
      // The words stay where they are; the person is told they are not kept.
      showError(e, `${what} could not be saved: `);
    }
  };
  return {
    /** Saves after a pause in typing. */
    later() {
      if (state.openId() === null) return;
      owner = state.openId();
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    },
    /** Saves what waits now. */
    now: save,
    /** Forgets what waits (its chat is gone, or its words were sent). */
    cancel() { clearTimeout(timer); timer = null; owner = null; },
  };
}
