#!/usr/bin/env python3
"""Generates the scale benchmark's feeds: N RSS 2.0 files of 20 items each, every item
with a ~60-word description (about 17 KB a feed). Round 0 is the fresh set; each later
round shifts every feed by 5 new items (so every feed has new items), keeping the rest.
Deterministic: the same N and round always give the same bytes. Some items mention
watched names (TikTok, WeChat, a data-protection authority) so rules really fire.

usage: bench-gen.py DIR N ROUND
"""

import os
import random
import sys
from datetime import datetime, timedelta, timezone

WORDS = (
    "the of and to in a is that for on with as was by at it from be this have are "
    "which or an has were said its more been after also new year first would who "
    "market company government report people week data users service platform "
    "officials policy regulators investors revenue quarter growth billion million "
    "percent analysts statement announced according minister court ruling app "
    "social network video security privacy technology cloud chips deal talks "
    "agreement launch product shares price trade export investigation fine"
).split()
NAMES = [
    "TikTok", "ByteDance", "WeChat", "Tencent", "Douyin", "CNIL", "the ICO",
    "Ireland's Data Protection Commission", "Apple", "Google", "Microsoft", "Reuters",
]
PER_FEED = 20
SHIFT = 5


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.08:
        words[rng.randrange(n)] = rng.choice(NAMES)
    words[0] = words[0].capitalize()
    return " ".join(words)


def item(feed, k, now):
    rng = random.Random(f"{feed}/{k}")
    title = sentence(rng, 9)
    desc = ". ".join(sentence(rng, 12) for _ in range(4)) + "."
    when = (now - timedelta(minutes=7 * (10_000 - k))).strftime("%a, %d %b %Y %H:%M:%S +0000")
    link = f"https://news.example.org/{feed}/story-{k}"
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<guid isPermaLink=\"false\">{feed}-{k}</guid><pubDate>{when}</pubDate>"
        f"<dc:creator>{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()}</dc:creator>"
        f"<category>{rng.choice(WORDS)}</category><category>{rng.choice(WORDS)}</category>"
        f"<enclosure url=\"https://img.example.org/{feed}/{k}.jpg\" length=\"{rng.randrange(10**5, 10**6)}\" type=\"image/jpeg\"/>"
        f"<description><![CDATA[<p>{desc}</p><p>{sentence(rng, 12)}.</p>]]></description></item>\n"
    )


def main():
    out, n, rnd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc) + timedelta(hours=rnd)
    for f in range(n):
        name = f"f{f:05d}"
        first = rnd * SHIFT
        items = "".join(item(name, k, now) for k in reversed(range(first, first + PER_FEED)))
        doc = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>Feed {name}</title><link>https://news.example.org/{name}/</link>"
            f"<description>Benchmark feed {name}</description>\n{items}</channel></rss>\n"
        )
        with open(os.path.join(out, f"{name}.xml"), "w", encoding="utf-8") as fh:
            fh.write(doc)


if __name__ == "__main__":
    main()
