// @ts-check
// Applies a streamed answer's render updates to the page, touching only what changed.
// Rust (crates/core/src/render/stream.rs) sends sanitized HTML: whole blocks once they are
// complete, a code block or table opened once and then only its new lines (in parts) or rows, and the
// provisional end (the last block, or the open block's incomplete line or row), which replaces
// the previous one. A late reference definition can re-render many earlier blocks at once:
// those replacements are applied a few milliseconds' worth per frame, the newest for each block
// only. Once the last update is applied and `settle` has resolved, the element holds exactly
// Rust's whole render.

/** @import { RenderUpdate } from './api.js' */

/** @typedef {(fragment: ParentNode) => void} Decorate */

/**
 * Per content element: the nodes of each block, the open block's growing element, the
 * provisional nodes, and the replacements not applied yet (block index → HTML).
 * @typedef {object} Shown
 * @property {ChildNode[][]} blocks
 * @property {Element | null} grow
 * @property {number} depth
 * @property {ChildNode[]} provisional
 * @property {Map<number, string>} waiting
 * @property {number} round
 * @property {(() => void)[]} settled
 * @property {Decorate} [decorate]
 */

/** @type {WeakMap<Element, Shown>} */
const states = new WeakMap();

/** How long one frame may spend on waiting replacements, in ms. */
const REPLACE_BUDGET_MS = 6;
/** The next round of replacements runs by then even without a frame (a hidden window has none). */
const REPLACE_FALLBACK_MS = 100;

/**
 * Nodes parsed from sanitized HTML (a template parses table rows and list items too).
 * @param {string} html
 */
function parse(html) {
  const t = document.createElement('template');
  t.innerHTML = html;
  return t.content;
}

/**
 * Applies one update (`{ops, tail, after}`) to `root`. `decorate(fragment)` adds controls to the
 * code blocks of new nodes before they are inserted (it may wrap them). Returns the last block
 * completed by this update, if any.
 * @param {Element} root
 * @param {RenderUpdate} update
 * @param {Decorate} [decorate]
 * @returns {Element | null}
 */
export function applyUpdate(root, update, decorate = () => {}) {
  let s = states.get(root);
  if (!s) {
    s = { blocks: [], grow: null, depth: 0, provisional: [], waiting: new Map(), round: 0, settled: [] };
    states.set(root, s);
  }
  for (const n of s.provisional) n.remove();
  s.provisional = [];
  let completed = null;
  for (const op of update.ops) {
    switch (op.op) {
      case 'block':
        s.blocks.push(insert(root, parse(op.html), null, decorate));
        completed = s.blocks[s.blocks.length - 1];
        break;
      case 'replace':
        // The open block itself (a list that turned loose) now: the next ops grow it.
        if (s.grow && op.index === s.blocks.length - 1) {
          s.waiting.delete(op.index);
          replace(root, s, op.index, op.html, decorate);
        } else {
          s.waiting.set(op.index, op.html);
        }
        break;
      case 'open': {
        const frag = parse(op.head + op.foot);
        s.depth = op.depth;
        s.grow = growing(frag, op.depth);
        s.blocks.push(insert(root, frag, null, decorate));
        break;
      }
      case 'add':
        // A growing list's new item can hold a code block: decorated like any new node.
        insert(s.grow, parse(op.html), null, decorate);
        break;
      case 'split': {
        // A long code block's part is full: the next lines go in a new part after it.
        const next = /** @type {Element} */ (s.grow.cloneNode(false));
        s.grow.after(next);
        s.grow = next;
        break;
      }
      case 'close':
        completed = s.blocks[s.blocks.length - 1];
        s.grow = null;
        break;
    }
  }
  if (update.tail) s.provisional.push(...insert(s.grow ?? root, parse(update.tail), null, decorate));
  if (update.after) s.provisional.push(...insert(root, parse(update.after), null, decorate));
  drain(root, s, decorate);
  const last = completed?.findLast((n) => n.nodeType === Node.ELEMENT_NODE);
  return /** @type {Element | undefined} */ (last) ?? null;
}

/**
 * Resolves once every waiting replacement of `root` is applied (the answer has ended).
 * @param {Element} root
 * @returns {Promise<void>}
 */
export function settle(root) {
  const s = states.get(root);
  if (!s || !s.waiting.size) return Promise.resolve();
  return new Promise((resolve) => s.settled.push(resolve));
}

/**
 * Applies waiting replacements for up to a few ms, oldest first; the rest wait for the next
 * frame, so one update that re-renders a thousand blocks does not hold one frame for all.
 * @param {Element} root
 * @param {Shown} s
 * @param {Decorate} decorate
 */
function drain(root, s, decorate) {
  s.decorate = decorate;
  s.round += 1;
  const until = performance.now() + REPLACE_BUDGET_MS;
  for (const [index, html] of s.waiting) {
    if (performance.now() >= until) break;
    s.waiting.delete(index);
    replace(root, s, index, html, decorate);
  }
  if (!s.waiting.size) {
    for (const resolve of s.settled.splice(0)) resolve();
    return;
  }
  const round = s.round;
  const next = () => { if (s.round === round) drain(root, s, s.decorate); };
  requestAnimationFrame(next);
  setTimeout(next, REPLACE_FALLBACK_MS);
}

/**
 * Replaces block `index`'s nodes with those of `html`.
 * @param {Element} root
 * @param {Shown} s
 * @param {number} index
 * @param {string} html
 * @param {Decorate} decorate
 */
function replace(root, s, index, html, decorate) {
  const old = s.blocks[index];
  const frag = parse(html);
  if (s.grow && index === s.blocks.length - 1) s.grow = growing(frag, s.depth);
  s.blocks[index] = insert(root, frag, anchorAfter(s, root, index), decorate);
  for (const n of old) n.remove();
}

/**
 * The element `depth` steps down the last children from the first element of `frag`.
 * @param {DocumentFragment} frag
 * @param {number} depth
 */
function growing(frag, depth) {
  let el = frag.firstElementChild;
  for (let i = 0; i < depth && el; i++) el = el.lastElementChild;
  return el;
}

/**
 * What block `index` goes before: the first node of the next non-empty block, else the
 * provisional end (a replacement can wait until after it is shown), else null (the end).
 * @param {Shown} s
 * @param {Element} root
 * @param {number} index
 * @returns {ChildNode | null}
 */
function anchorAfter(s, root, index) {
  for (let i = index + 1; i < s.blocks.length; i++) if (s.blocks[i].length) return s.blocks[i][0];
  return s.provisional.find((n) => n.parentNode === root) ?? null;
}

/**
 * Decorates `frag` (only the new nodes: decorating the whole answer would cost more the longer
 * it grows) and inserts it into `parent` before `anchor` (null: at the end); returns its
 * top-level nodes.
 * @param {Node} parent
 * @param {DocumentFragment} frag
 * @param {Node | null} anchor
 * @param {Decorate} decorate
 * @returns {ChildNode[]}
 */
function insert(parent, frag, anchor, decorate) {
  decorate(frag);
  const nodes = [...frag.childNodes];
  parent.insertBefore(frag, anchor);
  return nodes;
}
