#!/bin/sh
# make demo: run the main job on the sample data in ../shared and print the result.
set -eu
NF=${BUILD:-build}/newsfold
SHARED=${SHARED:-../shared}
echo "== newsfold read $SHARED/seeds"
"$NF" read "$SHARED/seeds" | head -c 2000; echo
