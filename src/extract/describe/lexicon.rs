//! The words of descriptions that name a regulator by what it is: roles ("watchdog",
//! "authorities"), subjects ("data protection", "privacy") and the modifiers that may
//! stand between them and the place ("top", "federal"). All lower case; data only.

/// What a subject word says the regulator oversees: the knowledge-base tag of the
/// authorities that fit, or the only subject words that are not one on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    /// Personal data and privacy: the tag `dpa`.
    Data,
    /// The internet and cyberspace: the tag `internet` (China's CAC, Roskomnadzor).
    Internet,
    /// "protection", "personal": a subject only next to a `Data` or sector word
    /// ("data protection", "consumer protection"), never alone ("the protection
    /// authority").
    Joiner,
    /// Another sector a regulator oversees ("South Korea's communications regulator",
    /// "the Irish competition watchdog"): a regulator of the place, not its
    /// data-protection authority (the privacy rule counts it only where the sentence
    /// is about personal data). The sector's name.
    Sector(&'static str),
}

/// Subject words and what they say. A role needs at least one `Data` or `Internet`
/// word to name a data-protection or internet authority, a `Sector` word to name
/// another regulator; `Joiner` words without either ("national security agency") make
/// it no description at all.
pub(super) const SUBJECTS: &[(&str, Subject)] = &[
    ("data", Subject::Data),
    ("privacy", Subject::Data),
    ("information", Subject::Data),
    ("data-protection", Subject::Data),
    ("data-privacy", Subject::Data),
    ("supervisory", Subject::Data),
    ("protection", Subject::Joiner),
    ("personal", Subject::Joiner),
    ("security", Subject::Joiner),
    ("internet", Subject::Internet),
    ("cyberspace", Subject::Internet),
    ("cybersecurity", Subject::Internet),
    ("cyber", Subject::Internet),
    ("communications", Subject::Sector("communications")),
    ("telecommunications", Subject::Sector("communications")),
    ("telecoms", Subject::Sector("communications")),
    ("telecom", Subject::Sector("communications")),
    ("media", Subject::Sector("media")),
    ("broadcasting", Subject::Sector("media")),
    ("consumer", Subject::Sector("consumer")),
    ("competition", Subject::Sector("competition")),
    ("antitrust", Subject::Sector("competition")),
    ("financial", Subject::Sector("financial")),
    ("securities", Subject::Sector("financial")),
    ("markets", Subject::Sector("financial")),
    ("banking", Subject::Sector("financial")),
    ("health", Subject::Sector("health")),
    ("safety", Subject::Sector("safety")),
];

/// A hint from the role word for choosing between several authorities of one place
/// (the EU has a board and a supervisor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hint {
    /// No preference.
    None,
    /// Prefer an authority whose name has this word.
    Named(&'static str),
}

/// A role word: its plural-ness, and whether it can name a regulator without a
/// subject ("UK regulators", "the watchdog"), or only with one ("the data protection
/// authorities": "authorities" alone is any government). A government department
/// ("ministry") names a regulator only with a sector subject and a place before it
/// ("Japan's communications ministry"): "the information ministry" is no
/// data-protection authority.
#[derive(Debug, Clone, Copy)]
pub(super) struct Role {
    pub(super) plural: bool,
    pub(super) bare: bool,
    pub(super) hint: Hint,
    pub(super) department: bool,
}

const fn role(plural: bool, bare: bool, hint: Hint) -> Role {
    Role {
        plural,
        bare,
        hint,
        department: false,
    }
}

const fn department(plural: bool) -> Role {
    Role {
        plural,
        bare: false,
        hint: Hint::None,
        department: true,
    }
}

