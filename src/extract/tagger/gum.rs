//! GUM's CoNLL-U files as named-entity documents. GUM annotates every mention
//! (pronouns, common nouns, nested mentions) with an entity type; a mention is a
//! name when its head is a proper noun (`NNP`/`NNPS`), and the name is the run of
//! proper nouns around the head (with the connectors between them, "Bank of
//! America", and, for organisations and places, capitalised adjectives before them,
//! "Indonesian Navy"), without the titles and nested places before a person's name
//! ("US President Barack Obama" → "US" a place, "Barack Obama" a person). Outer
//! mentions are taken first; a mention overlapping a name already taken is not.
//! Types: person PER, place LOC, organization ORG, any other MISC (events, works,
//! objects); a lone plural proper noun typed person ("Muslims") is MISC.

use std::ops::Range;

use super::Label;
use super::corpus::{Document, Span};

/// One token: form, PTB tag, head (1-based, 0 for the root), Entity annotation.
struct Tok {
    form: String,
    xpos: String,
    head: usize,
    entity: String,
}

struct Sent {
    text: String,
    toks: Vec<Tok>,
    newpar: bool,
}

/// A mention: token range and type.
struct Mention {
    tokens: Range<usize>,
    kind: String,
}

/// Titles and roles before a person's name (lower case).
const TITLES: &[&str] = &[
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "president",
    "senator",
    "sen.",
    "governor",
    "gov.",
    "mayor",
    "minister",
    "prime",
    "secretary",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "general",
    "gen.",
    "captain",
    "capt.",
    "judge",
    "justice",
    "chancellor",
    "chairman",
    "chairwoman",
    "chair",
    "director",
    "professor",
    "doctor",
    "sir",
    "lord",
    "lady",
    "saint",
    "st.",
    "rep.",
    "representative",
    "commissioner",
    "premier",
    "sheikh",
    "ayatollah",
    "vice",
    "chief",
    "deputy",
    "former",
    "late",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "officer",
    "major",
    "colonel",
    "col.",
    "lieutenant",
    "lt.",
    "sergeant",
    "sgt.",
    "admiral",
    "emperor",
    "sultan",
    "bishop",
    "archbishop",
    "cardinal",
    "rabbi",
    "reverend",
    "rev.",
    "father",
    "brother",
    "sister",
    "coach",
    "manager",
    "ceo",
    "leader",
    "candidate",
    "senior",
    "first",
    "congressman",
    "congresswoman",
    "councillor",
    "councilman",
    "attorney",
    "detective",
    "inspector",
    "constable",
    "officer",
    "agent",
    "astronaut",
    "dame",
    "baron",
    "count",
    "duke",
    "duchess",
    "mrs.",
    "miss",
    "madam",
];

/// Words that join proper nouns inside a name.
const CONNECTORS: &[&str] = &[
    "of", "and", "&", "de", "du", "la", "le", "von", "van", "der", "den", "for", "the", "da", "di",
    "del", "al", "bin", "y", "-", "on", "upon",
];

/// Reads one GUM CoNLL-U file (one document): paragraphs (`# newpar`) separated by
/// blank lines, sentences by a space, each sentence's text as GUM gives it.
pub(crate) fn read_gum_conllu(path: &str, text: &str) -> Option<Document> {
    let sents = parse(text);
    let mut out = String::new();
    let mut gold = Vec::new();
    for s in &sents {
        if !out.is_empty() {
            out.push_str(if s.newpar { "\n\n" } else { " " });
        }
        let base = out.len();
        out.push_str(&s.text);
        let Some(offsets) = align(&s.text, &s.toks) else {
            continue;
        };
        for (r, label) in names(&s.toks) {
            gold.push(Span {
                start: base + offsets[r.start].start,
                end: base + offsets[r.end - 1].end,
                label,
            });
        }
    }
    gold.sort();
    (!out.is_empty()).then(|| Document {
        id: path.to_string(),
        corpus: "gum".to_string(),
        text: out,
        gold,
    })
}

