//! Regulators named by what they are rather than what they are called: a place, a
//! subject and a role ("the Irish data watchdog", "Belgium's privacy regulator",
//! "German data protection authorities", "the data protection authority in Hamburg",
//! "the UK's information watchdog"), and later references back ("the watchdog said").
//!
//! A description is anchored on a role word ([`lexicon::ROLES`]); to its left may stand
//! subject words, modifiers ("top", "federal") and a place the knowledge base found
//! (a country, a demonym, a region, the EU); a place or subject may also follow ("in
//! Hamburg", "for privacy protection"). Any other word ends it, so "a data company" and
//! "the privacy policy" describe nothing. What it resolves to:
//!
//! - a data or privacy subject with a place: the data-protection authority (tag `dpa`)
//!   of that place in the knowledge base: the region's own where it has one
//!   (California → CPPA, Hamburg → its state commissioner), else the national one;
//!   where a plural or several authorities leave no single one ("German data
//!   protection authorities", "the bloc's privacy regulators"), or the base has none
//!   ("Vietnam's data protection agency"), an entity made for the place: id
//!   `dpa/<place>` (`dpa/de`, `dpa/eu`, `dpa/us-tx`), tags `dpa` and `privacy`, the
//!   place's country code, so `tag:dpa`, `country:DE` and `kind:regulator` find it;
//! - an internet subject ("China's cyberspace regulator"): the place's authority
//!   tagged `internet`;
//! - another sector with a place ("South Korea's communications regulator", "the
//!   Irish competition watchdog", "the Dutch consumer protection authority"): an
//!   entity made for the place and sector, `regulators/<place>/<sector>` (kind
//!   regulator, the sector as its tag, no `dpa`): the shipped privacy rule counts it
//!   only in a sentence about personal data, as it does the FTC;
//! - no subject: plural regulators of a place ("UK regulators", "US state regulators")
//!   become `regulators/<place>` (kind regulator, no tags); a singular one ("the Irish
//!   regulator") is the regulator of that country the document names, if any;
//! - no place: "the watchdog", "the regulator", "the DPA" refer back to the nearest
//!   regulator named before (in the same or the previous paragraph); "the privacy
//!   watchdog" to the document's only data-protection authority; in a headline or
//!   the lead with none named, to `dpa/unnamed`; so do data-protection authorities
//!   in the plural that act ("twelve data protection authorities have published");
//! - a description right before the name of an organisation the base knows and
//!   that is no regulator is that organisation's title ("Austrian privacy watchdog
//!   noyb"): nothing.
//!
//! The same in French, Italian, Spanish, Portuguese, German and Dutch, whose word
//! order differs ("l'autorità olandese per la protezione dei dati", "die dänische
//! Datenschutzbehörde"): `foreign`.
//!
//! Mentions found here are marked as described and carry a lower confidence. Spans the
//! knowledge base already resolved to a regulator are left alone.

mod foreign;
mod lexicon;

use std::ops::Range;

use super::entities::Resolved;
use super::entities::index::FnvMap;
use super::kb::KnowledgeBase;
use super::names::{Tok, ascii_lower, tokenize};
use super::segment::Segments;
use crate::model::EntityKind;
use lexicon::{Hint, Role, Subject};

/// Confidence of a description resolved to a knowledge-base authority.
const NAMED_PLACE: f32 = 0.75;
/// Confidence of a reference back, a collective or a made entity.
const INFERRED: f32 = 0.6;
/// Confidence of a headline's unnamed authority.
const UNNAMED: f32 = 0.5;

/// An entity a description names that the knowledge base does not hold as one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Synthesized {
    /// `dpa/<place>`, `regulators/<place>` or `dpa/unnamed`.
    pub(crate) id: String,
    /// "Data-protection authorities of Germany".
    pub(crate) name: String,
    /// ISO 3166 code of the place, when there is one.
    pub(crate) country: Option<String>,
    /// `dpa` and `privacy` for data-protection authorities.
    pub(crate) tags: Vec<String>,
}

/// What a description names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A knowledge-base entity (its index).
    Kb(u32),
    /// An entry of [`Found::synthesized`].
    Synth(usize),
}

