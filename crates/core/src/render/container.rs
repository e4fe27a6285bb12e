//! A blockquote or a list growing child by child: each child (a quote's paragraph, a list's
//! item) is rendered alone inside the same kind of container and unwrapped, which is all its
//! HTML depends on, except a list's looseness: any item can make the whole list loose, and
//! then the list is rendered once again, loose, and its items from then on too.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

use super::blocks::line_start;
use super::markdown::{options, render_chunk, Rendered};
use super::refs::{Def, Label};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Quote,
    List,
}

#[derive(Debug)]
pub(super) struct ContainerStream {
    shape: Shape,
    /// Where the container starts in the message.
    start: usize,
    /// Where its children not sent yet start.
    window: usize,
    /// The list's marker (`-`, `1.`, …): a sentinel item made of it forces looseness.
    marker: String,
    loose: bool,
    head: String,
    foot: String,
}

/// What a feed sent.
#[derive(Debug, Default)]
pub(super) struct Fed {
    /// HTML to append inside the container.
    pub add: String,
    /// The container's whole HTML again (a list that turned loose), instead of `add`.
    pub replace: Option<String>,
    /// What the children sent hold and use.
    pub rendered: Vec<Rendered>,
    /// Where the container ended, when it did.
    pub closed_at: Option<usize>,
}

/// How a container sits in a piece of text that starts at one of its children.
struct Layout {
    /// Line starts of its children.
    children: Vec<usize>,
    /// The line after its last line.
    end_line: usize,
    /// A paragraph of a list item is a direct child (pulldown-cmark renders the list loose).
    loose: bool,
}

impl ContainerStream {
    /// Starts the container whose complete first line is at `first`. Gives its HTML before
    /// and after its children, or `None` if it does not render in a shape children can be added to.
    pub fn open(shape: Shape, src: &str, first: usize) -> Option<(Self, String, String)> {
        let line_end = first + src[first..].find('\n')? + 1;
        let line = &src[first..line_end];
        let marker = match shape {
            Shape::Quote => String::new(),
            Shape::List => {
                let t = line.trim_start_matches(' ');
                let digits = t.chars().take_while(char::is_ascii_digit).count();
                t[..digits + 1].to_string()
            }
        };
        let html = match shape {
            Shape::Quote => super::sanitize::clean("<blockquote>\n</blockquote>\n"),
            Shape::List => render_chunk(line, &|_| None).html,
        };
        let head_end = html.find('\n')? + 1;
        let foot_start = html.trim_end_matches('\n').rfind('\n')? + 1;
        let (head, foot) = (html[..head_end].to_string(), html[foot_start..].to_string());
        let stream = Self {
            shape,
            start: first,
            window: first,
            marker,
            loose: false,
            head: head.clone(),
            foot: foot.clone(),
        };
        Some((stream, head, foot))
    }

    /// Sends the children of `src[..end]` (complete lines) that can no longer change; at the
    /// end of the text (`last`), all of them.
    pub fn feed(&mut self, src: &str, end: usize, last: bool, lookup: &dyn Fn(&Label) -> Option<Def>) -> Fed {
        let mut fed = Fed::default();
        let window = &src[self.window..end];
        let Some(layout) = layout(window, self.shape) else {
            // Nothing of the container left here: it ended where the window starts.
            if last || window.lines().any(|l| !l.trim().is_empty()) {
                fed.closed_at = Some(self.window);
            }
            return fed;
        };
        let closed = last || window[layout.end_line..].lines().any(|l| !l.trim().is_empty());
        let mut done = layout.children.len().saturating_sub(1);
        if closed {
            done = layout.children.len();
        } else if self.shape == Shape::Quote {
            // A quote's child is final once a blank quote line and the next child's first line follow it.
            done = (0..done)
                .take_while(|&k| blank_quote_line_before(window, layout.children[k + 1]))
                .count();
        }
        if done == 0 && !closed {
            return fed;
        }
        let upto = if done == layout.children.len() {
            layout.end_line
        } else {
            layout.children[done]
        };
        // Each child from its line to the next one's; the first from the window's start (a
        // definition may come before it), the last to `upto`.
        let mut bounds = vec![0];
        bounds.extend(layout.children.iter().copied().take(done).skip(1));
        bounds.push(upto);
        let ranges: Vec<Range<usize>> = bounds
            .windows(2)
            .map(|b| self.window + b[0]..self.window + b[1])
            .collect();
        let turned_loose = self.shape == Shape::List && !self.loose && layout.loose;
        self.loose |= layout.loose;
        for range in &ranges {
            let rendered = self.children(&src[range.clone()], lookup);
            fed.add.push_str(&rendered.html);
            fed.rendered.push(rendered);
        }
        self.window += upto;
        if turned_loose {
            fed.replace = Some(self.rerender(src, lookup).html);
        }
        if closed {
            fed.closed_at = Some(self.window);
        }
        fed
    }

