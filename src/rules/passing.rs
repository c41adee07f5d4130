//! Mentions in passing: occurrences that name a company or app without the story being
//! about it. `central(…)` in a query keeps the other occurrences. A mention is in
//! passing when the words around it make it
//!
//! - a medium: "a TikTok video", "TikTok star", "a WeChat group", "went viral on
//!   TikTok", "said on its WeChat account", "via WeChat", "in a TikTok posted Monday",
//!   "a viral TikTok", "TikTok 'prank' videos", "TikTok goes viral" (but not a
//!   product of the company, capitalised in running text: "WeChat Video Channels");
//! - a yardstick: "a TikTok rival", "TikTok-like", "Instagram takes on TikTok", "the
//!   TikTok of books", "an alternative to TikTok", "bigger than TikTok";
//! - dismissed: "Forget TikTok, …", "Move over TikTok";
//! - one of a list: "Facebook, Instagram, TikTok and Snapchat", "apps such as
//!   TikTok and Instagram";
//! - a precedent, outside the title: "extending earlier bans that covered TikTok", "a
//!   similar probe into TikTok and YouTube", "the banned Chinese app TikTok";
//! - owned: "Tencent operates WeChat", "the parent of the messaging app WeChat";
//! - for a regulator, only told or worked with: "reported the breach to the ICO"
//!   (`told`); no other reading applies to regulators.
//!
//! A possessive ("TikTok's") is never in passing: the story is about its owner's
//! things. Nor is a list or an example after an action against it earlier in the
//! sentence ("bans 59 Chinese apps including TikTok and WeChat", "opens probes into
//! Meta, TikTok and AliExpress"), or a list the action follows ("TikTok, Temu and
//! WeChat accused of …"): the list is what is acted on; nor "using" the app after a
//! ban ("bans staff from using TikTok"). Only the words of the occurrence's own
//! sentence are looked at.

use super::doc::Doc;
use super::matches::{NONE, Occ};
use crate::model::EntityKind;

/// Nouns after the name that make it a medium ("TikTok video", "WeChat group").
const MEDIUM_NOUNS: &[&str] = &[
    "video",
    "videos",
    "clip",
    "clips",
    "post",
    "posts",
    "star",
    "stars",
    "influencer",
    "influencers",
    "essayist",
    "essayists",
    "blogger",
    "bloggers",
    "commentator",
    "commentators",
    "personality",
    "personalities",
    "sensation",
    "celebrity",
    "trend",
    "trends",
    "challenge",
    "challenges",
    "dance",
    "dances",
    "song",
    "songs",
    "hit",
    "hits",
    "famous",
    "fame",
    "livestream",
    "stream",
    "group",
    "groups",
    "chat",
    "chats",
    "moments",
    "message",
    "messages",
    "contact",
    "handle",
    "profile",
    "followers",
    "following",
    "sound",
    "sounds",
    "filter",
    "filters",
    "hashtag",
    "hashtags",
    "comment",
    "comments",
    "page",
    "pages",
    "account",
    "accounts",
    "meme",
    "memes",
    "sensations",
    "creator",
    "tiktoker",
    "stunt",
    "stunts",
    "prank",
    "pranks",
    "prankster",
    "pranksters",
    "skit",
    "skits",
    "recipe",
    "recipes",
    "craze",
    // One scam is a crime carried out on it ("a TikTok romance scam"); scams in the
    // plural are the platform's problem ("a wave of WeChat investment scams").
    "scam",
    "scammer",
    "fraud",
    "hoax",
];

/// Who or what was posted, after the name and a kind of content ("TikTok pop star",
/// "TikTok dance challenge", "TikTok dental trends").
const POSTED: &[&str] = &[
    "star",
    "stars",
    "influencer",
    "influencers",
    "creator",
    "creators",
    "sensation",
    "sensations",
    "trend",
    "trends",
    "challenge",
    "challenges",
    "video",
    "videos",
    "clip",
    "clips",
    "hack",
    "hacks",
    "craze",
    "anthem",
    "anthems",
    "song",
    "songs",
    "meme",
    "memes",
    "scam",
    "fraud",
    "hoax",
];

/// Whether `w`, between the name and [`POSTED`], can be a kind of content: a word
/// that is no verb the name does ("TikTok extends video uploads", "TikTok will
/// challenge the ban", "TikTok removed videos") and no matter of the company's own.
fn content_kind(w: &str) -> bool {
    let verb = (w.ends_with('s') && !w.ends_with("ss"))
        || w.ends_with("ed")
        || w.ends_with("ing")
        || matches!(
            w,
            "will"
                | "to"
                | "can"
                | "could"
                | "may"
                | "might"
                | "must"
                | "should"
                | "would"
                | "shall"
                | "did"
                | "does"
                | "do"
        );
    w.chars().all(char::is_alphabetic) && !verb && !COMPANY_MATTERS.contains(&w)
}

/// Words between the name and [`POSTED`] that make the phrase the company's own
/// matter ("TikTok ban videos", "TikTok data challenges", "TikTok CEO video").
const COMPANY_MATTERS: &[&str] = &[
    "ban",
    "bans",
    "data",
    "deal",
    "sale",
    "ceo",
    "chief",
    "executive",
    "app",
    "apps",
    "user",
    "users",
    "parent",
    "owner",
    "lawsuit",
    "case",
    "hearing",
    "law",
    "bill",
    "policy",
    "security",
    "privacy",
    "shop",
    "ads",
    "ad",
    "moderation",
    "employee",
    "employees",
    "staff",
    "legal",
    "court",
    "regulatory",
    "safety",
    // A change to its own product: "TikTok longer videos", "TikTok more ads".
    "longer",
    "shorter",
    "more",
    "fewer",
];

/// Words that rank what was posted ("TikTok's hottest tracks"), and what they rank.
const RANKING: &[&str] = &[
    "top",
    "hottest",
    "biggest",
    "best",
    "greatest",
    "viral",
    "trending",
    "popular",
    "favourite",
    "favorite",
    "funniest",
];
const RANKED_CONTENT: &[&str] = &[
    "tracks",
    "songs",
    "hits",
    "trends",
    "videos",
    "clips",
    "stories",
    "sounds",
    "memes",
    "dances",
    "challenges",
    "recipes",
    "moments",
    "creators",
    "influencers",
    "stars",
];

