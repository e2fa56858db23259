/*
 * cmd_fold.c — `newsfold fold`: read articles, put them in arrival order (date, then input
 * order), fold them into stories online, optionally refine, and write each article with its
 * story id. Also the folding loop shared with `newsfold eval` (cli_fold_articles).
 */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int collect(nf_article *a, void *vctx)
{
    cli_articles *c = vctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        nf_article *np = realloc(c->a, nc * sizeof *np);
        if (!np)
            return (c->oom = 1);
        c->a = np;
        c->cap = nc;
    }
    c->a[c->n++] = *a;
    memset(a, 0, sizeof *a);
    return 0;
}

nf_rc cli_collect(cli_input *in, cli_articles *c)
{
    memset(c, 0, sizeof *c);
    nf_rc rc = cli_read_all(in, collect, c);
    if (c->oom)
        return NF_ENOMEM;
    return rc;
}

void cli_articles_free(cli_articles *c)
{
    for (size_t i = 0; i < c->n; i++)
        nf_article_reset(&c->a[i]);
    free(c->a);
    free(c->order);
    free(c->story);
    free(c->copy_of);
    nf_folder_free(c->folder);
    memset(c, 0, sizeof *c);
}

static const cli_articles *order_ctx;
static int cmp_arrival(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int64_t a = order_ctx->a[i].time, b = order_ctx->a[j].time;
    if (a != b)
        return a < b ? -1 : 1;   /* undated (NF_NO_TIME) first, in input order */
    return i < j ? -1 : i > j;
}

/* Arrival order and copies, shared by the plain and the windowed fold: fills c->order,
 * c->copy_of, c->ncopies (c->story allocated); *arr (shallow copies of c's articles in
 * arrival order) and *cpy (arrival index of each one's original, -1 none) are malloc'd. */
static nf_rc arrival(cli_articles *c, nf_article **arr, int64_t **cpy)
{
    nf_rc rc;
    nf_dedup *dd = NULL;
    *arr = NULL;
    *cpy = NULL;
    nf_folder_free(c->folder);
    c->folder = NULL;
    free(c->order);
    free(c->story);
    free(c->copy_of);
    c->ncopies = 0;
    c->order = malloc((c->n + 1) * sizeof *c->order);
    c->story = malloc((c->n + 1) * sizeof *c->story);
    c->copy_of = malloc((c->n + 1) * sizeof *c->copy_of);
    if (!c->order || !c->story || !c->copy_of)
        return NF_ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        c->order[i] = i;
        c->copy_of[i] = SIZE_MAX;
    }
    order_ctx = c;
    if (c->n)
        qsort(c->order, c->n, sizeof *c->order, cmp_arrival);
    if (!c->no_dedup && (rc = nf_dedup_new(&dd, NULL)))
        return rc;
    /* copies (from dedup, in arrival order) inherit their original's story; dedup does not
     * depend on folding, so it runs first and the folder gets the whole arrival-ordered batch
     * (nf_folder_add_many: feature extraction pipelined with folding when o->threads allows) */
    *arr = malloc((c->n + 1) * sizeof **arr);
    *cpy = malloc((c->n + 1) * sizeof **cpy);
    rc = NF_ENOMEM;
    if (!*arr || !*cpy)
        goto done;
    rc = NF_OK;
    for (size_t k = 0; k < c->n; k++) {
        const nf_article *a = &c->a[c->order[k]];
        nf_copy cp = {.copy_of = -1};
        if (dd && (rc = nf_dedup_add(dd, a->text, a->text_len, &cp)))
            goto done;
        (*arr)[k] = *a;   /* shallow: the texts stay c's */
        (*cpy)[k] = cp.copy_of;
        if (cp.copy_of >= 0) {
            c->copy_of[c->order[k]] = c->order[cp.copy_of];
            c->ncopies++;
        }
    }
done:
    nf_dedup_free(dd);
    if (rc) {
        free(*arr);
        free(*cpy);
        *arr = NULL;
        *cpy = NULL;
    }
    return rc;
}

nf_rc cli_fold_articles(cli_articles *c, const nf_fold_opts *o, int refine,
                        nf_fold_result *results, uint64_t *merges)
{
    nf_folder *f = NULL;
    nf_article *arr = NULL;
    int64_t *cpy = NULL;
    nf_fold_result *res = NULL;
    nf_rc rc = arrival(c, &arr, &cpy);
    if (rc || (rc = nf_folder_new(&f, o)))
        goto done;
    res = results ? malloc((c->n + 1) * sizeof *res) : NULL;
    rc = NF_ENOMEM;
    if (results && !res)
        goto done;
    if ((rc = nf_folder_add_many(f, arr, c->n, cpy, res, NULL)))
        goto done;
    for (size_t k = 0; results && k < c->n; k++)
        results[c->order[k]] = res[k];
    if (refine && (rc = nf_folder_refine(f, merges)))
        goto done;
    /* story ids in input terms: the input index of the story's first article */
    for (size_t k = 0; k < c->n; k++)
        c->story[c->order[k]] = c->order[nf_folder_story(f, k)];
    c->nstories = nf_folder_stories(f);
    c->memory = nf_folder_memory(f);
done:
    free(arr);
    free(cpy);
    free(res);
    if (rc)
        nf_folder_free(f);
    else
        c->folder = f;   /* kept: evidence strings point into it */
    return rc;
}

