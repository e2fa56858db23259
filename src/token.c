/*
 * token.c — the tokenizer: words, numbers and punctuation with byte offsets into the original
 * text, then quoted spans, then sentence spans.
 *
 * Key idea: three passes over one token array. (1) A byte scanner cuts tokens: bit masks of a
 * 64-byte window (AVX-512BW, SSE2 or a byte loop) skip white space and end ASCII letter/digit
 * runs with count-trailing-zeros; a 256-entry class table (FTS5's aTokenChar idea) drives the
 * general case; only bytes >= 0x80 decode UTF-8 and ask utf8proc for the category (letters,
 * marks and digits join words; Unicode spaces separate). The gap before each token is
 * classified on the way: no newline, one newline, a blank line.
 * (2) Quote marks are resolved with a small stack: typographic marks carry their direction,
 * straight marks are decided by flanking (what touches them left and right) and, when both or
 * neither side flank (PTB text: ` " word , " `), by alternation. (3) Sentences end at . ! ? …
 * (plus closing quotes and brackets) before white space and a capital, digit or opening quote,
 * or at a paragraph break; abbreviations and initials do not end them, decimals never reach
 * this pass because 3.5 is one token.
 *
 * Invariants: tokens are non-empty, in order, non-overlapping, within [0, n); everything between
 * tokens is white space (ASCII spaces, controls, Unicode Z*), so tokens plus gaps rebuild the
 * text. Quotes are well nested (a closing outer mark closes inner ones, closed=0). Invalid UTF-8
 * bytes become one-byte punctuation tokens: nothing is skipped silently.
 *
 * Texts are limited to 4 GiB - 1 bytes (offsets are uint32_t): longer input gives NF_ETOOBIG.
 */
#include "nf_int.h"
#include <pthread.h>
#include <stdlib.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

/* ---- character classes ---- */

enum { C_SP = 1, C_NL, C_LOW, C_UP, C_DIG, C_APOS, C_HYPH, C_DOT, C_COMMA, C_PCT, C_PUN, C_HIGH };

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const uint8_t cls[256] = {
    [0 ... 31] = C_SP, ['\n'] = C_NL, [' '] = C_SP, [127] = C_SP,
    ['!' ... '/'] = C_PUN, [':' ... '@'] = C_PUN, ['[' ... '`'] = C_PUN, ['{' ... '~'] = C_PUN,
    ['a' ... 'z'] = C_LOW, ['A' ... 'Z'] = C_UP, ['0' ... '9'] = C_DIG,
    ['\''] = C_APOS, ['-'] = C_HYPH, ['.'] = C_DOT, [','] = C_COMMA, ['%'] = C_PCT,
    [128 ... 255] = C_HIGH,
};
#pragma GCC diagnostic pop

/* Decode the code point at s[i]; invalid UTF-8 gives -1 and length 1. Two- and three-byte
 * sequences (all of the BMP that news uses) are decoded inline; the rest asks utf8proc. */
static inline int32_t dec(const uint8_t *s, size_t n, size_t i, size_t *len)
{
    uint8_t b = s[i];
    if (b < 0x80) {
        *len = 1;
        return b;
    }
    if (b >= 0xC2 && b <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
        *len = 2;
        return (int32_t)(b & 0x1F) << 6 | (s[i + 1] & 0x3F);
    }
    if (b >= 0xE0 && b <= 0xEF && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80) {
        int32_t cp = (int32_t)(b & 0x0F) << 12 | (int32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
        if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
            *len = 3;
            return cp;
        }
        *len = 1;
        return -1;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)NF_MIN(n - i, 4), &cp);
    if (k < 1) {
        *len = 1;
        return -1;
    }
    *len = (size_t)k;
    return cp;
}

/* The class of a non-ASCII code point, from its Unicode category. */
static int cp_class(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LT:
        return C_UP;
    case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return C_LOW;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return C_DIG;
    case UTF8PROC_CATEGORY_ZS:
        return C_SP;
    case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
        return C_NL;
    case UTF8PROC_CATEGORY_CF:    /* soft hyphen, zero-width joiners: glue inside words */
        return cp == 0xFEFF ? C_SP : C_LOW;
    default:
        if (cp == 0x2019)
            return C_APOS;
        if (cp == 0x2010 || cp == 0x2011)
            return C_HYPH;
        return C_PUN;
    }
}

