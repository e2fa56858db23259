/*
 * fold_rec.h — the per-article record of the distributed fold (fold_rec.c): what a rank
 * computes for each of its articles (tx) and how rank 0 folds it (rx).
 */
#ifndef NFM_FOLD_REC_H
#define NFM_FOLD_REC_H
#include "nf_mpi.h"

/* Sender side: one per rank. */
typedef struct nfm_fold_tx {
    nf_article *arts;          /* the rank's articles (set by the caller) */
    int dedup;
    int no_text;               /* records carry the sketch only (fold --windows) */
    uint32_t bins;
    nf_sketcher *sk;
    uint16_t *sig;
    nf_fold_opts o;
    uint64_t bytes, recs;      /* encoded payload bytes and records */
} nfm_fold_tx;
nf_rc nfm_fold_tx_init(nfm_fold_tx *tx, const nf_fold_opts *o, int dedup);
void  nfm_fold_tx_free(nfm_fold_tx *tx);
/* Append the record of a to out (the parallel, per-article work). */
nf_rc nfm_fold_tx_encode(nfm_fold_tx *tx, const nf_article *a, nf_buf *out);

/* Rank 0: the folder and the online copy detection, fed records in arrival order. Copies are
 * looked up at once (the dedup state depends only on earlier sketches); articles are folded
 * in windows of up to `window` with nf_folder_add_many, whose second thread (opts.threads >= 2)
 * extracts the next articles' features while this one places the current ones. */
typedef struct nfm_fold_rx {
    nf_folder *f;
    nf_dedup *dd;
    uint32_t bins;
    size_t window;
    nf_article *a;             /* the window: articles whose title and text point into text */
    int64_t *copy_of;
    uint64_t *gid;
    uint32_t *tlen;            /* title bytes + 1 (0: no title) of each window article */
    nf_fold_result *r;
    size_t n;
    nf_buf text;
    nf_fold_result *res;       /* results by gid (NULL: not kept) */
    int no_fold;               /* copy lookup only (records without text) */
} nfm_fold_rx;
nf_rc nfm_fold_rx_init(nfm_fold_rx *rx, const nf_fold_opts *o, int dedup, size_t window,
                       nf_fold_result *res);
void  nfm_fold_rx_free(nfm_fold_rx *rx);
/* Take the next article in arrival order (record p[0..n), published at time, global id gid);
 * *copy_of: arrival index of its original or -1. Its story is settled by the next flush. */
nf_rc nfm_fold_rx_add(nfm_fold_rx *rx, int64_t time, uint64_t gid, const char *p, size_t n,
                      int64_t *copy_of);
/* Fold the articles taken so far (the window). The same results as cli_fold_articles's
 * nf_folder_add calls, article by article. */
nf_rc nfm_fold_rx_flush(nfm_fold_rx *rx);
/* fold --windows B (fold_win.c): the blocks of src/foldwin.c folded on the ranks, rank 0
 * plans them and joins the borders. Collective. On rank 0, agid, acopy, atime give every arrival
 * position's gid, original (arrival position, UINT64_MAX: none) and date, and all (2 x total)
 * receives each gid's (story gid, copy_of gid or UINT64_MAX). */
typedef struct nfm_win_stats {
    uint64_t blocks;          /* blocks of the plan (rank 0) */
    uint64_t nblocks;         /* blocks this rank folded */
    uint64_t warmup;          /* warm-up articles folded (rank 0) */
    uint64_t unions;          /* stories joined across borders (rank 0) */
    uint64_t stories;         /* final stories (rank 0) */
    uint64_t merges;          /* refinement merges, all ranks */
    double fold_secs;         /* this rank's folding */
} nfm_win_stats;
nf_rc nfm_fold_windows(nfm *m, const nfm_ids *ids, const nf_article *arts,
                       const nf_fold_opts *o, int refine, double block_days,
                       const uint64_t *agid, const uint64_t *acopy, const int64_t *atime,
                       uint64_t *all, nfm_win_stats *st);
#endif
