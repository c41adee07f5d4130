//! Names the knowledge base does not know: people and organisations found from the
//! shape of the text, with a lower confidence than knowledge-base matches.
//!
//! One pass splits the text into words and groups capitalised words (joined by single
//! spaces and connectors such as "of", "and", "von") into runs. A run becomes:
//! - an organisation when it ends in an organisation word ("Wiz Inc", "Kenya Revenue
//!   Authority" — a regulator when the name says so, "… Supervisory Authority") or
//!   starts with one followed by "of"/"for" ("University of Oxford");
//! - a place after "the city of", "the port of" …;
//! - an organisation, product or regulator after a noun that says so ("the
//!   electricity company Endesa", "the messaging app Threema");
//! - a person after a title or role ("minister Zulkifli Hasan", "Chief Financial
//!   Officer Arno Antlitz", "Mr Elhedery"), when it starts with a common given name
//!   ("Rebecca Vincent"), when an appositive with a role follows ("Ngozi
//!   Okonjo-Iweala, the director-general of …"), or next to a speech verb.
//!
//! Runs that the knowledge base already names are left alone; a knowledge-base match
//! other than a place inside a new organisation's name ("Apple" in "Washington Apple
//! Commission") is withdrawn. Later bare surnames ("Elhedery") and names without
//! their legal suffix ("Wiz" for "Wiz Inc") are mentions of the same entity. In
//! headlines written in title case only organisation words count.

mod dateline;
mod lists;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::ops::Range;

use super::entities::index::Fnv;

use crate::model::EntityKind;

/// A name the knowledge base does not know.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unknown {
    /// Generated id: `<kind>/<slug of the name>` (never a valid knowledge-base id).
    pub(crate) id: String,
    /// The name as first written.
    pub(crate) name: String,
    /// What it is.
    pub(crate) kind: EntityKind,
    /// How sure the evidence makes it.
    pub(crate) confidence: f32,
}

/// One mention of an unknown name: byte range and index into the unknowns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnknownMention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) unknown: usize,
}

/// A knowledge-base mention as this stage sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: EntityKind,
}

/// What [`Names::find`] returns.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) unknowns: Vec<Unknown>,
    pub(crate) mentions: Vec<UnknownMention>,
    /// Indices (into the known mentions given) to withdraw.
    pub(crate) withdrawn: Vec<usize>,
}

/// A set of words with a fast fixed hash.
type Words = HashSet<&'static str, BuildHasherDefault<Fnv>>;

/// The word lists, as sets; built once per extractor.
#[derive(Debug)]
pub(crate) struct Names {
    org_suffixes: Words,
    org_prefixes: Words,
    regulator_words: Words,
    regulator_heads: Words,
    titles: Words,
    honorifics: Words,
    place_nouns: Words,
    org_nouns: Words,
    product_nouns: Words,
    regulator_nouns: Words,
    not_person_last: Words,
    place_last: Words,
    laws: Words,
    common_acronyms: Words,
    law_last: Words,
    stopwords: Words,
    connectors: Words,
    given: Words,
    speech: Words,
}

/// A word of the text (also read by `describe`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub(crate) start: usize,
    /// End of the word without a possessive "'s".
    pub(crate) end: usize,
    /// Starts with an upper-case letter.
    pub(crate) cap: bool,
    /// Ends in a possessive ("ICO's"): a name ends here.
    pub(crate) possessive: bool,
}

fn set(words: &[&'static str]) -> Words {
    words.iter().copied().collect()
}

/// Speech verbs next to which a two- or three-word run is a person.
const SPEECH: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "warned",
    "noted",
    "wrote",
    "argued",
    "explained",
    "stated",
    "asked",
    "tweeted",
    "insisted",
    "admitted",
    "announced",
    "confirmed",
];

