/*
 * dedup.c — exact and near copies: verification of candidate pairs, union-find into clusters,
 * and the nf_dedup object for one-at-a-time and batch use.
 *
 * Key idea: every article is reduced to a sketch (exact hash, shingle count, K x 16-bit OPH
 * signature) and the text is no longer needed. Candidates come from LSH bands; a candidate pair
 * is verified on the signatures: estimated Jaccard J = share of equal bins; estimated
 * containment of the shorter in the longer C = |A n B| / min(|A|, |B|) with
 * |A n B| = J (|A| + |B|) / (1 + J). A pair is a copy when J >= threshold, or when the shorter
 * keeps >= min_kept of the longer's shingles and C >= containment (a trimmed reprint).
 * The lowest Jaccard such a pair can have, c*m / (1 + m - c*m), sets the LSH threshold.
 *
 * Batch: exact groups first (sort by exact hash), then only one member per exact group enters
 * the bands; bands run in parallel threads, each over its own sorted (key, doc) array; verified
 * pairs go to per-thread edge lists; the edges are sorted and joined in (a, b) order by
 * union-find with the smaller index as root, so the result does not depend on the thread count.
 * With NF_LINK_REP (default) two clusters of several articles merge only when their
 * representatives are copies too, so one borderline pair does not chain two families of
 * reprints together; a single article joins through any verified pair. Band runs longer than max_bucket are chained (each member against the run's
 * first and against its predecessor), bounding work per run to linear.
 *
 * One at a time: an open-addressing table maps (band, key) and the exact hash to the first
 * article that had it; a new article is verified against those and joins the cluster with the
 * smallest representative among the verified ones. Clusters never merge afterwards.
 *
 * Invariants: rep[i] <= i; an original has rep[i] == i; results are reported against the
 * representative (similarity estimated directly between the two signatures).
 */
#include "nf_int.h"
#include <pthread.h>
#include <stdlib.h>

enum { MODE_NONE = 0, MODE_ONLINE = 1, MODE_BATCH = 2 };

typedef struct slot {
    uint64_t key;
    uint32_t doc;
    uint32_t tag;       /* 0 empty; band + 1; EXACT_TAG for the exact hash */
} slot;
#define EXACT_TAG 0xffffffffu
/* kind[] bit 7 on a representative: its cluster has a copy (counted in st.clusters) */
#define HAS_COPIES 0x80


struct nf_dedup {
    nf_dedup_opts o;
    double jmin;                /* lowest Jaccard of a pair that can be a copy */
    int mode;
    bool finished;
    uint64_t n, cap;
    uint16_t *sig;              /* n x bins */
    nf_sketch *info;            /* n */
    uint32_t *rep;              /* union-find parent (batch) / representative (online) */
    float *sim;                 /* n, after results */
    uint8_t *kind;              /* n, after results */
    nf_sketcher **sk;           /* one per thread */
    slot *tab;                  /* online table */
    size_t tabcap, tabn;
    nf_dedup_stats st;
};

const char *nf_copy_kind_name(nf_copy_kind k)
{
    switch (k) {
    case NF_COPY_NONE: return "original";
    case NF_COPY_EXACT: return "exact";
    case NF_COPY_NEAR: return "near";
    case NF_COPY_CONTAINED: return "contained";
    }
    return "unknown";
}

