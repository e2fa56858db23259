/*
 * sketch.c — word shingles and MinHash signatures of a text, for copy detection.
 *
 * Key idea: one pass over the bytes splits words (ASCII table first; a non-ASCII code point is a
 * word character when its Unicode category is L, M or N), hashes each word once (XXH3-64 of its
 * NFKC + case-folded bytes) and mixes `shingle` consecutive word hashes into a shingle hash
 * h = fmix64(sum_i w[j+i] * C[i]). One-permutation hashing (OPH) then needs ONE hash per shingle:
 * the high 32 bits pick a bin (multiply-high range reduction), the low 32 bits compete for that
 * bin's minimum. Empty bins are filled by optimal densification (Shrivastava 2017): bin i copies
 * the first non-empty bin along its own probe sequence, so two texts with the same non-empty
 * bins densify identically. The classic k-hash MinHash (NF_SKETCH_KMIN) is kept for the bench.
 *
 * Invariants: a signature value is the top 16 bits of a 32-bit bin minimum; all 0xffff when the
 * text has no words. The layout is a file format: docs/dedup.md, golden vectors in
 * tests/test_sketch.c, checked against a plain reference implementation there.
 *
 * Edge policy (invalid UTF-8): a byte that does not start a valid sequence is a separator; it is
 * skipped alone. A word longer than 4096 bytes is hashed as it is (no folding beyond ASCII when
 * it is all ASCII; utf8proc otherwise), so there is no length limit.
 */
#include "nf_int.h"
#include <stdlib.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

