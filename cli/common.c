/*
 * common.c — input options, the read loop with its error policy, progress, JSON helpers.
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
                if (d.line && d.col)
                    fprintf(stderr, "%s:%llu:%llu: %s\n", d.file ? d.file : "?",
                            (unsigned long long)d.line, (unsigned long long)d.col, d.msg);
                else if (d.line)
                    fprintf(stderr, "%s:%llu: %s\n", d.file ? d.file : "?",
                            (unsigned long long)d.line, d.msg);
                else
                    fprintf(stderr, "%s: %s\n", d.file ? d.file : "?", d.msg);
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
