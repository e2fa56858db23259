/*
 * test_store.c — the story store: write-then-read identity, upsert semantics (new / same /
 * updated), story rows following their members across commits and rollbacks, listing with
 * query and time filters, comparisons, and the refusal of foreign, newer and non-SQLite files.
 */
#include "harness.h"
#include "newsfold.h"
#include <sqlite3.h>
#include <unistd.h>

static char dir[] = "/tmp/nf_test_store_XXXXXX";

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static nf_article art(const char *id, const char *outlet, const char *title, const char *text,
                      int64_t t)
{
    nf_article a = {0};
    a.id = (char *)id;
    a.outlet = (char *)outlet;
    a.title = (char *)title;
    a.text = (char *)text;
    a.text_len = strlen(text);
    a.time = t;
    return a;
}

typedef struct seen {
    char ids[16][32];
    int64_t story[16];
    const char *copy[16];
    int n;
} seen;

static int collect(const nf_stored *st, void *ctx)
{
    seen *s = ctx;
    if (s->n < 16) {
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", st->a->id);
        s->story[s->n] = st->story;
        s->copy[s->n] = st->copy_of ? "copy" : NULL;
        s->n++;
    }
    return 0;
}

typedef struct listed {
    int64_t id[16], size[16], outlets[16];
    char head[16][64];
    int n;
} listed;

static int collect_story(const nf_story_info *si, void *ctx)
{
    listed *l = ctx;
    if (l->n < 16) {
        l->id[l->n] = si->id;
        l->size[l->n] = si->size;
        l->outlets[l->n] = si->outlets;
        snprintf(l->head[l->n], sizeof l->head[0], "%s", si->headline ? si->headline : "");
        l->n++;
    }
    return 0;
}

static void test_roundtrip(void)
{
    char p[256];
    path_in(p, sizeof p, "a.db");
    nf_store *s = NULL;
    char err[512];
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, err, sizeof err), NF_OK);
    if (!s)
        return;
    const char *text = "Caf\xc3\xa9 \"quoted\" text\nwith lines and <script>alert(1)</script>";
    nf_article a = art("a1", "outlet.example", "T\xc3\xadtle one", text, 1679270400);
    a.url = "https://outlet.example/a1";
    nf_put_status ps = 99;
    int64_t seq = 0;
    CHECK_EQ_INT(nf_store_put_article(s, &a, &ps, &seq), NF_OK);
    CHECK_EQ_INT(ps, NF_PUT_NEW);
    CHECK(seq > 0);
    nf_article b = {0};
    CHECK_EQ_INT(nf_store_get_article(s, "a1", &b), NF_OK);
    CHECK_EQ_STR(b.id, a.id);
    CHECK_EQ_STR(b.outlet, a.outlet);
    CHECK_EQ_STR(b.url, a.url);
    CHECK_EQ_STR(b.title, a.title);
    CHECK_EQ_INT(b.text_len, a.text_len);
    CHECK(b.text && memcmp(b.text, a.text, a.text_len) == 0);
    CHECK_EQ_INT(b.time, a.time);
    free(b.id); free(b.outlet); free(b.url); free(b.title); free(b.text);
    CHECK_EQ_INT(nf_store_get_article(s, "nope", &b), NF_ENOTFOUND);

    /* same again: nothing written; changed text: update in place, same seq */
    int64_t seq2 = 0;
    CHECK_EQ_INT(nf_store_put_article(s, &a, &ps, &seq2), NF_OK);
    CHECK_EQ_INT(ps, NF_PUT_SAME);
    CHECK_EQ_INT(seq2, seq);
    nf_article a2 = art("a1", "outlet.example", "T\xc3\xadtle one", "new text", a.time);
    CHECK_EQ_INT(nf_store_put_article(s, &a2, &ps, &seq2), NF_OK);
    CHECK_EQ_INT(ps, NF_PUT_UPDATED);
    CHECK_EQ_INT(seq2, seq);
    nf_article undated = art("a0", NULL, NULL, "undated text", NF_NO_TIME);
    CHECK_EQ_INT(nf_store_put_article(s, &undated, &ps, NULL), NF_OK);
    CHECK_EQ_INT(nf_store_get_article(s, "a0", &b), NF_OK);
    CHECK_EQ_INT(b.time, NF_NO_TIME);
    CHECK(b.outlet == NULL && b.title == NULL);
    free(b.id); free(b.text);
    nf_store_counts c;
    CHECK_EQ_INT(nf_store_count(s, &c), NF_OK);
    CHECK_EQ_INT(c.articles, 2);
    CHECK_EQ_INT(c.unfolded, 2);
    seen sn = {0};
    CHECK_EQ_INT(nf_store_article_info(s, "a1", collect, &sn), NF_OK);
    CHECK_EQ_INT(sn.n, 1);
    CHECK_EQ_INT(sn.story[0], -1);
    memset(&sn, 0, sizeof sn);
    CHECK_EQ_INT(nf_store_each_article(s, collect, &sn), NF_OK);
    CHECK_EQ_INT(sn.n, 2);
    CHECK_EQ_STR(sn.ids[0], "a0");     /* undated first (as fold), though stored later */
    CHECK_EQ_STR(sn.ids[1], "a1");
    nf_store_close(s);
}

