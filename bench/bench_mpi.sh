#!/bin/sh
# bench_mpi.sh — `newsfold dedup` and `newsfold fold` under MPI: throughput for N = 1, 2, 4
# ranks against the plain build, bytes exchanged per article, per-phase wall and CPU time per
# rank (the inputs of the cost model in docs/mpi.md). Prints figures; never a test. Every N-rank
# output is checked byte for byte against the 1-process output.
#
#   make all mpi build/bench/bench_dedup && sh bench/bench_mpi.sh      (BENCH_MPI_N=100000)
#   BENCH_MPI_VERBS="fold" sh bench/bench_mpi.sh          (one verb only; "windows": fold
#                                                          --mpi-windows against 1 process, ARI)
#
# The corpus is generated from the real articles in $SHARED/data by `bench_dedup gen` (about 1 in
# 5 articles a labelled copy: exact, trimmed, edited). On this 2-core machine N = 4 oversubscribes
# the cores: speed-up is bounded by 2, and what N = 4 shows is the cost of the exchange, not speed.
set -eu
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
export SHARED
N=${BENCH_MPI_N:-100000}
RANKS=${BENCH_MPI_RANKS:-1 2 4}
VERBS=${BENCH_MPI_VERBS:-dedup fold}
NF=$BUILD/newsfold
MPI=$BUILD/mpi/newsfold
GEN=$BUILD/bench/bench_dedup
for b in "$NF" "$MPI" "$GEN"; do
    [ -x "$b" ] || { echo "bench_mpi: $b missing (make all mpi $GEN)"; exit 1; }
done
command -v mpirun >/dev/null || { echo "bench_mpi: mpirun missing (make deps)"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
"$GEN" gen "$N" "$W/corpus.jsonl" >/dev/null
BYTES=$(wc -c <"$W/corpus.jsonl")
echo "corpus: $N articles, $BYTES bytes ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"

# wall and CPU seconds (user + sys of the waited-for child, from the shell's /proc stat) of one run
plain() { # verb threads output [options]
    v=$1 th=$2 o=$3
    shift 3
    c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    t0=$(now)
    if [ "$v" = dedup ]; then "$NF" dedup --threads "$th" -q "$@" "$W/corpus.jsonl" >"$o"
    else "$NF" fold --threads "$th" "$@" "$W/corpus.jsonl" >"$o" 2>"$W/plain.err"; fi
    t1=$(now)
    c=$(awk -v c0="$c0" -v hz="$(getconf CLK_TCK)" '{print ($14 + $15 + $16 + $17 - c0) / hz}' /proc/$$/stat)
    awk -v n="$N" -v b="$BYTES" -v t0="$t0" -v t1="$t1" -v th="$th" -v c="$c" -v v="$v" 'BEGIN { s = t1 - t0
        printf "%s, plain build, %d thread(s): %.2f s wall, %.2f s CPU, %.0f articles/s, %.1f MB/s\n",
               v, th, s, c, n / s, b / 1e6 / s }'
}

ranks() { # verb reference [options]
    v=$1 ref=$2
    shift 2
    for r in $RANKS; do
        c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
        t0=$(now)
        ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np "$r" "$MPI" "$v" \
            --mpi-stats -q "$@" "$W/corpus.jsonl" -o "$W/mpi$r.jsonl" 2>"$W/mpi$r.err"
        t1=$(now)
        c=$(awk -v c0="$c0" -v hz="$(getconf CLK_TCK)" '{print ($14 + $15 + $16 + $17 - c0) / hz}' /proc/$$/stat)
        same=different
        cmp -s "$ref" "$W/mpi$r.jsonl" && same=identical
        awk -v n="$N" -v b="$BYTES" -v r="$r" -v t0="$t0" -v t1="$t1" -v same="$same" -v v="$v" -v c="$c" 'BEGIN {
            s = t1 - t0; printf "%s, mpirun -np %d: %.2f s wall (with start-up), %.2f s CPU all ranks, %.0f articles/s, %.1f MB/s; output %s to 1 process\n",
                   v, r, s, c, n / s, b / 1e6 / s, same }'
        sed 's/^/    /' "$W/mpi$r.err"
        rm -f "$W/mpi$r.jsonl"
    done
}

# the story / copy_of column of a fold output, one line per article
col() { sed "s/.*\"$2\":\(\"[^\"]*\"\|null\).*/\1/" "$1"; }
# adjusted Rand index of the story partitions of two fold outputs of the same input
ari() {
    col "$1" story >"$W/s1"
    col "$2" story >"$W/s2"
    paste "$W/s1" "$W/s2" | awk -F'\t' '{ n++; a[$1]++; b[$2]++; c[$1 SUBSEP $2]++ }
        END { for (k in c) x += c[k] * (c[k] - 1) / 2
              for (k in a) y += a[k] * (a[k] - 1) / 2
              for (k in b) z += b[k] * (b[k] - 1) / 2
              e = y * z / (n * (n - 1) / 2); d = (y + z) / 2 - e
              printf "%.4f (%d and %d stories)", d ? (x - e) / d : 1, length(a), length(b) }'
}
same_copies() { col "$1" copy_of >"$W/s1"; col "$2" copy_of >"$W/s2"; cmp -s "$W/s1" "$W/s2" && echo identical || echo different; }

for v in $VERBS; do
    case $v in
    dedup)
        plain dedup 1 "$W/one.jsonl"
        plain dedup 2 "$W/two.jsonl"
        rm -f "$W/two.jsonl"
        ranks dedup "$W/one.jsonl" ;;
    fold)
        # both verbs default to --threads 2 on this machine (extraction pipelined with
        # placement: same results); one thread is measured too
        plain fold 2 "$W/fold.jsonl"
        sed 's/^/    /' "$W/plain.err"
        ranks fold "$W/fold.jsonl"
        RANKS=1 ranks fold "$W/fold.jsonl" --threads 1 ;;
    windows)
        plain fold 2 "$W/fold.jsonl"
        # --mpi-windows: not identical to 1 process; how far off (ARI of the story partitions)
        for r in ${BENCH_MPI_WRANKS:-2 4}; do
            t0=$(now)
            ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np "$r" "$MPI" \
                fold --mpi-windows --mpi-stats -q "$W/corpus.jsonl" -o "$W/win$r.jsonl" 2>"$W/win$r.err"
            t1=$(now)
            echo "fold --mpi-windows, mpirun -np $r: $(awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", t1 - t0 }') s wall; ARI against 1 process $(ari "$W/fold.jsonl" "$W/win$r.jsonl"); copy_of $(same_copies "$W/fold.jsonl" "$W/win$r.jsonl")"
            sed 's/^/    /' "$W/win$r.err"
            rm -f "$W/win$r.jsonl"
        done ;;
    esac
done
