/*
 * extract_metric.h — the article-extraction benchmark's metric (scrapinghub/article-extraction-
 * benchmark, evaluate.py), shared by bench_extract.c and tests/test_html.c.
 *
 * Definition (../shared/data/README.md): texts split into word tokens — Python's Unicode \w+,
 * i.e. runs of letters (Lu Ll Lt Lm Lo), numbers (Nd Nl No) and '_', case kept; 4-token shingles
 * counted as multisets (a text of 1-3 tokens is one shingle of all its tokens); per page
 * tp = sum min(true, pred), fp = excess pred, fn = excess true, then scaled to sum to 1;
 * precision = mean over pages with tp + fp > 0 of (1 if fp = fn = 0, 0 if tp = fp = 0, else
 * tp / (tp + fp)); recall likewise over pages with tp + fn > 0; F1 = 2PR / (P + R) of the means.
 * Shingles are compared through 64-bit hashes of their token bytes (collisions negligible).
 */
#ifndef NF_EXTRACT_METRIC_H
#define NF_EXTRACT_METRIC_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

typedef struct em_page { double tp, fp, fn; } em_page;
typedef struct em_sum { double p, r, f1; size_t np, nr; } em_sum;

static int em_is_word(utf8proc_int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

/* Token spans of s: starts[i], ends[i]. Returns the count; arrays are malloc'd. */
static size_t em_tokens(const char *s, size_t **st, size_t **en)
{
    size_t n = strlen(s), cap = n / 2 + 2, k = 0;
    *st = malloc(cap * sizeof **st);
    *en = malloc(cap * sizeof **en);
    if (!*st || !*en)
        return 0;
    size_t i = 0, start = 0;
    int in = 0;
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
        if (l <= 0) {
            c = -1;
            l = 1;
        }
        int w = c >= 0 && em_is_word(c);
        if (w && !in) {
            start = i;
            in = 1;
        } else if (!w && in) {
            (*st)[k] = start;
            (*en)[k++] = i;
            in = 0;
        }
        i += (size_t)l;
    }
    if (in) {
        (*st)[k] = start;
        (*en)[k++] = n;
    }
    return k;
}

static int em_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted shingle hashes of s; returns the count. */
static size_t em_shingles(const char *s, uint64_t **out)
{
    size_t *st, *en;
    size_t nt = em_tokens(s ? s : "", &st, &en);
    size_t ns = nt == 0 ? 0 : nt < 4 ? 1 : nt - 3;
    uint64_t *h = malloc((ns ? ns : 1) * sizeof *h);
    for (size_t i = 0; h && i < ns; i++) {
        size_t last = nt < 4 ? nt : i + 4;
        XXH3_state_t x;
        XXH3_64bits_reset(&x);
        for (size_t j = i; j < last; j++) {
            XXH3_64bits_update(&x, s + st[j], en[j] - st[j]);
            XXH3_64bits_update(&x, "\x1f", 1);
        }
        h[i] = XXH3_64bits_digest(&x);
    }
    free(st);
    free(en);
    if (h)
        qsort(h, ns, sizeof *h, em_cmp);
    *out = h;
    return h ? ns : 0;
}

static em_page em_match(const char *truth, const char *pred)
{
    uint64_t *a, *b;
    size_t na = em_shingles(truth, &a), nb = em_shingles(pred, &b);
    double tp = 0, fp = 0, fn = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        uint64_t k = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        size_t ca = 0, cb = 0;
        while (i < na && a[i] == k) { ca++; i++; }
        while (j < nb && b[j] == k) { cb++; j++; }
        tp += (double)(ca < cb ? ca : cb);
        if (cb > ca) fp += (double)(cb - ca);
        if (ca > cb) fn += (double)(ca - cb);
    }
    free(a);
    free(b);
    double s = tp + fp + fn;
    em_page p = {tp, fp, fn};
    if (s > 0) {
        p.tp /= s;
        p.fp /= s;
        p.fn /= s;
    }
    return p;
}

static double em_precision(em_page p)
{
    if (p.fp == 0 && p.fn == 0) return 1;
    if (p.tp == 0 && p.fp == 0) return 0;
    return p.tp / (p.tp + p.fp);
}

static double em_recall(em_page p)
{
    if (p.fp == 0 && p.fn == 0) return 1;
    if (p.tp == 0 && p.fn == 0) return 0;
    return p.tp / (p.tp + p.fn);
}

static em_sum em_summary(const em_page *pg, size_t n)
{
    em_sum s = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (pg[i].tp + pg[i].fp > 0) {
            s.p += em_precision(pg[i]);
            s.np++;
        }
        if (pg[i].tp + pg[i].fn > 0) {
            s.r += em_recall(pg[i]);
            s.nr++;
        }
    }
    s.p = s.np ? s.p / (double)s.np : 0;
    s.r = s.nr ? s.r / (double)s.nr : 0;
    s.f1 = s.p + s.r > 0 ? 2 * s.p * s.r / (s.p + s.r) : 0;
    return s;
}
#endif
