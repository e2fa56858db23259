/*
 * serve.c — the HTTP server: JSON API over the story store and the page, on libmicrohttpd.
 *
 * Key idea: MHD runs a small pool of polling threads (epoll); each thread opens its own read-only
 * SQLite connection on first use (WAL lets readers run beside the writer; read connections use
 * pread, not a memory map: see nf_store_open), and all writes go through one read-write
 * connection and one online folder behind a mutex. Each API request runs in one read
 * transaction of its thread's connection (reader() .. reader_done()): one snapshot for the
 * generation check and every query of the answer.
 *
 * Policies:
 *   - Limits: request body (opts.max_body, checked against Content-Length before reading and while
 *     reading), headers (MHD connection memory limit), connections, idle time per connection.
 *     A slow or malformed client costs one connection slot until its timeout.
 *   - Writing (POST) needs the token when one is configured; a server that listens beyond the
 *     loopback interface refuses to start without one (nf_server_start).
 *   - Errors are JSON {"error": short, "detail": long} with the matching status.
 *   - A POST is all or nothing: every record is parsed and checked first; one bad record answers
 *     400 with its position and nothing is stored.
 *   - Response cache (below, "the answer cache"): the 200 answers of the GET API are kept as
 *     ready MHD responses, keyed by the normalised request and tagged with the data generation
 *     they were read at; an answer is served from the cache only while the generation is
 *     unchanged. The generation moves on every write of this server (under the write lock,
 *     before the POST answers) and whenever a reader sees PRAGMA data_version change (a write by
 *     another process), so no answer older than the last committed write is ever served.
 */
#include "nf_int.h"
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the answer cache ----
 * A hash table of entries in one LRU list, under one mutex (a hit holds it for a hash lookup and
 * MHD_queue_response, well under a microsecond). An entry owns one reference to an MHD response;
 * MHD counts the references of connections still sending it, so evicting an entry that is being
 * sent is safe. Memory: the sum of body and key bytes stays under the cap (oldest evicted first;
 * evicted entries are freed after the mutex is released); an answer larger than an eighth of the
 * cap is not kept. */

typedef struct centry {
    struct centry *hnext, *prev, *next;    /* hash chain; LRU list (head = newest) */
    uint64_t hash, gen;
    struct MHD_Response *r;
    size_t bytes, klen;
    char key[];
} centry;

typedef struct rcache {
    pthread_mutex_t mu;
    centry **tab;
    size_t nb;               /* buckets, a power of two */
    size_t n, bytes, cap;
    centry head;             /* LRU sentinel */
    uint64_t hits, misses;
} rcache;

struct nf_server {
    struct MHD_Daemon *d;
    nf_serve_opts o;
    char *db_path, *token;
    nf_store *w;             /* the one writer */
    nf_ingest *ing;
    pthread_mutex_t wlock;
    pthread_key_t key;       /* per-thread reader (read-only nf_store) */
    uint16_t port;
    _Atomic uint64_t gen;    /* data generation: moves on every committed write */
    rcache cache;
};

/* A serving thread's read connection and the data_version it last saw. */
typedef struct reader_t {
    nf_store *st;
    int64_t dv;
} reader_t;

/* Per-request state: the body read so far. */
typedef struct req {
    nf_buf body;
    int too_big;
} req;

/* ---- responses ---- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, char *p, size_t n,
                                const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *v)
{
    char *p = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (!p)
        return MHD_NO;
    return send_buf(c, status, p, strlen(p), "application/json; charset=utf-8");
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *error,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *error,
                                  const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    json_object_set_new(o, "error", json_string(error));
    /* detail may quote client bytes: keep it valid UTF-8 for jansson */
    json_t *d = json_string(detail);
    json_object_set_new(o, "detail", d ? d : json_string("(detail not valid UTF-8)"));
    return send_json(c, status, o);
}

/* ---- read connections ---- */

static void close_reader(void *p)
{
    reader_t *r = p;
    nf_store_close(r->st);
    free(r);
}

/* The thread's read connection, with a read transaction begun for the request (the caller
 * ends it: reader_done): one snapshot, and one pair of lock calls, for the generation check and
 * every query of the answer. With a cache it checks PRAGMA data_version in that transaction: a
 * change means another connection (this server's writer, or another process) committed since
 * this thread last looked, and the data generation moves on, so cached answers read before are
 * dropped. A new connection moves it too (it has no earlier view to compare with). Without a
 * cache there is nothing to check. */
