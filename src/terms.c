/*
 * terms.c — article features for story folding: stemmed terms, entities, numbers and quoted
 * shingles, weighted by sublinear tf x idf learned from the stream.
 *
 * Key ideas:
 *   - Tokens come from the text layer (nf_tokenize): words with byte offsets, sentence starts,
 *     quoted spans. Words are lower-cased (ASCII fast path, nf_normalize otherwise) and looked up
 *     once in a dictionary of surface forms that caches their Snowball stem id and stopword flag,
 *     so libstemmer runs once per distinct word, not once per token.
 *   - Position weights: the title and the lede (first lede_sentences sentences) say what the
 *     event is and weigh lede_weight; sentences from body_sentences on are background and weigh
 *     tail_weight; the rest 1.
 *   - Entities: capitalised words not at a sentence start (and ALL-CAPS words such as datelines)
 *     are names; consecutive ones also form a multi-word entity ("betty ford center"). A
 *     capitalised word at a sentence start counts only when the same word is a name elsewhere in
 *     the article. Numbers (commas removed) are entities of their own kind. Title words are terms
 *     only: headline case capitalises everything.
 *   - Weight = (1 + ln tf) x idf (tf below 1, from down-weighted positions, is kept linear);
 *     idf = ln((N + prior + 1) / (df + 0.5)) over the documents seen so far including this one;
 *     the prior keeps the first articles of a stream from having every shared word at idf ~ 0.
 *   - Quotes: every 6 consecutive words inside a quoted span hash to one 64-bit shingle.
 *   - Speed (the dictionary outgrows the cache; docs/text.md "Feature extraction"): entries are
 *     32 bytes with keys of up to 11 bytes inline, hash slots carry a 32-bit fingerprint, so a
 *     hit reads one slot and one entry line; the big arrays sit on transparent huge pages. A
 *     scan first lower-cases and hashes all its words, then in passes over the tokens reads the
 *     slots, confirms the keys and prefetches the stem entries, so it finds every known word
 *     before the scan itself (which only adds new ones, in first-seen order). The per-article
 *     raw vector is indexed through a mark in each entry (no array by id); sorts are radix.
 *   - A lede pass over a prefix of the same text (another dictionary) may take the main pass's
 *     tokens and surface ids (nf_lhint): a token equal to the main pass's token at the same
 *     index is the same bytes, so the same word; a map from main to lede surface ids then gives
 *     its lede entry without lower-casing (unless capitalised: entities read the word), hashing
 *     or probing. Tokens that differ or words the map does not know take the ordinary path
 *     (and teach the map), so lede ids, frequencies and weights are those without the hint.
 *
 * Invariants: feature vectors are sorted by id with unique ids and unit L2 norm (or empty);
 * quote hashes are sorted and unique. Dictionary ids are dense, in first-seen order (the order
 * of the scan's adds), and never change; the table's hash function is internal (no result
 * depends on it). A dictionary is used by one extraction at a time (its entries' marks).
 */
#include "nf_int.h"
#include <libstemmer.h>
#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#if defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- dictionary ---- */

enum { F_STOP = 1, F_CAPSTOP = 2 };   /* surface flags: stopword; not a name when capitalised */

/* Key bytes an entry holds itself, with their NUL: most words are shorter, so a hit reads no
 * key pool. Longer keys live in the pool. */
#define KEY_INLINE 12

/* One key: 32 bytes, so in an array aligned to 64 an entry never straddles two cache lines.
 * mark / pos are raw_add's scratch: the extraction (nf_dict.epoch) that last listed the id in
 * its raw vector, and where; kept here because extraction reads and writes the entry anyway
 * (surface look-up, df), so listing an id costs no cache miss of its own. */
typedef struct dent {
    uint32_t df;
    uint32_t stem;         /* surface words: id of the stemmed term, UINT32_MAX unknown */
    uint32_t mark, pos;
    uint16_t len;          /* key bytes, without NUL */
    uint8_t kind, flags;
    union {
        char s[KEY_INLINE];   /* len < KEY_INLINE: the key, NUL-padded */
        uint32_t off;         /* else: its offset in the pool (NUL-terminated there) */
    } key;
} dent;
_Static_assert(sizeof(dent) == 32, "dent is half a cache line");

/* A hash slot: id + 1 (0 = empty) and the key hash's top 32 bits, so a probe compares
 * fingerprints in the slot array and reads the entry only on a match. */
typedef struct dslot {
    uint32_t id1, fp;
} dslot;

struct nf_dict {
    char *pool; size_t npool, cappool;
    dent *ent; size_t nent, capent;    /* aligned to 64 (big_grow) */
    dslot *slot; size_t nslot;         /* open addressing; power of two, load <= 1/2 */
    uint64_t ndocs;
    uint32_t epoch;                    /* extractions begun (raw_add's mark), never 0 */
    struct sb_stemmer *stemmer;
};

/* Arrays of at least BIG_BYTES that are read at random (slots, entries, key pool) are 2 MB
 * aligned and advised for transparent huge pages: at a million articles they span hundreds of
 * MB, and a TLB miss per look-up costs as much as the look-up. A pure allocation hint. */
#define BIG_BYTES ((size_t)4 << 20)
#define BIG_ALIGN ((size_t)2 << 20)

