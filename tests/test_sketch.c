/*
 * test_sketch.c — the signature layout: golden vectors for fixed inputs (docs/dedup.md), and a
 * plain reference implementation (code point by code point, utf8proc on every word, one bin at
 * a time) that must agree with the fast path on random texts; band keys and band/row choice.
 * Set NF_PRINT_GOLDEN=1 to print the vectors instead of checking them.
 */
#include "harness.h"
#include "nf_int.h"
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- reference implementation, written from docs/dedup.md ---- */

static uint64_t ref_splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t ref_fmix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static int ref_is_word(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    const char *c = utf8proc_category_string(cp);
    return c[0] == 'L' || c[0] == 'M' || c[0] == 'N';
}

static uint64_t ref_word_hash(const uint8_t *w, size_t n)
{
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t r = utf8proc_map(w, (utf8proc_ssize_t)n, &m,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                      UTF8PROC_CASEFOLD);
    const uint8_t *p = r >= 0 ? m : w;
    size_t len = r >= 0 ? (size_t)r : n;
    uint64_t h;
    if (len > 16) {
        h = XXH3_64bits(p, len);
    } else {
        uint64_t a = 0, b = 0;
        for (size_t i = 0; i < len; i++) {
            if (i < 8)
                a |= (uint64_t)p[i] << (8 * i);
            else
                b |= (uint64_t)p[i] << (8 * (i - 8));
        }
        unsigned __int128 prod = (unsigned __int128)(a ^ 0x243f6a8885a308d3ULL) *
                                 (b ^ 0x13198a2e03707344ULL);
        h = (uint64_t)prod ^ (uint64_t)(prod >> 64) ^ (len * 0x9e3779b97f4a7c15ULL);
        h ^= h >> 37;
        h *= 0x165667919e3779f9ULL;
        h ^= h >> 32;
    }
    free(m);
    return h;
}

/* words of s -> hashes */
static size_t ref_words(const uint8_t *s, size_t n, uint64_t *out)
{
    size_t nw = 0, i = 0, start = 0;
    int in = 0;
    while (i <= n) {
        int32_t cp = -1;
        size_t l = 1;
        if (i < n) {
            utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
            if (r > 0)
                l = (size_t)r;
            else
                cp = -1;
        }
        int w = i < n && cp >= 0 && ref_is_word(cp);
        if (w && !in) {
            start = i;
            in = 1;
        } else if (!w && in) {
            out[nw++] = ref_word_hash(s + start, i - start);
            in = 0;
        }
        i += l;
    }
    return nw;
}

static void ref_sketch(const char *text, size_t n, uint32_t k, uint32_t K, uint32_t method,
                       nf_sketch *info, uint16_t *sig)
{
    uint64_t *w = malloc((n + 1) * sizeof *w);
    size_t nw = ref_words((const uint8_t *)text, n, w);
    XXH128_hash_t e = XXH3_128bits(w, nw * 8);      /* little-endian host */
    info->exact[0] = e.low64;
    info->exact[1] = e.high64;
    info->nwords = (uint32_t)nw;
    size_t nsh = nw == 0 ? 0 : nw < k ? 1 : nw - k + 1;
    uint32_t kk = nw && nw < k ? (uint32_t)nw : k;
    info->nshingles = (uint32_t)nsh;
    uint64_t *sh = malloc((nsh + 1) * sizeof *sh);
    for (size_t j = 0; j < nsh; j++) {
        uint64_t acc = 0;
        for (uint32_t i = 0; i < kk; i++)
            acc += w[j + i] * (ref_splitmix(0x5348494e474c45ULL + i) | 1);
        sh[j] = ref_fmix(acc);
    }
    uint32_t *mins = malloc(K * sizeof *mins);
    int *filled = calloc(K, sizeof *filled);
    for (uint32_t b = 0; b < K; b++) {
        mins[b] = 0xffffffffu;
        for (size_t j = 0; j < nsh; j++) {
            uint32_t v;
            if (method == NF_SKETCH_OPH) {
                if ((uint32_t)(((sh[j] >> 32) * K) >> 32) != b)
                    continue;
                v = (uint32_t)sh[j];
                filled[b] = 1;
            } else {
                uint64_t a = ref_splitmix(0x4b4d494e41ULL + 2 * (uint64_t)b) | 1;
                uint64_t c = ref_splitmix(0x4b4d494e41ULL + 2 * (uint64_t)b + 1);
                v = (uint32_t)((a * sh[j] + c) >> 32);
            }
            if (v < mins[b])
                mins[b] = v;
        }
    }
    for (uint32_t b = 0; b < K; b++) {
        uint32_t src = b;
        if (method == NF_SKETCH_OPH && nsh && !filled[b])
            for (uint32_t j = 1;; j++) {
                uint64_t h = ref_splitmix(0x44454e5345ULL ^ ((uint64_t)b << 32 | j));
                src = j <= 4096 ? (uint32_t)(((h >> 32) * K) >> 32) : (b + j) % K;
                if (filled[src])
                    break;
            }
        sig[b] = (uint16_t)(mins[src] >> 16);
    }
    free(w);
    free(sh);
    free(mins);
    free(filled);
}

