#!/bin/sh
# bench_mpi.sh — `newsfold dedup` and `newsfold fold` under MPI: throughput for N = 1, 2, 4
# ranks against the plain build, bytes exchanged per article, per-phase wall and CPU time per
# rank (the inputs of the cost model in docs/mpi.md). Prints figures; never a test. Every N-rank
# output is checked byte for byte against the 1-process output.
#
#   make all mpi build/bench/bench_dedup && sh bench/bench_mpi.sh      (BENCH_MPI_N=100000)
#   BENCH_MPI_VERBS="fold" sh bench/bench_mpi.sh   (one verb only: the exact fold and
#                      fold --windows B, plain --threads 1/2 and -np 1 2 4; B = BENCH_MPI_B, 90)
#   BENCH_MPI_VERBS="windows" sh bench/bench_mpi.sh   (quality of fold --windows B against the
#                      exact fold for B in BENCH_MPI_BLOCKS: ARI on the generated corpus and on
#                      the evaluation files dated per gold story, where ARI against gold too)
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
col() { sed "s/.*\"$2\": *\(\"[^\"]*\"\|null\).*/\1/" "$1"; }
# adjusted Rand index of two partitions: tab-separated label pairs, one line per item
ari_tsv() {
    awk -F'\t' '{ n++; a[$1]++; b[$2]++; c[$1 SUBSEP $2]++ }
        END { for (k in c) x += c[k] * (c[k] - 1) / 2
              for (k in a) y += a[k] * (a[k] - 1) / 2
              for (k in b) z += b[k] * (b[k] - 1) / 2
              e = y * z / (n * (n - 1) / 2); d = (y + z) / 2 - e
              printf "%.4f (%d and %d stories)", d ? (x - e) / d : 1, length(a), length(b) }' "$1"
}
# ... of the story partitions of two fold outputs of the same input
ari() {
    col "$1" story >"$W/s1"
    col "$2" story >"$W/s2"
    paste "$W/s1" "$W/s2" >"$W/s12"
    ari_tsv "$W/s12"
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
        B=${BENCH_MPI_B:-90}
        plain fold 2 "$W/fold.jsonl"
        sed 's/^/    /' "$W/plain.err"
        ranks fold "$W/fold.jsonl"
        RANKS=1 ranks fold "$W/fold.jsonl" --threads 1
        # the windowed fold: plain on 1 and 2 threads (blocks in parallel), then on ranks (each
        # rank's folders with --threads 1, the ranks being the parallelism); every output is
        # compared with the 1-thread plain one
        plain fold 1 "$W/win.jsonl" --windows "$B"
        sed 's/^/    /' "$W/plain.err"
        echo "    fold --windows $B: ARI against the exact fold $(ari "$W/fold.jsonl" "$W/win.jsonl"); copy_of $(same_copies "$W/fold.jsonl" "$W/win.jsonl")"
        plain fold 2 "$W/win2.jsonl" --windows "$B"
        sed 's/^/    /' "$W/plain.err"
        echo "    --threads 2 output $(cmp -s "$W/win.jsonl" "$W/win2.jsonl" && echo identical || echo DIFFERENT) to --threads 1"
        rm -f "$W/win2.jsonl"
        ranks fold "$W/win.jsonl" --windows "$B" --threads 1 ;;
    windows)
        plain fold 2 "$W/fold.jsonl"
        sed 's/^/    /' "$W/plain.err"
        for B in ${BENCH_MPI_BLOCKS:-30 90 180}; do
            plain fold 2 "$W/win.jsonl" --windows "$B"
            sed 's/^/    /' "$W/plain.err"
            echo "    fold --windows $B: ARI against the exact fold $(ari "$W/fold.jsonl" "$W/win.jsonl"); copy_of $(same_copies "$W/fold.jsonl" "$W/win.jsonl")"
        done
        # the evaluation files with dates: each gold story starts on a day of its own within
        # SPAN days (seeded), its articles within 10 days of that; gold labels kept by line
        for SPAN in 365 120; do
            for seed in 1 2 3; do
                cat "$SHARED"/data/*.jsonl | awk -v seed="$seed" -v span="$SPAN" 'BEGIN { srand(seed)
                    split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ") }
                    { match($0, /"story": "[^"]*"/); s = substr($0, RSTART, RLENGTH)
                      if (!(s in st)) st[s] = int(rand() * span)
                      d = st[s] + int(rand() * 11); y = 2023 + int(d / 365); d %= 365
                      for (m = 1; d >= ml[m]; m++) d -= ml[m]
                      x = $0; sub(/"date": null/, sprintf("\"date\": \"%d-%02d-%02d\"", y, m, d + 1), x)
                      print x }' >"$W/dated.jsonl"
                col "$W/dated.jsonl" story >"$W/gold"
                "$NF" fold "$W/dated.jsonl" >"$W/dx.jsonl" 2>/dev/null
                col "$W/dx.jsonl" story | paste "$W/gold" - >"$W/gx"
                line="dated evaluation files (span $SPAN days, seed $seed): exact fold ARI against gold $(ari_tsv "$W/gx")"
                for B in ${BENCH_MPI_BLOCKS:-30 90 180}; do
                    "$NF" fold --windows "$B" "$W/dated.jsonl" >"$W/dw.jsonl" 2>"$W/dw.err"
                    col "$W/dw.jsonl" story | paste "$W/gold" - >"$W/gw"
                    line="$line; B=$B: $(sed -n 's/^fold --windows [0-9.]*: \([0-9]*\) blocks.*/\1 blocks/p' "$W/dw.err"), ARI against exact $(ari "$W/dx.jsonl" "$W/dw.jsonl"), against gold $(ari_tsv "$W/gw")"
                done
                echo "$line"
            done
        done ;;
    esac
done
echo "load at the end: $(cut -d" " -f1-3 /proc/loadavg) (2 cores shared with other sessions: CPU seconds are the figure to trust)"
