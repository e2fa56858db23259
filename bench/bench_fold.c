/*
 * bench_fold.c — throughput, memory and scaling of online story folding on a generated stream.
 *
 * The stream is built from the real labelled articles in ../shared/data: the ~900 articles are
 * replayed as "replicas"; replica r of a story is a new event of that story's kind, dated
 * r * 3 days after the first (so older replicas age out of the 30-day candidate window like a
 * real news stream), with perturbed wording: every word is, with probability 0.12, replaced by a
 * replica-specific invented word (new names and vocabulary keep arriving, so the dictionary and
 * the index grow as in real news) and each line is dropped with probability 0.1.
 * Such a replica is the same text as the one 3 days before bar 12% of its words, so online
 * stories chain across replicas (the bench prints the online story sizes). --gen-events makes
 * each replica a new event of the same kind instead: half of its names and all of its numbers
 * are its own and its quotes differ (see perturb).
 * Articles are generated in batches of 4096 and each batch is folded by nf_folder_add_many
 * (text generation is not timed). Both the wall time and the process CPU time of those calls
 * are reported: with --threads 2 extraction runs in a second thread, so wall < CPU; on a shared
 * machine wall time also counts waiting for a core. Refinement runs after each pass (it
 * collects candidate pairs on the same number of threads) and is timed on both clocks; "with
 * refine" adds its wall time.
 * Usage: bench_fold [--no-refine] [--threads 1,2,3] [N ...] (default 100000 1000000, threads
 * 1, 2 and 3); prints articles/s (wall), microseconds per article (wall and CPU), bytes held per
 * article and a checksum of the story ids (the same for every thread count).
 * --extract-only runs only the two feature extractions (one thread, no placement) and prints
 * their CPU per article and a checksum of every feature vector: an exact identity check for
 * changes to extraction.
 * Quality against the generator's own truth: generated article i (replica r of source article j)
 * belongs to the true event (r, gold story of j) — each replica is a new event of that kind —
 * and the bench prints ARI and B-cubed F1 of the folded stories against it, after the online
 * pass and after refinement (nf_cluster_score, as `newsfold eval`).
 */
#include "nf_int.h"   /* nf_folder_stage_cpu */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#define NF_BENCH_MIN(a, b) ((a) < (b) ? (a) : (b))

typedef struct src {
    char *text, *title;
    uint64_t gold;      /* the source article's gold story, numbered over all files */
} src;

static src *S;
static size_t NS;
static char **GOLD;     /* gold story names ("file:story"), index = number */
static size_t NGOLD;

static uint64_t gold_id(const char *file, const char *story)
{
    char key[1024];
    snprintf(key, sizeof key, "%s:%s", file, story ? story : "");
    for (size_t i = 0; i < NGOLD; i++)
        if (!strcmp(GOLD[i], key))
            return i;
    GOLD = realloc(GOLD, (NGOLD + 1) * sizeof *GOLD);
    GOLD[NGOLD] = strdup(key);
    return NGOLD++;
}

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
            S[NS].gold = gold_id(path, json_string_value(json_object_get(o, "story")));
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

/* Replica-specific invented word for the word of n bytes at p (first letter kept): in the
 * default generator by length and first letter, with --gen-events by the word itself (a name of
 * the new event, the same in all its reports). */
static size_t invent(char *out, size_t cap, const char *p, size_t n, uint64_t r, int byword)
{
    uint64_t h = byword ? XXH3_64bits_withSeed(p, n, r % 977) % 65536 + r % 977 * 65536
                        : ((uint64_t)n * 1315423911u + (uint64_t)(unsigned char)*p +
                           r * 2654435761u) % 4096 + r % 977 * 4096;
    return (size_t)snprintf(out, cap, "%c%s%llx", *p, "zq", (unsigned long long)h);
}

static int gen_events;   /* --gen-events: replicas are new events with names of their own */

/* Perturbed copy of src text for replica r into out. Default: every word is, with probability
 * 0.12, replaced by an invented word of the replica, and each line is dropped with probability
 * 0.1. --gen-events also makes a replica a new event of the same kind: half of its names
 * (capitalised words not at a sentence start; which half is fixed per replica and name, so
 * its reports agree) and all of its numbers are its own, and words inside quotes are replaced
 * with probability 0.5 (its quotes differ). */
