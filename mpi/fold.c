/*
 * fold.c — `mpirun -np N newsfold fold FILES...`: parallel reading, folding on rank 0.
 *
 * Key idea (and its limit, said plainly): the folder (src/story.c, src/terms.c) is an online
 * algorithm whose idf is learned from the stream itself in arrival order, and its feature
 * extraction happens inside nf_folder_add. A result that does not depend on N therefore needs
 * one folder that sees every article in the 1-process arrival order. So this verb does the
 * simplest correct thing: every rank reads and checks its share of the input (part.c; duplicate
 * ids over all ranks, dupid.c), ships its accepted articles to rank 0 in global order, and rank 0
 * folds them with the very code of the plain verb (cli_fold_articles) and writes the output as
 * cmd_fold.c does. Only reading and parsing scale with N; folding does not. docs/mpi.md says
 * what a distributed folder would need from src/story.c (df exchange, windows).
 *
 * Invariants: the output is byte-identical to `newsfold fold` with the same arguments, for any
 * N; with -o it appears only complete (output.c).
 */
#include "nfm_cli.h"
#include <stdlib.h>
#include <string.h>

typedef struct mfold {
    nfm *m;
    nf_article *a;
    size_t n, cap;
    char **srcs;
    size_t nsrcs;
    uint32_t *src;
} mfold;

static int keep_article(nf_article *a, void *vctx)
{
    mfold *c = vctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->a = nfm_xrealloc(c->m, c->a, c->cap * sizeof *c->a);
        c->src = nfm_xrealloc(c->m, c->src, c->cap * sizeof *c->src);
    }
    const char *s = a->source ? a->source : "-";
    if (!c->nsrcs || strcmp(c->srcs[c->nsrcs - 1], s)) {
        c->srcs = nfm_xrealloc(c->m, c->srcs, (c->nsrcs + 1) * sizeof *c->srcs);
        if (!(c->srcs[c->nsrcs++] = strdup(s)))
            return -1;
    }
    c->src[c->n] = (uint32_t)(c->nsrcs - 1);
    c->a[c->n] = *a;
    c->a[c->n].source = NULL;          /* owned by the reader; kept in srcs instead */
    c->n++;
    memset(a, 0, sizeof *a);
    return 0;
}

static void give_where(uint64_t i, void *ctx, nf_buf *out)
{
    mfold *c = ctx;
    const char *f = c->srcs[c->src[i]];
    nf_buf_append(out, f, strlen(f));
    if (c->a[i].line) {
        char num[32];
        int k = snprintf(num, sizeof num, ":%llu", (unsigned long long)c->a[i].line);
        nf_buf_append(out, num, (size_t)k);
    }
}

/* ---- articles on the wire: strings as (u64 length + 1, 0 for NULL) then bytes ---- */

static void put_str(nf_buf *b, const char *s, size_t n)
{
    uint64_t k = s ? n + 1 : 0;
    nf_buf_append(b, &k, sizeof k);
    if (s)
        nf_buf_append(b, s, n);
}

static void put_article(nf_buf *b, const nf_article *a)
{
    const char *f[] = {a->id, a->outlet, a->url, a->title, a->label};
    for (size_t i = 0; i < 5; i++)
        put_str(b, f[i], f[i] ? strlen(f[i]) : 0);
    put_str(b, a->text, a->text_len);
    nf_buf_append(b, &a->time, sizeof a->time);
    nf_buf_append(b, &a->line, sizeof a->line);
    nf_buf_append(b, &a->repaired, sizeof a->repaired);
}

static const char *get_str(nfm *m, const char *p, char **out, size_t *len)
{
    uint64_t k;
    memcpy(&k, p, sizeof k);
    p += sizeof k;
    *out = NULL;
    if (len)
        *len = 0;
    if (k) {
        *out = nfm_xmalloc(m, k);
        memcpy(*out, p, k - 1);
        (*out)[k - 1] = 0;
        if (len)
            *len = k - 1;
        p += k - 1;
    }
    return p;
}

static const char *get_article(nfm *m, const char *p, nf_article *a)
{
    memset(a, 0, sizeof *a);
    char **f[] = {&a->id, &a->outlet, &a->url, &a->title, &a->label};
    for (size_t i = 0; i < 5; i++)
        p = get_str(m, p, f[i], NULL);
    p = get_str(m, p, &a->text, &a->text_len);
    memcpy(&a->time, p, sizeof a->time);
    p += sizeof a->time;
    memcpy(&a->line, p, sizeof a->line);
    p += sizeof a->line;
    memcpy(&a->repaired, p, sizeof a->repaired);
    return p + sizeof a->repaired;
}

