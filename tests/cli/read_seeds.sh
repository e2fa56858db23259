#!/bin/sh
# newsfold read on the seeds: two articles, their ids from the file names, the first dated by
# its " date YYYY-MM-DD " header, the counts on stderr, exit status 0.
. tests/cli/lib.sh
SEEDS=${SHARED:-../shared}/seeds
"$NF" read "$SEEDS" >"$TMP/out" 2>"$TMP/err"; st=$?
id_of() { sed -n "${1}p" "$TMP/out" | grep -o '"id":"[^"]*"' | head -n 1; }
ok "exit status 0" '[ "$st" -eq 0 ]'
ok "two articles" '[ "$(wc -l <"$TMP/out")" -eq 2 ]'
ok "first id" '[ "$(id_of 1)" = "\"id\":\"000_9352d1c620ab8b06\"" ]'
ok "second id" '[ "$(id_of 2)" = "\"id\":\"003_38795c60894fa36b\"" ]'
ok "first dated 2023-03-20" 'sed -n 1p "$TMP/out" | grep -q "\"date\":\"2023-03-20\""'
ok "second undated" 'sed -n 2p "$TMP/out" | grep -q "\"date\":null"'
ok "header not in the text" 'sed -n 1p "$TMP/out" | grep -q "\"text\":\"The Kremlin"'
ok "summary" 'grep -q "^read 2, accepted 2, rejected 0$" "$TMP/err"'
# the same files named one by one give the same output
"$NF" read "$SEEDS"/000_*.txt "$SEEDS"/003_*.txt >"$TMP/out2" 2>/dev/null
ok "files = directory" 'cmp -s "$TMP/out" "$TMP/out2"'
# a seed named twice is a duplicate id: rejected, reported with its location, exit status 1
"$NF" read "$SEEDS" "$SEEDS"/000_*.txt >/dev/null 2>"$TMP/err3"; st=$?
ok "duplicate exit 1" '[ "$st" -eq 1 ]'
ok "duplicate reported" 'grep -q "000_9352d1c620ab8b06.txt: duplicate id .000_9352d1c620ab8b06." "$TMP/err3"'
ok "duplicate counted" 'grep -q "^read 3, accepted 2, rejected 1$" "$TMP/err3"'
finish read_seeds
