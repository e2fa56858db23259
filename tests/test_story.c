/*
 * test_story.c — story folding: the seeds fold into one story; hand-written near misses stay
 * apart; copies inherit their original's story; results are deterministic; and the quality
 * regression on the three labelled files holds the ARI floors with the defaults (see quality());
 * the lede pass gives bit-identical vectors with and without the main pass's hint (lede_hint());
 * refinement on 1, 2 or 3 threads merges exactly the same stories (refine_threads()).
 */
#include "newsfold.h"
#include "nf_int.h"   /* nf_folder_extract*, nf_feats: the lede hint check */
#include "harness.h"
#include "fold_check.h"
#include <math.h>
#include <jansson.h>

static nf_article art(const char *text)
{
    nf_article a = {0};
    a.text = (char *)text;
    a.text_len = strlen(text);
    a.time = NF_NO_TIME;
    return a;
}

static void seeds(void)
{
    char p0[512], p1[512];
    snprintf(p0, sizeof p0, "%s/seeds/000_9352d1c620ab8b06.txt", nf_test_shared());
    snprintf(p1, sizeof p1, "%s/seeds/003_38795c60894fa36b.txt", nf_test_shared());
    size_t n0, n1;
    char *t0 = nf_test_read_file(p0, &n0), *t1 = nf_test_read_file(p1, &n1);
    CHECK(t0 && t1);
    if (!t0 || !t1)
        goto done;
    nf_folder *f;
    CHECK_EQ_INT(nf_folder_new(&f, NULL), NF_OK);
    nf_article a = art(t0), b = art(t1);
    nf_fold_result r0, r1;
    CHECK_EQ_INT(nf_folder_add(f, &a, -1, &r0), NF_OK);
    CHECK_EQ_INT(nf_folder_add(f, &b, -1, &r1), NF_OK);
    CHECK_EQ_INT(r0.story, 0);
    CHECK_EQ_INT(r0.joined, 0);
    CHECK_EQ_INT(r1.story, 0);          /* joined online, before any refinement */
    CHECK_EQ_INT(r1.joined, 1);
    CHECK(r1.quote_shingles >= 3);      /* three shared quotes of >= 6 words */
    CHECK(r1.nentities > 0 && r1.nterms > 0);
    int kremlin = 0;
    for (uint32_t i = 0; i < r1.nentities; i++)
        kremlin |= !strcmp(r1.entities[i], "kremlin") || !strcmp(r1.entities[i], "kommersant") ||
                   !strcmp(r1.entities[i], "kiriyenko");
    CHECK_MSG(kremlin, "expected kremlin/kommersant/kiriyenko among the shared entities");
    CHECK_EQ_INT(nf_folder_stories(f), 1);
    nf_folder_free(f);
done:
    free(t0);
    free(t1);
}

