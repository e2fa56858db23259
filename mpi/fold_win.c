/*
 * fold_win.c — `fold --mpi-windows`: the folding itself split over ranks by time, borders
 * reconciled. An option with a weaker guarantee than the default (docs/mpi.md): NOT identical
 * to 1 process in general.
 *
 * Key idea: the global arrival order (date, then input order) is known on rank 0 after the
 * sketch stream (stream.c), together with each article's copy (the exact online copy
 * detection, as in 1 process). It is cut into N equal runs of consecutive articles, one per
 * rank. Rank r folds its run with a folder of its own, preceded by a warm-up: the articles of
 * the window_days before its first article, which rebuild the stories still alive at the
 * border from their recent articles (a dated story idle for window_days is no candidate any
 * more; a live story's older articles are not folded again), and every undated article (an
 * undated story is a candidate at any date; runs start after them). Rank 0 then reconciles: a
 * story B of rank r whose first article is a warm-up article continues the story A in which
 * that article's owner placed it, so A and B are one story (union-find over (rank, story)
 * pairs); stories begun in rank r's own run stay apart. A copy whose
 * original lies before rank r's folder is not folded there; it takes its original's final
 * story, as copies do in 1 process.
 *
 * What differs from 1 process: the df of an article counts only the articles of its rank's
 * folder (warm-up included), not every earlier article; refinement merges stories within one
 * rank's folder only (plus the unions through shared warm-up articles); a border story can
 * join two stories its neighbours kept apart. Copies and copy_of are exact.
 *
 * Invariants: every article gets exactly one story, named by the gid of the earliest article
 * (arrival order) that ends up in it; with N = 1 there is no border and the result is the
 * 1-process one.
 */
#include "nfm_cli.h"
#include "fold_rec.h"
#include <stdlib.h>
#include <string.h>

typedef struct went {
    uint64_t gid;
    int64_t copy;    /* index of the original in this list, -1 none, -2 original before it */
} went;

typedef struct fctx {
    const nf_article *a;
    uint64_t lo;
} fctx;

/* payload of a local article: i64 time, u32 title bytes + 1 (0: none), u64 text bytes, title
 * with NUL, text */
static void give_art(uint64_t gid, void *ctx, nf_buf *out)
{
    fctx *c = ctx;
    const nf_article *a = &c->a[gid - c->lo];
    uint32_t tl = a->title ? (uint32_t)strlen(a->title) + 1 : 0;
    uint64_t n = a->text_len;
    nf_buf_append(out, &a->time, sizeof a->time);
    nf_buf_append(out, &tl, sizeof tl);
    nf_buf_append(out, &n, sizeof n);
    if (tl)
        nf_buf_append(out, a->title, tl);
    nf_buf_append(out, a->text ? a->text : "", a->text_len);
}

