/*
 * ingest.c — folding articles into the store: the full refold used by `newsfold fold --db` and
 * the online ingest used by the server's POST /api/articles.
 *
 * Key idea: the folder is deterministic and online, so the stories of a set of articles are a
 * function of their arrival order (publication time, undated last, then insertion order). A
 * refold feeds every stored article to a fresh folder in that order and writes only the
 * assignments that changed, in batches of one transaction each; the result is the one a single
 * run over all articles would give, whatever runs they came in. Online ingest keeps one folder
 * fed with the stored articles (loaded on first use) and adds each new article to it.
 *
 * Invariants: every committed batch leaves story rows equal to their members (nf_store_commit);
 * an assignment is written only when it differs from the stored one, so a rerun over unchanged
 * input writes nothing.
 *
 * The folder is dedup (nf_dedup, online: copies) feeding fold (nf_folder: stories), then the
 * refinement pass, exactly as `newsfold fold` does; folder_* below is the only place that knows.
 * Online ingest skips the refinement (it is a batch step): a later `fold --db` applies it.
 */
#include "nf_int.h"
#include <stdlib.h>

/* ---- the folder: copies from dedup (nf_dedup, online), stories from fold (nf_folder) ----
 * Both see every article in arrival order, so index i is the same article in each; ids[i]
 * names it. Story ids are the folder's (sequence number of the story's first article) + 1. */

typedef struct folder {
    nf_folder *f;
    nf_dedup *d;
    char **ids;
    size_t n, cap;
    int64_t floor;           /* new story ids are at least this (folder_reserve) */
} folder;

static void folder_free(folder *f)
{
    nf_folder_free(f->f);
    nf_dedup_free(f->d);
    for (size_t i = 0; i < f->n; i++)
        free(f->ids[i]);
    free(f->ids);
    memset(f, 0, sizeof *f);
}

static size_t folder_stories(const folder *f)
{
    return f->f ? (size_t)nf_folder_stories(f->f) : 0;
}

static void folder_reserve(folder *f, int64_t next)
{
    f->floor = next;    /* the folder's ids are deterministic: nothing to reserve */
}

/* After the online pass: merge close stories (nf_folder_refine), as `newsfold fold` does. */
static nf_rc folder_refine(folder *f)
{
    return f->f ? nf_folder_refine(f->f, NULL) : NF_OK;
}

/* The story of the i-th article added (may change through folder_refine). */
static int64_t folder_story(folder *f, size_t i)
{
    return (int64_t)nf_folder_story(f->f, i) + 1;
}

static nf_rc folder_add(folder *f, const nf_article *a, int64_t *story, const char **copy_of)
{
    nf_rc rc = NF_OK;
    if (!f->f && (rc = nf_folder_new(&f->f, NULL)))
        return rc;
    if (!f->d && (rc = nf_dedup_new(&f->d, NULL)))
        return rc;
    if ((rc = nf_grow((void **)&f->ids, &f->cap, f->n + 1, sizeof *f->ids)))
        return rc;
    nf_copy cp;
    if ((rc = nf_dedup_add(f->d, a->text, a->text_len, &cp)))
        return rc;
    nf_fold_result r;
    if ((rc = nf_folder_add(f->f, a, cp.copy_of, &r)))
        return rc;
    if (!(f->ids[f->n] = strdup(a->id)))
        return NF_ENOMEM;
    f->n++;
    *story = (int64_t)r.story + 1;
    (void)f->floor;
    *copy_of = cp.copy_of >= 0 && (size_t)cp.copy_of < f->n ? f->ids[cp.copy_of] : NULL;
    return NF_OK;
}

/* ---- full refold ---- */

typedef struct assign {
    char *id;
    char *copy_of;
    int64_t story, old_story;
    int copy_changed;
} assign;

typedef struct refold_ctx {
    folder f;
    size_t fed;
    assign *as;              /* every article, in arrival order (= folder order) */
    size_t n, cap;
    nf_rc rc;
} refold_ctx;

static int refold_one(const nf_stored *st, void *vctx)
{
    refold_ctx *c = vctx;
    int64_t story;
    const char *copy_of;
    if ((c->rc = folder_add(&c->f, st->a, &story, &copy_of)))
        return 1;
    c->fed++;
    if ((c->rc = nf_grow((void **)&c->as, &c->cap, c->n + 1, sizeof *c->as)))
        return 1;
    assign *x = &c->as[c->n++];
    memset(x, 0, sizeof *x);
    x->id = strdup(st->a->id);
    x->copy_of = copy_of ? strdup(copy_of) : NULL;
    x->story = story;
    x->old_story = st->story;
    x->copy_changed = (copy_of == NULL) != (st->copy_of == NULL) ||
                      (copy_of && strcmp(copy_of, st->copy_of));
    if (!x->id || (copy_of && !x->copy_of))
        c->rc = NF_ENOMEM;
    return c->rc != NF_OK;
}

