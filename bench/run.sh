#!/bin/sh
# make bench: run every benchmark program in $BUILD/bench (each prints its figures).
set -eu
BUILD=${BUILD:-build}
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