static nf_rc fill_opts(nf_dedup_opts *o, double *jmin)
{
    nf_rc rc = nf_sketch_opts_fill(&o->sketch);
    if (rc)
        return rc;
    if (o->threshold == 0)
        o->threshold = 0.5;
    if (o->containment == 0)
        o->containment = 0.8;
    if (o->min_kept == 0)
        o->min_kept = 0.5;
    if (o->threads == 0)
        o->threads = 1;
    if (o->link != NF_LINK_REP && o->link != NF_LINK_ANY)
        return NF_EINVAL;
    if (o->max_bucket == 0)
        o->max_bucket = 16;
    if (!(o->threshold > 0 && o->threshold <= 1) || !(o->containment > 0 && o->containment <= 1) ||
        !(o->min_kept > 0 && o->min_kept <= 1) || o->threads > 256)
        return NF_EINVAL;
    double cm = o->containment * o->min_kept;
    *jmin = NF_MIN(o->threshold, cm / (1 + o->min_kept - cm));
    if (o->bands == 0 || o->rows == 0) {
        /* recall matters more than candidates: every candidate is verified exactly on the
         * signatures, a missed pair is lost for good */
        double t = NF_MIN(*jmin, 0.99);
        rc = nf_lsh_params(t, o->sketch.bins, 0.1, 0.9, &o->bands, &o->rows);
        if (rc)
            return rc;
    }
    if ((uint64_t)o->bands * o->rows > o->sketch.bins)
        return NF_EINVAL;
    return NF_OK;
}

nf_rc nf_dedup_new(nf_dedup **out, const nf_dedup_opts *opts)
{
    *out = NULL;
    nf_dedup *d = calloc(1, sizeof *d);
    if (!d)
        return NF_ENOMEM;
    if (opts)
        d->o = *opts;
    nf_rc rc = fill_opts(&d->o, &d->jmin);
    if (rc)
        goto fail;
    rc = NF_ENOMEM;
    d->sk = calloc(d->o.threads, sizeof *d->sk);
    if (!d->sk)
        goto fail;
    for (uint32_t t = 0; t < d->o.threads; t++)
        if ((rc = nf_sketcher_new(&d->sk[t], &d->o.sketch)))
            goto fail;
    d->st.bands = d->o.bands;
    d->st.rows = d->o.rows;
    *out = d;
    return NF_OK;
fail:
    nf_dedup_free(d);
    return rc;
}

void nf_dedup_free(nf_dedup *d)
{
    if (!d)
        return;
    if (d->sk)
        for (uint32_t t = 0; t < d->o.threads; t++)
            nf_sketcher_free(d->sk[t]);
    free(d->sk);
    free(d->sig);
    free(d->info);
    free(d->rep);
    free(d->sim);
    free(d->kind);
    free(d->tab);
    free(d);
}

void nf_dedup_get_opts(const nf_dedup *d, nf_dedup_opts *opts)
{
    *opts = d->o;
}

static nf_rc reserve(nf_dedup *d, uint64_t need)
{
    if (need > UINT32_MAX - 1)
        return NF_ETOOBIG;
    if (need <= d->cap)
        return NF_OK;
    uint64_t nc = d->cap ? d->cap : 1024;
    while (nc < need)
        nc *= 2;
    size_t K = d->o.sketch.bins;
    uint16_t *s = realloc(d->sig, nc * K * sizeof *s);
    if (s)
        d->sig = s;
    nf_sketch *in = realloc(d->info, nc * sizeof *in);
    if (in)
        d->info = in;
    uint32_t *r = realloc(d->rep, nc * sizeof *r);
    if (r)
        d->rep = r;
    float *sm = realloc(d->sim, nc * sizeof *sm);
    if (sm)
        d->sim = sm;
    uint8_t *k = realloc(d->kind, nc);
    if (k)
        d->kind = k;
    if (!s || !in || !r || !sm || !k)
        return NF_ENOMEM;
    d->cap = nc;
    return NF_OK;
}

/* ---- verification ---- */

typedef struct verdict {
    nf_copy_kind kind;
    double sim;
} verdict;

/* Decide whether two articles are copies from their sketches alone (a, b: sketches; sa, sb:
 * their o->sketch.bins signature bins). */