static void *big_alloc(size_t bytes)
{
    void *p = NULL;
    size_t align = bytes >= BIG_BYTES ? BIG_ALIGN : 64;
    if (posix_memalign(&p, align, (bytes + align - 1) / align * align))
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align == BIG_ALIGN)
        madvise(p, (bytes + align - 1) / align * align, MADV_HUGEPAGE);
#endif
    return p;
}

/* nf_grow for the dictionary's arrays: big_alloc'd, the first *cap elements copied. */
static nf_rc big_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return NF_OK;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 4 / elem)
            return NF_ENOMEM;
        ncap *= 2;
    }
    void *np = big_alloc(ncap * elem);
    if (!np)
        return NF_ENOMEM;
    if (*cap)
        memcpy(np, *p, *cap * elem);
    free(*p);
    *p = np;
    *cap = ncap;
    return NF_OK;
}

static const char *const STOPWORDS[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "cannot", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "me", "more", "most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once",
    "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "with", "would", "you", "your", "yours", "yourself",
    "yourselves", "also", "said", "says", "say", "will", "just", "one", "two", "new", "mr", "mrs",
    "ms", "s", "t", "n't", "'s", "it's", "he's", "she's", "that's", "there's", "i'm", "don't",
    "didn't", "doesn't", "isn't", "wasn't", "won't", "can't",
};
/* Capitalised but not names: weekdays and months (dates are not who or where). */
static const char *const CAPSTOP[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec",
};

/* 64x64 -> 128-bit multiply, folded (the mixing step of wyhash-style hashes). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t p = (__uint128_t)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* The dictionary's key hash: slot position (low bits) and fingerprint (top 32 bits). Internal
 * to the table (never stored, ids do not depend on it): keys of up to 16 bytes, nearly every
 * word, are read as two overlapping words and mixed by two multiplies; longer keys take XXH3. */
static inline uint64_t key_hash(int kind, const char *s, size_t n)
{
    uint64_t seed = (uint64_t)kind + 0x9E3779B97F4A7C15ull;
    if (n > 16)
        return XXH3_64bits_withSeed(s, n, seed);
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        a = x, b = y;
    } else if (n) {
        a = (uint64_t)(uint8_t)s[0] << 16 | (uint64_t)(uint8_t)s[n / 2] << 8 | (uint8_t)s[n - 1];
    }
    return mum(mum(a ^ 0xA0761D6478BD642Full, b ^ 0xE7037ED1A0B428DBull ^ n) ^ seed,
               0x8EBC6AF09C88C6E3ull);
}

/* Whether key bytes k[0..n) equal s[0..n); k is an entry's inline key (n < KEY_INLINE). */
static inline bool key_eq_short(const char *k, const char *s, size_t n)
{
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    __mmask16 m = (__mmask16)((1u << n) - 1);   /* masked loads read no byte beyond n */
    return _mm_cmpneq_epi8_mask(_mm_maskz_loadu_epi8(m, k), _mm_maskz_loadu_epi8(m, s)) == 0;
#else
    return memcmp(k, s, n) == 0;
#endif
}

static inline const char *dent_key(const nf_dict *d, const dent *e)
{
    return e->len < KEY_INLINE ? e->key.s : d->pool + e->key.off;
}

/* Entries keep no hash: a rehash (rare, and sequential over the keys) recomputes it. */
static nf_rc dict_rehash(nf_dict *d, size_t nslot)
{
    dslot *ns = big_alloc(nslot * sizeof *ns);
    if (!ns)
        return NF_ENOMEM;
    memset(ns, 0, nslot * sizeof *ns);
    for (size_t i = 0; i < d->nent; i++) {
        const dent *e = &d->ent[i];
        uint64_t h = key_hash(e->kind, dent_key(d, e), e->len);
        size_t k = h & (nslot - 1);
        while (ns[k].id1)
            k = (k + 1) & (nslot - 1);
        ns[k] = (dslot){(uint32_t)i + 1, (uint32_t)(h >> 32)};
    }
    free(d->slot);
    d->slot = ns;
    d->nslot = nslot;
    return NF_OK;
}

/* Find (kind, s), whose key_hash is h, or add it when add is set; *id receives the id,
 * UINT32_MAX when absent. */
