/*
 * cmd_compare.c — `newsfold compare`: the comparison of one story's coverage as JSON. The story
 * comes from FILES or --db through the helpers shared with show (cli_story_open, common.c).
 *
 * --db PATH: compare prints the stored comparison JSON when it is fresh — its `articles` are the
 * story's members, same ids in the same order — else (stored as null when stale, absent for one
 * article, or --recompute) runs nf_compare on the members.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

/* The stored comparison when it is fresh: a JSON object whose articles are the story's members,
 * same ids in the same order (a stale one is stored as null; none for a one-article story). */
static json_t *stored_comparison(nf_store *s, const cli_db_story *d)
{
    char *txt = NULL;
    if (nf_store_get_comparison(s, d->id, &txt) || !txt) {
        free(txt);
        return NULL;
    }
    json_t *o = json_loads(txt, 0, NULL);
    free(txt);
    json_t *arts = json_object_get(o, "articles");
    bool fresh = json_is_object(o) && json_is_array(arts) && json_array_size(arts) == d->n;
    for (size_t i = 0; fresh && i < d->n; i++) {
        const char *id = json_string_value(json_object_get(json_array_get(arts, i), "id"));
        fresh = id && d->arts[i].id && !strcmp(id, d->arts[i].id);
    }
    if (!fresh) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The story's comparison as a JSON object: the stored one when fresh (--db, unless recompute;
 * *stored), else computed. NULL after saying why. */
static json_t *comparison(cli_story_view *v, bool recompute, bool *stored)
{
    json_t *o = NULL;
    *stored = false;
    if (v->db && !recompute && (o = stored_comparison(v->store, &v->d))) {
        *stored = true;
        return o;
    }
    if (cli_story_compute("compare", v))
        return NULL;
    nf_buf b;
    nf_buf_init(&b, 0);
    if (nf_comparison_json(v->c, v->arts, 0, &b) == NF_OK)
        o = json_loadb(b.p, b.n, 0, NULL);
    nf_buf_reset(&b);
    if (!o)
        fprintf(stderr, "newsfold compare: cannot build JSON\n");
    return o;
}

static void help(void)
{
    printf("usage: newsfold compare [--story ID] [options] FILES...\n"
           "       newsfold compare --db PATH [--story ID] [--recompute] [--indent N]\n"
           "\nCompare the coverage of one story and print it as one JSON object: the articles and\n"
           "their copies (found with the copy detector; copies do not count as independent\n"
           "outlets), shared quotes (quoted in two or more articles) and echoed quotes (quoted in\n"
           "one, printed verbatim without marks in another) with who carries them and the speaker,\n"
           "sources with their citations (cue, sentence, relays such as \"told Kommersant,\n"
           "according to a Reuters translation\"), the primary sources, who did not respond,\n"
           "each article's additions and omissions, and the differences (counts, amounts,\n"
           "percentages, dates, officials' names). Every finding carries the article index and\n"
           "byte offsets into that article's text. Layout: docs/compare.md.\n"
           "\nStories: articles carrying a `story` field (as written by `newsfold fold`) are grouped\n"
           "by it; when no input carries one, the inputs are folded first, as `newsfold fold`\n"
           "does with its defaults (story id = the id of the story's first article).\n"
           "With --db PATH the story is read from a database written by `newsfold fold FILES\n"
           "--db PATH` (ids as `newsfold stories --db PATH` prints them; copies as stored): the\n"
           "comparison stored with the story is printed when it is fresh (its articles are the\n"
           "story's members), else it is computed from the members.\n"
           "\n  --db PATH          read the story from this database instead of FILES\n"
           "  --recompute        with --db: compute the comparison even when one is stored\n"
           "  --story ID         the story to compare (default: the one with most articles;\n"
           "                     with --db, the first one `newsfold stories` lists)\n"
           "  --indent N         pretty-print with N spaces (default 2; 0 for one line)\n%s",
           cli_input_help());
}

int cmd_compare(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    cli_story_view v = {0};
    const char *story = NULL, *db;
    int status = EXIT_USAGE, indent = 2;
    bool recompute = false, stored;
    bool *extra = calloc((size_t)argc + 1, sizeof *extra);
    if (!extra)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--indent") && i + 1 < argc) {
            indent = atoi(argv[i + 1]);
            extra[i] = extra[i + 1] = true;
            i++;
        } else if (!strcmp(argv[i], "--recompute")) {
            recompute = extra[i] = true;
        }
    if (cli_story_opts("compare", argc, argv, &in, &story, &db, extra, help, &status) < 0 ||
        cli_story_open("compare", &in, db, story, &v))
        goto done;
    if (!v.folded)
        fprintf(stderr, "newsfold compare: no input carries a story field; folded %zu articles "
                        "into %zu stories\n", v.S.n, v.S.nst);
    json_t *o = comparison(&v, recompute, &stored);
    if (!o)
        goto done;
    json_t *root = json_object();
    json_object_set_new(root, "story", json_string(v.id));
    json_object_set_new(root, "folded", json_boolean(v.folded));
    json_object_update(root, o);
    json_decref(o);
    size_t fl = JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
    if (json_dumpf(root, stdout, fl) || fputc('\n', stdout) == EOF || fflush(stdout))
        fprintf(stderr, "newsfold compare: cannot write output\n");
    else
        status = cli_exit_status(&in, v.read_rc);
    json_decref(root);
    if (db && !in.quiet)
        fprintf(stderr, "newsfold compare: story %s from %s (%s comparison)\n", v.id, db,
                stored ? "stored" : "computed");
done:
    free(extra);
    cli_story_close(&v);
    cli_input_free(&in);
    return status;
}
