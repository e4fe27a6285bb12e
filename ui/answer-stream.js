// @ts-check
// One answer's events as Rust has them, taken at the pace the page paints them. Rust sends the
// next update only once the page has painted every update before it (glama_core::chat::Pace);
// what the page does with each event is the handler's.
import * as api from './api.js';

/** @import { AnswerEvent } from './api.js' */

/** This page's prefix for its answers' stream ids: a reloaded page never reuses one. */
const PAGE_ID = Math.random().toString(36).slice(2);
/** How often a hidden window (no animation frames) takes an answer's updates. */
const HIDDEN_PACE_MS = 100;

let streams = 0;

/** A new id for an answer's mailbox, which Rust keeps under it (src-tauri/src/events.rs). */
export function newStreamId() {
  streams += 1;
  return `${PAGE_ID}:${streams}`;
}

/**
 * Resolves once the last update applied is on screen. A task queued from an animation-frame
 * callback runs after that frame's layout and paint; a hidden window has no frames, so a timer
 * stands in (also if the window is hidden while this waits).
 * @returns {Promise<void>}
 */
function afterPaint() {
  return new Promise((resolve) => {
    if (!document.hidden) requestAnimationFrame(() => setTimeout(resolve));
    setTimeout(resolve, document.hidden ? HIDDEN_PACE_MS : 1000);
  });
}

/**
 * Takes answer `stream`'s events until it has ended, handing each to `handle` in order, and
 * resolves then. The next events are asked for once the updates applied are painted, with
 * their count, which is what lets Rust send the next update.
 * @param {string} conversationId
 * @param {string} stream
 * @param {(event: AnswerEvent) => void} handle
 */
export async function followAnswer(conversationId, stream, handle) {
  let painted = 0;
  // Whether the last update applied is still to be painted.
  let painting = false;
  for (;;) {
    if (painting) {
      painting = false;
      await afterPaint();
    }
    const batch = await api.answerEvents(conversationId, stream, painted);
    if (batch === null) return;
    for (const e of batch.events) {
      // One event the page failed on must not stop the rest.
      try { handle(e); } catch (err) { console.error(err); }
    }
    // Rust counts the updates (the events the page lays out) it has handed over.
    painting = batch.updates > painted;
    painted = batch.updates;
  }
}
