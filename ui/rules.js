// @ts-check
// Rules Rust has too, copied in the page until Rust sends each as data (issue 23). Each is one
// small function here and nowhere else, so each can be replaced by a field Rust sends.

/** @import { AnswerEvent, AskRequest, MessageStatus } from './api.js' */

/**
 * Whether `event` is an update the window lays out (the answer or its reasoning grew): what the
 * pace counts as painted (`glama_core::chat::AnswerEvent::is_update`).
 * @param {AnswerEvent} event
 */
export function isUpdate(event) {
  return event.event === 'delta' || event.event === 'reasoning';
}

/**
 * Whether a finished answer becomes an error row (`store::messages::finish_answer`): it failed
 * before showing any text or reasoning.
 * @param {{status: MessageStatus, hasText: boolean, hasReasoning: boolean}} answer
 */
export function becomesErrorRow(answer) {
  return answer.status === 'error' && !answer.hasText && !answer.hasReasoning;
}

/**
 * Whether an answer is offered Continue (when it is the conversation's last): it has text and
 * ended before its end, cut at the output limit, stopped or interrupted. Rust allows more
 * (`store::messages::begin_continue`: the last answer with text, not streaming).
 * @param {{status: string, stopReason: string | null, text: string}} answer
 */
export function canContinue({ status, stopReason, text }) {
  const cut = stopReason === 'length' || status === 'stopped' || status === 'interrupted';
  return cut && status !== 'streaming' && text.trim() !== '';
}

/**
 * How many of the conversation's messages (those on the page, in order) stay once `request`
 * starts: Rust deletes what follows an edited question, and on regenerate what follows the last
 * question (`store::messages::begin_answer`). The page shows that at once.
 * @param {AskRequest} request
 * @param {{role: string, id: string | undefined}[]} messages
 */
export function keptOnAsk(request, messages) {
  let last = -1;
  if (request.kind === 'edit') last = messages.findIndex((m) => m.id === request.messageId);
  else if (request.kind === 'regenerate') last = messages.findLastIndex((m) => m.role === 'user');
  return last < 0 ? messages.length : last + 1;
}

/** The largest file Rust attaches (`glama_core::attach::MAX_INPUT_BYTES`). */
const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/**
 * Why file `name` of `size` bytes cannot be attached, in Rust's words
 * (`AttachError::FileTooLarge`), or null: a larger file is not even read into the page.
 * @param {string} name
 * @param {number} size
 */
export function tooLargeToAttach(name, size) {
  if (size <= MAX_ATTACHMENT_BYTES) return null;
  return `“${name}” is ${(size / 1048576).toFixed(1)} MB — attachments can be at most 20.0 MB.`;
}

/**
 * Where attachment `id`'s thumbnail is served from (`attachments::SCHEME`; Windows serves
 * custom schemes over http).
 * @param {string} id
 */
export function thumbnailUrl(id) {
  return navigator.userAgent.includes('Windows')
    ? `http://glama-attachment.localhost/${id}`
    : `glama-attachment://localhost/${id}`;
}