nf_rc nf_store_refold(nf_store *s, size_t batch, nf_refold_stats *stats)
{
    refold_ctx c = {0};
    if (batch == 0)
        batch = 2000;
    nf_rc rc = nf_store_each_article(s, refold_one, &c);
    if (!rc)
        rc = c.rc;
    if (!rc)
        rc = folder_refine(&c.f);
    size_t nch = 0;    /* keep only the assignments that changed, in order */
    for (size_t i = 0; !rc && i < c.n; i++) {
        c.as[i].story = folder_story(&c.f, i);
        if (c.as[i].story == c.as[i].old_story && !c.as[i].copy_changed) {
            free(c.as[i].id);
            free(c.as[i].copy_of);
            continue;
        }
        c.as[nch++] = c.as[i];
    }
    if (!rc)
        c.n = nch;
    size_t written = 0;
    int64_t *touched = NULL;
    size_t ntouched = 0, captouched = 0;
    for (size_t i = 0; i < c.n && !rc; i++) {    /* old and new story of every change */
        if ((rc = nf_grow((void **)&touched, &captouched, ntouched + 2, sizeof *touched)))
            break;
        if (c.as[i].old_story >= 0)
            touched[ntouched++] = c.as[i].old_story;
        touched[ntouched++] = c.as[i].story;
    }
    for (size_t i = 0; i < c.n && !rc; i += batch) {
        size_t end = NF_MIN(c.n, i + batch);
        if ((rc = nf_store_begin(s)))
            break;
        for (size_t k = i; k < end && !rc; k++) {
            rc = nf_store_set_story(s, c.as[k].id, c.as[k].story);
            if (!rc && c.as[k].copy_changed)
                rc = nf_store_set_copy(s, c.as[k].id, c.as[k].copy_of, c.as[k].copy_of ? 1.0 : 0);
        }
        if (rc) {
            nf_store_rollback(s);
            break;
        }
        if ((rc = nf_store_commit(s)))
            break;
        written = end;
    }
    if (stats) {
        stats->folded = c.fed;
        stats->changed = written;
        stats->stories = folder_stories(&c.f);
        stats->touched = touched;
        stats->ntouched = ntouched;
    } else {
        free(touched);
    }
    for (size_t i = 0; i < c.n; i++) {
        free(c.as[i].id);
        free(c.as[i].copy_of);
    }
    free(c.as);
    folder_free(&c.f);
    return rc;
}

/* ---- online ingest ---- */

struct nf_ingest {
    nf_store *s;
    folder f;
    int loaded;
    nf_rc rc;
};

nf_rc nf_ingest_open(nf_ingest **out, nf_store *s)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return NF_ENOMEM;
    (*out)->s = s;
    return NF_OK;
}

void nf_ingest_close(nf_ingest *g)
{
    if (!g)
        return;
    folder_free(&g->f);
    free(g);
}

static int load_one(const nf_stored *st, void *vctx)
{
    nf_ingest *g = vctx;
    int64_t story;
    const char *copy_of;
    g->rc = folder_add(&g->f, st->a, &story, &copy_of);
    return g->rc != NF_OK;
}

/* Feed the folder every stored article once, so new ones fold into the existing stories. */
static nf_rc ingest_load(nf_ingest *g)
{
    if (g->loaded)
        return NF_OK;
    g->rc = NF_OK;
    nf_rc rc = nf_store_each_article(g->s, load_one, g);
    if (!rc)
        rc = g->rc;
    if (!rc) {
        int64_t next;    /* never reuse an id the store already shows */
        rc = nf_store_next_story_id(g->s, &next);
        if (!rc)
            folder_reserve(&g->f, next);
    }
    if (!rc)
        g->loaded = 1;
    return rc;
}

static nf_rc ingest_one(nf_ingest *g, const nf_article *a, nf_ingest_result *r)
{
    nf_rc rc = nf_store_put_article(g->s, a, &r->status, NULL);
    if (rc)
        return rc;
    r->story = -1;
    if (r->status == NF_PUT_SAME)      /* nf_ingest_add answers what the store says */
        return NF_OK;
    const char *copy_of;
    if ((rc = folder_add(&g->f, a, &r->story, &copy_of)))
        return rc;
    if (copy_of && !strcmp(copy_of, a->id))
        copy_of = NULL;    /* an update of itself */
    if (copy_of && !(r->copy_of = strdup(copy_of)))
        return NF_ENOMEM;
    if ((rc = nf_store_set_story(g->s, a->id, r->story)))
        return rc;
    if ((rc = nf_store_set_comparison(g->s, r->story, "null", 4)))  /* stale: recompute */
        return rc;
    return nf_store_set_copy(g->s, a->id, r->copy_of, r->copy_of ? 1.0 : 0);
}

static int same_info(const nf_stored *st, void *vctx)
{
    nf_ingest_result *r = vctx;
    r->story = st->story;
    if (st->copy_of)
        r->copy_of = strdup(st->copy_of);
    return 0;
}

nf_rc nf_ingest_add(nf_ingest *g, const nf_article *arts, size_t n, nf_ingest_result *res)
{
    memset(res, 0, n * sizeof *res);
    nf_rc rc = ingest_load(g);
    if (rc)
        return rc;
    if ((rc = nf_store_begin(g->s)))
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = ingest_one(g, &arts[i], &res[i]);
        if (!rc && res[i].status == NF_PUT_SAME)
            rc = nf_store_article_info(g->s, arts[i].id, same_info, &res[i]);
    }
    if (rc)
        nf_store_rollback(g->s);
    else
        rc = nf_store_commit(g->s);
    if (rc) {    /* the folder saw articles that were not stored: rebuild it from the store */
        folder_free(&g->f);
        g->loaded = 0;
    }
    return rc;
}

void nf_ingest_result_reset(nf_ingest_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].copy_of);
        r[i].copy_of = NULL;
    }
}