/// Verbs of making a post, up to three words before the name ("filming a lockdown
/// TikTok", "filmed herself for TikTok"): the name is the thing made. Not "film" or
/// "recording", which are also nouns ("a film about TikTok", "a recording shows
/// TikTok staff").
const FILMING: &[&str] = &["filmed", "filming"];

/// Medium nouns that are also verbs in the third person ("TikTok hits 1 billion").
const VERB_OR_NOUN: &[&str] = &[
    "posts",
    "hits",
    "stars",
    "streams",
    "messages",
    "filters",
    "comments",
    "trends",
    "challenges",
    "sounds",
    "accounts",
    "pages",
    "chats",
    "groups",
    "dances",
];

/// First words of an object after such a verb: determiners, quantities and "for"
/// ("accounts for").
const OBJECT_STARTS: &[&str] = &[
    "the",
    "a",
    "an",
    "its",
    "his",
    "her",
    "their",
    "our",
    "record",
    "new",
    "more",
    "over",
    "another",
    "one",
    "two",
    "three",
    "ten",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "about",
    "nearly",
    "almost",
    "up",
    "back",
    "for",
    "all",
    "some",
];

/// Nouns or hyphenated suffixes after the name that make it a yardstick.
const YARDSTICK_AFTER: &[&str] = &[
    "rival",
    "rivals",
    "competitor",
    "competitors",
    "clone",
    "clones",
    "copycat",
    "copycats",
    "killer",
    "alternative",
    "alternatives",
    "lookalike",
    "knockoff",
    "challenger",
    // Dutch and French "competitor", German "Konkurrent".
    "concurrent",
    "konkurrent",
    "like",
    "style",
    "esque",
    "inspired",
    "type",
];

/// Prepositions before the name that make it a medium when a word about posting or
/// viewing comes just before ("posted on", "went viral on", "a statement on").
/// With "on", "of" and "in the" in French, German, Italian, Dutch, Spanish and
/// Portuguese ("une blague sur TikTok", "un video de TikTok", "divulgado na rede
/// social WeChat").
const MEDIUM_PREPOSITIONS: &[&str] = &[
    "on", "over", "to", "onto", "across", "from", "in", "sur", "auf", "su", "op", "en", "de", "da",
    "na",
];

/// Prepositions before the name that make it a medium by themselves.
const CHANNEL_PREPOSITIONS: &[&str] = &["via", "through", "using"];

/// What an app has in it ("a credit feature in WeChat").
const APP_PARTS: &[&str] = &[
    "feature",
    "features",
    "function",
    "functions",
    "tool",
    "tools",
    "option",
    "options",
    "button",
    "setting",
    "settings",
    "service",
    "services",
];

/// Words of a person's arrest or sentence, earlier in the sentence than "on" and the
/// name ("arrested for remarks on TikTok").
const PUNISHED: &[&str] = &[
    "arrested",
    "arrest",
    "arrests",
    "jailed",
    "detained",
    "charged",
    "sentenced",
    "convicted",
    "imprisoned",
    "prosecuted",
    "indicted",
];

/// Words of a ban a few words before "using" ("barred staff from using TikTok").
const BANS: &[&str] = &[
    "ban",
    "bans",
    "banned",
    "banning",
    "bar",
    "bars",
    "barred",
    "barring",
    "prohibit",
    "prohibits",
    "prohibited",
    "forbid",
    "forbids",
    "forbidden",
    "forbade",
    "block",
    "blocks",
    "blocked",
];

/// Words that say what the name is, between a preposition and the name ("on the
/// popular Chinese messaging app WeChat").
const APP_DESCRIPTORS: &[&str] = &[
    "app",
    "platform",
    "messaging",
    "messenger",
    "social",
    "media",
    "network",
    "networking",
    "service",
    "video",
    "short-video",
    "short",
    "video-sharing",
    "microblogging",
    "chinese",
    "popular",
    "super",
    "super-app",
    // The same in Portuguese, Spanish and French ("na rede social WeChat").
    "rede",
    "red",
    "réseau",
    "aplicativo",
    "aplicación",
];

/// Words about posting, sharing and viewing (a prefix of the word).
const MEDIUM_CUES: &[&str] = &[
    "post",
    "group",
    "shar",
    "viral",
    "video",
    "clip",
    "trend",
    "popular",
    "famous",
    "follower",
    "live",
    "stream",
    "upload",
    "appear",
    "circulat",
    "publish",
    "said",
    "says",
    "wrote",
    "writ",
    "statement",
    "announc",
    "comment",
    "message",
    "content",
    "went",
    "gone",
    "spread",
    "show",
    "seen",
    "watch",
    "view",
    "photo",
    "picture",
    "image",
    "fans",
    "audience",
    "dance",
    "meme",
    "hashtag",
    "song",
    "music",
    "blew",
    "contact",
    "reach",
    "chat",
    "pay",
    "transfer",
    "money",
    // "a happy ending thanks to TikTok", "she returns to TikTok".
    "thank",
    "return",
    "broadcast",
    // The same in other languages: video, published, content, joke, shared,
    // challenge ("du contenu sur TikTok", "vídeo publicado en TikTok").
    "vidéo",
    "vídeo",
    "publi",
    "conten",
    "conteú",
    "blague",
    "broma",
    "partag",
    "compart",
    "geteilt",
    "gepost",
    "défi",
    "diffus",
    "comunic",
    "divulg",
];

/// Words that start like a [`MEDIUM_CUES`] prefix but are no cue ("removed ChatGPT
/// from WeChat", "a showdown over TikTok", "contention over TikTok").
const NOT_CUES: &[&str] = &[
    "chatgpt",
    "chatbot",
    "chatbots",
    "showdown",
    "showdowns",
    "postpone",
    "postponed",
    "postpones",
    "postponing",
    "contend",
    "contends",
    "contended",
    "contention",
    "contentious",
    "sharp",
    "sharply",
    "shark",
    "sharks",
];