static void test_stories(void)
{
    char p[256];
    path_in(p, sizeof p, "b.db");
    nf_store *s = NULL;
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, NULL, 0), NF_OK);
    if (!s)
        return;
    /* story 1: three outlets, one of them a copy; story 2: one article */
    CHECK_EQ_INT(nf_store_begin(s), NF_OK);
    nf_article x[5] = {
        art("x3", "c.example", "Late copy", "Kremlin phones iPhone ban", 300),
        art("x1", "a.example", "Kremlin bans iPhones", "Kremlin told officials to drop iPhones", 100),
        art("x2", "b.example", "Officials told to ditch iPhones", "Officials must change phones", 200),
        art("y1", "a.example", "Earthquake hits", "An earthquake struck the coast", 1000),
        art("x4", "b.example", "Second b article", "Another report on phones", 250),
    };
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(nf_store_put_article(s, &x[i], NULL, NULL), NF_OK);
    int64_t next = 0;
    CHECK_EQ_INT(nf_store_next_story_id(s, &next), NF_OK);
    CHECK_EQ_INT(next, 1);
    CHECK_EQ_INT(nf_store_set_story(s, "x1", 1), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "x2", 1), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "x3", 1), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "x4", 1), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "y1", 2), NF_OK);
    CHECK_EQ_INT(nf_store_set_copy(s, "x3", "x1", 0.9), NF_OK);
    CHECK_EQ_INT(nf_store_commit(s), NF_OK);

    nf_story_info si;
    nf_buf h;
    nf_buf_init(&h, 0);
    CHECK_EQ_INT(nf_store_story(s, 1, &si, &h), NF_OK);
    CHECK_EQ_INT(si.size, 4);
    CHECK_EQ_INT(si.outlets, 2);    /* a and b; c is a copy */
    CHECK_EQ_INT(si.first_time, 100);
    CHECK_EQ_INT(si.last_time, 300);
    CHECK_EQ_STR(si.headline, "Kremlin bans iPhones");
    CHECK_EQ_INT(nf_store_story(s, 99, &si, &h), NF_ENOTFOUND);

    seen sn = {0};
    CHECK_EQ_INT(nf_store_story_members(s, 1, collect, &sn), NF_OK);
    CHECK_EQ_INT(sn.n, 4);
    CHECK_EQ_STR(sn.ids[0], "x1");   /* arrival order: time */
    CHECK_EQ_STR(sn.ids[1], "x2");
    CHECK_EQ_STR(sn.ids[2], "x4");
    CHECK_EQ_STR(sn.ids[3], "x3");
    CHECK(sn.copy[3] != NULL && sn.copy[0] == NULL);
    CHECK_EQ_INT(nf_store_story_members(s, 42, collect, &sn), NF_ENOTFOUND);

    listed l = {0};
    int64_t total = 0;
    CHECK_EQ_INT(nf_store_stories(s, NULL, NF_NO_TIME, 10, 0, collect_story, &l, &total), NF_OK);
    CHECK_EQ_INT(l.n, 2);
    CHECK_EQ_INT(total, 2);
    CHECK_EQ_INT(l.id[0], 1);        /* most outlets first */
    CHECK_EQ_INT(l.id[1], 2);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(nf_store_stories(s, "earthquake", NF_NO_TIME, 10, 0, collect_story, &l, &total),
                 NF_OK);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_INT(l.id[0], 2);
    CHECK_EQ_INT(total, 1);
    total = -1;    /* an empty page still counts the matches */
    CHECK_EQ_INT(nf_store_stories(s, "kremlin", NF_NO_TIME, 0, 0, NULL, NULL, &total), NF_OK);
    CHECK_EQ_INT(total, 1);
    total = -1;
    CHECK_EQ_INT(nf_store_stories(s, "officials", NF_NO_TIME, 10, 5, NULL, NULL, &total), NF_OK);
    CHECK_EQ_INT(total, 1);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(nf_store_stories(s, "\"iphones\" OR (", NF_NO_TIME, 10, 0, collect_story, &l,
                                  NULL), NF_OK);   /* operators are words, never syntax */
    CHECK_EQ_INT(l.n, 0);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(nf_store_stories(s, NULL, 500, 10, 0, collect_story, &l, &total), NF_OK);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_INT(l.id[0], 2);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(nf_store_stories(s, NULL, NF_NO_TIME, 1, 1, collect_story, &l, &total), NF_OK);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_INT(l.id[0], 2);
    CHECK_EQ_INT(total, 2);

    /* moving an article updates both stories; a rolled-back move changes nothing */
    CHECK_EQ_INT(nf_store_begin(s), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "x2", 2), NF_OK);
    CHECK_EQ_INT(nf_store_rollback(s), NF_OK);
    CHECK_EQ_INT(nf_store_story(s, 1, &si, &h), NF_OK);
    CHECK_EQ_INT(si.size, 4);
    CHECK_EQ_INT(nf_store_set_story(s, "x2", 2), NF_OK);   /* own transaction */
    CHECK_EQ_INT(nf_store_story(s, 1, &si, &h), NF_OK);
    CHECK_EQ_INT(si.size, 3);
    CHECK_EQ_INT(nf_store_story(s, 2, &si, &h), NF_OK);
    CHECK_EQ_INT(si.size, 2);
    CHECK_EQ_INT(si.first_time, 200);
    CHECK_EQ_STR(si.headline, "Officials told to ditch iPhones");
    /* emptying a story removes its row */
    CHECK_EQ_INT(nf_store_set_story(s, "y1", -1), NF_OK);
    CHECK_EQ_INT(nf_store_set_story(s, "x2", -1), NF_OK);
    CHECK_EQ_INT(nf_store_story(s, 2, &si, &h), NF_ENOTFOUND);
    nf_store_counts c;
    CHECK_EQ_INT(nf_store_count(s, &c), NF_OK);
    CHECK_EQ_INT(c.inconsistent, 0);
    CHECK_EQ_INT(c.members, 3);
    CHECK_EQ_INT(c.unfolded, 2);
    CHECK_EQ_INT(c.copies, 1);

    /* comparisons are stored verbatim */
    const char *js = "{\"quotes\":[{\"text\":\"\\u00e9\"}]}";
    char *got = NULL;
    CHECK_EQ_INT(nf_store_get_comparison(s, 1, &got), NF_ENOTFOUND);
    CHECK_EQ_INT(nf_store_set_comparison(s, 1, js, strlen(js)), NF_OK);
    CHECK_EQ_INT(nf_store_get_comparison(s, 1, &got), NF_OK);
    CHECK_EQ_STR(got, js);
    free(got);
    nf_buf_reset(&h);
    nf_store_close(s);

    /* read-only reopen sees the same and refuses writes */
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_READONLY, NULL, 0), NF_OK);
    if (s) {
        CHECK_EQ_INT(nf_store_count(s, &c), NF_OK);
        CHECK_EQ_INT(c.articles, 5);
        nf_article z = art("z", NULL, NULL, "z", 1);
        CHECK(nf_store_put_article(s, &z, NULL, NULL) != NF_OK);
        nf_store_close(s);
    }
}


