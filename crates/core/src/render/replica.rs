//! The page's HTML rebuilt from updates the way `ui/stream.js` builds it, on strings: what tests
//! and the benchmark compare with a whole render.

use super::stream::{Op, RenderUpdate};

#[derive(Debug, Default)]
pub struct Replica {
    blocks: Vec<String>,
    /// The open block, and where the content of its growing element ends in its HTML.
    open: Option<(usize, usize)>,
    tail: String,
    after: String,
}

impl Replica {
    /// Applies one update. Panics on an update the page could not apply.
    pub fn apply(&mut self, update: RenderUpdate) {
        for op in update.ops {
            match op {
                Op::Block { html } => {
                    assert!(self.open.is_none(), "a block after an open one");
                    self.blocks.push(html);
                }
                Op::Replace { index, html } => {
                    assert_ne!(self.open.map(|(i, _)| i), Some(index), "the open block replaced");
                    self.blocks[index] = html;
                }
                Op::Open { head, foot, depth } => {
                    assert!(self.open.is_none(), "two open blocks");
                    assert_eq!(depth, 1, "the growing element is a child of the block's element");
                    self.open = Some((self.blocks.len(), head.len()));
                    self.blocks.push(head + &foot);
                }
                Op::Add { html } => {
                    let (i, at) = self.open.as_mut().expect("an open block");
                    self.blocks[*i].insert_str(*at, &html);
                    *at += html.len();
                }
                Op::Close => {
                    self.open.take().expect("an open block");
                }
            }
        }
        assert!(
            self.open.is_some() || update.after.is_empty(),
            "`after` with no open block"
        );
        self.tail = update.tail;
        self.after = update.after;
    }

    /// The HTML the page shows.
    pub fn html(&self) -> String {
        let mut blocks = self.blocks.clone();
        match self.open {
            Some((i, at)) => {
                blocks[i].insert_str(at, &self.tail);
                blocks.concat() + &self.after
            }
            None => blocks.concat() + &self.tail,
        }
    }
}
