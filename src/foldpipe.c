/*
 * foldpipe.c — nf_folder_add_many: fold a batch of articles, optionally with feature extraction
 * pipelined in other threads.
 *
 * Key idea: an article's features (tokens, stems, dictionary ids, document frequencies, tf-idf
 * weights) depend only on the articles before it, never on where they were folded. So with
 * threads = 2 a worker runs stage 1 for the main dictionary (nf_folder_extract) for the
 * articles ahead while the calling thread runs stage 2 (nf_folder_place) for the current one;
 * the lede extraction (nf_folder_extract_lede, a dictionary of its own, strictly in order) is
 * done by whichever of the two claims it: the worker when it is ahead (and always while its
 * ring is full, instead of waiting), else the caller, so the two threads balance themselves. With threads >= 3 the lede extraction gets a worker of its
 * own (three stages on two cores: the scheduler balances them). With threads 2 the worker also
 * copies the main pass's tokens within the lede's bytes and their surface ids into the slot, so
 * the lede extraction, whoever claims it, reuses them (nf_folder_extract_lede_hint: same
 * results, less work); the lede worker of threads >= 3 runs without them. A ring can also carry both
 * feature sets (X_MAIN | X_LEDE). The results are those of the sequential loop by construction: each stage sees the
 * same inputs in the same order.
 *
 * Invariants: while a batch runs, a dictionary is touched by one thread only (its extraction
 * stage) and the stories by the caller only. Stages share only rings of prepared feature
 * vectors, handed over under each ring's mutex: a worker fills slot produced % RING only while
 * produced - consumed < RING; the caller reads slot consumed % RING only while consumed <
 * produced, and releases it after placing. Evidence strings (which read the main dictionary)
 * are filled in after the workers have been joined.
 */
#include "nf_int.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RING 32

typedef struct fvec {      /* one feature set, copied out of the worker's nf_feats */
    nf_tw *term, *ent, *qkey, *ikey;
    uint64_t *quote;
    size_t nterm, nent, nquote, nqkey, nikey, capterm, capent, capquote, capqkey, capikey;
    int haskeys;
} fvec;

typedef struct pslot {
    fvec m, l;             /* main and lede features (those the ring's worker extracts) */
    nf_rc rc;
    size_t art;            /* the article (index in the batch) */
    nf_rc lrc;             /* shared ledes: the lede extraction's result */
    /* shared ledes: the main pass's text tokens within the lede's bytes and their surface ids
     * (nf_folder_extract_lede_hint), copied out of the worker's nf_feats with m */
    nf_token *htok; uint32_t *hsid; size_t hn, caphtok, caphsid;
} pslot;

enum { X_MAIN = 1, X_LEDE = 2 };

/* One extraction stage running in its own thread, ahead of the caller. */
typedef struct pring {
    int what;              /* X_MAIN and / or X_LEDE */
    pslot slot[RING];
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get;
    size_t produced, consumed;
    int stop, put_waits, get_waits, init, started;
    pthread_t th;
    struct pipe_ctx *c;
    double cpu;            /* the worker's thread CPU seconds */
} pring;

typedef struct pipe_ctx {
    nf_folder *f;
    const nf_article *a;
    const int64_t *copy_of;
    size_t n;
    pring full;            /* X_MAIN, with X_LEDE when there is no lede ring */
    pring lede;            /* started only with threads >= 3 */
    /* threads 2: the lede extraction, strictly in order, by whichever thread claims the next
     * one under lmu: the caller when it needs it, the worker when it is ahead of the caller.
     * lede_done counts the extracted ones (written under lmu, read without it) */
    int share, lmu_init;
    pthread_mutex_t lmu;
    _Atomic size_t lede_done;
} pipe_ctx;

static nf_rc fvec_fill(fvec *s, const nf_feats *ft)
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
    s->haskeys = 0;
    if (ft->haskeys) {
        if ((rc = nf_grow((void **)&s->qkey, &s->capqkey, ft->nqkey + 1, sizeof *s->qkey)) ||
            (rc = nf_grow((void **)&s->ikey, &s->capikey, ft->nikey + 1, sizeof *s->ikey)))
            return rc;
        if (ft->nqkey)
            memcpy(s->qkey, ft->qkey, ft->nqkey * sizeof *s->qkey);
        if (ft->nikey)
            memcpy(s->ikey, ft->ikey, ft->nikey * sizeof *s->ikey);
        s->nqkey = ft->nqkey;
        s->nikey = ft->nikey;
        s->haskeys = 1;
    }
    return NF_OK;
}

/* The lede hint of article a from the main features ft: the tokens that end within the bytes
 * the lede pass reads (empty when out of memory: the lede pass then works without it). */
