/*
 * test_foldwin.c — the windowed fold (src/foldwin.c): block plan and warm-ups, lists with
 * copies left out, the border join on hand-made stories, and on real articles (np4e and
 * NewsWCL50 with dates given per gold story): the same stories whatever the thread count or
 * the order the blocks are folded in, and exactly the plain fold with one block or no dates.
 */
#include "harness.h"
#include "newsfold.h"

enum { DAY = 86400 };

static void test_plan(void)
{
    /* 2 undated, then days 0 0 1 5 9 10 31 (block_days 10, window 3) */
    int64_t t[] = {NF_NO_TIME, NF_NO_TIME, 0, 0, DAY, 5 * DAY, 9 * DAY, 10 * DAY, 31 * DAY};
    size_t n = sizeof t / sizeof t[0], nb = 0;
    nf_foldwin_block *b = NULL;
    CHECK(nf_foldwin_plan(t, n, 10, 3, &b, &nb) == NF_OK);
    CHECK_EQ_INT(nb, 3);                          /* days 0-9, 10-19, 30-39 (20-29 empty) */
    if (nb == 3) {
        CHECK(b[0].pre == 0 && b[0].warm == 0 && b[0].start == 0 && b[0].end == 7);
        /* block 1 starts at day 10: warm-up from day 7 = position 6 (day 9) */
        CHECK(b[1].pre == 2 && b[1].warm == 6 && b[1].start == 7 && b[1].end == 8);
        /* block 2 starts at day 31: nothing from day 28 on before it */
        CHECK(b[2].pre == 2 && b[2].warm == 8 && b[2].start == 8 && b[2].end == 9);
        CHECK_EQ_INT(nf_foldwin_list_max(&b[1]), 2 + 2);
    }
    free(b);
    /* a huge window takes every earlier dated article */
    CHECK(nf_foldwin_plan(t, n, 10, 1e30, &b, &nb) == NF_OK && nb == 3 && b[2].warm == 2);
    free(b);
    /* all undated: one block */
    int64_t u[3] = {NF_NO_TIME, NF_NO_TIME, NF_NO_TIME};
    CHECK(nf_foldwin_plan(u, 3, 30, 30, &b, &nb) == NF_OK && nb == 1 && b[0].end == 3);
    free(b);
    CHECK(nf_foldwin_plan(u, 0, 30, 30, &b, &nb) == NF_OK && nb == 0 && b == NULL);
    /* bad arguments */
    int64_t bad[] = {5, 3};
    CHECK(nf_foldwin_plan(bad, 2, 30, 30, &b, &nb) == NF_EINVAL);
    int64_t late[] = {5, NF_NO_TIME};
    CHECK(nf_foldwin_plan(late, 2, 30, 30, &b, &nb) == NF_EINVAL);
    CHECK(nf_foldwin_plan(t, n, 0, 30, &b, &nb) == NF_EINVAL);
    CHECK(nf_foldwin_plan(t, n, -1, 30, &b, &nb) == NF_EINVAL);
    /* dates before 1970 (negative times): blocks by floor, counted from the first date */
    int64_t neg[] = {-25 * DAY, -15 * DAY - 1, -15 * DAY, -5 * DAY, 5 * DAY - 1, 5 * DAY};
    CHECK(nf_foldwin_plan(neg, 6, 10, 3, &b, &nb) == NF_OK && nb == 4);
    if (nb == 4)
        CHECK(b[0].end == 2 && b[1].end == 3 && b[2].end == 5 && b[3].end == 6 &&
              b[2].warm == 3 && b[3].warm == 4);
    free(b);
    /* a span of exactly block_days is two blocks (a block is [first + k B, first + (k+1) B)) */
    int64_t two[] = {0, 30 * DAY};
    CHECK(nf_foldwin_plan(two, 2, 30, 3, &b, &nb) == NF_OK && nb == 2);
    free(b);
}

