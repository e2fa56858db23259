/*
 * test_dedup.c — copy detection: band/row choice, exact copies, a trimmed copy, the two seeds
 * (same story, shared quotes) not copies, independence of thread count and input order, the
 * representative rule, the exported pair verdict and link rule, one-at-a-time use, the radix
 * sort and option errors.
 */
#include "harness.h"
#include "nf_int.h"
#include <math.h>

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    *n = fread(b, 1, (1 << 20) - 1, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

/* a deterministic article-like text: n distinct sentences from a seed */
static char *make_text(uint64_t seed, int sentences, size_t *len)
{
    static const char *words[] = {"government", "said", "officials", "minister", "on",
        "tuesday", "the", "report", "according", "to", "police", "city", "people", "new",
        "after", "election", "president", "statement", "week", "market", "company", "shares",
        "rose", "fell", "percent", "talks", "agreement", "border", "court", "ruling"};
    size_t cap = (size_t)sentences * 200 + 16, n = 0;
    char *s = malloc(cap);
    uint64_t x = seed * 1000003;
    for (int i = 0; i < sentences; i++) {
        int w = 8 + (int)(nf_splitmix64(x++) % 10);
        for (int j = 0; j < w; j++) {
            const char *word = words[nf_splitmix64(x++) % NF_ARRAY_LEN(words)];
            n += (size_t)snprintf(s + n, cap - n, "%s%s", j ? " " : "", word);
        }
        n += (size_t)snprintf(s + n, cap - n, " %llu. ", (unsigned long long)(nf_splitmix64(x++) % 100000));
    }
    *len = n;
    return s;
}

static void check_lsh_params(void)
{
    double ts[] = {0.3, 0.5, 0.7, 0.9};
    for (size_t i = 0; i < NF_ARRAY_LEN(ts); i++) {
        uint32_t b, r;
        CHECK(nf_lsh_params(ts[i], 128, 0.5, 0.5, &b, &r) == NF_OK);
        CHECK(b * r <= 128 && b >= 1 && r >= 1);
        /* the S-curve rises through the threshold */
        CHECK(nf_lsh_prob(NF_MIN(1.0, ts[i] + 0.2), b, r) > 0.5);
        CHECK(nf_lsh_prob(NF_MAX(0.0, ts[i] - 0.25), b, r) < 0.5);
        /* weighting false negatives more never lowers the recall at the threshold */
        uint32_t b2, r2;
        CHECK(nf_lsh_params(ts[i], 128, 0.1, 0.9, &b2, &r2) == NF_OK);
        CHECK(nf_lsh_prob(ts[i], b2, r2) >= nf_lsh_prob(ts[i], b, r) - 1e-9);
    }
    /* higher threshold, steeper bands: the midpoint (1/b)^(1/r) moves up */
    uint32_t b1, r1, b2, r2;
    nf_lsh_params(0.3, 128, 0.5, 0.5, &b1, &r1);
    nf_lsh_params(0.9, 128, 0.5, 0.5, &b2, &r2);
    CHECK(pow(1.0 / b1, 1.0 / r1) < pow(1.0 / b2, 1.0 / r2));
    CHECK(nf_lsh_params(0.0, 128, 0.5, 0.5, &b1, &r1) == NF_EINVAL);
    CHECK(nf_lsh_params(1.0, 128, 0.5, 0.5, &b1, &r1) == NF_EINVAL);
}

static void check_sort(void)
{
    enum { N = 5000 };
    nf_lsh_item *a = malloc(N * sizeof *a), *t = malloc(N * sizeof *t);
    for (uint32_t i = 0; i < N; i++)
        a[i] = (nf_lsh_item){nf_splitmix64(i % 700) << (i % 3 ? 0 : 20), i, 0};
    CHECK(nf_lsh_sort(a, t, N) == NF_OK);
    int ok = 1;
    for (size_t i = 1; i < N; i++)
        if (a[i - 1].key > a[i].key || (a[i - 1].key == a[i].key && a[i - 1].doc > a[i].doc))
            ok = 0;
    CHECK_MSG(ok, "radix sort not ordered or not stable");
    free(a);
    free(t);
}

/* Cluster of each text under batch dedup of texts in the given order, as the smallest
 * original position (so orders can be compared). */
static void batch(char **tx, size_t *ln, size_t n, const size_t *order, uint32_t threads,
                  uint64_t *cluster_of, nf_copy *res)
{
    nf_dedup_opts o = {0};
    o.threads = threads;
    nf_dedup *d;
    CHECK(nf_dedup_new(&d, &o) == NF_OK);
    const char **t = malloc(n * sizeof *t);
    size_t *l = malloc(n * sizeof *l);
    for (size_t i = 0; i < n; i++) {
        t[i] = tx[order[i]];
        l[i] = ln[order[i]];
    }
    CHECK(nf_dedup_add_batch(d, t, l, n / 2) == NF_OK);      /* in two calls */
    CHECK(nf_dedup_add_batch(d, t + n / 2, l + n / 2, n - n / 2) == NF_OK);
    CHECK(nf_dedup_finish(d) == NF_OK);
    uint64_t *minpos = malloc(n * sizeof *minpos);
    for (size_t i = 0; i < n; i++)
        minpos[i] = UINT64_MAX;
    nf_copy *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        CHECK(nf_dedup_result(d, i, &r[i]) == NF_OK);
        minpos[r[i].cluster] = NF_MIN(minpos[r[i].cluster], order[i]);
    }
    for (size_t i = 0; i < n; i++) {
        cluster_of[order[i]] = minpos[r[i].cluster];
        if (res)
            res[order[i]] = r[i];
    }
    free(minpos);
    free(r);
    free(t);
    free(l);
    nf_dedup_free(d);
}

