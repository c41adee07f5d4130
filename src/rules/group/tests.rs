//! Grouping tests: link normalisation, SimHash on real-looking rewrites, and the
//! group/cooldown decisions.

use super::*;

/// The plain scan the index must agree with: every earlier alert compared, the
/// stored ones then the poll's own, as one list in that order.
fn decide_in(policy: Policy, fp: &Fingerprint, parts: &[&[Prior]], now: DateTime<Utc>) -> Decision {
    let prior = || parts.iter().flat_map(|p| p.iter());
    let group_id = policy.window.and_then(|w| {
        let from = since(now, w);
        prior()
            .filter(|p| p.created >= from && near_duplicate(fp, &p.fingerprint))
            .min_by_key(|p| p.created)
            .map(|p| p.group_id.clone().unwrap_or_else(|| p.alert_id.clone()))
    });
    let cooling_until = policy.cooldown.and_then(|c| {
        let from = since(now, c);
        prior()
            .filter(|p| p.notified && p.created >= from)
            .map(|p| p.created)
            .max()
            .map(|t| t + chrono::Duration::from_std(c).unwrap())
    });
    let wanted = policy.notify && group_id.is_none();
    Decision {
        notify: wanted && cooling_until.is_none(),
        held_until: cooling_until.filter(|_| wanted),
        group_id,
    }
}

#[test]
fn links_normalise() {
    let same = [
        (
            "https://www.example.com/news/tiktok-ban/?utm_source=rss&utm_medium=feed#top",
            "http://example.com/news/tiktok-ban",
        ),
        (
            "https://m.example.com/a/b/amp?ocid=x",
            "https://example.com/a/b/",
        ),
        (
            "https://example.com/story?id=7&page=2",
            "https://example.com/story?page=2&id=7&fbclid=abc",
        ),
        ("https://EXAMPLE.com/Story", "https://example.com/Story"),
    ];
    for (a, b) in same {
        assert_eq!(normalize_link(a), normalize_link(b), "{a} vs {b}");
    }
    let different = [
        (
            "https://example.com/story?id=7",
            "https://example.com/story?id=8",
        ),
        ("https://example.com/Story", "https://example.com/story"),
        ("https://example.com:8080/a", "https://example.com/a"),
        ("https://example.com/a", "https://example.org/a"),
    ];
    for (a, b) in different {
        assert_ne!(normalize_link(a), normalize_link(b), "{a} vs {b}");
    }
    assert_eq!(normalize_link("  "), None);
    assert_eq!(normalize_link("not a url").as_deref(), Some("not a url"));
}

const LEAD: &str = "The Irish Data Protection Commission fined TikTok 345 million euros on Friday for \
    breaching EU privacy law in its handling of children's accounts, the largest penalty yet \
    imposed on the Chinese-owned video app by a European regulator.";

fn fp(title: &str, lead: &str) -> Fingerprint {
    let (simhash, words) = simhash(&format!("{title}\n{lead}"));
    Fingerprint {
        link: None,
        simhash,
        words,
    }
}

#[test]
fn rewrites_of_one_story_are_near_duplicates() {
    let a = fp("TikTok fined €345m over children's data", LEAD);
    let variants = [
        fp("TikTok fined €345m over children's data - Reuters", LEAD),
        fp("TIKTOK FINED €345M OVER CHILDREN'S DATA", LEAD),
        fp(
            "TikTok fined €345m over children's data",
            &LEAD.replace("on Friday", "on Friday, September 15,"),
        ),
        fp(
            "UPDATE 1-TikTok fined €345m over children's data",
            &LEAD.replace("the largest", "which is the largest"),
        ),
    ];
    for v in &variants {
        let d = (a.simhash ^ v.simhash).count_ones();
        assert!(near_duplicate(&a, v), "distance {d}");
    }
}