static size_t perturb(const char *t, uint64_t r, uint64_t seed, char *out, size_t cap)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + r + 1;
    size_t k = 0;
    int drop = 0, at_line = 1, inq = 0, sent = 1;
    for (const char *p = t; *p && k + 32 < cap;) {
        if (at_line) {
            drop = rng(&s) % 10 == 0;
            at_line = 0;
        }
        if (*p == '\n') {
            at_line = 1;
            sent = 1;
            if (!drop)
                out[k++] = '\n';
            p++;
            continue;
        }
        if (*p == '"')
            inq = !inq;
        else if (!memcmp(p, "\xE2\x80", 2) && (p[2] == '\x9C' || p[2] == '\x9D'))
            inq = p[2] == '\x9C';
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            const char *e = p;
            while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z'))
                e++;
            size_t n = (size_t)(e - p);
            if (!drop) {
                int name = gen_events && *p >= 'A' && *p <= 'Z' && !sent &&
                           XXH3_64bits_withSeed(p, n, r) % 2 == 0;
                unsigned pct = gen_events && inq ? 50 : 12;
                if (name) {
                    k += invent(out + k, cap - k, p, n, r, 1);
                } else if (rng(&s) % 100 < pct) {
                    k += invent(out + k, cap - k, p, n, r, 0);
                } else {
                    memcpy(out + k, p, n);
                    k += n;
                }
            }
            sent = 0;
            p = e;
            continue;
        }
        if (gen_events && *p >= '0' && *p <= '9') {
            const char *e = p;
            while (*e >= '0' && *e <= '9')
                e++;
            if (!drop) {   /* a number of the same length, the replica's own */
                uint64_t h = XXH3_64bits_withSeed(p, (size_t)(e - p), r + 1);
                for (const char *q = p; q < e; q++, h /= 10)
                    out[k++] = (char)('0' + (q == p && e - p > 1 ? 1 + h % 9 : h % 10));
            }
            sent = 0;
            p = e;
            continue;
        }
        if (*p == '.' || *p == '!' || *p == '?')
            sent = 1;
        if (!drop)
            out[k++] = *p;
        p++;
    }
    out[k] = 0;
    return k;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int no_refine;

/* ARI and B-cubed F1 of pred[0..n) against the generator's truth into out (a short string). */
static void quality(const uint64_t *pred, size_t n, char *out, size_t cap)
{
    uint64_t *gold = malloc(n * sizeof *gold);
    nf_cluster_scores q;
    for (size_t i = 0; gold && i < n; i++)   /* replica i / NS of source article i % NS */
        gold[i] = (uint64_t)(i / NS) * NGOLD + S[i % NS].gold;
    if (!gold || nf_cluster_score(gold, pred, n, &q) != NF_OK)
        snprintf(out, cap, "n/a");
    else
        snprintf(out, cap, "ARI %.4f B3 F1 %.4f (P %.4f R %.4f) true events %llu", q.ari,
                 q.bcubed_f1, q.bcubed_p, q.bcubed_r, (unsigned long long)q.gold_clusters);
    free(gold);
}

#define BATCH 4096

static int extract_only;

/* FNV-style mix of a feature set into *h: ids and float bits, in order. */
static void feats_sum(uint64_t *h, const nf_feats *ft)
{
#define MIX(x) (*h = (*h ^ (uint64_t)(x)) * 0x100000001B3ull)
    uint32_t bits;
    MIX(ft->nterm);
    for (size_t i = 0; i < ft->nterm; i++) {
        memcpy(&bits, &ft->term[i].w, 4);
        MIX(ft->term[i].id), MIX(bits);
    }
    MIX(ft->nent);
    for (size_t i = 0; i < ft->nent; i++) {
        memcpy(&bits, &ft->ent[i].w, 4);
        MIX(ft->ent[i].id), MIX(bits);
    }
    MIX(ft->nquote);
    for (size_t i = 0; i < ft->nquote; i++)
        MIX(ft->quote[i]);
    MIX(ft->haskeys ? ft->nqkey + ft->nikey : 0);
    for (size_t i = 0; ft->haskeys && i < ft->nqkey; i++)
        MIX(ft->qkey[i].id);
    for (size_t i = 0; ft->haskeys && i < ft->nikey; i++)
        MIX(ft->ikey[i].id);
#undef MIX
}

/* --extract-only: the two extraction stages of the sequential loop (main features with their
 * keys, then the lede features with the main pass's hint) on one thread, no placement; prints
 * the CPU per article of each and a checksum of every feature vector (ids and weight bits). */
