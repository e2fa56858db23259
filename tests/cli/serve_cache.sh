#!/bin/sh
# serve: the answer cache of the GET API never serves data older than the last write — a POST
# that joins a story, an update of an article, and a write by another process (sqlite3) are all
# seen by the next GET; repeated GETs are served from the cache (hits in /healthz); --cache-mb 0
# turns it off; a tiny cache stays within its cap.
. tests/cli/lib.sh
command -v curl >/dev/null || { echo "serve_cache: curl missing (make deps)"; echo "serve_cache: 0 passed, 1 failed"; exit 1; }
SRV_PIDS=""
trap 'for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
hits() { curl -s "$U/healthz" | sed -n 's/.*"hits":\([0-9]*\).*/\1/p'; }
DB=$TMP/c.db
start_server "$TMP/s1" --db "$DB"
ok "server started" '[ -n "$PORT" ]'
B1='{"id":"b1","outlet":"one.example","date":"2024-05-01T08:00:00Z","title":"Dam breaks above the valley town","text":"The old dam above the valley town broke on Sunday night, flooding homes. \"We heard a roar and then the water came,\" said a resident. Rescue teams worked through the night."}'
B2='{"id":"b2","outlet":"two.example","date":"2024-05-01T09:00:00Z","title":"Valley town flooded as dam breaks","text":"Homes in the valley town were flooded after the old dam broke on Sunday night. \"We heard a roar and then the water came,\" a resident said. Rescue teams worked through the night."}'
ok "post b1" '[ "$(code -XPOST --data-binary "$B1" $U/api/articles)" = 200 ]'
ST=$(sed -n 's/.*"story":\([0-9]*\).*/\1/p' "$TMP/body")
ok "b1 has a story" '[ -n "$ST" ]'
ok "story has one member" '[ "$(code $U/api/stories/$ST)" = 200 ] && grep -q "\"size\":1," "$TMP/body"'
H0=$(hits)
# each serving thread's first request moves the generation (a new connection): warm both
ok "repeated GETs are cache hits" '(for i in 1 2 3 4 5 6; do curl -s $U/api/stories/$ST | grep -q "\"size\":1," || exit 1; done) && [ "$(hits)" -gt "$H0" ]'
ok "list cached too" '[ "$(code "$U/api/stories?limit=5")" = 200 ] && [ "$(code "$U/api/stories?limit=5")" = 200 ] && grep -q "\"total\":1," "$TMP/body"'
ok "post b2 into the same story" '[ "$(code -XPOST --data-binary "$B2" $U/api/articles)" = 200 ] && grep -q "\"story\":$ST," "$TMP/body"'
ok "GET after POST shows the new member" '[ "$(code $U/api/stories/$ST)" = 200 ] && grep -q "\"size\":2," "$TMP/body" && grep -q "\"id\":\"b2\"" "$TMP/body"'
ok "list after POST shows the new size" '[ "$(code "$U/api/stories?limit=5")" = 200 ] && grep -q "\"size\":2," "$TMP/body"'
ok "article cached" '[ "$(code $U/api/articles/b1)" = 200 ] && [ "$(code $U/api/articles/b1)" = 200 ] && grep -q "\"revisions\":0" "$TMP/body"'
B1U=$(echo "$B1" | sed 's/Rescue teams/Rescue teams from three towns/')
ok "update b1" '[ "$(code -XPOST --data-binary "$B1U" $U/api/articles)" = 200 ] && grep -q "\"status\":\"updated\"" "$TMP/body"'
ok "GET after update shows the revision" '[ "$(code $U/api/articles/b1)" = 200 ] && grep -q "\"revisions\":1" "$TMP/body" && grep -q "three towns" "$TMP/body"'
# a write by another process, not through this server
ok "cached before the outside write" '[ "$(code $U/api/articles/b2)" = 200 ] && [ "$(code $U/api/articles/b2)" = 200 ] && grep -q "two.example" "$TMP/body"'
sqlite3 "$DB" "UPDATE articles SET outlet = 'outside.example' WHERE id = 'b2'"
ok "outside write seen at once" '[ "$(code $U/api/articles/b2)" = 200 ] && grep -q "outside.example" "$TMP/body"'
ok "outside write seen by every thread" '(for i in 1 2 3 4 5 6; do curl -s $U/api/articles/b2 | grep -q outside.example || exit 1; done)'
ok "errors still JSON and not cached as 200" '[ "$(code $U/api/stories/999999)" = 404 ] && [ "$(code $U/api/stories/999999)" = 404 ] && grep -q "\"error\":\"not found\"" "$TMP/body"'
# off, and a tiny cap
start_server "$TMP/s2" --db "$DB" --cache-mb 0
ok "cache off answers" '[ "$(code $U/api/stories/$ST)" = 200 ] && [ "$(code $U/api/stories/$ST)" = 200 ] && grep -q "\"size\":2," "$TMP/body" && [ "$(hits)" -eq 0 ]'
# every request ends its read transaction: no thread keeps an old snapshot (cache off, too)
for i in 1 2 3 4 5 6; do curl -s -o /dev/null $U/api/articles/b2; curl -s -o /dev/null $U/api/stories/$ST; done
sqlite3 "$DB" "UPDATE articles SET outlet = 'later.example' WHERE id = 'b2'"
ok "cache off: outside write seen by every thread (article)" '(for i in 1 2 3 4 5 6; do curl -s $U/api/articles/b2 | grep -q later.example || exit 1; done)'
ok "cache off: outside write seen by every thread (story)" '(for i in 1 2 3 4 5 6; do curl -s $U/api/stories/$ST | grep -q later.example || exit 1; done)'
start_server "$TMP/s3" --db "$DB" --cache-mb 1
for i in $(seq 1 40); do curl -s -o /dev/null "$U/api/stories?limit=1&offset=$i"; done
ok "cache within its cap" 'curl -s "$U/healthz" > "$TMP/h"; b=$(sed -n "s/.*\"bytes\":\([0-9]*\).*/\1/p" "$TMP/h"); c=$(sed -n "s/.*\"cap\":\([0-9]*\).*/\1/p" "$TMP/h"); [ "$b" -gt 0 ] && [ "$b" -le "$c" ]'
ok "bad cache size refused" '"$NF" serve --db "$DB" --cache-mb -3 --exit-after 1 2>/dev/null; [ $? -eq 2 ]'
finish serve_cache
