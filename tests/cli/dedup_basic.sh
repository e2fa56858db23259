#!/bin/sh
# newsfold dedup: exact, trimmed and unrelated articles; --drop-copies; independence of file order
# and thread count; the two seeds (same story, shared quotes) are not copies; usage errors.
. tests/cli/lib.sh
SHARED=${SHARED:-../shared}
words() { i=$1; s=""; while [ "$i" -le "$2" ]; do s="$s $3$i"; i=$((i+1)); done; echo "$s"; }
A=$(words 1 300 w)
TRIM=$(words 1 180 w)
UPPER=$(echo "$A" | tr 'a-z' 'A-Z')
B=$(words 1 300 v)
printf '{"id":"a","text":"%s"}\n{"id":"b","text":"%s."}\n' "$A" "$UPPER" > "$TMP/one.jsonl"
printf '{"id":"c","text":"%s"}\n{"id":"d","text":"%s"}\n' "$TRIM" "$B" > "$TMP/two.jsonl"

"$NF" dedup "$TMP/one.jsonl" "$TMP/two.jsonl" > "$TMP/out" 2> "$TMP/err"
ok "exit 0" '[ $? -eq 0 ]'
ok "four lines" '[ "$(wc -l < "$TMP/out")" -eq 4 ]'
ok "a original" 'grep "\"id\":\"a\"" "$TMP/out" | grep -q "\"copy_of\":null,\"copy_cluster\":\"a\",\"similarity\":null,\"copy_kind\":\"original\""'
ok "b exact copy of a" 'grep "\"id\":\"b\"" "$TMP/out" | grep -q "\"copy_of\":\"a\",\"copy_cluster\":\"a\",\"similarity\":1.0000,\"copy_kind\":\"exact\""'
ok "c trimmed copy of a" 'grep "\"id\":\"c\"" "$TMP/out" | grep -q "\"copy_of\":\"a\".*\"copy_kind\":\"contained\""'
ok "d original" 'grep "\"id\":\"d\"" "$TMP/out" | grep -q "\"copy_of\":null,\"copy_cluster\":\"d\""'
ok "summary" 'grep -q "dedup: 4 articles, 1 exact copies, 1 near copies (1 of them contained), 1 clusters" "$TMP/err"'

"$NF" dedup -q --threads 1 "$TMP/two.jsonl" "$TMP/one.jsonl" > "$TMP/out2" 2>/dev/null
ok "same bytes whatever file order and threads" 'cmp -s "$TMP/out" "$TMP/out2"'

"$NF" dedup -q --drop-copies "$TMP/one.jsonl" "$TMP/two.jsonl" > "$TMP/drop" 2>/dev/null
ok "drop copies keeps a and d" '[ "$(wc -l < "$TMP/drop")" -eq 2 ] && ! grep -q "\"id\":\"b\"" "$TMP/drop"'

"$NF" dedup -q "$SHARED/seeds" > "$TMP/seeds" 2>/dev/null
ok "seeds read" '[ "$(wc -l < "$TMP/seeds")" -eq 2 ]'
ok "seeds are not copies" '[ "$(grep -c "\"copy_of\":null" "$TMP/seeds")" -eq 2 ]'

"$NF" dedup --help > "$TMP/help"
ok "help" '[ $? -eq 0 ] && grep -q "drop-copies" "$TMP/help"'
"$NF" dedup --hashes 100 "$TMP/one.jsonl" > /dev/null 2>&1
ok "bad --hashes is a usage error" '[ $? -eq 2 ]'
"$NF" dedup --threshold 7 "$TMP/one.jsonl" > /dev/null 2>&1
ok "bad --threshold is a usage error" '[ $? -eq 2 ]'
"$NF" dedup --bogus > /dev/null 2>&1
ok "unknown option" '[ $? -eq 2 ]'
{ cat "$TMP/one.jsonl"; echo '{"id":"broken","text":'; } > "$TMP/bad.jsonl"
"$NF" dedup "$TMP/bad.jsonl" > "$TMP/badout" 2> "$TMP/baderr"
ok "a rejected record: exit 1" '[ $? -eq 1 ]'
ok "rejected record reported with its line" 'grep -q "bad.jsonl:3" "$TMP/baderr"'
ok "good records still clustered" '[ "$(wc -l < "$TMP/badout")" -eq 2 ] && grep -q "\"copy_of\":\"a\"" "$TMP/badout"'
finish dedup_basic
