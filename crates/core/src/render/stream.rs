//! Rendering a message as it grows, at a cost per update that does not grow with the message.
//!
//! Top-level blocks that can no longer change are rendered once and sent as they are. A fenced
//! code block or a table is sent open and grows in place: each new complete line or row is
//! rendered alone (see `fence` and `table`) and appended inside it. Only the last block, or the
//! open block's last incomplete line or row, is rendered again on every update. A link
//! reference definition that arrives late re-renders only the blocks that used its label.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::Serialize;

use super::blocks::{chunk_starts, is_final, line_start, opening_complete, top_level_blocks, Kind};
use super::container::{ContainerStream, Fed, Shape};
use super::fence::{CodeStream, Line};
use super::markdown::{render_chunk, Rendered};
use super::refs::{Def, Defs, Label, Uses};
use super::table::TableStream;

/// What the page applies after new text arrived: `ops` in order, then the provisional parts.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderUpdate {
    /// Lasting changes, in order.
    pub ops: Vec<Op>,
    /// Provisional HTML at the growing end: inside the open block (its incomplete last line or
    /// row) when there is one, else the last block. Replaces the previous `tail` and `after`.
    pub tail: String,
    /// Provisional HTML after the open block: an incomplete line that is not (yet) part of it.
    pub after: String,
}

/// One lasting change to the message's HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Op {
    /// A block that is complete: append it.
    Block { html: String },
    /// Block `index` (counting every `block` and `open`, from 0) changed because a label it
    /// uses got defined: replace it.
    Replace { index: usize, html: String },
    /// A block that grows in place: append `head + foot`. What `add` sends goes at the end of
    /// the element reached from the block's first element by `depth` steps to the last child element.
    Open { head: String, foot: String, depth: u32 },
    /// More of the open block: append it inside.
    Add { html: String },
    /// The open block's growing element is full: an empty copy of it follows it, and the
    /// block grows in that from now on (a long code block's parts).
    Split,
    /// The open block is complete.
    Close,
}

/// Renders a message as it grows.
#[derive(Debug, Default)]
pub struct IncrementalRenderer {
    src: String,
    /// `src[..done]` is in blocks the page holds for good, or in the open block.
    done: usize,
    /// Every block sent, in order (the open one last).
    blocks: Vec<Shown>,
    /// Which blocks looked up a label (they are rendered again when its definition arrives).
    users: HashMap<Label, Vec<usize>>,
    /// Definitions in the blocks sent.
    defs: Defs,
    /// Definitions in the last provisional part, which other blocks were rendered with.
    tail_defs: Vec<(Label, Def)>,
    open: Option<Growing>,
    /// How much of the text had arrived at the last update: with no new complete line since,
    /// no block can have become final, so only the provisional end is rendered again.
    scanned: usize,
}

#[derive(Debug)]
struct Shown {
    range: Range<usize>,
    uses: Uses,
}

/// The block growing in place.
#[derive(Debug)]
enum Growing {
    Code(CodeStream),
    /// The labels its rows looked up so far.
    Table(TableStream, Uses),
    /// Its labels are noted as its children are sent.
    Container(ContainerStream),
}

/// Adds a code line's HTML to what the update appends, after a split when it starts a new part.
fn add_line(line: Line, add: &mut String, ops: &mut Vec<Op>) {
    if line.new_part {
        if !add.is_empty() {
            ops.push(Op::Add {
                html: std::mem::take(add),
            });
        }
        ops.push(Op::Split);
    }
    add.push_str(&line.html);
}

/// What feeding the open block came to.
enum Grown {
    Open(Provisional),
    /// It ended at this offset; the labels it used, not noted yet.
    Closed(usize, Uses),
}

/// The provisional part of an update.
#[derive(Default)]
struct Provisional {
    tail: String,
    after: String,
    /// What was rendered, with where its text starts (for its definitions).
    rendered: Vec<(usize, Rendered)>,
}

impl IncrementalRenderer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, text: &str) {
        self.src.push_str(text);
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// The text not yet in a block the page holds for good.
    #[cfg(test)]
    pub(super) fn pending(&self) -> &str {
        &self.src[self.done..]
    }

    /// Renders what changed since the last call. A definition on the incomplete last line is
    /// not applied to other blocks yet (it would re-render them at every token while it is typed).
    pub fn update(&mut self) -> RenderUpdate {
        self.render(false)
    }

