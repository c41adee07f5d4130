//! Finding a new alert's near-duplicates among a rule's earlier alerts without
//! comparing it with every one of them (at 10,000 feeds a cycle raises tens of
//! thousands of alerts; comparing each with all before it was quadratic).
//!
//! Two fingerprints are near-duplicates when their links are equal or their SimHashes
//! differ in at most [`MAX_HAMMING`] bits (equal, for short texts). The SimHash is cut
//! into `MAX_HAMMING + 1` bands: hashes that differ in at most `MAX_HAMMING` bits agree
//! on at least one band. So the alerts sharing the link or a band are all the
//! candidates; [`super::near_duplicate`] still decides.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use foldhash::fast::FixedState;

use super::{Fingerprint, MAX_HAMMING, Prior};

/// Bands of the SimHash (pigeonhole: one more than the bits that may differ).
const BANDS: usize = MAX_HAMMING as usize + 1;

/// Band `i` of `h`: bits `64 * i / BANDS` up to `64 * (i + 1) / BANDS`.
fn band(h: u64, i: usize) -> u64 {
    let (lo, hi) = (64 * i / BANDS, 64 * (i + 1) / BANDS);
    (h >> lo) & ((1u64 << (hi - lo)) - 1)
}

/// A rule's earlier alerts by link and by SimHash band, as positions in the list they
/// were pushed from (which only grows at its end, so positions stay put).
#[derive(Debug, Default)]
pub struct PriorIndex {
    /// Normalised link → positions.
    by_link: HashMap<String, Vec<u32>, FixedState>,
    /// (band, band value) → positions.
    by_band: HashMap<(u8, u64), Vec<u32>, FixedState>,
    /// The latest `created` of the alerts that were notified (for cooldowns).
    last_notified: Option<DateTime<Utc>>,
}

impl PriorIndex {
    /// Indexes `priors` (positions are their indices).
    pub fn build(priors: &[Prior]) -> Self {
        let mut ix = PriorIndex::default();
        for (i, p) in priors.iter().enumerate() {
            ix.push(i, p);
        }
        ix
    }

    /// Adds `p`, at position `pos` of the list.
    pub fn push(&mut self, pos: usize, p: &Prior) {
        let pos = pos as u32;
        if let Some(link) = &p.fingerprint.link {
            self.by_link.entry(link.clone()).or_default().push(pos);
        }
        for i in 0..BANDS {
            let b = (i as u8, band(p.fingerprint.simhash, i));
            self.by_band.entry(b).or_default().push(pos);
        }
        if p.notified {
            self.last_notified = self.last_notified.max(Some(p.created));
        }
    }

    /// Positions that may hold a near-duplicate of `fp`: every one that does, and
    /// others; some more than once.
    pub fn candidates<'a>(&'a self, fp: &'a Fingerprint) -> impl Iterator<Item = usize> + 'a {
        let by_link = fp
            .link
            .as_ref()
            .and_then(|l| self.by_link.get(l))
            .map_or(&[][..], Vec::as_slice);
        let by_band = (0..BANDS).flat_map(move |i| {
            let b = (i as u8, band(fp.simhash, i));
            self.by_band.get(&b).map_or(&[][..], Vec::as_slice)
        });
        by_link.iter().chain(by_band).map(|&p| p as usize)
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