/* Rank 0 ends up with every article in global order in all (its own first). */
static void gather(nfm *m, mfold *c, cli_articles *all)
{
    enum { CHUNK = 1 << 30 };
    memset(all, 0, sizeof *all);
    if (m->rank != 0) {
        nf_buf b;
        nf_buf_init(&b, 0);
        for (size_t i = 0; i < c->n; i++)
            put_article(&b, &c->a[i]);
        uint64_t meta[2] = {c->n, b.n};
        NFM(m, MPI_Send(meta, 2, MPI_UINT64_T, 0, 11, m->comm));
        for (uint64_t at = 0; at < b.n; at += CHUNK) {
            int k = (int)NF_MIN(b.n - at, CHUNK);
            NFM(m, MPI_Send(b.p + at, k, MPI_BYTE, 0, 12, m->comm));
        }
        m->sent_bytes += b.n + sizeof meta;
        nf_buf_reset(&b);
        return;
    }
    all->a = c->a;
    all->n = all->cap = c->n;
    c->a = NULL;
    c->n = c->cap = 0;
    for (int r = 1; r < m->size; r++) {
        uint64_t meta[2];
        NFM(m, MPI_Recv(meta, 2, MPI_UINT64_T, r, 11, m->comm, MPI_STATUS_IGNORE));
        char *buf = nfm_xmalloc(m, meta[1]);
        for (uint64_t at = 0; at < meta[1]; at += CHUNK) {
            int k = (int)NF_MIN(meta[1] - at, CHUNK);
            NFM(m, MPI_Recv(buf + at, k, MPI_BYTE, r, 12, m->comm, MPI_STATUS_IGNORE));
        }
        all->a = nfm_xrealloc(m, all->a, (all->n + meta[0] + 1) * sizeof *all->a);
        const char *p = buf;
        for (uint64_t i = 0; i < meta[0]; i++)
            p = get_article(m, p, &all->a[all->n++]);
        all->cap = all->n;
        free(buf);
    }
}

/* Rank 0: fold and format as cmd_fold.c does. Returns 0 or an nf_rc. */
static nf_rc fold_and_format(cli_articles *c, const nf_fold_opts *o, int refine, int want_ev,
                             bool quiet, FILE *out, uint64_t *outn)
{
    nf_fold_result *res = calloc(c->n + 1, sizeof *res);
    uint64_t merges = 0;
    double t0 = cli_now();
    nf_rc rc = res ? cli_fold_articles(c, o, refine, res, &merges) : NF_ENOMEM;
    if (rc) {
        free(res);
        return rc;
    }
    double secs = cli_now() - t0;
    int werr = 0;
    for (size_t i = 0; i < c->n; i++) {
        json_t *a = cli_article_json(&c->a[i]);
        const char *sid = c->a[c->story[i]].id;
        char buf[32];
        if (!sid) {
            snprintf(buf, sizeof buf, "s%zu", (size_t)c->story[i]);
            sid = buf;
        }
        json_object_set_new(a, "story", json_string(sid));
        json_object_set_new(a, "copy_of", c->copy_of[i] == SIZE_MAX ? json_null() :
                            json_string(c->a[c->copy_of[i]].id ? c->a[c->copy_of[i]].id : ""));
        if (want_ev)
            json_object_set_new(a, "evidence", cli_fold_evidence_json(&res[i]));
        werr |= cli_write_jsonl(out, a);
        json_decref(a);
    }
    werr |= fflush(out) != 0;
    free(res);
    off_t end = ftello(out);
    if (werr || end < 0)
        return NF_EIO;
    *outn = (uint64_t)end;
    if (!quiet)
        fprintf(stderr, "fold: %zu articles, %zu copies, %llu stories (%llu merged by "
                "refinement), %.3f s, %.0f articles/s\n", c->n, c->ncopies,
                (unsigned long long)c->nstories, (unsigned long long)merges, secs,
                secs > 0 ? (double)c->n / secs : 0.0);
    return NF_OK;
}

static void help(void)
{
    printf("usage: mpirun -np N newsfold fold [options] FILES... [-o stories.jsonl]\n"
           "\nThe MPI build of `newsfold fold`: every rank reads and parses its share of the input,\n"
           "rank 0 folds all articles in arrival order with the plain verb's code, so the output is\n"
           "identical to the 1-process run for any N. Folding itself is not distributed (the\n"
           "folder learns idf from the stream in arrival order); docs/mpi.md.\n"
           "\n  --evidence         add the join evidence to each line\n"
           "  --no-dedup         do not look for copies first\n%s%s%s",
           cli_fold_help(), nfm_opts_help(), cli_input_help());
}

