//! What the tagger sees of each token: hashed features of the word itself (form, lower
//! case, shape, prefixes and suffixes), of its neighbours, of the gazetteers and the
//! knowledge base, and of where it stands (first word of a sentence, a headline in
//! Title Case or in capitals, a word the same document also writes in lower case).
//!
//! One [`Doc`] per text holds the per-token facts; [`Doc::features`] turns them into
//! feature hashes, the same way when training and when tagging. Only tokens with a
//! capital letter, and their neighbours, are scored at all ([`Doc::scored`]): the rest
//! are outside any name, which keeps the tagger cheap on running text.

use std::ops::Range;

use super::hash;
use super::lexicon::{self, Lexicon, flag};
use super::tokens::{Class, Token, tokenize};
use crate::model::EntityKind;

/// Bumped whenever the features change: a model trained with other features is
/// refused rather than misread.
pub(crate) const VERSION: u32 = 1;

pub(crate) use crate::extract::names::Known;

/// How a sentence is written, which says how much its capitals mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ordinary prose.
    Prose,
    /// A headline in Title Case: capitals say little.
    Title,
    /// All in capitals: case says nothing.
    Caps,
}

/// The case of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// No letters (punctuation, numbers).
    None,
    Lower,
    /// First letter upper, some lower after it ("Obama", "McDonald").
    Title,
    /// Two or more letters, all upper ("NASA").
    Upper,
    /// One upper-case letter ("J", "J.").
    Initial,
    /// Anything else ("iPhone", "eBay").
    Mixed,
}

/// Per-token facts, computed once per document.
#[derive(Debug, Clone, Copy)]
struct Info {
    word: u64,
    lower: u64,
    shape: u64,
    short: u64,
    affixes: [u64; 6],
    lex: u16,
    phrase_start: u16,
    phrase_inside: u16,
    /// 0: not in a knowledge-base mention; else 1 + 2 × kind + (0 first token, 1 later).
    kb: u8,
    case: Case,
    /// Has a capital letter (or is a number glued to letters, "3M").
    capital: bool,
    /// A word Title Case leaves in lower case ("of", "the").
    exempt: bool,
}

/// One sentence: its tokens and how it is written.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub(crate) tokens: Range<usize>,
    pub(crate) mode: Mode,
}

/// The tokens of one text with everything the features need.
#[derive(Debug)]
pub(crate) struct Doc {
    pub(crate) tokens: Vec<Token>,
    info: Vec<Info>,
    pub(crate) sentences: Vec<Sentence>,
    /// Lower-case keys of words written in lower case somewhere in the text.
    seen_lower: Vec<u64>,
    /// Lower-case keys of words capitalised inside a prose sentence (not first).
    seen_capital: Vec<u64>,
}

/// Words a Title Case headline leaves in lower case.
pub(crate) const TITLE_EXEMPT: &[&str] = &[
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "by", "with",
    "from", "as", "vs", "vs.", "via", "into", "over", "up",
];

const BOS: u64 = 0x5f42_4f53_5f5f_5f31;
const EOS: u64 = 0x5f45_4f53_5f5f_5f31;

// Feature templates: each feature is the hash of its template and its value.
const T_BIAS: u64 = 1;
const T_WORD: u64 = 2;
const T_LOWER: u64 = 3;
const T_SHAPE: u64 = 4;
const T_AFFIX: u64 = 5; // + 0..6
const T_CASE: u64 = 12;
const T_L_M1: u64 = 13;
const T_L_P1: u64 = 14;
const T_L_M2: u64 = 15;
const T_L_P2: u64 = 16;
const T_S_M1: u64 = 17;
const T_S_P1: u64 = 18;
const T_LM1_S: u64 = 19;
const T_S_LP1: u64 = 20;
const T_S3: u64 = 21;
const T_LEX: u64 = 22;
const T_LEX_M1: u64 = 23;
const T_LEX_P1: u64 = 24;
const T_PHRASE_B: u64 = 25;
const T_PHRASE_I: u64 = 26;
const T_KB: u64 = 27;
const T_KB_M1: u64 = 28;
const T_KB_P1: u64 = 29;
const T_DOC: u64 = 30;
const T_LM1_L: u64 = 31;

