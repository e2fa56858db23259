/*
 * fold_rec.c — the per-article record of the distributed fold: computed on the article's rank,
 * folded on rank 0.
 *
 * Key idea: split each article's work in two at the point where shared state begins. What
 * needs only the article runs where the article was read, on all ranks at once: the copy
 * sketch (nf_sketch_text with the options of the online nf_dedup that cli_fold_articles
 * uses). What needs the stream — the copy lookup against every earlier article, the
 * dictionary and document frequencies, the stories — runs on rank 0, in arrival order, with the
 * library's own calls (nf_dedup_add_sketch, nf_folder_add), so every decision is the one the
 * 1-process run makes.
 *
 * Record (8-byte aligned): [nf_sketch, bins x u16 signature, padded to 8] when copies are looked
 * for; u32 title bytes + 1 (0: no title), u32 0, u64 text bytes; title with its NUL, text with
 * its NUL.
 *
 * Invariants: decoding reproduces the title, text and time the 1-process folder sees, and the
 * sketch nf_dedup_add would compute from that text.
 */
#include "fold_rec.h"
#include <stdlib.h>
#include <string.h>

static size_t sig_bytes(uint32_t bins) { return ((size_t)bins * 2 + 7) & ~(size_t)7; }

static nf_rc dedup_bins(uint32_t *bins, nf_dedup_opts *out)
{
    nf_dedup *d = NULL;
    nf_rc rc = nf_dedup_new(&d, NULL);   /* the options cli_fold_articles uses */
    if (rc)
        return rc;
    nf_dedup_get_opts(d, out);
    nf_dedup_free(d);
    *bins = out->sketch.bins;
    return NF_OK;
}

nf_rc nfm_fold_tx_init(nfm_fold_tx *tx, const nf_fold_opts *o, int dedup)
{
    nf_article *keep = tx->arts;
    memset(tx, 0, sizeof *tx);
    tx->arts = keep;
    tx->o = *o;
    tx->dedup = dedup;
    if (!dedup)
        return NF_OK;
    nf_dedup_opts dopts;
    nf_rc rc = dedup_bins(&tx->bins, &dopts);
    if (rc || (rc = nf_sketcher_new(&tx->sk, &dopts.sketch)))
        return rc;
    tx->sig = malloc(sig_bytes(tx->bins));
    return tx->sig ? NF_OK : NF_ENOMEM;
}

void nfm_fold_tx_free(nfm_fold_tx *tx)
{
    nf_sketcher_free(tx->sk);
    free(tx->sig);
    tx->sk = NULL;
    tx->sig = NULL;
}

nf_rc nfm_fold_tx_encode(nfm_fold_tx *tx, const nf_article *a, nf_buf *out)
{
    nf_rc rc;
    size_t before = out->n;
    if (tx->dedup) {
        nf_sketch info;
        memset(tx->sig, 0, sig_bytes(tx->bins));
        if ((rc = nf_sketch_text(tx->sk, a->text, a->text_len, &info, tx->sig)) ||
            (rc = nf_buf_append(out, &info, sizeof info)) ||
            (rc = nf_buf_append(out, tx->sig, sig_bytes(tx->bins))))
            return rc;
    }
    if (tx->no_text) {
        tx->bytes += out->n - before;
        tx->recs++;
        return NF_OK;
    }
    size_t tl = a->title ? strlen(a->title) + 1 : 0;
    if (tl > UINT32_MAX)
        return NF_ETOOBIG;
    uint32_t h[2] = {(uint32_t)tl, 0};
    uint64_t n = a->text_len;
    if ((rc = nf_buf_append(out, h, sizeof h)) || (rc = nf_buf_append(out, &n, sizeof n)) ||
        (tl && (rc = nf_buf_append(out, a->title, tl))) ||
        (rc = nf_buf_append(out, a->text ? a->text : "", a->text_len)) ||
        (rc = nf_buf_putc(out, 0)))
        return rc;
    tx->bytes += out->n - before;
    tx->recs++;
    return NF_OK;
}

