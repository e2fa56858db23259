# newsfold fold --windows B (plain build; src/foldwin.c): blocks of B days folded by folders of
# their own, borders joined. The result never depends on --threads; with no dated article, or
# with B beyond the dated span, it is exactly the plain fold; copies are the plain fold's; every
# story is named by one of its articles. (mpirun -np N ... fold --windows B: mpi_fold.sh.)
. tests/cli/lib.sh
S=${SHARED:-../shared}
D=$S/data

# 1. undated input (the evaluation files): the plain fold, byte for byte
"$NF" fold "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$D/ecbplus-dev.jsonl" >"$TMP/p.jsonl" 2>/dev/null
"$NF" fold --windows 30 "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$D/ecbplus-dev.jsonl" \
    >"$TMP/w.jsonl" 2>"$TMP/w.err"
ok "undated: --windows = plain fold" 'cmp -s "$TMP/p.jsonl" "$TMP/w.jsonl" && [ -s "$TMP/p.jsonl" ]'
ok "undated: one block, no warm-up" 'grep -q "1 blocks, 0 warm-up" "$TMP/w.err"'

# 2. a dated corpus: the shared articles twice over with new ids, dated over 8 months by line,
# a third of them edited copies, some without an id, a bad line, then undated articles and a
# duplicate id in a second file
dated_corpus "$D"
IN="$TMP/dated.jsonl $TMP/undated.jsonl"
"$NF" fold $IN >"$TMP/dp.jsonl" 2>"$TMP/dp.err"
rc=$?
ok "dated: plain fold reports the rejections (exit 1)" '[ $rc -eq 1 ] && grep -q "duplicate id" "$TMP/dp.err"'
for th in 1 2 3; do
    "$NF" fold --windows 30 --threads $th $IN >"$TMP/dw$th.jsonl" 2>"$TMP/dw$th.err"
done
ok "dated: --threads 1 = 2" 'cmp -s "$TMP/dw1.jsonl" "$TMP/dw2.jsonl" && [ -s "$TMP/dw1.jsonl" ]'
ok "dated: --threads 1 = 3" 'cmp -s "$TMP/dw1.jsonl" "$TMP/dw3.jsonl"'
ok "dated: several blocks, warm-ups and joins" 'grep -q "fold --windows 30: [2-9][0-9]* blocks, [1-9][0-9]* warm-up articles folded, [1-9][0-9]* stories joined" "$TMP/dw1.err"'
col() { sed "s/.*\"$2\":\(\"[^\"]*\"\|null\).*/\1/" "$1"; }
ok "dated: every article, in input order" '[ "$(col "$TMP/dp.jsonl" id)" = "$(col "$TMP/dw1.jsonl" id)" ]'
ok "dated: copies exactly as the plain fold" '[ "$(col "$TMP/dp.jsonl" copy_of)" = "$(col "$TMP/dw1.jsonl" copy_of)" ] && grep -q "\"copy_of\":\"" "$TMP/dp.jsonl"'
col "$TMP/dw1.jsonl" id >"$TMP/ids"
col "$TMP/dw1.jsonl" story | paste "$TMP/ids" - >"$TMP/st"
ok "dated: a story is named by one of its articles" 'awk -F"\t" "{ s[\$1] = \$2; n[\$2]++ } END { for (k in n) if (s[k] != k) exit 1 }" "$TMP/st"'
col "$TMP/dw1.jsonl" date | paste "$TMP/ids" - >"$TMP/idd"
ok "dated: a story spans months" 'awk -F"\t" "NR == FNR { d[\$1] = substr(\$2, 1, 8); next } { if (!((\$2 SUBSEP d[\$1]) in seen)) { seen[\$2, d[\$1]] = 1; c[\$2]++ } } END { for (k in c) if (c[k] > 1) exit 0; exit 1 }" "$TMP/idd" "$TMP/st"'
"$NF" fold --windows 100000 $IN >"$TMP/dbig.jsonl" 2>"$TMP/dbig.err"
ok "dated: one block (B beyond the span) = plain fold" 'cmp -s "$TMP/dp.jsonl" "$TMP/dbig.jsonl" && grep -q "1 blocks" "$TMP/dbig.err"'
"$NF" fold --windows 30 --no-dedup --no-refine --threads 2 -o "$TMP/dnr.jsonl" $IN 2>/dev/null
"$NF" fold --windows 30 --no-dedup --no-refine --threads 1 $IN >"$TMP/dnr1.jsonl" 2>/dev/null
ok "--no-dedup --no-refine, -o: --threads 2 = 1" 'cmp -s "$TMP/dnr.jsonl" "$TMP/dnr1.jsonl" && [ -s "$TMP/dnr.jsonl" ]'

# 3. usage
"$NF" fold --windows 0 "$D/np4e.jsonl" >/dev/null 2>"$TMP/u.err"
rc=$?
ok "--windows 0 refused" '[ $rc -ne 0 ] && grep -q "windows" "$TMP/u.err"'
"$NF" fold --windows x "$D/np4e.jsonl" >/dev/null 2>&1
rc=$?
ok "--windows x refused" '[ $rc -ne 0 ]'
"$NF" fold --windows 30 --evidence "$D/np4e.jsonl" >/dev/null 2>&1
rc=$?
ok "--windows with --evidence refused" '[ $rc -ne 0 ]'
ok "--help names --windows" '"$NF" fold --help | grep -q -- "--windows DAYS"'
finish fold_win
