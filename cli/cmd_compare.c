/*
 * cmd_compare.c — `newsfold compare`: the comparison of one story's coverage as JSON; and the
 * story loading shared with `show` and `report` (cli_stories_*).
 *
 * Stories: articles that carry a `story` field (the output of `newsfold fold`) are grouped by
 * it; inputs with no story field are folded here exactly as `newsfold fold` does (default
 * configuration, refinement on; story id = the id of the story's first article). Copies inside a
 * story are found again with nf_dedup (one article at a time, in input order, so the first of
 * a copy cluster is the original) and passed to nf_compare as copy_of.
 *
 * --db PATH (compare, show, report): the story comes from the database `newsfold fold --db`
 * wrote, its members in arrival order with the stored copies (cli_store_story). compare prints
 * the stored comparison JSON when it is fresh — its `articles` are the members, same ids in the
 * same order — else (stored as null when stale, absent for one article) runs nf_compare.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static int on_article(nf_article *a, void *vctx)
{
    cli_stories *S = vctx;
    if (S->n == S->cap) {
        size_t nc = S->cap ? S->cap * 2 : 64;
        nf_article *na = realloc(S->arts, nc * sizeof *na);
        if (!na) {
            S->oom = true;
            return 1;
        }
        S->arts = na;
        S->cap = nc;
    }
    S->arts[S->n++] = *a;
    memset(a, 0, sizeof *a);     /* moved: the reader's reset frees nothing */
    return 0;
}

static int story_of(cli_stories *S, const char *id)
{
    for (size_t i = 0; i < S->nst; i++)
        if (!strcmp(S->st[i].id, id))
            return (int)i;
    cli_story *ns = realloc(S->st, (S->nst + 1) * sizeof *ns);
    if (!ns)
        return -1;
    S->st = ns;
    memset(&S->st[S->nst], 0, sizeof *ns);
    S->st[S->nst].id = strdup(id);
    if (!S->st[S->nst].id)
        return -1;
    return (int)S->nst++;
}

nf_rc cli_stories_load(cli_input *in, cli_stories *S)
{
    memset(S, 0, sizeof *S);
    if (!in->ropts.label_field)
        in->ropts.label_field = "story";
    nf_rc rc = cli_read_all(in, on_article, S);
    if (S->oom)
        return NF_ENOMEM;
    size_t labelled = 0;
    for (size_t i = 0; i < S->n; i++)
        labelled += S->arts[i].label != NULL;
    S->folded = labelled > 0;
    size_t *story = NULL;
    if (!S->folded && S->n) {
        /* fold them: the articles are lent to a cli_articles view, then taken back */
        cli_articles ca = {0};
        nf_fold_opts o;
        nf_fold_opts_init(&o);
        ca.a = S->arts;
        ca.n = S->n;
        ca.cap = S->cap;
        nf_rc frc = cli_fold_articles(&ca, &o, 1, NULL, NULL);
        story = ca.story;
        free(ca.order);
        free(ca.copy_of);
        nf_folder_free(ca.folder);
        if (frc) {
            free(story);
            return frc;
        }
    }
    for (size_t i = 0; i < S->n; i++) {
        char buf[32];
        const char *id = S->folded ? (S->arts[i].label ? S->arts[i].label : "(no story)") : NULL;
        if (!id) {
            id = S->arts[story[i]].id;
            if (!id) {
                snprintf(buf, sizeof buf, "s%zu", story[i]);
                id = buf;
            }
        }
        int k = story_of(S, id);
        if (k < 0) {
            free(story);
            return NF_ENOMEM;
        }
        cli_story *st = &S->st[k];
        size_t *ni = realloc(st->idx, (st->n + 1) * sizeof *ni);
        if (!ni) {
            free(story);
            return NF_ENOMEM;
        }
        st->idx = ni;
        st->idx[st->n++] = i;
    }
    free(story);
    return rc;
}

