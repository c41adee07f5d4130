//! Descriptions in the other languages of European news, where the English word
//! order does not hold:
//!
//! - French, Italian, Spanish and Portuguese put the place and the subject after the
//!   role: "l'autorità olandese per la protezione dei dati", "l'autorité irlandaise
//!   de protection des données", "la autoridad de protección de datos irlandesa",
//!   "il DPA olandese";
//! - German and Dutch write role and subject as one word after the place: "die
//!   dänische Datenschutzaufsichtsbehörde", "die sächsische Datenschutzbehörde", "de
//!   Ierse privacywaakhond".
//!
//! - German also writes the place as a genitive name or a city's adjective before the
//!   compound ("Niedersachsens Landesdatenschützerin", "der Hamburger
//!   Datenschutzbeauftragte"), or names a state's or the federal office without a
//!   place ("die Landesdatenschutzbeauftragte", "der Bundesdatenschutzbeauftragte").
//!
//! The place is an adjective or a name of these languages (a stem in [`DEMONYMS`]),
//! resolved to the knowledge-base place, whose data-protection authority the
//! description names as an English one would.

use super::{Doc, Hint, Parse, Place, Role, Subject};

/// Role words that put the place and subject after them, and whether plural.
const ROMANCE_ROLES: &[(&str, bool)] = &[
    ("autorité", false),
    ("autorités", true),
    ("autorità", false),
    ("autoridad", false),
    ("autoridades", true),
    ("autoridade", false),
    ("garante", false),
    ("gendarme", false),
    ("régulateur", false),
    ("regulador", false),
    ("regolatore", false),
    ("agence", false),
    ("agencia", false),
    ("agência", false),
    ("autoritat", false),
];

/// Subject words after such a role: data, privacy, personal.
const ROMANCE_SUBJECTS: &[&str] = &[
    "données",
    "dati",
    "datos",
    "dados",
    "privacy",
    "privée",
    "privacidad",
    "privacidade",
    "riservatezza",
    "personnelles",
    "personali",
    "personales",
    "pessoais",
    "informatique",
    "dades",
];

/// How many words after the role the place and the subject may stand.
const ROMANCE_REACH: usize = 10;

/// Beginnings and endings of German and Dutch compounds that are a data-protection
/// authority ("Datenschutzbehörde", "privacytoezichthouder"); plural endings last.
const COMPOUND_SUBJECTS: &[&str] = &["datenschutz", "privacy"];
const COMPOUND_ROLES: &[(&str, bool)] = &[
    ("behörde", false),
    ("aufsicht", false),
    ("beauftragte", false),
    ("beauftragter", false),
    ("toezichthouder", false),
    ("waakhond", false),
    ("autoriteit", false),
    ("behörden", true),
    ("beauftragten", true),
    ("toezichthouders", true),
];

/// German words for a data-protection official that hold the subject in another
/// spelling ("Datenschützerin"); like the compounds, they need a place before them.
const PROTECTORS: &[(&str, bool)] = &[
    ("datenschützer", false),
    ("datenschützerin", false),
    ("datenschützern", true),
    ("datenschützerinnen", true),
];

/// German prefixes of those compounds that say the level of government: a state's
/// office ("Landesdatenschutzbeauftragte") or the federal one
/// ("Bundesdatenschutzbeauftragter").
const LEVELS: &[(&str, Level)] = &[("landes", Level::State), ("bundes", Level::Federal)];

