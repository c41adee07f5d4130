//! Finding the earliest of a new alert's near-duplicates among a rule's earlier alerts
//! without looking at the members of its story (a story syndicated by thousands of
//! feeds in a day has thousands of alerts; looking at each for every new one made a
//! cycle quadratic in the story's size).
//!
//! Two fingerprints are near-duplicates when their links are equal or their texts are
//! similar ([`super::similar_text`]: SimHashes at most [`MAX_HAMMING`] bits apart, or
//! equal for short texts). So the alerts are kept in lists of equals: one per
//! normalised link, one per distinct text (SimHash and word count), each ordered by
//! (`created`, `alert_id`), where the earliest one inside a window is a binary search
//! away. Distinct texts are found by SimHash band: cut into `MAX_HAMMING + 1` bands,
//! hashes that differ in at most `MAX_HAMMING` bits agree on at least one band
//! (pigeonhole), and a band lists each distinct text once, however many alerts share
//! it.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use foldhash::fast::FixedState;

use super::{Fingerprint, MAX_HAMMING, Prior, similar_text};

/// Bands of the SimHash (pigeonhole: one more than the bits that may differ).
const BANDS: usize = MAX_HAMMING as usize + 1;

/// Band `i` of `h`: bits `64 * i / BANDS` up to `64 * (i + 1) / BANDS`.
fn band(h: u64, i: usize) -> u64 {
    let (lo, hi) = (64 * i / BANDS, 64 * (i + 1) / BANDS);
    (h >> lo) & ((1u64 << (hi - lo)) - 1)
}

/// What grouping compares of an item's text: its SimHash and its word count.
type TextKey = (u64, u32);

fn text_key(fp: &Fingerprint) -> TextKey {
    (fp.simhash, fp.words)
}

/// A rule's earlier alerts by link and by text, as positions in the list they were
/// pushed from (which only grows at its end, so positions stay put).
#[derive(Debug, Default)]
pub struct PriorIndex {
    /// Normalised link → positions, ordered by (`created`, `alert_id`).
    by_link: HashMap<String, Vec<u32>, FixedState>,
    /// Text → positions, ordered by (`created`, `alert_id`).
    by_text: HashMap<TextKey, Vec<u32>, FixedState>,
    /// (band, band value) → the distinct texts with that band value.
    by_band: HashMap<(u8, u64), Vec<TextKey>, FixedState>,
    /// The latest `created` of the alerts that were notified (for cooldowns).
    last_notified: Option<DateTime<Utc>>,
}

/// The order the earliest near-duplicate is chosen in: `created`, then `alert_id`.
fn order(a: &Prior, b: &Prior) -> Ordering {
    (a.created, &a.alert_id).cmp(&(b.created, &b.alert_id))
}

/// Puts position `pos` of `all` into `list` (ordered by [`order`]). Alerts are pushed
/// about in the order they were raised, so this is nearly always an append.
fn insert_ordered(list: &mut Vec<u32>, all: &[Prior], pos: u32) {
    let p = &all[pos as usize];
    let at = list.partition_point(|&i| order(&all[i as usize], p) != Ordering::Greater);
    list.insert(at, pos);
}

/// The first position of `list` (ordered by [`order`]) raised at or after `from`, by
/// binary search over the alerts `alert` gives for positions.
fn first_from<'a>(
    list: &[u32],
    from: DateTime<Utc>,
    alert: &impl Fn(u32) -> Option<&'a Prior>,
) -> Option<u32> {
    let k = list.partition_point(|&i| alert(i).is_some_and(|p| p.created < from));
    list.get(k).copied()
}

impl PriorIndex {
    /// Indexes `priors` (positions are their indices).
    pub fn build(priors: &[Prior]) -> Self {
        let mut ix = PriorIndex::default();
        for pos in 0..priors.len() {
            ix.push(priors, pos);
        }
        ix
    }

    /// Adds `all[pos]`, the alert at position `pos` of the list.
    pub fn push(&mut self, all: &[Prior], pos: usize) {
        let Some(p) = all.get(pos) else { return };
        let pos = pos as u32;
        if let Some(link) = &p.fingerprint.link {
            let list = self.by_link.entry(link.clone()).or_default();
            insert_ordered(list, all, pos);
        }
        let key = text_key(&p.fingerprint);
        let list = self.by_text.entry(key).or_default();
        if list.is_empty() {
            for i in 0..BANDS {
                let b = (i as u8, band(key.0, i));
                self.by_band.entry(b).or_default().push(key);
            }
        }
        insert_ordered(list, all, pos);
        if p.notified {
            self.last_notified = self.last_notified.max(Some(p.created));
        }
    }

    /// The position in `all` (the list the index was pushed from) of the earliest
    /// near-duplicate of `fp` (by `created`, then `alert_id`) raised at or after
    /// `from`.
    pub fn earliest(&self, fp: &Fingerprint, from: DateTime<Utc>, all: &[Prior]) -> Option<usize> {
        self.earliest_by(fp, from, |i| all.get(i as usize))
    }

    /// [`Self::earliest`], reading each alert it looks at through `alert` (the alert
    /// at a position): every alert it reads is one call, so a test can count what a
    /// lookup costs, which must not grow with the size of a story.
    pub(super) fn earliest_by<'a>(
        &self,
        fp: &Fingerprint,
        from: DateTime<Utc>,
        alert: impl Fn(u32) -> Option<&'a Prior>,
    ) -> Option<usize> {
        let mut best: Option<(u32, &Prior)> = None;
        let mut consider = |cand: Option<u32>| {
            let Some((i, c)) = cand.and_then(|i| Some((i, alert(i)?))) else {
                return;
            };
            if best.is_none_or(|(_, b)| order(c, b).is_lt()) {
                best = Some((i, c));
            }
        };
        if let Some(list) = fp.link.as_ref().and_then(|l| self.by_link.get(l)) {
            consider(first_from(list, from, &alert));
        }
        let mine = text_key(fp);
        for i in 0..BANDS {
            let Some(texts) = self.by_band.get(&(i as u8, band(mine.0, i))) else {
                continue;
            };
            for &key in texts {
                // A text sharing several bands with `fp` is taken at the first of them.
                let seen_before = (0..i).any(|j| band(key.0, j) == band(mine.0, j));
                if seen_before || !similar_text(mine, key) {
                    continue;
                }
                if let Some(list) = self.by_text.get(&key) {
                    consider(first_from(list, from, &alert));
                }
            }
        }
        best.map(|(i, _)| i as usize)
    }

    /// When the latest notified alert was raised.
    pub fn last_notified(&self) -> Option<DateTime<Utc>> {
        self.last_notified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_hashes_share_a_band() {
        let h = 0x0123_4567_89ab_cdefu64;
        // Any MAX_HAMMING bits flipped, spread over the bands: one band is untouched.
        let flipped = h ^ (1 | 1 << 10 | 1 << 19 | 1 << 28 | 1 << 37 | 1 << 46);
        assert!((0..BANDS).any(|i| band(h, i) == band(flipped, i)));
        // The bands cover all 64 bits.
        let widths: u32 = (0..BANDS).map(|i| band(u64::MAX, i).count_ones()).sum();
        assert_eq!(widths, 64);
    }
}