/* fold --windows: the same arrival order and copies, folded per block of block_days
 * (src/foldwin.c); story ids in input terms as for the plain fold. */
static nf_rc fold_windows(cli_articles *c, const nf_fold_opts *o, int refine, double block_days,
                          nf_foldwin_stats *st)
{
    nf_article *arr = NULL;
    int64_t *cpy = NULL;
    uint64_t *fin = NULL;
    nf_rc rc = arrival(c, &arr, &cpy);
    if (rc)
        goto done;
    rc = NF_ENOMEM;
    if (!(fin = malloc((c->n + 1) * sizeof *fin)))
        goto done;
    if ((rc = nf_fold_windows(arr, c->n, cpy, o, block_days, refine, fin, st)))
        goto done;
    for (size_t k = 0; k < c->n; k++)
        c->story[c->order[k]] = c->order[fin[k]];
    c->nstories = st->stories;
done:
    free(arr);
    free(cpy);
    free(fin);
    return rc;
}

/* --windows DAYS (cli.h); shared with the MPI build, where only rank 0 speaks. */
int cli_windows_arg(int argc, char **argv, int *i, double *days, int quiet)
{
    if (strcmp(argv[*i], "--windows"))
        return 0;
    char *end = NULL;
    double v = *i + 1 < argc ? strtod(argv[*i + 1], &end) : 0;
    if (*i + 1 >= argc || *end || end == argv[*i + 1] || !(v > 0) || v > 1e6) {
        if (!quiet)
            fprintf(stderr, "newsfold: --windows needs a number of days (> 0)\n");
        return -1;
    }
    *days = v;
    ++*i;
    return 1;
}

/* Parse one folding option at argv[*i]: 1 consumed, 0 not ours, -1 error. */
int cli_fold_arg(nf_fold_opts *o, int *refine, int argc, char **argv, int *i)
{
    /* weight: a non-negative feature weight (float term weights must stay finite) */
    static const struct { const char *opt; size_t off; int weight; } dbl[] = {
        {"--threshold", offsetof(nf_fold_opts, threshold), 0},
        {"--merge-threshold", offsetof(nf_fold_opts, merge_threshold), 0},
        {"--entity-weight", offsetof(nf_fold_opts, entity_weight), 0},
        {"--quote-bonus", offsetof(nf_fold_opts, quote_bonus), 0},
        {"--sigma-days", offsetof(nf_fold_opts, sigma_days), 0},
        {"--window-days", offsetof(nf_fold_opts, window_days), 0},
        {"--lede-weight", offsetof(nf_fold_opts, lede_weight), 1},
        {"--tail-weight", offsetof(nf_fold_opts, tail_weight), 1},
        {"--idf-prior", offsetof(nf_fold_opts, idf_prior_docs), 1},
        {"--attach-threshold", offsetof(nf_fold_opts, attach_threshold), 0},
    };
    static const struct { const char *opt; size_t off; } u32[] = {
        {"--lede-sentences", offsetof(nf_fold_opts, lede_sentences)},
        {"--body-sentences", offsetof(nf_fold_opts, body_sentences)},
        {"--query-terms", offsetof(nf_fold_opts, query_terms)},
        {"--index-terms", offsetof(nf_fold_opts, index_terms)},
        {"--max-candidates", offsetof(nf_fold_opts, max_candidates)},
        {"--story-terms", offsetof(nf_fold_opts, story_terms_cap)},
        {"--attach-members", offsetof(nf_fold_opts, attach_max_members)},
        {"--threads", offsetof(nf_fold_opts, threads)},
    };
    for (size_t k = 0; k < sizeof u32 / sizeof u32[0]; k++) {
        if (strcmp(argv[*i], u32[k].opt))
            continue;
        char *end = NULL;
        long v = *i + 1 < argc ? strtol(argv[*i + 1], &end, 10) : -1;
        if (*i + 1 >= argc || *end || end == argv[*i + 1] || v < 0 || v > 1000000) {
            fprintf(stderr, "newsfold: %s needs a count\n", argv[*i]);
            return -1;
        }
        *(uint32_t *)((char *)o + u32[k].off) = (uint32_t)v;
        ++*i;
        return 1;
    }
    const char *a = argv[*i];
    if (!strcmp(a, "--no-refine")) {
        *refine = 0;
        return 1;
    }
    if (!strcmp(a, "--refine")) {
        *refine = 1;
        return 1;
    }
    for (size_t k = 0; k < sizeof dbl / sizeof dbl[0]; k++) {
        if (strcmp(a, dbl[k].opt))
            continue;
        char *end = NULL;
        double v = *i + 1 < argc ? strtod(argv[*i + 1], &end) : 0;
        if (*i + 1 >= argc || *end || end == argv[*i + 1] || !isfinite(v)) {
            fprintf(stderr, "newsfold: %s needs a finite number\n", a);
            return -1;
        }
        if (dbl[k].weight && !(v >= 0 && v <= 1e30)) {
            fprintf(stderr, "newsfold: %s needs a number from 0 to 1e30\n", a);
            return -1;
        }
        *(double *)((char *)o + dbl[k].off) = v;
        ++*i;
        return 1;
    }
    return 0;
}

