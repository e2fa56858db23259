/*
 * norm.c — normalisation for matching: NFKC + case folding, one form per quote, dash and space.
 *
 * Key idea: most news text is ASCII, and on ASCII NFKC_Casefold is just "A-Z -> a-z". So the
 * input is cut into ASCII runs, lower-cased 16/32/64 bytes at a time with SIMD (any byte with the
 * high bit set ends the run), and non-ASCII runs, which are walked one code point at a time:
 *   - typographic quotes, apostrophes, dashes and Unicode spaces map straight to ", ', -, space;
 *   - a BMP code point that NFKC_Casefold leaves alone and that no following mark can compose
 *     with ("stable", a 64K-bit table built once from utf8proc itself) is copied as is, unless
 *     the next code point is a combining mark (which could compose with it or reorder);
 *   - everything else is gathered into a "slow segment" and handed to utf8proc
 *     (decompose with STABLE|COMPAT|CASEFOLD|IGNORE, then compose), through a stack buffer.
 * A combining mark right after an ASCII letter ("e" U+0301) pulls that letter back out of the
 * output into the slow segment, so composition across the run boundary is still exact.
 *
 * Invariants: the result equals utf8proc_map(STABLE|COMPAT|COMPOSE|CASEFOLD|IGNORE) with the
 * quote/dash/space map applied before and again after decomposition (tests/test_norm.c checks
 * this against utf8proc on whole strings and on every BMP code point). ASCII bytes map 1:1.
 * Normalising twice gives the same bytes as normalising once (fuzz/fuzz_tokenize.c checks).
 *
 * Invalid UTF-8 policy: each byte that does not start a valid sequence (overlong, surrogate,
 * > U+10FFFF, truncated) becomes one U+FFFD and decoding resumes at the next byte. Nothing is
 * dropped silently and the function never fails on bad bytes; it fails only on memory or on
 * the output buffer's ceiling (NF_ENOMEM, NF_ETOOBIG).
 */
#include "nf_int.h"
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | \
                   UTF8PROC_IGNORE)

/* ---- the one-form map for quotes, apostrophes, dashes and spaces ---- */

/* The ASCII replacement for cp, or -1 when cp keeps its Unicode normalisation. */
static int norm_special(int32_t cp)
{
    switch (cp) {
    case 0x201C: case 0x201D: case 0x201E: case 0x201F:  /* “ ” „ ‟ */
    case 0x00AB: case 0x00BB: case 0x2033: case 0x301D:  /* « » ″ 〝 */
    case 0x301E: case 0x301F: case 0xFF02:               /* 〞 〟 ＂ */
        return '"';
    case 0x2018: case 0x2019: case 0x201A: case 0x201B:  /* ‘ ’ ‚ ‛ */
    case 0x2032: case 0x2039: case 0x203A: case 0x02BC:  /* ′ ‹ › ʼ */
    case 0xFF07:                                         /* ＇ */
        return '\'';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013:  /* ‐ ‑ ‒ – */
    case 0x2014: case 0x2015: case 0x2212: case 0xFE58:  /* — ― − ﹘ */
    case 0xFE63: case 0xFF0D:                            /* ﹣ － */
        return '-';
    case 0x00A0: case 0x1680: case 0x202F: case 0x205F: case 0x3000:
        return ' ';
    case 0x2028: case 0x2029: case 0x0085:               /* line/paragraph separators, NEL */
        return '\n';
    default:
        if (cp >= 0x2000 && cp <= 0x200A)                /* en quad .. hair space */
            return ' ';
        return -1;
    }
}

static utf8proc_int32_t norm_custom(utf8proc_int32_t cp, void *data)
{
    (void)data;
    int c = norm_special(cp);
    return c >= 0 ? c : cp;
}

/* ---- tables built once from utf8proc: stable code points and combining code points ---- */

static uint8_t stable_bits[0x10000 / 8];    /* NFKC_CF(cp) == cp and cp is no combiner */
static uint8_t combiner_bits[0x10000 / 8];  /* cp may compose or reorder with its left, or vanish */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static bool is_combiner_prop(const utf8proc_property_t *p)
{
    if (p->ignorable)           /* dropped before composition: its neighbours meet */
        return true;
    switch (p->boundclass) {
    case UTF8PROC_BOUNDCLASS_EXTEND: case UTF8PROC_BOUNDCLASS_SPACINGMARK:
    case UTF8PROC_BOUNDCLASS_V: case UTF8PROC_BOUNDCLASS_T: case UTF8PROC_BOUNDCLASS_ZWJ:
        return true;
    default:
        return p->combining_class != 0;
    }
}

