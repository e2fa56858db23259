#!/bin/sh
# make demo: fold the sample data in ../shared into a database, list its stories and serve the
# page until Ctrl-C. DEMO_NO_SERVE=1 only folds and prints the story list; DEMO_PORT picks the port
# (default 8080, a free one when it is taken); DEMO_DB the database (default $BUILD/demo.db).
# A build without the fold verb prints what `newsfold read` makes of the seeds instead.
set -eu
BUILD=${BUILD:-build}
NF=$BUILD/newsfold
SHARED=${SHARED:-../shared}
DB=${DEMO_DB:-$BUILD/demo.db}
if ! "$NF" fold --help >/dev/null 2>&1; then
    echo "== newsfold read $SHARED/seeds (this build has no fold verb)"
    "$NF" read "$SHARED/seeds" | head -c 2000; echo
    exit 0
fi
rm -f "$DB" "$DB-wal" "$DB-shm"
set -- "$SHARED/seeds"
for f in newswcl50.jsonl np4e.jsonl ecbplus-dev.jsonl; do
    [ -f "$SHARED/data/$f" ] && set -- "$@" "$SHARED/data/$f"
done
echo "== newsfold fold $* --db $DB"
"$NF" fold "$@" --db "$DB" >/dev/null
echo "== newsfold stories --db $DB --limit 15"
"$NF" stories --db "$DB" --limit 15
SEED=$(sqlite3 "$DB" "SELECT story FROM members WHERE article LIKE '000%' LIMIT 1" 2>/dev/null || true)
if [ -n "$SEED" ]; then
    echo "== newsfold show --db $DB --story $SEED   (the seeds: two outlets, one event)"
    "$NF" show --db "$DB" --story "$SEED"
fi
[ "${DEMO_NO_SERVE:-0}" = 1 ] && exit 0
PORT=${DEMO_PORT:-8080}
if command -v curl >/dev/null && curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
    PORT=0    # taken: let the server pick a free port
fi
echo "== newsfold serve --db $DB (Ctrl-C stops)"
[ -n "$SEED" ] && echo "   the seed story: /#/story/$SEED"
exec "$NF" serve --db "$DB" --listen "127.0.0.1:$PORT"
