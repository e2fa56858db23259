/*
 * store.c — the story store: articles, copies, story members, stories and comparisons in SQLite.
 *
 * Key idea: the database holds facts (articles as read, which story each belongs to, which are
 * copies) and one derived table, stories, whose rows are recomputed from the members inside the
 * same transaction that changed them. A commit therefore never leaves a story whose size differs
 * from its member count, whatever point a crash hits (WAL mode; SQLite makes each commit atomic).
 *
 * Invariants:
 *   - articles.id is unique; a second put of the same id with the same text is a no-op, with a
 *     different text an in-place update (seq kept, revisions + 1).
 *   - stories.size = count(members of the story); a story with no members has no row.
 *   - The headline is the title of the earliest independent titled member, else the first line
 *     (at most 120 characters) of the earliest independent member's text.
 *   - Arrival order is (time, undated first; then seq), seq being the insertion number — the
 *     order `newsfold fold` folds in.
 *   - Schema version is PRAGMA user_version (NF_STORE_SCHEMA), the file is marked by PRAGMA
 *     application_id (NF_STORE_APP_ID); anything else is refused with a readable reason.
 *   - A writing connection keeps, per story it refreshed, the aggregates of the row (size, span,
 *     the distinct outlets, the headline article): a story that only gained members in a
 *     transaction is updated from them and the new members alone, not rescanned. They are
 *     dropped whenever they may be wrong: any other change to the story (a member leaving, a copy
 *     changing, a member's text or metadata updated), a rollback, or a commit by another
 *     connection (PRAGMA data_version, checked at each BEGIN).
 * Layout and meaning of every column: docs/store.md.
 */
#include "nf_int.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Prepared statements, created on first use and kept for the life of the connection. */
enum {
    Q_GET_HASH, Q_INS_ART, Q_UPD_ART, Q_FTS_DEL, Q_FTS_INS, Q_GET_ART, Q_OLD_STORY, Q_SET_MEMBER,
    Q_DEL_MEMBER, Q_SET_COPY, Q_DEL_COPY, Q_STORY_OF, Q_DEL_STORY, Q_STORY_SCAN, Q_ART_AGG, Q_INS_STORY, Q_SET_CMP,
    Q_DEL_CMP, Q_GET_CMP, Q_EACH, Q_MEMBERS, Q_INFO, Q_STORY, Q_NEXT_ID, Q_DATA_VERSION, Q_BEGIN, Q_BEGIN_W, Q_COMMIT, Q_FTS_QUEUE, Q_FTS_FLUSH_DEL,
    Q_FTS_FLUSH_INS, Q_FTS_CLEAR, Q_COUNT
};

#define ART_COLS "a.seq, a.id, a.outlet, a.url, a.title, a.text, a.time, a.revisions, " \
                 "coalesce(m.story, -1), c.copy_of, coalesce(c.similarity, 0) "
#define ART_FROM "FROM articles a LEFT JOIN members m ON m.article = a.id " \
                 "LEFT JOIN copies c ON c.article = a.id "
#define ARRIVAL  "a.time IS NOT NULL, a.time, a.seq"

static const char *const SQL[Q_COUNT] = {
    [Q_GET_HASH] = "SELECT seq, text_hash, outlet IS ?2, url IS ?3, title IS ?4, time IS ?5 "
                   "FROM articles WHERE id = ?1",
    [Q_INS_ART] = "INSERT INTO articles(id, outlet, url, title, date, time, text, text_hash, "
                  "revisions, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
    [Q_UPD_ART] = "UPDATE articles SET outlet = ?2, url = ?3, title = ?4, date = ?5, time = ?6, "
                  "text = ?7, revisions = revisions + (text_hash <> ?8), text_hash = ?8, "
                  "stored_at = ?9 WHERE id = ?1",
    [Q_FTS_DEL] = "DELETE FROM search WHERE rowid = ?1",
    [Q_FTS_INS] = "INSERT INTO search(rowid, title, lead) VALUES (?1, ?2, ?3)",
    [Q_GET_ART] = "SELECT id, outlet, url, title, text, time FROM articles WHERE id = ?1",
    [Q_OLD_STORY] = "SELECT story FROM members WHERE article = ?1",
    [Q_SET_MEMBER] = "INSERT INTO members(article, story) VALUES (?1, ?2) "
                     "ON CONFLICT(article) DO UPDATE SET story = excluded.story",
    [Q_DEL_MEMBER] = "DELETE FROM members WHERE article = ?1",
    [Q_SET_COPY] = "INSERT INTO copies(article, copy_of, similarity) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT(article) DO UPDATE SET copy_of = excluded.copy_of, "
                   "similarity = excluded.similarity",
    [Q_DEL_COPY] = "DELETE FROM copies WHERE article = ?1",
    [Q_STORY_OF] = "SELECT story FROM members WHERE article = ?1",
    [Q_DEL_STORY] = "DELETE FROM stories WHERE id = ?1",
    /* the story row is computed in C from one pass over the members (refresh_story) */
    [Q_STORY_SCAN] = "SELECT a.seq, coalesce(a.outlet, '#' || a.id), a.time, "
                     "coalesce(a.title, '') = '', c.article IS NOT NULL "
                     "FROM members m JOIN articles a ON a.id = m.article "
                     "LEFT JOIN copies c ON c.article = a.id WHERE m.story = ?1",
    [Q_ART_AGG] = "SELECT a.seq, coalesce(a.outlet, '#' || a.id), a.time, "
                  "coalesce(a.title, '') = '', c.article IS NOT NULL, coalesce(m.story, -1) "
                  "FROM articles a LEFT JOIN members m ON m.article = a.id "
                  "LEFT JOIN copies c ON c.article = a.id WHERE a.id = ?1",
    [Q_INS_STORY] =
        "INSERT INTO stories(id, size, outlets, first_time, last_time, first_date, last_date, "
        "headline) SELECT ?1, ?2, ?3, ?4, ?5, "
        "strftime('%Y-%m-%dT%H:%M:%SZ', ?4, 'unixepoch'), "
        "strftime('%Y-%m-%dT%H:%M:%SZ', ?5, 'unixepoch'), "
        "CASE WHEN coalesce(title, '') <> '' THEN title ELSE "
        " trim(substr(substr(text, 1, instr(text || char(10), char(10)) - 1), 1, 120)) END "
        "FROM articles WHERE seq = ?6",
    [Q_SET_CMP] = "INSERT INTO comparisons(story, json, updated_at) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(story) DO UPDATE SET json = excluded.json, "
                  "updated_at = excluded.updated_at",
    [Q_DEL_CMP] = "DELETE FROM comparisons WHERE story = ?1",
    [Q_GET_CMP] = "SELECT json FROM comparisons WHERE story = ?1",
    [Q_EACH] = "SELECT " ART_COLS ART_FROM "ORDER BY " ARRIVAL,
    [Q_MEMBERS] = "SELECT " ART_COLS "FROM members m JOIN articles a ON a.id = m.article "
                  "LEFT JOIN copies c ON c.article = a.id WHERE m.story = ?1 ORDER BY " ARRIVAL,
    [Q_INFO] = "SELECT " ART_COLS ART_FROM "WHERE a.id = ?1",
    [Q_STORY] = "SELECT id, size, outlets, first_time, last_time, headline FROM stories "
                "WHERE id = ?1",
    [Q_NEXT_ID] = "SELECT coalesce(max(story), 0) + 1 FROM members",
    [Q_DATA_VERSION] = "PRAGMA data_version",
    [Q_BEGIN] = "BEGIN",
    [Q_BEGIN_W] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    /* search rows wait in temp.fts_queue until the commit writes them in one statement (see
     * index_search); the last queued version of an article wins */
    [Q_FTS_QUEUE] = "INSERT INTO temp.fts_queue(seq, title, lead, replace) VALUES (?1, ?2, ?3, ?4)",
    [Q_FTS_FLUSH_DEL] = "DELETE FROM search WHERE rowid IN "
                        "(SELECT seq FROM temp.fts_queue WHERE replace)",
    [Q_FTS_FLUSH_INS] = "INSERT INTO search(rowid, title, lead) SELECT seq, title, lead "
                        "FROM temp.fts_queue q WHERE q.rowid = "
                        "(SELECT max(rowid) FROM temp.fts_queue WHERE seq = q.seq) ORDER BY seq",
    [Q_FTS_CLEAR] = "DELETE FROM temp.fts_queue",
};