static inline verdict verdict_of(const nf_dedup_opts *o, const nf_sketch *ia, const uint16_t *sa,
                                 const nf_sketch *ib, const uint16_t *sb)
{
    verdict v = {NF_COPY_NONE, 0.0};
    if (!ia->nshingles || !ib->nshingles)
        return v;
    if (ia->exact[0] == ib->exact[0] && ia->exact[1] == ib->exact[1]) {
        v.kind = NF_COPY_EXACT;
        v.sim = 1.0;
        return v;
    }
    double j = nf_sketch_jaccard(sa, sb, o->sketch.bins);
    double lo = NF_MIN(ia->nshingles, ib->nshingles), hi = NF_MAX(ia->nshingles, ib->nshingles);
    double c = NF_MIN(1.0, j * (lo + hi) / (1.0 + j) / lo);
    bool contained = lo >= o->min_kept * hi && c >= o->containment;
    /* "contained" names a copy of clearly different length (a trimmed or extended reprint) */
    if (contained && lo < 0.9 * hi) {
        v.kind = NF_COPY_CONTAINED;
        v.sim = c;
    } else if (j >= o->threshold) {
        v.kind = NF_COPY_NEAR;
        v.sim = j;
    } else if (contained) {
        v.kind = NF_COPY_CONTAINED;
        v.sim = c;
    } else {
        v.sim = j;
    }
    return v;
}

nf_copy_kind nf_dedup_judge(const nf_dedup_opts *o, const nf_sketch *a, const uint16_t *sa,
                            const nf_sketch *b, const uint16_t *sb, double *sim)
{
    verdict v = verdict_of(o, a, sa, b, sb);
    if (sim)
        *sim = v.sim;
    return v.kind;
}

bool nf_dedup_rep_joins(const nf_dedup_opts *o, uint64_t nx, uint64_t ny, const nf_sketch *x,
                        const uint16_t *sx, const nf_sketch *y, const uint16_t *sy)
{
    return o->link != NF_LINK_REP || nx == 1 || ny == 1 ||
           verdict_of(o, x, sx, y, sy).kind != NF_COPY_NONE;
}

static verdict judge(const nf_dedup *d, uint32_t a, uint32_t b)
{
    uint32_t K = d->o.sketch.bins;
    return verdict_of(&d->o, &d->info[a], d->sig + (size_t)a * K, &d->info[b],
                      d->sig + (size_t)b * K);
}

/* The result of i against its representative r (r == i: an original). */
static void settle(nf_dedup *d, uint32_t i, uint32_t r)
{
    d->rep[i] = r;
    if (r == i) {
        d->kind[i] = NF_COPY_NONE;
        d->sim[i] = 0;
        return;
    }
    verdict v = judge(d, i, r);
    if (v.kind == NF_COPY_NONE)      /* linked through other copies */
        v.kind = NF_COPY_NEAR;
    d->kind[i] = (uint8_t)v.kind;
    d->sim[i] = (float)v.sim;
}

/* ---- one at a time ---- */

static uint64_t slot_hash(uint64_t key, uint32_t tag)
{
    return nf_fmix64(key ^ ((uint64_t)tag * 0x9e3779b97f4a7c15ULL));
}

static nf_rc tab_grow(nf_dedup *d)
{
    size_t nc = d->tabcap ? d->tabcap * 2 : 4096;
    slot *nt = calloc(nc, sizeof *nt);
    if (!nt)
        return NF_ENOMEM;
    for (size_t i = 0; i < d->tabcap; i++) {
        slot *s = &d->tab[i];
        if (!s->tag)
            continue;
        size_t h = slot_hash(s->key, s->tag) & (nc - 1);
        while (nt[h].tag)
            h = (h + 1) & (nc - 1);
        nt[h] = *s;
    }
    free(d->tab);
    d->tab = nt;
    d->tabcap = nc;
    return NF_OK;
}

/* The slot for (key, tag): the existing one, or the empty one where it would go. */
static slot *tab_find(nf_dedup *d, uint64_t key, uint32_t tag)
{
    size_t h = slot_hash(key, tag) & (d->tabcap - 1);
    while (d->tab[h].tag && !(d->tab[h].tag == tag && d->tab[h].key == key))
        h = (h + 1) & (d->tabcap - 1);
    return &d->tab[h];
}

