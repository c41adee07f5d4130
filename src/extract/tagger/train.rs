//! Training: an averaged structured perceptron (Collins 2002) over the hashed features,
//! decoded with the same Viterbi and the same token mask as tagging, then quantised to
//! 8-bit weights. Deterministic: the same documents, gazetteers, knowledge base and
//! settings give the same model bytes (a fixed hash, a fixed pseudo-random generator,
//! a fixed order of floating-point operations).
//!
//! Headlines are rare in the corpora and common in feeds, so a share of the training
//! sentences is also seen rewritten in Title Case and in capitals, with the same
//! entities.

use std::ops::Range;

use super::Label;
use super::corpus::{Document, Span};
use super::decode::{self, MAX_TAGS, NEVER, Scores, Transitions};
use super::features::{Doc, Known, TITLE_EXEMPT};
use super::hash::SplitMix;
use super::lexicon::{self, Lexicon};
use super::model::{self, row};
use super::tokens::{Class, tokenize};
use crate::extract::Extractor;
use crate::extract::segment::Segments;

/// Training settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Passes over the data.
    pub epochs: usize,
    /// Seed of the shuffles and of the rewriting into headlines.
    pub seed: u64,
    /// The weight table has 2^`bits` rows.
    pub bits: u32,
    /// Learn MISC as a fourth type (else MISC names are outside).
    pub misc: bool,
    /// Share of sentences also seen in Title Case.
    pub title_share: f64,
    /// Share of sentences also seen in capitals.
    pub caps_share: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            epochs: 10,
            seed: 1,
            bits: 18,
            misc: true,
            title_share: 0.1,
            caps_share: 0.04,
        }
    }
}

/// What training reports besides the model.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Training sentences (with the rewritten ones).
    pub sentences: usize,
    /// Tokens scored.
    pub scored: usize,
    /// Gold entities whose edges fall inside a token (left out).
    pub misaligned: usize,
    /// Token errors in each epoch.
    pub errors: Vec<usize>,
    /// Weights that quantise to zero.
    pub zeroed: usize,
}

/// One training sentence: per token, the weight rows of its features (none when the
/// token is not scored) and the gold tag.
struct Instance {
    rows: Vec<u32>,
    spans: Vec<Option<Range<u32>>>,
    gold: Vec<u8>,
}

/// Trains a model on `docs`, with the gazetteer files (name, text) and the
/// knowledge-base mentions that `extractor` finds. Returns the model bytes.
pub fn train(
    docs: &[Document],
    gazetteers: &[(&str, &str)],
    extractor: &Extractor,
    cfg: &Config,
) -> (Vec<u8>, Report) {
    let known = |text: &str| extractor.known(text, &Segments::new(text));
    let lex_bytes = lexicon::build(gazetteers);
    let lex = Lexicon::new(&lex_bytes)
        .unwrap_or_else(|| unreachable!("build makes a power-of-two table"));
    let types = if cfg.misc { 4 } else { 3 };
    let tags = 1 + 2 * types;
    let mut rng = SplitMix(cfg.seed);
    let mut report = Report::default();
    let mut instances = Vec::new();
    for d in docs {
        add_instances(
            &mut instances,
            &d.text,
            &d.gold,
            &lex,
            &known,
            cfg,
            types,
            &mut report,
        );
        if let Some((text, gold)) = rewritten(&d.text, &d.gold, &mut rng, cfg) {
            add_instances(
                &mut instances,
                &text,
                &gold,
                &lex,
                &known,
                cfg,
                types,
                &mut report,
            );
        }
    }
    report.sentences = instances.len();
    let (weights, transitions) = perceptron(&instances, tags, cfg, &mut rng, &mut report);
    let (scale, quantised) = quantise(&weights, &mut report);
    let bytes = model::write(types, cfg.bits, scale, &transitions, &quantised, &lex_bytes);
    (bytes, report)
}