/* Classes of the BMP, built once (64 KiB): one load per non-ASCII character. */
static uint8_t bmp_class[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;

static void bmp_build(void)
{
    for (int32_t cp = 0; cp < 0x10000; cp++)
        bmp_class[cp] = (uint8_t)(cp < 0x80 ? cls[cp] : (cp >= 0xD800 && cp <= 0xDFFF) ? C_PUN
                                                                                      : cp_class(cp));
}

/* The class of the character at s[i] (decoding non-ASCII): C_SP, C_NL, C_LOW, C_UP, C_DIG,
 * or the ASCII class; non-ASCII punctuation and invalid bytes give C_PUN. */
static inline int char_class(const uint8_t *s, size_t n, size_t i, size_t *len)
{
    int c = cls[s[i]];
    if (c != C_HIGH) {
        *len = 1;
        return c;
    }
    int32_t cp = dec(s, n, i, len);
    if (cp < 0)
        return C_PUN;
    return cp < 0x10000 ? bmp_class[cp] : cp_class(cp);
}

static inline bool is_letter(int c) { return c == C_LOW || c == C_UP; }
static inline bool is_alnum(int c) { return c == C_LOW || c == C_UP || c == C_DIG; }

/* ---- pass 1: tokens ---- */

/* Is s[i] (an apostrophe of length alen) the start of a clitic or elision word: 's 'll 're 've
 * 'd 'm 'em, '90s '08 ? */
static bool clitic_at(const uint8_t *s, size_t n, size_t i, size_t alen)
{
    size_t j = i + alen, k = j;
    while (k < n && k - j < 3 && (cls[s[k]] == C_LOW || cls[s[k]] == C_DIG))
        k++;
    if (k == j || (k < n && is_alnum(cls[s[k]])))
        return false;
    size_t m = k - j;
    const char *w = (const char *)s + j;
    if (cls[s[j]] == C_DIG)
        return m >= 2 && cls[s[j + 1]] == C_DIG && (m == 2 || w[2] == 's');
    return (m == 1 && (w[0] == 's' || w[0] == 'd' || w[0] == 'm' || w[0] == 't')) ||
           (m == 2 && (!memcmp(w, "ll", 2) || !memcmp(w, "re", 2) || !memcmp(w, "ve", 2) ||
                       !memcmp(w, "em", 2)));
}

/* ASCII letters (1) and digits (2); 0 for everything else, including bytes >= 0x80. */
static const uint8_t wtab[256] = {
    ['0' ... '9'] = 2, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1,
};

/* The end of the run of ASCII letters and digits at s[i]; sets *letters when it holds a letter.
 * 16 bytes at a time: each byte is tested for a-z (after folding case) and 0-9 with signed
 * compares on shifted values, and the first byte that is neither ends the run. */
static inline size_t alnum_run(const uint8_t *s, size_t n, size_t i, bool *letters)
{
#if defined(__SSE2__)
    const __m128i fold = _mm_set1_epi8(0x20);
    const __m128i la = _mm_set1_epi8((char)(0x80 - 'a')), lz = _mm_set1_epi8((char)(-128 + 26));
    const __m128i d0 = _mm_set1_epi8((char)(0x80 - '0')), d9 = _mm_set1_epi8((char)(-128 + 10));
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i L = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, fold), la), lz);
        __m128i D = _mm_cmplt_epi8(_mm_add_epi8(v, d0), d9);
        unsigned ml = (unsigned)_mm_movemask_epi8(L);
        unsigned m = ml | (unsigned)_mm_movemask_epi8(D);
        if (m != 0xFFFF) {
            unsigned k = (unsigned)__builtin_ctz(~m);
            *letters |= (ml & ((1u << k) - 1)) != 0;
            return i + k;
        }
        *letters |= ml != 0;
        i += 16;
    }
#endif
    uint8_t acc = 0;
    while (i < n && wtab[s[i]])
        acc |= wtab[s[i++]];
    *letters |= acc & 1;
    return i;
}

/* Scan a word or number starting at s[i] (an alphanumeric character, or an apostrophe starting
 * a clitic); returns its end, sets *kind. */
static size_t scan_word(const uint8_t *s, size_t n, size_t i, int *kind)
{
    size_t len;
    bool letters = false, dotted = false;
    size_t run = 0;                 /* characters in the current alphanumeric run */
    int prev = 0;
    if (cls[s[i]] == C_APOS || cls[s[i]] == C_HIGH) {
        int c = char_class(s, n, i, &len);
        if (c == C_APOS) {
            i += len;
            letters = true;
        }
    }
    while (i < n) {
        if (s[i] < 0x80 && wtab[s[i]]) {         /* the common case: an ASCII run */
            size_t r0 = i;
            i = alnum_run(s, n, i, &letters);
            run += i - r0;
            prev = cls[s[i - 1]];
            if (i >= n)
                break;
            int e = cls[s[i]];
            if (e == C_SP || e == C_NL || e == C_PUN || e == C_PCT)
                break;                              /* no joiner: the word ends here */
            continue;
        }
        int c = char_class(s, n, i, &len);
        if (is_alnum(c)) {
            letters |= is_letter(c);
            run++;
            prev = c;
            i += len;
            continue;
        }
        if (i + len >= n || !(c == C_APOS || c == C_HYPH || c == C_DOT || c == C_COMMA))
            break;
        size_t l2;
        int nx = char_class(s, n, i + len, &l2);
        if (c == C_APOS && is_letter(nx) && is_letter(prev)) {
        } else if (c == C_HYPH && is_alnum(nx)) {
        } else if ((c == C_DOT || c == C_COMMA) && prev == C_DIG && nx == C_DIG) {
        } else if (c == C_DOT && run == 1 && is_letter(prev) && is_letter(nx) &&
                   i + len + l2 < n && s[i + len + l2] == '.') {
            dotted = true;          /* U.S. e.g. a.m. */
        } else
            break;
        i += len;
        run = 0;
    }
    if (dotted && i < n && s[i] == '.')
        i++;
    else if (!letters && i < n && s[i] == '%')
        i++;
    *kind = letters ? NF_TOK_WORD : NF_TOK_NUM;
    return i;
}