static nf_rc tab_put(nf_dedup *d, uint64_t key, uint32_t tag, uint32_t doc)
{
    if ((d->tabn + 1) * 2 > d->tabcap && tab_grow(d))
        return NF_ENOMEM;
    slot *s = tab_find(d, key, tag);
    if (!s->tag) {
        s->key = key;
        s->tag = tag;
        s->doc = doc;
        d->tabn++;
    }
    return NF_OK;
}

static void result_of(const nf_dedup *d, uint32_t i, nf_copy *out)
{
    out->copy_of = d->rep[i] == i ? -1 : (int64_t)d->rep[i];
    out->cluster = d->rep[i];
    out->similarity = d->sim[i];
    out->kind = (nf_copy_kind)(d->kind[i] & ~HAS_COPIES);
}


static void mark_cluster(nf_dedup *d, uint32_t i)
{
    uint32_t r = d->rep[i];
    if (r != i && !(d->kind[r] & HAS_COPIES)) {
        d->kind[r] |= HAS_COPIES;
        d->st.clusters++;
    }
}

static void count_kind(nf_dedup *d, uint32_t i)
{
    switch (d->kind[i]) {
    case NF_COPY_EXACT: d->st.exact++; break;
    case NF_COPY_NEAR: d->st.near++; break;
    case NF_COPY_CONTAINED: d->st.contained++; break;
    default: break;
    }
}

/* Online add of article d->n whose sketch is already in info[n] / sig row n. */
static nf_rc add_online(nf_dedup *d, nf_copy *out);

/* Room for one more online article (switches d to online mode). */
static nf_rc online_room(nf_dedup *d)
{
    if (d->mode == MODE_BATCH)
        return NF_EINVAL;
    d->mode = MODE_ONLINE;
    nf_rc rc = reserve(d, d->n + 1);
    if (!rc && !d->tabcap)
        rc = tab_grow(d);
    return rc;
}

nf_rc nf_dedup_add(nf_dedup *d, const char *text, size_t len, nf_copy *out)
{
    nf_rc rc = online_room(d);
    if (rc)
        return rc;
    uint32_t K = d->o.sketch.bins;
    if ((rc = nf_sketch_text(d->sk[0], text, len, &d->info[d->n], d->sig + (size_t)d->n * K)))
        return rc;
    return add_online(d, out);
}

nf_rc nf_dedup_add_sketch(nf_dedup *d, const nf_sketch *info, const uint16_t *sig, nf_copy *out)
{
    nf_rc rc = online_room(d);
    if (rc)
        return rc;
    uint32_t K = d->o.sketch.bins;
    d->info[d->n] = *info;
    memcpy(d->sig + (size_t)d->n * K, sig, K * sizeof *sig);
    return add_online(d, out);
}

static nf_rc add_online(nf_dedup *d, nf_copy *out)
{
    nf_rc rc;
    uint32_t i = (uint32_t)d->n, K = d->o.sketch.bins;
    uint16_t *sig = d->sig + (size_t)i * K;
    d->n++;
    d->st.articles++;
    uint32_t best = i;
    if (d->info[i].nshingles) {
        /* exact first, then each band's first holder */
        slot *s = tab_find(d, d->info[i].exact[0], EXACT_TAG);
        if (s->tag && d->info[s->doc].exact[1] == d->info[i].exact[1])
            best = d->rep[s->doc];
        for (uint32_t b = 0; b < d->o.bands; b++) {     /* smallest verified representative */
            s = tab_find(d, nf_lsh_band_key(sig, b, d->o.rows), b + 1);
            if (!s->tag || d->rep[s->doc] >= best)
                continue;
            d->st.candidates++;
            if (judge(d, i, s->doc).kind != NF_COPY_NONE) {
                d->st.verified++;
                best = d->rep[s->doc];
            }
        }
        rc = tab_put(d, d->info[i].exact[0], EXACT_TAG, i);
        for (uint32_t b = 0; b < d->o.bands && !rc; b++)
            rc = tab_put(d, nf_lsh_band_key(sig, b, d->o.rows), b + 1, i);
        if (rc)
            return rc;
    }
    settle(d, i, best);
    count_kind(d, i);
    mark_cluster(d, i);
    if (out)
        result_of(d, i, out);
    return NF_OK;
}