/// Stems of place adjectives (and some names) in French, Italian, Spanish,
/// Portuguese, German and Dutch, and the knowledge-base place. A word is the stem
/// and at most four more bytes of ending ("irland" + "ese", "aise", "és").
const DEMONYMS: &[(&str, &str)] = &[
    ("irland", "ie"),
    ("irisch", "ie"),
    ("iers", "ie"),
    ("françai", "fr"),
    ("frances", "fr"),
    ("francés", "fr"),
    ("francês", "fr"),
    ("französisch", "fr"),
    ("frans", "fr"),
    ("allemand", "de"),
    ("tedesc", "de"),
    ("alemán", "de"),
    ("aleman", "de"),
    ("alemã", "de"),
    ("deutsch", "de"),
    ("duits", "de"),
    ("italien", "it"),
    ("italian", "it"),
    ("italiaan", "it"),
    ("espagnol", "es"),
    ("spagnol", "es"),
    ("español", "es"),
    ("espanhol", "es"),
    ("spanisch", "es"),
    ("spaans", "es"),
    ("néerlandais", "nl"),
    ("olandes", "nl"),
    ("holandés", "nl"),
    ("holandes", "nl"),
    ("holandês", "nl"),
    ("neerlandés", "nl"),
    ("niederländisch", "nl"),
    ("holländisch", "nl"),
    ("nederlands", "nl"),
    ("belge", "be"),
    ("belga", "be"),
    ("belgisch", "be"),
    ("luxembourg", "lu"),
    ("lussemburgh", "lu"),
    ("luxemburg", "lu"),
    ("autrichien", "at"),
    ("austriac", "at"),
    ("austríac", "at"),
    ("österreichisch", "at"),
    ("oostenrijks", "at"),
    ("suédois", "se"),
    ("svedes", "se"),
    ("sueco", "se"),
    ("sueca", "se"),
    ("schwedisch", "se"),
    ("zweeds", "se"),
    ("danois", "dk"),
    ("danes", "dk"),
    ("danés", "dk"),
    ("dinamarqu", "dk"),
    ("dänisch", "dk"),
    ("deens", "dk"),
    ("norvégien", "no"),
    ("norveges", "no"),
    ("noruego", "no"),
    ("norueg", "no"),
    ("norwegisch", "no"),
    ("noors", "no"),
    ("finlandais", "fi"),
    ("finlandes", "fi"),
    ("finlandés", "fi"),
    ("finlandês", "fi"),
    ("finnisch", "fi"),
    ("polonais", "pl"),
    ("polacc", "pl"),
    ("polaco", "pl"),
    ("polaca", "pl"),
    ("polonês", "pl"),
    ("polnisch", "pl"),
    ("pools", "pl"),
    ("portugais", "pt"),
    ("portoghes", "pt"),
    ("portugués", "pt"),
    ("português", "pt"),
    ("portugues", "pt"),
    ("portugiesisch", "pt"),
    ("portugees", "pt"),
    ("grec", "gr"),
    ("griego", "gr"),
    ("grega", "gr"),
    ("grego", "gr"),
    ("griechisch", "gr"),
    ("grieks", "gr"),
    ("tchèque", "cz"),
    ("ceco", "cz"),
    ("ceca", "cz"),
    ("checo", "cz"),
    ("tcheco", "cz"),
    ("tschechisch", "cz"),
    ("tsjechisch", "cz"),
    ("hongrois", "hu"),
    ("ungheres", "hu"),
    ("húngar", "hu"),
    ("ungarisch", "hu"),
    ("hongaars", "hu"),
    ("roumain", "ro"),
    ("rumen", "ro"),
    ("rumano", "ro"),
    ("rumana", "ro"),
    ("romeno", "ro"),
    ("romena", "ro"),
    ("rumänisch", "ro"),
    ("roemeens", "ro"),
    ("bulgar", "bg"),
    ("búlgar", "bg"),
    ("bulgaars", "bg"),
    ("croate", "hr"),
    ("croat", "hr"),
    ("kroatisch", "hr"),
    ("slovaque", "sk"),
    ("slovacc", "sk"),
    ("eslovac", "sk"),
    ("slowakisch", "sk"),
    ("slowaaks", "sk"),
    ("slovène", "si"),
    ("slovena", "si"),
    ("sloveno", "si"),
    ("eslovena", "si"),
    ("esloveno", "si"),
    ("slowenisch", "si"),
    ("sloveens", "si"),
    ("estonien", "ee"),
    ("estone", "ee"),
    ("estonio", "ee"),
    ("estnisch", "ee"),
    ("letton", "lv"),
    ("lettone", "lv"),
    ("letón", "lv"),
    ("letão", "lv"),
    ("lettisch", "lv"),
    ("lituanien", "lt"),
    ("lituan", "lt"),
    ("litauisch", "lt"),
    ("litouws", "lt"),
    ("chypriote", "cy"),
    ("ciprio", "cy"),
    ("chipriota", "cy"),
    ("cipriota", "cy"),
    ("zypriotisch", "cy"),
    ("cypriotisch", "cy"),
    ("maltais", "mt"),
    ("maltes", "mt"),
    ("maltés", "mt"),
    ("maltês", "mt"),
    ("maltesisch", "mt"),
    ("britannique", "gb"),
    ("britannic", "gb"),
    ("británic", "gb"),
    ("britânic", "gb"),
    ("britisch", "gb"),
    ("brits", "gb"),
    ("suisse", "ch"),
    ("svizzer", "ch"),
    ("suizo", "ch"),
    ("suiza", "ch"),
    ("suíç", "ch"),
    ("schweizerisch", "ch"),
    ("zwitsers", "ch"),
    ("islandais", "is"),
    ("islandes", "is"),
    ("islandés", "is"),
    ("islandês", "is"),
    ("isländisch", "is"),
    ("ijslands", "is"),
    ("américain", "us"),
    ("statunitens", "us"),
    ("estadounidense", "us"),
    ("norte-american", "us"),
    ("amerikanisch", "us"),
    ("amerikaans", "us"),
    ("canadien", "ca"),
    ("canades", "ca"),
    ("canadiense", "ca"),
    ("canadense", "ca"),
    ("canadian", "ca"),
    ("kanadisch", "ca"),
    ("canadees", "ca"),
    ("australien", "au"),
    ("australian", "au"),
    ("australisch", "au"),
    ("brésilien", "br"),
    ("brasilian", "br"),
    ("brasileñ", "br"),
    ("brasileir", "br"),
    ("braziliaans", "br"),
    ("japonais", "jp"),
    ("giappones", "jp"),
    ("japonés", "jp"),
    ("japonês", "jp"),
    ("japanisch", "jp"),
    ("japans", "jp"),
    ("coréen", "kr"),
    ("sudcorean", "kr"),
    ("surcorean", "kr"),
    ("südkoreanisch", "kr"),
    ("zuid-koreaans", "kr"),
    ("chinois", "cn"),
    ("cines", "cn"),
    ("chinês", "cn"),
    ("chinesisch", "cn"),
    ("chinees", "cn"),
    ("turc", "tr"),
    ("türkisch", "tr"),
    ("turks", "tr"),
    // German states, whose authorities news in German names this way.
    ("bayerisch", "de-by"),
    ("sächsisch", "de-sn"),
    ("hessisch", "de-he"),
    ("hamburgisch", "de-hh"),
    ("niedersächsisch", "de-ni"),
    ("thüringisch", "de-th"),
    ("brandenburgisch", "de-bb"),
    ("baden-württembergisch", "de-bw"),
    ("rheinland-pfälzisch", "de-rp"),
    ("schleswig-holsteinisch", "de-sh"),
    ("saarländisch", "de-sl"),
    ("bremisch", "de-hb"),
    // German names of states and their cities' adjectives, as genitives and
    // attributes: "Niedersachsens", "Hamburger", "Berliner", "Thüringer".
    ("bayern", "de-by"),
    ("hamburg", "de-hh"),
    ("berlin", "de-be"),
    ("niedersachsen", "de-ni"),
    ("sachsen", "de-sn"),
    ("hessen", "de-he"),
    ("baden-württemberg", "de-bw"),
    ("nordrhein-westfalen", "de-nw"),
    ("nordrhein-westfälisch", "de-nw"),
    ("thüring", "de-th"),
    ("brandenburg", "de-bb"),
    ("rheinland-pfalz", "de-rp"),
    ("schleswig-holstein", "de-sh"),
    ("saarland", "de-sl"),
    ("bremen", "de-hb"),
    ("bremer", "de-hb"),
    ("mecklenburg-vorpommer", "de-mv"),
    ("sachsen-anhalt", "de-st"),
    // German names of countries, as genitives: "Irlands Datenschutzbehörde".
    ("deutschland", "de"),
    ("frankreich", "fr"),
    ("spanien", "es"),
    ("österreich", "at"),
    ("belgien", "be"),
    ("niederlande", "nl"),
    ("dänemark", "dk"),
    ("norwegen", "no"),
    ("schweden", "se"),
    ("finnland", "fi"),
    ("polen", "pl"),
    ("griechenland", "gr"),
    ("großbritannien", "gb"),
    ("schweiz", "ch"),
    // Catalan.
    ("catalan", "es-ct"),
];

