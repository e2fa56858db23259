/*
 * cdoc.c — an article prepared for coverage comparison (nf_cdoc): tokens from nf_tokenize with
 * their case-folded form (nf_normalize), a hash of it, and the hash of its Snowball stem; the
 * sentences and outermost quoted spans; scrape residue (nf_clean) dropped.
 *
 * Key idea: every later step (quote matching, attribution cues, sentence alignment, slots)
 * works on token indices and compares 64-bit hashes, never strings, yet each token keeps its
 * byte span into the original text, so findings point back at what the outlet printed.
 *
 * Invariants: tokens are in text order; t[i].sent is non-decreasing; sent_t0[s] .. sent_t0[s+1]
 * are the tokens of sentence s; a sentence with no kept token is dropped.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "nf_int.h"
#include <libstemmer.h>
#include <stdbool.h>
#include <stdlib.h>

uint64_t nf_hash_str(const char *s, size_t n) { return XXH3_64bits(s, n); }

/* Stable LSD radix sort of 16-byte records by their leading uint64 key, 8 bits a pass; a pass
 * whose byte is the same in every record is skipped. Stable, so records with equal keys keep
 * their order (the callers add them in (document, position) order). */
nf_rc nf_sort_key64(void *recs, size_t n)
{
    typedef struct rec {
        uint64_t key;
        uint64_t rest;
    } rec;
    _Static_assert(sizeof(rec) == 16, "16-byte records");
    if (n < 2)
        return NF_OK;
    rec *a = recs, *b = malloc(n * sizeof *b);
    if (!b)
        return NF_ENOMEM;
    size_t count[256];
    for (unsigned shift = 0; shift < 64; shift += 8) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].key >> shift) & 0xff]++;
        if (count[(a[0].key >> shift) & 0xff] == n)
            continue;
        size_t sum = 0;
        for (size_t k = 0; k < 256; k++) {
            size_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].key >> shift) & 0xff]++] = a[i];
        rec *t = a;
        a = b;
        b = t;
    }
    if (a != recs) {             /* an odd number of passes: the result is in the buffer */
        memcpy(recs, a, n * sizeof *a);
        b = a;
    }
    free(b);
    return NF_OK;
}

/* English function words: they carry no content for alignment. Sorted for bsearch. */
static const char *const STOP[] = {
    "a", "about", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "during", "each", "either", "even", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "it's", "its",
    "itself", "just", "may", "me", "might", "more", "most", "must", "my", "no", "nor", "not",
    "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over",
    "own", "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to",
    "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool nf_cdoc_is_stop(const char *lw, size_t n)
{
    char key[16];
    if (n >= sizeof key)
        return false;
    memcpy(key, lw, n);
    key[n] = 0;
    const char *k = key;
    return bsearch(&k, STOP, NF_ARRAY_LEN(STOP), sizeof STOP[0], cmp_str) != NULL;
}

void nf_cdoc_reset(nf_cdoc *d)
{
    free(d->t);
    free(d->word);
    free(d->sent);
    free(d->sent_t0);
    free(d->quote);
    nf_arena_free(d->arena);
    memset(d, 0, sizeof *d);
}

static bool in_removed(const nf_cleaning *cl, size_t *k, uint32_t start)
{
    while (*k < cl->n && cl->rm[*k].span.end <= start)
        ++*k;
    return *k < cl->n && cl->rm[*k].span.start <= start;
}

/* Fold one token: ASCII fast path, nf_normalize for the rest. */
static nf_rc fold(nf_cdoc *d, nf_ctok *c, nf_buf *tmp)
{
    const char *s = d->text + c->start;
    size_t n = c->end - c->start;
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) {
            ascii = false;
            break;
        }
    tmp->n = 0;
    if (ascii) {
        nf_rc rc = nf_buf_reserve(tmp, n);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++)
            tmp->p[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        tmp->n = n;
        tmp->p[n] = 0;
    } else {
        nf_rc rc = nf_normalize(s, n, tmp);
        if (rc)
            return rc;
        if (!tmp->p) {
            rc = nf_buf_putc(tmp, 0);
            tmp->n = 0;
            if (rc)
                return rc;
        }
    }
    char *lw = nf_arena_strndup(d->arena, tmp->p, tmp->n);
    if (!lw)
        return NF_ENOMEM;
    c->lw = lw;
    c->len = (uint32_t)tmp->n;
    c->h = nf_hash_str(lw, tmp->n);
    return NF_OK;
}

