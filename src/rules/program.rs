//! What a query compiles to: a small tree of [`Node`]s over [`Atom`]s. An atom is
//! something found directly in an item (mentions of a set of entities, an entity
//! kind, a word or phrase); nodes combine atoms (boolean logic, proximity, scope,
//! counts). Atoms are shared by every rule of a [`super::RuleSet`], so each is looked
//! for once per item however many rules name it.

use std::collections::BTreeSet;

use crate::model::EntityKind;

/// Index of an atom (in a rule while compiling; in the rule set once loaded).
pub type AtomId = u32;
/// Index of a node in its rule's program.
pub type NodeId = u32;

/// Something found directly in an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// Mentions of any of these entities (`@id`, `@id+owned`).
    Entities {
        /// As written in the query, for explanations.
        label: String,
        /// Entity ids, sorted.
        ids: Vec<String>,
    },
    /// Mentions of any entity of this kind, known to the knowledge base or not.
    Kind(EntityKind),
    /// Mentions of entities of a country (`country:NL`: these ids, sorted).
    Country {
        /// The code as written, upper case.
        code: String,
        /// Entity ids, sorted.
        ids: Vec<String>,
    },
    /// Mentions of entities with a tag (`tag:dpa`: these ids, sorted).
    Tag {
        /// The tag.
        tag: String,
        /// Entity ids, sorted.
        ids: Vec<String>,
    },
    /// A word or phrase: consecutive words, folded to lower case.
    Text(TextAtom),
}

/// A word or phrase to find.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextAtom {
    /// The words, folded to lower case.
    pub words: Vec<String>,
    /// The words as written, when their case must match exactly (`=` prefix).
    pub exact: Option<Vec<String>>,
    /// The last word is a prefix (`fine*`).
    pub prefix: bool,
}

impl TextAtom {
    /// The words as the query wrote them, for explanations: `data centre`, `fine*`.
    pub fn label(&self) -> String {
        let words = self.exact.as_ref().unwrap_or(&self.words);
        // Characters of a script without spaces are written together: `个人信息`.
        let cjk = super::words::spaceless_word;
        let mut s = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 && !(cjk(&words[i - 1]) && cjk(w)) {
                s.push(' ');
            }
            s.push_str(w);
        }
        if self.prefix {
            s.push('*');
        }
        s
    }
}

impl Atom {
    /// The `type` written in an alert's `matched` entries for this atom.
    pub fn match_type(&self) -> &'static str {
        match self {
            Atom::Entities { .. } => "entity",
            Atom::Kind(_) => "kind",
            Atom::Country { .. } => "country",
            Atom::Tag { .. } => "tag",
            Atom::Text(_) => "keyword",
        }
    }

    /// The entity ids this atom stands for (empty for kinds and text).
    pub fn entity_ids(&self) -> &[String] {
        match self {
            Atom::Entities { ids, .. } | Atom::Country { ids, .. } | Atom::Tag { ids, .. } => ids,
            Atom::Kind(_) | Atom::Text(_) => &[],
        }
    }
}

/// The regions a node is restricted to: the intersection of every region set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Only in the title.
    pub title: bool,
    /// Only in the lead (title and first paragraph of the body).
    pub lead: bool,
    /// Only in the body.
    pub body: bool,
}

/// One step of a compiled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Occurrences of an atom inside a scope.
    Atom {
        /// Which atom.
        atom: AtomId,
        /// Where it must be.
        scope: Scope,
    },
    /// All true.
    And(Vec<NodeId>),
    /// Any true; occurrences of every side (when all sides have occurrences).
    Or(Vec<NodeId>),
    /// Not true.
    Not(NodeId),
    /// Occurrences of `a` and `b` with at most `n` words between them.
    Near {
        /// One side.
        a: NodeId,
        /// The other side.
        b: NodeId,
        /// Most words between.
        n: u32,
    },
    /// Sentences in which every part occurs.
    Sentence(Vec<NodeId>),
    /// The occurrences of a positional node that are not passing mentions.
    Central(NodeId),
    /// The number of occurrences of `of`, compared with `n`.
    Count {
        /// What is counted.
        of: NodeId,
        /// How it is compared.
        cmp: super::query::Cmp,
        /// With what.
        n: u32,
    },
    /// The number of occurrences of `of`, compared with that of `other`.
    CountVs {
        /// What is counted.
        of: NodeId,
        /// How it is compared.
        cmp: super::query::Cmp,
        /// What it is compared with.
        other: NodeId,
    },
}

/// A compiled query: nodes (the root last) and the atoms they use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Program {
    /// The nodes; children come before parents, the root is last.
    pub nodes: Vec<Node>,
    /// The atoms the nodes refer to.
    pub atoms: Vec<Atom>,
}

impl Program {
    /// The root node.
    pub fn root(&self) -> NodeId {
        self.nodes.len().saturating_sub(1) as NodeId
    }

    /// Whether node `n` yields occurrences (positions in the text), not just true/false.
    pub fn positional(&self, n: NodeId) -> bool {
        match &self.nodes[n as usize] {
            Node::Atom { .. } | Node::Near { .. } | Node::Sentence(_) | Node::Central(_) => true,
            Node::Or(xs) => xs.iter().all(|&x| self.positional(x)),
            Node::And(_) | Node::Not(_) | Node::Count { .. } | Node::CountVs { .. } => false,
        }
    }

    /// Atoms of which at least one must occur for node `n` to be true, or `None` when
    /// `n` can be true with none present (`NOT x`, `mentions(x) < 2`). The rule set
    /// skips a rule cheaply when none of its root's atoms occur in an item.
    pub fn needs(&self, n: NodeId) -> Option<BTreeSet<AtomId>> {
        match &self.nodes[n as usize] {
            Node::Atom { atom, .. } => Some(BTreeSet::from([*atom])),
            Node::Or(xs) => {
                let mut all = BTreeSet::new();
                for &x in xs {
                    all.extend(self.needs(x)?);
                }
                Some(all)
            }
            Node::And(xs) | Node::Sentence(xs) => xs
                .iter()
                .filter_map(|&x| self.needs(x))
                .min_by_key(BTreeSet::len),
            Node::Near { a, b, .. } => [self.needs(*a), self.needs(*b)]
                .into_iter()
                .flatten()
                .min_by_key(BTreeSet::len),
            Node::Central(of) => self.needs(*of),
            Node::Not(_) => None,
            Node::Count { of, cmp, n } => {
                use super::query::Cmp;
                let needs_one = match cmp {
                    Cmp::Ge | Cmp::Eq => *n >= 1,
                    Cmp::Gt => true,
                    Cmp::Ne => *n == 0,
                    Cmp::Le | Cmp::Lt => false,
                };
                if needs_one { self.needs(*of) } else { None }
            }
            // More of one than of the other needs at least one of the first.
            Node::CountVs { of, cmp, other } => {
                use super::query::Cmp;
                match cmp {
                    Cmp::Gt => self.needs(*of),
                    Cmp::Lt => self.needs(*other),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TextAtom;

    #[test]
    fn labels_write_words_apart_and_spaceless_characters_together() {
        let atom = |words: &[&str], prefix| TextAtom {
            words: words.iter().map(|w| w.to_string()).collect(),
            exact: None,
            prefix,
        };
        assert_eq!(atom(&["data", "centre"], false).label(), "data centre");
        assert_eq!(atom(&["fine"], true).label(), "fine*");
        assert_eq!(atom(&["个", "人", "信", "息"], false).label(), "个人信息");
        assert_eq!(atom(&["微", "信", "pay"], false).label(), "微信 pay");
    }
}
