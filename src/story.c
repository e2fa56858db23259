/*
 * story.c — online story folding: each arriving article joins the most similar recent story
 * above a threshold, or starts a new one; an optional refinement pass merges close stories.
 *
 * Key ideas:
 *   - A story keeps the SUM of its members' unit tf-idf vectors (terms and entities), its member
 *     count, its quoted 6-word shingles and its date range. dot(article, sum) / n is then exactly
 *     the mean cosine between the article and every member (group-average link), computed in one
 *     sparse dot product; dot(sumA, sumB) / (nA nB) is the mean pairwise cosine between two
 *     stories, which is what the refinement merges on.
 *   - similarity = ((1 - we) * term part + we * entity part + quote bonus) * time factor, where
 *     the quote bonus is quote_bonus * min(1, shared shingles / 4) and the time factor is a
 *     Gaussian on the gap in days between the article and the story's date range (1 when either
 *     is undated).
 *   - Candidates come from an inverted index: key (term or entity id) -> the most recent stories
 *     whose members had that key among their index_terms heaviest. An article queries its
 *     query_terms heaviest keys, scores at most max_candidates stories with the most query
 *     weight: never a scan of all stories. Stories idle for window_days are skipped when dated.
 *   - Copies (copy_of from dedup) inherit their original's story and add no evidence.
 *   - Refinement: rounds of "collect candidate story pairs with average link >= merge_threshold,
 *     merge the best pairs first, each story at most once per round" until nothing merges; then
 *     fragments (stories of at most attach_max_members) join their best-linked larger story when
 *     the link reaches the lower attach_threshold.
 *     Dated stories (docs/fold.md "Dated streams"): a story's candidates come from the postings
 *     of its own time (entries carry arrival numbers; f->tmax, the latest date so far, is
 *     non-decreasing along each list, so a binary search finds them), and the time factor
 *     between two stories is the mean over member pairs (from each story's date mean and
 *     variance). Undated stories walk the newest postings, with time factor 1.
 *     Lede check: two established stories whose average link is in the ambiguous band merge only
 *     when their ledes (title + first sentences, summed per story like the full vectors) agree;
 *     shared topic vocabulary lives in the bodies, the event itself in the lede.
 *     Merged stories are joined with union-find; the root keeps the smaller first article, so a
 *     story id is always the sequence number of its first article.
 *
 *   - Speed, with the same sums in the same order: the candidate walk reads a compact per-story
 *     array (story_hot) and prefetches the next key's postings; an article is scored against
 *     stories through its scattered weights and an L1 filter of its ids (only non-zero products
 *     enter the sum); a story whose Cauchy-Schwarz bound (sim_bound: kept norms, time factor,
 *     quote bonus) cannot beat the best so far or the threshold is not scored at all; shared
 *     quotes go through a per-story Bloom filter; refinement skips stories whose neighbourhood
 *     no merge touched, and collects each round's pairs on o.threads threads (rshared).
 *     Feature extraction and placement are separate stages (nf_folder_extract / _place), which
 *     src/foldpipe.c runs in different threads.
 *
 * Invariants: story vectors sorted by id; art_story[i] is a story index whose union-find root is
 * the article's story; postings hold story indices, newest last, with non-decreasing
 * f->tmax[seq]; story index order is story id order (stories are created in arrival order, a
 * merge keeps the older root).
 */
#include "nf_int.h"
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

/* Lede check (docs/fold.md): lede features are the title and the first LEDE_SENTENCES
 * sentences, read from at most the first LEDE_BYTES of the text; two stories of at least
 * LEDE_MIN_MEMBERS scored members whose average link is below LEDE_EXEMPT_LINK merge in
 * refinement only when their ledes' average link reaches LEDE_MIN_LINK. */
#define LEDE_SENTENCES 2
#define LEDE_MIN_MEMBERS 2
#define LEDE_MIN_LINK 0.26
#define LEDE_EXEMPT_LINK 0.5
#define LEDE_BYTES 2000

typedef struct story {
    nf_tw *t, *e;          /* sums of member vectors, sorted by id */
    nf_tw *lt, *le;        /* sums of member lede vectors (title + first sentences) */
    uint32_t nlt, nle, caplt, caple;
    uint32_t nt, ne, capt, cape;
    uint64_t *q;           /* quote shingles, sorted unique */
    uint32_t nq, capq;
    uint64_t *qb;          /* Bloom filter of q (two bits per shingle), nqb words (power of 2) */
    uint32_t nqb;
    uint32_t nvec;         /* members whose vectors are in the sums */
    uint32_t size;         /* members including copies */
    uint64_t first;        /* sequence number of the first article: the story id */
    int64_t tlo, thi;      /* date range, NF_NO_TIME when no member is dated */
    double td, tdd;        /* sums of the dated members' days after f->tref, and squares */
    uint32_t ntd;          /* dated members (copies included) */
    double t2, e2;         /* squared norms of t and e (sim_bound) */
} story;

/* The fields the candidate walk reads for every posting, apart from the (two cache lines
 * long) story: the walk touches thousands of stories per article. */
typedef struct story_hot {
    uint32_t parent;       /* union-find */
    uint32_t stamp;        /* candidate gathering */
    float hits;
    uint32_t pad;
    int64_t thi;           /* = story.thi */
} story_hot;

/* A key's stories, oldest first, with the arrival sequence number of the article that added
 * each entry (so an entry's place in the stream is known: f->tmax[seq[i]] is non-decreasing
 * along the list). Lists are never trimmed: the online walk reads the newest posting_cap
 * entries, refinement of a dated story the entries of its own time span. */
typedef struct posting {
    uint32_t *s;           /* one block: s[0..cap) then seq[0..cap) */
    uint32_t *seq;         /* = s + cap */
    uint32_t n, cap;
} posting;

/* Membership filter of the scattered vector's ids (bit id mod FILT_BITS): a few hundred to a
 * thousand ids in 4 KB, so a test stays in L1 where the exact id bitmap (one bit per
 * dictionary id) would miss; a positive reads dense[id], which is 0 for an id not scattered. */
#define FILT_BITS 32768u

/* The scratch of one candidate walk and scoring: the online pass has one (f->w), each
 * refinement thread its own. hot is the story_hot array the walk marks (stamp, hits) and
 * path-compresses: f->hot, or a thread's private copy during refinement's collection. */
typedef struct walker {
    story_hot *hot;
    size_t caphot;                    /* hot's capacity when the walker owns it (refinement
                                       * threads after the first); 0 when hot is f->hot */
    uint32_t stamp;
    uint32_t *cand; size_t ncand, capcand;
    nf_tw *qk; size_t capqk;
    uint32_t *wsel; size_t capwsel;   /* prune scratch */
    float *dense; size_t capdense;    /* the scattered weights by id (0 elsewhere) */
    uint32_t *filt;                   /* FILT_BITS / 32 words */
} walker;

struct nf_folder {
    nf_fold_opts o;
    nf_terms_cfg tc;
    nf_dict *dict;
    nf_feats feats;
    nf_terms_cfg ltc;      /* lede features: own dictionary, so lede idf is over ledes */
    nf_dict *ldict;
    nf_feats lfeats;
    uint32_t *lmap; size_t caplmap;   /* main surface id -> lede surface id (nf_lhint.map);
                                       * touched only by the (serialised) lede extraction */
    story *st; size_t nst, capst;
    story_hot *hot; size_t caphot;       /* per story, parallel to st */
    uint32_t *art_story; size_t nart, capart;
    int64_t *tmax; size_t captmax;   /* per article: the latest date up to it (NF_NO_TIME
                                      * before the first dated article); non-decreasing */
    posting *post; size_t npost, cappost;     /* indexed by dictionary id */
    nf_tw *scratch; size_t capscratch;
    walker w;              /* the online pass's (and refinement's first thread's) scratch */
    uint32_t maxid;        /* 1 + the largest dictionary id of any placed article */
    int64_t tref;          /* the first dated article's date (NF_NO_TIME before it) */
    double stage_cpu[3];   /* nf_folder_add_many: thread CPU seconds of the stages */
    uint64_t live;
};

void nf_fold_opts_init(nf_fold_opts *o)
{
    *o = (nf_fold_opts){
        .threshold = 0.40, .entity_weight = 0.6, .quote_bonus = 0.5, .sigma_days = 7,
        .window_days = 30, .lede_weight = 2, .tail_weight = 0.3, .lede_sentences = 3,
        .body_sentences = 10, .query_terms = 24, .index_terms = 12, .posting_cap = 256,
        .max_candidates = 16, .story_terms_cap = 512, .idf_prior_docs = 100,
        .merge_threshold = 0.27, .attach_threshold = 0.12, .attach_max_members = 3,
        .threads = 0,
    };
}

