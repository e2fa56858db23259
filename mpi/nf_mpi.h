/*
 * nf_mpi.h — the MPI layer of newsfold (issue 8), compiled only by `make mpi` (mpicc -DNF_MPI).
 *
 * Key idea: every rank owns one contiguous block of the global article order. Input is cut into
 * byte ranges of the concatenated inputs (whole files, or line-aligned ranges of large JSONL
 * files), so rank r's articles are exactly the 1-process articles base_r .. base_r + n_r - 1, and
 * a global doc id (gid) is the 1-process article index. Everything that can make a result depend
 * on N — grouping, candidate order, cluster representatives, output order — is expressed in gids.
 *
 * Invariants: every MPI call is checked (MPI_ERRORS_RETURN on the communicator); an MPI failure
 * aborts the whole job with a message naming the rank and the call; a rank-local failure is
 * agreed on collectively (nfm_all_ok) so every rank leaves the same way; output appears under its
 * final name only after every rank has succeeded.
 */
#ifndef NF_MPI_H
#define NF_MPI_H

#include "nf_int.h"
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

/* ---- communicator, checked calls, statistics (comm.c) ---- */
typedef struct nfm {
    MPI_Comm comm;
    int rank, size;
    uint64_t sent_bytes;      /* payload bytes this rank sent to other ranks (exchanges) */
    uint64_t out_bytes;       /* output bytes sent to rank 0 (stdout only) */
    uint64_t sent_msgs;       /* collective exchanges this rank took part in */
    double t0;
} nfm;

