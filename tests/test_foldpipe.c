/*
 * test_foldpipe.c — nf_folder_add_many's pipeline (src/foldpipe.c) on a generated stream long
 * enough for the extraction worker to run ahead, fill its ring and take ledes off the caller:
 * every thread count gives exactly the results of one nf_folder_add per article (stories,
 * similarities, candidates, evidence strings), with copies mixed in and batches of odd sizes.
 */
#include "harness.h"
#include "nf_int.h"
#include "fold_check.h"

/* Replica r of text t: every eighth word (by a hash of r and its position) replaced by a
 * capitalised invented word of that replica, so names and vocabulary keep arriving. */
static char *perturb(const char *t, size_t r)
{
    size_t n = strlen(t), k = 0, w = 0;
    char *o = malloc(2 * n + 64);
    for (size_t i = 0; i < n;) {
        if ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')) {
            size_t e = i;
            while (e < n && ((t[e] >= 'a' && t[e] <= 'z') || (t[e] >= 'A' && t[e] <= 'Z')))
                e++;
            uint64_t h = (r + 1) * 0x9E3779B97F4A7C15ull ^ w++ * 0xC2B2AE3D27D4EB4Full;
            if ((h >> 40) % 8 == 0 && e - i > 3)
                k += (size_t)snprintf(o + k, 2 * n + 64 - k, "Zq%zux%llu", r,
                                      (unsigned long long)(h >> 58));
            else
                memcpy(o + k, t + i, e - i), k += e - i;
            i = e;
        } else {
            o[k++] = t[i++];
        }
    }
    o[k] = 0;
    return o;
}

/* Fold n replicas-worth of c's texts (each cut to at most cut bytes at a space) one by one and
 * with each thread count; every result must be the same. */
static void stream(const corpus *c, size_t n, size_t cut)
{
    nf_article *a = calloc(n, sizeof *a);
    int64_t *cp = malloc(n * sizeof *cp);
    for (size_t i = 0; i < n; i++) {
        size_t r = i / c->n;
        char *t = perturb(c->text[i % c->n], r);
        size_t l = strlen(t);
        if (l > cut) {
            l = cut;
            while (l > 1 && t[l] != ' ')
                l--;
            t[l] = 0;
        }
        a[i].text = t;
        a[i].text_len = l;
        a[i].time = 1700000000 + (int64_t)r * 3 * 86400 + (int64_t)(i % 48) * 1800;
        cp[i] = i % 13 == 12 ? (int64_t)(i - 5) : -1;
    }
    nf_fold_result *r0 = calloc(n, sizeof *r0), *r1 = calloc(n, sizeof *r1);
    nf_folder *f0;
    CHECK_EQ_INT(nf_folder_new(&f0, NULL), NF_OK);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(nf_folder_add(f0, &a[i], cp[i], &r0[i]), NF_OK);
    static const uint32_t threads[] = {1, 2, 3, 2};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        nf_fold_opts o;
        nf_fold_opts_init(&o);
        o.threads = threads[t];
        nf_folder *f;
        CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
        size_t step = t == 3 ? 97 : n;   /* the last run: many short batches */
        for (size_t i = 0; i < n; i += step) {
            size_t nb = NF_MIN(step, n - i), done = 0;
            CHECK_EQ_INT(nf_folder_add_many(f, a + i, nb, cp + i, r1 + i, &done), NF_OK);
            CHECK_EQ_INT(done, nb);
        }
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += !same_result(&r0[i], &r1[i]);
        CHECK_MSG(bad == 0, "threads %u: %zu results differ", threads[t], bad);
        CHECK_EQ_INT(nf_folder_stories(f), nf_folder_stories(f0));
        nf_folder_free(f);
    }
    CHECK(nf_folder_stories(f0) > 10 && nf_folder_stories(f0) < n);
    nf_folder_free(f0);
    for (size_t i = 0; i < n; i++)
        free((char *)a[i].text);
    free(a);
    free(cp);
    free(r0);
    free(r1);
}

int main(void)
{
    corpus c = {0};
    nf_test_each_text("ecbplus-dev.jsonl", add_text, &c);
    CHECK(c.n > 500);
    if (c.n > 500) {
        stream(&c, 3 * c.n, SIZE_MAX);   /* whole texts: extraction is the slower stage */
        stream(&c, 6 * c.n, 200);        /* short texts: placement is, the worker's ring fills */
    }
    corpus_free(&c);
    return nf_test_done("test_foldpipe");
}