impl Names {
    /// Builds the sets.
    pub(crate) fn new() -> Self {
        Names {
            org_suffixes: set(lists::ORG_SUFFIXES),
            org_prefixes: set(lists::ORG_PREFIXES),
            regulator_words: set(lists::REGULATOR_WORDS),
            regulator_heads: set(lists::REGULATOR_HEADS),
            titles: set(lists::TITLES),
            honorifics: set(lists::HONORIFICS),
            place_nouns: set(lists::PLACE_NOUNS),
            org_nouns: set(lists::ORG_NOUNS),
            product_nouns: set(lists::PRODUCT_NOUNS),
            regulator_nouns: set(lists::REGULATOR_NOUNS),
            not_person_last: set(lists::NOT_PERSON_LAST),
            place_last: set(lists::PLACE_LAST),
            laws: set(lists::LAWS),
            common_acronyms: set(lists::COMMON_ACRONYMS),
            law_last: set(lists::LAW_LAST),
            stopwords: set(lists::STOPWORDS),
            connectors: set(lists::CONNECTORS),
            given: set(lists::GIVEN_NAMES),
            speech: set(SPEECH),
        }
    }

    /// Finds the unknown names of `text`, given the knowledge-base mentions (sorted by
    /// start) and the sentences.
    pub(crate) fn find(&self, text: &str, sentences: &[Range<usize>], known: &[Known]) -> Found {
        let toks = tokenize(text);
        let known_ends: HashSet<usize> = known.iter().map(|k| k.end).collect();
        let mut st = State {
            text,
            toks: &toks,
            known,
            reach: known
                .iter()
                .scan(0, |far, m| {
                    *far = (*far).max(m.end);
                    Some(*far)
                })
                .collect(),
            found: Found::default(),
            by_name: HashMap::new(),
            short_forms: Vec::new(),
            surnames: HashMap::new(),
            sentences,
            headlines: vec![Cell::new(None); sentences.len()],
        };
        let datelines = self.datelines(&mut st);
        let mut i = 0;
        while i < toks.len() {
            if datelines
                .iter()
                .any(|&(s, e)| s <= toks[i].start && toks[i].start < e)
            {
                i += 1;
                continue;
            }
            if !self.starts_run(text, &toks[i]) {
                i += 1;
                continue;
            }
            let end = self.run_end(text, &toks, i, &known_ends);
            self.judge_run(&mut st, i, end);
            i = end;
        }
        self.later_mentions(&mut st);
        let mut found = st.found;
        found.mentions.sort_by_key(|m| (m.start, m.end));
        found.mentions.dedup();
        found.withdrawn.sort_unstable();
        found.withdrawn.dedup();
        found
    }

    /// The places of the datelines that open the first paragraphs ("WASHINGTON (AP)
    /// —"), added as places named in title case ("Tifton" for "TIFTON", so that the
    /// story's later "Tifton" is the same place); returns their spans.
    fn datelines(&self, st: &mut State<'_>) -> Vec<(usize, usize)> {
        let text = st.text;
        let starts = std::iter::once(0).chain(text.match_indices("\n\n").map(|(i, _)| i + 2));
        let mut out = Vec::new();
        for at in starts.take(3) {
            let Some((s, e)) = dateline::at(text, at) else {
                continue;
            };
            if st.overlaps_known(s, e) {
                continue;
            }
            st.add(s, e, EntityKind::Location, 0.5, None);
            if let Some(&u) = st.by_name.get(&text[s..e]) {
                // Named as written by `add` when new: renamed in title case.
                let titled = title_case(&text[s..e]);
                let place = &mut st.found.unknowns[u];
                if place.name == text[s..e] {
                    place.id = format!("location/{}", slug(&titled));
                    place.name = titled.clone();
                }
                st.by_name.insert(titled, u);
            }
            out.push((s, e));
        }
        out
    }

