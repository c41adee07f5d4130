//! Where the tagger's names join the extraction. The knowledge base wins: a tagged
//! name that overlaps a knowledge-base mention is dropped, unless the mention is a
//! place inside it ("Kenya" in "Kenya Revenue Authority"), which stays a mention of
//! the place. The word-list rules of `names` come next (they fire on strong evidence:
//! a legal suffix, a title, "the city of"): a tagged name overlapping one of theirs is
//! dropped too, unless theirs are only persons strictly inside it (a title or given
//! name read short: "Prosecution Service" in "Crown Prosecution Service"), which the
//! tagger's name replaces. What is left becomes an unknown name, numbered and
//! identified like theirs (`person/noel-quinn`), with the tagger's confidence; a lone
//! surname of a person already found is a mention of that person. Where the knowledge
//! base ruled its own alias out (a veto word, no context), it knows better: no name
//! there.
//!
//! A person's name is never a place: a place the base found inside a tagged person
//! ("Paris" in "Valeska Paris") is withdrawn, and later the same word alone, unless a
//! preposition of place comes before it ("Paris told the ABC", not "moved to Paris"),
//! is that person.

use std::collections::HashMap;

use super::{Label, Tagged};
use crate::extract::names::{Found, Known, Names, Unknown, UnknownMention, slug};
use crate::model::EntityKind;

/// Adds the tagger's names in `tagged` to `found` (the word-list rules' result over
/// the same text), given the knowledge-base mentions `known` (sorted by start) of
/// which `found.withdrawn` lists the ones withdrawn, and the stretches the knowledge
/// base ruled out: a name there or within is not taken ("Apple" among apple growers,
/// "Brussels" sprouts).
pub(crate) fn absorb(
    text: &str,
    tagged: &[Tagged],
    known: &[Known],
    ruled_out: &[(usize, usize)],
    names: &Names,
    found: &mut Found,
) {
    if tagged.is_empty() {
        return;
    }
    let live = Live::new(
        known
            .iter()
            .enumerate()
            .filter(|(k, _)| found.withdrawn.binary_search(k).is_err())
            .collect(),
    );
    let mut taken: Vec<(usize, usize)> = found.mentions.iter().map(|m| (m.start, m.end)).collect();
    taken.sort_unstable();
    let mut by_name: HashMap<String, usize> = found
        .unknowns
        .iter()
        .enumerate()
        .map(|(u, x)| (x.name.clone(), u))
        .collect();
    let mut ids: HashMap<String, usize> = found
        .unknowns
        .iter()
        .enumerate()
        .map(|(u, x)| (x.id.clone(), u))
        .collect();
    for t in tagged {
        let kind = match t.label {
            Label::Person => EntityKind::Person,
            Label::Location => EntityKind::Location,
            Label::Organization => EntityKind::Organization,
            Label::Misc => continue,
        };
        let Some(name) = text.get(t.start..t.end) else {
            continue;
        };
        let next = text
            .get(t.end..)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
            .unwrap_or_default();
        let Some(kind) = names.tagged_kind(name, next, kind) else {
            continue;
        };
        let vetoed = ruled_out.iter().any(|&(s, e)| s <= t.start && t.end <= e);
        if vetoed || !kb_allows(&live, t.start, t.end) {
            continue;
        }
        if overlaps(&taken, t.start, t.end) {
            if !persons_read_short(found, &taken, t.start, t.end) {
                continue;
            }
            found
                .mentions
                .retain(|m| m.end <= t.start || m.start >= t.end);
            taken.retain(|&(s, e)| e <= t.start || s >= t.end);
        }
        if kind == EntityKind::Person {
            found.withdrawn.extend(places_within(&live, t.start, t.end));
        }
        let short_of = if kind == EntityKind::Person {
            organisation_short_form(text, name, &live, found)
        } else {
            None
        };
        let u = match (by_name.get(name), short_of) {
            // "Crowd Machine" after "Crowd Machine Compute", "Chase" after "JPMorgan
            // Chase": a short form of an organisation, not a person.
            (_, Some(ShortOf::Known)) => continue,
            (_, Some(ShortOf::Unknown(u))) => u,
            (Some(&u), None) => u,
            (None, None) if kind == EntityKind::Person && !name.contains(' ') => {
                match person_with_surname(found, name) {
                    Some(u) => u,
                    None => new_unknown(found, &mut by_name, &mut ids, name, kind, t.confidence),
                }
            }
            (None, None) => new_unknown(found, &mut by_name, &mut ids, name, kind, t.confidence),
        };
        found.mentions.push(UnknownMention {
            start: t.start,
            end: t.end,
            unknown: u,
        });
        let at = taken.partition_point(|&(s, _)| s < t.start);
        taken.insert(at, (t.start, t.end));
    }
    surnames_over_places(text, &live, found);
    found.withdrawn.sort_unstable();
    found.withdrawn.dedup();
    found.mentions.sort_by_key(|m| (m.start, m.end));
}

