#!/usr/bin/env python3
"""Precision and recall of the shipped rules on a labelled file of news items, measured
the way the daemon sees items: the items are written as an RSS 2.0 feed (title, and the
text as the HTML description, one <p> per paragraph) and run through
`newswatch rules test FEED --json` with the config's watchlists.

Input: JSON lines, each {"id", "title", "text" (paragraphs separated by blank lines),
"labels": {"tiktok": bool, "wechat": bool, "privacy-regulators": bool}}; other fields
("url", "note", "split", ...) are ignored except "split", which --split filters on.
The held-out set of real news items (see "How precise are the shipped rules?" in the
README) stays outside the repository; tests/fixtures/rules/labelled.jsonl has the same
shape.

    cargo build --release
    scripts/score-rules.py ../notes/heldout.jsonl --split dev --errors
    scripts/score-rules.py tests/fixtures/rules/labelled.jsonl
"""

import argparse
import collections
import html
import json
import os
import subprocess
import sys
import tempfile

RULES = ["tiktok", "wechat", "privacy-regulators"]


def load(path, split):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: {e}")
            if split and item.get("split") != split:
                continue
            missing = [r for r in RULES if r not in item.get("labels", {})]
            if missing:
                sys.exit(f"{path}:{n}: no label for {', '.join(missing)}")
            items.append(item)
    return items


def feed_xml(items):
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
           "<title>labelled items</title><link>https://example.org/</link>",
           "<description>labelled items</description>"]
    for it in items:
        paras = [p.strip() for p in it.get("text", "").split("\n\n") if p.strip()]
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
        out.append(
            "<item>"
            f'<guid isPermaLink="false">{html.escape(str(it["id"]))}</guid>'
            f"<title>{html.escape(it.get('title', ''))}</title>"
            f"<description>{html.escape(body)}</description>"
            "</item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out)


def fired(binary, config, feed_path):
    cmd = [binary, "rules", "test", "--json", feed_path]
    if config:
        cmd[3:3] = ["--config", config]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr}")
    got = collections.defaultdict(set)
    for line in res.stdout.splitlines():
        if line.strip():
            o = json.loads(line)
            got[o["item"]["id"]].add(o["rule"])
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="JSON lines of labelled items")
    ap.add_argument("--split", help="only items whose \"split\" is this (dev, test)")
    ap.add_argument("--bin", default="target/release/newswatch", help="newswatch binary")
    ap.add_argument("--config", default="config/newswatch.toml", help="config (watchlists)")
    ap.add_argument("--errors", action="store_true", help="list every false positive and miss")
    args = ap.parse_args()

    items = load(args.file, args.split)
    if not items:
        sys.exit("no items")
    with tempfile.TemporaryDirectory() as tmp:
        feed = os.path.join(tmp, "items.xml")
        with open(feed, "w", encoding="utf-8") as f:
            f.write(feed_xml(items))
        got = fired(args.bin, args.config, feed)

    print(f"{len(items)} items ({args.file}{', split ' + args.split if args.split else ''})")
    print(f"{'rule':<20} {'pos':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    errors = []
    for rule in RULES:
        tp = fp = fn = pos = 0
        for it in items:
            want = bool(it["labels"][rule])
            has = rule in got.get(str(it["id"]), set())
            pos += want
            if want and has:
                tp += 1
            elif has:
                fp += 1
                errors.append(f"  {rule} false positive: {it['id']}  {it.get('title', '')}")
            elif want:
                fn += 1
                errors.append(f"  {rule} missed: {it['id']}  {it.get('title', '')}")
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"{rule:<20} {pos:>4} {tp:>4} {fp:>4} {fn:>4} {p:>9.3f} {r:>7.3f}")
    if args.errors:
        print("\n".join(errors) if errors else "  no errors")


if __name__ == "__main__":
    main()
