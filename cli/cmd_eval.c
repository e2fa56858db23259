/*
 * cmd_eval.c — `newsfold eval`: fold each labelled file on its own with the default (or given)
 * configuration and print ARI, B-cubed P/R/F1, pairwise F1 and the story counts, one line per
 * file. --seeds DIR also checks that the articles of DIR form exactly one story, alone and when
 * mixed into each file.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static const cli_articles *lab_ctx;
static int cmp_label(const void *x, const void *y)
{
    const char *a = lab_ctx->a[*(const size_t *)x].label, *b = lab_ctx->a[*(const size_t *)y].label;
    return strcmp(a ? a : "", b ? b : "");
}

/* Gold labels as integers: equal strings, equal numbers; missing labels are singletons. */
static uint64_t *gold_ids(const cli_articles *c)
{
    size_t *idx = malloc((c->n + 1) * sizeof *idx);
    uint64_t *g = malloc((c->n + 1) * sizeof *g);
    if (!idx || !g) {
        free(idx);
        free(g);
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++)
        idx[i] = i;
    lab_ctx = c;
    if (c->n)
        qsort(idx, c->n, sizeof *idx, cmp_label);
    uint64_t next = 0;
    for (size_t k = 0; k < c->n; k++) {
        const char *l = c->a[idx[k]].label;
        if (!l || k == 0 || !c->a[idx[k - 1]].label || strcmp(l, c->a[idx[k - 1]].label))
            next++;
        g[idx[k]] = next;
    }
    free(idx);
    return g;
}

static int read_into(cli_input *tmpl, const char *path, cli_articles *c)
{
    cli_input in = *tmpl;
    const char *p[1] = {path};
    in.paths = p;
    in.npaths = 1;
    in.quiet = 1;
    nf_rc rc = cli_collect(&in, c);
    return rc != NF_OK || in.rejected ? (rc != NF_OK ? 2 : 1) : 0;
}

/* Append b's articles to a (moving them); returns the index of the first appended. */
static size_t append(cli_articles *a, cli_articles *b)
{
    size_t first = a->n;
    nf_article *np = realloc(a->a, (a->n + b->n + 1) * sizeof *np);
    if (!np)
        return SIZE_MAX;
    a->a = np;
    if (b->n)
        memcpy(a->a + a->n, b->a, b->n * sizeof *b->a);
    a->n += b->n;
    a->cap = a->n;
    free(b->a);
    b->a = NULL;
    b->n = 0;
    return first;
}

/* The seeds [first, n) share one story and no other article is in it. */
static int seeds_ok(const cli_articles *c, size_t first, size_t *storysize)
{
    size_t s = c->story[first], size = 0;
    int ok = first < c->n;
    for (size_t i = first; i < c->n; i++)
        ok &= c->story[i] == s;
    for (size_t i = 0; i < c->n; i++)
        size += c->story[i] == s;
    *storysize = size;
    return ok && size == c->n - first;
}

static void help(void)
{
    printf("usage: newsfold eval [--gold-field story] [--seeds DIR] [options] FILES...\n"
           "\nFold each labelled file separately and score the stories against the gold field:\n"
           "one line per file with ARI (adjusted Rand index), B-cubed precision / recall / F1,\n"
           "pairwise F1, the number of predicted and gold stories and the folding time.\n"
           "--seeds DIR checks that DIR's articles form one story on their own, and that mixed\n"
           "into each file they still share one story that no other article joins.\n"
           "--no-dedup folds without looking for copies first (as the library test does).\n"
           "Exit status 0; 1 when a seeds check fails or input records were rejected; 2 usage\n"
           "error, or an input that could not be opened or read (the other files are still\n"
           "evaluated).\n\n%s%s",
           cli_fold_help(), cli_input_help());
}

