/*
 * foldwin.c — the windowed fold: stories folded per block of time by independent folders,
 * borders reconciled, so the result does not depend on how the blocks are spread over threads
 * or MPI ranks (`newsfold fold --windows B`, `mpirun ... fold --windows B`; docs/mpi.md).
 *
 * Key idea: the online folder (story.c) is sequential, but a dated story stops being a
 * candidate once it has been idle for window_days. So the arrival order (date, then input
 * order; undated first) is cut by TIME into blocks of block_days (counted from the first dated
 * article: block b = floor((t - t_first) / block_days)), and each block is folded by a fresh
 * folder that first folds a warm-up — every undated article (an undated story is a candidate
 * at any date) and the dated articles of the window_days before the block's first article —
 * which rebuilds, from their recent members, the stories still alive at the border. Then
 * reconciliation (nf_foldwin_join): a story whose first article in block b's folder is a
 * warm-up article continues the story that article got in the block that owns it, and the two
 * are joined (union-find over (block, story) pairs, the smaller index as root); stories begun
 * in the block's own articles stay apart. A copy whose original is not in a folder is left out
 * of it and takes its original's final story. A final story is named by its earliest article.
 *
 * Invariants: every step is a function of (articles, copies, options, block_days) only — the
 * blocks, each block's list, each fresh folder's result (the folder's results never depend on
 * its thread count) and the join — so the output is the same whatever folds which block, in
 * which order, on how many threads or ranks. With one block (no dated article, or all dated
 * articles less than block_days after the first) the list is the whole arrival order with no
 * warm-up, and the result is exactly the plain fold's (a story's id is its first article;
 * refinement keeps the smaller first article as the root).
 */
#include "nf_int.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

enum { DAY = 86400 };

nf_rc nf_foldwin_plan(const int64_t *time, size_t n, double block_days, double window_days,
                      nf_foldwin_block **blocks, size_t *nblocks)
{
    *blocks = NULL;
    *nblocks = 0;
    if (!(block_days > 0) || !isfinite(block_days) || block_days * DAY > 9e18)
        return NF_EINVAL;
    int64_t bs = (int64_t)(block_days * DAY);
    if (bs < 1)
        bs = 1;
    size_t u = 0;
    while (u < n && time[u] == NF_NO_TIME)
        u++;
    for (size_t k = u + 1; k < n; k++)
        if (time[k] < time[k - 1])
            return NF_EINVAL;        /* not in arrival order (or an undated one after a dated) */
    if (n == 0)
        return NF_OK;
    /* count, then fill: the first block starts at 0 and holds the undated articles too */
    size_t nb = 1;
    uint64_t cur = 0;
    for (size_t k = u; k < n; k++) {
        uint64_t idx = ((uint64_t)time[k] - (uint64_t)time[u]) / (uint64_t)bs;
        if (k > u && idx != cur)
            nb++;
        cur = idx;
    }
    nf_foldwin_block *b = malloc(nb * sizeof *b);
    if (!b)
        return NF_ENOMEM;
    size_t i = 0;
    b[0] = (nf_foldwin_block){0, 0, 0, n};
    for (size_t k = u; k < n; k++) {
        uint64_t idx = ((uint64_t)time[k] - (uint64_t)time[u]) / (uint64_t)bs;
        if (k > u && idx != cur) {
            b[i].end = k;
            b[++i] = (nf_foldwin_block){u, k, k, n};
        }
        cur = idx;
    }
    /* warm-up of a later block: the dated articles of the window_days before its first */
    double w = window_days > 0 ? window_days * DAY : 0;   /* NaN: no dated warm-up */
    for (size_t j = 1; j < nb; j++) {
        uint64_t s = b[j].start;
        int64_t from;
        if (w >= 4e18 || time[s] < INT64_MIN + (int64_t)w)
            from = INT64_MIN;
        else
            from = time[s] - (int64_t)w;
        uint64_t lo = u, hi = s;     /* first position >= u dated at or after from */
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (time[mid] < from)
                lo = mid + 1;
            else
                hi = mid;
        }
        b[j].warm = w > 0 ? lo : s;
    }
    *blocks = b;
    *nblocks = nb;
    return NF_OK;
}

