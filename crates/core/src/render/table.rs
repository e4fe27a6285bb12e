//! A table growing row by row: each row is rendered under the table's header alone, which is
//! all that a row's HTML depends on.

use pulldown_cmark::{Event, Parser, Tag};

use super::markdown::{options, render_chunk, Rendered};
use super::refs::{Def, Label};

/// Where the body rows go in a rendered table.
const BODY_START: &str = "</thead><tbody>\n";
const BODY_END: &str = "</tbody></table>\n";

#[derive(Debug)]
pub(super) struct TableStream {
    /// The header and delimiter rows, each with its newline.
    header: String,
}

impl TableStream {
    /// Starts the table at its complete header and delimiter rows. Gives the table's HTML
    /// before and after its rows (in `html`, split at `split`), or `None` if the table does not
    /// render in the shape rows can be added to.
    pub fn open(header: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> Option<(Self, Rendered, usize)> {
        let rendered = render_chunk(header, lookup);
        let html = &rendered.html;
        let split = html.find(BODY_START)? + BODY_START.len();
        if &html[split..] != BODY_END {
            return None;
        }
        let stream = Self {
            header: header.to_string(),
        };
        Some((stream, rendered, split))
    }

    /// The row `line` makes, or `None` when `line` is not a row of this table (the table ended before it).
    pub fn row(&self, line: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> Option<Rendered> {
        let md = format!("{}{line}", self.header);
        if !is_one_row_table(&md) {
            return None;
        }
        let mut rendered = render_chunk(&md, lookup);
        let html = &rendered.html;
        let start = html.find(BODY_START)? + BODY_START.len();
        let end = html.rfind(BODY_END)?;
        rendered.html = html[start..end].to_string();
        Some(rendered)
    }
}

/// `md` is one table with one body row and nothing else.
fn is_one_row_table(md: &str) -> bool {
    let mut depth = 0usize;
    let (mut tables, mut rows, mut other) = (0, 0, false);
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Start(tag) => {
                match (depth, tag) {
                    (0, Tag::Table(_)) => tables += 1,
                    (0, _) => other = true,
                    (1, Tag::TableRow) => rows += 1,
                    _ => {}
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth == 0 => other = true,
            _ => {}
        }
    }
    tables == 1 && rows == 1 && !other
}
