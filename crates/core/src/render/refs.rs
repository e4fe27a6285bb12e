//! Link reference definitions (`[label]: https://… "title"`). A definition may come after the
//! links that use it, anywhere in the message, so every block is rendered with the definitions
//! known so far and remembers the labels it looked up outside itself; when a label's definition
//! arrives, only the blocks that used that label are rendered again.

use std::collections::HashMap;

use unicase::UniCase;

/// A label as CommonMark matches it: case-folded (pulldown-cmark hands labels over with
/// their whitespace already collapsed).
pub(super) type Label = UniCase<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Def {
    pub dest: String,
    pub title: String,
}

/// Labels a block looked up outside itself, with what each resolved to then.
pub(super) type Uses = Vec<(Label, Option<Def>)>;

/// Definitions in message order; the first one of a label wins.
#[derive(Debug, Default)]
pub(super) struct Defs(HashMap<Label, Def>);

impl Defs {
    pub fn get(&self, label: &Label) -> Option<&Def> {
        self.0.get(label)
    }

    /// `false` when the label was already defined (the earlier definition stays).
    pub fn add(&mut self, label: Label, def: Def) -> bool {
        match self.0.entry(label) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(def);
                true
            }
        }
    }
}
