/*
 * common.c — input options, the read loop with its error policy, progress, JSON helpers; and
 * the stories of the coverage verbs (compare, show, report): inputs grouped by story (folded
 * first when no input carries a story field), a story read back from a database (--db), the
 * options they share, and one story selected and compared (cli_story_open / _compute / _close).
 *
 * Stories: articles that carry a `story` field (the output of `newsfold fold`) are grouped by
 * it; inputs with no story field are folded here exactly as `newsfold fold` does (default
 * configuration, refinement on; story id = the id of the story's first article). Copies inside a
 * story are found again with nf_dedup (one article at a time, in input order, so the first of
 * a copy cluster is the original) and passed to nf_compare as copy_of. With --db the story's
 * members come in arrival order with the stored copies (cli_store_story).
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_input_init(cli_input *in)
{
    memset(in, 0, sizeof *in);
    in->max_errors = 20;
    in->progress = isatty(2);
}

void cli_input_free(cli_input *in)
{
    free(in->paths);
    in->paths = NULL;
}

const char *cli_input_help(void)
{
    return "input options:\n"
           "  --id-field F, --outlet-field F, --url-field F, --date-field F, --title-field F,\n"
           "  --text-field F     JSONL field names (defaults id, outlet, url, date, title, text)\n"
           "  --max-errors N     print at most N problems, then only count them (default 20)\n"
           "  --max-record BYTES reject a record larger than this (default 64 MiB)\n"
           "  -q, --quiet        no summary line\n";
}

static int need_value(int argc, char **argv, int i)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "newsfold: %s needs a value\n", argv[i]);
        return 0;
    }
    return 1;
}

int cli_input_arg(cli_input *in, int argc, char **argv, int *i)
{
    static const struct { const char *opt; size_t off; } fields[] = {
        {"--id-field", offsetof(nf_read_opts, id_field)},
        {"--outlet-field", offsetof(nf_read_opts, outlet_field)},
        {"--url-field", offsetof(nf_read_opts, url_field)},
        {"--date-field", offsetof(nf_read_opts, date_field)},
        {"--title-field", offsetof(nf_read_opts, title_field)},
        {"--text-field", offsetof(nf_read_opts, text_field)},
        {"--gold-field", offsetof(nf_read_opts, label_field)},
    };
    const char *a = argv[*i];
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        if (strcmp(a, fields[k].opt))
            continue;
        if (!need_value(argc, argv, *i))
            return -1;
        *(const char **)((char *)&in->ropts + fields[k].off) = argv[++*i];
        return 1;
    }
    if (!strcmp(a, "--max-errors") || !strcmp(a, "--max-record")) {
        if (!need_value(argc, argv, *i))
            return -1;
        char *end;
        long long v = strtoll(argv[*i + 1], &end, 10);
        if (*end || v < 0) {
            fprintf(stderr, "newsfold: %s: not a number: %s\n", a, argv[*i + 1]);
            return -1;
        }
        if (!strcmp(a, "--max-errors"))
            in->max_errors = (long)v;
        else
            in->ropts.max_record = (size_t)v;
        ++*i;
        return 1;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
        in->quiet = true;
        return 1;
    }
    if (a[0] == '-' && a[1] != 0) {
        return 0;
    }
    const char **np = realloc(in->paths, (in->npaths + 1) * sizeof *np);
    if (!np) {
        fprintf(stderr, "newsfold: out of memory\n");
        return -1;
    }
    in->paths = np;
    in->paths[in->npaths++] = a;
    return 1;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double last_progress;

void cli_progress(cli_input *in, const char *what, uint64_t done, uint64_t bytes)
{
    if (!in->progress)
        return;
    double t = cli_now();
    if (t - last_progress < 0.25)
        return;
    last_progress = t;
    fprintf(stderr, "\r%s %llu articles, %.1f MB", what, (unsigned long long)done, bytes / 1e6);
    fflush(stderr);
}

void cli_progress_end(cli_input *in)
{
    if (in->progress && last_progress > 0) {
        fprintf(stderr, "\r\033[K");
        last_progress = 0;
    }
}

void cli_diag_print(const nf_diag *d, const char *file, uint64_t line0)
{
    uint64_t line = d->line ? d->line + line0 : 0;
    if (line && d->col)
        fprintf(stderr, "%s:%llu:%llu: %s\n", file, (unsigned long long)line,
                (unsigned long long)d->col, d->msg);
    else if (line)
        fprintf(stderr, "%s:%llu: %s\n", file, (unsigned long long)line, d->msg);
    else
        fprintf(stderr, "%s: %s\n", file, d->msg);
}

nf_rc cli_read_all(cli_input *in, cli_article_fn fn, void *ctx)
{
    static const char *stdin_path[] = {"-"};
    const char *const *paths = in->npaths ? in->paths : stdin_path;
    size_t npaths = in->npaths ? in->npaths : 1;
    nf_reader *r = NULL;
    double t0 = cli_now();
    nf_rc rc = nf_reader_open(&r, paths, npaths, &in->ropts);
    if (rc) {
        fprintf(stderr, "newsfold: cannot open input: %s\n", nf_strerror(rc));
        return rc;
    }
    nf_article a = {0};
    nf_diag d;
    long shown = 0;
    nf_rc fatal = NF_OK;
    for (;;) {
        memset(&d, 0, sizeof d);
        rc = nf_reader_next(r, &a, &d);
        if (rc == NF_DONE)
            break;
        if (rc == NF_OK) {
            fn(&a, ctx);
            nf_article_reset(&a);
        } else {
            if (d.code == NF_EIO && d.line == 0)
                fatal = NF_EIO;
            if (shown < in->max_errors) {
                cli_progress_end(in);
                cli_diag_print(&d, d.file ? d.file : "?", 0);
            }
            shown++;
        }
        nf_reader_counts(r, &in->read, &in->accepted, &in->rejected, &in->bytes);
        cli_progress(in, "read", in->read, in->bytes);
    }
    cli_progress_end(in);
    nf_reader_counts(r, &in->read, &in->accepted, &in->rejected, &in->bytes);
    in->seconds = cli_now() - t0;
    if (shown > in->max_errors)
        fprintf(stderr, "newsfold: %ld more problems not shown\n", shown - in->max_errors);
    if (!in->quiet)
        fprintf(stderr, "read %llu, accepted %llu, rejected %llu\n",
                (unsigned long long)in->read, (unsigned long long)in->accepted,
                (unsigned long long)in->rejected);
    nf_reader_close(r);
    return fatal;
}

int cli_exit_status(const cli_input *in, nf_rc rc)
{
    if (rc)
        return EXIT_USAGE;
    return in->rejected ? EXIT_SOME_REJECTED : EXIT_ALL_OK;
}

void cli_format_time(int64_t t, char *out, size_t cap)
{
    if (t == NF_NO_TIME) {
        snprintf(out, cap, "%s", "");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (t % 86400 == 0)
        strftime(out, cap, "%Y-%m-%d", &tm);
    else
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *cli_article_json(const nf_article *a)
{
    json_t *o = json_object();
    char date[32];
    cli_format_time(a->time, date, sizeof date);
    json_object_set_new(o, "id", str_or_null(a->id));
    json_object_set_new(o, "outlet", str_or_null(a->outlet));
    json_object_set_new(o, "url", str_or_null(a->url));
    json_object_set_new(o, "date", a->time == NF_NO_TIME ? json_null() : json_string(date));
    json_object_set_new(o, "title", str_or_null(a->title));
    json_object_set_new(o, "text", json_stringn(a->text, a->text_len));
    if (a->label)
        json_object_set_new(o, "label", json_string(a->label));
    return o;
}

int cli_write_jsonl(FILE *f, json_t *v)
{
    int rc = json_dumpf(v, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (rc == 0)
        rc = fputc('\n', f) == EOF ? -1 : 0;
    return rc;
}

/* ---- stories of the coverage verbs ---- */