    /// The last update, once the text is complete: after it the page shows exactly
    /// [`super::render_markdown`] of the text.
    pub fn finish(&mut self) -> RenderUpdate {
        self.render(true)
    }

    fn render(&mut self, last: bool) -> RenderUpdate {
        let mut ops = Vec::new();
        let mut defined = Vec::new();
        let fresh = last || self.src[self.scanned..].contains('\n');
        self.scanned = self.src.len();
        let provisional = loop {
            if self.open.is_some() {
                match self.grow(&mut ops, &mut defined, last, fresh) {
                    Some(p) => break p,
                    None => continue,
                }
            }
            if let Some(p) = self.commit(&mut ops, &mut defined, fresh) {
                break p;
            }
        };
        let mut tail_defs = Vec::new();
        for (start, rendered) in &provisional.rendered {
            let src = &self.src[*start..];
            tail_defs.extend(
                rendered
                    .defs
                    .iter()
                    .filter(|(_, _, end)| last || src.get(*end..).is_some_and(|rest| rest.contains('\n')))
                    .map(|(label, def, _)| (label.clone(), def.clone())),
            );
        }
        let old = std::mem::replace(&mut self.tail_defs, tail_defs);
        let changed: HashSet<Label> = defined
            .into_iter()
            .chain(old.into_iter().map(|(label, _)| label))
            .chain(self.tail_defs.iter().map(|(label, _)| label.clone()))
            .collect();
        for label in changed {
            self.refresh(&label, &mut ops);
        }
        RenderUpdate {
            ops,
            tail: provisional.tail,
            after: provisional.after,
        }
    }

    /// Feeds the open block what arrived (at the end of the text, all of it). `None` once it closed.
    fn grow(&mut self, ops: &mut Vec<Op>, defined: &mut Vec<Label>, last: bool, fresh: bool) -> Option<Provisional> {
        let mut open = self.open.take().expect("an open block");
        let index = self.blocks.len() - 1;
        let grown = match &mut open {
            Growing::Container(container) => self.grow_container(container, index, ops, defined, last, fresh),
            _ => self.grow_lines(&mut open, ops, last, fresh),
        };
        match grown {
            Grown::Open(provisional) => {
                self.open = Some(open);
                Some(provisional)
            }
            Grown::Closed(at, uses) => {
                ops.push(Op::Close);
                self.blocks[index].range.end = at;
                self.add_uses(index, uses);
                self.done = at;
                None
            }
        }
    }

    /// A code block or a table: one line at a time. Without a new line end (`fresh`), no line
    /// can have completed: the unfinished one is not searched again.
    fn grow_lines(&mut self, open: &mut Growing, ops: &mut Vec<Op>, last: bool, fresh: bool) -> Grown {
        let defs = &self.defs;
        let lookup = |label: &Label| defs.get(label).cloned();
        let mut add = String::new();
        let mut closed_at = None;
        while fresh && self.done < self.src.len() {
            let end = match self.src[self.done..].find('\n') {
                Some(nl) => self.done + nl + 1,
                None if last => self.src.len(),
                None => break,
            };
            let line = &self.src[self.done..end];
            match open {
                Growing::Code(code) if code.closes(line) => {
                    closed_at = Some(end);
                    break;
                }
                Growing::Code(code) => {
                    if let Some(line) = code.line(line) {
                        add_line(line, &mut add, ops);
                    }
                }
                Growing::Table(table, uses) => match table.row(line, &lookup) {
                    Some(row) => {
                        add.push_str(&row.html);
                        uses.extend(row.uses);
                    }
                    None => {
                        closed_at = Some(self.done);
                        break;
                    }
                },
                Growing::Container(_) => unreachable!("containers grow by children"),
            }
            self.done = end;
        }
        let partial = &self.src[self.done..];
        let code_partial = match open {
            Growing::Code(code) if closed_at.is_none() => {
                let partial = code.partial(partial);
                if let Some(line) = partial.add {
                    add_line(line, &mut add, ops);
                }
                Some(partial.tail)
            }
            _ => None,
        };
        if !add.is_empty() {
            ops.push(Op::Add { html: add });
        }
        if let Some(at) = closed_at {
            let uses = match open {
                Growing::Table(_, uses) => std::mem::take(uses),
                _ => Uses::new(),
            };
            return Grown::Closed(at, uses);
        }
        Grown::Open(match open {
            Growing::Code(_) => Provisional {
                tail: code_partial.unwrap_or_default(),
                ..Provisional::default()
            },
            Growing::Table(table, _) => match table.row(partial, &lookup) {
                Some(row) => Provisional {
                    tail: row.html,
                    ..Provisional::default()
                },
                None => {
                    let rendered = render_chunk(partial, &lookup);
                    Provisional {
                        tail: String::new(),
                        after: rendered.html.clone(),
                        rendered: vec![(self.done, rendered)],
                    }
                }
            },
            Growing::Container(_) => unreachable!("containers grow by children"),
        })
    }

