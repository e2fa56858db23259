/*
 * dedup.c — `mpirun -np N newsfold dedup FILES...`: copy detection across ranks, with output
 * byte-identical to the 1-process `newsfold dedup` (cli/cmd_dedup.c over src/dedup.c).
 *
 * Key idea: the 1-process batch is a pure function of (a) exact groups, (b) the runs of equal
 * (band, key) in doc order, (c) the pair verdicts, (d) union-find with the smaller index as root.
 * Each piece is rebuilt from plain arrays keyed by global doc ids (gids):
 *   1. read + sketch: each rank reads its share (part.c) and sketches it with the same options
 *      (nf_dedup_get_opts) — texts never leave the rank;
 *   2. exact groups: (exact hash, gid) routed to the owner of the hash; each group's first gid
 *      is its root, the others are joined to it and do not enter the bands (as in src/dedup.c);
 *   3. bands: (band key, band, gid) routed to the owner of the key (MPI_Alltoallv); the owner
 *      sorts them (stable radix on the key, then band), cuts runs and makes the same candidate
 *      pairs as src/dedup.c (all pairs up to max_bucket, else chained);
 *   4. verification where the signatures live: a pair goes to the owner of its smaller gid,
 *      which fetches the other signature (nfm_fetch) and judges the pair on the sketches;
 *   5. joining: --link any = connected components by min-label propagation (labels.c), label =
 *      smallest gid = the 1-process root; --link rep (default) is order-dependent inside a
 *      component only, so each component's pairs are replayed in (a, b) order on one rank;
 *   6. each copy is judged against its representative (its signature fetched) for kind and
 *      similarity, and the representative's id is fetched for copy_of / copy_cluster;
 *   7. output: each rank formats its lines; output.c writes the parts in rank order.
 *
 * Invariants: results depend only on gids, never on N; pairs are judged and clusters joined by
 * the library's own rules (nf_dedup_judge, nf_dedup_rep_joins in src/dedup.c), so the verdicts
 * cannot drift from the 1-process run (tests/cli/mpi_dedup.sh compares whole outputs).
 */
#include "nfm_cli.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct mdd {
    nfm *m;
    nf_dedup_opts o;            /* effective options (defaults and bands/rows filled in) */
    uint32_t K;
    nf_sketcher *sk;
    bool raw;
    int err;
    nf_cleaning cl;
    nf_buf kept;
    FILE *spool;                /* JSON of each article without its closing brace (local disk) */
    uint64_t spooln;
    uint64_t *lstart;           /* where article i's JSON starts in the spool */
    uint32_t *llen;             /* and its length */
    char **id;
    uint32_t *src;              /* index into srcs: the file each article came from */
    uint64_t *line;
    char **srcs;
    size_t nsrcs;
    nf_sketch *info;
    uint16_t *sig;
    uint32_t *xsize;            /* members of the exact group an article is first of (else 1) */
    size_t n, cap;
    uint64_t text_bytes;
    nfm_ids g;
} mdd;

/* ---- reading and sketching ---- */

static int grow(mdd *c)
{
    if (c->n + 1 < c->cap)
        return 0;
    size_t nc = c->cap ? c->cap * 2 : 4096;
    c->lstart = nfm_xrealloc(c->m, c->lstart, nc * sizeof *c->lstart);
    c->llen = nfm_xrealloc(c->m, c->llen, nc * sizeof *c->llen);
    c->id = nfm_xrealloc(c->m, c->id, nc * sizeof *c->id);
    c->src = nfm_xrealloc(c->m, c->src, nc * sizeof *c->src);
    c->line = nfm_xrealloc(c->m, c->line, nc * sizeof *c->line);
    c->info = nfm_xrealloc(c->m, c->info, nc * sizeof *c->info);
    c->sig = nfm_xrealloc(c->m, c->sig, nc * c->K * sizeof *c->sig);
    c->cap = nc;
    return 0;
}

static int on_article(nf_article *a, void *vctx)
{
    mdd *c = vctx;
    grow(c);
    json_t *o = cli_article_json(a);
    char *js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    size_t jl = js ? strlen(js) : 0;
    if (!js || jl < 2 || jl - 1 > UINT32_MAX || fwrite(js, 1, jl - 1, c->spool) != jl - 1) {
        free(js);
        if (!c->err)
            c->err = NF_EIO;
        return -1;
    }
    free(js);
    c->lstart[c->n] = c->spooln;
    c->llen[c->n] = (uint32_t)(jl - 1);
    c->spooln += jl - 1;
    c->id[c->n] = a->id ? strdup(a->id) : NULL;
    const char *src = a->source ? a->source : "-";
    if (!c->nsrcs || strcmp(c->srcs[c->nsrcs - 1], src)) {
        c->srcs = nfm_xrealloc(c->m, c->srcs, (c->nsrcs + 1) * sizeof *c->srcs);
        if (!(c->srcs[c->nsrcs++] = strdup(src)))
            return -1;
    }
    c->src[c->n] = (uint32_t)(c->nsrcs - 1);
    c->line[c->n] = a->line;
    /* the text to sketch: without scrape residue unless --raw */
    size_t n;
    const char *s = cli_dedup_text(a, c->raw, &c->cl, &c->kept, &n);
    nf_rc rc = nf_sketch_text(c->sk, s, n, &c->info[c->n], c->sig + c->n * c->K);
    if (rc && !c->err)
        c->err = rc;
    c->text_bytes += a->text_len;
    c->n++;
    return 0;
}

