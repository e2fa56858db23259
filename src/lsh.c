/*
 * lsh.c — locality-sensitive hashing over MinHash signatures: band/row choice, band keys and the
 * sort-based grouping that turns band keys into candidate runs.
 *
 * Key idea: a signature of K bins is cut into `bands` bands of `rows` bins; two texts become a
 * candidate pair when any band is equal, with probability 1 - (1 - s^rows)^bands for Jaccard s.
 * bands x rows is chosen by minimising the weighted area under that S-curve below the threshold
 * (false positives) plus the area above it left out (false negatives), as datasketch does.
 * Grouping does not build a hash map per band: (band key, doc) items go into one plain array,
 * a stable LSD radix sort orders them, and equal keys form runs. Plain arrays of keys can be
 * routed to other processes by key (the MPI layer) without changing this code.
 *
 * Invariants: nf_lsh_sort is stable; band keys depend only on the signature bytes and the band.
 */
#include "nf_int.h"
#include <math.h>
#include <stdlib.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

double nf_lsh_prob(double s, uint32_t bands, uint32_t rows)
{
    return 1.0 - pow(1.0 - pow(s, (double)rows), (double)bands);
}

/* Simpson's rule over [lo, hi] of prob (want 1) or 1 - prob (want 0). */
static double area(double lo, double hi, uint32_t b, uint32_t r, int want)
{
    const int steps = 128;               /* even */
    if (hi <= lo)
        return 0.0;
    double h = (hi - lo) / steps, sum = 0.0;
    for (int i = 0; i <= steps; i++) {
        double p = nf_lsh_prob(lo + i * h, b, r);
        double f = want ? p : 1.0 - p;
        sum += f * (i == 0 || i == steps ? 1 : i % 2 ? 4 : 2);
    }
    return sum * h / 3.0;
}

nf_rc nf_lsh_params(double threshold, uint32_t bins, double fp_weight, double fn_weight,
                    uint32_t *bands, uint32_t *rows)
{
    if (!(threshold > 0.0 && threshold < 1.0) || bins == 0 || fp_weight < 0 || fn_weight < 0)
        return NF_EINVAL;
    double best = INFINITY;
    uint32_t bb = 1, br = bins;
    for (uint32_t b = 1; b <= bins; b++) {
        for (uint32_t r = 1; b * r <= bins; r++) {
            double fp = area(0.0, threshold, b, r, 1);
            double fn = area(threshold, 1.0, b, r, 0);
            double err = fp_weight * fp + fn_weight * fn;
            if (err < best - 1e-12) {
                best = err;
                bb = b;
                br = r;
            }
        }
    }
    *bands = bb;
    *rows = br;
    return NF_OK;
}

uint64_t nf_lsh_band_key(const uint16_t *sig, uint32_t band, uint32_t rows)
{
    uint8_t buf[2 * NF_SKETCH_MAX_BINS];
    const uint16_t *p = sig + (size_t)band * rows;
    for (uint32_t i = 0; i < rows; i++) {
        buf[2 * i] = (uint8_t)(p[i] & 0xff);
        buf[2 * i + 1] = (uint8_t)(p[i] >> 8);
    }
    return XXH3_64bits_withSeed(buf, 2 * (size_t)rows, band);
}

/* Stable LSD radix sort on the 64-bit key, 11 bits a pass (6 passes): 2048 buckets keep the
 * scattered writes of a pass within cache and TLB reach (16-bit digits were 2x slower on 1M
 * items). A pass whose digit is the same for all items is skipped; the counts of all passes
 * come from one read of the data. */
nf_rc nf_lsh_sort(nf_lsh_item *a, nf_lsh_item *tmp, size_t n)
{
    enum { BITS = 11, SIZE = 1 << BITS, PASSES = (64 + BITS - 1) / BITS };
    size_t *count = calloc((size_t)PASSES * SIZE, sizeof *count);
    if (!count)
        return NF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = a[i].key;
        for (int p = 0; p < PASSES; p++)
            count[p * SIZE + ((k >> (p * BITS)) & (SIZE - 1))]++;
    }
    nf_lsh_item *src = a, *dst = tmp;
    for (int pass = 0; pass < PASSES; pass++) {
        int shift = pass * BITS;
        size_t *c = count + (size_t)pass * SIZE;
        if (n && c[(src[0].key >> shift) & (SIZE - 1)] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < SIZE; d++) {
            size_t x = c[d];
            c[d] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i].key >> shift) & (SIZE - 1)]++] = src[i];
        nf_lsh_item *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(count);
    return NF_OK;
}
