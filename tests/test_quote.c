/*
 * test_quote.c — shared quotes across small hand-written articles: case, punctuation and curly
 * vs straight marks ignored; a quote split in two by one outlet and whole in another; a quote
 * printed in marks by one and verbatim without by another (echo); and what must not match
 * (shared unquoted phrases, short quotes, function-word runs, skipped copies).
 */
#include "harness.h"
#include "nf_int.h"

static nf_stemmer *st;

static size_t groups(const char *const *texts, size_t n, const uint8_t *skip, nf_qgroups *g)
{
    nf_cdoc d[8];
    memset(d, 0, sizeof d);
    for (size_t i = 0; i < n; i++)
        if (nf_cdoc_build(&d[i], texts[i], strlen(texts[i]), st) != NF_OK)
            return 999;
    if (nf_quotes_match(d, n, skip, g) != NF_OK)
        g->n = 998;
    for (size_t i = 0; i < n; i++)
        nf_cdoc_reset(&d[i]);
    return g->n;
}

static size_t count(const char *a, const char *b)
{
    const char *t[2] = {a, b};
    nf_qgroups g = {0};
    size_t n = groups(t, 2, NULL, &g);
    nf_qgroups_reset(&g);
    return n;
}

int main(void)
{
    st = nf_stemmer_new();
    nf_qgroups g = {0};

    /* case, punctuation, curly vs straight marks */
    const char *a1 = "She said: \xe2\x80\x9cThe plan will change everything for the people of this city.\xe2\x80\x9d";
    const char *b1 = "\"the plan will change everything, for the people of this city,\" the mayor said.";
    const char *t1[2] = {a1, b1};
    CHECK_EQ_INT(groups(t1, 2, NULL, &g), 1);
    if (g.n == 1) {
        CHECK_EQ_INT(g.g[0].nocc, 2);
        CHECK(g.g[0].occ[0].quoted && g.g[0].occ[1].quoted);
        CHECK_EQ_INT(g.g[0].occ[0].w1 - g.g[0].occ[0].w0, 11);
    }
    nf_qgroups_reset(&g);

    /* split in two by one outlet, whole in the other: both halves match the whole */
    const char *a2 = "\"Any phone has a transparent mechanism, whatever system it runs. Naturally they "
                     "are never used for official purposes,\" the spokesman said.";
    const char *b2 = "\"Any phone has a transparent mechanism, whatever system it runs,\" he said. "
                     "\"Naturally they are never used for official purposes.\"";
    const char *t2[2] = {a2, b2};
    CHECK_EQ_INT(groups(t2, 2, NULL, &g), 2);
    for (size_t i = 0; i < g.n; i++) {
        CHECK_EQ_INT(g.g[i].nocc, 2);
        CHECK(g.g[i].occ[0].quoted && g.g[i].occ[1].quoted);
    }
    if (g.n == 2)   /* the two halves are disjoint in the whole */
        CHECK(g.g[0].occ[0].w1 <= g.g[1].occ[0].w0);
    nf_qgroups_reset(&g);

    /* echo: in marks in one, verbatim without marks in the other */
    const char *a3 = "Peskov told reporters that \"smartphones should not be used for official business,\" Reuters reported.";
    const char *b3 = "Peskov could not confirm the report but said smartphones should not be used for official business.";
    const char *t3[2] = {a3, b3};
    CHECK_EQ_INT(groups(t3, 2, NULL, &g), 1);
    if (g.n == 1) {
        CHECK_EQ_INT(g.g[0].occ[0].quoted, 1);
        CHECK_EQ_INT(g.g[0].occ[1].quoted, 0);
    }
    nf_qgroups_reset(&g);

    /* the same quote in three articles, one of them a copy that is skipped */
    const char *t4[3] = {a1, b1, a1};
    uint8_t skip[3] = {0, 0, 1};
    CHECK_EQ_INT(groups(t4, 3, skip, &g), 1);
    if (g.n == 1)
        CHECK_EQ_INT(g.g[0].nocc, 2);
    nf_qgroups_reset(&g);
    uint8_t skip2[3] = {0, 1, 1};
    CHECK_EQ_INT(groups(t4, 3, skip2, &g), 0);
    nf_qgroups_reset(&g);

    /* must not match */
    CHECK_EQ_INT(count("The first deputy head of the presidential administration spoke.",
                       "He is the first deputy head of the presidential administration today."), 0);
    CHECK_EQ_INT(count("\"We will win this,\" she said.", "\"We will win this,\" he said."), 0);
    CHECK_EQ_INT(count("\"It is what it is and it was what it was,\" she said.",
                       "It is what it is and it was what it was, he said."), 0);
    CHECK_EQ_INT(count("\"The plan will change everything for the people\" she said.",
                       "\"The plan will not change anything for the people\" he said."), 0);

    /* order of the articles does not change what is found */
    const char *t5[2] = {b2, a2};
    CHECK_EQ_INT(groups(t5, 2, NULL, &g), 2);
    nf_qgroups_reset(&g);

    nf_stemmer_free(st);
    return nf_test_done("test_quote");
}