/* "file:line" of local article i (the reader's way: no line for whole-file articles) */
static void give_where(uint64_t i, void *ctx, nf_buf *out)
{
    mdd *c = ctx;
    const char *f = c->srcs[c->src[i]];
    nf_buf_append(out, f, strlen(f));
    if (c->line[i]) {
        char num[32];
        int k = snprintf(num, sizeof num, ":%llu", (unsigned long long)c->line[i]);
        nf_buf_append(out, num, (size_t)k);
    }
}

/* Drop the articles with keep[i] == 0, keeping the order. */
static void compact(mdd *c, const uint8_t *keep)
{
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!keep[i]) {
            free(c->id[i]);
            continue;
        }
        c->lstart[w] = c->lstart[i];
        c->llen[w] = c->llen[i];
        c->id[w] = c->id[i];
        c->src[w] = c->src[i];
        c->line[w] = c->line[i];
        c->info[w] = c->info[i];
        memmove(c->sig + w * c->K, c->sig + i * c->K, c->K * sizeof *c->sig);
        w++;
    }
    c->n = w;
}

/* payload of a gid's sketch: nf_sketch, then K uint16 */
static void give_sketch(uint64_t gid, void *ctx, nf_buf *out)
{
    mdd *c = ctx;
    size_t i = gid - c->g.lo;
    nf_buf_append(out, &c->info[i], sizeof c->info[i]);
    nf_buf_append(out, c->sig + i * c->K, c->K * sizeof *c->sig);
}

/* payload of a gid's reference: its id as a JSON string, else its index (as cmd_dedup) */
static void put_ref(nf_buf *out, const char *id, uint64_t gid)
{
    if (id) {
        json_t *s = json_string(id);
        char *e = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        nf_buf_append(out, e ? e : "null", strlen(e ? e : "null"));
        free(e);
        json_decref(s);
    } else {
        char num[32];
        int k = snprintf(num, sizeof num, "%llu", (unsigned long long)gid);
        nf_buf_append(out, num, (size_t)k);
    }
}

static void give_ref(uint64_t gid, void *ctx, nf_buf *out)
{
    mdd *c = ctx;
    put_ref(out, c->id[gid - c->g.lo], gid);
}

/* edges: a growable list */
typedef struct edges {
    nfm_edge *e;
    size_t n, cap;
} edges;

static void push(nfm *m, edges *l, uint64_t a, uint64_t b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->e = nfm_xrealloc(m, l->e, l->cap * sizeof *l->e);
    }
    l->e[l->n++] = (nfm_edge){a, b};
}

/* ---- 2. exact groups ---- */

typedef struct exrec {
    uint64_t e0, e1, gid;
} exrec;

static int cmp_ex(const void *x, const void *y)
{
    const exrec *a = x, *b = y;
    if (a->e0 != b->e0)
        return a->e0 < b->e0 ? -1 : 1;
    if (a->e1 != b->e1)
        return a->e1 < b->e1 ? -1 : 1;
    return a->gid < b->gid ? -1 : a->gid > b->gid;
}

/* xroot[i] = the first gid of local article i's exact group (its own gid when it is the first
 * or has no words); inband[i] = 1 only for the firsts with words. */
