#!/usr/bin/env python3
"""Generates the scale benchmark's feeds: N RSS 2.0 files of 20 items each, every item
with a ~60-word description (about 17 KB a feed). Round 0 is the fresh set; each later
round shifts every feed by 5 new items (so every feed has new items), keeping the rest.
Deterministic: the same N and round always give the same bytes. Some items mention
watched names (TikTok, WeChat, a data-protection authority) so rules really fire.

With PAGES_BASE (the full_text benchmark), items carry one-sentence summaries and
link to article pages written under DIR/pages/ (about 600 words of text in the usual
page chrome: navigation, related stories, footer), served from PAGES_BASE/pages/.

usage: bench-gen.py DIR N ROUND [PAGES_BASE]
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


def page(rng, title):
    """An article page: ten paragraphs of about 60 words amid navigation and boxes."""
    paras = "".join(
        "<p>" + ". ".join(sentence(rng, 12) for _ in range(5)) + ".</p>\n" for _ in range(10)
    )
    related = "".join(f'<li><a href="/r/{i}">{sentence(rng, 6)}</a></li>' for i in range(8))
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} | Example</title></head>"
        '<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>'
        f'<article><h1>{title}</h1><p class="byline">By {rng.choice(WORDS).capitalize()}</p>\n{paras}</article>'
        f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>'
        "<footer>Copyright Example News. <a href=\"/terms\">Terms</a></footer></body></html>\n"
    )


def item(feed, k, now, pages=None):
    rng = random.Random(f"{feed}/{k}")
    title = sentence(rng, 9)
    desc = ". ".join(sentence(rng, 12) for _ in range(4)) + "."
    when = (now - timedelta(minutes=7 * (10_000 - k))).strftime("%a, %d %b %Y %H:%M:%S +0000")
    link = f"https://news.example.org/{feed}/story-{k}"
    if pages is not None:
        out, base = pages
        desc = sentence(rng, 15) + "."
        link = f"{base}/pages/{feed}/story-{k}.html"
        os.makedirs(os.path.join(out, "pages", feed), exist_ok=True)
        with open(os.path.join(out, "pages", feed, f"story-{k}.html"), "w", encoding="utf-8") as fh:
            fh.write(page(rng, title))
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<guid isPermaLink=\"false\">{feed}-{k}</guid><pubDate>{when}</pubDate>"
        f"<dc:creator>{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()}</dc:creator>"
        f"<category>{rng.choice(WORDS)}</category><category>{rng.choice(WORDS)}</category>"
        f"<enclosure url=\"https://img.example.org/{feed}/{k}.jpg\" length=\"{rng.randrange(10**5, 10**6)}\" type=\"image/jpeg\"/>"
        f"<description><![CDATA[<p>{desc}</p>{'' if pages else '<p>' + sentence(rng, 12) + '.</p>'}]]></description></item>\n"
    )


def main():
    out, n, rnd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pages = (out, sys.argv[4]) if len(sys.argv) > 4 else None
    os.makedirs(out, exist_ok=True)
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc) + timedelta(hours=rnd)
    for f in range(n):
        name = f"f{f:05d}"
        first = rnd * SHIFT
        items = "".join(item(name, k, now, pages) for k in reversed(range(first, first + PER_FEED)))
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