#[test]
fn different_stories_are_not() {
    let a = fp("TikTok fined €345m over children's data", LEAD);
    let others = [
        fp(
            "TikTok sues to block Montana ban",
            "TikTok Inc filed a lawsuit in federal court on Monday seeking to overturn a first-of-its-kind \
             Montana state ban on the use of the Chinese-owned short video app, arguing it violates the \
             First Amendment.",
        ),
        fp(
            "Irish regulator fines Meta €1.2bn over data transfers",
            "The Irish Data Protection Commission fined Meta 1.2 billion euros on Monday for transferring \
             the personal data of European users to the United States, the largest penalty yet imposed \
             under EU privacy law.",
        ),
        fp(
            "TikTok fined in UK over children's data",
            "Britain's data protection watchdog fined TikTok 12.7 million pounds on Tuesday for a number of \
             breaches of data protection law, including using the personal data of children under 13 \
             without parental consent.",
        ),
    ];
    for o in &others {
        let d = (a.simhash ^ o.simhash).count_ones();
        assert!(!near_duplicate(&a, o), "distance {d}");
    }
}

#[test]
fn short_texts_must_match_exactly_and_links_decide() {
    let a = fp("TikTok ban", "");
    let b = fp("TikTok bans", "");
    assert!(near_duplicate(&a, &a.clone()));
    assert!(!near_duplicate(&a, &b));
    let mut x = fp("one story here about things", LEAD);
    let mut y = fp(
        "a completely different text",
        "nothing alike at all in any way whatsoever",
    );
    x.link = normalize_link("https://example.com/a?utm_source=x");
    y.link = normalize_link("http://www.example.com/a/");
    assert!(near_duplicate(&x, &y));
}

fn prior(id: &str, group: Option<&str>, hours_ago: i64, f: &Fingerprint, notified: bool) -> Prior {
    Prior {
        alert_id: id.into(),
        group_id: group.map(str::to_string),
        created: Utc::now() - chrono::Duration::hours(hours_ago),
        fingerprint: f.clone(),
        notified,
    }
}

#[test]
fn decisions() {
    let now = Utc::now();
    let story = fp("TikTok fined €345m over children's data", LEAD);
    let other = fp(
        "TikTok sues to block Montana ban over the app today",
        "Lawsuit filed in federal court.",
    );
    let policy = Policy {
        notify: true,
        window: Some(Duration::from_secs(48 * 3600)),
        cooldown: None,
    };
    // Nothing before: starts a group, notifies.
    let d = decide(policy, &story, &[], now);
    assert_eq!(
        d,
        Decision {
            group_id: None,
            notify: true,
            held_until: None,
        }
    );
    // Same story 3 h ago, itself in a group: joins that group's first alert, silent.
    let p = [
        prior("b", Some("a"), 3, &story, false),
        prior("a", None, 10, &story, true),
    ];
    let d = decide(policy, &story, &p, now);
    assert_eq!(
        d,
        Decision {
            group_id: Some("a".into()),
            notify: false,
            held_until: None,
        }
    );
    // Outside the window: a new group.
    let p = [prior("a", None, 49, &story, true)];
    assert_eq!(decide(policy, &story, &p, now).group_id, None);
    // Grouping off.
    let off = Policy {
        window: None,
        ..policy
    };
    let p = [prior("a", None, 1, &story, true)];
    assert_eq!(
        decide(off, &story, &p, now),
        Decision {
            group_id: None,
            notify: true,
            held_until: None,
        }
    );
    // Cooldown: a different story right after a notified one is logged, not
    // notified, and told when the cooldown ends (to be summarised then).
    let cool = Policy {
        cooldown: Some(Duration::from_secs(3600)),
        ..policy
    };
    let p = [prior("a", None, 0, &story, true)];
    assert_eq!(
        decide(cool, &other, &p, now),
        Decision {
            group_id: None,
            notify: false,
            held_until: Some(p[0].created + chrono::Duration::hours(1)),
        }
    );
    // A repeat of the story within the cooldown is grouped, not held: nothing to
    // summarise (the story was shown).
    assert_eq!(decide(cool, &story, &p, now).held_until, None);
    let p = [prior("a", None, 2, &story, true)];
    assert!(decide(cool, &other, &p, now).notify);
    assert_eq!(decide(cool, &other, &p, now).held_until, None);
    // A rule with notify = false never notifies.
    let quiet = Policy {
        notify: false,
        ..policy
    };
    assert!(!decide(quiet, &story, &[], now).notify);
    // Nor is it held by a cooldown: it never wanted a notification.
    let quiet_cool = Policy {
        notify: false,
        ..cool
    };
    let p = [prior("a", None, 0, &story, true)];
    assert_eq!(decide(quiet_cool, &other, &p, now).held_until, None);
}