static const char SCHEMA[] =
    "CREATE TABLE articles(\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  id TEXT NOT NULL UNIQUE,\n"
    "  outlet TEXT, url TEXT, title TEXT,\n"
    "  date TEXT,\n"
    "  time INTEGER,\n"
    "  text TEXT NOT NULL,\n"
    "  text_hash TEXT NOT NULL,\n"
    "  revisions INTEGER NOT NULL DEFAULT 0,\n"
    "  stored_at TEXT NOT NULL);\n"
    "CREATE INDEX articles_arrival ON articles(time IS NOT NULL, time, seq);\n"
    "CREATE TABLE members(\n"
    "  article TEXT PRIMARY KEY REFERENCES articles(id),\n"
    "  story INTEGER NOT NULL) WITHOUT ROWID;\n"
    "CREATE INDEX members_story ON members(story);\n"
    "CREATE TABLE copies(\n"
    "  article TEXT PRIMARY KEY REFERENCES articles(id),\n"
    "  copy_of TEXT NOT NULL,\n"
    "  similarity REAL) WITHOUT ROWID;\n"
    "CREATE TABLE stories(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  size INTEGER NOT NULL,\n"
    "  outlets INTEGER NOT NULL,\n"
    "  first_time INTEGER, last_time INTEGER,\n"
    "  first_date TEXT, last_date TEXT,\n"
    "  headline TEXT);\n"
    "CREATE INDEX stories_rank ON stories(outlets DESC, size DESC, id);\n"
    "CREATE INDEX stories_last ON stories(last_time);\n"
    "CREATE TABLE comparisons(\n"
    "  story INTEGER PRIMARY KEY,\n"
    "  json TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL);\n"
    "CREATE VIRTUAL TABLE search USING fts5(title, lead, tokenize = 'unicode61 remove_diacritics 2');\n";

/* Matching articles a story query considers (the most recently stored ones). */
#define QUERY_CAP "2000"

/* Bytes of the text indexed for search beside the title: enough for the lead paragraph. */
#define LEAD_BYTES 600

/* The headline article: titled first, then independent (not a copy), then undated, then the
 * earliest, then the first stored (head_before). */
typedef struct head_key {
    int untitled, copy, dated;
    int64_t time, seq;
} head_key;

/* A story's row aggregates (see the invariants above). */
typedef struct agg {
    int64_t story, n, first, last;
    int any_time;
    head_key best;
    char **outlets;          /* distinct outlet keys of independent members, sorted */
    size_t nout, capout;
} agg;

typedef struct add_rec {     /* a member that joined a story in the open transaction */
    int64_t story;
    char *article;
} add_rec;

#define AGG_MAX 65536        /* stories whose aggregates a connection keeps (then all dropped) */

struct nf_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    int readonly;
    int in_txn;
    int64_t *dirty;          /* stories whose members changed in the open transaction */
    size_t ndirty, capdirty;
    char err[256];
    unsigned total_ver;      /* data version at which total_all was counted (0: never) */
    int64_t total_all;       /* count of all stories */
    int64_t *full;           /* stories with changes other than joining members: rescan */
    size_t nfull, capfull;
    add_rec *adds;           /* members that joined in the open transaction */
    size_t nadds, capadds;
    agg **aggs;              /* open addressing by story; NULL = free */
    size_t naggs, capaggs;
    int64_t agg_dv;          /* data_version when the aggregates were last known right */
};

static nf_rc db_fail(nf_store *s, int rc)
{
    snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
    return rc == SQLITE_NOTADB ? NF_EFORMAT : rc == SQLITE_NOMEM ? NF_ENOMEM : NF_EDB;
}

static sqlite3_stmt *stmt(nf_store *s, int which)
{
    sqlite3_stmt *st = s->q[which];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(s->db, SQL[which], -1, SQLITE_PREPARE_PERSISTENT, &s->q[which], NULL)) {
        snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
        return NULL;
    }
    return s->q[which];
}

