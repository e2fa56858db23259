/*
 * bench_serve.c — the server under load: wrk against GET /api/stories/{id} (random ids) and
 * GET /api/stories on a database of >= 1M articles, and POST /api/articles ingest rate.
 *
 * The 1M-article database is generated through the store API (nf_store_put_article +
 * nf_store_set_story), not by folding: synthetic stories of 10 articles whose texts are the real
 * articles of ../shared/data (first 1500 bytes) under new ids, outlets and dates. It is kept in
 * $BUILD/bench/serve-1000k.db and reused. The server is the real binary ($BUILD/newsfold serve)
 * in a child process with 2 threads; wrk runs 2 threads, 64 connections, 10 s per endpoint
 * (BENCH_SECONDS), on the same machine. Random ids: each wrk thread has its own seed, and the
 * warm-up pass another one, so the answer cache is not handed the measured ids in advance.
 * GET story is measured with the answer cache (default size) and without (--cache-mb 0), over
 * all stories (uniform: mostly misses) and over the 2000 first ("popular": mostly hits).
 * POST goes to a fresh database seeded with the shared data: batches of 100 articles per request,
 * after one warm-up POST (the server's first POST loads the folder; timed and printed apart).
 * Prints requests/s, p50/p99 latency, articles/s and the server's CPU time per request.
 * Needs wrk (make deps).
 */
#include "newsfold.h"
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STORY_SIZE 10

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct corpus {
    char **text;
    size_t n, cap;
} corpus;

static void load_corpus(corpus *c, const char *shared)
{
    static const char *const files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    for (size_t f = 0; f < 3; f++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/data/%s", shared, files[f]);
        FILE *fp = fopen(p, "r");
        if (!fp)
            continue;
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, fp) > 0) {
            json_t *o = json_loads(line, 0, NULL);
            const char *t = o ? json_string_value(json_object_get(o, "text")) : NULL;
            if (t && *t) {
                if (c->n == c->cap) {
                    c->cap = c->cap ? c->cap * 2 : 1024;
                    c->text = realloc(c->text, c->cap * sizeof *c->text);
                }
                c->text[c->n++] = strndup(t, 1500);
            }
            json_decref(o);
        }
        free(line);
        fclose(fp);
    }
}

static int64_t count_articles(const char *db)
{
    nf_store *s;
    if (nf_store_open(&s, db, NF_STORE_READONLY, NULL, 0))
        return 0;
    nf_store_counts c;
    int64_t n = nf_store_count(s, &c) ? 0 : c.articles;
    nf_store_close(s);
    return n;
}