static void near_miss_and_copies(void)
{
    /* two boxing title fights: same topic words, different opponent, venue, year */
    const char *x1 = "Wladimir Klitschko stopped Hasim Rahman in the seventh round at SAP Arena in "
                     "Mannheim on Saturday to retain his heavyweight titles. Rahman, 35, was "
                     "outclassed. The referee Tony Weeks stopped the fight 44 seconds into the "
                     "seventh round.";
    const char *x2 = "Klitschko retained his heavyweight belts by stopping Rahman in Mannheim. "
                     "The champion floored Rahman in the sixth round at SAP Arena before the "
                     "referee stepped in during the seventh round.";
    const char *y1 = "Emergency crews in Chile searched for survivors after an earthquake of "
                     "magnitude 8.1 struck off Iquique on Tuesday, officials in Santiago said. "
                     "Michelle Bachelet declared a disaster zone.";
    nf_folder *f;
    CHECK_EQ_INT(nf_folder_new(&f, NULL), NF_OK);
    nf_article a = art(x1), b = art(x2), c = art(y1), d = art(x1);
    nf_fold_result r;
    CHECK_EQ_INT(nf_folder_add(f, &a, -1, &r), NF_OK);
    CHECK_EQ_INT(nf_folder_add(f, &b, -1, &r), NF_OK);
    CHECK_EQ_INT(r.story, 0);
    CHECK(r.similarity >= 0.3);
    CHECK_EQ_INT(nf_folder_add(f, &c, -1, &r), NF_OK);
    CHECK_EQ_INT(r.story, 2);            /* unrelated: a new story */
    CHECK_EQ_INT(r.joined, 0);
    CHECK_EQ_INT(nf_folder_add(f, &d, 2, &r), NF_OK);   /* declared a copy of article 2 */
    CHECK_EQ_INT(r.story, 2);
    CHECK_EQ_INT(r.copy, 1);
    CHECK_EQ_INT(nf_folder_add(f, &d, 7, &r), NF_EINVAL);  /* copy of a future article */
    uint64_t merges = 99;
    CHECK_EQ_INT(nf_folder_refine(f, &merges), NF_OK);
    CHECK_EQ_INT(merges, 0);
    CHECK_EQ_INT(nf_folder_story(f, 3), 2);
    CHECK_EQ_INT(nf_folder_story(f, 1), 0);
    CHECK_EQ_INT(nf_folder_story(f, 9), UINT64_MAX);
    CHECK_EQ_INT(nf_folder_stories(f), 2);
    CHECK(nf_folder_memory(f) > 0);
    nf_folder_free(f);
    nf_folder_free(NULL);
}

/* Refinement of a dated stream looks for a story's neighbours around its own dates: two
 * reports of one event (nothing joins online here: threshold above any similarity) merge in
 * refinement although more than REFINE_WALK (32) later stories, two months on, re-use all of
 * their keys — the newest postings of every key belong to those later stories, so a walk over
 * the newest postings alone never meets the partner. The later stories stay apart from the
 * early pair (time), and fold together among themselves. */
static void refine_dated(void)
{
    const char *x = "Emergency crews in Chile searched for survivors after an earthquake of "
                    "magnitude 8.1 struck off Iquique on Tuesday, officials in Santiago said. "
                    "Michelle Bachelet declared a disaster zone around Iquique and Arica.";
    const int64_t day = 86400, t0 = 1400000000;
    enum { LATER = 40 };
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.threshold = 10;   /* nothing joins online: only refinement merges */
    o.threads = 1;
    nf_folder *f;
    CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
    nf_article a = art(x);
    nf_fold_result r;
    for (int i = 0; i < 2 + LATER; i++) {
        /* two reports a day apart, then the later stories from day 60 on, 4 hours apart */
        a.time = i < 2 ? t0 + i * day : t0 + 60 * day + (i - 2) * 4 * 3600;
        CHECK_EQ_INT(nf_folder_add(f, &a, -1, &r), NF_OK);
        CHECK_EQ_INT(r.joined, 0);
    }
    CHECK_EQ_INT(nf_folder_stories(f), 2 + LATER);
    uint64_t merges = 0;
    CHECK_EQ_INT(nf_folder_refine(f, &merges), NF_OK);
    CHECK_EQ_INT(nf_folder_story(f, 1), 0);          /* the early pair merged */
    CHECK_EQ_INT(nf_folder_story(f, 2), 2);          /* the later ones apart from it */
    for (int i = 3; i < 2 + LATER; i++)
        CHECK_EQ_INT(nf_folder_story(f, (uint64_t)i), 2);
    CHECK_EQ_INT(nf_folder_stories(f), 2);
    CHECK_EQ_INT(merges, 1 + LATER - 1);
    nf_folder_free(f);
}

/* Refinement's time factor is the mean over member pairs: a chain of reports 4 days apart
 * (the same text, nothing joins online) folds into pieces of nearby dates, never into one
 * story spanning two months (the gap between two date ranges that touch would be 0, and the
 * whole chain would merge step by step). */
