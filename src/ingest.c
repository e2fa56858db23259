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
 * The story folder: until the `fold` module is merged, the folder here is the exact-copy rule
 * only (an article whose text is byte-identical to an earlier one is its copy and joins its
 * story; every other article starts a story). folder_* below is the one place that changes.
 */
#include "nf_int.h"
#include <stdlib.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- the folder (stand-in: exact copies only) ---- */

typedef struct fold_entry {
    uint64_t hash;
    int64_t story;
    char *id;
} fold_entry;

typedef struct folder {
    fold_entry *e;           /* open addressing on hash; capacity a power of two */
    size_t n, cap;
    int64_t next_story;
} folder;

static void folder_free(folder *f)
{
    for (size_t i = 0; i < f->cap; i++)
        free(f->e[i].id);
    free(f->e);
    memset(f, 0, sizeof *f);
}

static nf_rc folder_grow(folder *f)
{
    size_t ncap = f->cap ? f->cap * 2 : 1024;
    fold_entry *ne = calloc(ncap, sizeof *ne);
    if (!ne)
        return NF_ENOMEM;
    for (size_t i = 0; i < f->cap; i++) {
        if (!f->e[i].id)
            continue;
        size_t j = f->e[i].hash & (ncap - 1);
        while (ne[j].id)
            j = (j + 1) & (ncap - 1);
        ne[j] = f->e[i];
    }
    free(f->e);
    f->e = ne;
    f->cap = ncap;
    return NF_OK;
}

static size_t folder_stories(const folder *f)
{
    return (size_t)f->next_story;
}

/* New stories get ids >= next (ids the store already shows are never reused). */
static void folder_reserve(folder *f, int64_t next)
{
    if (next - 1 > f->next_story)
        f->next_story = next - 1;
}

/* Add one article in arrival order: its story and, when it copies an earlier one, that id. */
static nf_rc folder_add(folder *f, const nf_article *a, int64_t *story, const char **copy_of)
{
    if ((f->n + 1) * 2 > f->cap && folder_grow(f))
        return NF_ENOMEM;
    uint64_t h = XXH3_64bits(a->text, a->text_len);
    size_t j = h & (f->cap - 1);
    for (; f->e[j].id; j = (j + 1) & (f->cap - 1)) {
        if (f->e[j].hash == h) {
            *story = f->e[j].story;
            *copy_of = f->e[j].id;
            return NF_OK;
        }
    }
    f->e[j].id = strdup(a->id);
    if (!f->e[j].id)
        return NF_ENOMEM;
    f->e[j].hash = h;
    f->e[j].story = ++f->next_story;
    f->n++;
    *story = f->e[j].story;
    *copy_of = NULL;
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
    assign *as;
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
    int copy_changed = (copy_of == NULL) != (st->copy_of == NULL) ||
                       (copy_of && strcmp(copy_of, st->copy_of));
    if (story == st->story && !copy_changed)
        return 0;
    if ((c->rc = nf_grow((void **)&c->as, &c->cap, c->n + 1, sizeof *c->as)))
        return 1;
    assign *x = &c->as[c->n++];
    memset(x, 0, sizeof *x);
    x->id = strdup(st->a->id);
    x->copy_of = copy_of ? strdup(copy_of) : NULL;
    x->story = story;
    x->old_story = st->story;
    x->copy_changed = copy_changed;
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
