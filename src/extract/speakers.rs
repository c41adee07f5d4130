//! Who said a quotation. First match wins: after the quote ("…”, said X", "…,” X
//! said", "…” according to X", "“…” X said." as a short next sentence); before it in
//! the same sentence ("X said …“…”", "X says that …", "According to X, …", "X, the
//! CEO of Y, said …"); for a quote that opens its sentence, the speech verb of the
//! previous sentence ("In a reaction, X announces … . “…”"). X is an entity mention,
//! a role ("the president" → the last person whose roles include it, else the most
//! mentioned one), a generic noun ("the company" → the last organisation, else
//! product), or a pronoun ("he" → the last person).

use std::ops::Range;

use super::catalog::Catalog;
use super::entities::is_word_char;
use super::quotes::{Mentioned, Raw};
use super::segment::Segments;
use crate::model::EntityKind;

/// Verbs that introduce speech (lower case).
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "announced",
    "announces",
    "added",
    "adds",
    "stated",
    "wrote",
    "writes",
    "explained",
    "explains",
    "warned",
    "warns",
    "argued",
    "argues",
    "claimed",
    "claims",
    "insisted",
    "insists",
    "noted",
    "notes",
    "declared",
    "declares",
    "replied",
    "replies",
    "responded",
    "responds",
    "commented",
    "comments",
    "confirmed",
    "confirms",
    "tweeted",
    "tweets",
    "posted",
    "stressed",
    "stresses",
    "emphasised",
    "emphasized",
    "asked",
    "asks",
    "answered",
    "acknowledged",
    "admitted",
    "admits",
    "concluded",
    "suggested",
    "predicted",
    "reacted",
    "reacts",
    "promised",
    "promises",
    "vowed",
    "vows",
    "complained",
    "complains",
    "accused",
    "accuses",
    "called",
    "calls",
    "described",
    "describes",
    "dubbed",
];

/// Words that may stand between a speaker and its verb ("TikTok yesterday announced",
/// "Trump has said").
const FILLERS: &[&str] = &[
    "yesterday",
    "today",
    "also",
    "further",
    "then",
    "later",
    "earlier",
    "previously",
    "has",
    "had",
    "have",
    "once",
    "again",
    "now",
    "already",
    "repeatedly",
    "publicly",
    "reportedly",
    "recently",
    "however",
    "himself",
    "herself",
    "itself",
    "on",
    "in",
    "twitter",
    "x",
    "statement",
    "a",
    "an",
    "the",
    "interview",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "’s",
    "'s",
];

/// Nouns that carry someone's words: "a statement from X", "a spokesperson for X".
const CARRIERS: &[&str] = &[
    "statement",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "representative",
    "release",
    "post",
    "filing",
    "letter",
    "memo",
    "email",
    "note",
];

/// Nouns that refer back to the last organisation or product.
const ORG_NOUNS: &[&str] = &[
    "company",
    "firm",
    "group",
    "giant",
    "business",
    "maker",
    "owner",
    "corporation",
    "conglomerate",
    "operator",
    "parent",
];
/// Nouns that refer back to the last product.
const PRODUCT_NOUNS: &[&str] = &["app", "platform", "service", "network"];
/// Nouns that refer back to the last regulator.
const REGULATOR_NOUNS: &[&str] = &[
    "regulator",
    "watchdog",
    "authority",
    "agency",
    "commission",
    "commissioner",
];

/// A word of the text: its range and text.
#[derive(Debug, Clone)]
struct Word<'t> {
    range: Range<usize>,
    text: &'t str,
}

impl Word<'_> {
    /// Equal to `w`, ASCII case ignored.
    fn is(&self, w: &str) -> bool {
        self.text.eq_ignore_ascii_case(w)
    }

    /// Equal to one of `list`, ASCII case ignored.
    fn is_one_of(&self, list: &[&str]) -> bool {
        list.iter().any(|w| self.is(w))
    }
}

