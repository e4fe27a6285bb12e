//! A fenced code block growing line by line: each complete content line is read as the block
//! holds it (in the context of its opening line), highlighted alone by the block's one
//! [`Highlighter`] and appended inside the block's last part (see `code`).
//!
//! The unfinished last line is shown plain, and takes its colours when it ends: highlighting it
//! again at every update cost 46–268 µs a token at one update per token, by language (syntect's
//! grammars differ several-fold in cost per line), against 7–33 µs now. While it is short it is
//! rendered again at each update; past [`LONG_LINE`] it stays plain for good (as a whole render
//! shows it), and its HTML is appended as the line grows, so an update costs what arrived, not
//! the line's length (a model dumping 4 MB of minified JSON on one line).

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::code::{code_block, Highlighter, Parts, LONG_LINE, PART_CLOSE};
use super::markdown::options;
use super::sanitize::{clean, escape_html};

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

    /// Whether an unfinished line may still turn out to close the block, looking only at what
    /// `scan` has not seen of it (its start stays as it was: the line only grows).
    fn may_close(&self, line: &str, scan: &mut CloseScan) -> bool {
        if scan.checked == 0 {
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent > 3 {
                return false;
            }
            scan.checked = indent;
        }
        for c in line[scan.checked..].chars() {
            if c == self.ch && !scan.trailing {
                scan.run += 1;
            } else if matches!(c, ' ' | '\t' | '\r') && scan.run >= self.len {
                scan.trailing = true;
            } else {
                return false;
            }
            scan.checked += c.len_utf8();
        }
        true
    }

    /// The code text of a piece of a content line that is not its start (no indentation to
    /// remove): read the same way, after a character that starts nothing.
    fn content_piece(&self, piece: &str) -> String {
        let text = self.content(&format!("x{piece}"));
        text.strip_prefix('x').map(str::to_string).unwrap_or(text)
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
    unfinished: Unfinished,
}

/// The unfinished last line, as far as it was looked at.
#[derive(Debug, Default)]
enum Unfinished {
    /// Short (so far): rendered again whole, plain, at each update.
    #[default]
    Short,
    /// Long, but only fence characters and spaces so far: it may still close the block, so it
    /// shows as nothing (as a closing line does) and only what it gained is looked at.
    MayClose(CloseScan),
    /// Long and code: shown plain, its HTML sent as it grows; `sent` bytes of it (as the text
    /// has it) have been.
    Long { sent: usize },
}

/// How far a line that may close the block was looked at.
#[derive(Debug, Default, Clone, Copy)]
struct CloseScan {
    checked: usize,
    /// Fence characters seen.
    run: usize,
    /// The run is over: only spaces may follow.
    trailing: bool,
}

/// The next line of a growing code block, as the page appends it.
pub(super) struct Line {
    /// The last part is full: the line starts a new one.
    pub new_part: bool,
    pub html: String,
}

/// What the unfinished last line comes to at an update.
#[derive(Default)]
pub(super) struct Partial {
    /// HTML that stays (a long line's start, then what it gained).
    pub add: Option<Line>,
    /// Provisional HTML, replaced at the next update.
    pub tail: String,
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
        (
            Self {
                fence,
                highlighter,
                parts: Parts::default(),
                unfinished: Unfinished::Short,
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
        if let Unfinished::Long { sent } = std::mem::take(&mut self.unfinished) {
            // The rest of a long line: its start is on the page already.
            let mut html = clean(&escape_html(&self.fence.content_piece(&line[sent..])));
            if self.parts.full() && html.ends_with('\n') {
                // The part's last line leaves out its newline (see `Parts::next`).
                html.pop();
            }
            return Some(Line { new_part: false, html });
        }
        let text = self.fence.content(line);
        if text.is_empty() {
            return None;
        }
        let (new_part, html) = self.parts.next(clean(&self.highlighter.line(&text)));
        Some(Line { new_part, html })
    }

    /// The unfinished last line at this update: what of it stays, and its provisional HTML
    /// (on a line of its own after a full part, whose last line has no newline).
    pub fn partial(&mut self, line: &str) -> Partial {
        if line.len() <= LONG_LINE {
            return Partial {
                add: None,
                tail: self.short_partial(line),
            };
        }
        // A CR may be half a line end (CRLF): it waits for what follows.
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Unfinished::Long { sent } = self.unfinished {
            if line.len() == sent {
                return Partial::default();
            }
            let html = clean(&escape_html(&self.fence.content_piece(&line[sent..])));
            self.unfinished = Unfinished::Long { sent: line.len() };
            return Partial {
                add: Some(Line { new_part: false, html }),
                tail: String::new(),
            };
        }
        let mut scan = match self.unfinished {
            Unfinished::MayClose(scan) => scan,
            _ => CloseScan::default(),
        };
        if self.fence.may_close(line, &mut scan) {
            self.unfinished = Unfinished::MayClose(scan);
            return Partial::default();
        }
        let text = self.fence.content(line);
        if text.len() <= LONG_LINE {
            // Its indentation made it shorter: not long yet.
            self.unfinished = Unfinished::Short;
            return Partial {
                add: None,
                tail: self.short_partial(line),
            };
        }
        self.unfinished = Unfinished::Long { sent: line.len() };
        Partial {
            add: Some(Line {
                new_part: self.parts.begin(),
                html: clean(&escape_html(&text)),
            }),
            tail: String::new(),
        }
    }

    /// A short unfinished line, plain (its colours come when it ends).
    fn short_partial(&self, line: &str) -> String {
        if line.is_empty() || self.fence.closes(line) {
            return String::new();
        }
        let text = self.fence.content(line);
        if text.is_empty() {
            return String::new();
        }
        let html = clean(&escape_html(&text));
        if self.parts.full() {
            format!("\n{html}")
        } else {
            html
        }
    }
}