nf_rc nf_folder_new(nf_folder **out, const nf_fold_opts *opts)
{
    *out = NULL;
    nf_folder *f = calloc(1, sizeof *f);
    if (!f)
        return NF_ENOMEM;
    f->tref = NF_NO_TIME;
    if (opts)
        f->o = *opts;
    else
        nf_fold_opts_init(&f->o);
    const double num[] = {f->o.threshold, f->o.entity_weight, f->o.quote_bonus,
                          f->o.sigma_days, f->o.window_days, f->o.lede_weight,
                          f->o.tail_weight, f->o.idf_prior_docs, f->o.merge_threshold,
                          f->o.attach_threshold};
    int nan_opt = 0;
    for (size_t k = 0; k < sizeof num / sizeof num[0]; k++)
        nan_opt |= isnan(num[k]);
    /* feature weights are floats: a position weight beyond FLT_MAX or a negative idf prior
     * would give infinite or NaN term weights */
    int bad_weight = !(f->o.lede_weight >= 0 && f->o.lede_weight <= 1e30) ||
                     !(f->o.tail_weight >= 0 && f->o.tail_weight <= 1e30) ||
                     !(f->o.idf_prior_docs >= 0 && f->o.idf_prior_docs <= 1e30);
    if (nan_opt || bad_weight || f->o.posting_cap < 1 || f->o.max_candidates < 1 ||
        f->o.story_terms_cap < 8) {
        free(f);
        return NF_EINVAL;
    }
    f->tc = (nf_terms_cfg){(float)f->o.lede_weight, (float)f->o.tail_weight,
                           f->o.lede_sentences, f->o.body_sentences, f->o.idf_prior_docs, 0};
    f->ltc = (nf_terms_cfg){1, 0, LEDE_SENTENCES, LEDE_SENTENCES, f->o.idf_prior_docs,
                           .no_quotes = 1};   /* lede quotes are never read */
    nf_feats_init(&f->feats);
    nf_feats_init(&f->lfeats);
    nf_rc rc = nf_dict_new(&f->dict);
    if (!rc)
        rc = nf_dict_new(&f->ldict);
    if (rc) {
        nf_folder_free(f);
        return rc;
    }
    *out = f;
    return NF_OK;
}

static void walker_free(walker *w);

void nf_folder_free(nf_folder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nst; i++) {
        free(f->st[i].t);
        free(f->st[i].e);
        free(f->st[i].q);
        free(f->st[i].qb);
        free(f->st[i].lt);
        free(f->st[i].le);
    }
    for (size_t i = 0; i < f->npost; i++) {
        free(f->post[i].s);
    }
    free(f->tmax);
    free(f->st);
    free(f->hot);
    free(f->art_story);
    free(f->post);
    free(f->scratch);
    walker_free(&f->w);
    nf_feats_reset(&f->feats);
    nf_dict_free(f->dict);
    nf_feats_reset(&f->lfeats);
    nf_dict_free(f->ldict);
    free(f->lmap);
    free(f);
}

static void walker_free(walker *w)
{
    free(w->cand);
    free(w->qk);
    free(w->wsel);
    free(w->dense);
    free(w->filt);
    memset(w, 0, sizeof *w);
}

/* The union-find root of story s in h (path halving). */
static uint32_t hfind(story_hot *h, uint32_t s)
{
    while (h[s].parent != s) {
        h[s].parent = h[h[s].parent].parent;
        s = h[s].parent;
    }
    return s;
}

static uint32_t find(nf_folder *f, uint32_t s) { return hfind(f->hot, s); }

uint64_t nf_folder_story(nf_folder *f, uint64_t seq)
{
    if (seq >= f->nart)
        return UINT64_MAX;
    return f->st[find(f, f->art_story[seq])].first;
}
uint64_t nf_folder_articles(const nf_folder *f) { return f->nart; }
const nf_fold_opts *nf_folder_opts(const nf_folder *f) { return &f->o; }
double *nf_folder_stage_cpu(nf_folder *f) { return f->stage_cpu; }
uint64_t nf_folder_stories(const nf_folder *f) { return f->live; }

size_t nf_folder_memory(const nf_folder *f)
{
    size_t m = sizeof *f + nf_dict_memory(f->dict) + nf_dict_memory(f->ldict) +
               f->caplmap * sizeof *f->lmap + f->capst * sizeof(story) +
               f->caphot * sizeof(story_hot) +
               f->capart * sizeof(uint32_t) + f->captmax * sizeof(int64_t) +
               f->cappost * sizeof(posting);
    for (size_t i = 0; i < f->nst; i++)
        m += (f->st[i].capt + f->st[i].cape + f->st[i].caplt + f->st[i].caple) * sizeof(nf_tw) +
             (f->st[i].capq + f->st[i].nqb) * sizeof(uint64_t);
    for (size_t i = 0; i < f->npost; i++)
        m += f->post[i].cap * 2 * sizeof(uint32_t);
    return m;
}

/* ---- sparse sums ---- */

static int cmp_tw_w_desc(const void *a, const void *b)
{
    float x = ((const nf_tw *)a)->w, y = ((const nf_tw *)b)->w;
    if (x != y)
        return x > y ? -1 : 1;
    uint32_t i = ((const nf_tw *)a)->id, j = ((const nf_tw *)b)->id;
    return i < j ? -1 : i > j;
}

/* Floats as unsigned integers of the same order (no NaN here): sign bit flipped for positives,
 * all bits for negatives. */
static uint32_t f2u(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b & 0x80000000u ? ~b : b | 0x80000000u;
}

static float u2f(uint32_t u)
{
    uint32_t b = u & 0x80000000u ? u & 0x7FFFFFFFu : ~u;
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The k-th largest of u[0..n) (1-based k <= n), by radix selection a byte at a time from the
 * top; the entries still in the running are compacted to the front of u as it goes (not when
 * they all are), and once the k-th is the largest or the smallest of them, it is read off. */
static uint32_t kth_largest(uint32_t *u, size_t n, size_t k)
{
    uint32_t prefix = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        if (k == 1 || k == n) {
            uint32_t x = u[0];
            for (size_t i = 1; i < n; i++)
                x = k == 1 ? (u[i] > x ? u[i] : x) : (u[i] < x ? u[i] : x);
            return x;
        }
        uint32_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(u[i] >> shift) & 0xFF]++;
        unsigned b = 256;
        while (b-- > 0) {
            if (k <= cnt[b])
                break;
            k -= cnt[b];
        }
        prefix |= (uint32_t)b << shift;
        if (cnt[b] == n)
            continue;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            u[m] = u[i];
            m += ((u[i] >> shift) & 0xFF) == b;
        }
        n = m;
    }
    return prefix;
}

static size_t prune_w(uint32_t **wsel, size_t *capw, nf_tw *v, size_t n, size_t cap)
{
    if (nf_grow((void **)wsel, capw, n, sizeof **wsel))
        return n;
    for (size_t i = 0; i < n; i++)
        (*wsel)[i] = f2u(v[i].w);
    float cut = u2f(kth_largest(*wsel, n, cap));
    size_t above = 0;
    for (size_t i = 0; i < n; i++)
        above += v[i].w > cut;
    size_t ties = cap - above, k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].w > cut || (v[i].w == cut && ties && ties--))
            v[k++] = v[i];
    return k;
}

static size_t prune(nf_folder *f, nf_tw *v, size_t n, size_t cap)
{
    return prune_w(&f->w.wsel, &f->w.capwsel, v, n, cap);
}

/* Squared norm. */
static double sumsq(const nf_tw *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i].w * v[i].w;
    return s;
}

/* *v (sorted, n entries) += add (sorted); keep at most cap entries (the heaviest). */
static nf_rc vec_add(nf_folder *f, nf_tw **v, uint32_t *n, uint32_t *capv, const nf_tw *add,
                     size_t na, uint32_t cap)
{
    nf_rc rc = nf_grow((void **)&f->scratch, &f->capscratch, *n + na + 1, sizeof *f->scratch);
    if (rc)
        return rc;
    nf_tw *out = f->scratch;
    size_t i = 0, j = 0, k = 0;
    while (i < *n || j < na) {
        if (j >= na || (i < *n && (*v)[i].id < add[j].id))
            out[k++] = (*v)[i++];
        else if (i >= *n || add[j].id < (*v)[i].id)
            out[k++] = add[j++];
        else {
            out[k] = (*v)[i++];
            out[k++].w += add[j++].w;
        }
    }
    if (k > cap)   /* keep the heaviest: centroids are bounded */
        k = prune(f, out, k, cap);
    size_t c = *capv;
    if ((rc = nf_grow((void **)v, &c, k, sizeof **v)))
        return rc;
    *capv = (uint32_t)c;
    if (k)
        memcpy(*v, out, k * sizeof *out);
    *n = (uint32_t)k;
    return NF_OK;
}

static nf_rc quotes_add(story *s, const uint64_t *q, size_t nq)
{
    if (!nq || s->nq >= 4096)
        return NF_OK;
    size_t c = s->capq;
    nf_rc rc = nf_grow((void **)&s->q, &c, s->nq + nq, sizeof *s->q);
    if (rc)
        return rc;
    s->capq = (uint32_t)c;
    /* merge from the back */
    size_t i = s->nq, j = nq, k = s->nq + nq;
    while (j > 0) {
        if (i > 0 && s->q[i - 1] > q[j - 1])
            s->q[--k] = s->q[--i];
        else
            s->q[--k] = q[--j];
    }
    size_t u = 0, n = s->nq + nq;
    for (size_t x = 0; x < n; x++)
        if (u == 0 || s->q[u - 1] != s->q[x])
            s->q[u++] = s->q[x];
    s->nq = (uint32_t)u;
    /* the Bloom filter, rebuilt: about 16 bits per shingle */
    uint32_t words = 1;
    while (words < u / 4)
        words *= 2;
    if (words != s->nqb) {
        uint64_t *nb = realloc(s->qb, words * sizeof *nb);
        if (!nb) {   /* no filter: quotes_shared_story searches every shingle */
            free(s->qb);
            s->qb = NULL;
            s->nqb = 0;
            return NF_ENOMEM;
        }
        s->qb = nb;
        s->nqb = words;
    }
    memset(s->qb, 0, words * sizeof *s->qb);
    uint64_t m = (uint64_t)words * 64 - 1;
    for (size_t x = 0; x < u; x++) {
        uint64_t h = s->q[x], b1 = h & m, b2 = (h >> 40) & m;
        s->qb[b1 >> 6] |= 1ull << (b1 & 63);
        s->qb[b2 >> 6] |= 1ull << (b2 & 63);
    }
    return NF_OK;
}