uint64_t nf_foldwin_list_max(const nf_foldwin_block *b)
{
    return b->pre + (b->end - b->warm);
}

typedef struct sized {
    uint64_t size;
    size_t b;
} sized;

static int cmp_size(const void *x, const void *y)
{
    const sized *p = x, *q = y;
    if (p->size != q->size)
        return p->size > q->size ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

nf_rc nf_foldwin_order(const nf_foldwin_block *blocks, size_t nblocks, size_t *order)
{
    sized *sz = malloc((nblocks + 1) * sizeof *sz);
    if (!sz)
        return NF_ENOMEM;
    for (size_t b = 0; b < nblocks; b++)
        sz[b] = (sized){nf_foldwin_list_max(&blocks[b]), b};
    qsort(sz, nblocks, sizeof *sz, cmp_size);
    for (size_t b = 0; b < nblocks; b++)
        order[b] = sz[b].b;
    free(sz);
    return NF_OK;
}

/* index of the first p[i] >= x in sorted p[0..n) (n if none) */
static size_t lower(const uint64_t *p, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* index of x in sorted p[0..n), or UINT64_MAX */
static uint64_t find_pos(const uint64_t *p, size_t n, uint64_t x)
{
    size_t i = lower(p, n, x);
    return i < n && p[i] == x ? i : UINT64_MAX;
}

size_t nf_foldwin_list(const nf_foldwin_block *b, const int64_t *copy_of, uint64_t *pos,
                       int64_t *cp)
{
    size_t m = 0;
    for (uint64_t r = 0, lm = nf_foldwin_list_max(b); r < lm; r++) {
        uint64_t k = r < b->pre ? r : b->warm + (r - b->pre);
        int64_t c = -1;
        if (copy_of && copy_of[k] >= 0) {
            /* the list is ascending: the original, if folded here, is among pos[0..m) */
            uint64_t j = find_pos(pos, m, (uint64_t)copy_of[k]);
            if (j == UINT64_MAX)
                continue;
            c = (int64_t)j;
        }
        pos[m] = k;
        cp[m++] = c;
    }
    return m;
}

nf_rc nf_foldwin_fold(const nf_article *a, size_t m, const int64_t *cp, const nf_fold_opts *o,
                      int refine, uint64_t *story, uint64_t *merges)
{
    nf_folder *f = NULL;
    uint64_t mg = 0;
    nf_rc rc = nf_folder_new(&f, o);
    if (!rc)
        rc = nf_folder_add_many(f, a, m, cp, NULL, NULL);
    if (!rc && refine)
        rc = nf_folder_refine(f, &mg);
    for (size_t j = 0; !rc && j < m; j++)
        story[j] = nf_folder_story(f, j);
    nf_folder_free(f);
    if (merges)
        *merges = rc ? 0 : mg;
    return rc;
}

nf_rc nf_foldwin_join(const nf_foldwin_block *blocks, size_t nblocks, const size_t *m,
                      const uint64_t *const *pos, const uint64_t *const *story,
                      const int64_t *copy_of, size_t n, uint64_t *final, nf_foldwin_stats *st)
{
    nf_foldwin_stats local = {0};
    if (!st)
        st = &local;
    uint64_t merges = st->merges;
    memset(st, 0, sizeof *st);
    st->merges = merges;
    st->blocks = nblocks;
    size_t tot = 0;
    if ((nblocks ? blocks[nblocks - 1].end : 0) != n)
        return NF_EINVAL;   /* the blocks must cover [0, n) exactly, in order */
    for (size_t b = 0; b < nblocks; b++) {
        if (m[b] > nf_foldwin_list_max(&blocks[b]) || blocks[b].end > n ||
            blocks[b].start != (b ? blocks[b - 1].end : 0) || blocks[b].end < blocks[b].start)
            return NF_EINVAL;
        for (size_t j = 0; j < m[b]; j++)
            if (story[b][j] > j || (j && pos[b][j] <= pos[b][j - 1]))
                return NF_EINVAL;
        tot += m[b];
        st->warmup += nf_foldwin_list_max(&blocks[b]) - (blocks[b].end - blocks[b].start);
    }
    uint64_t *off = malloc((nblocks + 1) * sizeof *off);
    uint64_t *par = malloc((tot + 1) * sizeof *par);
    uint64_t *first = malloc((tot + 1) * sizeof *first);
    nf_rc rc = NF_ENOMEM;
    if (!off || !par || !first)
        goto done;
    off[0] = 0;
    for (size_t b = 0; b < nblocks; b++)
        off[b + 1] = off[b] + m[b];
    for (uint64_t i = 0; i < tot; i++) {
        par[i] = i;
        first[i] = UINT64_MAX;
    }
    /* a story whose first article here is a warm-up article continues that article's story
     * in its own block */
    for (size_t b = 1; b < nblocks; b++) {
        for (size_t j = 0; j < m[b] && pos[b][j] < blocks[b].start; j++) {
            if (story[b][j] != j)
                continue;
            uint64_t k = pos[b][j];
            size_t lo = 0, hi = b;   /* owner: the last block q < b with start <= k */
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (blocks[mid].start <= k)
                    lo = mid;
                else
                    hi = mid;
            }
            uint64_t iq = find_pos(pos[lo], m[lo], k);
            if (iq == UINT64_MAX)
                continue;            /* a copy left out there too (never first of a story) */
            uint64_t x = nf_uf_find64(par, off[b] + j);
            uint64_t y = nf_uf_find64(par, off[lo] + story[lo][iq]);
            if (x != y) {
                par[x > y ? x : y] = x < y ? x : y;
                st->unions++;
            }
        }
    }
    /* final stories, in arrival order: a component is named by its earliest article */
    rc = NF_EINVAL;
    for (size_t b = 0; b < nblocks; b++) {
        size_t j = lower(pos[b], m[b], blocks[b].start);    /* own entries: a suffix */
        for (uint64_t k = blocks[b].start; k < blocks[b].end; k++) {
            if (j < m[b] && pos[b][j] == k) {
                uint64_t x = nf_uf_find64(par, off[b] + story[b][j++]);
                if (first[x] == UINT64_MAX) {
                    first[x] = k;
                    st->stories++;
                }
                final[k] = first[x];
            } else {
                /* left out: a copy whose original is outside this block's folder */
                if (!copy_of || copy_of[k] < 0 || (uint64_t)copy_of[k] >= k)
                    goto done;
                final[k] = final[copy_of[k]];
            }
        }
    }
    rc = NF_OK;
done:
    free(off);
    free(par);
    free(first);
    return rc;
}

/* ---- one process: blocks on threads ---- */

typedef struct wjob {
    const nf_article *a;
    const int64_t *copy_of;
    const nf_foldwin_block *blocks;
    const size_t *order;       /* blocks, largest list first */
    size_t nblocks, next;
    nf_fold_opts o;
    int refine;
    uint64_t **pos, **story;
    size_t *m;
    uint64_t merges;
    nf_rc rc;
    pthread_mutex_t mu;
} wjob;

static nf_rc fold_block(wjob *w, size_t b, uint64_t *merges)
{
    const nf_foldwin_block *bl = &w->blocks[b];
    uint64_t lm = nf_foldwin_list_max(bl);
    uint64_t *pos = malloc((lm + 1) * sizeof *pos), *story = malloc((lm + 1) * sizeof *story);
    int64_t *cp = malloc((lm + 1) * sizeof *cp);
    nf_article *arr = malloc((lm + 1) * sizeof *arr);
    nf_rc rc = NF_ENOMEM;
    if (pos && story && cp && arr) {
        size_t m = nf_foldwin_list(bl, w->copy_of, pos, cp);
        for (size_t j = 0; j < m; j++)
            arr[j] = w->a[pos[j]];     /* shallow: the texts stay the caller's */
        rc = nf_foldwin_fold(arr, m, cp, &w->o, w->refine, story, merges);
        w->m[b] = m;
    }
    free(cp);
    free(arr);
    if (rc) {
        free(pos);
        free(story);
        return rc;
    }
    w->pos[b] = pos;
    w->story[b] = story;
    return NF_OK;
}

static void *worker(void *arg)
{
    wjob *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        size_t i = w->rc ? w->nblocks : w->next++;
        pthread_mutex_unlock(&w->mu);
        if (i >= w->nblocks)
            return NULL;
        uint64_t mg = 0;
        nf_rc rc = fold_block(w, w->order[i], &mg);
        pthread_mutex_lock(&w->mu);
        w->merges += mg;
        if (rc && !w->rc)
            w->rc = rc;
        pthread_mutex_unlock(&w->mu);
    }
}