/// Whether `w` is a word about posting, sharing or viewing.
fn is_medium_cue(w: &str) -> bool {
    MEDIUM_CUES.iter().any(|c| w.starts_with(c)) && !NOT_CUES.contains(&w)
}

/// Words that introduce a comparison right before the name ("rather than", "unlike",
/// "traffic lost to rival TikTok": the story is about whose rival it is; "Instagram
/// tries to mimic TikTok", "a feature that could beat TikTok": the story is about
/// the one imitating or beating it).
const YARDSTICK_BEFORE: &[&str] = &[
    "than",
    "versus",
    "vs",
    "unlike",
    "rival",
    "rivals",
    "mimic",
    "mimics",
    "mimicking",
    "mimicked",
    "imitate",
    "imitates",
    "imitating",
    "imitated",
    "copy",
    "copies",
    "copying",
    "copied",
    "duplicate",
    "duplicates",
    "duplicating",
    "duplicated",
    "plagiarising",
    "plagiarizing",
    "clone",
    "clones",
    "cloning",
    "cloned",
    "beat",
    "beats",
    "beating",
    "dethrone",
    "dethrones",
    "competitor",
    "competitors",
    // "que lembra o TikTok", "ricorda TikTok", "imita a TikTok", "ähnelt TikTok"
    // (after an article, if any: see `FOREIGN_ARTICLES`).
    "lembra",
    "lembram",
    "lembrando",
    "recuerda",
    "recuerdan",
    "rappelle",
    "rappellent",
    "ricorda",
    "ricordano",
    "imita",
    "imitam",
    "imitan",
    "imite",
    "imitent",
    "copia",
    "copiam",
    "copian",
    "copie",
    "copient",
    "ähnelt",
    "kopiert",
    "imitiert",
];

/// "Rival" and "competitor" in Portuguese, Spanish, French, Italian and German,
/// before "of" and the name.
const FOREIGN_RIVALS: &[&str] = &[
    "rival",
    "rivais",
    "rivales",
    "rivale",
    "concorrente",
    "concorrentes",
    "competidor",
    "competidora",
    "competidores",
    "concurrent",
    "concurrente",
    "konkurrent",
    "konkurrenten",
];

/// Verbs of merging and buying, before "rival TikTok" or "competitor TikTok".
const MERGES: &[&str] = &[
    "merge",
    "merges",
    "merging",
    "merged",
    "merger",
    "acquire",
    "acquires",
    "acquiring",
    "acquired",
    "buy",
    "buys",
    "buying",
    "bought",
    "combine",
    "combines",
    "combining",
];

/// Verbs of competing before "with" and the name ("compete with TikTok").
const COMPETE: &[&str] = &[
    "compete",
    "competes",
    "competing",
    "competed",
    "rival",
    "rivals",
    "vie",
    "vies",
    "vying",
];

/// Words of an action against the names that follow them in the sentence ("bans apps
/// such as TikTok and WeChat"): a list or an example after one is what is acted on.
const ACTIONS: &[&str] = &[
    "ban",
    "bans",
    "banned",
    "banning",
    "block",
    "blocks",
    "blocked",
    "blocking",
    "prohibit",
    "prohibits",
    "prohibited",
    "prohibiting",
    "outlaw",
    "outlaws",
    "outlawed",
    "probe",
    "probes",
    "probing",
    "investigate",
    "investigates",
    "investigated",
    "investigating",
    "investigation",
    "investigations",
    "fine",
    "fines",
    "fined",
    "sue",
    "sues",
    "sued",
    "suing",
    "lawsuit",
    "restrict",
    "restricts",
    "restricted",
    "restrictions",
    "remove",
    "removes",
    "removed",
    "removal",
    "complaint",
    "complaints",
    "accuse",
    "accuses",
    "accused",
    "accusing",
];

/// Words between "viral" and the name that are no kind of post ("went viral and
/// TikTok removed it").
const NOT_A_KIND: &[&str] = &[
    "and", "but", "or", "as", "so", "then", "on", "in", "at", "after", "before", "while", "when",
    "because", "is", "was", "were", "are", "has", "had", "with", "by", "for", "from", "to",
];

/// What is done to an account that makes the app the one acting.
const CLOSURES: &[&str] = &[
    "banned",
    "blocked",
    "suspended",
    "suspension",
    "shut",
    "closed",
    "closure",
    "deleted",
    "removed",
    "frozen",
    "censored",
    "deactivated",
    "terminated",
    "disabled",
];

/// Verbs before "via WeChat Pay" that make the payment method the news: a shop or
/// platform taking it ("allow users to pay via WeChat Pay", "accepts payments
/// through WeChat").
const ACCEPTS: &[&str] = &[
    "let",
    "lets",
    "letting",
    "allow",
    "allows",
    "allowing",
    "allowed",
    "accept",
    "accepts",
    "accepting",
    "accepted",
    "support",
    "supports",
    "supporting",
    "integrate",
    "integrates",
    "integrating",
    "enable",
    "enables",
    "enabling",
];

/// Words right after a list of names that make the list what is acted on ("TikTok,
/// Temu and WeChat accused of sending data to China", "Meta, TikTok and X face EU
/// probes").
const ACTED_AFTER: &[&str] = &[
    "accused",
    "fined",
    "sued",
    "banned",
    "blocked",
    "probed",
    "investigated",
    "charged",
    "face",
    "faces",
    "facing",
    "targeted",
    "ordered",
    "restricted",
    "suspended",
    "removed",
    "unblocked",
    "unbanned",
];

/// Auxiliaries between a list and what is done to it ("have been banned").
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "will", "would",
    "could", "may", "might", "all", "now", "also",
];

/// Ordinals that, with a superlative, a few words before "after" and the name make it
/// the one ranked above ("the second-largest in China after WeChat", "the third most
/// popular after TikTok"; not "a third-party app … after WeChat").
const RANKS: &[&str] = &["second", "third", "fourth", "fifth"];

/// Whether `word` (followed by `next`) is a rank: an ordinal and a superlative
/// ("second-largest" is two words here: the rules' words split at hyphens).
fn ranks(word: Option<&str>, next: Option<&str>) -> bool {
    let superlative = |w: &str| w.ends_with("est") || w.starts_with("most");
    word.is_some_and(|w| RANKS.contains(&w)) && next.is_some_and(superlative)
}

