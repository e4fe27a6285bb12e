// @ts-check
// An answer being written, on the page: each of its events (answer-stream.js) applied to its
// message node — the text and the reasoning as render updates, the tool calls, the retry
// notice, the usage —
// and its end once the last update is on screen.
import { applyUpdate, settle } from '../stream.js';
import { decorate } from './decorate.js';
import {
  endThinking, finishNode, note, reasoningOf, setErrorRow, showUsage, startThinking, stopThinking,
} from './message.js';
import { showNotice } from './toasts.js';
import { showCalls } from './tool-calls.js';
import { showVersions } from './versions.js';

/** @import { AnswerEvent, AnswerFinished } from '../api.js' */

const live = document.getElementById('live');

/** Longest text read out for a completed block; the rest is in the answer itself. */
const ANNOUNCED_MAX = 500;

/**
 * Has a screen reader read out a block that just completed. A whole 100 KB code block or table
 * would be read for minutes, and laying it out in the hidden live region stalled the window
 * for a few hundred milliseconds.
 * @param {Element} block
 */
function announce(block) {
  const text = block.textContent;
  live.textContent = text.length <= ANNOUNCED_MAX ? text : `${text.slice(0, ANNOUNCED_MAX)}…`;
}

/**
 * What the rest of the page does as the answer goes.
 * @typedef {object} AnswerHooks
 * @property {(questionId: string | null) => void} started  Rust began it after question
 *   `questionId` (every message after that question is gone), or in place (`null`)
 * @property {() => void} grew  it grew (keep the end in view)
 * @property {() => void} ended  it is finished on screen
 */

/**
 * An answer shown in `node` as its events come; `userNode` is the question just sent (or the
 * new version of one edited), which learns its id.
 * @param {HTMLElement} node
 * @param {HTMLElement | null} userNode
 * @param {AnswerHooks} on
 */
export function answerView(node, userNode, on) {
  const committed = node.querySelector('.committed');
  const reasoning = reasoningOf(node);
  const reasoningBody = node.querySelector('.reasoning-body');
  // Held, not looked up: a lookup per update would walk the whole answer.
  /** @type {HTMLElement | null} */
  let retrying = null;
  const dropRetrying = () => { retrying?.remove(); retrying = null; };
  let started = false;
  /** @type {Promise<void>} */
  let finished = Promise.resolve();

  /** @param {AnswerFinished} data */
  const finish = (data) => {
    endThinking(node);
    node.dataset.source = data.text;
    if (data.role === 'error') {
      setErrorRow(node, data.error);
    } else {
      finishNode(node, data);
    }
    if (data.error) showNotice(data.error.message, data.error.kind);
    live.textContent = data.status === 'done' ? 'Answer complete.' : `Answer ${data.status}.`;
    on.ended();
  };

  /** @param {AnswerEvent} e */
  const handle = (e) => {
    switch (e.event) {
      case 'started':
        started = true;
        node.dataset.messageId = e.data.messageId;
        if (userNode && e.data.questionId != null) {
          userNode.dataset.messageId = e.data.questionId;
          showVersions(userNode, e.data.questionVersions);
        }
        showVersions(node, e.data.answerVersions);
        on.started(e.data.questionId);
        break;
      case 'delta': {
        dropRetrying();
        const completed = applyUpdate(committed, e.data, decorate);
        if (completed) announce(completed);
        on.grew();
        break;
      }
      case 'reasoning':
        dropRetrying();
        reasoning.hidden = false;
        if (e.data.live && startThinking(node)) live.textContent = 'Thinking…';
        applyUpdate(reasoningBody, e.data.update, decorate);
        on.grew();
        break;
      case 'thought':
        stopThinking(node, e.data.ms);
        break;
      case 'retrying':
        retrying = note(node, 'retrying', 'retry-notice');
        retrying.textContent = `${e.data.reason} — retrying in ${e.data.inSecs} s (attempt ${e.data.attempt})`;
        break;
      case 'finished': {
        const data = e.data;
        // The answer is done once the last replacements (a late definition's) are on screen.
        finished = Promise.all([settle(committed), settle(reasoningBody)]).then(() => finish(data));
        break;
      }
      case 'notSaved':
        showNotice(`This answer is shown but was not saved: ${e.data.message}`, e.data.kind);
        break;
      case 'usage':
        showUsage(node, e.data);
        break;
      case 'toolCalls':
        showCalls(node, e.data.calls, true);
        on.grew();
        break;
      case 'toolCall':
        showCalls(node, [e.data]);
        break;
      case 'toolAllowed':
        // Rust keeps the allowance; the Tools panel hears of an always-allow from Rust.
        break;
    }
  };

  return {
    handle,
    /** Whether Rust began the answer (a refusal came before it did). */
    started: () => started,
    /** Resolves once the end is on screen (at once before the end has come). */
    finished: () => finished,
    /** The ask is over: a reasoning count still running stops. */
    close: () => endThinking(node),
  };
}