static nf_rc dict_get_h(nf_dict *d, int kind, const char *s, size_t n, uint64_t h, int add,
                        uint32_t *id)
{
    uint32_t fp = (uint32_t)(h >> 32);
    size_t i = h & (d->nslot - 1);
    for (; d->slot[i].id1; i = (i + 1) & (d->nslot - 1)) {
        if (d->slot[i].fp != fp)
            continue;
        const dent *e = &d->ent[d->slot[i].id1 - 1];
        if (e->len == n && e->kind == kind &&
            (n < KEY_INLINE ? key_eq_short(e->key.s, s, n)
                            : memcmp(d->pool + e->key.off, s, n) == 0)) {
            *id = d->slot[i].id1 - 1;
            return NF_OK;
        }
    }
    *id = UINT32_MAX;
    if (!add)
        return NF_OK;
    if (n > 4096 || d->nent >= UINT32_MAX - 1 || d->npool + n + 1 > UINT32_MAX)
        return NF_ETOOBIG;
    nf_rc rc;
    if ((n >= KEY_INLINE &&
         (rc = big_grow((void **)&d->pool, &d->cappool, d->npool + n + 1, 1))) ||
        (rc = big_grow((void **)&d->ent, &d->capent, d->nent + 1, sizeof *d->ent)))
        return rc;
    dent *e = &d->ent[d->nent];
    *e = (dent){.len = (uint16_t)n, .stem = UINT32_MAX, .kind = (uint8_t)kind};
    if (n < KEY_INLINE) {
        memcpy(e->key.s, s, n);
    } else {
        e->key.off = (uint32_t)d->npool;
        memcpy(d->pool + d->npool, s, n);
        d->pool[d->npool + n] = 0;
        d->npool += n + 1;
    }
    d->slot[i] = (dslot){(uint32_t)d->nent + 1, fp};
    *id = (uint32_t)d->nent++;
    if (d->nent * 2 > d->nslot)
        return dict_rehash(d, d->nslot * 2);
    return NF_OK;
}

static nf_rc dict_get(nf_dict *d, int kind, const char *s, size_t n, int add, uint32_t *id)
{
    return dict_get_h(d, kind, s, n, key_hash(kind, s, n), add, id);
}

/* Hints for a later dict_get_h of hash h (pure prefetches and reads: no effect on results).
 * dict_prefetch: the slot's cache line. dict_first_fp, once that line has arrived: the id of
 * the first slot of h's chain with h's fingerprint (UINT32_MAX none), its entry prefetched;
 * dict_is, once the entry has arrived: whether that id is the key (kind, s, n). */
static inline void dict_prefetch(const nf_dict *d, uint64_t h)
{
    __builtin_prefetch(&d->slot[h & (d->nslot - 1)]);
}

static inline uint32_t dict_first_fp(const nf_dict *d, uint64_t h)
{
    uint32_t fp = (uint32_t)(h >> 32);
    for (size_t i = h & (d->nslot - 1); d->slot[i].id1; i = (i + 1) & (d->nslot - 1))
        if (d->slot[i].fp == fp) {
            __builtin_prefetch(&d->ent[d->slot[i].id1 - 1]);
            return d->slot[i].id1 - 1;
        }
    return UINT32_MAX;
}

static inline bool dict_is(const nf_dict *d, uint32_t id, int kind, const char *s, size_t n)
{
    const dent *e = &d->ent[id];
    return e->len == n && e->kind == kind &&
           (n < KEY_INLINE ? key_eq_short(e->key.s, s, n)
                           : memcmp(d->pool + e->key.off, s, n) == 0);
}

nf_rc nf_dict_new(nf_dict **out)
{
    *out = NULL;
    nf_dict *d = calloc(1, sizeof *d);
    if (!d)
        return NF_ENOMEM;
    nf_rc rc = NF_ENOMEM;
    d->stemmer = sb_stemmer_new("english", NULL);
    if (!d->stemmer || (rc = dict_rehash(d, 1 << 14)))
        goto fail;
    uint32_t id;
    for (size_t i = 0; i < NF_ARRAY_LEN(STOPWORDS); i++) {
        if ((rc = dict_get(d, NF_K_SURFACE, STOPWORDS[i], strlen(STOPWORDS[i]), 1, &id)))
            goto fail;
        d->ent[id].flags |= F_STOP | F_CAPSTOP;
    }
    for (size_t i = 0; i < NF_ARRAY_LEN(CAPSTOP); i++) {
        if ((rc = dict_get(d, NF_K_SURFACE, CAPSTOP[i], strlen(CAPSTOP[i]), 1, &id)))
            goto fail;
        d->ent[id].flags |= F_CAPSTOP;
    }
    *out = d;
    return NF_OK;
fail:
    nf_dict_free(d);
    return rc;
}

void nf_dict_free(nf_dict *d)
{
    if (!d)
        return;
    if (d->stemmer)
        sb_stemmer_delete(d->stemmer);
    free(d->pool);
    free(d->ent);
    free(d->slot);
    free(d);
}

const char *nf_dict_str(const nf_dict *d, uint32_t id)
{
    return id < d->nent ? dent_key(d, &d->ent[id]) : "";
}
uint32_t nf_dict_kind(const nf_dict *d, uint32_t id) { return id < d->nent ? d->ent[id].kind : 0; }
uint32_t nf_dict_size(const nf_dict *d) { return (uint32_t)d->nent; }
size_t nf_dict_memory(const nf_dict *d)
{
    return sizeof *d + d->cappool + d->capent * sizeof(dent) + d->nslot * sizeof(dslot);
}

/* The surface entry of a lower-cased word, created with its stem on first sight. */
static nf_rc surface(nf_dict *d, const char *w, size_t n, uint64_t h, uint32_t *outid)
{
    uint32_t id, sid;
    nf_rc rc = dict_get_h(d, NF_K_SURFACE, w, n, h, 1, &id);
    if (rc)
        return rc;
    if (d->ent[id].stem == UINT32_MAX) {
        const sb_symbol *st = sb_stemmer_stem(d->stemmer, (const sb_symbol *)w, (int)n);
        if (!st)
            return NF_ENOMEM;
        if ((rc = dict_get(d, NF_K_TERM, (const char *)st, (size_t)sb_stemmer_length(d->stemmer),
                           1, &sid)))
            return rc;
        d->ent[id].stem = sid;
    }
    *outid = id;
    return NF_OK;
}