fn feat(template: u64, value: u64) -> u64 {
    hash::mix(template, value)
}

impl Doc {
    /// Tokenises `text` and gathers the facts; `sentences` are byte ranges in order,
    /// `known` the knowledge-base mentions sorted by start.
    pub(crate) fn new(
        text: &str,
        sentences: &[Range<usize>],
        known: &[Known],
        lex: &Lexicon<'_>,
    ) -> Doc {
        let mut tokens = Vec::with_capacity(text.len() / 5);
        tokenize(text, &mut tokens);
        let mut info: Vec<Info> = Vec::with_capacity(tokens.len());
        let mut k = 0;
        for t in &tokens {
            let w = &text[t.start..t.end];
            while k < known.len() && known[k].end <= t.start {
                k += 1;
            }
            let kb = match known.get(k) {
                Some(m) if m.start <= t.start && t.end <= m.end => {
                    1 + 2 * kind_code(m.kind) + u8::from(m.start != t.start)
                }
                _ => 0,
            };
            info.push(light_info(w, t.class, kb));
        }
        // Features are only computed for tokens next to a capital and read from
        // their neighbours two away: the full facts within three of a capital.
        let mut lower = String::new();
        let mut last_capital: Option<usize> = None;
        let next_capital: Vec<Option<usize>> = {
            let mut v = vec![None; info.len()];
            let mut next = None;
            for i in (0..info.len()).rev() {
                if info[i].capital {
                    next = Some(i);
                }
                v[i] = next;
            }
            v
        };
        for i in 0..info.len() {
            if info[i].capital {
                last_capital = Some(i);
            }
            let near = last_capital.is_some_and(|c| i - c <= 3)
                || next_capital[i].is_some_and(|c| c - i <= 3);
            if near {
                let t = tokens[i];
                fill_info(
                    &mut info[i],
                    &text[t.start..t.end],
                    t.class,
                    lex,
                    &mut lower,
                );
            }
        }
        phrases(&tokens, &mut info, lex);
        let sentences = split(&tokens, &info, sentences);
        let mut seen_lower = Vec::new();
        let mut seen_capital = Vec::new();
        for s in &sentences {
            for i in s.tokens.clone() {
                match info[i].case {
                    Case::Lower => seen_lower.push(info[i].lower),
                    Case::Title | Case::Upper if s.mode == Mode::Prose && i > s.tokens.start => {
                        seen_capital.push(info[i].lower)
                    }
                    _ => {}
                }
            }
        }
        seen_lower.sort_unstable();
        seen_lower.dedup();
        seen_capital.sort_unstable();
        seen_capital.dedup();
        Doc {
            tokens,
            info,
            sentences,
            seen_lower,
            seen_capital,
        }
    }

    /// Whether token `i` of sentence `s` is scored: it or a neighbour in the sentence
    /// has a capital. Tokens not scored are outside every name.
    pub(crate) fn scored(&self, s: &Sentence, i: usize) -> bool {
        let r = &s.tokens;
        self.info[i].capital
            || (i > r.start && self.info[i - 1].capital)
            || (i + 1 < r.end && self.info[i + 1].capital)
    }

