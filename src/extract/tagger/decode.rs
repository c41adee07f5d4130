//! Tags and Viterbi decoding under BIO constraints: an I-X only after a B-X or an I-X,
//! never first. Tag 0 is O; entity type `k` has B = 1 + 2k and I = 2 + 2k.

/// The most tags a model has (O and B/I of four types).
pub(crate) const MAX_TAGS: usize = 9;

/// Scores of each tag at one token.
pub(crate) type Scores = [f32; MAX_TAGS];

/// A score no path takes.
pub(crate) const NEVER: f32 = -1.0e30;

/// The B tag of entity type `k`.
pub(crate) fn begin(k: usize) -> usize {
    1 + 2 * k
}

/// The entity type of tag `t` (`None` for O).
pub(crate) fn type_of(t: usize) -> Option<usize> {
    (t > 0).then(|| (t - 1) / 2)
}

/// Whether `t` is an I tag.
pub(crate) fn is_inside(t: usize) -> bool {
    t > 0 && t % 2 == 0
}

/// Whether tag `cur` may follow `prev` (`None`: the sentence's first token).
pub(crate) fn allowed(prev: Option<usize>, cur: usize) -> bool {
    if !is_inside(cur) {
        return true;
    }
    prev.is_some_and(|p| p != 0 && type_of(p) == type_of(cur))
}

/// The transition and start weights of a model.
#[derive(Debug, Clone)]
pub(crate) struct Transitions {
    /// Number of tags in use.
    pub(crate) tags: usize,
    /// `from * MAX_TAGS + to`.
    pub(crate) trans: [f32; MAX_TAGS * MAX_TAGS],
    /// Score of starting a sentence with each tag.
    pub(crate) start: Scores,
}

/// Fills `out` with the best tag sequence for the emission scores `em` (one entry a
/// token) under the BIO constraints. `back` is scratch space.
pub(crate) fn viterbi(
    em: &[Scores],
    tr: &Transitions,
    back: &mut Vec<[u8; MAX_TAGS]>,
    out: &mut Vec<u8>,
) {
    out.clear();
    back.clear();
    let n = tr.tags;
    if em.is_empty() {
        return;
    }
    let mut delta: Scores = [NEVER; MAX_TAGS];
    for y in 0..n {
        if allowed(None, y) {
            delta[y] = tr.start[y] + em[0][y];
        }
    }
    back.push([0; MAX_TAGS]);
    for e in &em[1..] {
        let mut next: Scores = [NEVER; MAX_TAGS];
        let mut bp = [0u8; MAX_TAGS];
        for y in 0..n {
            let mut best = NEVER;
            let mut arg = 0;
            for (p, &dp) in delta.iter().enumerate().take(n) {
                if dp <= NEVER || !allowed(Some(p), y) {
                    continue;
                }
                let s = dp + tr.trans[p * MAX_TAGS + y];
                if s > best {
                    best = s;
                    arg = p;
                }
            }
            if best > NEVER {
                next[y] = best + e[y];
                bp[y] = arg as u8;
            }
        }
        delta = next;
        back.push(bp);
    }
    let mut y = (0..n).fold(0, |b, y| if delta[y] > delta[b] { y } else { b });
    out.resize(em.len(), 0);
    for t in (0..em.len()).rev() {
        out[t] = y as u8;
        y = back[t][y] as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(tags: usize) -> Transitions {
        Transitions {
            tags,
            trans: [0.0; MAX_TAGS * MAX_TAGS],
            start: [0.0; MAX_TAGS],
        }
    }

    fn scores(pairs: &[(usize, f32)]) -> Scores {
        let mut s = [0.0; MAX_TAGS];
        for &(t, v) in pairs {
            s[t] = v;
        }
        s
    }

    #[test]
    fn bio_constraints_hold() {
        // I-PER scores best everywhere, but may not start a sentence nor follow O.
        let em = vec![
            scores(&[(2, 5.0), (1, 1.0)]),
            scores(&[(2, 5.0)]),
            scores(&[(0, 9.0), (2, 2.0)]),
            scores(&[(2, 5.0), (4, 4.9)]),
        ];
        let (mut back, mut out) = (Vec::new(), Vec::new());
        viterbi(&em, &flat(9), &mut back, &mut out);
        assert_eq!(out, [1, 2, 0, 0]);
        for w in out.windows(2) {
            assert!(allowed(Some(w[0] as usize), w[1] as usize));
        }
        assert!(!allowed(None, 2));
        assert!(!allowed(Some(1), 4), "B-PER then I-ORG");
        assert!(allowed(Some(3), 4));
        assert!(allowed(Some(4), 3), "two organisations in a row");
    }

    #[test]
    fn transitions_count() {
        // Emissions alone say B-ORG I-ORG; a strong O→B and B→O pull apart.
        let em = vec![scores(&[(3, 2.0)]), scores(&[(4, 1.0), (3, 0.9)])];
        let mut tr = flat(9);
        tr.trans[3 * MAX_TAGS + 4] = -5.0;
        let (mut back, mut out) = (Vec::new(), Vec::new());
        viterbi(&em, &tr, &mut back, &mut out);
        assert_eq!(out, [3, 3]);
        viterbi(&[], &tr, &mut back, &mut out);
        assert!(out.is_empty());
    }
}