static void test_refold_ingest(void)
{
    char p[256];
    path_in(p, sizeof p, "c.db");
    nf_store *s = NULL;
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, NULL, 0), NF_OK);
    if (!s)
        return;
    nf_article x[4] = {
        art("r2", "b.example", NULL, "same words printed twice", 200),
        art("r1", "a.example", NULL, "same words printed twice", 100),
        art("r3", "c.example", NULL, "something else entirely", 300),
        art("r0", "d.example", NULL, "a fourth text", 350),
    };
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(nf_store_put_article(s, &x[i], NULL, NULL), NF_OK);
    nf_refold_stats st = {0};
    CHECK_EQ_INT(nf_store_refold(s, 2, &st), NF_OK);
    CHECK_EQ_INT(st.folded, 4);
    CHECK_EQ_INT(st.changed, 4);
    CHECK(st.ntouched >= 3);
    free(st.touched);
    seen sn = {0};
    CHECK_EQ_INT(nf_store_each_article(s, collect, &sn), NF_OK);
    CHECK_EQ_INT(sn.n, 4);
    CHECK_EQ_STR(sn.ids[0], "r1");     /* arrival order: time, then insertion */
    CHECK_EQ_STR(sn.ids[3], "r0");
    CHECK(sn.story[0] >= 0 && sn.story[0] == sn.story[1]);   /* the copy joins its original */
    CHECK(sn.copy[1] != NULL && sn.copy[0] == NULL);
    CHECK(sn.story[2] != sn.story[0]);
    nf_store_counts c;
    CHECK_EQ_INT(nf_store_count(s, &c), NF_OK);
    CHECK_EQ_INT(c.unfolded, 0);
    CHECK_EQ_INT(c.inconsistent, 0);
    CHECK_EQ_INT(c.copies, 1);
    CHECK_EQ_INT(nf_store_refold(s, 2, &st), NF_OK);     /* nothing changed: nothing written */
    CHECK_EQ_INT(st.changed, 0);
    CHECK_EQ_INT(st.ntouched, 0);
    free(st.touched);

    nf_ingest *g = NULL;
    CHECK_EQ_INT(nf_ingest_open(&g, s), NF_OK);
    nf_article y[3] = {
        art("n1", "e.example", NULL, "a brand new report", 400),
        art("n2", "f.example", NULL, "same words printed twice", 500),
        art("r3", "c.example", NULL, "something else entirely", 300),
    };
    nf_ingest_result res[3];
    CHECK_EQ_INT(nf_ingest_add(g, y, 3, res), NF_OK);
    CHECK_EQ_INT(res[0].status, NF_PUT_NEW);
    CHECK(res[0].story > sn.story[2] && res[0].copy_of == NULL);
    CHECK_EQ_INT(res[1].status, NF_PUT_NEW);
    CHECK_EQ_INT(res[1].story, sn.story[0]);
    CHECK_EQ_STR(res[1].copy_of, "r1");
    CHECK_EQ_INT(res[2].status, NF_PUT_SAME);
    CHECK_EQ_INT(res[2].story, sn.story[2]);
    nf_ingest_result_reset(res, 3);
    nf_ingest_close(g);
    /* online ingest of later articles equals a refold of everything */
    CHECK_EQ_INT(nf_store_refold(s, 0, &st), NF_OK);
    CHECK_EQ_INT(st.changed, 0);
    free(st.touched);
    CHECK_EQ_INT(nf_store_count(s, &c), NF_OK);
    CHECK_EQ_INT(c.articles, 6);
    CHECK_EQ_INT(c.inconsistent, 0);
    nf_store_close(s);
}

