/*
 * nfm_cli.h — what the MPI verbs share with the CLI: reading a rank's share with the CLI's input
 * options and error policy.
 */
#ifndef NFM_CLI_H
#define NFM_CLI_H
#include "cli.h"
#include "nf_mpi.h"

typedef struct nfm_read {
    uint64_t read, accepted, rejected, bytes;
    long shown;
    double seconds;
} nfm_read;

/* fn returns non-zero when it could not keep the article (out of memory). */
typedef int (*nfm_article_fn)(nf_article *a, void *ctx);
/* Collective: plan the inputs (files of at least split_min bytes are cut into line-aligned
 * ranges) and read this rank's share. Articles reach fn in global order. Returns the first
 * read error, else the planning error. */
nf_rc nfm_read_share(nfm *m, const char *const *paths, size_t npaths, uint64_t split_min,
                     const cli_input *in, nfm_article_fn fn, void *ctx, nfm_read *st);
/* Sum the counts over ranks and print "read R, accepted A, rejected J" on rank 0 (unless quiet). */
void nfm_read_summary(nfm *m, const cli_input *in, nfm_read *st);

/* Options every MPI verb takes besides its own. Returns 1 consumed, 0 not ours, -1 usage error. */
typedef struct nfm_opts {
    const char *out;          /* -o FILE: written whole or not at all */
    uint64_t split_min;       /* --split-min BYTES: JSONL files from this size are split */
    bool stats;               /* --mpi-stats: per-phase times and exchange volumes */
} nfm_opts;
int nfm_opts_arg(nfm_opts *o, int argc, char **argv, int *i);
const char *nfm_opts_help(void);
#endif