/* ---- features ---- */

void nf_feats_init(nf_feats *f)
{
    memset(f, 0, sizeof *f);
    nf_tokens_init(&f->tok);
    nf_buf_init(&f->low, 1 << 20);
    nf_buf_init(&f->seq, 1 << 20);
    nf_buf_init(&f->lows, (size_t)1 << 32);
}

void nf_feats_reset(nf_feats *f)
{
    free(f->term);
    free(f->ent);
    free(f->quote);
    free(f->raw);
    free(f->capw);
    free(f->wh);
    free(f->lowoff);
    free(f->lowlen);
    free(f->lowh);
    free(f->lowhe);
    free(f->qkey);
    free(f->ikey);
    free(f->wsel);
    free(f->sid);
    free(f->eid);
    free(f->wst);
    nf_buf_reset(&f->lows);
    nf_tokens_reset(&f->tok);
    nf_buf_reset(&f->low);
    nf_buf_reset(&f->seq);
    nf_feats_init(f);
}

/* Accumulate weight w for id: one raw entry per distinct id (the entry marked with this
 * extraction's epoch points at it, so repeated tokens cost O(1) and only distinct ids are
 * sorted later). */
static inline nf_rc raw_add(nf_dict *d, nf_feats *f, uint32_t id, float w)
{
    dent *e = &d->ent[id];
    if (e->mark == d->epoch) {
        f->raw[e->pos].w += w;
        return NF_OK;
    }
    nf_rc rc;
    if (f->nraw >= f->capraw &&
        (rc = nf_grow((void **)&f->raw, &f->capraw, f->nraw + 1, sizeof *f->raw)))
        return rc;
    e->mark = d->epoch;
    e->pos = (uint32_t)f->nraw;
    f->raw[f->nraw++] = (nf_tw){id, w};
    return NF_OK;
}

/* The main pass's surface id of word token i (tok) when h has the same token there, else
 * UINT32_MAX. */
static inline uint32_t hint_sid(const nf_lhint *h, size_t i, const nf_token *t)
{
    if (!h || i >= h->ntok)
        return UINT32_MAX;
    const nf_token *m = &h->tok[i];
    return m->start == t->start && m->end == t->end && m->kind == t->kind ? h->sid[i]
                                                                           : UINT32_MAX;
}

/* Append s[0..n) lower-cased and a NUL to b; *len receives the lower-cased length. ASCII in
 * place, anything else through nf_normalize. */
static inline nf_rc lower_word(nf_buf *b, const char *s, size_t n, size_t *len)
{
    nf_rc rc;
    if (b->n + n + 2 > b->cap && (rc = nf_buf_reserve(b, n + 1)))
        return rc;
    size_t off = b->n;
    char *o = b->p + off;
    int ascii;
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    if (n <= 64) {   /* one masked 64-byte vector: no byte beyond n is read or written */
        __mmask64 m = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
        __m512i v = _mm512_maskz_loadu_epi8(m, s);
        ascii = _mm512_movepi8_mask(v) == 0;
        __mmask64 up = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('A')),
                                              _mm512_set1_epi8(26));
        _mm512_mask_storeu_epi8(o, m, _mm512_mask_add_epi8(v, up, v, _mm512_set1_epi8(32)));
    } else
#endif
    {
        unsigned char hi = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            hi |= c;
            o[i] = (char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
        }
        ascii = hi < 0x80;
    }
    if (ascii) {
        b->n += n;
    } else if ((rc = nf_normalize(s, n, b)) || (rc = nf_buf_reserve(b, 1))) {
        return rc;
    }
    *len = b->n - off;
    b->p[b->n++] = 0;   /* room: reserved above (ASCII) or just now */
    b->p[b->n] = 0;
    return NF_OK;
}

/* Lower-case one word into f->low (replacing its contents); *len receives its length. */
static nf_rc lower(nf_feats *f, const char *s, size_t n, size_t *len)
{
    f->low.n = 0;
    return lower_word(&f->low, s, n, len);
}

/* Word states of prepare_words: the surface key is hashed in lowh (not known from the hint),
 * the entity key is hashed in lowhe (a capitalised word outside a title); a number outside a
 * title, its key (digits without commas) in lows and lowh, its id in eid when known. */
enum { W_LOOK = 1, W_ENT = 2, W_NUM = 4 };

/* Before a scan: every word token lower-cased once into f->lows with its surface key hash (and
 * entity key hash when capitalised), then, in passes over all tokens so that each pass's
 * memory reads were prefetched by the one before: the slots, the entries, the keys compared.
 * A word already in the dictionary gets its surface id in f->sid (and its entity id in f->eid)
 * and its stem's entry prefetched, so the scan touches cached lines only; every other word
 * gets UINT32_MAX there and the scan adds it (ids stay in first-seen order: this only finds).
 * h (lede passes over the text only): a word the map knows gets its surface id without a hash
 * or probe. */
