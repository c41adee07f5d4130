#!/usr/bin/env python3
"""Quality and speed of `newswatch article` against hand-marked article bodies.

The page set is scrapinghub's article-extraction-benchmark (MIT; 181 real news and
blog pages fetched with JavaScript off, each with its article body marked by hand):

    git clone https://github.com/scrapinghub/article-extraction-benchmark ~/aeb
    cargo build --release
    scripts/article-quality.py ~/aeb                       # the held-out (test) half
    scripts/article-quality.py ~/aeb --split dev           # the half used for tuning
    scripts/article-quality.py ~/aeb --readability-js      # also Mozilla's readability.js

The pages are never part of this repository: they are read from the checkout named on
the command line and unpacked into a cache folder. The split is fixed before any
tuning: a page is in `test` when the first byte of SHA-256(page id) is odd.

For each page the score is token-level F1 between the extracted text and the marked
body: both lower-cased, cut into words (runs of letters and digits), compared as
bags of words. The table gives the mean over pages (and precision and recall), the
pages where an extractor gave nothing, and CPU seconds per page of the whole
batch process (user + system, start-up included), for newswatch's `article --batch`
and, with --readability-js, for readability.js 0.6 on jsdom in one node process
(`npm install` in scripts/readability-js/ first: see its package.json).

--candidates FILE adds JSON lines {"id", "backend", "text"} made by any other
extractor, scored the same way (how the README's crate comparison was made).
"""

import argparse
import collections
import gzip
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text):
    return collections.Counter(w.lower() for w in WORD.findall(text or ""))


def prf(pred, gold):
    p, g = tokens(pred), tokens(gold)
    if not p and not g:
        return 1.0, 1.0, 1.0
    tp = sum((p & g).values())
    precision = tp / sum(p.values()) if p else 0.0
    recall = tp / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def split_of(page_id):
    return "test" if hashlib.sha256(page_id.encode()).digest()[0] % 2 else "dev"


def unpack(bench, cache, ids):
    """Each page as a plain .html file in the cache folder; their paths."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in ids:
        out = cache / f"{i}.html"
        if not out.exists():
            src = bench / "html" / f"{i}.html.gz"
            tmp = out.with_suffix(".tmp")
            tmp.write_bytes(gzip.decompress(src.read_bytes()))
            tmp.rename(out)
        paths.append(out)
    return paths


def run_batch(cmd, paths, cwd=None):
    """Runs a batch extractor over the paths; its JSON lines and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(
        cmd,
        input="".join(f"{p}\n" for p in paths),
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return rows, cpu, wall


def score(name, texts, gold, ids, cpu=None, wall=None):
    ps, rs, fs, empty = [], [], [], 0
    per_page = {}
    for i in ids:
        text = texts.get(i) or ""
        if not text.strip():
            empty += 1
        p, r, f = prf(text, gold[i])
        ps.append(p)
        rs.append(r)
        fs.append(f)
        per_page[i] = f
    n = len(ids)
    row = {
        "name": name,
        "pages": n,
        "f1": sum(fs) / n,
        "precision": sum(ps) / n,
        "recall": sum(rs) / n,
        "empty": empty,
        "cpu_ms_per_page": None if cpu is None else 1000 * cpu / n,
        "wall_ms_per_page": None if wall is None else 1000 * wall / n,
    }
    return row, per_page


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path, help="checkout of scrapinghub/article-extraction-benchmark")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="test")
    ap.add_argument("--bin", type=Path, default=ROOT / "target/release/newswatch")
    ap.add_argument("--readability-js", action="store_true")
    ap.add_argument("--candidates", type=Path, action="append", default=[])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache/newswatch-article")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages newswatch scores worst on")
    ap.add_argument("--json", action="store_true", help="print the table as JSON")
    args = ap.parse_args()

    gold_all = json.loads((args.bench / "ground-truth.json").read_text())
    gold = {i: v.get("articleBody", "") for i, v in gold_all.items()}
    ids = sorted(i for i in gold if args.split == "all" or split_of(i) == args.split)
    paths = unpack(args.bench, args.cache / "pages", ids)
    id_of = {str(p): p.stem for p in paths}

    results = []
    rows, cpu, wall = run_batch([str(args.bin), "article", "--batch"], paths)
    texts = {}
    for r in rows:
        if r.get("text") is not None:
            texts[id_of[r["file"]]] = r["text"]
    row, ours = score("newswatch article", texts, gold, ids, cpu, wall)
    results.append(row)

    if args.readability_js:
        js = ROOT / "scripts/readability-js"
        if not (js / "node_modules").exists():
            sys.exit(f"run `npm install` in {js} first")
        rows, cpu, wall = run_batch(["node", str(js / "batch.js")], paths)
        texts = {id_of[r["file"]]: r.get("text") or "" for r in rows}
        results.append(score("readability.js + jsdom", texts, gold, ids, cpu, wall)[0])

    for path in args.candidates:
        by_backend = collections.defaultdict(dict)
        for line in path.read_text().splitlines():
            r = json.loads(line)
            by_backend[r["backend"]][r["id"]] = r.get("text") or ""
        for name, texts in sorted(by_backend.items()):
            results.append(score(name, texts, gold, ids)[0])

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"split {args.split}: {len(ids)} pages")
        print(f"{'extractor':<26} {'F1':>6} {'prec':>6} {'recall':>6} {'empty':>5} {'CPU ms/page':>12} {'wall ms/page':>12}")
        for r in results:
            cpu = "" if r["cpu_ms_per_page"] is None else f"{r['cpu_ms_per_page']:.1f}"
            wall = "" if r["wall_ms_per_page"] is None else f"{r['wall_ms_per_page']:.1f}"
            print(f"{r['name']:<26} {r['f1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f} {r['empty']:5d} {cpu:>12} {wall:>12}")
    if args.worst:
        for i, f in sorted(ours.items(), key=lambda kv: kv[1])[: args.worst]:
            print(f"{f:.3f}  {args.cache / 'pages' / (i + '.html')}  {gold_all[i].get('url', '')}")


if __name__ == "__main__":
    main()