static void exact_groups(mdd *c, uint64_t *xroot, uint8_t *inband)
{
    nfm *m = c->m;
    exrec *r = nfm_xmalloc(m, c->n * sizeof *r);
    int *dest = nfm_xmalloc(m, c->n * sizeof *dest);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        xroot[i] = c->g.lo + i;
        inband[i] = c->info[i].nshingles != 0;
        if (!inband[i])
            continue;
        r[k] = (exrec){c->info[i].exact[0], c->info[i].exact[1], c->g.lo + i};
        dest[k++] = (int)(nf_fmix64(c->info[i].exact[0]) % (uint64_t)m->size);
    }
    exrec *in = NULL;
    size_t nin = nfm_route(m, r, k, sizeof *r, dest, (void **)&in, NULL);
    free(r);
    free(dest);
    qsort(in, nin, sizeof *in, cmp_ex);
    nfm_edge *later = nfm_xmalloc(m, nin * sizeof *later);     /* (member, first) */
    int *ldest = nfm_xmalloc(m, nin * sizeof *ldest);
    size_t nl = 0;
    for (size_t s = 0, e; s < nin; s = e) {
        for (e = s + 1; e < nin && in[e].e0 == in[s].e0 && in[e].e1 == in[s].e1; e++) {
            later[nl] = (nfm_edge){in[e].gid, in[s].gid};
            ldest[nl++] = nfm_owner(m, &c->g, in[e].gid);
        }
    }
    nfm_edge *back = NULL;
    size_t nb = nfm_route(m, later, nl, sizeof *later, ldest, (void **)&back, NULL);
    for (size_t i = 0; i < nb; i++) {
        inband[back[i].a - c->g.lo] = 0;
        xroot[back[i].a - c->g.lo] = back[i].b;
    }
    /* group sizes to the owners of the firsts */
    size_t ns = 0;
    for (size_t s = 0, e; s < nin; s = e) {
        for (e = s + 1; e < nin && in[e].e0 == in[s].e0 && in[e].e1 == in[s].e1; e++)
            ;
        if (e - s > 1) {
            later[ns] = (nfm_edge){in[s].gid, e - s};
            ldest[ns++] = nfm_owner(m, &c->g, in[s].gid);
        }
    }
    free(back);
    back = NULL;
    c->xsize = nfm_xmalloc(m, (c->n + 1) * sizeof *c->xsize);
    for (size_t i = 0; i < c->n; i++)
        c->xsize[i] = 1;
    nb = nfm_route(m, later, ns, sizeof *later, ldest, (void **)&back, NULL);
    for (size_t i = 0; i < nb; i++)
        c->xsize[back[i].a - c->g.lo] = (uint32_t)back[i].b;
    free(back);
    free(later);
    free(ldest);
    free(in);
}

/* ---- 3. bands: candidate pairs at the owners of the keys ---- */

typedef struct bandrec {
    uint64_t key;
    uint64_t gb;                /* gid << 16 | band */
} bandrec;

static void pair_out(nfm *m, edges *l, uint64_t a, uint64_t b)
{
    push(m, l, NF_MIN(a, b), NF_MAX(a, b));
}

/* the candidate pairs of one run (gids ascending), as src/dedup.c run_pairs() */
static void run_pairs(const mdd *c, const uint64_t *g, size_t n, edges *l)
{
    if (n <= c->o.max_bucket) {
        for (size_t x = 0; x < n; x++)
            for (size_t y = x + 1; y < n; y++)
                pair_out(c->m, l, g[x], g[y]);
        return;
    }
    for (size_t x = 1; x < n; x++) {
        pair_out(c->m, l, g[0], g[x]);
        if (x > 1)
            pair_out(c->m, l, g[x - 1], g[x]);
    }
}

