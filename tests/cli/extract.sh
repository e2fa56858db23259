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
"$NF" extract "$TMP/binary.html" "$TMP/story.html" > "$TMP/out2" 2> "$TMP/err2"
ok "exit 1 on a page that is not HTML" '[ $? -eq 1 ]'
ok "binary reported" 'grep -q "binary.html: binary data" "$TMP/err2"'
ok "the other page still read" '[ "$(wc -l < "$TMP/out2")" -eq 1 ]'
# inputs that cannot be opened or read: named with the reader's words, counted, exit 2 as
# `newsfold read` (a directory used to come out as an empty page with exit 0)
mkdir "$TMP/adir"
"$NF" extract "$TMP/missing.html" "$TMP/adir" "$TMP/story.html" > "$TMP/out3" 2> "$TMP/err3"
ok "exit 2 on unreadable inputs" '[ $? -eq 2 ]'
ok "missing reported" 'grep -q "missing.html: cannot open: No such file or directory" "$TMP/err3"'
ok "directory reported" 'grep -q "adir: cannot open: Is a directory" "$TMP/err3"'
ok "directory not a page" '! grep -q "\"id\":\"adir\"" "$TMP/out3"'
ok "the rest still read" '[ "$(wc -l < "$TMP/out3")" -eq 1 ] && grep -q "Opponents argued" "$TMP/out3"'
ok "all accounted for" 'grep -q "pages 3, extracted 1, empty 0, failed 2" "$TMP/err3"'
if [ -r /proc/self/mem ]; then   # opens, then read(2) fails: it was an empty page, exit 0
    "$NF" extract /proc/self/mem > "$TMP/out4" 2> "$TMP/err4"
    ok "read error exit 2" '[ $? -eq 2 ] && [ ! -s "$TMP/out4" ]'
    ok "read error reported" 'grep -q "/proc/self/mem: read error: " "$TMP/err4"'
fi
mkfifo "$TMP/pipe.html"
(cat "$TMP/story.html" > "$TMP/pipe.html") &
timeout 20 "$NF" extract "$TMP/pipe.html" > "$TMP/out5" 2> /dev/null
ok "a named FIFO is read" '[ $? -eq 0 ] && grep -q "Opponents argued" "$TMP/out5"'
head -c 200 "$TMP/zipped.html.gz" > "$TMP/cut.html.gz"
"$NF" extract "$TMP/cut.html.gz" > /dev/null 2> "$TMP/err6"
ok "truncated gzip" '[ $? -eq 1 ] && grep -q "cut.html.gz: truncated gzip stream" "$TMP/err6"'
"$NF" extract --max-bytes 100 "$TMP/story.html" > /dev/null 2> "$TMP/err7"
ok "too large" '[ $? -eq 1 ] && grep -q "story.html: file of [0-9]* bytes exceeds the limit of 100" "$TMP/err7"'
"$NF" extract --max-bytes 12x "$TMP/story.html" > "$TMP/out9" 2> "$TMP/err9"
ok "bad --max-bytes refused" '[ $? -eq 2 ] && [ ! -s "$TMP/out9" ] && grep -q "max-bytes: not a byte count: 12x" "$TMP/err9"'
if [ -w /dev/full ]; then
    "$NF" extract "$TMP/story.html" > /dev/full 2> "$TMP/err10"
    ok "output that cannot be written" '[ $? -eq 2 ] && grep -q "cannot write output" "$TMP/err10"'
fi
# one id rule with the readers (nf_file_id): the last extension goes, whatever it is
cp "$TMP/story.html" "$TMP/index.php"
"$NF" extract "$TMP/index.php" > "$TMP/out8" 2> /dev/null
ok "id without any extension" 'grep -q "\"id\":\"index\"" "$TMP/out8"'
"$NF" extract > /dev/null 2>&1
ok "usage error" '[ $? -eq 2 ]'
mkdir "$TMP/crawl" && cp "$TMP/story.html" "$TMP/zipped.html.gz" "$TMP/crawl/"
"$NF" read "$TMP/crawl" > "$TMP/read" 2> "$TMP/readerr"
ok "reader takes html" '[ "$(wc -l < "$TMP/read")" -eq 2 ] && grep -q "Opponents argued" "$TMP/read"'
ok "reader ids as extract" 'grep -q "\"id\":\"story\"" "$TMP/read" && grep -q "\"id\":\"zipped\"" "$TMP/read"'
# "-" is one page from standard input, decoded as a file would be
"$NF" extract - < "$TMP/zipped.html.gz" > "$TMP/out11" 2> "$TMP/err11"
ok "page from stdin" '[ $? -eq 0 ] && grep -q "\"id\":\"stdin\"" "$TMP/out11" && grep -q "Opponents argued" "$TMP/out11"'
head -c 3000 /dev/urandom | tr -d '<' | "$NF" extract - "$TMP/story.html" > "$TMP/out12" 2> "$TMP/err12"
ok "stdin not HTML, named in the error" '[ $? -eq 1 ] && grep -q "^<stdin>: " "$TMP/err12" && grep -q "Opponents argued" "$TMP/out12"'
finish extract