    fn word<'t>(text: &'t str, t: &Tok) -> &'t str {
        &text[t.start..t.end]
    }

    fn starts_run(&self, text: &str, t: &Tok) -> bool {
        t.cap && !self.stopwords.contains(Self::word(text, t))
    }

    /// One past the last token of the run starting at `i`.
    fn run_end(&self, text: &str, toks: &[Tok], i: usize, known_ends: &HashSet<usize>) -> usize {
        let mut j = i;
        loop {
            if toks[j].possessive {
                return j + 1;
            }
            // The next capitalised word, possibly after connectors.
            let mut k = j + 1;
            while k < toks.len()
                && joined(text, &toks[k - 1], &toks[k])
                && !toks[k].cap
                && self.connects(text, toks, j, k, known_ends)
                && k - j <= 3
            {
                k += 1;
            }
            if k < toks.len()
                && joined(text, &toks[k - 1], &toks[k])
                && self.starts_run(text, &toks[k])
            {
                j = k;
            } else {
                return j + 1;
            }
        }
    }

    /// Whether token `k` (after the run's token `j`, with connectors between) may join
    /// two parts of a name: "of", "for", "von"…; "the" only after "of"/"for"/"on"; "and"
    /// and "&" not after a complete name ("Tencent Holdings Ltd and the …").
    fn connects(
        &self,
        text: &str,
        toks: &[Tok],
        j: usize,
        k: usize,
        known_ends: &HashSet<usize>,
    ) -> bool {
        let w = Self::word(text, &toks[k]);
        if !self.connectors.contains(w) {
            return false;
        }
        match w {
            "the" => k > j + 1 && matches!(Self::word(text, &toks[k - 1]), "of" | "for" | "on"),
            "and" | "&" => {
                k == j + 1
                    && !self.org_suffixes.contains(Self::word(text, &toks[j]))
                    && !known_ends.contains(&toks[j].end)
            }
            _ => true,
        }
    }

    fn judge_run(&self, st: &mut State<'_>, i: usize, end: usize) {
        let text = st.text;
        let toks = st.toks;
        let headline = st.is_headline(toks[i].start);
        // A law ("the Digital Services Act") names no organisation inside it.
        if end - i >= 2 && self.law_last.contains(Self::word(text, &toks[end - 1])) {
            return;
        }
        // Organisation: the run up to its last organisation word.
        let suffix = (i + 1..end)
            .rev()
            .find(|&k| self.org_suffixes.contains(Self::word(text, &toks[k])));
        let prefixed = end - i >= 3
            && self.org_prefixes.contains(Self::word(text, &toks[i]))
            && matches!(Self::word(text, &toks[i + 1]), "of" | "for");
        if let Some(last) = suffix.or(prefixed.then_some(end - 1)) {
            let stop = if suffix.is_some() && self.of_place_follows(text, toks, last, end) {
                end
            } else {
                last + 1
            };
            self.organisation(st, i, stop, suffix.is_some());
            return;
        }
        // Place: "the city of X".
        if let Some(prev) = i.checked_sub(2) {
            let of = Self::word(text, &toks[i - 1]);
            let noun = Self::word(text, &toks[prev]);
            if of == "of"
                && joined(text, &toks[prev], &toks[i - 1])
                && joined(text, &toks[i - 1], &toks[i])
                && in_lower(&self.place_nouns, noun)
                && end - i <= 3
                && !st.overlaps_known(toks[i].start, toks[end - 1].end)
            {
                st.add(
                    toks[i].start,
                    toks[end - 1].end,
                    EntityKind::Location,
                    0.5,
                    None,
                );
                return;
            }
        }
        if headline {
            return;
        }
        if self.described(st, i, end) {
            return;
        }
        self.person(st, i, end);
    }

    /// "the electricity company Endesa", "the messaging app Signal", "Norway's
    /// regulator Datatilsynet": a noun that says what the following name is.
    fn described(&self, st: &mut State<'_>, i: usize, end: usize) -> bool {
        let text = st.text;
        let toks = st.toks;
        let Some(b) = i.checked_sub(1) else {
            return false;
        };
        if !joined(text, &toks[b], &toks[i]) || toks[b].cap || end - i > 4 {
            return false;
        }
        let noun = Self::word(text, &toks[b]);
        let kind = if in_lower(&self.org_nouns, noun) {
            EntityKind::Organization
        } else if in_lower(&self.product_nouns, noun) {
            EntityKind::Product
        } else if in_lower(&self.regulator_nouns, noun) {
            EntityKind::Regulator
        } else {
            return false;
        };
        let (start, stop) = (toks[i].start, toks[end - 1].end);
        if st.overlaps_known(start, stop) {
            return true;
        }
        let words_ok = (i..end).all(|k| {
            let w = Self::word(text, &toks[k]);
            looks_like_name_word(w, &self.connectors) && !self.not_person_last.contains(w)
        });
        if words_ok && !self.connectors.contains(Self::word(text, &toks[end - 1])) {
            st.add(start, stop, kind, 0.5, None);
        }
        true
    }

    fn organisation(&self, st: &mut State<'_>, i: usize, end: usize, suffixed: bool) {
        let text = st.text;
        let toks = st.toks;
        let (start, stop) = (toks[i].start, toks[end - 1].end);
        // Known as a whole, or a known company with a legal suffix ("Tencent Holdings
        // Ltd"): nothing new.
        let inside: Vec<usize> = st.known_within(start, stop);
        if inside.iter().any(|&k| {
            let m = &st.known[k];
            (m.start == start && m.kind != EntityKind::Location)
                || (m.start <= start && m.end >= stop)
        }) {
            return;
        }
        if st.overlaps_known_partially(start, stop) {
            return;
        }
        let words: Vec<&str> = (i..end).map(|k| Self::word(text, &toks[k])).collect();
        let head = words.last().copied().unwrap_or_default();
        let kind = self.organisation_kind(&words);
        for &k in &inside {
            if st.known[k].kind != EntityKind::Location {
                st.found.withdrawn.push(k);
            }
        }
        // The name without its legal suffix is a later short form ("Wiz" for "Wiz Inc").
        let short = (suffixed && end - i >= 2 && is_legal_suffix(head))
            .then(|| text[start..toks[end - 2].end].to_string());
        st.add(start, stop, kind, 0.6, short);
    }

    /// Whether the run goes on after the organisation word at `last` with "of", "on" or
    /// "for" and up to six words, capitalised or joining ("and", "the", "of"), which
    /// then belong to the name ("Communications Authority of Kenya", "National
    /// Commission for Information Technology and Civil Liberties", "Commission on
    /// Human Rights"). Not after a legal suffix ("Wiz Inc of Israel" is the company,
    /// then where it is).
    fn of_place_follows(&self, text: &str, toks: &[Tok], last: usize, end: usize) -> bool {
        let word = |k: usize| Self::word(text, &toks[k]);
        last + 2 < end
            && end - (last + 2) <= 6
            && matches!(word(last + 1), "of" | "on" | "for")
            && !is_legal_suffix(word(last))
            && toks[end - 1].cap
            && (last + 2..end).all(|k| {
                matches!(word(k), "and" | "the" | "of")
                    || (toks[k].cap && !self.connectors.contains(word(k)))
            })
    }

    /// What a name the tagger labelled `kind` is, from its words and the word after
    /// it (`next`). A law ("GDPR", "the Digital Services Act", also when the tagger
    /// left "Act" out), a common acronym ("AI", "GMV"), a fragment (a lone Roman
    /// numeral or particle: "II", "San") or a name cut short ("The University of") is
    /// none of the kinds (None). An organisation ending in a place's last word is a
    /// place ("Maligne Lake", "Altamaha Rivers"), and so is a person unless it starts
    /// with a given name ("Joan Rivers", "Michael Bay"); an organisation may be a
    /// regulator ([`Self::organisation_kind`]).
    pub(crate) fn tagged_kind(
        &self,
        name: &str,
        next: &str,
        kind: EntityKind,
    ) -> Option<EntityKind> {
        let words: Vec<&str> = name.split(' ').collect();
        let last = words.last().copied().unwrap_or_default();
        let first = words.first().copied().unwrap_or_default();
        let fragment =
            words.len() == 1 && (is_roman_numeral(name) || lists::NAME_PARTICLES.contains(&name));
        let dangling = words.len() > 1 && matches!(last, "of" | "and" | "the" | "for" | "de" | "&");
        if fragment
            || dangling
            || self.laws.contains(name)
            || self.common_acronyms.contains(name)
            || (words.len() > 1 && self.law_last.contains(last))
            // Not "Bill" after a name: a given name as often ("Hillary and Bill").
            || (next != "Bill" && self.law_last.contains(next))
        {
            return None;
        }
        let place = words.len() > 1 && self.place_last.contains(last);
        Some(match kind {
            EntityKind::Organization if place => EntityKind::Location,
            EntityKind::Person if place && !self.given.contains(first) => EntityKind::Location,
            EntityKind::Organization => self.organisation_kind(&words),
            k => k,
        })
    }

    /// An organisation named by `words` is a regulator when its head (its last word,
    /// or the word before "of", "on" or "for": "Authority of Kenya") is a regulator's head
    /// ("Authority") and another word says what it regulates ("Supervisory",
    /// "Protection"), before the head or after the preposition ("Authority for
    /// Defending Privacy", "Commission for Personal Data Protection"); otherwise an
    /// organisation.
    pub(crate) fn organisation_kind(&self, words: &[&str]) -> EntityKind {
        let head = |words: &[&str]| {
            words
                .last()
                .is_some_and(|head| self.regulator_heads.contains(*head))
        };
        let before_of = match words.iter().position(|w| matches!(*w, "of" | "on" | "for")) {
            Some(of) if of > 0 => &words[..of],
            _ => &[],
        };
        // The word saying what it regulates may stand anywhere in the name.
        let says_what = words.iter().any(|w| self.regulator_words.contains(*w));
        if says_what && (head(words) || head(before_of)) {
            EntityKind::Regulator
        } else {
            EntityKind::Organization
        }
    }

    fn person(&self, st: &mut State<'_>, i: usize, end: usize) {
        let text = st.text;
        let toks = st.toks;
        let word = |k: usize| Self::word(text, &toks[k]);
        // A title inside the run: the name is what follows the last one.
        let inner_title = (i..end).rev().find(|&k| in_lower(&self.titles, word(k)));
        let (first, title_before) = match inner_title {
            Some(k) if k + 1 < end => (k + 1, Some(word(k))),
            Some(_) => return,
            None => {
                let before = i
                    .checked_sub(1)
                    .filter(|&b| joined(text, &toks[b], &toks[i]))
                    .map(word);
                (i, before.filter(|w| in_lower(&self.titles, w)))
            }
        };
        let n = end - first;
        if n == 0 || n > 4 {
            return;
        }
        let words: Vec<&str> = (first..end).map(|k| Self::word(text, &toks[k])).collect();
        let (start, stop) = (toks[first].start, toks[end - 1].end);
        if st.overlaps_known(start, stop)
            || words
                .iter()
                .any(|w| self.org_suffixes.contains(w) || self.not_person_last.contains(w))
            || !words
                .iter()
                .all(|w| looks_like_name_word(w, &self.connectors))
            || words
                .first()
                .into_iter()
                .chain(words.last())
                .any(|w| self.connectors.contains(w))
            || words
                .iter()
                .any(|w| matches!(*w, "of" | "for" | "and" | "the" | "on" | "&"))
        {
            return;
        }
        let honorific = title_before.is_some_and(|t| in_lower(&self.honorifics, t));
        let evidence = if n == 1 {
            // A single word: only after an honorific, or as a known person's surname.
            if !honorific {
                return;
            }
            0.6
        } else if title_before.is_some() || self.appositive_role(st, end) {
            0.6
        } else if n <= 3 && (self.given.contains(words[0]) || self.next_to_speech(st, first, end)) {
            0.5
        } else {
            return;
        };
        if n == 1 {
            if let Some(u) = st.person_with_surname(words[0]) {
                st.found.mentions.push(UnknownMention {
                    start,
                    end: stop,
                    unknown: u,
                });
                return;
            }
        }
        st.add(start, stop, EntityKind::Person, evidence, None);
    }

    /// ", the director-general of …", ", director of campaigns at …": a role within a
    /// few words after a comma.
    fn appositive_role(&self, st: &State<'_>, end: usize) -> bool {
        let text = st.text;
        let toks = st.toks;
        let last = &toks[end - 1];
        let Some(rest) = text.get(last.end..) else {
            return false;
        };
        let after_possessive = rest.trim_start_matches(['\'', '’', 's']);
        if !after_possessive.starts_with(", ") && !rest.starts_with(", ") {
            return false;
        }
        toks[end..]
            .iter()
            .take(5)
            .take_while(|t| {
                text.get(last.end..t.start)
                    .is_some_and(|g| !g.contains(['.', ';', '(', '“', '"']))
            })
            .any(|t| in_lower(&self.titles, &text[t.start..t.end]))
    }

    /// "Arno Antlitz said", "said Rebecca Vincent".
    fn next_to_speech(&self, st: &State<'_>, first: usize, end: usize) -> bool {
        let text = st.text;
        let toks = st.toks;
        let is_speech = |k: usize| {
            toks.get(k)
                .is_some_and(|t| in_lower(&self.speech, &text[t.start..t.end]))
        };
        let after = end < toks.len() && joined(text, &toks[end - 1], &toks[end]) && is_speech(end);
        let before = first
            .checked_sub(1)
            .is_some_and(|b| joined(text, &toks[b], &toks[first]) && is_speech(b));
        after || before
    }

    /// Bare surnames of the people found and short forms of the organisations.
    fn later_mentions(&self, st: &mut State<'_>) {
        let text = st.text;
        // Surnames (one that two people share names neither) and short forms.
        let mut surname_of: HashMap<&str, Option<usize>> = HashMap::new();
        for (u, un) in st.found.unknowns.iter().enumerate() {
            if un.kind != EntityKind::Person || !un.name.contains(' ') {
                continue;
            }
            let Some(last) = un.name.rsplit(' ').next() else {
                continue;
            };
            if last.chars().count() > 2 {
                surname_of
                    .entry(last)
                    .and_modify(|v| {
                        if *v != Some(u) {
                            *v = None;
                        }
                    })
                    .or_insert(Some(u));
            }
        }
        let mut forms: Vec<(String, usize)> = surname_of
            .into_iter()
            .filter_map(|(s, u)| Some((s.to_string(), u?)))
            .chain(st.short_forms.iter().cloned())
            .collect();
        if forms.is_empty() {
            return;
        }
        forms.sort();
        // By first word, so each capitalised word of the text costs one lookup.
        let mut by_first: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (form, _)) in forms.iter().enumerate() {
            let first = form.split(' ').next().unwrap_or(form);
            by_first.entry(first).or_default().push(i);
        }
        let mut taken: Vec<(usize, usize)> =
            st.found.mentions.iter().map(|m| (m.start, m.end)).collect();
        taken.sort_unstable();
        let toks = st.toks;
        let mut new = Vec::new();
        for (k, t) in toks.iter().enumerate() {
            if !t.cap {
                continue;
            }
            let Some(cands) = by_first.get(&text[t.start..t.end]) else {
                continue;
            };
            for &i in cands {
                let (form, u) = &forms[i];
                let end = t.start + form.len();
                if text.get(t.start..end) != Some(form.as_str()) {
                    continue;
                }
                // Whole words only: the form must end where a word ends.
                let ends_at_token = toks[k..].iter().take(4).any(|x| x.end == end);
                let host = taken.partition_point(|&(s, _)| s <= t.start);
                let inside_taken = host.checked_sub(1).is_some_and(|h| taken[h].1 >= end);
                if ends_at_token && !inside_taken && !st.overlaps_known(t.start, end) {
                    new.push(UnknownMention {
                        start: t.start,
                        end,
                        unknown: *u,
                    });
                }
            }
        }
        st.found.mentions.extend(new);
    }
}