#[allow(clippy::too_many_arguments)]
fn add_instances(
    out: &mut Vec<Instance>,
    text: &str,
    gold: &[Span],
    lex: &Lexicon<'_>,
    known: &dyn Fn(&str) -> Vec<Known>,
    cfg: &Config,
    types: usize,
    report: &mut Report,
) {
    let seg = Segments::new(text);
    let kb = known(text);
    let doc = Doc::new(text, seg.sentences(), &kb, lex);
    let tags = project(&doc, gold, types, report);
    let mut feats = Vec::with_capacity(64);
    for s in &doc.sentences {
        let mut inst = Instance {
            rows: Vec::new(),
            spans: Vec::with_capacity(s.tokens.len()),
            gold: Vec::with_capacity(s.tokens.len()),
        };
        let mut prev = 0u8;
        for i in s.tokens.clone() {
            let mut g = tags[i];
            if doc.scored(s, i) {
                feats.clear();
                doc.features(s, i, &mut feats);
                let a = inst.rows.len() as u32;
                inst.rows
                    .extend(feats.iter().map(|&f| row(f, cfg.bits) as u32));
                inst.spans.push(Some(a..inst.rows.len() as u32));
                report.scored += 1;
            } else {
                inst.spans.push(None);
                g = 0;
            }
            // A mask cut can leave an I without its B: it begins the name then.
            if decode::is_inside(g as usize) && !decode::allowed(Some(prev as usize), g as usize) {
                g -= 1;
            }
            if decode::is_inside(g as usize) && i == s.tokens.start {
                g -= 1;
            }
            inst.gold.push(g);
            prev = g;
        }
        out.push(inst);
    }
}

/// Gold spans as tags of the tokenizer's tokens.
fn project(doc: &Doc, gold: &[Span], types: usize, report: &mut Report) -> Vec<u8> {
    let mut tags = vec![0u8; doc.tokens.len()];
    for g in gold {
        let Some(k) = type_index(g.label, types) else {
            continue;
        };
        let first = doc.tokens.partition_point(|t| t.end <= g.start);
        let inside: Vec<usize> = (first..doc.tokens.len())
            .take_while(|&i| doc.tokens[i].start < g.end)
            .collect();
        let aligned = inside
            .first()
            .is_some_and(|&i| doc.tokens[i].start == g.start)
            && inside.last().is_some_and(|&i| doc.tokens[i].end == g.end);
        if !aligned {
            report.misaligned += 1;
            continue;
        }
        for (n, &i) in inside.iter().enumerate() {
            tags[i] = (decode::begin(k) + usize::from(n > 0)) as u8;
        }
    }
    tags
}

/// The type index of `label` in a model with `types` types.
pub(crate) fn type_index(label: Label, types: usize) -> Option<usize> {
    let k = label as usize;
    (k < types).then_some(k)
}

/// A number in `[0, 1)`.
fn unit(rng: &mut SplitMix) -> f64 {
    (rng.next() >> 11) as f64 / (1u64 << 53) as f64
}

/// A copy of `text` with some sentences in Title Case or capitals (ASCII letters
/// only, so every byte offset stays valid), or `None` when the dice pick none.
fn rewritten(
    text: &str,
    gold: &[Span],
    rng: &mut SplitMix,
    cfg: &Config,
) -> Option<(String, Vec<Span>)> {
    let seg = Segments::new(text);
    let mut bytes = text.to_string().into_bytes();
    let mut changed = false;
    let mut toks = Vec::new();
    for r in seg.sentences() {
        let p = unit(rng);
        let caps = p < cfg.caps_share;
        let title = !caps && p < cfg.caps_share + cfg.title_share;
        if !caps && !title {
            continue;
        }
        changed = true;
        if caps {
            bytes[r.clone()].make_ascii_uppercase();
            continue;
        }
        toks.clear();
        tokenize(&text[r.clone()], &mut toks);
        for (n, t) in toks.iter().enumerate() {
            let w = &text[r.start + t.start..r.start + t.end];
            if t.class == Class::Word && (n == 0 || !TITLE_EXEMPT.contains(&w)) {
                bytes[r.start + t.start].make_ascii_uppercase();
            }
        }
    }
    if !changed {
        return None;
    }
    // Only ASCII bytes changed case, so the bytes are still the same UTF-8.
    let text = String::from_utf8(bytes).ok()?;
    Some((text, gold.to_vec()))
}

