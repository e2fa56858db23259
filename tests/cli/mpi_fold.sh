# mpirun -np N newsfold fold: every rank reads its share, rank 0 folds; the output must be
# byte-identical to the 1-process `newsfold fold` (files split across ranks on line boundaries).
. tests/cli/lib.sh
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi_fold: mpirun not installed (make deps installs openmpi-bin): skipped"
    "$NF" fold --evidence --no-dedup "$S/seeds" "$D/np4e.jsonl" >"$TMP/ev1.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" fold --evidence --no-dedup --split-min 4096 "$S/seeds" "$D/np4e.jsonl" \
    >"$TMP/ev2.jsonl" 2>/dev/null
ok "--evidence --no-dedup, 2 ranks to stdout = 1 process" 'cmp -s "$TMP/ev1.jsonl" "$TMP/ev2.jsonl" && [ -s "$TMP/ev1.jsonl" ]'
finish mpi_fold
    exit 0
fi
MPI="$PWD/${BUILD:-build}/mpi/newsfold"
ok "MPI build present (make mpi)" '[ -x "$MPI" ]'
[ -x "$MPI" ] || { "$NF" fold --evidence --no-dedup "$S/seeds" "$D/np4e.jsonl" >"$TMP/ev1.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" fold --evidence --no-dedup --split-min 4096 "$S/seeds" "$D/np4e.jsonl" \
    >"$TMP/ev2.jsonl" 2>/dev/null
ok "--evidence --no-dedup, 2 ranks to stdout = 1 process" 'cmp -s "$TMP/ev1.jsonl" "$TMP/ev2.jsonl" && [ -s "$TMP/ev1.jsonl" ]'
finish mpi_fold; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
RUN="mpirun --allow-run-as-root --oversubscribe"
S=${SHARED:-../shared}
D=$S/data
"$NF" fold "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$S/seeds" "$D/ecbplus-dev.jsonl" \
    >"$TMP/one.jsonl" 2>"$TMP/one.err"
$RUN -np 4 "$MPI" fold --split-min 4096 "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$S/seeds" \
    "$D/ecbplus-dev.jsonl" -o "$TMP/four.jsonl" 2>"$TMP/four.err"
rc=$?
ok "4 ranks succeed" '[ $rc -eq 0 ]'
ok "4 ranks = 1 process" 'cmp -s "$TMP/one.jsonl" "$TMP/four.jsonl"'
ok "every article has a story" '[ $(grep -c "\"story\":" "$TMP/four.jsonl") -eq $(wc -l <"$TMP/four.jsonl") ]'
ok "same counts" '[ "$(grep "^read " "$TMP/one.err")" = "$(grep "^read " "$TMP/four.err")" ]'
ok "same stories" '[ "$(grep "^fold:" "$TMP/one.err" | cut -d")" -f1)" = "$(grep "^fold:" "$TMP/four.err" | cut -d")" -f1)" ]'
"$NF" fold --evidence --no-dedup "$S/seeds" "$D/np4e.jsonl" >"$TMP/ev1.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" fold --evidence --no-dedup --split-min 4096 "$S/seeds" "$D/np4e.jsonl" \
    >"$TMP/ev2.jsonl" 2>/dev/null
ok "--evidence --no-dedup, 2 ranks to stdout = 1 process" 'cmp -s "$TMP/ev1.jsonl" "$TMP/ev2.jsonl" && [ -s "$TMP/ev1.jsonl" ]'
finish mpi_fold