/// The SimHash as first written (a String per word, one per pair): stored fingerprints
/// were made with it, so the faster one must give the same bits.
fn simhash_as_first_written(text: &str) -> (u64, u32) {
    let fnv1a = |bytes: &[u8]| fnv1a_from(FNV_OFFSET, bytes);
    let folded: Vec<String> = words::split(text).map(|r| words::fold(&text[r])).collect();
    let mut acc = [0i32; 64];
    let mut add = |feature: &[u8]| {
        let h = splitmix(fnv1a(feature));
        for (bit, a) in acc.iter_mut().enumerate() {
            *a += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    };
    for w in &folded {
        add(w.as_bytes());
    }
    for pair in folded.windows(2) {
        add(format!("{} {}", pair[0], pair[1]).as_bytes());
    }
    let mut h = 0u64;
    for (bit, a) in acc.iter().enumerate() {
        if *a > 0 {
            h |= 1 << bit;
        }
    }
    (h, folded.len() as u32)
}

#[test]
fn simhash_is_stable() {
    const PINNED_SIMHASH: u64 = 6_885_534_479_628_368_380;
    for text in [
        "",
        "one",
        "TikTok fined over data",
        "TikTok fined €345m over children's data\nThe Irish regulator fined TikTok.",
        "ÉCOLE Straße 微信 Weixin — U.S. tick-tock, 2024",
        LEAD,
    ] {
        assert_eq!(simhash(text), simhash_as_first_written(text), "{text}");
    }
    // Long enough for the per-bit counters to flush several times.
    let long: Vec<String> = (0..700).map(|i| format!("w{}", i * 7919 % 1000)).collect();
    let long = long.join(" ");
    assert_eq!(simhash(&long), simhash_as_first_written(&long));
    // Pinned: a change here would split every stored group from the next alert.
    assert_eq!(simhash("TikTok fined over data"), (PINNED_SIMHASH, 4));
}

#[test]
fn indexed_decisions_match_the_scan() {
    use chrono::TimeZone;
    // A small LCG: reproducible without a dependency.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 11
    };
    // Whole milliseconds, as the store keeps them.
    let now = Utc
        .timestamp_millis_opt(Utc::now().timestamp_millis())
        .single()
        .unwrap();
    let bases: Vec<u64> = (0..8).map(|_| next()).collect();
    let random_fp = |next: &mut dyn FnMut() -> u64| {
        let mut h = bases[(next() % 8) as usize];
        for _ in 0..next() % 10 {
            h ^= 1 << (next() % 64);
        }
        Fingerprint {
            link: (next() % 3 > 0).then(|| format!("x.example/{}", next() % 40)),
            simhash: h,
            words: (next() % 12) as u32,
        }
    };
    let mut stored: Vec<Prior> = (0..300)
        .map(|i| Prior {
            alert_id: format!("a{i:03}"),
            group_id: (next() % 4 == 0).then(|| format!("g{}", next() % 9)),
            created: now - chrono::Duration::minutes((next() % (60 * 60)) as i64),
            fingerprint: random_fp(&mut next),
            notified: next() % 5 == 0,
        })
        .collect();
    // Indexed in commit order, which is not the order the file lists them in.
    let index = PriorIndex::build(&stored);
    let arena = stored.clone();
    stored.sort_by(|a, b| (a.created, &a.alert_id).cmp(&(b.created, &b.alert_id)));
    let batch: Vec<Prior> = (0..5)
        .map(|i| Prior {
            alert_id: format!("b{i}"),
            group_id: None,
            created: now - chrono::Duration::minutes((next() % 600) as i64),
            fingerprint: random_fp(&mut next),
            notified: next() % 2 == 0,
        })
        .collect();
    let policies = [
        Policy {
            notify: true,
            window: Some(Duration::from_secs(48 * 3600)),
            cooldown: None,
        },
        Policy {
            notify: true,
            window: Some(Duration::from_secs(3600)),
            cooldown: Some(Duration::from_secs(2 * 3600)),
        },
        Policy {
            notify: false,
            window: None,
            cooldown: Some(Duration::from_secs(600)),
        },
    ];
    let mut grouped = 0;
    for _ in 0..500 {
        let fp = random_fp(&mut next);
        for policy in policies {
            for b in [&batch[..], &[]] {
                let scan = decide_in(policy, &fp, &[&stored, b], now);
                let indexed = decide_indexed(policy, &fp, &arena, &index, b, now);
                assert_eq!(indexed, scan, "{fp:?} {policy:?}");
                grouped += usize::from(scan.group_id.is_some());
            }
        }
    }
    assert!(
        grouped > 100,
        "the test should exercise grouping: {grouped}"
    );
}

