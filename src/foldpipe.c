/*
 * foldpipe.c — nf_folder_add_many: fold a batch of articles, optionally with feature extraction
 * pipelined in a second thread.
 *
 * Key idea: an article's full features (tokens, stems, dictionary ids, document frequencies,
 * tf-idf weights) depend only on the articles before it, never on where they were folded. So a
 * worker thread runs stage 1 (nf_folder_extract, the main dictionary) for the articles ahead
 * while the calling thread runs the lede extraction (its own dictionary) and stage 2
 * (nf_folder_place) for the current one. The results are those of the sequential loop by
 * construction: each stage sees the same inputs in the same order.
 *
 * Invariants: the worker alone touches the main dictionary while the batch runs; the caller
 * alone touches the lede dictionary and the stories. They share only the ring of prepared
 * feature vectors (ring slots are handed over under the mutex: the worker fills slot
 * produced % RING only while produced - consumed < RING; the caller reads slot consumed % RING
 * only while consumed < produced). Evidence strings (which read the main dictionary) are filled
 * in after the worker has been joined.
 */
#include "nf_int.h"
#include <pthread.h>
#include <stdlib.h>

#define RING 32

typedef struct pslot {
    nf_tw *term, *ent;
    uint64_t *quote;
    size_t nterm, nent, nquote, capterm, capent, capquote;
    nf_rc rc;
} pslot;

typedef struct pipe_ctx {
    nf_folder *f;
    const nf_article *a;
    const int64_t *copy_of;
    size_t n;
    pslot ring[RING];
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get;
    size_t produced, consumed;
    int stop, put_waits, get_waits;
} pipe_ctx;

static nf_rc slot_fill(pslot *s, const nf_feats *ft)
{
    nf_rc rc;
    if ((rc = nf_grow((void **)&s->term, &s->capterm, ft->nterm + 1, sizeof *s->term)) ||
        (rc = nf_grow((void **)&s->ent, &s->capent, ft->nent + 1, sizeof *s->ent)) ||
        (rc = nf_grow((void **)&s->quote, &s->capquote, ft->nquote + 1, sizeof *s->quote)))
        return rc;
    if (ft->nterm)
        memcpy(s->term, ft->term, ft->nterm * sizeof *s->term);
    if (ft->nent)
        memcpy(s->ent, ft->ent, ft->nent * sizeof *s->ent);
    if (ft->nquote)
        memcpy(s->quote, ft->quote, ft->nquote * sizeof *s->quote);
    s->nterm = ft->nterm;
    s->nent = ft->nent;
    s->nquote = ft->nquote;
    return NF_OK;
}

static void *worker(void *arg)
{
    pipe_ctx *c = arg;
    nf_feats ft;
    nf_feats_init(&ft);
    for (size_t i = 0; i < c->n; i++) {
        if (c->copy_of && c->copy_of[i] >= 0)
            continue;   /* copies are not extracted */
        pthread_mutex_lock(&c->mu);
        while (!c->stop && c->produced - c->consumed >= RING) {
            c->put_waits = 1;
            pthread_cond_wait(&c->can_put, &c->mu);
        }
        int stop = c->stop;
        pslot *s = &c->ring[c->produced % RING];
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        nf_rc rc = nf_folder_extract(c->f, &c->a[i], &ft);
        s->rc = rc ? rc : slot_fill(s, &ft);
        pthread_mutex_lock(&c->mu);
        c->produced++;
        if (c->get_waits) {
            c->get_waits = 0;
            pthread_cond_signal(&c->can_get);
        }
        pthread_mutex_unlock(&c->mu);
        if (s->rc)
            break;   /* the caller stops at this slot */
    }
    nf_feats_reset(&ft);
    return NULL;
}