static void band_candidates(mdd *c, const uint8_t *inband, edges *cand, uint64_t *nrec)
{
    nfm *m = c->m;
    uint32_t B = c->o.bands, R = c->o.rows;
    size_t k = 0, nin = 0;
    for (size_t i = 0; i < c->n; i++)
        nin += inband[i];
    bandrec *r = nfm_xmalloc(m, nin * B * sizeof *r);
    int *dest = nfm_xmalloc(m, nin * B * sizeof *dest);
    for (size_t i = 0; i < c->n; i++) {
        if (!inband[i])
            continue;
        for (uint32_t b = 0; b < B; b++) {
            uint64_t key = nf_lsh_band_key(c->sig + i * c->K, b, R);
            r[k] = (bandrec){key, (c->g.lo + i) << 16 | b};
            dest[k++] = (int)(nf_fmix64(key ^ ((uint64_t)(b + 1) * 0x9e3779b97f4a7c15ULL)) %
                              (uint64_t)m->size);
        }
    }
    bandrec *in = NULL;
    size_t n = nfm_route(m, r, k, sizeof *r, dest, (void **)&in, NULL);
    free(r);
    free(dest);
    *nrec = k;
    /* arrival order is (gid, band) ascending; a stable sort on the key keeps it inside a key */
    nf_lsh_item *it = nfm_xmalloc(m, n * sizeof *it), *tmp = nfm_xmalloc(m, n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        it[i] = (nf_lsh_item){in[i].key, (uint32_t)i, (uint32_t)(in[i].gb & 0xffff)};
    if (nf_lsh_sort(it, tmp, n))
        nfm_die(m, "out of memory sorting band keys");
    uint64_t *g = nfm_xmalloc(m, (n ? n : 1) * sizeof *g);
    for (size_t s = 0, e; s < n; s = e) {
        for (e = s + 1; e < n && it[e].key == it[s].key; e++)
            ;
        if (e - s < 2)
            continue;
        /* one key, possibly several bands: stable insertion sort by band */
        for (size_t x = s + 1; x < e; x++) {
            nf_lsh_item v = it[x];
            size_t y = x;
            while (y > s && it[y - 1].aux > v.aux) {
                it[y] = it[y - 1];
                y--;
            }
            it[y] = v;
        }
        for (size_t bs = s, be; bs < e; bs = be) {
            for (be = bs + 1; be < e && it[be].aux == it[bs].aux; be++)
                ;
            for (size_t x = bs; x < be; x++)
                g[x - bs] = in[it[x].doc].gb >> 16;
            if (be - bs > 1)
                run_pairs(c, g, be - bs, cand);
        }
    }
    free(g);
    free(it);
    free(tmp);
    free(in);
}

/* ---- 4. verification at the owner of the smaller gid ---- */

static int cmp_edge(const void *x, const void *y)
{
    const nfm_edge *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static void verify(mdd *c, edges *cand, edges *out, uint64_t *ncand, uint64_t *nver)
{
    nfm *m = c->m;
    int *dest = nfm_xmalloc(m, cand->n * sizeof *dest);
    for (size_t i = 0; i < cand->n; i++)
        dest[i] = nfm_owner(m, &c->g, cand->e[i].a);
    nfm_edge *p = NULL;
    size_t n = nfm_route(m, cand->e, cand->n, sizeof *p, dest, (void **)&p, NULL);
    free(dest);
    qsort(p, n, sizeof *p, cmp_edge);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || p[w - 1].a != p[i].a || p[w - 1].b != p[i].b)
            p[w++] = p[i];
    n = w;
    uint64_t *other = nfm_xmalloc(m, n * sizeof *other);
    for (size_t i = 0; i < n; i++)
        other[i] = p[i].b;
    size_t no = nfm_uniq_u64(other, n);
    size_t *off = NULL;
    char *data = NULL;
    nfm_fetch(m, &c->g, other, no, give_sketch, c, &off, &data);
    for (size_t i = 0; i < n; i++) {
        size_t a = p[i].a - c->g.lo, k = nfm_find_u64(other, no, p[i].b);
        nf_sketch ib;
        memcpy(&ib, data + off[k], sizeof ib);
        const uint16_t *sb = (const uint16_t *)(data + off[k] + sizeof ib);
        uint16_t *sbuf = nfm_xmalloc(m, c->K * sizeof *sbuf);
        memcpy(sbuf, sb, c->K * sizeof *sbuf);      /* payloads are not aligned */
        nf_copy_kind kind = nf_dedup_judge(&c->o, &c->info[a], c->sig + a * c->K, &ib, sbuf, NULL);
        if (kind != NF_COPY_NONE) {
            push(m, out, p[i].a, p[i].b);
            ++*nver;
        }
        free(sbuf);
    }
    *ncand += n;
    free(off);
    free(data);
    free(other);
    free(p);
}

/* ---- 5. clusters ---- */

typedef struct lprov {
    const nfm_ids *g;
    const uint64_t *v;
} lprov;

static void give_u64(uint64_t gid, void *ctx, nf_buf *out)
{
    const lprov *p = ctx;
    nf_buf_append(out, &p->v[gid - p->g->lo], sizeof(uint64_t));
}

/* label[i] = root[xroot[i]]: each article takes the final root of its exact group's first. */
static void through_exact(mdd *c, const uint64_t *xroot, const uint64_t *root, uint64_t *label)
{
    nfm *m = c->m;
    uint64_t *want = nfm_xmalloc(m, c->n * sizeof *want);
    size_t nw = 0;
    for (size_t i = 0; i < c->n; i++)
        if (xroot[i] < c->g.lo || xroot[i] >= c->g.lo + c->n)
            want[nw++] = xroot[i];
    nw = nfm_uniq_u64(want, nw);
    size_t *off = NULL;
    char *data = NULL;
    lprov pv = {&c->g, root};
    nfm_fetch(m, &c->g, want, nw, give_u64, &pv, &off, &data);
    for (size_t i = 0; i < c->n; i++) {
        if (xroot[i] >= c->g.lo && xroot[i] < c->g.lo + c->n) {
            label[i] = root[xroot[i] - c->g.lo];
        } else {
            size_t k = nfm_find_u64(want, nw, xroot[i]);
            memcpy(&label[i], data + off[k], sizeof label[i]);
        }
    }
    free(off);
    free(data);
    free(want);
}

/* payload for the replay: the sketch, then the exact group's size (uint32) */
static void give_sketch_size(uint64_t gid, void *ctx, nf_buf *out)
{
    mdd *c = ctx;
    give_sketch(gid, ctx, out);
    nf_buf_append(out, &c->xsize[gid - c->g.lo], sizeof(uint32_t));
}

static void *sketch_at(const char *data, const size_t *off, size_t k, nf_sketch *info,
                       uint16_t *sig, uint32_t K)
{
    memcpy(info, data + off[k], sizeof *info);
    memcpy(sig, data + off[k] + sizeof *info, K * sizeof *sig);
    return sig;
}

static size_t uf_find(size_t *p, size_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

/* NF_LINK_REP, as src/dedup.c join_edges(): verified pairs are joined in (a, b) order, and two
 * clusters merge only when one of them is a single article or their current representatives are
 * copies too (cluster sizes count exact-group members). The outcome inside a
 * connected component of the verified pairs does not depend on other components, so each
 * component's pairs go to one rank (by a hash of its smallest gid, from labels.c), which replays
 * them in order with the sketches of their endpoints. root[i] = final root of local article i
 * (before exact groups are added). Returns the label rounds. */
static int link_rep(mdd *c, const edges *ver, uint64_t *root)
{
    nfm *m = c->m;
    uint64_t *comp = nfm_xmalloc(m, (c->n + 1) * sizeof *comp);
    int rounds = nfm_components(m, &c->g, ver->e, ver->n, comp);
    int *dest = nfm_xmalloc(m, (ver->n + 1) * sizeof *dest);
    for (size_t i = 0; i < ver->n; i++)     /* verified pairs are held by the owner of a */
        dest[i] = (int)(nf_fmix64(comp[ver->e[i].a - c->g.lo]) % (uint64_t)m->size);
    nfm_edge *e = NULL;
    size_t ne = nfm_route(m, ver->e, ver->n, sizeof *e, dest, (void **)&e, NULL);
    free(dest);
    qsort(e, ne, sizeof *e, cmp_edge);
    uint64_t *v = nfm_xmalloc(m, (2 * ne + 1) * sizeof *v);
    for (size_t i = 0; i < ne; i++) {
        v[2 * i] = e[i].a;
        v[2 * i + 1] = e[i].b;
    }
    size_t nv = nfm_uniq_u64(v, 2 * ne);
    size_t *off = NULL;
    char *data = NULL;
    nfm_fetch(m, &c->g, v, nv, give_sketch_size, c, &off, &data);
    size_t *par = nfm_xmalloc(m, (nv + 1) * sizeof *par);
    uint64_t *size = nfm_xmalloc(m, (nv + 1) * sizeof *size);
    for (size_t i = 0; i < nv; i++) {
        uint32_t z;
        memcpy(&z, data + off[i + 1] - sizeof z, sizeof z);
        par[i] = i;
        size[i] = z;
    }
    uint16_t *sx = nfm_xmalloc(m, 2 * c->K * sizeof *sx), *sy = sx + c->K;
    for (size_t i = 0; i < ne; i++) {
        if (i && e[i].a == e[i - 1].a && e[i].b == e[i - 1].b)
            continue;
        size_t x = uf_find(par, nfm_find_u64(v, nv, e[i].a)), y = uf_find(par, nfm_find_u64(v, nv, e[i].b));
        if (x == y)
            continue;
        nf_sketch ix, iy;
        sketch_at(data, off, x, &ix, sx, c->K);
        sketch_at(data, off, y, &iy, sy, c->K);
        if (!nf_dedup_rep_joins(&c->o, size[x], size[y], &ix, sx, &iy, sy))
            continue;
        size_t r = x < y ? x : y;   /* v is sorted: the smaller index is the smaller gid */
        par[x < y ? y : x] = r;
        size[r] = size[x] + size[y];
    }
    /* (vertex, root) back to the owners of the vertices */
    nfm_edge *res = nfm_xmalloc(m, (nv + 1) * sizeof *res);
    int *rdest = nfm_xmalloc(m, (nv + 1) * sizeof *rdest);
    size_t nr = 0;
    for (size_t i = 0; i < nv; i++) {
        size_t r = uf_find(par, i);
        if (r == i)
            continue;
        res[nr] = (nfm_edge){v[i], v[r]};
        rdest[nr++] = nfm_owner(m, &c->g, v[i]);
    }
    nfm_edge *got = NULL;
    size_t ng = nfm_route(m, res, nr, sizeof *res, rdest, (void **)&got, NULL);
    for (size_t i = 0; i < c->n; i++)
        root[i] = c->g.lo + i;
    for (size_t i = 0; i < ng; i++)
        root[got[i].a - c->g.lo] = got[i].b;
    free(got);
    free(res);
    free(rdest);
    free(sx);
    free(size);
    free(par);
    free(off);
    free(data);
    free(v);
    free(e);
    free(comp);
    return rounds;
}

/* ---- driver ---- */

static void help(void)
{
    printf("usage: mpirun -np N newsfold dedup [options] FILES... [-o out.jsonl]\n"
           "\nThe MPI build of `newsfold dedup` (see `newsfold dedup --help` of the plain build for\n"
           "the output): each rank reads and sketches its share of the input, band keys are routed\n"
           "to the ranks that own them, candidate pairs are verified where the signatures live, and\n"
           "copy clusters are joined by min-label propagation. The output is byte-identical to the\n"
           "1-process run for any N. docs/mpi.md.\n"
           "\n  --threshold J, --containment C, --shingle N, --hashes K, --link rep|any, --drop-copies,\n  --raw\n"
           "                     as in the plain build (--threads is accepted and ignored: ranks\n"
           "                     are the parallelism)\n%s%s",
           nfm_opts_help(), cli_input_help());
}

/* Parse the options of the plain verb; 0 go on, 1 done (help), -1 usage error. */
static int parse(int argc, char **argv, cli_input *in, nf_dedup_opts *o, bool *drop, bool *raw,
                 nfm_opts *mo)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 1;
        } else if (!strcmp(a, "--drop-copies")) {
            *drop = true;
        } else if (!strcmp(a, "--raw")) {
            *raw = true;
        } else if (!strcmp(a, "--link")) {
            if (i + 1 >= argc || (strcmp(argv[i + 1], "rep") && strcmp(argv[i + 1], "any"))) {
                fprintf(stderr, "newsfold dedup: --link needs 'rep' or 'any'\n");
                return -1;
            }
            o->link = !strcmp(argv[++i], "any") ? NF_LINK_ANY : NF_LINK_REP;
        } else if (!strcmp(a, "--threshold")) {
            if (cli_dedup_num_arg(argc, argv, &i, 0.01, 1, &v))
                return -1;
            o->threshold = v;
        } else if (!strcmp(a, "--containment")) {
            if (cli_dedup_num_arg(argc, argv, &i, 0.01, 1, &v))
                return -1;
            o->containment = v;
        } else if (!strcmp(a, "--shingle")) {
            if (cli_dedup_num_arg(argc, argv, &i, 1, 16, &v))
                return -1;
            o->sketch.shingle = (uint32_t)v;
        } else if (!strcmp(a, "--hashes")) {
            if (cli_dedup_num_arg(argc, argv, &i, 8, 1024, &v))
                return -1;
            o->sketch.bins = (uint32_t)v;
        } else if (!strcmp(a, "--threads")) {
            if (cli_dedup_num_arg(argc, argv, &i, 1, 64, &v))
                return -1;
        } else {
            int r = nfm_opts_arg(mo, argc, argv, &i);
            if (r == 0)
                r = cli_input_arg(in, argc, argv, &i);
            if (r < 0)
                return -1;
            if (r == 0) {
                fprintf(stderr, "newsfold dedup: unknown option '%s' (see --help)\n", a);
                return -1;
            }
        }
    }
    return 0;
}

