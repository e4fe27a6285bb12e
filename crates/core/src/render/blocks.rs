//! Where a message's top-level blocks are, and when one of them can no longer change.
//!
//! A message is rendered one top-level block (a "chunk": from the start of its line to the
//! start of the next block's line) at a time; both the whole render and the incremental one cut
//! the text at the same places, which is what makes their outputs equal.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};

use super::markdown::options;

/// What a top-level block is, as far as rendering it in place as it grows is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A fenced code block: grows line by line.
    Fence,
    /// A table: grows row by row.
    Table,
    /// A blockquote: grows child block by child block.
    Quote,
    /// A list: grows item by item.
    List,
    Other,
}

#[derive(Debug, Clone)]
pub(super) struct Block {
    pub range: Range<usize>,
    pub kind: Kind,
}

/// The top-level blocks of `src` (link reference definitions are not blocks: they render as nothing).
pub(super) fn top_level_blocks(src: &str) -> Vec<Block> {
    let mut depth = 0usize;
    let mut blocks = Vec::new();
    for (event, range) in Parser::new_ext(src, options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    let kind = match tag {
                        Tag::CodeBlock(CodeBlockKind::Fenced(_)) => Kind::Fence,
                        Tag::Table(_) => Kind::Table,
                        Tag::BlockQuote(_) => Kind::Quote,
                        Tag::List(_) => Kind::List,
                        _ => Kind::Other,
                    };
                    blocks.push(Block { range, kind });
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth == 0 => blocks.push(Block {
                range,
                kind: Kind::Other,
            }),
            _ => {}
        }
    }
    blocks
}

pub(super) fn line_start(src: &str, at: usize) -> usize {
    src[..at].rfind('\n').map_or(0, |p| p + 1)
}

/// Where each chunk starts: 0, then the start of the line of every later block.
pub(super) fn chunk_starts(src: &str, blocks: &[Block]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(blocks.iter().skip(1).map(|b| line_start(src, b.range.start)));
    starts
}

/// `block` can no longer change. Either the line before `next` is blank (some blocks, lists
/// among them, count trailing blank lines as their own) and the first line of `next` is
/// complete (so its indentation, and what it is, are settled); or `next` is a fence, a table, a
/// quote or a list whose opening is complete: it interrupted the block before, which is closed.
pub(super) fn is_final(src: &str, block: &Block, next: &Block) -> bool {
    if opening_complete(src, next) && next.kind != Kind::Other {
        return true;
    }
    if !src[next.range.start..].contains('\n') {
        return false;
    }
    let next_line = line_start(src, next.range.start);
    if next_line <= block.range.start {
        return false;
    }
    let Some(before) = src[..next_line].strip_suffix('\n') else {
        return false;
    };
    let last_line = &before[before.rfind('\n').map_or(0, |p| p + 1)..];
    last_line.trim().is_empty()
}

/// The lines that say what `block` is are complete: a table's header and delimiter rows, the
/// first line of the others.
pub(super) fn opening_complete(src: &str, block: &Block) -> bool {
    let lines = match block.kind {
        Kind::Fence | Kind::Quote | Kind::List => 1,
        Kind::Table => 2,
        Kind::Other => return false,
    };
    src[block.range.start..].matches('\n').take(lines).count() == lines
}
