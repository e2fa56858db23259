/*
 * stream.c — every rank's records to rank 0, merged into one global order, in bounded batches.
 *
 * Key idea: the folder is sequential and needs the articles in arrival order (date, then input
 * order = gid). Each rank sorts its own articles by (key, gid) and encodes them one by one
 * (the expensive, parallel part: the caller's encoder extracts features); rank 0 merges the P
 * sorted streams — the smallest (key, gid) head first — and hands each record to the consumer.
 * Since every rank holds a contiguous block of gids, this is exactly the 1-process order.
 *
 * Flow control: a sender packs records into batches (at most BATCH_BYTES or BATCH_RECS, a
 * single larger record travels alone) and sends each with MPI_Issend, which completes only when
 * rank 0 has started receiving it. A sender fills batch k+1 while batch k is in flight and waits
 * for k before sending k+1: it runs at most two batches ahead of rank 0, whatever N and the
 * input size, and rank 0 holds one batch per rank. Waiting ranks sleep (MPI_Test + nanosleep)
 * instead of busy-polling, so on an oversubscribed machine they leave the cores to rank 0.
 *
 * Record layout (8-byte aligned, so payloads can hold aligned arrays): i64 key, u64 gid,
 * u32 payload bytes, u32 encoder status (nf_rc), payload, zero padding to a multiple of 8.
 *
 * Invariants: the consumer sees every record exactly once, in ascending (key, gid); after a
 * consumer or encoder error rank 0 keeps draining (so no sender blocks) and reports the first
 * error; collective in the sense that every rank must call it.
 */
#include "nf_mpi.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BATCH_BYTES = 1 << 20, BATCH_RECS = 1024, TAG_BATCH = 31 };

typedef struct rec_head {
    int64_t key;
    uint64_t gid;
    uint32_t len;
    uint32_t rc;
} rec_head;

void nfm_wait_idle(nfm *m, MPI_Request *req)
{
    long ns = 20000;
    for (;;) {
        int done = 0;
        NFM(m, MPI_Test(req, &done, MPI_STATUS_IGNORE));
        if (done)
            return;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000)
            ns *= 2;
    }
}

void nfm_barrier_idle(nfm *m)
{
    MPI_Request r;
    NFM(m, MPI_Ibarrier(m->comm, &r));
    nfm_wait_idle(m, &r);
}

/* Append local record i (gid, key) to b. */
static void put_rec(nfm *m, nf_buf *b, size_t i, uint64_t gid, int64_t key, nfm_encode_fn enc,
                    void *ectx)
{
    size_t at = b->n;
    rec_head h = {key, gid, 0, 0};
    if (nf_buf_append(b, &h, sizeof h))
        nfm_die(m, "out of memory");
    nf_rc rc = enc(i, ectx, b);
    size_t len = b->n - at - sizeof h;
    if (len > UINT32_MAX)
        nfm_die(m, "record of %zu bytes too large", len);
    static const char zero[8];
    if ((len & 7) && nf_buf_append(b, zero, 8 - (len & 7)))
        nfm_die(m, "out of memory");
    h.len = (uint32_t)len;
    h.rc = (uint32_t)rc;
    memcpy(b->p + at, &h, sizeof h);
}

/* Fill b with the next batch of local records from order[*k]. */
static void fill(nfm *m, const nfm_ids *ids, const size_t *order, const int64_t *key, size_t *k,
                 nf_buf *b, nfm_encode_fn enc, void *ectx, MPI_Request *pending)
{
    b->n = 0;
    for (size_t c = 0; *k < ids->n && c < BATCH_RECS && b->n < BATCH_BYTES; c++, (*k)++) {
        size_t i = order[*k];
        put_rec(m, b, i, ids->lo + i, key[i], enc, ectx);
        if (*pending != MPI_REQUEST_NULL) {   /* let a rendezvous transfer progress */
            int done = 0;
            NFM(m, MPI_Test(pending, &done, MPI_STATUS_IGNORE));
        }
    }
}