struct nf_stemmer {
    struct sb_stemmer *sb;
    uint64_t *key, *val;     /* open addressing: word hash (| 1, 0 = empty) -> stem hash */
    size_t cap, n;
};

nf_stemmer *nf_stemmer_new(void)
{
    nf_stemmer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sb = sb_stemmer_new("english", NULL);
    s->cap = 4096;
    s->key = calloc(s->cap, sizeof *s->key);
    s->val = calloc(s->cap, sizeof *s->val);
    if (!s->sb || !s->key || !s->val) {
        nf_stemmer_free(s);
        return NULL;
    }
    return s;
}

void nf_stemmer_free(nf_stemmer *s)
{
    if (!s)
        return;
    if (s->sb)
        sb_stemmer_delete(s->sb);
    free(s->key);
    free(s->val);
    free(s);
}

static void cache_put(nf_stemmer *s, uint64_t k, uint64_t v)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap * 2;
        uint64_t *nk = calloc(nc, sizeof *nk), *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return;     /* the cache is an optimisation: go on without growing it */
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->key[i]) {
                size_t j = s->key[i] & (nc - 1);
                while (nk[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = s->key[i];
                nv[j] = s->val[i];
            }
        free(s->key);
        free(s->val);
        s->key = nk;
        s->val = nv;
        s->cap = nc;
    }
    size_t j = k & (s->cap - 1);
    while (s->key[j] && s->key[j] != k)
        j = (j + 1) & (s->cap - 1);
    if (!s->key[j])
        s->n++;
    s->key[j] = k;
    s->val[j] = v;
}

static void stem_token(nf_ctok *c, nf_stemmer *st)
{
    if (!(c->flags & NF_CT_WORD)) {
        c->stem = 0;
        return;
    }
    uint64_t k = (c->h | 1) ^ (c->kind == NF_TOK_NUM ? 2 : 0);
    if (st) {
        for (size_t j = k & (st->cap - 1); st->key[j]; j = (j + 1) & (st->cap - 1))
            if (st->key[j] == k) {
                c->stem = st->val[j] >> 1;
                if (st->val[j] & 1)
                    c->flags |= NF_CT_STOP;
                return;
            }
    }
    /* possessive 's does not change the stem */
    size_t n = c->len;
    bool stop = nf_cdoc_is_stop(c->lw, c->len);
    if (n > 2 && c->lw[n - 2] == '\'' && c->lw[n - 1] == 's')
        n -= 2;
    if (stop) {
        c->stem = 0;
    } else if (st && st->sb && c->kind == NF_TOK_WORD) {
        const sb_symbol *r = sb_stemmer_stem(st->sb, (const sb_symbol *)c->lw, (int)n);
        c->stem = r ? nf_hash_str((const char *)r, (size_t)sb_stemmer_length(st->sb)) | 1
                    : nf_hash_str(c->lw, n) | 1;
    } else {
        c->stem = nf_hash_str(c->lw, n) | 1;
    }
    /* the cache stores stem << 1 | stop: stems keep 63 bits (odd, never 0) */
    c->stem &= UINT64_MAX >> 1;
    if (stop)
        c->flags |= NF_CT_STOP;
    if (st)
        cache_put(st, k, (c->stem << 1) | (stop ? 1 : 0));
}

/* NF_CT_COMMON on capitalised words whose folded form also occurs in lower case: an open
 * addressing set of the lower-case words' hashes, one pass to fill, one to ask. */