/* Scan punctuation at s[i]: `` '' ... -- are one token, else one code point (or one bad byte). */
static size_t scan_punct(const uint8_t *s, size_t n, size_t i)
{
    uint8_t b = s[i];
    if ((b == '`' || b == '\'' || b == '-') && i + 1 < n && s[i + 1] == b)
        return i + 2;
    if (b == '.' && i + 2 < n && s[i + 1] == '.' && s[i + 2] == '.') {
        size_t j = i + 3;
        while (j < n && s[j] == '.')
            j++;
        return j;
    }
    size_t len;
    dec(s, n, i, &len);
    return i + len;
}

/* aux bits per token */
enum { AUX_NL1 = 1, AUX_NL2 = 2, AUX_OPEN = 4, AUX_CLOSE = 8, AUX_CONT = 16,
       AUX_MARK = 32,               /* punctuation that may be a quote mark (" ' ` or 0xC2/0xE2 lead) */
       AUX_TERM = 64 };             /* . ! ? ... or the ellipsis: may end a sentence */

/* The candidates that the quote and sentence passes visit are the tokens with AUX_NL1, AUX_NL2,
 * AUX_MARK or AUX_TERM: no other token can open or close a quote or start or end a sentence
 * walk. */
static bool is_terminal(const uint8_t *s, const nf_token *tk);

/* Room for `more` tokens (and as many candidates and aux bytes) past the current count. */
static nf_rc reserve_tokens(nf_tokens *t, size_t more)
{
    size_t need = t->ntok + more;
    if (nf_grow((void **)&t->tok, &t->captok, need, sizeof *t->tok) ||
        nf_grow((void **)&t->aux, &t->capaux, need, 1) ||
        nf_grow((void **)&t->cand, &t->capcand, need, sizeof *t->cand))
        return NF_ENOMEM;
    return NF_OK;
}

/* Bit masks of a 64-byte window of the text starting at byte b (bit k = byte b + k; bits past
 * the end of the text are 0 in every mask): ASCII letters and digits, ASCII letters, capital
 * ASCII letters, ASCII white space (C_SP or C_NL: bytes <= 0x20 and 0x7F), and newlines. */
typedef struct window { size_t b; uint64_t al, le, up, gap, nl; } window;

#if defined(__AVX512BW__)
static inline void win_load(const uint8_t *s, size_t n, size_t b, window *w)
{
    size_t left = n - b;
    __mmask64 valid = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(valid, s + b);     /* masked: never reads past n */
    __m512i lo = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    uint64_t le = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(lo, _mm512_set1_epi8('a')),
                                         _mm512_set1_epi8(26));
    uint64_t dg = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')),
                                         _mm512_set1_epi8(10));
    uint64_t gap = _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x20)) |
                   _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x7F));
    w->b = b;
    w->le = le;
    w->up = le & _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8('a'));
    w->al = le | dg;
    w->gap = gap & valid;
    w->nl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
}
#elif defined(__SSE2__)
/* Four 16-byte steps; the last window of a text is copied into a zero-padded buffer. */
static inline void win_load(const uint8_t *s, size_t n, size_t b, window *w)
{
    size_t left = n - b;
    uint64_t valid = left >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << left) - 1;
    uint8_t tmp[64];
    const uint8_t *p = s + b;
    if (left < 64) {
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, p, left);
        p = tmp;
    }
    const __m128i fold = _mm_set1_epi8(0x20);
    const __m128i la = _mm_set1_epi8((char)(0x80 - 'a')), lz = _mm_set1_epi8((char)(-128 + 26));
    const __m128i d0 = _mm_set1_epi8((char)(0x80 - '0')), d9 = _mm_set1_epi8((char)(-128 + 10));
    const __m128i g0 = _mm_set1_epi8((char)0x80), g1 = _mm_set1_epi8((char)(-128 + 0x21));
    const __m128i del = _mm_set1_epi8(0x7F), nlc = _mm_set1_epi8('\n');
    const __m128i lc = _mm_set1_epi8(0x20);
    uint64_t le = 0, dg = 0, gap = 0, nl = 0, lower = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i L = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, fold), la), lz);
        __m128i D = _mm_cmplt_epi8(_mm_add_epi8(v, d0), d9);
        __m128i G = _mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(v, g0), g1), _mm_cmpeq_epi8(v, del));
        __m128i N = _mm_cmpeq_epi8(v, nlc);
        le |= (uint64_t)(unsigned)_mm_movemask_epi8(L) << (16 * k);
        dg |= (uint64_t)(unsigned)_mm_movemask_epi8(D) << (16 * k);
        gap |= (uint64_t)(unsigned)_mm_movemask_epi8(G) << (16 * k);
        nl |= (uint64_t)(unsigned)_mm_movemask_epi8(N) << (16 * k);
        lower |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, lc), lc))
                 << (16 * k);
    }
    w->b = b;
    w->le = le & valid;
    w->up = le & ~lower & valid;
    w->al = (le | dg) & valid;
    w->gap = gap & valid;
    w->nl = nl & valid;
}
#else
static inline void win_load(const uint8_t *s, size_t n, size_t b, window *w)
{
    size_t m = NF_MIN(n - b, 64);
    w->b = b;
    w->le = w->up = w->al = w->gap = w->nl = 0;
    for (size_t k = 0; k < m; k++) {
        int c = cls[s[b + k]];
        uint64_t bit = (uint64_t)1 << k;
        w->le |= c == C_LOW || c == C_UP ? bit : 0;
        w->up |= c == C_UP ? bit : 0;
        w->al |= wtab[s[b + k]] ? bit : 0;
        w->gap |= c == C_SP || c == C_NL ? bit : 0;
        w->nl |= c == C_NL ? bit : 0;
    }
}
#endif

