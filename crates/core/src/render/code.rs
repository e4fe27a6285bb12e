//! Code blocks: highlighted a line at a time, each line's HTML complete in itself.
//!
//! syntect's parse state and scope stack carry from one line to the next, so a growing code
//! block costs only its new lines. A line is flat: each run of text gets at most one `<span>`,
//! whose class is the colour the scopes around it give ([`Colour`]), so a line's HTML is
//! balanced, the page can append it as it comes and the sanitizer can check it alone, and a
//! whole render, which goes through the same [`Highlighter`], gives the same bytes. (syntect's
//! own classed HTML nests a span per scope, each with every atom as a class: ~25 bytes of HTML
//! per byte of code, every one of them parsed, sanitized, sent and laid out.)
//!
//! A block's lines come in parts of [`LINES_PER_PART`], each an element of its own
//! (`<span class="lines">`, a block in the page's style). WebKit lays a block's inline content
//! out whole whenever it changes: in one part, appending 2 KB to a 100 KB code block cost
//! ~330 ms of layout; in parts, ~11 ms at any length. A full part's last line leaves out its
//! newline (the next part starts a new line anyway), so selecting and copying across parts
//! gives the code as it is.

use std::sync::OnceLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};

use super::sanitize::escape_html;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Loads the syntax definitions now, so the first code block does not wait for them.
pub(super) fn warm_up() {
    let _ = syntaxes();
}

/// Lines per part of a code block (see the module's comment).
pub(super) const LINES_PER_PART: usize = 64;

/// A line longer than this (bytes, without its newline) is shown plain: highlighting it would
/// cost its length again at every update while it grows, and says little (minified data, an
/// encoded blob). The scopes after it are those before it.
pub(super) const LONG_LINE: usize = 4096;

/// The HTML of a code block around its lines' HTML (from [`Highlighter::line`], in parts as
/// [`Parts`] gives them); the UI adds its Copy button.
pub(super) fn code_block(lang: &str, lines: &[String]) -> String {
    let mut parts = Parts::default();
    let mut body = String::from(PART_OPEN);
    for line in lines {
        let (new_part, html) = parts.next(line.clone());
        if new_part {
            body.push_str(PART_CLOSE);
            body.push_str(PART_OPEN);
        }
        body.push_str(&html);
    }
    format!("<pre class=\"code\" data-lang=\"{lang}\"><code>{body}{PART_CLOSE}</code></pre>\n")
}

const PART_OPEN: &str = "<span class=\"lines\">";
pub(super) const PART_CLOSE: &str = "</span>";

/// Counts a code block's lines into parts: where each line goes, and how it ends.
#[derive(Debug, Clone, Default)]
pub(super) struct Parts {
    /// Lines in the last part.
    in_part: usize,
}

impl Parts {
    /// The next line's HTML as its part holds it, and whether it starts a new part.
    pub fn next(&mut self, mut html: String) -> (bool, String) {
        let new_part = self.begin();
        if self.full() {
            // The one newline in a line's HTML is the line's own (text never holds another).
            if let Some(nl) = html.rfind('\n') {
                html.remove(nl);
            }
        }
        (new_part, html)
    }

    /// Counts in a line whose HTML comes later (a long line, sent as it grows): whether it
    /// starts a new part.
    pub fn begin(&mut self) -> bool {
        let new_part = self.full();
        if new_part {
            self.in_part = 0;
        }
        self.in_part += 1;
        new_part
    }

    /// The last part holds all its lines: the next line starts a new one.
    pub fn full(&self) -> bool {
        self.in_part == LINES_PER_PART
    }
}

/// A colour of the page's code (ui/style.css): its `<span>` class, alone and inside a comment
/// (italic, as comments are), and the scopes that take it.
struct Colour {
    class: &'static str,
    in_comment: &'static str,
    scopes: &'static [&'static str],
}

/// A scope takes the first colour one of whose scopes is a prefix of it (TextMate's rule), so
/// the longer names come first; text takes the colour of its innermost coloured scope.
const COLOURS: &[Colour] = &[
    Colour {
        class: "hl-function",
        in_comment: "hl-function hl-italic",
        scopes: &["entity.name.function", "support.function"],
    },
    Colour {
        class: "hl-type",
        in_comment: "hl-type hl-italic",
        scopes: &["entity.name.type", "support.type", "storage.type"],
    },
    Colour {
        class: "hl-keyword",
        in_comment: "hl-keyword hl-italic",
        scopes: &["keyword", "storage"],
    },
    Colour {
        class: "hl-string",
        in_comment: "hl-string hl-italic",
        scopes: &["string"],
    },
    Colour {
        class: "hl-comment",
        in_comment: "hl-comment",
        scopes: &["comment"],
    },
    Colour {
        class: "hl-number",
        in_comment: "hl-number hl-italic",
        scopes: &["constant"],
    },
    Colour {
        class: "hl-variable",
        in_comment: "hl-variable hl-italic",
        scopes: &["variable"],
    },
];