/* The output lines of this rank into the spool out (*outn bytes), and the per-kind counts.
 * Returns 0, or -1 when a spool could not be read or written. */
static int format(mdd *c, const uint64_t *label, bool drop, FILE *fo, uint64_t *outn,
                  uint64_t cnt[4])
{
    int bad = fflush(c->spool) != 0;
    uint64_t pos = UINT64_MAX;
    char *line = NULL;
    size_t capline = 0;
    nf_buf ob;                  /* one output line */
    nf_buf_init(&ob, 0);
    nf_buf *out = &ob;
    *outn = 0;
    nfm *m = c->m;
    /* representatives of local copies, distinct */
    uint64_t *reps = nfm_xmalloc(m, c->n * sizeof *reps);
    size_t nr = 0;
    for (size_t i = 0; i < c->n; i++)
        if (label[i] != c->g.lo + i)
            reps[nr++] = label[i];
    nr = nfm_uniq_u64(reps, nr);
    size_t *soff = NULL, *roff = NULL;
    char *sdata = NULL, *rdata = NULL;
    nfm_fetch(m, &c->g, reps, nr, give_sketch, c, &soff, &sdata);
    nfm_fetch(m, &c->g, reps, nr, give_ref, c, &roff, &rdata);
    uint16_t *sbuf = nfm_xmalloc(m, c->K * sizeof *sbuf);
    nf_buf own;
    nf_buf_init(&own, 0);
    char tail[96];
    for (size_t i = 0; i < c->n; i++) {
        uint64_t gid = c->g.lo + i;
        bool copy = label[i] != gid;
        nf_copy_kind kind = NF_COPY_NONE;
        float sim = 0;
        size_t k = 0;
        if (copy) {
            k = nfm_find_u64(reps, nr, label[i]);
            nf_sketch ir;
            memcpy(&ir, sdata + soff[k], sizeof ir);
            memcpy(sbuf, sdata + soff[k] + sizeof ir, c->K * sizeof *sbuf);
            double vs;
            kind = nf_dedup_judge(&c->o, &c->info[i], c->sig + i * c->K, &ir, sbuf, &vs);
            if (kind == NF_COPY_NONE)      /* linked through other copies */
                kind = NF_COPY_NEAR;
            sim = (float)vs;
        }
        cnt[kind]++;
        if (drop && copy)
            continue;
        if (c->llen[i] + 1 > capline) {
            capline = (size_t)c->llen[i] * 2 + 1;
            line = nfm_xrealloc(m, line, capline);
        }
        if (pos != c->lstart[i] && fseeko(c->spool, (off_t)c->lstart[i], SEEK_SET))
            bad = 1;
        if (fread(line, 1, c->llen[i], c->spool) != c->llen[i])
            bad = 1;
        pos = c->lstart[i] + c->llen[i];
        ob.n = 0;
        nf_buf_append(out, line, c->llen[i]);
        nf_buf_append(out, ",\"copy_of\":", 11);
        own.n = 0;
        if (copy)
            nf_buf_append(&own, rdata + roff[k], roff[k + 1] - roff[k]);
        else
            put_ref(&own, c->id[i], gid);
        if (copy)
            nf_buf_append(out, own.p, own.n);
        else
            nf_buf_append(out, "null", 4);
        nf_buf_append(out, ",\"copy_cluster\":", 16);
        nf_buf_append(out, own.p, own.n);
        int t = copy ? snprintf(tail, sizeof tail, ",\"similarity\":%.4f", (double)sim)
                     : snprintf(tail, sizeof tail, ",\"similarity\":null");
        nf_buf_append(out, tail, (size_t)t);
        t = snprintf(tail, sizeof tail, ",\"copy_kind\":\"%s\"}\n", nf_copy_kind_name(kind));
        nf_buf_append(out, tail, (size_t)t);
        if (fwrite(ob.p, 1, ob.n, fo) != ob.n)
            bad = 1;
        *outn += ob.n;
    }
    if (fflush(fo))
        bad = 1;
    free(line);
    nf_buf_reset(&ob);
    /* clusters: distinct representatives, counted at their owners */
    int *dest = nfm_xmalloc(m, nr * sizeof *dest);
    for (size_t i = 0; i < nr; i++)
        dest[i] = nfm_owner(m, &c->g, reps[i]);
    uint64_t *got = NULL;
    size_t ng = nfm_route(m, reps, nr, sizeof *reps, dest, (void **)&got, NULL);
    cnt[0] = nfm_uniq_u64(got, ng);          /* slot 0 reused: clusters */
    free(got);
    free(dest);
    nf_buf_reset(&own);
    free(sbuf);
    free(soff);
    free(sdata);
    free(roff);
    free(rdata);
    free(reps);
    return bad ? -1 : 0;
}