const char *cli_fold_help(void)
{
    return "folding options (defaults: docs/fold.md):\n"
           "  --threshold X        join the best story when similarity >= X (0.40)\n"
           "  --entity-weight X    weight of the entity part of the similarity (0.6)\n"
           "  --quote-bonus X      bonus for shared 6-word quotes (0.5)\n"
           "  --sigma-days X       time proximity Gaussian, for dated articles (7)\n"
           "  --window-days X      dated stories idle longer are not candidates (30)\n"
           "  --merge-threshold X  refinement: merge stories with average link >= X (0.27)\n"
           "  --attach-threshold X refinement: a fragment joins its best story at link >= X (0.12)\n"
           "  --attach-members N   refinement: fragments have at most N members (3)\n"
           "  --no-refine          online pass only (refinement is on by default)\n"
           "  --threads N          2: extract features in a second thread while folding, 3:\n"
           "                       lede features in a third; 1: one thread (default: 2 when\n"
           "                       2+ CPUs); the results never depend on it\n"
           "  --lede-weight X, --tail-weight X, --lede-sentences N, --body-sentences N,\n"
           "  --idf-prior X, --query-terms N, --index-terms N, --max-candidates N\n"
           "                       feature and index settings (see docs/fold.md)\n";
}

static void help(void)
{
    printf("usage: newsfold fold [options] FILES... [-o stories.jsonl]\n"
           "\nFold articles that report the same event into stories. Articles are taken in\n"
           "arrival order (date, then input order; undated first), each joins the most similar\n"
           "recent story or starts a new one; a refinement pass then merges close stories.\n"
           "Each article is written as one JSON line with its fields plus \"story\" (the id of\n"
           "the story's first article), \"copy_of\" (the id of the original when dedup finds this\n"
           "article is a copy; a copy inherits its original's story) and, with\n"
           "--evidence, why it joined (similarity, shared terms and entities, shared quotes).\n"
           "A summary (articles, stories, time) goes to stderr.\n"
           "\n  -o FILE            write to FILE instead of standard output\n"
           "  --db PATH          keep articles, copies, stories and comparisons in the SQLite\n"
           "                     database PATH instead (incremental; see docs/store.md)\n"
           "  --evidence         add the join evidence to each line\n"
           "  --no-dedup         do not look for copies first\n"
           "  --windows DAYS     fold each block of DAYS days (from the first dated article)\n"
           "                     with a folder of its own, after a warm-up of --window-days,\n"
           "                     and join stories across the borders; blocks run on --threads\n"
           "                     threads; the result never depends on the thread count (or on\n"
           "                     the ranks under mpirun) and equals the plain fold on undated\n"
           "                     input; 90 (3 x --window-days) is a sensible value (docs/mpi.md)\n"
           "%s%s",
           cli_fold_help(), cli_input_help());
}

/* Why the article joined its story (or did not), as the --evidence object. */
json_t *cli_fold_evidence_json(const nf_fold_result *r)
{
    json_t *e = json_object();
    json_object_set_new(e, "joined", json_boolean(r->joined));
    json_object_set_new(e, "similarity", json_real(r->similarity));
    json_object_set_new(e, "term_sim", json_real(r->term_sim));
    json_object_set_new(e, "entity_sim", json_real(r->entity_sim));
    json_object_set_new(e, "time_factor", json_real(r->time_factor));
    json_object_set_new(e, "quote_shingles", json_integer(r->quote_shingles));
    json_object_set_new(e, "candidates", json_integer(r->candidates));
    json_t *t = json_array(), *n = json_array();
    for (uint32_t i = 0; i < r->nterms; i++)
        json_array_append_new(t, json_string(r->terms[i]));
    for (uint32_t i = 0; i < r->nentities; i++)
        json_array_append_new(n, json_string(r->entities[i]));
    json_object_set_new(e, "terms", t);
    json_object_set_new(e, "entities", n);
    return e;
}