static void hint_fill(pslot *s, const nf_feats *ft, const nf_article *a)
{
    size_t ln = nf_folder_lede_len(a), k = 0;
    while (k < ft->tok.ntok && ft->tok.tok[k].end <= ln)
        k++;
    s->hn = 0;
    if (!k || nf_grow((void **)&s->htok, &s->caphtok, k, sizeof *s->htok) ||
        nf_grow((void **)&s->hsid, &s->caphsid, k, sizeof *s->hsid))
        return;
    memcpy(s->htok, ft->tok.tok, k * sizeof *s->htok);
    memcpy(s->hsid, ft->sid, k * sizeof *s->hsid);
    s->hn = k;
}

static void fvec_free(fvec *s)
{
    free(s->term);
    free(s->ent);
    free(s->quote);
    free(s->qkey);
    free(s->ikey);
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Shared ledes: the worker extracts the next lede when its article's slot is produced and not
 * yet placed (lede_done < produced; slots in [consumed, produced) are not released, and
 * lede_done >= consumed) and the caller is not extracting one itself. Returns 1 when it did. */
static int worker_lede(pipe_ctx *c, pring *p, nf_feats *ft, size_t produced)
{
    if (pthread_mutex_trylock(&c->lmu) != 0)
        return 0;
    size_t j = atomic_load_explicit(&c->lede_done, memory_order_relaxed);
    int did = j < produced;
    if (did) {
        pslot *ls = &p->slot[j % RING];
        nf_rc lrc = nf_folder_extract_lede_hint(c->f, &c->a[ls->art], ft, ls->htok, ls->hsid,
                                                ls->hn);
        ls->lrc = lrc ? lrc : fvec_fill(&ls->l, ft);
        atomic_store_explicit(&c->lede_done, j + 1, memory_order_release);
    }
    pthread_mutex_unlock(&c->lmu);
    return did;
}

static void *worker(void *arg)
{
    pring *p = arg;
    pipe_ctx *c = p->c;
    double t0 = thread_cpu();
    nf_feats ft;
    nf_feats_init(&ft);
    for (size_t i = 0; i < c->n; i++) {
        if (c->copy_of && c->copy_of[i] >= 0)
            continue;   /* copies are not extracted */
        pthread_mutex_lock(&p->mu);
        int tried = 0;   /* a lede attempt failed since the last wait */
        while (!p->stop && p->produced - p->consumed >= RING) {
            if (c->share && !tried) {   /* the ring is full: take pending ledes off the caller */
                size_t produced = p->produced;
                pthread_mutex_unlock(&p->mu);
                tried = !worker_lede(c, p, &ft, produced);
                pthread_mutex_lock(&p->mu);
                continue;   /* the caller may have emptied the ring meanwhile: check again */
            }
            p->put_waits = 1;
            pthread_cond_wait(&p->can_put, &p->mu);
            tried = 0;
        }
        int stop = p->stop;
        pslot *s = &p->slot[p->produced % RING];
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        nf_rc rc = NF_OK;
        s->art = i;
        if ((p->what & X_MAIN) && !(rc = nf_folder_extract(c->f, &c->a[i], &ft))) {
            rc = fvec_fill(&s->m, &ft);
            s->hn = 0;
            if (c->share)
                hint_fill(s, &ft, &c->a[i]);
        }
        if (!rc && (p->what & X_LEDE) && !(rc = nf_folder_extract_lede(c->f, &c->a[i], &ft)))
            rc = fvec_fill(&s->l, &ft);
        s->rc = rc;
        pthread_mutex_lock(&p->mu);
        size_t produced = ++p->produced, ahead = produced - p->consumed;
        if (p->get_waits) {
            p->get_waits = 0;
            pthread_cond_signal(&p->can_get);
        }
        pthread_mutex_unlock(&p->mu);
        if (s->rc)
            break;   /* the caller stops at this slot */
        /* ahead of the caller: take the next lede off its hands (slots in [consumed,
         * produced) are the worker's to fill and not yet read; lede_done >= consumed) */
        if (c->share && ahead >= 16)
            worker_lede(c, p, &ft, produced);
    }
    nf_feats_reset(&ft);
    p->cpu = thread_cpu() - t0;   /* read by the caller after pthread_join */
    return NULL;
}

/* The next slot of p (waits for the worker); hand it back with ring_release. */
static pslot *ring_get(pring *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->consumed == p->produced) {
        p->get_waits = 1;
        pthread_cond_wait(&p->can_get, &p->mu);
    }
    pslot *s = &p->slot[p->consumed % RING];
    pthread_mutex_unlock(&p->mu);
    return s;
}

static void ring_release(pring *p)
{
    pthread_mutex_lock(&p->mu);
    p->consumed++;
    if (p->put_waits) {
        p->put_waits = 0;
        pthread_cond_signal(&p->can_put);
    }
    pthread_mutex_unlock(&p->mu);
}