typedef struct phase {
    const char *name;
    double t, cpu;              /* wall and CPU seconds of this rank */
} phase;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void stats(nfm *m, const phase *ph, int nph, uint64_t articles, uint64_t nrec,
                  uint64_t ncand, int rounds)
{
    uint64_t bytes = nfm_sum_u64(m, m->sent_bytes);
    uint64_t maxb = nfm_max_u64(m, m->sent_bytes), outb = nfm_sum_u64(m, m->out_bytes);
    nrec = nfm_sum_u64(m, nrec);
    ncand = nfm_sum_u64(m, ncand);
    for (int i = 0; i < nph; i++) {
        double lo = nfm_min_dbl(m, ph[i].t), hi = nfm_max_dbl(m, ph[i].t);
        double clo = nfm_min_dbl(m, ph[i].cpu), chi = nfm_max_dbl(m, ph[i].cpu);
        if (m->rank == 0)
            fprintf(stderr, "mpi: phase %-8s wall %.3f..%.3f s, cpu %.3f..%.3f s (min..max over "
                    "ranks)\n", ph[i].name, lo, hi, clo, chi);
    }
    if (m->rank == 0)
        fprintf(stderr,
                "mpi: %d ranks; exchanged %llu bytes (%.1f per article, max %llu from one rank); "
                "%llu band records, %llu candidate pairs, %d label rounds; %llu output bytes "
                "sent to rank 0\n",
                m->size, (unsigned long long)bytes, articles ? (double)bytes / articles : 0.0,
                (unsigned long long)maxb, (unsigned long long)nrec, (unsigned long long)ncand,
                rounds, (unsigned long long)outb);
}