static void tables_build(void)
{
    utf8proc_int32_t buf[32];
    for (int32_t cp = 0x80; cp < 0x10000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        const utf8proc_property_t *p = utf8proc_get_property(cp);
        if (is_combiner_prop(p)) {
            combiner_bits[cp >> 3] |= (uint8_t)(1u << (cp & 7));
            continue;
        }
        utf8proc_uint8_t u[4];
        utf8proc_ssize_t nu = utf8proc_encode_char(cp, u);
        utf8proc_ssize_t k = utf8proc_decompose_custom(u, nu, buf, 32, NORM_OPTS, NULL, NULL);
        if (k < 1 || k > 32)
            continue;
        k = utf8proc_normalize_utf32(buf, k, NORM_OPTS);
        if (k == 1 && buf[0] == cp)
            stable_bits[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
}

static inline bool is_stable(int32_t cp)
{
    return cp < 0x10000 && (stable_bits[cp >> 3] >> (cp & 7) & 1);
}

/* Astral code points count as combiners: conservative, it only sends more text to utf8proc. */
static inline bool is_combiner(int32_t cp)
{
    return cp >= 0x10000 || (cp >= 0x80 && (combiner_bits[cp >> 3] >> (cp & 7) & 1));
}

/* ---- ASCII runs ---- */

/* Lower-case the ASCII run starting at s[i] into dst; returns the index of the first non-ASCII
 * byte (or n). dst must have room for n - i bytes. */
static size_t ascii_run(const uint8_t *s, size_t n, size_t i, uint8_t *dst)
{
    const size_t i0 = i;
#if defined(__AVX512BW__)
    const __m512i A = _mm512_set1_epi8('A'), Z = _mm512_set1_epi8('Z'), sp = _mm512_set1_epi8(0x20);
    while (i + 64 <= n) {
        __m512i v = _mm512_loadu_si512((const void *)(s + i));
        if (_mm512_movepi8_mask(v))
            break;
        __mmask64 up = _mm512_cmpge_epu8_mask(v, A) & _mm512_cmple_epu8_mask(v, Z);
        _mm512_storeu_si512((void *)(dst + (i - i0)), _mm512_mask_add_epi8(v, up, v, sp));
        i += 64;
    }
#endif
#if defined(__SSE2__)
    const __m128i a1 = _mm_set1_epi8('A' - 1), z1 = _mm_set1_epi8('Z' + 1), sp16 = _mm_set1_epi8(0x20);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        if (_mm_movemask_epi8(v))
            break;
        __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, a1), _mm_cmplt_epi8(v, z1));
        _mm_storeu_si128((__m128i *)(dst + (i - i0)), _mm_add_epi8(v, _mm_and_si128(up, sp16)));
        i += 16;
    }
#endif
    while (i < n && s[i] < 0x80) {
        dst[i - i0] = (uint8_t)((unsigned)(s[i] - 'A') < 26u ? s[i] + 32 : s[i]);
        i++;
    }
    return i;
}

/* ---- non-ASCII runs ---- */

/* Decode one code point at s[i] (s[i] >= 0x80 or any byte); invalid -> U+FFFD, 1 byte. */
static inline int32_t decode(const uint8_t *s, size_t n, size_t i, size_t *len)
{
    if (s[i] < 0x80) {
        *len = 1;
        return s[i];
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)NF_MIN(n - i, 4), &cp);
    if (k < 1) {
        *len = 1;
        return 0xFFFD;
    }
    *len = (size_t)k;
    return cp;
}