/* character classes of ASCII bytes: 0 separator, 1 lower-case letter or digit, 2 upper case */
static const uint8_t ascii_class[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2,
    ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2,
    ['Q'] = 2, ['R'] = 2, ['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2,
    ['Y'] = 2, ['Z'] = 2,
};

struct nf_sketcher {
    nf_sketch_opts o;
    uint64_t mix[NF_SHINGLE_MAX];       /* shingle mixing constants C[i] */
    uint64_t *ka, *kb;                  /* KMIN multiply-shift constants, bins each */
    uint64_t *wh;                       /* word hashes of the current text */
    size_t nwh, capwh;
    uint32_t *mins;                     /* bins 32-bit minima */
    uint8_t *filled;                    /* OPH: bin received a shingle */
    char *word;                         /* lower-cased ASCII word */
    size_t capword;
    uint8_t *low;                       /* the text with ASCII case folded (block path) */
    size_t caplow;
};

uint64_t nf_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t nf_fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

uint32_t nf_sketch_word_class(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 0 && ascii_class[cp] ? 1 : 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

nf_rc nf_sketch_opts_fill(nf_sketch_opts *o)
{
    if (!o->shingle)
        o->shingle = 5;
    if (!o->bins)
        o->bins = 128;
    if (o->shingle > NF_SHINGLE_MAX || o->bins % 8 || o->bins > NF_SKETCH_MAX_BINS)
        return NF_EINVAL;
    if (o->method != NF_SKETCH_OPH && o->method != NF_SKETCH_KMIN)
        return NF_EINVAL;
    return NF_OK;
}

nf_rc nf_sketcher_new(nf_sketcher **out, const nf_sketch_opts *opts)
{
    *out = NULL;
    nf_sketcher *sk = calloc(1, sizeof *sk);
    if (!sk)
        return NF_ENOMEM;
    if (opts)
        sk->o = *opts;
    nf_rc rc = nf_sketch_opts_fill(&sk->o);
    if (rc)
        goto fail;
    for (uint32_t i = 0; i < NF_SHINGLE_MAX; i++)
        sk->mix[i] = nf_splitmix64(0x5348494e474c45ULL + i) | 1;   /* "SHINGLE" + i */
    rc = NF_ENOMEM;
    sk->mins = malloc(sk->o.bins * sizeof *sk->mins);
    sk->filled = malloc(sk->o.bins);
    sk->ka = malloc(sk->o.bins * sizeof *sk->ka);
    sk->kb = malloc(sk->o.bins * sizeof *sk->kb);
    if (!sk->mins || !sk->filled || !sk->ka || !sk->kb)
        goto fail;
    for (uint32_t i = 0; i < sk->o.bins; i++) {
        sk->ka[i] = nf_splitmix64(0x4b4d494e41ULL + 2 * (uint64_t)i) | 1;   /* "KMINA" */
        sk->kb[i] = nf_splitmix64(0x4b4d494e41ULL + 2 * (uint64_t)i + 1);
    }
    *out = sk;
    return NF_OK;
fail:
    nf_sketcher_free(sk);
    return rc;
}

void nf_sketcher_free(nf_sketcher *sk)
{
    if (!sk)
        return;
    free(sk->ka);
    free(sk->kb);
    free(sk->wh);
    free(sk->mins);
    free(sk->filled);
    free(sk->word);
    free(sk->low);
    free(sk);
}

/* The hash of one folded word (docs/dedup.md): words of up to 16 bytes are read as two
 * little-endian 64-bit halves, zero padded; one 64 x 64 -> 128-bit multiply of the keyed halves,
 * folded, plus the length, then an xorshift-multiply avalanche (the shape of XXH3's 9-16 byte
 * path). The keys contain bytes (0x03, 0x08) that no word byte can take, so neither factor is
 * ever zero. Longer words use XXH3-64 (seed 0). Short words avoid XXH3's length dispatch, which
 * mispredicts on every word. */
static inline uint64_t word_mix(uint64_t a, uint64_t b, size_t len)
{
    unsigned __int128 m = (unsigned __int128)(a ^ 0x243f6a8885a308d3ULL) *
                          (b ^ 0x13198a2e03707344ULL);
    uint64_t h = (uint64_t)m ^ (uint64_t)(m >> 64) ^ (len * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 37;
    h *= 0x165667919e3779f9ULL;
    return h ^ (h >> 32);
}

uint64_t nf_word_hash(const void *p, size_t len)
{
    if (len > 16)
        return XXH3_64bits(p, len);
    uint8_t buf[16] = {0};
    memcpy(buf, p, len);
    uint64_t a = 0, b = 0;
    for (int i = 7; i >= 0; i--) {
        a = a << 8 | buf[i];
        b = b << 8 | buf[8 + i];
    }
    return word_mix(a, b, len);
}

/* nf_word_hash of p[0..len) where p[len..len+15] may be read (the padded folded copy). */
static inline uint64_t word_hash_padded(const uint8_t *p, size_t len)
{
    if (len > 16)
        return XXH3_64bits(p, len);
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    unsigned ka = len >= 8 ? 64 : 8 * (unsigned)len;
    unsigned kb = len >= 16 ? 64 : len > 8 ? 8 * (unsigned)(len - 8) : 0;
    a &= ~0ULL >> (64 - ka);
    b &= kb ? ~0ULL >> (64 - kb) : 0;
    return word_mix(a, b, len);     /* little-endian host: see docs/dedup.md */
}

/* Hash one word with non-ASCII characters: NFKC + case fold through utf8proc. */
static uint64_t hash_unicode_word(const char *w, size_t n)
{
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n, &m,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                      UTF8PROC_CASEFOLD);
    uint64_t h = r >= 0 ? nf_word_hash(m, (size_t)r) : nf_word_hash(w, n);
    free(m);
    return h;
}

static nf_rc push_word(nf_sketcher *sk, uint64_t h)
{
    if (sk->nwh == sk->capwh &&
        nf_grow((void **)&sk->wh, &sk->capwh, sk->nwh + 1, sizeof *sk->wh))
        return NF_ENOMEM;
    sk->wh[sk->nwh++] = h;
    return NF_OK;
}

/* Length of the word character starting at s[i] (0 when it is not one). */
static size_t word_char_len(const uint8_t *s, size_t n, size_t i, bool *ascii_upper, bool *uni)
{
    uint8_t c = s[i];
    if (c < 0x80) {
        if (!ascii_class[c])
            return 0;
        *ascii_upper |= ascii_class[c] == 2;
        return 1;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
    if (l <= 0 || !nf_sketch_word_class(cp))
        return 0;
    *uni = true;
    return (size_t)l;
}

/* Split s into words and append their hashes to sk->wh (the plain byte-at-a-time path; also
 * used for the runs with non-ASCII bytes found by the block path). */
static nf_rc hash_words_scalar(nf_sketcher *sk, const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        bool upper = false, uni = false;
        size_t l = word_char_len(s, n, i, &upper, &uni);
        if (!l) {
            /* separator: skip one byte, or one whole valid non-word code point */
            if (s[i] >= 0x80) {
                utf8proc_int32_t cp;
                utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
                i += r > 0 ? (size_t)r : 1;
            } else {
                i++;
            }
            continue;
        }
        size_t start = i;
        i += l;
        /* ASCII fast loop inside a word, then the general step */
        for (;;) {
            while (i < n && s[i] < 0x80 && ascii_class[s[i]]) {
                upper |= ascii_class[s[i]] == 2;
                i++;
            }
            if (i >= n || s[i] < 0x80)
                break;
            size_t m = word_char_len(s, n, i, &upper, &uni);
            if (!m)
                break;
            i += m;
        }
        size_t wl = i - start;
        uint64_t h;
        if (uni) {
            h = hash_unicode_word((const char *)s + start, wl);
        } else if (!upper) {
            h = nf_word_hash(s + start, wl);
        } else {
            if (wl > sk->capword) {
                char *nw = realloc(sk->word, wl);
                if (!nw)
                    return NF_ENOMEM;
                sk->word = nw;
                sk->capword = wl;
            }
            for (size_t k = 0; k < wl; k++)
                sk->word[k] = (char)(s[start + k] | (ascii_class[s[start + k]] == 2 ? 0x20 : 0));
            h = nf_word_hash(sk->word, wl);
        }
        if (push_word(sk, h))
            return NF_ENOMEM;
    }
    return NF_OK;
}

#if defined(__AVX512BW__)
#include <immintrin.h>
/* Bits of 64 bytes: W = ASCII letter/digit or byte >= 0x80, U = byte >= 0x80, and the bytes
 * with ASCII upper case folded into lo. */
static inline void block_masks(const uint8_t *p, size_t len, uint64_t *w, uint64_t *u, uint8_t *lo)
{
    __mmask64 lm = len >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << len) - 1);
    __m512i v = _mm512_maskz_loadu_epi8(lm, p);
    __m512i folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    __mmask64 up = _mm512_cmp_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('A')),
                                        _mm512_set1_epi8(26), _MM_CMPINT_LT);
    __mmask64 al = _mm512_cmp_epu8_mask(_mm512_sub_epi8(folded, _mm512_set1_epi8('a')),
                                        _mm512_set1_epi8(26), _MM_CMPINT_LT);
    __mmask64 dg = _mm512_cmp_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')),
                                        _mm512_set1_epi8(10), _MM_CMPINT_LT);
    __mmask64 hi = _mm512_movepi8_mask(v);
    _mm512_storeu_si512(lo, _mm512_mask_mov_epi8(v, up, folded));
    *w = (al | dg | hi) & lm;
    *u = hi & lm;
}
#else
static inline void block_masks(const uint8_t *p, size_t len, uint64_t *w, uint64_t *u, uint8_t *lo)
{
    uint64_t wm = 0, um = 0;
    for (size_t j = 0; j < len && j < 64; j++) {
        uint8_t c = p[j];
        uint8_t cl = c < 0x80 ? ascii_class[c] : 3;
        wm |= (uint64_t)(cl != 0) << j;
        um |= (uint64_t)(cl == 3) << j;
        lo[j] = (uint8_t)(cl == 2 ? c | 0x20 : c);
    }
    *w = wm;
    *u = um;
}
#endif