    /// Appends the feature hashes of token `i` of sentence `s` to `out`.
    pub(crate) fn features(&self, s: &Sentence, i: usize, out: &mut Vec<u64>) {
        let r = &s.tokens;
        let x = &self.info[i];
        let at = |d: isize| -> Option<&Info> {
            let j = i as isize + d;
            (j >= r.start as isize && j < r.end as isize).then(|| &self.info[j as usize])
        };
        let (m1, p1, m2, p2) = (at(-1), at(1), at(-2), at(2));
        let lower = |o: Option<&Info>, edge: u64| o.map_or(edge, |y| y.lower);
        let short = |o: Option<&Info>, edge: u64| o.map_or(edge, |y| y.short);
        let first = i == r.start;
        let mode = s.mode as u64;
        out.push(feat(T_BIAS, 0));
        out.push(feat(T_WORD, x.word));
        out.push(feat(T_LOWER, x.lower));
        out.push(feat(T_SHAPE, x.shape));
        for (n, a) in x.affixes.iter().enumerate() {
            out.push(feat(T_AFFIX + n as u64, *a));
        }
        out.push(feat(
            T_CASE,
            (x.case as u64) | (mode << 4) | (u64::from(first) << 8),
        ));
        out.push(feat(T_L_M1, lower(m1, BOS)));
        out.push(feat(T_L_P1, lower(p1, EOS)));
        out.push(feat(T_L_M2, lower(m2, BOS)));
        out.push(feat(T_L_P2, lower(p2, EOS)));
        out.push(feat(T_S_M1, short(m1, BOS)));
        out.push(feat(T_S_P1, short(p1, EOS)));
        out.push(feat(T_LM1_S, hash::mix(lower(m1, BOS), x.short)));
        out.push(feat(T_S_LP1, hash::mix(x.short, lower(p1, EOS))));
        out.push(feat(T_LM1_L, hash::mix(lower(m1, BOS), x.lower)));
        out.push(feat(
            T_S3,
            hash::mix(hash::mix(short(m1, BOS), x.short), short(p1, EOS)),
        ));
        let capital = matches!(
            x.case,
            Case::Title | Case::Upper | Case::Initial | Case::Mixed
        );
        push_bits(out, T_LEX, x.lex, u64::from(capital));
        if let Some(y) = m1 {
            push_bits(out, T_LEX_M1, y.lex, 0);
        }
        if let Some(y) = p1 {
            push_bits(out, T_LEX_P1, y.lex, 0);
        }
        push_bits(out, T_PHRASE_B, x.phrase_start, 0);
        push_bits(out, T_PHRASE_I, x.phrase_inside, 0);
        out.push(feat(T_KB, u64::from(x.kb)));
        out.push(feat(T_KB_M1, m1.map_or(99, |y| u64::from(y.kb))));
        out.push(feat(T_KB_P1, p1.map_or(99, |y| u64::from(y.kb))));
        // Where case proves little (first word, headlines), how the rest of the text
        // writes the word.
        if capital && (first || s.mode != Mode::Prose) {
            let low = self.seen_lower.binary_search(&x.lower).is_ok();
            let cap = self.seen_capital.binary_search(&x.lower).is_ok();
            out.push(feat(
                T_DOC,
                u64::from(low) | (u64::from(cap) << 1) | (mode << 2),
            ));
        }
    }
}

fn push_bits(out: &mut Vec<u64>, template: u64, bits: u16, extra: u64) {
    let mut b = bits & flag::LISTS;
    while b != 0 {
        let n = b.trailing_zeros();
        out.push(feat(template, u64::from(n) | (extra << 8)));
        b &= b - 1;
    }
}

fn kind_code(k: EntityKind) -> u8 {
    match k {
        EntityKind::Organization => 0,
        EntityKind::Person => 1,
        EntityKind::Location => 2,
        EntityKind::Regulator => 3,
        EntityKind::Product => 4,
    }
}

