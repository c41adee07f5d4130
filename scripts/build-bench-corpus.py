#!/usr/bin/env python3
"""Builds benches/data/news.jsonl, the news text the extractor benchmark and the
spaCy comparison run on: the title and description (or content) of every item in
the shared feed corpus (../shared/corpus/feeds, real publishers' feeds kept by other
feed parsers' test suites) and in feed-rs's fixtures, as plain text, deduplicated,
plus the reference article. One JSON object per line: {"id", "text"}.

Run once from the repository root:  python3 scripts/build-bench-corpus.py
(needs `pip install feedparser`). The result is committed, so benchmarks need
neither the corpus nor Python.
"""
import glob
import html
import json
import os
import re
import sys

import feedparser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [
    os.path.join(ROOT, "..", "shared", "corpus", "feeds", "*", "*"),
    os.path.expanduser("~/.cargo/registry/src/*/feed-rs-*/fixture/**/*"),
]
TAG = re.compile(r"<[^>]+>")
BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)


def plain(s: str) -> str:
    s = BLOCK.sub("\n", s)
    s = TAG.sub("", s)
    s = html.unescape(s)
    lines = [" ".join(line.split()) for line in s.splitlines()]
    return "\n".join(line for line in lines if line)


def main() -> int:
    seen, docs = set(), []
    files = sorted(f for pattern in SOURCES for f in glob.glob(pattern, recursive=True))
    for f in files:
        if os.path.isdir(f):
            continue
        try:
            parsed = feedparser.parse(f)
        except Exception:  # noqa: BLE001 - a broken test feed is skipped
            continue
        for e in parsed.entries:
            title = plain(e.get("title", "") or "")
            body = e.get("summary", "") or ""
            content = e.get("content") or []
            if content and len(content[0].get("value", "")) > len(body):
                body = content[0]["value"]
            text = (title + "\n\n" + plain(body)).strip()
            if len(text) < 40 or text in seen:
                continue
            seen.add(text)
            docs.append(text)
    ref = os.path.join(ROOT, "tests", "fixtures", "tiktok-wechat-2020.txt")
    with open(ref, encoding="utf-8") as fh:
        docs.append(fh.read())
    out = os.path.join(ROOT, "benches", "data", "news.jsonl")
    with open(out, "w", encoding="utf-8") as fh:
        for i, text in enumerate(docs):
            fh.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    size = sum(len(d.encode()) for d in docs)
    print(f"{out}: {len(docs)} documents, {size} bytes of text", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