/* Normalise the valid UTF-8 segment s[0..len) through utf8proc and append it to out. */
static nf_rc slow_segment(const uint8_t *s, size_t len, nf_buf *out)
{
    utf8proc_int32_t stack[1024], *buf = stack;
    utf8proc_ssize_t cap = 1024;
    nf_rc rc = NF_OK;
    utf8proc_ssize_t k = utf8proc_decompose_custom(s, (utf8proc_ssize_t)len, buf, cap, NORM_OPTS,
                                                   norm_custom, NULL);
    if (k > cap) {
        cap = k;
        buf = malloc((size_t)cap * sizeof *buf);
        if (!buf)
            return NF_ENOMEM;
        k = utf8proc_decompose_custom(s, (utf8proc_ssize_t)len, buf, cap, NORM_OPTS,
                                      norm_custom, NULL);
    }
    if (k < 0) {                 /* cannot happen: the segment was validated by decode() */
        rc = NF_EINVAL;
        goto done;
    }
    /* map again after decomposition: U+2034 (triple prime) decomposes to three U+2032, which
     * must become ''' so that normalising is idempotent */
    for (utf8proc_ssize_t j = 0; j < k; j++) {
        int c = norm_special(buf[j]);
        if (c >= 0)
            buf[j] = c;
    }
    k = utf8proc_reencode(buf, k, NORM_OPTS);
    if (k < 0) {
        rc = NF_EINVAL;
        goto done;
    }
    rc = nf_buf_append(out, buf, (size_t)k);
done:
    if (buf != stack)
        free(buf);
    return rc;
}

static inline nf_rc put_bytes(nf_buf *out, const void *p, size_t k)
{
    if (out->n + k < out->cap) {
        memcpy(out->p + out->n, p, k);
        out->n += k;
        return NF_OK;
    }
    return nf_buf_append(out, p, k);
}

/* Walk the non-ASCII run starting at s[i] until an ASCII byte that no mark follows; its index
 * goes to *next. Slow segments gather code points that utf8proc must see together. */
static nf_rc nonascii_run(const uint8_t *s, size_t n, size_t i, size_t *next, nf_buf *out)
{
    size_t seg = SIZE_MAX;      /* start of the pending slow segment */
    size_t len, nlen = 0;
    int32_t cp = decode(s, n, i, &len);
    nf_rc rc = NF_OK;
    while (i < n) {
        size_t j = i + len;
        int32_t ncp = j < n ? decode(s, n, j, &nlen) : 0;
        bool follows = is_combiner(ncp);
        if (cp < 0x80 && !follows)
            break;              /* back to the fast ASCII path (flushing below) */
        bool invalid = cp == 0xFFFD && len == 1;
        int sp = follows ? -1 : norm_special(cp);
        if (cp >= 0x80 && (invalid || sp >= 0 || (!follows && is_stable(cp)))) {
            if (seg != SIZE_MAX && (rc = slow_segment(s + seg, i - seg, out)))
                return rc;
            seg = SIZE_MAX;
            if (invalid)
                rc = put_bytes(out, "\xEF\xBF\xBD", 3);
            else if (sp >= 0) {
                char c = (char)sp;
                rc = put_bytes(out, &c, 1);
            } else
                rc = put_bytes(out, s + i, len);
            if (rc)
                return rc;
        } else if (seg == SIZE_MAX) {
            seg = i;
            /* a mark right after an ASCII byte the fast path wrote: take it back to compose */
            if (cp >= 0x80 && is_combiner(cp) && i > 0 && s[i - 1] < 0x80) {
                assert(out->n > 0);
                seg = i - 1;
                out->n--;
            }
        }
        i = j;
        cp = ncp;
        len = nlen;
    }
    if (seg != SIZE_MAX && (rc = slow_segment(s + seg, i - seg, out)))
        return rc;
    *next = i;
    return NF_OK;
}

nf_rc nf_normalize(const char *str, size_t n, nf_buf *out)
{
    const uint8_t *s = (const uint8_t *)str;
    pthread_once(&tables_once, tables_build);
    size_t i = 0;
    nf_rc rc = NF_OK;
    while (i < n) {
        if ((rc = nf_buf_reserve(out, n - i)))
            return rc;
        size_t e = ascii_run(s, n, i, (uint8_t *)out->p + out->n);
        out->n += e - i;
        i = e;
        if (i >= n)
            break;
        if ((rc = nonascii_run(s, n, i, &i, out)))
            return rc;
    }
    if (out->p)
        out->p[out->n] = 0;
    return NF_OK;
}
