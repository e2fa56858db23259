/*
 * bench_text.c — throughput of the text layer: normalise, tokenize, clean, and the whole chain
 * read + clean + normalise + tokenize on plain text and on JSONL.
 *
 * The corpus is the article texts of the JSONL files in $SHARED/data (read once with jansson), repeated
 * until it holds at least 200 MB. Stages run article by article as the pipeline does; each
 * figure is the median of 5 runs, in MB/s of input text (1 MB = 10^6 bytes) on one core,
 * timed by the process CPU clock (user + system), so that other jobs on a shared host do not
 * count; the wall-clock median is printed alongside.
 * For the read figures the corpus is written under /tmp: as plain-text files of about 64 KB
 * (articles joined by blank lines, the seeds format) and as one JSONL file with unique ids,
 * both read through nf_reader (the page cache is warm after the first run). A checksum over
 * token, sentence, quote, removed-line counts and normalised bytes shows the work was done.
 */
#include "newsfold.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TARGET ((size_t)200 * 1000 * 1000)
#define RUNS 5

typedef struct corpus {
    char **text; size_t *len; size_t n;   /* the distinct texts */
    size_t *order; size_t norder;         /* repeated sequence of indices, >= TARGET bytes */
    char *big; char **copy;               /* every repetition copied: memory, not cache */
    size_t bytes;
} corpus;

typedef struct work {
    nf_buf kept, norm;
    nf_tokens tok;
    nf_cleaning cl;
    uint64_t sum;
} work;

static double wall_last, wall_t0;

static double now(void)
{
    struct timespec t, w;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    clock_gettime(CLOCK_MONOTONIC, &w);
    double wv = (double)w.tv_sec + (double)w.tv_nsec * 1e-9;
    wall_last = wv - wall_t0;
    wall_t0 = wv;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double walls[5];

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load(corpus *c, const char *shared)
{
    const char *files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    size_t cap = 0, distinct = 0;
    memset(c, 0, sizeof *c);
    for (size_t f = 0; f < 3; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/data/%s", shared, files[f]);
        FILE *fp = fopen(path, "r");
        if (!fp) {
            fprintf(stderr, "bench_text: cannot open %s\n", path);
            exit(2);
        }
        char *line = NULL;
        size_t lcap = 0;
        while (getline(&line, &lcap, fp) > 0) {
            json_t *o = json_loads(line, 0, NULL);
            const char *t = json_string_value(json_object_get(o, "text"));
            if (t) {
                if (c->n == cap) {
                    cap = cap ? cap * 2 : 1024;
                    c->text = realloc(c->text, cap * sizeof *c->text);
                    c->len = realloc(c->len, cap * sizeof *c->len);
                }
                c->len[c->n] = strlen(t);
                c->text[c->n] = strdup(t);
                distinct += c->len[c->n];
                c->n++;
            }
            json_decref(o);
        }
        free(line);
        fclose(fp);
    }
    size_t reps = TARGET / distinct + 1;
    c->norder = reps * c->n;
    c->order = malloc(c->norder * sizeof *c->order);
    for (size_t i = 0; i < c->norder; i++) {
        c->order[i] = i % c->n;
        c->bytes += c->len[i % c->n];
    }
    c->big = malloc(c->bytes + 1);
    c->copy = malloc(c->norder * sizeof *c->copy);
    if (!c->big || !c->copy) {
        fprintf(stderr, "bench_text: out of memory\n");
        exit(2);
    }
    char *p = c->big;
    for (size_t i = 0; i < c->norder; i++) {
        memcpy(p, c->text[c->order[i]], c->len[c->order[i]]);
        c->copy[i] = p;
        p += c->len[c->order[i]];
    }
    printf("corpus: %zu distinct texts (%.2f MB) x %zu = %.1f MB\n", c->n, distinct / 1e6, reps,
           c->bytes / 1e6);
}

enum { ST_NORM = 1, ST_TOK = 2, ST_CLEAN = 4 };

/* Clean, then normalise and tokenize the kept text (what the pipeline does per article). */
static void process(work *w, const char *s, size_t n, int stages)
{
    if (stages & ST_CLEAN) {
        nf_clean(s, n, &w->cl);
        w->kept.n = 0;
        nf_clean_apply(s, n, &w->cl, &w->kept);
        w->sum += w->cl.n;
        s = w->kept.p ? w->kept.p : "";
        n = w->kept.n;
    }
    if (stages & ST_NORM) {
        w->norm.n = 0;
        nf_normalize(s, n, &w->norm);
        w->sum += w->norm.n;
    }
    if (stages & ST_TOK) {
        nf_tokenize(s, n, &w->tok);
        w->sum += w->tok.ntok * 3 + w->tok.nsent * 5 + w->tok.nquote * 7;
    }
}

static double run_mem(const corpus *c, work *w, int stages)
{
    double t0 = now();
    for (size_t i = 0; i < c->norder; i++)
        process(w, c->copy[i], c->len[c->order[i]], stages);
    return now() - t0;
}

/* Read all articles of paths through nf_reader, optionally processing them. */
static double run_read(const char *const *paths, size_t np, work *w, int stages, size_t *bytes)
{
    double t0 = now();
    nf_reader *r;
    if (nf_reader_open(&r, paths, np, NULL) != NF_OK) {
        fprintf(stderr, "bench_text: cannot open reader\n");
        exit(2);
    }
    nf_article a;
    memset(&a, 0, sizeof a);
    nf_diag d;
    nf_rc rc;
    *bytes = 0;
    while ((rc = nf_reader_next(r, &a, &d)) != NF_DONE) {
        if (rc != NF_OK)
            continue;
        *bytes += a.text_len;
        if (stages)
            process(w, a.text, a.text_len, stages);
        w->sum += 1;
        nf_article_reset(&a);
    }
    nf_reader_close(r);
    return now() - t0;
}

static void report(const char *what, double *t, size_t bytes)
{
    qsort(t, RUNS, sizeof *t, cmp_d);
    qsort(walls, RUNS, sizeof *walls, cmp_d);
    printf("%-44s %7.1f MB/s cpu (median of %d: %.3f s; min %.3f s) %7.1f MB/s wall\n", what,
           bytes / t[RUNS / 2] / 1e6, RUNS, t[RUNS / 2], t[0], bytes / walls[RUNS / 2] / 1e6);
}

static void write_plain(const corpus *c, const char *dir, char ***paths, size_t *np)
{
    mkdir(dir, 0700);
    size_t cap = 0, i = 0, k = 0;
    *np = 0;
    *paths = NULL;
    while (i < c->norder) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%06zu.txt", dir, k++);
        FILE *f = fopen(path, "w");
        size_t w = 0;
        while (i < c->norder && w < 64000) {
            size_t j = c->order[i++];
            fwrite(c->text[j], 1, c->len[j], f);
            fputs("\n\n", f);
            w += c->len[j] + 2;
        }
        fclose(f);
        if (*np == cap) {
            cap = cap ? cap * 2 : 1024;
            *paths = realloc(*paths, cap * sizeof **paths);
        }
        (*paths)[(*np)++] = strdup(path);
    }
}

