#!/bin/sh
# newsfold report: one self-contained HTML page; every piece of article text escaped.
. tests/cli/lib.sh
cat >"$TMP/evil.jsonl" <<'J'
{"id":"e1","outlet":"<b>Evil</b>","title":"<script>alert(1)</script>","text":"The minister said \"<script>alert(1)</script> we will never give up on the plan for the city\" on Monday. \"><img src=x onerror=alert(1)> was posted.","story":"s<1>"}
{"id":"e2","outlet":"Other","title":"\"><img src=x onerror=alert(1)>","text":"\"<script>alert(1)</script> we will never give up on the plan for the city,\" the minister said. Nothing else.","story":"s<1>"}
J
"$NF" report -q -o "$TMP/r.html" "$TMP/evil.jsonl" 2>"$TMP/r.err"; rc=$?
ok "report exits 0" '[ $rc -eq 0 ]'
ok "no raw script" '! grep -qi "<script" "$TMP/r.html"'
ok "no raw img" '! grep -qi "<img" "$TMP/r.html"'
ok "escaped script shown" 'grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$TMP/r.html"'
ok "escaped attribute breaker" 'grep -q "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" "$TMP/r.html"'
ok "escaped outlet and story id" 'grep -q "&lt;b&gt;Evil&lt;/b&gt;" "$TMP/r.html" && grep -q "Story s&lt;1&gt;" "$TMP/r.html"'
ok "shared quote marked" 'grep -q "<mark" "$TMP/r.html"'
ok "no external asset" '! grep -Eqi "(src|href)=\"?(https?:)?//" "$TMP/r.html"'
"$NF" report -q -o "$TMP/all.html" "${SHARED:-../shared}/data/newswcl50.jsonl" "${SHARED:-../shared}/seeds" 2>/dev/null; rc=$?
ok "report on NewsWCL50 and seeds" '[ $rc -eq 0 ] && [ "$(grep -c "<section>" "$TMP/all.html")" -ge 10 ]'
for t in ul ol section details table; do
    ok "balanced <$t>" '[ "$(grep -o "<$t[ >]" "$TMP/all.html" | wc -l)" -eq "$(grep -o "</$t>" "$TMP/all.html" | wc -l)" ]'
done
ok "report needs -o" '! "$NF" report -q "$TMP/evil.jsonl" 2>/dev/null'
finish compare_report