static nf_store *reader(nf_server *s)
{
    reader_t *r = pthread_getspecific(s->key);
    int64_t dv = 0;
    if (r) {
        nf_store_begin(r->st);    /* on failure the queries run in their own transactions */
        if (!s->cache.cap)        /* nothing cached: nothing to check */
            return r->st;
        if (nf_store_data_version(r->st, &dv) || dv != r->dv)
            atomic_fetch_add(&s->gen, 1);
        r->dv = dv;
        return r->st;
    }
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    if (nf_store_open(&r->st, s->db_path, NF_STORE_READONLY, NULL, 0)) {
        free(r);
        return NULL;
    }
    nf_store_begin(r->st);
    nf_store_data_version(r->st, &r->dv);
    atomic_fetch_add(&s->gen, 1);
    pthread_setspecific(s->key, r);
    return r->st;
}

/* End the request's read transaction (no-op when none is open). */
static void reader_done(nf_store *r)
{
    nf_store_commit(r);
}

/* ---- the answer cache (see the struct) ---- */

static uint64_t gen_now(nf_server *s)
{
    return atomic_load(&s->gen);
}

/* Take e out of the table and the LRU list (the caller frees it: cache_drop). */
static void cache_detach(rcache *c, centry *e)
{
    centry **pp = &c->tab[e->hash & (c->nb - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->prev->next = e->next;
    e->next->prev = e->prev;
    c->n--;
    c->bytes -= e->bytes;
}

static void cache_drop(centry *e)
{
    MHD_destroy_response(e->r);
    free(e);
}

static void cache_unlink(rcache *c, centry *e)
{
    cache_detach(c, e);
    cache_drop(e);
}

static void lru_front(rcache *c, centry *e)
{
    e->next = c->head.next;
    e->prev = &c->head;
    c->head.next->prev = e;
    c->head.next = e;
}

static int cache_init(rcache *c, size_t cap)
{
    pthread_mutex_init(&c->mu, NULL);
    c->head.next = c->head.prev = &c->head;
    c->cap = cap;
    c->nb = 1024;
    c->tab = calloc(c->nb, sizeof *c->tab);
    return c->tab ? 0 : -1;
}

static void cache_free(rcache *c)
{
    if (!c->tab)
        return;
    while (c->head.next != &c->head)
        cache_unlink(c, c->head.next);
    free(c->tab);
    c->tab = NULL;
    pthread_mutex_destroy(&c->mu);
}

static centry *cache_find(rcache *c, uint64_t h, const char *key, size_t klen)
{
    for (centry *e = c->tab[h & (c->nb - 1)]; e; e = e->hnext)
        if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen))
            return e;
    return NULL;
}

/* Queue the cached answer for key when it was read at generation gen: 1 when served (*ret set),
 * 0 on a miss (a stale entry is dropped). */