static nf_rc prepare_words(nf_dict *d, nf_feats *f, const char *s, size_t sn, int title,
                           const nf_lhint *h)
{
    size_t nt = f->tok.ntok;
    nf_rc rc;
    size_t c[7] = {f->caplow, f->caplow, f->caplow, f->caplow, f->caplow, f->caplow, f->caplow};
    if ((rc = nf_grow((void **)&f->lowoff, &c[0], nt + 1, sizeof *f->lowoff)) ||
        (rc = nf_grow((void **)&f->lowlen, &c[1], nt + 1, sizeof *f->lowlen)) ||
        (rc = nf_grow((void **)&f->lowh, &c[2], nt + 1, sizeof *f->lowh)) ||
        (rc = nf_grow((void **)&f->lowhe, &c[3], nt + 1, sizeof *f->lowhe)) ||
        (rc = nf_grow((void **)&f->sid, &c[4], nt + 1, sizeof *f->sid)) ||
        (rc = nf_grow((void **)&f->eid, &c[5], nt + 1, sizeof *f->eid)) ||
        (rc = nf_grow((void **)&f->wst, &c[6], nt + 1, sizeof *f->wst)))
        return rc;
    size_t cm = c[0];
    for (size_t k = 1; k < 7; k++)
        cm = NF_MIN(cm, c[k]);
    f->caplow = cm;
    f->lows.n = 0;
    if ((rc = nf_buf_reserve(&f->lows, sn + nt + 1)))   /* ASCII words need no more */
        return rc;
    const uint32_t *map = h && !title ? *h->map : NULL;
    size_t capmap = map ? *h->capmap : 0;
    for (size_t i = 0; map && i < nt && i < h->ntok; i++)
        if (h->sid[i] < capmap)
            __builtin_prefetch(&map[h->sid[i]]);
    /* 1: lower-case and hash (or take the map's id); slots prefetched */
    for (size_t i = 0; i < nt; i++) {
        const nf_token *t = &f->tok.tok[i];
        f->lowoff[i] = UINT32_MAX;
        f->lowhe[i] = 0;
        f->sid[i] = f->eid[i] = UINT32_MAX;
        f->wst[i] = 0;
        if (t->kind == NF_TOK_PUNCT)
            continue;
        if (t->kind == NF_TOK_NUM) {   /* its key: the digits without commas, <= 63 bytes */
            if (title)
                continue;
            const char *p = s + t->start;
            size_t len = t->end - t->start;
            if (f->lows.n + len + 2 > f->lows.cap && (rc = nf_buf_reserve(&f->lows, len + 1)))
                return rc;   /* (only after normalisation grew words beyond their bytes) */
            size_t off = f->lows.n, k = 0;
            char *o = f->lows.p + off;
            for (size_t j = 0; j < len && k < 63; j++)
                if (p[j] != ',')
                    o[k++] = p[j];
            o[k] = 0;
            f->lows.n += k + 1;
            f->lowoff[i] = (uint32_t)off;
            f->lowlen[i] = (uint32_t)k;
            f->lowh[i] = key_hash(NF_K_NUMBER, o, k);
            dict_prefetch(d, f->lowh[i]);
            f->wst[i] = W_NUM;
            continue;
        }
        uint32_t hs = map ? hint_sid(h, i, t) : UINT32_MAX;
        uint32_t ms = hs < capmap ? map[hs] : UINT32_MAX;
        if (ms != UINT32_MAX && !(t->flags & NF_TF_CAP)) {
            /* the main pass looked the word up (so 1..64 bytes lower-cased) and no entity path
             * will read it: no lower-casing, its length comes from the entry (lowlen 0) */
            f->lowoff[i] = 0;
            f->lowlen[i] = 0;
            f->sid[i] = ms;
            __builtin_prefetch(&d->ent[ms]);
            continue;
        }
        size_t off = f->lows.n, n;
        if ((rc = lower_word(&f->lows, s + t->start, t->end - t->start, &n)))
            return rc;
        if (n == 0 || n > 64)
            continue;   /* not looked up (scan skips it) */
        f->lowoff[i] = (uint32_t)off;
        f->lowlen[i] = (uint32_t)n;
        if (ms != UINT32_MAX) {
            f->sid[i] = ms;
            __builtin_prefetch(&d->ent[ms]);
        } else {
            f->lowh[i] = key_hash(NF_K_SURFACE, f->lows.p + off, n);
            dict_prefetch(d, f->lowh[i]);
            f->wst[i] = W_LOOK;
        }
        if ((t->flags & NF_TF_CAP) && !title) {
            f->lowhe[i] = key_hash(NF_K_ENTITY, f->lows.p + off, n);   /* 0: recomputed */
            dict_prefetch(d, f->lowhe[i]);
            f->wst[i] |= W_ENT;
        }
    }
    /* 2: slots read, candidate entries prefetched */
    for (size_t i = 0; i < nt; i++) {
        if (f->wst[i] & W_NUM)
            f->eid[i] = dict_first_fp(d, f->lowh[i]);
        if (f->wst[i] & W_LOOK)
            f->sid[i] = dict_first_fp(d, f->lowh[i]);
        if (f->wst[i] & W_ENT)
            f->eid[i] = dict_first_fp(d, f->lowhe[i]);
    }
    /* 3: candidates confirmed by their keys; stem entries prefetched */
    for (size_t i = 0; i < nt; i++) {
        const char *lw = f->lows.p + f->lowoff[i];
        if ((f->wst[i] & W_LOOK) && f->sid[i] != UINT32_MAX &&
            !dict_is(d, f->sid[i], NF_K_SURFACE, lw, f->lowlen[i]))
            f->sid[i] = UINT32_MAX;
        if ((f->wst[i] & (W_ENT | W_NUM)) && f->eid[i] != UINT32_MAX &&
            !dict_is(d, f->eid[i], f->wst[i] & W_NUM ? NF_K_NUMBER : NF_K_ENTITY, lw,
                     f->lowlen[i]))
            f->eid[i] = UINT32_MAX;
        if (f->sid[i] != UINT32_MAX && d->ent[f->sid[i]].stem != UINT32_MAX)
            __builtin_prefetch(&d->ent[d->ent[f->sid[i]].stem]);
    }
    return NF_OK;
}