void cli_stories_free(cli_stories *S)
{
    for (size_t i = 0; i < S->n; i++)
        nf_article_reset(&S->arts[i]);
    free(S->arts);
    for (size_t i = 0; i < S->nst; i++) {
        free(S->st[i].id);
        free(S->st[i].idx);
    }
    free(S->st);
    memset(S, 0, sizeof *S);
}

int cli_stories_pick(const cli_stories *S, const char *id)
{
    if (id) {
        for (size_t i = 0; i < S->nst; i++)
            if (!strcmp(S->st[i].id, id))
                return (int)i;
        return -1;
    }
    int best = -1;
    for (size_t i = 0; i < S->nst; i++)
        if (best < 0 || S->st[i].n > S->st[best].n)
            best = (int)i;
    return best;
}

nf_rc cli_story_compare(const cli_stories *S, size_t k, const nf_article ***arts, nf_comparison **c)
{
    const cli_story *st = &S->st[k];
    const nf_article **a = malloc((st->n + 1) * sizeof *a);
    int32_t *copy_of = malloc((st->n + 1) * sizeof *copy_of);
    nf_dedup *dd = NULL;
    nf_rc rc = NF_ENOMEM;
    *arts = NULL;
    *c = NULL;
    if (!a || !copy_of)
        goto done;
    if ((rc = nf_dedup_new(&dd, NULL)))
        goto done;
    for (size_t i = 0; i < st->n; i++) {
        a[i] = &S->arts[st->idx[i]];
        nf_copy cp;
        if ((rc = nf_dedup_add(dd, a[i]->text, a[i]->text_len, &cp)))
            goto done;
        copy_of[i] = cp.copy_of >= 0 ? (int32_t)cp.copy_of : -1;
    }
    if ((rc = nf_compare(a, st->n, copy_of, c)))
        goto done;
    *arts = a;
    a = NULL;
done:
    nf_dedup_free(dd);
    free(a);
    free(copy_of);
    return rc;
}

/* Parse the options shared by compare and show; returns -1 to exit with *status. */
int cli_story_args(const char *verb, int argc, char **argv, cli_input *in, const char **story,
                   bool *extra_ok, void (*help)(void), int *status)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            *status = 0;
            return -1;
        }
        if (!strcmp(argv[i], "--story")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "newsfold %s: --story needs a value\n", verb);
                *status = EXIT_USAGE;
                return -1;
            }
            *story = argv[++i];
            continue;
        }
        if (extra_ok && extra_ok[i])
            continue;
        int k = cli_input_arg(in, argc, argv, &i);
        if (k < 0) {
            *status = EXIT_USAGE;
            return -1;
        }
        if (k == 0) {
            fprintf(stderr, "newsfold %s: unknown option %s\n", verb, argv[i]);
            *status = EXIT_USAGE;
            return -1;
        }
    }
    return 0;
}

/* The options of compare and show: --db (cli_db_arg), then cli_story_args, and --db with FILES
 * refused. *db: the --db path or NULL. Returns -1 to exit with *status. */
int cli_story_opts(const char *verb, int argc, char **argv, cli_input *in, const char **story,
                   const char **db, bool *extra, void (*help)(void), int *status)
{
    *db = cli_db_arg(argc, argv, extra);
    if (cli_story_args(verb, argc, argv, in, story, extra, help, status) < 0)
        return -1;
    if (*db && in->npaths) {
        fprintf(stderr, "newsfold %s: give either --db PATH or FILES, not both\n", verb);
        return -1;
    }
    return 0;
}

/* Load the inputs' stories into *S and pick one (story NULL: the largest), saying on stderr why
 * there is none. *rc: the load's result, for cli_exit_status. Returns the story index or -1. */
int cli_story_select(const char *verb, cli_input *in, cli_stories *S, const char *story,
                     nf_rc *rc)
{
    *rc = cli_stories_load(in, S);
    if (*rc == NF_ENOMEM) {
        fprintf(stderr, "newsfold %s: out of memory\n", verb);
        return -1;
    }
    int k = cli_stories_pick(S, story);
    if (k < 0)
        fprintf(stderr, story ? "newsfold %s: no story %s in the input\n"
                              : "newsfold %s: no articles%s\n", verb, story ? story : "");
    return k;
}