/// Whether `w`, in lower case, is in `set` (whose words are short and ASCII), without
/// allocating.
fn in_lower(set: &Words, w: &str) -> bool {
    let mut buf = [0u8; 24];
    ascii_lower(w, &mut buf).is_some_and(|l| set.contains(l))
}

/// `w` in lower case, written into `buf`: `None` when it is not ASCII or longer than
/// the buffer (no word looked up this way is).
pub(crate) fn ascii_lower<'b>(w: &str, buf: &'b mut [u8; 24]) -> Option<&'b str> {
    let dst = buf.get_mut(..w.len())?;
    if !w.is_ascii() {
        return None;
    }
    dst.copy_from_slice(w.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).ok()
}

/// Legal-form suffixes, which the short form of a company's name drops.
fn is_legal_suffix(w: &str) -> bool {
    matches!(
        w,
        "Inc"
            | "Inc."
            | "Corp"
            | "Corp."
            | "Corporation"
            | "Ltd"
            | "Ltd."
            | "Limited"
            | "LLC"
            | "LLP"
            | "plc"
            | "PLC"
            | "GmbH"
            | "AG"
            | "SA"
            | "S.A"
            | "S.A."
            | "SE"
            | "NV"
            | "N.V."
            | "BV"
            | "SpA"
            | "AB"
            | "ASA"
            | "Oyj"
            | "Co"
            | "Co."
    )
}