/// The words (and possessive markers) of `text[r]`.
fn words(text: &str, r: Range<usize>) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let s = &text[r.clone()];
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        let w = is_word_char(c) || (start.is_some() && (c == '.' || c == '-'));
        match (w, start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                let word = s[st..i].trim_end_matches('.');
                let end = st + word.len();
                out.push(Word {
                    range: r.start + st..r.start + end,
                    text: word,
                });
                start = None;
            }
            _ => {}
        }
        if matches!(c, '’' | '\'') && s[i + c.len_utf8()..].starts_with('s') {
            out.push(Word {
                range: r.start + i..r.start + i + c.len_utf8() + 1,
                text: &s[i..i + c.len_utf8() + 1],
            });
        }
    }
    // A possessive "s" was also read as a word after its marker: drop it.
    let mut cleaned: Vec<Word> = Vec::with_capacity(out.len());
    for w in out {
        if w.text == "s"
            && cleaned
                .last()
                .is_some_and(|p: &Word| p.text.ends_with('s') && p.range.end == w.range.start)
        {
            continue;
        }
        cleaned.push(w);
    }
    cleaned.sort_by_key(|w| w.range.start);
    cleaned
}

pub(crate) struct Ctx<'a> {
    cat: &'a Catalog<'a>,
    text: &'a str,
    seg: &'a Segments,
    mentions: &'a [Mentioned],
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        cat: &'a Catalog<'a>,
        text: &'a str,
        seg: &'a Segments,
        mentions: &'a [Mentioned],
    ) -> Self {
        Ctx {
            cat,
            text,
            seg,
            mentions,
        }
    }

    fn kind(&self, m: &Mentioned) -> EntityKind {
        self.cat.kind(m.entity)
    }

    /// The entity that said `q`, if the text names one.
    pub(crate) fn speaker(&self, q: &Raw) -> Option<u32> {
        self.after(q)
            .or_else(|| self.before_in_sentence(q))
            .or_else(|| self.previous_sentence(q))
    }

    /// "…”, said X" / "…,” X said" / "…” according to X".
    fn after(&self, q: &Raw) -> Option<u32> {
        let sentence_end = self.seg.sentence_of(q.close_end).end.max(q.close_end);
        let end = (q.close_end + 200).min(sentence_end).min(self.text.len());
        let rest = self.text.get(q.close_end..end)?;
        let skipped = rest.len() - rest.trim_start_matches([',', '.', ' ', '\u{a0}']).len();
        let mut ws = words(self.text, q.close_end + skipped..end);
        if ws.is_empty() {
            // "“We will win.” Trump said.": a short next sentence that only attributes.
            let next = self.seg.sentence_index(q.close_end).map(|i| i + 1)?;
            let r = self.seg.sentences().get(next)?.clone();
            ws = words(self.text, r);
            let verb = ws.iter().position(|w| w.is_one_of(SPEECH_VERBS));
            if ws.len() > 6 || verb.is_none_or(|v| v + 1 < ws.len() && v != 0) {
                return None;
            }
            return match verb? {
                0 => self.np_after(&ws[1..], q.open),
                v => self.np_before(&ws[..v], q.open),
            };
        }
        let first = ws.first()?;
        if first.range.start != q.close_end + skipped {
            return None;
        }
        if first.is("according") && ws.get(1).is_some_and(|w| w.is("to")) {
            return self.np_after(&ws[2..], q.open);
        }
        if first.is_one_of(SPEECH_VERBS) {
            return self.np_after(&ws[1..], q.open);
        }
        // "X said": a subject, then the verb within a few words.
        let verb = ws.iter().take(6).position(|w| w.is_one_of(SPEECH_VERBS))?;
        self.np_before(&ws[..verb], q.open)
            .or_else(|| self.appositive_subject(ws[verb].range.start))
    }

    /// "X said …“…”" / "According to X, “…”" within the quote's sentence.
    fn before_in_sentence(&self, q: &Raw) -> Option<u32> {
        let s = self.seg.sentence_of(q.open);
        let start = s.start.min(q.open);
        self.speech_in(start..q.open, q.open)
    }

    /// For a quote that opens its sentence: the speaker of the previous sentence.
    fn previous_sentence(&self, q: &Raw) -> Option<u32> {
        let i = self.seg.sentence_index(q.open)?;
        let s = &self.seg.sentences()[i];
        let lead = self.text.get(s.start.min(q.open)..q.open)?;
        if lead.chars().any(char::is_alphanumeric) {
            return None;
        }
        let prev = self.seg.sentences().get(i.checked_sub(1)?)?;
        self.speech_in(prev.clone(), q.open)
    }

    /// The subject of the last speech verb in `r`.
    fn speech_in(&self, r: Range<usize>, before: usize) -> Option<u32> {
        let ws = words(self.text, r);
        for (i, w) in ws.iter().enumerate().rev() {
            if w.is("according") && ws.get(i + 1).is_some_and(|t| t.is("to")) {
                if let Some(e) = self.np_after(&ws[i + 2..], before) {
                    return Some(e);
                }
            }
            if w.is_one_of(SPEECH_VERBS) {
                if let Some(e) = self
                    .np_before(&ws[..i], before)
                    .or_else(|| self.appositive_subject(w.range.start))
                {
                    return Some(e);
                }
            }
        }
        None
    }

    /// The speaker named just before a verb: an entity mention ending there (a few
    /// filler words allowed in between), a role or generic noun, or a pronoun.
    fn np_before(&self, ws: &[Word<'_>], before: usize) -> Option<u32> {
        let mut k = ws.len();
        for _ in 0..=3 {
            let w = ws.get(k.checked_sub(1)?)?;
            if let Some(m) = self.mention_ending(w.range.end) {
                return Some(m.entity);
            }
            if let Some(e) = self.reference(&ws[..k], before) {
                return Some(e);
            }
            if !w.is_one_of(FILLERS) {
                return None;
            }
            k -= 1;
        }
        None
    }

    /// "Mike Pompeo, the US secretary of state, said": the mention before a comma
    /// pair that ends just before the verb.
    fn appositive_subject(&self, verb_start: usize) -> Option<u32> {
        let pre = self.text.get(..verb_start)?.trim_end();
        let inner = pre.strip_suffix(',')?;
        let window = inner.len().saturating_sub(120);
        let comma = inner.get(window..)?.rfind(',')? + window;
        let appositive = &inner[comma + 1..];
        if appositive.contains(['.', ';', '“', '”', '"']) {
            return None;
        }
        let end = inner[..comma].trim_end().len();
        self.mention_ending(end).map(|m| m.entity)
    }

    /// The speaker named just after a verb: "said Trump", "said the president",
    /// "said a TikTok spokesperson".
    fn np_after(&self, ws: &[Word<'_>], before: usize) -> Option<u32> {
        let mut i = 0;
        while ws.get(i).is_some_and(|w| w.is_one_of(&["the", "a", "an"])) {
            i += 1;
        }
        // "according to a statement from Telegram", "said a spokesperson for Meta".
        if ws.get(i).is_some_and(|w| w.is_one_of(CARRIERS))
            && ws
                .get(i + 1)
                .is_some_and(|w| w.is_one_of(&["from", "by", "of", "for", "at"]))
        {
            i += 2;
            while ws.get(i).is_some_and(|w| w.is_one_of(&["the", "a", "an"])) {
                i += 1;
            }
        }
        let w = ws.get(i)?;
        if let Some(m) = self.mention_starting(w.range.start) {
            return Some(m.entity);
        }
        // "the president", "the company", "the US president" …
        let phrase = &ws[..(i + 3).min(ws.len())];
        for n in (1..=phrase.len()).rev() {
            if let Some(e) = self.reference(&phrase[..n], before) {
                return Some(e);
            }
        }
        None
    }

    /// The mention ending at `end` (mentions are sorted by start; only nested ones
    /// overlap, so it is among the last few starting before `end`).
    fn mention_ending(&self, end: usize) -> Option<&Mentioned> {
        let k = self.mentions.partition_point(|m| m.start < end);
        self.mentions[..k]
            .iter()
            .rev()
            .take(4)
            .find(|m| m.end == end)
    }

    fn mention_starting(&self, start: usize) -> Option<&Mentioned> {
        let k = self.mentions.partition_point(|m| m.start < start);
        self.mentions[k..]
            .iter()
            .take_while(|m| m.start == start)
            .last()
    }

    /// Mentions starting before `before`, nearest first.
    fn prior(&self, before: usize) -> impl Iterator<Item = &Mentioned> {
        let k = self.mentions.partition_point(|m| m.start < before);
        self.mentions[..k].iter().rev()
    }

    /// A role, generic noun or pronoun at the end of `ws`, resolved to the entity it
    /// refers back to (from mentions before `before`).
    fn reference(&self, ws: &[Word<'_>], before: usize) -> Option<u32> {
        let last_word = ws.last()?;
        let last = last_word.text.to_ascii_lowercase();
        let last = last.as_str();
        let prior = || self.prior(before);
        match last {
            "he" | "she" | "him" | "her" => {
                return prior()
                    .find(|m| self.kind(m) == EntityKind::Person)
                    .map(|m| m.entity);
            }
            "it" => {
                return prior()
                    .find(|m| {
                        matches!(
                            self.kind(m),
                            EntityKind::Organization | EntityKind::Product | EntityKind::Regulator
                        )
                    })
                    .map(|m| m.entity);
            }
            _ => {}
        }
        // Nouns count only after a determiner ("the company", "the US president").
        let has_det = ws
            .iter()
            .rev()
            .take(3)
            .any(|w| w.is_one_of(&["the", "a", "an", "its", "their"]));
        if !has_det {
            return None;
        }
        if ORG_NOUNS.contains(&last) {
            // An organisation if one was named, else a product acting as a company.
            return prior()
                .find(|m| self.kind(m) == EntityKind::Organization)
                .or_else(|| prior().find(|m| self.kind(m) == EntityKind::Product))
                .map(|m| m.entity);
        }
        if PRODUCT_NOUNS.contains(&last) {
            return prior()
                .find(|m| self.kind(m) == EntityKind::Product)
                .map(|m| m.entity);
        }
        if REGULATOR_NOUNS.contains(&last) {
            return prior()
                .find(|m| self.kind(m) == EntityKind::Regulator)
                .map(|m| m.entity);
        }
        self.role(ws, before)
    }

    /// "the president", "the prime minister", "the chief executive": the last person
    /// before the quote whose roles include it, else the most mentioned such person.
    fn role(&self, ws: &[Word<'_>], before: usize) -> Option<u32> {
        let n = ws.len();
        let one = ws[n - 1].text.to_lowercase();
        let two = (n >= 2).then(|| format!("{} {one}", ws[n - 2].text.to_lowercase()));
        let has_role = |e: u32| {
            let roles = self.cat.roles(e);
            roles.contains(&one) || two.as_ref().is_some_and(|t| roles.contains(t))
        };
        let persons = || {
            self.mentions
                .iter()
                .filter(|m| self.kind(m) == EntityKind::Person && has_role(m.entity))
        };
        if let Some(m) = self
            .prior(before)
            .find(|m| self.kind(m) == EntityKind::Person && has_role(m.entity))
        {
            return Some(m.entity);
        }
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for m in persons() {
            match counts.iter_mut().find(|(e, _)| *e == m.entity) {
                Some((_, c)) => *c += 1,
                None => counts.push((m.entity, 1)),
            }
        }
        counts.into_iter().max_by_key(|&(_, c)| c).map(|(e, _)| e)
    }
}