nf_rc nf_fold_windows(const nf_article *a, size_t n, const int64_t *copy_of,
                      const nf_fold_opts *o, double block_days, int refine, uint64_t *story,
                      nf_foldwin_stats *st)
{
    nf_foldwin_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    nf_fold_opts dflt;
    if (!o) {
        nf_fold_opts_init(&dflt);
        o = &dflt;
    }
    int64_t *t = malloc((n + 1) * sizeof *t);
    if (!t)
        return NF_ENOMEM;
    for (size_t k = 0; k < n; k++)
        t[k] = a[k].time;
    nf_foldwin_block *blocks = NULL;
    size_t nb = 0;
    nf_rc rc = nf_foldwin_plan(t, n, block_days, o->window_days, &blocks, &nb);
    free(t);
    if (rc)
        return rc;
    wjob w = {.a = a, .copy_of = copy_of, .blocks = blocks, .nblocks = nb, .o = *o,
              .refine = refine};
    size_t *order = malloc((nb + 1) * sizeof *order);
    w.pos = calloc(nb + 1, sizeof *w.pos);
    w.story = calloc(nb + 1, sizeof *w.story);
    w.m = calloc(nb + 1, sizeof *w.m);
    rc = NF_ENOMEM;
    if (!order || !w.pos || !w.story || !w.m)
        goto done;
    if ((rc = nf_foldwin_order(blocks, nb, order)))
        goto done;
    rc = NF_ENOMEM;
    w.order = order;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t T = o->threads ? o->threads : ncpu > 1 ? 2 : 1;
    if (T > nb)
        T = nb;
    if (T > 64)
        T = 64;
    rc = NF_OK;
    if (T <= 1) {
        /* one worker: a single block keeps the folder's own pipeline threads */
        for (size_t i = 0; i < nb && !rc; i++) {
            uint64_t mg = 0;
            rc = fold_block(&w, order[i], &mg);
            w.merges += mg;
        }
    } else {
        w.o.threads = 1;        /* the blocks are the parallelism */
        pthread_t th[64];
        size_t started = 0;
        pthread_mutex_init(&w.mu, NULL);
        for (; started < T; started++)
            if (pthread_create(&th[started], NULL, worker, &w))
                break;
        if (started == 0)
            worker(&w);
        for (size_t i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        pthread_mutex_destroy(&w.mu);
        rc = w.rc;
    }
    if (rc)
        goto done;
    st->merges = w.merges;
    rc = nf_foldwin_join(blocks, nb, w.m, (const uint64_t *const *)w.pos,
                         (const uint64_t *const *)w.story, copy_of, n, story, st);
done:
    for (size_t b = 0; w.pos && b < nb; b++) {
        free(w.pos[b]);
        free(w.story ? w.story[b] : NULL);
    }
    free(w.pos);
    free(w.story);
    free(w.m);
    free(order);
    free(blocks);
    return rc;
}