/// One description and what it names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Described {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) target: Target,
    pub(crate) confidence: f32,
}

/// The descriptions of one document.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// In text order.
    pub(crate) mentions: Vec<Described>,
    pub(crate) synthesized: Vec<Synthesized>,
    /// Knowledge-base regulator mentions (start, end) that the place next to them
    /// contradicts ("Nigeria's Data Protection Commission" is not Ireland's): read as
    /// descriptions here, to be dropped from the base's mentions.
    pub(crate) contradicted: Vec<(usize, usize)>,
}

impl Found {
    /// Whether a description overlaps `start..end` (a name found from its shape there,
    /// "Irish Data Watchdog" in a headline, gives way to it).
    pub(crate) fn overlaps(&self, start: usize, end: usize) -> bool {
        self.mentions.iter().any(|d| d.start < end && start < d.end)
    }

    /// Appends the descriptions as resolved mentions; `index` numbers made entities.
    pub(crate) fn resolve_into(&self, resolved: &mut Vec<Resolved>, index: impl Fn(usize) -> u32) {
        resolved.extend(self.mentions.iter().map(|d| Resolved {
            start: d.start,
            end: d.end,
            entity: match d.target {
                Target::Kb(e) => e,
                Target::Synth(s) => index(s),
            },
            confidence: d.confidence,
            demonym: false,
        }));
    }

    /// The (start, end) of every description, sorted.
    pub(crate) fn spans(&self) -> Vec<(usize, usize)> {
        self.mentions.iter().map(|d| (d.start, d.end)).collect()
    }
}

/// The word lists as maps, and the knowledge base's places and authorities; built once
/// per extractor.
#[derive(Debug)]
pub(crate) struct Describer {
    roles: FnvMap<&'static str, Role>,
    subjects: FnvMap<&'static str, Subject>,
    modifiers: FnvMap<&'static str, ()>,
    /// For each knowledge-base entity that is a place: the jurisdiction it stands for.
    jurisdiction: FnvMap<u32, u32>,
    /// Regulators tagged `dpa`, then `internet`.
    dpa: Vec<u32>,
    internet: Vec<u32>,
    /// Jurisdictions for [`lexicon::PLACE_WORDS`] ("bloc").
    place_words: FnvMap<&'static str, u32>,
}

/// A place found in the text: token range and jurisdiction.
#[derive(Debug, Clone, Copy)]
struct Place {
    first: usize,
    last: usize,
    /// The place entity (region, country, demonym's country).
    place: u32,
    /// Whose authorities it means (the EU for "Europe").
    jurisdiction: u32,
}

/// The parts of one description.
#[derive(Debug, Clone, Copy)]
struct Parse {
    first: usize,
    last: usize,
    role: Role,
    place: Option<Place>,
    subject: Option<Subject>,
    /// The word before: "the", or an indefinite one.
    definite: bool,
    indefinite: bool,
    /// Opens its sentence.
    sentence_start: bool,
}

/// A regulator mention that a later "the watchdog" may refer back to.
#[derive(Debug, Clone, Copy)]
struct Named {
    start: usize,
    target: Target,
    dpa: bool,
}

impl Describer {
    /// Builds the maps over `kb`.
    pub(crate) fn new(kb: &KnowledgeBase) -> Self {
        let mut jurisdiction = FnvMap::default();
        let mut dpa = Vec::new();
        let mut internet = Vec::new();
        for (i, e) in kb.entities().iter().enumerate() {
            let i = i as u32;
            let own_code = e.country.as_deref() == Some(e.id.to_uppercase().as_str());
            if e.kind == EntityKind::Location || own_code {
                let to = lexicon::PLACE_JURISDICTIONS
                    .iter()
                    .find(|(p, _)| *p == e.id)
                    .and_then(|(_, j)| kb.index_of(j))
                    .map_or(i, |j| j as u32);
                if kb.entities()[to as usize].country.is_some() {
                    jurisdiction.insert(i, to);
                }
            }
            if e.kind == EntityKind::Regulator {
                if e.tags.iter().any(|t| t == "dpa") {
                    dpa.push(i);
                }
                if e.tags.iter().any(|t| t == "internet") {
                    internet.push(i);
                }
            }
        }
        let place_words = lexicon::PLACE_WORDS
            .iter()
            .filter_map(|(w, id)| Some((*w, kb.index_of(id)? as u32)))
            .collect();
        Describer {
            roles: lexicon::ROLES.iter().copied().collect(),
            subjects: lexicon::SUBJECTS.iter().copied().collect(),
            modifiers: lexicon::MODIFIERS.iter().map(|m| (*m, ())).collect(),
            jurisdiction,
            dpa,
            internet,
            place_words,
        }
    }

