/*
 * main.c — the `newsfold` program: dispatch to one verb per file (cmd_<verb>.c).
 */
#include "cli.h"
#include <string.h>

typedef struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} verb;

static const verb VERBS[] = {
    {"read", cmd_read, "read articles, clean them, print JSONL and the counts"},
    {"extract", cmd_extract, "extract the article (text, title, date, outlet) from HTML pages"},
    {"dedup", cmd_dedup, "find exact and near copies (syndication, reprints, trimmed copies)"},
    {"fold", cmd_fold, "fold articles into stories (online), print each with its story"},
    {"eval", cmd_eval, "fold labelled files and score the stories (ARI, B-cubed, pairwise F1)"},
    {"compare", cmd_compare, "compare one story's coverage: quotes, sources, additions, differences (JSON)"},
    {"show", cmd_show, "the same comparison as a readable terminal view"},
    {"report", cmd_report, "one self-contained HTML page comparing every story"},
    {"stories", cmd_stories, "list the stories of a database (fold --db)"},
    {"serve", cmd_serve, "serve a database over HTTP: JSON API and the story page"},
};

static void usage(FILE *f)
{
    fprintf(f,
        "newsfold %s — fold news articles from many outlets into stories and compare their coverage\n"
        "\n"
        "usage: newsfold VERB [options] FILES...\n"
        "       newsfold VERB --help      options of one verb\n"
        "       newsfold --version\n"
        "\nverbs:\n", nf_version());
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        fprintf(f, "  %-9s %s\n", VERBS[i].name, VERBS[i].summary);
    fprintf(f,
        "\ninputs: files or directories; JSONL (.jsonl, .json, .ndjson, also .gz/.zst), plain text\n"
        "(optional leading \" date YYYY-MM-DD \" header), HTML pages (.html, .htm, .html.gz); '-' is\n"
        "standard input (JSONL).\n"
        "\nexit status: 0 every article accepted; 1 some input records rejected (each reported on\n"
        "stderr as file:line: what, and counted in \"read R, accepted A, rejected J\"); 2 usage or\n"
        "I/O error (an input that cannot be opened, an output that cannot be written).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *v = argv[1];
    if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(v, "--version") || !strcmp(v, "-V")) {
        printf("newsfold %s\n", nf_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        if (!strcmp(v, VERBS[i].name))
            return VERBS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "newsfold: unknown verb '%s' (see newsfold --help)\n", v);
    return EXIT_USAGE;
}