/// Whether `word` (followed by `next`) is "the" and a superlative: "the most popular
/// short-video service in China after Douyin" ranks it second, as an ordinal does,
/// when the name ends its phrase (not "the biggest fine after TikTok was banned").
fn the_superlative(word: Option<&str>, next: Option<&str>) -> bool {
    word == Some("the")
        && matches!(
            next,
            Some("most" | "largest" | "biggest" | "best" | "greatest" | "highest")
        )
}

/// Participles that, just before the name (and what says what it is), tell a ban as
/// a fact about it rather than news ("banned Chinese app TikTok").
const BANNED: &[&str] = &["banned", "blocked", "outlawed"];
const BEFORE_AN_ADJECTIVE: &[&str] = &[
    "the", "a", "an", "by", "of", "from", "to", "for", "with", "like", "now", "since", "recently",
    "already",
];

/// Verbs of owning right before the name ("operates WeChat"; not "Tencent-owned
/// WeChat", which is the subject), and owners before "of", perhaps with "company"
/// ("the parent of WeChat", "parent company of WeChat").
/// With the same verbs in Portuguese, Spanish, French and German ("a holding
/// Tencent, que também controla o popular app WeChat").
const OWNS: &[&str] = &[
    "owns",
    "operates",
    "runs",
    "controls",
    "controla",
    "contrôle",
    "possède",
    "exploite",
    "posee",
    "possui",
    "opera",
    "betreibt",
    "besitzt",
];
/// Articles of those languages, skipped between such a verb and the name.
const FOREIGN_ARTICLES: &[&str] = &["o", "a", "el", "le", "la", "das", "die", "den"];
const OWNERS: &[&str] = &["owner", "owners", "parent", "operator", "maker", "holding"];

/// Words that make what follows them (within [`PRECEDENT_REACH`] words) an earlier or
/// similar case told for comparison ("a similar probe into TikTok").
const PRECEDENTS: &[&str] = &["similar", "earlier", "previous", "prior"];
const PRECEDENT_REACH: usize = 4;

/// Words opening a sentence that dismiss the name after them.
const DISMISSALS: &[&str] = &[
    "forget", "goodbye", "bye", "sorry", "ditch", "beyond", "over",
];

/// Words that, before an article and the name, make it a thing posted ("in a TikTok
/// posted Monday"), and words after it that confirm it.
const ARTICLES: &[&str] = &["a", "an", "her", "his", "their", "my", "your"];
const AFTER_A_POST: &[&str] = &[
    "posted",
    "shared",
    "uploaded",
    "that",
    "which",
    "where",
    "in",
    "on",
    "of",
    "showing",
    "shows",
    "showed",
    "from",
    "with",
    "about",
    "went",
    "revealing",
    "featuring",
    "explaining",
    "saying",
    "claiming",
    "detailing",
    "describing",
    "documenting",
    "urging",
    "telling",
    "asking",
];

/// What a post does, after "the" and the name ("the TikTok went viral").
const POST_VERBS: &[&str] = &[
    "went", "goes", "posted", "shared", "uploaded", "showing", "shows", "showed", "racked",
    "garnered", "amassed",
];

/// Determiners skipped between a preposition and the name ("on its WeChat account").
const DETERMINERS: &[&str] = &[
    "the", "its", "their", "his", "her", "a", "an", "official", "own",
];

/// Whether occurrence `o` of `doc` is a mention in passing.
pub(crate) fn is_passing(doc: &Doc<'_>, o: &Occ) -> bool {
    if o.atom == NONE || o.w0 >= o.w1 {
        return false;
    }
    let text = doc.ex.text.as_str();
    let after = text.get(o.end as usize..).unwrap_or_default();
    let w = Words { doc, o };
    // A regulator is in passing only when it is told or worked with: the readings
    // below are about apps ("a list of regulators" acts together).
    let regulator = doc
        .ex
        .entities
        .get(o.hit as usize)
        .is_some_and(|h| h.kind == EntityKind::Regulator);
    if regulator {
        return w.told();
    }
    if after.starts_with("'s") || after.starts_with("’s") {
        return w.ranked_content();
    }
    if w.account_closed() {
        return false;
    }
    // "WeChat (微信)": a gloss in brackets right after a mention is that mention again.
    if w.gloss() {
        return true;
    }
    if w.medium_after()
        || w.yardstick()
        || w.medium_before()
        || w.dismissed()
        || w.precedent()
        || w.owned()
    {
        return true;
    }
    (w.example() || w.in_list()) && !w.acted_on()
}

/// The words around one occurrence.
struct Words<'a, 'd> {
    doc: &'a Doc<'d>,
    o: &'a Occ,
}

impl Words<'_, '_> {
    /// Word `i` folded, if it is in the occurrence's sentence.
    fn at(&self, i: usize) -> Option<&str> {
        let w = self.doc.words.get(i)?;
        (w.sentence == self.o.sentence).then(|| self.doc.folded(i))
    }

    /// The `k`-th word before the occurrence (1 = the one just before).
    fn before(&self, k: usize) -> Option<&str> {
        (self.o.w0 as usize).checked_sub(k).and_then(|i| self.at(i))
    }

    /// The `k`-th word after it (1 = the one just after).
    fn after(&self, k: usize) -> Option<&str> {
        self.at(self.o.w1 as usize + k - 1)
    }

    /// The text between the occurrence and the word after it.
    /// The typographic hyphens ("TikTok‑style", U+2010 and U+2011) read as "-".
    fn gap_after(&self) -> &str {
        let text = self.doc.ex.text.as_str();
        let next = self.doc.words.get(self.o.w1 as usize);
        let gap = next
            .and_then(|n| text.get(self.o.end as usize..n.start as usize))
            .unwrap_or_default();
        if matches!(gap, "\u{2010}" | "\u{2011}") {
            "-"
        } else {
            gap
        }
    }

    /// The position (as for [`Self::before`]) of the first word before the name past
    /// up to five that say what it is ("the popular Chinese messaging app WeChat").
    fn past_descriptors(&self) -> usize {
        let mut k = 1;
        while k <= 5 && self.before(k).is_some_and(|w| APP_DESCRIPTORS.contains(&w)) {
            k += 1;
        }
        k
    }

