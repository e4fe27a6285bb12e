// Applies a streamed answer's render updates to the page, touching only what changed.
// Rust (crates/core/src/render/stream.rs) sends sanitized HTML: whole blocks once they are
// complete, a code block or table opened once and then only its new lines (in parts) or rows, and the
// provisional end (the last block, or the open block's incomplete line or row), which replaces
// the previous one. After the last update the element holds exactly Rust's whole render.

/** Per content element: the nodes of each block, the open block's growing element, the provisional nodes. */
const states = new WeakMap();

/** Nodes parsed from sanitized HTML (a template parses table rows and list items too). */
function parse(html) {
  const t = document.createElement('template');
  t.innerHTML = html;
  return t.content;
}

/**
 * Applies one update (`{ops, tail, after}`) to `root`. `decorate(root)` adds controls to new code
 * blocks (it may wrap them). Returns the last block completed by this update, if any.
 */
export function applyUpdate(root, update, decorate = () => {}) {
  let s = states.get(root);
  if (!s) {
    s = { blocks: [], grow: null, depth: 0, provisional: [] };
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
      case 'replace': {
        const old = s.blocks[op.index];
        const frag = parse(op.html);
        // The open block itself (a list that turned loose): find where it grows again.
        const open = s.grow && op.index === s.blocks.length - 1;
        if (open) s.grow = growing(frag, s.depth);
        s.blocks[op.index] = insert(root, frag, anchorAfter(s.blocks, op.index - 1), decorate);
        for (const n of old) n.remove();
        break;
      }
      case 'open': {
        const frag = parse(op.head + op.foot);
        s.depth = op.depth;
        s.grow = growing(frag, op.depth);
        s.blocks.push(insert(root, frag, null, decorate));
        break;
      }
      case 'add':
        s.grow.append(parse(op.html));
        break;
      case 'split': {
        // A long code block's part is full: the next lines go in a new part after it.
        const next = s.grow.cloneNode(false);
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
  if (update.tail) {
    const frag = parse(update.tail);
    s.provisional.push(...frag.childNodes);
    if (s.grow) s.grow.append(frag);
    else {
      root.append(frag);
      decorateTop(root, s.provisional, decorate);
    }
  }
  if (update.after) {
    const nodes = insert(root, parse(update.after), null, decorate);
    s.provisional.push(...nodes);
  }
  const last = completed?.findLast((n) => n.nodeType === Node.ELEMENT_NODE);
  return last ?? null;
}

/** The element `depth` steps down the last children from the first element of `frag`. */
function growing(frag, depth) {
  let el = frag.firstElementChild;
  for (let i = 0; i < depth && el; i++) el = el.lastElementChild;
  return el;
}

/** The first node of the first non-empty block after `index`, or null (the end). */
function anchorAfter(blocks, index) {
  for (let i = index + 1; i < blocks.length; i++) if (blocks[i].length) return blocks[i][0];
  return null;
}

/** Inserts `frag` before `anchor` (null: at the end); returns its top-level nodes after decoration. */
function insert(root, frag, anchor, decorate) {
  const nodes = [...frag.childNodes];
  root.insertBefore(frag, anchor);
  decorateTop(root, nodes, decorate);
  return nodes;
}

/** Decorates when `nodes` hold a code block, and keeps `nodes` pointing at top-level nodes. */
function decorateTop(root, nodes, decorate) {
  const hasCode = nodes.some((n) => n.nodeType === Node.ELEMENT_NODE
    && (n.matches('pre.code') || n.querySelector('pre.code')));
  if (!hasCode) return;
  decorate(root);
  for (let i = 0; i < nodes.length; i++) {
    let n = nodes[i];
    while (n.parentNode && n.parentNode !== root) n = n.parentNode;
    nodes[i] = n;
  }
}
