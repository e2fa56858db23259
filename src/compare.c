/*
 * compare.c — the comparison of one story's coverage (nf_compare): shared quotes, sources and
 * their graph, additions and omissions, differences, copies; and its JSON (nf_comparison_json).
 *
 * Pipeline per story: each article becomes an nf_cdoc (cdoc.c); copies (copy_of) are listed
 * and then left out of everything else, so an outlet reprinting another neither hides the
 * original's additions nor counts as independent. Then:
 *   - quotes: nf_quotes_match (quote.c) over a shingle index; speakers from attrib.c;
 *   - sources: nf_attrib_article per article; names merged across the story (a lone surname
 *     joins the one full name it ends: "Peskov" -> "Dmitry Peskov"); the source graph is
 *     article -> source plus relay edges source -> source; an article leads back to every
 *     source reachable from those it cites; the primary sources are those most articles lead
 *     back to, ties broken towards the source others relay (the origin of a chain);
 *   - alignment: sentences are sets of stems weighted by idf within the story; an inverted
 *     index stem -> sentences accumulates overlaps (stems in more than NF_ALIGN_DF_CAP of the
 *     sentences are left out of the index, they carry little weight and make postings long),
 *     so the cost follows the postings touched, not the number of sentence pairs. Two
 *     sentences of different articles align when their weighted Dice reaches NF_ALIGN_DICE
 *     (or the shorter is mostly contained in the longer); sentences carrying the same shared
 *     quote align. Union-find makes content clusters; an addition is a sentence whose cluster
 *     holds one article only; an omission is a cluster most other articles carry;
 *   - differences: slots (slot.c) of like kind and unit in aligned context (same cluster, or
 *     two content stems shared in a window around the values) whose value intervals are
 *     disjoint, while no aligned slot of the other article agrees.
 */
#include "nf_int.h"
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

#define NF_ALIGN_DICE 0.45
#define NF_ALIGN_CONTAIN 0.75
#define NF_ALIGN_DF_CAP 0.05
#define NF_CTX_WINDOW 5

typedef struct cctx {
    const nf_article *const *arts;
    size_t n;
    nf_cdoc *docs;
    nf_rawcites *rc;
    uint8_t *skip;
    nf_comparison *c;
    /* source keys, parallel to c->src */
    char **keys; uint64_t *khash; size_t ckeys;
    uint32_t *htab; size_t hcap;             /* hash index over keys */
    size_t cap_src, cap_cit;
    /* alignment */
    uint32_t *sent_base;     /* n + 1: global id of each doc's first sentence */
    uint32_t *uf;            /* union-find over global sentence ids */
    uint32_t *sdoc;          /* global sentence id -> document */
    uint32_t nsent;
    char **people; size_t npeople, cpeople;  /* multi-word person keys, sorted by last word */
    char **byfirst;                           /* the same, sorted by first word */
} cctx;

/* ---- sources ---- */

/* Open addressing over key hashes -> source index + 1; rebuilt when half full. */
static nf_rc src_rehash(cctx *x)
{
    size_t cap = x->hcap ? x->hcap * 2 : 256;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return NF_ENOMEM;
    for (size_t i = 0; i < x->c->nsrc; i++) {
        size_t k = x->khash[i] & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = (uint32_t)i + 1;
    }
    free(x->htab);
    x->htab = t;
    x->hcap = cap;
    return NF_OK;
}

static int32_t src_find(cctx *x, const char *key)
{
    if (!x->hcap)
        return -1;
    uint64_t h = nf_hash_str(key, strlen(key));
    for (size_t k = h & (x->hcap - 1); x->htab[k]; k = (k + 1) & (x->hcap - 1)) {
        uint32_t i = x->htab[k] - 1;
        if (x->khash[i] == h && !strcmp(x->keys[i], key))
            return (int32_t)i;
    }
    return -1;
}

static int32_t src_add(cctx *x, const char *key, const char *name, uint32_t kind)
{
    int32_t k = src_find(x, key);
    if (k >= 0) {
        nf_source *s = &x->c->src[k];
        if (kind == NF_SRC_PERSON && s->kind != NF_SRC_PERSON)
            s->kind = NF_SRC_PERSON;
        if (name && strlen(name) > strlen(s->name)) {
            char *nn = strdup(name);
            if (nn) {
                free(s->name);
                s->name = nn;
            }
        }
        return k;
    }
    size_t n = x->c->nsrc;
    if (nf_grow((void **)&x->c->src, &x->cap_src, n + 1, sizeof *x->c->src)
        || nf_grow((void **)&x->keys, &x->ckeys, n + 1, sizeof *x->keys))
        return -1;
    uint64_t *kh = realloc(x->khash, (n + 1) * sizeof *kh);
    if (!kh)
        return -1;
    x->khash = kh;
    nf_source *s = &x->c->src[n];
    memset(s, 0, sizeof *s);
    s->name = strdup(name ? name : key);
    x->keys[n] = strdup(key);
    if (!s->name || !x->keys[n]) {
        free(s->name);
        free(x->keys[n]);
        return -1;
    }
    x->khash[n] = nf_hash_str(key, strlen(key));
    s->kind = kind;
    x->c->nsrc++;
    if (2 * x->c->nsrc > x->hcap) {
        if (src_rehash(x))
            return -1;
    } else {
        size_t slot = x->khash[n] & (x->hcap - 1);
        while (x->htab[slot])
            slot = (slot + 1) & (x->hcap - 1);
        x->htab[slot] = (uint32_t)n + 1;
    }
    return (int32_t)n;
}

