//! The values that flow through newswatch: [`Item`] (what a feed yields),
//! [`Extraction`] (what the extractor finds in an item) and [`Alert`] (what a rule
//! raises). Their JSON forms are public contracts (see DESIGN.md): extend, never break.
//! Also [`Validators`], what a feed's source and its stored state pass back and forth.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One entry of a feed, as the source yields it after parsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable identity within its feed: the guid, else the link, else
    /// `sha256:<hex>` of title and content. Survives restarts and upgrades.
    pub id: String,
    /// The title as plain text (markup removed); empty when the feed has none.
    pub title: String,
    /// The item's link, resolved against the feed's base URL when relative.
    pub link: Option<String>,
    /// Publication (or, failing that, update) time; `None` when the feed gives none.
    pub published: Option<DateTime<Utc>>,
    /// The body: the richer of content and summary, as HTML (plain text passes
    /// through HTML-to-text unchanged). Not part of the `items` JSON.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub body: String,
}

/// A feed's validators from its last successful fetch, sent back to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header as received.
    pub etag: Option<String>,
    /// The `Last-Modified` header as received.
    pub last_modified: Option<String>,
}

/// What an entity is. Serialised in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A company, party, newspaper, exchange, international body…
    Organization,
    /// A named person.
    Person,
    /// A country, city or region.
    Location,
    /// An organization that regulates (data-protection authorities and the like).
    Regulator,
    /// An app or service.
    Product,
}

impl EntityKind {
    /// The lower-case name used in JSON, TOML and rule queries.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Organization => "organization",
            EntityKind::Person => "person",
            EntityKind::Location => "location",
            EntityKind::Regulator => "regulator",
            EntityKind::Product => "product",
        }
    }

    /// Parses the lower-case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "organization" | "organisation" => EntityKind::Organization,
            "person" => EntityKind::Person,
            "location" => EntityKind::Location,
            "regulator" => EntityKind::Regulator,
            "product" => EntityKind::Product,
            _ => return None,
        })
    }
}

/// One occurrence of an entity in the extraction's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// Byte offset of the first byte of the mention in `Extraction::text`.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// The text as written (`text[start..end]`).
    pub surface: String,
    /// Resolved from a description of the entity rather than its name ("Ireland's
    /// data watchdog", "the regulator"). Absent (false) for names.
    #[serde(default, skip_serializing_if = "is_false")]
    pub described: bool,
    /// A place named by its people's word ("Irish", "Americans") rather than its name:
    /// it says where, but is not a name of the place (news NER counts it as a
    /// nationality, not a location). Absent (false) otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub demonym: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An entity found in a document, with every place it is mentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityHit {
    /// Knowledge-base id (e.g. `tiktok`), or a generated id for names the base does
    /// not know.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// What it is.
    pub kind: EntityKind,
    /// How sure the extractor is: 1.0 for unambiguous knowledge-base matches, lower
    /// for ambiguous aliases resolved by context and for names the base does not know.
    #[serde(default = "one")]
    pub confidence: f32,
    /// Every occurrence, in text order.
    pub mentions: Vec<Mention>,
    /// Every mention is a description (see [`Mention::described`]). Absent (false)
    /// when the entity is also named.
    #[serde(default, skip_serializing_if = "is_false")]
    pub described: bool,
    /// ISO 3166 code of an entity that only a description made (`dpa/de`, "German
    /// data protection authorities": `DE`), so that `country:` queries find it.
    /// Absent for knowledge-base entities, whose country is in the knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Tags of such an entity (`dpa`, `privacy`), for `tag:` queries; absent for
    /// others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

fn one() -> f32 {
    1.0
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// As written, e.g. `420 million euros`.
    pub text: String,
    /// The amount in units of the currency (420000000 for the example above).
    pub amount: f64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Byte offset of the start in the text.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
}

/// A percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percent {
    /// As written, e.g. `10 percent`.
    pub text: String,
    /// The number of percent (10 for the example).
    pub value: f64,
    /// Byte offset of the start in the text.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
}

/// A length of time, e.g. a deadline of `45 days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationMention {
    /// As written.
    pub text: String,
    /// Length in days (weeks × 7, months × 30, years × 365).
    pub days: f64,
    /// Byte offset of the start in the text.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
}

/// A date or date range, absolute or relative.
///
/// `start`/`end` are the ISO dates of the range (the DESIGN.md contract), so the byte
/// offsets of the text live in `span`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateMention {
    /// As written, e.g. `early 2022`.
    pub text: String,
    /// First day of the range, when it can be resolved.
    pub start: Option<NaiveDate>,
    /// Last day of the range (inclusive), when it can be resolved.
    pub end: Option<NaiveDate>,
    /// Where the text is.
    pub span: Span,
}

