#!/bin/sh
# Install the Debian packages newsfold needs, only those missing. Idempotent: when everything is
# present it prints one line and touches nothing; `apt-get update` runs only when something is missing.
set -eu
PKGS="gcc make pkg-config clang libclang-rt-14-dev zlib1g-dev libzstd-dev libutf8proc-dev libxxhash-dev
libjansson-dev libsqlite3-dev libstemmer-dev libgumbo-dev libmicrohttpd-dev sqlite3 curl wrk chromium
libopenmpi-dev openmpi-bin ${NEWSFOLD_EXTRA_PKGS:-}"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all present"
    exit 0
fi
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