/* ---- batch ---- */

typedef struct job {
    nf_dedup *d;
    uint32_t t;
    const char *const *texts;
    const size_t *lens;
    uint64_t base, n;       /* sketch job */
    nf_rc rc;
    uint64_t *e;            /* band job: verified pairs, a << 32 | b */
    size_t ne, cape;
    uint64_t candidates;
} job;

static void *sketch_job(void *arg)
{
    job *j = arg;
    nf_dedup *d = j->d;
    uint32_t K = d->o.sketch.bins;
    uint64_t lo = j->n * j->t / d->o.threads, hi = j->n * (j->t + 1) / d->o.threads;
    for (uint64_t k = lo; k < hi && !j->rc; k++) {
        uint64_t i = j->base + k;
        j->rc = nf_sketch_text(d->sk[j->t], j->texts[k], j->lens[k], &d->info[i],
                               d->sig + i * K);
    }
    return NULL;
}

/* Run fn over d->o.threads jobs (the first in this thread). */
static void run_jobs(nf_dedup *d, job *jobs, void *(*fn)(void *))
{
    pthread_t th[256];
    bool started[256] = {false};
    for (uint32_t t = 1; t < d->o.threads; t++)
        started[t] = pthread_create(&th[t], NULL, fn, &jobs[t]) == 0;
    fn(&jobs[0]);
    for (uint32_t t = 1; t < d->o.threads; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn(&jobs[t]);       /* no thread: do its share here */
    }
}