/* The last word of a key, or the key itself. */
static const char *last_word(const char *k)
{
    const char *p = strrchr(k, ' ');
    return p ? p + 1 : k;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Family name first ("Kim" for "Kim Jong-un", "Moon" for "Moon Jae-in"): a lone word that
 * starts exactly one full name, when no full name ends with it. */
/* Candidates for one lone name: distinct full names with their counts, grouped by the word
 * that tells people apart (the given name). The group named most often wins when it has at
 * least twice the mentions of all others ("Kim" is Kim Jong Un in a story that names Kim
 * Jong-il once); otherwise the lone name stays alone. */
typedef struct cand {
    const char *key, *w;
    size_t wl, count;
} cand;

static const char *pick(const cand *c, size_t n)
{
    size_t total = 0, best = SIZE_MAX, bestsum = 0;
    for (size_t i = 0; i < n; i++) {
        total += c[i].count;
        size_t sum = 0;
        for (size_t j = 0; j < n; j++)
            if (c[j].wl == c[i].wl && !strncmp(c[j].w, c[i].w, c[i].wl))
                sum += c[j].count;
        if (best == SIZE_MAX || sum > bestsum
            || (sum == bestsum && c[i].count > c[best].count)) {
            best = i;
            bestsum = sum;
        }
    }
    if (best == SIZE_MAX || bestsum < 2 * (total - bestsum))
        return NULL;
    /* the most frequent spelling inside the winning group */
    const cand *r = &c[best];
    for (size_t i = 0; i < n; i++)
        if (c[i].wl == r->wl && !strncmp(c[i].w, r->w, r->wl) && c[i].count > r->count)
            r = &c[i];
    return r->key;
}

/* Family name first ("Kim" for "Kim Jong-un", "Moon" for "Moon Jae-in"): a lone word that
 * starts the full names, when no full name ends with it. */
static const char *link_first(cctx *x, const char *key)
{
    size_t kl = strlen(key), lo = 0, hi = x->npeople, n = 0;
    cand c[32];
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (strcmp(x->byfirst[m], key) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    for (size_t i = lo; i < x->npeople && !strncmp(x->byfirst[i], key, kl) && n < 32;) {
        size_t j = i;
        while (j < x->npeople && !strcmp(x->byfirst[j], x->byfirst[i]))
            j++;
        const char *k = x->byfirst[i];
        if (k[kl] == ' ') {
            const char *w2 = k + kl + 1, *e2 = strchr(w2, ' ');
            c[n++] = (cand){k, w2, e2 ? (size_t)(e2 - w2) : strlen(w2), j - i};
        }
        i = j;
    }
    const char *r = pick(c, n);
    return r ? r : key;
}

static int cmp_last(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c = strcmp(last_word(x), last_word(y));
    return c ? c : strcmp(x, y);
}

static nf_rc collect_people(cctx *x)
{
    for (size_t d = 0; d < x->n; d++)
        if (!x->skip[d] && nf_attrib_people(&x->docs[d], &x->people, &x->npeople, &x->cpeople))
            return NF_ENOMEM;
    if (x->npeople)
        qsort(x->people, x->npeople, sizeof *x->people, cmp_last);
    x->byfirst = malloc((x->npeople + 1) * sizeof *x->byfirst);
    if (!x->byfirst)
        return NF_ENOMEM;
    if (x->npeople) {
        memcpy(x->byfirst, x->people, x->npeople * sizeof *x->people);
        qsort(x->byfirst, x->npeople, sizeof *x->byfirst, cmp_str);
    }
    return NF_OK;
}

/* A one-word key that ends exactly one multi-word person name of the story joins it. */
static const char *link_key(cctx *x, const char *key)
{
    if (strchr(key, ' '))
        return key;
    size_t lo = 0, hi = x->npeople;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (strcmp(last_word(x->people[m]), key) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    /* full names ending with it, told apart by the word before the surname ("Mike Pompeo"
     * and "Jane Pompeo" are two people) */
    cand c[32];
    size_t n = 0;
    for (size_t i = lo; i < x->npeople && !strcmp(last_word(x->people[i]), key) && n < 32;) {
        size_t j = i;
        while (j < x->npeople && !strcmp(x->people[j], x->people[i]))
            j++;
        const char *k = x->people[i], *lw = last_word(k);
        const char *p = lw - 1;
        while (p > k && p[-1] != ' ')
            p--;
        c[n++] = (cand){k, p, (size_t)(lw - 1 - p), j - i};
        i = j;
    }
    if (!n)
        return link_first(x, key);
    const char *r = pick(c, n);
    return r ? r : key;
}

static nf_rc build_sources(cctx *x)
{
    nf_comparison *c = x->c;
    for (size_t d = 0; d < x->n; d++) {
        if (x->skip[d])
            continue;
        const nf_rawcites *rc = &x->rc[d];
        size_t base = c->ncit;
        for (size_t i = 0; i < rc->n; i++) {
            const nf_rawcite *r = &rc->c[i];
            const char *key = link_key(x, r->key);
            uint32_t kind = key != r->key ? NF_SRC_PERSON : r->kind;
            const char *name = key != r->key ? key + strlen(key) + 1 : r->name;
            int32_t s = src_add(x, key, name, kind);
            if (s < 0 || nf_grow((void **)&c->cit, &x->cap_cit, c->ncit + 1, sizeof *c->cit))
                return NF_ENOMEM;
            nf_citation *ct = &c->cit[c->ncit++];
            ct->article = (uint32_t)d;
            ct->source = (uint32_t)s;
            ct->cue = r->cue;
            ct->via = r->via >= 0 ? (int32_t)(base + (size_t)r->via) : -1;
            ct->name.start = x->docs[d].t[r->t0].start;
            ct->name.end = x->docs[d].t[r->t1 - 1].end;
            ct->sentence = x->docs[d].sent[r->sent];
        }
    }
    return NF_OK;
}

typedef struct edge {
    uint32_t from, to;       /* from relays to */
} edge;

static int cmp_edge(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* narticles, ndirect, primary (see the file comment). Citations are in article order, relay
 * edges sorted by their relaying source; each article walks the edges from what it cites. */
static nf_rc rank_sources(cctx *x)
{
    nf_comparison *c = x->c;
    size_t S = c->nsrc, ne = 0;
    if (!S)
        return NF_OK;
    edge *e = malloc((c->ncit + 1) * sizeof *e);
    uint32_t *first = calloc(S + 1, sizeof *first);
    uint32_t *mark = malloc(S * sizeof *mark);
    uint32_t *stack = malloc(S * sizeof *stack);
    uint32_t *relayed = calloc(S, sizeof *relayed);
    nf_rc rc = NF_ENOMEM;
    if (!e || !first || !mark || !stack || !relayed)
        goto done;
    for (size_t i = 0; i < c->ncit; i++)
        if (c->cit[i].via >= 0 && c->cit[i].source != c->cit[c->cit[i].via].source)
            e[ne++] = (edge){c->cit[i].source, c->cit[c->cit[i].via].source};
    if (ne)
        qsort(e, ne, sizeof *e, cmp_edge);
    size_t m = 0;
    for (size_t i = 0; i < ne; i++)          /* distinct edges */
        if (!m || e[i].from != e[m - 1].from || e[i].to != e[m - 1].to)
            e[m++] = e[i];
    ne = m;
    for (size_t i = 0; i < ne; i++) {
        first[e[i].from + 1]++;
        relayed[e[i].to]++;
    }
    for (size_t s = 0; s < S; s++)
        first[s + 1] += first[s];
    for (size_t s = 0; s < S; s++)
        mark[s] = UINT32_MAX;
    for (size_t i = 0; i < c->ncit;) {
        uint32_t d = c->cit[i].article;
        size_t j = i, sp = 0;
        for (; j < c->ncit && c->cit[j].article == d; j++) {
            const nf_citation *ct = &c->cit[j];
            if (ct->cue == NF_CUE_DATELINE || ct->cue == NF_CUE_NO_RESPONSE
                || ct->cue == NF_CUE_NO_CONFIRM || mark[ct->source] == d)
                continue;
            mark[ct->source] = d;
            c->src[ct->source].ndirect++;
            c->src[ct->source].narticles++;
            stack[sp++] = ct->source;
        }
        while (sp) {
            uint32_t y = stack[--sp];
            for (uint32_t k = first[y]; k < first[y + 1]; k++)
                if (mark[e[k].to] != d) {
                    mark[e[k].to] = d;
                    c->src[e[k].to].narticles++;
                    stack[sp++] = e[k].to;
                }
        }
        i = j;
    }
    /* primary: the best (narticles, relayed) among named sources most articles lead back to */
    size_t active = 0;
    for (size_t d = 0; d < x->n; d++)
        active += !x->skip[d];
    /* "most articles": at least half of them, and two */
    uint32_t need = (uint32_t)((active + 1) / 2), bn = 0, br = 0;
    if (need < 2)
        need = active >= 2 ? 2 : 1;
    for (size_t s = 0; s < S; s++) {
        const nf_source *r = &c->src[s];
        if (r->kind == NF_SRC_PLACE || r->narticles < need)
            continue;
        if (r->narticles > bn || (r->narticles == bn && relayed[s] > br)) {
            bn = r->narticles;
            br = relayed[s];
        }
    }
    for (size_t s = 0; s < S; s++)
        if (bn && c->src[s].kind != NF_SRC_PLACE && c->src[s].narticles == bn && relayed[s] == br)
            c->src[s].primary = 1;
    rc = NF_OK;
done:
    free(e);
    free(first);
    free(mark);
    free(stack);
    free(relayed);
    return rc;
}

/* ---- quotes ---- */

static int32_t speaker_source(cctx *x, size_t d, uint32_t n0, uint32_t n1)
{
    uint32_t kind = 0;
    uint32_t c0 = n0, c1 = n1;
    char *key = nf_attrib_key2(&x->docs[d], n0, n1, &kind, &c0, &c1);
    if (!key)
        return -1;
    const char *lk = link_key(x, key);
    const nf_cdoc *doc = &x->docs[d];
    n0 = c0;
    n1 = c1;
    char *name = strndup(doc->text + doc->t[n0].start, doc->t[n1 - 1].end - doc->t[n0].start);
    int32_t s = *key ? src_add(x, lk, lk != key ? lk + strlen(lk) + 1 : name,
                               lk != key ? NF_SRC_PERSON : kind) : -1;
    if (s >= 0)
        x->c->src[s].quoted = 1;
    free(name);
    free(key);
    return s;
}

/* Widen tokens [*t0, *t1) to the quoted span that holds them: the speaker of a part of a
 * quote is the speaker of the whole. */
static void enclosing_quote(const nf_cdoc *d, uint32_t *t0, uint32_t *t1)
{
    uint32_t a = d->t[*t0].start;
    for (size_t q = 0; q < d->nquote; q++) {
        if (d->quote[q].inner.start > a || d->quote[q].inner.end < a)
            continue;
        uint32_t k = *t0;
        while (k > 0 && d->t[k - 1].start >= d->quote[q].inner.start)
            k--;
        uint32_t z = *t1;
        while (z < d->nt && d->t[z].end <= d->quote[q].inner.end)
            z++;
        *t0 = k;
        *t1 = z;
        return;
    }
}

static nf_rc build_quotes(cctx *x, const nf_qgroups *g)
{
    nf_comparison *c = x->c;
    c->quote = calloc(g->n + 1, sizeof *c->quote);
    if (!c->quote)
        return NF_ENOMEM;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < g->n; i++) {
            const nf_qgroup *q = &g->g[i];
            uint32_t nq = 0;
            for (size_t k = 0; k < q->nocc; k++)
                nq += q->occ[k].quoted != 0;
            if ((pass == 0) != (nq >= 2))
                continue;
            nf_shared_quote *sq = &c->quote[c->nquote++];
            sq->speaker = -1;
            sq->car = calloc(q->nocc, sizeof *sq->car);
            if (!sq->car)
                return NF_ENOMEM;
            size_t best = 0, bestlen = 0;
            int32_t votes_s[16];
            uint32_t votes_n[16];
            size_t nv = 0;
            for (size_t k = 0; k < q->nocc; k++) {
                const nf_qocc *o = &q->occ[k];
                const nf_cdoc *d = &x->docs[o->doc];
                uint32_t t0 = d->word[o->w0], t1 = d->word[o->w1 - 1] + 1;
                nf_carrier *cr = &sq->car[sq->ncar++];
                cr->article = o->doc;
                cr->quoted = o->quoted ? 1 : 0;
                cr->span.start = d->t[t0].start;
                cr->span.end = d->t[t1 - 1].end;
                cr->speaker = -1;
                if (o->quoted)
                    sq->nquoted++;
                else
                    sq->nunquoted++;
                if (cr->span.end - cr->span.start > bestlen) {
                    bestlen = cr->span.end - cr->span.start;
                    best = k;
                }
                uint32_t n0 = 0, n1 = 0, d0 = 0, d1 = 0, s0 = t0, s1 = t1;
                enclosing_quote(d, &s0, &s1);
                int got = nf_attrib_speaker(d, &x->rc[o->doc], s0, s1, &n0, &n1, &d0, &d1);
                if (got == 1 && n1 > n0) {
                    cr->speaker = speaker_source(x, o->doc, n0, n1);
                    size_t v = 0;
                    while (v < nv && votes_s[v] != cr->speaker)
                        v++;
                    if (v == nv && nv < 16) {
                        votes_s[nv] = cr->speaker;
                        votes_n[nv++] = 0;
                    }
                    if (v < nv)
                        votes_n[v]++;
                } else if (got == 2 && d1 > d0) {
                    cr->speaker_desc = strndup(d->text + d->t[d0].start,
                                               d->t[d1 - 1].end - d->t[d0].start);
                }
            }
            for (size_t v = 0; v < nv; v++)
                if (votes_s[v] >= 0 && (sq->speaker < 0 || votes_n[v] > votes_n[0]))
                    sq->speaker = votes_s[v];
            const nf_carrier *bc = &sq->car[best];
            sq->text = strndup(x->arts[bc->article]->text + bc->span.start,
                               bc->span.end - bc->span.start);
            if (!sq->text)
                return NF_ENOMEM;
        }
    return NF_OK;
}

/* ---- alignment ---- */

typedef struct post {
    uint64_t stem;
    uint32_t sid;
} post;


static uint32_t sid_doc(const cctx *x, uint32_t sid) { return x->sdoc[sid]; }

static nf_rc align(cctx *x, const nf_qgroups *g)
{
    size_t np = 0, cap = 0;
    post *p = NULL;
    nf_rc rc = NF_ENOMEM;
    double *w = NULL, *acc = NULL;
    uint32_t *touched = NULL;
    x->nsent = x->sent_base[x->n];
    x->uf = malloc((x->nsent + 1) * sizeof *x->uf);
    x->sdoc = malloc((x->nsent + 1) * sizeof *x->sdoc);
    w = calloc(x->nsent + 1, sizeof *w);
    acc = calloc(x->nsent + 1, sizeof *acc);
    touched = malloc((x->nsent + 1) * sizeof *touched);
    if (!x->uf || !x->sdoc || !w || !acc || !touched)
        goto done;
    for (uint32_t i = 0; i < x->nsent; i++)
        x->uf[i] = i;
    for (size_t d = 0; d < x->n; d++)
        for (uint32_t i = x->sent_base[d]; i < x->sent_base[d + 1]; i++)
            x->sdoc[i] = (uint32_t)d;
    /* postings: distinct stems of each sentence */
    for (size_t d = 0; d < x->n; d++) {
        if (x->skip[d])
            continue;
        const nf_cdoc *doc = &x->docs[d];
        for (uint32_t s = 0; s < doc->nsent; s++) {
            size_t first = np;
            for (uint32_t t = doc->sent_t0[s]; t < doc->sent_t0[s + 1]; t++) {
                if (!doc->t[t].stem)
                    continue;
                bool dup = false;
                for (size_t k = first; k < np && !dup; k++)
                    dup = p[k].stem == doc->t[t].stem;
                if (dup)
                    continue;
                if (nf_grow((void **)&p, &cap, np + 1, sizeof *p))
                    goto done;
                p[np++] = (post){doc->t[t].stem, x->sent_base[d] + s};
            }
        }
    }
    _Static_assert(sizeof(post) == 16, "radix-sorted records");
    if (nf_sort_key64(p, np))
        goto done;
    /* idf per posting run; sentence weights */
    double N = x->nsent ? x->nsent : 1;
    size_t dfcap = (size_t)fmax(32.0, NF_ALIGN_DF_CAP * N);
    for (size_t i = 0; i < np;) {
        size_t j = i;
        while (j < np && p[j].stem == p[i].stem)
            j++;
        double idf = log(1.0 + N / (double)(j - i));
        for (size_t k = i; k < j; k++)
            w[p[k].sid] += idf;
        i = j;
    }
    /* per sentence: its stems' postings, via a map sid -> range in p (sorted by stem) */
    /* build per-sentence feature lists: (sid -> list of posting-run starts) */
    uint32_t *fcount = calloc(x->nsent + 1, sizeof *fcount);
    uint32_t *fstart = calloc(x->nsent + 2, sizeof *fstart);
    uint32_t *feat = malloc((np + 1) * sizeof *feat);     /* run start index for each posting */
    uint32_t *runend = malloc((np + 1) * sizeof *runend);
    if (!fcount || !fstart || !feat || !runend) {
        free(fcount), free(fstart), free(feat), free(runend);
        goto done;
    }
    for (size_t i = 0; i < np;) {
        size_t j = i;
        while (j < np && p[j].stem == p[i].stem)
            j++;
        for (size_t k = i; k < j; k++) {
            runend[k] = (uint32_t)j;
            feat[k] = (uint32_t)i;
        }
        i = j;
    }
    for (size_t i = 0; i < np; i++)
        fcount[p[i].sid]++;
    for (uint32_t s = 0; s < x->nsent; s++)
        fstart[s + 1] = fstart[s] + fcount[s];
    uint32_t *fl = malloc((np + 1) * sizeof *fl);
    if (!fl) {
        free(fcount), free(fstart), free(feat), free(runend);
        goto done;
    }
    memset(fcount, 0, (x->nsent + 1) * sizeof *fcount);
    for (size_t i = 0; i < np; i++)
        fl[fstart[p[i].sid] + fcount[p[i].sid]++] = (uint32_t)i;
    for (uint32_t s = 0; s < x->nsent; s++) {
        if (w[s] <= 0)
            continue;
        uint32_t ds = sid_doc(x, s), nt = 0;
        for (uint32_t k = fstart[s]; k < fstart[s + 1]; k++) {
            size_t i = fl[k], a = feat[i], z = runend[i];
            if (z - a > dfcap)
                continue;
            double idf = log(1.0 + N / (double)(z - a));
            for (size_t m = a; m < z; m++) {
                uint32_t o = p[m].sid;
                if (o <= s || sid_doc(x, o) == ds)
                    continue;
                if (acc[o] == 0)
                    touched[nt++] = o;
                acc[o] += idf;
            }
        }
        for (uint32_t k = 0; k < nt; k++) {
            uint32_t o = touched[k];
            double ov = acc[o], dice = 2 * ov / (w[s] + w[o]), cont = ov / fmin(w[s], w[o]);
            if (dice >= NF_ALIGN_DICE || (cont >= NF_ALIGN_CONTAIN && ov >= 12.0))
                nf_uf_union(x->uf, s, o);
            acc[o] = 0;
        }
    }
    free(fcount), free(fstart), free(feat), free(runend), free(fl);
    /* sentences that carry the same shared quote say the same thing */
    for (size_t i = 0; i < g->n; i++) {
        const nf_qgroup *q = &g->g[i];
        uint32_t first = UINT32_MAX;
        for (size_t k = 0; k < q->nocc; k++) {
            const nf_cdoc *d = &x->docs[q->occ[k].doc];
            for (uint32_t wi = q->occ[k].w0; wi < q->occ[k].w1; wi++) {
                uint32_t sid = x->sent_base[q->occ[k].doc] + d->t[d->word[wi]].sent;
                if (first == UINT32_MAX)
                    first = sid;
                else
                    nf_uf_union(x->uf, first, sid);
            }
        }
    }
    rc = NF_OK;
done:
    free(p);
    free(w);
    free(acc);
    free(touched);
    return rc;
}

/* content stems and words of a sentence (for additions: skip fragments) */
static void sent_size(const nf_cdoc *d, uint32_t s, size_t *words, size_t *content)
{
    *words = *content = 0;
    for (uint32_t t = d->sent_t0[s]; t < d->sent_t0[s + 1]; t++) {
        *words += (d->t[t].flags & NF_CT_WORD) != 0;
        *content += d->t[t].stem != 0;
    }
}

static nf_rc additions(cctx *x)
{
    nf_comparison *c = x->c;
    uint32_t *ndoc = calloc(x->nsent + 1, sizeof *ndoc);     /* per root: articles */
    uint32_t *lastd = malloc((x->nsent + 1) * sizeof *lastd);
    uint32_t *rep = malloc((x->nsent + 1) * sizeof *rep);
    uint32_t *rstart = NULL, *byroot = NULL;
    size_t capa = 0, capo = 0, capob = 0;
    nf_rc rc = NF_ENOMEM;
    if (!ndoc || !lastd || !rep)
        goto done;
    size_t active = 0;
    for (size_t d = 0; d < x->n; d++)
        active += !x->skip[d];
    for (uint32_t s = 0; s < x->nsent; s++)
        lastd[s] = UINT32_MAX, rep[s] = UINT32_MAX;
    for (size_t d = 0; d < x->n; d++) {
        if (x->skip[d])
            continue;
        for (uint32_t s = 0; s < x->docs[d].nsent; s++) {
            uint32_t r = nf_uf_find(x->uf, x->sent_base[d] + s);
            if (lastd[r] != d) {
                lastd[r] = (uint32_t)d;
                ndoc[r]++;
            }
            if (rep[r] == UINT32_MAX)
                rep[r] = x->sent_base[d] + s;
        }
    }
    c->nsentences = 0;
    c->naligned = 0;
    for (size_t d = 0; d < x->n; d++) {
        if (x->skip[d])
            continue;
        const nf_cdoc *doc = &x->docs[d];
        for (uint32_t s = 0; s < doc->nsent; s++) {
            size_t words, content;
            sent_size(doc, s, &words, &content);
            if (words < 4 || content < 2)
                continue;
            c->nsentences++;
            uint32_t r = nf_uf_find(x->uf, x->sent_base[d] + s);
            if (ndoc[r] >= 2) {
                c->naligned++;
                continue;
            }
            if (active < 2)
                continue;
            if (nf_grow((void **)&c->add, &capa, c->nadd + 1, sizeof *c->add))
                goto done;
            c->add[c->nadd++] = (nf_sentref){(uint32_t)d, doc->sent[s]};
        }
    }
    /* omissions: a cluster carried by most of the other articles, missing from this one */
    if (active >= 3) {
        /* sentences grouped by their cluster root (counting sort) */
        uint8_t *has = malloc(x->n);
        rstart = calloc(x->nsent + 2, sizeof *rstart);
        byroot = malloc((x->nsent + 1) * sizeof *byroot);
        if (!has || !rstart || !byroot) {
            free(has);
            goto done;
        }
        for (uint32_t s = 0; s < x->nsent; s++)
            rstart[nf_uf_find(x->uf, s) + 1]++;
        for (uint32_t r = 0; r < x->nsent; r++)
            rstart[r + 1] += rstart[r];
        uint32_t *fill = lastd;     /* reused as a cursor */
        for (uint32_t r = 0; r < x->nsent; r++)
            fill[r] = rstart[r];
        for (uint32_t s = 0; s < x->nsent; s++)
            byroot[fill[nf_uf_find(x->uf, s)]++] = s;
        for (uint32_t r = 0; r < x->nsent; r++) {
            if (nf_uf_find(x->uf, r) != r || rep[r] == UINT32_MAX)
                continue;
            uint32_t need = (uint32_t)((active - 1) / 2 + 1);
            if (ndoc[r] < (need > 2 ? need : 2))
                continue;
            memset(has, 0, x->n);
            for (uint32_t k = rstart[r]; k < rstart[r + 1]; k++)
                has[sid_doc(x, byroot[k])] = 1;
            uint32_t rd = sid_doc(x, rep[r]);
            size_t rw, rcn;
            sent_size(&x->docs[rd], rep[r] - x->sent_base[rd], &rw, &rcn);
            if (rw < 4 || rcn < 2)
                continue;   /* a dateline or a fragment is no omission */
            for (size_t d = 0; d < x->n; d++) {
                if (x->skip[d] || has[d])
                    continue;
                if (nf_grow((void **)&c->omit, &capo, c->nomit + 1, sizeof *c->omit)
                    || nf_grow((void **)&c->omit_by, &capob, c->nomit + 1, sizeof *c->omit_by)) {
                    free(has);
                    goto done;
                }
                c->omit[c->nomit] = (nf_sentref){rd, x->docs[rd].sent[rep[r] - x->sent_base[rd]]};
                c->omit_by[c->nomit++] = (uint32_t)d;
            }
        }
        free(has);
    }
    rc = NF_OK;
done:
    free(ndoc);
    free(lastd);
    free(rep);
    free(rstart);
    free(byroot);
    return rc;
}

/* ---- differences ---- */

typedef struct dslot {
    nf_slot s;
    uint32_t doc;
    uint64_t sid;           /* the sentence's cluster root */
    uint64_t ctx[2 * NF_CTX_WINDOW];
    uint32_t nctx;
    uint64_t nearc[4];      /* the two content stems on each side */
    uint32_t nnear;
    uint64_t left, right;   /* the nearest content stem on each side, 0 none */
    uint32_t parent;
    uint8_t diff;
} dslot;

static int cmp_dslot(const void *a, const void *b)
{
    const dslot *x = a, *y = b;
    if (x->s.kind != y->s.kind)
        return x->s.kind < y->s.kind ? -1 : 1;
    if (x->s.unit != y->s.unit)
        return x->s.unit < y->s.unit ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->s.t0 < y->s.t0 ? -1 : x->s.t0 > y->s.t0;
}

static void window(const nf_cdoc *d, dslot *ds)
{
    uint32_t s = ds->s.sent, b = d->sent_t0[s], e = d->sent_t0[s + 1];
    ds->nctx = 0;
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t got = 0;
        for (int64_t t = side ? (int64_t)ds->s.t1 : (int64_t)ds->s.t0 - 1;
             t >= (int64_t)b && t < (int64_t)e && got < NF_CTX_WINDOW; t += side ? 1 : -1) {
            const nf_ctok *k = &d->t[t];
            if (!k->stem || k->kind == NF_TOK_NUM || k->stem == ds->s.unit)
                continue;
            ds->ctx[ds->nctx++] = k->stem;
            if (got < 2)
                ds->nearc[ds->nnear++] = k->stem;
            if (got == 0) {
                if (side)
                    ds->right = k->stem;
                else
                    ds->left = k->stem;
            }
            got++;
        }
    }
}

static uint32_t ctx_overlap(const dslot *a, const dslot *b)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->nctx; i++)
        for (uint32_t j = 0; j < b->nctx; j++)
            if (a->ctx[i] == b->ctx[j]) {
                n++;
                break;
            }
    return n;
}

