// @ts-check
// Asking for an answer: what the page shows at once, the answer's events applied as Rust has
// them, and what a refusal puts back.
import { followAnswer, newStreamId } from './answer-stream.js';
import * as api from './api.js';
import { answerView } from './components/answer.js';
import * as chatList from './components/chat-list.js';
import { promptSave } from './components/chat-settings.js';
import { draftSave, giveBack } from './components/composer.js';
import { hideContextNotice, measure, showContextNotice } from './components/context-meter.js';
import * as messageList from './components/message-list.js';
import { currentModel } from './components/model-picker.js';
import { showError } from './components/toasts.js';
import { openConversation } from './conversation.js';
import * as state from './state.js';

/** @import { AskRequest, AttachmentView } from './api.js' */

/** Asks made by this page: which one owns the streaming state. */
let asks = 0;

/**
 * Starts an answer. `edited` is the question being edited, `continued` the answer being
 * continued, `attached` what a sent question carries (shown under it); `withoutTools` offers
 * the model no tools (after it refused them).
 * @param {AskRequest} request
 * @param {{edited?: HTMLElement, continued?: HTMLElement, attached?: AttachmentView[], withoutTools?: boolean}} [nodes]
 */
export async function ask(request, nodes = {}) {
  if (state.isStreaming() || state.openId() === null) return;
  // Request → answer on screen, read by the stream-overhead benchmark (one pair of marks), and
  // the frames that first show its text and show it complete, read by the latency benchmark.
  for (const mark of ['glama:ask', 'glama:answer-shown', 'glama:first-text-shown', 'glama:answer-painted']) {
    performance.clearMarks(mark);
  }
  performance.mark('glama:ask');
  let shownText = false;
  const run = ++asks;
  const model = currentModel();
  const id = state.openId();
  // An answer goes at the end: show the end first if a search opened the middle.
  if (state.loadedRange().hasNewer && request.kind !== 'edit') await openConversation(id);
  await promptSave.now();
  draftSave.cancel();
  hideContextNotice();
  const { node, userNode } = messageList.showAsked(request, nodes);
  state.setStreaming(true);
  const answer = answerView(node, userNode, {
    started: (questionId) => {
      messageList.showStarted(questionId, node);
      chatList.refresh();
    },
    grew: () => {
      messageList.scrollToEnd();
      if (shownText) return;
      shownText = true;
      requestAnimationFrame(() => performance.mark('glama:first-text-shown'));
    },
    ended: () => {
      state.setStreaming(false);
      messageList.markLast();
      performance.mark('glama:answer-shown');
      requestAnimationFrame(() => performance.mark('glama:answer-painted'));
      chatList.refresh();
    },
  });
  const stream = newStreamId();
  const following = followAnswer(id, stream, answer.handle);
  following.catch(() => {}); // awaited below, unless the ask is refused first
  try {
    await api.ask(id, model, request, stream, !nodes.withoutTools);
    await following;
    await answer.finished();
    // Glama said the chat outgrew the model's window: the same offers as before sending.
    if (node.dataset.errorKind === 'context_full' && id === state.openId()) {
      showContextNotice({ message: bodyText(node) }, () => ask({ kind: 'regenerate' }));
    }
  } catch (e) {
    // Refused before anything started (not connected, no model, the disk full, a request
    // too large for the model's window…): Rust changed nothing, so show its copy again, and
    // give typed text back.
    if (!answer.started()) {
      state.setStreaming(false);
      if (request.kind === 'send') giveBack(request.text);
      await openConversation(id);
    }
    if (e?.kind === 'context_full') showContextNotice(e, () => resend(request, nodes));
    else showError(e);
  } finally {
    // The ask resolves after usage settles; by then a newer ask may own the state.
    if (run === asks) {
      state.setStreaming(false);
      answer.close();
      measure();
    }
  }
}

/**
 * Asks again for what the window could not hold: a question sent again from the composer,
 * where its words went back (with any the person added).
 * @param {AskRequest} request
 * @param {Parameters<typeof ask>[1]} nodes
 */
function resend(request, nodes) {
  if (request.kind === 'send') /** @type {HTMLFormElement} */ (document.getElementById('composer')).requestSubmit();
  else ask(request, nodes);
}

/** @param {HTMLElement} node  an error row */
function bodyText(node) {
  return node.querySelector('.body')?.textContent ?? '';
}
