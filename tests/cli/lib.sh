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