static int generate(const char *db, const corpus *c, int64_t n)
{
    unlink(db);
    nf_store *s;
    char err[512];
    if (nf_store_open(&s, db, NF_STORE_CREATE, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    double t0 = now();
    char id[64], outlet[32], title[96];
    for (int64_t i = 0; i < n; i++) {
        if (i % 20000 == 0 && ((i && nf_store_commit(s)) || nf_store_begin(s)))
            return -1;
        int64_t story = i / STORY_SIZE + 1;
        const char *t = c->text[(size_t)i % c->n];
        snprintf(id, sizeof id, "g%lld", (long long)i);
        snprintf(outlet, sizeof outlet, "outlet%lld.example", (long long)((i * 7919) % 300));
        snprintf(title, sizeof title, "Synthetic story %lld report %lld", (long long)story,
                 (long long)(i % STORY_SIZE));
        nf_article a = {.id = id, .outlet = outlet, .title = title, .text = (char *)t,
                        .text_len = strlen(t),
                        .time = 1600000000 + story * 600 + (i % STORY_SIZE) * 3600};
        if (nf_store_put_article(s, &a, NULL, NULL) || nf_store_set_story(s, id, story)) {
            fprintf(stderr, "generate: %s\n", nf_store_errmsg(s));
            return -1;
        }
    }
    if (nf_store_commit(s))
        return -1;
    nf_store_close(s);
    double dt = now() - t0;
    printf("generated %lld articles in %lld stories through the store API: %.1f s, %.0f articles/s\n",
           (long long)n, (long long)(n / STORY_SIZE), dt, n / dt);
    return 0;
}

/* Start `newsfold serve` on a free port (extra: one more option and its value, or NULL);
 * returns the pid and fills port. */
static pid_t start_server(const char *bin, const char *db, int *port, const char *extra,
                          const char *extra_val)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(bin, bin, "serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", "2", extra,
              extra_val, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[512] = "";
    *port = 0;
    if (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "http://");
        p = p ? strchr(p + 7, ':') : NULL;
        if (p)
            *port = atoi(p + 1);
    }
    if (f)
        fclose(f);
    return pid;
}

static void stop_server(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

static pid_t server_pid;    /* whose CPU time run_wrk reports */

/* User + system CPU seconds of a process so far (/proc/PID/stat). */
static double cpu_of(pid_t pid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *q = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Run wrk with a Lua script; print requests/s and latency percentiles. Returns requests/s. */
static double run_wrk(const char *label, int port, const char *path, const char *lua, int secs,
                      int conns, double per_request)
{
    char luaf[] = "/tmp/nf_bench_XXXXXX";
    int fd = mkstemp(luaf);
    if (fd < 0)
        return 0;
    if (write(fd, lua, strlen(lua)) < 0) {
        close(fd);
        return 0;
    }
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "wrk -t2 -c%d -d%ds --latency -s %s http://127.0.0.1:%d%s 2>&1",
             conns, secs, luaf, port, path);
    double cpu0 = cpu_of(server_pid);
    FILE *p = popen(cmd, "r");
    char line[512], p50[32] = "?", p99[32] = "?";
    double rps = 0;
    long non2xx = 0, errors = 0;
    while (p && fgets(line, sizeof line, p)) {
        sscanf(line, " 50%% %31s", p50);
        sscanf(line, " 99%% %31s", p99);
        sscanf(line, "Requests/sec: %lf", &rps);
        sscanf(line, " Non-2xx or 3xx responses: %ld", &non2xx);
        if (strstr(line, "Socket errors"))
            errors = 1;
    }
    if (p)
        pclose(p);
    double cpu = cpu_of(server_pid) - cpu0;
    if (!getenv("BENCH_KEEP_LUA"))
        unlink(luaf);
    if (!label) {
        printf("(warm-up pass: %.0f req/s, not reported)\n", rps);
        return rps;
    }
    printf("%-34s %9.0f req/s  p50 %-8s p99 %-8s", label, rps, p50, p99);
    if (per_request > 1)
        printf("  %.0f articles/s", rps * per_request);
    if (rps > 0)
        printf("  server %.0f us CPU/req", cpu * 1e6 / (rps * secs));
    if (non2xx || errors)
        printf("  (non-2xx %ld%s)", non2xx, errors ? ", socket errors" : "");
    printf("\n");
    return rps;
}

int main(void)
{
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    int secs = getenv("BENCH_SECONDS") ? atoi(getenv("BENCH_SECONDS")) : 10;
    int64_t n = getenv("BENCH_ARTICLES") ? atoll(getenv("BENCH_ARTICLES")) : 1000000;
    if (system("command -v wrk >/dev/null 2>&1") != 0) {
        printf("bench_serve: wrk not installed (make deps); skipped\n");
        return 0;
    }
    char bin[512], db[512], pdb[512];
    snprintf(bin, sizeof bin, "%s/newsfold", build);
    snprintf(db, sizeof db, "%s/bench/serve-%lldk.db", build, (long long)(n / 1000));
    snprintf(pdb, sizeof pdb, "%s/bench/serve-post.db", build);
    corpus c = {0};
    load_corpus(&c, shared);
    if (!c.n) {
        printf("bench_serve: no articles under %s/data\n", shared);
        return 1;
    }
    if (count_articles(db) != n && generate(db, &c, n))
        return 1;
    printf("database %s: %lld articles, %lld stories\n", db, (long long)count_articles(db),
           (long long)(n / STORY_SIZE));
    signal(SIGPIPE, SIG_IGN);
    double load[3] = {0};
    if (getloadavg(load, 3) > 0)
        printf("load average at start: %.2f %.2f %.2f (wrk -t2 -c64 -d%ds on the same cores)\n",
               load[0], load[1], load[2], secs);
    char lua[1024], warm[1024], hot[1024];
    /* per wrk thread a seed of its own (wrk's threads are separate Lua states) */
    static const char *const rand_fmt =
        "local n = 0\nsetup = function(t) n = n + 1; t:set('tid', n) end\n"
        "init = function() math.randomseed(%d + (tid or 0)) end\n"
        "request = function()\n"
        "  return wrk.format('GET', '/api/stories/' .. math.random(1, %lld))\nend\n";
    snprintf(warm, sizeof warm, rand_fmt, 4200, (long long)(n / STORY_SIZE));
    snprintf(lua, sizeof lua, rand_fmt, 42, (long long)(n / STORY_SIZE));
    snprintf(hot, sizeof hot, rand_fmt, 77, (long long)(n / STORY_SIZE < 2000 ? n / STORY_SIZE : 2000));
    int port;
    for (int cached = 0; cached < 2; cached++) {
        pid_t pid = start_server(bin, db, &port, cached ? NULL : "--cache-mb", cached ? NULL : "0");
        if (pid < 0 || !port) {
            printf("bench_serve: could not start %s\n", bin);
            stop_server(pid);
            return 1;
        }
        server_pid = pid;
        printf("-- server %s\n", cached ? "with the answer cache (default 128 MiB)"
                                          : "without the answer cache (--cache-mb 0)");
        /* warm-up: the first pass over a cold database measures the disk, not the server */
        run_wrk(NULL, port, "/", warm, secs, 64, 1);
        run_wrk("GET /api/stories/{id} (uniform)", port, "/", lua, secs, 64, 1);
        run_wrk("GET /api/stories/{id} (2000 popular)", port, "/", hot, secs, 64, 1);
        run_wrk("GET /api/stories?limit=50", port, "/api/stories?limit=50", "", secs, 64, 1);
        if (cached) {
            char off[512];
            snprintf(off, sizeof off, "math.randomseed(7)\nrequest = function()\n"
                     "  return wrk.format('GET', '/api/stories?limit=20&offset=' .. "
                     "math.random(0, 5000))\nend\n");
            run_wrk("GET /api/stories?offset=random", port, "/", off, secs, 64, 1);
            run_wrk("GET /api/stories?query=earthquake", port,
                    "/api/stories?query=earthquake&limit=20", "", secs, 64, 1);
        }
        stop_server(pid);
    }

    /* POST: 100 articles per request, unique ids per thread and request */
    unlink(pdb);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s fold %s/data --db %s >/dev/null 2>&1", bin, shared, pdb);
    if (system(cmd) != 0) {
        nf_store *s;    /* no fold verb in this build: seed through the store */
        if (nf_store_open(&s, pdb, NF_STORE_CREATE, NULL, 0) == NF_OK)
            nf_store_close(s);
    }
    pid_t pid = start_server(bin, pdb, &port, NULL, NULL);
    server_pid = pid;
    if (pid < 0 || !port) {
        printf("bench_serve: could not start %s\n", bin);
        stop_server(pid);
        return 1;
    }
    /* the body: 100 JSONL articles whose ids the script rewrites per request */
    json_t *texts = json_array();
    for (size_t i = 0; i < 100; i++)
        json_array_append_new(texts, json_string(c.text[(i * 37) % c.n]));
    char *tj = json_dumps(texts, JSON_COMPACT);
    json_decref(texts);
    tj[0] = '{';                    /* a JSON array of strings is a Lua table constructor */
    tj[strlen(tj) - 1] = '}';
    size_t luan = strlen(tj) + 2048;
    char *plua = malloc(luan);
    snprintf(plua, luan,
             "local texts = %s\nlocal counter = 0\ntid = 0\nlocal nthreads = 0\n"
             "setup = function(thread) nthreads = nthreads + 1; thread:set('tid', nthreads) end\n"
             "local function esc(s) return (s:gsub('[%%c\"\\\\]', function(ch) return "
             "string.format('\\\\u%%04x', ch:byte()) end)) end\n"
             "for i, t in ipairs(texts) do texts[i] = esc(t) end\n"
             "request = function()\n  counter = counter + 1\n  local parts = {}\n"
             "  for i = 1, 100 do\n"
             "    parts[i] = '{\"id\":\"p' .. tid .. '-' .. counter .. '-' .. i .. "
             "'\",\"outlet\":\"o' .. (i %% 17) .. '.example\",\"date\":\"2024-01-0' .. (i %% 9 + 1) "
             ".. '\",\"text\":\"' .. texts[i] .. ' ' .. counter .. '\"}'\n  end\n"
             "  return wrk.format('POST', '/api/articles', {['Content-Type'] = "
             "'application/x-ndjson'}, table.concat(parts, '\\n'))\nend\n", tj);
    free(tj);
    /* the first POST feeds the server's folder every stored article: timed apart */
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -XPOST --data-binary "
             "'{\"id\":\"warm-up\",\"text\":\"The first article of the run.\"}' "
             "http://127.0.0.1:%d/api/articles", port);
    double t0 = now();
    if (system(cmd) == 0)
        printf("first POST (loads the folder with %lld stored articles): %.0f ms\n",
               (long long)count_articles(pdb) - 1, (now() - t0) * 1e3);
    run_wrk("POST /api/articles (100 per request)", port, "/", plua, secs, 4, 100);
    free(plua);
    stop_server(pid);
    printf("post database: %lld articles after the run\n", (long long)count_articles(pdb));
    if (getloadavg(load, 3) > 0)    /* other jobs share the machine: their load bounds the figures */
        printf("load average at end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    for (size_t i = 0; i < c.n; i++)
        free(c.text[i]);
    free(c.text);
    return 0;
}
