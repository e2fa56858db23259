/*
 * test_terms.c — article features (src/terms.c): the dictionary keeps every key exactly
 * (inline short keys, pooled long ones, non-ASCII words) and its ids in first-seen order; the
 * lede hint changes nothing; extraction is deterministic across dictionaries and articles.
 */
#include "harness.h"
#include "nf_int.h"
#include "fold_check.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

static const nf_terms_cfg CFG = {2.0f, 0.3f, 3, 10, 10.0, 0};

static int same_vec(const nf_tw *a, size_t na, const nf_tw *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].id != b[i].id || memcmp(&a[i].w, &b[i].w, sizeof a[i].w))
            return 0;
    return 1;
}

static int same_feats(const nf_feats *a, const nf_feats *b)
{
    return same_vec(a->term, a->nterm, b->term, b->nterm) &&
           same_vec(a->ent, a->nent, b->ent, b->nent) && a->nquote == b->nquote &&
           (!a->nquote || !memcmp(a->quote, b->quote, a->nquote * sizeof *a->quote));
}

/* The id of key s among the vector's ids (by string), UINT32_MAX when absent. */
static uint32_t find_key(const nf_dict *d, const nf_tw *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(nf_dict_str(d, v[i].id), s))
            return v[i].id;
    return UINT32_MAX;
}

/* Keys of every length class come back byte for byte, and a word seen again gets its id. */
static void keys(void)
{
    nf_dict *d;
    CHECK_EQ_INT(nf_dict_new(&d), NF_OK);
    nf_feats f;
    nf_feats_init(&f);
    const char *t1 = "Officials said Abcdefghijk Abcdefghijkl met Zürich envoys at the "
                     "Abcdefghijklmnopqrstuvwxyzabcd summit on 12,500 dollars.";
    CHECK_EQ_INT(nf_feats_extract(d, &CFG, NULL, t1, strlen(t1), &f), NF_OK);
    static const char *ents[] = {"abcdefghijk", "abcdefghijkl", "zürich",
                                 "abcdefghijklmnopqrstuvwxyzabcd", "12500",
                                 "abcdefghijk abcdefghijkl"};
    uint32_t id[6];
    for (int k = 0; k < 6; k++) {
        id[k] = find_key(d, f.ent, f.nent, ents[k]);
        CHECK_MSG(id[k] != UINT32_MAX, "entity \"%s\" missing", ents[k]);
        if (id[k] != UINT32_MAX)
            CHECK_EQ_INT(nf_dict_kind(d, id[k]), k == 4 ? NF_K_NUMBER : NF_K_ENTITY);
    }
    CHECK(find_key(d, f.term, f.nterm, "offici") != UINT32_MAX);   /* Snowball stem */
    uint32_t size = nf_dict_size(d);
    /* the same names again, in another order and case: the same ids, no new entries for them */
    const char *t2 = "On Monday ZÜRICH hosted Abcdefghijklmnopqrstuvwxyzabcd while Abcdefghijkl "
                     "spoke.";
    CHECK_EQ_INT(nf_feats_extract(d, &CFG, NULL, t2, strlen(t2), &f), NF_OK);
    CHECK_EQ_INT(find_key(d, f.ent, f.nent, "zürich"), id[2]);
    CHECK_EQ_INT(find_key(d, f.ent, f.nent, "abcdefghijklmnopqrstuvwxyzabcd"), id[3]);
    CHECK_EQ_INT(find_key(d, f.ent, f.nent, "abcdefghijkl"), id[1]);
    CHECK(nf_dict_size(d) > size);   /* "monday", "hosted", ... are new */
    /* ids are dense and in first-seen order: a fresh dictionary fed the same texts agrees */
    nf_dict *d2;
    nf_feats g;
    nf_feats_init(&g);
    CHECK_EQ_INT(nf_dict_new(&d2), NF_OK);
    CHECK_EQ_INT(nf_feats_extract(d2, &CFG, NULL, t1, strlen(t1), &g), NF_OK);
    CHECK_EQ_INT(nf_feats_extract(d2, &CFG, NULL, t2, strlen(t2), &g), NF_OK);
    CHECK(same_feats(&f, &g));
    CHECK_EQ_INT(nf_dict_size(d2), nf_dict_size(d));
    int strs = 1;
    for (uint32_t i = 0; i < nf_dict_size(d); i++)
        strs &= !strcmp(nf_dict_str(d, i), nf_dict_str(d2, i)) &&
                nf_dict_kind(d, i) == nf_dict_kind(d2, i);
    CHECK(strs);
    CHECK_EQ_STR(nf_dict_str(d, nf_dict_size(d)), "");   /* out of range */
    nf_feats_reset(&f);
    nf_feats_reset(&g);
    nf_dict_free(d);
    nf_dict_free(d2);
}

/* Over real articles: the lede pass with the main pass's hint gives exactly the features of the
 * lede pass without it, and two dictionaries fed the same stream give the same features (many
 * rehashes, words seen again across articles, capitalised words at sentence starts). */