nf_rc nf_dedup_add_batch(nf_dedup *d, const char *const *texts, const size_t *lens, size_t n)
{
    if (d->mode == MODE_ONLINE || d->finished)
        return NF_EINVAL;
    d->mode = MODE_BATCH;
    nf_rc rc = reserve(d, d->n + n);
    if (rc)
        return rc;
    job jobs[256];
    for (uint32_t t = 0; t < d->o.threads; t++)
        jobs[t] = (job){.d = d, .t = t, .texts = texts, .lens = lens, .base = d->n, .n = n};
    run_jobs(d, jobs, sketch_job);
    for (uint32_t t = 0; t < d->o.threads; t++)
        if (jobs[t].rc)
            return jobs[t].rc;
    d->n += n;
    d->st.articles = d->n;
    return NF_OK;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* The same pair is verified again in many bands: before growing the list, sort it and drop
 * repeats, and grow only when that freed less than half. Memory stays about twice the distinct
 * pairs. */
static nf_rc push_edge(job *j, uint32_t a, uint32_t b)
{
    if (j->ne == j->cape && j->cape >= 4096) {
        qsort(j->e, j->ne, sizeof *j->e, cmp_u64);
        size_t m = 0;
        for (size_t k = 0; k < j->ne; k++)
            if (!m || j->e[m - 1] != j->e[k])
                j->e[m++] = j->e[k];
        j->ne = m;
    }
    if (j->ne * 2 > j->cape && nf_grow((void **)&j->e, &j->cape, j->cape + 1, sizeof *j->e))
        return NF_ENOMEM;
    if (j->ne == j->cape && nf_grow((void **)&j->e, &j->cape, j->ne + 1, sizeof *j->e))
        return NF_ENOMEM;
    j->e[j->ne++] = (uint64_t)a << 32 | b;
    return NF_OK;
}

static nf_rc check_pair(job *j, uint32_t a, uint32_t b)
{
    j->candidates++;
    if (judge(j->d, a, b).kind == NF_COPY_NONE)
        return NF_OK;
    return push_edge(j, a, b);
}

/* Candidate pairs of one run of equal band keys (docs ascending). */
static nf_rc run_pairs(job *j, const nf_lsh_item *r, size_t m)
{
    nf_rc rc = NF_OK;
    if (m <= j->d->o.max_bucket) {
        for (size_t x = 0; x < m && !rc; x++)
            for (size_t y = x + 1; y < m && !rc; y++)
                rc = check_pair(j, r[x].doc, r[y].doc);
        return rc;
    }
    for (size_t x = 1; x < m && !rc; x++) {
        rc = check_pair(j, r[0].doc, r[x].doc);
        if (!rc && x > 1)
            rc = check_pair(j, r[x - 1].doc, r[x].doc);
    }
    return rc;
}

/* Docs that enter the bands: non-empty, first of their exact group (rep[i] == i after the
 * exact pass). */
static void *band_job(void *arg)
{
    job *j = arg;
    nf_dedup *d = j->d;
    uint32_t K = d->o.sketch.bins;
    nf_lsh_item *a = malloc(d->n * sizeof *a), *tmp = malloc(d->n * sizeof *tmp);
    if (!a || !tmp) {
        j->rc = NF_ENOMEM;
        goto done;
    }
    for (uint32_t b = j->t; b < d->o.bands && !j->rc; b += d->o.threads) {
        size_t m = 0;
        for (uint32_t i = 0; i < d->n; i++)
            if (d->info[i].nshingles && d->rep[i] == i)
                a[m++] = (nf_lsh_item){nf_lsh_band_key(d->sig + (size_t)i * K, b, d->o.rows), i, 0};
        if ((j->rc = nf_lsh_sort(a, tmp, m)))
            break;
        for (size_t s = 0, e; s < m && !j->rc; s = e) {
            for (e = s + 1; e < m && a[e].key == a[s].key; e++)
                ;
            if (e - s > 1)
                j->rc = run_pairs(j, a + s, e - s);
        }
    }
done:
    free(a);
    free(tmp);
    return NULL;
}

/* Exact groups: sort by exact[0]; inside a run, join each doc to the first with equal exact[1]. */
static nf_rc exact_pass(nf_dedup *d)
{
    nf_lsh_item *a = malloc(d->n * sizeof *a), *tmp = malloc(d->n * sizeof *tmp);
    nf_rc rc = NF_ENOMEM;
    if (!a || !tmp)
        goto done;
    size_t m = 0;
    for (uint32_t i = 0; i < d->n; i++)
        if (d->info[i].nshingles)
            a[m++] = (nf_lsh_item){d->info[i].exact[0], i, 0};
    if ((rc = nf_lsh_sort(a, tmp, m)))
        goto done;
    for (size_t s = 0, e; s < m; s = e) {
        for (e = s + 1; e < m && a[e].key == a[s].key; e++)
            ;
        for (size_t x = s + 1; x < e; x++)
            for (size_t y = s; y < x; y++)
                if (d->info[a[y].doc].exact[1] == d->info[a[x].doc].exact[1]) {
                    d->rep[a[x].doc] = a[y].doc;    /* y < x in doc order: root stays first */
                    break;
                }
    }
done:
    free(a);
    free(tmp);
    return rc;
}

/* Join verified pairs in (a, b) order, so the result is the same for any thread count. With
 * NF_LINK_REP a single article joins a cluster through any verified pair (a reprint of a reprint
 * is found), but two clusters of several articles merge only when their representatives are
 * copies too: a borderline pair between members of two families (rewrites of one wire story,
 * each with its reprints) does not chain the families together. */
static nf_rc join_edges(nf_dedup *d, job *jobs)
{
    size_t ne = 0;
    for (uint32_t t = 0; t < d->o.threads; t++)
        ne += jobs[t].ne;
    nf_lsh_item *a = malloc((ne ? ne : 1) * sizeof *a), *tmp = malloc((ne ? ne : 1) * sizeof *tmp);
    nf_rc rc = NF_ENOMEM;
    if (!a || !tmp)
        goto done;
    size_t m = 0;
    for (uint32_t t = 0; t < d->o.threads; t++)
        for (size_t k = 0; k < jobs[t].ne; k++)
            a[m++] = (nf_lsh_item){jobs[t].e[k], 0, 0};
    if ((rc = nf_lsh_sort(a, tmp, m)))
        goto done;
    uint32_t K = d->o.sketch.bins;
    uint32_t *size = malloc(d->n * sizeof *size);      /* members, valid at roots */
    if (!size)
        goto done;
    for (uint32_t i = 0; i < d->n; i++)
        size[i] = 1;
    for (uint32_t i = 0; i < d->n; i++)
        if (d->rep[i] != i)
            size[nf_uf_find(d->rep, i)]++;
    for (size_t k = 0; k < m; k++) {
        if (k && a[k].key == a[k - 1].key)
            continue;
        d->st.verified++;
        uint32_t x = nf_uf_find(d->rep, (uint32_t)(a[k].key >> 32));
        uint32_t y = nf_uf_find(d->rep, (uint32_t)a[k].key);
        if (x == y)
            continue;
        if (nf_dedup_rep_joins(&d->o, size[x], size[y], &d->info[x], d->sig + (size_t)x * K,
                               &d->info[y], d->sig + (size_t)y * K)) {
            nf_uf_union(d->rep, x, y);
            uint32_t r = x < y ? x : y;
            size[r] = size[x] + size[y];
        }
    }
    free(size);
done:
    free(a);
    free(tmp);
    return rc;
}

nf_rc nf_dedup_finish(nf_dedup *d)
{
    if (d->mode == MODE_ONLINE || d->finished)
        return NF_EINVAL;
    d->mode = MODE_BATCH;
    if (d->n == 0) {
        d->finished = true;
        return NF_OK;
    }
    for (uint32_t i = 0; i < d->n; i++)
        d->rep[i] = i;
    nf_rc rc = exact_pass(d);
    if (rc)
        return rc;
    job jobs[256];
    for (uint32_t t = 0; t < d->o.threads; t++)
        jobs[t] = (job){.d = d, .t = t};
    run_jobs(d, jobs, band_job);
    for (uint32_t t = 0; t < d->o.threads; t++) {
        if (!rc && jobs[t].rc)
            rc = jobs[t].rc;
        d->st.candidates += jobs[t].candidates;
    }
    if (!rc)
        rc = join_edges(d, jobs);
    for (uint32_t t = 0; t < d->o.threads; t++)
        free(jobs[t].e);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < d->n; i++)
        settle(d, i, nf_uf_find(d->rep, i));
    for (uint32_t i = 0; i < d->n; i++) {
        count_kind(d, i);
        mark_cluster(d, i);
    }
    d->finished = true;
    return NF_OK;
}

nf_rc nf_dedup_result(const nf_dedup *d, uint64_t index, nf_copy *out)
{
    if (index >= d->n || (d->mode == MODE_BATCH && !d->finished))
        return NF_EINVAL;
    result_of(d, (uint32_t)index, out);
    return NF_OK;
}

void nf_dedup_get_stats(const nf_dedup *d, nf_dedup_stats *st)
{
    *st = d->st;
    size_t per = d->o.sketch.bins * sizeof(uint16_t) + sizeof(nf_sketch) + sizeof(uint32_t) +
                 sizeof(float) + 1;
    st->index_bytes = (size_t)d->n * per + d->tabcap * sizeof(slot);
}