static void refine_chain(void)
{
    const char *x = "Emergency crews in Chile searched for survivors after an earthquake of "
                    "magnitude 8.1 struck off Iquique on Tuesday, officials in Santiago said. "
                    "Michelle Bachelet declared a disaster zone around Iquique and Arica.";
    enum { N = 15 };
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.threshold = 10;
    o.threads = 1;
    nf_folder *f;
    CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
    nf_article a = art(x);
    for (int i = 0; i < N; i++) {
        a.time = 1400000000 + (int64_t)i * 4 * 86400;
        CHECK_EQ_INT(nf_folder_add(f, &a, -1, NULL), NF_OK);
    }
    uint64_t merges = 0;
    CHECK_EQ_INT(nf_folder_refine(f, &merges), NF_OK);
    CHECK(merges > 0);                                       /* neighbours do merge */
    CHECK(nf_folder_story(f, 0) != nf_folder_story(f, N - 1));   /* the ends do not */
    for (int i = 1; i < N; i++)   /* stories are runs of consecutive dates */
        CHECK(nf_folder_story(f, (uint64_t)i) == nf_folder_story(f, (uint64_t)i - 1) ||
              nf_folder_story(f, (uint64_t)i) == (uint64_t)i);
    nf_folder_free(f);
}

/* A huge or infinite sigma_days means "time does not matter": refinement must give what a
 * merely large one gives (the pairwise time factor once overflowed to inf / inf = NaN there, and
 * a NaN link passed every threshold test); a NaN option is refused. */
static void refine_sigma_extremes(void)
{
    const char *x = "Emergency crews in Chile searched for survivors after an earthquake of "
                    "magnitude 8.1 struck off Iquique on Tuesday, officials in Santiago said.";
    const char *y = "The football league announced a new schedule for the spring season, and "
                    "officials expect bigger crowds at every stadium.";
    const double sig[] = {1e9, 1e200, INFINITY};
    enum { N = 6 };
    uint64_t st[3][N], mg[3];
    for (int k = 0; k < 3; k++) {
        nf_fold_opts o;
        nf_fold_opts_init(&o);
        o.threshold = 10;
        o.threads = 1;
        o.sigma_days = sig[k];
        nf_folder *f;
        CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
        if (!f)
            return;
        for (int i = 0; i < N; i++) {   /* two reports sharing a few words, alternating */
            nf_article a = art(i % 2 ? y : x);
            a.time = 1400000000 + (int64_t)i * 86400;
            CHECK_EQ_INT(nf_folder_add(f, &a, -1, NULL), NF_OK);
        }
        CHECK_EQ_INT(nf_folder_refine(f, &mg[k]), NF_OK);
        for (int i = 0; i < N; i++)
            st[k][i] = nf_folder_story(f, (uint64_t)i);
        nf_folder_free(f);
    }
    CHECK(st[0][0] != st[0][1]);   /* the two events stay apart */
    for (int k = 1; k < 3; k++) {
        CHECK(mg[k] == mg[0]);
        CHECK(!memcmp(st[k], st[0], sizeof st[0]));
    }
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.sigma_days = NAN;
    nf_folder *f = NULL;
    CHECK_EQ_INT(nf_folder_new(&f, &o), NF_EINVAL);
    CHECK(f == NULL);
    /* weights that would make float term weights infinite or NaN are refused too */
    const double bad[] = {1e300, -1, INFINITY};
    for (int k = 0; k < 3; k++) {
        nf_fold_opts_init(&o);
        o.lede_weight = bad[k];
        CHECK_EQ_INT(nf_folder_new(&f, &o), NF_EINVAL);
        nf_fold_opts_init(&o);
        o.idf_prior_docs = bad[k];
        CHECK_EQ_INT(nf_folder_new(&f, &o), NF_EINVAL);
    }
    nf_fold_opts_init(&o);
    o.tail_weight = 0;   /* a weight of 0 (drop the tail) stays allowed */
    CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
    nf_folder_free(f);
}