/// Role words, lower case ("DPA" is matched separately, by its exact case).
pub(super) const ROLES: &[(&str, Role)] = &[
    ("watchdog", role(false, true, Hint::None)),
    ("watchdogs", role(true, true, Hint::None)),
    ("regulator", role(false, true, Hint::None)),
    ("regulators", role(true, true, Hint::None)),
    ("supervisor", role(false, true, Hint::Named("Supervisor"))),
    ("supervisors", role(true, true, Hint::None)),
    ("authority", role(false, true, Hint::None)),
    ("authorities", role(true, false, Hint::None)),
    ("agency", role(false, true, Hint::None)),
    ("agencies", role(true, false, Hint::None)),
    ("commissioner", role(false, false, Hint::None)),
    ("commissioners", role(true, false, Hint::None)),
    ("commission", role(false, false, Hint::None)),
    ("commissions", role(true, false, Hint::None)),
    ("body", role(false, false, Hint::Named("Board"))),
    ("bodies", role(true, false, Hint::None)),
    ("board", role(false, false, Hint::Named("Board"))),
    ("office", role(false, false, Hint::None)),
    ("ombudsman", role(false, false, Hint::None)),
    ("inspectorate", role(false, false, Hint::None)),
    ("guarantor", role(false, false, Hint::None)),
    ("tsar", role(false, false, Hint::None)),
    ("czar", role(false, false, Hint::None)),
    ("ministry", department(false)),
    ("ministries", department(true)),
];

/// The acronym that is subject and role in one, matched in this exact case.
pub(super) const DPA: &[(&str, bool)] = &[("DPA", false), ("DPAs", true)];

/// Role words that refer back to a regulator named earlier ("the watchdog said"):
/// singular, after "the". "commission", "board" and "office" are left out: "the
/// Commission" is as often the European Commission as the regulator of the story.
pub(super) const BACK_REFERENCES: &[&str] = &[
    "watchdog",
    "regulator",
    "supervisor",
    "authority",
    "agency",
    "commissioner",
];

/// Words that may stand between the place and the subject or role without changing
/// what is described ("Europe's top privacy regulator", "German federal and state
/// data protection authorities").
pub(super) const MODIFIERS: &[&str] = &[
    "top",
    "chief",
    "lead",
    "leading",
    "main",
    "national",
    "federal",
    "state",
    "regional",
    "local",
    "independent",
    "official",
    "own",
    "new",
    "powerful",
    "influential",
    "respective",
    "relevant",
    "competent",
    "acting",
    "various",
    "several",
    "other",
    "two",
    "three",
    "four",
    "five",
    "some",
    "all",
    "both",
    "many",
    "most",
    "senior",
    "and",
];

/// Hyphenated adjectives ending in these are modifiers too ("CNIL-like", "EU-style").
pub(super) const MODIFIER_SUFFIXES: &[&str] = &["-like", "-style", "-type", "-based"];

/// Words before a description that make it general ("a data protection authority",
/// "any regulator"): such descriptions name no one.
pub(super) const INDEFINITE: &[&str] = &["a", "an", "any", "each", "every", "no", "which"];

/// Verbs after "a" or "an" and a place's description, or after a plural without a
/// place, that make it one that acted ("An EU data watchdog fines TikTok", "data
/// protection authorities have published"), besides those ending in "-ed".
pub(super) const ACTING: &[&str] = &[
    "says", "said", "fines", "has", "had", "orders", "warns", "finds", "told", "opens", "launches",
    "slaps", "hits", "rules", // and the plural's: "data protection authorities have …"
    "say", "have", "fine", "order", "warn", "find", "open", "launch", "rule", "urge", "issue",
    "call", "demand",
];

/// Words that stand for a jurisdiction by themselves: "the bloc's regulators" (the EU).
/// (word, knowledge-base id of the jurisdiction)
pub(super) const PLACE_WORDS: &[(&str, &str)] = &[("bloc", "eu")];

/// Places the knowledge base holds without a country code of their own, and the
/// jurisdiction whose authorities they mean ("Europe's privacy regulators": the EU's).
/// (knowledge-base id of the place, knowledge-base id of the jurisdiction)
pub(super) const PLACE_JURISDICTIONS: &[(&str, &str)] = &[("europe", "eu")];

/// Prepositions that put the place after the role ("the data protection authority in
/// Hamburg") or the subject after it ("Sweden's authority for privacy protection").
pub(super) const AFTER_ROLE: &[&str] = &["in", "of", "for"];

/// The longest description looked at, in words to the left of the role.
pub(super) const MAX_LEFT: usize = 8;