static void view_of(nf_feats *v, const fvec *s)
{
    v->term = s->term, v->nterm = s->nterm;
    v->ent = s->ent, v->nent = s->nent;
    v->quote = s->quote, v->nquote = s->nquote;
    v->qkey = s->qkey, v->nqkey = s->nqkey;
    v->ikey = s->ikey, v->nikey = s->nikey;
    v->haskeys = s->haskeys;
}

/* The caller's side: placement, article by article. */
static nf_rc consume(pipe_ctx *c, nf_fold_result *r, nf_fold_ev *ev, size_t *done)
{
    nf_feats view, lview, lf;
    memset(&view, 0, sizeof view);
    memset(&lview, 0, sizeof lview);
    nf_feats_init(&lf);
    int own_lede = !(c->full.what & X_LEDE) && !c->lede.started && !c->share;
    nf_fold_result tmp;
    nf_fold_ev evtmp;   /* r NULL: evidence ids land here and are never resolved (resolving
                         * reads the dictionary, which the worker may be growing) */
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
        pslot *s = ring_get(&c->full), *ls = s;
        if ((rc = s->rc))
            break;
        if (c->lede.started && (rc = (ls = ring_get(&c->lede))->rc))
            break;
        int mine = own_lede;
        if (c->share) {   /* this article's lede: extracted by the worker, or here */
            size_t k = c->full.consumed;   /* this slot's sequence number (ours to read) */
            if (atomic_load_explicit(&c->lede_done, memory_order_acquire) <= k) {
                pthread_mutex_lock(&c->lmu);
                if (atomic_load_explicit(&c->lede_done, memory_order_relaxed) <= k) {
                    mine = 1;
                    rc = nf_folder_extract_lede_hint(c->f, a, &lf, s->htok, s->hsid, s->hn);
                    atomic_store_explicit(&c->lede_done, k + 1, memory_order_release);
                }
                pthread_mutex_unlock(&c->lmu);
            }
            if (!rc && !mine)
                rc = s->lrc;
            if (rc)
                break;
        } else if (own_lede && (rc = nf_folder_extract_lede(c->f, a, &lf))) {
            break;
        }
        view_of(&view, &s->m);
        if (!mine)
            view_of(&lview, &ls->l);
        rc = nf_folder_place(c->f, a, -1, &view, mine ? &lf : &lview, ri,
                             ev ? &ev[i] : &evtmp);
        ring_release(&c->full);
        if (ls != s)
            ring_release(&c->lede);
        if (rc)
            break;
    }
    *done = i;
    nf_feats_reset(&lf);
    return rc;
}

static int ring_start(pring *p, pipe_ctx *c, int what)
{
    p->c = c;
    p->what = what;
    if (pthread_mutex_init(&p->mu, NULL))
        return -1;
    if (pthread_cond_init(&p->can_put, NULL)) {
        pthread_mutex_destroy(&p->mu);
        return -1;
    }
    if (pthread_cond_init(&p->can_get, NULL)) {
        pthread_cond_destroy(&p->can_put);
        pthread_mutex_destroy(&p->mu);
        return -1;
    }
    p->init = 1;
    p->started = pthread_create(&p->th, NULL, worker, p) == 0;
    return p->started ? 0 : -1;
}

static void ring_stop(pring *p)
{
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->can_put);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    if (p->init) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->can_put);
        pthread_cond_destroy(&p->can_get);
    }
    for (size_t i = 0; i < RING; i++) {
        fvec_free(&p->slot[i].m);
        fvec_free(&p->slot[i].l);
        free(p->slot[i].htok);
        free(p->slot[i].hsid);
    }
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
    uint32_t threads = nf_folder_opts(f)->threads;
    if (threads == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        threads = ncpu > 1 ? 2 : 1;   /* two threads sharing the lede extraction */
    }
    if (threads < 2 || nok < 2) {
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
    atomic_init(&c->lede_done, 0);
    if (threads == 2 && pthread_mutex_init(&c->lmu, NULL) == 0)
        c->share = c->lmu_init = 1;   /* else the caller extracts every lede itself */
    if (ring_start(&c->full, c, X_MAIN) ||
        (threads >= 3 && ring_start(&c->lede, c, X_LEDE))) {
        rc = NF_ENOMEM;
    } else {
        double t0 = thread_cpu();
        rc = consume(c, r, ev, &k);
        nf_folder_stage_cpu(f)[2] += thread_cpu() - t0;
    }
    ring_stop(&c->full);
    ring_stop(&c->lede);
    if (c->lmu_init)
        pthread_mutex_destroy(&c->lmu);
    nf_folder_stage_cpu(f)[0] += c->full.cpu;
    nf_folder_stage_cpu(f)[1] += c->lede.cpu;
    /* the workers are gone: the dictionary can be read */
    for (size_t i = 0; r && i < k; i++)
        if (r[i].joined && !r[i].copy)
            nf_folder_evidence(f, &ev[i], &r[i]);
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