static void run_extract(size_t n)
{
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    nf_folder *f;
    if (nf_folder_new(&f, &o) != NF_OK)
        return;
    char *buf = malloc(1 << 20);
    nf_feats ft, lf;
    nf_feats_init(&ft);
    nf_feats_init(&lf);
    double tm = 0, tl = 0;
    uint64_t hm = 14695981039346656037ull, hl = hm, bytes = 0;
    const int64_t day = 86400, t0 = 1700000000;
    for (size_t i = 0; buf && i < n; i++) {
        size_t r = i / NS, j = i % NS;
        nf_article a = {0};
        a.text_len = perturb(S[j].text, r, j, buf, (1 << 20) - 1);
        a.text = buf;
        a.time = t0 + (int64_t)r * 3 * day + (int64_t)(j % 48) * 1800;
        bytes += a.text_len;
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        if (nf_folder_extract(f, &a, &ft) != NF_OK)
            break;
        double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        if (nf_folder_extract_lede_hint(f, &a, &lf, ft.tok.tok, ft.sid, ft.tok.ntok) != NF_OK)
            break;
        tl += clock_s(CLOCK_THREAD_CPUTIME_ID) - c1;
        tm += c1 - c0;
        feats_sum(&hm, &ft);
        feats_sum(&hl, &lf);
    }
    printf("extract-only articles %zu  text %.0f MB  cpu us/article: main %.2f lede %.2f "
           "total %.2f  checksum main %016llx lede %016llx\n", n, bytes / 1e6, tm * 1e6 / n,
           tl * 1e6 / n, (tm + tl) * 1e6 / n, (unsigned long long)hm, (unsigned long long)hl);
    fflush(stdout);
    nf_feats_reset(&ft);
    nf_feats_reset(&lf);
    free(buf);
    nf_folder_free(f);
}