static void check_batch(void)
{
    enum { BASE = 40, N = BASE + 6 };
    char *tx[N];
    size_t ln[N];
    for (int i = 0; i < BASE; i++)
        tx[i] = make_text((uint64_t)i + 1, 20, &ln[i]);
    /* 40: exact copy of 3 with other case, spacing and punctuation */
    tx[40] = malloc(ln[3] * 2 + 8);
    size_t m = 0;
    for (size_t i = 0; i < ln[3]; i++) {
        char c = tx[3][i];
        tx[40][m++] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c == ' ' ? '\n' : c;
        if (c == '.')
            tx[40][m++] = ',';
    }
    ln[40] = m;
    /* 41: 5 trimmed to its first 55 % */
    ln[41] = ln[5] * 55 / 100;
    tx[41] = malloc(ln[41] + 1);
    memcpy(tx[41], tx[5], ln[41]);
    /* 42: 7 with one sentence inserted in the middle; 43: a copy of 42 (a chain 7-42-43) */
    size_t extra;
    char *ins = make_text(999, 1, &extra);
    tx[42] = malloc(ln[7] + extra + 1);
    memcpy(tx[42], tx[7], ln[7] / 2);
    memcpy(tx[42] + ln[7] / 2, ins, extra);
    memcpy(tx[42] + ln[7] / 2 + extra, tx[7] + ln[7] / 2, ln[7] - ln[7] / 2);
    ln[42] = ln[7] + extra;
    tx[43] = malloc(ln[42] + 1);
    memcpy(tx[43], tx[42], ln[42]);
    ln[43] = ln[42];
    tx[43][0] = 'Q';            /* first word changes: near, not exact */
    /* 44: 9 trimmed to 30 %: keeps too little, stays apart (a 30 % trim of 5 would join
     * through 41, which contains it); 45: no words */
    ln[44] = ln[9] * 30 / 100;
    tx[44] = malloc(ln[44] + 1);
    memcpy(tx[44], tx[9], ln[44]);
    tx[45] = malloc(4);
    memcpy(tx[45], " . ", 3);
    ln[45] = 3;
    free(ins);

    size_t order[N];
    for (size_t i = 0; i < N; i++)
        order[i] = i;
    uint64_t c1[N], c2[N], c3[N];
    nf_copy r1[N];
    batch(tx, ln, N, order, 1, c1, r1);
    CHECK_EQ_INT(r1[40].kind, NF_COPY_EXACT);
    CHECK_EQ_INT(r1[40].copy_of, 3);
    CHECK_NEAR(r1[40].similarity, 1.0, 1e-9);
    CHECK_EQ_INT(r1[41].kind, NF_COPY_CONTAINED);
    CHECK_EQ_INT(r1[41].copy_of, 5);
    CHECK_EQ_INT(r1[42].copy_of, 7);
    CHECK_EQ_INT(r1[43].copy_of, 7);     /* representative: the earliest member */
    CHECK(r1[43].kind == NF_COPY_NEAR || r1[43].kind == NF_COPY_CONTAINED);
    CHECK_EQ_INT(r1[44].copy_of, -1);
    CHECK_EQ_INT(r1[45].copy_of, -1);
    CHECK_EQ_INT(r1[3].kind, NF_COPY_NONE);
    CHECK_EQ_INT(r1[3].copy_of, -1);
    CHECK_EQ_INT(r1[3].cluster, 3);
    int originals_apart = 1;
    for (int i = 0; i < BASE; i++)
        if (c1[i] != (uint64_t)i)
            originals_apart = 0;
    CHECK(originals_apart);

    /* the same clusters with 3 threads and in reversed / shuffled order */
    batch(tx, ln, N, order, 3, c2, NULL);
    CHECK(!memcmp(c1, c2, sizeof c1));
    for (size_t i = 0; i < N; i++)
        order[i] = N - 1 - i;
    batch(tx, ln, N, order, 2, c3, NULL);
    CHECK(!memcmp(c1, c3, sizeof c1));
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = nf_splitmix64(i) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    batch(tx, ln, N, order, 2, c3, NULL);
    CHECK(!memcmp(c1, c3, sizeof c1));

    /* one at a time: same answers for this set, final at once */
    nf_dedup *d;
    CHECK(nf_dedup_new(&d, NULL) == NF_OK);
    nf_copy r;
    int same = 1;
    for (size_t i = 0; i < N; i++) {
        CHECK(nf_dedup_add(d, tx[i], ln[i], &r) == NF_OK);
        if (r.cluster != r1[i].cluster || r.kind != r1[i].kind)
            same = 0;
    }
    CHECK(same);
    CHECK(nf_dedup_add_batch(d, (const char *const *)tx, ln, 1) == NF_EINVAL);
    nf_dedup_stats st;
    nf_dedup_get_stats(d, &st);
    CHECK_EQ_INT(st.articles, N);
    CHECK_EQ_INT(st.exact, 1);
    CHECK_EQ_INT(st.clusters, 3);
    nf_dedup_free(d);
    for (int i = 0; i < N; i++)
        free(tx[i]);
}