/// Words between a Romance role and its place or subject that end the description:
/// a verb or clause ("l'autorité a infligé une amende au groupe français").
const ROMANCE_STOPS: &[&str] = &[
    "a", "ha", "hanno", "ont", "han", "tem", "têm", "est", "è", "es", "é", "que", "qui", "che",
];

/// `word` after an elided article ("l'autorità", "dell'autorità"). Only a word with
/// an apostrophe (or a typographic one, whose first byte is 0xE2) can hold one, and
/// the cheap byte test spares every other word the split.
fn elided(word: &str) -> &str {
    if word.bytes().any(|b| b == b'\'' || b == 0xE2) {
        word.rsplit(['\'', '’']).next().unwrap_or(word)
    } else {
        word
    }
}

/// `word` in lower case, after an elided article.
fn bare(word: &str) -> String {
    elided(word).to_lowercase()
}

/// Whether `a` in lower case is `b` (lower case), without allocating. The byte
/// lengths first: the letters of the listed words keep their length in either case.
fn lower_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.chars().flat_map(char::to_lowercase).eq(b.chars())
}

/// The role word `word` is ("autorità", "Datenschutzbehörde"), and whether it is
/// plural. Compared without allocating: this runs on every word of every story.
fn role_of(word: &str) -> Option<RoleWord> {
    let w = elided(word);
    // Every role word has six letters or more; its first letter says which list
    // can hold it: the Romance roles start with a, g or r, the German and Dutch
    // words with d or p, after a level's prefix (l, b) if any.
    if w.len() < 6 {
        return None;
    }
    let (level, w) = match w.as_bytes()[0].to_ascii_lowercase() {
        b'a' | b'g' | b'r' => {
            return ROMANCE_ROLES
                .iter()
                .find(|(r, _)| lower_eq(w, r))
                .map(|&(_, plural)| RoleWord::Romance(plural));
        }
        b'l' | b'b' => LEVELS
            .iter()
            .find_map(|&(prefix, level)| Some((Some(level), strip_prefix_ci(w, prefix)?)))?,
        b'd' | b'p' => (None, w),
        _ => return None,
    };
    if let Some(&(_, plural)) = PROTECTORS.iter().find(|(p, _)| lower_eq(w, p)) {
        return Some(RoleWord::Compound { plural, level });
    }
    let rest = COMPOUND_SUBJECTS
        .iter()
        .find_map(|s| strip_prefix_ci(w, s))?
        .to_lowercase();
    COMPOUND_ROLES
        .iter()
        .find(|(end, _)| rest.ends_with(end))
        .map(|&(_, plural)| RoleWord::Compound { plural, level })
}