/* Is h in q[0..n) (sorted, n > 0)? Shingles are hashes, spread evenly over 64 bits, so the
 * search starts where h would sit in an even spread and gallops from there to the range
 * holding it (a few probes near each other), then bisects that range: exact for any
 * values, fast for even ones (a plain bisection of a cold list is a dozen dependent misses). */
static uint32_t quote_in(const uint64_t *q, size_t n, uint64_t h)
{
    size_t g = (size_t)(((unsigned __int128)h * n) >> 64), lo, hi, step = 1;
    if (q[g] < h) {   /* the first q >= h is after g */
        lo = g + 1;
        for (;;) {
            size_t t = lo + step - 1;
            if (t >= n) {
                hi = n;
                break;
            }
            if (q[t] >= h) {
                hi = t;
                break;
            }
            lo = t + 1;
            step *= 2;
        }
    } else {          /* at g or before */
        hi = g;
        for (;;) {
            if (hi < step) {
                lo = 0;
                break;
            }
            size_t t = hi - step;
            if (q[t] < h) {
                lo = t + 1;
                break;
            }
            hi = t;
            step *= 2;
        }
    }
    while (lo < hi) {   /* the first q >= h is in [lo, hi], hi's if none before */
        size_t mid = lo + (hi - lo) / 2;
        if (q[mid] < h) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && q[lo] == h;
}

/* Shingles of a (sorted unique) that story s also has: the filter rules most out, a binary
 * search in s->q decides the rest. Exact (a Bloom filter has no false negatives). */
static uint32_t quotes_shared_story(const uint64_t *a, size_t na, const story *s)
{
    if (!s->nq || !na)
        return 0;
    uint64_t m = (uint64_t)s->nqb * 64 - 1;
    uint32_t c = 0;
    for (size_t i = 0; i < na; i++) {
        uint64_t h = a[i], b1 = h & m, b2 = (h >> 40) & m;
        if (s->qb && !((s->qb[b1 >> 6] >> (b1 & 63)) & (s->qb[b2 >> 6] >> (b2 & 63)) & 1))
            continue;
        c += quote_in(s->q, s->nq, h);
    }
    return c;
}

static double time_factor(const nf_fold_opts *o, int64_t t, int64_t lo, int64_t hi)
{
    if (t == NF_NO_TIME || lo == NF_NO_TIME || o->sigma_days <= 0)
        return 1;
    double gap = t < lo ? (double)(lo - t) : t > hi ? (double)(t - hi) : 0;
    gap /= 86400.0;
    return exp(-gap * gap / (2 * o->sigma_days * o->sigma_days));
}

/* Refinement's time factor between two stories: the mean, over pairs of their dated members,
 * of the Gaussian on the day gap (the time part of the group-average link, as the text part
 * is the mean pairwise cosine), with each story's member dates taken as normal with the
 * story's mean and variance: sigma / sqrt(s2) * exp(-(mean gap)^2 / (2 s2)), s2 = sigma^2 + the
 * two variances. Two single articles get time_factor (to rounding); two fragments of one day's event
 * ~1; a story spread over weeks (a chain of follow-ups) links to anything less than its range
 * alone would say. 1 when either story is undated. */
static double pair_time_factor(const nf_fold_opts *o, const story *a, const story *b)
{
    if (!a->ntd || !b->ntd || o->sigma_days <= 0)
        return 1;
    double ma = a->td / a->ntd, mb = b->td / b->ntd;
    double va = a->tdd / a->ntd - ma * ma, vb = b->tdd / b->ntd - mb * mb;
    /* in units of sigma, so that an infinite sigma gives 1 and a huge one no inf / inf:
     * k = s2 / sigma^2, z = gap / sigma; the factor is exp(-z^2 / 2k) / sqrt(k) */
    double v = (va > 0 ? va : 0) + (vb > 0 ? vb : 0), s = o->sigma_days;
    double k = v > 0 ? 1 + v / s / s : 1, z = (ma - mb) / s;
    double r = exp(-z * z / (2 * k)) / sqrt(k);
    return isnan(r) ? 0 : r;   /* a sigma so small that k and z overflow: far apart */
}

/* ---- index ---- */

static nf_rc post_add(nf_folder *f, uint32_t key, uint32_t s, uint32_t seq)
{
    nf_rc rc;
    if (key >= f->npost) {
        size_t need = (size_t)key + 1;
        if ((rc = nf_grow((void **)&f->post, &f->cappost, need, sizeof *f->post)))
            return rc;
        memset(f->post + f->npost, 0, (need - f->npost) * sizeof *f->post);
        f->npost = need;
    }
    posting *p = &f->post[key];
    for (uint32_t i = p->n; i > 0 && i + 4 > p->n; i--)
        if (p->s[i - 1] == s)
            return NF_OK;
    if (p->n == UINT32_MAX)
        return NF_ETOOBIG;   /* (cap saturates at UINT32_MAX: then n < cap until here) */
    if (p->n == p->cap) {   /* one allocation for both arrays: seq moves up to s + cap */
        uint32_t nc = p->cap ? (p->cap > UINT32_MAX / 2 ? UINT32_MAX : 2 * p->cap) : 4;
        uint32_t *b = realloc(p->s, (size_t)nc * 2 * sizeof *b);
        if (!b)
            return NF_ENOMEM;
        if (p->n)
            memmove(b + nc, b + p->cap, p->n * sizeof *b);
        p->s = b;
        p->seq = b + nc;
        p->cap = nc;
    }
    p->seq[p->n] = seq;
    p->s[p->n++] = s;
    return NF_OK;
}

/* The k heaviest entries of two vectors (terms and entities) into f->qk, heaviest first;
 * returns the count. */
static size_t top_keys_into(nf_tw **qk, size_t *capqk, uint32_t **wsel, size_t *capw,
                            const nf_tw *t, size_t nt, const nf_tw *e, size_t ne, size_t k)
{
    size_t n = nt + ne;
    if (nf_grow((void **)qk, capqk, n + 1, sizeof **qk))
        return 0;
    nf_tw *q = *qk;
    if (nt)
        memcpy(q, t, nt * sizeof *t);
    if (ne)
        memcpy(q + nt, e, ne * sizeof *e);
    if (n > k && k > 0)
        n = prune_w(wsel, capw, q, n, k);
    if (n <= 64) {   /* insertion sort: same order as qsort, the order being total */
        for (size_t i = 1; i < n; i++) {
            nf_tw x = q[i];
            size_t j = i;
            for (; j > 0 && cmp_tw_w_desc(&x, &q[j - 1]) < 0; j--)
                q[j] = q[j - 1];
            q[j] = x;
        }
    } else {
        qsort(q, n, sizeof *q, cmp_tw_w_desc);
    }
    return NF_MIN(k, n);
}

static size_t top_keys(walker *w, const nf_tw *t, size_t nt, const nf_tw *e, size_t ne,
                       size_t k)
{
    return top_keys_into(&w->qk, &w->capqk, &w->wsel, &w->capwsel, t, nt, e, ne, k);
}

/* The article's query keys into f->w.qk (as top_keys), precomputed by extraction when
 * present. */
static size_t query_keys(nf_folder *f, const nf_feats *a)
{
    walker *w = &f->w;
    if (!a->haskeys)
        return top_keys(w, a->term, a->nterm, a->ent, a->nent, f->o.query_terms);
    if (nf_grow((void **)&w->qk, &w->capqk, a->nqkey + 1, sizeof *w->qk))
        return 0;
    if (a->nqkey)
        memcpy(w->qk, a->qkey, a->nqkey * sizeof *w->qk);
    return a->nqkey;
}

/* The first article whose stream date (f->tmax) is above t (f->nart if none). */
static uint32_t seq_after(const nf_folder *f, int64_t t)
{
    uint32_t lo = 0, hi = (uint32_t)f->nart;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->tmax[mid] > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The first entry of p[lo..hi) whose stream date (f->tmax at its article) is above t, given
 * q = seq_after(f, t): f->tmax is non-decreasing, so tmax[seq] > t exactly when seq >= q, and
 * the search reads the list alone. */
static uint32_t post_after(const posting *p, uint32_t lo, uint32_t hi, uint32_t q)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->seq[mid] >= q)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A dated story's time span in refinement: [tlo - window, thi + window] (saturated). */
typedef struct tspan {
    int64_t lo, hi, end;   /* end = the story's thi */
    uint32_t qlo, qhi, qend;   /* seq_after(lo - 1), seq_after(hi), seq_after(end) */
} tspan;

static int span_of(const nf_folder *f, const story *S, tspan *sp)
{
    if (S->tlo == NF_NO_TIME)
        return 0;
    double wd = f->o.window_days * 86400.0;
    int64_t w = !(wd > 0) ? 0 : wd > 1e15 ? (int64_t)1e15 : (int64_t)wd;
    sp->lo = S->tlo > INT64_MIN + 1 + w ? S->tlo - w : INT64_MIN + 1;
    sp->hi = S->thi < INT64_MAX - w ? S->thi + w : INT64_MAX;
    sp->end = S->thi;
    sp->qlo = seq_after(f, sp->lo - 1);
    sp->qhi = seq_after(f, sp->hi);
    sp->qend = seq_after(f, sp->end);
    return 1;
}

/* The entries [*lo, *hi) of p that a walk of at most `walk` entries reads. Online and for an
 * undated story (sp NULL): the newest walk entries. For a dated story in refinement: among
 * the entries its span's articles added, the walk entries around the story's last date (half
 * before, half after, shifted to fill the walk at either end of the span): a story's
 * neighbours are the stories of its own time, on both sides, not the newest ones (in a long
 * dated stream those are months away, and time rules them out). Entries are in arrival
 * order and f->tmax is non-decreasing, so the span is found by binary search. */
static inline void walk_range(const nf_folder *f, const posting *p, const tspan *sp,
                              uint32_t walk, uint32_t *lo, uint32_t *hi)
{
    if (!sp) {
        *hi = p->n;
        *lo = p->n > walk ? p->n - walk : 0;
        return;
    }
    /* the span's ends a, b are searched within walk entries of m only: beyond that they do
     * not change the result (the walk is cut at walk entries either way) */
    uint32_t m = post_after(p, 0, p->n, sp->qend);
    uint32_t b = post_after(p, m, p->n - m > walk ? m + walk : p->n, sp->qhi);
    uint32_t a = post_after(p, m > walk ? m - walk : 0, m, sp->qlo);
    uint32_t l = m - a > walk / 2 ? m - walk / 2 : a;
    uint32_t h = b - l > walk ? l + walk : b;
    *lo = h - a > walk ? h - walk : a;
    *hi = h;
}

/* walk_range for each of the nk keys in qk: range i is [rhi[i] - rlen[i], rhi[i]). */
static void walk_ranges(const nf_folder *f, const nf_tw *qk, size_t nk, const tspan *sp,
                        uint32_t walk, uint32_t *rhi, uint8_t *rlen)
{
    for (size_t i = 0; i < nk; i++) {
        uint32_t key = qk[i].id, lo = 0, hi = 0;
        if (key < f->npost)
            walk_range(f, &f->post[key], sp, walk, &lo, &hi);
        rhi[i] = hi;
        rlen[i] = (uint8_t)(hi - lo);
    }
}

/* The entries [lo, hi) of posting p to walk for the i-th query key: the cached range (rhi,
 * rlen from walk_ranges) when given, else walk_range's. */
static inline void key_range(const nf_folder *f, const posting *p, size_t i, const tspan *sp,
                             uint32_t walk, const uint32_t *rhi, const uint8_t *rlen,
                             uint32_t *lo, uint32_t *hi)
{
    if (rhi) {
        *hi = rhi[i];
        *lo = rhi[i] - rlen[i];
    } else {
        walk_range(f, p, sp, walk, lo, hi);
    }
}

/* Stories sharing query keys, most query weight first, at most max_candidates. Online (sp
 * NULL): stories idle for window_days before t are skipped when both are dated; in refinement
 * of a dated story (sp), dated stories that ended before its span are (the window bounds how
 * far in time refinement looks, as online; a story that begins after the span is not reached:
 * the walk reads entries of the span only). rhi, rlen (or NULL): the walk ranges, from
 * walk_ranges. */
static size_t candidates(const nf_folder *f, walker *w, size_t nk, int64_t t, uint32_t exclude,
                         uint32_t walk, const tspan *sp, const uint32_t *rhi,
                         const uint8_t *rlen)
{
    story_hot *hot = w->hot;
    w->ncand = 0;
    if (++w->stamp == 0)
        w->stamp = 1;
    /* the lists are cold: each key's entries are fetched while the previous key's are walked */
    for (size_t i = 0; i < nk && i < 4; i++)
        if (w->qk[i].id < f->npost)
            __builtin_prefetch(&f->post[w->qk[i].id]);
    uint32_t nlo = 0, nhi = 0;
    if (nk && w->qk[0].id < f->npost)
        key_range(f, &f->post[w->qk[0].id], 0, sp, walk, rhi, rlen, &nlo, &nhi);
    for (size_t i = 0; i < nk; i++) {
        uint32_t key = w->qk[i].id;
        uint32_t lo = nlo, hi = nhi;
        if (i + 4 < nk && w->qk[i + 4].id < f->npost)
            __builtin_prefetch(&f->post[w->qk[i + 4].id]);
        if (i + 1 < nk && w->qk[i + 1].id < f->npost) {
            const posting *q = &f->post[w->qk[i + 1].id];
            key_range(f, q, i + 1, sp, walk, rhi, rlen, &nlo, &nhi);
            for (uint32_t j = nlo; j < nhi; j += 16)
                __builtin_prefetch(q->s + j);
            if (nhi > nlo)
                __builtin_prefetch(q->s + nhi - 1);
        }
        if (key >= f->npost)
            continue;
        const posting *p = &f->post[key];
        for (uint32_t j = hi; j > lo; j--) {
            if (j > lo + 8)
                __builtin_prefetch(&hot[p->s[j - 9]]);
            uint32_t s = hfind(hot, p->s[j - 1]);
            story_hot *S = &hot[s];
            if (s == exclude)
                continue;
            if (S->stamp != w->stamp) {
                if (sp ? S->thi != NF_NO_TIME && S->thi < sp->lo
                       : t != NF_NO_TIME && S->thi != NF_NO_TIME &&
                             (double)(t - S->thi) > f->o.window_days * 86400.0)
                    continue;
                if (nf_grow((void **)&w->cand, &w->capcand, w->ncand + 1, sizeof *w->cand))
                    return w->ncand;
                S->stamp = w->stamp;
                S->hits = 0;
                w->cand[w->ncand++] = s;
            }
            S->hits += w->qk[i].w;
        }
    }
    return w->ncand;
}

/* Stories are created in arrival order and a merge keeps the story with the smaller first
 * article as the root, so among roots the story index orders as the story id (first): ties
 * are broken on the index, without reading the story. */
typedef struct cand_rank {
    float hits;
    uint32_t s;
} cand_rank;

static int cmp_cand(const void *a, const void *b)
{
    const cand_rank *x = a, *y = b;
    if (x->hits != y->hits)
        return x->hits > y->hits ? -1 : 1;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Keep the max_candidates stories with the most query weight (ties: older story first). */
static void rank_candidates(const nf_folder *f, walker *w)
{
    if (w->ncand <= f->o.max_candidates)
        return;
    size_t k = f->o.max_candidates;
    cand_rank small[64];
    cand_rank *r = k <= 64 ? small : malloc(w->ncand * sizeof *r);
    if (!r) {   /* out of memory: score the first max_candidates found */
        w->ncand = f->o.max_candidates;
        return;
    }
    if (k <= 64) {   /* the k best, in order, by insertion (the order is total: ids unique) */
        size_t m = 0;
        for (size_t i = 0; i < w->ncand; i++) {
            cand_rank x = {w->hot[w->cand[i]].hits, w->cand[i]};
            if (m == k && cmp_cand(&x, &r[m - 1]) >= 0)
                continue;
            size_t j = m < k ? m++ : k - 1;
            for (; j > 0 && cmp_cand(&x, &r[j - 1]) < 0; j--)
                r[j] = r[j - 1];
            r[j] = x;
        }
    } else {
        for (size_t i = 0; i < w->ncand; i++)
            r[i] = (cand_rank){w->hot[w->cand[i]].hits, w->cand[i]};
        qsort(r, w->ncand, sizeof *r, cmp_cand);
    }
    w->ncand = k;
    for (size_t i = 0; i < w->ncand; i++)
        w->cand[i] = r[i].s;
    if (r != small)
        free(r);
}

/* ---- adding ---- */

static nf_rc story_new(nf_folder *f, uint64_t first, uint32_t *out)
{
    nf_rc rc = nf_grow((void **)&f->st, &f->capst, f->nst + 1, sizeof *f->st);
    if (rc || (rc = nf_grow((void **)&f->hot, &f->caphot, f->nst + 1, sizeof *f->hot)))
        return rc;
    story *s = &f->st[f->nst];
    memset(s, 0, sizeof *s);
    f->hot[f->nst] = (story_hot){.parent = (uint32_t)f->nst, .thi = NF_NO_TIME};
    s->first = first;
    s->tlo = s->thi = NF_NO_TIME;
    *out = (uint32_t)f->nst++;
    f->live++;
    return NF_OK;
}

static void story_range(nf_folder *f, uint32_t si, int64_t t)
{
    story *s = &f->st[si];
    if (t == NF_NO_TIME)
        return;
    if (s->tlo == NF_NO_TIME || t < s->tlo)
        s->tlo = t;
    if (s->thi == NF_NO_TIME || t > s->thi)
        s->thi = f->hot[si].thi = t;
}

/* A member dated t joins story si: its range and its date moments (days after f->tref, small
 * numbers, so the variance keeps its precision). */
static void story_date(nf_folder *f, uint32_t si, int64_t t)
{
    if (t == NF_NO_TIME)
        return;
    story_range(f, si, t);
    if (f->tref == NF_NO_TIME)
        f->tref = t;
    story *s = &f->st[si];
    double d = ((double)t - (double)f->tref) / 86400.0;
    s->td += d;
    s->tdd += d * d;
    s->ntd++;
}

static nf_rc story_absorb(nf_folder *f, uint32_t si, const nf_feats *a, const nf_feats *l)
{
    story *s = &f->st[si];
    nf_rc rc;
    if ((rc = vec_add(f, &s->t, &s->nt, &s->capt, a->term, a->nterm, f->o.story_terms_cap)) ||
        (rc = vec_add(f, &s->e, &s->ne, &s->cape, a->ent, a->nent, f->o.story_terms_cap)) ||
        (rc = quotes_add(s, a->quote, a->nquote)) ||
        (rc = vec_add(f, &s->lt, &s->nlt, &s->caplt, l->term, l->nterm,
                      f->o.story_terms_cap)) ||
        (rc = vec_add(f, &s->le, &s->nle, &s->caple, l->ent, l->nent, f->o.story_terms_cap)))
        return rc;
    s->t2 = sumsq(s->t, s->nt);
    s->e2 = sumsq(s->e, s->ne);
    s->nvec++;
    const nf_tw *keys = a->ikey;
    size_t nk = a->nikey;
    if (!a->haskeys) {
        nk = top_keys(&f->w, a->term, a->nterm, a->ent, a->nent, f->o.index_terms);
        keys = f->w.qk;
    }
    for (size_t i = 0; i < nk; i++)
        if ((rc = post_add(f, keys[i].id, si, (uint32_t)f->nart)))
            return rc;
    return NF_OK;
}

/* Top shared keys of the article and story as evidence: their ids (heaviest first) into
 * out->id, strings filled in later by evidence_strings (the dictionary may be growing in the
 * extraction thread meanwhile). */
static void evidence(const nf_tw *a, size_t na, const nf_tw *b, size_t nb, uint32_t *ids,
                     uint32_t *nout)
{
    nf_tw best[NF_EVIDENCE_MAX];
    uint32_t n = 0;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i].id < b[j].id) { i++; continue; }
        if (a[i].id > b[j].id) { j++; continue; }
        nf_tw x = {a[i].id, a[i].w * b[j].w};
        i++, j++;
        uint32_t k = n < NF_EVIDENCE_MAX ? n++ : NF_EVIDENCE_MAX;
        if (k == NF_EVIDENCE_MAX) {
            if (x.w <= best[NF_EVIDENCE_MAX - 1].w)
                continue;
            k = NF_EVIDENCE_MAX - 1;
        }
        while (k > 0 && best[k - 1].w < x.w) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = x;
    }
    for (uint32_t k = 0; k < n; k++)
        ids[k] = best[k].id;
    *nout = n;
}