static void write_jsonl(const corpus *c, const char *path)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < c->norder; i++) {
        size_t j = c->order[i];
        json_t *o = json_object();
        char id[32];
        snprintf(id, sizeof id, "a%zu", i);
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "text", json_stringn(c->text[j], c->len[j]));
        char *s = json_dumps(o, JSON_COMPACT);
        fputs(s, f);
        fputc('\n', f);
        free(s);
        json_decref(o);
    }
    fclose(f);
}

/* JSONL parsing with jansson alone (for comparison with nf_reader). */
static double run_jansson(const char *path, size_t *bytes)
{
    double t0 = now();
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t k;
    *bytes = 0;
    while ((k = getline(&line, &cap, f)) > 0) {
        json_t *o = json_loadb(line, (size_t)k, 0, NULL);
        *bytes += json_string_length(json_object_get(o, "text"));
        json_decref(o);
    }
    free(line);
    fclose(f);
    return now() - t0;
}

int main(int argc, char **argv)
{
    const char *shared = getenv("SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    corpus c;
    load(&c, shared);
    work w;
    memset(&w, 0, sizeof w);
    nf_buf_init(&w.kept, 0);
    nf_buf_init(&w.norm, 0);
    nf_tokens_init(&w.tok);
    double t[RUNS];

    static const struct { const char *name; int stages; } mem[] = {
        {"normalise (in memory)", ST_NORM},
        {"tokenize (in memory)", ST_TOK},
        {"clean (in memory)", ST_CLEAN},
        {"clean + normalise + tokenize (in memory)", ST_CLEAN | ST_NORM | ST_TOK},
    };
    for (size_t m = 0; m < sizeof mem / sizeof *mem; m++) {
        for (int r = 0; r < RUNS; r++) {
            t[r] = run_mem(&c, &w, mem[m].stages);
            walls[r] = wall_last;
        }
        report(mem[m].name, t, c.bytes);
    }

    char dir[] = "/tmp/nf_bench_text_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char pdir[sizeof dir + 8], jpath[sizeof dir + 16];
    snprintf(pdir, sizeof pdir, "%s/plain", dir);
    snprintf(jpath, sizeof jpath, "%s/corpus.jsonl", dir);
    char **paths;
    size_t np, bytes = 0;
    write_plain(&c, pdir, &paths, &np);
    write_jsonl(&c, jpath);
    const char *jp[] = {jpath};
    const int all = ST_CLEAN | ST_NORM | ST_TOK;

    for (int r = 0; r < RUNS; r++) {
        t[r] = run_read((const char *const *)paths, np, &w, 0, &bytes);
        walls[r] = wall_last;
    }
    report("read plain text (nf_reader)", t, bytes);
    for (int r = 0; r < RUNS; r++) {
        t[r] = run_read((const char *const *)paths, np, &w, all, &bytes);
        walls[r] = wall_last;
    }
    report("read + clean + normalise + tokenize, plain", t, bytes);
    for (int r = 0; r < RUNS; r++) {
        t[r] = run_jansson(jpath, &bytes);
        walls[r] = wall_last;
    }
    report("JSONL parse, jansson alone", t, bytes);
    for (int r = 0; r < RUNS; r++) {
        t[r] = run_read(jp, 1, &w, 0, &bytes);
        walls[r] = wall_last;
    }
    report("read JSONL (nf_reader)", t, bytes);
    for (int r = 0; r < RUNS; r++) {
        t[r] = run_read(jp, 1, &w, all, &bytes);
        walls[r] = wall_last;
    }
    report("read + clean + normalise + tokenize, JSONL", t, bytes);

    printf("checksum %016llx\n", (unsigned long long)w.sum);
    for (size_t i = 0; i < np; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    free(paths);
    rmdir(pdir);
    unlink(jpath);
    rmdir(dir);
    nf_buf_reset(&w.kept);
    nf_buf_reset(&w.norm);
    nf_tokens_reset(&w.tok);
    nf_cleaning_reset(&w.cl);
    for (size_t i = 0; i < c.n; i++)
        free(c.text[i]);
    free(c.text);
    free(c.len);
    free(c.order);
    free(c.big);
    free(c.copy);
    (void)argc;
    (void)argv;
    return 0;
}