static int cache_serve(nf_server *s, struct MHD_Connection *conn, const char *key, size_t klen,
                       uint64_t gen, enum MHD_Result *ret)
{
    rcache *c = &s->cache;
    if (!c->cap)
        return 0;
    uint64_t h = nf_hash_str(key, klen);
    pthread_mutex_lock(&c->mu);
    centry *e = cache_find(c, h, key, klen), *stale = NULL;
    if (e && e->gen != gen) {
        cache_detach(c, e);    /* freed after the unlock */
        stale = e;
        e = NULL;
    }
    if (e) {
        e->prev->next = e->next;
        e->next->prev = e->prev;
        lru_front(c, e);
        c->hits++;
        *ret = MHD_queue_response(conn, 200, e->r);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    if (stale)
        cache_drop(stale);
    return e != NULL;
}

static void cache_grow(rcache *c)
{
    size_t nb = c->nb * 2;
    centry **t = calloc(nb, sizeof *t);
    if (!t)
        return;    /* longer chains, still correct */
    for (centry *e = c->head.next; e != &c->head; e = e->next) {
        e->hnext = t[e->hash & (nb - 1)];
        t[e->hash & (nb - 1)] = e;
    }
    free(c->tab);
    c->tab = t;
    c->nb = nb;
}

/* Keep r as the answer for key read at generation gen, unless the generation has moved on since
 * (the answer may predate a write). The caller's reference to r passes to the cache when this
 * answers 1; on 0 the caller still owns it. */
static int cache_put(nf_server *s, const char *key, size_t klen, uint64_t gen,
                      struct MHD_Response *r, size_t body)
{
    rcache *c = &s->cache;
    size_t bytes = body + klen + sizeof(centry) + 256;    /* 256: MHD's response and headers */
    if (!c->cap || bytes > c->cap / 8 || gen != gen_now(s))
        return 0;
    centry *e = malloc(sizeof *e + klen);
    if (!e)
        return 0;
    e->hash = nf_hash_str(key, klen);
    e->gen = gen;
    e->r = r;
    e->bytes = bytes;
    e->klen = klen;
    memcpy(e->key, key, klen);
    pthread_mutex_lock(&c->mu);
    centry *old = cache_find(c, e->hash, key, klen);
    if (old && old->gen >= gen) {    /* another thread kept it first */
        pthread_mutex_unlock(&c->mu);
        free(e);
        return 0;
    }
    /* evicted entries are freed after the unlock: with ids spread over more answers than fit,
     * nearly every put evicts, and freeing a 14 KB body under the lock made the other thread
     * wait */
    centry *dead = NULL;
    if (old) {
        cache_detach(c, old);
        old->hnext = dead;
        dead = old;
    }
    e->hnext = c->tab[e->hash & (c->nb - 1)];
    c->tab[e->hash & (c->nb - 1)] = e;
    lru_front(c, e);
    c->n++;
    c->bytes += bytes;
    while (c->bytes > c->cap && c->head.prev != e) {
        centry *v = c->head.prev;
        cache_detach(c, v);
        v->hnext = dead;
        dead = v;
    }
    if (c->n > c->nb)
        cache_grow(c);
    pthread_mutex_unlock(&c->mu);
    while (dead) {
        centry *v = dead;
        dead = v->hnext;
        cache_drop(v);
    }
    return 1;
}

/* ---- JSON of store rows ---- */

/* ---- JSON of store rows, written straight into a buffer (the GET hot path) ----
 * Strings are escaped here; bytes that are not valid UTF-8 become U+FFFD, so the answer is
 * always valid JSON whatever the database holds. */

static void jw(nf_buf *b, const char *s, size_t n)
{
    nf_buf_append(b, s, n);
}

#define JW_LIT(b, lit) jw((b), (lit), sizeof(lit) - 1)

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c >= 0xF5 || len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
        return 0;
    return len;
}

static void jw_str(nf_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    if (nf_buf_reserve(b, n + 2))
        return;
    nf_buf_putc(b, '"');
    size_t run = 0;    /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; i < n;) {
        /* eight plain bytes at a time: no control byte, quote, backslash or non-ASCII */
        while (i + 8 <= n) {
            uint64_t w, ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
            memcpy(&w, p + i, 8);
            uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
            uint64_t bad = (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs))
                           & high;
            if (bad)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t l = utf8_len(p + i, n - i);
            if (l) {
                i += l;
                continue;
            }
        }
        jw(b, s + run, i - run);
        if (c == '"')
            JW_LIT(b, "\\\"");
        else if (c == '\\')
            JW_LIT(b, "\\\\");
        else if (c == '\n')
            JW_LIT(b, "\\n");
        else if (c == '\t')
            JW_LIT(b, "\\t");
        else if (c == '\r')
            JW_LIT(b, "\\r");
        else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            jw(b, e, 6);
        } else
            JW_LIT(b, "\\ufffd");
        i++;
        run = i;
    }
    jw(b, s + run, n - run);
    nf_buf_putc(b, '"');
}

static void jw_cstr(nf_buf *b, const char *s)
{
    if (s)
        jw_str(b, s, strlen(s));
    else
        JW_LIT(b, "null");
}

static void jw_int(nf_buf *b, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", (long long)v);
    jw(b, t, (size_t)n);
}

static void jw_time(nf_buf *b, int64_t t)
{
    char d[40];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == NF_NO_TIME || !gmtime_r(&tt, &tm) || !strftime(d, sizeof d, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm))
        JW_LIT(b, "null");
    else
        jw(b, d, strlen(d));
}

static void story_fields(nf_buf *b, const nf_story_info *si)
{
    JW_LIT(b, "\"id\":");
    jw_int(b, si->id);
    JW_LIT(b, ",\"size\":");
    jw_int(b, si->size);
    JW_LIT(b, ",\"outlets\":");
    jw_int(b, si->outlets);
    JW_LIT(b, ",\"first\":");
    jw_time(b, si->first_time);
    JW_LIT(b, ",\"last\":");
    jw_time(b, si->last_time);
    JW_LIT(b, ",\"headline\":");
    jw_cstr(b, si->headline);
}

