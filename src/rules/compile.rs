//! Compiling a parsed query against the knowledge base: entity ids, kinds, countries
//! and tags are resolved (unknown ones are errors that suggest the nearest known
//! ones), words become folded word sequences, and operators that need positions
//! (NEAR, SENTENCE, mentions) are checked to get them. Errors carry query spans.

use std::collections::HashMap;
use std::ops::Range;

use super::program::{Atom, AtomId, Node, NodeId, Program, Scope, TextAtom};
use super::query::{Expr, ExprKind, Region};
use super::words;
use crate::extract::kb::KnowledgeBase;
use crate::model::EntityKind;

/// A problem with a query that parses: where (in the query) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Byte range in the query (or the file, for rules built from v1 fields).
    pub span: Range<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Compiles `expr`; every problem is reported, not only the first.
pub fn compile(expr: &Expr, kb: &KnowledgeBase) -> Result<Program, Vec<CompileError>> {
    let mut c = Compiler {
        kb,
        program: Program::default(),
        atom_ids: HashMap::new(),
        errors: Vec::new(),
    };
    c.node(expr, Scope::default());
    if c.errors.is_empty() {
        Ok(c.program)
    } else {
        Err(c.errors)
    }
}

struct Compiler<'a> {
    kb: &'a KnowledgeBase,
    program: Program,
    atom_ids: HashMap<Atom, AtomId>,
    errors: Vec<CompileError>,
}