/* ASCII punctuation that is always a one-byte token at a token start: not ` ' - (doubled they
 * are one token, ' may start a clitic); '.' unless "..." follows. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const uint8_t p1tab[256] = {
    ['!' ... '/'] = 1, [':' ... '@'] = 1, ['[' ... '`'] = 1, ['{' ... '~'] = 1,
    ['`'] = 0, ['\''] = 0, ['-'] = 0,
};
/* Their aux bits. */
static const uint8_t p1aux[256] = {
    ['"'] = AUX_MARK, ['.'] = AUX_TERM, ['!'] = AUX_TERM, ['?'] = AUX_TERM,
};
#pragma GCC diagnostic pop

/* Reload the window at i when fewer than this many bytes of it are left, so that most words
 * end inside the window they start in. */
#define WIN_SLACK 16

/* Cut s into tokens; *marks tells whether any punctuation token may be a quote mark.
 * The 64-byte masks skip white space and find the end of ASCII alphanumeric runs with one
 * count-trailing-zeros each; the newlines of a gap are counted with popcount. Token room is
 * reserved ahead: `room` is the byte position before which every token start fits (a token
 * starts at a distinct byte, so cap - ntok free slots cover the next cap - ntok bytes). The
 * arrays and counts live in locals (the byte stores to aux would otherwise make the compiler
 * reload them per token) and are written back at the end. */