static void check_seeds(void)
{
    char p0[4096], p1[4096];
    snprintf(p0, sizeof p0, "%s/seeds/000_9352d1c620ab8b06.txt", nf_test_shared());
    snprintf(p1, sizeof p1, "%s/seeds/003_38795c60894fa36b.txt", nf_test_shared());
    size_t n0 = 0, n1 = 0;
    char *a = read_file(p0, &n0), *b = read_file(p1, &n1);
    CHECK_MSG(a && b, "seeds not found under %s", nf_test_shared());
    if (!a || !b)
        return;
    nf_dedup *d;
    CHECK(nf_dedup_new(&d, NULL) == NF_OK);
    nf_copy r;
    CHECK(nf_dedup_add(d, a, n0, &r) == NF_OK && r.copy_of == -1);
    CHECK(nf_dedup_add(d, b, n1, &r) == NF_OK);
    CHECK_MSG(r.copy_of == -1, "the seeds share three quotes but are not copies");
    /* a reprint of the second seed without its last 40 % is a copy */
    size_t cut = n1 * 60 / 100;
    CHECK(nf_dedup_add(d, b, cut, &r) == NF_OK);
    CHECK_EQ_INT(r.copy_of, 1);
    CHECK_EQ_INT(r.kind, NF_COPY_CONTAINED);
    nf_dedup_free(d);
    free(a);
    free(b);
}