fn parse(text: &str) -> Vec<Sent> {
    let mut out = Vec::new();
    let mut cur = Sent {
        text: String::new(),
        toks: Vec::new(),
        newpar: false,
    };
    let mut newpar = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.toks.is_empty() {
                out.push(std::mem::replace(
                    &mut cur,
                    Sent {
                        text: String::new(),
                        toks: Vec::new(),
                        newpar: false,
                    },
                ));
            }
            continue;
        }
        if line == "# newpar" || line.starts_with("# newpar ") {
            newpar = true;
        } else if let Some(t) = line.strip_prefix("# text = ") {
            cur.text = t.to_string();
            cur.newpar = std::mem::take(&mut newpar);
        } else if !line.starts_with('#') {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 10 || cols[0].contains(['-', '.']) {
                continue;
            }
            let entity = cols[9]
                .split('|')
                .find_map(|m| m.strip_prefix("Entity="))
                .unwrap_or("")
                .to_string();
            cur.toks.push(Tok {
                form: cols[1].to_string(),
                xpos: cols[4].to_string(),
                head: cols[6].parse().unwrap_or(0),
                entity,
            });
        }
    }
    if !cur.toks.is_empty() {
        out.push(cur);
    }
    out
}

/// Each token's byte range in the sentence text (forms found in order).
fn align(text: &str, toks: &[Tok]) -> Option<Vec<Range<usize>>> {
    let mut at = 0;
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        let rest = text.get(at..)?;
        let skip = rest.len() - rest.trim_start().len();
        let start = at + skip;
        if !text.get(start..)?.starts_with(&t.form) {
            return None;
        }
        out.push(start..start + t.form.len());
        at = start + t.form.len();
    }
    Some(out)
}

/// The mentions of a sentence, from the Entity annotations ("(3-place-…" opens
/// entity 3, "3)" closes it, "(4-time-…)" is a one-token mention).
fn mentions(toks: &[Tok]) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut open: Vec<(String, usize, String)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let s = t.entity.as_str();
        let mut pos = 0;
        while pos < s.len() {
            let rest = &s[pos..];
            if let Some(body) = rest.strip_prefix('(') {
                let len = body.find(['(', ')']).unwrap_or(body.len());
                let fields: Vec<&str> = body[..len].split('-').collect();
                let (id, kind) = (
                    fields.first().copied().unwrap_or(""),
                    fields.get(1).copied().unwrap_or(""),
                );
                if body[len..].starts_with(')') {
                    out.push(Mention {
                        tokens: i..i + 1,
                        kind: kind.to_string(),
                    });
                    pos += 1 + len + 1;
                } else {
                    open.push((id.to_string(), i, kind.to_string()));
                    pos += 1 + len;
                }
            } else {
                let len = rest.find(')').unwrap_or(rest.len());
                let id = &rest[..len];
                if let Some(k) = open.iter().rposition(|(o, _, _)| o == id) {
                    let (_, start, kind) = open.remove(k);
                    out.push(Mention {
                        tokens: start..i + 1,
                        kind,
                    });
                }
                pos += len + 1;
            }
        }
    }
    out
}

fn proper(t: &Tok) -> bool {
    matches!(t.xpos.as_str(), "NNP" | "NNPS")
}

fn lower(t: &Tok) -> String {
    t.form.to_lowercase()
}

/// The names of a sentence: token ranges and labels.
fn names(toks: &[Tok]) -> Vec<(Range<usize>, Label)> {
    let mut ms = mentions(toks);
    ms.sort_by_key(|m| (std::cmp::Reverse(m.tokens.len()), m.tokens.start));
    let mut taken: Vec<(Range<usize>, Label)> = Vec::new();
    for m in &ms {
        let Some((r, label)) = name_of(toks, m, &ms) else {
            continue;
        };
        if taken
            .iter()
            .all(|(t, _)| r.end <= t.start || t.end <= r.start)
        {
            taken.push((r, label));
        }
    }
    taken.sort_by_key(|(r, _)| r.start);
    taken
}

