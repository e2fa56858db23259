#!/bin/sh
# store: crash safety. Kill `fold --db` with SIGKILL in the middle of a large ingest (the shared
# data repeated under suffixed ids), check the half-written database is consistent, run again and
# check every article is stored exactly once and every story's size equals its members.
. tests/cli/lib.sh
SHARED=${SHARED:-../shared}
if ! "$NF" fold --help >/dev/null 2>&1; then
    echo "store_sigkill: SKIP: this build has no fold verb"; finish store_sigkill; exit $?
fi
command -v sqlite3 >/dev/null || { echo "store_sigkill: sqlite3 missing (make deps)"; echo "store_sigkill: 0 passed, 1 failed"; exit 1; }
for k in $(seq 1 5); do
    sed "s/\"id\": *\"\([^\"]*\)\"/\"id\": \"\1-k$k\"/" "$SHARED"/data/*.jsonl
done > "$TMP/big.jsonl"
N=$(wc -l < "$TMP/big.jsonl")
DB=$TMP/kill.db
q() { sqlite3 "$DB" "$1"; }
# bounded retries: a run that finishes before the kill lands proves nothing, so start over
killed=0; tries=0
while [ $killed -eq 0 ] && [ $tries -lt 5 ]; do
    tries=$((tries+1)); rm -f "$DB" "$DB-wal" "$DB-shm"
    "$NF" fold "$TMP/big.jsonl" --db "$DB" >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 400 ]; do
        c=$(sqlite3 "$DB" "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
        [ "${c:-0}" -gt 0 ] && break
        sleep 0.02; i=$((i+1))
    done
    kill -9 $pid 2>/dev/null && killed=1
    wait $pid 2>/dev/null
    [ "$(q 'SELECT count(*) FROM articles')" -ge "$N" ] && [ "$(q 'SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.article = a.id)')" -eq 0 ] && killed=0
done
ok "killed in the middle (try $tries)" '[ $killed -eq 1 ]'
echo "after the kill: $(q 'SELECT count(*) FROM articles') of $N articles stored, $(q 'SELECT count(*) FROM members') assigned"
ok "killed database opens and is consistent" '[ "$(q "SELECT count(*) FROM stories s WHERE size <> (SELECT count(*) FROM members m WHERE m.story = s.id)")" -eq 0 ]'
ok "rerun succeeds" '"$NF" fold "$TMP/big.jsonl" --db "$DB" >/dev/null 2>"$TMP/err"'
ok "every article stored" '[ "$(q "SELECT count(*) FROM articles")" -eq "$N" ]'
ok "each exactly once" '[ "$(q "SELECT count(DISTINCT id) FROM articles")" -eq "$N" ]'
ok "every article in one story" '[ "$(q "SELECT count(*) FROM members")" -eq "$N" ] && [ "$(q "SELECT count(DISTINCT article) FROM members")" -eq "$N" ]'
ok "story sizes equal members" '[ "$(q "SELECT count(*) FROM stories s WHERE size <> (SELECT count(*) FROM members m WHERE m.story = s.id)")" -eq 0 ]'
ok "no member without its story" '[ "$(q "SELECT count(*) FROM members WHERE story NOT IN (SELECT id FROM stories)")" -eq 0 ]'
ok "sizes sum to the articles" '[ "$(q "SELECT sum(size) FROM stories")" -eq "$N" ]'
ok "integrity" '[ "$(q "PRAGMA integrity_check")" = ok ]'
ok "a third run writes nothing new" '"$NF" fold "$TMP/big.jsonl" --db "$DB" 2>&1 >/dev/null | grep -q " 0 new, $N unchanged, 0 updated"'
finish store_sigkill