static void send_all(nfm *m, const nfm_ids *ids, const size_t *order, const int64_t *key,
                     nfm_encode_fn enc, void *ectx, nfm_stream_stats *st)
{
    nf_buf b[2];
    nf_buf_init(&b[0], 0);
    nf_buf_init(&b[1], 0);
    MPI_Request req = MPI_REQUEST_NULL;
    size_t k = 0;
    int cur = 0;
    while (k < ids->n) {
        fill(m, ids, order, key, &k, &b[cur], enc, ectx, &req);
        double t = nfm_now();
        if (req != MPI_REQUEST_NULL)
            nfm_wait_idle(m, &req);
        st->wait += nfm_now() - t;
        if (b[cur].n > INT32_MAX)
            nfm_die(m, "batch of %zu bytes too large", b[cur].n);
        NFM(m, MPI_Issend(b[cur].p, (int)b[cur].n, MPI_BYTE, 0, TAG_BATCH, m->comm, &req));
        m->sent_bytes += b[cur].n;
        st->bytes += b[cur].n;
        st->batches++;
        cur ^= 1;
    }
    double t = nfm_now();
    if (req != MPI_REQUEST_NULL)
        nfm_wait_idle(m, &req);
    st->wait += nfm_now() - t;
    nf_buf_reset(&b[0]);
    nf_buf_reset(&b[1]);
}

typedef struct src {
    char *p;                  /* current batch */
    size_t n, at;
    uint64_t left;            /* records of this rank not yet consumed */
    rec_head h;               /* head record (valid when left > 0 and at < n) */
} src;

/* Rank 0: make sure source r has a head record; receives (or, for itself, encodes) a batch. */
static void refill(nfm *m, const nfm_ids *ids, const size_t *order, const int64_t *key,
                   size_t *k0, nf_buf *own, nfm_encode_fn enc, void *ectx, src *s, int r,
                   nfm_stream_stats *st)
{
    if (!s->left || s->at < s->n)
        return;
    if (r == 0) {
        MPI_Request none = MPI_REQUEST_NULL;
        fill(m, ids, order, key, k0, own, enc, ectx, &none);
        s->p = own->p;
        s->n = own->n;
    } else {
        double t = nfm_now();
        long ns = 5000;
        MPI_Message msg;
        MPI_Status stt;
        for (;;) {
            int flag = 0;
            NFM(m, MPI_Improbe(r, TAG_BATCH, m->comm, &flag, &msg, &stt));
            if (flag)
                break;
            struct timespec ts = {0, ns};
            nanosleep(&ts, NULL);
            if (ns < 200000)
                ns *= 2;
        }
        int cnt = 0;
        NFM(m, MPI_Get_count(&stt, MPI_BYTE, &cnt));
        free(s->p);
        s->p = nfm_xmalloc(m, (size_t)cnt);
        NFM(m, MPI_Mrecv(s->p, cnt, MPI_BYTE, &msg, MPI_STATUS_IGNORE));
        s->n = (size_t)cnt;
        st->wait += nfm_now() - t;
        st->bytes += (uint64_t)cnt;
        st->batches++;
    }
    s->at = 0;
    if (s->n < sizeof s->h)
        nfm_die(m, "short batch from rank %d", r);
}

nf_rc nfm_stream_ordered(nfm *m, const nfm_ids *ids, const size_t *order, const int64_t *key,
                         nfm_encode_fn enc, void *ectx, nfm_consume_fn con, void *cctx,
                         nfm_stream_stats *st)
{
    memset(st, 0, sizeof *st);
    if (m->rank != 0) {
        send_all(m, ids, order, key, enc, ectx, st);
        return NF_OK;
    }
    int P = m->size;
    src *s = calloc((size_t)P, sizeof *s);
    if (!s)
        nfm_die(m, "out of memory");
    nf_buf own;
    nf_buf_init(&own, 0);
    size_t k0 = 0;
    for (int r = 0; r < P; r++)
        s[r].left = ids->base[r + 1] - ids->base[r];
    nf_rc first = NF_OK;
    for (uint64_t done = 0; done < ids->total; done++) {
        int best = -1;
        for (int r = 0; r < P; r++) {
            if (!s[r].left)
                continue;
            refill(m, ids, order, key, &k0, &own, enc, ectx, &s[r], r, st);
            memcpy(&s[r].h, s[r].p + s[r].at, sizeof s[r].h);
            if (best < 0 || s[r].h.key < s[best].h.key ||
                (s[r].h.key == s[best].h.key && s[r].h.gid < s[best].h.gid))
                best = r;
        }
        src *b = &s[best];
        size_t pad = (b->h.len + 7u) & ~(size_t)7;
        if (b->at + sizeof b->h + pad > b->n)
            nfm_die(m, "truncated batch from rank %d", best);
        const char *payload = b->p + b->at + sizeof b->h;
        nf_rc rc = (nf_rc)b->h.rc;
        if (!rc && !first)
            rc = con(b->h.key, b->h.gid, payload, b->h.len, cctx);
        if (rc && !first)
            first = rc;
        b->at += sizeof b->h + pad;
        b->left--;
    }
    for (int r = 1; r < P; r++)
        free(s[r].p);
    free(s);
    nf_buf_reset(&own);
    return first;
}