static void stream(void)
{
    corpus c = {0};
    nf_test_each_text("ecbplus-dev.jsonl", add_text, &c);
    nf_test_each_text("np4e.jsonl", add_text, &c);
    CHECK(c.n > 500);
    nf_dict *dm, *dl, *dh, *d2;
    CHECK_EQ_INT(nf_dict_new(&dm), NF_OK);
    CHECK_EQ_INT(nf_dict_new(&dl), NF_OK);
    CHECK_EQ_INT(nf_dict_new(&dh), NF_OK);
    CHECK_EQ_INT(nf_dict_new(&d2), NF_OK);
    nf_feats fm, fl, fh, f2;
    nf_feats_init(&fm);
    nf_feats_init(&fl);
    nf_feats_init(&fh);
    nf_feats_init(&f2);
    const nf_terms_cfg lcfg = {1.0f, 0.0f, 3, 3, 10.0, 1};
    uint32_t *map = NULL;
    size_t capmap = 0, bad = 0, badm = 0, hinted = 0;
    char title[64];
    for (size_t i = 0; i < c.n; i++) {
        const char *t = c.text[i];
        size_t n = strlen(t), ln = n > 1500 ? 1500 : n;
        while (ln < n && ln > 0 && t[ln] != ' ')
            ln--;   /* a cut at a space, as the folder's lede */
        snprintf(title, sizeof title, "Report %zu From Geneva", i % 7);
        CHECK_EQ_INT(nf_feats_extract(dm, &CFG, title, t, n, &fm), NF_OK);
        CHECK_EQ_INT(nf_feats_extract(d2, &CFG, title, t, n, &f2), NF_OK);
        badm += !same_feats(&fm, &f2);
        nf_lhint h = {fm.tok.tok, fm.sid, fm.tok.ntok, &map, &capmap};
        CHECK_EQ_INT(nf_feats_extract_hint(dh, &lcfg, title, t, ln, &fh, &h), NF_OK);
        CHECK_EQ_INT(nf_feats_extract(dl, &lcfg, title, t, ln, &fl), NF_OK);
        bad += !same_feats(&fh, &fl);
        hinted += fh.nterm > 0;
    }
    CHECK_EQ_INT(badm, 0);
    CHECK_EQ_INT(bad, 0);
    CHECK(hinted > c.n / 2);
    CHECK_EQ_INT(nf_dict_size(dh), nf_dict_size(dl));
    CHECK(capmap > 0);   /* the map was taught */
    free(map);
    nf_feats_reset(&fm);
    nf_feats_reset(&fl);
    nf_feats_reset(&fh);
    nf_feats_reset(&f2);
    nf_dict_free(dm);
    nf_dict_free(dl);
    nf_dict_free(dh);
    nf_dict_free(d2);
    corpus_free(&c);
}

/* Repeated words merge into one entry per id: tf grows sublinearly, vectors stay sorted,
 * unique and unit length. */
static void weights(void)
{
    nf_dict *d;
    CHECK_EQ_INT(nf_dict_new(&d), NF_OK);
    nf_feats f;
    nf_feats_init(&f);
    const char *t = "The harbour flooded. The harbour flooded again. The harbour closed. "
                    "Boats waited outside the harbour.";
    CHECK_EQ_INT(nf_feats_extract(d, &CFG, NULL, t, strlen(t), &f), NF_OK);
    double norm = 0;
    int sorted = 1;
    for (size_t i = 0; i < f.nterm; i++) {
        norm += (double)f.term[i].w * f.term[i].w;
        sorted &= i == 0 || f.term[i - 1].id < f.term[i].id;
    }
    CHECK(sorted);
    CHECK_NEAR(norm, 1.0, 1e-5);
    uint32_t harbour = find_key(d, f.term, f.nterm, "harbour"),
             boat = find_key(d, f.term, f.nterm, "boat");
    CHECK(harbour != UINT32_MAX && boat != UINT32_MAX);
    float wh = 0, wb = 0;
    for (size_t i = 0; i < f.nterm; i++) {
        wh = f.term[i].id == harbour ? f.term[i].w : wh;
        wb = f.term[i].id == boat ? f.term[i].w : wb;
    }
    CHECK(wh > wb && wh < 4 * wb);   /* four mentions, but sublinear */
    nf_feats_reset(&f);
    nf_dict_free(d);
}

/* Quote shingles against a plain reference: XXH3 of each lower-cased word of the quoted span
 * (numbers as printed, commas kept), six at a time. */
static void quote_shingles(void)
{
    static const char *w[] = {"the", "harbour", "lost", "1,200", "boats", "and", "millions"};
    const char *t = "Officials said: \"The HARBOUR lost 1,200 boats and millions.\" Then 3,400 "
                    "people left.";
    uint64_t wh[7], ref[2];
    for (int k = 0; k < 7; k++)
        wh[k] = XXH3_64bits(w[k], strlen(w[k]));
    for (int i = 0; i < 2; i++) {
        uint64_t h = 0;
        for (int k = 0; k < 6; k++)
            h = (h ^ wh[i + k]) * 0x100000001B3ull + (uint64_t)k;
        ref[i] = h;
    }
    if (ref[0] > ref[1]) {
        uint64_t x = ref[0];
        ref[0] = ref[1], ref[1] = x;
    }
    nf_dict *d;
    CHECK_EQ_INT(nf_dict_new(&d), NF_OK);
    nf_feats f;
    nf_feats_init(&f);
    CHECK_EQ_INT(nf_feats_extract(d, &CFG, NULL, t, strlen(t), &f), NF_OK);
    CHECK_EQ_INT(f.nquote, 2);
    CHECK(f.nquote == 2 && f.quote[0] == ref[0] && f.quote[1] == ref[1]);
    CHECK(find_key(d, f.ent, f.nent, "1200") != UINT32_MAX);   /* numbers: commas dropped */
    CHECK(find_key(d, f.ent, f.nent, "3400") != UINT32_MAX);
    nf_feats_reset(&f);
    nf_dict_free(d);
}

int main(void)
{
    quote_shingles();
    keys();
    stream();
    weights();
    return nf_test_done("test_terms");
}