static void stored_obj(nf_buf *b, const nf_stored *st)
{
    const nf_article *a = st->a;
    JW_LIT(b, "{\"id\":");
    jw_cstr(b, a->id);
    JW_LIT(b, ",\"outlet\":");
    jw_cstr(b, a->outlet);
    JW_LIT(b, ",\"url\":");
    jw_cstr(b, a->url);
    JW_LIT(b, ",\"date\":");
    jw_time(b, a->time);
    JW_LIT(b, ",\"title\":");
    jw_cstr(b, a->title);
    JW_LIT(b, ",\"text\":");
    jw_str(b, a->text ? a->text : "", a->text ? a->text_len : 0);
    JW_LIT(b, ",\"story\":");
    if (st->story >= 0)
        jw_int(b, st->story);
    else
        JW_LIT(b, "null");
    JW_LIT(b, ",\"copy_of\":");
    jw_cstr(b, st->copy_of);
    if (st->copy_of) {
        char t[32];
        int n = snprintf(t, sizeof t, ",\"similarity\":%.4f", st->similarity);
        jw(b, t, (size_t)n);
    }
    JW_LIT(b, ",\"revisions\":");
    jw_int(b, st->revisions);
    nf_buf_putc(b, '}');
}

typedef struct list_ctx {
    nf_buf *b;
    size_t n;
} list_ctx;

static int add_story(const nf_story_info *si, void *vctx)
{
    list_ctx *c = vctx;
    if (c->n++)
        nf_buf_putc(c->b, ',');
    nf_buf_putc(c->b, '{');
    story_fields(c->b, si);
    nf_buf_putc(c->b, '}');
    return 0;
}

static int add_member(const nf_stored *st, void *vctx)
{
    list_ctx *c = vctx;
    if (c->n++)
        nf_buf_putc(c->b, ',');
    stored_obj(c->b, st);
    return 0;
}

/* A GET answer's cache key (the normalised request; n = 0: not cached) and the generation the
 * request started at, read before its read transaction. */
typedef struct ckey {
    char k[512];
    size_t n;
    uint64_t gen;
} ckey;