static void test_refusals(void)
{
    char p[256], err[512];
    nf_store *s = NULL;
    /* a foreign SQLite database */
    path_in(p, sizeof p, "foreign.db");
    sqlite3 *db;
    sqlite3_open(p, &db);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, err, sizeof err), NF_EFORMAT);
    CHECK(s == NULL);
    CHECK_MSG(strstr(err, "not a newsfold database") != NULL, "%s", err);
    /* a newer schema */
    path_in(p, sizeof p, "newer.db");
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, NULL, 0), NF_OK);
    nf_store_close(s);
    sqlite3_open(p, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ_INT(nf_store_open(&s, p, 0, err, sizeof err), NF_EFORMAT);
    CHECK_MSG(strstr(err, "newer") != NULL, "%s", err);
    /* not SQLite at all */
    path_in(p, sizeof p, "text.db");
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("this is a plain text file, certainly not a database; it is long enough to have "
              "a header of one hundred bytes which SQLite would read and reject as such.\n", f);
        fclose(f);
    }
    CHECK_EQ_INT(nf_store_open(&s, p, NF_STORE_CREATE, err, sizeof err), NF_EFORMAT);
    CHECK_MSG(strstr(err, "not an SQLite database") != NULL, "%s", err);
    /* missing file without CREATE; empty file read-only */
    path_in(p, sizeof p, "missing.db");
    CHECK_EQ_INT(nf_store_open(&s, p, 0, err, sizeof err), NF_EIO);
    CHECK(access(p, F_OK) != 0);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_roundtrip();
    test_stories();
    test_refold_ingest();
    test_refusals();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return nf_test_done("test_store");
}