/// A word that can be part of a person's name: capitalised (or a name particle), with
/// at least one lower-case letter unless it is an initial.
fn looks_like_name_word(w: &str, connectors: &Words) -> bool {
    if connectors.contains(w) {
        return true;
    }
    let mut chars = w.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_uppercase() && (w.chars().count() == 1 || w.chars().any(char::is_lowercase))
}

/// Whether two neighbouring tokens are joined by a single space (or ". " after an
/// initial).
fn joined(text: &str, a: &Tok, b: &Tok) -> bool {
    let Some(gap) = text.get(a.end..b.start) else {
        return false;
    };
    if a.possessive {
        return false;
    }
    match gap {
        " " | "\u{a0}" => true,
        ". " => text[a.start..a.end].chars().count() == 1,
        _ => false,
    }
}

/// The words of `text`: letters and digits, with inner `-`, `'`, `’`, `.` and `&`
/// ("Okonjo-Iweala", "O'Brien", "AT&T"); a possessive "'s" is cut off and marked.
pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 6);
    let mut start: Option<usize> = None;
    let mut prev_alnum = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (alnum, len) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            match text[i..].chars().next() {
                Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                None => break,
            }
        };
        let inner = !alnum
            && prev_alnum
            && matches!(b, b'-' | b'\'' | b'.' | b'&' | 0xE2)
            && (b != 0xE2 || text[i..].starts_with('’'))
            && text[i + len..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        match (alnum || inner, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(make_tok(text, s, i));
                start = None;
            }
            _ => {}
        }
        prev_alnum = alnum;
        i += len;
    }
    if let Some(s) = start {
        out.push(make_tok(text, s, text.len()));
    }
    out
}

