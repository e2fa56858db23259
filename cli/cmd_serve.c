/*
 * cmd_serve.c — `newsfold serve --db PATH`: the JSON API and the page over HTTP until Ctrl-C
 * (or SIGTERM, or --exit-after seconds). The page is web/index.html, compiled in (web_page.c).
 */
#include "cli.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

extern const char cli_web_page[];
extern const size_t cli_web_page_len;

static void help(void)
{
    printf("usage: newsfold serve --db PATH [--listen HOST:PORT] [--token TOKEN] [options]\n"
           "\nServe the stories of a database over HTTP: the page at /, and the JSON API:\n"
           "  GET  /api/stories?query=&since=&limit=&offset=   stories, most outlets first\n"
           "  GET  /api/stories/ID                              members and the comparison\n"
           "  GET  /api/articles/ID                             one article\n"
           "  POST /api/articles                                one JSON article or JSONL; answers\n"
           "                                                    each article's story and copy_of\n"
           "  GET  /healthz\n"
           "Errors are JSON {\"error\", \"detail\"}.\n"
           "\n  --db PATH          the database (created when missing)\n"
           "  --listen H:P       address (default 127.0.0.1:8080; port 0 picks a free port).\n"
           "                     Beyond loopback a token is required.\n"
           "  --token T          bearer token for POST (default: $NEWSFOLD_TOKEN)\n"
           "  --threads N        serving threads (default 2)\n"
           "  --max-body BYTES   largest request body (default 16777216)\n"
           "  --timeout S        idle seconds before a connection is closed (default 15)\n"
           "  --cache-mb N       memory for cached GET answers, dropped on every write\n"
           "                     (default 128; 0: no cache)\n"
           "  --exit-after S     stop by itself after S seconds (tests)\n");
}

static int num(const char *opt, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        fprintf(stderr, "newsfold serve: %s: expected a number from %lld to %lld: %s\n", opt, lo,
                hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    nf_serve_opts o = {0};
    long long v, exit_after = 0;
    o.token = getenv("NEWSFOLD_TOKEN");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "newsfold serve: unknown option or missing value: %s\n", a);
            return EXIT_USAGE;
        }
        const char *val = argv[++i];
        if (!strcmp(a, "--db"))
            o.db_path = val;
        else if (!strcmp(a, "--listen"))
            o.listen = val;
        else if (!strcmp(a, "--token"))
            o.token = val;
        else if (!strcmp(a, "--threads") && !num(a, val, 1, 64, &v))
            o.threads = (unsigned)v;
        else if (!strcmp(a, "--max-body") && !num(a, val, 1, 1LL << 31, &v))
            o.max_body = (size_t)v;
        else if (!strcmp(a, "--timeout") && !num(a, val, 1, 3600, &v))
            o.timeout_s = (unsigned)v;
        else if (!strcmp(a, "--cache-mb") && !num(a, val, 0, 1 << 20, &v))
            o.cache_bytes = v ? (size_t)v << 20 : (size_t)-1;
        else if (!strcmp(a, "--exit-after") && !num(a, val, 1, 86400 * 365, &v))
            exit_after = v;
        else {
            if (strcmp(a, "--threads") && strcmp(a, "--max-body") && strcmp(a, "--timeout") &&
                strcmp(a, "--exit-after") && strcmp(a, "--cache-mb"))
                fprintf(stderr, "newsfold serve: unknown option: %s (see --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!o.db_path) {
        fprintf(stderr, "newsfold serve: --db PATH is required\n");
        return EXIT_USAGE;
    }
    o.compare = cli_store_compare_one;
    o.page = cli_web_page;
    o.page_len = cli_web_page_len;
    /* Block the stop signals before the server's threads start, so they inherit the mask and
     * only sigwait below receives them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    nf_server *s = NULL;
    char err[512] = "";
    nf_rc rc = nf_server_start(&s, &o, err, sizeof err);
    if (rc) {
        fprintf(stderr, "newsfold serve: %s\n", err[0] ? err : nf_strerror(rc));
        return EXIT_USAGE;
    }
    const char *host = o.listen ? o.listen : "127.0.0.1:8080";
    char shown[160];
    const char *colon = strrchr(host, ':');
    int hl = colon ? (int)(colon - host) : 0;
    snprintf(shown, sizeof shown, "%.*s", hl, host);
    if (!shown[0] || !strcmp(shown, "0.0.0.0") || !strcmp(shown, "[::]"))
        snprintf(shown, sizeof shown, "127.0.0.1");
    printf("serving %s at http://%s:%u/ (Ctrl-C stops)\n", o.db_path, shown, nf_server_port(s));
    fflush(stdout);
    if (exit_after)
        alarm((unsigned)exit_after);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "newsfold serve: stopping (%s)\n", sig == SIGALRM ? "--exit-after" : "signal");
    nf_server_stop(s);
    return 0;
}
