//! Answers of each shape the renderer must stream at a flat cost, at any length. Shared by the
//! render benchmark and the renderer's tests (which check streamed output equals a whole render).

/// Makes an answer of at least that many bytes.
pub type Make = fn(usize) -> String;

/// Every shape, by name.
pub fn shapes() -> Vec<(&'static str, Make)> {
    vec![
        ("mixed prose", mixed),
        ("code block", code_block),
        ("table", table),
        ("nested list", nested_list),
        ("quote", quote),
        ("prose after definitions", prose_after_definitions),
        ("CJK prose", cjk_prose),
    ]
}

/// Repeats `section` (with `{n}` numbered) until `bytes` are reached.
fn grow(bytes: usize, mut out: String, sections: &[&str]) -> String {
    let mut n = 0;
    while out.len() < bytes {
        out.push_str(&sections[n % sections.len()].replace("{n}", &n.to_string()));
        n += 1;
    }
    out
}

/// Prose, lists, code, tables, quotes: many small blocks.
fn mixed(bytes: usize) -> String {
    grow(bytes, String::new(), &[
        "## Section {n}\n\nThis paragraph explains step {n} with *emphasis*, **strong words**, `inline code` and a [link](https://example.com/{n}). It keeps going for a while so the paragraph is of a realistic length, like a model would write.\n\n",
        "- first point of list {n}\n- second point, with `code`\n- third point\n  continued on the next line\n\n",
        "```rust\nfn step_{n}(input: &str) -> Result<usize, Error> {\n    let parsed = input.trim().parse::<usize>()?;\n    Ok(parsed * 2)\n}\n```\n\n",
        "| column a | column b | column c |\n|---|---|---|\n| {n} | value | more |\n| {n}1 | value | more |\n\n",
        "> A quoted remark number {n}, with a lazy\ncontinuation line.\n\n1. ordered one\n2. ordered two\n\n",
    ])
}

/// A whole source file in one fenced block that stays open.
fn code_block(bytes: usize) -> String {
    grow(
        bytes,
        "Here is the whole file:\n```typescript\n".into(),
        &[
            "/**\n * Step {n}: parses the input.\n * A comment that spans lines.\n */\n",
            "export function step{n}(input: string): Record<string, unknown> {\n",
            "  const parsed: { [key: string]: unknown } = JSON.parse(input);\n",
            "  [key: string]: unknown;\n",
            "  const text = `template ${parsed} with <b>markup</b> & \"quotes\"`;\n",
            "  return { ...parsed, step: {n} };\n}\n\n",
        ],
    )
}

/// One long table.
fn table(bytes: usize) -> String {
    grow(
        bytes,
        "| # | name | code | note |\n|---:|:---|:-:|---|\n".into(),
        &[
            "| {n} | item {n} | `x[{n}]` | **bold** and *italic* text |\n",
            "| {n} | another row | `a \\| b` | a [link](https://example.com/{n}) |\n",
        ],
    )
}

/// One long list whose items hold lists.
fn nested_list(bytes: usize) -> String {
    grow(bytes, "Steps:\n\n".into(), &[
        "- step {n}: do the thing with `code`\n  - detail a of {n}\n  - detail b, **important**\n    1. deeper one\n    2. deeper two\n",
        "- step {n}: another item\n  continued on a second line\n",
    ])
}

/// One long blockquote of several paragraphs.
fn quote(bytes: usize) -> String {
    grow(bytes, String::new(), &[
        "> Quoted paragraph {n}, with *emphasis* and a [link](https://example.com/{n}),\n> going on for a second line of text.\n>\n",
        "> - a list inside the quote {n}\n> - second item\n>\n",
    ])
}

/// Citations: definitions first, then prose that uses them (and a code line that merely looks like one).
fn prose_after_definitions(bytes: usize) -> String {
    grow(
        bytes,
        "[1]: https://example.com/one \"One\"\n[2]: https://example.com/two\n\n```ts\ntype T = {\n  [key: string]: unknown;\n};\n```\n\n".into(),
        &["Paragraph {n} cites a source [1] and another [two][2], and a [forward] one.\n\n"],
    ) + "[forward]: https://example.com/forward\n"
}

/// Chinese, Japanese and Korean paragraphs (multi-byte characters split across tokens).
fn cjk_prose(bytes: usize) -> String {
    grow(
        bytes,
        String::new(),
        &[
            "第{n}段：这是一个关于渲染性能的段落，包含**强调**和`代码`，以及更多的中文文字。\n\n",
            "これは第{n}段落です。日本語の文章が続きます。*強調*もあります。\n\n",
            "이것은 {n}번째 단락입니다. 한국어 문장이 이어집니다.\n\n",
        ],
    )
}