static int keep_article(nf_article *a, void *vctx)
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
    nf_rc rc = cli_read_all(in, keep_article, S);
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

/* ---- one story for compare and show: from FILES or --db, then compared ---- */

int cli_story_open(const char *verb, cli_input *in, const char *db, const char *story,
                   cli_story_view *v)
{
    memset(v, 0, sizeof *v);
    if (db) {
        if (!(v->store = cli_db_open(verb, db)))
            return EXIT_USAGE;
        int status = cli_db_story_load(verb, v->store, db, story, &v->d);
        if (status)
            return status;
        v->db = db;
        v->id = v->d.idstr;
        v->folded = true;
        return 0;
    }
    v->read_rc = cli_stories_load(in, &v->S);
    if (v->read_rc == NF_ENOMEM) {
        fprintf(stderr, "newsfold %s: out of memory\n", verb);
        return EXIT_USAGE;
    }
    int k = cli_stories_pick(&v->S, story);
    if (k < 0) {
        fprintf(stderr, story ? "newsfold %s: no story %s in the input\n"
                              : "newsfold %s: no articles%s\n", verb, story ? story : "");
        return EXIT_USAGE;
    }
    v->k = (size_t)k;
    v->id = v->S.st[k].id;
    v->folded = v->S.folded;
    return 0;
}

int cli_story_compute(const char *verb, cli_story_view *v)
{
    nf_rc rc;
    if (v->db) {
        v->arts = v->d.ptrs;
        rc = cli_db_story_compare(&v->d, &v->c);
    } else {
        rc = cli_story_compare(&v->S, v->k, &v->own, &v->c);
        v->arts = v->own;
    }
    if (rc) {
        fprintf(stderr, "newsfold %s: story %s: %s\n", verb, v->id, nf_strerror(rc));
        return EXIT_USAGE;
    }
    return 0;
}

void cli_story_close(cli_story_view *v)
{
    nf_comparison_free(v->c);
    free(v->own);
    cli_db_story_free(&v->d);
    nf_store_close(v->store);
    cli_stories_free(&v->S);
    memset(v, 0, sizeof *v);
}
