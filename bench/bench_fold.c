/*
 * bench_fold.c — throughput, memory and scaling of online story folding on a generated stream.
 *
 * The stream is built from the real labelled articles in ../shared/data: the ~900 articles are
 * replayed as "replicas"; replica r of a story is a new event of that story's kind, dated
 * r * 3 days after the first (so older replicas age out of the 30-day candidate window like a
 * real news stream), with perturbed wording: every word is, with probability 0.12, replaced by a
 * replica-specific invented word (new names and vocabulary keep arriving, so the dictionary and
 * the index grow as in real news) and each line is dropped with probability 0.1.
 * Only nf_folder_add is timed, in thread CPU time (text generation is not; the machine is shared). Usage: bench_fold [N ...] (default
 * 100000 1000000; --no-refine times the online pass only); prints articles/s, microseconds per article, bytes held per article and a
 * checksum of the story ids.
 */
#include "newsfold.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct src {
    char *text, *title;
} src;

static src *S;
static size_t NS;

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_fold: cannot open %s\n", path);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        json_t *o = json_loadb(line, (size_t)len, 0, NULL);
        if (!o)
            continue;
        const char *t = json_string_value(json_object_get(o, "text"));
        if (t) {
            S = realloc(S, (NS + 1) * sizeof *S);
            S[NS].text = strdup(t);
            S[NS++].title = NULL;
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Perturbed copy of src text for replica r into out. */
static size_t perturb(const char *t, uint64_t r, uint64_t seed, char *out, size_t cap)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + r + 1;
    size_t k = 0;
    int drop = 0, at_line = 1;
    for (const char *p = t; *p && k + 32 < cap;) {
        if (at_line) {
            drop = rng(&s) % 10 == 0;
            at_line = 0;
        }
        if (*p == '\n') {
            at_line = 1;
            if (!drop)
                out[k++] = '\n';
            p++;
            continue;
        }
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            const char *e = p;
            while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z'))
                e++;
            if (!drop) {
                if (rng(&s) % 100 < 12) {   /* an invented word, replica-specific */
                    uint64_t h = (uint64_t)(e - p) * 1315423911u + (uint64_t)(unsigned char)*p +
                                 r * 2654435761u;
                    k += (size_t)snprintf(out + k, cap - k, "%c%s%llx", *p,
                                          "zq", (unsigned long long)(h % 4096 + r % 977 * 4096));
                } else {
                    memcpy(out + k, p, (size_t)(e - p));
                    k += (size_t)(e - p);
                }
            }
            p = e;
            continue;
        }
        if (!drop)
            out[k++] = *p;
        p++;
    }
    out[k] = 0;
    return k;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int no_refine;

static void run(size_t n)
{
    nf_folder *f;
    if (nf_folder_new(&f, NULL) != NF_OK)
        return;
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    double t_add = 0;
    uint64_t bytes = 0, sum = 0;
    const int64_t day = 86400, t0 = 1700000000;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / NS, j = i % NS;
        nf_article a = {0};
        a.text_len = perturb(S[j].text, r, j, buf, cap);
        a.text = buf;
        a.time = t0 + (int64_t)r * 3 * day + (int64_t)(j % 48) * 1800;
        bytes += a.text_len;
        double t = now();
        nf_fold_result res;
        if (nf_folder_add(f, &a, -1, &res) != NF_OK) {
            fprintf(stderr, "bench_fold: add failed at %zu\n", i);
            break;
        }
        t_add += now() - t;
        sum = sum * 31 + res.story;
    }
    double t = now();
    uint64_t merges = 0;
    if (!no_refine)
        nf_folder_refine(f, &merges);
    double t_ref = now() - t;
    size_t mem = nf_folder_memory(f);
    printf("articles %zu  text %.0f MB  fold %.2f s  %.0f articles/s  %.1f us/article  "
           "%.1f MB/s  refine %.2f s (%llu merges)  stories %llu  memory %.0f MB = %.0f B/article"
           "  checksum %016llx\n", n, bytes / 1e6, t_add, n / t_add, t_add * 1e6 / n,
           bytes / 1e6 / t_add, t_ref, (unsigned long long)merges,
           (unsigned long long)nf_folder_stories(f), mem / 1e6, (double)mem / n,
           (unsigned long long)sum);
    fflush(stdout);
    free(buf);
    nf_folder_free(f);
}

int main(int argc, char **argv)
{
    const char *sh = getenv("SHARED");
    char path[512];
    static const char *files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/data/%s", sh && *sh ? sh : "../shared", files[i]);
        load(path);
    }
    if (!NS) {
        fprintf(stderr, "bench_fold: no articles\n");
        return 1;
    }
    printf("bench_fold: %zu source articles, one thread (online folding is sequential)\n", NS);
    int sizes = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--no-refine"))
            no_refine = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--no-refine")) {
            run((size_t)strtoull(argv[i], NULL, 10));
            sizes++;
        }
    if (!sizes) {
        run(100000);
        run(1000000);
    }
    for (size_t i = 0; i < NS; i++)
        free(S[i].text);
    free(S);
    return 0;
}