    /// "TikTok video", "TikTok-famous", "a TikTok posted Monday", "a viral TikTok".
    fn medium_after(&self) -> bool {
        let gap = self.gap_after();
        // "TikTok Shop", "WeChat accounts were closed", "the TikTok video app": the
        // app's own, not a thing posted on it.
        let its_own =
            || self.product_name_after() || self.the_apps_accounts() || self.the_app_itself();
        if matches!(gap, " " | "-")
            && self.after(1).is_some_and(|w| MEDIUM_NOUNS.contains(&w))
            && !(gap == " " && self.verb_after())
            && !its_own()
        {
            return true;
        }
        // "the 'TikTok pop star' badge", "TikTok beauty influencers", "harmful TikTok
        // dental trends": a kind of content, then who or what was posted (not "TikTok
        // ban videos", "TikTok data challenges": the company's own matters).
        // After "of", "a" or "the" the name opens a noun phrase, so a word in -ing
        // after it is a kind too ("warns of TikTok drinking trend").
        let phrase_opens = matches!(self.before(1), Some("of" | "a" | "an" | "the"));
        let kind = |w: &str| content_kind(w) || (phrase_opens && w.ends_with("ing"));
        if matches!(gap, " " | "-")
            && self.after(1).is_some_and(kind)
            && self.after(2).is_some_and(|w| POSTED.contains(&w))
            && !self.product_name_after()
        {
            return true;
        }
        // "WeChat social media messages", "TikTok short video clips": what the name
        // is, then what was posted on it (not "their WeChat app accounts", which are
        // the app's own).
        if gap == " " {
            let mut k = 1;
            while k <= 3
                && self
                    .after(k)
                    .is_some_and(|w| matches!(w, "social" | "media" | "short" | "video"))
            {
                k += 1;
            }
            if k > 1 && self.after(k).is_some_and(|w| MEDIUM_NOUNS.contains(&w)) {
                return true;
            }
        }
        // "TikTok 'prank' videos", "over TikTok 'prankster' clips": a quoted word
        // between the name and what was posted.
        if matches!(gap, " '" | " ‘" | " \"" | " “")
            && (1..=2).any(|k| self.after(k).is_some_and(|w| MEDIUM_NOUNS.contains(&w)))
        {
            return true;
        }
        // "TikTok goes viral: school lunchroom prank": a post goes viral, an app
        // does not.
        if gap == " "
            && matches!(self.after(1), Some("goes" | "went" | "going" | "gone"))
            && self.after(2) == Some("viral")
        {
            return true;
        }
        // "a viral TikTok", "the waiter's viral TikTok sparks debate": a post goes
        // viral, an app does not.
        if self.before(1) == Some("viral") {
            return true;
        }
        // "the viral skateboarding TikTok", "a viral dance TikTok": one word of what
        // it shows between.
        if self.before(2) == Some("viral")
            && self
                .before(1)
                .is_some_and(|w| w.chars().all(char::is_alphabetic) && !NOT_A_KIND.contains(&w))
        {
            return true;
        }
        // "after filming a lockdown TikTok": a post is made, an app is not.
        if (1..=3).any(|k| self.before(k).is_some_and(|w| FILMING.contains(&w))) {
            return true;
        }
        // "in a TikTok posted Monday", "her TikTok, which …": the name as a post.
        let article = self.before(1).is_some_and(|w| ARTICLES.contains(&w));
        // "the TikTok went viral", "the TikTok shows her …": with "the", only a verb
        // that a post does says so ("the TikTok ban" is no post).
        let the_post = self.before(1) == Some("the")
            && gap == " "
            && self.after(1).is_some_and(|w| POST_VERBS.contains(&w));
        the_post
            || article
                && (gap.starts_with(',')
                    || gap.starts_with('.')
                    || self.after(1).is_none_or(|w| AFTER_A_POST.contains(&w)))
    }

    /// "Crackdown hits hundreds of WeChat accounts", "TikTok accounts linked to a
    /// campaign were removed": accounts without an owner before them are the app's,
    /// what it closes or loses, not a channel someone speaks through ("on its WeChat
    /// account", "the singer's TikTok accounts", "a WeChat account").
    fn the_apps_accounts(&self) -> bool {
        self.after(1) == Some("accounts")
            && !self
                .before(1)
                .is_some_and(|w| ARTICLES.contains(&w) || matches!(w, "its" | "our" | "s"))
    }

    /// "its own TikTok video app", "the Douyin video platform": the app itself, not
    /// a video posted on it.
    fn the_app_itself(&self) -> bool {
        matches!(self.after(2), Some("app" | "apps" | "platform" | "service"))
    }

    /// Whether the occurrence stands in brackets right after a mention: "WeChat
    /// (微信)", "Douyin (抖音)".
    fn gloss(&self) -> bool {
        let text = self.doc.ex.text.as_str();
        let start = self.o.start as usize;
        let Some(before) = text.get(..start) else {
            return false;
        };
        let Some(opened) = before.strip_suffix('(').map(str::trim_end) else {
            return false;
        };
        self.doc
            .ex
            .entities
            .get(self.o.hit as usize)
            .is_some_and(|h| h.mentions.iter().any(|m| m.end == opened.len()))
    }

    /// "his WeChat account was banned", "shut down his WeChat account", "WeChat
    /// Account Shut Down": an account closed, suspended or censored is the app
    /// acting, not a channel someone spoke through.
    fn account_closed(&self) -> bool {
        // "their WeChat app accounts": what it is may come between.
        let mut k = 1;
        while k <= 3 && self.after(k).is_some_and(|w| APP_DESCRIPTORS.contains(&w)) {
            k += 1;
        }
        matches!(self.after(k), Some("account" | "accounts"))
            && ((k + 1..=k + 6).any(|j| self.after(j).is_some_and(|w| CLOSURES.contains(&w)))
                || (1..=4).any(|j| self.before(j).is_some_and(|w| CLOSURES.contains(&w))))
    }