static nf_rc cut_tokens(const uint8_t *s, size_t n, nf_tokens *t, bool *marks)
{
    size_t i = 0, len, room = 0;
    size_t nl = 2;                  /* newlines in the gap; the first token starts a paragraph */
    nf_token *tok = t->tok;
    uint8_t *aux = t->aux;
    uint32_t *cand = t->cand;
    size_t nt = t->ntok, nc = t->ncand;
    window w;
    if (n == 0)
        return NF_OK;
    win_load(s, n, 0, &w);
    while (i < n) {
        size_t off = i - w.b;
        if (off > 64 - WIN_SLACK) {
            win_load(s, n, i, &w);
            off = 0;
        }
        uint64_t ng = ~w.gap >> off;                  /* not white space, from i on */
        if (ng == 0) {                                /* white space to the window's end */
            nl += (size_t)__builtin_popcountll(w.nl >> off);
            i = w.b + 64;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctzll(ng);   /* branch-free: k is often 0 */
        nl += (size_t)__builtin_popcountll((w.nl >> off) & (((uint64_t)1 << k) - 1));
        i += k;
        off += k;
        if (i >= n)
            break;
        if (__builtin_expect(i >= room, 0)) {
            t->ntok = nt;
            t->ncand = nc;
            if (reserve_tokens(t, NF_MIN(n - i, (size_t)1 << 16) + 1))
                return NF_ENOMEM;
            room = i + NF_MIN(t->captok, NF_MIN(t->capaux, t->capcand)) - nt;
            tok = t->tok;
            aux = t->aux;
            cand = t->cand;
        }
        size_t e;
        int para = nl >= 2 ? AUX_NL2 : (int)nl;       /* AUX_NL1 == 1 */
        if ((w.al >> off) & 1) {
            /* fast path: an ASCII word or number that no joiner, %, or non-ASCII letter
             * continues is complete after its alphanumeric run */
            bool letters, ends;
            uint64_t run_end = ~w.al >> off;
            if (run_end) {
                unsigned l = (unsigned)__builtin_ctzll(run_end);
                e = i + l;
                letters = ((w.le >> off) & (((uint64_t)1 << l) - 1)) != 0;
                ends = (w.gap >> (off + l)) & 1;      /* white space follows */
            } else {                                  /* the run reaches the window's end */
                letters = (w.le >> off) != 0;
                e = alnum_run(s, n, w.b + 64, &letters);
                ends = false;
            }
            if (!ends) {
                int ec = e < n ? cls[s[e]] : C_SP;
                bool joins = (ec == C_DOT || ec == C_COMMA || ec == C_HYPH || ec == C_APOS) &&
                             e + 1 < n && (s[e + 1] >= 0x80 || wtab[s[e + 1]]);
                ends = ec == C_SP || ec == C_NL || ec == C_PUN ||
                       ((ec == C_DOT || ec == C_COMMA || ec == C_HYPH || ec == C_APOS) && !joins);
            }
            if (ends) {
                int flags = ((w.up >> off) & 1 ? NF_TF_CAP : 0) | (para ? NF_TF_PARA : 0);
                tok[nt] = (nf_token){(uint32_t)i, (uint32_t)e,
                                     (uint16_t)(letters ? NF_TOK_WORD : NF_TOK_NUM),
                                     (uint16_t)flags};
                aux[nt] = (uint8_t)para;
                cand[nc] = (uint32_t)nt;              /* kept only when it starts a line */
                nc += para != 0;
                nt++;
                nl = 0;
                i = e;
                continue;
            }
        }
        uint8_t b = s[i];
        if (p1tab[b] && (b != '.' || i + 2 >= n || s[i + 1] != '.' || s[i + 2] != '.')) {
            /* one ASCII punctuation byte: what scan_punct gives for it */
            *marks |= b == '"';
            tok[nt] = (nf_token){(uint32_t)i, (uint32_t)(i + 1), NF_TOK_PUNCT,
                                 (uint16_t)(para ? NF_TF_PARA : 0)};
            int a = para | p1aux[b];
            aux[nt] = (uint8_t)a;
            cand[nc] = (uint32_t)nt;
            nc += a != 0;
            nt++;
            nl = 0;
            i++;
            continue;
        }
        int c = cls[b];
        if (c == C_HIGH) {
            c = char_class(s, n, i, &len);
            if (c == C_SP || c == C_NL) {
                nl += c == C_NL;
                i += len;
                continue;
            }
        }
        int kind = NF_TOK_PUNCT, flags = 0;
        if (is_alnum(c) || (c == C_APOS && (i == 0 || !is_alnum(cls[s[i - 1]])) &&
                            clitic_at(s, n, i, s[i] == '\'' ? 1 : 3))) {
            e = scan_word(s, n, i, &kind);
            if (c == C_UP)
                flags |= NF_TF_CAP;
        } else {
            e = scan_punct(s, n, i);
            if (b == '"' || b == '\'' || b == '`' || b == 0xE2 || b == 0xC2) {
                *marks = true;
                para |= AUX_MARK;
            }
        }
        if (para & (AUX_NL1 | AUX_NL2))
            flags |= NF_TF_PARA;
        tok[nt] = (nf_token){(uint32_t)i, (uint32_t)e, (uint16_t)kind, (uint16_t)flags};
        if (kind == NF_TOK_PUNCT && is_terminal(s, &tok[nt]))
            para |= AUX_TERM;
        aux[nt] = (uint8_t)para;
        if (para)
            cand[nc++] = (uint32_t)nt;
        nt++;
        nl = 0;
        i = e;
    }
    t->ntok = nt;
    t->ncand = nc;
    return NF_OK;
}

/* ---- pass 2: quotes ---- */

enum { Q_NONE = 0, Q_DOUBLE = 1, Q_SINGLE = 2 };
enum { P_OPEN = 1, P_CLOSE = 2, P_AMBIG = 3 };
enum { LOW_MARK = 1, LDQ_MARK = 2 };   /* „ ‚ open; “ ‘ can close a low mark (German) */

typedef struct qmark { int fam, pref, id; } qmark;

static qmark mark_of(const uint8_t *s, const nf_token *tk)
{
    qmark m = {Q_NONE, 0, 0};
    const uint8_t *p = s + tk->start;
    size_t l = tk->end - tk->start;
    if (tk->kind != NF_TOK_PUNCT)
        return m;
    if (l == 1) {
        if (p[0] == '"') m = (qmark){Q_DOUBLE, P_AMBIG, 0};
        else if (p[0] == '\'') m = (qmark){Q_SINGLE, P_AMBIG, 0};
        else if (p[0] == '`') m = (qmark){Q_SINGLE, P_OPEN, 0};
    } else if (l == 2) {
        if (p[0] == '`' && p[1] == '`') m = (qmark){Q_DOUBLE, P_OPEN, 0};
        else if (p[0] == '\'' && p[1] == '\'') m = (qmark){Q_DOUBLE, P_CLOSE, 0};
        else if (p[0] == 0xC2 && p[1] == 0xAB) m = (qmark){Q_DOUBLE, P_OPEN, 0};    /* « */
        else if (p[0] == 0xC2 && p[1] == 0xBB) m = (qmark){Q_DOUBLE, P_CLOSE, 0};   /* » */
    } else if (l == 3 && p[0] == 0xE2 && p[1] == 0x80) {
        switch (p[2]) {
        case 0x9C: m = (qmark){Q_DOUBLE, P_OPEN, LDQ_MARK}; break;   /* “ */
        case 0x9D: m = (qmark){Q_DOUBLE, P_CLOSE, 0}; break;         /* ” */
        case 0x9E: m = (qmark){Q_DOUBLE, P_OPEN, LOW_MARK}; break;   /* „ */
        case 0x9F: m = (qmark){Q_DOUBLE, P_OPEN, 0}; break;          /* ‟ */
        case 0x98: m = (qmark){Q_SINGLE, P_OPEN, LDQ_MARK}; break;   /* ‘ */
        case 0x99: m = (qmark){Q_SINGLE, P_CLOSE, 0}; break;         /* ’ */
        case 0x9A: m = (qmark){Q_SINGLE, P_OPEN, LOW_MARK}; break;   /* ‚ */
        case 0xB9: m = (qmark){Q_SINGLE, P_OPEN, 0}; break;          /* ‹ */
        case 0xBA: m = (qmark){Q_SINGLE, P_CLOSE, 0}; break;         /* › */
        }
    }
    return m;
}

/* Flanking: may the mark open (white space, start, bracket, dash or another mark on its left)
 * and may it close (white space, end, punctuation or another mark on its right)? */
static bool left_flank(const uint8_t *s, size_t n, size_t at)
{
    if (at == 0)
        return true;
    size_t k = at - 1;
    while (k > 0 && (s[k] & 0xC0) == 0x80)
        k--;
    size_t len;
    int c = char_class(s, n, k, &len);
    if (c == C_SP || c == C_NL || c == C_APOS)
        return true;
    if (c != C_PUN && c != C_HYPH)
        return false;
    return !(s[k] == '.' || s[k] == ',' || s[k] == '!' || s[k] == '?' || s[k] == ';' ||
             s[k] == ':' || s[k] == ')' || s[k] == ']');
}

static bool right_flank(const uint8_t *s, size_t n, size_t at)
{
    if (at >= n)
        return true;
    size_t len;
    int c = char_class(s, n, at, &len);
    if (c == C_SP || c == C_NL || c == C_DOT || c == C_COMMA || c == C_HYPH || c == C_PCT ||
        c == C_APOS)
        return true;
    return c == C_PUN && !(s[at] == '(' || s[at] == '[');
}

#define QMAX 8

typedef struct qstate {
    const uint8_t *s;
    size_t n;
    nf_tokens *t;
    struct { size_t q; int fam, id; } st[QMAX];
    int depth;
} qstate;

static uint32_t trim_fwd(const uint8_t *s, uint32_t a, uint32_t b)
{
    while (a < b && (cls[s[a]] == C_SP || cls[s[a]] == C_NL))
        a++;
    return a;
}

static uint32_t trim_back(const uint8_t *s, uint32_t a, uint32_t b)
{
    while (b > a && (cls[s[b - 1]] == C_SP || cls[s[b - 1]] == C_NL))
        b--;
    return b;
}

static nf_rc q_open(qstate *q, size_t ti, int fam, int id)
{
    nf_tokens *t = q->t;
    if (q->depth == QMAX)
        return NF_OK;               /* deeper nesting is ignored, not an error */
    if (nf_grow((void **)&t->quote, &t->capquote, t->nquote + 1, sizeof *t->quote))
        return NF_ENOMEM;
    nf_quote *e = &t->quote[t->nquote];
    memset(e, 0, sizeof *e);
    e->open = (nf_span){t->tok[ti].start, t->tok[ti].end};
    e->level = (uint16_t)q->depth;
    q->st[q->depth].q = t->nquote++;
    q->st[q->depth].fam = fam;
    q->st[q->depth].id = id;
    q->depth++;
    t->aux[ti] |= AUX_OPEN;
    return NF_OK;
}

/* Close stack entries down to (and including) level d. The entry at d is closed by token ti
 * (closed=1) when ti is given, else it and all above end unclosed at byte `at`. */
static void q_close_to(qstate *q, int d, size_t ti, uint32_t at, bool by_mark)
{
    nf_tokens *t = q->t;
    while (q->depth > d) {
        q->depth--;
        nf_quote *e = &t->quote[q->st[q->depth].q];
        bool mark = by_mark && q->depth == d;
        if (mark) {
            e->close = (nf_span){t->tok[ti].start, t->tok[ti].end};
            e->closed = 1;
            t->aux[ti] |= AUX_CLOSE;
        } else
            e->close = (nf_span){at, at};
        uint32_t a = trim_fwd(q->s, e->open.end, e->close.start);
        uint32_t b = trim_back(q->s, a, e->close.start);
        e->inner = (nf_span){a, b};
    }
}

static int top_of(const qstate *q, int fam)
{
    for (int d = q->depth - 1; d >= 0; d--)
        if (q->st[d].fam == fam)
            return d;
    return -1;
}

/* One-sentence-a-line text: does a closing double mark come in the next lines (before a blank
 * line, a line that opens with a mark, or 10 lines)? */
static bool closes_ahead(const qstate *q, size_t ti)
{
    int lines = 0;
    for (size_t k = ti; k < q->t->ntok; k++) {
        const nf_token *tk = &q->t->tok[k];
        uint8_t a = q->t->aux[k];
        if (k > ti && (a & (AUX_NL1 | AUX_NL2))) {
            if ((a & AUX_NL2) || ++lines >= 10)
                return false;
        }
        qmark m = mark_of(q->s, tk);
        if (m.fam != Q_DOUBLE)
            continue;
        if (k > ti && (a & (AUX_NL1 | AUX_NL2)))
            return false;
        bool lf = left_flank(q->s, q->n, tk->start), rf = right_flank(q->s, q->n, tk->end);
        return m.pref == P_CLOSE || (m.pref == P_AMBIG && !(lf && !rf));
    }
    return false;
}

/* A paragraph break with quotes open: continue, or end them unclosed at the previous token. */
static bool q_paragraph(qstate *q, size_t ti)
{
    const nf_token *tk = &q->t->tok[ti];
    qmark m = mark_of(q->s, tk);
    uint32_t prev_end = q->t->tok[ti - 1].end;
    if (q->st[0].fam == Q_DOUBLE && m.fam == Q_DOUBLE && m.pref != P_CLOSE) {
        q_close_to(q, 1, 0, prev_end, false);      /* nested singles end with the paragraph */
        q->t->aux[ti] |= AUX_CONT;
        return true;                                /* the mark re-opens: consumed */
    }
    if ((q->t->aux[ti] & AUX_NL1) && q->st[0].fam == Q_DOUBLE && closes_ahead(q, ti))
        return false;
    q_close_to(q, 0, 0, prev_end, false);
    return false;
}

/* An opening mark that ends a paragraph or is followed by , . ; : ! ? is a misused closer
 * (PTB text has "decision , `` a friend said" and "party girl . ``"). */
static bool opener_ends(const qstate *q, size_t ti)
{
    const nf_tokens *t = q->t;
    if (ti + 1 == t->ntok || (t->aux[ti + 1] & (AUX_NL1 | AUX_NL2)))
        return true;
    const nf_token *nx = &t->tok[ti + 1];
    uint8_t b = q->s[nx->start];
    return nx->kind == NF_TOK_PUNCT && nx->end - nx->start == 1 &&
           (b == ',' || b == '.' || b == ';' || b == ':' || b == '!' || b == '?');
}

static nf_rc q_double(qstate *q, size_t ti, qmark m, bool lf, bool rf)
{
    int d = top_of(q, Q_DOUBLE);
    if (d >= 0) {
        bool close = m.pref != P_OPEN || (m.id == LDQ_MARK && q->st[d].id == LOW_MARK) ||
                     (rf && !lf) || opener_ends(q, ti);
        if (close) {
            q_close_to(q, d, ti, q->t->tok[ti].start, true);
            return NF_OK;
        }
        if (q->st[q->depth - 1].fam == Q_DOUBLE)   /* an opener while one is open: it ran on */
            q_close_to(q, d, 0, q->t->tok[ti].start, false);
        return q_open(q, ti, Q_DOUBLE, m.id);
    }
    if (m.pref == P_OPEN || (m.pref == P_AMBIG && !(rf && !lf)) ||
        (m.pref == P_CLOSE && lf && !rf))
        return q_open(q, ti, Q_DOUBLE, m.id);
    return NF_OK;                                   /* a stray closing mark */
}

static nf_rc q_single(qstate *q, size_t ti, qmark m, bool lf, bool rf)
{
    int d = top_of(q, Q_SINGLE);
    int dd = top_of(q, Q_DOUBLE);
    if (d >= 0 && d > dd) {                         /* the innermost open quote is single */
        if ((m.pref != P_OPEN && rf) || (m.id == LDQ_MARK && q->st[d].id == LOW_MARK))
            q_close_to(q, d, ti, q->t->tok[ti].start, true);
        return NF_OK;
    }
    bool can_open = lf && !rf;
    if (m.pref == P_OPEN && m.id != 0 && lf)        /* ‘ ‚ open anywhere */
        return q_open(q, ti, Q_SINGLE, m.id);
    if (dd >= 0 && (m.pref == P_OPEN || can_open))  /* ' ` ’ ‹ open only inside a double */
        return q_open(q, ti, Q_SINGLE, m.id);
    return NF_OK;                                   /* an apostrophe */
}

static nf_rc find_quotes(const uint8_t *s, size_t n, nf_tokens *t)
{
    qstate q = {.s = s, .n = n, .t = t, .depth = 0};
    nf_rc rc = NF_OK;
    for (size_t ci = 0; ci < t->ncand; ci++) {     /* marks, terminals and line starts */
        size_t i = t->cand[ci];
        const nf_token *tk = &t->tok[i];
        if (q.depth && i > 0 && (t->aux[i] & (AUX_NL1 | AUX_NL2)) && q_paragraph(&q, i))
            continue;
        if (!(t->aux[i] & AUX_MARK))
            continue;
        qmark m = mark_of(s, tk);
        if (m.fam == Q_NONE)
            continue;
        bool lf = left_flank(s, n, tk->start), rf = right_flank(s, n, tk->end);
        rc = m.fam == Q_DOUBLE ? q_double(&q, i, m, lf, rf) : q_single(&q, i, m, lf, rf);
        if (rc)
            return rc;
    }
    if (q.depth)
        q_close_to(&q, 0, 0, t->tok[t->ntok - 1].end, false);
    /* flag the tokens inside each span (marks excluded) */
    for (size_t k = 0; k < t->nquote; k++) {
        nf_span in = t->quote[k].inner;
        size_t lo = 0, hi = t->ntok;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->tok[mid].start < in.start) lo = mid + 1; else hi = mid;
        }
        for (size_t j = lo; j < t->ntok && t->tok[j].end <= in.end; j++)
            t->tok[j].flags |= NF_TF_QUOTED;
    }
    return NF_OK;
}

