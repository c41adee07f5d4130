//! One story, one alert. Alerts of one rule whose items are near-duplicates — the
//! same link once normalised (scheme, `www.`, tracking parameters, fragments and
//! trailing slashes do not count), or a title and lead whose SimHash differs in at
//! most [`MAX_HAMMING`] of 64 bits — within the rule's window (default 48 h) form a
//! group: the first alert is notified, later ones are logged with `group_id` set to
//! the first one's `alert_id` and are not notified.
//!
//! Cooldown caps bursts of distinct stories: with `cooldown = "1h"`, a rule notifies
//! at most once per hour; every alert is still logged. An alert held back by the
//! cooldown is told when the cooldown ends ([`Decision::held_until`]), so the desktop
//! can summarise what it did not show then.
//!
//! Everything here is pure: the store supplies the recent alerts, [`decide`] says
//! what to do with a new one. Hashes are FNV-1a + SplitMix64: fixed, so fingerprints
//! stored by one build compare with those of the next.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::words;
use crate::model::Alert;

mod index;
pub use index::PriorIndex;

/// Most differing SimHash bits for two title+lead texts to count as one story.
pub const MAX_HAMMING: u32 = 6;
/// Fewest title+lead words for SimHash to be trusted; shorter texts must be equal.
const MIN_WORDS: usize = 6;

/// What grouping remembers of an alert's item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The normalised link, when the item has one.
    pub link: Option<String>,
    /// SimHash of the title and lead.
    pub simhash: u64,
    /// How many words the title and lead have.
    pub words: u32,
}

/// An earlier alert of the same rule, as the store remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prior {
    /// Its id.
    pub alert_id: String,
    /// The first alert of its group, if it was grouped.
    pub group_id: Option<String>,
    /// When it was raised.
    pub created: DateTime<Utc>,
    /// Its item's fingerprint.
    pub fingerprint: Fingerprint,
    /// Whether a desktop notification was queued for it.
    pub notified: bool,
}

/// How a rule groups and paces its alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Whether the rule wants notifications at all.
    pub notify: bool,
    /// Group near-duplicates within this long; `None`: never.
    pub window: Option<Duration>,
    /// At most one notification per this long.
    pub cooldown: Option<Duration>,
}

/// What to do with a new alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The group it joins (the first alert's id), or `None` when it starts one.
    pub group_id: Option<String>,
    /// Whether to queue a desktop notification.
    pub notify: bool,
    /// When the alert would have been notified but the rule's cooldown held it
    /// back: when that cooldown ends (the latest notified alert's time plus the
    /// cooldown). `None` otherwise.
    pub held_until: Option<DateTime<Utc>>,
}

