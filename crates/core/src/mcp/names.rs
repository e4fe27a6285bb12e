//! The names tools go by in a request: unique across servers and valid for every provider
//! (`^[a-zA-Z0-9_-]{1,64}$`, OpenAI's rule and the strictest), mapped back to the server and
//! the tool's own name.
//!
//! A tool is `<server>__<tool>` (Claude's own clients namespace the same way), with every
//! other character made `_`. A name past 64 characters, or one two tools would share after
//! that cleaning, ends in 8 hex digits of a hash of the real pair, so it stays the same from
//! one request to the next as long as the tools do.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

const MAX_LEN: usize = 64;
const SEPARATOR: &str = "__";

/// Which server and tool a name stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ToolRef {
    pub server: String,
    pub tool: String,
}

/// The names of a set of tools, both ways.
#[derive(Debug, Clone, Default)]
pub struct ToolNames {
    by_name: HashMap<String, ToolRef>,
    by_ref: HashMap<ToolRef, String>,
}

impl ToolNames {
    /// Names every tool of `tools`. The result does not depend on their order.
    pub fn new(tools: impl IntoIterator<Item = ToolRef>) -> ToolNames {
        let mut sorted: Vec<ToolRef> = tools.into_iter().collect();
        sorted.sort();
        sorted.dedup();
        // Tools whose plain names collide all take the hashed form, so which one keeps the
        // plain name never depends on which servers happen to be ready.
        let mut plain: BTreeMap<String, Vec<ToolRef>> = BTreeMap::new();
        for tool in sorted {
            plain.entry(plain_name(&tool)).or_default().push(tool);
        }
        let mut names = ToolNames::default();
        for (name, tools) in plain {
            let unique = tools.len() == 1 && name.len() <= MAX_LEN;
            for tool in tools {
                let mut chosen = if unique {
                    name.clone()
                } else {
                    hashed_name(&name, &tool, 0)
                };
                let mut round = 1;
                while names.by_name.contains_key(&chosen) {
                    chosen = hashed_name(&name, &tool, round);
                    round += 1;
                }
                names.by_ref.insert(tool.clone(), chosen.clone());
                names.by_name.insert(chosen, tool);
            }
        }
        names
    }

    /// The server and tool a name (as a model sent it back) stands for.
    pub fn resolve(&self, name: &str) -> Option<&ToolRef> {
        self.by_name.get(name)
    }

    /// The name a tool goes by.
    pub fn name_of(&self, tool: &ToolRef) -> Option<&str> {
        self.by_ref.get(tool).map(String::as_str)
    }
}

fn clean(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn plain_name(tool: &ToolRef) -> String {
    format!("{}{SEPARATOR}{}", clean(&tool.server), clean(&tool.tool))
}

fn hashed_name(plain: &str, tool: &ToolRef, round: u32) -> String {
    let mut hash = Sha256::new();
    hash.update(tool.server.as_bytes());
    hash.update([0]);
    hash.update(tool.tool.as_bytes());
    hash.update(round.to_le_bytes());
    let digest = hash.finalize();
    let suffix: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    // The plain name is ASCII by now, so any byte is a boundary.
    let keep = MAX_LEN - suffix.len() - 1;
    format!("{}_{suffix}", &plain[..plain.len().min(keep)])
}

/// Whether every provider takes a name.
pub fn is_valid(name: &str) -> bool {
    (1..=MAX_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tool(server: &str, tool: &str) -> ToolRef {
        ToolRef {
            server: server.into(),
            tool: tool.into(),
        }
    }

    #[test]
    fn plain_names_when_they_are_valid_and_unique() {
        let names = ToolNames::new([tool("github", "create_issue"), tool("fs", "read-file")]);
        assert_eq!(
            names.name_of(&tool("github", "create_issue")),
            Some("github__create_issue")
        );
        assert_eq!(names.name_of(&tool("fs", "read-file")), Some("fs__read-file"));
        assert_eq!(names.resolve("fs__read-file"), Some(&tool("fs", "read-file")));
        assert_eq!(names.resolve("nope"), None);
    }

    #[test]
    fn cleaned_long_and_colliding_names_stay_valid_unique_and_stable() {
        let tools = [
            tool("My Server", "do.it"),
            tool("My_Server", "do_it"),
            tool("Ünïcödé", "工具"),
            tool(&"s".repeat(50), &"t".repeat(50)),
        ];
        let names = ToolNames::new(tools.clone());
        let mut seen = std::collections::HashSet::new();
        for t in &tools {
            let name = names.name_of(t).unwrap();
            assert!(is_valid(name), "{name}");
            assert!(seen.insert(name.to_string()), "{name} twice");
            assert_eq!(names.resolve(name), Some(t));
        }
        // Both colliding tools are hashed, neither keeps the plain name.
        assert_ne!(names.name_of(&tools[0]), Some("My_Server__do_it"));
        assert!(names.name_of(&tools[0]).unwrap().starts_with("My_Server__do_it_"));
        assert_eq!(names.name_of(&tools[3]).unwrap().len(), 64);
        // The same tools in another order, or with an unrelated tool more, keep their names.
        let mut more = tools.to_vec();
        more.reverse();
        more.push(tool("other", "x"));
        let again = ToolNames::new(more);
        for t in &tools {
            assert_eq!(again.name_of(t), names.name_of(t));
        }
    }

    proptest! {
        #[test]
        fn any_tools_get_valid_unique_names_that_map_back(
            pairs in proptest::collection::vec(("\\PC{1,40}", "\\PC{1,70}"), 1..20)
        ) {
            let tools: Vec<ToolRef> = pairs.iter().map(|(s, t)| tool(s, t)).collect();
            let names = ToolNames::new(tools.clone());
            let mut seen = std::collections::HashSet::new();
            for t in &tools {
                let name = names.name_of(t).unwrap();
                prop_assert!(is_valid(name), "{}", name);
                prop_assert_eq!(names.resolve(name), Some(t));
                seen.insert(name.to_string());
            }
            let distinct: std::collections::HashSet<&ToolRef> = tools.iter().collect();
            prop_assert_eq!(seen.len(), distinct.len());
        }
    }
}