/* X = P Q, Y = Q R, W = Q: W is a copy (half, contained) of both, X and Y are not copies.
 * X and Y each have a reprint (X2 exact, Y2 with its first word changed), so both are clusters
 * of two when W links them. Plain union-find chains them; NF_LINK_REP keeps them apart because
 * their representatives X and Y are not copies, while W (a single article) still joins X. */
/* The --link fixture: texts P, Q, R (Q longer) and x = P Q, y = Q R: x and y share Q only, so
 * they are not copies, while Q is contained in both. */
typedef struct pqr {
    char *p, *q, *r, *x, *y;
    size_t lp, lq, lr;
} pqr;

static pqr pqr_make(uint64_t seed)
{
    pqr f;
    f.p = make_text(seed, 11, &f.lp);
    f.q = make_text(seed + 1, 15, &f.lq);
    f.r = make_text(seed + 2, 11, &f.lr);
    f.x = malloc(f.lp + f.lq + 1);
    f.y = malloc(f.lq + f.lr + 1);
    memcpy(f.x, f.p, f.lp);
    memcpy(f.x + f.lp, f.q, f.lq);
    memcpy(f.y, f.q, f.lq);
    memcpy(f.y + f.lq, f.r, f.lr);
    return f;
}

static void pqr_free(pqr *f)
{
    free(f->p);
    free(f->q);
    free(f->r);
    free(f->x);
    free(f->y);
}

static void check_link(void)
{
    pqr f = pqr_make(501);
    size_t lp = f.lp, lq = f.lq, lr = f.lr;
    char *x = f.x, *y = f.y, *Q = f.q, *y2 = malloc(lq + lr + 1);
    memcpy(y2, y, lq + lr);
    y2[0] = 'Z';
    const char *t[5] = {x, x, y, y2, Q};
    size_t l[5] = {lp + lq, lp + lq, lq + lr, lq + lr, lq};
    for (uint32_t link = NF_LINK_REP; link <= NF_LINK_ANY; link++) {
        nf_dedup_opts o = {0};
        o.link = link;
        nf_dedup *d;
        CHECK(nf_dedup_new(&d, &o) == NF_OK);
        CHECK(nf_dedup_add_batch(d, t, l, 5) == NF_OK);
        CHECK(nf_dedup_finish(d) == NF_OK);
        nf_copy r[5];
        for (int i = 0; i < 5; i++)
            nf_dedup_result(d, (uint64_t)i, &r[i]);
        CHECK_EQ_INT(r[0].copy_of, -1);
        CHECK_EQ_INT(r[1].kind, NF_COPY_EXACT);
        CHECK_EQ_INT(r[3].copy_of, 2 * (link == NF_LINK_REP));
        CHECK_EQ_INT(r[4].copy_of, 0);
        CHECK_EQ_INT(r[4].kind, NF_COPY_CONTAINED);
        CHECK_EQ_INT(r[2].copy_of, link == NF_LINK_REP ? -1 : 0);
        nf_dedup_free(d);
    }
    pqr_free(&f);
    free(y2);
}

/* The exported verdict (nf_dedup_judge, used by the MPI build) agrees with the results of the
 * batch, is symmetric, and the --link rule refuses exactly the merge check_link relies on. */