typedef nf_fold_ev ev_ids;

/* s truncated to NF_EVIDENCE_LEN - 1 bytes (as snprintf "%s" would) into out. */
static void ev_copy(char *out, const char *s)
{
    size_t n = strnlen(s, NF_EVIDENCE_LEN - 1);
    memcpy(out, s, n);
    out[n] = 0;
}

void nf_folder_evidence(const nf_folder *f, const nf_fold_ev *ev, nf_fold_result *r)
{
    for (uint32_t k = 0; k < r->nterms; k++)
        ev_copy(r->terms[k], nf_dict_str(f->dict, ev->t[k]));
    for (uint32_t k = 0; k < r->nentities; k++)
        ev_copy(r->entities[k], nf_dict_str(f->dict, ev->e[k]));
}

/* Sum of the scattered weights (w->dense) over a vector v: a branch-free sparse dot product,
 * cheaper than a merge when v is long. */
static double dense_dot(const walker *w, const nf_tw *v, size_t n)
{
    /* Same sum, same order: products of floats are exact in double, and adding a zero
     * product leaves s unchanged, so only the non-zero products enter the (latency-bound)
     * chain of additions; they are computed and compacted first, independently. Most of v's
     * ids are not scattered: the L1 filter rules them out; a positive reads dense[id] (0 for
     * an id not scattered, so a false positive adds nothing). */
    const float *dense = w->dense;
    const uint32_t *filt = w->filt;
    double s = 0, p[256 + 16];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        size_t m = NF_MIN(n - i0, (size_t)256), k = 0;
        const nf_tw *u = v + i0;
#ifdef __AVX512F__
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8,
                                              6, 4, 2, 0);
        const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
        const __m512i fmask = _mm512_set1_epi32(FILT_BITS - 1), b31 = _mm512_set1_epi32(31),
                      one = _mm512_set1_epi32(1);
        for (size_t i = 0; i < m; i += 16) {
            size_t r = m - i;
            __mmask16 lanes = r >= 16 ? 0xFFFF : (__mmask16)((1u << r) - 1);
            __mmask16 lo8 = (__mmask16)(r >= 8 ? 0xFFFF : (1u << (2 * r)) - 1);
            __mmask16 hi8 = (__mmask16)(r >= 16 ? 0xFFFF : r > 8 ? (1u << (2 * (r - 8))) - 1 : 0);
            __m512i x0 = _mm512_maskz_loadu_epi32(lo8, u + i);
            __m512i x1 = _mm512_maskz_loadu_epi32(hi8, u + i + 8);
            __m512i ids = _mm512_permutex2var_epi32(x0, even, x1);
            __m512 wv = _mm512_castsi512_ps(_mm512_permutex2var_epi32(x0, odd, x1));
            __m512i fi = _mm512_and_si512(ids, fmask);
            __m512i fw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes,
                                                     _mm512_srli_epi32(fi, 5), filt, 4);
            __mmask16 hit = _mm512_mask_test_epi32_mask(
                lanes, _mm512_srlv_epi32(fw, _mm512_and_si512(fi, b31)), one);
            __builtin_prefetch(u + i + 64);   /* the vector is long and rarely cached */
            __builtin_prefetch(u + i + 72);
            if (!hit)
                continue;
            __m512 d = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), hit, ids, dense, 4);
            __m512d p0 = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(d)),
                                       _mm512_cvtps_pd(_mm512_castps512_ps256(wv)));
            __m512d p1 = _mm512_mul_pd(
                _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(d), 1))),
                _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(wv), 1))));
            /* only the hits' products, as the scalar path (a weight that is not finite must
             * not enter through a lane the filter ruled out) */
            __mmask8 n0 = _mm512_mask_cmp_pd_mask((__mmask8)hit, p0, _mm512_setzero_pd(),
                                                  _CMP_NEQ_UQ);
            __mmask8 n1 = _mm512_mask_cmp_pd_mask((__mmask8)(hit >> 8), p1, _mm512_setzero_pd(),
                                                  _CMP_NEQ_UQ);
            _mm512_storeu_pd(p + k, _mm512_maskz_compress_pd(n0, p0));
            k += (size_t)__builtin_popcount(n0);
            _mm512_storeu_pd(p + k, _mm512_maskz_compress_pd(n1, p1));
            k += (size_t)__builtin_popcount(n1);
        }
