/*
 * output.c — every rank writes its part of the result; the parts form one JSONL in global order.
 *
 * Key idea: ranks hold contiguous blocks of the global order, so the output is the parts
 * concatenated in rank order. A part is a spool file on the rank's local disk, so memory stays
 * bounded. To a file (-o), each rank writes its part at its own offset (an exclusive prefix sum
 * of the part sizes) with MPI-IO into FILE.incomplete; only when every rank
 * reports success does rank 0 rename it to FILE. To stdout, rank 0 prints its part and then each
 * other rank's in rank order, received over MPI.
 *
 * Failure policy: nfm_output_begin removes an old FILE and a stale FILE.incomplete before any
 * work, so a run that fails leaves no FILE at all and a rerun starts clean. A rank that dies
 * before the rename leaves at most FILE.incomplete, which never looks complete.
 */
#include "nf_mpi.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CHUNK = 64 << 20 };

static char *tmp_name(nfm *m, const char *path)
{
    size_t n = strlen(path) + sizeof ".incomplete";
    char *t = nfm_xmalloc(m, n);
    snprintf(t, n, "%s.incomplete", path);
    return t;
}

nf_rc nfm_output_begin(nfm *m, const char *path)
{
    int ok = 1;
    if (path && m->rank == 0) {
        char *t = tmp_name(m, path);
        if (unlink(path) && errno != ENOENT) {
            fprintf(stderr, "newsfold: cannot remove the old %s: %s\n", path, strerror(errno));
            ok = 0;
        }
        if (unlink(t) && errno != ENOENT)
            ok = 0;
        free(t);
    }
    return nfm_all_ok(m, ok) ? NF_OK : NF_EIO;
}

/* Copy up to n bytes of f to buf in CHUNK-sized steps; returns bytes read in this step. */
static size_t next_chunk(FILE *f, char *buf, uint64_t left, int *ok)
{
    size_t k = (size_t)NF_MIN(left, CHUNK);
    if (k && fread(buf, 1, k, f) != k) {
        *ok = 0;
        memset(buf, 0, k);
    }
    return k;
}

static nf_rc write_stdout(nfm *m, FILE *part, uint64_t n)
{
    int ok = 1;
    char *buf = nfm_xmalloc(m, CHUNK);
    if (m->rank == 0) {
        for (uint64_t at = 0; at < n;) {
            size_t k = next_chunk(part, buf, n - at, &ok);
            if (fwrite(buf, 1, k, stdout) != k)
                ok = 0;
            at += k;
        }
        for (int r = 1; r < m->size; r++) {
            uint64_t rn = 0;
            NFM(m, MPI_Recv(&rn, 1, MPI_UINT64_T, r, 7, m->comm, MPI_STATUS_IGNORE));
            for (uint64_t at = 0; at < rn; at += CHUNK) {
                int k = (int)NF_MIN(rn - at, CHUNK);
                NFM(m, MPI_Recv(buf, k, MPI_BYTE, r, 8, m->comm, MPI_STATUS_IGNORE));
                if (ok && fwrite(buf, 1, (size_t)k, stdout) != (size_t)k)
                    ok = 0;
            }
        }
        if (fflush(stdout))
            ok = 0;
    } else {
        NFM(m, MPI_Send(&n, 1, MPI_UINT64_T, 0, 7, m->comm));
        for (uint64_t at = 0; at < n;) {
            size_t k = next_chunk(part, buf, n - at, &ok);
            NFM(m, MPI_Send(buf, (int)k, MPI_BYTE, 0, 8, m->comm));
            m->out_bytes += k;
            at += k;
        }
    }
    free(buf);
    if (!nfm_all_ok(m, ok)) {
        if (m->rank == 0)
            fprintf(stderr, "newsfold: cannot write the output\n");
        return NF_EIO;
    }
    return NF_OK;
}

/* Report a failed MPI-IO call once; returns 0. */
static int io_fail(nfm *m, int err, const char *what, const char *name)
{
    char es[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(err, es, &n) != MPI_SUCCESS)
        snprintf(es, sizeof es, "error %d", err);
    fprintf(stderr, "newsfold: rank %d: %s %s: %s\n", m->rank, what, name, es);
    return 0;
}

nf_rc nfm_output_write(nfm *m, const char *path, FILE *part, uint64_t n)
{
    if (part && fseeko(part, 0, SEEK_SET))
        nfm_die(m, "cannot rewind the output spool");
    if (!path)
        return write_stdout(m, part, n);
    char *t = tmp_name(m, path);
    MPI_File fh;
    int ok = 1, err;
    err = MPI_File_open(m->comm, t, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    if (err != MPI_SUCCESS)
        ok = io_fail(m, err, "cannot create", t);
    if (!nfm_all_ok(m, ok)) {
        free(t);
        return NF_EIO;
    }
    if ((err = MPI_File_set_size(fh, 0)) != MPI_SUCCESS)
        ok = io_fail(m, err, "cannot truncate", t);
    uint64_t off = 0;
    NFM(m, MPI_Exscan(&n, &off, 1, MPI_UINT64_T, MPI_SUM, m->comm));
    if (m->rank == 0)
        off = 0;
    /* each rank writes its own byte range, independently, from its spool */
    char *buf = nfm_xmalloc(m, CHUNK);
    for (uint64_t at = 0; at < n && ok;) {
        size_t k = next_chunk(part, buf, n - at, &ok);
        MPI_Status st;
        err = MPI_File_write_at(fh, (MPI_Offset)(off + at), buf, (int)k, MPI_BYTE, &st);
        if (err != MPI_SUCCESS)
            ok = io_fail(m, err, "cannot write", t);
        at += k;
    }
    free(buf);
    nfm_fault(m, "output");
    if ((err = MPI_File_close(&fh)) != MPI_SUCCESS && ok)
        ok = io_fail(m, err, "cannot close", t);
    ok = nfm_all_ok(m, ok);
    if (m->rank == 0) {
        if (ok && rename(t, path)) {
            fprintf(stderr, "newsfold: cannot rename %s to %s: %s\n", t, path, strerror(errno));
            ok = 0;
        }
        if (!ok)
            unlink(t);
    }
    NFM(m, MPI_Bcast(&ok, 1, MPI_INT, 0, m->comm));
    free(t);
    return ok ? NF_OK : NF_EIO;
}