/* Hand-made stories: block 0 owns 0..5, block 1 owns 6..9 with warm-up 3..5; 9 copies 1. */
static void test_join(void)
{
    nf_foldwin_block b[2] = {{0, 0, 0, 6}, {0, 3, 6, 10}};
    int64_t copy_of[10] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, 1};
    uint64_t pos0[6], pos1[7];
    int64_t cp0[6], cp1[7];
    size_t m[2];
    m[0] = nf_foldwin_list(&b[0], copy_of, pos0, cp0);
    m[1] = nf_foldwin_list(&b[1], copy_of, pos1, cp1);
    CHECK_EQ_INT(m[0], 6);
    CHECK_EQ_INT(m[1], 6);                        /* 9 left out: its original is not there */
    CHECK(pos1[0] == 3 && pos1[5] == 8 && cp1[0] == -1);
    /* block 0: A = {0, 1, 3}, B = {2, 4}, C = {5} */
    uint64_t s0[6] = {0, 0, 2, 0, 2, 5};
    /* block 1 (pos 3 4 5 6 7 8): 3 starts a story with 6; 4 starts one with 5 and 8; 7 alone */
    uint64_t s1[6] = {0, 1, 1, 0, 4, 1};
    const uint64_t *pos[2] = {pos0, pos1}, *st[2] = {s0, s1};
    uint64_t fin[10];
    nf_foldwin_stats ws = {0};
    CHECK(nf_foldwin_join(b, 2, m, pos, st, copy_of, 10, fin, &ws) == NF_OK);
    uint64_t want[10] = {0, 0, 2, 0, 2, 5, 0, 7, 2, 0};
    for (int k = 0; k < 10; k++)
        CHECK_MSG(fin[k] == want[k], "article %d: story %llu, want %llu", k,
                  (unsigned long long)fin[k], (unsigned long long)want[k]);
    CHECK_EQ_INT(ws.unions, 2);                   /* A and B continued; 5 does not pull in C */
    CHECK_EQ_INT(ws.stories, 4);
    CHECK_EQ_INT(ws.warmup, 3);
    /* inconsistent input is refused */
    uint64_t s1bad[6] = {0, 1, 1, 0, 5, 1};       /* a story whose first comes later */
    const uint64_t *stb[2] = {s0, s1bad};
    CHECK(nf_foldwin_join(b, 2, m, pos, stb, copy_of, 10, fin, &ws) == NF_EINVAL);
    /* blocks that do not cover [0, n) in order are refused; stats may be NULL */
    CHECK(nf_foldwin_join(b, 2, m, pos, st, copy_of, 11, fin, NULL) == NF_EINVAL);
    nf_foldwin_block gap[2] = {{0, 0, 0, 5}, {0, 3, 6, 10}};
    CHECK(nf_foldwin_join(gap, 2, m, pos, st, copy_of, 10, fin, NULL) == NF_EINVAL);
    CHECK(nf_foldwin_join(b, 2, m, pos, st, copy_of, 10, fin, NULL) == NF_OK && fin[7] == 7);
}

/* ---- real articles ---- */

typedef struct corpus {
    nf_article *a;
    size_t n, cap;
} corpus;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Each gold story starts on a day of its own within 120 days; its articles follow within 10. */
static void load(corpus *c, const char *name, int dated)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/%s", nf_test_shared(), name);
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "cannot open %s", path);
    if (!fp)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *text = json_string_value(json_object_get(o, "text"));
        const char *title = json_string_value(json_object_get(o, "title"));
        const char *story = json_string_value(json_object_get(o, "story"));
        if (text && story) {
            if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 256;
                c->a = realloc(c->a, c->cap * sizeof *c->a);
            }
            nf_article *a = &c->a[c->n];
            memset(a, 0, sizeof *a);
            a->text = strdup(text);
            a->text_len = strlen(text);
            a->title = title ? strdup(title) : NULL;
            a->time = dated ? (int64_t)(1672531200 + (hash_str(story) % 120) * DAY +
                                        (c->n * 7 % 11) * DAY) : NF_NO_TIME;
            c->n++;
        }
        json_decref(o);
    }
    free(line);
    fclose(fp);
}