fn name_of(toks: &[Tok], m: &Mention, all: &[Mention]) -> Option<(Range<usize>, Label)> {
    let (a, b) = (m.tokens.start, m.tokens.end);
    // The head: the token whose own head is outside the mention.
    let h = (a..b)
        .rev()
        .find(|&k| toks[k].head == 0 || toks[k].head <= a || toks[k].head > b)?;
    if !proper(&toks[h]) || matches!(m.kind.as_str(), "time" | "quantity") {
        return None;
    }
    let is_connector =
        |k: usize| CONNECTORS.contains(&lower(&toks[k]).as_str()) || toks[k].xpos == "HYPH";
    let (mut l, mut r) = (h, h + 1);
    loop {
        // Over up to two connectors to a proper noun on the left.
        let mut k = l;
        while k > a && k + 2 >= l && is_connector(k - 1) {
            k -= 1;
        }
        if k > a && proper(&toks[k - 1]) {
            l = k - 1;
        } else {
            break;
        }
    }
    loop {
        let mut k = r;
        while k < b && k <= r + 1 && is_connector(k) {
            k += 1;
        }
        if k < b && proper(&toks[k]) {
            r = k + 1;
        } else {
            break;
        }
    }
    let label = match m.kind.as_str() {
        "person" => Label::Person,
        "place" => Label::Location,
        "organization" => Label::Organization,
        _ => Label::Misc,
    };
    if label == Label::Person {
        if TITLES.contains(&lower(&toks[h]).as_str()) {
            return None;
        }
        loop {
            // A nested name before the person's ("US President …"), a title, an
            // adjective: not part of the name.
            let nested = all.iter().find(|n| {
                n.tokens.start == l && n.tokens.end <= h && n.tokens.len() < m.tokens.len()
            });
            if let Some(n) = nested {
                l = n.tokens.end;
            } else if l < h
                && (TITLES.contains(&lower(&toks[l]).as_str())
                    || toks[l].xpos == "JJ"
                    || is_connector(l))
            {
                l += 1;
            } else {
                break;
            }
        }
        if r - l == 1 && toks[l].xpos == "NNPS" {
            return Some((l..r, Label::Misc));
        }
    } else {
        while l > a
            && toks[l - 1].xpos == "JJ"
            && toks[l - 1]
                .form
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
        {
            l -= 1;
        }
    }
    Some((l..r, label))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: usize, form: &str, xpos: &str, head: usize, entity: &str) -> String {
        let misc = if entity.is_empty() {
            "_".to_string()
        } else {
            format!("Entity={entity}")
        };
        format!("{id}\t{form}\t_\t_\t{xpos}\t_\t{head}\t_\t_\t{misc}\n")
    }

    #[test]
    fn names_from_mentions() {
        let mut text =
            String::from("# newpar\n# text = US President Barack Obama met the Indonesian Navy.\n");
        text += &line(
            1,
            "US",
            "NNP",
            4,
            "(1-person-new-x-x-x-x-Barack_Obama(2-place-new-x-x-x-x-United_States)",
        );
        text += &line(2, "President", "NNP", 4, "");
        text += &line(3, "Barack", "NNP", 4, "");
        text += &line(4, "Obama", "NNP", 5, "1)");
        text += &line(5, "met", "VBD", 0, "");
        text += &line(
            6,
            "the",
            "DT",
            8,
            "(3-organization-new-x-x-x-x-Indonesian_Navy",
        );
        text += &line(7, "Indonesian", "JJ", 8, "");
        text += &line(8, "Navy", "NNP", 5, "3)");
        text += &line(9, ".", ".", 5, "");
        let d = read_gum_conllu("gum/GUM_news_x.conllu", &text).unwrap();
        let got: Vec<(&str, Label)> = d
            .gold
            .iter()
            .map(|s| (&d.text[s.start..s.end], s.label))
            .collect();
        assert_eq!(
            got,
            [
                ("US", Label::Location),
                ("Barack Obama", Label::Person),
                ("Indonesian Navy", Label::Organization)
            ]
        );
    }
}
