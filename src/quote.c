/*
 * quote.c — quoted material shared across the articles of a story.
 *
 * Key idea: compare word sequences, not strings. Each document's words are case-folded and
 * hashed (nf_cdoc), so punctuation, case and straight vs curly marks are already gone. Every
 * run of NF_QUOTE_MIN_WORDS consecutive words (a shingle) of every document goes into one
 * sorted index. A shingle is a candidate when it occurs in two or more documents and at least
 * one of them prints it inside quotation marks. Candidates that follow each other in some
 * document are joined (union-find): a maximal chain is one shared quote. A quote that one
 * outlet prints in marks and another verbatim without them is found the same way (an "echo":
 * the unquoted occurrence carries the same shingles).
 *
 * A quote split in two by one outlet ("A," he said, "B") and whole in another gives two
 * quotes, one per half: the shingles that straddle the cut occur in one document only, so the
 * chain breaks there. The canonical text of a quote is its longest quoted occurrence.
 *
 * Cost: the index sort, O(W log W) for W words in the story, then linear passes; no pairwise
 * comparison of documents, so a quote carried by all n articles costs O(n), not O(n^2).
 *
 * Invariants: every group has occurrences in >= 2 documents, at most one per document (its
 * longest range there), at least one of them quoted; groups are ordered by the first
 * occurrence (document, then position).
 */
#include "nf_int.h"
#include <stdlib.h>

typedef struct shingle {
    uint64_t key;
    uint32_t doc, pos;
} shingle;


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
    uint32_t root;
} occ;

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

/* All six words inside one and the same quoted span ("...news." "North Korea..." are two). */
static bool shingle_quoted(const nf_cdoc *d, size_t p)
{
    for (size_t i = 0; i < NF_QUOTE_MIN_WORDS; i++)
        if (!(d->t[d->word[p + i]].flags & NF_TF_QUOTED))
            return false;
    uint32_t a = d->t[d->word[p]].start, z = d->t[d->word[p + NF_QUOTE_MIN_WORDS - 1]].end;
    size_t lo = 0, hi = d->nquote;
    while (lo < hi) {     /* the last quote opening at or before a */
        size_t m = (lo + hi) / 2;
        if (d->quote[m].inner.start <= a)
            lo = m + 1;
        else
            hi = m;
    }
    return lo > 0 && d->quote[lo - 1].inner.end >= z;
}

/* A shingle that runs over a paragraph break is no quote material (and breaks chains). */
static bool shingle_in_paragraph(const nf_cdoc *d, size_t p)
{
    for (size_t i = 1; i < NF_QUOTE_MIN_WORDS; i++)
        if (d->t[d->word[p + i]].flags & NF_TF_PARA)
            return false;
    return true;
}

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->root != y->root)
        return x->root < y->root ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->w0 < y->w0 ? -1 : x->w0 > y->w0;
}

static int cmp_group(const void *a, const void *b)
{
    const nf_qgroup *x = a, *y = b;
    if (x->occ[0].doc != y->occ[0].doc)
        return x->occ[0].doc < y->occ[0].doc ? -1 : 1;
    return x->occ[0].w0 < y->occ[0].w0 ? -1 : x->occ[0].w0 > y->occ[0].w0;
}

void nf_qgroups_reset(nf_qgroups *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->g[i].occ);
    free(q->g);
    q->g = NULL;
    q->n = 0;
}

/* Occurrences sorted by (root, doc, position) -> groups. */
static nf_rc groups_from(const nf_cdoc *docs, occ *o, size_t no, nf_qgroups *out)
{
    if (!no)
        return NF_OK;
    qsort(o, no, sizeof *o, cmp_occ);
    size_t capg = 0;
    for (size_t i = 0; i < no;) {
        size_t j = i;
        while (j < no && o[j].root == o[i].root)
            j++;
        nf_qgroup g = {0};
        size_t cap = 0, nq = 0;
        for (size_t k = i; k < j; k++) {
            const occ *x = &o[k];
            nf_qocc *last = g.nocc ? &g.occ[g.nocc - 1] : NULL;
            if (last && last->doc == x->doc) {
                /* the longest range of this document */
                if (x->w1 - x->w0 > last->w1 - last->w0 || (x->quoted && !last->quoted)) {
                    last->w0 = x->w0;
                    last->w1 = x->w1;
                    last->quoted = x->quoted;
                }
                continue;
            }
            if (nf_grow((void **)&g.occ, &cap, g.nocc + 1, sizeof *g.occ)) {
                free(g.occ);
                return NF_ENOMEM;
            }
            g.occ[g.nocc++] = (nf_qocc){x->doc, x->w0, x->w1, x->quoted};
        }
        for (size_t k = 0; k < g.nocc; k++)
            nq += g.occ[k].quoted != 0;
        if (g.nocc >= 2 && nq >= 1 && contentful(&docs[g.occ[0].doc], g.occ[0].w0, g.occ[0].w1)) {
            if (nf_grow((void **)&out->g, &capg, out->n + 1, sizeof *out->g)) {
                free(g.occ);
                return NF_ENOMEM;
            }
            out->g[out->n++] = g;
        } else {
            free(g.occ);
        }
        i = j;
    }
    if (out->n)
        qsort(out->g, out->n, sizeof *out->g, cmp_group);
    return NF_OK;
}