#else
        for (size_t i = 0; i < m; i++) {
            uint32_t id = u[i].id, fi = id & (FILT_BITS - 1);
            double x = (filt[fi >> 5] >> (fi & 31)) & 1 ? (double)dense[id] * u[i].w : 0;
            p[k] = x;
            k += x != 0;
        }
#endif
        for (size_t i = 0; i < k; i++)
            s += p[i];
    }
    return s;
}

/* Put the vectors t and e (distinct ids) in w->dense and w->filt (set), or clear them. */
static nf_rc scatter_v(const nf_folder *f, walker *w, const nf_tw *t, size_t nt, const nf_tw *e,
                       size_t ne, int set)
{
    size_t need = (size_t)f->maxid + 1;   /* every id in a story vector is below it */
    nf_rc rc = nf_grow_zero((void **)&w->dense, &w->capdense, need, sizeof *w->dense);
    if (rc)
        return rc;
    if (!w->filt && !(w->filt = calloc(FILT_BITS / 32, sizeof *w->filt)))
        return NF_ENOMEM;
    for (int part = 0; part < 2; part++) {
        const nf_tw *v = part ? e : t;
        size_t n = part ? ne : nt;
        for (size_t i = 0; i < n; i++) {
            uint32_t id = v[i].id, fi = id & (FILT_BITS - 1);
            w->dense[id] = set ? v[i].w : 0;
            w->filt[fi >> 5] = set ? w->filt[fi >> 5] | 1u << (fi & 31) : 0;
        }
    }
    return NF_OK;
}

static nf_rc scatter(nf_folder *f, const nf_feats *a, float sign)
{
    return scatter_v(f, &f->w, a->term, a->nterm, a->ent, a->nent, sign > 0);
}

/* An upper bound of the similarity that score or link_sim computes, from the vectors' squared
 * norms (Cauchy-Schwarz: dot(x, y) <= |x| |y|; t2, e2 are the products of the two sides'),
 * the divisor nn, the time factor tf and the shared quote shingles qs (UINT32_MAX: not known,
 * the full bonus), with slack for rounding; INFINITY where the options void it. A candidate
 * whose bound is below what it must beat is not scored: it could not have been chosen. */
static double sim_bound(const nf_fold_opts *o, double t2, double e2, double nn, uint32_t qs,
                        double tf)
{
    double we = o->entity_weight;
    if (!(we >= 0 && we <= 1 && o->quote_bonus >= 0 && tf >= 0))
        return INFINITY;
    double q = qs == UINT32_MAX ? 1 : NF_MIN(1.0, qs / 4.0);
    double ub = ((1 - we) * sqrt(t2) + we * sqrt(e2)) / nn + o->quote_bonus * q;
    return ub * tf * (1 + 1e-9) + 1e-12;
}

/* The similarity of the scattered vector (w) to story s, once the shared quotes qs are known:
 * ((1 - we) * term part + we * entity part + quote bonus) * tf, with the parts' dot products
 * divided by n; -INFINITY (parts not set) when sim_bound (t2, e2: products of squared norms)
 * shows it is below beat. Placement and refinement's links both end here. */
static double sim_finish(const nf_fold_opts *o, const walker *w, const story *s, double t2,
                         double e2, double n, uint32_t qs, double tf, double beat, double *ts,
                         double *es)
{
    if (sim_bound(o, t2, e2, n, qs, tf) < beat)
        return -INFINITY;
    *ts = dense_dot(w, s->t, s->nt) / n;
    *es = dense_dot(w, s->e, s->ne) / n;
    double we = o->entity_weight;
    double sim = (1 - we) * *ts + we * *es + o->quote_bonus * NF_MIN(1.0, qs / 4.0);
    return sim * tf;
}

