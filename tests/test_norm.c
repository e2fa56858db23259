/*
 * test_norm.c — nf_normalize: table cases, then the fast path checked against a plain reference
 * (utf8proc_map_custom over the whole string with the same quote/dash/space map) on every BMP
 * code point in several contexts, on random strings and on the shared article texts.
 */
#include "harness.h"
#include "newsfold.h"
#include <jansson.h>
#include <stdint.h>
#include <utf8proc.h>

/* The reference one-form map, written independently of src/norm.c. */
static utf8proc_int32_t ref_map(utf8proc_int32_t c, void *d)
{
    (void)d;
    static const int32_t dq[] = {0x201C, 0x201D, 0x201E, 0x201F, 0xAB, 0xBB, 0x2033, 0x301D,
                                 0x301E, 0x301F, 0xFF02};
    static const int32_t sq[] = {0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2039, 0x203A, 0x2BC,
                                 0xFF07};
    static const int32_t da[] = {0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58,
                                 0xFE63, 0xFF0D};
    static const int32_t spc[] = {0xA0, 0x1680, 0x202F, 0x205F, 0x3000};
    for (size_t i = 0; i < sizeof dq / sizeof *dq; i++) if (c == dq[i]) return '"';
    for (size_t i = 0; i < sizeof sq / sizeof *sq; i++) if (c == sq[i]) return '\'';
    for (size_t i = 0; i < sizeof da / sizeof *da; i++) if (c == da[i]) return '-';
    for (size_t i = 0; i < sizeof spc / sizeof *spc; i++) if (c == spc[i]) return ' ';
    if (c >= 0x2000 && c <= 0x200A) return ' ';
    if (c == 0x2028 || c == 0x2029 || c == 0x85) return '\n';
    return c;
}

/* Reference result, or NULL when the input is not valid UTF-8. Caller frees. */
static char *ref_norm(const char *s, size_t n)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t k = utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                             &dst, UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                             UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE,
                                             ref_map, NULL);
    if (k < 0)
        return NULL;
    /* the map applies again to what decomposition produced (U+2034 -> U+2032 x3 -> ''') */
    utf8proc_uint8_t *dst2 = NULL;
    k = utf8proc_map_custom(dst, k, &dst2, UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                            UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, ref_map, NULL);
    free(dst);
    return k < 0 ? NULL : (char *)dst2;
}

static int agrees(const char *s, size_t n)
{
    nf_buf b;
    nf_buf_init(&b, 0);
    char *r = ref_norm(s, n);
    int ok = nf_normalize(s, n, &b) == NF_OK && r && strlen(r) == b.n &&
             memcmp(r, b.n ? b.p : "", b.n) == 0;
    free(r);
    nf_buf_reset(&b);
    return ok;
}