/* ---- pass 3: sentences ---- */

static inline bool tok_is_n(const uint8_t *s, const nf_token *tk, const char *w, size_t l)
{
    return tk->end - tk->start == l && memcmp(s + tk->start, w, l) == 0;
}
#define tok_is(s, tk, lit) tok_is_n(s, tk, lit, sizeof(lit) - 1)

static bool is_terminal(const uint8_t *s, const nf_token *tk)
{
    if (tk->kind != NF_TOK_PUNCT)
        return false;
    uint8_t b = s[tk->start];
    return b == '.' || b == '!' || b == '?' || (b == 0xE2 && tok_is(s, tk, "\xE2\x80\xA6"));
}

/* Abbreviations that do not end a sentence when a period follows them directly. Dotted forms
 * (U.S. e.g. a.m. p.m.) are one token ending in '.', so they never reach the check. */
static const struct { const char *w; size_t len; } abbrev[] = {
    {"Mr", 2}, {"Mrs", 3}, {"Ms", 2}, {"Dr", 2}, {"St", 2}, {"Gen", 3}, {"Sen", 3}, {"Rep", 3},
    {"Gov", 3}, {"Lt", 2}, {"Col", 3}, {"Capt", 4}, {"Sgt", 3}, {"Maj", 3}, {"Adm", 3},
    {"Cmdr", 4}, {"Prof", 4}, {"Rev", 3}, {"Hon", 3}, {"Pres", 4}, {"Supt", 4}, {"Jan", 3},
    {"Feb", 3}, {"Mar", 3}, {"Apr", 3}, {"Jun", 3}, {"Jul", 3}, {"Aug", 3}, {"Sep", 3},
    {"Sept", 4}, {"Oct", 3}, {"Nov", 3}, {"Dec", 3}, {"No", 2}, {"Nos", 3}, {"Inc", 3},
    {"Corp", 4}, {"Ltd", 3}, {"Co", 2}, {"Jr", 2}, {"Sr", 2}, {"vs", 2}, {"etc", 3}, {"Mt", 2},
    {"Ft", 2}, {"Ave", 3}, {"Blvd", 4}, {"Rd", 2}, {"Dept", 4}, {"Univ", 4}, {"approx", 6},
    {"al", 2}, {"Fig", 3}, {"fig", 3}, {"cf", 2}, {"Calif", 5}, {"Fla", 3}, {"Wash", 4},
    {"Mass", 4}, {"Conn", 4}, {"Ariz", 4}, {"Ill", 3}, {"Mich", 4}, {"Minn", 4}, {"Okla", 4},
    {"Tenn", 4}, {"Tex", 3}, {"Va", 2}, {"Ga", 2}, {"Pa", 2}, {"Md", 2}, {"Ky", 2}, {"La", 2},
    {"Colo", 4}, {"Vol", 3}, {"Ch", 2}, {"ca", 2}, {"Bros", 4},
};