/* Split s into words and set sk->wh to their hashes. Key idea: 64-byte blocks give a bit mask
 * of candidate word bytes (ASCII letters/digits and all bytes >= 0x80) and a case-folded copy;
 * a run of candidate bytes without non-ASCII bytes is exactly one word (hashed from the folded
 * copy); a run with non-ASCII bytes goes through hash_words_scalar, which may split it at
 * non-word code points. Both paths give the same words as hash_words_scalar over all of s. */
static nf_rc hash_words(nf_sketcher *sk, const uint8_t *s, size_t n)
{
    sk->nwh = 0;
    if (n + 64 > sk->caplow) {
        size_t nc = (n + 64) * 2;
        uint8_t *nl = realloc(sk->low, nc);
        if (!nl)
            return NF_ENOMEM;
        sk->low = nl;
        sk->caplow = nc;
    }
    memset(sk->low + n, 0, 64);
    size_t start = 0;       /* start of the current run */
    bool inrun = false, uni = false;
    for (size_t base = 0; base < n; base += 64) {
        uint64_t w, u;
        block_masks(s + base, n - base, &w, &u, sk->low + base);
        size_t pos = 0;       /* next bit of this block to look at */
        while (pos < 64) {
            uint64_t rest = pos ? w >> pos : w;
            if (!inrun) {
                if (!rest)
                    break;
                pos += (size_t)__builtin_ctzll(rest);
                start = base + pos;
                inrun = true;
                uni = false;
                continue;
            }
            uint64_t ends = ~rest;      /* first 0 bit from pos */
            size_t len = ends ? (size_t)__builtin_ctzll(ends) : 64 - pos;
            if (pos + len > 64)
                len = 64 - pos;
            uint64_t span = len >= 64 ? ~0ULL : ((1ULL << len) - 1) << pos;
            uni |= (u & span) != 0;
            pos += len;
            if (pos >= 64 && base + 64 < n)
                break;                  /* the run may continue in the next block */
            size_t end = NF_MIN(base + pos, n);
            inrun = false;
            if (uni) {
                if (hash_words_scalar(sk, s + start, end - start))
                    return NF_ENOMEM;
            } else if (push_word(sk, word_hash_padded(sk->low + start, end - start))) {
                return NF_ENOMEM;
            }
        }
    }
    if (inrun) {
        if (uni ? hash_words_scalar(sk, s + start, n - start)
                : push_word(sk, word_hash_padded(sk->low + start, n - start)))
            return NF_ENOMEM;
    }
    return NF_OK;
}