/// A byte range in `Extraction::text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
}

/// A quotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words, without the quote marks.
    pub text: String,
    /// Entity id of the speaker, when the text names one that resolves.
    pub speaker: Option<String>,
    /// Byte offset of the first quoted character.
    pub start: usize,
    /// Byte offset one past the last quoted character.
    pub end: usize,
}

/// Everything the extractor finds in one document. All offsets point into `text`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// The normalised text the offsets point into. For plain-text input, the input.
    pub text: String,
    /// Entities, in order of first mention.
    pub entities: Vec<EntityHit>,
    /// Amounts of money.
    pub money: Vec<Money>,
    /// Percentages.
    pub percent: Vec<Percent>,
    /// Lengths of time.
    pub durations: Vec<DurationMention>,
    /// Dates and date ranges.
    pub dates: Vec<DateMention>,
    /// Quotations.
    pub quotes: Vec<Quote>,
}

impl Extraction {
    /// The entity with this id, if it was found.
    pub fn entity(&self, id: &str) -> Option<&EntityHit> {
        self.entities.iter().find(|e| e.id == id)
    }
}

/// How urgent an alert is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record.
    Info,
    /// Worth a look.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Look now.
    High,
    /// Drop everything.
    Critical,
}

impl Severity {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The feed an alert came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertFeed {
    /// The feed's configured (or derived) name.
    pub name: String,
    /// The feed's URL or file path.
    pub url: String,
}

/// The item an alert is about (the `items` JSON shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertItem {
    /// The item's identity in its feed.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link.
    pub link: Option<String>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
}

/// One thing that made a rule fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matched {
    /// Which kind of query atom matched: `entity`, `kind`, `country`, `tag` or `keyword`
    /// ([`crate::rules::program::Atom::match_type`]).
    #[serde(rename = "type")]
    pub kind: String,
    /// The entity found (for every type but `keyword`), or the keyword as the rule
    /// wrote it.
    pub id: String,
    /// Canonical name for entities; the keyword for keywords.
    pub name: String,
    /// The first matching text as written.
    pub surface: String,
    /// Byte offset of that first match in `extraction.text`.
    pub start: usize,
    /// Byte offset one past its end.
    pub end: usize,
}

/// An alert: one JSON object per line in the alert log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Version of this shape; 1.
    pub schema: u32,
    /// Stable: the same rule on the same item gives the same id.
    pub alert_id: String,
    /// When the alert was raised.
    pub ts: DateTime<Utc>,
    /// Id of the rule that fired.
    pub rule: String,
    /// The rule's severity.
    pub severity: Severity,
    /// Where the item came from.
    pub feed: AlertFeed,
    /// What the alert is about.
    pub item: AlertItem,
    /// What made the rule fire.
    pub matched: Vec<Matched>,
    /// The sentence around the first match.
    pub snippet: String,
    /// The full extraction of the item.
    pub extraction: Extraction,
    /// When this alert repeats a story already alerted by the same rule (a
    /// near-duplicate item within the rule's window): the `alert_id` of the group's
    /// first alert. Absent on the first alert of a story.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Where the item's body text came from, on feeds with `full_text` on: the linked
    /// page's article or the feed's own text (and why the page was not used). Absent
    /// when the feed reads only its own text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_source: Option<TextSource>,
}

/// Where an item's body text came from (an alert's `text_source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSource {
    /// `page` (the linked page's article) or `feed` (the feed's own text).
    pub from: TextFrom,
    /// The page fetched (after redirects, when it was read), when one was tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How many words the page's article has, when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<usize>,
    /// Why the page's text was not used, when a page was tried and not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The two places an item's body text can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFrom {
    /// The feed's own text (its summary or content).
    Feed,
    /// The article of the page the item links to.
    Page,
}

/// The current alert schema version.
pub const ALERT_SCHEMA: u32 = 1;

/// What the desktop does with a new alert: decided by its rule (`notify`) and by
/// grouping and cooldown (see [`crate::rules::group`]), stored with it in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    /// A notification of its own.
    Show,
    /// None: the rule does not notify, or the alert repeats a story already shown.
    Quiet,
    /// None yet: the rule's cooldown held it back until this time, when a summary of
    /// the alerts it held ("3 more alerts for tiktok") is due.
    Held(DateTime<Utc>),
}

impl Popup {
    /// Whether the alert gets a notification of its own.
    pub fn shows(self) -> bool {
        self == Popup::Show
    }
}
