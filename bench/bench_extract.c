/*
 * bench_extract.c — article extraction quality and speed on ../shared/data/extraction.
 *
 * Quality: the benchmark's metric (extract_metric.h) for every reference output in
 * reference-outputs/ (which must reproduce their published F1) and for ours, side by side;
 * then the ablation: each heuristic switched off in turn, with the F1 it costs.
 * Speed: extraction of the 181 pages (decompressed in memory) repeated, MB/s of HTML per core,
 * median of the runs; peak RSS.
 *
 * usage: bench_extract [--quick] [--runs N] [--dump DIR] [--worst N] [DATA_DIR]
 *   --quick   quality only (no ablation, no speed); --speed: speed only
 *   --dump    write our text for each page to DIR/<id>.txt (to inspect failures)
 *   --worst   list the N pages with the lowest F1
 */
#include "newsfold.h"
#include "extract_metric.h"
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

typedef struct page {
    const char *id;
    const char *truth;
    const char *url;
    char *html;
    size_t n;
} page;

/* CPU time of this thread: MB/s per core, robust to other processes on the machine */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static char *gunzip_file(const char *path, size_t *n)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *b = malloc(cap);
    int r;
    while (b && (r = gzread(g, b + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)r;
        if (len == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    gzclose(g);
    *n = len;
    return b;
}

/* snprintf into path, failing loudly when it does not fit */
#define PATHF(buf, ...) do { if (snprintf(buf, sizeof buf, __VA_ARGS__) >= (int)sizeof buf) { \
    fprintf(stderr, "bench_extract: path too long\n"); exit(2); } } while (0)

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static em_sum score_ours(page *pg, size_t np, unsigned off, em_page *per, const char *dump)
{
    nf_extract_opts o = {off, 0};
    for (size_t i = 0; i < np; i++) {
        nf_extracted x;
        nf_extracted_init(&x);
        nf_extract_html_opts(pg[i].html, pg[i].n, pg[i].url, &o, &x);
        per[i] = em_match(pg[i].truth, x.text ? x.text : "");
        if (dump) {
            char path[4096];
            PATHF(path, "%s/%s.txt", dump, pg[i].id);
            FILE *f = fopen(path, "w");
            if (f) {
                fprintf(f, "%s", x.text ? x.text : "");
                fclose(f);
            }
        }
        nf_extracted_reset(&x);
    }
    return em_summary(per, np);
}

static const struct { unsigned flag; const char *name; } ABLATE[] = {
    {NF_EX_NO_TAGS, "structural tags (nav/footer/aside/header/figure)"},
    {NF_EX_NO_HINTS, "class/id hints"},
    {NF_EX_NO_LINKS, "link density"},
    {NF_EX_NO_ARTICLE, "<article>/<main> preference"},
    {NF_EX_NO_JSONLD, "JSON-LD articleBody fallback"},
    {NF_EX_NO_BOILER, "boilerplate line patterns"},
    {NF_EX_NO_TRIM, "edge trimming of short blocks"},
    {NF_EX_NO_HIDDEN, "hidden elements"},
    {NF_EX_NO_PUNCT, "punctuation as prose evidence"},
    {NF_EX_NO_RETRY, "retry without hints"},
};