/* ---- --db PATH: stories from the store written by `newsfold fold --db` ---- */

const char *cli_db_arg(int argc, char **argv, bool *extra)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[i + 1];
            extra[i] = extra[i + 1] = true;
            i++;
        }
    return db;
}

nf_store *cli_db_open(const char *verb, const char *db)
{
    nf_store *s = NULL;
    char err[512];
    if (nf_store_open(&s, db, NF_STORE_READONLY, err, sizeof err)) {
        fprintf(stderr, "newsfold %s: %s\n", verb, err);
        return NULL;
    }
    return s;
}

static int first_story(const nf_story_info *si, void *ctx)
{
    *(int64_t *)ctx = si->id;
    return 1;
}

int cli_db_story_load(const char *verb, nf_store *s, const char *db, const char *story,
                      cli_db_story *d)
{
    memset(d, 0, sizeof *d);
    d->id = -1;
    if (story) {
        char *end;
        long long x = strtoll(story, &end, 10);
        if (!*story || *end || x < 0) {
            fprintf(stderr, "newsfold %s: --story %s: story ids in a database are numbers "
                    "(see newsfold stories --db %s)\n", verb, story, db);
            return EXIT_USAGE;
        }
        d->id = x;
    } else {
        nf_rc rc = nf_store_stories(s, NULL, NF_NO_TIME, 1, 0, first_story, &d->id, NULL);
        if (rc) {
            fprintf(stderr, "newsfold %s: %s: %s\n", verb, db, nf_store_errmsg(s));
            return EXIT_USAGE;
        }
        if (d->id < 0) {
            fprintf(stderr, "newsfold %s: %s holds no stories (run newsfold fold FILES --db %s)\n",
                    verb, db, db);
            return EXIT_USAGE;
        }
    }
    snprintf(d->idstr, sizeof d->idstr, "%lld", (long long)d->id);
    nf_rc rc = cli_store_story(s, d->id, &d->arts, &d->n, &d->copy_of);
    if (rc == NF_OK && d->n == 0)
        rc = NF_ENOTFOUND;
    if (rc == NF_ENOTFOUND) {
        fprintf(stderr, "newsfold %s: no story %s in %s (see newsfold stories --db %s)\n", verb,
                d->idstr, db, db);
        cli_db_story_free(d);
        return EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "newsfold %s: %s: story %s: %s: %s\n", verb, db, d->idstr,
                nf_strerror(rc), nf_store_errmsg(s));
        cli_db_story_free(d);
        return EXIT_USAGE;
    }
    d->ptrs = malloc(d->n * sizeof *d->ptrs);
    if (!d->ptrs) {
        fprintf(stderr, "newsfold %s: out of memory\n", verb);
        cli_db_story_free(d);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < d->n; i++)
        d->ptrs[i] = &d->arts[i];
    return 0;
}

nf_rc cli_db_story_compare(const cli_db_story *d, nf_comparison **c)
{
    return nf_compare(d->ptrs, d->n, d->copy_of, c);
}

void cli_db_story_free(cli_db_story *d)
{
    if (d->arts || d->copy_of)
        cli_store_story_free(d->arts, d->n, d->copy_of);
    free(d->ptrs);
    int64_t id = d->id;
    memset(d, 0, sizeof *d);
    d->id = id;
}

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

