//! Evaluating one rule's program over one item's atom matches. [`Ev::truth`] decides
//! (short-circuiting, no explanation); [`Ev::explain`] runs only for rules that fire
//! and collects the witnesses: the atom occurrences that made the rule true.

use super::doc::Doc;
use super::matches::{Matches, NONE, Occ};
use super::passing;
use super::program::{Node, NodeId, Program, Scope};

/// Most occurrences one NEAR or SENTENCE yields; past it, the rest are not needed to
/// decide and would only cost time.
const MAX_OCCS: usize = 4096;

/// An evaluation of one program against one item.
pub(crate) struct Ev<'a> {
    prog: &'a Program,
    doc: &'a Doc<'a>,
    m: &'a Matches,
    /// Whether to record witnesses of compound occurrences.
    explain: bool,
    /// Witnesses of compound occurrences (atom occurrences), by range.
    wits: Vec<Occ>,
}

impl<'a> Ev<'a> {
    /// An evaluator; `explain` records witnesses.
    pub fn new(prog: &'a Program, doc: &'a Doc<'a>, m: &'a Matches, explain: bool) -> Self {
        Ev {
            prog,
            doc,
            m,
            explain,
            wits: Vec::new(),
        }
    }

    fn node(&self, n: NodeId) -> &'a Node {
        &self.prog.nodes[n as usize]
    }

    fn atom_occs(&self, atom: u32, scope: Scope) -> impl Iterator<Item = Occ> + 'a {
        let r = self.doc.region(scope);
        let (lo, hi) = (r.start as u32, r.end as u32);
        self.m
            .of(atom)
            .iter()
            .copied()
            .filter(move |o| o.start >= lo && o.end <= hi)
    }

    /// Whether node `n` is true.
    pub fn truth(&mut self, n: NodeId) -> bool {
        match self.node(n) {
            Node::Atom { atom, scope } => self.atom_occs(*atom, *scope).next().is_some(),
            Node::And(xs) => xs.iter().all(|&x| self.truth(x)),
            Node::Or(xs) => xs.iter().any(|&x| self.truth(x)),
            Node::Not(x) => !self.truth(*x),
            Node::Near { .. } | Node::Sentence(_) | Node::Central(_) => !self.occs(n).is_empty(),
            Node::Count { of, cmp, n: k } => {
                let count = self.occs(*of).len();
                cmp.holds(count, *k as usize)
            }
            Node::CountVs { of, cmp, other } => {
                let (a, b) = (self.occs(*of).len(), self.occs(*other).len());
                cmp.holds(a, b)
            }
        }
    }

    /// The occurrences of positional node `n`, in text order.
    pub fn occs(&mut self, n: NodeId) -> Vec<Occ> {
        match self.node(n) {
            Node::Atom { atom, scope } => self.atom_occs(*atom, *scope).collect(),
            Node::Or(xs) => {
                let mut all = Vec::new();
                for &x in xs {
                    all.extend(self.occs(x));
                }
                all.sort_by_key(|o| (o.w0, o.w1));
                all
            }
            Node::Near { a, b, n } => {
                let (a, b, n) = (self.occs(*a), self.occs(*b), *n);
                self.near(&a, &b, n)
            }
            Node::Sentence(xs) => {
                let parts: Vec<Vec<Occ>> = xs.iter().map(|&x| self.occs(x)).collect();
                self.same_sentence(&parts)
            }
            Node::Central(x) => {
                let doc = self.doc;
                let mut occs = self.occs(*x);
                occs.retain(|o| !passing::is_passing(doc, o));
                occs
            }
            Node::And(_) | Node::Not(_) | Node::Count { .. } | Node::CountVs { .. } => Vec::new(),
        }
    }

    /// Pushes the witnesses of `o` (itself, for an atom occurrence).
    fn push_wits(&mut self, o: &Occ) {
        if o.atom != NONE {
            self.wits.push(*o);
        } else {
            self.wits
                .extend_from_within(o.wit0 as usize..o.wit1 as usize);
        }
    }

    /// A compound occurrence covering `parts`, with their witnesses when explaining.
    fn compound(&mut self, parts: &[&Occ]) -> Occ {
        let first = parts.iter().min_by_key(|o| o.w0).copied().copied();
        let mut c = first.unwrap_or(Occ {
            start: 0,
            end: 0,
            w0: 0,
            w1: 0,
            sentence: 0,
            hit: NONE,
            atom: NONE,
            wit0: 0,
            wit1: 0,
        });
        for p in parts {
            c.start = c.start.min(p.start);
            c.end = c.end.max(p.end);
            c.w0 = c.w0.min(p.w0);
            c.w1 = c.w1.max(p.w1);
        }
        c.hit = NONE;
        c.atom = NONE;
        let w0 = self.wits.len() as u32;
        if self.explain {
            for p in parts {
                self.push_wits(p);
            }
        }
        c.wit0 = w0;
        c.wit1 = self.wits.len() as u32;
        c
    }

    fn near(&mut self, a: &[Occ], b: &[Occ], n: u32) -> Vec<Occ> {
        let mut out = Vec::new();
        let longest = b.iter().map(|o| o.w1 - o.w0).max().unwrap_or(0);
        for x in a {
            // `b` is in text order (by first word): only a window of it can be near.
            let lo = b.partition_point(|y| y.w0 + longest + n < x.w0);
            let hi = b.partition_point(|y| y.w0 <= x.w1 + n);
            for y in &b[lo..hi.max(lo)] {
                // Words strictly between the two; 0 when they touch or overlap.
                let gap = y.w0.saturating_sub(x.w1).max(x.w0.saturating_sub(y.w1));
                if gap <= n {
                    let c = self.compound(&[x, y]);
                    out.push(c);
                    if out.len() >= MAX_OCCS {
                        return out;
                    }
                }
            }
        }
        out.sort_by_key(|o| (o.w0, o.w1));
        out
    }

    fn same_sentence(&mut self, parts: &[Vec<Occ>]) -> Vec<Occ> {
        let mut out = Vec::new();
        let Some(first) = parts.first() else {
            return out;
        };
        let mut sentences: Vec<u32> = first.iter().map(|o| o.sentence).collect();
        sentences.dedup();
        for s in sentences {
            let in_s: Vec<Vec<&Occ>> = parts
                .iter()
                .map(|p| p.iter().filter(|o| o.sentence == s).collect())
                .collect();
            if in_s.iter().any(Vec::is_empty) {
                continue;
            }
            let all: Vec<&Occ> = in_s.into_iter().flatten().collect();
            let c = self.compound(&all);
            out.push(c);
            if out.len() >= MAX_OCCS {
                break;
            }
        }
        out
    }

    /// Whether node `n` is true; if so, its witnesses are appended to `out`.
    pub fn explain(&mut self, n: NodeId, out: &mut Vec<Occ>) -> bool {
        match self.node(n) {
            Node::And(xs) => {
                if !self.truth(n) {
                    return false;
                }
                for &x in xs {
                    self.explain(x, out);
                }
                true
            }
            Node::Or(xs) => {
                let mut any = false;
                for &x in xs {
                    any |= self.explain(x, out);
                }
                any
            }
            Node::Not(_) => self.truth(n),
            Node::Count { of, .. } | Node::CountVs { of, .. } => {
                if !self.truth(n) {
                    return false;
                }
                let occs = self.occs(*of);
                self.collect(&occs, out);
                true
            }
            Node::Atom { .. } | Node::Near { .. } | Node::Sentence(_) | Node::Central(_) => {
                let occs = self.occs(n);
                self.collect(&occs, out);
                !occs.is_empty()
            }
        }
    }

    fn collect(&mut self, occs: &[Occ], out: &mut Vec<Occ>) {
        for o in occs {
            if o.atom != NONE {
                out.push(*o);
            } else {
                out.extend_from_slice(&self.wits[o.wit0 as usize..o.wit1 as usize]);
            }
        }
    }
}