int main(int argc, char **argv)
{
    const char *dir = NULL, *dump = NULL;
    int quick = 0, runs = 5, worst = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--speed"))
            quick = 2;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else if (!strcmp(argv[i], "--worst") && i + 1 < argc)
            worst = atoi(argv[++i]);
        else
            dir = argv[i];
    }
    char base[4096];
    if (!dir) {
        const char *sh = getenv("SHARED");
        PATHF(base, "%s/data/extraction", sh && *sh ? sh : "../shared");
        dir = base;
    }
    char path[4096];
    PATHF(path, "%s/ground-truth.json", dir);
    json_error_t err;
    json_t *gt = json_load_file(path, 0, &err);
    if (!gt) {
        fprintf(stderr, "bench_extract: %s: %s\n", path, err.text);
        return 2;
    }
    size_t np = json_object_size(gt), k = 0;
    page *pg = calloc(np, sizeof *pg);
    em_page *per = calloc(np, sizeof *per);
    const char *key;
    json_t *v;
    size_t bytes = 0;
    json_object_foreach(gt, key, v) {
        pg[k].id = key;
        pg[k].truth = json_string_value(json_object_get(v, "articleBody"));
        pg[k].url = json_string_value(json_object_get(v, "url"));
        PATHF(path, "%s/html/%s.html.gz", dir, key);
        pg[k].html = gunzip_file(path, &pg[k].n);
        if (!pg[k].html) {
            fprintf(stderr, "bench_extract: cannot read %s\n", path);
            return 2;
        }
        bytes += pg[k].n;
        k++;
    }
    printf("pages %zu, HTML %.1f MB\n\n", np, bytes / 1e6);
    if (quick == 2)
        goto speed;
    printf("%-22s %9s %7s %7s\n", "extractor", "precision", "recall", "F1");

    /* reference outputs */
    PATHF(path, "%s/reference-outputs", dir);
    DIR *d = opendir(path);
    struct dirent *e;
    char *names[64];
    size_t nn = 0;
    while (d && (e = readdir(d)) && nn < 64)
        if (strstr(e->d_name, ".json"))
            names[nn++] = strdup(e->d_name);
    if (d)
        closedir(d);
    for (size_t i = 0; i < nn; i++)
        for (size_t j = i + 1; j < nn; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    for (size_t r = 0; r < nn; r++) {
        PATHF(path, "%s/reference-outputs/%s", dir, names[r]);
        json_t *ref = json_load_file(path, 0, &err);
        json_t *o = ref ? json_object_get(ref, "output") : NULL;
        if (!o)
            o = ref;
        for (size_t i = 0; i < np && o; i++) {
            json_t *body = json_object_get(json_object_get(o, pg[i].id), "articleBody");
            per[i] = em_match(pg[i].truth, json_is_string(body) ? json_string_value(body) : "");
        }
        em_sum s = em_summary(per, np);
        *strrchr(names[r], '.') = 0;
        printf("%-22s %9.3f %7.3f %7.3f\n", names[r], s.p, s.r, s.f1);
        json_decref(ref);
        free(names[r]);
    }
    em_sum ours = score_ours(pg, np, 0, per, dump);
    printf("%-22s %9.3f %7.3f %7.3f\n", "newsfold", ours.p, ours.r, ours.f1);

    if (worst > 0) {
        printf("\nworst pages:\n");
        for (int w = 0; w < worst; w++) {
            size_t bi = np;
            double bf = 2;
            for (size_t i = 0; i < np; i++) {
                double p = em_precision(per[i]), r = em_recall(per[i]);
                double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
                if (f < bf && per[i].tp >= 0) {
                    bf = f;
                    bi = i;
                }
            }
            if (bi == np)
                break;
            printf("  %s P=%.2f R=%.2f %s\n", pg[bi].id, em_precision(per[bi]),
                   em_recall(per[bi]), pg[bi].url);
            per[bi].tp = -1; /* mark as listed */
        }
    }
    if (quick)
        return 0;

    printf("\nablation (each heuristic off alone):\n");
    printf("%-50s %7s %7s %7s %8s\n", "heuristic off", "P", "R", "F1", "dF1");
    for (size_t a = 0; a < sizeof ABLATE / sizeof ABLATE[0]; a++) {
        em_sum s = score_ours(pg, np, ABLATE[a].flag, per, NULL);
        printf("%-50s %7.3f %7.3f %7.3f %+8.3f\n", ABLATE[a].name, s.p, s.r, s.f1, s.f1 - ours.f1);
    }

speed:
    printf("\nspeed (%d runs over the %zu pages, one thread, MB of HTML per CPU second):\n", runs, np);
    double *mbs = calloc((size_t)runs, sizeof *mbs);
    size_t chk = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (size_t i = 0; i < np; i++) {
            nf_extracted x;
            nf_extracted_init(&x);
            nf_extract_html(pg[i].html, pg[i].n, pg[i].url, &x);
            chk += x.text_len;
            nf_extracted_reset(&x);
        }
        mbs[r] = bytes / 1e6 / (now() - t0);
    }
    qsort(mbs, (size_t)runs, sizeof *mbs, cmp_d);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  median %.1f MB/s (min %.1f, max %.1f); text bytes per run %zu; peak RSS %.1f MB\n",
           mbs[runs / 2], mbs[0], mbs[runs - 1], chk / (size_t)runs, ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < np; i++)
        free(pg[i].html);
    free(pg);
    free(per);
    free(mbs);
    json_decref(gt);
    return 0;
}