static int cmp_time(const void *x, const void *y)
{
    const nf_article *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->text_len < b->text_len ? -1 : a->text_len > b->text_len;
}

/* arrival order (stable enough: date, then text length) and the online copies */
static void arrive(corpus *c, int64_t *copy_of)
{
    qsort(c->a, c->n, sizeof *c->a, cmp_time);
    nf_dedup *d = NULL;
    CHECK(nf_dedup_new(&d, NULL) == NF_OK);
    for (size_t k = 0; k < c->n; k++) {
        nf_copy cp = {.copy_of = -1};
        CHECK(nf_dedup_add(d, c->a[k].text, c->a[k].text_len, &cp) == NF_OK);
        copy_of[k] = cp.copy_of;
    }
    nf_dedup_free(d);
}

static void plain(const corpus *c, const int64_t *copy_of, uint64_t *story)
{
    nf_folder *f = NULL;
    CHECK(nf_folder_new(&f, NULL) == NF_OK);
    CHECK(nf_folder_add_many(f, c->a, c->n, copy_of, NULL, NULL) == NF_OK);
    CHECK(nf_folder_refine(f, NULL) == NF_OK);
    for (size_t k = 0; k < c->n; k++)
        story[k] = nf_folder_story(f, k);
    nf_folder_free(f);
}

/* The steps by hand, blocks folded in a given order (as ranks would, in any order). */
/* permute: 0 block order, 1 reverse, 2 a shuffle */
static nf_rc by_steps(const corpus *c, const int64_t *copy_of, double days, int permute,
                      uint64_t *fin, nf_foldwin_stats *ws)
{
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    o.threads = 1;
    int64_t *t = malloc((c->n + 1) * sizeof *t);
    for (size_t k = 0; k < c->n; k++)
        t[k] = c->a[k].time;
    nf_foldwin_block *b = NULL;
    size_t nb = 0;
    nf_rc rc = nf_foldwin_plan(t, c->n, days, o.window_days, &b, &nb);
    free(t);
    if (rc)
        return rc;
    uint64_t **pos = calloc(nb + 1, sizeof *pos), **st = calloc(nb + 1, sizeof *st);
    size_t *m = calloc(nb + 1, sizeof *m);
    size_t *perm = malloc((nb + 1) * sizeof *perm);
    for (size_t i = 0; i < nb; i++)
        perm[i] = permute == 1 ? nb - 1 - i : i;
    uint64_t x = 12345;
    for (size_t i = nb; permute == 2 && i > 1; i--) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((x >> 33) % i), tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    ws->merges = 0;
    for (size_t i = 0; i < nb && !rc; i++) {
        size_t bi = perm[i];
        uint64_t lm = nf_foldwin_list_max(&b[bi]), mg = 0;
        pos[bi] = malloc((lm + 1) * sizeof **pos);
        st[bi] = malloc((lm + 1) * sizeof **st);
        int64_t *cp = malloc((lm + 1) * sizeof *cp);
        nf_article *arr = malloc((lm + 1) * sizeof *arr);
        m[bi] = nf_foldwin_list(&b[bi], copy_of, pos[bi], cp);
        for (size_t j = 0; j < m[bi]; j++)
            arr[j] = c->a[pos[bi][j]];
        rc = nf_foldwin_fold(arr, m[bi], cp, &o, 1, st[bi], &mg);
        ws->merges += mg;
        free(cp);
        free(arr);
    }
    if (!rc)
        rc = nf_foldwin_join(b, nb, m, (const uint64_t *const *)pos,
                             (const uint64_t *const *)st, copy_of, c->n, fin, ws);
    for (size_t bi = 0; bi < nb; bi++) {
        free(pos[bi]);
        free(st[bi]);
    }
    free(pos);
    free(st);
    free(m);
    free(b);
    free(perm);
    return rc;
}