/// The colour a scope takes, if any.
fn colour(scope: Scope) -> Option<&'static Colour> {
    static SCOPES: OnceLock<Vec<(Scope, &'static Colour)>> = OnceLock::new();
    let scopes = SCOPES.get_or_init(|| {
        COLOURS
            .iter()
            .flat_map(|c| c.scopes.iter().map(move |s| (Scope::new(s).expect("a valid scope"), c)))
            .collect()
    });
    scopes.iter().find(|(s, _)| s.is_prefix_of(scope)).map(|&(_, c)| c)
}

/// The class of the `<span>` around text inside these scopes (none: plain text). One pass,
/// outermost first: it runs after every scope change of every line.
fn class(stack: &ScopeStack) -> Option<&'static str> {
    let (mut inner, mut in_comment) = (None, false);
    for c in stack.as_slice().iter().filter_map(|&s| colour(s)) {
        // The comment colour's class is the same inside a comment: that marks it.
        in_comment |= c.class == c.in_comment;
        inner = Some(c);
    }
    inner.map(|c| if in_comment { c.in_comment } else { c.class })
}

/// Highlights one code block, line after line.
#[derive(Debug, Clone)]
pub(super) struct Highlighter {
    lang: String,
    parse: ParseState,
    /// Scopes open after the last line.
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
        if line.strip_suffix('\n').unwrap_or(line).len() > LONG_LINE {
            return escape_html(line);
        }
        let before = self.stack.clone();
        match self.spans(line) {
            Some(html) => html,
            None => {
                // A syntax that fails on this line: show it plain, keep the scopes as they were.
                self.stack = before;
                escape_html(line)
            }
        }
    }

    /// `line` as runs of text, each in the span of its class (adjacent runs of one class share it).
    fn spans(&mut self, line: &str) -> Option<String> {
        let ops = self.parse.parse_line(line, syntaxes()).ok()?;
        let mut html = String::with_capacity(line.len() * 2);
        let (mut open, mut at) = (None, 0);
        let mut current = class(&self.stack);
        let ends = ops.iter().map(|(pos, op)| (*pos, Some(op)));
        for (pos, op) in ends.chain([(line.len(), None)]) {
            let pos = pos.min(line.len());
            if pos > at {
                if current != open {
                    if open.is_some() {
                        html.push_str("</span>");
                    }
                    if let Some(class) = current {
                        html.push_str("<span class=\"");
                        html.push_str(class);
                        html.push_str("\">");
                    }
                    open = current;
                }
                html.push_str(&escape_html(line.get(at..pos)?));
                at = pos;
            }
            if let Some(op) = op {
                self.stack.apply(op).ok()?;
                current = class(&self.stack);
            }
        }
        if open.is_some() {
            html.push_str("</span>");
        }
        Some(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(lang: &str, code: &str) -> Vec<String> {
        let mut h = Highlighter::new(lang);
        code.split_inclusive('\n').map(|l| h.line(l)).collect()
    }

    #[test]
    fn a_line_is_flat_runs_each_in_one_span_of_its_colour() {
        assert_eq!(
            lines("rust", "fn main() -> u32 {\n    let s = \"hi\"; // note\n")[..],
            [
                "<span class=\"hl-type\">fn</span> <span class=\"hl-function\">main</span>() -&gt; \
                 <span class=\"hl-type\">u32</span> {\n",
                "    <span class=\"hl-type\">let</span> s <span class=\"hl-keyword\">=</span> \
                 <span class=\"hl-string\">&quot;hi&quot;</span>; <span class=\"hl-comment\">// note\n</span>",
            ]
        );
    }

    #[test]
    fn a_string_across_lines_keeps_its_colour_on_every_line() {
        assert_eq!(
            lines("python", "x = '''one\ntwo\nthree'''\n")[1..],
            [
                "<span class=\"hl-string\">two\n</span>",
                "<span class=\"hl-string\">three&#39;&#39;&#39;</span>\n"
            ]
        );
    }

    #[test]
    fn the_innermost_coloured_scope_gives_the_colour_and_a_comment_its_italics() {
        let class_in = |scopes: &[&str]| {
            let mut stack = ScopeStack::new();
            for s in scopes {
                stack.push(Scope::new(s).unwrap());
            }
            class(&stack)
        };
        assert_eq!(class_in(&["source.js", "meta.block.js"]), None);
        assert_eq!(
            class_in(&["source.js", "string.quoted.js", "punctuation.definition.string.js"]),
            Some("hl-string")
        );
        assert_eq!(
            class_in(&["source.rust", "storage.type.function.rust"]),
            Some("hl-type")
        );
        assert_eq!(class_in(&["source.rust", "storage.modifier.rust"]), Some("hl-keyword"));
        assert_eq!(
            class_in(&["source.js", "comment.block.documentation.js"]),
            Some("hl-comment")
        );
        assert_eq!(
            class_in(&[
                "source.js",
                "comment.block.documentation.js",
                "storage.type.class.jsdoc"
            ]),
            Some("hl-type hl-italic")
        );
    }
}