/* ---- the labelled files ---- */

typedef struct labelled {
    nf_article *a;
    uint64_t *gold;
    size_t n;
} labelled;

static int load(const char *name, labelled *L)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/%s", nf_test_shared(), name);
    FILE *fp = fopen(path, "r");
    memset(L, 0, sizeof *L);
    if (!fp)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    const char **labels = NULL;
    while ((len = getline(&line, &cap, fp)) > 0) {
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)len, 0, &err);
        if (!o)
            continue;
        L->a = realloc(L->a, (L->n + 1) * sizeof *L->a);
        L->gold = realloc(L->gold, (L->n + 1) * sizeof *L->gold);
        labels = realloc(labels, (L->n + 1) * sizeof *labels);
        nf_article *a = &L->a[L->n];
        memset(a, 0, sizeof *a);
        a->text = strdup(json_string_value(json_object_get(o, "text")));
        a->text_len = strlen(a->text);
        a->time = NF_NO_TIME;
        const char *t = json_string_value(json_object_get(o, "title"));
        a->title = t ? strdup(t) : NULL;
        labels[L->n] = strdup(json_string_value(json_object_get(o, "story")));
        uint64_t g = L->n;
        for (size_t i = 0; i < L->n; i++)
            if (!strcmp(labels[i], labels[L->n])) {
                g = L->gold[i];
                break;
            }
        L->gold[L->n++] = g;
        json_decref(o);
    }
    for (size_t i = 0; i < L->n; i++)
        free((char *)labels[i]);
    free(labels);
    free(line);
    fclose(fp);
    return 0;
}

static void unload(labelled *L)
{
    for (size_t i = 0; i < L->n; i++) {
        free(L->a[i].text);
        free(L->a[i].title);
    }
    free(L->a);
    free(L->gold);
}

static double fold_ari(const labelled *L, uint64_t *pred)
{
    nf_folder *f;
    if (nf_folder_new(&f, NULL) != NF_OK)
        return -1;
    for (size_t i = 0; i < L->n; i++)
        if (nf_folder_add(f, &L->a[i], -1, NULL) != NF_OK)
            return -1;
    nf_folder_refine(f, NULL);
    for (size_t i = 0; i < L->n; i++)
        pred[i] = nf_folder_story(f, i);
    nf_folder_free(f);
    nf_cluster_scores s;
    nf_cluster_score(L->gold, pred, L->n, &s);
    return s.ari;
}

static void quality(void)
{
    /* floor: what the defaults must keep (a regression guard); target: issue 4's goal. NewsWCL50
     * scores 1.0 since the refinement's lede check keeps its two North Korea stories apart
     * (0.8778 when they fold into one); its floor sits just below that level. */
    static const struct { const char *file; double floor, target; } T[] = {
        {"ecbplus-dev.jsonl", 0.90, 0.90}, {"newswcl50.jsonl", 0.98, 0.95},
        {"np4e.jsonl", 0.98, 0.98},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        labelled L;
        CHECK_EQ_INT(load(T[k].file, &L), 0);
        CHECK(L.n > 40);
        uint64_t *p1 = calloc(L.n + 1, sizeof *p1), *p2 = calloc(L.n + 1, sizeof *p2);
        double a1 = fold_ari(&L, p1), a2 = fold_ari(&L, p2);
        printf("%s: ARI %.4f (floor %.2f, target %.2f%s)\n", T[k].file, a1, T[k].floor,
               T[k].target, a1 >= T[k].target ? "" : ", NOT MET");
        CHECK(a1 == a2 && memcmp(p1, p2, L.n * sizeof *p1) == 0);   /* deterministic */
        CHECK_MSG(a1 >= T[k].floor, "%s: ARI %.4f below the floor %.2f", T[k].file, a1,
                  T[k].floor);
        free(p1);
        free(p2);
        unload(&L);
    }
}

