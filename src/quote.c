/*
 * quote.c — quoted material shared across the articles of a story.
 *
 * Key idea: compare word sequences, not strings. Each document's words are case-folded and
 * hashed (nf_cdoc), so punctuation, case and straight vs curly marks are already gone. Every
 * run of NF_QUOTE_MIN_WORDS consecutive words of every document goes into one sorted shingle
 * index. For each quoted span of each document, each of its shingles is looked up; a hit in
 * another document starts a run that is extended word by word while both sides agree and the
 * quoted span lasts. A run is found once: it starts where the previous words differ or where the
 * quote begins. The other side of a run may be quoted or not: a quote that one outlet prints in
 * marks and another verbatim without them is found the same way (an "echo").
 *
 * Runs become occurrences (document, word range, quoted?) joined by union-find: the two ends of
 * a run, and occurrences of one document whose ranges overlap. A quote split in two by one
 * outlet ("A," he said, "B") and whole in another gives two groups, one per half — each half
 * is found in the whole. The canonical text of a group is its longest occurrence.
 *
 * Cost: index build O(W log W) for W words in the story; each quoted shingle costs one binary
 * search plus its hits. No pairwise comparison of documents.
 *
 * Invariants: every group has occurrences in >= 2 documents, at most one per document (the
 * union of that document's ranges), at least one of them quoted; groups are ordered by the
 * first occurrence (document, then position).
 */
#include "nf_int.h"
#include <stdlib.h>

typedef struct shingle {
    uint64_t key;
    uint32_t doc, pos;
} shingle;

static int cmp_shingle(const void *a, const void *b)
{
    const shingle *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static uint64_t wh(const nf_cdoc *d, size_t w) { return d->t[d->word[w]].h; }

static uint64_t shingle_key(const nf_cdoc *d, size_t p)
{
    uint64_t k = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < NF_QUOTE_MIN_WORDS; i++)
        k = (k ^ wh(d, p + i)) * 0xff51afd7ed558ccdull + (k >> 29);
    return k;
}

typedef struct occ {
    uint32_t doc, w0, w1, quoted;
    uint32_t parent;
} occ;

static uint32_t find(occ *o, uint32_t i)
{
    while (o[i].parent != i) {
        o[i].parent = o[o[i].parent].parent;
        i = o[i].parent;
    }
    return i;
}

static void unite(occ *o, uint32_t a, uint32_t b)
{
    a = find(o, a);
    b = find(o, b);
    if (a != b) {
        if (a < b)
            o[b].parent = a;
        else
            o[a].parent = b;
    }
}

typedef struct occs {
    occ *o; size_t n, cap;
} occs;

static nf_rc push(occs *v, uint32_t doc, uint32_t w0, uint32_t w1, uint32_t quoted)
{
    if (nf_grow((void **)&v->o, &v->cap, v->n + 1, sizeof *v->o))
        return NF_ENOMEM;
    v->o[v->n] = (occ){doc, w0, w1, quoted, (uint32_t)v->n};
    v->n++;
    return NF_OK;
}

/* The word range [*w0, *w1) of quote q in d. */
static void quote_words(const nf_cdoc *d, const nf_quote *q, size_t *w0, size_t *w1)
{
    size_t lo = 0, hi = d->nword;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (d->t[d->word[m]].start < q->inner.start)
            lo = m + 1;
        else
            hi = m;
    }
    *w0 = lo;
    while (hi < d->nword && d->t[d->word[hi]].end <= q->inner.end)
        hi++;
    *w1 = hi;
}

static bool quoted_range(const nf_cdoc *d, size_t w0, size_t w1)
{
    size_t q = 0;
    for (size_t w = w0; w < w1; w++)
        q += (d->t[d->word[w]].flags & NF_TF_QUOTED) != 0;
    return 2 * q > w1 - w0;
}

static bool contentful(const nf_cdoc *d, size_t w0, size_t w1)
{
    size_t c = 0;
    for (size_t w = w0; w < w1; w++)
        c += !(d->t[d->word[w]].flags & NF_CT_STOP);
    return c >= 3;
}

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->w0 < y->w0 ? -1 : x->w0 > y->w0;
}

void nf_qgroups_reset(nf_qgroups *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->g[i].occ);
    free(q->g);
    q->g = NULL;
    q->n = 0;
}

/* Runs from the quoted spans of document a into the index. */
static nf_rc runs_from(const nf_cdoc *docs, const shingle *ix, size_t nix, uint32_t a, occs *v)
{
    const nf_cdoc *d = &docs[a];
    const size_t K = NF_QUOTE_MIN_WORDS;
    for (size_t qi = 0; qi < d->nquote; qi++) {
        size_t q0, q1;
        quote_words(d, &d->quote[qi], &q0, &q1);
        for (size_t p = q0; p + K <= q1; p++) {
            shingle key = {shingle_key(d, p), 0, 0};
            const shingle *h = ix;
            size_t lo = 0, hi = nix;
            while (lo < hi) {
                size_t m = (lo + hi) / 2;
                if (ix[m].key < key.key)
                    lo = m + 1;
                else
                    hi = m;
            }
            for (h = ix + lo; h < ix + nix && h->key == key.key; h++) {
                if (h->doc == a)
                    continue;
                const nf_cdoc *e = &docs[h->doc];
                size_t r = h->pos, len = 0;
                if (p > q0 && r > 0 && wh(d, p - 1) == wh(e, r - 1))
                    continue;   /* inside a run that started earlier */
                while (p + len < q1 && r + len < e->nword && wh(d, p + len) == wh(e, r + len))
                    len++;
                if (len < K || !contentful(d, p, p + len))
                    continue;   /* a hash collision, or only function words */
                nf_rc rc;
                if ((rc = push(v, a, (uint32_t)p, (uint32_t)(p + len), 1))
                    || (rc = push(v, h->doc, (uint32_t)r, (uint32_t)(r + len),
                                  quoted_range(e, r, r + len))))
                    return rc;
                unite(v->o, (uint32_t)(v->n - 2), (uint32_t)(v->n - 1));
            }
        }
    }
    return NF_OK;
}