/* compare --db: the stored comparison when fresh (unless recompute), else nf_compare. */
static json_t *db_comparison(const char *db, const char *story, bool recompute, char *idstr,
                             size_t idcap, bool *stored, int *status)
{
    nf_store *s = cli_db_open("compare", db);
    json_t *o = NULL;
    nf_comparison *c = NULL;
    nf_rc rc;
    nf_buf b;
    *stored = false;
    if (!s)
        return NULL;
    cli_db_story d;
    if (cli_db_story_load("compare", s, db, story, &d))
        goto done;
    snprintf(idstr, idcap, "%s", d.idstr);
    if (!recompute && (o = stored_comparison(s, &d))) {
        *stored = true;
        goto done;
    }
    c = NULL;
    rc = cli_db_story_compare(&d, &c);
    nf_buf_init(&b, 0);
    if (!rc)
        rc = nf_comparison_json(c, d.ptrs, 0, &b);
    if (!rc)
        o = json_loadb(b.p, b.n, 0, NULL);
    nf_buf_reset(&b);
    nf_comparison_free(c);
    if (rc)
        fprintf(stderr, "newsfold compare: story %s: %s\n", d.idstr, nf_strerror(rc));
done:
    if (o)
        *status = 0;
    cli_db_story_free(&d);
    nf_store_close(s);
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
    cli_stories S = {0};
    const char *story = NULL;
    int status = EXIT_USAGE, indent = 2;
    bool *extra = calloc((size_t)argc + 1, sizeof *extra);
    if (!extra)
        return EXIT_USAGE;
    bool recompute = false;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--indent") && i + 1 < argc) {
            indent = atoi(argv[i + 1]);
            extra[i] = extra[i + 1] = true;
            i++;
        } else if (!strcmp(argv[i], "--recompute")) {
            recompute = extra[i] = true;
        }
    const char *db;
    if (cli_story_opts("compare", argc, argv, &in, &story, &db, extra, help, &status) < 0)
        goto done;
    if (db) {
        char idstr[24];
        bool stored;
        json_t *o = db_comparison(db, story, recompute, idstr, sizeof idstr, &stored, &status);
        if (!o)
            goto done;
        json_t *root = json_object();
        json_object_set_new(root, "story", json_string(idstr));
        json_object_set_new(root, "folded", json_true());
        json_object_update(root, o);
        json_decref(o);
        size_t fl = JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
        if (json_dumpf(root, stdout, fl) || fputc('\n', stdout) == EOF || fflush(stdout)) {
            fprintf(stderr, "newsfold compare: cannot write output\n");
            status = EXIT_USAGE;
        }
        if (!in.quiet)
            fprintf(stderr, "newsfold compare: story %s from %s (%s comparison)\n", idstr, db,
                    stored ? "stored" : "computed");
        json_decref(root);
        goto done;
    }
    nf_rc rc;
    int k = cli_story_select("compare", &in, &S, story, &rc);
    if (k < 0)
        goto done;
    if (!S.folded)
        fprintf(stderr, "newsfold compare: no input carries a story field; folded %zu articles "
                        "into %zu stories\n", S.n, S.nst);
    const nf_article **arts = NULL;
    nf_comparison *c = NULL;
    nf_rc crc = cli_story_compare(&S, (size_t)k, &arts, &c);
    if (crc) {
        fprintf(stderr, "newsfold compare: %s\n", nf_strerror(crc));
        goto done;
    }
    nf_buf b;
    nf_buf_init(&b, 0);
    crc = nf_comparison_json(c, arts, 0, &b);
    json_t *o = crc ? NULL : json_loadb(b.p, b.n, 0, NULL);
    nf_buf_reset(&b);
    if (o) {
        json_t *root = json_object();
        json_object_set_new(root, "story", json_string(S.st[k].id));
        json_object_set_new(root, "folded", json_boolean(S.folded));
        json_object_update(root, o);
        json_decref(o);
        size_t fl = JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
        if (json_dumpf(root, stdout, fl) || fputc('\n', stdout) == EOF || fflush(stdout)) {
            fprintf(stderr, "newsfold compare: cannot write output\n");
            json_decref(root);
            nf_comparison_free(c);
            free(arts);
            goto done;
        }
        json_decref(root);
        status = cli_exit_status(&in, rc);
    } else {
        fprintf(stderr, "newsfold compare: cannot build JSON\n");
    }
    nf_comparison_free(c);
    free(arts);
done:
    free(extra);
    cli_stories_free(&S);
    cli_input_free(&in);
    return status;
}