/* Run one of the prepared statements that return no row (BEGIN, COMMIT): no parse per call. */
static int exec_q(nf_store *s, int which)
{
    sqlite3_stmt *st = stmt(s, which);
    if (!st)
        return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else
        snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
    sqlite3_reset(st);
    return rc;
}

static int exec(nf_store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc)
        snprintf(s->err, sizeof s->err, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

static int64_t pragma_int(nf_store *s, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    *rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        else if (r != SQLITE_DONE)
            *rc = r;
    }
    if (*rc)
        snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return v;
}

/* Check that the file is ours and of a schema we know; create the schema in an empty file. */
static nf_rc check_schema(nf_store *s, int flags)
{
    int rc;
    int64_t app = pragma_int(s, "PRAGMA application_id", &rc);
    if (rc)
        return rc == SQLITE_NOTADB ? (snprintf(s->err, sizeof s->err,
                                               "not an SQLite database"), NF_EFORMAT)
                                   : NF_EDB;
    int64_t ver = pragma_int(s, "PRAGMA user_version", &rc);
    int64_t ntab = pragma_int(s, "SELECT count(*) FROM sqlite_master", &rc);
    if (rc)
        return NF_EDB;
    if (app == 0 && ver == 0 && ntab == 0) {
        if (!(flags & NF_STORE_CREATE) || (flags & NF_STORE_READONLY)) {
            snprintf(s->err, sizeof s->err, "empty database: no newsfold schema (fold into it first)");
            return NF_EFORMAT;
        }
        char sql[sizeof SCHEMA + 128];
        snprintf(sql, sizeof sql, "BEGIN;\n%sPRAGMA application_id = %d;\nPRAGMA user_version = %d;\n"
                 "COMMIT;", SCHEMA, NF_STORE_APP_ID, NF_STORE_SCHEMA);
        if (exec(s, sql)) {
            exec(s, "ROLLBACK");
            return NF_EDB;
        }
        return NF_OK;
    }
    if (app != NF_STORE_APP_ID) {
        snprintf(s->err, sizeof s->err,
                 "not a newsfold database (application_id 0x%08llx, %lld tables)",
                 (unsigned long long)app, (long long)ntab);
        return NF_EFORMAT;
    }
    if (ver > NF_STORE_SCHEMA) {
        snprintf(s->err, sizeof s->err,
                 "database schema version %lld is newer than this newsfold supports (%d): "
                 "upgrade newsfold", (long long)ver, NF_STORE_SCHEMA);
        return NF_EFORMAT;
    }
    if (ver < 1) {
        snprintf(s->err, sizeof s->err, "newsfold database without a schema version");
        return NF_EFORMAT;
    }
    return NF_OK;
}

/* ---- per-story aggregates of a writing connection ---- */

static void agg_free(agg *a)
{
    for (size_t i = 0; a && i < a->nout; i++)
        free(a->outlets[i]);
    if (a)
        free(a->outlets);
    free(a);
}

static void aggs_clear(nf_store *s)
{
    for (size_t i = 0; i < s->capaggs; i++) {
        agg_free(s->aggs[i]);
        s->aggs[i] = NULL;
    }
    s->naggs = 0;
}

static void adds_clear(nf_store *s)
{
    for (size_t i = 0; i < s->nadds; i++)
        free(s->adds[i].article);
    s->nadds = 0;
}

static size_t agg_slot(const nf_store *s, int64_t story)
{
    size_t m = s->capaggs - 1, i = (size_t)XXH3_64bits(&story, sizeof story) & m;
    while (s->aggs[i] && s->aggs[i]->story != story)
        i = (i + 1) & m;
    return i;
}

static agg *agg_get(const nf_store *s, int64_t story)
{
    return s->capaggs ? s->aggs[agg_slot(s, story)] : NULL;
}

/* Drop the aggregates of one story (linear probing: re-place the rest of its run). */
static void agg_drop(nf_store *s, int64_t story)
{
    if (!s->capaggs)
        return;
    size_t m = s->capaggs - 1, i = agg_slot(s, story);
    if (!s->aggs[i])
        return;
    agg_free(s->aggs[i]);
    s->aggs[i] = NULL;
    s->naggs--;
    for (size_t j = (i + 1) & m; s->aggs[j]; j = (j + 1) & m) {
        agg *a = s->aggs[j];
        s->aggs[j] = NULL;
        s->aggs[agg_slot(s, a->story)] = a;
    }
}

/* Keep a (owned from now on), replacing the story's old aggregates. */
static void agg_put(nf_store *s, agg *a)
{
    agg_drop(s, a->story);
    if (s->naggs >= AGG_MAX)
        aggs_clear(s);
    if ((s->naggs + 1) * 2 > s->capaggs) {
        size_t cap = s->capaggs ? s->capaggs * 2 : 1024;
        agg **t = calloc(cap, sizeof *t), **old = s->aggs;
        if (!t) {
            agg_free(a);
            return;
        }
        size_t oldcap = s->capaggs;
        s->aggs = t;
        s->capaggs = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                s->aggs[agg_slot(s, old[i]->story)] = old[i];
        free(old);
    }
    s->aggs[agg_slot(s, a->story)] = a;
    s->naggs++;
}

/* Add an outlet key to the sorted distinct set: 0 on success. */
static int agg_outlet(agg *a, const char *o, size_t n)
{
    size_t lo = 0, hi = a->nout;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(a->outlets[mid], o, n);
        if (!c && a->outlets[mid][n])
            c = 1;
        if (!c)
            return 0;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (nf_grow((void **)&a->outlets, &a->capout, a->nout + 1, sizeof *a->outlets))
        return -1;
    char *d = strndup(o, n);
    if (!d)
        return -1;
    memmove(a->outlets + lo + 1, a->outlets + lo, (a->nout - lo) * sizeof *a->outlets);
    a->outlets[lo] = d;
    a->nout++;
    return 0;
}

/* Before SQLite's first use: no global allocation statistics (a process-wide mutex taken on every
 * malloc, which serialises the server's reader threads). Fails harmlessly when the program
 * already used SQLite. */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