static bool is_abbrev_dot(const uint8_t *s, const nf_tokens *t, size_t i)
{
    const nf_token *d = &t->tok[i];
    if (i == 0 || !tok_is(s, d, ".") || t->tok[i - 1].end != d->start)
        return false;
    const nf_token *w = &t->tok[i - 1];
    if (w->kind != NF_TOK_WORD)
        return false;
    size_t l = w->end - w->start;
    if (l == 1 && cls[s[w->start]] == C_UP)
        return true;                                /* an initial: J. K. Rowling */
    if (l > 6)
        return false;
    for (size_t k = 0; k < NF_ARRAY_LEN(abbrev); k++)
        if (abbrev[k].len == l && abbrev[k].w[0] == s[w->start] &&
            memcmp(s + w->start, abbrev[k].w, l) == 0)
            return true;
    return false;
}

static bool starts_sentence(const uint8_t *s, const nf_tokens *t, size_t j)
{
    const nf_token *tk = &t->tok[j];
    if (tk->flags & NF_TF_CAP)
        return true;
    if (tk->kind == NF_TOK_NUM)
        return true;
    if (t->aux[j] & (AUX_OPEN | AUX_CONT))
        return true;
    return tok_is(s, tk, "(") || tok_is(s, tk, "[");
}

static nf_rc push_sent(nf_tokens *t, size_t a, size_t b)
{
    if (nf_grow((void **)&t->sent, &t->capsent, t->nsent + 1, sizeof *t->sent))
        return NF_ENOMEM;
    t->sent[t->nsent++] = (nf_span){t->tok[a].start, t->tok[b].end};
    t->tok[a].flags |= NF_TF_SENT;
    return NF_OK;
}

