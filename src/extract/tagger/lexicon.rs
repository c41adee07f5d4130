//! The gazetteers as the tagger reads them: one open-addressing table from the hash of
//! a lower-cased word (or of a phrase of several words) to flags saying which lists
//! hold it. Built once when training, stored in the model and read where it lies
//! (six bytes a slot, no parsing), so loading it costs nothing.

use super::hash;
use super::tokens::{Class, Token, tokenize};

/// Flags of a lexicon entry.
pub(crate) mod flag {
    /// A US male first name (1990 census).
    pub(crate) const FIRST_MALE: u16 = 1 << 0;
    /// A US female first name.
    pub(crate) const FIRST_FEMALE: u16 = 1 << 1;
    /// Among the 300 most common first names of either list.
    pub(crate) const FIRST_TOP: u16 = 1 << 2;
    /// A US surname.
    pub(crate) const LAST: u16 = 1 << 3;
    /// Among the 3,000 most common surnames.
    pub(crate) const LAST_TOP: u16 = 1 << 4;
    /// A city of more than 15,000 inhabitants.
    pub(crate) const CITY: u16 = 1 << 5;
    /// A first-level administrative region.
    pub(crate) const REGION: u16 = 1 << 6;
    /// A country or territory.
    pub(crate) const COUNTRY: u16 = 1 << 7;
    /// A nationality word ("Japanese").
    pub(crate) const NATIONALITY: u16 = 1 << 8;
    /// A company legal form ("inc.", "gmbh").
    pub(crate) const LEGAL: u16 = 1 << 9;
    /// A word of company names, or a ticker.
    pub(crate) const COMPANY: u16 = 1 << 10;
    /// The first word of a phrase entry (so phrases are only looked up there).
    pub(crate) const PHRASE_START: u16 = 1 << 11;
    /// The flags that say which list an entry is in (for features).
    pub(crate) const LISTS: u16 = (1 << 11) - 1;
}

/// The longest phrase entry looked up, in tokens.
pub(crate) const MAX_PHRASE: usize = 4;

const SLOT: usize = 6;
const WORD_SEED: u64 = 0x6c65_7869_636f_6e31;
const PHRASE_SEED: u64 = 0x7068_7261_7365_3031;

/// The hash of one lower-cased word, as the lexicon keys it.
pub(crate) fn word_key(lower: &str) -> u64 {
    hash::bytes(WORD_SEED, lower.as_bytes())
}

/// Extends a phrase key by the next word's key (`None` starts a phrase).
pub(crate) fn phrase_key(prefix: Option<u64>, word: u64) -> u64 {
    hash::mix(prefix.unwrap_or(PHRASE_SEED), word)
}

/// A read-only view of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lexicon<'a> {
    slots: &'a [u8],
    mask: u64,
}

impl<'a> Lexicon<'a> {
    /// A view of `bytes` (a power-of-two number of slots); `None` if it is not one.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Self> {
        let n = bytes.len() / SLOT;
        (n.is_power_of_two() && n * SLOT == bytes.len()).then_some(Lexicon {
            slots: bytes,
            mask: n as u64 - 1,
        })
    }

    /// The flags of `key` (0 when absent).
    pub(crate) fn get(&self, key: u64) -> u16 {
        let fp = fingerprint(key);
        let mut i = key & self.mask;
        // At most one round (a table written by `build` is never more than half full).
        for _ in 0..=self.mask {
            let at = i as usize * SLOT;
            let Some(s) = self.slots.get(at..at + SLOT) else {
                return 0;
            };
            let f = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            if f == fp {
                return u16::from_le_bytes([s[4], s[5]]);
            }
            if f == 0 {
                return 0;
            }
            i = (i + 1) & self.mask;
        }
        0
    }
}

fn fingerprint(key: u64) -> u32 {
    ((key >> 32) as u32) | 1
}

