#!/bin/sh
# store: `fold --db` twice equals one run over everything; an id seen before is not stored twice;
# a changed text is an update and reported; `stories` lists and filters; foreign and newer
# databases are refused with a clear message; the tables are readable text.
. tests/cli/lib.sh
SHARED=${SHARED:-../shared}
if ! "$NF" fold --help >/dev/null 2>&1; then
    echo "store_fold: SKIP: this build has no fold verb"; finish store_fold; exit $?
fi
D=$SHARED/data
# two halves of the story sets whose articles interleave in time
cat "$D/np4e.jsonl" "$D/newswcl50.jsonl" "$D/ecbplus-dev.jsonl" > "$TMP/all.jsonl"
awk 'NR % 2 == 1' "$TMP/all.jsonl" > "$TMP/odd.jsonl"
awk 'NR % 2 == 0' "$TMP/all.jsonl" > "$TMP/even.jsonl"
q() { sqlite3 "$1" "$2"; }
assign="SELECT a.id || ' ' || coalesce(m.story, '-') || ' ' || coalesce(c.copy_of, '-') FROM articles a LEFT JOIN members m ON m.article = a.id LEFT JOIN copies c ON c.article = a.id ORDER BY a.id"
ok "first run" '"$NF" fold "$TMP/odd.jsonl" --db "$TMP/inc.db" 2>"$TMP/e1"'
ok "second run" '"$NF" fold "$TMP/even.jsonl" --db "$TMP/inc.db" 2>"$TMP/e2"'
ok "one run" '"$NF" fold "$TMP/odd.jsonl" "$TMP/even.jsonl" --db "$TMP/one.db" 2>"$TMP/e3"'
q "$TMP/inc.db" "$assign" > "$TMP/inc.txt"; q "$TMP/one.db" "$assign" > "$TMP/one.txt"
ok "incremental equals one run" '[ -s "$TMP/inc.txt" ] && cmp -s "$TMP/inc.txt" "$TMP/one.txt"'
ok "same stories rows" '[ "$(q "$TMP/inc.db" "SELECT id, size, outlets, headline FROM stories ORDER BY id" | cksum)" = "$(q "$TMP/one.db" "SELECT id, size, outlets, headline FROM stories ORDER BY id" | cksum)" ]'
# the stories of `fold --db` are those of plain `fold` over the same input (same partition)
"$NF" fold "$TMP/odd.jsonl" "$TMP/even.jsonl" -o "$TMP/fold.jsonl" 2>/dev/null
canon() { LC_ALL=C awk '{ s[$1] = $2; if (!($2 in m) || $1 < m[$2]) m[$2] = $1 } END { for (a in s) print a, m[s[a]] }' | LC_ALL=C sort; }
sed -n 's/^{"id": *"\([^"]*\)".*"story": *"\([^"]*\)".*/\1 \2/p' "$TMP/fold.jsonl" | canon > "$TMP/p_fold"
q "$TMP/one.db" "SELECT m.article || ' ' || m.story FROM members m" | canon > "$TMP/p_db"
ok "same stories as plain fold" '[ -s "$TMP/p_fold" ] && [ "$(wc -l < "$TMP/p_fold")" -eq "$(wc -l < "$TMP/all.jsonl")" ] && cmp -s "$TMP/p_fold" "$TMP/p_db"'
N=$(wc -l < "$TMP/all.jsonl")
ok "rerun stores nothing twice" '"$NF" fold "$TMP/all.jsonl" --db "$TMP/inc.db" 2>"$TMP/e4" && grep -q " 0 new, $N unchanged, 0 updated" "$TMP/e4" && [ "$(q "$TMP/inc.db" "SELECT count(*) FROM articles")" -eq "$N" ]'
# a changed text under a known id is an update, reported on stderr
head -n 1 "$D/np4e.jsonl" | sed 's/"text": *"/"text": "UPDATED. /' > "$TMP/upd.jsonl"
ID=$(head -n 1 "$D/np4e.jsonl" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
ok "update reported" '"$NF" fold "$TMP/upd.jsonl" --db "$TMP/inc.db" 2>"$TMP/e5" && grep -q "article $ID: changed" "$TMP/e5" && grep -q " 0 new, 0 unchanged, 1 updated" "$TMP/e5"'
ok "update stored in place" '[ "$(q "$TMP/inc.db" "SELECT revisions || substr(text, 1, 8) FROM articles WHERE id = '"'"'$ID'"'"'")" = "1UPDATED." ] && [ "$(q "$TMP/inc.db" "SELECT count(*) FROM articles")" -eq "$N" ]'
ok "sizes equal members" '[ "$(q "$TMP/inc.db" "SELECT count(*) FROM stories s WHERE size <> (SELECT count(*) FROM members m WHERE m.story = s.id)")" -eq 0 ]'
# stories verb
ok "stories lists" '"$NF" stories --db "$TMP/one.db" --limit 5 >"$TMP/l" 2>"$TMP/le" && [ "$(wc -l < "$TMP/l")" -eq 6 ] && grep -q "^ *[0-9]* stories" "$TMP/le"'
ok "most outlets first" '"$NF" stories --db "$TMP/one.db" --limit 0 --json > "$TMP/j" && sed -n "s/.*\"outlets\":\([0-9]*\).*/\1/p" "$TMP/j" > "$TMP/o" && sort -rn -c "$TMP/o"'
ok "all stories with --limit 0" '[ "$(wc -l < "$TMP/j")" -eq "$(q "$TMP/one.db" "SELECT count(*) FROM stories")" ]'
W=$(q "$TMP/one.db" "SELECT lower(coalesce(title, '') || ' ' || substr(text, 1, 200)) FROM articles ORDER BY seq LIMIT 1" | tr -cs 'a-z' '\n' | awk 'length > 6' | head -n 1)
ok "query filters" '[ -n "$W" ] && "$NF" stories --db "$TMP/one.db" --query "$W" --json > "$TMP/qj" && [ -s "$TMP/qj" ] && [ "$(wc -l < "$TMP/qj")" -lt "$(wc -l < "$TMP/j")" ]'
ok "since filters" '"$NF" stories --db "$TMP/one.db" --since 2100-01-01 --json > "$TMP/sj" && [ ! -s "$TMP/sj" ]'
ok "bad since is a usage error" '! "$NF" stories --db "$TMP/one.db" --since tomorrow 2>/dev/null'
ok "help answers" '"$NF" stories --help | grep -q "usage: newsfold stories" && "$NF" serve --help | grep -q "usage: newsfold serve"'
# refusals
sqlite3 "$TMP/foreign.db" "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);"
ok "foreign database refused by fold" '! "$NF" fold "$D/np4e.jsonl" --db "$TMP/foreign.db" 2>"$TMP/fe" && grep -q "not a newsfold database" "$TMP/fe" && [ "$(q "$TMP/foreign.db" "SELECT count(*) FROM sqlite_master")" -eq 1 ]'
ok "foreign database refused by stories" '! "$NF" stories --db "$TMP/foreign.db" 2>"$TMP/fe2" && grep -q "not a newsfold database" "$TMP/fe2"'
cp "$TMP/one.db" "$TMP/newer.db"; sqlite3 "$TMP/newer.db" "PRAGMA user_version = 7"
ok "newer schema refused" '! "$NF" stories --db "$TMP/newer.db" 2>"$TMP/ne" && grep -q "newer than this newsfold" "$TMP/ne"'
ok "missing database is an error for stories" '! "$NF" stories --db "$TMP/none.db" 2>/dev/null && [ ! -e "$TMP/none.db" ]'
ok "schema version pinned" '[ "$(q "$TMP/one.db" "PRAGMA user_version")" = 1 ]'
ok "readable tables" '[ "$(q "$TMP/one.db" "SELECT count(*) FROM articles WHERE typeof(text) <> '"'"'text'"'"' OR typeof(id) <> '"'"'text'"'"'")" -eq 0 ] && q "$TMP/one.db" ".tables" | grep -q stories'
ok "WAL mode" '[ "$(q "$TMP/one.db" "PRAGMA journal_mode")" = wal ]'
finish store_fold