static int all_caps(const char *s, size_t n)
{
    size_t letters = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            return 0;
        letters += s[i] >= 'A' && s[i] <= 'Z';
    }
    return letters > 1;
}

static int is_quote_mark(const char *s, size_t n)
{
    return (n == 1 && (s[0] == '"' || s[0] == '\'' || s[0] == '(' || s[0] == '`')) ||
           (n == 2 && (!memcmp(s, "``", 2) || !memcmp(s, "''", 2))) ||
           (n == 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80);
}

/* Close a run of consecutive names: two or more form a multi-word entity. */
static nf_rc flush_seq_slow(nf_dict *d, nf_feats *f, int *nseq, float w)
{
    nf_rc rc = NF_OK;
    if (*nseq > 1 && f->seq.n) {
        uint32_t id;
        if (!(rc = dict_get(d, NF_K_ENTITY, f->seq.p, f->seq.n, 1, &id)))
            rc = raw_add(d, f, id, w);
    }
    f->seq.n = 0;
    *nseq = 0;
    return rc;
}

static inline nf_rc flush_seq(nf_dict *d, nf_feats *f, int *nseq, float w)
{
    if (*nseq > 1)
        return flush_seq_slow(d, f, nseq, w);
    f->seq.n = 0;
    *nseq = 0;
    return NF_OK;
}

/* Terms and entities of one text. title: words are terms at lede weight, no entities. */
static nf_rc scan(nf_dict *d, const nf_terms_cfg *cfg, nf_feats *f, const char *s, size_t n,
                  int title, const nf_lhint *h)
{
    nf_rc rc = nf_tokenize(s, n, &f->tok);
    if (rc || (rc = prepare_words(d, f, s, n, title, h)))
        return rc;
    int sent = -1, at_start = 1, nseq = 0;
    float w = cfg->lede_weight;
    for (size_t i = 0; i < f->tok.ntok; i++) {
        const nf_token *t = &f->tok.tok[i];
        const char *p = s + t->start;
        size_t len = t->end - t->start;
        if ((t->flags & NF_TF_SENT) || sent < 0) {
            if ((rc = flush_seq(d, f, &nseq, w)))
                return rc;
            sent++;
            at_start = 1;
            w = title || (uint32_t)sent < cfg->lede_sentences ? cfg->lede_weight
                : (uint32_t)sent >= cfg->body_sentences ? cfg->tail_weight : 1.0f;
        }
        if (t->kind == NF_TOK_PUNCT) {
            if (!is_quote_mark(p, len)) {
                if ((rc = flush_seq(d, f, &nseq, w)))
                    return rc;
            }
            continue;
        }
        if (t->kind == NF_TOK_NUM) {
            if ((rc = flush_seq(d, f, &nseq, w)))
                return rc;
            at_start = 0;
            if (title)
                continue;
            uint32_t id = f->eid[i];   /* key, hash and (when known) id: prepare_words */
            if ((id == UINT32_MAX && (rc = dict_get_h(d, NF_K_NUMBER, f->lows.p + f->lowoff[i],
                                                      f->lowlen[i], f->lowh[i], 1, &id))) ||
                (rc = raw_add(d, f, id, w)))
                return rc;
            f->eid[i] = id;
            continue;
        }
        if (f->lowoff[i] == UINT32_MAX)
            continue;   /* empty or longer than 64 bytes once lower-cased */
        size_t ln = f->lowlen[i];   /* 0: a known word not lower-cased (prepare_words) */
        const char *lw = ln ? f->lows.p + f->lowoff[i] : NULL;
        uint32_t sid = f->sid[i];
        if (sid == UINT32_MAX || ((f->wst[i] & W_LOOK) && d->ent[sid].stem == UINT32_MAX)) {
            if ((rc = surface(d, lw, ln, f->lowh[i], &sid)))
                return rc;
            f->sid[i] = sid;
        }
        if (f->wst[i] & W_LOOK) {   /* found by a probe, not the map */
            uint32_t hs = title ? UINT32_MAX : hint_sid(h, i, t);
            if (hs != UINT32_MAX) {   /* teach the map */
                if (hs >= *h->capmap) {
                    size_t old = *h->capmap;
                    if ((rc = nf_grow((void **)h->map, h->capmap, (size_t)hs + 1,
                                      sizeof **h->map)))
                        return rc;
                    memset(*h->map + old, 0xFF, (*h->capmap - old) * sizeof **h->map);
                }
                (*h->map)[hs] = sid;
            }
        }
        const dent *e = &d->ent[sid];
        if (!ln)
            ln = e->len;
        uint8_t flags = e->flags;
        uint32_t stem = e->stem;
        if (!(flags & F_STOP) && ln > 1 && (rc = raw_add(d, f, stem, w)))
            return rc;
        int cap = (t->flags & NF_TF_CAP) && !(flags & F_CAPSTOP) && !title;
        uint64_t he = cap ? (f->lowhe[i] ? f->lowhe[i] : key_hash(NF_K_ENTITY, lw, ln)) : 0;
        if (cap && (!at_start || all_caps(p, len))) {
            uint32_t id = f->eid[i];
            if ((id == UINT32_MAX && (rc = dict_get_h(d, NF_K_ENTITY, lw, ln, he, 1, &id))) ||
                (rc = raw_add(d, f, id, w)))
                return rc;
            f->eid[i] = id;
            if (nseq && (rc = nf_buf_putc(&f->seq, ' ')))
                return rc;
            if ((rc = nf_buf_append(&f->seq, lw, ln)))
                return rc;
            nseq++;
        } else {
            if ((rc = flush_seq(d, f, &nseq, w)))
                return rc;
            if (cap) {   /* sentence-initial capital: a name only if one elsewhere */
                uint32_t id = f->eid[i];
                if ((id == UINT32_MAX && (rc = dict_get_h(d, NF_K_ENTITY, lw, ln, he, 1, &id))) ||
                    (rc = nf_grow((void **)&f->capw, &f->capcapw, f->ncapw + 1, sizeof *f->capw)))
                    return rc;
                f->capw[f->ncapw++] = id;
            }
        }
        at_start = 0;
    }
    return flush_seq(d, f, &nseq, w);
}