/// Builds the table from named gazetteer texts (one entry per line), as in
/// `../shared/data/ner/gazetteers/`: each file name decides the flags its entries get.
/// Files it does not know are ignored.
pub(crate) fn build(files: &[(&str, &str)]) -> Vec<u8> {
    let mut entries: Vec<(u64, u16)> = Vec::new();
    let mut toks = Vec::new();
    for (name, text) in files {
        let (flags, top) = match *name {
            "per_first_names_male.txt" => (flag::FIRST_MALE, Some((300, flag::FIRST_TOP))),
            "per_first_names_female.txt" => (flag::FIRST_FEMALE, Some((300, flag::FIRST_TOP))),
            "per_last_names.txt" => (flag::LAST, Some((3000, flag::LAST_TOP))),
            "loc_cities.txt" => (flag::CITY, None),
            "loc_regions.txt" => (flag::REGION, None),
            "loc_countries.txt" => (flag::COUNTRY, None),
            "misc_nationalities.txt" => (flag::NATIONALITY, None),
            "org_legal_suffixes.txt" => (flag::LEGAL, None),
            "org_company_words.txt" => (flag::COMPANY, None),
            _ => continue,
        };
        for (rank, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let f = match top {
                Some((n, extra)) if rank < n => flags | extra,
                _ => flags,
            };
            toks.clear();
            tokenize(line, &mut toks);
            add_entry(&mut entries, line, &toks, f);
        }
    }
    table(entries)
}

fn add_entry(entries: &mut Vec<(u64, u16)>, line: &str, toks: &[Token], f: u16) {
    let words: Vec<u64> = toks
        .iter()
        .filter(|t| t.class != Class::Punct || toks.len() == 1)
        .map(|t| word_key(&line[t.start..t.end].to_lowercase()))
        .collect();
    match words.as_slice() {
        [] => {}
        [w] => entries.push((*w, f)),
        ws if ws.len() <= MAX_PHRASE => {
            entries.push((ws[0], flag::PHRASE_START));
            let key = ws.iter().fold(None, |k, &w| Some(phrase_key(k, w)));
            if let Some(key) = key {
                entries.push((key, f));
            }
        }
        _ => {}
    }
}

/// Lays the entries out in a table at most half full.
fn table(mut entries: Vec<(u64, u16)>) -> Vec<u8> {
    entries.sort_unstable();
    let mut merged: Vec<(u64, u16)> = Vec::with_capacity(entries.len());
    for (k, f) in entries {
        match merged.last_mut() {
            Some((lk, lf)) if *lk == k => *lf |= f,
            _ => merged.push((k, f)),
        }
    }
    let n = (merged.len() * 2).next_power_of_two().max(16);
    let mask = n as u64 - 1;
    let mut out = vec![0u8; n * SLOT];
    for (k, f) in merged {
        let fp = fingerprint(k);
        let mut i = k & mask;
        loop {
            let at = i as usize * SLOT;
            let cur = u32::from_le_bytes([out[at], out[at + 1], out[at + 2], out[at + 3]]);
            if cur == 0 || cur == fp {
                let old = u16::from_le_bytes([out[at + 4], out[at + 5]]);
                out[at..at + 4].copy_from_slice(&fp.to_le_bytes());
                out[at + 4..at + 6].copy_from_slice(&(old | f).to_le_bytes());
                break;
            }
            i = (i + 1) & mask;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phrases() {
        let bytes = build(&[
            ("per_first_names_male.txt", "JAMES\nJOHN\n"),
            ("loc_cities.txt", "Kraków\nNew York\nRio de Janeiro\n"),
            ("loc_countries.txt", "Georgia\n"),
            ("per_last_names.txt", "GEORGIA\n"),
            ("unknown.txt", "Nothing\n"),
        ]);
        let lex = Lexicon::new(&bytes).unwrap();
        let w = |s: &str| lex.get(word_key(s));
        assert_eq!(w("james"), flag::FIRST_MALE | flag::FIRST_TOP);
        assert_eq!(w("kraków"), flag::CITY);
        assert_eq!(w("georgia"), flag::COUNTRY | flag::LAST | flag::LAST_TOP);
        assert_eq!(w("new"), flag::PHRASE_START);
        assert_eq!(w("nothing"), 0);
        let phrase = |ws: &[&str]| {
            ws.iter()
                .fold(None, |k, w| Some(phrase_key(k, word_key(w))))
        };
        assert_eq!(lex.get(phrase(&["new", "york"]).unwrap()), flag::CITY);
        assert_eq!(
            lex.get(phrase(&["rio", "de", "janeiro"]).unwrap()),
            flag::CITY
        );
        assert_eq!(lex.get(phrase(&["new", "jersey"]).unwrap()), 0);
        assert!(Lexicon::new(&[0u8; 7]).is_none());
    }
}
