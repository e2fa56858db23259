/*
 * test_store_agg.c — story rows kept up to date from per-story aggregates (store.c): after every
 * commit of a random sequence of writes (new articles joining stories, moves, removals, copies
 * set and cleared, articles updated, rollbacks, and commits by a second connection), the stories
 * table equals the one computed from scratch in SQL from the members.
 */
#include "harness.h"
#include "newsfold.h"
#include <sqlite3.h>
#include <unistd.h>

static char dir[] = "/tmp/nf_test_store_agg_XXXXXX";

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* The stories table as text, and the same rows computed from the members by SQL. */
static const char *const ROWS =
    "SELECT group_concat(id || '|' || size || '|' || outlets || '|' || "
    "coalesce(first_time, '-') || '|' || coalesce(last_time, '-') || '|' || "
    "coalesce(first_date, '-') || '|' || coalesce(last_date, '-') || '|' || "
    "coalesce(headline, '-'), char(10)) FROM (SELECT * FROM stories ORDER BY id)";
static const char *const REF =
    "SELECT group_concat(id || '|' || size || '|' || outlets || '|' || "
    "coalesce(first_time, '-') || '|' || coalesce(last_time, '-') || '|' || "
    "coalesce(first_date, '-') || '|' || coalesce(last_date, '-') || '|' || "
    "coalesce(headline, '-'), char(10)) FROM (SELECT m0.story AS id, count(*) AS size, "
    "count(DISTINCT CASE WHEN c.article IS NULL THEN coalesce(a.outlet, '#' || a.id) END) AS outlets, "
    "min(a.time) AS first_time, max(a.time) AS last_time, "
    "strftime('%Y-%m-%dT%H:%M:%SZ', min(a.time), 'unixepoch') AS first_date, "
    "strftime('%Y-%m-%dT%H:%M:%SZ', max(a.time), 'unixepoch') AS last_date, "
    "(SELECT CASE WHEN coalesce(a2.title, '') <> '' THEN a2.title ELSE "
    " trim(substr(substr(a2.text, 1, instr(a2.text || char(10), char(10)) - 1), 1, 120)) END "
    " FROM members m2 JOIN articles a2 ON a2.id = m2.article "
    " LEFT JOIN copies c2 ON c2.article = a2.id WHERE m2.story = m0.story "
    " ORDER BY coalesce(a2.title, '') = '', c2.article IS NOT NULL, a2.time IS NOT NULL, a2.time, "
    " a2.seq LIMIT 1) AS headline "
    "FROM members m0 JOIN articles a ON a.id = m0.article LEFT JOIN copies c ON c.article = a.id "
    "GROUP BY m0.story ORDER BY m0.story)";

static char *text_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return out;
}

static int rows_match(const char *path, int round)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 0;
    char *got = text_of(db, ROWS), *want = text_of(db, REF);
    int ok = got && want && !strcmp(got, want);
    if (!ok)
        fprintf(stderr, "round %d: stories differ\n got:\n%s\n want:\n%s\n", round,
                got ? got : "(null)", want ? want : "(null)");
    free(got);
    free(want);
    sqlite3_close(db);
    return ok;
}

#define NART 60
#define NSTORY 6

static void random_article(nf_article *a, char *id, char *text, size_t cap, unsigned i, unsigned v)
{
    static const char *const outlets[] = {"one.example", "two.example", "three.example", NULL,
                                          "", "four.example"};
    static const char *const titles[] = {"Flood closes the bridge", NULL, "", "Mayor speaks",
                                         "A title"};
    snprintf(id, 16, "a%u", i);
    snprintf(text, cap, "  Line %u version %u about the flood\nsecond line %u", i, v, rnd(5));
    memset(a, 0, sizeof *a);
    a->id = id;
    a->outlet = (char *)outlets[rnd(6)];
    a->title = (char *)titles[rnd(5)];
    a->text = text;
    a->text_len = strlen(text);
    a->time = rnd(4) == 0 ? NF_NO_TIME : 1700000000 + (int64_t)rnd(8) * 3600;
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/agg.db", dir);
    nf_store *w, *other;
    char err[256];
    CHECK_EQ_INT(nf_store_open(&w, path, NF_STORE_CREATE, err, sizeof err), NF_OK);
    CHECK_EQ_INT(nf_store_open(&other, path, 0, err, sizeof err), NF_OK);
    int stored[NART] = {0};
    unsigned version[NART] = {0};
    int mismatches = 0, rounds = 300, commits = 0, rollbacks = 0, outside = 0;
    for (int round = 0; round < rounds; round++) {
        nf_store *s = rnd(10) == 0 ? other : w;    /* now and then, a second writer */
        outside += s == other;
        CHECK_EQ_INT(nf_store_begin(s), NF_OK);
        unsigned ops = 1 + rnd(8);
        for (unsigned k = 0; k < ops; k++) {
            unsigned i = rnd(NART), op = rnd(10);
            char id[16], text[128], cid[16];
            snprintf(id, sizeof id, "a%u", i);
            if (!stored[i] || op < 2) {    /* a new article (or a new version) joins a story */
                nf_article a;
                random_article(&a, id, text, sizeof text, i, ++version[i]);
                CHECK_EQ_INT(nf_store_put_article(s, &a, NULL, NULL), NF_OK);
                stored[i] = 1;
                if (op < 2 && rnd(2))
                    continue;    /* an update of a member in place */
                CHECK_EQ_INT(nf_store_set_story(s, id, 1 + rnd(NSTORY)), NF_OK);
                if (rnd(3) == 0) {
                    unsigned j = rnd(NART);
                    snprintf(cid, sizeof cid, "a%u", j);
                    CHECK_EQ_INT(nf_store_set_copy(s, id, stored[j] ? cid : NULL, 0.9), NF_OK);
                }
            } else if (op < 5) {           /* a move, or out of every story */
                CHECK_EQ_INT(nf_store_set_story(s, id, rnd(5) == 0 ? -1 : (int64_t)(1 + rnd(NSTORY))),
                             NF_OK);
            } else if (op < 8) {           /* copy set or cleared */
                unsigned j = rnd(NART);
                snprintf(cid, sizeof cid, "a%u", j);
                CHECK_EQ_INT(nf_store_set_copy(s, id, rnd(2) && stored[j] ? cid : NULL, 0.8), NF_OK);
            } else {                        /* joins a story again */
                CHECK_EQ_INT(nf_store_set_story(s, id, 1 + rnd(NSTORY)), NF_OK);
            }
        }
        if (rnd(8) == 0) {
            CHECK_EQ_INT(nf_store_rollback(s), NF_OK);
            rollbacks++;
            /* the rolled-back articles are not stored: forget them (they may come again) */
            for (unsigned i = 0; i < NART; i++) {
                nf_article got;
                char id[16];
                snprintf(id, sizeof id, "a%u", i);
                if (nf_store_get_article(w, id, &got) == NF_OK)
                    nf_article_reset(&got);
                else
                    stored[i] = 0;
            }
        } else {
            CHECK_EQ_INT(nf_store_commit(s), NF_OK);
            commits++;
        }
        if (!rows_match(path, round))
            mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(commits > 200 && rollbacks > 10 && outside > 10);
    nf_store_close(other);
    nf_store_close(w);
    char p2[300];
    snprintf(p2, sizeof p2, "rm -rf %s", dir);
    CHECK(system(p2) == 0);
    return nf_test_done("test_store_agg");
}
