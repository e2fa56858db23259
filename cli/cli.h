/*
 * cli.h — what the `newsfold` verbs share: input options, the read loop with its error policy
 * (report each rejected record as file:line: what, at most --max-errors lines, then a count; end
 * with "read R, accepted A, rejected J"), progress on a terminal, JSON output helpers.
 * The CLI is built only on <newsfold.h>.
 */
#ifndef NF_CLI_H
#define NF_CLI_H
#include "newsfold.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (documented in --help and README). */
enum { EXIT_ALL_OK = 0, EXIT_SOME_REJECTED = 1, EXIT_USAGE = 2 };

typedef struct cli_input {
    nf_read_opts ropts;
    const char **paths;
    size_t npaths;
    long max_errors;        /* diagnostics printed before only counting; default 20 */
    bool quiet;             /* no summary line */
    bool progress;          /* stderr is a terminal */
    /* filled by cli_read_all */
    uint64_t read, accepted, rejected, bytes;
    double seconds;
} cli_input;

/* Handle one input option at argv[*i] (--text-field F, --max-errors N, ...). Returns 1 when it
 * consumed the option (advancing *i), 0 when argv[*i] is not an input option, -1 on a usage
 * error (already reported). Plain arguments are collected as paths. */
int cli_input_arg(cli_input *in, int argc, char **argv, int *i);
void cli_input_init(cli_input *in);
void cli_input_free(cli_input *in);
const char *cli_input_help(void);

/* Read every input; call fn for each accepted article (fn may keep it by moving it out and
 * zeroing *a). Returns NF_OK, or NF_EIO when an input could not be opened at all. Prints the
 * diagnostics and, unless quiet, the summary line. */
typedef int (*cli_article_fn)(nf_article *a, void *ctx);
nf_rc cli_read_all(cli_input *in, cli_article_fn fn, void *ctx);
int cli_exit_status(const cli_input *in, nf_rc rc);

/* JSON: the article's fields as an object (text as given). */
json_t *cli_article_json(const nf_article *a);
/* Write one JSON value as a line to f. */
int cli_write_jsonl(FILE *f, json_t *v);
/* "2023-03-20" or "2023-03-20T10:00:00Z" (time-of-day dropped when it is midnight) */
void cli_format_time(int64_t t, char *out, size_t cap);

/* progress: a rewritten line on stderr when it is a terminal, at most a few times a second */
void cli_progress(cli_input *in, const char *what, uint64_t done, uint64_t bytes);
void cli_progress_end(cli_input *in);
/* One reader diagnostic on stderr as file:line:col: message (line shifted by line0; the parts
 * that are 0 left out). */
void cli_diag_print(const nf_diag *d, const char *file, uint64_t line0);
double cli_now(void);

/* Stories for the coverage verbs (compare, show, report; common.c): every accepted article
 * kept in memory, grouped by its `story` field (or all in one story when none has it). */
typedef struct cli_story {
    char *id;
    size_t *idx; size_t n;      /* indices into cli_stories.arts */
} cli_story;
typedef struct cli_stories {
    nf_article *arts; size_t n, cap;
    cli_story *st; size_t nst;
    bool folded;                /* the inputs carried story ids */
    bool oom;
} cli_stories;
nf_rc cli_stories_load(cli_input *in, cli_stories *S);
void  cli_stories_free(cli_stories *S);
int   cli_stories_pick(const cli_stories *S, const char *id);   /* NULL: the largest */
/* Copies (nf_dedup) then nf_compare; *arts (free() it) are the story's articles in order. */
nf_rc cli_story_compare(const cli_stories *S, size_t k, const nf_article ***arts,
                        nf_comparison **c);
int   cli_story_args(const char *verb, int argc, char **argv, cli_input *in, const char **story,
                     bool *extra_ok, void (*help)(void), int *status);
/* cli_db_arg + cli_story_args, refusing --db with FILES; -1: exit with *status. */
int   cli_story_opts(const char *verb, int argc, char **argv, cli_input *in, const char **story,
                     const char **db, bool *extra, void (*help)(void), int *status);
/* Folding shared by fold and eval (cmd_fold.c): all articles in memory, folded in arrival
 * order; story[i] is the input index of article i's story's first article. The folder is kept
 * until cli_articles_free. */
typedef struct cli_articles {
    nf_article *a;
    size_t n, cap;
    size_t *order, *story;
    size_t *copy_of;        /* input index of the original, SIZE_MAX for an original */
    size_t ncopies;
    int no_dedup;           /* set before cli_fold_articles: skip copy detection */
    uint64_t nstories;
    size_t memory;
    int oom;
    nf_folder *folder;      /* the last fold's folder (owns the evidence strings) */
} cli_articles;
nf_rc cli_collect(cli_input *in, cli_articles *c);
void cli_articles_free(cli_articles *c);
nf_rc cli_fold_articles(cli_articles *c, const nf_fold_opts *o, int refine,
                        nf_fold_result *results, uint64_t *merges);