void nfm_init(nfm *m);                 /* after MPI_Init: dup COMM_WORLD, ERRORS_RETURN */
void nfm_check(nfm *m, int err, const char *call, const char *file, int line);
#define NFM(m, call) nfm_check((m), (call), #call, __FILE__, __LINE__)
/* Print "newsfold: rank R of N: <msg>" and abort the whole job (exit status 3). */
_Noreturn void nfm_die(nfm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Collective: 1 when ok is non-zero on every rank. */
int  nfm_all_ok(nfm *m, int ok);
uint64_t nfm_sum_u64(nfm *m, uint64_t v);
uint64_t nfm_max_u64(nfm *m, uint64_t v);
double nfm_max_dbl(nfm *m, double v);
double nfm_min_dbl(nfm *m, double v);
/* Test hook: NF_MPI_FAULT="RANK:STAGE" kills that rank with SIGKILL when it reaches STAGE. */
void nfm_fault(nfm *m, const char *stage);
double nfm_now(void);
void *nfm_xmalloc(nfm *m, size_t n);    /* dies on failure; n == 0 gives a valid pointer */
void *nfm_xrealloc(nfm *m, void *p, size_t n);
/* Index of the first a[i] >= x in sorted a[0..n) (n if none). */
size_t nfm_find_u64(const uint64_t *a, size_t n, uint64_t x);
/* Sort a[0..n) and drop repeats in place; returns the new count. */
size_t nfm_uniq_u64(uint64_t *a, size_t n);

/* Exchange fixed-size records: send[] is grouped by destination rank, scount[d] records for
 * rank d. On return *recv (malloc'd, caller frees) holds the records received, grouped by
 * source rank in rank order, rcount[s] from rank s (rcount may be NULL). Returns the total. */
size_t nfm_alltoallv(nfm *m, const void *send, const size_t *scount, size_t recsize,
                     void **recv, size_t *rcount);
/* Route n records to dest[i] (0 <= dest < size): counting sort by destination, then exchange.
 * Records from one source keep their relative order. */
size_t nfm_route(nfm *m, const void *recs, size_t n, size_t recsize, const int *dest,
                 void **recv, size_t *rcount);

/* ---- global ids: rank r owns gids [base[r], base[r+1]) (ids.c) ---- */
typedef struct nfm_ids {
    uint64_t *base;           /* size + 1 entries */
    uint64_t lo, n, total;    /* this rank's first gid and count; all articles */
} nfm_ids;
void nfm_ids_make(nfm *m, uint64_t nlocal, nfm_ids *ids);
void nfm_ids_free(nfm_ids *ids);
int  nfm_owner(const nfm *m, const nfm_ids *ids, uint64_t gid);

/* Fetch a payload for each of n gids from the rank that owns it. provide(gid, ctx, out) appends
 * the payload of a local gid to out. On return off[i]..off[i+1] are the bytes of gid i in *data
 * (both malloc'd, caller frees). Collective; works in bounded rounds. */
typedef void (*nfm_provide_fn)(uint64_t gid, void *ctx, nf_buf *out);
void nfm_fetch(nfm *m, const nfm_ids *ids, const uint64_t *gids, size_t n,
               nfm_provide_fn provide, void *ctx, size_t **off, char **data);

/* ---- duplicate ids over all ranks (dupid.c) ---- */
/* Collective. where(i, ctx, out) appends "file:line" of local article i. Sets keep[i] = 0 for
 * each later occurrence of an id seen earlier in the global order, reports it on stderr (counted
 * in *shown, printed while *shown < max_errors) and returns how many this rank rejected. */
size_t nfm_dup_ids(nfm *m, char *const *ids, size_t n, nfm_provide_fn where, void *ctx,
                   long max_errors, long *shown, uint8_t *keep);

/* ---- input partitioning (part.c) ---- */
typedef struct nfm_unit {
    char *path;               /* file (directories are expanded in the reader's sorted order) */
    uint64_t size;
    int split;                /* plain JSONL large enough to cut into line-aligned ranges */
} nfm_unit;

typedef struct nfm_piece {
    uint32_t unit;
    int whole;                /* the whole file, read by path */
    uint64_t start, end;      /* byte range, line-aligned (start == 0 or after '\n') */
    uint64_t line0;           /* lines of the file before start (filled by nfm_plan_lines) */
    uint64_t nlines;          /* '\n' in [start, end) plus a last unterminated line */
} nfm_piece;

typedef struct nfm_plan {
    nfm_unit *unit; size_t nunit;
    nfm_piece *piece; size_t npiece;      /* this rank's pieces, in global order */
} nfm_plan;

/* Collective. split_min: JSONL files of at least this many bytes are cut into ranges. */
nf_rc nfm_plan_make(nfm *m, const char *const *paths, size_t npaths, uint64_t split_min,
                    nfm_plan *plan);
void  nfm_plan_free(nfm_plan *plan);
/* Map piece bytes [start, end) read-only (file-backed pages: memory the kernel can drop). */
typedef struct nfm_map {
    void *base;
    size_t len;
    const char *p;
    size_t n;
} nfm_map;
nf_rc nfm_piece_map(const nfm_plan *plan, const nfm_piece *p, nfm_map *out);
void  nfm_piece_unmap(nfm_map *mp);
/* Collective: fill line0 of every local piece (lines of the same file in earlier pieces). */
void  nfm_plan_lines(nfm *m, nfm_plan *plan);

/* ---- connected components by min-label propagation (labels.c) ---- */
typedef struct nfm_edge { uint64_t a, b; } nfm_edge;
/* Label of every local vertex = smallest gid of its component in the graph of all ranks' edges
 * (edges may be held by any rank and name any gids). Returns the number of rounds. */
int nfm_components(nfm *m, const nfm_ids *ids, const nfm_edge *edges, size_t nedges,
                   uint64_t *label);

/* ---- ordered streaming of per-article records to rank 0 (stream.c) ---- */
typedef struct nfm_stream_stats {
    uint64_t bytes;           /* record bytes sent (rank 0: received, its own included) */
    uint64_t batches;
    double wait;              /* seconds waiting: a sender for rank 0, rank 0 for a sender */
} nfm_stream_stats;
/* enc(i, ctx, out) appends the payload of local record i; its status travels with the record. */
typedef nf_rc (*nfm_encode_fn)(size_t i, void *ctx, nf_buf *out);
/* con(key, gid, payload, n, ctx) on rank 0, in ascending (key, gid) over all ranks; the payload
 * is 8-byte aligned and valid only during the call. */
typedef nf_rc (*nfm_consume_fn)(int64_t key, uint64_t gid, const char *p, size_t n, void *ctx);
/* Collective. order: this rank's ids->n local indices sorted by (key[i], i); key indexed by
 * local index. Senders run at most two batches (1 MiB / 1024 records each) ahead of rank 0.
 * Returns on rank 0 the first encoder or consumer error (records after it are drained, not
 * consumed), NF_OK elsewhere. */
nf_rc nfm_stream_ordered(nfm *m, const nfm_ids *ids, const size_t *order, const int64_t *key,
                         nfm_encode_fn enc, void *ectx, nfm_consume_fn con, void *cctx,
                         nfm_stream_stats *st);
/* Wait for req / for every rank without busy-polling (MPI_Test + growing sleeps up to 1 ms):
 * ranks idle while rank 0 folds leave the cores to it. */
void nfm_wait_idle(nfm *m, MPI_Request *req);
void nfm_barrier_idle(nfm *m);

/* ---- output (output.c) ---- */
/* Collective: write every rank's part (n bytes of the spool file part) in rank order to path
 * (or stdout when path is NULL).
 * A file is written as path.incomplete and renamed only when every rank succeeded; an old
 * path is removed first so that a failed run leaves no output that looks complete. */
nf_rc nfm_output_begin(nfm *m, const char *path);
nf_rc nfm_output_write(nfm *m, const char *path, FILE *part, uint64_t n);

/* ---- verbs ---- */
int nfm_dedup(nfm *m, int argc, char **argv);
int nfm_fold(nfm *m, int argc, char **argv);

#endif
