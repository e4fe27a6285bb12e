//! A fenced code block growing line by line: each complete content line is read as the block
//! holds it (in the context of its opening line), highlighted alone by the block's one
//! [`Highlighter`] and appended inside the block's last part (see `code`).

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::code::{code_block, Highlighter, Parts, PART_CLOSE};
use super::markdown::options;
use super::sanitize::clean;

/// The fence that opened a code block: what closes it, and how its lines read.
#[derive(Debug, Clone)]
struct Fence {
    ch: char,
    len: usize,
    /// The opening line, to read content lines in its context (its indentation is removed from them).
    opening: String,
}

impl Fence {
    /// `opening` is the complete first line of a fenced code block.
    pub fn new(opening: &str) -> Self {
        let t = opening.trim_start_matches(' ');
        let ch = t.chars().next().unwrap_or('`');
        let len = t.chars().take_while(|&c| c == ch).count();
        Self {
            ch,
            len,
            opening: opening.to_string(),
        }
    }

    /// `line` closes the block: up to three spaces, at least as many fence characters, then
    /// only spaces (CommonMark).
    pub fn closes(&self, line: &str) -> bool {
        let t = line.trim_start_matches(' ');
        if line.len() - t.len() > 3 {
            return false;
        }
        let run = t.chars().take_while(|&c| c == self.ch).count();
        run >= self.len
            && t[run * self.ch.len_utf8()..]
                .trim_matches([' ', '\t', '\r', '\n'])
                .is_empty()
    }

    /// The info string as pulldown-cmark reads it (escapes and entities resolved, as in a whole render).
    fn info(&self) -> String {
        for event in Parser::new_ext(&self.opening, options()) {
            if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event {
                return info.to_string();
            }
        }
        String::new()
    }

    /// The code text of one content line, as the block holds it.
    pub fn content(&self, line: &str) -> String {
        let md = format!("{}{line}", self.opening);
        let mut text = String::new();
        let mut inside = false;
        for event in Parser::new_ext(&md, options()) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => inside = true,
                Event::End(TagEnd::CodeBlock) => break,
                Event::Text(t) if inside => text.push_str(&t),
                _ => {}
            }
        }
        text
    }
}

/// A fenced code block growing line by line.
#[derive(Debug)]
pub(super) struct CodeStream {
    fence: Fence,
    highlighter: Highlighter,
    parts: Parts,
}

/// The next line of a growing code block, as the page appends it.
pub(super) struct Line {
    /// The last part is full: the line starts a new one.
    pub new_part: bool,
    pub html: String,
}

impl CodeStream {
    /// Starts the block at its complete opening line; gives the block's HTML before and after
    /// its lines (they grow inside its last part).
    pub fn open(opening: &str) -> (Self, String, String) {
        let fence = Fence::new(opening);
        let highlighter = Highlighter::new(&fence.info());
        let empty = clean(&code_block(highlighter.lang(), &[]));
        let at = empty.rfind(&format!("{PART_CLOSE}</code>")).expect("code element");
        let (head, foot) = (empty[..at].to_string(), empty[at..].to_string());
        let parts = Parts::default();
        (
            Self {
                fence,
                highlighter,
                parts,
            },
            head,
            foot,
        )
    }

    /// `line` closes the block.
    pub fn closes(&self, line: &str) -> bool {
        self.fence.closes(line)
    }

    /// The next complete content line, if it shows anything.
    pub fn line(&mut self, line: &str) -> Option<Line> {
        let text = self.fence.content(line);
        if text.is_empty() {
            return None;
        }
        let (new_part, html) = self.parts.next(clean(&self.highlighter.line(&text)));
        Some(Line { new_part, html })
    }

    /// HTML of the last, incomplete line, as it would show if the text ended there (on a line
    /// of its own after a full part, whose last line has no newline).
    pub fn partial(&self, line: &str) -> String {
        if line.is_empty() || self.fence.closes(line) {
            return String::new();
        }
        let text = self.fence.content(line);
        if text.is_empty() {
            return String::new();
        }
        let html = clean(&self.highlighter.clone().line(&text));
        if self.parts.full() {
            format!("\n{html}")
        } else {
            html
        }
    }
}