/* nf_folder_add_many, with and without the extraction thread, gives exactly the results and
 * folder state of one nf_folder_add per article: copies and dates mixed in, several batches. */
static void batches(void)
{
    labelled L;
    CHECK_EQ_INT(load("ecbplus-dev.jsonl", &L), 0);
    CHECK(L.n > 100);
    int64_t *cp = malloc(L.n * sizeof *cp);
    for (size_t i = 0; i < L.n; i++) {
        cp[i] = i % 9 == 8 ? (int64_t)(i / 3) : -1;   /* some copies of earlier articles */
        L.a[i].time = i % 4 == 3 ? NF_NO_TIME : 1700000000 + (int64_t)(i % 50) * 86400;
    }
    nf_fold_result *r0 = calloc(L.n, sizeof *r0), *r1 = calloc(L.n, sizeof *r1);
    nf_folder *f0, *f[4];
    CHECK_EQ_INT(nf_folder_new(&f0, NULL), NF_OK);
    for (size_t i = 0; i < L.n; i++)
        CHECK_EQ_INT(nf_folder_add(f0, &L.a[i], cp[i], &r0[i]), NF_OK);
    uint64_t m0 = 0;
    CHECK_EQ_INT(nf_folder_refine(f0, &m0), NF_OK);
    static const uint32_t threads[4] = {1, 2, 0, 3};
    for (int t = 0; t < 4; t++) {
        nf_fold_opts o;
        nf_fold_opts_init(&o);
        o.threads = threads[t];
        CHECK_EQ_INT(nf_folder_new(&f[t], &o), NF_OK);
        size_t cut[] = {0, 1, 300, 301, 700, L.n};   /* batches of 1, 299, 0, 399, ... */
        for (size_t b = 0; b + 1 < sizeof cut / sizeof cut[0]; b++) {
            size_t done = 99;
            CHECK_EQ_INT(nf_folder_add_many(f[t], L.a + cut[b], cut[b + 1] - cut[b], cp + cut[b],
                                            r1 + cut[b], &done), NF_OK);
            CHECK_EQ_INT(done, cut[b + 1] - cut[b]);
        }
        size_t bad = 0;
        for (size_t i = 0; i < L.n; i++)
            bad += !same_result(&r0[i], &r1[i]);
        CHECK_MSG(bad == 0, "threads %u: %zu results differ", threads[t], bad);
        uint64_t m1 = 0;
        CHECK_EQ_INT(nf_folder_refine(f[t], &m1), NF_OK);
        CHECK_EQ_INT(m1, m0);
        CHECK_EQ_INT(nf_folder_stories(f[t]), nf_folder_stories(f0));
        CHECK_EQ_INT(nf_folder_memory(f[t]) > 0, 1);
        bad = 0;
        for (size_t i = 0; i < L.n; i++)
            bad += nf_folder_story(f[t], i) != nf_folder_story(f0, i);
        CHECK_EQ_INT(bad, 0);
    }
    /* errors: a text-less article stops the batch there; a copy of a later article too */
    nf_article keep = L.a[5];
    L.a[5].text = NULL;
    size_t done = 0;
    nf_folder *g;
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.threads = 3;
    CHECK_EQ_INT(nf_folder_new(&g, &o), NF_OK);
    CHECK_EQ_INT(nf_folder_add_many(g, L.a, 40, NULL, r1, &done), NF_EINVAL);
    CHECK_EQ_INT(done, 5);
    CHECK_EQ_INT(nf_folder_articles(g), 5);
    L.a[5] = keep;
    int64_t fwd[3] = {-1, -1, 7};
    CHECK_EQ_INT(nf_folder_add_many(g, L.a + 5, 3, fwd, r1, &done), NF_EINVAL);
    CHECK_EQ_INT(done, 2);
    CHECK_EQ_INT(nf_folder_add_many(g, L.a, 0, NULL, NULL, &done), NF_OK);
    CHECK_EQ_INT(done, 0);
    nf_folder_free(g);
    for (int t = 0; t < 4; t++)
        nf_folder_free(f[t]);
    nf_folder_free(f0);
    free(r0);
    free(r1);
    free(cp);
    unload(&L);
}