static uint64_t uf_find(uint64_t *p, uint64_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

/* Rank r's list: arrival positions [0, pu) and [o, e), owned from s (pu <= o <= s <= e). The
 * undated articles come first in arrival order (u of them); their stories take articles of any
 * date (no time factor), so they are a warm-up of every rank and runs start after them (all
 * undated: rank 0 folds everything). A run's warm-up is then the window_days before it. */
enum { H_PU, H_O, H_S, H_E, H_N };

static void cut(const nfm *m, const int64_t *atime, uint64_t total, double window_days, int r,
                uint64_t *h)
{
    int P = m->size;
    uint64_t u = 0;
    while (u < total && atime[u] == NF_NO_TIME)
        u++;
    uint64_t s = r ? NF_MAX(total * (uint64_t)r / (uint64_t)P, u) : 0;
    uint64_t e = r + 1 < P ? NF_MAX(total * (uint64_t)(r + 1) / (uint64_t)P, u) : total;
    h[H_S] = s;
    h[H_E] = e;
    h[H_O] = s;
    h[H_PU] = 0;
    if (s == 0 || s >= total)
        return;
    h[H_PU] = u;
    double w = window_days * 86400.0;
    int64_t from = w < 4e18 ? atime[s] - (int64_t)w : INT64_MIN;
    if (from > atime[s])
        from = INT64_MIN;   /* overflow */
    uint64_t lo = u, hi = s;  /* first k >= u with atime[k] >= from */
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (atime[mid] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    h[H_O] = lo;
}

static uint64_t list_len(const uint64_t *h) { return h[H_PU] + (h[H_E] - h[H_O]); }
static uint64_t list_pos(const uint64_t *h, uint64_t j)
{
    return j < h[H_PU] ? j : h[H_O] + (j - h[H_PU]);
}
/* list index of arrival position k, or UINT64_MAX when k is not in the list */
static uint64_t list_idx(const uint64_t *h, uint64_t k)
{
    if (k < h[H_PU])
        return k;
    if (k >= h[H_O] && k < h[H_E])
        return h[H_PU] + (k - h[H_O]);
    return UINT64_MAX;
}

nf_rc nfm_fold_windows(nfm *m, const nfm_ids *ids, const nf_article *arts,
                       const nf_fold_opts *o, int refine, const uint64_t *agid,
                       const uint64_t *acopy, const int64_t *atime, uint64_t *all,
                       nfm_win_stats *st)
{
    int P = m->size;
    uint64_t total = ids->total;
    memset(st, 0, sizeof *st);
    /* 1. rank 0 cuts the arrival order and sends each rank its list */
    uint64_t *hdr = nfm_xmalloc(m, H_N * (size_t)P * sizeof *hdr), my[H_N];
    went *lists = NULL;
    int *cnt = nfm_xmalloc(m, 2 * (size_t)P * sizeof *cnt), *dsp = cnt + P;
    if (m->rank == 0) {
        uint64_t sum = 0;
        for (int r = 0; r < P; r++) {
            uint64_t *h = &hdr[H_N * r];
            cut(m, atime, total, o->window_days, r, h);
            uint64_t c = list_len(h);
            if (c > INT32_MAX || sum + c > INT32_MAX)
                nfm_die(m, "--mpi-windows: too many articles for one scatter");
            cnt[r] = (int)c;
            dsp[r] = (int)sum;
            sum += c;
            st->warmup += c - (h[H_E] - h[H_S]);
        }
        lists = nfm_xmalloc(m, (sum + 1) * sizeof *lists);
        for (int r = 0; r < P; r++) {
            const uint64_t *h = &hdr[H_N * r];
            for (uint64_t j = 0; j < (uint64_t)cnt[r]; j++) {
                uint64_t k = list_pos(h, j), ci;
                went *w = &lists[dsp[r] + j];
                w->gid = agid[k];
                w->copy = acopy[k] == UINT64_MAX ? -1
                          : (ci = list_idx(h, acopy[k])) != UINT64_MAX ? (int64_t)ci : -2;
            }
        }
    }
    NFM(m, MPI_Scatter(hdr, H_N, MPI_UINT64_T, my, H_N, MPI_UINT64_T, 0, m->comm));
    size_t n = (size_t)list_len(my);
    went *L = nfm_xmalloc(m, (n + 1) * sizeof *L);
    MPI_Datatype tw;
    NFM(m, MPI_Type_contiguous((int)sizeof(went), MPI_BYTE, &tw));
    NFM(m, MPI_Type_commit(&tw));
    NFM(m, MPI_Scatterv(lists, cnt, dsp, tw, L, (int)n, tw, 0, m->comm));
    NFM(m, MPI_Type_free(&tw));
    if (m->rank == 0)
        m->sent_bytes += sizeof(went) * (uint64_t)(dsp[P - 1] + cnt[P - 1] - cnt[0]);
    free(lists);
    /* 2. fetch the texts of the list (run and warm-up) from their owners */
    uint64_t *g = nfm_xmalloc(m, (n + 1) * sizeof *g);
    for (size_t j = 0; j < n; j++)
        g[j] = L[j].gid;
    size_t *off = NULL;
    char *data = NULL;
    fctx fc = {arts, ids->lo};
    nfm_fetch(m, ids, g, n, give_art, &fc, &off, &data);
    free(g);
    /* 3. fold the list with a folder of this rank's own */
    double c0 = nfm_now();
    nf_article *a = nfm_xmalloc(m, (n + 1) * sizeof *a);
    int64_t *cp = nfm_xmalloc(m, (n + 1) * sizeof *cp);
    uint64_t *seq = nfm_xmalloc(m, (n + 1) * sizeof *seq);     /* list index -> folder seq */
    size_t *back = nfm_xmalloc(m, (n + 1) * sizeof *back);     /* folder seq -> list index */
    size_t nf = 0;
    for (size_t j = 0; j < n; j++) {
        seq[j] = UINT64_MAX;
        if (L[j].copy == -2)
            continue;
        const char *p = data + off[j];
        nf_article *x = &a[nf];
        memset(x, 0, sizeof *x);
        uint32_t tl;
        uint64_t tn;
        memcpy(&x->time, p, sizeof x->time);
        memcpy(&tl, p + 8, sizeof tl);
        memcpy(&tn, p + 12, sizeof tn);
        x->title = tl ? (char *)p + 20 : NULL;
        x->text = (char *)p + 20 + tl;
        x->text_len = (size_t)tn;
        cp[nf] = L[j].copy >= 0 ? (int64_t)seq[L[j].copy] : -1;
        seq[j] = nf;
        back[nf++] = j;
    }
    /* titles and texts need their NULs: copy each out of the fetched bytes */
    nf_buf text;
    nf_buf_init(&text, 0);
    size_t *tat = nfm_xmalloc(m, (nf + 1) * sizeof *tat);
    for (size_t i = 0; i < nf; i++) {
        tat[i] = text.n;
        size_t tl = a[i].title ? strlen(a[i].title) + 1 : 0;   /* title's NUL was sent */
        if ((tl && nf_buf_append(&text, a[i].title, tl)) ||
            nf_buf_append(&text, a[i].text, a[i].text_len) || nf_buf_putc(&text, 0))
            nfm_die(m, "out of memory");
    }
    free(data);
    free(off);
    for (size_t i = 0; i < nf; i++) {
        const char *p = text.p + tat[i];
        size_t tl = a[i].title ? strlen(p) + 1 : 0;
        a[i].title = tl ? (char *)p : NULL;
        a[i].text = (char *)p + tl;
    }
    free(tat);
    nf_folder *f = NULL;
    nf_rc rc = nf_folder_new(&f, o);
    nf_fold_result *res = rc ? NULL : calloc(nf + 1, sizeof *res);
    if (!rc && !res)
        rc = NF_ENOMEM;
    if (!rc)
        rc = nf_folder_add_many(f, a, nf, cp, res, NULL);
    uint64_t merges = 0;
    if (!rc && refine)
        rc = nf_folder_refine(f, &merges);
    free(res);
    /* story of each list entry as the arrival position of its first article here */
    uint64_t *stp = nfm_xmalloc(m, (n + 1) * sizeof *stp);
    for (size_t j = 0; j < n; j++)
        stp[j] = rc || seq[j] == UINT64_MAX ? UINT64_MAX
                 : list_pos(my, back[nf_folder_story(f, seq[j])]);
    st->fold_secs = nfm_now() - c0;
    st->merges = nfm_sum_u64(m, merges);
    nf_folder_free(f);
    nf_buf_reset(&text);
    free(a);
    free(cp);
    free(seq);
    free(back);
    free(L);
    int ok = nfm_all_ok(m, rc == NF_OK);
    if (!ok) {
        if (rc)
            fprintf(stderr, "newsfold fold: rank %d: %s\n", m->rank, nf_strerror(rc));
        free(stp);
        free(hdr);
        free(cnt);
        return rc ? rc : NF_EIO;
    }
    /* 4. rank 0 gathers every list's stories and reconciles the borders */
    uint64_t *gst = NULL;
    if (m->rank == 0)
        gst = nfm_xmalloc(m, ((uint64_t)dsp[P - 1] + cnt[P - 1] + 1) * sizeof *gst);
    NFM(m, MPI_Gatherv(stp, (int)n, MPI_UINT64_T, gst, cnt, dsp, MPI_UINT64_T, 0, m->comm));
    if (m->rank != 0)
        m->sent_bytes += 8 * n;
    free(stp);
    if (m->rank == 0) {
        uint64_t nn = (uint64_t)dsp[P - 1] + cnt[P - 1];
        uint64_t *par = nfm_xmalloc(m, (nn + 1) * sizeof *par);
        for (uint64_t i = 0; i < nn; i++)
            par[i] = i;
        /* a story here whose first article is a warm-up article continues that article's
         * story at its owner: join the two (stories begun in this rank's own run stay apart,
         * so warm-up articles that two folders place differently do not chain stories) */
        for (int r = 1; r < P; r++) {
            const uint64_t *h = &hdr[H_N * r];
            for (uint64_t j = 0; j < (uint64_t)cnt[r]; j++) {
                uint64_t k = list_pos(h, j);
                if (k >= h[H_S])
                    break;
                uint64_t sa = gst[dsp[r] + j];
                if (sa != k)
                    continue;
                int q = 0;               /* owner: last q with s_q <= k */
                for (int lo = 0, hi = P - 1; lo <= hi;) {
                    int mid = (lo + hi) / 2;
                    if (hdr[H_N * mid + H_S] <= k && hdr[H_N * mid + H_E] > k) {
                        q = mid;
                        break;
                    }
                    if (hdr[H_N * mid + H_S] > k)
                        hi = mid - 1;
                    else
                        lo = mid + 1;
                }
                const uint64_t *hq = &hdr[H_N * q];
                uint64_t sb = gst[dsp[q] + list_idx(hq, k)];
                if (sb == UINT64_MAX)
                    continue;
                uint64_t x = uf_find(par, (uint64_t)dsp[r] + list_idx(h, sa));
                uint64_t y = uf_find(par, (uint64_t)dsp[q] + list_idx(hq, sb));
                if (x != y) {
                    par[x > y ? x : y] = x < y ? x : y;
                    st->unions++;
                }
            }
        }
        /* final story of every article: the earliest article of its component */
        uint64_t *first = nfm_xmalloc(m, (nn + 1) * sizeof *first);
        uint64_t *fin = nfm_xmalloc(m, (total + 1) * sizeof *fin);
        for (uint64_t i = 0; i < nn; i++)
            first[i] = UINT64_MAX;
        for (int r = 0; r < P; r++) {
            const uint64_t *h = &hdr[H_N * r];
            for (uint64_t k = h[H_S]; k < h[H_E]; k++) {
                uint64_t sa = gst[dsp[r] + list_idx(h, k)];
                if (sa == UINT64_MAX) {      /* a copy of an article before this folder */
                    fin[k] = fin[acopy[k]];
                    continue;
                }
                uint64_t x = uf_find(par, (uint64_t)dsp[r] + list_idx(h, sa));
                if (first[x] == UINT64_MAX) {
                    first[x] = k;
                    st->stories++;
                }
                fin[k] = first[x];
            }
        }
        for (uint64_t k = 0; k < total; k++) {
            uint64_t gk = agid[k];
            all[2 * gk] = agid[fin[k]];
            all[2 * gk + 1] = acopy[k] == UINT64_MAX ? UINT64_MAX : agid[acopy[k]];
        }
        free(first);
        free(fin);
        free(par);
        free(gst);
    }
    free(hdr);
    free(cnt);
    return NF_OK;
}