static uint32_t near_overlap(const dslot *a, const dslot *b)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->nnear; i++)
        for (uint32_t j = 0; j < b->nnear; j++)
            if (a->nearc[i] == b->nearc[j]) {
                n++;
                break;
            }
    return n;
}

static bool compatible(const dslot *a, const dslot *b)
{
    if (a->s.kind == NF_SLOT_OFFICIAL) {
        /* same person when the names share a word ("Pompeo" / "Mike Pompeo") */
        char x[48], y[48];
        memcpy(x, a->s.norm, sizeof x);
        memcpy(y, b->s.norm, sizeof y);
        for (char *p = strtok(x, " "); p; p = strtok(NULL, " ")) {
            char yy[48];
            memcpy(yy, y, sizeof yy);
            char *save = NULL;
            for (char *q = strtok_r(yy, " ", &save); q; q = strtok_r(NULL, " ", &save))
                if (!strcmp(p, q) && strlen(p) > 2)
                    return true;
        }
        return false;
    }
    /* a date without its day ("January", "late January", "in 2011") is too vague to
     * contradict another: news recalls earlier events of the same kind with such dates */
    if (a->s.kind == NF_SLOT_DATE && (!a->s.day || !b->s.day))
        return true;
    if (a->s.kind == NF_SLOT_DATE && a->s.year && b->s.year && a->s.year != b->s.year)
        return false;
    double eps = 1e-9 * fmax(fabs(a->s.lo), fabs(b->s.lo));
    return !(a->s.hi + eps < b->s.lo || b->s.hi + eps < a->s.lo);
}

