/*
 * ids.c — global doc ids and fetching per-doc payloads from the rank that owns them.
 *
 * Key idea: rank r owns the contiguous gids [base[r], base[r+1]) (an exclusive prefix sum of the
 * article counts, which follow the global input order), so the owner of any gid is a binary search
 * and needs no directory. nfm_fetch sends each requested gid to its owner and gets back a
 * variable-length payload (a signature, an id string, a label) in the order asked.
 *
 * Invariants: fetch is collective; every rank loops the same number of rounds (the maximum over
 * ranks), each round moving at most FETCH_CHUNK requests per rank, so memory stays bounded.
 */
#include "nf_mpi.h"
#include <stdlib.h>
#include <string.h>

enum { FETCH_CHUNK = 1 << 20 };

void nfm_ids_make(nfm *m, uint64_t nlocal, nfm_ids *ids)
{
    ids->base = nfm_xmalloc(m, ((size_t)m->size + 1) * sizeof *ids->base);
    NFM(m, MPI_Allgather(&nlocal, 1, MPI_UINT64_T, ids->base + 1, 1, MPI_UINT64_T, m->comm));
    ids->base[0] = 0;
    for (int r = 0; r < m->size; r++)
        ids->base[r + 1] += ids->base[r];
    ids->lo = ids->base[m->rank];
    ids->n = nlocal;
    ids->total = ids->base[m->size];
}

void nfm_ids_free(nfm_ids *ids)
{
    free(ids->base);
    ids->base = NULL;
}

int nfm_owner(const nfm *m, const nfm_ids *ids, uint64_t gid)
{
    int lo = 0, hi = m->size - 1;      /* last r with base[r] <= gid */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (ids->base[mid] <= gid)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* One round: requests gids[0..n) (n <= FETCH_CHUNK); appends payloads to *data at off[]. */
static void fetch_round(nfm *m, const nfm_ids *ids, const uint64_t *gids, size_t n,
                        nfm_provide_fn provide, void *ctx, size_t *off, nf_buf *data)
{
    int P = m->size;
    size_t *cnt = calloc(3 * (size_t)P, sizeof *cnt);
    if (!cnt)
        nfm_die(m, "out of memory");
    size_t *pos = cnt + P, *rcnt = cnt + 2 * P;
    int *dest = nfm_xmalloc(m, n * sizeof *dest);
    size_t *perm = nfm_xmalloc(m, n * sizeof *perm);
    uint64_t *req = nfm_xmalloc(m, n * sizeof *req);
    for (size_t i = 0; i < n; i++) {
        if (gids[i] >= ids->total)
            nfm_die(m, "fetch of gid %llu beyond %llu articles", (unsigned long long)gids[i],
                    (unsigned long long)ids->total);
        dest[i] = nfm_owner(m, ids, gids[i]);
        cnt[dest[i]]++;
    }
    for (int d = 1; d < P; d++)
        pos[d] = pos[d - 1] + cnt[d - 1];
    for (size_t i = 0; i < n; i++) {
        size_t k = pos[dest[i]]++;
        req[k] = gids[i];
        perm[k] = i;
    }
    /* owners answer: lengths (one uint64 per request) and the bytes */
    uint64_t *in = NULL;
    size_t nin = nfm_alltoallv(m, req, cnt, sizeof *req, (void **)&in, rcnt);
    nf_buf ans;
    nf_buf_init(&ans, 0);
    uint64_t *len = nfm_xmalloc(m, nin * sizeof *len);
    size_t *bcnt = calloc((size_t)P, sizeof *bcnt);
    if (!bcnt)
        nfm_die(m, "out of memory");
    size_t k = 0;
    for (int s = 0; s < P; s++)
        for (size_t j = 0; j < rcnt[s]; j++, k++) {
            size_t before = ans.n;
            provide(in[k], ctx, &ans);
            len[k] = ans.n - before;
            bcnt[s] += len[k];
        }
    uint64_t *rlen = NULL;
    nfm_alltoallv(m, len, rcnt, sizeof *len, (void **)&rlen, NULL);
    char *bytes = NULL;
    nfm_alltoallv(m, ans.p ? ans.p : "", bcnt, 1, (void **)&bytes, NULL);
    /* rlen/bytes come grouped by owner in the order sent: position k is request perm[k] */
    size_t *at = nfm_xmalloc(m, (n + 1) * sizeof *at);
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        at[perm[i]] = b;
        off[perm[i]] = rlen[i];
        b += rlen[i];
    }
    /* lay payloads out in request order */
    for (size_t i = 0; i < n; i++) {
        size_t l = off[i];
        off[i] = data->n;
        if (nf_buf_append(data, bytes + at[i], l) != NF_OK)
            nfm_die(m, "out of memory");
    }
    off[n] = data->n;
    free(at);
    free(bytes);
    free(rlen);
    free(bcnt);
    free(len);
    nf_buf_reset(&ans);
    free(in);
    free(req);
    free(perm);
    free(dest);
    free(cnt);
}

void nfm_fetch(nfm *m, const nfm_ids *ids, const uint64_t *gids, size_t n,
               nfm_provide_fn provide, void *ctx, size_t **off_out, char **data_out)
{
    size_t *off = nfm_xmalloc(m, (n + 1) * sizeof *off);
    nf_buf data;
    nf_buf_init(&data, 0);
    uint64_t rounds = nfm_max_u64(m, (n + FETCH_CHUNK - 1) / FETCH_CHUNK);
    size_t *tmp = nfm_xmalloc(m, (FETCH_CHUNK + 1) * sizeof *tmp);
    off[0] = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        size_t i0 = NF_MIN((size_t)r * FETCH_CHUNK, n), i1 = NF_MIN(i0 + FETCH_CHUNK, n);
        fetch_round(m, ids, gids + i0, i1 - i0, provide, ctx, tmp, &data);
        for (size_t i = i0; i <= i1; i++)
            off[i] = tmp[i - i0];
    }
    free(tmp);
    *off_out = off;
    *data_out = data.p ? data.p : nfm_xmalloc(m, 1);
}