    /// Whether the word after the name is capitalised where the sentence is not
    /// written in Title Case: "WeChat Video Channels to share revenue with
    /// creators", "TikTok Shop" in running text is a product of the company, not a
    /// thing posted on it. A Title Case headline ("TikTok Video Shows Flooding")
    /// says nothing.
    fn product_name_after(&self) -> bool {
        // A hyphen joins a German compound ("Tiktok-Video"), whose nouns all have
        // capitals: no product's name.
        if self.gap_after() == "-" {
            return false;
        }
        let text = self.doc.ex.text.as_str();
        let i = self.o.w1 as usize;
        let capital = |j: usize| {
            self.doc.words.get(j).is_some_and(|w| {
                text.get(w.start as usize..w.end as usize)
                    .and_then(|t| t.chars().next())
                    .is_some_and(char::is_uppercase)
            })
        };
        if self.at(i).is_none() || !capital(i) {
            return false;
        }
        // Title Case: no word of four letters or more in lower case.
        let lower = |j: usize| {
            let w = &self.doc.words[j];
            w.end - w.start >= 4
                && !capital(j)
                && self.doc.folded(j).chars().all(char::is_alphabetic)
        };
        let words = self.doc.words.len();
        let first = (0..i).rev().take_while(|&j| self.at(j).is_some()).last();
        let last = (i..words).take_while(|&j| self.at(j).is_some()).last();
        match (first.unwrap_or(i), last) {
            (a, Some(b)) => (a..=b).any(lower),
            _ => false,
        }
    }

    /// After a possessive, a ranking of what was posted on it: "TikTok's Hottest
    /// Tracks of 2023", "TikTok's most viral videos": the story is the list. Not
    /// "TikTok's top executive" nor "TikTok's top songs policy" (the noun after the
    /// ranking word must end the phrase).
    fn ranked_content(&self) -> bool {
        // The possessive's "s" is a word of its own (words split at apostrophes).
        let mut k = if self.after(1) == Some("s") { 2 } else { 1 };
        let most = self.after(k) == Some("most");
        if most {
            k += 1;
        }
        // "TikTok's most dangerous and viral trends": up to four ranking words,
        // adjectives and "and" before what is ranked, with "most" or a ranking word.
        let adjective = |w: &str| {
            RANKING.contains(&w)
                || w == "and"
                || ["ous", "est", "ful", "ing"].iter().any(|s| w.ends_with(s))
        };
        let mut ranked = false;
        let mut words = 0;
        while words < 4 && self.after(k).is_some_and(adjective) {
            ranked |= self.after(k).is_some_and(|w| RANKING.contains(&w));
            words += 1;
            k += 1;
        }
        if !(ranked || most && words > 0) {
            return false;
        }
        if !self.after(k).is_some_and(|w| RANKED_CONTENT.contains(&w)) {
            return false;
        }
        self.after(k + 1).is_none_or(|w| {
            matches!(
                w,
                "of" | "in" | "on" | "this" | "from" | "so" | "to" | "for" | "and"
            )
        })
    }