nf_rc nfm_fold_rx_init(nfm_fold_rx *rx, const nf_fold_opts *o, int dedup, size_t window,
                       nf_fold_result *res)
{
    memset(rx, 0, sizeof *rx);
    nf_buf_init(&rx->text, 0);
    rx->window = window ? window : 1;
    rx->res = res;
    rx->a = calloc(rx->window, sizeof *rx->a);
    rx->copy_of = calloc(rx->window, sizeof *rx->copy_of);
    rx->gid = calloc(rx->window, sizeof *rx->gid);
    rx->tlen = calloc(rx->window, sizeof *rx->tlen);
    /* always results: nf_folder_add_many with r == NULL lets nf_folder_place read the main
     * dictionary for evidence while the extraction thread grows it (a race in foldpipe.c) */
    rx->r = calloc(rx->window, sizeof *rx->r);
    if (!rx->a || !rx->copy_of || !rx->gid || !rx->tlen || !rx->r)
        return NF_ENOMEM;
    nf_rc rc = nf_folder_new(&rx->f, o);
    if (rc || !dedup)
        return rc;
    nf_dedup_opts dopts;
    if ((rc = dedup_bins(&rx->bins, &dopts)))
        return rc;
    return nf_dedup_new(&rx->dd, NULL);
}

void nfm_fold_rx_free(nfm_fold_rx *rx)
{
    nf_folder_free(rx->f);
    nf_dedup_free(rx->dd);
    free(rx->a);
    free(rx->copy_of);
    free(rx->gid);
    free(rx->tlen);
    free(rx->r);
    nf_buf_reset(&rx->text);
    memset(rx, 0, sizeof *rx);
}

nf_rc nfm_fold_rx_flush(nfm_fold_rx *rx)
{
    if (!rx->n)
        return NF_OK;
    /* the window's strings are in rx->text, which no longer grows: point into it */
    size_t at = 0;
    for (size_t i = 0; i < rx->n; i++) {
        nf_article *a = &rx->a[i];
        size_t tl = rx->tlen[i];
        a->title = tl ? rx->text.p + at : NULL;
        at += tl;
        a->text = rx->text.p + at;
        at += a->text_len + 1;
    }
    nf_rc rc = nf_folder_add_many(rx->f, rx->a, rx->n, rx->copy_of, rx->r, NULL);
    for (size_t i = 0; !rc && rx->res && i < rx->n; i++)
        rx->res[rx->gid[i]] = rx->r[i];
    rx->n = 0;
    rx->text.n = 0;
    return rc;
}

nf_rc nfm_fold_rx_add(nfm_fold_rx *rx, int64_t time, uint64_t gid, const char *p, size_t n,
                      int64_t *copy_of)
{
    const char *end = p + n;
    nf_copy cp = {.copy_of = -1};
    nf_rc rc;
    if (rx->dd) {
        nf_sketch info;
        size_t sb = sig_bytes(rx->bins);
        if ((size_t)(end - p) < sizeof info + sb)
            return NF_EINVAL;
        memcpy(&info, p, sizeof info);
        if ((rc = nf_dedup_add_sketch(rx->dd, &info, (const uint16_t *)(p + sizeof info), &cp)))
            return rc;
        p += sizeof info + sb;
    }
    *copy_of = cp.copy_of;
    if (rx->no_fold)
        return NF_OK;
    uint32_t h[2];
    uint64_t tn;
    if ((size_t)(end - p) < sizeof h + sizeof tn)
        return NF_EINVAL;
    memcpy(h, p, sizeof h);
    memcpy(&tn, p + sizeof h, sizeof tn);
    p += sizeof h + sizeof tn;
    if ((uint64_t)(end - p) < (uint64_t)h[0] + tn + 1)
        return NF_EINVAL;
    /* title and text (with their NULs) go to the window's arena; pointers are set at flush */
    if ((rc = nf_buf_append(&rx->text, p, (size_t)h[0] + (size_t)tn + 1)))
        return rc;
    nf_article *a = &rx->a[rx->n];
    memset(a, 0, sizeof *a);
    rx->tlen[rx->n] = h[0];
    a->text_len = (size_t)tn;
    a->time = time;
    rx->copy_of[rx->n] = cp.copy_of;
    rx->gid[rx->n] = gid;
    rx->n++;
    *copy_of = cp.copy_of;
    return rx->n == rx->window ? nfm_fold_rx_flush(rx) : NF_OK;
}