    /// The descriptions of `text`, given the knowledge-base mentions (sorted by start).
    pub(crate) fn find(
        &self,
        kb: &KnowledgeBase,
        text: &str,
        seg: &Segments,
        known: &[Resolved],
    ) -> Found {
        let mut found = Found::default();
        let toks = tokenize(text);
        if toks.is_empty() {
            return found;
        }
        let mut st = Doc {
            d: self,
            kb,
            text,
            seg,
            toks: &toks,
            place_end: FnvMap::default(),
            place_start: FnvMap::default(),
            covered: vec![false; toks.len()],
            org_starts: Vec::new(),
            named: Vec::new(),
        };
        st.index(known);
        st.uncover_contradicted(known, &mut found);
        // Descriptions with a place first, so that a later "the watchdog" can refer
        // back to them; then those without.
        let roles: Vec<(usize, Parse)> = (0..toks.len())
            .filter(|&r| !st.covered[r])
            .filter_map(|r| Some((r, st.parse_foreign(r).or_else(|| st.parse(r))?)))
            .filter(|(_, p)| !st.titles_an_organisation(p))
            .collect();
        for (_, p) in roles.iter().filter(|(_, p)| p.place.is_some()) {
            if let Some((target, confidence)) = st.resolve_placed(p, &mut found) {
                st.push(&mut found, p, target, confidence);
            }
        }
        st.named.sort_by_key(|n| n.start);
        for (_, p) in roles.iter().filter(|(_, p)| p.place.is_none()) {
            if let Some((target, confidence)) = st.resolve_unplaced(p, &mut found) {
                st.push(&mut found, p, target, confidence);
                st.named.sort_by_key(|n| n.start);
            }
        }
        found.mentions.sort_by_key(|m| (m.start, m.end));
        found
    }
}

/// The per-document state.
struct Doc<'a> {
    d: &'a Describer,
    kb: &'a KnowledgeBase,
    text: &'a str,
    seg: &'a Segments,
    toks: &'a [Tok],
    /// Token index of a place's last token → the place; and of its first token.
    place_end: FnvMap<usize, Place>,
    place_start: FnvMap<usize, Place>,
    /// Tokens inside a knowledge-base regulator mention.
    covered: Vec<bool>,
    /// Tokens that start a knowledge-base organisation that is not a regulator, in
    /// order: a description right before one is its title ("Austrian privacy
    /// watchdog noyb", a campaign group), not an authority.
    org_starts: Vec<usize>,
    /// Regulators named so far.
    named: Vec<Named>,
}

