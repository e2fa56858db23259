#!/bin/sh
# newsfold read on every JSONL file in ../shared/data: nothing rejected, one article per line
# (counted with wc -l here, never written down), exit status 0; the same through stdin, gzip
# and zstd. Then the error policy: a bad line gives file:line: and exit 1, a missing file exit 2.
. tests/cli/lib.sh
DATA=${SHARED:-../shared}/data
for f in "$DATA"/*.jsonl; do
    name=$(basename "$f")
    lines=$(wc -l <"$f")
    "$NF" read --raw "$f" >"$TMP/out" 2>"$TMP/err"; st=$?
    ok "$name exit 0" '[ "$st" -eq 0 ]'
    ok "$name all accepted" 'grep -q "^read $lines, accepted $lines, rejected 0$" "$TMP/err"'
    ok "$name one line each" '[ "$(wc -l <"$TMP/out")" -eq "$lines" ]'
    "$NF" read --raw - <"$f" 2>"$TMP/err" | cmp -s - "$TMP/out"; r=$?
    ok "$name stdin same output" '[ "$r" -eq 0 ]'
    gzip -c "$f" >"$TMP/$name.gz"
    "$NF" read --raw "$TMP/$name.gz" 2>/dev/null | cmp -s - "$TMP/out"; r=$?
    ok "$name .gz same output" '[ "$r" -eq 0 ]'
    if command -v zstd >/dev/null 2>&1; then
        zstd -q -c "$f" >"$TMP/$name.zst"
        "$NF" read --raw "$TMP/$name.zst" 2>/dev/null | cmp -s - "$TMP/out"; r=$?
        ok "$name .zst same output" '[ "$r" -eq 0 ]'
    fi
done

# one bad line among good ones: reported as file:line:, counted, exit status 1
f=$(ls "$DATA"/*.jsonl | head -n 1)
head -n 2 "$f" >"$TMP/bad.jsonl"
echo '{"id": "broken", "text": ' >>"$TMP/bad.jsonl"
sed -n 3p "$f" >>"$TMP/bad.jsonl"
"$NF" read --raw "$TMP/bad.jsonl" >"$TMP/out" 2>"$TMP/err"; st=$?
ok "bad line exit 1" '[ "$st" -eq 1 ]'
ok "bad line located" 'grep -q "bad.jsonl:3:[0-9]*: invalid JSON" "$TMP/err"'
ok "bad line counted" 'grep -q "^read 4, accepted 3, rejected 1$" "$TMP/err"'
ok "good lines kept" '[ "$(wc -l <"$TMP/out")" -eq 3 ]'

# --max-errors: the rest is only counted
for i in 1 2 3 4 5; do echo "not json $i"; done >"$TMP/many.jsonl"
"$NF" read --max-errors 2 "$TMP/many.jsonl" >/dev/null 2>"$TMP/err"
ok "max-errors shows 2" '[ "$(grep -c "many.jsonl:" "$TMP/err")" -eq 2 ]'
ok "max-errors counts the rest" 'grep -q "3 more problems not shown" "$TMP/err"'

# a missing input: exit status 2, named on stderr
"$NF" read "$TMP/no-such-file.jsonl" >/dev/null 2>"$TMP/err"; st=$?
ok "missing file exit 2" '[ "$st" -eq 2 ]'
ok "missing file named" 'grep -q "no-such-file.jsonl: cannot open" "$TMP/err"'
# a missing input among good ones still reads the good ones, and still exits 2
"$NF" read --raw "$TMP/no-such-file.jsonl" "$f" >"$TMP/out" 2>/dev/null; st=$?
ok "missing + good exit 2" '[ "$st" -eq 2 ]'
ok "missing + good read" '[ "$(wc -l <"$TMP/out")" -eq "$(wc -l <"$f")" ]'
finish read_data