/// The case of `w`, and whether it counts as capitalised (a capital letter, or
/// digits glued to letters: "3M").
fn case_of(w: &str, class: Class) -> (Case, bool) {
    let (mut up, mut low, mut digits) = (0usize, 0usize, 0usize);
    let mut first_up = false;
    for (n, c) in w.chars().enumerate() {
        if c.is_uppercase() {
            up += 1;
            first_up |= n == 0;
        } else if c.is_lowercase() {
            low += 1;
        } else if c.is_ascii_digit() {
            digits += 1;
        }
    }
    let letters = up + low;
    let case = if letters == 0 {
        Case::None
    } else if up == 0 {
        Case::Lower
    } else if low == 0 && up == 1 {
        Case::Initial
    } else if low == 0 {
        Case::Upper
    } else if first_up && up <= 2 {
        Case::Title
    } else {
        Case::Mixed
    };
    (
        case,
        up > 0 || (digits > 0 && letters > 0 && class == Class::Word),
    )
}

/// The facts of a token far from any capital: only what sentence modes and the
/// document's lower-case words need.
fn light_info(w: &str, class: Class, kb: u8) -> Info {
    let (case, capital) = case_of(w, class);
    let lower_word = case == Case::Lower;
    Info {
        word: 0,
        lower: if lower_word { lexicon::word_key(w) } else { 0 },
        shape: 0,
        short: 0,
        affixes: [0; 6],
        lex: 0,
        phrase_start: 0,
        phrase_inside: 0,
        kb,
        case,
        capital,
        exempt: lower_word && w.len() <= 4 && TITLE_EXEMPT.contains(&w),
    }
}

/// Completes `x` (from [`light_info`]) for a token near a capital. `lower` is a
/// scratch buffer.
fn fill_info(x: &mut Info, w: &str, class: Class, lex: &Lexicon<'_>, lower: &mut String) {
    lower.clear();
    for c in w.chars() {
        if c.is_ascii() {
            lower.push(c.to_ascii_lowercase());
        } else {
            lower.extend(c.to_lowercase());
        }
    }
    let key = lexicon::word_key(lower);
    let (shape, short) = shapes(w);
    x.word = hash::bytes(0x776f_7264, w.as_bytes());
    x.lower = key;
    x.shape = shape;
    x.short = short ^ (class as u64) << 60;
    x.affixes = affixes(lower);
    x.lex = if x.case != Case::Lower {
        lex.get(key)
    } else {
        0
    };
    x.exempt = lower.len() <= 4 && TITLE_EXEMPT.contains(&lower.as_str());
}

/// The word's shape ("Xxxx", runs capped at four) and short shape ("Xx"), hashed.
fn shapes(w: &str) -> (u64, u64) {
    let mut full = [0u8; 24];
    let mut short = [0u8; 12];
    let (mut nf, mut ns) = (0, 0);
    let (mut last, mut run) = (0u8, 0);
    for c in w.chars() {
        let s = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'*'
        };
        if s == last {
            run += 1;
        } else {
            run = 1;
            if ns < short.len() {
                short[ns] = s;
                ns += 1;
            }
        }
        if run <= 4 && nf < full.len() {
            full[nf] = s;
            nf += 1;
        }
        last = s;
    }
    (
        hash::bytes(0x0073_6861_7065, &full[..nf]),
        hash::bytes(0x0073_686f_7274, &short[..ns]),
    )
}

/// Prefixes of one to three characters and suffixes of two to four, hashed.
fn affixes(lower: &str) -> [u64; 6] {
    let mut out = [0u64; 6];
    // Where the prefixes of one, two and three characters end (the whole word if
    // shorter), and where the last one to four characters start (0 if shorter),
    // found without collecting the word's character offsets.
    let mut ends = [lower.len(); 3];
    for (e, (i, _)) in ends.iter_mut().zip(lower.char_indices().skip(1)) {
        *e = i;
    }
    let mut starts = [0usize; 4];
    for (s, (i, _)) in starts.iter_mut().zip(lower.char_indices().rev()) {
        *s = i;
    }
    for (k, len) in [1usize, 2, 3].into_iter().enumerate() {
        out[k] = hash::bytes(0x0070_7265 + len as u64, &lower.as_bytes()[..ends[k]]);
    }
    for (k, len) in [2usize, 3, 4].into_iter().enumerate() {
        let start = starts[len - 1];
        out[3 + k] = hash::bytes(0x0073_7566 + len as u64, &lower.as_bytes()[start..]);
    }
    out
}