    /// A quote or a list: the children that can no longer change.
    fn grow_container(
        &mut self,
        container: &mut ContainerStream,
        index: usize,
        ops: &mut Vec<Op>,
        defined: &mut Vec<Label>,
        last: bool,
        fresh: bool,
    ) -> Grown {
        let end = if last {
            self.src.len()
        } else {
            self.done + self.src[self.done..].rfind('\n').map_or(0, |p| p + 1)
        };
        let defs = &self.defs;
        let fed = if fresh {
            container.feed(&self.src, end, last, &|label| defs.get(label).cloned())
        } else {
            Fed::default()
        };
        match fed.replace {
            Some(html) => ops.push(Op::Replace { index, html }),
            None if !fed.add.is_empty() => ops.push(Op::Add { html: fed.add }),
            None => {}
        }
        for rendered in fed.rendered {
            for (label, def, _) in rendered.defs {
                if self.defs.add(label.clone(), def) {
                    defined.push(label);
                }
            }
            self.add_uses(index, rendered.uses);
        }
        self.done = container.window();
        if let Some(at) = fed.closed_at {
            return Grown::Closed(at, Uses::new());
        }
        let defs = &self.defs;
        let lookup = |label: &Label| defs.get(label).cloned();
        let (inside, after_at) = container.provisional(&self.src, &lookup);
        let mut provisional = Provisional {
            tail: inside.html.clone(),
            after: String::new(),
            rendered: vec![(self.done, inside)],
        };
        if let Some(at) = after_at {
            let after = render_chunk(&self.src[at..], &lookup);
            provisional.after = after.html.clone();
            provisional.rendered.push((at, after));
        }
        Grown::Open(provisional)
    }

    /// Renders the provisional end, after sending what became final (when complete lines
    /// arrived). `None` when a block was opened (the caller then feeds it).
    fn commit(&mut self, ops: &mut Vec<Op>, defined: &mut Vec<Label>, fresh: bool) -> Option<Provisional> {
        if fresh {
            self.commit_final(ops, defined)?;
        }
        let defs = &self.defs;
        let rendered = render_chunk(&self.src[self.done..], &|label| defs.get(label).cloned());
        Some(Provisional {
            tail: rendered.html.clone(),
            after: String::new(),
            rendered: vec![(self.done, rendered)],
        })
    }

    /// Sends the blocks that became final and moves `done` past them; opens the last one if it
    /// can grow in place (then `None`).
    fn commit_final(&mut self, ops: &mut Vec<Op>, defined: &mut Vec<Label>) -> Option<()> {
        let base = self.done;
        let suffix = &self.src[base..];
        let blocks = top_level_blocks(suffix);
        let bounds = chunk_starts(suffix, &blocks);
        let mut n = 0; // chunks now final
        while n + 1 < blocks.len() && is_final(suffix, &blocks[n], &blocks[n + 1]) {
            n += 1;
        }
        let tail_start = bounds.get(n).copied().unwrap_or(suffix.len());
        // A fence or table alone at the end, its opening complete: it grows in place.
        let grows = (n + 1 == blocks.len() && opening_complete(suffix, &blocks[n]))
            .then(|| (blocks[n].kind, base + line_start(suffix, blocks[n].range.start)));
        for i in 0..n {
            self.send(base + bounds[i]..base + bounds[i + 1], ops, defined);
        }
        if let Some((kind, first)) = grows {
            let start = base + tail_start;
            if !self.src[start..first].trim().is_empty() {
                // Definitions before the block, in its chunk: they render as nothing, apart.
                self.send(start..first, ops, defined);
            }
            if self.open_block(kind, first, ops) {
                return None;
            }
        }
        self.done = base + tail_start;
        Some(())
    }