/// The organisation a name is a short form of.
enum ShortOf {
    /// One the knowledge base found.
    Known,
    /// This unknown one.
    Unknown(usize),
}

/// Whether `name` (tagged as a person) is the first words or the last word of a
/// longer organisation's name found before it: "Crowd Machine" of "Crowd Machine
/// Compute", "Chase" of "JPMorgan Chase".
fn organisation_short_form(
    text: &str,
    name: &str,
    live: &Live<'_>,
    found: &Found,
) -> Option<ShortOf> {
    let shortens = |org: &str| {
        org.len() > name.len()
            && ((org.starts_with(name) && org[name.len()..].starts_with(' '))
                || (!name.contains(' ')
                    && org.ends_with(name)
                    && org[..org.len() - name.len()].ends_with(' ')))
    };
    let orgs = |k: EntityKind| matches!(k, EntityKind::Organization | EntityKind::Regulator);
    if let Some(u) = found
        .unknowns
        .iter()
        .position(|x| orgs(x.kind) && shortens(&x.name))
    {
        return Some(ShortOf::Unknown(u));
    }
    live.mentions
        .iter()
        .any(|(_, m)| orgs(m.kind) && text.get(m.start..m.end).is_some_and(shortens))
        .then_some(ShortOf::Known)
}

/// Words before a place that keep it a place ("moved to Paris").
const PLACE_PREPOSITIONS: &[&str] = &[
    "in", "at", "from", "to", "near", "of", "into", "across", "around", "outside", "inside", "via",
    "through", "toward", "towards", "visit", "visited", "visiting", "visits",
];

/// A one-word place of the base that is the surname of a tagged person, with no
/// preposition of place before it, becomes a mention of that person.
fn surnames_over_places(text: &str, live: &Live<'_>, found: &mut Found) {
    // Surname → the one tagged person with it (None when two share it). Persons
    // left with no mention (a longer name replaced them) are no one's surname.
    let mut has_mention = vec![false; found.unknowns.len()];
    for m in &found.mentions {
        if let Some(h) = has_mention.get_mut(m.unknown) {
            *h = true;
        }
    }
    let mut surnames: HashMap<&str, Option<usize>> = HashMap::new();
    for (u, x) in found.unknowns.iter().enumerate() {
        if x.kind != EntityKind::Person || !has_mention[u] {
            continue;
        }
        if let Some((_, last)) = x.name.rsplit_once(' ') {
            surnames
                .entry(last)
                .and_modify(|v| *v = None)
                .or_insert(Some(u));
        }
    }
    if surnames.is_empty() {
        return;
    }
    found.withdrawn.sort_unstable();
    let mut taken = Vec::new();
    for &(k, m) in &live.mentions {
        if m.kind != EntityKind::Location || found.withdrawn.binary_search(&k).is_ok() {
            continue;
        }
        let Some(&Some(u)) = text.get(m.start..m.end).and_then(|w| surnames.get(w)) else {
            continue;
        };
        let before = text[..m.start]
            .trim_end()
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_lowercase();
        if PLACE_PREPOSITIONS.contains(&before.as_str()) {
            continue;
        }
        taken.push((k, m.start, m.end, u));
    }
    for (k, start, end, unknown) in taken {
        found.withdrawn.push(k);
        found.mentions.push(UnknownMention {
            start,
            end,
            unknown,
        });
    }
}

/// The indices of the base's places inside `start..end`.
fn places_within(live: &Live<'_>, start: usize, end: usize) -> Vec<usize> {
    live.around(start, end)
        .filter(|(_, m)| m.kind == EntityKind::Location && m.start >= start && m.end <= end)
        .map(|&(k, _)| k)
        .collect()
}

