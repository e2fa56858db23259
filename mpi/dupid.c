/*
 * dupid.c — duplicate ids across ranks, with the reader's rule: an id is accepted once over all
 * inputs, at its first occurrence in the global order; every later one is rejected.
 *
 * Key idea: each rank's reader sees only its share, so ids are checked again globally: (XXH3-128
 * of the id, position) goes to the rank owning the hash; the owner sorts, keeps each id's first
 * position and sends the later ones back to their ranks, which reject them with the reader's
 * message ("file:line: duplicate id 'X' (first seen at file:line)"). Positions are gids over all
 * articles the readers accepted, which follow the global order.
 *
 * Invariants: collective; keep[i] is 0 exactly for the later occurrences.
 */
#include "nf_mpi.h"
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct idrec {
    uint64_t lo, hi, gid;
} idrec;

typedef struct duprec {
    uint64_t later, first;
} duprec;

/* the caller's provider speaks local indices */
typedef struct tramp {
    nfm_provide_fn where;
    void *ctx;
    uint64_t lo;
} tramp;

static void give_where(uint64_t gid, void *ctx, nf_buf *out)
{
    const tramp *t = ctx;
    t->where(gid - t->lo, t->ctx, out);
}

static int cmp_id(const void *x, const void *y)
{
    const idrec *a = x, *b = y;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    return a->gid < b->gid ? -1 : a->gid > b->gid;
}

size_t nfm_dup_ids(nfm *m, char *const *ids, size_t n, nfm_provide_fn where, void *ctx,
                   long max_errors, long *shown, uint8_t *keep)
{
    nfm_ids g;
    nfm_ids_make(m, n, &g);
    idrec *r = nfm_xmalloc(m, n * sizeof *r);
    int *dest = nfm_xmalloc(m, n * sizeof *dest);
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i] ? ids[i] : "";
        XXH128_hash_t h = XXH3_128bits(id, strlen(id));
        r[i] = (idrec){h.low64, h.high64, g.lo + i};
        dest[i] = (int)(h.low64 % (uint64_t)m->size);
        keep[i] = 1;
    }
    idrec *in = NULL;
    size_t nin = nfm_route(m, r, n, sizeof *r, dest, (void **)&in, NULL);
    qsort(in, nin, sizeof *in, cmp_id);
    duprec *d = nfm_xmalloc(m, nin * sizeof *d);
    int *ddest = nfm_xmalloc(m, nin * sizeof *ddest);
    size_t nd = 0;
    for (size_t s = 0, e; s < nin; s = e)
        for (e = s + 1; e < nin && in[e].lo == in[s].lo && in[e].hi == in[s].hi; e++) {
            d[nd] = (duprec){in[e].gid, in[s].gid};
            ddest[nd++] = nfm_owner(m, &g, in[e].gid);
        }
    duprec *back = NULL;
    size_t nb = nfm_route(m, d, nd, sizeof *d, ddest, (void **)&back, NULL);
    uint64_t *first = nfm_xmalloc(m, nb * sizeof *first);
    for (size_t i = 0; i < nb; i++)
        first[i] = back[i].first;
    size_t *off = NULL;
    char *data = NULL;
    tramp t = {where, ctx, g.lo};
    nfm_fetch(m, &g, first, nb, give_where, &t, &off, &data);
    nf_buf here;
    nf_buf_init(&here, 0);
    for (size_t i = 0; i < nb; i++) {
        size_t k = back[i].later - g.lo;
        keep[k] = 0;
        if ((*shown)++ >= max_errors)
            continue;
        here.n = 0;
        where(k, ctx, &here);
        fprintf(stderr, "%.*s: duplicate id '%.80s' (first seen at %.*s)\n", (int)here.n,
                here.p ? here.p : "", ids[k] ? ids[k] : "", (int)(off[i + 1] - off[i]),
                data + off[i]);
    }
    nf_buf_reset(&here);
    free(off);
    free(data);
    free(first);
    free(back);
    free(ddest);
    free(d);
    free(in);
    free(dest);
    free(r);
    nfm_ids_free(&g);
    return nb;
}