impl Doc<'_> {
    fn word(&self, t: usize) -> &str {
        let t = &self.toks[t];
        &self.text[t.start..t.end]
    }

    /// Whether the description stands right before the name of an organisation the
    /// knowledge base knows and that is no regulator: "Austrian privacy watchdog noyb
    /// filed complaints" names the campaign group, not Austria's authority.
    fn titles_an_organisation(&self, p: &Parse) -> bool {
        p.last + 1 < self.toks.len()
            && self.joined(p.last)
            && self.org_starts.binary_search(&(p.last + 1)).is_ok()
    }

    /// Whether the word after token `last` is a verb of acting ("fined", "slapped",
    /// "says", "has"): what the description names is the one that acted.
    fn acts_after(&self, last: usize) -> bool {
        let Some(next) = self.toks.get(last + 1) else {
            return false;
        };
        if !self.joined(last) {
            return false;
        }
        let w = &self.text[next.start..next.end];
        let mut buf = [0u8; 24];
        let Some(w) = ascii_lower(w, &mut buf) else {
            return false;
        };
        (w.len() > 4 && w.ends_with("ed")) || lexicon::ACTING.contains(&w)
    }

    /// The token `t` in lower case, when short and ASCII (every listed word is).
    fn lower<'b>(&self, t: usize, buf: &'b mut [u8; 24]) -> Option<&'b str> {
        ascii_lower(self.word(t), buf)
    }

    /// Whether tokens `a` and `a + 1` are one phrase: a single space between them,
    /// after a possessive if any ("Ireland's data regulator").
    fn joined(&self, a: usize) -> bool {
        let (x, y) = (&self.toks[a], &self.toks[a + 1]);
        let Some(gap) = self.text.get(x.end..y.start) else {
            return false;
        };
        let gap = gap
            .strip_prefix("'s")
            .or_else(|| gap.strip_prefix("’s"))
            .unwrap_or(gap);
        matches!(gap, " " | "\u{a0}")
    }

    /// The token index range of the byte range `start..end`, if it is whole tokens
    /// (a final "." of "U.S." may stand outside the last token).
    fn tokens_of(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let mut first = self.toks.partition_point(|t| t.start < start);
        if self.toks.get(first).map(|t| t.start) != Some(start) {
            // A name after an elided article, inside its token: "L’Autoritat
            // Catalana …", "dell'Irlanda".
            let elided = first.checked_sub(1).filter(|&f| {
                let t = &self.toks[f];
                t.end > start
                    && self
                        .text
                        .get(t.start..start)
                        .is_some_and(|a| a.ends_with(['\'', '’']))
            });
            first = elided?;
        }
        let last = first + self.toks[first..].partition_point(|t| t.end < end);
        let t = self.toks.get(last)?;
        (t.end == end || (t.end + 1 == end && self.text.get(t.end..end) == Some(".")))
            .then_some((first, last))
    }

    /// Records the places and the regulators the knowledge base found.
    fn index(&mut self, known: &[Resolved]) {
        for r in known {
            let e = &self.kb.entities()[r.entity as usize];
            let Some((first, last)) = self.tokens_of(r.start, r.end) else {
                continue;
            };
            if e.kind == EntityKind::Regulator {
                self.covered[first..=last]
                    .iter_mut()
                    .for_each(|c| *c = true);
                self.named.push(Named {
                    start: r.start,
                    target: Target::Kb(r.entity),
                    dpa: e.tags.iter().any(|t| t == "dpa"),
                });
            } else if let Some(&jurisdiction) = self.d.jurisdiction.get(&r.entity) {
                let place = Place {
                    first,
                    last,
                    place: r.entity,
                    jurisdiction,
                };
                self.place_end.insert(last, place);
                self.place_start.insert(first, place);
            } else if e.kind == EntityKind::Organization {
                self.org_starts.push(first);
            }
        }
        // `known` is in text order already; this keeps the search right if not.
        self.org_starts.sort_unstable();
    }

    /// Gives back to the descriptions the knowledge-base regulators whose name is one
    /// several countries use and whose place, right before ("Ghana's", "Nigerian") or
    /// after ("in Uganda", "of Kenya"), is another country than theirs: the base
    /// matched the words, the place says whose it is.
    fn uncover_contradicted(&mut self, known: &[Resolved], found: &mut Found) {
        for r in known {
            let e = &self.kb.entities()[r.entity as usize];
            let Some(own) = e.country.as_deref().and_then(|c| c.get(..2)) else {
                continue;
            };
            if e.kind != EntityKind::Regulator {
                continue;
            }
            let Some((first, last)) = self.tokens_of(r.start, r.end) else {
                continue;
            };
            // "die irische Datenschutzbehörde": a place in another language too.
            let before = first
                .checked_sub(1)
                .filter(|&b| self.joined(b))
                .and_then(|b| {
                    self.place_end
                        .get(&b)
                        .copied()
                        .or_else(|| self.foreign_place(b))
                });
            let after = (last + 2 < self.toks.len()
                && matches!(self.word(last + 1), "in" | "of")
                && self.joined(last)
                && self.joined(last + 1))
            .then(|| self.place_start.get(&(last + 2)).copied())
            .flatten()
            .or_else(|| self.genitive_after(last));
            let Some(place) = before.or(after) else {
                continue;
            };
            let theirs = self.kb.entities()[place.jurisdiction as usize]
                .country
                .as_deref()
                .and_then(|c| c.get(..2));
            if theirs.is_none_or(|t| t == own) {
                continue;
            }
            self.covered[first..=last]
                .iter_mut()
                .for_each(|c| *c = false);
            self.named.retain(|n| n.start != r.start);
            found.contradicted.push((r.start, r.end));
        }
    }

    /// The description whose role word is token `r`, if there is one.
    fn parse(&self, r: usize) -> Option<Parse> {
        let mut buf = [0u8; 24];
        let word = self.word(r);
        // Not where the story spells "DPA" out as something else (looked at only
        // when the acronym is there: most stories have none).
        let dpa = lexicon::DPA
            .iter()
            .find(|(w, _)| *w == word)
            .filter(|_| !dpa_defined_otherwise(self.text));
        let (role, mut subject) = match dpa {
            Some(&(_, plural)) => (
                Role {
                    plural,
                    bare: true,
                    hint: Hint::Named("Authority"),
                    department: false,
                },
                Some(Subject::Data),
            ),
            None => (*self.d.roles.get(self.lower(r, &mut buf)?)?, None),
        };
        let mut joiner = false;
        let note = |s: Subject, subject: &mut Option<Subject>, joiner: &mut bool| match s {
            Subject::Joiner => *joiner = true,
            Subject::Data => *subject = Some(Subject::Data),
            Subject::Internet => {
                if !matches!(subject, Some(Subject::Data)) {
                    *subject = Some(Subject::Internet);
                }
            }
            Subject::Sector(_) => {
                if subject.is_none() {
                    *subject = Some(s);
                }
            }
        };
        // Leftwards: subjects, modifiers, one place.
        let mut first = r;
        let mut place = None;
        let mut steps = 0;
        while first > 0 && steps < lexicon::MAX_LEFT && self.joined(first - 1) {
            let j = first - 1;
            steps += 1;
            if place.is_none() {
                if let Some(&p) = self.place_end.get(&j) {
                    place = Some(p);
                    first = p.first;
                    continue;
                }
                let mut b = [0u8; 24];
                if let Some(&to) = self
                    .lower(j, &mut b)
                    .and_then(|w| self.d.place_words.get(w))
                {
                    if self.toks[j].possessive {
                        place = Some(Place {
                            first: j,
                            last: j,
                            place: to,
                            jurisdiction: to,
                        });
                        first = j;
                        continue;
                    }
                }
            }
            let mut b = [0u8; 24];
            let Some(w) = self.lower(j, &mut b) else {
                break;
            };
            if let Some(&s) = self.d.subjects.get(w) {
                note(s, &mut subject, &mut joiner);
            } else if !(self.d.modifiers.contains_key(w)
                || lexicon::MODIFIER_SUFFIXES.iter().any(|s| w.ends_with(s)))
            {
                break;
            }
            first = j;
        }
        // "and" may join modifiers and subjects, never begin a description.
        while first < r && self.lower(first, &mut buf) == Some("and") {
            first += 1;
        }
        // Rightwards: "in Hamburg", "for privacy protection".
        let mut last = r;
        if !self.toks[r].possessive && r + 2 < self.toks.len() && self.joined(r) {
            let mut b = [0u8; 24];
            if self
                .lower(r + 1, &mut b)
                .is_some_and(|w| lexicon::AFTER_ROLE.contains(&w))
                && self.joined(r + 1)
            {
                let mut k = r + 2;
                let mut b2 = [0u8; 24];
                if self.lower(k, &mut b2) == Some("the")
                    && k + 1 < self.toks.len()
                    && self.joined(k)
                {
                    k += 1;
                }
                if place.is_none() {
                    if let Some(&p) = self.place_start.get(&k) {
                        place = Some(p);
                        last = p.last;
                    }
                }
                if last == r {
                    let mut m = r + 1;
                    while m + 1 < self.toks.len() && self.joined(m) {
                        let mut b3 = [0u8; 24];
                        let Some(&s) = self
                            .lower(m + 1, &mut b3)
                            .and_then(|w| self.d.subjects.get(w))
                        else {
                            break;
                        };
                        note(s, &mut subject, &mut joiner);
                        m += 1;
                        last = m;
                    }
                }
            }
        }
        if joiner && subject.is_none() {
            // "national security agency", "consumer protection authority".
            return None;
        }
        if role.department && !matches!(subject, Some(Subject::Sector(_))) {
            // A ministry is a regulator only of a sector ("Japan's communications
            // ministry"); "the information ministry" describes no authority.
            return None;
        }
        let before = first
            .checked_sub(1)
            .filter(|&b| self.joined(b))
            .and_then(|b| self.lower(b, &mut buf).map(str::to_string));
        let sentence_start = self.opens_sentence(first);
        Some(Parse {
            first,
            last,
            role,
            place,
            subject,
            definite: before.as_deref() == Some("the"),
            indefinite: before
                .as_deref()
                .is_some_and(|b| lexicon::INDEFINITE.contains(&b)),
            sentence_start,
        })
    }

    /// Whether token `t` is the first word of its sentence.
    fn opens_sentence(&self, t: usize) -> bool {
        let sentence = self.seg.sentence_of(self.toks[t].start);
        !self
            .text
            .get(sentence.start..self.toks[t].start)
            .unwrap_or_default()
            .chars()
            .any(char::is_alphanumeric)
    }

    /// What a description with a place names.
    fn resolve_placed(&self, p: &Parse, found: &mut Found) -> Option<(Target, f32)> {
        // "a data protection authority of the EU" may be any of them; "An EU data
        // watchdog slapped a fine on TikTok" is one that acted.
        if p.indefinite && !self.acts_after(p.last) {
            return None;
        }
        let place = p.place?;
        match p.subject {
            // "South Korea's communications regulator": a regulator of the place. The
            // place must come first: "the Communications Authority of Kenya" is the
            // name of one, for the names and short forms that follow to resolve.
            Some(Subject::Sector(sector)) => (place.last < p.last
                && (p.role.bare || p.role.plural || p.role.department))
                .then(|| self.regulators_of(place, Some(sector), found)),
            Some(subject) => self.authority_of(place, subject, p.role, found),
            // "UK regulators", not "regulators in Italy and Greece" (which regulators?).
            None if p.role.bare && p.role.plural && place.last < p.last => {
                Some(self.regulators_of(place, None, found))
            }
            None if p.role.bare => {
                let code = self.kb.entities()[place.jurisdiction as usize]
                    .country
                    .clone()?;
                self.named_of_country(&code, found, p)
                    .map(|t| (t, INFERRED))
            }
            None => None,
        }
    }

    /// The entity made for regulators of `place`'s jurisdiction in general
    /// (`regulators/<place>`), or for its regulator of `sector`
    /// (`regulators/<place>/<sector>`, tagged with the sector).
    fn regulators_of(
        &self,
        place: Place,
        sector: Option<&'static str>,
        found: &mut Found,
    ) -> (Target, f32) {
        let j = &self.kb.entities()[place.jurisdiction as usize];
        let (id, name, tags) = match sector {
            Some(s) => (
                format!("regulators/{}/{s}", j.id),
                format!("{} regulator of {}", capitalised(s), j.name),
                vec![s.to_string()],
            ),
            None => (
                format!("regulators/{}", j.id),
                format!("Regulators of {}", j.name),
                Vec::new(),
            ),
        };
        (
            synthesize(found, id, name, j.country.clone(), tags),
            INFERRED,
        )
    }

    /// The authority of `place` for `subject`.
    fn authority_of(
        &self,
        place: Place,
        subject: Subject,
        role: Role,
        found: &mut Found,
    ) -> Option<(Target, f32)> {
        let entities = self.kb.entities();
        let pool = match subject {
            Subject::Data => &self.d.dpa,
            Subject::Internet => &self.d.internet,
            Subject::Joiner | Subject::Sector(_) => return None,
        };
        let p = &entities[place.place as usize];
        let j = &entities[place.jurisdiction as usize];
        let code = j.country.as_deref()?;
        let regional = p.kind == EntityKind::Location && p.parent.is_some();
        let candidates: Vec<u32> = if regional {
            let prefix = format!("{}-", p.id);
            pool.iter()
                .copied()
                .filter(|&c| {
                    let e = &entities[c as usize];
                    e.id.starts_with(&prefix) || e.aliases.iter().any(|a| names_place(a, &p.name))
                })
                .collect()
        } else {
            pool.iter()
                .copied()
                .filter(|&c| {
                    let e = &entities[c as usize];
                    e.country.as_deref() == Some(code) && e.parent.is_none()
                })
                .collect()
        };
        let below = !regional
            && pool.iter().any(|&c| {
                let e = &entities[c as usize];
                e.country.as_deref().is_some_and(|x| {
                    x.strip_prefix(code).is_some_and(|r| r.starts_with('-'))
                        || (x == code && e.parent.is_some())
                })
            });
        let chosen = match candidates.as_slice() {
            [one] if !(role.plural && below) => Some(*one),
            [] => None,
            many => match role.hint {
                Hint::Named(word) if !role.plural => many
                    .iter()
                    .copied()
                    .find(|&c| entities[c as usize].name.contains(word)),
                _ => None,
            },
        };
        if let Some(c) = chosen {
            return Some((Target::Kb(c), NAMED_PLACE));
        }
        if subject != Subject::Data {
            return None;
        }
        // No single authority: the place's data-protection authorities as one entity.
        let (key, name, country) = if regional {
            (p.id.clone(), p.name.clone(), p.country.clone())
        } else {
            (j.id.clone(), j.name.clone(), j.country.clone())
        };
        let plural = role.plural || candidates.len() > 1 || below;
        let name = format!(
            "Data-protection {} of {name}",
            if plural { "authorities" } else { "authority" }
        );
        let t = synthesize(found, format!("dpa/{key}"), name, country, dpa_tags());
        Some((t, INFERRED))
    }

    /// The regulator of country `code` the document names, nearest before `p` first.
    fn named_of_country(&self, code: &str, found: &Found, p: &Parse) -> Option<Target> {
        let at = self.toks[p.first].start;
        let of_country = |n: &&Named| {
            self.country_of(n.target, found).is_some_and(|c| {
                c == code || c.strip_prefix(code).is_some_and(|r| r.starts_with('-'))
            })
        };
        let before = self
            .named
            .iter()
            .filter(|n| n.start < at)
            .rev()
            .find(of_country);
        before
            .or_else(|| self.named.iter().find(of_country))
            .map(|n| n.target)
    }

    fn country_of<'f>(&'f self, t: Target, found: &'f Found) -> Option<&'f str> {
        match t {
            Target::Kb(i) => self.kb.entities()[i as usize].country.as_deref(),
            Target::Synth(i) => found.synthesized.get(i)?.country.as_deref(),
        }
    }

    /// What a description without a place names: an earlier regulator, the
    /// document's only data-protection authority, or a headline's or lead's unnamed
    /// one.
    fn resolve_unplaced(&self, p: &Parse, found: &mut Found) -> Option<(Target, f32)> {
        // "Twelve data protection authorities have published a joint statement":
        // authorities that act, whose places the story does not give.
        if p.role.plural
            && !p.indefinite
            && p.subject == Some(Subject::Data)
            && self.acts_after(p.last)
        {
            return Some((unnamed_dpa(found), UNNAMED));
        }
        if p.indefinite || p.role.plural || !(p.definite || p.sentence_start) {
            return None;
        }
        let mut buf = [0u8; 24];
        let back = match p.subject {
            Some(Subject::Data) => true,
            None => {
                self.lower(p.last, &mut buf)
                    .is_some_and(|w| lexicon::BACK_REFERENCES.contains(&w))
                    || lexicon::DPA.iter().any(|(w, _)| *w == self.word(p.last))
            }
            _ => false,
        };
        if !back {
            return None;
        }
        let at = self.toks[p.first].start;
        let paragraph = self.paragraph(at);
        let dpa_only = p.subject == Some(Subject::Data);
        let earlier = self
            .named
            .iter()
            .rfind(|n| n.start < at && (n.dpa || !dpa_only))
            .filter(|n| paragraph.saturating_sub(self.paragraph(n.start)) <= 1)
            .filter(|_| p.definite);
        if let Some(n) = earlier {
            return Some((n.target, INFERRED));
        }
        if !dpa_only {
            return None;
        }
        let mut dpas: Vec<Target> = self
            .named
            .iter()
            .filter(|n| n.dpa)
            .map(|n| n.target)
            .collect();
        dpas.sort_by_key(|t| match t {
            Target::Kb(i) => (0, *i as usize),
            Target::Synth(i) => (1, *i),
        });
        dpas.dedup();
        match dpas.as_slice() {
            [one] => Some((*one, INFERRED)),
            // The headline or the lead: "the privacy commissioner's ruling" there is
            // the story's authority even if it never says whose.
            [] if paragraph <= 1 => Some((unnamed_dpa(found), UNNAMED)),
            _ => None,
        }
    }

    fn paragraph(&self, pos: usize) -> usize {
        self.seg
            .sentence_index(pos)
            .and_then(|s| self.seg.paragraph_of_sentence(s))
            .unwrap_or(0)
    }

    /// Records a resolved description.
    fn push(&mut self, found: &mut Found, p: &Parse, target: Target, confidence: f32) {
        let span: Range<usize> = self.toks[p.first].start..self.toks[p.last].end;
        let dpa = match target {
            Target::Kb(i) => self.kb.entities()[i as usize]
                .tags
                .iter()
                .any(|t| t == "dpa"),
            Target::Synth(i) => found.synthesized[i].tags.iter().any(|t| t == "dpa"),
        };
        self.named.push(Named {
            start: span.start,
            target,
            dpa,
        });
        found.mentions.push(Described {
            start: span.start,
            end: span.end,
            target,
            confidence,
        });
    }
}