typedef struct keyed {
    uint64_t key;
    uint32_t idx;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t ds_find(dslot *v, uint32_t i)
{
    while (v[i].parent != i)
        i = v[i].parent = v[v[i].parent].parent;
    return i;
}

static nf_rc differences(cctx *x)
{
    nf_comparison *c = x->c;
    dslot *v = NULL;
    size_t nv = 0, capv = 0, capd = 0;
    nf_slot *tmp = NULL;
    size_t nt = 0, capt = 0;
    nf_rc rc = NF_ENOMEM;
    for (size_t d = 0; d < x->n; d++) {
        if (x->skip[d])
            continue;
        const nf_cdoc *doc = &x->docs[d];
        for (uint32_t s = 0; s < doc->nsent; s++) {
            nt = 0;
            if (nf_slots_sentence(doc, s, &tmp, &nt, &capt))
                goto done;
            for (size_t k = 0; k < nt; k++) {
                if (nf_grow((void **)&v, &capv, nv + 1, sizeof *v))
                    goto done;
                dslot *ds = &v[nv];
                memset(ds, 0, sizeof *ds);
                ds->s = tmp[k];
                ds->doc = (uint32_t)d;
                ds->sid = nf_uf_find(x->uf, x->sent_base[d] + s);
                window(doc, ds);
                nv++;
            }
        }
    }
    if (nv)
        qsort(v, nv, sizeof *v, cmp_dslot);
    for (size_t i = 0; i < nv; i++)
        v[i].parent = (uint32_t)i;
    /* within each (kind, unit) group: per slot and other article, agree or differ. The
     * candidates of a slot are found through three sorted views of its group (same sentence
     * cluster, same left neighbour, same right neighbour): a slot sharing none of them cannot
     * be in the same context, so no pair of the group is looked at blindly. */
    keyed *ks = malloc((3 * nv + 1) * sizeof *ks);
    uint32_t *cands = malloc((3 * nv + 1) * sizeof *cands);
    uint32_t *stamp = calloc(nv + 1, sizeof *stamp);
    if (!ks || !cands || !stamp) {
        free(ks), free(cands), free(stamp);
        goto done;
    }
    uint32_t now = 0;
    for (size_t g0 = 0; g0 < nv;) {
        size_t g1 = g0;
        while (g1 < nv && v[g1].s.kind == v[g0].s.kind && v[g1].s.unit == v[g0].s.unit)
            g1++;
        size_t G = g1 - g0;
        keyed *view[3] = {ks, ks + G, ks + 2 * G};
        for (size_t i = g0; i < g1; i++) {
            view[0][i - g0] = (keyed){v[i].sid, (uint32_t)i};
            view[1][i - g0] = (keyed){v[i].left, (uint32_t)i};
            view[2][i - g0] = (keyed){v[i].right, (uint32_t)i};
        }
        for (int w = 0; w < 3; w++)
            qsort(view[w], G, sizeof *view[w], cmp_keyed);
        for (size_t i = g0; i < g1; i++) {
            size_t nc = 0;
            now++;
            uint64_t key[3] = {v[i].sid, v[i].left, v[i].right};
            for (int w = 0; w < 3; w++) {
                if (w && !key[w])
                    continue;
                size_t lo = 0, hi = G;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (view[w][mid].key < key[w])
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                for (size_t k = lo; k < G && view[w][k].key == key[w]; k++) {
                    uint32_t j = view[w][k].idx;
                    if (v[j].doc != v[i].doc && stamp[j] != now) {
                        stamp[j] = now;
                        cands[nc++] = j;
                    }
                }
            }
            if (nc > 1)
                qsort(cands, nc, sizeof *cands, cmp_u32);   /* group order: by doc */
            for (size_t c0 = 0; c0 < nc;) {
                size_t c1 = c0;
                while (c1 < nc && v[cands[c1]].doc == v[cands[c0]].doc)
                    c1++;
                bool agree = false;
                size_t best = SIZE_MAX;
                uint32_t bestov = 0;
                for (size_t q = c0; q < c1; q++) {
                    size_t j = cands[q];
                    /* the same slot: aligned sentences; or the word right next to both values
                     * is the same, two of the four nearest agree and the wider window shares
                     * three ("approval rating is 80%" / "approval rating at 70 per cent"). An
                     * office is held by different people at different times: officials are
                     * compared only inside aligned sentences. */
                    uint32_t ov = ctx_overlap(&v[i], &v[j]);
                    bool nb = (v[i].left && v[i].left == v[j].left)
                              || (v[i].right && v[i].right == v[j].right);
                    bool same_ctx = v[i].sid == v[j].sid
                                    || (v[i].s.kind != NF_SLOT_OFFICIAL && nb && ov >= 3
                                        && near_overlap(&v[i], &v[j]) >= 2);
                    if (!same_ctx)
                        continue;
                    if (compatible(&v[i], &v[j])) {
                        agree = true;
                        break;
                    }
                    uint32_t score = ov + (v[i].sid == v[j].sid ? 4u : 0u);
                    if (best == SIZE_MAX || score > bestov) {
                        best = j;
                        bestov = score;
                    }
                }
                /* "25 percent on steel and 10 percent on aluminium": the other value is
                 * explained when it agrees with another value of this same sentence (those
                 * are next to slot i in the group's order) */
                for (size_t k = i; !agree && best != SIZE_MAX && k-- > g0
                                   && v[k].doc == v[i].doc && v[k].s.sent == v[i].s.sent;)
                    agree = compatible(&v[k], &v[best]);
                for (size_t k = i + 1; !agree && best != SIZE_MAX && k < g1
                                       && v[k].doc == v[i].doc && v[k].s.sent == v[i].s.sent; k++)
                    agree = compatible(&v[k], &v[best]);
                if (!agree && best != SIZE_MAX) {
                    v[i].diff = v[best].diff = 1;
                    uint32_t ra = ds_find(v, (uint32_t)i), rb = ds_find(v, (uint32_t)best);
                    if (ra != rb)
                        v[ra > rb ? ra : rb].parent = ra > rb ? rb : ra;
                }
                c0 = c1;
            }
        }
        g0 = g1;
    }
    free(ks), free(cands), free(stamp);
    /* one difference per connected set of differing slots */
    for (size_t i = 0; i < nv; i++) {
        if (!v[i].diff || ds_find(v, (uint32_t)i) != i)
            continue;
        if (nf_grow((void **)&c->diff, &capd, c->ndiff + 1, sizeof *c->diff))
            goto done;
        nf_difference *df = &c->diff[c->ndiff++];
        memset(df, 0, sizeof *df);
        df->kind = v[i].s.kind;
        size_t cnt = 0;
        for (size_t j = i; j < nv; j++)
            cnt += v[j].diff && ds_find(v, (uint32_t)j) == i;
        df->val = calloc(cnt, sizeof *df->val);
        if (!df->val)
            goto done;
        for (size_t j = i; j < nv; j++) {
            if (!v[j].diff || ds_find(v, (uint32_t)j) != i)
                continue;
            const nf_cdoc *doc = &x->docs[v[j].doc];
            nf_slot_value *sv = &df->val[df->nval++];
            sv->article = v[j].doc;
            sv->value.start = doc->t[v[j].s.t0].start;
            sv->value.end = doc->t[v[j].s.t1 - 1].end;
            sv->sentence = doc->sent[v[j].s.sent];
            sv->norm = strdup(v[j].s.norm);
            if (!sv->norm)
                goto done;
        }
        /* key: the unit word (or role) as the first value's article printed it */
        const dslot *f = &v[i];
        const nf_cdoc *doc = &x->docs[f->doc];
        char key[128] = "";
        if (f->s.kind == NF_SLOT_OFFICIAL) {
            uint32_t r = f->s.t0;
            uint32_t r0 = r;
            while (r0 > doc->sent_t0[f->s.sent] && r - r0 < 3 && (doc->t[r0 - 1].flags & NF_CT_WORD)
                   && !(doc->t[r0 - 1].flags & NF_CT_STOP))
                r0--;
            snprintf(key, sizeof key, "%.*s", (int)(doc->t[r - 1].end - doc->t[r0].start),
                     doc->text + doc->t[r0].start);
        } else {
            for (uint32_t t = doc->sent_t0[f->s.sent]; t < doc->sent_t0[f->s.sent + 1]; t++)
                if (f->s.unit && doc->t[t].stem == f->s.unit && (t < f->s.t0 || t >= f->s.t1)) {
                    snprintf(key, sizeof key, "%s", doc->t[t].lw);
                    break;
                }
        }
        df->key = strdup(key);
        if (!df->key)
            goto done;
    }
    rc = NF_OK;
done:
    free(v);
    free(tmp);
    return rc;
}

/* ---- the whole comparison ---- */

static uint32_t count_outlets(const nf_article *const *arts, size_t n, const uint8_t *skip)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (skip && skip[i])
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            if (skip && skip[j])
                continue;
            const char *a = arts[i]->outlet, *b = arts[j]->outlet;
            seen = a && b && !strcmp(a, b);
        }
        k += !seen;
    }
    return k;
}

