#!/bin/sh
# Run every test program in $BUILD/tests (and those listed in $NATIVE), every CLI case in
# tests/cli/*.sh and every fuzz replay driver over its saved corpus; sum their "N passed, N
# failed" lines into the last line.
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
export BUILD SHARED
export NEWSFOLD="$PWD/$BUILD/newsfold"
pass=0; fail=0; broken=""
out=$(mktemp); trap 'rm -f "$out"' EXIT
tally() { # name, exit status; reads $out
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    if [ -z "$line" ]; then p=0; f=1; fi
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -ne 0 ]; then broken="$broken $1"; cat "$out"; else echo "$line"; fi
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$out" 2>&1; tally "$(basename "$t")" $?
done
for t in $NATIVE; do   # SAN=1: tests also built without sanitizers, natively (see Makefile)
    [ -x "$t" ] || continue
    "$t" >"$out" 2>&1; tally "native $(basename "$t")" $?
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] && [ "${t##*/}" != lib.sh ] || continue
    sh "$t" >"$out" 2>&1; tally "$(basename "$t")" $?
done
for r in "$BUILD"/fuzz/replay_fuzz_*; do
    [ -x "$r" ] || continue
    name=${r##*/replay_}
    "$r" fuzz/corpus/"$name" >"$out" 2>&1; tally "$name" $?
done
[ -n "$broken" ] && echo "failing:$broken"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