static void ckey_set(ckey *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ckey_set(ckey *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(k->k, sizeof k->k, fmt, ap);
    va_end(ap);
    k->n = n > 0 && (size_t)n < sizeof k->k ? (size_t)n : 0;    /* too long: not cached */
}

/* Hand the buffer to MHD (it frees it) and keep the answer in the cache under k, or answer 500
 * when a write ran out of memory. */
static enum MHD_Result send_jbuf(nf_server *s, struct MHD_Connection *c, nf_buf *b, int ok,
                                 const ckey *k)
{
    if (!ok || !b->p) {
        nf_buf_reset(b);
        return send_error(c, 500, "out of memory", "building the answer");
    }
    size_t n = b->n;
    struct MHD_Response *r = MHD_create_response_from_buffer(n, b->p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        nf_buf_reset(b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    if (!(ret == MHD_YES && k && k->n && cache_put(s, k->k, k->n, k->gen, r, n)))
        MHD_destroy_response(r);
    return ret;
}

/* ---- query arguments ---- */

static int arg_int(struct MHD_Connection *c, const char *name, int64_t def, int64_t lo, int64_t hi,
                   int64_t *out)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static enum MHD_Result get_stories(nf_server *s, struct MHD_Connection *c, nf_store *r, ckey *k)
{
    int64_t limit, offset, since = NF_NO_TIME;
    if (arg_int(c, "limit", 50, 0, 1000, &limit))
        return send_error(c, 400, "bad parameter", "limit must be an integer from 0 to 1000");
    if (arg_int(c, "offset", 0, 0, INT64_MAX / 2, &offset))
        return send_error(c, 400, "bad parameter", "offset must be a non-negative integer");
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "query");
    const char *sv = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    if (sv && *sv && nf_parse_date(sv, strlen(sv), &since))
        return send_error(c, 400, "bad parameter",
                          "since: not an ISO 8601 date or date-time: %.100s", sv);
    enum MHD_Result ret;
    ckey_set(k, "L %lld %lld %lld %s", (long long)limit, (long long)offset, (long long)since,
             q ? q : "");
    if (cache_serve(s, c, k->k, k->n, k->gen, &ret))
        return ret;
    nf_buf b;
    nf_buf_init(&b, 0);
    nf_buf_reserve(&b, 8192);
    JW_LIT(&b, "{\"stories\":[");
    list_ctx lc = {&b, 0};
    int64_t total = 0;
    nf_rc rc = nf_store_stories(r, q, since, limit, offset, add_story, &lc, &total);
    if (rc) {
        nf_buf_reset(&b);
        return send_error(c, 500, "database error", "%s", nf_store_errmsg(r));
    }
    JW_LIT(&b, "],\"total\":");
    jw_int(&b, total);
    JW_LIT(&b, ",\"limit\":");
    jw_int(&b, limit);
    JW_LIT(&b, ",\"offset\":");
    jw_int(&b, offset);
    int ok = nf_buf_putc(&b, '}') == NF_OK;
    return send_jbuf(s, c, &b, ok, k);
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 0)
        return -1;
    *id = v;
    return 0;
}

/* The story, its members and the comparison, read in the request's transaction (one
 * snapshot, begun by reader()). The
 * comparison is stored as JSON text and spliced in verbatim: no parse and re-dump per request. */
static enum MHD_Result get_story(nf_server *s, struct MHD_Connection *c, nf_store *r,
                                 const char *ids, ckey *k)
{
    int64_t id;
    if (parse_id(ids, &id))
        return send_error(c, 400, "bad story id", "story ids are non-negative integers: %.64s", ids);
    enum MHD_Result ret;
    ckey_set(k, "S %lld", (long long)id);
    if (cache_serve(s, c, k->k, k->n, k->gen, &ret))
        return ret;
    nf_story_info si;
    nf_buf head, b;
    nf_buf_init(&head, 0);
    nf_buf_init(&b, 0);
    char *cmp = NULL;
    nf_rc rc = nf_store_story(r, id, &si, &head);
    if (!rc) {
        nf_buf_reserve(&b, 32768);
        nf_buf_putc(&b, '{');
        story_fields(&b, &si);
        JW_LIT(&b, ",\"members\":[");
        list_ctx lc = {&b, 0};
        rc = nf_store_story_members(r, id, add_member, &lc);
        if (!rc || rc == NF_ENOTFOUND)
            rc = nf_store_get_comparison(r, id, &cmp);
        if (rc == NF_ENOTFOUND)
            rc = NF_OK;
    }
    reader_done(r);    /* before a write: the snapshot is not needed any more */
    nf_buf_reset(&head);
    if (!rc && cmp && !strcmp(cmp, "null") && si.size >= 2 && s->o.compare) {
        /* marked stale by a POST: compute it once, through the writer */
        free(cmp);
        cmp = NULL;
        pthread_mutex_lock(&s->wlock);
        nf_rc crc = s->o.compare(s->o.compare_ctx, s->w, id);
        if (!crc)
            crc = nf_store_get_comparison(s->w, id, &cmp);
        atomic_fetch_add(&s->gen, 1);    /* a write: answers read before are stale */
        pthread_mutex_unlock(&s->wlock);
        if (crc && crc != NF_ENOTFOUND)
            fprintf(stderr, "newsfold serve: story %lld: comparison failed: %s\n", (long long)id,
                    nf_strerror(crc));
    }
    if (rc) {
        nf_buf_reset(&b);
        return rc == NF_ENOTFOUND ? send_error(c, 404, "not found", "no story %lld", (long long)id)
                                  : send_error(c, 500, "database error", "%s", nf_store_errmsg(r));
    }
    JW_LIT(&b, "],\"comparison\":");
    if (cmp && *cmp)
        jw(&b, cmp, strlen(cmp));
    else
        JW_LIT(&b, "null");
    free(cmp);
    int ok = nf_buf_putc(&b, '}') == NF_OK;
    return send_jbuf(s, c, &b, ok, k);
}

static int set_article(const nf_stored *st, void *vctx)
{
    stored_obj(vctx, st);
    return 0;
}

static enum MHD_Result get_article(nf_server *s, struct MHD_Connection *c, nf_store *r,
                                   const char *id, ckey *k)
{
    enum MHD_Result ret;
    ckey_set(k, "A %s", id);
    if (cache_serve(s, c, k->k, k->n, k->gen, &ret))
        return ret;
    nf_buf b;
    nf_buf_init(&b, 0);
    nf_rc rc = nf_store_article_info(r, id, set_article, &b);
    if (rc) {
        nf_buf_reset(&b);
        return rc == NF_ENOTFOUND ? send_error(c, 404, "not found", "no article with id %.200s", id)
                                  : send_error(c, 500, "database error", "%s", nf_store_errmsg(r));
    }
    return send_jbuf(s, c, &b, 1, k);
}

static json_t *str_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

/* ---- POST /api/articles ---- */

/* Line and column (1-based) of byte off in p. */
static void line_col(const char *p, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < off; i++)
        if (p[i] == '\n') {
            ++*line;
            ls = i + 1;
        }
    *col = off - ls + 1;
}