/* Occurrences -> groups: one merged range per document, >= 2 documents, >= 1 quoted. */
static nf_rc collect(occs *v, nf_qgroups *out)
{
    /* overlapping ranges of one document are the same quote */
    uint32_t *ord = malloc((v->n + 1) * sizeof *ord);
    if (!ord)
        return NF_ENOMEM;
    occ *sorted = malloc((v->n + 1) * sizeof *sorted);
    if (!sorted) {
        free(ord);
        return NF_ENOMEM;
    }
    for (size_t i = 0; i < v->n; i++) {
        sorted[i] = v->o[i];
        sorted[i].parent = (uint32_t)i;    /* remember the original index */
    }
    qsort(sorted, v->n, sizeof *sorted, cmp_occ);
    for (size_t i = 1; i < v->n; i++) {
        if (sorted[i].doc != sorted[i - 1].doc)
            continue;
        /* overlap with any earlier range of this doc still open */
        for (size_t j = i; j-- > 0 && sorted[j].doc == sorted[i].doc;)
            if (sorted[j].w1 > sorted[i].w0) {
                unite(v->o, sorted[j].parent, sorted[i].parent);
                break;
            }
    }
    nf_rc rc = NF_OK;
    for (size_t i = 0; i < v->n; i++)
        ord[i] = find(v->o, sorted[i].parent);
    uint8_t *done = calloc(v->n + 1, 1);
    if (!done)
        rc = NF_ENOMEM;
    /* roots in order of their first occurrence in (doc, pos) order */
    for (size_t i = 0; i < v->n && !rc; i++) {
        uint32_t root = ord[i];
        if (done[root])
            continue;
        nf_qgroup g = {0};
        size_t cap = 0, nq = 0;
        for (size_t j = i; j < v->n; j++) {
            if (ord[j] != root)
                continue;
            occ *x = &sorted[j];
            nf_qocc *last = g.nocc ? &g.occ[g.nocc - 1] : NULL;
            if (last && last->doc == x->doc) {
                /* keep the longest range of this document; extend when overlapping */
                if (x->w0 < last->w1) {
                    if (x->w1 > last->w1)
                        last->w1 = x->w1;
                } else if (x->w1 - x->w0 > last->w1 - last->w0) {
                    last->w0 = x->w0;
                    last->w1 = x->w1;
                }
                last->quoted |= x->quoted;
                continue;
            }
            if (nf_grow((void **)&g.occ, &cap, g.nocc + 1, sizeof *g.occ)) {
                rc = NF_ENOMEM;
                break;
            }
            g.occ[g.nocc++] = (nf_qocc){x->doc, x->w0, x->w1, x->quoted};
        }
        for (size_t k = 0; k < g.nocc; k++)
            nq += g.occ[k].quoted != 0;
        if (!rc && g.nocc >= 2 && nq >= 1) {
            nf_qgroup *ng = realloc(out->g, (out->n + 1) * sizeof *ng);
            if (!ng) {
                rc = NF_ENOMEM;
                free(g.occ);
                break;
            }
            out->g = ng;
            out->g[out->n++] = g;
        } else {
            free(g.occ);
        }
        done[root] = 1;
    }
    free(done);
    free(ord);
    free(sorted);
    return rc;
}

nf_rc nf_quotes_match(const nf_cdoc *docs, size_t n, const uint8_t *skip, nf_qgroups *out)
{
    const size_t K = NF_QUOTE_MIN_WORDS;
    size_t total = 0;
    out->g = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++)
        if (!(skip && skip[i]) && docs[i].nword >= K)
            total += docs[i].nword - K + 1;
    shingle *ix = malloc((total + 1) * sizeof *ix);
    occs v = {0};
    nf_rc rc = NF_ENOMEM;
    if (!ix)
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if ((skip && skip[i]) || docs[i].nword < K)
            continue;
        for (size_t p = 0; p + K <= docs[i].nword; p++)
            ix[m++] = (shingle){shingle_key(&docs[i], p), (uint32_t)i, (uint32_t)p};
    }
    qsort(ix, m, sizeof *ix, cmp_shingle);
    for (size_t a = 0; a < n; a++) {
        if (skip && skip[a])
            continue;
        if ((rc = runs_from(docs, ix, m, (uint32_t)a, &v)))
            goto done;
    }
    rc = collect(&v, out);
    if (rc)
        goto done;
done:
    free(ix);
    free(v.o);
    if (rc)
        nf_qgroups_reset(out);
    return rc;
}
