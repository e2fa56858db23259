#!/bin/sh
# serve: the page. The compiled-in page matches web/index.html; in Debian's headless chromium an
# article whose title and text carry <script> and onerror payloads renders them as text and runs
# nothing; the seed story (fold ../shared/seeds) shows the three shared quotes highlighted in both
# articles. Screenshots go to $BUILD/screenshots/.
. tests/cli/lib.sh
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
sh scripts/gen_web.sh web/index.html "$TMP/page.c"
ok "compiled page is up to date (sh scripts/gen_web.sh)" 'cmp -s "$TMP/page.c" cli/web_page.c'
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ] || ! command -v curl >/dev/null; then
    ok "chromium and curl installed (make deps)" 'false'; finish serve_page; exit 1
fi
SRV_PIDS=""
trap 'for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
# browse URL OUT.html [SHOT.png]: the DOM after the page's scripts ran (virtual time budget)
browse() {
    timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --user-data-dir="$(mktemp -d "$TMP/chr.XXXXXX")" \
        --virtual-time-budget=8000 --dump-dom "$1" >"$2" 2>/dev/null
    if [ -n "${3:-}" ]; then
        timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --disable-dev-shm-usage --user-data-dir="$(mktemp -d "$TMP/chr.XXXXXX")" \
            --virtual-time-budget=8000 --window-size=1400,2000 --screenshot="$3" "$1" >/dev/null 2>&1
    fi
}
mkdir -p "$BUILD/screenshots"

# --- escaping: payloads in title and text render as text, run nothing ---
start_server "$TMP/s1" --db "$TMP/xss.db"
cat > "$TMP/xss.jsonl" <<'J'
{"id":"xss-1","outlet":"evil.example","date":"2024-05-01","title":"<script>alert(1)</script> \"><img src=x onerror=alert(1)>","text":"First <script>alert(1)</script> then \"><img src=x onerror=alert(1)> and <script>document.body.setAttribute('data-pwned','script')</script> and \"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"> end."}
J
ok "payload article stored" '[ "$(curl -s -o /dev/null -w "%{http_code}" -XPOST --data-binary @"$TMP/xss.jsonl" $U/api/articles)" = 200 ]'
XS=$(curl -s "$U/api/articles/xss-1" | sed -n 's/.*"story":\([0-9]*\).*/\1/p')
browse "$U/#/story/$XS" "$TMP/xss.html" "$BUILD/screenshots/serve_xss_story.png"
ok "story page rendered" 'grep -q "data-article=\"xss-1\"" "$TMP/xss.html"'
ok "no script from article text ran" '! grep -q "data-pwned=" "$TMP/xss.html" && ! grep -q "<title>pwned" "$TMP/xss.html"'
ok "no element from article text" '[ "$(grep -c "<img" "$TMP/xss.html")" -eq 0 ] && [ "$(grep -o "<script" "$TMP/xss.html" | wc -l)" -eq 1 ]'
ok "title shown as text" 'grep -q "&lt;script&gt;alert(1)&lt;/script&gt; \"&gt;&lt;img src=x onerror=alert(1)&gt;" "$TMP/xss.html"'
ok "text shown as text" 'grep -q "First &lt;script&gt;alert(1)&lt;/script&gt; then" "$TMP/xss.html"'
browse "$U/" "$TMP/list.html" "$BUILD/screenshots/serve_list.png"
ok "list shows the headline as text" 'grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$TMP/list.html" && ! grep -q "data-pwned=" "$TMP/list.html"'

# --- the seed story: three shared quotes highlighted in both articles ---
if "$NF" fold --help >/dev/null 2>&1; then
    "$NF" fold "$SHARED/seeds" --db "$TMP/seeds.db" >/dev/null 2>"$TMP/fold.err"
    ok "fold the seeds" '[ $? -le 1 ]'
    ST=$(sqlite3 "$TMP/seeds.db" "SELECT story FROM members GROUP BY story ORDER BY count(*) DESC LIMIT 1")
    ok "the seeds share one story" '[ "$(sqlite3 "$TMP/seeds.db" "SELECT count(*) FROM members WHERE story = $ST")" -eq 2 ]'
    ok "comparison stored" '[ "$(sqlite3 "$TMP/seeds.db" "SELECT count(*) FROM comparisons WHERE story = $ST")" -eq 1 ]'
    start_server "$TMP/s2" --db "$TMP/seeds.db"
    browse "$U/#/story/$ST" "$TMP/seed.html" "$BUILD/screenshots/serve_seed_story.png"
    # one article element per line, then count each article's distinct highlighted shared quotes
    tr '\n' ' ' < "$TMP/seed.html" | sed 's/<article /\n<article /g; s/<\/article>/<\/article>\n/g' \
        | grep '^<article ' > "$TMP/arts"
    ok "two articles side by side" '[ "$(wc -l < "$TMP/arts")" -eq 2 ]'
    n=0
    while IFS= read -r line; do
        n=$((n+1))
        printf '%s\n' "$line" | grep -o 'data-quote="[0-9]*" data-kind="shared"' | sort -u > "$TMP/q$n"
        printf '%s\n' "$line" | grep -o 'data-kind="shared"[^>]*>[^<]*</mark>' | sed 's/.*>\([^<]*\)<\/mark>/\1/' > "$TMP/t$n"
    done < "$TMP/arts"
    for k in 1 2; do
        ok "article $k: three shared quotes highlighted" '[ "$(wc -l < "$TMP/q$k")" -ge 3 ]'
        ok "article $k: throw it away" 'grep -q "either throw it away or give it to the children" "$TMP/t$k"'
        ok "article $k: transparent mechanism" 'grep -q "fairly transparent mechanism" "$TMP/t$k"'
        ok "article $k: official purposes" 'grep -q "not used for official purposes" "$TMP/t$k"'
    done
    ok "same quote ids in both articles" 'cmp -s "$TMP/q1" "$TMP/q2"'
    ok "screenshot saved" '[ -s "$BUILD/screenshots/serve_seed_story.png" ]'
else
    echo "serve_page: SKIP seed story: this build has no fold verb"
fi
finish serve_page