static const char *field_str(json_t *o, const char *k, int *bad)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* Fill a (borrowing strings from o) or describe what is wrong in why. */
static int article_from_json(json_t *o, nf_article *a, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->time = NF_NO_TIME;
    if (!json_is_object(o)) {
        snprintf(why, cap, "an article must be a JSON object");
        return -1;
    }
    int bad = 0;
    a->id = (char *)field_str(o, "id", &bad);
    a->outlet = (char *)field_str(o, "outlet", &bad);
    a->url = (char *)field_str(o, "url", &bad);
    a->title = (char *)field_str(o, "title", &bad);
    const char *date = field_str(o, "date", &bad);
    json_t *t = json_object_get(o, "text");
    if (bad) {
        snprintf(why, cap, "id, outlet, url, date and title must be strings or null");
        return -1;
    }
    if (!a->id || !*a->id) {
        snprintf(why, cap, "missing id");
        return -1;
    }
    if (!json_is_string(t) || json_string_length(t) == 0) {
        snprintf(why, cap, "article %.100s: missing or empty text", a->id);
        return -1;
    }
    a->text = (char *)json_string_value(t);
    a->text_len = json_string_length(t);
    if (memchr(a->text, 0, a->text_len)) {
        snprintf(why, cap, "article %.100s: text contains a NUL character", a->id);
        return -1;
    }
    if (date && *date && nf_parse_date(date, strlen(date), &a->time)) {
        snprintf(why, cap, "article %.100s: date is not ISO 8601: %.60s", a->id, date);
        return -1;
    }
    return 0;
}

static char *host_of(const char *url)
{
    char h[256];
    if (!url || nf_url_host(url, strlen(url), h, sizeof h) || !h[0])
        return NULL;
    return strdup(h);
}

static enum MHD_Result post_articles(nf_server *s, struct MHD_Connection *c, req *q)
{
    const char *p = q->body.p ? q->body.p : "";
    size_t n = q->body.n, off = 0, nrec = 0;
    json_t *vals = json_array();
    enum MHD_Result ret;
    /* One JSON value after another (one object, or JSONL): parse all before storing any. */
    for (;;) {
        while (off < n && (p[off] == ' ' || p[off] == '\t' || p[off] == '\r' || p[off] == '\n'))
            off++;
        if (off >= n)
            break;
        json_error_t e;
        json_t *v = json_loadb(p + off, n - off, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &e);
        if (!v) {
            size_t at = off + (size_t)(e.position > 0 ? e.position : 0), line, col;
            line_col(p, at, &line, &col);
            json_decref(vals);
            return send_error(c, 400, "malformed JSON", "record %zu, line %zu, column %zu "
                              "(byte %zu): %s", nrec + 1, line, col, at, e.text);
        }
        off += e.position;
        nrec++;
        if (json_is_array(v)) {
            json_array_extend(vals, v);
            json_decref(v);
        } else {
            json_array_append_new(vals, v);
        }
    }
    size_t na = json_array_size(vals);
    if (na == 0) {
        json_decref(vals);
        return send_error(c, 400, "empty request", "the body holds no article");
    }
    nf_article *arts = calloc(na, sizeof *arts);
    char **hosts = calloc(na, sizeof *hosts);
    nf_ingest_result *res = calloc(na, sizeof *res);
    if (!arts || !hosts || !res) {
        ret = send_error(c, 500, "out of memory", "%zu articles", na);
        goto done;
    }
    for (size_t i = 0; i < na; i++) {
        char why[300];
        if (article_from_json(json_array_get(vals, i), &arts[i], why, sizeof why)) {
            ret = send_error(c, 400, "invalid article", "article %zu: %s", i + 1, why);
            goto done;
        }
        if (!arts[i].outlet && (hosts[i] = host_of(arts[i].url)))
            arts[i].outlet = hosts[i];
    }
    pthread_mutex_lock(&s->wlock);
    nf_rc rc = nf_ingest_add(s->ing, arts, na, res);
    char dberr[256];
    snprintf(dberr, sizeof dberr, "%s", nf_store_errmsg(s->w));
    atomic_fetch_add(&s->gen, 1);    /* before the answer: a GET after it never sees older data */
    pthread_mutex_unlock(&s->wlock);
    if (rc) {
        ret = send_error(c, 500, "ingest failed", "%s: %s", nf_strerror(rc), dberr);
        goto done;
    }
    static const char *const status_name[] = {"new", "same", "updated"};
    json_t *out = json_array();
    for (size_t i = 0; i < na; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(arts[i].id));
        json_object_set_new(o, "status", json_string(status_name[res[i].status]));
        json_object_set_new(o, "story", res[i].story >= 0 ? json_integer(res[i].story) : json_null());
        json_object_set_new(o, "copy_of", str_or_null(res[i].copy_of));
        json_array_append_new(out, o);
    }
    json_t *o = json_object();
    json_object_set_new(o, "stored", json_integer((json_int_t)na));
    json_object_set_new(o, "articles", out);
    ret = send_json(c, 200, o);