static nf_rc mark_common(nf_cdoc *d)
{
    size_t cap = 64;
    while (cap < 2 * d->nt + 2)
        cap *= 2;
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set)
        return NF_ENOMEM;
    for (size_t i = 0; i < d->nt; i++) {
        unsigned char c = (unsigned char)d->text[d->t[i].start];
        if (d->t[i].kind != NF_TOK_WORD || c < 'a' || c > 'z')
            continue;
        uint64_t h = d->t[i].h | 1;
        size_t k = h & (cap - 1);
        while (set[k] && set[k] != h)
            k = (k + 1) & (cap - 1);
        set[k] = h;
    }
    for (size_t i = 0; i < d->nt; i++) {
        unsigned char c = (unsigned char)d->text[d->t[i].start];
        if (d->t[i].kind != NF_TOK_WORD || c < 'A' || c > 'Z')
            continue;
        uint64_t h = d->t[i].h | 1;
        for (size_t k = h & (cap - 1); set[k]; k = (k + 1) & (cap - 1))
            if (set[k] == h) {
                d->t[i].flags |= NF_CT_COMMON;
                break;
            }
    }
    free(set);
    return NF_OK;
}

nf_rc nf_cdoc_build(nf_cdoc *d, const char *text, size_t len, nf_stemmer *st)
{
    nf_tokens tk;
    nf_cleaning cl = {0};
    nf_buf tmp;
    nf_tokens_init(&tk);
    nf_buf_init(&tmp, 0);
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    nf_rc rc = NF_ENOMEM;
    if (len > UINT32_MAX)
        return NF_ETOOBIG;
    if (!(d->arena = nf_arena_new(0)))
        goto done;
    if ((rc = nf_tokenize(text, len, &tk)) || (rc = nf_clean(text, len, &cl)))
        goto done;
    rc = NF_ENOMEM;
    d->t = malloc((tk.ntok + 1) * sizeof *d->t);
    d->word = malloc((tk.ntok + 1) * sizeof *d->word);
    d->sent = malloc((tk.nsent + 1) * sizeof *d->sent);
    d->sent_t0 = malloc((tk.nsent + 2) * sizeof *d->sent_t0);
    d->quote = malloc((tk.nquote + 1) * sizeof *d->quote);
    if (!d->t || !d->word || !d->sent || !d->sent_t0 || !d->quote)
        goto done;
    size_t k = 0, s = 0, last_s = SIZE_MAX;
    for (size_t i = 0; i < tk.ntok; i++) {
        const nf_token *x = &tk.tok[i];
        if (in_removed(&cl, &k, x->start))
            continue;
        while (s < tk.nsent && tk.sent[s].end <= x->start)
            s++;
        nf_ctok *c = &d->t[d->nt];
        memset(c, 0, sizeof *c);
        c->start = x->start;
        c->end = x->end;
        c->kind = x->kind;
        c->flags = x->flags;
        if (x->kind == NF_TOK_WORD || x->kind == NF_TOK_NUM)
            c->flags |= NF_CT_WORD;
        if ((rc = fold(d, c, &tmp)))
            goto done;
        stem_token(c, st);
        /* sentence numbering over kept sentences */
        if (d->nsent == 0 || s != last_s) {
            d->sent[d->nsent].start = c->start;
            d->sent_t0[d->nsent] = (uint32_t)d->nt;
    if ((rc = mark_common(d)))
        goto done;
            d->nsent++;
            last_s = s;
        }
        c->sent = (uint32_t)(d->nsent - 1);
        d->sent[d->nsent - 1].end = c->end;
        if (c->flags & NF_CT_WORD)
            d->word[d->nword++] = (uint32_t)d->nt;
        d->nt++;
    }
    d->sent_t0[d->nsent] = (uint32_t)d->nt;
    if ((rc = mark_common(d)))
        goto done;
    for (size_t i = 0; i < tk.nquote; i++) {
        const nf_quote *q = &tk.quote[i];
        if (q->level != 0 || q->inner.end <= q->inner.start)
            continue;
        size_t kk = 0;
        if (in_removed(&cl, &kk, q->inner.start))
            continue;
        d->quote[d->nquote++] = *q;
    }
    rc = NF_OK;
done:
    nf_tokens_reset(&tk);
    nf_cleaning_reset(&cl);
    nf_buf_reset(&tmp);
    if (rc)
        nf_cdoc_reset(d);
    return rc;
}
