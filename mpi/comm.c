/*
 * comm.c — the communicator, checked MPI calls, collective agreement, record exchange.
 *
 * Key idea: the job's communicator carries MPI_ERRORS_RETURN so that every failing call comes
 * back here instead of killing the process silently; nfm_check turns it into one clear line
 * ("rank R of N: MPI_Alltoallv failed: ...") and MPI_Abort, which ends every rank. Exchanges
 * count records in a contiguous datatype of the record size, so one call moves up to 2^31 records
 * per peer; payload bytes sent to other ranks are counted for the benchmark and the cost model.
 *
 * Invariants: nfm_alltoallv/nfm_route are collective and deterministic — records from one source
 * arrive grouped by source rank, in the order that source sent them.
 */
#include "nf_mpi.h"
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double nfm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void nfm_init(nfm *m)
{
    memset(m, 0, sizeof *m);
    /* errors on COMM_WORLD itself come back too, then the job's own duplicate */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (MPI_Comm_dup(MPI_COMM_WORLD, &m->comm) != MPI_SUCCESS) {
        fprintf(stderr, "newsfold: MPI_Comm_dup failed; aborting\n");
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
    NFM(m, MPI_Comm_rank(m->comm, &m->rank));
    NFM(m, MPI_Comm_size(m->comm, &m->size));
    m->t0 = nfm_now();
}

_Noreturn void nfm_die(nfm *m, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "newsfold: rank %d of %d: %s; aborting the job, no output written\n",
            m->rank, m->size, msg);
    fflush(stderr);
    MPI_Abort(m->comm ? m->comm : MPI_COMM_WORLD, 3);
    abort();    /* MPI_Abort does not return; keep the compiler sure of it */
}

void nfm_check(nfm *m, int err, const char *call, const char *file, int line)
{
    if (err == MPI_SUCCESS)
        return;
    char es[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(err, es, &n) != MPI_SUCCESS)
        snprintf(es, sizeof es, "error %d", err);
    /* the call text is long; keep its name */
    char name[64];
    size_t k = strcspn(call, "(");
    snprintf(name, sizeof name, "%.*s", (int)NF_MIN(k, sizeof name - 1), call);
    nfm_die(m, "%s failed (%s:%d): %s (another rank may have died)", name, file, line, es);
}

int nfm_all_ok(nfm *m, int ok)
{
    int in = ok ? 1 : 0, out = 0;
    NFM(m, MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, m->comm));
    return out;
}

uint64_t nfm_sum_u64(nfm *m, uint64_t v)
{
    uint64_t out = 0;
    NFM(m, MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_SUM, m->comm));
    return out;
}

uint64_t nfm_max_u64(nfm *m, uint64_t v)
{
    uint64_t out = 0;
    NFM(m, MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_MAX, m->comm));
    return out;
}

double nfm_max_dbl(nfm *m, double v)
{
    double out = 0;
    NFM(m, MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, m->comm));
    return out;
}

double nfm_min_dbl(nfm *m, double v)
{
    double out = 0;
    NFM(m, MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MIN, m->comm));
    return out;
}

void nfm_fault(nfm *m, const char *stage)
{
    const char *f = getenv("NF_MPI_FAULT");
    if (!f)
        return;
    char *end;
    long r = strtol(f, &end, 10);
    if (*end != ':' || r != m->rank || strcmp(end + 1, stage))
        return;
    fprintf(stderr, "newsfold: rank %d: NF_MPI_FAULT: killing this rank at stage %s\n",
            m->rank, stage);
    fflush(stderr);
    raise(SIGKILL);
}

void *nfm_xmalloc(nfm *m, size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nfm_die(m, "out of memory (%zu bytes)", n);
    return p;
}

void *nfm_xrealloc(nfm *m, void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        nfm_die(m, "out of memory (%zu bytes)", n);
    return q;
}

size_t nfm_alltoallv(nfm *m, const void *send, const size_t *scount, size_t recsize,
                     void **recv, size_t *rcount)
{
    int P = m->size;
    int *sc = calloc(4 * (size_t)P, sizeof(int));
    if (!sc)
        nfm_die(m, "out of memory");
    int *rc = sc + P, *sd = sc + 2 * P, *rd = sc + 3 * P;
    size_t stot = 0, rtot = 0;
    for (int d = 0; d < P; d++) {
        if (scount[d] > INT_MAX || stot + scount[d] > INT_MAX)
            nfm_die(m, "exchange too large for one MPI_Alltoallv (%zu records)", stot + scount[d]);
        sc[d] = (int)scount[d];
        sd[d] = (int)stot;
        stot += scount[d];
        if (d != m->rank)
            m->sent_bytes += scount[d] * recsize;
    }
    m->sent_msgs++;
    NFM(m, MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, m->comm));
    for (int s = 0; s < P; s++) {
        if (rtot + (size_t)rc[s] > INT_MAX)
            nfm_die(m, "exchange too large for one MPI_Alltoallv (%zu records)", rtot + rc[s]);
        rd[s] = (int)rtot;
        rtot += (size_t)rc[s];
        if (rcount)
            rcount[s] = (size_t)rc[s];
    }
    MPI_Datatype t;
    NFM(m, MPI_Type_contiguous((int)recsize, MPI_BYTE, &t));
    NFM(m, MPI_Type_commit(&t));
    void *r = nfm_xmalloc(m, rtot * recsize);
    NFM(m, MPI_Alltoallv(send, sc, sd, t, r, rc, rd, t, m->comm));
    NFM(m, MPI_Type_free(&t));
    free(sc);
    *recv = r;
    return rtot;
}

size_t nfm_route(nfm *m, const void *recs, size_t n, size_t recsize, const int *dest,
                 void **recv, size_t *rcount)
{
    int P = m->size;
    size_t *cnt = calloc((size_t)P * 2, sizeof *cnt);
    if (!cnt)
        nfm_die(m, "out of memory");
    size_t *pos = cnt + P;
    for (size_t i = 0; i < n; i++)
        cnt[dest[i]]++;
    for (int d = 1; d < P; d++)
        pos[d] = pos[d - 1] + cnt[d - 1];
    char *buf = nfm_xmalloc(m, n * recsize);
    const char *src = recs;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + (pos[dest[i]]++) * recsize, src + i * recsize, recsize);
    size_t got = nfm_alltoallv(m, buf, cnt, recsize, recv, rcount);
    free(buf);
    free(cnt);
    return got;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

size_t nfm_find_u64(const uint64_t *a, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t nfm_uniq_u64(uint64_t *a, size_t n)
{
    qsort(a, n, sizeof *a, cmp_u64);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || a[w - 1] != a[i])
            a[w++] = a[i];
    return w;
}