/* Sort a[0..n) by id (ids unique, so any correct sort gives the same order): insertion sort
 * when short, else LSD radix on bytes (passes over bytes that are equal in every id skipped),
 * with tmp (n entries) as scratch. */
static void tw_sort_id(nf_tw *a, nf_tw *tmp, size_t n)
{
    if (n <= 48) {
        for (size_t i = 1; i < n; i++) {
            nf_tw x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1].id > x.id; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    uint32_t or_ = 0, and_ = UINT32_MAX;
    for (size_t i = 0; i < n; i++)
        or_ |= a[i].id, and_ &= a[i].id;
    nf_tw *src = a, *dst = tmp;
    for (unsigned sh = 0; sh < 32; sh += 8) {
        if ((((or_ ^ and_) >> sh) & 0xFF) == 0)
            continue;   /* this byte is the same in every id */
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(src[i].id >> sh) & 0xFF]++;
        size_t sum = 0;
        for (size_t b = 0; b < 256; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i].id >> sh) & 0xFF]++] = src[i];
        nf_tw *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* Sort a[0..n) ascending: insertion sort when short, else LSD radix on bytes with f->wh as
 * scratch (any correct sort gives the same array). */
static nf_rc u64_sort(nf_feats *f, uint64_t *a, size_t n)
{
    if (n <= 32) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > x; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return NF_OK;
    }
    nf_rc rc = nf_grow((void **)&f->wh, &f->capwh, n, sizeof *f->wh);
    if (rc)
        return rc;
    uint64_t *src = a, *dst = f->wh;
    for (unsigned sh = 0; sh < 64; sh += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(src[i] >> sh) & 0xFF]++;
        size_t sum = 0;
        for (size_t b = 0; b < 256; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 0xFF]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return NF_OK;   /* eight passes: the result is back in a */
}

/* 6-word shingles of every quoted span (words lower-cased, numbers kept). Runs after the scan
 * of the text s: a word the scan lower-cased (f->lows) is not lower-cased again. */
static nf_rc quotes(nf_feats *f, const char *s)
{
    f->nquote = 0;
    nf_rc rc;
    size_t ti = 0;
    for (size_t q = 0; q < f->tok.nquote; q++) {
        nf_span in = f->tok.quote[q].inner;
        f->nwh = 0;
        while (ti > 0 && f->tok.tok[ti - 1].start >= in.start)
            ti--;   /* nested quotes restart inside their parent */
        while (ti < f->tok.ntok && f->tok.tok[ti].start < in.start)
            ti++;
        for (size_t i = ti; i < f->tok.ntok && f->tok.tok[i].end <= in.end; i++) {
            const nf_token *t = &f->tok.tok[i];
            if (t->kind == NF_TOK_PUNCT)
                continue;
            if (f->nwh >= f->capwh &&
                (rc = nf_grow((void **)&f->wh, &f->capwh, f->nwh + 1, sizeof *f->wh)))
                return rc;
            if (t->kind == NF_TOK_WORD && f->lowoff[i] != UINT32_MAX && f->lowlen[i]) {
                /* the scan lower-cased it */
                f->wh[f->nwh++] = XXH3_64bits(f->lows.p + f->lowoff[i], f->lowlen[i]);
                continue;
            }
            size_t len;
            if ((rc = lower(f, s + t->start, t->end - t->start, &len)))
                return rc;
            f->wh[f->nwh++] = XXH3_64bits(f->low.p, len);
        }
        for (size_t i = 0; i + 6 <= f->nwh; i++) {
            uint64_t h = 0;
            for (size_t k = 0; k < 6; k++)
                h = (h ^ f->wh[i + k]) * 0x100000001B3ull + k;
            if ((rc = nf_grow((void **)&f->quote, &f->capquote, f->nquote + 1, sizeof *f->quote)))
                return rc;
            f->quote[f->nquote++] = h;
        }
    }
    if ((rc = u64_sort(f, f->quote, f->nquote)))
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < f->nquote; i++)
        if (k == 0 || f->quote[k - 1] != f->quote[i])
            f->quote[k++] = f->quote[i];
    f->nquote = k;
    return NF_OK;
}