int nfm_dedup(nfm *m, int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    if (m->rank != 0)
        in.progress = false;
    nf_dedup_opts o = {0};
    nfm_opts mo = {.split_min = 8u << 20};
    bool drop = false;
    mdd c = {.m = m};
    int status = EXIT_USAGE;
    int pr = parse(argc, argv, &in, &o, &drop, &c.raw, &mo);
    if (pr) {
        cli_input_free(&in);
        return pr > 0 ? 0 : EXIT_USAGE;
    }
    nf_dedup *d = NULL;
    if (nf_dedup_new(&d, &o)) {
        if (m->rank == 0)
            fprintf(stderr, "newsfold dedup: invalid options (--hashes must be a multiple of 8)\n");
        cli_input_free(&in);
        return EXIT_USAGE;
    }
    nf_dedup_get_opts(d, &c.o);
    nf_dedup_free(d);
    c.K = c.o.sketch.bins;
    if (nf_sketcher_new(&c.sk, &c.o.sketch))
        nfm_die(m, "cannot make a sketcher");
    nf_buf_init(&c.kept, 0);
    c.spool = tmpfile();
    FILE *fo = tmpfile();
    if (!c.spool || !fo)
        c.err = NF_EIO;
    static const char *stdin_path[] = {"-"};
    if (in.npaths > 1)
        qsort(in.paths, in.npaths, sizeof *in.paths, cli_cmp_str);
    const char *const *paths = in.npaths ? in.paths : stdin_path;
    size_t npaths = in.npaths ? in.npaths : 1;
    phase ph[8];
    int nph = 0;
    double t0 = nfm_now(), t = t0, t1, c0 = cpu_now(), c1;
#define PHASE(nm) (t1 = nfm_now(), c1 = cpu_now(), ph[nph++] = (phase){nm, t1 - t, c1 - c0}, \
                   t = t1, c0 = c1)
    if (nfm_output_begin(m, mo.out))
        goto done;
    nfm_read rs;
    nf_rc rrc = nfm_read_share(m, paths, npaths, mo.split_min, &in, on_article, &c, &rs);
    nfm_fault(m, "read");
    if (!nfm_all_ok(m, !c.err)) {
        if (c.err)
            fprintf(stderr, "newsfold dedup: rank %d: %s (temporary file in %s)\n", m->rank,
                    nf_strerror(c.err), P_tmpdir);
        goto done;
    }
    uint8_t *keep = nfm_xmalloc(m, c.n);
    size_t ndup = nfm_dup_ids(m, c.id, c.n, give_where, &c, in.max_errors, &rs.shown, keep);
    if (ndup)
        compact(&c, keep);
    free(keep);
    rs.accepted -= ndup;
    rs.rejected += ndup;
    nfm_read_summary(m, &in, &rs);
    PHASE("read");
    nfm_ids_make(m, c.n, &c.g);
    if (c.g.total >= (uint64_t)1 << 47)
        nfm_die(m, "too many articles (%llu)", (unsigned long long)c.g.total);
    edges ed = {0}, cand = {0};
    uint8_t *inband = nfm_xmalloc(m, c.n + 1);
    uint64_t *xroot = nfm_xmalloc(m, (c.n + 1) * sizeof *xroot);
    exact_groups(&c, xroot, inband);
    PHASE("exact");
    nfm_fault(m, "exchange");
    uint64_t nrec = 0, ncand = 0, nver = 0;
    band_candidates(&c, inband, &cand, &nrec);
    free(inband);
    PHASE("bands");
    verify(&c, &cand, &ed, &ncand, &nver);
    free(cand.e);
    PHASE("verify");
    nfm_fault(m, "labels");
    uint64_t *label = nfm_xmalloc(m, (c.n + 1) * sizeof *label);
    int rounds;
    if (c.o.link == NF_LINK_ANY) {
        /* plain union-find = connected components of exact groups and verified pairs */
        for (size_t i = 0; i < c.n; i++)
            if (xroot[i] != c.g.lo + i)
                push(m, &ed, c.g.lo + i, xroot[i]);
        rounds = nfm_components(m, &c.g, ed.e, ed.n, label);
    } else {
        uint64_t *root = nfm_xmalloc(m, (c.n + 1) * sizeof *root);
        rounds = link_rep(&c, &ed, root);
        through_exact(&c, xroot, root, label);
        free(root);
    }
    free(xroot);
    free(ed.e);
    PHASE("labels");
    uint64_t cnt[4] = {0}, outn = 0;
    int fbad = format(&c, label, drop, fo, &outn, cnt);
    free(label);
    PHASE("format");
    if (!nfm_all_ok(m, !fbad)) {
        if (fbad)
            fprintf(stderr, "newsfold dedup: rank %d: cannot read or write a temporary file in "
                    "%s\n", m->rank, P_tmpdir);
        goto done;
    }
    uint64_t tot[4], tb = nfm_sum_u64(m, c.text_bytes);
    NFM(m, MPI_Allreduce(cnt, tot, 4, MPI_UINT64_T, MPI_SUM, m->comm));
    nf_rc wrc = nfm_output_write(m, mo.out, fo, outn);
    PHASE("output");
    if (wrc)
        goto done;
    double dt = nfm_max_dbl(m, nfm_now() - t0);
    if (m->rank == 0 && !in.quiet)
        fprintf(stderr,
                "dedup: %llu articles, %llu exact copies, %llu near copies (%llu of them "
                "contained), %llu clusters; %.2f s, %.1f MB/s\n",
                (unsigned long long)c.g.total, (unsigned long long)tot[NF_COPY_EXACT],
                (unsigned long long)(tot[NF_COPY_NEAR] + tot[NF_COPY_CONTAINED]),
                (unsigned long long)tot[NF_COPY_CONTAINED], (unsigned long long)tot[0], dt,
                dt > 0 ? tb / 1e6 / dt : 0.0);
    if (mo.stats)
        stats(m, ph, nph, c.g.total, nrec, ncand, rounds);
    /* the exit status of the 1-process run: 2 when an input could not be opened at all */
    int fatal = nfm_all_ok(m, !rrc) ? 0 : 1;
    status = fatal ? EXIT_USAGE : rs.rejected ? EXIT_SOME_REJECTED : EXIT_ALL_OK;
done:
    for (size_t i = 0; i < c.n; i++)
        free(c.id[i]);
    free(c.id);
    free(c.src);
    free(c.line);
    for (size_t i = 0; i < c.nsrcs; i++)
        free(c.srcs[i]);
    free(c.srcs);
    free(c.lstart);
    free(c.llen);
    if (c.spool)
        fclose(c.spool);
    if (fo)
        fclose(fo);
    free(c.info);
    free(c.sig);
    free(c.xsize);
    nf_buf_reset(&c.kept);
    nf_cleaning_reset(&c.cl);
    nf_sketcher_free(c.sk);
    nfm_ids_free(&c.g);
    cli_input_free(&in);
    return status;
}
