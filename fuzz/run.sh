#!/bin/sh
# Build each fuzz/fuzz_*.c with clang + libFuzzer (+ASan/UBSan) and run it for FUZZ_SECONDS,
# starting from the saved corpus fuzz/corpus/<target>/. New inputs go to $BUILD/fuzzer/<target>.new/;
# to keep the interesting ones as regression tests, minimise them into the saved corpus with
#   $BUILD/fuzzer/<target> -merge=1 fuzz/corpus/<target> $BUILD/fuzzer/<target>.new
# and commit the files that appear.
set -eu
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-60}
PKGS="libutf8proc libxxhash zlib libzstd jansson sqlite3 gumbo libmicrohttpd"
mkdir -p "$BUILD/fuzzer"
SRC=$(ls src/*.c)
for f in fuzz/fuzz_*.c; do
    name=$(basename "$f" .c)
    bin="$BUILD/fuzzer/$name"
    clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
        $(pkg-config --cflags $PKGS) "$f" $SRC $(pkg-config --libs $PKGS) -lstemmer -lm -lpthread -o "$bin"
    mkdir -p "fuzz/corpus/$name" "$bin.new"
    echo "fuzz: $name for ${SECS}s (new inputs: $bin.new)"
    "$bin" -max_total_time="$SECS" -max_len=65536 "$bin.new" "fuzz/corpus/$name" 2>&1 | tail -n 3 || true
done