nf_rc nf_store_open(nf_store **out, const char *path, int flags, char *err, size_t errcap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    *out = NULL;
    nf_store *s = calloc(1, sizeof *s);
    if (!s)
        return NF_ENOMEM;
    s->readonly = !!(flags & NF_STORE_READONLY);
    int oflags = s->readonly ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | ((flags & NF_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
    nf_rc rc = NF_OK;
    if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(s->err, sizeof s->err, "cannot open: %s",
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        rc = NF_EIO;
        goto done;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 0);
    if ((rc = check_schema(s, flags)))
        goto done;
    if (!s->readonly && exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")) {
        rc = NF_EDB;
        goto done;
    }
    /* Memory-mapped I/O for the writer (bulk ingest touches pages in file order); plain reads
     * into the page cache for readers. A server's read connections touch a few pages spread over
     * the whole file per request: through the map every first touch is a page fault, and those
     * faults serialise on the process's mmap lock with the other thread's (and malloc's map
     * changes), which showed as a 2-4x worse p99 on GET /api/stories/{id} over 1M articles
     * (docs/store.md, Speed) for the same CPU per request. */
    exec(s, s->readonly ? "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; "
                          "PRAGMA mmap_size = 0;"
                        : "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; "
                          "PRAGMA mmap_size = 2147418112;");    /* SQLite's usual limit */
    /* after temp_store: changing it drops temporary tables */
    if (!s->readonly && exec(s, "CREATE TEMP TABLE IF NOT EXISTS fts_queue(seq INTEGER NOT NULL, "
                             "title TEXT, lead TEXT, replace INTEGER NOT NULL);")) {
        rc = NF_EDB;
        goto done;
    }
done:
    if (rc) {
        if (err && errcap)
            snprintf(err, errcap, "%s: %s", path, s->err[0] ? s->err : nf_strerror(rc));
        nf_store_close(s);
        return rc;
    }
    *out = s;
    return NF_OK;
}

void nf_store_close(nf_store *s)
{
    if (!s)
        return;
    if (s->in_txn)
        exec(s, "ROLLBACK");
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s->dirty);
    free(s->full);
    aggs_clear(s);
    free(s->aggs);
    adds_clear(s);
    free(s->adds);
    free(s);
}

const char *nf_store_errmsg(const nf_store *s)
{
    return s ? s->err : "no store";
}

/* A cached statement left on a row holds a read snapshot open; in WAL mode a write transaction
 * begun over a stale snapshot fails at once (SQLITE_BUSY_SNAPSHOT). Reset them all first. */
static void reset_all(nf_store *s)
{
    for (int i = 0; i < Q_COUNT; i++)
        if (s->q[i])
            sqlite3_reset(s->q[i]);
}

nf_rc nf_store_begin(nf_store *s)
{
    if (s->in_txn)
        return NF_EINVAL;
    reset_all(s);
    /* a reader's transaction is one snapshot for several queries (and fewer lock calls) */
    if (exec_q(s, s->readonly ? Q_BEGIN : Q_BEGIN_W))
        return NF_EDB;
    s->in_txn = 1;
    s->ndirty = s->nfull = 0;
    adds_clear(s);
    int64_t dv = -1;    /* another connection committed: the kept aggregates may be wrong */
    if (!s->readonly && (nf_store_data_version(s, &dv) || dv != s->agg_dv))
        aggs_clear(s);
    s->agg_dv = dv;
    return NF_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Recompute the row of every story touched in this transaction from its members. */
/* Whether row x sorts before row y as the headline article. */
static int head_before(const head_key *x, const head_key *y)
{
    if (x->untitled != y->untitled)
        return x->untitled < y->untitled;
    if (x->copy != y->copy)
        return x->copy < y->copy;
    if (x->dated != y->dated)
        return x->dated < y->dated;
    if (x->dated && x->time != y->time)
        return x->time < y->time;
    return x->seq < y->seq;
}

/* One member's part of its story's row: its headline key and outlet key. */
static void agg_add(agg *a, const head_key *k)
{
    if (k->dated) {
        a->first = a->any_time ? NF_MIN(a->first, k->time) : k->time;
        a->last = a->any_time ? NF_MAX(a->last, k->time) : k->time;
        a->any_time = 1;
    }
    if (!a->n++ || head_before(k, &a->best))
        a->best = *k;
}

static void head_of_row(sqlite3_stmt *st, head_key *k)
{
    *k = (head_key){.seq = sqlite3_column_int64(st, 0),
                    .dated = sqlite3_column_type(st, 2) != SQLITE_NULL,
                    .time = sqlite3_column_int64(st, 2),
                    .untitled = sqlite3_column_int(st, 3),
                    .copy = sqlite3_column_int(st, 4)};
}

/* Write the story row from its aggregates (no members: no row). */
static nf_rc write_story(nf_store *s, const agg *a)
{
    sqlite3_stmt *st = stmt(s, Q_DEL_STORY);
    if (!st)
        return NF_EDB;
    sqlite3_bind_int64(st, 1, a->story);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, rc);
    if (!a->n)
        return NF_OK;
    if (!(st = stmt(s, Q_INS_STORY)))
        return NF_EDB;
    sqlite3_bind_int64(st, 1, a->story);
    sqlite3_bind_int64(st, 2, a->n);
    sqlite3_bind_int64(st, 3, (int64_t)a->nout);
    if (a->any_time) {
        sqlite3_bind_int64(st, 4, a->first);
        sqlite3_bind_int64(st, 5, a->last);
    }
    sqlite3_bind_int64(st, 6, a->best.seq);
    rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? NF_OK : db_fail(s, rc);
}

/* Recompute one story's row from its members in one pass (size, distinct outlets of the
 * independent members, time span, headline article) and keep its aggregates. The scan costs
 * one join per member; the headline text is read for one article only. */
static nf_rc refresh_story(nf_store *s, int64_t story)
{
    sqlite3_stmt *st = stmt(s, Q_STORY_SCAN);
    if (!st)
        return NF_EDB;
    agg *a = calloc(1, sizeof *a);
    if (!a)
        return NF_ENOMEM;
    a->story = story;
    sqlite3_bind_int64(st, 1, story);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        head_key k;
        head_of_row(st, &k);
        agg_add(a, &k);
        if (!k.copy && agg_outlet(a, (const char *)sqlite3_column_text(st, 1),
                                  (size_t)sqlite3_column_bytes(st, 1))) {
            sqlite3_reset(st);
            agg_free(a);
            return NF_ENOMEM;
        }
    }
    sqlite3_reset(st);
    nf_rc r = rc == SQLITE_DONE ? write_story(s, a) : db_fail(s, rc);
    if (!r && a->n)
        agg_put(s, a);
    else
        agg_free(a);
    return r;
}