/// The knowledge-base mentions still standing, each with its index among all, sorted
/// by start.
struct Live<'a> {
    mentions: Vec<(usize, &'a Known)>,
    /// `reach[i]`: the furthest end among `mentions[..=i]`. A nested place ("Korea" in
    /// "South Korea") ends before the name around it, so ends are not sorted.
    reach: Vec<usize>,
}

impl<'a> Live<'a> {
    fn new(mentions: Vec<(usize, &'a Known)>) -> Self {
        let reach = mentions
            .iter()
            .scan(0, |far, (_, m)| {
                *far = (*far).max(m.end);
                Some(*far)
            })
            .collect();
        Live { mentions, reach }
    }

    /// The mentions overlapping `start..end`.
    fn around(&self, start: usize, end: usize) -> impl Iterator<Item = &(usize, &'a Known)> {
        let lo = self.reach.partition_point(|&e| e <= start);
        self.mentions[lo..]
            .iter()
            .take_while(move |(_, m)| m.start < end)
            .filter(move |(_, m)| m.end > start)
    }
}

/// Whether a name at `start..end` may stand beside the knowledge-base mentions: it
/// overlaps none, or only places wholly inside it and shorter than it.
fn kb_allows(live: &Live<'_>, start: usize, end: usize) -> bool {
    live.around(start, end).all(|(_, m)| {
        m.kind == EntityKind::Location
            && m.start >= start
            && m.end <= end
            && m.end - m.start < end - start
    })
}

/// Whether every name the word-list rules found overlapping `start..end` is a person
/// strictly inside it: the rules read a given name or a title and stopped short of
/// the name the tagger read whole ("Claire" in "Claire's Accessories", "Prosecution
/// Service" after the title "Crown" in "Crown Prosecution Service"). The tagger's
/// longer name replaces them. Their other evidence (a legal suffix, "the city of")
/// marks where a name ends, and stays.
fn persons_read_short(found: &Found, taken: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = taken.partition_point(|&(s, _)| s < end);
    taken[..i]
        .iter()
        .filter(|&&(_, e)| start < e)
        .all(|&(s, e)| {
            s >= start
                && e <= end
                && e - s < end - start
                && found.mentions.iter().any(|m| {
                    m.start == s
                        && m.end == e
                        && found.unknowns[m.unknown].kind == EntityKind::Person
                })
        })
}

/// Whether `start..end` overlaps one of `taken` (sorted by start).
fn overlaps(taken: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = taken.partition_point(|&(s, _)| s < end);
    taken[..i].iter().any(|&(_, e)| start < e)
}

/// The one person found whose name ends in `surname` (none when two do).
/// (A person whose every mention a longer tagged name replaced is no one.)
fn person_with_surname(found: &Found, surname: &str) -> Option<usize> {
    let mut hits = found.unknowns.iter().enumerate().filter(|(u, x)| {
        x.kind == EntityKind::Person
            && x.name.len() > surname.len()
            && x.name.ends_with(surname)
            && x.name[..x.name.len() - surname.len()].ends_with(' ')
            && mentioned(found, *u)
    });
    let first = hits.next()?.0;
    hits.next().is_none().then_some(first)
}

/// Whether unknown `u` still has a mention (a scan: for the few candidates of one
/// surname; [`surnames_over_places`] marks every unknown in one pass instead).
fn mentioned(found: &Found, u: usize) -> bool {
    found.mentions.iter().any(|m| m.unknown == u)
}

fn new_unknown(
    found: &mut Found,
    by_name: &mut HashMap<String, usize>,
    ids: &mut HashMap<String, usize>,
    name: &str,
    kind: EntityKind,
    confidence: f32,
) -> usize {
    let base = format!("{}/{}", kind.as_str(), slug(name));
    let mut id = base.clone();
    let mut n = 1;
    while ids.contains_key(&id) {
        n += 1;
        id = format!("{base}-{n}");
    }
    let u = found.unknowns.len();
    found.unknowns.push(Unknown {
        id: id.clone(),
        name: name.to_string(),
        kind,
        confidence,
    });
    ids.insert(id, u);
    by_name.insert(name.to_string(), u);
    u
}
