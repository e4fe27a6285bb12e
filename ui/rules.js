// @ts-check
// Rules Rust has too, copied in the page until Rust sends each as data (issue 23). Each is one
// small function here and nowhere else, so each can be replaced by a field Rust sends.

/** @import { AnswerEvent } from './api.js' */

/**
 * Whether `event` is an update the window lays out (the answer or its reasoning grew): what the
 * pace counts as painted (`glama_core::chat::AnswerEvent::is_update`).
 * @param {AnswerEvent} event
 */
export function isUpdate(event) {
  return event.event === 'delta' || event.event === 'reasoning';
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