static inline uint64_t shingle_hash(const uint64_t *w, uint32_t k, const uint64_t *mix)
{
    uint64_t acc = 0;
    for (uint32_t i = 0; i < k; i++)
        acc += w[i] * mix[i];
    return nf_fmix64(acc);
}

uint64_t nf_shingle_hash(const uint64_t *w, uint32_t k, const uint64_t *mix)
{
    uint64_t acc = 0;
    for (uint32_t i = 0; i < k; i++)
        acc += w[i] * mix[i];
    return nf_fmix64(acc);
}

/* Bin i's j-th probe for densification (j >= 1). */
uint32_t nf_oph_probe(uint32_t i, uint32_t j, uint32_t bins)
{
    uint64_t h = nf_splitmix64(0x44454e5345ULL ^ ((uint64_t)i << 32 | j));   /* "DENSE" */
    return (uint32_t)(((h >> 32) * bins) >> 32);
}

static void oph(nf_sketcher *sk, size_t nsh, uint32_t k, uint16_t *sig)
{
    const uint32_t K = sk->o.bins;
    uint32_t *mins = sk->mins;
    memset(mins, 0xff, K * sizeof *mins);
    memset(sk->filled, 0, K);
#define OPH_LOOP(KK)                                                        \
    for (size_t j = 0; j < nsh; j++) {                                      \
        uint64_t h = shingle_hash(sk->wh + j, KK, sk->mix);                 \
        uint32_t b = (uint32_t)(((h >> 32) * K) >> 32);                     \
        uint32_t v = (uint32_t)h, m = mins[b];                              \
        sk->filled[b] = 1;                                                  \
        mins[b] = v < m ? v : m;                                            \
    }
    if (k == 5)
        OPH_LOOP(5)         /* the default, unrolled */
    else
        OPH_LOOP(k)
#undef OPH_LOOP
    for (uint32_t i = 0; i < K; i++)
        sig[i] = (uint16_t)(mins[i] >> 16);
    if (!nsh)
        return;
    for (uint32_t i = 0; i < K; i++) {
        if (sk->filled[i])
            continue;
        uint32_t j = 1, src;
        /* expected probes K/filled; the cap keeps a bound, then a deterministic scan */
        for (;; j++) {
            src = j <= 4096 ? nf_oph_probe(i, j, K) : (i + j) % K;
            if (sk->filled[src])
                break;
        }
        sig[i] = (uint16_t)(mins[src] >> 16);
    }
}