static nf_rc find_sentences(const uint8_t *s, nf_tokens *t)
{
    size_t s0 = 0, n = t->ntok;
    nf_rc rc;
    for (size_t ci = 0; ci < t->ncand; ci++) {     /* only these can start or end one */
        size_t i = t->cand[ci];
        if (i < s0)
            continue;
        if (i > s0 && (t->tok[i].flags & NF_TF_PARA)) {
            if ((rc = push_sent(t, s0, i - 1)))
                return rc;
            s0 = i;
        }
        if (!(t->aux[i] & AUX_TERM))
            continue;
        size_t j = i + 1;
        while (j < n && (t->aux[j] & AUX_TERM) && t->tok[j].start == t->tok[j - 1].end)
            j++;
        while (j < n && !(t->tok[j].flags & NF_TF_PARA) &&
               ((t->aux[j] & AUX_CLOSE) || tok_is(s, &t->tok[j], ")") || tok_is(s, &t->tok[j], "]")))
            j++;
        bool end = j == n || (t->tok[j].flags & NF_TF_PARA) ||
                   (t->tok[j].start > t->tok[j - 1].end && starts_sentence(s, t, j) &&
                    !is_abbrev_dot(s, t, i));
        if (!end)
            continue;
        if ((rc = push_sent(t, s0, j - 1)))
            return rc;
        s0 = j;
    }
    if (s0 < n)
        return push_sent(t, s0, n - 1);
    return NF_OK;
}

/* ---- public ---- */

void nf_tokens_init(nf_tokens *t)
{
    memset(t, 0, sizeof *t);
}

void nf_tokens_reset(nf_tokens *t)
{
    free(t->tok);
    free(t->sent);
    free(t->quote);
    free(t->aux);
    free(t->cand);
    nf_tokens_init(t);
}

nf_rc nf_tokenize(const char *str, size_t n, nf_tokens *t)
{
    const uint8_t *s = (const uint8_t *)str;
    pthread_once(&bmp_once, bmp_build);
    t->ntok = t->nsent = t->nquote = t->ncand = 0;
    if (n > UINT32_MAX - 1)
        return NF_ETOOBIG;
    if (n > 0 && !s)
        return NF_EINVAL;
    bool marks = false;
    nf_rc rc = cut_tokens(s, n, t, &marks);
    if (!rc && marks)
        rc = find_quotes(s, n, t);
    if (!rc)
        rc = find_sentences(s, t);
    if (rc)
        t->ntok = t->nsent = t->nquote = 0;
    return rc;
}
