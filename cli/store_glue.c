/*
 * store_glue.c — `newsfold fold FILES... --db PATH`: read articles into the story store and
 * refold, for the fold verb (cmd_fold.c calls cli_fold_store when --db is given).
 *
 * Key idea: articles are stored as they are read, in batches of one transaction each (a killed
 * run loses at most the batch in flight, and a rerun stores only what is missing); then every
 * stored article is refolded in arrival order and the changed assignments are written, again one
 * transaction per batch. Cost: a run refolds all stored articles (O(total), not O(new)); the
 * guarantee: the stories equal those of one run over every article ever stored.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

#define STORE_BATCH 1000

typedef struct glue {
    nf_store *s;
    nf_article batch[STORE_BATCH];
    char *src[STORE_BATCH];   /* the reader owns a->source only until it closes */
    size_t n;
    uint64_t fresh, same, updated;
    nf_rc rc;
    long shown;
} glue;

static nf_rc flush(glue *g)
{
    nf_rc rc = g->n ? nf_store_begin(g->s) : NF_OK;
    for (size_t i = 0; i < g->n && !rc; i++) {
        nf_put_status st;
        rc = nf_store_put_article(g->s, &g->batch[i], &st, NULL);
        if (rc)
            break;
        if (st == NF_PUT_NEW)
            g->fresh++;
        else if (st == NF_PUT_SAME)
            g->same++;
        else {
            g->updated++;
            if (g->shown++ < 20)
                fprintf(stderr, "%s:%llu: article %s: changed since it was stored: updated\n",
                        g->src[i] ? g->src[i] : "?",
                        (unsigned long long)g->batch[i].line, g->batch[i].id);
        }
    }
    if (g->n)
        rc = rc ? (nf_store_rollback(g->s), rc) : nf_store_commit(g->s);
    for (size_t i = 0; i < g->n; i++) {
        nf_article_reset(&g->batch[i]);
        free(g->src[i]);
        g->src[i] = NULL;
    }
    g->n = 0;
    return rc;
}

static int on_article(nf_article *a, void *ctx)
{
    glue *g = ctx;
    if (g->rc)
        return 0;
    g->batch[g->n] = *a;       /* move it out */
    g->src[g->n] = a->source ? strdup(a->source) : NULL;
    g->batch[g->n].source = NULL;
    memset(a, 0, sizeof *a);
    if (++g->n == STORE_BATCH)
        g->rc = flush(g);
    return 0;
}

int cli_fold_store(const char *db, cli_input *in)
{
    char err[512];
    glue *g = calloc(1, sizeof *g);
    if (!g) {
        fprintf(stderr, "newsfold: out of memory\n");
        return EXIT_USAGE;
    }
    nf_rc rc = nf_store_open(&g->s, db, NF_STORE_CREATE, err, sizeof err);
    if (rc) {
        fprintf(stderr, "newsfold: %s\n", err);
        free(g);
        return EXIT_USAGE;
    }
    double t0 = cli_now();
    nf_rc rrc = cli_read_all(in, on_article, g);
    if (!g->rc)
        g->rc = flush(g);
    for (size_t i = 0; i < g->n; i++) {
        nf_article_reset(&g->batch[i]);
        free(g->src[i]);
    }
    if (g->shown > 20)
        fprintf(stderr, "newsfold: %ld more updated articles not shown\n", g->shown - 20);
    nf_refold_stats st = {0};
    if (!g->rc)
        g->rc = nf_store_refold(g->s, STORE_BATCH, &st);
    nf_store_counts c = {0};
    if (!g->rc)
        g->rc = nf_store_count(g->s, &c);
    int status;
    if (g->rc) {
        fprintf(stderr, "newsfold: %s: %s: %s\n", db, nf_strerror(g->rc), nf_store_errmsg(g->s));
        status = EXIT_USAGE;
    } else {
        if (!in->quiet)
            fprintf(stderr, "store %s: %llu new, %llu unchanged, %llu updated; %lld articles in "
                    "%lld stories (%zu assignments changed), %.2f s\n", db,
                    (unsigned long long)g->fresh, (unsigned long long)g->same,
                    (unsigned long long)g->updated, (long long)c.articles, (long long)c.stories,
                    st.changed, cli_now() - t0);
        status = cli_exit_status(in, rrc);
    }
    nf_store_close(g->s);
    free(g);
    return status;
}