int nfm_fold(nfm *m, int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    if (m->rank != 0)
        in.progress = false;
    nf_fold_opts o;
    nf_fold_opts_init(&o);
    nfm_opts mo = {.split_min = 8u << 20};
    int refine = 1, want_ev = 0, no_dedup = 0, status = EXIT_USAGE;
    mfold c = {.m = m};
    cli_articles all = {0};
    FILE *part = NULL;
    uint64_t partn = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            cli_input_free(&in);
            return 0;
        }
        if (!strcmp(argv[i], "--evidence")) {
            want_ev = 1;
            continue;
        }
        if (!strcmp(argv[i], "--no-dedup")) {
            no_dedup = 1;
            continue;
        }
        int k = nfm_opts_arg(&mo, argc, argv, &i);
        if (k == 0)
            k = cli_fold_arg(&o, &refine, argc, argv, &i);
        if (k == 0)
            k = cli_input_arg(&in, argc, argv, &i);
        if (k < 0)
            goto done;
        if (k == 0) {
            if (m->rank == 0)
                fprintf(stderr, "newsfold fold: unknown option %s (see --help)\n", argv[i]);
            goto done;
        }
    }
    static const char *stdin_path[] = {"-"};
    const char *const *paths = in.npaths ? in.paths : stdin_path;
    size_t npaths = in.npaths ? in.npaths : 1;
    double t0 = nfm_now();
    if (nfm_output_begin(m, mo.out))
        goto done;
    nfm_read rs;
    nf_rc rrc = nfm_read_share(m, paths, npaths, mo.split_min, &in, keep_article, &c, &rs);
    nfm_fault(m, "read");
    char **ids = nfm_xmalloc(m, (c.n + 1) * sizeof *ids);
    for (size_t i = 0; i < c.n; i++)
        ids[i] = c.a[i].id;
    uint8_t *keep = nfm_xmalloc(m, c.n + 1);
    size_t ndup = nfm_dup_ids(m, ids, c.n, give_where, &c, in.max_errors, &rs.shown, keep);
    free(ids);
    if (ndup) {
        size_t w = 0;
        for (size_t i = 0; i < c.n; i++) {
            if (keep[i])
                c.a[w++] = c.a[i];
            else
                nf_article_reset(&c.a[i]);
        }
        c.n = w;
    }
    free(keep);
    rs.accepted -= ndup;
    rs.rejected += ndup;
    nfm_read_summary(m, &in, &rs);
    double tread = nfm_now() - t0;
    nfm_fault(m, "exchange");
    gather(m, &c, &all);
    all.no_dedup = no_dedup;
    nf_rc frc = NF_OK;
    if (m->rank == 0)
        frc = (part = tmpfile()) ? fold_and_format(&all, &o, refine, want_ev, in.quiet, part,
                                                   &partn)
                                 : NF_EIO;
    if (!nfm_all_ok(m, frc == NF_OK)) {
        if (m->rank == 0)
            fprintf(stderr, "newsfold fold: %s\n", nf_strerror(frc));
        goto done;
    }
    if (nfm_output_write(m, mo.out, part, partn))
        goto done;
    if (mo.stats) {
        double lo = nfm_min_dbl(m, tread), hi = nfm_max_dbl(m, tread);
        uint64_t bytes = nfm_sum_u64(m, m->sent_bytes);
        if (m->rank == 0)
            fprintf(stderr, "mpi: %d ranks; read+parse min %.3f s, max %.3f s over ranks; "
                    "%llu bytes of articles shipped to rank 0 (%.1f per article); "
                    "total %.3f s\n", m->size, lo, hi, (unsigned long long)bytes,
                    rs.accepted ? (double)bytes / rs.accepted : 0.0, nfm_now() - t0);
    }
    int fatal = nfm_all_ok(m, !rrc) ? 0 : 1;
    status = fatal ? EXIT_USAGE : rs.rejected ? EXIT_SOME_REJECTED : EXIT_ALL_OK;
done:
    if (part)
        fclose(part);
    for (size_t i = 0; i < c.n; i++)
        nf_article_reset(&c.a[i]);
    free(c.a);
    free(c.src);
    for (size_t i = 0; i < c.nsrcs; i++)
        free(c.srcs[i]);
    free(c.srcs);
    cli_articles_free(&all);
    cli_input_free(&in);
    return status;
}