/* The story gained the members adds[from..to) (and nothing else changed): update its kept
 * aggregates from them alone. Answers 1 when it cannot (the caller rescans). */
static int update_story(nf_store *s, agg *a, const add_rec *adds, size_t from, size_t to,
                        nf_rc *r)
{
    *r = NF_OK;
    for (size_t i = from; i < to; i++) {
        sqlite3_stmt *st = stmt(s, Q_ART_AGG);
        if (!st) {
            *r = NF_EDB;
            return 0;
        }
        sqlite3_bind_text(st, 1, adds[i].article, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW || sqlite3_column_int64(st, 5) != a->story) {
            sqlite3_reset(st);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                *r = db_fail(s, rc);
            return 1;
        }
        head_key k;
        head_of_row(st, &k);
        agg_add(a, &k);
        int bad = !k.copy && agg_outlet(a, (const char *)sqlite3_column_text(st, 1),
                                        (size_t)sqlite3_column_bytes(st, 1));
        sqlite3_reset(st);
        if (bad) {
            *r = NF_ENOMEM;
            return 0;
        }
    }
    *r = write_story(s, a);
    return 0;
}

static int cmp_add(const void *x, const void *y)
{
    const add_rec *a = x, *b = y;
    return a->story < b->story ? -1 : a->story > b->story;
}

/* Bring the row of every story changed in the transaction up to date: from its kept aggregates
 * when it only gained members, else by a rescan. On failure the aggregates are dropped (the
 * transaction is rolled back). */
static nf_rc fts_flush(nf_store *s);

static nf_rc refresh_dirty(nf_store *s)
{
    if (s->ndirty)
        qsort(s->dirty, s->ndirty, sizeof *s->dirty, cmp_i64);
    if (s->nfull)
        qsort(s->full, s->nfull, sizeof *s->full, cmp_i64);
    if (s->nadds)
        qsort(s->adds, s->nadds, sizeof *s->adds, cmp_add);
    nf_rc r = NF_OK;
    size_t ia = 0;
    for (size_t i = 0; i < s->ndirty && !r; i++) {
        int64_t story = s->dirty[i];
        if (i && story == s->dirty[i - 1])
            continue;
        while (ia < s->nadds && s->adds[ia].story < story)
            ia++;
        size_t ea = ia;
        while (ea < s->nadds && s->adds[ea].story == story)
            ea++;
        int full = s->nfull && bsearch(&story, s->full, s->nfull, sizeof *s->full, cmp_i64);
        agg *a = full ? NULL : agg_get(s, story);
        if (!a || update_story(s, a, s->adds, ia, ea, &r)) {
            agg_drop(s, story);
            if (!r)
                r = refresh_story(s, story);
        }
        ia = ea;
    }
    if (r) {
        aggs_clear(s);
        return r;
    }
    s->ndirty = s->nfull = 0;
    adds_clear(s);
    return NF_OK;
}

nf_rc nf_store_commit(nf_store *s)
{
    if (!s->in_txn)
        return NF_EINVAL;
    nf_rc rc = refresh_dirty(s);
    if (!rc && !s->readonly)
        rc = fts_flush(s);
    if (rc) {
        nf_store_rollback(s);
        return rc;
    }
    if (exec_q(s, Q_COMMIT)) {
        nf_store_rollback(s);
        return NF_EDB;
    }
    s->in_txn = 0;
    return NF_OK;
}

nf_rc nf_store_rollback(nf_store *s)
{
    if (!s->in_txn)
        return NF_EINVAL;
    s->in_txn = 0;
    s->ndirty = s->nfull = 0;
    adds_clear(s);
    aggs_clear(s);
    return exec(s, "ROLLBACK") ? NF_EDB : NF_OK;
}

static nf_rc mark_dirty(nf_store *s, int64_t story)
{
    if (story < 0)
        return NF_OK;
    if (nf_grow((void **)&s->dirty, &s->capdirty, s->ndirty + 1, sizeof *s->dirty))
        return NF_ENOMEM;
    s->dirty[s->ndirty++] = story;
    return NF_OK;
}

/* The story changed in a way its kept aggregates cannot follow: rescan it at commit. */
static nf_rc mark_full(nf_store *s, int64_t story)
{
    if (story < 0)
        return NF_OK;
    if (nf_grow((void **)&s->full, &s->capfull, s->nfull + 1, sizeof *s->full))
        return NF_ENOMEM;
    s->full[s->nfull++] = story;
    return mark_dirty(s, story);
}

/* article joined story (it was in no story, or in another one). */
static nf_rc mark_add(nf_store *s, int64_t story, const char *article)
{
    if (story < 0)
        return NF_OK;
    if (nf_grow((void **)&s->adds, &s->capadds, s->nadds + 1, sizeof *s->adds))
        return NF_ENOMEM;
    if (!(s->adds[s->nadds].article = strdup(article)))
        return NF_ENOMEM;
    s->adds[s->nadds++].story = story;
    return mark_dirty(s, story);
}

/* Whether article joined story among the last few changes of the transaction (then a change of
 * its copy status needs no rescan: the update reads it at commit). */
static int recently_added(const nf_store *s, int64_t story, const char *article)
{
    for (size_t i = s->nadds, k = 0; i > 0 && k < 64; i--, k++)
        if (s->adds[i - 1].story == story && !strcmp(s->adds[i - 1].article, article))
            return 1;
    return 0;
}

/* Writes outside an explicit transaction run in one of their own. */
#define AUTO_TXN_BEGIN(s) int auto_txn_ = !(s)->in_txn; \
    if (auto_txn_ && nf_store_begin(s)) return NF_EDB
#define AUTO_TXN_END(s, rc) do { if (auto_txn_) { if (rc) nf_store_rollback(s); \
    else (rc) = nf_store_commit(s); } } while (0)

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t == NF_NO_TIME)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

static void iso_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, cap, "%lld", (long long)t);
}

