/*
 * main.c — the MPI build's entry point: `newsfold dedup` and `newsfold fold` run under MPI, every
 * other verb runs as in the plain build.
 *
 * Key idea: cli/main.c is compiled a second time with its main() renamed nf_cli_main (see the
 * Makefile's mpi rule), so the MPI build needs no hook in the CLI: this main() takes the
 * distributed verbs and hands everything else to nf_cli_main. Under mpirun, a verb that does not
 * run distributed is run by rank 0 alone (the other ranks exit 0 at once) instead of N times.
 *
 * Invariants: MPI_Init is called only for distributed verbs; every rank returns the same status.
 */
#include "nf_mpi.h"
#include <stdlib.h>
#include <string.h>

int nf_cli_main(int argc, char **argv);

static int is_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int (*verb)(nfm *, int, char **) = NULL;
    if (argc >= 2 && !strcmp(argv[1], "dedup"))
        verb = nfm_dedup;
    else if (argc >= 2 && !strcmp(argv[1], "fold"))
        verb = nfm_fold;
    if (!verb || is_help(argc, argv)) {
        const char *r = getenv("OMPI_COMM_WORLD_RANK");
        if (!verb && r && strcmp(r, "0"))
            return 0;
        if (!verb)
            return nf_cli_main(argc, argv);
    }
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "newsfold: MPI_Init failed\n");
        return 2;
    }
    nfm m;
    nfm_init(&m);
    if (is_help(argc, argv) && m.rank != 0) {
        MPI_Finalize();
        return 0;
    }
    int status = verb(&m, argc - 1, argv + 1);
    int worst = status;
    NFM(&m, MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, m.comm));
    fflush(stdout);
    MPI_Comm_free(&m.comm);
    MPI_Finalize();
    return worst;
}