/// Marks gazetteer phrases ("New York", "Rio de Janeiro"): the longest one starting
/// at each capitalised token that starts one.
fn phrases(tokens: &[Token], info: &mut [Info], lex: &Lexicon<'_>) {
    let mut i = 0;
    while i < info.len() {
        if info[i].lex & flag::PHRASE_START == 0 {
            i += 1;
            continue;
        }
        let mut key = lexicon::phrase_key(None, info[i].lower);
        let mut best: Option<(usize, u16)> = None;
        for j in i + 1..(i + lexicon::MAX_PHRASE).min(info.len()) {
            if tokens[j].start > tokens[j - 1].end + 1 {
                break;
            }
            key = lexicon::phrase_key(Some(key), info[j].lower);
            let f = lex.get(key);
            if f & flag::LISTS != 0 {
                best = Some((j, f & flag::LISTS));
            }
        }
        match best {
            Some((last, f)) => {
                info[i].phrase_start |= f;
                for x in &mut info[i + 1..=last] {
                    x.phrase_inside |= f;
                }
                i = last + 1;
            }
            None => i += 1,
        }
    }
}

/// The tokens of each sentence range, and how each sentence is written.
fn split(tokens: &[Token], info: &[Info], sentences: &[Range<usize>]) -> Vec<Sentence> {
    let mut out = Vec::with_capacity(sentences.len());
    let mut t = 0;
    for r in sentences {
        while t < tokens.len() && tokens[t].start < r.start {
            t += 1;
        }
        let first = t;
        while t < tokens.len() && tokens[t].start < r.end {
            t += 1;
        }
        if t > first {
            out.push(Sentence {
                tokens: first..t,
                mode: mode(&info[first..t]),
            });
        }
    }
    out
}

/// Title Case when four or more words that a headline would capitalise are at least
/// four-fifths capitalised; Caps when three or more words are at least four-fifths
/// all capitals.
fn mode(info: &[Info]) -> Mode {
    let (mut words, mut upper, mut titled, mut capital) = (0usize, 0usize, 0usize, 0usize);
    for x in info {
        if x.case == Case::None {
            continue;
        }
        words += 1;
        upper += usize::from(x.case == Case::Upper);
        if !x.exempt {
            titled += 1;
            capital += usize::from(x.case != Case::Lower);
        }
    }
    if words >= 3 && upper * 5 >= words * 4 {
        Mode::Caps
    } else if titled >= 4 && capital * 5 >= titled * 4 {
        Mode::Title
    } else {
        Mode::Prose
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affixes_are_the_characters_at_each_end() {
        // The model's weights sit under these hashes: cut by characters, not bytes,
        // the whole word when it is shorter than the affix.
        let want = |lower: &str| -> [u64; 6] {
            let chars: Vec<char> = lower.chars().collect();
            let n = chars.len();
            let pre = |len: usize| chars[..len.min(n)].iter().collect::<String>();
            let suf = |len: usize| chars[n - len.min(n)..].iter().collect::<String>();
            [
                hash::bytes(0x0070_7265 + 1, pre(1).as_bytes()),
                hash::bytes(0x0070_7265 + 2, pre(2).as_bytes()),
                hash::bytes(0x0070_7265 + 3, pre(3).as_bytes()),
                hash::bytes(0x0073_7566 + 2, suf(2).as_bytes()),
                hash::bytes(0x0073_7566 + 3, suf(3).as_bytes()),
                hash::bytes(0x0073_7566 + 4, suf(4).as_bytes()),
            ]
        };
        for w in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "kraków",
            "é",
            "日本語",
            "ça-va",
        ] {
            assert_eq!(affixes(w), want(w), "{w:?}");
        }
        assert_ne!(affixes("obama")[0], affixes("obama")[1]);
    }
}
