/*
 * bench_compare.c — the cost of comparing one story (nf_compare).
 *
 * Builds stories from the real texts of one NewsWCL50 story (5 outlets) plus perturbed variants
 * of them (sentences dropped, reordered, words dropped, numbers changed), as a newsroom sees
 * when many outlets rewrite the same reports: sizes 5, 25, 50, 100, 200, 400 articles. Prints
 * the time per story and per article, the peak RSS, and a per-story cost model used to
 * estimate all the stories of a 1M-article run. Never part of the test run.
 *
 * Then every gold story of the labelled files in ../shared/data (NewsWCL50, ECB+ dev, NP4E) is
 * compared as it stands: articles/s at real story sizes, the basis of the 1M-article estimate.
 *
 * usage: bench_compare [newswcl50.jsonl] [story id]
 */
#include "newsfold.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* A variant of text: split at ". ", drop ~15% of sentences, swap neighbours ~10%, drop a word
 * in ~20% of sentences, change ~10% of numbers. */
static char *perturb(const char *text)
{
    size_t n = strlen(text);
    char **sent = NULL;
    size_t ns = 0;
    const char *p = text;
    while (*p) {
        const char *e = strstr(p, ". ");
        size_t len = e ? (size_t)(e - p) + 2 : strlen(p);
        sent = realloc(sent, (ns + 1) * sizeof *sent);
        sent[ns++] = strndup(p, len);
        p += len;
    }
    for (size_t i = 0; i + 1 < ns; i++)
        if (rnd(10) == 0) {
            char *t = sent[i];
            sent[i] = sent[i + 1];
            sent[i + 1] = t;
        }
    char *out = malloc(n * 2 + 16), *o = out;
    for (size_t i = 0; i < ns; i++) {
        if (rnd(100) < 15) {
            free(sent[i]);
            continue;
        }
        char *s = sent[i];
        bool dropword = rnd(5) == 0;
        int words = 0;
        for (char *q = s; *q; q++) {
            if (dropword && *q == ' ' && ++words == 3) {
                while (q[1] && q[1] != ' ')
                    q++;
                continue;
            }
            if (*q >= '0' && *q <= '9' && rnd(10) == 0)
                *o++ = (char)('0' + rnd(10));
            else
                *o++ = *q;
        }
        free(s);
    }
    *o = 0;
    free(sent);
    return out;
}

