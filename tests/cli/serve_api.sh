#!/bin/sh
# serve: the JSON API over loopback with curl — ingest (one JSON, JSONL, same, update, copies),
# story and article reads, filters, error statuses with JSON bodies (400 with position, 404, 405,
# 413, 431), the token rule, and a stalled client that must not block others.
. tests/cli/lib.sh
command -v curl >/dev/null || { echo "serve_api: curl missing (make deps)"; echo "serve_api: 0 passed, 1 failed"; exit 1; }
SRV_PIDS=""
trap 'for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
DB=$TMP/api.db
start_server "$TMP/s1" --db "$DB" --timeout 2
ok "server started" '[ -n "$PORT" ]'
ok "healthz" '[ "$(code $U/healthz)" = 200 ] && grep -q "\"ok\"" "$TMP/body"'

A1='{"id":"a1","outlet":"one.example","date":"2024-03-01","title":"Bridge closed after flood","text":"The river flooded the old bridge on Monday, officials said."}'
A2='{"id":"a2","url":"https://www.two.example/x","date":"2024-03-02T10:00:00Z","title":"Second","text":"A different text about the same flood."}'
A3='{"id":"a3","outlet":"three.example","date":"2024-03-03","title":"Copy","text":"The river flooded the old bridge on Monday, officials said."}'
ok "post one object" '[ "$(code -XPOST --data-binary "$A1" $U/api/articles)" = 200 ]'
ok "answer has story and status new" 'grep -q "\"id\":\"a1\",\"status\":\"new\",\"story\":[0-9]" "$TMP/body"'
printf '%s\n%s\n' "$A2" "$A3" > "$TMP/two.jsonl"
ok "post JSONL" '[ "$(code -XPOST --data-binary @$TMP/two.jsonl $U/api/articles)" = 200 ]'
ok "two answers" '[ "$(grep -o "\"status\":\"new\"" "$TMP/body" | wc -l)" -eq 2 ]'
ok "exact copy answers copy_of" 'grep -q "\"id\":\"a3\",\"status\":\"new\",\"story\":[0-9]*,\"copy_of\":\"a1\"" "$TMP/body"'
ok "repost is same" '[ "$(code -XPOST --data-binary "$A1" $U/api/articles)" = 200 ] && grep -q "\"status\":\"same\"" "$TMP/body"'
A1B=$(echo "$A1" | sed 's/officials said/officials said on Tuesday/')
ok "changed text is an update" '[ "$(code -XPOST --data-binary "$A1B" $U/api/articles)" = 200 ] && grep -q "\"status\":\"updated\"" "$TMP/body"'
ok "get article" '[ "$(code $U/api/articles/a2)" = 200 ] && grep -q "\"outlet\":\"two.example\"" "$TMP/body" && grep -q "\"revisions\":0" "$TMP/body"'
ok "updated article has a revision" '[ "$(code $U/api/articles/a1)" = 200 ] && grep -q "\"revisions\":1" "$TMP/body" && grep -q "on Tuesday" "$TMP/body"'
ok "list stories" '[ "$(code "$U/api/stories?limit=10")" = 200 ] && grep -q "\"total\":[1-9]" "$TMP/body"'
ST=$(curl -s "$U/api/articles/a3" | sed -n 's/.*"story":\([0-9]*\).*/\1/p')
ok "story of the copy" '[ "$(code $U/api/stories/$ST)" = 200 ] && grep -q "\"members\":\[" "$TMP/body" && grep -q "\"comparison\":" "$TMP/body"'
ok "story lists the copy with copy_of" 'grep -q "\"copy_of\":\"a1\"" "$TMP/body"'
C1='{"id":"c1","outlet":"c1.example","date":"2024-04-01","text":"The mayor said: \"We will rebuild the bridge before winter.\" Work starts in May."}'
C2='{"id":"c2","outlet":"c2.example","date":"2024-04-02","text":"The mayor said: \"We will rebuild the bridge before winter.\" Work starts in May."}'
printf '%s\n%s\n' "$C1" "$C2" > "$TMP/pair.jsonl"
ok "post a pair" '[ "$(code -XPOST --data-binary @$TMP/pair.jsonl $U/api/articles)" = 200 ]'
CS=$(curl -s "$U/api/articles/c2" | sed -n 's/.*"story":\([0-9]*\).*/\1/p')
ok "comparison made on first read" '[ "$(code $U/api/stories/$CS)" = 200 ] && grep -q "\"size\":2" "$TMP/body" && grep -q "\"comparison\":{" "$TMP/body"'
ok "comparison stored" '[ "$(sqlite3 "$DB" "SELECT count(*) FROM comparisons WHERE story = $CS")" -eq 1 ]'
ok "query finds" '[ "$(code "$U/api/stories?query=bridge")" = 200 ] && grep -q "Bridge closed" "$TMP/body"'
ok "query without match" '[ "$(code "$U/api/stories?query=volcano")" = 200 ] && grep -q "\"total\":0" "$TMP/body"'
ok "query syntax is words" '[ "$(code "$U/api/stories?query=%22OR%20(")" = 200 ]'
ok "since filters" '[ "$(code "$U/api/stories?since=2030-01-01")" = 200 ] && grep -q "\"total\":0" "$TMP/body"'
ok "bad since 400" '[ "$(code "$U/api/stories?since=yesterday")" = 400 ] && grep -q "\"error\"" "$TMP/body"'
ok "bad limit 400" '[ "$(code "$U/api/stories?limit=-1")" = 400 ]'
ok "missing story 404 JSON" '[ "$(code $U/api/stories/987654)" = 404 ] && grep -q "\"error\":\"not found\"" "$TMP/body"'
ok "missing article 404" '[ "$(code $U/api/articles/nope)" = 404 ]'
ok "unknown path 404" '[ "$(code $U/nothing/here)" = 404 ] && grep -q "\"detail\"" "$TMP/body"'
ok "malformed JSON 400 with position" '[ "$(code -XPOST --data-binary "{\"id\":\"z\", \"text\": }" $U/api/articles)" = 400 ] && grep -q "line 1, column 2[01]" "$TMP/body"'
printf '%s\n{"id":"q" "text":"x"}\n' "$A2" > "$TMP/bad.jsonl"
ok "JSONL error names the line" '[ "$(code -XPOST --data-binary @$TMP/bad.jsonl $U/api/articles)" = 400 ] && grep -q "record 2, line 2" "$TMP/body"'
ok "bad record stores nothing" '[ "$(code $U/api/articles/q)" = 404 ]'
ok "missing text 400" '[ "$(code -XPOST --data-binary "{\"id\":\"n\"}" $U/api/articles)" = 400 ] && grep -q "text" "$TMP/body"'
ok "bad date 400" '[ "$(code -XPOST --data-binary "{\"id\":\"n\",\"text\":\"t\",\"date\":\"soon\"}" $U/api/articles)" = 400 ]'
ok "empty body 400" '[ "$(code -XPOST --data-binary " " $U/api/articles)" = 400 ]'
ok "GET on POST resource 405" '[ "$(code $U/api/articles)" = 405 ]'
ok "DELETE 405 with Allow" '[ "$(curl -s -o /dev/null -D "$TMP/h" -w "%{http_code}" -XDELETE $U/api/stories)" = 405 ] && grep -qi "^Allow: GET" "$TMP/h"'
head -c 17000000 /dev/zero | tr '\0' 'a' > "$TMP/big"
ok "too large 413" '[ "$(code -XPOST --data-binary @$TMP/big $U/api/articles)" = 413 ]'
ok "huge header refused" '[ "$(code -H "X-Big: $(head -c 60000 "$TMP/big")" $U/healthz)" = 431 ]'
# a stalled client (headers sent, body never finished) does not block others
(sleep 4 | curl -s -o /dev/null -XPOST -H 'Transfer-Encoding: chunked' --data-binary @- $U/api/articles) &
sleep 0.3
ok "others served while a client stalls" '[ "$(curl -s -m 5 -o /dev/null -w "%{http_code}" $U/healthz)" = 200 ]'
ok "page served" '[ "$(code $U/)" = 200 ] && grep -q "<title>newsfold</title>" "$TMP/body"'
ok "page has a CSP" 'curl -s -D - -o /dev/null $U/ | grep -qi "content-security-policy: default-src .none."'
wait_slow=$(jobs -p); [ -n "$wait_slow" ] && wait $wait_slow 2>/dev/null