nf_rc nf_quotes_match(const nf_cdoc *docs, size_t n, const uint8_t *skip, nf_qgroups *out)
{
    const size_t K = NF_QUOTE_MIN_WORDS;
    size_t total = 0;
    out->g = NULL;
    out->n = 0;
    size_t *base = calloc(n + 1, sizeof *base);     /* first shingle id of each doc */
    if (!base)
        return NF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        base[i] = total;
        if (!(skip && skip[i]) && docs[i].nword >= K)
            total += docs[i].nword - K + 1;
    }
    base[n] = total;
    shingle *ix = malloc((total + 1) * sizeof *ix);
    uint32_t *cid = malloc((total + 1) * sizeof *cid);    /* shingle id -> candidate or none */
    uint32_t *uf = malloc((total + 1) * sizeof *uf);
    occ *o = NULL;
    size_t no = 0, capo = 0;
    nf_rc rc = NF_ENOMEM;
    if (!ix || !cid || !uf)
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; base[i] + p < base[i + 1]; p++)
            if (shingle_in_paragraph(&docs[i], p))
                ix[m++] = (shingle){shingle_key(&docs[i], p), (uint32_t)i, (uint32_t)p};
    for (size_t i = 0; i < total; i++)
        cid[i] = UINT32_MAX;
    _Static_assert(sizeof(shingle) == 16, "radix-sorted records");
    if ((rc = nf_sort_key64(ix, m)))
        goto done;
    rc = NF_ENOMEM;
    /* candidates: a hash in >= 2 documents, quoted in one at least; all its positions share
     * one union-find id (the first position's shingle id) */
    for (size_t i = 0; i < m;) {
        size_t j = i;
        bool quoted = false, two = false;
        while (j < m && ix[j].key == ix[i].key) {
            quoted |= shingle_quoted(&docs[ix[j].doc], ix[j].pos);
            two |= ix[j].doc != ix[i].doc;
            j++;
        }
        if (quoted && two) {
            uint32_t id = (uint32_t)(base[ix[i].doc] + ix[i].pos);
            for (size_t k = i; k < j; k++)
                cid[base[ix[k].doc] + ix[k].pos] = id;
        }
        i = j;
    }
    for (size_t i = 0; i < total; i++)
        uf[i] = (uint32_t)i;
    /* chains: candidates that follow each other in a document are one quote */
    for (size_t d = 0; d < n; d++)
        for (size_t s = base[d]; s + 1 < base[d + 1]; s++)
            if (cid[s] != UINT32_MAX && cid[s + 1] != UINT32_MAX)
                nf_uf_union(uf, cid[s], cid[s + 1]);
    /* occurrences: maximal runs of candidates in each document */
    for (size_t d = 0; d < n; d++)
        for (size_t s = base[d]; s < base[d + 1];) {
            if (cid[s] == UINT32_MAX) {
                s++;
                continue;
            }
            size_t e = s;
            while (e < base[d + 1] && cid[e] != UINT32_MAX)
                e++;
            uint32_t w0 = (uint32_t)(s - base[d]), w1 = (uint32_t)(e - base[d] - 1 + K);
            bool q = quoted_range(&docs[d], w0, w1);
            /* a quoted occurrence is the quoted words: "Comey “went to ..." starts at "went" */
            while (q && w1 - w0 > K && !(docs[d].t[docs[d].word[w0]].flags & NF_TF_QUOTED))
                w0++;
            while (q && w1 - w0 > K && !(docs[d].t[docs[d].word[w1 - 1]].flags & NF_TF_QUOTED))
                w1--;
            if (nf_grow((void **)&o, &capo, no + 1, sizeof *o))
                goto done;
            o[no++] = (occ){(uint32_t)d, w0, w1, q, nf_uf_find(uf, cid[s])};
            s = e;
        }
    rc = groups_from(docs, o, no, out);
done:
    free(base);
    free(ix);
    free(cid);
    free(uf);
    free(o);
    if (rc)
        nf_qgroups_reset(out);
    return rc;
}