static int story_of(nf_store *s, const char *article_id, int64_t *story)
{
    sqlite3_stmt *st = stmt(s, Q_STORY_OF);
    if (!st)
        return SQLITE_ERROR;
    sqlite3_bind_text(st, 1, article_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *story = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Queue the article's search row (title and lead). FTS5 flushes its pending rows to a new
 * segment at the start of every later write statement of the transaction (its savepoint), so
 * writing each row as the article comes makes one tiny segment per article and merge work; the
 * queue is written by one statement at commit (fts_flush), after every other write. */
static nf_rc index_search(nf_store *s, int64_t seq, const nf_article *a, int replace)
{
    sqlite3_stmt *st = stmt(s, Q_FTS_QUEUE);
    if (!st)
        return NF_EDB;
    size_t lead = NF_MIN(a->text_len, (size_t)LEAD_BYTES);
    while (lead < a->text_len && lead > 0 && ((unsigned char)a->text[lead] & 0xC0) == 0x80)
        lead--;    /* never cut inside a UTF-8 sequence */
    sqlite3_bind_int64(st, 1, seq);
    bind_text(st, 2, a->title);
    sqlite3_bind_text(st, 3, a->text, (int)lead, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, replace);
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? NF_OK : db_fail(s, rc);
}

/* Write the queued search rows: replaced ones out, the last version of each in, queue emptied. */
static nf_rc fts_flush(nf_store *s)
{
    static const int q[] = {Q_FTS_FLUSH_DEL, Q_FTS_FLUSH_INS, Q_FTS_CLEAR};
    for (size_t i = 0; i < NF_ARRAY_LEN(q); i++) {
        sqlite3_stmt *st = stmt(s, q[i]);
        if (!st)
            return NF_EDB;
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_fail(s, rc);
    }
    return NF_OK;
}

/* Look the id up: *found, its seq, whether text and metadata are unchanged. */
static nf_rc lookup(nf_store *s, const nf_article *a, const char *hash, int *found, int64_t *seq,
                    int *same)
{
    sqlite3_stmt *st = stmt(s, Q_GET_HASH);
    if (!st)
        return NF_EDB;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    bind_text(st, 2, a->outlet);
    bind_text(st, 3, a->url);
    bind_text(st, 4, a->title);
    bind_time(st, 5, a->time);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        *found = 0;
        return NF_OK;
    }
    if (rc != SQLITE_ROW)
        return db_fail(s, rc);
    *found = 1;
    *seq = sqlite3_column_int64(st, 0);
    const char *h = (const char *)sqlite3_column_text(st, 1);
    *same = h && !strcmp(h, hash) && sqlite3_column_int(st, 2) && sqlite3_column_int(st, 3) &&
            sqlite3_column_int(st, 4) && sqlite3_column_int(st, 5);
    sqlite3_reset(st);
    return NF_OK;
}

static nf_rc put_article(nf_store *s, const nf_article *a, nf_put_status *status, int64_t *seq)
{
    char hash[17], date[40] = "", now[40];
    snprintf(hash, sizeof hash, "%016llx",
             (unsigned long long)XXH3_64bits(a->text, a->text_len));
    int found = 0, same = 0;
    nf_rc r = lookup(s, a, hash, &found, seq, &same);
    if (r)
        return r;
    if (found && same) {
        *status = NF_PUT_SAME;
        return NF_OK;
    }
    sqlite3_stmt *st = stmt(s, found ? Q_UPD_ART : Q_INS_ART);
    if (!st)
        return NF_EDB;
    if (a->time != NF_NO_TIME)
        iso_time(a->time, date, sizeof date);
    iso_time((int64_t)time(NULL), now, sizeof now);
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    bind_text(st, 2, a->outlet);
    bind_text(st, 3, a->url);
    bind_text(st, 4, a->title);
    bind_text(st, 5, date[0] ? date : NULL);
    bind_time(st, 6, a->time);
    sqlite3_bind_text(st, 7, a->text, (int)a->text_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, hash, 16, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, rc);
    if (!found)
        *seq = sqlite3_last_insert_rowid(s->db);
    *status = found ? NF_PUT_UPDATED : NF_PUT_NEW;
    if ((r = index_search(s, *seq, a, found)))
        return r;
    if (found) {    /* title or time may have changed: its story row must follow */
        int64_t story;
        if (story_of(s, a->id, &story))
            return db_fail(s, SQLITE_ERROR);
        return mark_full(s, story);
    }
    return NF_OK;
}

nf_rc nf_store_put_article(nf_store *s, const nf_article *a, nf_put_status *status, int64_t *seq)
{
    if (!s || !a || !a->id || !a->text || a->text_len > INT32_MAX)
        return NF_EINVAL;
    if (s->readonly)
        return NF_EINVAL;
    nf_put_status st_dummy;
    int64_t seq_dummy;
    AUTO_TXN_BEGIN(s);
    nf_rc rc = put_article(s, a, status ? status : &st_dummy, seq ? seq : &seq_dummy);
    AUTO_TXN_END(s, rc);
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (!v)
        return NULL;
    int n = sqlite3_column_bytes(st, i);
    char *p = malloc((size_t)n + 1);
    if (p) {
        memcpy(p, v, (size_t)n);
        p[n] = 0;
    }
    return p;
}

nf_rc nf_store_get_article(nf_store *s, const char *id, nf_article *a)
{
    sqlite3_stmt *st = stmt(s, Q_GET_ART);
    if (!st)
        return NF_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return NF_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return db_fail(s, rc);
    memset(a, 0, sizeof *a);
    a->id = col_dup(st, 0);
    a->outlet = col_dup(st, 1);
    a->url = col_dup(st, 2);
    a->title = col_dup(st, 3);
    a->text = col_dup(st, 4);
    a->text_len = (size_t)sqlite3_column_bytes(st, 4);
    a->time = sqlite3_column_type(st, 5) == SQLITE_NULL ? NF_NO_TIME : sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    if (!a->id || !a->text) {
        free(a->id); free(a->outlet); free(a->url); free(a->title); free(a->text);
        memset(a, 0, sizeof *a);
        return NF_ENOMEM;
    }
    return NF_OK;
}

static nf_rc set_story(nf_store *s, const char *article_id, int64_t story)
{
    int64_t old;
    int rc = story_of(s, article_id, &old);
    if (rc)
        return db_fail(s, rc);
    if (old == story)
        return NF_OK;
    sqlite3_stmt *st = stmt(s, story < 0 ? Q_DEL_MEMBER : Q_SET_MEMBER);
    if (!st)
        return NF_EDB;
    sqlite3_bind_text(st, 1, article_id, -1, SQLITE_STATIC);
    if (story >= 0)
        sqlite3_bind_int64(st, 2, story);
    if ((rc = sqlite3_step(st)) != SQLITE_DONE)
        return db_fail(s, rc);
    nf_rc r = mark_full(s, old);
    return r ? r : mark_add(s, story, article_id);
}

nf_rc nf_store_set_story(nf_store *s, const char *article_id, int64_t story)
{
    if (!s || !article_id || s->readonly)
        return NF_EINVAL;
    AUTO_TXN_BEGIN(s);
    nf_rc rc = set_story(s, article_id, story);
    AUTO_TXN_END(s, rc);
    return rc;
}

static nf_rc set_copy(nf_store *s, const char *article_id, const char *copy_of, double sim)
{
    sqlite3_stmt *st = stmt(s, copy_of ? Q_SET_COPY : Q_DEL_COPY);
    if (!st)
        return NF_EDB;
    sqlite3_bind_text(st, 1, article_id, -1, SQLITE_STATIC);
    if (copy_of) {
        sqlite3_bind_text(st, 2, copy_of, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, sim);
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, rc);
    if (sqlite3_changes(s->db) == 0)
        return NF_OK;
    int64_t story;    /* the independent-outlet count of its story may change */
    if ((rc = story_of(s, article_id, &story)))
        return db_fail(s, rc);
    return recently_added(s, story, article_id) ? NF_OK : mark_full(s, story);
}

nf_rc nf_store_set_copy(nf_store *s, const char *article_id, const char *copy_of, double sim)
{
    if (!s || !article_id || s->readonly)
        return NF_EINVAL;
    AUTO_TXN_BEGIN(s);
    nf_rc rc = set_copy(s, article_id, copy_of, sim);
    AUTO_TXN_END(s, rc);
    return rc;
}

nf_rc nf_store_next_story_id(nf_store *s, int64_t *id)
{
    sqlite3_stmt *st = stmt(s, Q_NEXT_ID);
    if (!st)
        return NF_EDB;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return db_fail(s, rc);
    *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return NF_OK;
}

nf_rc nf_store_set_comparison(nf_store *s, int64_t story, const char *json, size_t n)
{
    if (!s || s->readonly || n > INT32_MAX)
        return NF_EINVAL;
    char now[40];
    iso_time((int64_t)time(NULL), now, sizeof now);
    AUTO_TXN_BEGIN(s);
    nf_rc r = NF_OK;
    sqlite3_stmt *st = stmt(s, json ? Q_SET_CMP : Q_DEL_CMP);
    if (!st) {
        r = NF_EDB;
    } else {
        sqlite3_bind_int64(st, 1, story);
        if (json) {
            sqlite3_bind_text(st, 2, json, (int)n, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        }
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            r = db_fail(s, rc);
    }
    AUTO_TXN_END(s, r);
    return r;
}

nf_rc nf_store_get_comparison(nf_store *s, int64_t story, char **json)
{
    *json = NULL;
    sqlite3_stmt *st = stmt(s, Q_GET_CMP);
    if (!st)
        return NF_EDB;
    sqlite3_bind_int64(st, 1, story);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return NF_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return db_fail(s, rc);
    *json = col_dup(st, 0);
    if (!*json)
        *json = strdup("");
    sqlite3_reset(st);
    return *json ? NF_OK : NF_ENOMEM;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Run an article query (ART_COLS) and hand each row to fn. Strings point into SQLite's row. */
static nf_rc each_row(nf_store *s, sqlite3_stmt *st, nf_stored_fn fn, void *ctx, size_t *rows)
{
    int rc;
    size_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nf_article a = {0};
        a.id = (char *)col_text(st, 1);
        a.outlet = (char *)col_text(st, 2);
        a.url = (char *)col_text(st, 3);
        a.title = (char *)col_text(st, 4);
        a.text = (char *)col_text(st, 5);
        a.text_len = (size_t)sqlite3_column_bytes(st, 5);
        a.time = sqlite3_column_type(st, 6) == SQLITE_NULL ? NF_NO_TIME
                                                           : sqlite3_column_int64(st, 6);
        nf_stored r = {&a, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 8),
                       col_text(st, 9), sqlite3_column_double(st, 10),
                       (uint32_t)sqlite3_column_int(st, 7)};
        n++;
        if (fn(&r, ctx))
            break;
    }
    if (rows)
        *rows = n;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, rc);
    sqlite3_reset(st);
    return NF_OK;
}

