#!/bin/sh
# newsfold extract: JSON per page, reasons for empty pages, errors for unreadable ones, and
# HTML accepted by the readers.
. tests/cli/lib.sh
cat > "$TMP/story.html" <<'HTML'
<html><head><title>Budget approved | Bugle</title>
<meta property="article:published_time" content="2024-03-05T09:00:00Z"></head>
<body><nav><a href="/">Home</a></nav><article>
<p>The city council voted on Tuesday to approve the new budget, which raises spending on schools.</p>
<p>Opponents argued that the plan, drafted in a hurry, leaves the transport fund short of money.</p>
</article><footer>Copyright Bugle</footer></body></html>
HTML
printf '<html><body><nav><a href="/">Home</a></nav></body></html>' > "$TMP/empty.html"
head -c 3000 /dev/urandom | tr -d '<' > "$TMP/binary.html"
gzip -c "$TMP/story.html" > "$TMP/zipped.html.gz"

"$NF" extract --help > "$TMP/help" 2>&1
ok "help" 'grep -q "usage: newsfold extract" "$TMP/help"'
"$NF" extract "$TMP/story.html" "$TMP/empty.html" "$TMP/zipped.html.gz" > "$TMP/out" 2> "$TMP/err"
ok "exit 0" '[ $? -eq 0 ]'
ok "three lines" '[ "$(wc -l < "$TMP/out")" -eq 3 ]'
ok "id" 'head -n 1 "$TMP/out" | grep -q "\"id\":\"story\""'
ok "title cleaned" 'head -n 1 "$TMP/out" | grep -q "\"title\":\"Budget approved\""'
ok "date source" 'head -n 1 "$TMP/out" | grep -q "\"date_source\":\"meta\""'
ok "text kept" 'head -n 1 "$TMP/out" | grep -q "Opponents argued"'
ok "nav dropped" '! head -n 1 "$TMP/out" | grep -q "Home"'
ok "reason" 'sed -n 2p "$TMP/out" | grep -q "\"reason\":"'
ok "gzip id" 'sed -n 3p "$TMP/out" | grep -q "\"id\":\"zipped\""'
"$NF" extract "$TMP/binary.html" "$TMP/missing.html" > "$TMP/out2" 2> "$TMP/err2"
ok "exit 1 on bad pages" '[ $? -eq 1 ]'
ok "binary reported" 'grep -q "binary.html: binary data" "$TMP/err2"'
ok "missing reported" 'grep -q "missing.html: cannot read" "$TMP/err2"'
"$NF" extract > /dev/null 2>&1
ok "usage error" '[ $? -eq 2 ]'
mkdir "$TMP/crawl" && cp "$TMP/story.html" "$TMP/zipped.html.gz" "$TMP/crawl/"
"$NF" read "$TMP/crawl" > "$TMP/read" 2> "$TMP/readerr"
ok "reader takes html" '[ "$(wc -l < "$TMP/read")" -eq 2 ] && grep -q "Opponents argued" "$TMP/read"'
ok "reader ids as extract" 'grep -q "\"id\":\"story\"" "$TMP/read" && grep -q "\"id\":\"zipped\"" "$TMP/read"'
finish extract
