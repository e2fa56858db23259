# Helpers for CLI cases (sourced): ok/no record one check each; done prints the tally.
P=0; F=0
ok() { if eval "$2"; then P=$((P+1)); else F=$((F+1)); echo "FAIL: $1: $2" >&2; fi; }
finish() { echo "$1: $P passed, $F failed"; [ "$F" -eq 0 ]; }
NF=${NEWSFOLD:-build/newsfold}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
# start_server OUTFILE ARGS...: `$NF serve` on a free loopback port in the background (stops by
# itself after 120 s; its pid is added to SRV_PIDS for the caller's trap), wait for the
# "serving ... at http://H:P/" line (bounded), set PORT and U.
start_server() {
    out=$1; shift
    "$NF" serve --listen 127.0.0.1:0 --exit-after 120 "$@" >"$out" 2>"$out.err" &
    SRV_PIDS="${SRV_PIDS:-} $!"
    i=0
    while [ $i -lt 100 ] && ! grep -q 'serving' "$out"; do sleep 0.1; i=$((i+1)); done
    PORT=$(sed -n 's/.*http:\/\/[^:]*:\([0-9]*\)\/.*/\1/p' "$out")
    U=http://127.0.0.1:$PORT
}
# dated_corpus DIR: $TMP/dated.jsonl = the shared articles of DIR twice over with new ids, dated
# over 8 months by line, a third of them edited copies, some without an id, a bad line; and
# $TMP/undated.jsonl = undated articles plus a duplicate id (fold --windows tests).
dated_corpus() {
    awk '{ for (k = 0; k < 2; k++) {
             x = $0; sub(/"id": "/, "\"id\": \"w" k "-", x)
             d = sprintf("2023-%02d-%02d", 1 + int((NR * 37 + k * 11) % 240 / 30), 1 + (NR * 37 + k * 11) % 240 % 28)
             sub(/"date": null/, "\"date\": \"" d "\"", x)
             if ((NR + k) % 3 == 0) { sub(/ the /, " a ", x); sub(/ of /, " for ", x) }
             if ((NR + k) % 97 == 0) sub(/"id": "[^"]*", /, "", x)
             print x
             if (NR % 500 == 0 && k == 0) print "{not json"
           } }' "$1/np4e.jsonl" "$1/newswcl50.jsonl" "$1/ecbplus-dev.jsonl" >"$TMP/dated.jsonl"
    head -n 40 "$1/np4e.jsonl" >"$TMP/undated.jsonl"
    printf '%s\n' '{"id": "w0-381790newsML", "date": "2023-03-01", "text": "a duplicate id"}' >>"$TMP/undated.jsonl"
}