/// The averaged perceptron: returns the averaged weights and transitions.
fn perceptron(
    instances: &[Instance],
    tags: usize,
    cfg: &Config,
    rng: &mut SplitMix,
    report: &mut Report,
) -> (Vec<f32>, Transitions) {
    let rows = 1usize << cfg.bits;
    let mut w = vec![0f32; rows * tags];
    let mut acc = vec![0f64; rows * tags];
    // Transitions (`from * MAX_TAGS + to`) and starts, with their accumulators.
    let mut tw = [0f32; MAX_TAGS * MAX_TAGS + MAX_TAGS];
    let mut tacc = [0f64; MAX_TAGS * MAX_TAGS + MAX_TAGS];
    let start_at = MAX_TAGS * MAX_TAGS;
    let mut order: Vec<usize> = (0..instances.len()).collect();
    let mut c = 1f64;
    let (mut em, mut back, mut pred) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        let mut errors = 0;
        for &k in &order {
            let inst = &instances[k];
            let tr = transitions_of(&tw, tags);
            em.clear();
            for span in &inst.spans {
                let mut s: Scores = [NEVER; MAX_TAGS];
                match span {
                    Some(r) => {
                        s[..tags].fill(0.0);
                        for &rw in &inst.rows[r.start as usize..r.end as usize] {
                            let at = rw as usize * tags;
                            for (y, v) in s.iter_mut().enumerate().take(tags) {
                                *v += w[at + y];
                            }
                        }
                    }
                    None => s[0] = 0.0,
                }
                em.push(s);
            }
            decode::viterbi(&em, &tr, &mut back, &mut pred);
            if pred != inst.gold {
                let bump = |i: usize, d: f32, w: &mut [f32], acc: &mut [f64]| {
                    w[i] += d;
                    acc[i] += c * f64::from(d);
                };
                for (t, span) in inst.spans.iter().enumerate() {
                    let (g, p) = (inst.gold[t] as usize, pred[t] as usize);
                    if g != p {
                        errors += 1;
                        if let Some(r) = span {
                            for &rw in &inst.rows[r.start as usize..r.end as usize] {
                                let at = rw as usize * tags;
                                bump(at + g, 1.0, &mut w, &mut acc);
                                bump(at + p, -1.0, &mut w, &mut acc);
                            }
                        }
                    }
                    let (gi, pi) = if t == 0 {
                        (start_at + g, start_at + p)
                    } else {
                        let (gp, pp) = (inst.gold[t - 1] as usize, pred[t - 1] as usize);
                        (gp * MAX_TAGS + g, pp * MAX_TAGS + p)
                    };
                    if gi != pi {
                        bump(gi, 1.0, &mut tw, &mut tacc);
                        bump(pi, -1.0, &mut tw, &mut tacc);
                    }
                }
            }
            c += 1.0;
        }
        report.errors.push(errors);
    }
    let avg = |w: f32, a: f64| (f64::from(w) - a / c) as f32;
    let weights: Vec<f32> = w.iter().zip(&acc).map(|(&w, &a)| avg(w, a)).collect();
    let mut t = [0f32; MAX_TAGS * MAX_TAGS + MAX_TAGS];
    for (i, v) in t.iter_mut().enumerate() {
        *v = avg(tw[i], tacc[i]);
    }
    (weights, transitions_of(&t, tags))
}

fn transitions_of(t: &[f32; MAX_TAGS * MAX_TAGS + MAX_TAGS], tags: usize) -> Transitions {
    let mut trans = [0f32; MAX_TAGS * MAX_TAGS];
    trans.copy_from_slice(&t[..MAX_TAGS * MAX_TAGS]);
    let mut start = [0f32; MAX_TAGS];
    start.copy_from_slice(&t[MAX_TAGS * MAX_TAGS..]);
    Transitions { tags, trans, start }
}

/// 8-bit weights: one scale for the table, chosen so that the largest weights (past
/// the 99.99th percentile of magnitudes, which are clipped) fit.
fn quantise(weights: &[f32], report: &mut Report) -> (f32, Vec<i8>) {
    let mut mags: Vec<f32> = weights
        .iter()
        .map(|w| w.abs())
        .filter(|&m| m > 0.0)
        .collect();
    mags.sort_unstable_by(f32::total_cmp);
    let top = mags
        .get(mags.len().saturating_sub(1 + mags.len() / 10_000))
        .copied()
        .unwrap_or(1.0)
        .max(f32::MIN_POSITIVE);
    let scale = top / 127.0;
    let q: Vec<i8> = weights
        .iter()
        .map(|&w| (w / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    report.zeroed = weights
        .iter()
        .zip(&q)
        .filter(|&(&w, &q)| w != 0.0 && q == 0)
        .count();
    (scale, q)
}