done:
    if (res)
        nf_ingest_result_reset(res, na);
    for (size_t i = 0; hosts && i < na; i++)
        free(hosts[i]);
    free(hosts);
    free(arts);
    free(res);
    json_decref(vals);
    return ret;
}

/* Constant-time comparison of the bearer token. */
static int token_ok(nf_server *s, struct MHD_Connection *c)
{
    if (!s->token)
        return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7))
        return 0;
    h += 7;
    size_t n = strlen(h), m = strlen(s->token);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < m; i++)
        diff |= (unsigned char)s->token[i] ^ (unsigned char)(i < n ? h[i] : 0);
    return diff == 0;
}

/* ---- routing ---- */

static enum MHD_Result method_not_allowed(struct MHD_Connection *c, const char *allow,
                                          const char *method, const char *url)
{
    json_t *o = json_object();
    char d[300];
    snprintf(d, sizeof d, "%.20s is not allowed on %.200s (allowed: %s)", method, url, allow);
    json_object_set_new(o, "error", json_string("method not allowed"));
    json_t *dj = json_string(d);
    json_object_set_new(o, "detail", dj ? dj : json_string("method not allowed"));
    char *p = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!p)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(p), p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(c, 405, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_page(nf_server *s, struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(s->o.page_len, (void *)s->o.page,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* Everything comes from this binary; no request leaves for anywhere else. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src "
                            "'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; "
                            "form-action 'none'; frame-ancestors 'none'");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result route(nf_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, req *q)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(url, "/") || !strcmp(url, "/index.html")) {
        if (!get)
            return method_not_allowed(c, "GET, HEAD", method, url);
        return send_page(s, c);
    }
    if (!strcmp(url, "/healthz")) {
        if (!get)
            return method_not_allowed(c, "GET, HEAD", method, url);
        json_t *o = json_object();
        json_object_set_new(o, "status", json_string("ok"));
        json_object_set_new(o, "version", json_string(nf_version()));
        json_t *cj = json_object();
        pthread_mutex_lock(&s->cache.mu);
        json_object_set_new(cj, "entries", json_integer((json_int_t)s->cache.n));
        json_object_set_new(cj, "bytes", json_integer((json_int_t)s->cache.bytes));
        json_object_set_new(cj, "cap", json_integer((json_int_t)s->cache.cap));
        json_object_set_new(cj, "hits", json_integer((json_int_t)s->cache.hits));
        json_object_set_new(cj, "misses", json_integer((json_int_t)s->cache.misses));
        pthread_mutex_unlock(&s->cache.mu);
        json_object_set_new(o, "cache", cj);
        return send_json(c, 200, o);
    }
    if (!strcmp(url, "/api/articles") && !strcmp(method, "POST")) {
        if (!token_ok(s, c))
            return send_error(c, 401, "unauthorized",
                              "writing needs the server's token: Authorization: Bearer TOKEN");
        if (q->too_big)
            return send_error(c, 413, "request too large", "the body exceeds %zu bytes",
                              s->o.max_body);
        return post_articles(s, c, q);
    }
    int stories = !strcmp(url, "/api/stories"), story = !strncmp(url, "/api/stories/", 13);
    int article = !strncmp(url, "/api/articles/", 14), articles = !strcmp(url, "/api/articles");
    if (!stories && !story && !article && !articles)
        return send_error(c, 404, "not found", "no resource at %.200s", url);
    if (articles)
        return method_not_allowed(c, "POST", method, url);
    if (!get)
        return method_not_allowed(c, "GET, HEAD", method, url);
    nf_store *r = reader(s);
    if (!r)
        return send_error(c, 503, "database unavailable", "cannot open %s", s->db_path);
    ckey k = {.gen = gen_now(s)};    /* after reader(): it may have moved the generation */
    enum MHD_Result ret = stories ? get_stories(s, c, r, &k)
                        : story   ? get_story(s, c, r, url + 13, &k)
                                  : get_article(s, c, r, url + 14, &k);
    reader_done(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    nf_server *s = cls;
    req *q = *con_cls;
    if (!q) {    /* first call: headers only */
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        nf_buf_init(&q->body, s->o.max_body);
        *con_cls = q;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->o.max_body)
            q->too_big = 1;
        if (q->too_big)    /* answer now: do not read a body we will refuse */
            return send_error(c, 413, "request too large", "the body exceeds %zu bytes",
                              s->o.max_body);
        return MHD_YES;
    }
    if (*data_size) {
        if (!q->too_big && nf_buf_append(&q->body, data, *data_size))
            q->too_big = 1;
        *data_size = 0;
        return MHD_YES;
    }
    return route(s, c, url, method, q);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    req *q = *con_cls;
    if (q) {
        nf_buf_reset(&q->body);
        free(q);
        *con_cls = NULL;
    }
}