/* The caller's side: lede features and placement, article by article. */
static nf_rc consume(pipe_ctx *c, nf_fold_result *r, nf_fold_ev *ev, size_t *done)
{
    nf_feats lf, view;
    nf_feats_init(&lf);
    memset(&view, 0, sizeof view);
    nf_fold_result tmp;
    nf_rc rc = NF_OK;
    size_t i = 0;
    for (; i < c->n; i++) {
        const nf_article *a = &c->a[i];
        int64_t cp = c->copy_of ? c->copy_of[i] : -1;
        nf_fold_result *ri = r ? &r[i] : &tmp;
        if (cp >= 0) {
            if ((rc = nf_folder_place(c->f, a, cp, NULL, NULL, ri, NULL)))
                break;
            continue;
        }
        if (!a->text) {   /* as nf_folder_add: checked before any extraction */
            rc = NF_EINVAL;
            break;
        }
        pthread_mutex_lock(&c->mu);
        while (c->consumed == c->produced) {
            c->get_waits = 1;
            pthread_cond_wait(&c->can_get, &c->mu);
        }
        pslot *s = &c->ring[c->consumed % RING];
        pthread_mutex_unlock(&c->mu);
        if ((rc = s->rc) || (rc = nf_folder_extract_lede(c->f, a, &lf)))
            break;
        view.term = s->term, view.nterm = s->nterm;
        view.ent = s->ent, view.nent = s->nent;
        view.quote = s->quote, view.nquote = s->nquote;
        rc = nf_folder_place(c->f, a, -1, &view, &lf, ri, ev ? &ev[i] : NULL);
        pthread_mutex_lock(&c->mu);
        c->consumed++;
        if (c->put_waits) {
            c->put_waits = 0;
            pthread_cond_signal(&c->can_put);
        }
        pthread_mutex_unlock(&c->mu);
        if (rc)
            break;
    }
    *done = i;
    nf_feats_reset(&lf);
    return rc;
}

nf_rc nf_folder_add_many(nf_folder *f, const nf_article *a, size_t n, const int64_t *copy_of,
                         nf_fold_result *r, size_t *done)
{
    size_t k = 0;
    nf_rc rc = NF_OK;
    if (done)
        *done = 0;
    if (!f || (n && !a))
        return NF_EINVAL;
    /* a text-less article or a bad copy_of fails in nf_folder_place / above, in order; the
     * worker must not extract an article with no text */
    size_t nok = n;
    for (size_t i = 0; i < n; i++)
        if (!a[i].text && !(copy_of && copy_of[i] >= 0)) {
            nok = i;
            break;
        }
    if (nf_folder_opts(f)->threads < 2 || nok < 2) {
        for (; k < n; k++)
            if ((rc = nf_folder_add(f, &a[k], copy_of ? copy_of[k] : -1, r ? &r[k] : NULL)))
                break;
        if (done)
            *done = k;
        return rc;
    }
    pipe_ctx *c = calloc(1, sizeof *c);
    nf_fold_ev *ev = r ? malloc(n * sizeof *ev) : NULL;
    if (!c || (r && !ev)) {
        free(c);
        free(ev);
        return NF_ENOMEM;
    }
    c->f = f, c->a = a, c->copy_of = copy_of, c->n = nok;
    pthread_t th;
    int mu = pthread_mutex_init(&c->mu, NULL) == 0;
    int cv1 = pthread_cond_init(&c->can_put, NULL) == 0;
    int cv2 = pthread_cond_init(&c->can_get, NULL) == 0;
    if (!mu || !cv1 || !cv2 || pthread_create(&th, NULL, worker, c)) {
        rc = NF_ENOMEM;
    } else {
        rc = consume(c, r, ev, &k);
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        pthread_cond_signal(&c->can_put);
        pthread_mutex_unlock(&c->mu);
        pthread_join(th, NULL);
        /* the worker is gone: the dictionary can be read */
        for (size_t i = 0; r && i < k; i++)
            if (r[i].joined && !r[i].copy)
                nf_folder_evidence(f, &ev[i], &r[i]);
    }
    if (mu)
        pthread_mutex_destroy(&c->mu);
    if (cv1)
        pthread_cond_destroy(&c->can_put);
    if (cv2)
        pthread_cond_destroy(&c->can_get);
    for (size_t i = 0; i < RING; i++) {
        free(c->ring[i].term);
        free(c->ring[i].ent);
        free(c->ring[i].quote);
    }
    free(c);
    free(ev);
    if (!rc && nok < n) {   /* the rest (from the text-less article on) one by one */
        for (; k < n; k++)
            if ((rc = nf_folder_add(f, &a[k], copy_of ? copy_of[k] : -1, r ? &r[k] : NULL)))
                break;
    }
    if (done)
        *done = k;
    return rc;
}
