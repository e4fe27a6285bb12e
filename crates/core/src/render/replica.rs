//! The page's HTML rebuilt from updates the way `ui/stream.js` builds it, on strings: what tests
//! and the benchmark compare with a whole render.

use super::stream::{Op, RenderUpdate};

#[derive(Debug, Default)]
pub struct Replica {
    blocks: Vec<String>,
    /// The open block, and the length of its HTML after the content of its growing element.
    open: Option<(usize, usize)>,
    /// The growing element's start and end tags (a split closes one and opens the next).
    growing_tags: (String, String),
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
                Op::Replace { index, html } => self.blocks[index] = html,
                Op::Open { head, foot, .. } => {
                    assert!(self.open.is_none(), "two open blocks");
                    self.open = Some((self.blocks.len(), foot.len()));
                    let start = &head[head.rfind('<').expect("a start tag")..];
                    let end = &foot[..foot.find('>').map_or(0, |e| e + 1)];
                    self.growing_tags = (start.to_string(), end.to_string());
                    self.blocks.push(head + &foot);
                }
                Op::Add { html } => {
                    let (i, foot) = self.open.expect("an open block");
                    let at = self.blocks[i].len() - foot;
                    self.blocks[i].insert_str(at, &html);
                }
                Op::Split => {
                    let (i, foot) = self.open.expect("an open block");
                    let at = self.blocks[i].len() - foot;
                    let (start, end) = &self.growing_tags;
                    self.blocks[i].insert_str(at, &format!("{end}{start}"));
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
            Some((i, foot)) => {
                let at = blocks[i].len() - foot;
                blocks[i].insert_str(at, &self.tail);
                blocks.concat() + &self.after
            }
            None => blocks.concat() + &self.tail,
        }
    }
}