/// A story syndicated by thousands of feeds: `members` alerts of one text, every
/// other one also sharing one link (the rest each with its own), among 200 other
/// stories. Returns how many alerts finding a new member's group read, and the group.
fn cost_of_joining(members: usize) -> (usize, Option<usize>) {
    let now = Utc::now();
    let story = fp("TikTok fined €345m over children's data", LEAD);
    let mut all: Vec<Prior> = (0..200)
        .map(|i| {
            let mut other = fp(
                &format!("Other story number {i} about markets"),
                &format!("{i} {LEAD}"),
            );
            other.link = Some(format!("x.example/other/{i}"));
            prior(&format!("o{i:05}"), None, 2, &other, true)
        })
        .collect();
    for i in 0..members {
        let mut f = story.clone();
        f.link = Some(if i % 2 == 0 {
            "wire.example/tiktok-fined".to_string()
        } else {
            format!("feed{i}.example/tiktok-fined")
        });
        let group = (i > 0).then_some("s00000");
        all.push(prior(&format!("s{i:05}"), group, 1, &f, i == 0));
    }
    let index = PriorIndex::build(&all);
    let mut joining = story.clone();
    joining.link = Some("wire.example/tiktok-fined".into());
    let from = now - chrono::Duration::hours(48);
    // Every alert the lookup reads goes through this accessor, and is counted.
    let reads = std::cell::Cell::new(0usize);
    let found = index.earliest_by(&joining, from, |i| {
        reads.set(reads.get() + 1);
        all.get(i as usize)
    });
    assert_eq!(found, index.earliest(&joining, from, &all));
    (reads.get(), found)
}

#[test]
fn joining_a_story_costs_the_same_whatever_its_size() {
    let (small, first_small) = cost_of_joining(10);
    let (big, first_big) = cost_of_joining(20_000);
    // Both find the story's first alert (after the 200 others).
    assert_eq!(first_small, Some(200));
    assert_eq!(first_big, Some(200));
    // Two binary searches (the link's list, the text's list) grow with the story:
    // log2(20,000) < 16 reads each. Walking the members would read 10,000 or more
    // (the link's half alone).
    assert!(
        big <= small + 2 * 16 && big < 50,
        "{small} alerts read for a story of 10, {big} for 20,000"
    );
}
