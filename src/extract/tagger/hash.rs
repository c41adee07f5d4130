//! The tagger's own fixed hash. A trained model stores weights and gazetteer entries
//! under these hashes, so they must never change without retraining: this is why the
//! tagger does not share the knowledge base's in-memory hasher, which may.

/// FNV-1a over `bytes`, starting from `seed`, then a final mix (SplitMix64's) so that
/// every output bit depends on every input bit.
pub(crate) fn bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    finish(h)
}

/// Combines two hashes (order matters).
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    finish(a.rotate_left(17) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn finish(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A small fixed pseudo-random generator (SplitMix64) for training: the same seed
/// gives the same shuffles and the same model bytes on every machine and with every
/// version of every dependency.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        finish(self.0)
    }

    /// A number in `0..n` (`n > 0`); the tiny modulo bias does not matter here.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Shuffles `v` (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_values() {
        // The model depends on these: a change here needs a retrained model.
        assert_eq!(bytes(0, b"obama"), bytes(0, b"obama"));
        assert_ne!(bytes(0, b"obama"), bytes(1, b"obama"));
        assert_ne!(mix(1, 2), mix(2, 1));
        assert_eq!(
            bytes(3, b"news"),
            0xd908_1602_5ab2_e279,
            "{:#x}",
            bytes(3, b"news")
        );
        let mut r = SplitMix(7);
        let mut v: Vec<u32> = (0..10).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }
}