/* ---- random texts with the hard parts: case, accents, curly quotes, marks, bad bytes ---- */
static uint64_t rs = 1;
static uint32_t rnd(uint32_t n) { return (uint32_t)(ref_splitmix(rs++) % n); }

static size_t random_text(char *out, size_t cap)
{
    static const char *parts[] = {
        "the", "The", "QUICK", "fox", "4", "2023", " ", " ", " ", "\n", ".", ",", "'", "\"",
        "caf\xc3\xa9", "CAF\xc3\x89", "\xe2\x80\x99", "\xe2\x80\x9c", "\xe2\x80\x9d",
        "\xef\xbc\xa1", "e\xcc\x81", "\xc3\x9f", "\xff", "\xc3", "-", "\xe2\x80\x94",
        "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", "x", "yz", "\xe2\x91\xa0",
        "A_B", "\xc2\xa0", "verylongwordthatexceedssixteenbytes", "\xe4\xb8\xad\xe6\x96\x87",
    };
    size_t n = 0, parts_n = rnd(120);
    for (size_t i = 0; i < parts_n; i++) {
        const char *p = parts[rnd(NF_ARRAY_LEN(parts))];
        size_t l = strlen(p);
        if (n + l >= cap)
            break;
        memcpy(out + n, p, l);
        n += l;
        if (rnd(3) == 0 && n + 1 < cap)
            out[n++] = ' ';
    }
    return n;
}

static void check_against_reference(void)
{
    static const uint32_t cfg[][3] = {{5, 128, 0}, {5, 64, 0}, {3, 64, 0}, {1, 8, 0},
                                      {5, 64, 1}, {2, 16, 1}};
    char text[4096];
    uint16_t fast[NF_SKETCH_MAX_BINS], ref[NF_SKETCH_MAX_BINS];
    for (size_t c = 0; c < NF_ARRAY_LEN(cfg); c++) {
        nf_sketch_opts o = {.shingle = cfg[c][0], .bins = cfg[c][1], .method = cfg[c][2]};
        nf_sketcher *sk;
        CHECK(nf_sketcher_new(&sk, &o) == NF_OK);
        int bad = 0;
        for (int t = 0; t < 300; t++) {
            size_t n = random_text(text, sizeof text);
            nf_sketch a, b;
            CHECK(nf_sketch_text(sk, text, n, &a, fast) == NF_OK);
            ref_sketch(text, n, o.shingle, o.bins, o.method, &b, ref);
            if (memcmp(&a, &b, sizeof a) || memcmp(fast, ref, o.bins * 2)) {
                if (!bad++)
                    fprintf(stderr, "mismatch k=%u K=%u method=%u on %zu bytes: words %u/%u\n",
                            o.shingle, o.bins, o.method, n, a.nwords, b.nwords);
            }
        }
        CHECK_MSG(bad == 0, "%d of 300 texts differ from the reference", bad);
        nf_sketcher_free(sk);
    }
}

