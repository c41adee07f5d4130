#!/usr/bin/env python3
"""Generates the scale benchmark's feeds: N RSS 2.0 files of 20 items each, every item
with a ~60-word description (about 17 KB a feed). Round 0 is the fresh set; each later
round shifts every feed by 5 new items (so every feed has new items), keeping the rest.
Deterministic: the same N and round always give the same bytes. Some items mention
watched names (TikTok, WeChat, a data-protection authority) so rules really fire.

With PAGES_BASE (the full_text benchmark), items carry one-sentence summaries and
link to article pages written under DIR/pages/ (about 600 words of text in the usual
page chrome: navigation, related stories, footer), served from PAGES_BASE/pages/.

The syndicated round (ROUND = "syndicated", after round 0) rewrites only a FRACTION of
the feeds, spread evenly, each with the same five new wire stories in front of its
round-0 items (the other feeds' files are left alone, so they answer 304). Every
story names TikTok, WeChat and a data-protection authority, so each of its copies
raises an alert of each shipped rule. Stories 0-2 carry one shared link (with a
per-feed tracking parameter, which normalisation drops); stories 3-4 carry each
feed's own link, so only their identical text (SimHash) groups them.

usage: bench-gen.py DIR N ROUND [PAGES_BASE]
       bench-gen.py DIR N syndicated FRACTION
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


WIRE = [
    ("TikTok and WeChat face EU privacy inquiry over children's data",
     "Ireland's Data Protection Commission opened an inquiry into TikTok and WeChat on "
     "Monday over how the apps handle the personal data of children, the regulator said "
     "in a statement, adding that fines of up to four percent of revenue were possible."),
    ("CNIL fines TikTok and questions WeChat over tracking cookies",
     "France's CNIL fined TikTok five million euros for making it harder to refuse "
     "cookies than to accept them, and asked WeChat to explain its own tracking of "
     "French users, the data protection authority said on Tuesday."),
    ("ICO warns TikTok and WeChat on data transfers to China",
     "Britain's Information Commissioner's Office warned TikTok and WeChat that "
     "transfers of British users' data to China must meet UK privacy law, after a "
     "review of both apps found gaps in their safeguards, the ICO said."),
    ("Dutch regulator investigates TikTok and WeChat data collection",
     "The Dutch Data Protection Authority said on Thursday it had begun investigating "
     "the collection of location data by TikTok and WeChat, following complaints that "
     "both apps gathered more than their users agreed to."),
    ("Italy's Garante orders TikTok and WeChat to verify users' ages",
     "Italy's data protection authority, the Garante, ordered TikTok and WeChat to "
     "verify the ages of Italian users within 30 days, citing risks to children's "
     "privacy, and said it could fine both companies if they failed to comply."),
]


def wire_item(feed, s, now):
    title, lead = WIRE[s]
    when = (now - timedelta(minutes=10 * s)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    if s < 3:
        link = f"https://wire.example.org/2026/01/story-{s}?utm_source={feed}"
    else:
        link = f"https://news.example.org/{feed}/wire-{s}"
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<guid isPermaLink=\"false\">{feed}-wire-{s}</guid><pubDate>{when}</pubDate>"
        f"<description><![CDATA[<p>{lead}</p><p>More follows.</p>]]></description></item>\n"
    )


def write_feed(out, name, items):
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Feed {name}</title><link>https://news.example.org/{name}/</link>"
        f"<description>Benchmark feed {name}</description>\n{items}</channel></rss>\n"
    )
    with open(os.path.join(out, f"{name}.xml"), "w", encoding="utf-8") as fh:
        fh.write(doc)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    start = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    if sys.argv[3] == "syndicated":
        fraction = float(sys.argv[4])
        carriers = round(n * fraction)
        now = start + timedelta(hours=1)
        for c in range(carriers):
            name = f"f{c * n // carriers:05d}"
            wire = "".join(wire_item(name, s, now) for s in range(len(WIRE)))
            old = "".join(item(name, k, start) for k in reversed(range(SHIFT, PER_FEED)))
            write_feed(out, name, wire + old)
        return
    rnd = int(sys.argv[3])
    pages = (out, sys.argv[4]) if len(sys.argv) > 4 else None
    now = start + timedelta(hours=rnd)
    for f in range(n):
        name = f"f{f:05d}"
        first = rnd * SHIFT
        items = "".join(item(name, k, now, pages) for k in reversed(range(first, first + PER_FEED)))
        write_feed(out, name, items)


if __name__ == "__main__":
    main()
