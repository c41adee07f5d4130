//! Which member polls a feed: rendezvous (highest random weight) hashing. Every
//! member scores every (member, feed) pair with the same fixed hash and the feed goes
//! to the highest score, so all instances agree without talking, the split is even,
//! and when a member leaves only its own feeds move (each to its runner-up).

use sha2::{Digest, Sha256};

/// The score of `member` for `feed`: the first 8 bytes of SHA-256(member, 0, feed).
/// A fixed hash, so instances of different builds agree.
fn score(member: &str, feed: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(member.as_bytes());
    h.update([0u8]);
    h.update(feed.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// The member that owns `feed` among `members` (`None` when there is none). Ties,
/// which a 64-bit hash makes all but impossible, go to the smaller name.
pub fn owner<'a>(feed: &str, members: &'a [String]) -> Option<&'a str> {
    members
        .iter()
        .map(|m| (score(m, feed), std::cmp::Reverse(m.as_str())))
        .max()
        .map(|(_, m)| m.0)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn members(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("node-{i}")).collect()
    }

    fn feeds() -> Vec<String> {
        (0..10_000).map(|i| format!("feed-{i}")).collect()
    }

    fn shares(members: &[String]) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for f in feeds() {
            *out.entry(owner(&f, members).unwrap().to_string())
                .or_default() += 1;
        }
        out
    }

    #[test]
    fn ten_thousand_feeds_split_within_ten_percent_of_even() {
        for n in 1..=3 {
            let m = members(n);
            let s = shares(&m);
            let even = 10_000.0 / n as f64;
            for name in &m {
                let got = s.get(name).copied().unwrap_or(0) as f64;
                assert!(
                    (got - even).abs() <= even * 0.10,
                    "{n} members: {name} owns {got}, even is {even}"
                );
            }
        }
    }

    #[test]
    fn when_a_member_leaves_only_its_feeds_move() {
        let three = members(3);
        let two: Vec<String> = three.iter().filter(|m| *m != "node-1").cloned().collect();
        let mut moved = 0;
        for f in feeds() {
            let before = owner(&f, &three).unwrap();
            let after = owner(&f, &two).unwrap();
            if before == "node-1" {
                moved += 1;
            } else {
                assert_eq!(before, after, "{f} moved though its owner stayed");
            }
        }
        assert!(moved > 3000, "node-1 owned {moved}");
        // And it comes back to the same split when the member returns.
        for f in feeds().iter().take(500) {
            assert_eq!(owner(f, &three), owner(f, &members(3)));
        }
    }

    #[test]
    fn no_members_no_owner() {
        assert_eq!(owner("f", &[]), None);
    }
}