/// `w` after `prefix` (lower-case ASCII), compared case-insensitively.
fn strip_prefix_ci<'w>(w: &'w str, prefix: &str) -> Option<&'w str> {
    w.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| w.get(prefix.len()..))
}

/// What kind of role word a word is.
enum RoleWord {
    /// Place and subject after it; plural.
    Romance(bool),
    /// Place before it, subject inside it; plural, and the level of government its
    /// prefix names.
    Compound { plural: bool, level: Option<Level> },
}

/// The level of government a German compound's prefix names.
#[derive(Clone, Copy)]
enum Level {
    /// "Landes-": one of the states, which one the place before says.
    State,
    /// "Bundes-": the federal office.
    Federal,
}

impl Doc<'_> {
    /// The foreign-language description whose role word is token `r`.
    pub(super) fn parse_foreign(&self, r: usize) -> Option<Parse> {
        let word = self.word(r);
        // "il DPA olandese": the place right after (English has it before).
        if word == "DPA" || word == "DPAs" {
            let place = Some(r + 1)
                .filter(|&t| t < self.toks.len() && self.joined(r))
                .and_then(|t| self.foreign_place(t))?;
            return Some(self.foreign_parse(r, r + 1, word == "DPAs", place));
        }
        let (plural, level) = match role_of(word)? {
            RoleWord::Romance(plural) => return self.romance(r, plural),
            RoleWord::Compound { plural, level } => (plural, level),
        };
        // The place right before: "die dänische Datenschutzbehörde",
        // "Niedersachsens Landesdatenschützerin".
        let before = r
            .checked_sub(1)
            .filter(|&p| self.joined(p))
            .and_then(|p| self.foreign_place(p));
        if let Some(place) = before {
            return Some(self.foreign_parse(place.first, r, plural, place));
        }
        // Or a genitive after: "die Datenschutzbehörde Hamburgs".
        if let Some(place) = self.genitive_after(r) {
            return Some(self.foreign_parse(r, place.last, plural, place));
        }
        // Without one, the prefix: a state's office, which state unknown, is one of
        // Germany's authorities; the federal office is Germany's own.
        let plural = plural || matches!(level?, Level::State);
        Some(self.foreign_parse(r, r, plural, self.place_at("de", r)?))
    }

    /// "l'autorità olandese per la protezione dei dati": a place and a subject
    /// within reach after the role, in its sentence.
    fn romance(&self, r: usize, plural: bool) -> Option<Parse> {
        let sentence = self.seg.sentence_of(self.toks[r].start);
        let mut place = None;
        let mut subject = false;
        let mut last = r;
        for t in r + 1..(r + 1 + ROMANCE_REACH).min(self.toks.len()) {
            if self.toks[t].start >= sentence.end || self.covered[t] {
                break;
            }
            let w = bare(self.word(t));
            if ROMANCE_STOPS.contains(&w.as_str()) {
                break;
            }
            if ROMANCE_SUBJECTS.contains(&w.as_str()) {
                subject = true;
                last = t;
            } else if place.is_none() {
                if let Some(p) = self.foreign_place(t) {
                    place = Some(p);
                    last = t;
                }
            }
            if subject && place.is_some() {
                break;
            }
        }
        let place = place.filter(|_| subject)?;
        Some(self.foreign_parse(r, last, plural, place))
    }

    /// The place named by a German genitive right after token `r`
    /// ("Datenschutzbehörde Hamburgs", "Datenschutzbeauftragter Niedersachsens").
    pub(super) fn genitive_after(&self, r: usize) -> Option<Place> {
        let t = r + 1;
        (t < self.toks.len() && self.joined(r) && self.word(t).ends_with('s'))
            .then(|| self.foreign_place(t))
            .flatten()
    }

    /// The knowledge-base place that token `t` is an adjective of.
    pub(super) fn foreign_place(&self, t: usize) -> Option<Place> {
        let w = bare(self.word(t));
        let id = DEMONYMS
            .iter()
            .find(|(stem, _)| w.starts_with(stem) && w.len() - stem.len() <= 4)
            .map(|&(_, id)| id)?;
        self.place_at(id, t)
    }

    /// The knowledge-base place `id`, as if named by token `t`.
    fn place_at(&self, id: &str, t: usize) -> Option<Place> {
        let place = self.kb.index_of(id)? as u32;
        let jurisdiction = *self.d.jurisdiction.get(&place)?;
        Some(Place {
            first: t,
            last: t,
            place,
            jurisdiction,
        })
    }

    /// A description of tokens `first..=last` with a data subject.
    fn foreign_parse(&self, first: usize, last: usize, plural: bool, place: Place) -> Parse {
        let sentence_start = self.opens_sentence(first);
        Parse {
            first,
            last,
            role: Role {
                plural,
                bare: true,
                hint: Hint::None,
                department: false,
            },
            place: Some(place),
            subject: Some(Subject::Data),
            definite: true,
            indefinite: false,
            sentence_start,
        }
    }
}
