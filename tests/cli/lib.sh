# Helpers for CLI cases (sourced): ok/no record one check each; done prints the tally.
P=0; F=0
ok() { if eval "$2"; then P=$((P+1)); else F=$((F+1)); echo "FAIL: $1: $2" >&2; fi; }
finish() { echo "$1: $P passed, $F failed"; [ "$F" -eq 0 ]; }
NF=${NEWSFOLD:-build/newsfold}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
