# The scale check of issue 8: on a generated corpus of 100k articles (bench_dedup gen: the shared
# articles replayed with new ids and dates over a year, about 1 in 5 a labelled copy: exact,
# trimmed or edited), `mpirun -np 4` gives byte for byte the 1-process output of
#   dedup, fold (the exact fold) and fold --windows 90 (against the 1-process --windows 90).
# The smaller corpora of mpi_dedup.sh / mpi_fold.sh cover the options and failures; this case
# covers size: many batches in the rank-0 merge, several fold blocks, many copy clusters.
. tests/cli/lib.sh
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi_100k: mpirun not installed (make deps installs openmpi-bin): skipped"
    finish mpi_100k
    exit 0
fi
B=${BUILD:-build}
MPI="$PWD/$B/mpi/newsfold"
GEN="$PWD/$B/bench/bench_dedup"
ok "MPI build and generator present" '[ -x "$MPI" ] && [ -x "$GEN" ]'
[ -x "$MPI" ] && [ -x "$GEN" ] || { finish mpi_100k; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
RUN="mpirun --allow-run-as-root --oversubscribe"
N=100000
"$GEN" gen $N "$TMP/c.jsonl" >/dev/null
ok "corpus of $N articles" '[ "$(wc -l < "$TMP/c.jsonl")" -eq $N ]'

"$NF" dedup -q "$TMP/c.jsonl" >"$TMP/d1.jsonl" 2>"$TMP/d1.err"
$RUN -np 4 "$MPI" dedup -q "$TMP/c.jsonl" -o "$TMP/d4.jsonl" 2>"$TMP/d4.err"
rc=$?
ok "dedup: 4 ranks succeed" '[ $rc -eq 0 ]'
ok "dedup: 4 ranks = 1 process" 'cmp -s "$TMP/d1.jsonl" "$TMP/d4.jsonl"'
ok "dedup: every article written" '[ "$(wc -l < "$TMP/d4.jsonl")" -eq $N ]'
ok "dedup: copies found" '[ "$(grep -c "\"copy_of\":\"" "$TMP/d4.jsonl")" -gt 10000 ]'

"$NF" fold "$TMP/c.jsonl" >"$TMP/f1.jsonl" 2>"$TMP/f1.err"
$RUN -np 4 "$MPI" fold "$TMP/c.jsonl" -o "$TMP/f4.jsonl" 2>"$TMP/f4.err"
rc=$?
ok "fold: 4 ranks succeed" '[ $rc -eq 0 ]'
ok "fold: 4 ranks = 1 process" 'cmp -s "$TMP/f1.jsonl" "$TMP/f4.jsonl"'
ok "fold: every article written" '[ "$(wc -l < "$TMP/f4.jsonl")" -eq $N ]'

"$NF" fold --windows 90 "$TMP/c.jsonl" >"$TMP/w1.jsonl" 2>"$TMP/w1.err"
$RUN -np 4 "$MPI" fold --windows 90 "$TMP/c.jsonl" -o "$TMP/w4.jsonl" 2>"$TMP/w4.err"
rc=$?
ok "fold --windows: 4 ranks succeed" '[ $rc -eq 0 ]'
ok "fold --windows: 4 ranks = 1 process" 'cmp -s "$TMP/w1.jsonl" "$TMP/w4.jsonl"'
ok "fold --windows: several blocks" 'grep -q "[2-9][0-9]* blocks" "$TMP/w1.err"'
finish mpi_100k