    /// Whether the word after the name is a verb it does rather than a thing posted
    /// on it: "TikTok hits 1 billion users", "WeChat filters messages", "TikTok posts
    /// its first profit", "TikTok accounts for a third". The word is one that reads
    /// both ways, and what follows it is an object (a number, a determiner, a plural
    /// noun: a plural subject would not take a verb ending in -s) or "for".
    fn verb_after(&self) -> bool {
        if !self.after(1).is_some_and(|w| VERB_OR_NOUN.contains(&w)) {
            return false;
        }
        self.after(2).is_some_and(|w| {
            w.starts_with(|c: char| c.is_ascii_digit())
                || OBJECT_STARTS.contains(&w)
                || (w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us"))
        })
    }

    /// "a TikTok rival", "TikTok-like", "takes on TikTok", "the TikTok of books",
    /// "an alternative to TikTok", "bigger than TikTok", "the Chinese version of TikTok".
    fn yardstick(&self) -> bool {
        let gap = self.gap_after();
        if matches!(gap, " " | "-") && self.after(1).is_some_and(|w| YARDSTICK_AFTER.contains(&w)) {
            return true;
        }
        if self.before(1) == Some("the") && self.after(1) == Some("of") && gap == " " {
            return true;
        }
        let b1 = self.before(1);
        let b2 = self.before(2);
        // "Musical.ly is merging with homegrown competitor TikTok", "buys rival
        // TikTok": a merger or purchase is news about both.
        let merged = matches!(b1, Some("rival" | "rivals" | "competitor" | "competitors"))
            && (2..=4).any(|k| self.before(k).is_some_and(|w| MERGES.contains(&w)));
        if merged {
            return false;
        }
        if b1.is_some_and(|w| YARDSTICK_BEFORE.contains(&w)) {
            return true;
        }
        // "que lembra o TikTok": a foreign article between.
        if b1.is_some_and(|w| FOREIGN_ARTICLES.contains(&w))
            && b2.is_some_and(|w| YARDSTICK_BEFORE.contains(&w))
        {
            return true;
        }
        if self.no_longer_the() {
            return true;
        }
        // "accused of duplicating the highly popular Chinese video app TikTok":
        // what it is, an adverb and a determiner between.
        let mut k = self.past_descriptors();
        while k <= 8
            && self
                .before(k)
                .is_some_and(|w| DETERMINERS.contains(&w) || (w.len() > 4 && w.ends_with("ly")))
        {
            k += 1;
        }
        if k > 1
            && self
                .before(k)
                .is_some_and(|w| YARDSTICK_BEFORE.contains(&w))
        {
            return true;
        }
        // The two-word yardsticks, right before the name or before what it is
        // ("WeChat's answer to short video app Douyin", "competes with popular short
        // video apps Douyin and Kuaishou").
        if self.yardstick_pair(b1, b2)
            || (k > 1 && self.yardstick_pair(self.before(k), self.before(k + 1)))
        {
            return true;
        }
        // "the second-largest in China after WeChat": a ranking; "the most popular
        // service in China after ByteDance's Douyin": the name may be the possessed.
        let after_at = if b1 == Some("after") {
            Some(1)
        } else if b1 == Some("s") {
            (3..=4).find(|&k| self.before(k) == Some("after"))
        } else {
            None
        };
        let ends_phrase = !gap.starts_with(' ') || self.after(1).is_none();
        after_at.is_some_and(|a| {
            (a + 1..=a + 7).any(|k| ranks(self.before(k), self.before(k - 1)))
                || (ends_phrase
                    && (a + 2..=a + 9).any(|k| the_superlative(self.before(k), self.before(k - 1))))
        })
    }

    /// Whether `b1` and `b2`, the words before the name (or before what it is) in
    /// reverse order, make it a yardstick: "takes on", "compete with", "an answer
    /// to", "the Chinese version of", "an offensive against", "rival do TikTok".
    fn yardstick_pair(&self, b1: Option<&str>, b2: Option<&str>) -> bool {
        let took_on =
            matches!(b1, Some("on")) && matches!(b2, Some("takes" | "take" | "taking" | "took"));
        // "YouTube attempts to compete with TikTok", "Shorts to rival with TikTok".
        let competes_with = matches!(b1, Some("with")) && b2.is_some_and(|w| COMPETE.contains(&w));
        let answer_to = matches!(b1, Some("to"))
            && matches!(
                b2,
                Some(
                    "alternative"
                        | "alternatives"
                        | "answer"
                        | "rival"
                        | "successor"
                        | "heir"
                        | "challenger"
                )
            );
        let version_of = matches!(b1, Some("of"))
            && matches!(
                b2,
                Some(
                    "version"
                        | "equivalent"
                        | "clone"
                        | "copy"
                        | "imitation"
                        | "knockoff"
                        | "reminiscent"
                        | "cousin"
                        | "counterpart"
                        | "twin"
                )
            );
        // "launches another short video offensive against Douyin".
        let offensive = matches!(b1, Some("against")) && matches!(b2, Some("offensive"));
        // "Rival do TikTok, Kwai conquista …", "un concurrent de TikTok".
        let rival_of = matches!(b1, Some("do" | "da" | "de" | "del" | "du" | "di" | "von"))
            && b2.is_some_and(|w| FOREIGN_RIVALS.contains(&w));
        took_on || answer_to || version_of || competes_with || offensive || rival_of
    }

    /// "The hottest app is no longer the super-app WeChat nor the video app TikTok":
    /// what something new has replaced. "No longer" and an article, then the name
    /// within eight words; or "nor" and the name after such a phrase.
    fn no_longer_the(&self) -> bool {
        let opens = |k: usize| {
            matches!(self.before(k), Some("the" | "a" | "an"))
                && self.before(k + 1) == Some("longer")
                && self.before(k + 2) == Some("no")
        };
        (1..=8).any(|k| opens(k) || (self.before(k) == Some("nor") && (k + 1..=k + 20).any(opens)))
    }

    /// An example: "apps like TikTok", "including TikTok", "such as TikTok".
    fn example(&self) -> bool {
        matches!(self.before(1), Some("like" | "including"))
            || (self.before(2) == Some("such") && self.before(1) == Some("as"))
    }

    /// "went viral on TikTok", "a statement on its WeChat account", "via WeChat".
    fn medium_before(&self) -> bool {
        // "on the popular Chinese messaging app WeChat": what the name is, then
        // its determiner. Said, it makes the name more than a means ("censors
        // caught up with him through the social-networking service WeChat"), so
        // a channel preposition alone no longer does.
        let mut k = self.past_descriptors();
        let described = k > 1;
        // "using Tencent's WeChat payment system": an owner's possessive ("s" is a
        // word of its own), then perhaps "the".
        if self.before(k) == Some("s") && self.before(k + 1).is_some() {
            k += 2;
        }
        if self.before(k).is_some_and(|w| DETERMINERS.contains(&w)) {
            k += 1;
        }
        let Some(prep) = self.before(k) else {
            return false;
        };
        if CHANNEL_PREPOSITIONS.contains(&prep) && !described {
            // "bans employees from using TikTok": the use is what is banned.
            let banned = prep == "using"
                && (k + 1..=k + 4).any(|j| self.before(j).is_some_and(|w| BANS.contains(&w)));
            // "Taobao to allow users to pay via WeChat Pay": taking it is the news.
            let accepted =
                (k + 1..=k + 6).any(|j| self.before(j).is_some_and(|w| ACCEPTS.contains(&w)));
            return !banned && !accepted;
        }
        if !MEDIUM_PREPOSITIONS.contains(&prep) {
            return false;
        }
        // "Influencer arrested for 'sexual expressions' on TikTok": what someone
        // said or did on it, told with the arrest, charge or sentence it brought.
        if prep == "on" && self.punished_for() {
            return true;
        }
        // "a credit feature in WeChat": the app's own feature, not a post in it.
        if prep == "in" && self.before(k + 1).is_some_and(|w| APP_PARTS.contains(&w)) {
            return false;
        }
        // "livestreams take over Douyin e-commerce": taken over, not posted on.
        if prep == "over"
            && self
                .before(k + 1)
                .is_some_and(|w| matches!(w, "take" | "takes" | "took" | "taking" | "taken"))
        {
            return false;
        }
        (k + 1..=k + 4).any(|j| self.before(j).is_some_and(is_medium_cue))
    }

    /// Whether an arrest, charge or sentence stands up to ten words before the name,
    /// in the same clause (no comma, semicolon, "and" or "but" between): "arrested for
    /// remarks on TikTok", not "three were arrested, and the state cracked down on
    /// TikTok".
    fn punished_for(&self) -> bool {
        let text = self.doc.ex.text.as_str();
        let Some(k) = (1..=10).find(|&k| self.before(k).is_some_and(|w| PUNISHED.contains(&w)))
        else {
            return false;
        };
        let from = self.doc.words[self.o.w0 as usize - k].end as usize;
        text.get(from..self.o.start as usize).is_some_and(|gap| {
            !gap.contains([',', ';', ':']) && !gap.contains(" and ") && !gap.contains(" but ")
        })
    }

    /// "Forget TikTok, …", "Move over, TikTok": at the start of the sentence, right
    /// after the word that dismisses it ("Sorry Facebook, TikTok is now …" dismisses
    /// Facebook, not TikTok).
    fn dismissed(&self) -> bool {
        let start = self.o.w0 as usize;
        let first = (0..start)
            .rev()
            .take_while(|&i| self.at(i).is_some())
            .last()
            .unwrap_or(start);
        start - first <= 2 && self.before(1).is_some_and(|w| DISMISSALS.contains(&w))
    }

    /// "a similar probe into TikTok", "earlier bans that covered TikTok": in the body,
    /// not as the sentence's first words.
    fn precedent(&self) -> bool {
        if (self.o.start as usize) < self.doc.title.end {
            return false;
        }
        // Within the reach, the words that say what the name is do not count
        // ("a similar action taken against short video app TikTok").
        let mut counted = 0;
        let mut k = 1;
        while counted < PRECEDENT_REACH {
            let Some(w) = self.before(k) else {
                break;
            };
            if PRECEDENTS.contains(&w) {
                return true;
            }
            if !APP_DESCRIPTORS.contains(&w) {
                counted += 1;
            }
            k += 1;
        }
        // "access to TikTok that was earlier banned": the ban told after the name.
        if matches!(self.after(1), Some("that" | "which"))
            && (2..=4).any(|k| {
                self.after(k)
                    .is_some_and(|w| matches!(w, "earlier" | "previously" | "already"))
            })
            && (2..=6).any(|k| self.after(k).is_some_and(|w| BANS.contains(&w)))
        {
            return true;
        }
        // "the market created by banned Chinese short video app TikTok": a ban told
        // as what the name already is, not one the story reports; "banned" an
        // adjective there, not a verb ("Canada banned WeChat").
        let k = self.past_descriptors();
        self.before(k).is_some_and(|w| BANNED.contains(&w))
            && self
                .before(k + 1)
                .is_some_and(|w| BEFORE_AN_ADJECTIVE.contains(&w))
    }

    /// "Tencent operates WeChat, a platform …", "the owner of WeChat": the name
    /// describes who owns it; the story is about the owner (which a rule on the
    /// owner's products, like `@bytedance+owned`, still counts by its own name).
    fn owned(&self) -> bool {
        let mut k = self.past_descriptors();
        if self
            .before(k)
            .is_some_and(|w| DETERMINERS.contains(&w) || FOREIGN_ARTICLES.contains(&w))
        {
            k += 1;
        }
        if self.before(k).is_some_and(|w| OWNS.contains(&w)) {
            return true;
        }
        // "the parent of WeChat", "parent company of WeChat", "owner of the massive
        // Chinese messaging app WeChat" (up to two more words of what the app is).
        let Some(of) = (k..=k + 2).find(|&j| self.before(j) == Some("of")) else {
            return false;
        };
        let mut j = of + 1;
        if self
            .before(j)
            .is_some_and(|w| matches!(w, "company" | "firm" | "group"))
        {
            j += 1;
        }
        self.before(j).is_some_and(|w| OWNERS.contains(&w))
    }

    /// Whether an action against what follows stands earlier in the sentence ("bans 59
    /// apps including TikTok").
    fn acted_on(&self) -> bool {
        let mut k = 1;
        while let Some(w) = self.before(k) {
            if ACTIONS.contains(&w) {
                return true;
            }
            k += 1;
        }
        false
    }

    /// One of three or more names in a row ("Facebook, Instagram, TikTok and
    /// Snapchat"), or of two after "apps such as".
    fn in_list(&self) -> bool {
        let text = self.doc.ex.text.as_str();
        let spans = self.doc.names.get_or_init(|| names(self.doc));
        let me = spans.partition_point(|&(s, _)| s < self.o.start);
        if spans.get(me).is_none_or(|&(s, _)| s != self.o.start) {
            return false;
        }
        let joins = |a: (u32, u32), b: (u32, u32)| {
            text.get(a.1 as usize..b.0 as usize)
                .is_some_and(is_list_gap)
        };
        let mut first = me;
        while first > 0 && joins(spans[first - 1], spans[first]) {
            first -= 1;
        }
        let mut last = me;
        while last + 1 < spans.len() && joins(spans[last], spans[last + 1]) {
            last += 1;
        }
        let n = last - first + 1;
        let listed = n >= 3 || (n == 2 && self.list_intro(spans[first].0));
        listed && !self.acted_after(spans[last].1)
    }

    /// Whether the word after byte `end` (a list's end), past "had been" and the
    /// like, says the list is acted on ("Twitter, WeChat and VK had been
    /// unblocked").
    fn acted_after(&self, end: u32) -> bool {
        let words = &self.doc.words;
        let mut i = words.partition_point(|w| w.start < end);
        while self.at(i).is_some_and(|w| AUXILIARIES.contains(&w)) {
            i += 1;
        }
        self.at(i).is_some_and(|w| ACTED_AFTER.contains(&w))
    }

    /// Whether the list starting at byte `start` follows "such as", "like",
    /// "including", "apps".
    fn list_intro(&self, start: u32) -> bool {
        let words = &self.doc.words;
        let i = words.partition_point(|w| w.start < start);
        let b1 = i.checked_sub(1).and_then(|j| self.at(j));
        let b2 = i.checked_sub(2).and_then(|j| self.at(j));
        b1.is_some_and(|w| {
            matches!(
                w,
                "like" | "including" | "apps" | "platforms" | "services" | "sites" | "networks"
            )
        }) || (b2 == Some("such") && b1 == Some("as"))
    }
}

/// The byte spans of the mentions that can stand in a list of names (not places or
/// people), sorted and without repeats.
fn names(doc: &Doc<'_>) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = doc
        .ex
        .entities
        .iter()
        .filter(|h| !matches!(h.kind, EntityKind::Location | EntityKind::Person))
        .flat_map(|h| h.mentions.iter().map(|m| (m.start as u32, m.end as u32)))
        .collect();
    spans.sort_unstable();
    spans.dedup();
    spans
}

/// The text between two names of a list: ", ", " and ", ", and ", " or ", "/".
fn is_list_gap(gap: &str) -> bool {
    matches!(
        gap,
        ", " | " and " | ", and " | " or " | ", or " | "/" | " & " | " and/or " | ", as well as "
    )
}

mod told;

#[cfg(test)]
mod tests;