fn make_tok(text: &str, start: usize, end: usize) -> Tok {
    let w = &text[start..end];
    let (end, possessive) = match w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")) {
        Some(stem) if !stem.is_empty() => (start + stem.len(), true),
        _ => (end, false),
    };
    let cap = w.chars().next().is_some_and(char::is_uppercase);
    Tok {
        start,
        end,
        cap,
        possessive,
    }
}

/// The per-document state.
struct State<'a> {
    text: &'a str,
    toks: &'a [Tok],
    known: &'a [Known],
    /// `reach[k]`: the furthest end among `known[..=k]`. The known mentions are sorted
    /// by start, but a nested place ("Korea" in "South Korea") ends before the name
    /// around it, so their ends are not sorted: searches go by this.
    reach: Vec<usize>,
    found: Found,
    /// Name → index of its unknown, so repeated names are one entity.
    by_name: HashMap<String, usize>,
    /// Short forms of organisations' names, with their unknown.
    short_forms: Vec<(String, usize)>,
    /// A person's surname → the first person found with it.
    surnames: HashMap<String, usize>,
    sentences: &'a [Range<usize>],
    /// Per sentence: whether it is a headline, once asked.
    headlines: Vec<Cell<Option<bool>>>,
}

impl State<'_> {
    /// The first known mention that may end after `start`: none before it does.
    fn first_reaching(&self, start: usize) -> usize {
        self.reach.partition_point(|&e| e <= start)
    }

    /// Indices of the known mentions within `start..end`.
    fn known_within(&self, start: usize, end: usize) -> Vec<usize> {
        let lo = self.first_reaching(start);
        (lo..self.known.len())
            .take_while(|&k| self.known[k].start < end)
            .filter(|&k| {
                self.known[k].start >= start && self.known[k].end <= end
                    || self.known[k].start <= start && self.known[k].end >= end
            })
            .collect()
    }

    fn overlaps_known(&self, start: usize, end: usize) -> bool {
        let lo = self.first_reaching(start);
        self.known.get(lo).is_some_and(|m| m.start < end)
    }

    /// A known mention that straddles an edge of `start..end`.
    fn overlaps_known_partially(&self, start: usize, end: usize) -> bool {
        let lo = self.first_reaching(start);
        self.known[lo..]
            .iter()
            .take_while(|m| m.start < end)
            .any(|m| {
                (m.start < start && m.end > start && m.end < end)
                    || (m.start > start && m.start < end && m.end > end)
            })
    }

    /// Whether the sentence at `pos` is a headline in title case: five words or more,
    /// nearly all capitalised, and no full stop at the end.
    fn is_headline(&self, pos: usize) -> bool {
        let Some(i) = self
            .sentences
            .partition_point(|s| s.start <= pos)
            .checked_sub(1)
        else {
            return false;
        };
        if let Some(known) = self.headlines.get(i).and_then(Cell::get) {
            return known;
        }
        let answer = self.headline_at(i);
        if let Some(c) = self.headlines.get(i) {
            c.set(Some(answer));
        }
        answer
    }

    fn headline_at(&self, i: usize) -> bool {
        let Some(s) = self.sentences.get(i) else {
            return false;
        };
        let lo = self.toks.partition_point(|t| t.start < s.start);
        let words = self.toks[lo..].iter().take_while(|t| t.end <= s.end);
        let (mut n, mut caps) = (0, 0);
        for t in words {
            let w = &self.text[t.start..t.end];
            if w.chars().next().is_some_and(char::is_alphabetic) {
                n += 1;
                if t.cap {
                    caps += 1;
                }
            }
        }
        let body = self.text[s.clone()].trim_end_matches(['"', '”', '’', '\'', ')']);
        let ends_like_prose = body.ends_with(['.', '!', '?', ':', ';']);
        n >= 5 && caps * 10 >= n * 8 && !ends_like_prose
    }

    fn person_with_surname(&self, surname: &str) -> Option<usize> {
        self.surnames.get(surname).copied()
    }

    /// Records a mention of the name `text[start..end]`, creating its entity if new.
    fn add(
        &mut self,
        start: usize,
        end: usize,
        kind: EntityKind,
        confidence: f32,
        short: Option<String>,
    ) {
        let name = self.text[start..end].to_string();
        let u = match self.by_name.get(&name) {
            Some(&u) => u,
            None => {
                let u = self.found.unknowns.len();
                self.found.unknowns.push(Unknown {
                    id: format!("{}/{}", kind.as_str(), slug(&name)),
                    name: name.clone(),
                    kind,
                    confidence,
                });
                if kind == EntityKind::Person && name.contains(' ') {
                    if let Some(last) = name.rsplit(' ').next() {
                        self.surnames.entry(last.to_string()).or_insert(u);
                    }
                }
                self.by_name.insert(name, u);
                if let Some(s) = short {
                    self.short_forms.push((s, u));
                }
                u
            }
        };
        self.found.mentions.push(UnknownMention {
            start,
            end,
            unknown: u,
        });
    }
}

/// "II", "XIV": a Roman numeral of two letters or more, of I, V and X only ("DC",
/// "MD" and "MI" are places).
fn is_roman_numeral(w: &str) -> bool {
    w.len() >= 2 && w.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
}

/// "SAN FRANCISCO" → "San Francisco", "WINSTON-SALEM" → "Winston-Salem".
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut first = true;
    for c in s.chars() {
        if first {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        first = !c.is_alphabetic();
    }
    out
}

/// Lower-case ASCII letters and digits joined by `-` (other letters kept as they are).
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