static void kmin(nf_sketcher *sk, size_t nsh, uint32_t k, uint16_t *sig)
{
    const uint32_t K = sk->o.bins;
    uint32_t *restrict mins = sk->mins;
    const uint64_t *restrict a = sk->ka, *restrict b = sk->kb;
    memset(mins, 0xff, K * sizeof *mins);
    for (size_t j = 0; j < nsh; j++) {
        uint64_t x = shingle_hash(sk->wh + j, k, sk->mix);
        for (uint32_t i = 0; i < K; i++) {       /* vectorised: 8 x 64-bit lanes on AVX-512 */
            uint32_t v = (uint32_t)((a[i] * x + b[i]) >> 32);
            mins[i] = v < mins[i] ? v : mins[i];
        }
    }
    for (uint32_t i = 0; i < K; i++)
        sig[i] = (uint16_t)(mins[i] >> 16);
}

/* Hash the words of s into sk->wh; *nsh shingles of *k words (a text shorter than a shingle is
 * one shingle of all its words). */
static nf_rc shingle_words(nf_sketcher *sk, const char *s, size_t n, size_t *nsh, uint32_t *k)
{
    nf_rc rc = hash_words(sk, (const uint8_t *)s, n);
    if (rc)
        return rc;
    size_t nw = sk->nwh;
    *k = sk->o.shingle;
    *nsh = nw == 0 ? 0 : nw < *k ? 1 : nw - *k + 1;
    if (nw && nw < *k)
        *k = (uint32_t)nw;
    return NF_OK;
}

nf_rc nf_sketch_text(nf_sketcher *sk, const char *s, size_t n, nf_sketch *info, uint16_t *sig)
{
    memset(info, 0, sizeof *info);
    size_t nsh;
    uint32_t k;
    nf_rc rc = shingle_words(sk, s, n, &nsh, &k);
    if (rc)
        return rc;
    size_t nw = sk->nwh;
    if (nw > UINT32_MAX)
        return NF_ETOOBIG;
    XXH128_hash_t e = XXH3_128bits(sk->wh, nw * sizeof *sk->wh);
    info->exact[0] = e.low64;
    info->exact[1] = e.high64;
    info->nwords = (uint32_t)nw;
    info->nshingles = (uint32_t)nsh;
    if (sk->o.method == NF_SKETCH_KMIN)
        kmin(sk, nsh, k, sig);
    else
        oph(sk, nsh, k, sig);
    return NF_OK;
}

double nf_sketch_jaccard(const uint16_t *a, const uint16_t *b, uint32_t bins)
{
    uint32_t eq = 0;
    for (uint32_t i = 0; i < bins; i++)
        eq += a[i] == b[i];
    return bins ? (double)eq / bins : 0.0;
}

nf_rc nf_sketch_shingles(nf_sketcher *sk, const char *s, size_t n, uint64_t **out, size_t *nout,
                         size_t *cap)
{
    *nout = 0;
    size_t nsh;
    uint32_t k;
    nf_rc rc = shingle_words(sk, s, n, &nsh, &k);
    if (rc)
        return rc;
    if (nsh && nf_grow((void **)out, cap, nsh, sizeof **out))
        return NF_ENOMEM;
    for (size_t j = 0; j < nsh; j++)
        (*out)[j] = shingle_hash(sk->wh + j, k, sk->mix);
    *nout = nsh;
    return NF_OK;
}
