# mpirun -np N newsfold dedup: byte-identical to the 1-process run on the shared data and on a
# generated corpus (about 6k articles here to keep `make test` fast; bench/bench_mpi.sh runs 100k),
# with files split across ranks on line boundaries; a killed rank fails the job with a clear
# message and leaves no output file; a rerun starts clean. Most of the time here is mpirun
# starting its ranks (about 1 s a run on an idle 2-core machine).
. tests/cli/lib.sh
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi_dedup: mpirun not installed (make deps installs openmpi-bin): skipped"
    finish mpi_dedup
    exit 0
fi
MPI="$PWD/${BUILD:-build}/mpi/newsfold"
ok "MPI build present (make mpi)" '[ -x "$MPI" ]'
[ -x "$MPI" ] || { finish mpi_dedup; exit 1; }
# Open MPI's own allocations are not ours to report; sanitizer builds still check everything else
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1
RUN="mpirun --allow-run-as-root --oversubscribe"
S=${SHARED:-../shared}
D=$S/data

# 1. the shared data and the seeds: 4 ranks, 3 ranks (uneven cuts), every file split
"$NF" dedup "$D"/*.jsonl "$S/seeds" >"$TMP/one.jsonl" 2>"$TMP/one.err"
$RUN -np 4 "$MPI" dedup --split-min 4096 "$D"/*.jsonl "$S/seeds" -o "$TMP/four.jsonl" \
    >"$TMP/four.out" 2>"$TMP/four.err"
rc=$?
ok "4 ranks succeed" '[ $rc -eq 0 ]'
ok "shared data: 4 ranks = 1 process" 'cmp -s "$TMP/one.jsonl" "$TMP/four.jsonl"'
ok "nothing on stdout with -o" '[ ! -s "$TMP/four.out" ]'
ok "same summary" '[ "$(grep "^dedup:" "$TMP/one.err" | cut -d";" -f1)" = "$(grep "^dedup:" "$TMP/four.err" | cut -d";" -f1)" ]'
ok "same counts" '[ "$(grep "^read " "$TMP/one.err")" = "$(grep "^read " "$TMP/four.err")" ]'
"$NF" dedup --drop-copies "$D"/*.jsonl "$S/seeds" >"$TMP/drop1.jsonl" 2>/dev/null
$RUN -np 3 "$MPI" dedup --drop-copies --split-min 4096 "$D"/*.jsonl "$S/seeds" \
    >"$TMP/drop3.jsonl" 2>/dev/null
ok "--drop-copies, 3 ranks, to stdout = 1 process" 'cmp -s "$TMP/drop1.jsonl" "$TMP/drop3.jsonl"'
ok "--drop-copies dropped some" '[ $(wc -l <"$TMP/drop1.jsonl") -lt $(wc -l <"$TMP/one.jsonl") ]'
ok "output has every accepted article" '[ "read $(wc -l <"$TMP/one.jsonl")" = "$(grep "^read " "$TMP/one.err" | cut -d, -f2 | sed "s/ accepted/read/")" ]'

# standard input reaches rank 0 only: rank 0 reads everything, the result is the same
"$NF" dedup - <"$D/np4e.jsonl" >"$TMP/in1.jsonl" 2>/dev/null
$RUN -np 2 "$MPI" dedup - <"$D/np4e.jsonl" >"$TMP/in2.jsonl" 2>/dev/null
ok "stdin: 2 ranks = 1 process" 'cmp -s "$TMP/in1.jsonl" "$TMP/in2.jsonl" && [ -s "$TMP/in1.jsonl" ]'

# 2. a generated corpus: exact copies, trimmed copies, edited copies, duplicate ids, records
# without an id, a bad line, a last line without newline, spread over two files
gen() { # seed: JSONL on stdout
    cat "$D"/*.jsonl | awk -v seed="$1" 'BEGIN { srand(seed) }
    { L = $0; t = index(L, "\"text\": \""); e = index(L, "\", \"story\"")
      for (k = 0; k < 6; k++) {
        r = rand(); x = L; sub(/"id": "/, "\"id\": \"g" k "-", x)
        if (r < 0.25 && t && e > t + 40) {            # trimmed: keep 50-95% of the text
            c = t + 9 + int((e - t - 9) * (0.5 + rand() * 0.45))
            while (c < e && substr(L, c, 1) != " ") c++
            y = L; sub(/"id": "/, "\"id\": \"g" k "-", y); d = length(y) - length(L)
            x = substr(y, 1, c + d - 1) substr(y, e + d)
        } else if (r < 0.45) {
            sub(/ the /, " a ", x); sub(/ of /, " for ", x)
        } else if (r < 0.47) {
            sub(/"id": "[^"]*", /, "", x)               # no id: the reader names it
        }
        print x
        if (r > 0.995) print "{not json"
      } }'
}
gen 7 >"$TMP/g1.jsonl"
gen 8 | head -n 400 >"$TMP/g2.jsonl"
printf '%s' '{"id": "g0-381790newsML", "text": "a duplicate id and no newline at the end"}' >>"$TMP/g2.jsonl"
"$NF" dedup "$TMP/g1.jsonl" "$TMP/g2.jsonl" >"$TMP/gone.jsonl" 2>"$TMP/gone.err"
$RUN -np 4 "$MPI" dedup --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" -o "$TMP/gfour.jsonl" \
    2>"$TMP/gfour.err"
ok "generated corpus: 4 ranks = 1 process" 'cmp -s "$TMP/gone.jsonl" "$TMP/gfour.jsonl"'
ok "generated corpus has copies" '[ $(grep -c "\"copy_kind\":\"contained\"" "$TMP/gone.jsonl") -gt 100 ]'
ok "generated corpus has rejections" 'grep -q "duplicate id" "$TMP/gfour.err"'
"$NF" dedup --link any "$TMP/g1.jsonl" "$TMP/g2.jsonl" >"$TMP/gany1.jsonl" 2>/dev/null
$RUN -np 3 "$MPI" dedup --link any --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" \
    -o "$TMP/gany3.jsonl" 2>/dev/null
ok "--link any (plain union-find): 3 ranks = 1 process" 'cmp -s "$TMP/gany1.jsonl" "$TMP/gany3.jsonl"'
ok "--link any and rep differ on this corpus" '! cmp -s "$TMP/gany1.jsonl" "$TMP/gone.jsonl"'
ok "same counts on the generated corpus" '[ "$(grep "^read " "$TMP/gone.err")" = "$(grep "^read " "$TMP/gfour.err")" ]'

# 3. failure: a rank killed in the middle fails the job, with a message, and leaves no output;
# killed after writing its part, only OUT.incomplete remains; a rerun starts clean
cp "$TMP/gone.jsonl" "$TMP/old.jsonl"
for stage in exchange output; do
    NF_MPI_FAULT=2:$stage $RUN -np 4 "$MPI" dedup --split-min 65536 "$TMP/g1.jsonl" \
        "$TMP/g2.jsonl" -o "$TMP/old.jsonl" >/dev/null 2>"$TMP/fault.err"
    rc=$?
    ok "killed rank ($stage): job fails" '[ $rc -ne 0 ]'
    ok "killed rank ($stage): clear message" 'grep -q "rank 2" "$TMP/fault.err" && grep -qi "signal 9\|killed" "$TMP/fault.err"'
    ok "killed rank ($stage): no output file, not even the old one" '[ ! -e "$TMP/old.jsonl" ]'
done
ok "killed while writing: only the .incomplete name" '[ -e "$TMP/old.jsonl.incomplete" ]'
$RUN -np 4 "$MPI" dedup --split-min 65536 "$TMP/g1.jsonl" "$TMP/g2.jsonl" -o "$TMP/old.jsonl" \
    2>/dev/null
ok "rerun: complete and identical" 'cmp -s "$TMP/gone.jsonl" "$TMP/old.jsonl"'
ok "rerun: no stale .incomplete" '[ ! -e "$TMP/old.jsonl.incomplete" ]'
finish mpi_dedup
