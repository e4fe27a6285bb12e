//! One chunk of markdown to sanitized HTML.

use pulldown_cmark::{BrokenLink, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::code::{code_block, Highlighter};
use super::refs::{Def, Label, Uses};
use super::sanitize::clean;

/// CommonMark plus the GFM parts models use.
pub(super) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// A rendered chunk and what it has to do with link reference definitions.
#[derive(Debug, Default)]
pub(super) struct Rendered {
    pub html: String,
    /// Labels looked up outside the chunk (it defines none of them).
    pub uses: Uses,
    /// Definitions the chunk holds, each with where it ends in the chunk.
    pub defs: Vec<(Label, Def, usize)>,
}

/// Definitions the whole of `md` holds.
pub(super) fn definitions(md: &str) -> Vec<(Label, Def, usize)> {
    let parser = Parser::new_ext(md, options());
    collect_defs(&parser)
}

fn collect_defs<'a, F: pulldown_cmark::BrokenLinkCallback<'a>>(parser: &Parser<'a, F>) -> Vec<(Label, Def, usize)> {
    parser
        .reference_definitions()
        .iter()
        .map(|(label, def)| {
            (
                Label::new(label.to_string()),
                Def {
                    dest: def.dest.to_string(),
                    title: def.title.as_deref().unwrap_or("").to_string(),
                },
                def.span.end,
            )
        })
        .collect()
}

/// Renders `md`; `lookup` resolves labels `md` uses but does not define.
pub(super) fn render_chunk(md: &str, lookup: &dyn Fn(&Label) -> Option<Def>) -> Rendered {
    if md.trim().is_empty() {
        return Rendered::default();
    }
    let mut uses = Uses::new();
    let callback = |link: BrokenLink<'_>| {
        let label = Label::new(link.reference.to_string());
        let def = lookup(&label);
        let found = def
            .as_ref()
            .map(|d| (CowStr::from(d.dest.clone()), CowStr::from(d.title.clone())));
        uses.push((label, def));
        found
    };
    let parser = Parser::new_with_broken_link_callback(md, options(), Some(callback));
    let defs = collect_defs(&parser);
    let mut events = Vec::new();
    let mut code: Option<(Highlighter, Vec<String>)> = None; // an open code block and its lines' HTML so far
    let mut partial = String::new(); // text of the code block's current line
    for event in parser {
        if let Some((highlighter, lines)) = code.as_mut() {
            match event {
                Event::Text(t) => {
                    // Highlight whole lines, whatever the text events' sizes (one event may
                    // hold a whole block: the lines are taken out once, not one at a time).
                    let mut start = partial.len();
                    partial.push_str(&t);
                    let mut done = 0;
                    while let Some(nl) = partial[start..].find('\n') {
                        let end = start + nl + 1;
                        lines.push(highlighter.line(&partial[done..end]));
                        (start, done) = (end, end);
                    }
                    partial.drain(..done);
                }
                Event::End(TagEnd::CodeBlock) => {
                    let (mut highlighter, mut lines) = code.take().expect("open code block");
                    if !partial.is_empty() {
                        lines.push(highlighter.line(&partial));
                        partial.clear();
                    }
                    events.push(Event::Html(code_block(highlighter.lang(), &lines).into()));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match &kind {
                    CodeBlockKind::Fenced(info) => info.as_ref(),
                    CodeBlockKind::Indented => "",
                };
                code = Some((Highlighter::new(info), Vec::new()));
            }
            // Raw HTML from the model is text to show, not markup to run.
            Event::Html(t) | Event::InlineHtml(t) => events.push(Event::Text(t)),
            // An image would be fetched from the network: show a link to it instead.
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
                events.push(Event::Text("Image: ".into()));
            }
            Event::End(TagEnd::Image) => events.push(Event::End(TagEnd::Link)),
            other => events.push(other),
        }
    }
    if let Some((mut highlighter, mut lines)) = code.take() {
        if !partial.is_empty() {
            lines.push(highlighter.line(&partial));
        }
        events.push(Event::Html(code_block(highlighter.lang(), &lines).into()));
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered {
        html: clean(&html),
        uses,
        defs,
    }
}