int cli_fold_arg(nf_fold_opts *o, int *refine, int argc, char **argv, int *i);
/* `--windows DAYS` at argv[*i] (fold's windowed mode): 1 taken (*days set, *i advanced), 0 not
 * this option, -1 not a number of days in (0, 1e6] (said on stderr unless quiet). */
int cli_windows_arg(int argc, char **argv, int *i, double *days, int quiet);
const char *cli_fold_help(void);
json_t *cli_fold_evidence_json(const nf_fold_result *r);   /* the --evidence object */

/* dedup's option values and input order, shared with mpi/dedup.c (cmd_dedup.c) */
int cli_dedup_num_arg(int argc, char **argv, int *i, double lo, double hi, double *out);
int cli_cmp_str(const void *a, const void *b);
const char *cli_dedup_text(const nf_article *a, bool raw, nf_cleaning *cl, nf_buf *kept,
                           size_t *n);

/* `fold --db PATH`: store the inputs' articles in the database and refold (store_glue.c);
 * returns the exit status. */
int cli_fold_store(const char *db, cli_input *in);
/* Recompute and store the comparison of each listed story (one transaction per 200 stories). */
nf_rc cli_store_compare(nf_store *s, const int64_t *stories, size_t n);
/* nf_serve_opts.compare for the server: cli_store_compare of one story. */
nf_rc cli_store_compare_one(void *ctx, nf_store *w, int64_t story);
/* One stored story for the coverage verbs (show/compare --db): its members in arrival order (deep
 * copies) and for each the index of the member it copies, or -1. Free with cli_store_story_free. */
nf_rc cli_store_story(nf_store *s, int64_t story, nf_article **arts, size_t *n, int32_t **copy_of);
void  cli_store_story_free(nf_article *arts, size_t n, int32_t *copy_of);

/* Coverage verbs over a database (show/compare/report --db PATH; common.c): one stored
 * story's members (cli_store_story) with pointers for nf_compare. */
typedef struct cli_db_story {
    int64_t id;
    char idstr[24];
    nf_article *arts; size_t n;
    int32_t *copy_of;           /* from the store's copies table */
    const nf_article **ptrs;    /* &arts[i] */
} cli_db_story;
/* Open db read-only; on failure print "newsfold VERB: reason" and return NULL. */
nf_store *cli_db_open(const char *verb, const char *db);
/* Parse a story id ("12"); NULL: the first story `newsfold stories` lists. Returns 0, or
 * EXIT_USAGE after printing why (not a number, no such story, no stories). */
int   cli_db_story_load(const char *verb, nf_store *s, const char *db, const char *story,
                        cli_db_story *d);
nf_rc cli_db_story_compare(const cli_db_story *d, nf_comparison **c);
void  cli_db_story_free(cli_db_story *d);
/* Pre-scan argv for "--db PATH" (marking both in extra); NULL when absent. */
const char *cli_db_arg(int argc, char **argv, bool *extra);

/* One story for compare and show (common.c): read from FILES (cli_stories_load, then
 * cli_stories_pick: story NULL is the largest) or from --db (cli_db_story_load), then compared.
 * Zero it, or let cli_story_open do so; cli_story_close releases all of it. */
typedef struct cli_story_view {
    const char *id;             /* the story id as printed */
    bool folded;                /* grouped by the inputs' story fields or stored, not folded here */
    const nf_article **arts;    /* after cli_story_compute: the story's articles in order */
    nf_comparison *c;           /* after cli_story_compute */
    nf_rc read_rc;              /* FILES: the read's result, for cli_exit_status */
    const char *db;             /* --db path, or NULL */
    nf_store *store;            /* --db: open until cli_story_close */
    cli_db_story d;             /* --db */
    cli_stories S;              /* FILES */
    size_t k;                   /* FILES: the story's index in S.st */
    const nf_article **own;     /* FILES: arts, owned */
} cli_story_view;
/* Returns 0, or the exit status after saying on stderr why there is no story. */
int  cli_story_open(const char *verb, cli_input *in, const char *db, const char *story,
                    cli_story_view *v);
/* Fill v->arts and v->c; 0, or EXIT_USAGE after saying why. */
int  cli_story_compute(const char *verb, cli_story_view *v);
void cli_story_close(cli_story_view *v);

/* verbs */
int cmd_fold(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_stories(int argc, char **argv);
int cmd_serve(int argc, char **argv);
#endif