static void test_table(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"", ""},
        {"Hello, World!", "hello, world!"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{ 0123456789", "abcdefghijklmnopqrstuvwxyz@[`{ 0123456789"},
        {"It\xE2\x80\x99s \xE2\x80\x9CQuoted\xE2\x80\x9D", "it's \"quoted\""},
        {"\xC2\xAB" "Da" "\xC2\xBB \xE2\x80\x9E" "Ja" "\xE2\x80\x9C", "\"da\" \"ja\""},
        {"\xE2\x80\x98single\xE2\x80\x99 \xE2\x80\x9Aq\xE2\x80\x9B 5\xE2\x80\xB2", "'single' 'q' 5'"},
        {"a\xE2\x80\x93" "b\xE2\x80\x94" "c\xE2\x88\x92" "d\xE2\x80\x90" "e\xE2\x80\x91" "f", "a-b-c-d-e-f"},
        {"a\xC2\xA0" "b\xE2\x80\x89" "c\xE3\x80\x80" "d", "a b c d"},
        {"6\xE2\x80\xB3", "6\""},
        {"\xE2\x80\xB4", "'''"},                       /* triple prime: decomposes, maps */
        {"\xEF\xAC\x81" "re", "fire"},                    /* ﬁ ligature */
        {"\xEF\xBC\xA1\xEF\xBC\xA2", "ab"},               /* fullwidth AB */
        {"Stra\xC3\x9F" "e", "strasse"},                   /* ß folds to ss */
        {"\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0", "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"},
        {"e\xCC\x81t\xC3\xA9", "\xC3\xA9t\xC3\xA9"},      /* e + combining acute composes */
        {"\xC3\x89LAN", "\xC3\xA9lan"},
        {"soft\xC2\xADhyphen", "softhyphen"},              /* default ignorable dropped */
        {"bad\xFF" "byte", "bad\xEF\xBF\xBD" "byte"},      /* invalid byte -> U+FFFD */
        {"trunc\xE2\x80", "trunc\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},          /* overlong */
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nf_buf b;
        nf_buf_init(&b, 0);
        nf_rc rc = nf_normalize(cases[i].in, strlen(cases[i].in), &b);
        CHECK_EQ_INT(rc, NF_OK);
        CHECK_MSG(b.n == strlen(cases[i].want) && memcmp(b.n ? b.p : "", cases[i].want, b.n) == 0,
                  "case %zu: \"%s\" -> \"%.*s\", want \"%s\"", i, cases[i].in, (int)b.n,
                  b.n ? b.p : "", cases[i].want);
        nf_buf_reset(&b);
    }
    /* appends rather than replaces */
    nf_buf b;
    nf_buf_init(&b, 0);
    nf_buf_append(&b, "X", 1);
    CHECK_EQ_INT(nf_normalize("AB", 2, &b), NF_OK);
    CHECK_EQ_STR(b.p, "Xab");
    nf_buf_reset(&b);
    /* the ceiling is honoured */
    nf_buf_init(&b, 4);
    CHECK_EQ_INT(nf_normalize("abcdefgh", 8, &b), NF_ETOOBIG);
    nf_buf_reset(&b);
}

/* Every BMP code point alone, after an ASCII letter, before a combining mark, between text. */
static void test_every_codepoint(void)
{
    int bad = 0;
    for (int32_t cp = 0x80; cp < 0x10000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        utf8proc_uint8_t u[4];
        int k = (int)utf8proc_encode_char(cp, u);
        char s[64];
        int m = snprintf(s, sizeof s, "Ab%.*s", k, (char *)u);
        if (!agrees(s, (size_t)m) && bad++ < 3)
            fprintf(stderr, "disagreement at U+%04X\n", (unsigned)cp);
        m = snprintf(s, sizeof s, "%.*s\xCC\x81 X", k, (char *)u);
        if (!agrees(s, (size_t)m) && bad++ < 3)
            fprintf(stderr, "disagreement at U+%04X\n", (unsigned)cp);
        m = snprintf(s, sizeof s, "e%.*s\xCC\xA3\xCC\x81%.*sZ", k, (char *)u, k, (char *)u);
        if (!agrees(s, (size_t)m) && bad++ < 3)
            fprintf(stderr, "disagreement at U+%04X\n", (unsigned)cp);
    }
    CHECK_EQ_INT(bad, 0);
}

/* Random strings over a pool of tricky pieces. */
static void test_random(void)
{
    static const char *pool[] = {"a", "E", " ", "\n", ".", "\xCC\x81", "\xCC\xA3", "\xC3\xA9",
                                 "\xE1\x84\x80", "\xE1\x85\xA1", "\xE1\x86\xA8", "\xEA\xB0\x80",
                                 "\xE2\x80\x9C", "\xE2\x80\x99", "\xEF\xAC\x81", "\xC2\xAD",
                                 "\xD0\x99", "\xD0\xB9", "\xD0\xB8\xCC\x86", "\xE2\x80\x8D",
                                 "\xF0\x9F\x98\x80", "\xF0\x9D\x90\x80", "\xE0\xAD\x87", "\xE0\xAC\xBE",
                                 "\xE2\x84\xAB", "\xE1\xBA\x9E", "\xC7\x85", "\xEF\xBC\xA1"};
    uint64_t x = 88172645463325252ull;
    int bad = 0;
    for (int t = 0; t < 5000; t++) {
        char s[256];
        size_t n = 0;
        int parts = 1 + (int)(x % 20);
        for (int p = 0; p < parts; p++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            const char *piece = pool[x % (sizeof pool / sizeof *pool)];
            size_t l = strlen(piece);
            memcpy(s + n, piece, l);
            n += l;
        }
        if (!agrees(s, n)) {
            if (bad++ < 3)
                fprintf(stderr, "random disagreement on \"%.*s\"\n", (int)n, s);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* The shared article texts: the fast path agrees with the reference on real news. */
static void norm_text(const char *s, size_t n, void *ctx)
{
    int *count = ctx;      /* [0] texts, [1] disagreements */
    count[0]++;
    if (!agrees(s, n))
        count[1]++;
}

static void test_shared(void)
{
    const char *files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    for (size_t f = 0; f < 3; f++) {
        int count[2] = {0, 0};
        if (nf_test_each_text(files[f], norm_text, count) < 0)
            continue;
        int n = count[0], bad = count[1];
        CHECK_MSG(n > 0 && bad == 0, "%s: %d of %d texts disagree", files[f], bad, n);
    }
}

int main(void)
{
    test_table();
    test_every_codepoint();
    test_random();
    test_shared();
    return nf_test_done("test_norm");
}