nf_rc nf_compare(const nf_article *const *arts, size_t n, const int32_t *copy_of,
                 nf_comparison **out)
{
    *out = NULL;
    if (!arts && n)
        return NF_EINVAL;
    cctx x = {0};
    nf_qgroups g = {0};
    nf_rc rc = NF_ENOMEM;
    nf_stemmer *st = nf_stemmer_new();
    x.arts = arts;
    x.n = n;
    x.c = calloc(1, sizeof *x.c);
    x.docs = calloc(n + 1, sizeof *x.docs);
    x.rc = calloc(n + 1, sizeof *x.rc);
    x.skip = calloc(n + 1, 1);
    x.sent_base = calloc(n + 1, sizeof *x.sent_base);
    if (!st || !x.c || !x.docs || !x.rc || !x.skip || !x.sent_base)
        goto done;
    nf_comparison *c = x.c;
    c->narticles = n;
    c->copy_of = malloc((n + 1) * sizeof *c->copy_of);
    if (!c->copy_of)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int32_t k = copy_of ? copy_of[i] : -1;
        c->copy_of[i] = (k >= 0 && (size_t)k < n && (size_t)k != i) ? k : -1;
        x.skip[i] = c->copy_of[i] >= 0;
    }
    c->noutlets = count_outlets(arts, n, NULL);
    c->nindependent = count_outlets(arts, n, x.skip);
    uint32_t base = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = nf_cdoc_build(&x.docs[i], arts[i]->text, arts[i]->text_len, st)))
            goto done;
        x.sent_base[i] = base;
        base += x.skip[i] ? 0 : (uint32_t)x.docs[i].nsent;
        if (!x.skip[i] && (rc = nf_attrib_article(&x.docs[i], &x.rc[i])))
            goto done;
    }
    x.sent_base[n] = base;
    if ((rc = collect_people(&x)) || (rc = build_sources(&x)) || (rc = nf_quotes_match(x.docs, n, x.skip, &g))
        || (rc = build_quotes(&x, &g)) || (rc = rank_sources(&x)) || (rc = align(&x, &g))
        || (rc = additions(&x)) || (rc = differences(&x)))
        goto done;
    *out = x.c;
    x.c = NULL;
