//! Finding a new alert's near-duplicates among a rule's earlier alerts without
//! comparing it with every one of them (at 10,000 feeds a cycle raises tens of
//! thousands of alerts; comparing each with all before it was quadratic).
//!
//! Two fingerprints are near-duplicates when their links are equal or their SimHashes
//! differ in at most [`MAX_HAMMING`] bits (equal, for short texts). The SimHash is cut
//! into `MAX_HAMMING + 1` bands: hashes that differ in at most `MAX_HAMMING` bits agree
//! on at least one band. So the alerts sharing the link or a band are all the
//! candidates; [`super::near_duplicate`] still decides.
//!
//! `created` in the alerts indexed must be whole milliseconds (as the store keeps it).

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use super::{Fingerprint, MAX_HAMMING, Prior};

/// Bands of the SimHash (pigeonhole: one more than the bits that may differ).
const BANDS: usize = MAX_HAMMING as usize + 1;

/// Band `i` of `h`: bits `64 * i / BANDS` up to `64 * (i + 1) / BANDS`.
fn band(h: u64, i: usize) -> u64 {
    let (lo, hi) = (64 * i / BANDS, 64 * (i + 1) / BANDS);
    (h >> lo) & ((1u64 << (hi - lo)) - 1)
}

/// An alert as the index names it: its `created` (ms) and a hash of its id. Not its
/// position, which moves when an alert committed late (polls finish out of order) is
/// inserted before others.
type Key = (i64, u64);

fn key(p: &Prior) -> Key {
    (
        p.created.timestamp_millis(),
        FixedState::default().hash_one(&p.alert_id),
    )
}

/// A rule's earlier alerts by link and by SimHash band.
#[derive(Debug, Default)]
pub struct PriorIndex {
    /// Normalised link → alerts.
    by_link: HashMap<String, Vec<Key>, FixedState>,
    /// (band, band value) → alerts.
    by_band: HashMap<(u8, u64), Vec<Key>, FixedState>,
}

impl PriorIndex {
    /// Indexes `priors`.
    pub fn build(priors: &[Prior]) -> Self {
        let mut ix = PriorIndex::default();
        for p in priors {
            ix.push(p);
        }
        ix
    }

    /// Adds `p`.
    pub fn push(&mut self, p: &Prior) {
        let k = key(p);
        if let Some(link) = &p.fingerprint.link {
            self.by_link.entry(link.clone()).or_default().push(k);
        }
        for i in 0..BANDS {
            let b = (i as u8, band(p.fingerprint.simhash, i));
            self.by_band.entry(b).or_default().push(k);
        }
    }

    /// Positions in `priors` (the list indexed, sorted by `created`; alerts since
    /// dropped from it are skipped) that may hold a near-duplicate of `fp`: every one
    /// that does, and others; some more than once.
    pub fn candidates<'a>(
        &'a self,
        priors: &'a [Prior],
        fp: &'a Fingerprint,
    ) -> impl Iterator<Item = usize> + 'a {
        let by_link = fp
            .link
            .as_ref()
            .and_then(|l| self.by_link.get(l))
            .map_or(&[][..], Vec::as_slice);
        let by_band = (0..BANDS).flat_map(move |i| {
            let b = (i as u8, band(fp.simhash, i));
            self.by_band.get(&b).map_or(&[][..], Vec::as_slice)
        });
        by_link
            .iter()
            .chain(by_band)
            .flat_map(move |&k| positions(priors, k))
    }
}

/// Where the alerts with key `k` are in `priors` (sorted by `created`).
fn positions(priors: &[Prior], (created, id): Key) -> impl Iterator<Item = usize> + '_ {
    let lo = priors.partition_point(|p| p.created.timestamp_millis() < created);
    priors[lo..]
        .iter()
        .take_while(move |p| p.created.timestamp_millis() == created)
        .enumerate()
        .filter(move |(_, p)| key(p).1 == id)
        .map(move |(i, _)| lo + i)
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