static int same(const uint64_t *a, const uint64_t *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_real(int dated)
{
    corpus c = {0};
    load(&c, "np4e.jsonl", dated);
    load(&c, "newswcl50.jsonl", dated);
    CHECK(c.n > 100);
    if (c.n == 0)
        return;
    int64_t *copy_of = malloc(c.n * sizeof *copy_of);
    uint64_t *ref = malloc(c.n * sizeof *ref), *w1 = malloc(c.n * sizeof *w1);
    uint64_t *w3 = malloc(c.n * sizeof *w3), *s = malloc(c.n * sizeof *s);
    arrive(&c, copy_of);
    size_t ncopies = 0;
    for (size_t k = 0; k < c.n; k++)
        ncopies += copy_of[k] >= 0;
    CHECK(ncopies > 0);                  /* np4e's rewritten updates */
    plain(&c, copy_of, ref);
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    nf_foldwin_stats ws1, ws3, wss;
    /* 20-day blocks: several borders (stories are dated over 130 days) */
    o.threads = 1;
    CHECK(nf_fold_windows(c.a, c.n, copy_of, &o, 20, 1, w1, &ws1) == NF_OK);
    o.threads = 3;
    CHECK(nf_fold_windows(c.a, c.n, copy_of, &o, 20, 1, w3, &ws3) == NF_OK);
    CHECK_MSG(same(w1, w3, c.n), "1 thread and 3 threads differ");
    CHECK(ws1.stories == ws3.stories && ws1.unions == ws3.unions && ws1.merges == ws3.merges);
    if (dated) {
        CHECK(ws1.blocks >= 5);
        CHECK(ws1.unions > 0);           /* stories crossed borders and were joined */
        CHECK(ws1.warmup > 0);
        /* folding the blocks in reverse, or in a scrambled order, changes nothing */
        for (int p = 0; p <= 2; p++) {
            CHECK(by_steps(&c, copy_of, 20, p, s, &wss) == NF_OK);
            CHECK_MSG(same(w1, s, c.n), "block order %d gives other stories", p);
            CHECK(wss.unions == ws1.unions && wss.merges == ws1.merges);
        }
        /* every story is named by its earliest article, which is in it */
        int named_ok = 1;
        for (size_t k = 0; k < c.n; k++)
            named_ok &= w1[k] <= k && w1[w1[k]] == w1[k];
        CHECK(named_ok);
        /* some story spans a border: its earliest article lies in an earlier block */
        int64_t *t = malloc(c.n * sizeof *t);
        for (size_t k = 0; k < c.n; k++)
            t[k] = c.a[k].time;
        nf_foldwin_block *b = NULL;
        size_t nb = 0, spans = 0;
        CHECK(nf_foldwin_plan(t, c.n, 20, o.window_days, &b, &nb) == NF_OK);
        for (size_t i = 1; i < nb; i++)
            for (uint64_t k = b[i].start; k < b[i].end; k++)
                spans += w1[k] < b[i].start;
        CHECK_MSG(spans > 0, "no story crosses a border");
        free(t);
        free(b);
    } else {
        CHECK_EQ_INT(ws1.blocks, 1);
        CHECK_EQ_INT(ws1.warmup, 0);
    }
    /* one block (undated, or block_days beyond the span): exactly the plain fold */
    o.threads = 2;
    CHECK(nf_fold_windows(c.a, c.n, copy_of, &o, dated ? 1000 : 20, 1, s, &wss) == NF_OK);
    CHECK_EQ_INT(wss.blocks, 1);
    CHECK_MSG(same(ref, s, c.n), "one block differs from the plain fold");
    if (!dated)
        CHECK_MSG(same(ref, w1, c.n), "undated: --windows differs from the plain fold");
    for (size_t k = 0; k < c.n; k++) {
        free(c.a[k].text);
        free(c.a[k].title);
    }
    free(c.a);
    free(copy_of);
    free(ref);
    free(w1);
    free(w3);
    free(s);
}

int main(void)
{
    test_plan();
    test_join();
    test_real(1);
    test_real(0);
    return nf_test_done("test_foldwin");
}