impl Compiler<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errors.push(CompileError {
            span,
            message: message.into(),
        });
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.program.nodes.push(node);
        (self.program.nodes.len() - 1) as NodeId
    }

    fn atom(&mut self, atom: Atom, scope: Scope) -> NodeId {
        let next = self.program.atoms.len() as AtomId;
        let id = *self.atom_ids.entry(atom.clone()).or_insert(next);
        if id == next {
            self.program.atoms.push(atom);
        }
        self.push(Node::Atom { atom: id, scope })
    }

    /// Checks that `n` yields positions, as operand `what` of an operator.
    fn positional(&mut self, n: NodeId, span: &Range<usize>, what: &str) {
        if !self.program.positional(n) {
            self.error(
                span.clone(),
                format!(
                    "{what} works on terms (entities, words, phrases, kind:…, or OR-groups of them), not on AND/NOT/mentions"
                ),
            );
        }
    }

    fn node(&mut self, e: &Expr, scope: Scope) -> NodeId {
        match &e.kind {
            ExprKind::Entity { id, owned } => self.entity(e, id, *owned, scope),
            ExprKind::Kind(k) => match EntityKind::parse(k) {
                Some(kind) => self.atom(Atom::Kind(kind), scope),
                None => {
                    self.error(
                        e.span.clone(),
                        format!(
                            "unknown kind `{k}` (organization, person, location, regulator, product)"
                        ),
                    );
                    self.push(Node::Or(Vec::new()))
                }
            },
            ExprKind::Country(c) => {
                let code = c.to_uppercase();
                let sub = format!("{code}-");
                let ids = self.ids_where(|e| {
                    e.country
                        .as_deref()
                        .is_some_and(|x| x == code || x.starts_with(&sub))
                });
                if ids.is_empty() {
                    self.error(
                        e.span.clone(),
                        format!(
                            "no known entity is in country `{c}`: use an ISO 3166 code such as NL, US, GB, EU"
                        ),
                    );
                }
                self.atom(Atom::Country { code, ids }, scope)
            }
            ExprKind::Tag(t) => {
                let ids = self.ids_where(|e| e.tags.iter().any(|x| x == t));
                if ids.is_empty() {
                    let mut known: Vec<&str> = self
                        .kb
                        .entities()
                        .iter()
                        .flat_map(|e| e.tags.iter().map(String::as_str))
                        .collect();
                    known.sort_unstable();
                    known.dedup();
                    self.error(
                        e.span.clone(),
                        format!(
                            "no known entity has tag `{t}` (tags in the knowledge base: {})",
                            known.join(", ")
                        ),
                    );
                }
                self.atom(
                    Atom::Tag {
                        tag: t.clone(),
                        ids,
                    },
                    scope,
                )
            }
            ExprKind::Text { text, exact } => self.text(e, text, *exact, scope),
            ExprKind::And(xs) => {
                let ids = xs.iter().map(|x| self.node(x, scope)).collect();
                self.push(Node::And(ids))
            }
            ExprKind::Or(xs) => {
                let ids = xs.iter().map(|x| self.node(x, scope)).collect();
                self.push(Node::Or(ids))
            }
            ExprKind::Not(x) => {
                let id = self.node(x, scope);
                self.push(Node::Not(id))
            }
            ExprKind::Near(a, b, n) => {
                let (na, nb) = (self.node(a, scope), self.node(b, scope));
                self.positional(na, &a.span, "NEAR");
                self.positional(nb, &b.span, "NEAR");
                self.push(Node::Near {
                    a: na,
                    b: nb,
                    n: *n,
                })
            }
            ExprKind::Sentence(xs) => {
                let mut ids = Vec::new();
                for x in xs {
                    let id = self.node(x, scope);
                    self.positional(id, &x.span, "SENTENCE");
                    ids.push(id);
                }
                self.push(Node::Sentence(ids))
            }
            ExprKind::Scope(region, x) => {
                let mut inner = scope;
                match region {
                    Region::Title => inner.title = true,
                    Region::Lead => inner.lead = true,
                    Region::Body => inner.body = true,
                }
                if inner.title && inner.body {
                    self.error(
                        e.span.clone(),
                        "the title and the body do not overlap: this can never match",
                    );
                }
                self.node(x, inner)
            }
            ExprKind::Central(x) => {
                let of = self.node(x, scope);
                self.positional(of, &x.span, "central(…)");
                self.push(Node::Central(of))
            }
            ExprKind::MentionsVs(x, cmp, y) => {
                let of = self.node(x, scope);
                self.positional(of, &x.span, "mentions(…)");
                let other = self.node(y, scope);
                self.positional(other, &y.span, "mentions(…)");
                self.push(Node::CountVs {
                    of,
                    cmp: *cmp,
                    other,
                })
            }
            ExprKind::Mentions(x, cmp, n) => {
                let of = self.node(x, scope);
                self.positional(of, &x.span, "mentions(…)");
                self.push(Node::Count {
                    of,
                    cmp: *cmp,
                    n: *n,
                })
            }
        }
    }

    fn ids_where(&self, keep: impl Fn(&crate::extract::kb::Entity) -> bool) -> Vec<String> {
        let mut ids: Vec<String> = self
            .kb
            .entities()
            .iter()
            .filter(|e| keep(e))
            .map(|e| e.id.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn entity(&mut self, e: &Expr, id: &str, owned: bool, scope: Scope) -> NodeId {
        if self.kb.get(id).is_none() {
            let near: Vec<String> = self
                .kb
                .suggest(id)
                .iter()
                .take(3)
                .map(|n| format!("`{n}`"))
                .collect();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", near.join(", "))
            };
            // Point at the id itself, after the `@`.
            let start = (e.span.start + 1).min(e.span.end);
            self.error(
                start..(start + id.len()).min(e.span.end),
                format!("unknown entity id `{id}`{hint}"),
            );
            return self.push(Node::Or(Vec::new()));
        }
        let mut ids: Vec<String> = if owned {
            self.kb
                .owned_closure(id)
                .into_iter()
                .map(str::to_string)
                .collect()
        } else {
            vec![id.to_string()]
        };
        ids.sort_unstable();
        let label = format!("@{id}{}", if owned { "+owned" } else { "" });
        self.atom(Atom::Entities { label, ids }, scope)
    }

    fn text(&mut self, e: &Expr, text: &str, exact: bool, scope: Scope) -> NodeId {
        let trimmed = text.trim_end();
        let prefix = trimmed.ends_with('*');
        let as_written: Vec<&str> = words::split(trimmed).map(|r| &trimmed[r]).collect();
        if as_written.is_empty() {
            self.error(e.span.clone(), "nothing to match: no letters or digits");
            return self.push(Node::Or(Vec::new()));
        }
        if prefix && as_written.last().is_some_and(|w| w.chars().count() < 3) {
            self.error(
                e.span.clone(),
                "a prefix needs at least three letters before `*`",
            );
        }
        let atom = TextAtom {
            words: as_written.iter().map(|w| words::fold(w)).collect(),
            exact: exact.then(|| as_written.iter().map(|w| w.to_string()).collect()),
            prefix,
        };
        self.atom(Atom::Text(atom), scope)
    }
}