nf_rc nf_store_each_article(nf_store *s, nf_stored_fn fn, void *ctx)
{
    /* A private statement: fn may call back into the store (the shared cache would be reset). */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, SQL[Q_EACH], -1, &st, NULL))
        return db_fail(s, SQLITE_ERROR);
    nf_rc rc = each_row(s, st, fn, ctx, NULL);
    sqlite3_finalize(st);
    return rc;
}

nf_rc nf_store_story_members(nf_store *s, int64_t story, nf_stored_fn fn, void *ctx)
{
    sqlite3_stmt *st = stmt(s, Q_MEMBERS);
    if (!st)
        return NF_EDB;
    sqlite3_bind_int64(st, 1, story);
    size_t n = 0;
    nf_rc rc = each_row(s, st, fn, ctx, &n);
    return rc ? rc : n ? NF_OK : NF_ENOTFOUND;
}

nf_rc nf_store_article_info(nf_store *s, const char *id, nf_stored_fn fn, void *ctx)
{
    sqlite3_stmt *st = stmt(s, Q_INFO);
    if (!st)
        return NF_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    size_t n = 0;
    nf_rc rc = each_row(s, st, fn, ctx, &n);
    return rc ? rc : n ? NF_OK : NF_ENOTFOUND;
}

static void story_row(sqlite3_stmt *st, nf_story_info *si)
{
    si->id = sqlite3_column_int64(st, 0);
    si->size = sqlite3_column_int64(st, 1);
    si->outlets = sqlite3_column_int64(st, 2);
    si->first_time = sqlite3_column_type(st, 3) == SQLITE_NULL ? NF_NO_TIME
                                                               : sqlite3_column_int64(st, 3);
    si->last_time = sqlite3_column_type(st, 4) == SQLITE_NULL ? NF_NO_TIME
                                                              : sqlite3_column_int64(st, 4);
    si->headline = col_text(st, 5);
}

