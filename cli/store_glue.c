/*
 * store_glue.c — `newsfold fold FILES... --db PATH`: read articles into the story store and
 * refold, for the fold verb (cmd_fold.c calls cli_fold_store when --db is given).
 *
 * Key idea: articles are stored as they are read, in batches of one transaction each (a killed
 * run loses at most the batch in flight, and a rerun stores only what is missing); then every
 * stored article is refolded in arrival order and the changed assignments are written, again one
 * transaction per batch. Cost: a run refolds all stored articles (O(total), not O(new)); the
 * guarantee: the stories equal those of one run over every article ever stored.
 * Finally the comparison (coverage, nf_compare) of every story whose members changed is
 * recomputed and stored as JSON; the server calls the same function after each POST.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

#define STORE_BATCH 1000

/* ---- a story's members out of the store, for nf_compare and the coverage verbs ---- */

typedef struct members {
    nf_article *arts;
    char **copy_id;          /* copy_of id per member, or NULL */
    size_t n, cap;
    nf_rc rc;
} members;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int keep_member(const nf_stored *st, void *ctx)
{
    members *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        nf_article *na = realloc(m->arts, cap * sizeof *na);
        if (na)
            m->arts = na;
        char **nc = na ? realloc(m->copy_id, cap * sizeof *nc) : NULL;
        if (!nc) {
            m->rc = NF_ENOMEM;
            return 1;
        }
        m->copy_id = nc;
        m->cap = cap;
    }
    nf_article *a = &m->arts[m->n];
    memset(a, 0, sizeof *a);
    a->id = dup_or_null(st->a->id);
    a->outlet = dup_or_null(st->a->outlet);
    a->url = dup_or_null(st->a->url);
    a->title = dup_or_null(st->a->title);
    a->text = malloc(st->a->text_len + 1);
    if (a->text) {
        memcpy(a->text, st->a->text, st->a->text_len);
        a->text[st->a->text_len] = 0;
    }
    a->text_len = st->a->text_len;
    a->time = st->a->time;
    m->copy_id[m->n] = dup_or_null(st->copy_of);
    m->n++;
    if (!a->id || !a->text)
        m->rc = NF_ENOMEM;
    return m->rc != NF_OK;
}

static void members_free(members *m)
{
    for (size_t i = 0; i < m->n; i++) {
        nf_article_reset(&m->arts[i]);
        free(m->copy_id[i]);
    }
    free(m->arts);
    free(m->copy_id);
    memset(m, 0, sizeof *m);
}

nf_rc cli_store_story(nf_store *s, int64_t story, nf_article **arts, size_t *n, int32_t **copy_of)
{
    members m = {0};
    *arts = NULL;
    *n = 0;
    *copy_of = NULL;
    nf_rc rc = nf_store_story_members(s, story, keep_member, &m);
    if (!rc)
        rc = m.rc;
    int32_t *cp = rc ? NULL : malloc((m.n ? m.n : 1) * sizeof *cp);
    if (!rc && !cp)
        rc = NF_ENOMEM;
    for (size_t i = 0; !rc && i < m.n; i++) {    /* copy_of ids -> member indices */
        cp[i] = -1;
        for (size_t k = 0; m.copy_id[i] && k < m.n; k++)
            if (k != i && !strcmp(m.arts[k].id, m.copy_id[i]))
                cp[i] = (int32_t)k;
    }
    if (rc) {
        members_free(&m);
        free(cp);
        return rc;
    }
    for (size_t i = 0; i < m.n; i++)
        free(m.copy_id[i]);
    free(m.copy_id);
    *arts = m.arts;
    *n = m.n;
    *copy_of = cp;
    return NF_OK;
}

void cli_store_story_free(nf_article *arts, size_t n, int32_t *copy_of)
{
    for (size_t i = 0; i < n; i++)
        nf_article_reset(&arts[i]);
    free(arts);
    free(copy_of);
}

static int cmp_story(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Compare one story and store its JSON (a story of one article has no comparison). */
static nf_rc compare_one(nf_store *s, int64_t story, nf_buf *json)
{
    nf_article *arts;
    size_t n;
    int32_t *cp;
    nf_rc rc = cli_store_story(s, story, &arts, &n, &cp);
    if (rc == NF_ENOTFOUND || (!rc && n < 2)) {
        if (!rc)
            cli_store_story_free(arts, n, cp);
        return nf_store_set_comparison(s, story, NULL, 0);
    }
    if (rc)
        return rc;
    const nf_article **ptrs = malloc(n * sizeof *ptrs);
    nf_comparison *c = NULL;
    if (!ptrs)
        rc = NF_ENOMEM;
    for (size_t i = 0; ptrs && i < n; i++)
        ptrs[i] = &arts[i];
    if (!rc)
        rc = nf_compare(ptrs, n, cp, &c);
    json->n = 0;
    if (!rc)
        rc = nf_comparison_json(c, ptrs, 0, json);
    if (!rc)
        rc = nf_store_set_comparison(s, story, json->p, json->n);
    nf_comparison_free(c);
    free(ptrs);
    cli_store_story_free(arts, n, cp);
    return rc;
}

nf_rc cli_store_compare(nf_store *s, const int64_t *stories, size_t n)
{
    if (n == 0)
        return NF_OK;
    int64_t *ids = malloc(n * sizeof *ids);
    if (!ids)
        return NF_ENOMEM;
    memcpy(ids, stories, n * sizeof *ids);
    qsort(ids, n, sizeof *ids, cmp_story);
    nf_buf json;
    nf_buf_init(&json, 0);
    nf_rc rc = NF_OK;
    size_t done = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && ids[i] == ids[i - 1])
            continue;
        if (done % 200 == 0 && (rc = nf_store_begin(s)))
            break;
        rc = compare_one(s, ids[i], &json);
        if (rc) {
            nf_store_rollback(s);
            break;
        }
        if (++done % 200 == 0)
            rc = nf_store_commit(s);
    }
    if (!rc && done % 200)
        rc = nf_store_commit(s);
    nf_buf_reset(&json);
    free(ids);
    return rc;
}

nf_rc cli_store_compare_one(void *ctx, nf_store *w, int64_t story)
{
    return cli_store_compare(w, &story, 1);
}

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
    double tc = cli_now();
    if (!g->rc)
        g->rc = cli_store_compare(g->s, st.touched, st.ntouched);
    tc = cli_now() - tc;
    free(st.touched);
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
                    "%lld stories (%zu assignments changed; %lld comparisons, %.2f s), %.2f s\n", db,
                    (unsigned long long)g->fresh, (unsigned long long)g->same,
                    (unsigned long long)g->updated, (long long)c.articles, (long long)c.stories,
                    st.changed, (long long)c.comparisons, tc, cli_now() - t0);
        status = cli_exit_status(in, rrc);
    }
    nf_store_close(g->s);
    free(g);
    return status;
}