static int same_tw(const nf_tw *x, size_t nx, const nf_tw *y, size_t ny)
{
    return nx == ny && (nx == 0 || memcmp(x, y, nx * sizeof *x) == 0);
}

/* One article through two folders: lede features without the hint (fa) and with the hint from
 * fb's main pass over the same article; 1 when both lede vectors are bit-identical. */
static int lede_same(nf_folder *fa, nf_folder *fb, const nf_article *a, nf_feats *m,
                     nf_feats *la, nf_feats *lb)
{
    if (nf_folder_extract(fa, a, m) || nf_folder_extract_lede(fa, a, la) ||
        nf_folder_extract(fb, a, m) ||
        nf_folder_extract_lede_hint(fb, a, lb, m->tok.tok, m->sid, m->tok.ntok))
        return 0;
    return same_tw(la->term, la->nterm, lb->term, lb->nterm) &&
           same_tw(la->ent, la->nent, lb->ent, lb->nent);
}

/* The lede pass with the main pass's hint (tokens, surface ids, the surface-id map) gives the
 * lede vectors of the pass without it, bit for bit, article after article (so the same lede
 * dictionary ids and frequencies): the labelled files, then generated texts longer than the
 * lede cut with quotes, sentence ends, capitals, numbers, non-ASCII and over-long words placed
 * at random, so tokens and sentences near the cut vary (and texts whose cut splits a word). */
static void lede_hint(void)
{
    nf_folder *fa, *fb;
    CHECK_EQ_INT(nf_folder_new(&fa, NULL), NF_OK);
    CHECK_EQ_INT(nf_folder_new(&fb, NULL), NF_OK);
    nf_feats m, la, lb;
    nf_feats_init(&m);
    nf_feats_init(&la);
    nf_feats_init(&lb);
    static const char *const files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    size_t bad = 0, n = 0;
    for (size_t k = 0; k < 3; k++) {
        labelled L;
        if (load(files[k], &L))
            continue;
        for (size_t i = 0; i < L.n; i++, n++)
            bad += !lede_same(fa, fb, &L.a[i], &m, &la, &lb);
        unload(&L);
    }
    CHECK(n > 900);
    static const char *const W[] = {
        "the", "The", "fire", "Fire", "said", "police", "Police", "NASA", "Paris", "Ford",
        "Monday", "May", "Mr.", "U.S.", "3.5", "1,200", "\"", "''", "``", "'", "(", ")", ".",
        ".", ",", "!", "?", "\n", "\n\n", "caf\xc3\xa9", "\xc3\x89" "cole", "\xe2\x80\x9c",
        "\xe2\x80\x9d", "don't", "it's", "Betty", "Center", "-", "J.", "K.", "Rowling",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x",
    };
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    char *buf = malloc(6000);
    for (int d = 0; d < 300; d++, n++) {
        size_t len = 0, target = 1500 + (size_t)(d * 37 % 3000);
        while (len < target) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            const char *w = W[(rng >> 33) % NF_ARRAY_LEN(W)];
            size_t wl = strlen(w);
            memcpy(buf + len, w, wl);
            len += wl;
            /* every fifth text: tabs only, so the cut (at a space or newline) falls inside a
             * word and the lede's last token is a prefix of the main pass's */
            buf[len++] = d % 5 == 0 ? '\t' : (rng >> 20) % 7 ? ' ' : (rng >> 24) % 2 ? '\n' : '"';
        }
        buf[len] = 0;
        for (size_t j = 0; d % 5 == 0 && j < len; j++)
            if (buf[j] == '\n')
                buf[j] = '\t';
        nf_article a = art(buf);
        a.title = d % 3 ? "Fire at the Center" : NULL;
        bad += !lede_same(fa, fb, &a, &m, &la, &lb);
    }
    CHECK_MSG(bad == 0, "%zu of %zu lede vectors differ with the hint", bad, n);
    free(buf);
    nf_feats_reset(&m);
    nf_feats_reset(&la);
    nf_feats_reset(&lb);
    nf_folder_free(fa);
    nf_folder_free(fb);
}