done:
    for (size_t i = 0; x.docs && i < n; i++)
        nf_cdoc_reset(&x.docs[i]);
    for (size_t i = 0; x.rc && i < n; i++)
        nf_rawcites_reset(&x.rc[i]);
    nf_qgroups_reset(&g);
    free(x.docs);
    free(x.rc);
    free(x.skip);
    free(x.sent_base);
    free(x.uf);
    free(x.sdoc);
    if (x.keys) {
        size_t nk = *out ? (*out)->nsrc : (x.c ? x.c->nsrc : 0);
        for (size_t i = 0; i < nk; i++)
            free(x.keys[i]);
    }
    free(x.keys);
    free(x.khash);
    free(x.htab);
    for (size_t i = 0; i < x.npeople; i++)
        free(x.people[i]);
    free(x.people);
    free(x.byfirst);
    nf_comparison_free(x.c);
    nf_stemmer_free(st);
    return rc;
}

void nf_comparison_free(nf_comparison *c)
{
    if (!c)
        return;
    free(c->copy_of);
    for (size_t i = 0; i < c->nsrc; i++)
        free(c->src[i].name);
    free(c->src);
    free(c->cit);
    for (size_t i = 0; i < c->nquote; i++) {
        free(c->quote[i].text);
        for (size_t k = 0; k < c->quote[i].ncar; k++)
            free(c->quote[i].car[k].speaker_desc);
        free(c->quote[i].car);
    }
    free(c->quote);
    free(c->add);
    free(c->omit);
    free(c->omit_by);
    for (size_t i = 0; i < c->ndiff; i++) {
        free(c->diff[i].key);
        for (size_t k = 0; k < c->diff[i].nval; k++)
            free(c->diff[i].val[k].norm);
        free(c->diff[i].val);
    }
    free(c->diff);
    free(c);
}