/* ---- golden vectors: K=128, 5 words, OPH (the defaults) ---- */
typedef struct golden {
    uint32_t nwords, nshingles;
    uint64_t exact0;
    uint16_t sig[8];        /* bins 0..7 */
    uint64_t band0;         /* nf_lsh_band_key(sig, 0, 3) */
} golden;

static const golden GOLD[] = {
    {0, 0, 0x6001c324468d497fULL, {0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff}, 0x0ccf5569d435389aULL},
    {1, 1, 0x3d2813b1a79bca2cULL, {0xa459, 0xa459, 0xa459, 0xa459, 0xa459, 0xa459, 0xa459, 0xa459}, 0x8c40a6c0d5d55fffULL},
    {9, 5, 0xd34e1241f912cee0ULL, {0x7688, 0x134f, 0xdb79, 0x722a, 0x134f, 0xa182, 0xa182, 0x722a}, 0xb8100d1a74b07d74ULL},
    {9, 5, 0xd34e1241f912cee0ULL, {0x7688, 0x134f, 0xdb79, 0x722a, 0x134f, 0xa182, 0xa182, 0x722a}, 0xb8100d1a74b07d74ULL},
    {10, 6, 0x3e8fc98fc465dde8ULL, {0xc42a, 0x1b14, 0x1b14, 0xa605, 0xc42a, 0xe8cf, 0x1b14, 0xc42a}, 0x5bc22d2e89c56b3fULL},
    {9, 5, 0x5a7d88f3c7b33070ULL, {0x1000, 0xbdba, 0x9d3f, 0x9d3f, 0xbdba, 0xbdba, 0x29c4, 0x0e1b}, 0x7f55cb6871748cfdULL},
};

static void check_golden(void)
{
    nf_sketcher *sk;
    CHECK(nf_sketcher_new(&sk, NULL) == NF_OK);
    static const char *texts[] = {
        "",
        "Hello",
        "The quick brown fox jumps over the lazy dog.",
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!!",
        "\xe2\x80\x9cIt\xe2\x80\x99s all over for the iPhone,\xe2\x80\x9d one person said.",
        "Caf\xc3\xa9 cr\xc3\xa8" "me br\xc3\xbbl\xc3\xa9" "e, na\xc3\xaf" "ve fa\xc3\xa7" "ade; \xef\xbc\xa1\xef\xbc\xa2 12,500 people.",
    };
    uint16_t sig[NF_SKETCH_MAX_BINS];
    int print = getenv("NF_PRINT_GOLDEN") != NULL;
    for (size_t i = 0; i < NF_ARRAY_LEN(texts); i++) {
        nf_sketch info;
        CHECK(nf_sketch_text(sk, texts[i], strlen(texts[i]), &info, sig) == NF_OK);
        uint64_t band0 = nf_lsh_band_key(sig, 0, 3);
        if (print) {
            printf("    {%u, %u, 0x%016llxULL, {", info.nwords, info.nshingles,
                   (unsigned long long)info.exact[0]);
            for (int b = 0; b < 8; b++)
                printf("0x%04x%s", sig[b], b < 7 ? ", " : "");
            printf("}, 0x%016llxULL},\n", (unsigned long long)band0);
            continue;
        }
        if (i >= NF_ARRAY_LEN(GOLD))
            break;
        const golden *g = &GOLD[i];
        CHECK_EQ_INT(info.nwords, g->nwords);
        CHECK_EQ_INT(info.nshingles, g->nshingles);
        CHECK_MSG(info.exact[0] == g->exact0, "text %zu exact %016llx", i,
                  (unsigned long long)info.exact[0]);
        CHECK_MSG(!memcmp(sig, g->sig, sizeof g->sig), "text %zu signature differs", i);
        CHECK_MSG(band0 == g->band0, "text %zu band key %016llx", i, (unsigned long long)band0);
    }
    /* case, punctuation and quote style do not change the words */
    nf_sketch a, b;
    uint16_t sa[128], sb[128];
    nf_sketch_text(sk, texts[2], strlen(texts[2]), &a, sa);
    nf_sketch_text(sk, texts[3], strlen(texts[3]), &b, sb);
    CHECK(a.exact[0] == b.exact[0] && a.exact[1] == b.exact[1]);
    CHECK(!memcmp(sa, sb, sizeof sa));
    CHECK_NEAR(nf_sketch_jaccard(sa, sb, 128), 1.0, 1e-12);
    /* no words: all 0xffff, no shingles */
    nf_sketch_text(sk, " ,;\xe2\x80\x9c ", 7, &a, sa);
    CHECK_EQ_INT(a.nshingles, 0);
    CHECK(sa[0] == 0xffff && sa[127] == 0xffff);
    nf_sketcher_free(sk);
}

