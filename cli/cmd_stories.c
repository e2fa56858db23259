/*
 * cmd_stories.c — `newsfold stories --db PATH`: list the stored stories, most independent
 * outlets first: id, size, outlets, time span, headline (a table, or JSONL with --json).
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: newsfold stories --db PATH [--since DATE] [--query WORDS] [--limit N] [--json]\n"
           "\nList the stories of a database made by `newsfold fold --db PATH`, most independent\n"
           "outlets first: id, articles, independent outlets, first and last publication, headline.\n"
           "\n  --db PATH       the database (required)\n"
           "  --since DATE    only stories with an article on or after DATE (ISO 8601)\n"
           "  --query WORDS   only stories with an article whose title or lead has every word\n"
           "  --limit N       at most N stories (default 100, 0 for all)\n"
           "  --offset N      skip the first N\n"
           "  --json          one JSON object per line instead of the table\n");
}

typedef struct list_ctx {
    int json;
    int werr;
} list_ctx;

static int print_story(const nf_story_info *si, void *vctx)
{
    list_ctx *c = vctx;
    char a[32], b[32];
    cli_format_time(si->first_time, a, sizeof a);
    cli_format_time(si->last_time, b, sizeof b);
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(si->id));
        json_object_set_new(o, "size", json_integer(si->size));
        json_object_set_new(o, "outlets", json_integer(si->outlets));
        json_object_set_new(o, "first", a[0] ? json_string(a) : json_null());
        json_object_set_new(o, "last", b[0] ? json_string(b) : json_null());
        json_object_set_new(o, "headline", si->headline ? json_string(si->headline) : json_null());
        if (cli_write_jsonl(stdout, o))
            c->werr = 1;
        json_decref(o);
    } else {
        char span[72];
        snprintf(span, sizeof span, "%.10s..%.10s", a[0] ? a : "?", b[0] ? b : "?");
        if (printf("%6lld %5lld %7lld  %-22s  %s\n", (long long)si->id, (long long)si->size,
                   (long long)si->outlets, span, si->headline ? si->headline : "") < 0)
            c->werr = 1;
    }
    return c->werr;
}

static int number(const char *opt, const char *v, int64_t *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < 0) {
        fprintf(stderr, "newsfold stories: %s: not a non-negative number: %s\n", opt, v);
        return -1;
    }
    *out = x;
    return 0;
}

int cmd_stories(int argc, char **argv)
{
    const char *db = NULL, *query = NULL, *since_s = NULL;
    int64_t limit = 100, offset = 0, since = NF_NO_TIME;
    list_ctx c = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        if (!strcmp(a, "--json")) {
            c.json = 1;
            continue;
        }
        int has = i + 1 < argc;
        if (!strcmp(a, "--db") && has)
            db = argv[++i];
        else if (!strcmp(a, "--query") && has)
            query = argv[++i];
        else if (!strcmp(a, "--since") && has)
            since_s = argv[++i];
        else if (!strcmp(a, "--limit") && has) {
            if (number(a, argv[++i], &limit))
                return EXIT_USAGE;
        } else if (!strcmp(a, "--offset") && has) {
            if (number(a, argv[++i], &offset))
                return EXIT_USAGE;
        } else {
            fprintf(stderr, "newsfold stories: unknown option or missing value: %s "
                    "(see --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!db) {
        fprintf(stderr, "newsfold stories: --db PATH is required\n");
        return EXIT_USAGE;
    }
    if (since_s && nf_parse_date(since_s, strlen(since_s), &since)) {
        fprintf(stderr, "newsfold stories: --since: not an ISO 8601 date: %s\n", since_s);
        return EXIT_USAGE;
    }
    nf_store *s = NULL;
    char err[512];
    if (nf_store_open(&s, db, NF_STORE_READONLY, err, sizeof err)) {
        fprintf(stderr, "newsfold: %s\n", err);
        return EXIT_USAGE;
    }
    if (!c.json)
        printf("%6s %5s %7s  %-22s  %s\n", "story", "size", "outlets", "first..last", "headline");
    int64_t total = 0;
    nf_rc rc = nf_store_stories(s, query, since, limit ? limit : -1, offset, print_story, &c,
                                &total);
    if (rc)
        fprintf(stderr, "newsfold: %s: %s\n", db, nf_store_errmsg(s));
    else if (!c.json)
        fprintf(stderr, "%lld stories\n", (long long)total);
    nf_store_close(s);
    if (fflush(stdout) || c.werr) {
        fprintf(stderr, "newsfold: cannot write output\n");
        return EXIT_USAGE;
    }
    return rc ? EXIT_USAGE : 0;
}