/* The similarity of the scattered article (squared norms a2t, a2e) to story s, or -INFINITY
 * when sim_bound shows it is below beat (then *ts.. are not set). */
static double score(nf_folder *f, const nf_feats *a, double a2t, double a2e, int64_t t,
                    const story *s, double beat, double *ts, double *es, double *tf,
                    uint32_t *qs)
{
    double n = s->nvec ? (double)s->nvec : 1;
    *tf = time_factor(&f->o, t, s->tlo, s->thi);
    double t2 = a2t * s->t2, e2 = a2e * s->e2;
    if (sim_bound(&f->o, t2, e2, n, UINT32_MAX, *tf) < beat)
        return -INFINITY;
    *qs = quotes_shared_story(a->quote, a->nquote, s);
    return sim_finish(&f->o, &f->w, s, t2, e2, n, *qs, *tf, beat, ts, es);
}

/* The lede pass reads at most the first LEDE_BYTES of the text, cut at a space: the lede is
 * there, and tokenising the whole text twice would nearly double the cost of an article. */
size_t nf_folder_lede_len(const nf_article *a)
{
    size_t n = a->text_len;
    if (n <= LEDE_BYTES)
        return n;
    n = LEDE_BYTES;
    while (n > 0 && a->text[n] != ' ' && a->text[n] != '\n')
        n--;
    if (n)
        return n;
    n = LEDE_BYTES;   /* no space: cut at a UTF-8 character boundary */
    while (n > 0 && ((unsigned char)a->text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Checks of nf_folder_add's arguments, for the article that would get sequence number seq. */
static nf_rc add_check(const nf_folder *f, uint64_t seq, const nf_article *a, int64_t copy_of)
{
    if (!a || !a->text)
        return NF_EINVAL;
    if (copy_of >= (int64_t)seq)
        return NF_EINVAL;
    if (seq >= UINT32_MAX - 1)
        return NF_ETOOBIG;
    (void)f;
    return NF_OK;
}

nf_rc nf_folder_extract(nf_folder *f, const nf_article *a, nf_feats *out)
{
    nf_rc rc = nf_feats_extract(f->dict, &f->tc, a->title, a->text, a->text_len, out);
    if (rc)
        return rc;
    /* the keys placement will query and index: a function of the features alone */
    out->nqkey = top_keys_into(&out->qkey, &out->capqkey, &out->wsel, &out->capwsel, out->term,
                               out->nterm, out->ent, out->nent, f->o.query_terms);
    out->nikey = top_keys_into(&out->ikey, &out->capikey, &out->wsel, &out->capwsel, out->term,
                               out->nterm, out->ent, out->nent, f->o.index_terms);
    out->haskeys = out->qkey && out->ikey;   /* else (out of memory) placement computes them */
    return NF_OK;
}

nf_rc nf_folder_extract_lede(nf_folder *f, const nf_article *a, nf_feats *out)
{
    return nf_feats_extract(f->ldict, &f->ltc, a->title, a->text, nf_folder_lede_len(a), out);
}

nf_rc nf_folder_extract_lede_hint(nf_folder *f, const nf_article *a, nf_feats *out,
                                  const nf_token *tok, const uint32_t *sid, size_t ntok)
{
    nf_lhint h = {tok, sid, ntok, &f->lmap, &f->caplmap};
    return nf_feats_extract_hint(f->ldict, &f->ltc, a->title, a->text, nf_folder_lede_len(a),
                                 out, &h);
}

static uint32_t last_id(const nf_tw *v, size_t n) { return n ? v[n - 1].id : 0; }

/* The folding decision for one article whose features are ft (full) and lf (lede); ev NULL:
 * evidence strings are filled in at once, else only their ids into *ev. */
nf_rc nf_folder_place(nf_folder *f, const nf_article *a, int64_t copy_of, const nf_feats *ft,
                      const nf_feats *lf, nf_fold_result *r, nf_fold_ev *ev)
{
    memset(r, 0, sizeof *r);
    nf_rc rc = add_check(f, f->nart, a, copy_of);
    if (rc)
        return rc;
    if ((rc = nf_grow((void **)&f->art_story, &f->capart, f->nart + 1, sizeof *f->art_story)) ||
        (rc = nf_grow((void **)&f->tmax, &f->captmax, f->nart + 1, sizeof *f->tmax)))
        return rc;
    uint64_t seq = f->nart;
    int64_t prev = seq ? f->tmax[seq - 1] : NF_NO_TIME;
    f->tmax[seq] = a->time != NF_NO_TIME && a->time > prev ? a->time : prev;
    r->article = seq;
    r->time_factor = 1;
    if (copy_of >= 0) {   /* a copy inherits its original's story, adds no evidence */
        uint32_t s = find(f, f->art_story[copy_of]);
        f->st[s].size++;
        story_date(f, s, a->time);
        f->art_story[f->nart++] = s;
        r->story = f->st[s].first;
        r->joined = r->copy = 1;
        return NF_OK;
    }
    uint32_t top = NF_MAX(last_id(ft->term, ft->nterm), last_id(ft->ent, ft->nent));
    if (ft->nterm + ft->nent && top + 1 > f->maxid)
        f->maxid = top + 1;
    size_t nk = query_keys(f, ft);
    walker *w = &f->w;
    w->hot = f->hot;
    candidates(f, w, nk, a->time, UINT32_MAX, f->o.posting_cap, NULL, NULL, NULL);
    rank_candidates(f, w);
    if ((rc = scatter(f, ft, 1)))
        return rc;
    uint32_t best = UINT32_MAX;
    double bsim = -1, bts = 0, bes = 0, btf = 1;
    uint32_t bqs = 0;
    double a2t = sumsq(ft->term, ft->nterm), a2e = sumsq(ft->ent, ft->nent);
    for (size_t i = 0; i < w->ncand; i++) {
        double ts = 0, es = 0, tf = 1;
        uint32_t qs = 0;
        double beat = bsim > f->o.threshold ? bsim : f->o.threshold;
        double sim = score(f, ft, a2t, a2e, a->time, &f->st[w->cand[i]], beat, &ts, &es, &tf,
                           &qs);
        if (sim > bsim || (sim == bsim && w->cand[i] < best)) {   /* older story on a tie */
            bsim = sim, best = w->cand[i], bts = ts, bes = es, btf = tf, bqs = qs;
        }
    }
    scatter(f, ft, 0);
    r->candidates = (uint32_t)w->ncand;
    uint32_t si;
    if (best != UINT32_MAX && bsim >= f->o.threshold) {
        si = best;
        r->joined = 1;
        r->similarity = bsim, r->term_sim = bts, r->entity_sim = bes, r->time_factor = btf;
        r->quote_shingles = bqs;
        const story *s = &f->st[si];
        ev_ids tmp;
        ev_ids *e = ev ? ev : &tmp;
        evidence(ft->term, ft->nterm, s->t, s->nt, e->t, &r->nterms);
        evidence(ft->ent, ft->nent, s->e, s->ne, e->e, &r->nentities);
        if (!ev)
            nf_folder_evidence(f, e, r);
    } else if ((rc = story_new(f, seq, &si))) {
        return rc;
    }
    if ((rc = story_absorb(f, si, ft, lf)))
        return rc;
    f->st[si].size++;
    story_date(f, si, a->time);
    f->art_story[f->nart++] = si;
    r->story = f->st[si].first;
    return NF_OK;
}

nf_rc nf_folder_add(nf_folder *f, const nf_article *a, int64_t copy_of, nf_fold_result *r)
{
    nf_fold_result tmp;
    if (!r)
        r = &tmp;
    memset(r, 0, sizeof *r);
    nf_rc rc = add_check(f, f->nart, a, copy_of);
    if (rc)
        return rc;
    if (copy_of < 0 && ((rc = nf_folder_extract(f, a, &f->feats)) ||
                        (rc = nf_folder_extract_lede_hint(f, a, &f->lfeats, f->feats.tok.tok,
                                                          f->feats.sid, f->feats.tok.ntok))))
        return rc;
    return nf_folder_place(f, a, copy_of, &f->feats, &f->lfeats, r, NULL);
}

/* ---- refinement ---- */

/* Refinement walks only the newest postings of each key: after merges, long posting lists hold
 * many entries of the same few stories, and a story's close neighbours are recent ones. */
#define REFINE_WALK 32
_Static_assert(REFINE_WALK <= 255, "walk range lengths are stored in a byte");

typedef struct spair {
    double sim;
    uint32_t a, b;
} spair;

static int cmp_pair(const void *x, const void *y)
{
    const spair *a = x, *b = y;
    if (a->sim != b->sim)
        return a->sim > b->sim ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* x's vectors are scattered in w (scatter_v): dot(x, y) = dense_dot over y, the same products
 * summed in the same (id) order as nf_tw_dot. */
/* -INFINITY when sim_bound shows the link is below beat. */
static double link_sim(const nf_folder *f, const walker *w, const story *x, const story *y,
                       double beat)
{
    double nn = (double)NF_MAX(x->nvec, 1u) * NF_MAX(y->nvec, 1u);
    double ptf = pair_time_factor(&f->o, x, y);
    double t2 = x->t2 * y->t2, e2 = x->e2 * y->e2;
    if (sim_bound(&f->o, t2, e2, nn, UINT32_MAX, ptf) < beat)
        return -INFINITY;
    uint32_t qs = x->nq <= y->nq ? quotes_shared_story(x->q, x->nq, y)
                                 : quotes_shared_story(y->q, y->nq, x);
    double ts, es;
    return sim_finish(&f->o, w, y, t2, e2, nn, qs, ptf, beat, &ts, &es);
}

static nf_rc merge(nf_folder *f, uint32_t a, uint32_t b)
{
    if (f->st[b].first < f->st[a].first) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    assert(a < b);   /* stories are created in arrival order: see cand_rank */
    story *A = &f->st[a], *B = &f->st[b];
    nf_rc rc;
    if ((rc = vec_add(f, &A->t, &A->nt, &A->capt, B->t, B->nt, f->o.story_terms_cap)) ||
        (rc = vec_add(f, &A->e, &A->ne, &A->cape, B->e, B->ne, f->o.story_terms_cap)) ||
        (rc = quotes_add(A, B->q, B->nq)) ||
        (rc = vec_add(f, &A->lt, &A->nlt, &A->caplt, B->lt, B->nlt, f->o.story_terms_cap)) ||
        (rc = vec_add(f, &A->le, &A->nle, &A->caple, B->le, B->nle, f->o.story_terms_cap)))
        return rc;
    A->t2 = sumsq(A->t, A->nt);
    A->e2 = sumsq(A->e, A->ne);
    A->nvec += B->nvec;
    A->size += B->size;
    story_range(f, a, B->tlo);
    story_range(f, a, B->thi);
    A->td += B->td;
    A->tdd += B->tdd;
    A->ntd += B->ntd;
    f->hot[b].parent = a;
    free(B->t);
    free(B->e);
    free(B->q);
    free(B->qb);
    B->qb = NULL;
    B->nqb = 0;
    free(B->lt);
    free(B->le);
    B->lt = B->le = NULL;
    B->nlt = B->nle = B->caplt = B->caple = 0;
    B->t = B->e = NULL;
    B->q = NULL;
    B->nt = B->ne = B->nq = B->capt = B->cape = B->capq = 0;
    f->live--;
    return NF_OK;
}

/* Lede link: mean pairwise similarity of the two stories' ledes. */
static double lede_link(const nf_folder *f, const story *x, const story *y)
{
    double nn = (double)NF_MAX(x->nvec, 1u) * NF_MAX(y->nvec, 1u);
    double we = f->o.entity_weight;
    return ((1 - we) * nf_tw_dot(x->lt, x->nlt, y->lt, y->nlt) +
            we * nf_tw_dot(x->le, x->nle, y->le, y->nle)) / nn;
}

/* Refinement merge check between two established stories (each with at least
 * LEDE_MIN_MEMBERS scored members): their ledes must agree on the event, not only their bodies
 * on the topic. A single article's lede is one noisy sample, so fragments are exempt. */
static int lede_ok(const nf_folder *f, const story *x, const story *y)
{
    if (x->nvec < LEDE_MIN_MEMBERS || y->nvec < LEDE_MIN_MEMBERS)
        return 1;
    return lede_link(f, x, y) >= LEDE_MIN_LINK;
}

/* Did last round's merges touch any story that candidates(f, nk, ., s, walk, sp) would
 * reach? When neither s nor any of them was touched, s's candidates, their hits and order, and
 * every link between s and them are what they were last round (s's span is unchanged, and the
 * postings do not change in refinement); and last round no pair left unmerged had both ends
 * untouched (the greedy pass merges such a pair), so s had no qualifying pair then and has none
 * now: refinement may skip it, with the very same merges. */
static int walk_touched(const nf_folder *f, walker *w, const uint32_t *keys,
                        const uint32_t *rhi, const uint8_t *rlen, size_t nk, uint32_t s,
                        uint32_t walk, const uint8_t *touched)
{
    tspan span;
    const tspan *sp = !rhi && span_of(f, &f->st[s], &span) ? &span : NULL;
    for (size_t i = 0; i < nk; i++) {
        uint32_t key = keys[i];
        if (key >= f->npost)
            continue;
        const posting *p = &f->post[key];
        uint32_t lo, hi;
        key_range(f, p, i, sp, walk, rhi, rlen, &lo, &hi);
        for (uint32_t j = hi; j > lo; j--) {
            uint32_t r = hfind(w->hot, p->s[j - 1]);
            if (r != s && touched[r])
                return 1;
        }
    }
    return 0;
}

/* walk_touched over the keys top_keys left in w->qk. */
static int walk_touched_qk(const nf_folder *f, walker *w, size_t nk, uint32_t s,
                           const uint8_t *touched)
{
    uint32_t ids[64];
    for (size_t i0 = 0; i0 < nk; i0 += 64) {
        size_t m = NF_MIN(nk - i0, (size_t)64);
        for (size_t i = 0; i < m; i++)
            ids[i] = w->qk[i0 + i].id;
        if (walk_touched(f, w, ids, NULL, NULL, m, s, REFINE_WALK, touched))
            return 1;
    }
    return 0;
}

/* One round's candidate-pair collection (refinement's costly part) is read-only over the
 * stories, the postings and the round's caches of other stories: each story s writes only its
 * own cache entries (kc, kn, khi, klen, cc, ccn at s) and appends its pairs, found with its own
 * walker. So stories are collected by o.threads threads, in chunks handed out in order; every
 * thread but the first walks a private copy of story_hot (roots and dates: the walk's marks and
 * path compression stay private) and scatters into a dense array of its own. The pairs are then
 * sorted by cmp_pair, a total order (a pair is found once, from its lower story), so the merges
 * are those of one thread, whatever the split. */
typedef struct rshared {
    const nf_folder *f;
    const uint8_t *touched;   /* NULL in the first round */
    nf_tw *kc; uint8_t *kn; uint32_t *khi; uint8_t *klen; size_t kcap;
    uint32_t *cc; uint8_t *ccn; size_t ccap;
    uint32_t nst;
    uint32_t chunk;           /* stories per chunk */
    _Atomic uint32_t next;    /* next chunk of stories */
    _Atomic int stop;         /* a thread failed */
} rshared;

typedef struct rthread {
    rshared *R;
    walker *w;
    walker own;               /* threads after the first: their scratch */
    spair *pairs; size_t np, capp;
    nf_rc rc;
    pthread_t th;
} rthread;

/* Stories per chunk: a few chunks per thread at least, at most REFINE_CHUNK. */
#define REFINE_CHUNK 256

/* Story s's qualifying pairs (s, c > s) into T->pairs. */
static nf_rc collect_story(const rshared *R, rthread *T, uint32_t s)
{
    const nf_folder *f = R->f;
    walker *w = T->w;
    const uint8_t *touched = R->touched;
    if (w->hot[s].parent != s)
        return NF_OK;
    const story *S = &f->st[s];
    size_t kcap = R->kcap, ccap = R->ccap;
    uint32_t rhi[64], ids[64];
    uint8_t rlen[64];
    int cached = touched && !touched[s] && R->kc;   /* keys and ranges as last time */
    if (cached) {
        size_t nk = R->kn[s];
        for (size_t i = 0; i < nk; i++)
            ids[i] = R->kc[(size_t)s * kcap + i].id;
        if (!walk_touched(f, w, ids, R->khi + (size_t)s * kcap, R->klen + (size_t)s * kcap, nk,
                          s, REFINE_WALK, touched))
            return NF_OK;   /* exactly last round's (empty) pair list: see walk_touched */
    }
    size_t nk;
    tspan span;
    const tspan *sp = span_of(f, S, &span) ? &span : NULL;
    uint32_t *sh = rhi;
    uint8_t *sl = rlen;
    nf_rc rc;
    if (cached) {
        nk = R->kn[s];
        if ((rc = nf_grow((void **)&w->qk, &w->capqk, nk + 1, sizeof *w->qk)))
            return rc;
        memcpy(w->qk, R->kc + (size_t)s * kcap, nk * sizeof *w->qk);
        sh = R->khi + (size_t)s * kcap;
        sl = R->klen + (size_t)s * kcap;
    } else {
        nk = top_keys(w, S->t, S->nt, S->e, S->ne, f->o.query_terms);
        if (touched && !touched[s] && !R->kc && !walk_touched_qk(f, w, nk, s, touched))
            return NF_OK;
        if (R->kc) {   /* the story's query keys, for the next rounds while it stays */
            memcpy(R->kc + (size_t)s * kcap, w->qk, nk * sizeof *w->qk);
            R->kn[s] = (uint8_t)nk;
            sh = R->khi + (size_t)s * kcap;
            sl = R->klen + (size_t)s * kcap;
        }
        if (nk <= 64)
            walk_ranges(f, w->qk, nk, sp, REFINE_WALK, sh, sl);
        else
            sh = NULL, sl = NULL;
    }
    candidates(f, w, nk, S->thi, s, REFINE_WALK, sp, sh, sl);
    rank_candidates(f, w);
    int scattered = 0;
    const uint32_t *old = R->cc ? R->cc + (size_t)s * ccap : NULL;
    size_t nold = R->cc && touched && !touched[s] ? R->ccn[s] : 0;
    rc = NF_OK;
    for (size_t i = 0; i < w->ncand; i++) {
        uint32_t c = w->cand[i];
        if (c < s)
            continue;   /* each pair once, from its lower index */
        if (nold && !touched[c]) {
            size_t j = 0;
            while (j < nold && old[j] != c)
                j++;
            if (j < nold)
                continue;   /* unchanged pair that did not qualify (see cc) */
        }
        if (!scattered && (rc = scatter_v(f, w, S->t, S->nt, S->e, S->ne, 1)))
            return rc;
        scattered = 1;
        double sim = link_sim(f, w, S, &f->st[c], f->o.merge_threshold);
        if (!(sim >= f->o.merge_threshold) ||   /* NaN never qualifies */
            (sim < LEDE_EXEMPT_LINK && !lede_ok(f, S, &f->st[c])))
            continue;
        if ((rc = nf_grow((void **)&T->pairs, &T->capp, T->np + 1, sizeof *T->pairs)))
            break;
        T->pairs[T->np++] = (spair){sim, s, c};
    }
    if (scattered)
        scatter_v(f, w, S->t, S->nt, S->e, S->ne, 0);
    if (rc)
        return rc;
    if (R->cc && w->ncand) {
        memcpy(R->cc + (size_t)s * ccap, w->cand, w->ncand * sizeof *R->cc);
        R->ccn[s] = (uint8_t)w->ncand;
    }
    return NF_OK;
}

static void *collect_chunks(void *arg)
{
    rthread *T = arg;
    rshared *R = T->R;
    while (!atomic_load_explicit(&R->stop, memory_order_relaxed)) {
        uint32_t c = atomic_fetch_add_explicit(&R->next, 1, memory_order_relaxed);
        uint64_t lo = (uint64_t)c * R->chunk, hi = NF_MIN(lo + R->chunk, (uint64_t)R->nst);
        if (lo >= R->nst)
            break;
        for (uint64_t s = lo; s < hi; s++)
            if ((T->rc = collect_story(R, T, (uint32_t)s))) {
                atomic_store(&R->stop, 1);
                return NULL;
            }
    }
    return NULL;
}

/* Refinement's collecting threads: o.threads (0: 2 when more than one CPU is online, as in
 * nf_folder_add_many), fewer on a small stream. */
static unsigned refine_threads(const nf_folder *f)
{
    unsigned n = f->o.threads;
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    if (n > 16)
        n = 16;
    while (n > 1 && f->nst / n < 32)
        n--;
    return n;
}

/* One round's collection with nt threads (T[0] runs in the caller on f->w): their pairs. */
static nf_rc collect_round(nf_folder *f, rshared *R, rthread *T, unsigned nt)
{
    R->nst = (uint32_t)f->nst;
    R->chunk = (uint32_t)NF_MIN(NF_MAX(f->nst / (8 * (size_t)nt), (size_t)16), (size_t)REFINE_CHUNK);
    atomic_store(&R->next, 0);
    atomic_store(&R->stop, 0);
    f->w.hot = f->hot;
    unsigned started = 1;
    nf_rc rc = NF_OK;
    for (unsigned k = 0; k < nt; k++)
        T[k].np = 0, T[k].rc = NF_OK;
    if (nt > 1) {
        for (uint32_t s = 0; s < f->nst; s++)   /* roots only: the copies' finds are one step */
            f->hot[s].parent = find(f, s);
        for (unsigned k = 1; k < nt; k++) {
            walker *w = T[k].w;
            if ((rc = nf_grow((void **)&w->hot, &w->caphot, f->nst + 1, sizeof *w->hot)))
                break;
            for (size_t s = 0; s < f->nst; s++)
                w->hot[s] = (story_hot){.parent = f->hot[s].parent, .thi = f->hot[s].thi};
            w->stamp = 0;
            if (pthread_create(&T[k].th, NULL, collect_chunks, &T[k]))
                break;   /* fewer threads: the others share the work */
            started++;
        }
    }
    if (!rc)
        collect_chunks(&T[0]);
    else
        atomic_store(&R->stop, 1);
    for (unsigned k = 1; k < started; k++)
        pthread_join(T[k].th, NULL);
    for (unsigned k = 0; k < started && !rc; k++)
        rc = T[k].rc;
    return rc;
}

nf_rc nf_folder_refine(nf_folder *f, uint64_t *merges)
{
    uint64_t total = 0;
    spair *pairs = NULL;
    size_t np = 0, capp = 0;
    uint8_t *touched = NULL;
    nf_rc rc = NF_OK;
    rshared R = {.f = f};
    unsigned nt = refine_threads(f);
    rthread T[16];
    memset(T, 0, sizeof T);
    for (unsigned k = 0; k < nt; k++) {
        T[k].R = &R;
        T[k].w = k ? &T[k].own : &f->w;
    }
    /* query-key ids per story, valid while the story is untouched (NULL: too many keys, then
     * they are recomputed) */
    size_t kcap = f->o.query_terms;
    nf_tw *kc = kcap && kcap <= 64 ? malloc((f->nst + 1) * kcap * sizeof *kc) : NULL;
    uint8_t *kn = kc ? calloc(f->nst + 1, 1) : NULL;
    /* and their walk ranges (walk_ranges), valid as long: the story's span and the postings
     * do not change meanwhile */
    uint32_t *khi = kc ? malloc((f->nst + 1) * kcap * sizeof *khi) : NULL;
    uint8_t *klen = kc ? malloc((f->nst + 1) * kcap) : NULL;
    if (kc && (!kn || !khi || !klen)) {
        free(kc);
        free(khi);
        free(klen);
        kc = NULL;
        khi = NULL;
        klen = NULL;
    }
    /* each story's candidate list when it was last evaluated (NULL: not kept). An untouched
     * story s and an untouched candidate c that was already on s's list have the link they
     * had then, which did not qualify (else the pair would have merged: neither end was
     * touched), so it is not computed again. */
    size_t ccap = f->o.max_candidates;
    uint32_t *cc = ccap <= 64 ? malloc((f->nst + 1) * ccap * sizeof *cc) : NULL;
    uint8_t *ccn = cc ? calloc(f->nst + 1, 1) : NULL;
    if (cc && !ccn) {
        free(cc);
        cc = NULL;
    }
    R.kc = kc, R.kn = kn, R.khi = khi, R.klen = klen, R.kcap = kcap;
    R.cc = cc, R.ccn = ccn, R.ccap = ccap;
    int stale = 0;   /* the last round's merges were not followed by a collection */
    for (int round = 0; round < 32; round++) {
        R.touched = touched;
        if ((rc = collect_round(f, &R, T, nt)))
            goto done;
        stale = 0;   /* every story's cached keys are current again */
        np = 0;
        for (unsigned k = 0; k < nt; k++)
            np += T[k].np;
        if (!np)
            break;
        if ((rc = nf_grow((void **)&pairs, &capp, np, sizeof *pairs)))
            goto done;
        np = 0;
        for (unsigned k = 0; k < nt; k++) {
            if (T[k].np)
                memcpy(pairs + np, T[k].pairs, T[k].np * sizeof *pairs);
            np += T[k].np;
        }
        qsort(pairs, np, sizeof *pairs, cmp_pair);
        free(touched);
        if (!(touched = calloc(f->nst, 1))) {
            rc = NF_ENOMEM;
            goto done;
        }
        uint64_t merged = 0;
        for (size_t i = 0; i < np; i++) {
            if (touched[pairs[i].a] || touched[pairs[i].b])
                continue;
            touched[pairs[i].a] = touched[pairs[i].b] = 1;
            if ((rc = merge(f, pairs[i].a, pairs[i].b)))
                goto done;
            merged++;
        }
        total += merged;
        stale = merged > 0;
        if (!merged)
            break;
    }
    /* Fragments: a story of at most attach_max_members scored members (an article that found
     * no story above the online threshold, and its echo) joins its best-linked larger story
     * when the average link reaches attach_threshold. */
    {
        double att = f->o.attach_threshold;
        uint32_t small = f->o.attach_max_members;
        walker *w = &f->w;
        w->hot = f->hot;
        for (uint32_t s = 0; att > 0 && small > 0 && s < f->nst; s++) {
            if (f->hot[s].parent != s || f->st[s].nvec > small)
                continue;
            const story *S = &f->st[s];
            /* its query keys and walk ranges as the rounds left them, unless the last round's
             * merges touched it (fragments before it merge only into larger stories) */
            size_t nk;
            const uint32_t *rh = NULL;
            const uint8_t *rl = NULL;
            if (kc && !(stale && touched && touched[s])) {
                nk = kn[s];
                if ((rc = nf_grow((void **)&w->qk, &w->capqk, nk + 1, sizeof *w->qk)))
                    goto done;
                memcpy(w->qk, kc + (size_t)s * kcap, nk * sizeof *w->qk);
                rh = khi + (size_t)s * kcap;
                rl = klen + (size_t)s * kcap;
            } else {
                nk = top_keys(w, S->t, S->nt, S->e, S->ne, f->o.query_terms);
            }
            tspan span;
            candidates(f, w, nk, S->thi, s, REFINE_WALK, span_of(f, S, &span) ? &span : NULL,
                       rh, rl);
            rank_candidates(f, w);
            double best = -1;
            uint32_t bc = UINT32_MAX;
            if ((rc = scatter_v(f, w, S->t, S->nt, S->e, S->ne, 1)))
                goto done;
            for (size_t i = 0; i < w->ncand; i++) {
                uint32_t c = w->cand[i];
                if (f->st[c].nvec <= small)
                    continue;
                double sim = link_sim(f, w, &f->st[s], &f->st[c], best > att ? best : att);
                if (sim > best) best = sim, bc = c;
            }
            scatter_v(f, w, S->t, S->nt, S->e, S->ne, 0);
            if (bc != UINT32_MAX && best >= att) {
                if ((rc = merge(f, s, bc)))
                    goto done;
                total++;
            }
        }
    }
done:
    for (unsigned k = 0; k < nt; k++)
        free(T[k].pairs);
    for (unsigned k = 1; k < nt; k++) {
        free(T[k].own.hot);
        walker_free(&T[k].own);
    }
    free(pairs);
    free(touched);
    free(kc);
    free(kn);
    free(khi);
    free(klen);
    free(cc);
    free(ccn);
    if (merges)
        *merges = total;
    return rc;
}
