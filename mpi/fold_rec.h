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

/* Rank 0: the folder and the online copy detection, fed records in arrival order. */
typedef struct nfm_fold_rx {
    nf_folder *f;
    nf_dedup *dd;
    uint32_t bins;
} nfm_fold_rx;
nf_rc nfm_fold_rx_init(nfm_fold_rx *rx, const nf_fold_opts *o, int dedup);
void  nfm_fold_rx_free(nfm_fold_rx *rx);
/* Fold the article of record p[0..n) published at time: the same library calls, with the same
 * results, as cli_fold_articles makes for the article. *copy_of: arrival index of the original
 * or -1. */
nf_rc nfm_fold_rx_add(nfm_fold_rx *rx, int64_t time, const char *p, size_t n, int64_t *copy_of,
                      nf_fold_result *r);
#endif
