/*
 * eval.c — clustering quality against gold labels: adjusted Rand index, B-cubed and pairwise
 * precision / recall / F1, cluster counts.
 *
 * Key idea: everything follows from the contingency table n_ij = |gold i ∩ pred j|. Items are
 * sorted by (gold, pred) so equal cells are adjacent; cluster sizes come from sorting each label
 * alone. O(n log n), no quadratic pair loop.
 *
 * Conventions (as scikit-learn): ARI is 1 when the expected and maximal index coincide (both
 * partitions trivial); pairwise P is 1 when no pair is predicted, R is 1 when no gold pair exists.
 */
#include "nf_int.h"
#include <stdlib.h>

typedef struct lab2 {
    uint64_t g, p;
} lab2;

static int cmp_lab2(const void *a, const void *b)
{
    const lab2 *x = a, *y = b;
    if (x->g != y->g)
        return x->g < y->g ? -1 : 1;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pairs(double k) { return k * (k - 1) / 2; }

/* Sort a copy of lab; write each item's cluster size into size_of (indexed like lab) when
 * non-NULL; return the number of clusters and the sum of C(size, 2) in *sum_pairs. */
static nf_rc cluster_sizes(const uint64_t *lab, size_t n, uint64_t *nclusters, double *sum_pairs)
{
    uint64_t *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return NF_ENOMEM;
    if (n) {
        memcpy(s, lab, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_u64);
    }
    *nclusters = 0;
    *sum_pairs = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] == s[i])
            j++;
        (*nclusters)++;
        *sum_pairs += pairs((double)(j - i));
        i = j;
    }
    free(s);
    return NF_OK;
}

/* Size of the cluster holding each item, by binary search over the sorted labels. */
static nf_rc sizes_by_item(const uint64_t *lab, size_t n, double *out)
{
    uint64_t *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return NF_ENOMEM;
    if (n) {
        memcpy(s, lab, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_u64);
    }
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = n;
        while (lo < hi) {   /* first position >= lab[i] */
            size_t m = (lo + hi) / 2;
            if (s[m] < lab[i]) lo = m + 1; else hi = m;
        }
        size_t e = lo;
        while (e < n && s[e] == lab[i])
            e++;
        out[i] = (double)(e - lo);
    }
    free(s);
    return NF_OK;
}

nf_rc nf_cluster_score(const uint64_t *gold, const uint64_t *pred, size_t n, nf_cluster_scores *sc)
{
    memset(sc, 0, sizeof *sc);
    if (n && (!gold || !pred))
        return NF_EINVAL;
    sc->n = n;
    nf_rc rc = NF_ENOMEM;
    lab2 *c = malloc((n ? n : 1) * sizeof *c);
    double *gs = malloc((n ? n : 1) * sizeof *gs), *ps = malloc((n ? n : 1) * sizeof *ps);
    if (!c || !gs || !ps)
        goto done;
    double sum_g, sum_p;
    if ((rc = cluster_sizes(gold, n, &sc->gold_clusters, &sum_g)) != NF_OK ||
        (rc = cluster_sizes(pred, n, &sc->pred_clusters, &sum_p)) != NF_OK)
        goto done;
    /* B-cubed needs per-item cell sizes; order items by (gold, pred) keeping sizes alongside. */
    if ((rc = sizes_by_item(gold, n, gs)) != NF_OK || (rc = sizes_by_item(pred, n, ps)) != NF_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        c[i] = (lab2){gold[i], pred[i]};
    if (n)
        qsort(c, n, sizeof *c, cmp_lab2);
    double sum_ij = 0, bp = 0, br = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && c[j].g == c[i].g && c[j].p == c[i].p)
            j++;
        double nij = (double)(j - i);
        sum_ij += pairs(nij);
        i = j;
    }
    /* per item: |cell| / |pred cluster| and |cell| / |gold cluster| */
    for (size_t i = 0; i < n; i++) {
        /* cell size of item i: count of items with same (gold, pred), by binary search in c */
        lab2 key = {gold[i], pred[i]};
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t m = (lo + hi) / 2;
            if (cmp_lab2(&c[m], &key) < 0) lo = m + 1; else hi = m;
        }
        size_t e = lo;
        while (e < n && cmp_lab2(&c[e], &key) == 0)
            e++;
        double cell = (double)(e - lo);
        bp += cell / ps[i];
        br += cell / gs[i];
    }
    if (n) {
        sc->bcubed_p = bp / (double)n;
        sc->bcubed_r = br / (double)n;
    } else {
        sc->bcubed_p = sc->bcubed_r = 1;
    }
    sc->bcubed_f1 = sc->bcubed_p + sc->bcubed_r > 0 ?
        2 * sc->bcubed_p * sc->bcubed_r / (sc->bcubed_p + sc->bcubed_r) : 0;
    sc->pair_p = sum_p > 0 ? sum_ij / sum_p : 1;
    sc->pair_r = sum_g > 0 ? sum_ij / sum_g : 1;
    sc->pair_f1 = sc->pair_p + sc->pair_r > 0 ?
        2 * sc->pair_p * sc->pair_r / (sc->pair_p + sc->pair_r) : 0;
    double expected = n > 1 ? sum_g * sum_p / pairs((double)n) : 0;
    double maxidx = (sum_g + sum_p) / 2;
    sc->ari = maxidx - expected != 0 ? (sum_ij - expected) / (maxidx - expected) : 1.0;
    rc = NF_OK;
done:
    free(c);
    free(gs);
    free(ps);
    return rc;
}