int cmd_fold(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    int refine = 1, want_ev = 0, status = EXIT_USAGE;
    double block_days = 0;      /* --windows: > 0 */
    const char *outpath = NULL, *dbpath = NULL;
    cli_articles c = {0};
    nf_fold_result *res = NULL;
    FILE *out = stdout;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            cli_input_free(&in);
            return 0;
        }
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "newsfold: -o needs a file\n");
                goto done;
            }
            outpath = argv[++i];
            continue;
        }
        if (!strcmp(argv[i], "--no-dedup")) {
            c.no_dedup = 1;
            continue;
        }
        if (!strcmp(argv[i], "--evidence")) {
            want_ev = 1;
            continue;
        }
        int w = cli_windows_arg(argc, argv, &i, &block_days, 0);
        if (w < 0)
            goto done;
        if (w)
            continue;
        if (!strcmp(argv[i], "--db")) {    /* the story store: cli/store_glue.c */
            if (i + 1 >= argc) {
                fprintf(stderr, "newsfold: --db needs a path\n");
                goto done;
            }
            dbpath = argv[++i];
            continue;
        }
        int k = cli_fold_arg(&o, &refine, argc, argv, &i);
        if (k == 0)
            k = cli_input_arg(&in, argc, argv, &i);
        if (k < 0)
            goto done;
        if (k == 0) {
            fprintf(stderr, "newsfold fold: unknown option %s (see --help)\n", argv[i]);
            goto done;
        }
    }
    if (block_days > 0 && (want_ev || dbpath)) {
        fprintf(stderr, "newsfold fold: --windows gives neither --evidence nor --db\n");
        goto done;
    }
    if (dbpath) {
        status = cli_fold_store(dbpath, &in);
        goto done;
    }
    int no_dedup = c.no_dedup;
    nf_rc rc = cli_collect(&in, &c);
    c.no_dedup = no_dedup;
    if (rc == NF_ENOMEM) {
        fprintf(stderr, "newsfold: out of memory\n");
        goto done;
    }
    double t0 = cli_now();
    res = want_ev ? calloc(c.n + 1, sizeof *res) : NULL;   /* only --evidence reads them */
    uint64_t merges = 0;
    nf_foldwin_stats ws = {0};
    nf_rc frc = want_ev && !res ? NF_ENOMEM
                : block_days > 0 ? fold_windows(&c, &o, refine, block_days, &ws)
                : cli_fold_articles(&c, &o, refine, res, &merges);
    merges = block_days > 0 ? ws.merges : merges;
    if (frc) {
        fprintf(stderr, "newsfold fold: %s\n", nf_strerror(frc));
        goto done;
    }
    double secs = cli_now() - t0;
    if (outpath && !(out = fopen(outpath, "w"))) {
        fprintf(stderr, "newsfold: cannot write %s\n", outpath);
        out = stdout;
        goto done;
    }
    int werr = 0;
    for (size_t i = 0; i < c.n; i++) {
        json_t *a = cli_article_json(&c.a[i]);
        const char *sid = c.a[c.story[i]].id;
        char buf[32];
        if (!sid) {
            snprintf(buf, sizeof buf, "s%zu", (size_t)c.story[i]);
            sid = buf;
        }
        json_object_set_new(a, "story", json_string(sid));
        json_object_set_new(a, "copy_of", c.copy_of[i] == SIZE_MAX ? json_null() :
                            json_string(c.a[c.copy_of[i]].id ? c.a[c.copy_of[i]].id : ""));
        if (want_ev)
            json_object_set_new(a, "evidence", cli_fold_evidence_json(&res[i]));
        werr |= cli_write_jsonl(out, a);
        json_decref(a);
    }
    if (fflush(out) || werr) {
        fprintf(stderr, "newsfold: write error\n");
        goto done;
    }
    if (!in.quiet)
        fprintf(stderr, "fold: %zu articles, %zu copies, %llu stories (%llu merged by "
                "refinement), %.3f s, %.0f articles/s\n", c.n, c.ncopies,
                (unsigned long long)c.nstories, (unsigned long long)merges, secs,
                secs > 0 ? (double)c.n / secs : 0.0);
    if (!in.quiet && block_days > 0)
        fprintf(stderr, "fold --windows %g: %llu blocks, %llu warm-up articles folded, %llu "
                "stories joined across borders\n", block_days, (unsigned long long)ws.blocks,
                (unsigned long long)ws.warmup, (unsigned long long)ws.unions);
    status = cli_exit_status(&in, rc);
done:
    if (out != stdout)
        fclose(out);
    free(res);
    cli_articles_free(&c);
    cli_input_free(&in);
    return status;
}