nf_rc nf_store_story(nf_store *s, int64_t id, nf_story_info *out, nf_buf *headline)
{
    sqlite3_stmt *st = stmt(s, Q_STORY);
    if (!st)
        return NF_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return NF_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return db_fail(s, rc);
    story_row(st, out);
    nf_rc r = NF_OK;
    if (headline) {
        headline->n = 0;
        if (out->headline)
            r = nf_buf_append(headline, out->headline, strlen(out->headline));
        out->headline = headline->p;
    } else {
        out->headline = NULL;
    }
    sqlite3_reset(st);
    return r;
}

/* Turn user words into an FTS5 query that cannot be a syntax error: every word becomes a
 * quoted string ("" doubles a quote), words are ANDed. Empty when there is no word. */
static nf_rc fts_query(const char *q, nf_buf *out)
{
    const char *p = q;
    nf_rc rc = NF_OK;
    while (*p && !rc) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        if (out->n)
            rc = nf_buf_putc(out, ' ');
        rc = rc ? rc : nf_buf_putc(out, '"');
        for (; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && !rc; p++)
            rc = *p == '"' ? nf_buf_append(out, "\"\"", 2) : nf_buf_putc(out, *p);
        rc = rc ? rc : nf_buf_putc(out, '"');
    }
    return rc;
}

nf_rc nf_store_stories(nf_store *s, const char *query, int64_t since, int64_t limit,
                       int64_t offset, nf_story_fn fn, void *ctx, int64_t *total)
{
    nf_buf fq;
    nf_buf_init(&fq, 1 << 16);
    nf_rc r = query ? fts_query(query, &fq) : NF_OK;
    if (r) {
        nf_buf_reset(&fq);
        return r == NF_ETOOBIG ? NF_EINVAL : r;
    }
    int has_q = fq.n > 0;
    char sql[1024];
    /* A query looks at the QUERY_CAP most recently stored matching articles: a common word in a
     * million articles would otherwise join tens of thousands of rows per request. */
    const char *where_q = has_q ? "id IN (SELECT m.story FROM (SELECT rowid FROM search WHERE "
                                  "search MATCH ?1 ORDER BY rowid DESC LIMIT " QUERY_CAP ") f "
                                  "JOIN articles a ON a.seq = f.rowid "
                                  "JOIN members m ON m.article = a.id)" : "1";
    const char *where_t = since != NF_NO_TIME ? "last_time >= ?2" : "1";
    /* The page comes from the rank index; the total is a separate count (a window count over
     * the page query would sort every matching story). */
    snprintf(sql, sizeof sql, "SELECT id, size, outlets, first_time, last_time, headline, %s "
             "FROM stories WHERE %s AND %s ORDER BY %s LIMIT ?3 OFFSET ?4",
             /* a query's matches are few and sorted anyway: count them in the same pass */
             has_q ? "count(*) OVER ()" : "0", where_q, where_t,
             /* with a query, start from its few matches and sort them (unary + keeps the planner
              * off the rank index, which would scan every story looking for the matches) */
             has_q ? "+outlets DESC, +size DESC, +id" : "outlets DESC, size DESC, id");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc) {
        r = db_fail(s, rc);
        goto done;
    }
    if (has_q)
        sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_STATIC);
    if (since != NF_NO_TIME)
        sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, limit < 0 ? -1 : limit);
    sqlite3_bind_int64(st, 4, offset < 0 ? 0 : offset);
    int counted = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nf_story_info si;
        story_row(st, &si);
        if (has_q && total && !counted) {
            *total = sqlite3_column_int64(st, 6);
            counted = 1;
        }
        if (fn && fn(&si, ctx))
            break;
    }
    if (counted)
        total = NULL;    /* known */
    unsigned ver = 0;
    int all = !has_q && since == NF_NO_TIME;
    if (total && all && (rc == SQLITE_ROW || rc == SQLITE_DONE) &&
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION, &ver) == SQLITE_OK &&
        ver && ver == s->total_ver) {
        *total = s->total_all;    /* nothing changed since the last count */
    } else if (total && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
        sqlite3_finalize(st);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM stories WHERE %s AND %s", where_q, where_t);
        rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
        if (!rc) {
            if (has_q)
                sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_STATIC);
            if (since != NF_NO_TIME)
                sqlite3_bind_int64(st, 2, since);
            rc = sqlite3_step(st);
            *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            if (all && rc == SQLITE_ROW && ver) {
                s->total_all = *total;
                s->total_ver = ver;
            }
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = db_fail(s, rc);
done:
    sqlite3_finalize(st);
    nf_buf_reset(&fq);
    return r;
}

nf_rc nf_store_data_version(nf_store *s, int64_t *v)
{
    sqlite3_stmt *st = stmt(s, Q_DATA_VERSION);
    if (!st)
        return NF_EDB;
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? NF_OK : db_fail(s, rc);
}

nf_rc nf_store_count(nf_store *s, nf_store_counts *c)
{
    static const char *const q[] = {
        "SELECT count(*) FROM articles", "SELECT count(*) FROM stories",
        "SELECT count(*) FROM members", "SELECT count(*) FROM copies",
        "SELECT count(*) FROM comparisons",
        "SELECT count(*) FROM articles a WHERE NOT EXISTS "
        "(SELECT 1 FROM members m WHERE m.article = a.id)",
        "SELECT (SELECT count(*) FROM stories st WHERE st.size <> "
        "(SELECT count(*) FROM members m WHERE m.story = st.id)) + "
        "(SELECT count(DISTINCT story) FROM members WHERE story NOT IN (SELECT id FROM stories))",
    };
    int64_t *out[] = {&c->articles, &c->stories, &c->members, &c->copies, &c->comparisons,
                      &c->unfolded, &c->inconsistent};
    for (size_t i = 0; i < NF_ARRAY_LEN(q); i++) {
        int rc;
        *out[i] = pragma_int(s, q[i], &rc);
        if (rc)
            return NF_EDB;
    }
    return NF_OK;
}