static void check_judge(void)
{
    pqr f = pqr_make(601);
    const char *t[4] = {f.x, f.y, f.q, ""};
    size_t l[4] = {f.lp + f.lq, f.lq + f.lr, f.lq, 0};
    nf_dedup_opts o = {0};
    nf_dedup *d;
    CHECK(nf_dedup_new(&d, &o) == NF_OK);
    nf_dedup_get_opts(d, &o);
    CHECK(nf_dedup_add_batch(d, t, l, 4) == NF_OK);
    CHECK(nf_dedup_finish(d) == NF_OK);
    nf_copy r;
    CHECK(nf_dedup_result(d, 2, &r) == NF_OK);
    nf_sketcher *sk;
    CHECK(nf_sketcher_new(&sk, &o.sketch) == NF_OK);
    uint32_t K = o.sketch.bins;
    nf_sketch in[4];
    uint16_t *sig = malloc(4 * (size_t)K * sizeof *sig);
    for (int i = 0; i < 4; i++)
        CHECK(nf_sketch_text(sk, t[i], l[i], &in[i], sig + (size_t)i * K) == NF_OK);
    double s1 = -1, s2 = -1;
    CHECK_EQ_INT(nf_dedup_judge(&o, &in[0], sig, &in[0], sig, &s1), NF_COPY_EXACT);
    CHECK(s1 == 1.0);
    /* Q is the second half of x: a contained copy, as the batch reported it */
    CHECK_EQ_INT(r.copy_of, 0);
    CHECK_EQ_INT(nf_dedup_judge(&o, &in[2], sig + 2 * K, &in[0], sig, &s1), r.kind);
    CHECK(fabs(s1 - r.similarity) < 1e-6);
    CHECK_EQ_INT(nf_dedup_judge(&o, &in[0], sig, &in[2], sig + 2 * K, &s2), r.kind);
    CHECK(s1 == s2);
    CHECK_EQ_INT(nf_dedup_judge(&o, &in[0], sig, &in[1], sig + K, NULL), NF_COPY_NONE);
    CHECK_EQ_INT(nf_dedup_judge(&o, &in[3], sig + 3 * K, &in[3], sig + 3 * K, NULL),
                 NF_COPY_NONE);     /* empty text: never a copy */
    /* x and y are not copies: two clusters of several do not merge under rep, do under any */
    CHECK(!nf_dedup_rep_joins(&o, 2, 3, &in[0], sig, &in[1], sig + K));
    CHECK(nf_dedup_rep_joins(&o, 1, 3, &in[0], sig, &in[1], sig + K));
    CHECK(nf_dedup_rep_joins(&o, 2, 1, &in[0], sig, &in[1], sig + K));
    CHECK(nf_dedup_rep_joins(&o, 2, 2, &in[0], sig, &in[2], sig + 2 * K));
    o.link = NF_LINK_ANY;
    CHECK(nf_dedup_rep_joins(&o, 2, 3, &in[0], sig, &in[1], sig + K));
    free(sig);
    nf_sketcher_free(sk);
    nf_dedup_free(d);
    pqr_free(&f);
}

static void check_errors(void)
{
    nf_dedup *d = NULL;
    nf_dedup_opts o = {0};
    o.threshold = 1.5;
    CHECK(nf_dedup_new(&d, &o) == NF_EINVAL && d == NULL);
    o = (nf_dedup_opts){0};
    o.bands = 100;
    o.rows = 2;
    CHECK(nf_dedup_new(&d, &o) == NF_EINVAL);
    o = (nf_dedup_opts){0};
    o.link = 9;
    CHECK(nf_dedup_new(&d, &o) == NF_EINVAL);
    o = (nf_dedup_opts){0};
    o.sketch.bins = 64;
    CHECK(nf_dedup_new(&d, &o) == NF_OK);
    nf_dedup_get_opts(d, &o);
    CHECK(o.bands * o.rows <= 64 && o.threshold == 0.5);
    nf_copy r;
    CHECK(nf_dedup_result(d, 0, &r) == NF_EINVAL);
    CHECK(nf_dedup_finish(d) == NF_OK);
    CHECK(nf_dedup_finish(d) == NF_EINVAL);
    CHECK(nf_dedup_add(d, "x", 1, &r) == NF_EINVAL);
    nf_dedup_free(d);
    nf_dedup_free(NULL);
    CHECK_EQ_STR(nf_copy_kind_name(NF_COPY_CONTAINED), "contained");
}

int main(void)
{
    check_lsh_params();
    check_sort();
    check_batch();
    check_seeds();
    check_link();
    check_judge();
    check_errors();
    return nf_test_done("test_dedup");
}
