//! The last line of defence: every piece of HTML the renderer produces goes through `ammonia`,
//! so a renderer bug cannot smuggle markup through.

use std::collections::HashSet;
use std::sync::OnceLock;

/// `html` with everything but the tags and attributes the renderer emits removed.
pub(super) fn clean(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// The app's one HTML escaper (text and attribute values alike).
pub fn escape_html(s: &str) -> String {
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

pub(super) fn sanitizer() -> &'static ammonia::Builder<'static> {
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
            // The same rule the shell applies on click (`src-tauri/src/links.rs`): a `mailto:` link would hand text the
            // model chose to another app, so it is shown as text, not as a link that does nothing.
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