/* Every gold story of one labelled JSONL file: returns articles compared, adds seconds. */
static size_t all_stories(const char *path, double *secs, size_t *nstories)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    nf_article *a = NULL;
    char **label = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *t = o ? json_string_value(json_object_get(o, "text")) : NULL;
        const char *st = o ? json_string_value(json_object_get(o, "story")) : NULL;
        if (t && st) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                a = realloc(a, cap * sizeof *a);
                label = realloc(label, cap * sizeof *label);
            }
            memset(&a[n], 0, sizeof a[n]);
            a[n].text = strdup(t);
            a[n].text_len = strlen(t);
            const char *ou = json_string_value(json_object_get(o, "outlet"));
            a[n].outlet = strdup(ou ? ou : "?");
            a[n].time = NF_NO_TIME;
            label[n++] = strdup(st);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    const nf_article **pa = malloc((n + 1) * sizeof *pa);
    bool *done = calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && !strcmp(label[j], label[i])) {
                pa[k++] = &a[j];
                done[j] = true;
            }
        nf_comparison *c = NULL;
        double t0 = now();
        if (nf_compare(pa, k, NULL, &c) == NF_OK)
            *secs += now() - t0;
        nf_comparison_free(c);
        ++*nstories;
    }
    for (size_t i = 0; i < n; i++) {
        free(a[i].text);
        free(a[i].outlet);
        free(label[i]);
    }
    free(a);
    free(label);
    free(pa);
    free(done);
    return n;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "../shared/data/newswcl50.jsonl";
    const char *want = argc > 2 ? argv[2] : "1";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_compare: cannot open %s\n", path);
        return 2;
    }
    char *base[16];
    char *outlet[16];
    size_t nb = 0, bytes = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0 && nb < 16) {
        json_t *o = json_loads(line, 0, NULL);
        const char *st = o ? json_string_value(json_object_get(o, "story")) : NULL;
        if (st && !strcmp(st, want)) {
            base[nb] = strdup(json_string_value(json_object_get(o, "text")));
            const char *ou = json_string_value(json_object_get(o, "outlet"));
            outlet[nb++] = strdup(ou ? ou : "?");
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    if (!nb) {
        fprintf(stderr, "bench_compare: no story %s in %s\n", want, path);
        return 2;
    }
    static const size_t sizes[] = {5, 25, 50, 100, 200, 400};
    nf_article *arts = calloc(400, sizeof *arts);
    const nf_article **pa = calloc(400, sizeof *pa);
    char idb[32];
    for (size_t i = 0; i < 400; i++) {
        arts[i].text = i < nb ? strdup(base[i]) : perturb(base[i % nb]);
        arts[i].text_len = strlen(arts[i].text);
        snprintf(idb, sizeof idb, "a%zu", i);
        arts[i].id = strdup(idb);
        snprintf(idb, sizeof idb, "%s-%zu", outlet[i % nb], i / nb);
        arts[i].outlet = strdup(idb);
        arts[i].time = NF_NO_TIME;
        pa[i] = &arts[i];
    }
    printf("story %s of %s: %zu real articles, variants up to 400\n", want, path, nb);
    printf("%8s %10s %12s %12s %8s %8s %8s %8s\n", "articles", "MB", "ms/story", "us/article",
           "quotes", "adds", "diffs", "sources");
    double per_article_200 = 0, per_article_5 = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        bytes = 0;
        for (size_t i = 0; i < n; i++)
            bytes += arts[i].text_len;
        int reps = n <= 25 ? 20 : n <= 100 ? 5 : 3;
        double best = 1e9;
        nf_comparison *c = NULL;
        for (int r = 0; r < reps; r++) {
            nf_comparison_free(c);
            double t0 = now();
            if (nf_compare(pa, n, NULL, &c) != NF_OK) {
                fprintf(stderr, "bench_compare: nf_compare failed\n");
                return 1;
            }
            double t = now() - t0;
            if (t < best)
                best = t;
        }
        printf("%8zu %10.2f %12.2f %12.1f %8zu %8zu %8zu %8zu\n", n, bytes / 1e6, best * 1e3,
               best * 1e6 / (double)n, c->nquote, c->nadd, c->ndiff, c->nsrc);
        if (n == 200)
            per_article_200 = best / (double)n;
        if (n == 5)
            per_article_5 = best / (double)n;
        nf_comparison_free(c);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    /* real stories as labelled */
    const char *files[] = {"newswcl50.jsonl", "ecbplus-dev.jsonl", "np4e.jsonl"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = 0;
    else
        dir[0] = 0;
    double secs = 0;
    size_t arts_all = 0, stories_all = 0;
    for (size_t k = 0; k < 3; k++) {
        char p[1200];
        snprintf(p, sizeof p, "%s%s", dir, files[k]);
        double s0 = 0;
        size_t ns = 0, na = all_stories(p, &s0, &ns);
        if (na)
            printf("%-18s %4zu stories %5zu articles %8.1f ms  %8.0f articles/s\n", files[k], ns,
                   na, s0 * 1e3, na / s0);
        secs += s0;
        arts_all += na;
        stories_all += ns;
    }
    double us = arts_all ? secs * 1e6 / (double)arts_all : per_article_5 * 1e6;
    /* cost model: a story of n articles costs about n x (per-article work: tokenise, stem,
     * attribution, index entries) plus index traffic that grows with how much the articles
     * repeat each other (the variants above: ~2-2.5 ms/article from 25 to 400 articles, flat,
     * so near linear). All stories of a 1M-article run ~ 1e6 x the per-article cost measured
     * on real stories; stories are independent, so 2 cores halve it. */
    printf("model: all stories of a 1M-article run ~ 1e6 x %.0f us = %.0f s on one core, "
           "%.0f s on 2 cores; one story of 200 articles %.0f ms\n", us, us, us / 2,
           per_article_200 * 200 * 1e3);
    for (size_t i = 0; i < 400; i++) {
        free(arts[i].text);
        free(arts[i].id);
        free(arts[i].outlet);
    }
    free(arts);
    free(pa);
    for (size_t i = 0; i < nb; i++)
        free(base[i]), free(outlet[i]);
    return 0;
}
