/*
 * input.c — each rank reads its share of the input (see part.c) with the library's readers.
 *
 * Key idea: a whole unit is read by path with nf_reader_open, exactly as the 1-process run
 * reads it; a line-aligned piece of a large JSONL file is mapped (mmap, read-only) and read with
 * nf_reader_open_mem under the file's own name, and its line numbers are shifted by the lines
 * of the file before the piece (counted collectively), so every diagnostic reads file:line as in
 * the 1-process run.
 *
 * Invariants: articles reach fn in global order; counts are this rank's (the caller sums them).
 * Diagnostics follow cli_read_all's policy, per rank: at most max_errors lines, then a count.
 */
#include "nf_mpi.h"
#include "nfm_cli.h"
#include <stdlib.h>
#include <string.h>

static void report(nfm_read *st, long max_errors, const nf_diag *d, const char *file,
                   uint64_t line0)
{
    if (st->shown++ >= max_errors)
        return;
    cli_diag_print(d, file, line0);
}

/* A record without an id gets "name:line" from the reader (src/read.c finish()); in a piece
 * that line is local, so make it the file's line. (An explicit id that happens to read exactly
 * "name:<local line>" would be renumbered too; docs/mpi.md.) */
static void fix_id(nf_article *a, const char *path, uint64_t line0)
{
    if (!line0 || !a->id || !a->line)
        return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char want[512];
    snprintf(want, sizeof want, "%s:%llu", base, (unsigned long long)a->line);
    if (strcmp(a->id, want))
        return;
    snprintf(want, sizeof want, "%s:%llu", base, (unsigned long long)(a->line + line0));
    char *id = strdup(want);
    if (id) {
        free(a->id);
        a->id = id;
    }
}

/* Read one unit or piece; returns NF_EIO when an input could not be opened at all. */
static nf_rc read_one(nfm *m, const nfm_plan *plan, const nfm_piece *pc, const nfm_map *mem,
                      const cli_input *in, nfm_article_fn fn, void *ctx, nfm_read *st)
{
    const char *path = plan->unit[pc->unit].path;
    nf_reader *r = NULL;
    nf_rc rc = pc->whole ? nf_reader_open(&r, &path, 1, &in->ropts)
                         : nf_reader_open_mem(&r, mem->n ? mem->p : "", mem->n, path, &in->ropts);
    if (rc) {
        fprintf(stderr, "newsfold: cannot open input %s: %s\n", path, nf_strerror(rc));
        return NF_EIO;
    }
    nf_article a = {0};
    nf_diag d;
    nf_rc fatal = NF_OK;
    for (;;) {
        memset(&d, 0, sizeof d);
        rc = nf_reader_next(r, &a, &d);
        if (rc == NF_DONE)
            break;
        if (rc == NF_OK) {
            if (!pc->whole) {
                fix_id(&a, path, pc->line0);
                a.line += pc->line0;
                a.source = path;
            }
            if (fn(&a, ctx))
                fatal = fatal ? fatal : NF_ENOMEM;
            nf_article_reset(&a);
        } else {
            if (d.code == NF_EIO && d.line == 0)
                fatal = NF_EIO;
            report(st, in->max_errors, &d, pc->whole && d.file ? d.file : path, pc->line0);
        }
    }
    uint64_t rd, ac, rj, by;
    nf_reader_counts(r, &rd, &ac, &rj, &by);
    st->read += rd;
    st->accepted += ac;
    st->rejected += rj;
    st->bytes += by;
    nf_reader_close(r);
    (void)m;
    return fatal;
}

static nf_rc read_plan(nfm *m, nfm_plan *plan, const cli_input *in, nfm_article_fn fn, void *ctx,
                       nfm_read *st)
{
    memset(st, 0, sizeof *st);
    double t0 = nfm_now();
    nf_rc rc = NF_OK;
    /* pieces are mapped, not loaded: once to count their lines, once to read them */
    for (size_t i = 0; i < plan->npiece; i++) {
        nfm_piece *pc = &plan->piece[i];
        if (pc->whole)
            continue;
        nfm_map mp;
        if (nfm_piece_map(plan, pc, &mp)) {
            fprintf(stderr, "%s: cannot read bytes %llu..%llu\n", plan->unit[pc->unit].path,
                    (unsigned long long)pc->start, (unsigned long long)pc->end);
            rc = NF_EIO;
        }
        const char *p = mp.p, *e = p + mp.n;
        uint64_t nl = 0;
        while (p && p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
            nl++;
            p++;
        }
        pc->nlines = nl;
        nfm_piece_unmap(&mp);
    }
    nfm_plan_lines(m, plan);
    for (size_t i = 0; i < plan->npiece; i++) {
        nfm_map mp = {0};
        if (!plan->piece[i].whole && nfm_piece_map(plan, &plan->piece[i], &mp)) {
            rc = NF_EIO;
            continue;
        }
        nf_rc r = read_one(m, plan, &plan->piece[i], &mp, in, fn, ctx, st);
        if (r && !rc)
            rc = r;
        nfm_piece_unmap(&mp);
    }
    if (st->shown > in->max_errors)
        fprintf(stderr, "newsfold: rank %d: %ld more problems not shown\n", m->rank,
                st->shown - in->max_errors);
    st->seconds = nfm_now() - t0;
    return rc;
}

void nfm_read_summary(nfm *m, const cli_input *in, nfm_read *st)
{
    uint64_t v[4] = {st->read, st->accepted, st->rejected, st->bytes}, s[4];
    NFM(m, MPI_Allreduce(v, s, 4, MPI_UINT64_T, MPI_SUM, m->comm));
    st->read = s[0];
    st->accepted = s[1];
    st->rejected = s[2];
    st->bytes = s[3];
    if (m->rank == 0 && !in->quiet)
        fprintf(stderr, "read %llu, accepted %llu, rejected %llu\n", (unsigned long long)s[0],
                (unsigned long long)s[1], (unsigned long long)s[2]);
}

int nfm_opts_arg(nfm_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--mpi-stats")) {
        o->stats = true;
        return 1;
    }
    if (strcmp(a, "-o") && strcmp(a, "--output") && strcmp(a, "--split-min"))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "newsfold: %s needs a value\n", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (a[1] == 'o' || a[2] == 'o') {
        o->out = v;
        return 1;
    }
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || *v == '-') {
        fprintf(stderr, "newsfold: --split-min: not a number: %s\n", v);
        return -1;
    }
    o->split_min = x;
    return 1;
}

const char *nfm_opts_help(void)
{
    return "MPI options (mpirun -np N newsfold ...; docs/mpi.md):\n"
           "  -o, --output FILE  write the result to FILE, whole or not at all (FILE.incomplete\n"
           "                     while running; an old FILE is removed first)\n"
           "  --split-min BYTES  split plain JSONL files of at least this size across ranks on\n"
           "                     line boundaries (default 8 MiB)\n"
           "  --mpi-stats        per-phase times and bytes exchanged, on stderr\n";
}

nf_rc nfm_read_share(nfm *m, const char *const *paths, size_t npaths, uint64_t split_min,
                     const cli_input *in, nfm_article_fn fn, void *ctx, nfm_read *st)
{
    nfm_plan plan;
    nf_rc prc = nfm_plan_make(m, paths, npaths, split_min, &plan);
    nf_rc rc = read_plan(m, &plan, in, fn, ctx, st);
    nfm_plan_free(&plan);
    return rc ? rc : prc;
}
