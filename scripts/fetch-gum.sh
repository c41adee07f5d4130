#!/bin/sh
# Brings the GUM corpus documents that the name tagger trains and is measured on
# (src/extract/tagger/README.md): the CoNLL-U files of its Wikinews news and
# interviews (texts CC BY 2.5), academic and court documents (texts CC BY 4.0);
# annotations CC BY 4.0. Nothing else of GUM is read (its other genres have
# share-alike or non-commercial texts).
#
#   scripts/fetch-gum.sh [DEST]          # default ~/.cache/newswatch-ner/gum
#   GUM_GIT_DIR=/path/to/gum.git scripts/fetch-gum.sh DEST   # from a local clone
#
# The files stay outside the repository; pass DEST to the training command:
#   cargo run --release --example ner -- train --data ../shared/data/ner --gum DEST
set -eu
dest=${1:-$HOME/.cache/newswatch-ner/gum}
commit=72ce5ac14978a324c2fd18d49484e65292cbe316
if [ -z "${GUM_GIT_DIR:-}" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    git clone --quiet --bare --filter=blob:none https://github.com/amir-zeldes/gum "$tmp/gum.git"
    GUM_GIT_DIR=$tmp/gum.git
fi
mkdir -p "$dest"
n=0
for f in $(git --git-dir="$GUM_GIT_DIR" ls-tree --name-only "$commit" dep/ | grep -E '^dep/GUM_(news|interview|academic|court)_.*\.conllu$'); do
    git --git-dir="$GUM_GIT_DIR" show "$commit:$f" > "$dest/$(basename "$f")"
    n=$((n + 1))
done
echo "$n files from GUM $commit in $dest"