    /// Opens the fence or table whose opening line starts at `first`. `false` if it cannot grow in place.
    fn open_block(&mut self, kind: Kind, first: usize, ops: &mut Vec<Op>) -> bool {
        let line_end = |from: usize| from + self.src[from..].find('\n').map_or(0, |p| p + 1);
        let (growing, head, foot, end) = match kind {
            Kind::Fence => {
                let end = line_end(first);
                let (code, head, foot) = CodeStream::open(&self.src[first..end]);
                (Growing::Code(code), head, foot, end)
            }
            Kind::Table => {
                let end = line_end(line_end(first));
                let defs = &self.defs;
                let Some((table, mut rendered, split)) =
                    TableStream::open(&self.src[first..end], &|label| defs.get(label).cloned())
                else {
                    return false;
                };
                let foot = rendered.html.split_off(split);
                (Growing::Table(table, rendered.uses), rendered.html, foot, end)
            }
            Kind::Quote | Kind::List => {
                let shape = if kind == Kind::Quote { Shape::Quote } else { Shape::List };
                let Some((container, head, foot)) = ContainerStream::open(shape, &self.src, first) else {
                    return false;
                };
                (Growing::Container(container), head, foot, first)
            }
            Kind::Other => return false,
        };
        // The element that grows: a code block's last part, a table's `tbody`, or the quote or list itself.
        let depth = match growing {
            Growing::Code(_) => 2,
            Growing::Table(..) => 1,
            Growing::Container(_) => 0,
        };
        ops.push(Op::Open { head, foot, depth });
        // A code block or a table notes its labels when it closes: no definition can arrive while it is open.
        self.blocks.push(Shown {
            range: first..first,
            uses: Uses::new(),
        });
        self.open = Some(growing);
        self.done = end;
        true
    }

    /// Sends the complete block `range` of the text.
    fn send(&mut self, range: Range<usize>, ops: &mut Vec<Op>, defined: &mut Vec<Label>) {
        let defs = &self.defs;
        let rendered = render_chunk(&self.src[range.clone()], &|label| defs.get(label).cloned());
        for (label, def, _) in rendered.defs {
            if self.defs.add(label.clone(), def) {
                defined.push(label);
            }
        }
        self.blocks.push(Shown {
            range,
            uses: Uses::new(),
        });
        self.add_uses(self.blocks.len() - 1, rendered.uses);
        ops.push(Op::Block { html: rendered.html });
    }

    /// Notes that block `index` looked these labels up.
    fn add_uses(&mut self, index: usize, uses: Uses) {
        for (label, _) in &uses {
            let users = self.users.entry(label.clone()).or_default();
            if users.last() != Some(&index) {
                users.push(index);
            }
        }
        self.blocks[index].uses.extend(uses);
    }

    /// Renders again the blocks that used `label` with another definition than it has now.
    fn refresh(&mut self, label: &Label, ops: &mut Vec<Op>) {
        let Some(users) = self.users.get(label).cloned() else {
            return;
        };
        let tail_def = |l: &Label| self.tail_defs.iter().find(|(t, _)| t == l).map(|(_, d)| d.clone());
        let lookup = |l: &Label| self.defs.get(l).cloned().or_else(|| tail_def(l));
        let now = lookup(label);
        let mut replaced = Vec::new();
        for index in users {
            let shown = &self.blocks[index];
            if !shown.uses.iter().any(|(l, def)| l == label && *def != now) {
                continue;
            }
            let rendered = match &self.open {
                // The open block: only a container can use labels while it is open.
                Some(Growing::Container(container)) if index + 1 == self.blocks.len() => {
                    container.rerender(&self.src, &lookup)
                }
                _ => render_chunk(&self.src[shown.range.clone()], &lookup),
            };
            ops.push(Op::Replace {
                index,
                html: rendered.html,
            });
            replaced.push((index, rendered.uses));
        }
        for (index, uses) in replaced {
            self.blocks[index].uses.clear();
            self.add_uses(index, uses);
        }
    }
}
