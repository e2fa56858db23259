# mpirun -np N newsfold fold: every rank reads its share and prepares its articles (copy
# sketches), rank 0 folds them in the global arrival order, each rank writes its own lines; the
# output must be byte-identical to the 1-process `newsfold fold` (files split across ranks on
# line boundaries), on the shared data and on a generated corpus with copies, duplicate ids and
# many equal dates (so the merge into arrival order is exercised across ranks). A rank killed in
# the middle of the stream fails the job and leaves no output; a rerun starts clean. With
# --windows B (the windowed fold, blocks on the ranks): identical to the 1-process
# `newsfold fold --windows B` for N = 1..4 on dated input, to the plain fold on undated input;
# a rank killed while folding its blocks fails the job.
. tests/cli/lib.sh
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi_fold: mpirun not installed (make deps installs openmpi-bin): skipped"
    finish mpi_fold
    exit 0
fi
MPI="$PWD/${BUILD:-build}/mpi/newsfold"
ok "MPI build present (make mpi)" '[ -x "$MPI" ]'
[ -x "$MPI" ] || { finish mpi_fold; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1
RUN="mpirun --allow-run-as-root --oversubscribe"
S=${SHARED:-../shared}
D=$S/data

# 1. the shared data and the seeds, every file split
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

# standard input reaches rank 0 only: rank 0 reads everything, the result is the same
"$NF" fold - <"$D/np4e.jsonl" >"$TMP/in1.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" fold - <"$D/np4e.jsonl" >"$TMP/in2.jsonl" 2>/dev/null
ok "stdin: 2 ranks = 1 process" 'cmp -s "$TMP/in1.jsonl" "$TMP/in2.jsonl" && [ -s "$TMP/in1.jsonl" ]'

# 2. a generated corpus: the shared articles three times over with new ids, a third of them
# edited copies, some without an id, a duplicate id, a bad line, no newline at the end
gen() { # seed
    cat "$D"/*.jsonl | awk -v seed="$1" 'BEGIN { srand(seed) }
    { for (k = 0; k < 3; k++) {
        r = rand(); x = $0; sub(/"id": "/, "\"id\": \"f" k "-", x)
        if (r < 0.33) { sub(/ the /, " a ", x); sub(/ of /, " for ", x) }
        else if (r < 0.35) sub(/"id": "[^"]*", /, "", x)
        print x
        if (r > 0.997) print "{not json"
      } }'
}
gen 5 >"$TMP/g1.jsonl"
gen 6 | head -n 300 >"$TMP/g2.jsonl"
printf '%s' '{"id": "f0-381790newsML", "date": "2012-01-01", "text": "a duplicate id, no newline"}' >>"$TMP/g2.jsonl"
"$NF" fold --evidence "$TMP/g1.jsonl" "$TMP/g2.jsonl" >"$TMP/gone.jsonl" 2>"$TMP/gone.err"
$RUN -np 3 "$MPI" fold --evidence --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" \
    -o "$TMP/gthree.jsonl" 2>"$TMP/gthree.err"
ok "generated corpus, --evidence: 3 ranks = 1 process" 'cmp -s "$TMP/gone.jsonl" "$TMP/gthree.jsonl"'
ok "generated corpus has copies" '[ $(grep -c "\"copy_of\":\"" "$TMP/gone.jsonl") -gt 100 ]'
ok "generated corpus has rejections" 'grep -q "duplicate id" "$TMP/gthree.err"'
ok "same counts on the generated corpus" '[ "$(grep "^read " "$TMP/gone.err")" = "$(grep "^read " "$TMP/gthree.err")" ]'
"$NF" fold "$TMP/g1.jsonl" "$TMP/g2.jsonl" >"$TMP/gplain.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" fold --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" >"$TMP/gtwo.jsonl" \
    2>/dev/null
ok "generated corpus: 2 ranks to stdout = 1 process" 'cmp -s "$TMP/gplain.jsonl" "$TMP/gtwo.jsonl"'

# 3. --windows B (src/foldwin.c): blocks folded on the ranks, borders joined on rank 0; the
# output is byte-identical to the 1-process `newsfold fold --windows B` for every N, and on
# undated input (the evaluation files) to the plain fold
$RUN -np 3 "$MPI" fold --windows 30 --split-min 4096 "$D/np4e.jsonl" "$D/newswcl50.jsonl" \
    "$S/seeds" "$D/ecbplus-dev.jsonl" -o "$TMP/wun.jsonl" 2>"$TMP/wun.err"
ok "--windows, undated input: 3 ranks = plain fold" 'cmp -s "$TMP/one.jsonl" "$TMP/wun.jsonl"'
"$NF" fold --windows 30 "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$S/seeds" "$D/ecbplus-dev.jsonl" \
    >"$TMP/wun1.jsonl" 2>/dev/null
ok "--windows, undated input: 1 process = plain fold" 'cmp -s "$TMP/one.jsonl" "$TMP/wun1.jsonl"'
dated_corpus "$D"
"$NF" fold --windows 30 "$TMP/dated.jsonl" "$TMP/undated.jsonl" >"$TMP/dw.jsonl" 2>"$TMP/dw.err"
ok "--windows, dated: 1 process has borders" 'grep -q "[2-9][0-9]* blocks, [1-9][0-9]* warm-up articles folded, [1-9][0-9]* stories joined" "$TMP/dw.err"'
for np in 1 2 3 4; do
    $RUN -np $np "$MPI" fold --windows 30 --split-min 65536 "$TMP/dated.jsonl" \
        "$TMP/undated.jsonl" -o "$TMP/dw$np.jsonl" 2>"$TMP/dw$np.err"
    rc=$?
    ok "--windows, dated: $np ranks succeed, rejections reported (exit 1)" '[ $rc -eq 1 ] && grep -q "duplicate id" "$TMP/dw$np.err"'
    ok "--windows, dated: $np ranks = 1 process" 'cmp -s "$TMP/dw.jsonl" "$TMP/dw$np.jsonl" && [ -s "$TMP/dw.jsonl" ]'
    ok "--windows, dated: $np ranks, same summary" '[ "$(grep "^fold --windows" "$TMP/dw.err")" = "$(grep "^fold --windows" "$TMP/dw$np.err")" ]'
done
$RUN -np 2 "$MPI" fold --windows 45 --no-refine --no-dedup "$TMP/dated.jsonl" \
    >"$TMP/dwn2.jsonl" 2>/dev/null
"$NF" fold --windows 45 --no-refine --no-dedup "$TMP/dated.jsonl" >"$TMP/dwn1.jsonl" 2>/dev/null
ok "--windows 45 --no-refine --no-dedup, 2 ranks to stdout = 1 process" 'cmp -s "$TMP/dwn1.jsonl" "$TMP/dwn2.jsonl" && [ -s "$TMP/dwn1.jsonl" ]'
$RUN -np 2 "$MPI" fold --windows 30 --evidence "$TMP/dated.jsonl" >/dev/null 2>&1
rc=$?
ok "--windows with --evidence refused" '[ $rc -ne 0 ]'
rm -f "$TMP/dw4.jsonl"
NF_MPI_FAULT=1:windows $RUN -np 4 "$MPI" fold --windows 30 --split-min 65536 "$TMP/dated.jsonl" \
    -o "$TMP/dw4.jsonl" >/dev/null 2>"$TMP/wfault.err"
rc=$?
ok "--windows, killed rank while folding: job fails" '[ $rc -ne 0 ]'
ok "--windows, killed rank: clear message" 'grep -q "rank 1" "$TMP/wfault.err" && grep -qi "signal 9\|killed" "$TMP/wfault.err"'
ok "--windows, killed rank: no output file" '[ ! -e "$TMP/dw4.jsonl" ]'

# 4. failure: a rank killed while streaming its records to rank 0 (or while writing) fails the
# job with a message and leaves no output, not even the old file; a rerun starts clean
cp "$TMP/gone.jsonl" "$TMP/old.jsonl"
for stage in stream output; do
    NF_MPI_FAULT=2:$stage $RUN -np 4 "$MPI" fold --evidence --split-min 65536 "$TMP/g1.jsonl" \
        "$TMP/g2.jsonl" -o "$TMP/old.jsonl" >/dev/null 2>"$TMP/fault.err"
    rc=$?
    ok "killed rank ($stage): job fails" '[ $rc -ne 0 ]'
    ok "killed rank ($stage): clear message" 'grep -q "rank 2" "$TMP/fault.err" && grep -qi "signal 9\|killed" "$TMP/fault.err"'
    ok "killed rank ($stage): no output file" '[ ! -e "$TMP/old.jsonl" ]'
done
$RUN -np 4 "$MPI" fold --evidence --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" \
    -o "$TMP/old.jsonl" 2>/dev/null
ok "rerun: complete and identical" 'cmp -s "$TMP/gone.jsonl" "$TMP/old.jsonl"'
ok "rerun: no stale .incomplete" '[ ! -e "$TMP/old.jsonl.incomplete" ]'
finish mpi_fold
