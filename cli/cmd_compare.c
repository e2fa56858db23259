/*
 * cmd_compare.c — `newsfold compare`: the comparison of one story's coverage as JSON; and the
 * story loading shared with `show` and `report` (cli_stories_*).
 *
 * Stories: articles that carry a `story` field (the output of `newsfold fold`) are grouped by
 * it; inputs with no story field are folded here exactly as `newsfold fold` does (default
 * configuration, refinement on; story id = the id of the story's first article). Copies inside a
 * story are found again with nf_dedup (one article at a time, in input order, so the first of
 * a copy cluster is the original) and passed to nf_compare as copy_of.
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

static void help(void)
{
    printf("usage: newsfold compare [--story ID] [options] FILES...\n"
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
           "\n  --story ID         the story to compare (default: the one with most articles)\n"
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
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--indent") && i + 1 < argc) {
            indent = atoi(argv[i + 1]);
            extra[i] = extra[i + 1] = true;
            i++;
        }
    if (cli_story_args("compare", argc, argv, &in, &story, extra, help, &status) < 0)
        goto done;
    nf_rc rc = cli_stories_load(&in, &S);
    if (rc == NF_ENOMEM) {
        fprintf(stderr, "newsfold compare: out of memory\n");
        goto done;
    }
    int k = cli_stories_pick(&S, story);
    if (k < 0) {
        fprintf(stderr, story ? "newsfold compare: no story %s in the input\n"
                              : "newsfold compare: no articles%s\n", story ? story : "");
        goto done;
    }
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