    /// The children not sent yet as they would show if the text ended here, and what follows
    /// the container (with where it starts) if it ended.
    pub fn provisional(&self, src: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> (Rendered, Option<usize>) {
        let window = &src[self.window..];
        let Some(layout) = layout(window, self.shape) else {
            return (Rendered::default(), Some(self.window));
        };
        let inside = self.children(&window[..layout.end_line], lookup);
        let after = (layout.end_line < window.len()).then_some(self.window + layout.end_line);
        (inside, after)
    }

    /// The whole container as sent so far (its labels got other definitions, or it turned loose).
    pub fn rerender(&self, src: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> Rendered {
        let mut rendered = self.children(&src[self.start..self.window], lookup);
        rendered.html = format!("{}{}{}", self.head, rendered.html, self.foot);
        rendered
    }

    /// Children's HTML, unwrapped; a loose list's items rendered loose whatever they are alone.
    fn children(&self, md: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> Rendered {
        if md.trim().is_empty() {
            return Rendered::default();
        }
        let force = self.shape == Shape::List && self.loose;
        let indent = &md[..md.len() - md.trim_start_matches(' ').len()];
        let sentinel = format!("{indent}{} x\n\n", self.marker);
        let mut rendered = if force {
            render_chunk(&format!("{sentinel}{md}"), lookup)
        } else {
            render_chunk(md, lookup)
        };
        let html = &rendered.html;
        let inner_start = html.find('\n').map_or(0, |p| p + 1);
        let inner_end = html.trim_end_matches('\n').rfind('\n').map_or(html.len(), |p| p + 1);
        let mut inner = &html[inner_start..inner_end.max(inner_start)];
        if force {
            inner = inner.strip_prefix("<li>\n<p>x</p>\n</li>\n").unwrap_or(inner);
        }
        rendered.html = inner.to_string();
        if force {
            // Definitions say where they end in `md`, not in the sentinel's text.
            for (_, _, end) in &mut rendered.defs {
                *end = end.saturating_sub(sentinel.len());
            }
        }
        rendered
    }

    /// Where the children not sent yet start.
    pub fn window(&self) -> usize {
        self.window
    }
}

/// The line before `at` is a blank line of the quote (`>` and nothing else).
fn blank_quote_line_before(md: &str, at: usize) -> bool {
    let Some(before) = md[..at].strip_suffix('\n') else {
        return false;
    };
    let line = &before[line_start(before, before.len())..];
    let t = line.trim_start_matches(' ');
    line.len() - t.len() <= 3 && t.strip_prefix('>').is_some_and(|rest| rest.trim().is_empty())
}

/// The container that `md` starts with, or `None` if `md` does not start with one.
fn layout(md: &str, shape: Shape) -> Option<Layout> {
    let mut depth = 0usize;
    let mut container: Option<Range<usize>> = None;
    let mut children = Vec::new();
    let mut loose = false;
    let mut next = None; // where the block after it starts
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                match depth {
                    0 if container.is_some() => {
                        next = Some(range.start);
                        break;
                    }
                    0 => match (shape, &tag) {
                        (Shape::Quote, Tag::BlockQuote(_)) | (Shape::List, Tag::List(_)) => {
                            container = Some(range.clone())
                        }
                        _ => return None,
                    },
                    1 => children.push(line_start(md, range.start)),
                    2 if matches!(tag, Tag::Paragraph) => loose = true,
                    _ => {}
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth == 0 => {
                if container.is_some() {
                    next = Some(range.start);
                    break;
                }
                return None;
            }
            _ if depth == 1 => children.push(line_start(md, range.start)),
            _ => {}
        }
    }
    let range = container?;
    // Its range may reach into the next block's indentation: stop at that block's line.
    let mut end_line = if md[..range.end].ends_with('\n') {
        range.end
    } else {
        md[range.end..].find('\n').map_or(md.len(), |p| range.end + p + 1)
    };
    if let Some(next) = next {
        end_line = end_line.min(line_start(md, next));
    }
    children.dedup();
    Some(Layout {
        children,
        end_line,
        loose: loose && shape == Shape::List,
    })
}