static double sublinear(double tf) { return tf >= 1 ? 1 + log(tf) : tf; }

#define IDF_MEMO 64   /* weigh: idf values of df below this computed once per article */

/* Sort the raw (id, weight) pairs, sum equal ids, count each id once into df, split into the
 * term and entity vectors with tf-idf weights, normalise each. */
static nf_rc weigh(nf_dict *d, const nf_terms_cfg *cfg, nf_feats *f)
{
    size_t k = f->nraw;
    nf_rc rc;
    if ((rc = nf_grow((void **)&f->term, &f->capterm, k + 1, sizeof *f->term)) ||
        (rc = nf_grow((void **)&f->ent, &f->capent, k + 1, sizeof *f->ent)))
        return rc;
    tw_sort_id(f->raw, f->term, k);   /* ids are already unique (raw_add) */
    d->ndocs++;
    for (size_t i = 0; i < k; i++) {
        if (i + 8 < k)
            __builtin_prefetch(&d->ent[f->raw[i + 8].id]);
        d->ent[f->raw[i].id].df++;
    }
    f->nterm = f->nent = 0;
    double nt = 0, ne = 0, N = (double)d->ndocs + cfg->idf_prior_docs + 1;
    /* the same log calls, each computed once per article: idf of small df values, and tf of 1
     * (exactly 1 + log(1) = 1) */
    double idf_small[IDF_MEMO];
    uint64_t idf_have = 0;
    for (size_t i = 0; i < k; i++) {
        const dent *e = &d->ent[f->raw[i].id];
        if (f->raw[i].w <= 0)
            continue;
        double idf;
        if (e->df < IDF_MEMO) {
            if (!(idf_have >> e->df & 1)) {
                idf_small[e->df] = log(N / (e->df + 0.5));
                idf_have |= (uint64_t)1 << e->df;
            }
            idf = idf_small[e->df];
        } else {
            idf = log(N / (e->df + 0.5));
        }
        double w = (f->raw[i].w == 1.0f ? 1.0 : sublinear(f->raw[i].w)) * idf;
        if (w <= 0)
            continue;
        if (e->kind == NF_K_TERM) {
            f->term[f->nterm++] = (nf_tw){f->raw[i].id, (float)w};
            nt += w * w;
        } else {
            f->ent[f->nent++] = (nf_tw){f->raw[i].id, (float)w};
            ne += w * w;
        }
    }
    nt = nt > 0 ? 1 / sqrt(nt) : 0;
    ne = ne > 0 ? 1 / sqrt(ne) : 0;
    for (size_t i = 0; i < f->nterm; i++)
        f->term[i].w = (float)(f->term[i].w * nt);
    for (size_t i = 0; i < f->nent; i++)
        f->ent[i].w = (float)(f->ent[i].w * ne);
    return NF_OK;
}

nf_rc nf_feats_extract(nf_dict *d, const nf_terms_cfg *cfg, const char *title, const char *text,
                       size_t n, nf_feats *f)
{
    return nf_feats_extract_hint(d, cfg, title, text, n, f, NULL);
}

nf_rc nf_feats_extract_hint(nf_dict *d, const nf_terms_cfg *cfg, const char *title,
                            const char *text, size_t n, nf_feats *f, const nf_lhint *h)
{
    nf_rc rc;
    f->nraw = f->ncapw = 0;
    f->nquote = 0;
    f->haskeys = 0;
    if (++d->epoch == 0) {   /* wrapped: forget every old mark */
        for (size_t i = 0; i < d->nent; i++)
            d->ent[i].mark = 0;
        d->epoch = 1;
    }
    if (title && *title && (rc = scan(d, cfg, f, title, strlen(title), 1, NULL)))
        return rc;
    if ((rc = scan(d, cfg, f, text, n, 0, h)) || (!cfg->no_quotes && (rc = quotes(f, text))))
        return rc;
    /* sentence-initial capitals that are names elsewhere in the article */
    for (size_t i = 0; i < f->ncapw; i++) {
        uint32_t id = f->capw[i];
        if (d->ent[id].mark == d->epoch && (rc = raw_add(d, f, id, 1.0f)))
            return rc;
    }
    return weigh(d, cfg, f);
}

double nf_tw_dot(const nf_tw *a, size_t na, const nf_tw *b, size_t nb)
{
    double s = 0;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i].id < b[j].id)
            i++;
        else if (a[i].id > b[j].id)
            j++;
        else
            s += (double)a[i++].w * b[j++].w;
    }
    return s;
}