static void run(size_t n, uint32_t threads)
{
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.threads = threads;
    nf_folder *f;
    if (nf_folder_new(&f, &o) != NF_OK)
        return;
    size_t cap = (size_t)BATCH << 12;   /* texts of one batch; generated articles are < 4 KB */
    char *buf = malloc(cap + (1 << 20));
    nf_article *a = calloc(BATCH, sizeof *a);
    nf_fold_result *res = malloc(BATCH * sizeof *res);
    uint64_t *pred = malloc(n * sizeof *pred);   /* story of each article, online */
    char qon[160] = "n/a", qref[160] = "n/a";
    double t_wall = 0, t_cpu = 0;
    uint64_t bytes = 0, sum = 0;
    const int64_t day = 86400, t0 = 1700000000;
    for (size_t i0 = 0; buf && a && res && pred && i0 < n; i0 += BATCH) {
        size_t nb = NF_BENCH_MIN(BATCH, n - i0), used = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t i = i0 + k, r = i / NS, j = i % NS;
            if (used > cap)
                nb = k;   /* keep the buffer bounded (never reached with the data) */
            a[k] = (nf_article){0};
            a[k].text_len = perturb(S[j].text, r, j, buf + used, (1 << 20) - 1);
            a[k].text = buf + used;
            a[k].time = t0 + (int64_t)r * 3 * day + (int64_t)(j % 48) * 1800;
            used += a[k].text_len + 1;
            bytes += a[k].text_len;
        }
        double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        size_t done = 0;
        if (nf_folder_add_many(f, a, nb, NULL, res, &done) != NF_OK) {
            fprintf(stderr, "bench_fold: add failed at %zu\n", i0 + done);
            break;
        }
        t_wall += clock_s(CLOCK_MONOTONIC) - w;
        t_cpu += clock_s(CLOCK_PROCESS_CPUTIME_ID) - c;
        for (size_t k = 0; k < nb; k++) {
            sum = sum * 31 + res[k].story;
            pred[i0 + k] = res[k].story;
        }
        if (nb < BATCH)
            n = i0 + nb;
    }
    uint32_t largest = 0;
    double mean_size = 0;   /* the size of an article's story, averaged over articles */
    if (pred && nf_folder_articles(f) == n) {
        quality(pred, n, qon, sizeof qon);
        uint32_t *cnt = calloc(n, sizeof *cnt);   /* online story ids are article numbers */
        for (size_t i = 0; cnt && i < n; i++)
            cnt[pred[i]]++;
        for (size_t i = 0; cnt && i < n; i++) {
            mean_size += (double)cnt[i] * cnt[i] / (double)n;
            largest = cnt[i] > largest ? cnt[i] : largest;
        }
        free(cnt);
    }
    /* refinement collects its candidate pairs on the folder's threads: timed on the wall
     * clock (what "with refine" adds) and in process CPU */
    double t = clock_s(CLOCK_PROCESS_CPUTIME_ID), tw = clock_s(CLOCK_MONOTONIC);
    double t_ref = 0, t_ref_cpu = 0;
    uint64_t merges = 0, ref_sum = 0;   /* ref_sum: checksum of the refined story ids */
    if (!no_refine) {
        nf_folder_refine(f, &merges);
        t_ref = clock_s(CLOCK_MONOTONIC) - tw;
        t_ref_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - t;
        if (pred && nf_folder_articles(f) == n) {
            for (size_t i = 0; i < n; i++) {
                pred[i] = nf_folder_story(f, i);
                ref_sum = ref_sum * 31 + pred[i];
            }
            quality(pred, n, qref, sizeof qref);
        }
    }
    size_t mem = nf_folder_memory(f);
    printf("articles %zu  threads %u  text %.0f MB  fold %.2f s wall %.2f s cpu  %.0f articles/s"
           "  %.1f us/article (cpu %.1f)  %.1f MB/s", n, threads, bytes / 1e6, t_wall, t_cpu,
           n / t_wall, t_wall * 1e6 / n, t_cpu * 1e6 / n, bytes / 1e6 / t_wall);
    if (!no_refine)
        printf("  refine %.2f s wall %.2f s cpu (%llu merges, checksum %016llx)  with refine "
               "%.0f articles/s", t_ref, t_ref_cpu, (unsigned long long)merges,
               (unsigned long long)ref_sum, n / (t_wall + t_ref));
    if (threads > 1) {
        const double *st = nf_folder_stage_cpu(f);
        /* what two idle cores would give: the busiest stage, or half the total when three
         * stages share two cores */
        double b = st[0] > st[2] ? st[0] : st[2];
        if (st[1] > b)
            b = st[1];
        if (threads > 2 && (st[0] + st[1] + st[2]) / 2 > b)
            b = (st[0] + st[1] + st[2]) / 2;
        printf("  stage cpu us/article: extract %.1f lede %.1f caller %.1f (2-core bound %.0f "
               "articles/s)", st[0] * 1e6 / n, st[1] * 1e6 / n, st[2] * 1e6 / n,
               b > 0 ? n / b : 0.0);
    }
    printf("  stories %llu%s  memory %.0f MB = %.0f B/article  checksum %016llx\n",
           (unsigned long long)nf_folder_stories(f),
           no_refine ? " (online pass)" : "", mem / 1e6, (double)mem / n,
           (unsigned long long)sum);
    printf("  online story size: largest %u, mean over articles %.1f\n", largest, mean_size);
    printf("  quality vs generator truth: online %s", qon);
    if (!no_refine)
        printf("; refined %s", qref);
    printf("\n");
    fflush(stdout);
    free(pred);
    free(buf);
    free(a);
    free(res);
    nf_folder_free(f);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_fold [--no-refine | --extract-only] [--gen-events] [--threads T1,..] [N ...]\n"
                 "Fold a generated stream of N articles (default 100000 and 1000000) built from\n"
                 "$SHARED/data (default ../shared/data) with each thread count (default 1,2,3);\n"
                 "print throughput, CPU per stage, refinement time, memory per article, a\n"
                 "checksum of the story ids and the quality against the generator's truth.\n"
                 "--extract-only: only the feature extraction (main and lede passes, one\n"
                 "thread): CPU per article of each and a checksum of the feature vectors.\n"
                 "--gen-events: replicas are new events of the same kind (names, numbers and\n"
                 "quotes of their own) instead of reworded copies 3 days apart (the default).\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            i++;
            continue;
        }
        char *end;
        if (strcmp(argv[i], "--no-refine") && strcmp(argv[i], "--extract-only") &&
            strcmp(argv[i], "--gen-events") &&
            (strtoull(argv[i], &end, 10) == 0 || *end || argv[i][0] == '-')) {
            fprintf(stderr, "bench_fold: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
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
    uint32_t th[8] = {1, 2, 3};
    size_t nth = 3;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--no-refine")) {
            no_refine = 1;
        } else if (!strcmp(argv[i], "--gen-events")) {
            gen_events = 1;
        } else if (!strcmp(argv[i], "--extract-only")) {
            extract_only = 1;
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            nth = 0;
            for (char *p = argv[++i]; *p && nth < 8;) {
                th[nth++] = (uint32_t)strtoul(p, &p, 10);
                p += *p == ',';
            }
        }
    printf("bench_fold: %zu source articles; threads 2 = feature extraction pipelined with "
           "folding, 3 = lede extraction in a thread of its own too; wall and process CPU time "
           "of nf_folder_add_many\n", NS);
    int sizes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-refine") || !strcmp(argv[i], "--extract-only") ||
            !strcmp(argv[i], "--gen-events"))
            continue;
        if (!strcmp(argv[i], "--threads")) {
            i++;
            continue;
        }
        if (extract_only) {
            run_extract((size_t)strtoull(argv[i], NULL, 10));
            sizes++;
            continue;
        }
        for (size_t t = 0; t < nth; t++)
            run((size_t)strtoull(argv[i], NULL, 10), th[t]);
        sizes++;
    }
    if (!sizes) {
        for (size_t t = 0; t < nth; t++)
            run(100000, th[t]);
        for (size_t t = 0; t < nth; t++)
            run(1000000, th[t]);
    }
    for (size_t i = 0; i < NS; i++)
        free(S[i].text);
    free(S);
    for (size_t i = 0; i < NGOLD; i++)
        free(GOLD[i]);
    free(GOLD);
    return 0;
}