/* Refinement's pair collection runs on o.threads threads: on a generated dated stream (replicas
 * of the labelled articles, three days apart, with replica-specific words, so there are many
 * stories and many merges, dated and undated), 1, 2 and 3 threads give the same merges and the
 * same story of every article, and so does a second refinement. */
static void refine_threads(void)
{
    labelled L;
    CHECK_EQ_INT(load("ecbplus-dev.jsonl", &L), 0);
    CHECK(L.n > 100);
    size_t reps = 3, n = L.n * reps;
    nf_article *a = calloc(n, sizeof *a);
    char **txt = calloc(n, sizeof *txt);
    uint64_t *st0 = calloc(n, sizeof *st0);
    for (size_t i = 0; i < n; i++) {
        size_t r = i / L.n, j = i % L.n, len = L.a[j].text_len;
        txt[i] = malloc(len + 1);
        memcpy(txt[i], L.a[j].text, len + 1);
        /* every 7th word (by position, shifted per replica) becomes a replica-specific word */
        size_t w = 0;
        for (size_t k = 0; k < len; k++) {
            if (txt[i][k] == ' ' && ++w % 7 == r && k + 4 < len && txt[i][k + 1] != ' ')
                txt[i][k + 1] = (char)('q' + r), txt[i][k + 2] = (char)('x' + (j & 1));
        }
        a[i] = art(txt[i]);
        a[i].time = j % 5 == 4 ? NF_NO_TIME : 1700000000 + (int64_t)r * 3 * 86400 +
                                                   (int64_t)(j % 40) * 3600;
    }
    static const uint32_t threads[3] = {1, 2, 3};
    uint64_t m[3] = {0}, m2[3] = {0};
    for (int t = 0; t < 3; t++) {
        nf_fold_opts o;
        nf_fold_opts_init(&o);
        o.threads = threads[t];
        o.merge_threshold = 0.2;   /* more merges, over more rounds */
        nf_folder *f;
        CHECK_EQ_INT(nf_folder_new(&f, &o), NF_OK);
        for (size_t i = 0; i < n; i++)
            CHECK_EQ_INT(nf_folder_add(f, &a[i], -1, NULL), NF_OK);
        CHECK(nf_folder_stories(f) > 200);
        CHECK_EQ_INT(nf_folder_refine(f, &m[t]), NF_OK);
        CHECK_EQ_INT(nf_folder_refine(f, &m2[t]), NF_OK);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t s = nf_folder_story(f, i);
            if (!t)
                st0[i] = s;
            bad += s != st0[i];
        }
        CHECK_MSG(bad == 0, "threads %u: %zu articles in other stories", threads[t], bad);
        CHECK_EQ_INT(m[t], m[0]);
        CHECK_EQ_INT(m2[t], m2[0]);
        nf_folder_free(f);
    }
    CHECK(m[0] > 50);
    for (size_t i = 0; i < n; i++)
        free(txt[i]);
    free(txt);
    free(a);
    free(st0);
    unload(&L);
}

int main(void)
{
    lede_hint();
    seeds();
    near_miss_and_copies();
    refine_dated();
    refine_chain();
    refine_sigma_extremes();
    quality();
    batches();
    refine_threads();
    return nf_test_done("test_story");
}