# bytes the database may hold that JSON cannot: answered escaped, as valid JSON (posted back)
sqlite3 "$DB" "INSERT INTO articles(id, text, text_hash, stored_at) VALUES ('raw', CAST(X'41012222205C0A09C328E282AC7F20706C61696E20746578742068657265' AS TEXT), 'x', 'now')"
ok "raw bytes escaped" '[ "$(code $U/api/articles/raw)" = 200 ] && grep -q "A\\\\u0001\\\\\"\\\\\" \\\\\\\\\\\\n\\\\t\\\\ufffd(€" "$TMP/body"'
cp "$TMP/body" "$TMP/raw.json"
ok "escaped answer is valid JSON" '[ "$(code -XPOST --data-binary @$TMP/raw.json $U/api/articles)" = 200 ]'

# token rule
"$NF" serve --db "$TMP/t.db" --listen 0.0.0.0:0 --exit-after 5 >"$TMP/s2" 2>&1
ok "refuses non-loopback without a token" '[ $? -eq 2 ] && grep -q "token" "$TMP/s2"'
NEWSFOLD_TOKEN=s3cret start_server "$TMP/s3" --db "$TMP/t.db"
ok "token server started" '[ -n "$PORT" ]'
ok "POST without token 401" '[ "$(code -XPOST --data-binary "$A1" $U/api/articles)" = 401 ]'
ok "POST with wrong token 401" '[ "$(code -H "Authorization: Bearer nope" -XPOST --data-binary "$A1" $U/api/articles)" = 401 ]'
ok "POST with token 200" '[ "$(code -H "Authorization: Bearer s3cret" -XPOST --data-binary "$A1" $U/api/articles)" = 200 ]'
ok "GET needs no token" '[ "$(code $U/api/articles/a1)" = 200 ]'
"$NF" serve --db "$TMP/t.db" --listen 0.0.0.0:0 --token abc --exit-after 1 >"$TMP/s4" 2>&1
ok "non-loopback with a token starts" '[ $? -eq 0 ] && grep -q serving "$TMP/s4"'
ok "foreign database refused" 'echo "not a db at all, just some text that is long enough to be read by sqlite as a header" > "$TMP/f.db"; "$NF" serve --db "$TMP/f.db" --listen 127.0.0.1:0 --exit-after 1 2>"$TMP/e"; [ $? -eq 2 ] && grep -q "not an SQLite database" "$TMP/e"'
finish serve_api