static void check_opts(void)
{
    nf_sketcher *sk = NULL;
    nf_sketch_opts o = {.bins = 100};
    CHECK(nf_sketcher_new(&sk, &o) == NF_EINVAL && sk == NULL);
    o = (nf_sketch_opts){.shingle = NF_SHINGLE_MAX + 1};
    CHECK(nf_sketcher_new(&sk, &o) == NF_EINVAL);
    o = (nf_sketch_opts){.method = 7};
    CHECK(nf_sketcher_new(&sk, &o) == NF_EINVAL);
    nf_sketcher_free(NULL);
}

/* Jaccard estimates follow the truth: a text and a copy with its second half replaced. */
static void check_estimate(void)
{
    nf_sketcher *sk;
    nf_sketch_opts o = {.bins = 256};
    CHECK(nf_sketcher_new(&sk, &o) == NF_OK);
    char a[20000], b[20000];
    size_t na = 0, nb = 0;
    for (int i = 0; i < 2000; i++) {
        na += (size_t)snprintf(a + na, sizeof a - na, "w%d ", i);
        nb += (size_t)snprintf(b + nb, sizeof b - nb, i < 1000 ? "w%d " : "v%d ", i);
    }
    /* shingles: 1996 each, 996 shared -> J = 996 / 2996 */
    nf_sketch ia, ib;
    uint16_t sa[256], sb[256];
    nf_sketch_text(sk, a, na, &ia, sa);
    nf_sketch_text(sk, b, nb, &ib, sb);
    CHECK_EQ_INT(ia.nshingles, 1996);
    CHECK_NEAR(nf_sketch_jaccard(sa, sb, 256), 996.0 / 2996, 0.1);
    nf_sketcher_free(sk);
}

/* Sketching a text or its nf_normalize output gives the same words (the sketch folds each word
 * itself, for speed). Exception by design: compatibility characters that decompose into
 * non-word characters (U+00BD -> 1, U+2044, 2) split words only after normalisation; the random
 * texts here do not contain them. */
static void check_normalize_agrees(void)
{
    nf_sketcher *sk;
    CHECK(nf_sketcher_new(&sk, NULL) == NF_OK);
    char text[4096];
    nf_buf b;
    nf_buf_init(&b, 0);
    int bad = 0;
    for (int t = 0; t < 300; t++) {
        size_t n = random_text(text, sizeof text);
        b.n = 0;
        if (nf_normalize(text, n, &b) != NF_OK) {
            bad++;
            continue;
        }
        nf_sketch a, c;
        uint16_t sa[128], sc[128];
        nf_sketch_text(sk, text, n, &a, sa);
        nf_sketch_text(sk, b.p ? b.p : "", b.n, &c, sc);
        if (a.exact[0] != c.exact[0] || memcmp(sa, sc, sizeof sa))
            bad++;
    }
    CHECK_MSG(bad == 0, "%d of 300 texts sketch differently after nf_normalize", bad);
    nf_buf_reset(&b);
    nf_sketcher_free(sk);
}

int main(void)
{
    check_golden();
    if (getenv("NF_PRINT_GOLDEN"))
        return 0;
    check_against_reference();
    check_opts();
    check_estimate();
    check_normalize_agrees();
    return nf_test_done("test_sketch");
}