/* ---- start / stop ---- */

/* Parse "HOST:PORT", "[V6]:PORT" or ":PORT"/"PORT" (loopback). */
static int parse_listen(const char *l, struct sockaddr_storage *ss, socklen_t *len, int *loopback)
{
    char host[128] = "127.0.0.1";
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (l[0] == '[') {
        const char *e = strchr(l, ']');
        if (!e || e[1] != ':' || (size_t)(e - l - 1) >= sizeof host)
            return -1;
        memcpy(host, l + 1, (size_t)(e - l - 1));
        host[e - l - 1] = 0;
        port = e + 2;
    } else {
        const char *colon = strrchr(l, ':');
        if (colon) {
            if ((size_t)(colon - l) >= sizeof host)
                return -1;
            if (colon > l) {
                memcpy(host, l, (size_t)(colon - l));
                host[colon - l] = 0;
            }
            port = colon + 1;
        } else {
            port = l;
        }
    }
    char *end;
    long pn = strtol(port, &end, 10);
    if (!*port || *end || pn < 0 || pn > 65535)
        return -1;
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)pn);
        *len = sizeof *v4;
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)pn);
        *len = sizeof *v6;
        *loopback = !memcmp(&v6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback);
        return 0;
    }
    return -1;
}

nf_rc nf_server_start(nf_server **out, const nf_serve_opts *opts, char *err, size_t cap)
{
    *out = NULL;
    nf_server *s = calloc(1, sizeof *s);
    if (!s)
        return NF_ENOMEM;
    s->o = *opts;
    if (!s->o.listen)
        s->o.listen = "127.0.0.1:8080";
    if (!s->o.threads)
        s->o.threads = 2;
    if (!s->o.max_body)
        s->o.max_body = 16u << 20;
    if (!s->o.max_header)
        s->o.max_header = 32u << 10;
    if (!s->o.max_conns)
        s->o.max_conns = 1000;
    if (!s->o.timeout_s)
        s->o.timeout_s = 15;
    pthread_mutex_init(&s->wlock, NULL);
    pthread_key_create(&s->key, close_reader);
    nf_rc rc = NF_OK;
    if (cache_init(&s->cache, s->o.cache_bytes == (size_t)-1 ? 0
                              : s->o.cache_bytes ? s->o.cache_bytes : (size_t)128 << 20)) {
        rc = NF_ENOMEM;
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    int loopback = 0;
    if (parse_listen(s->o.listen, &ss, &sl, &loopback)) {
        snprintf(err, cap, "--listen %s: expected HOST:PORT (IPv4 or [IPv6])", s->o.listen);
        rc = NF_EINVAL;
        goto fail;
    }
    if (!loopback && !(s->o.token && *s->o.token)) {
        snprintf(err, cap, "refusing to listen on %s beyond loopback without a token "
                 "(--token or NEWSFOLD_TOKEN)", s->o.listen);
        rc = NF_EINVAL;
        goto fail;
    }
    s->db_path = strdup(opts->db_path);
    s->token = s->o.token && *s->o.token ? strdup(s->o.token) : NULL;
    if (!s->db_path) {
        rc = NF_ENOMEM;
        goto fail;
    }
    if ((rc = nf_store_open(&s->w, s->db_path, NF_STORE_CREATE, err, cap)))
        goto fail;
    if ((rc = nf_ingest_open(&s->ing, s->w)))
        goto fail;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->o.max_header,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.max_conns,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout_s,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, cap, "cannot listen on %s: %s", s->o.listen,
                 errno ? strerror(errno) : "libmicrohttpd refused to start");
        rc = NF_EIO;
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    *out = s;
    return NF_OK;
fail:
    nf_server_stop(s);
    return rc;
}

uint16_t nf_server_port(const nf_server *s)
{
    return s ? s->port : 0;
}

void nf_server_stop(nf_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    nf_ingest_close(s->ing);
    nf_store_close(s->w);
    cache_free(&s->cache);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->wlock);
    free(s->db_path);
    free(s->token);
    free(s);
}
