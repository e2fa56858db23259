#!/bin/sh
# newsfold compare / show on the two seeds: the acceptance case of the coverage comparison.
. tests/cli/lib.sh
SEEDS=${SHARED:-../shared}/seeds
"$NF" compare -q "$SEEDS" >"$TMP/c.json" 2>"$TMP/c.err"; rc=$?
ok "compare exits 0" '[ $rc -eq 0 ]'
ok "folds unlabelled inputs: one story" 'grep -q "folded 2 articles into 1 stories" "$TMP/c.err"'
# JSON sections (jansson pretty print: one key per line)
ok "three shared quotes" '[ "$(sed -n "/\"shared_quotes\"/,/\"echoed_quotes\"/p" "$TMP/c.json" | grep -c "\"quoted_in\"")" -eq 3 ]'
ok "one echoed quote" '[ "$(sed -n "/\"echoed_quotes\"/,/\"primary_sources\"/p" "$TMP/c.json" | grep -c "\"quoted_in\"")" -eq 1 ]'
ok "iPhone quote" 'grep -q "\"text\": \"It.s all over for the iPhone: either throw it away or give it to the children\"" "$TMP/c.json"'
ok "echoed phrase" 'sed -n "/\"echoed_quotes\"/,/\"primary_sources\"/p" "$TMP/c.json" | grep -q "smartphones should not be used for official business"'
ok "primary source" '[ "$(sed -n "/\"primary_sources\"/,/]/p" "$TMP/c.json" | grep -c "\"Kommersant\"")" -eq 1 ] && ! sed -n "/\"primary_sources\"/,/]/p" "$TMP/c.json" | grep -q Reuters'
ok "no differences" 'grep -q "\"differences\": \[\]" "$TMP/c.json"'
ok "spans carry offsets" 'grep -q "\"start\": [0-9]" "$TMP/c.json"'

"$NF" show -q "$SEEDS" >"$TMP/s.txt" 2>/dev/null; rc=$?
ok "show exits 0" '[ $rc -eq 0 ]'
ok "show: plain when piped" '! grep -q "$(printf "\033")" "$TMP/s.txt"'
ok "show: shared quotes" 'grep -q "^Shared quotes (3)" "$TMP/s.txt"'
ok "show: primary" 'grep -q "^Primary sources: Kommersant$" "$TMP/s.txt"'
ok "show: Peskov speaks" 'grep -q "Any smartphone has a fairly transparent mechanism.*Dmitry Peskov" "$TMP/s.txt"'
ok "show: non-responders" 'grep -A3 "^Did not respond" "$TMP/s.txt" | grep -q "^  Apple" && grep -A3 "^Did not respond" "$TMP/s.txt" | grep -q "Embassy"'
ok "show: additions" 'grep -q "Levada-Center" "$TMP/s.txt" && grep -q "Aurora" "$TMP/s.txt"'
ok "show: --color forces ANSI" '"$NF" show -q --color "$SEEDS" 2>/dev/null | grep -q "$(printf "\033")\["'

# stories from a story field: pick one, unknown one fails
"$NF" compare -q --story 3 "${SHARED:-../shared}/data/newswcl50.jsonl" >"$TMP/w.json" 2>"$TMP/w.err"; rc=$?
ok "story by id" '[ $rc -eq 0 ] && grep -q "\"story\": \"3\"" "$TMP/w.json" && [ "$(grep -c "\"index\"" "$TMP/w.json")" -ge 5 ]'
"$NF" compare -q --story nosuch "${SHARED:-../shared}/data/newswcl50.jsonl" >/dev/null 2>"$TMP/n.err"; rc=$?
ok "unknown story" '[ $rc -eq 2 ] && grep -q "no story nosuch" "$TMP/n.err"'
# the pipeline of issue 5: fold, then compare that story
"$NF" fold -q "$SEEDS" >"$TMP/f.jsonl" 2>/dev/null
"$NF" compare -q "$TMP/f.jsonl" >"$TMP/fc.json" 2>/dev/null; rc=$?
ok "fold | compare" '[ $rc -eq 0 ] && grep -q "\"folded\": true" "$TMP/fc.json" && [ "$(sed -n "/\"shared_quotes\"/,/\"echoed_quotes\"/p" "$TMP/fc.json" | grep -c "\"quoted_in\"")" -eq 3 ]'
for v in compare show report; do
    ok "$v --help" '"$NF" $v --help | grep -q "usage: newsfold $v"'
done
finish compare_seeds