/// Whether `text` spells out "DPA" in brackets as words other than data protection:
/// three words before the bracket whose initials are D, P and A, the first not
/// "data" ("deferred prosecution agreements (“DPAs”)").
fn dpa_defined_otherwise(text: &str) -> bool {
    text.match_indices("DPA").any(|(i, _)| {
        let before = text[..i].trim_end_matches(['"', '“', '‘', '\'']);
        let Some(before) = before.strip_suffix('(') else {
            return false;
        };
        let words: Vec<&str> = before.split_whitespace().rev().take(3).collect();
        let initials: String = words
            .iter()
            .rev()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_lowercase)
            .collect();
        initials == "dpa" && !words.last().is_some_and(|w| w.eq_ignore_ascii_case("data"))
    })
}

/// Whether the name `alias` has the place `name` in it as the place itself: whole
/// words, not part of another place's name ("Lower Saxony", "Saxony-Anhalt" are not
/// Saxony).
fn names_place(alias: &str, name: &str) -> bool {
    alias.match_indices(name).any(|(i, _)| {
        let before = &alias[..i];
        let after = &alias[i + name.len()..];
        let previous = before.trim_end().rsplit(' ').next().unwrap_or_default();
        (before.is_empty() || before.ends_with(' '))
            && (after.is_empty() || after.starts_with(' '))
            && !previous.starts_with(char::is_uppercase)
    })
}

/// "communications" → "Communications".
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn dpa_tags() -> Vec<String> {
    vec!["dpa".into(), "privacy".into()]
}

/// The made entity with this id, added if new.
fn synthesize(
    found: &mut Found,
    id: String,
    name: String,
    country: Option<String>,
    tags: Vec<String>,
) -> Target {
    let i = match found.synthesized.iter().position(|s| s.id == id) {
        Some(i) => i,
        None => {
            found.synthesized.push(Synthesized {
                id,
                name,
                country,
                tags,
            });
            found.synthesized.len() - 1
        }
    };
    Target::Synth(i)
}

/// The entity made for a data-protection authority the story does not name.
fn unnamed_dpa(found: &mut Found) -> Target {
    synthesize(
        found,
        "dpa/unnamed".into(),
        "Data-protection authority (not named)".into(),
        None,
        dpa_tags(),
    )
}

#[cfg(test)]
mod tests;