int cmd_eval(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    in.ropts.label_field = "story";
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    int refine = 1, status = 0, ioerr = 0;
    const char *seeds = NULL;
    int no_dedup = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-dedup")) {
            no_dedup = 1;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            cli_input_free(&in);
            return 0;
        }
        if (!strcmp(argv[i], "--seeds")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "newsfold: --seeds needs a directory\n");
                cli_input_free(&in);
                return EXIT_USAGE;
            }
            seeds = argv[++i];
            continue;
        }
        int k = cli_fold_arg(&o, &refine, argc, argv, &i);
        if (k == 0)
            k = cli_input_arg(&in, argc, argv, &i);
        if (k <= 0) {
            if (k == 0)
                fprintf(stderr, "newsfold eval: unknown option %s (see --help)\n", argv[i]);
            cli_input_free(&in);
            return EXIT_USAGE;
        }
    }
    if (!in.npaths && !seeds) {
        help();
        cli_input_free(&in);
        return EXIT_USAGE;
    }
    for (size_t fi = 0; fi < in.npaths; fi++) {
        cli_articles c;
        int r = read_into(&in, in.paths[fi], &c);
        if (r == 2) {   /* the reader said why; as `newsfold read`, the other files go on */
            fprintf(stderr, "newsfold eval: cannot read %s\n", in.paths[fi]);
            cli_articles_free(&c);
            ioerr = 1;
            continue;
        }
        status |= r;
        c.no_dedup = no_dedup;
        double t0 = cli_now();
        nf_rc rc = cli_fold_articles(&c, &o, refine, NULL, NULL);
        double secs = cli_now() - t0;
        uint64_t *g = gold_ids(&c), *p = malloc((c.n + 1) * sizeof *p);
        nf_cluster_scores s;
        if (rc || !g || !p) {
            fprintf(stderr, "newsfold eval: %s: %s\n", in.paths[fi], nf_strerror(rc ? rc : NF_ENOMEM));
            free(g), free(p);
            cli_articles_free(&c);
            return EXIT_USAGE;
        }
        for (size_t i = 0; i < c.n; i++)
            p[i] = c.story[i];
        nf_cluster_score(g, p, c.n, &s);
        printf("%s\tarticles %llu\tARI %.4f\tB3 P %.4f R %.4f F1 %.4f\tpair F1 %.4f\t"
               "stories %llu gold %llu\t%.3f s\n", in.paths[fi], (unsigned long long)s.n, s.ari,
               s.bcubed_p, s.bcubed_r, s.bcubed_f1, s.pair_f1,
               (unsigned long long)s.pred_clusters, (unsigned long long)s.gold_clusters, secs);
        free(g);
        free(p);
        if (seeds) {
            cli_articles sd;
            int rs = read_into(&in, seeds, &sd);
            ioerr |= rs == 2;
            status |= rs == 1;
            size_t first = append(&c, &sd), size = 0;
            cli_articles_free(&sd);
            if (first == SIZE_MAX || cli_fold_articles(&c, &o, refine, NULL, NULL) != NF_OK) {
                fprintf(stderr, "newsfold eval: seeds: out of memory\n");
                status |= 1;
            } else {
                int ok = seeds_ok(&c, first, &size);
                printf("%s\tseeds mixed in: %s (seed story has %zu articles, %zu seeds)\n",
                       in.paths[fi], ok ? "ok" : "FAIL", size, c.n - first);
                status |= !ok;
            }
        }
        cli_articles_free(&c);
        fflush(stdout);
    }
    if (seeds) {
        cli_articles sd;
        int rs = read_into(&in, seeds, &sd);
        ioerr |= rs == 2;
        status |= rs == 1;
        size_t size = 0;
        sd.no_dedup = no_dedup;
        int ok = cli_fold_articles(&sd, &o, refine, NULL, NULL) == NF_OK &&
                 seeds_ok(&sd, 0, &size);
        printf("%s\tseeds alone: %s (%llu stories for %zu articles)\n", seeds, ok ? "ok" : "FAIL",
               (unsigned long long)sd.nstories, sd.n);
        status |= !ok;
        cli_articles_free(&sd);
    }
    cli_input_free(&in);
    return ioerr ? EXIT_USAGE : status;
}