fn since(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Decides a new alert with fingerprint `fp`, raised at `now`, given the rule's
/// earlier alerts `prior` (any order): [`decide_indexed`] with an index built here.
pub fn decide(policy: Policy, fp: &Fingerprint, prior: &[Prior], now: DateTime<Utc>) -> Decision {
    decide_indexed(policy, fp, prior, &PriorIndex::build(prior), &[], now)
}

/// [`decide`] against a rule's stored alerts `stored` (any order; `index` built over
/// them) and then the poll's own earlier alerts `batch`: the same decision as
/// comparing with every stored alert ordered by (`created`, `alert_id`) and then
/// with `batch`, but the earliest stored near-duplicate is looked up in `index`, at a
/// cost that does not grow with the size of its story.
pub fn decide_indexed(
    policy: Policy,
    fp: &Fingerprint,
    stored: &[Prior],
    index: &PriorIndex,
    batch: &[Prior],
    now: DateTime<Utc>,
) -> Decision {
    let group_id = policy.window.and_then(|w| {
        let from = since(now, w);
        let ok = |p: &Prior| p.created >= from && near_duplicate(fp, &p.fingerprint);
        // The earliest; among those raised at once, the first in the stored order.
        let in_stored = index.earliest(fp, from, stored).and_then(|i| stored.get(i));
        let in_batch = batch.iter().filter(|p| ok(p)).min_by_key(|p| p.created);
        let first = match (in_stored, in_batch) {
            (Some(s), Some(b)) => Some(if b.created < s.created { b } else { s }),
            (s, b) => s.or(b),
        };
        first.map(|p| p.group_id.clone().unwrap_or_else(|| p.alert_id.clone()))
    });
    let last_notified = batch
        .iter()
        .filter(|p| p.notified)
        .map(|p| p.created)
        .max()
        .max(index.last_notified());
    decision(policy, group_id, last_notified, now)
}

/// The decision for an alert raised at `now` that joins `group_id` (or starts a
/// group), its rule's latest notified alert (of those looked at) raised at
/// `last_notified`.
fn decision(
    policy: Policy,
    group_id: Option<String>,
    last_notified: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Decision {
    let cooling_until = policy.cooldown.and_then(|c| {
        let last = last_notified.filter(|t| *t >= since(now, c))?;
        Some(
            chrono::Duration::from_std(c)
                .ok()
                .and_then(|d| last.checked_add_signed(d))
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    });
    let wanted = policy.notify && group_id.is_none();
    Decision {
        notify: wanted && cooling_until.is_none(),
        held_until: cooling_until.filter(|_| wanted),
        group_id,
    }
}

/// Whether two items are the same story.
pub fn near_duplicate(a: &Fingerprint, b: &Fingerprint) -> bool {
    if let (Some(x), Some(y)) = (&a.link, &b.link) {
        if x == y {
            return true;
        }
    }
    similar_text((a.simhash, a.words), (b.simhash, b.words))
}

/// Whether two texts, each as (SimHash, word count), tell the same story: SimHashes at
/// most [`MAX_HAMMING`] bits apart, or equal when either text is short.
fn similar_text((a, a_words): (u64, u32), (b, b_words): (u64, u32)) -> bool {
    if (a_words as usize) < MIN_WORDS || (b_words as usize) < MIN_WORDS {
        return a == b && a_words == b_words && a_words > 0;
    }
    (a ^ b).count_ones() <= MAX_HAMMING
}

/// The fingerprint of an alert's item: its link and the title and lead of its text.
pub fn fingerprint(alert: &Alert) -> Fingerprint {
    let text = alert.extraction.text.as_str();
    let title = alert.item.title.as_str();
    let body = text.strip_prefix(title).unwrap_or(text).trim_start();
    let lead = body.split("\n\n").next().unwrap_or("");
    let (simhash, words) = simhash(&format!("{title}\n{lead}"));
    Fingerprint {
        link: alert.item.link.as_deref().and_then(normalize_link),
        simhash,
        words,
    }
}

/// Query parameters that only track where a click came from.
fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || k.starts_with("at_")
        || matches!(
            k.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "mc_cid"
                | "mc_eid"
                | "ocid"
                | "cmpid"
                | "ref"
                | "ref_src"
                | "referrer"
                | "rss"
                | "feed"
                | "smid"
                | "sr_share"
                | "igshid"
                | "src"
                | "source"
                | "outputtype"
                | "amp"
                | "ito"
                | "guccounter"
                | "guce_referrer"
        )
}

/// A link reduced to what identifies the page: no scheme, no `www.`/`m.`/`amp.`, no
/// fragment, no tracking parameters, sorted parameters, no trailing slash or `/amp`.
pub fn normalize_link(link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let Ok(u) = url::Url::parse(link) else {
        return Some(link.to_string());
    };
    let Some(host) = u.host_str() else {
        return Some(link.to_string());
    };
    let mut host = host.to_ascii_lowercase();
    for p in ["www.", "m.", "amp.", "mobile."] {
        if let Some(rest) = host.strip_prefix(p) {
            host = rest.to_string();
        }
    }
    let mut path = u.path().trim_end_matches('/');
    for suffix in ["/amp", "/index.html", "/index.htm"] {
        path = path.strip_suffix(suffix).unwrap_or(path);
    }
    let mut params: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    let mut out = format!("{host}{path}");
    if let Some(port) = u.port() {
        out = format!("{host}:{port}{path}");
    }
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    Some(out)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes`, continuing from state `h` (start from [`FNV_OFFSET`]): the hash of
/// a concatenation is the second part's hash continued from the first's.
fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Per-bit counts of many 64-bit feature hashes, eight bits at a time: each byte of a
/// hash selects a `u64` whose eight bytes are that byte's bits, added to one of eight
/// counters of eight byte-wide lanes (flushed before a lane can overflow).
struct BitCounts {
    /// Lane `8 * i + j` (byte `j` of `lanes[i]`) counts bit `8 * i + j`.
    lanes: [u64; 8],
    /// Features in `lanes` since the last flush.
    pending: u32,
    /// Flushed counts, per bit.
    ones: [u32; 64],
    /// Every feature added.
    total: u32,
}

/// `SPREAD[b]`: byte `j` is bit `j` of `b`.
const SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            if b >> j & 1 == 1 {
                t[b] |= 1 << (8 * j);
            }
            j += 1;
        }
        b += 1;
    }
    t
};

impl BitCounts {
    fn new() -> Self {
        BitCounts {
            lanes: [0; 8],
            pending: 0,
            ones: [0; 64],
            total: 0,
        }
    }

    fn add(&mut self, h: u64) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            *lane += SPREAD[(h >> (8 * i) & 0xff) as usize];
        }
        self.total += 1;
        self.pending += 1;
        if self.pending == 255 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            for j in 0..8 {
                self.ones[8 * i + j] += (*lane >> (8 * j) & 0xff) as u32;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    /// Bit `i` set when more features have it set than not.
    fn majority(mut self) -> u64 {
        self.flush();
        let mut h = 0u64;
        for (bit, &ones) in self.ones.iter().enumerate() {
            if u64::from(ones) * 2 > u64::from(self.total) {
                h |= 1 << bit;
            }
        }
        h
    }
}

/// SimHash (64 bits) of `text` over its folded words and word pairs; and its word count.
/// A pair is hashed as the folded words joined by one space.
pub fn simhash(text: &str) -> (u64, u32) {
    let mut counts = BitCounts::new();
    // One buffer for every word; a pair's hash continues the previous word's.
    let mut word = String::new();
    let mut prev: Option<u64> = None;
    let mut count = 0usize;
    for r in words::split(text) {
        word.clear();
        words::fold_into(&text[r], &mut word);
        let h = fnv1a_from(FNV_OFFSET, word.as_bytes());
        counts.add(splitmix(h));
        if let Some(p) = prev {
            counts.add(splitmix(fnv1a_from(fnv1a_from(p, b" "), word.as_bytes())));
        }
        prev = Some(h);
        count += 1;
    }
    (counts.majority(), count.min(u32::MAX as usize) as u32)
}

#[cfg(test)]
mod tests;
