#!/bin/sh
# compare / show / report --db: a story read back from the database `fold --db` wrote. The seed
# story (found by its members' ids) shows its three shared quotes from the stored comparison and
# when recomputed; show names both articles; a missing story, a non-numeric id, a file that is
# not a database and --db with FILES are refused with a clear message and exit status 2.
. tests/cli/lib.sh
SHARED=${SHARED:-../shared}
SEEDS=$SHARED/seeds
if ! "$NF" compare --help 2>/dev/null | grep -q -- "--db"; then
    echo "compare_db: SKIP: this build's compare has no --db"; finish compare_db; exit $?
fi
"$NF" fold -q "$SEEDS" "$SHARED/data/newswcl50.jsonl" --db "$TMP/n.db" >/dev/null 2>"$TMP/fold.err"; rc=$?
ok "fold --db" '[ $rc -eq 0 ] && [ -s "$TMP/n.db" ]'
A=$(ls "$SEEDS" | sed -n 1p | sed 's/\.txt$//'); B=$(ls "$SEEDS" | sed -n 2p | sed 's/\.txt$//')
SA=$(sqlite3 "$TMP/n.db" "SELECT story FROM members WHERE article = '$A'")
SB=$(sqlite3 "$TMP/n.db" "SELECT story FROM members WHERE article = '$B'")
ok "seeds in one story" '[ -n "$SA" ] && [ "$SA" = "$SB" ]'
ok "stories --json lists it" '"$NF" stories --db "$TMP/n.db" --limit 0 --json | grep -q "^{\"id\": *$SA,\"size\": *2,"'
shared() { sed -n '/"shared_quotes"/,/"echoed_quotes"/p' "$1" | grep '^      "text"'; }
three() {
    [ "$(shared "$1" | wc -l)" -eq 3 ] && shared "$1" | grep -q '"It.s all over for the iPhone' &&
    shared "$1" | grep -q '"Any smartphone has a fairly transparent' &&
    shared "$1" | grep -q '"Naturally, they are not used'
}
"$NF" compare --db "$TMP/n.db" --story "$SA" >"$TMP/c.json" 2>"$TMP/c.err"; rc=$?
ok "compare --db exits 0" '[ $rc -eq 0 ]'
ok "compare --db: the story" 'grep -q "^  \"story\": \"$SA\"," "$TMP/c.json" && grep -q "\"folded\": true" "$TMP/c.json"'
ok "compare --db: stored comparison" 'grep -q "story $SA from .*(stored comparison)" "$TMP/c.err"'
ok "compare --db: three shared quotes" 'three "$TMP/c.json"'
ok "compare --db: both articles" 'grep -q "\"id\": \"$A\"" "$TMP/c.json" && grep -q "\"id\": \"$B\"" "$TMP/c.json"'
"$NF" compare --db "$TMP/n.db" --story "$SA" --recompute >"$TMP/r.json" 2>"$TMP/r.err"; rc=$?
ok "--recompute computes" '[ $rc -eq 0 ] && grep -q "(computed comparison)" "$TMP/r.err" && three "$TMP/r.json"'
ok "stored equals computed" 'cmp -s "$TMP/c.json" "$TMP/r.json"'
# a stale comparison (stored as null, as the server marks it) is recomputed
cp "$TMP/n.db" "$TMP/stale.db"
sqlite3 "$TMP/stale.db" "UPDATE comparisons SET json = 'null' WHERE story = $SA"
"$NF" compare --db "$TMP/stale.db" --story "$SA" >"$TMP/s.json" 2>"$TMP/s.err"; rc=$?
ok "stale: computed" '[ $rc -eq 0 ] && grep -q "(computed comparison)" "$TMP/s.err" && cmp -s "$TMP/s.json" "$TMP/c.json"'
"$NF" show --db "$TMP/n.db" --story "$SA" >"$TMP/show.txt" 2>"$TMP/show.err"; rc=$?
ok "show --db exits 0" '[ $rc -eq 0 ]'
ok "show --db: header" 'grep -q "^Story $SA: 2 articles" "$TMP/show.txt"'
ok "show --db: both articles" 'grep -q "^  \[[01] [^]]*\] $A" "$TMP/show.txt" && grep -q "^  \[[01] [^]]*\] $B" "$TMP/show.txt"'
ok "show --db: shared quotes" 'grep -q "^Shared quotes (3)" "$TMP/show.txt" && grep -q "^Primary sources: Kommersant$" "$TMP/show.txt"'
ok "show --db: plain when piped" '! grep -q "$(printf "\033")" "$TMP/show.txt"'
"$NF" report --db "$TMP/n.db" --story "$SA" -o "$TMP/r.html" 2>"$TMP/rep.err"; rc=$?
ok "report --db --story" '[ $rc -eq 0 ] && [ "$(grep -c "<h2>Story " "$TMP/r.html")" -eq 1 ] && grep -q "<h2>Story $SA</h2>" "$TMP/r.html" && grep -q "<mark" "$TMP/r.html"'
NS=$(sqlite3 "$TMP/n.db" "SELECT count(*) FROM stories")
"$NF" report --db "$TMP/n.db" --limit 0 -o "$TMP/all.html" 2>/dev/null; rc=$?
ok "report --db: every story" '[ $rc -eq 0 ] && [ "$(grep -c "<h2>Story " "$TMP/all.html")" -eq "$NS" ]'
# errors
MISSING=$(sqlite3 "$TMP/n.db" "SELECT max(story) + 1000 FROM members")
"$NF" compare --db "$TMP/n.db" --story "$MISSING" >"$TMP/m.out" 2>"$TMP/m.err"; rc=$?
ok "missing story: exit 2" '[ $rc -eq 2 ] && [ ! -s "$TMP/m.out" ]'
ok "missing story: message" 'grep -q "no story $MISSING in $TMP/n.db" "$TMP/m.err"'
"$NF" show --db "$TMP/n.db" --story "$MISSING" >/dev/null 2>"$TMP/m2.err"; rc=$?
ok "show: missing story" '[ $rc -eq 2 ] && grep -q "no story $MISSING" "$TMP/m2.err"'
"$NF" compare --db "$TMP/n.db" --story abc >/dev/null 2>"$TMP/a.err"; rc=$?
ok "non-numeric id" '[ $rc -eq 2 ] && grep -q "story ids in a database are numbers" "$TMP/a.err"'
"$NF" compare --db "$SEEDS/$A.txt" >"$TMP/x.out" 2>"$TMP/x.err"; rc=$?
ok "not a database: exit 2" '[ $rc -eq 2 ] && [ ! -s "$TMP/x.out" ]'
ok "not a database: message" 'grep -q "not an SQLite database" "$TMP/x.err"'
"$NF" show --db "$SEEDS/$A.txt" >/dev/null 2>"$TMP/x2.err"; rc=$?
ok "show: not a database" '[ $rc -eq 2 ] && grep -q "not an SQLite database" "$TMP/x2.err"'
"$NF" compare --db "$TMP/nosuch.db" >/dev/null 2>"$TMP/n.err"; rc=$?
ok "no such file" '[ $rc -eq 2 ] && [ ! -e "$TMP/nosuch.db" ] && grep -q "nosuch.db" "$TMP/n.err"'
"$NF" compare --db "$TMP/n.db" "$SEEDS" >/dev/null 2>"$TMP/b.err"; rc=$?
ok "--db with FILES" '[ $rc -eq 2 ] && grep -q "either --db PATH or FILES" "$TMP/b.err"'
finish compare_db
