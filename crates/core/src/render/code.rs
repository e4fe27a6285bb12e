//! Code blocks: highlighted a line at a time, each line's HTML complete in itself.
//!
//! syntect's parse state and scope stack carry from one line to the next, so a growing code
//! block costs only its new lines. Every line reopens the spans still open from the line before
//! and closes them at its end: a line's HTML is balanced, so the page can append it as it comes
//! and the sanitizer can check it alone, and a whole render, which goes through the same
//! [`Highlighter`], gives the same bytes.

use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, ScopeStack, ScopeStackOp, SyntaxSet};

use super::markdown::options;
use super::sanitize::{clean, escape_html};

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Loads the syntax definitions now, so the first code block does not wait for them.
pub(super) fn warm_up() {
    let _ = syntaxes();
}

/// The HTML of a code block around its lines' HTML; the UI adds its Copy button.
pub(super) fn code_block(lang: &str, lines: &str) -> String {
    format!("<pre class=\"code\" data-lang=\"{lang}\"><code>{lines}</code></pre>\n")
}

/// Highlights one code block, line after line.
#[derive(Debug, Clone)]
pub(super) struct Highlighter {
    lang: String,
    parse: ParseState,
    /// Scopes open after the last line (each one a `<span>`).
    stack: ScopeStack,
}

impl Highlighter {
    /// `info` is the fence's info string; its first word names the language.
    pub fn new(info: &str) -> Self {
        let lang: String = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '-' | '_' | '.'))
            .take(32)
            .collect();
        let set = syntaxes();
        let syntax = (!lang.is_empty())
            .then(|| set.find_syntax_by_token(&lang))
            .flatten()
            .unwrap_or_else(|| set.find_syntax_plain_text());
        Self {
            lang,
            parse: ParseState::new(syntax),
            stack: ScopeStack::new(),
        }
    }

    /// The language, reduced to characters safe in an attribute.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Balanced HTML for the next line (`line` ends with its newline, unless it is the last).
    pub fn line(&mut self, line: &str) -> String {
        let reopen: Vec<_> = self
            .stack
            .as_slice()
            .iter()
            .map(|&scope| (0, ScopeStackOp::Push(scope)))
            .collect();
        let mut html = line_tokens_to_classed_spans("", &reopen, STYLE, &mut ScopeStack::new())
            .map(|(open, _)| open)
            .unwrap_or_default();
        let before = self.stack.clone();
        let spans = self
            .parse
            .parse_line(line, syntaxes())
            .ok()
            .and_then(|ops| line_tokens_to_classed_spans(line, &ops, STYLE, &mut self.stack).ok());
        match spans {
            Some((spans, _)) => html.push_str(&spans),
            None => {
                // A syntax that fails on this line: show it plain, keep the spans as they were.
                self.stack = before;
                html.push_str(&escape_html(line));
            }
        }
        html.push_str(&"</span>".repeat(self.stack.len()));
        html
    }
}

/// The fence that opened a code block: what closes it, and how its lines read.
#[derive(Debug, Clone)]
pub(super) struct Fence {
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
}

impl CodeStream {
    /// Starts the block at its complete opening line; gives the block's HTML before and after its lines.
    pub fn open(opening: &str) -> (Self, String, String) {
        let fence = Fence::new(opening);
        let highlighter = Highlighter::new(&fence.info());
        let empty = clean(&code_block(highlighter.lang(), ""));
        let at = empty.rfind("</code>").expect("code element");
        let (head, foot) = (empty[..at].to_string(), empty[at..].to_string());
        (Self { fence, highlighter }, head, foot)
    }

    /// `line` closes the block.
    pub fn closes(&self, line: &str) -> bool {
        self.fence.closes(line)
    }

    /// HTML of the next complete content line.
    pub fn line(&mut self, line: &str) -> String {
        let text = self.fence.content(line);
        if text.is_empty() {
            return String::new();
        }
        clean(&self.highlighter.line(&text))
    }

    /// HTML of the last, incomplete line, as it would show if the text ended there.
    pub fn partial(&self, line: &str) -> String {
        if line.is_empty() || self.fence.closes(line) {
            return String::new();
        }
        let text = self.fence.content(line);
        if text.is_empty() {
            return String::new();
        }
        clean(&self.highlighter.clone().line(&text))
    }
}