/* ---- JSON (layout in docs/compare.md) ---- */

static json_t *span_json(const nf_article *a, nf_span sp)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", json_integer(sp.start));
    json_object_set_new(o, "end", json_integer(sp.end));
    if (a && sp.end <= a->text_len && sp.start <= sp.end)
        json_object_set_new(o, "text", json_stringn(a->text + sp.start, sp.end - sp.start));
    return o;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *sentref_json(const nf_article *const *arts, const nf_sentref *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "article", json_integer(r->article));
    json_object_set_new(o, "outlet", str_or_null(arts[r->article]->outlet));
    json_object_set_new(o, "sentence", span_json(arts[r->article], r->span));
    return o;
}

static json_t *comparison_json(const nf_comparison *c, const nf_article *const *arts)
{
    json_t *root = json_object();
    json_t *ja = json_array();
    for (size_t i = 0; i < c->narticles; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_object_set_new(o, "id", str_or_null(arts[i]->id));
        json_object_set_new(o, "outlet", str_or_null(arts[i]->outlet));
        json_object_set_new(o, "title", str_or_null(arts[i]->title));
        json_object_set_new(o, "copy_of", c->copy_of[i] >= 0 ? json_integer(c->copy_of[i]) : json_null());
        json_array_append_new(ja, o);
    }
    json_object_set_new(root, "articles", ja);
    json_object_set_new(root, "outlets", json_integer(c->noutlets));
    json_object_set_new(root, "independent_outlets", json_integer(c->nindependent));
    json_t *cp = json_array();
    for (size_t i = 0; i < c->narticles; i++)
        if (c->copy_of[i] >= 0) {
            json_t *o = json_object();
            json_object_set_new(o, "article", json_integer((json_int_t)i));
            json_object_set_new(o, "copy_of", json_integer(c->copy_of[i]));
            json_array_append_new(cp, o);
        }
    json_object_set_new(root, "copies", cp);

    json_t *shared = json_array(), *echoed = json_array();
    for (size_t i = 0; i < c->nquote; i++) {
        const nf_shared_quote *q = &c->quote[i];
        json_t *o = json_object();
        json_object_set_new(o, "text", json_string(q->text ? q->text : ""));
        json_object_set_new(o, "speaker", q->speaker >= 0 ? json_string(c->src[q->speaker].name) : json_null());
        json_t *qi = json_array(), *ui = json_array(), *car = json_array();
        for (size_t k = 0; k < q->ncar; k++) {
            const nf_carrier *r = &q->car[k];
            json_array_append_new(r->quoted ? qi : ui, json_integer(r->article));
            json_t *e = json_object();
            json_object_set_new(e, "article", json_integer(r->article));
            json_object_set_new(e, "outlet", str_or_null(arts[r->article]->outlet));
            json_object_set_new(e, "quoted", json_boolean(r->quoted));
            json_object_set_new(e, "span", span_json(arts[r->article], r->span));
            json_object_set_new(e, "speaker", r->speaker >= 0 ? json_string(c->src[r->speaker].name)
                                                              : str_or_null(r->speaker_desc));
            json_object_set_new(e, "speaker_named", json_boolean(r->speaker >= 0));
            json_array_append_new(car, e);
        }
        json_object_set_new(o, "quoted_in", qi);
        json_object_set_new(o, "unquoted_in", ui);
        json_object_set_new(o, "carriers", car);
        json_array_append_new(q->nquoted >= 2 ? shared : echoed, o);
    }
    json_object_set_new(root, "shared_quotes", shared);
    json_object_set_new(root, "echoed_quotes", echoed);

    static const char *const kinds[] = {"", "organisation", "person", "place", "unnamed"};
    json_t *srcs = json_array(), *prim = json_array(), *nores = json_array();
    for (size_t i = 0; i < c->nsrc; i++) {
        const nf_source *s = &c->src[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_object_set_new(o, "name", json_string(s->name));
        json_object_set_new(o, "kind", json_string(s->kind < 5 ? kinds[s->kind] : "unknown"));
        json_object_set_new(o, "articles", json_integer(s->narticles));
        json_object_set_new(o, "direct", json_integer(s->ndirect));
        json_object_set_new(o, "primary", json_boolean(s->primary));
        json_object_set_new(o, "quoted_speaker", json_boolean(s->quoted));
        json_array_append_new(srcs, o);
        if (s->primary)
            json_array_append_new(prim, json_string(s->name));
    }
    json_t *cits = json_array();
    for (size_t i = 0; i < c->ncit; i++) {
        const nf_citation *ct = &c->cit[i];
        json_t *o = json_object();
        json_object_set_new(o, "article", json_integer(ct->article));
        json_object_set_new(o, "source", json_string(c->src[ct->source].name));
        json_object_set_new(o, "cue", json_string(nf_cue_name(ct->cue)));
        json_object_set_new(o, "via", ct->via >= 0 ? json_string(c->src[c->cit[ct->via].source].name)
                                                   : json_null());
        json_object_set_new(o, "name", span_json(arts[ct->article], ct->name));
        json_object_set_new(o, "sentence", span_json(arts[ct->article], ct->sentence));
        json_array_append_new(cits, o);
        if (ct->cue == NF_CUE_NO_RESPONSE) {
            json_t *n = json_object();
            json_object_set_new(n, "article", json_integer(ct->article));
            json_object_set_new(n, "outlet", str_or_null(arts[ct->article]->outlet));
            json_object_set_new(n, "source", json_string(c->src[ct->source].name));
            json_object_set_new(n, "sentence", span_json(arts[ct->article], ct->sentence));
            json_array_append_new(nores, n);
        }
    }
    json_object_set_new(root, "primary_sources", prim);
    json_object_set_new(root, "sources", srcs);
    json_object_set_new(root, "citations", cits);
    json_object_set_new(root, "no_response", nores);

    json_t *add = json_array(), *om = json_array();
    for (size_t i = 0; i < c->nadd; i++)
        json_array_append_new(add, sentref_json(arts, &c->add[i]));
    for (size_t i = 0; i < c->nomit; i++) {
        json_t *o = sentref_json(arts, &c->omit[i]);
        json_object_set_new(o, "omitted_by", json_integer(c->omit_by[i]));
        json_object_set_new(o, "omitted_by_outlet", str_or_null(arts[c->omit_by[i]]->outlet));
        json_array_append_new(om, o);
    }
    json_object_set_new(root, "additions", add);
    json_object_set_new(root, "omissions", om);

    json_t *dif = json_array();
    for (size_t i = 0; i < c->ndiff; i++) {
        const nf_difference *d = &c->diff[i];
        json_t *o = json_object(), *vals = json_array();
        json_object_set_new(o, "kind", json_string(nf_slot_kind_name(d->kind)));
        json_object_set_new(o, "slot", json_string(d->key ? d->key : ""));
        for (size_t k = 0; k < d->nval; k++) {
            const nf_slot_value *v = &d->val[k];
            json_t *e = json_object();
            json_object_set_new(e, "article", json_integer(v->article));
            json_object_set_new(e, "outlet", str_or_null(arts[v->article]->outlet));
            json_object_set_new(e, "value", span_json(arts[v->article], v->value));
            json_object_set_new(e, "normalized", json_string(v->norm ? v->norm : ""));
            json_object_set_new(e, "sentence", span_json(arts[v->article], v->sentence));
            json_array_append_new(vals, e);
        }
        json_object_set_new(o, "values", vals);
        json_array_append_new(dif, o);
    }
    json_object_set_new(root, "differences", dif);
    json_t *st = json_object();
    json_object_set_new(st, "sentences", json_integer(c->nsentences));
    json_object_set_new(st, "aligned", json_integer(c->naligned));
    json_object_set_new(root, "alignment", st);
    return root;
}

nf_rc nf_comparison_json(const nf_comparison *c, const nf_article *const *arts, int indent,
                         nf_buf *out)
{
    if (!c || (!arts && c->narticles))
        return NF_EINVAL;
    json_t *root = comparison_json(c, arts);
    if (!root)
        return NF_ENOMEM;
    size_t flags = JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
    char *s = json_dumps(root, flags);
    json_decref(root);
    if (!s)
        return NF_ENOMEM;
    nf_rc rc = nf_buf_append(out, s, strlen(s));
    free(s);
    return rc;
}
