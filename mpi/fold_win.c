/*
 * fold_win.c — `mpirun -np N newsfold fold --windows B`: the windowed fold of src/foldwin.c
 * with its blocks spread over the ranks. Byte-identical to `newsfold fold --windows B` in one
 * process, for every N (docs/mpi.md).
 *
 * Key idea: the windowed fold is a function of (articles, copies, options, B) whose blocks are
 * independent: each is folded by a fresh folder over a list of arrival positions fixed by the
 * library (nf_foldwin_plan, nf_foldwin_list), and the borders are reconciled afterwards
 * (nf_foldwin_join). So rank 0, which knows the global arrival order, every article's date and
 * its copy (the exact online copy detection over the sketch stream, as in 1 process), plans
 * the blocks and their lists with the library, hands whole blocks to ranks (largest list
 * first, each to the least-loaded rank: this affects speed only), each rank fetches the texts
 * of its lists from their owners (nfm_fetch; its own articles are used in place) and folds
 * each block with nf_foldwin_fold — the call the plain verb makes — and rank 0 joins the
 * stories with nf_foldwin_join.
 *
 * Invariants: the same library calls on the same inputs as `newsfold fold --windows B`,
 * whatever rank folds which block; every article gets exactly one story, named by the gid of
 * its earliest article (gid = 1-process input index, as the plain verb names it).
 */
#include "nfm_cli.h"
#include "fold_rec.h"
#include <stdlib.h>
#include <string.h>

typedef struct went {
    uint64_t gid;
    int64_t copy;    /* list index of the original, -1 none */
} went;

typedef struct fctx {
    const nf_article *a;
    uint64_t lo;
} fctx;

/* payload of a local article: i64 time, u32 title bytes + 1 (0: none), u64 text bytes, title
 * with its NUL, text */
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

/* The articles of gids u[0..nu) (sorted, unique) in a[]: this rank's own ones are its
 * articles (shallow), the others are fetched from their owners and rebuilt with their title
 * and text NUL-terminated in *text. */
static void fetch_articles(nfm *m, const nfm_ids *ids, const nf_article *arts, const uint64_t *u,
                           size_t nu, nf_article *a, nf_buf *text)
{
    uint64_t *far = nfm_xmalloc(m, (nu + 1) * sizeof *far);
    size_t nfar = 0;
    for (size_t i = 0; i < nu; i++)
        if (u[i] < ids->lo || u[i] >= ids->lo + ids->n)
            far[nfar++] = u[i];
    size_t *off = NULL;
    char *data = NULL;
    fctx fc = {arts, ids->lo};
    nfm_fetch(m, ids, far, nfar, give_art, &fc, &off, &data);
    size_t *tat = nfm_xmalloc(m, 2 * (nfar + 1) * sizeof *tat), *tls = tat + nfar + 1;
    for (size_t i = 0; i < nfar; i++) {
        const char *p = data + off[i];
        uint32_t tl;
        uint64_t tn;
        memcpy(&tl, p + 8, sizeof tl);
        memcpy(&tn, p + 12, sizeof tn);
        tat[i] = text->n;
        tls[i] = tl;
        /* the title's NUL was sent; the text gets one here */
        if (nf_buf_append(text, p + 20, tl + (size_t)tn) || nf_buf_putc(text, 0))
            nfm_die(m, "out of memory");
    }
    for (size_t i = 0, f = 0; i < nu; i++) {   /* text->p is final now */
        if (u[i] >= ids->lo && u[i] < ids->lo + ids->n) {
            a[i] = arts[u[i] - ids->lo];
            continue;
        }
        const char *p = data + off[f];
        memset(&a[i], 0, sizeof a[i]);
        memcpy(&a[i].time, p, sizeof a[i].time);
        a[i].title = tls[f] ? text->p + tat[f] : NULL;
        a[i].text = text->p + tat[f] + tls[f];
        a[i].text_len = (size_t)(off[f + 1] - off[f] - 20 - tls[f]);
        f++;
    }
    free(tat);
    free(off);
    free(data);
    free(far);
}

typedef struct load {
    uint64_t size;
    int rank;
} load;

nf_rc nfm_fold_windows(nfm *m, const nfm_ids *ids, const nf_article *arts,
                       const nf_fold_opts *o, int refine, double block_days,
                       const uint64_t *agid, const uint64_t *acopy, const int64_t *atime,
                       uint64_t *all, nfm_win_stats *st)
{
    int P = m->size;
    uint64_t total = ids->total;
    memset(st, 0, sizeof *st);
    nf_foldwin_block *blocks = NULL;
    size_t nb = 0;
    int64_t *copy = NULL;
    uint64_t **pos = NULL;
    size_t *bm = NULL;
    int *owner = NULL;
    size_t *order = NULL;
    /* 1. rank 0 plans the blocks and their lists (the library's), and assigns blocks */
    int *cnt = nfm_xmalloc(m, 4 * (size_t)P * sizeof *cnt), *dsp = cnt + P;
    int *bcnt = dsp + P, *bdsp = bcnt + P;        /* blocks per rank */
    uint64_t *sizes = NULL;                        /* list size of each block, by rank */
    went *lists = NULL;
    nf_rc rc = NF_OK;
    if (m->rank == 0) {
        rc = nf_foldwin_plan(atime, (size_t)total, block_days, o->window_days, &blocks, &nb);
        if (rc)
            nb = 0;
        copy = nfm_xmalloc(m, (total + 1) * sizeof *copy);
        for (uint64_t k = 0; k < total; k++)
            copy[k] = acopy[k] == UINT64_MAX ? -1 : (int64_t)acopy[k];
        pos = nfm_xmalloc(m, (nb + 1) * sizeof *pos);
        bm = nfm_xmalloc(m, (nb + 1) * sizeof *bm);
        int64_t **cps = nfm_xmalloc(m, (nb + 1) * sizeof *cps);
        for (size_t b = 0; b < nb; b++) {
            uint64_t lm = nf_foldwin_list_max(&blocks[b]);
            pos[b] = nfm_xmalloc(m, (lm + 1) * sizeof **pos);
            cps[b] = nfm_xmalloc(m, (lm + 1) * sizeof **cps);
            bm[b] = nf_foldwin_list(&blocks[b], copy, pos[b], cps[b]);
        }
        /* greedy: blocks largest first (the library's order), each to the least-loaded rank */
        order = nfm_xmalloc(m, (nb + 1) * sizeof *order);
        owner = nfm_xmalloc(m, (nb + 1) * sizeof *owner);
        if (nf_foldwin_order(blocks, nb, order))
            nfm_die(m, "out of memory");
        load *ld = nfm_xmalloc(m, (size_t)P * sizeof *ld);
        for (int r = 0; r < P; r++)
            ld[r] = (load){0, r};
        for (size_t i = 0; i < nb; i++) {
            int best = 0;
            for (int r = 1; r < P; r++)
                if (ld[r].size < ld[best].size)
                    best = r;
            owner[order[i]] = best;
            ld[best].size += bm[order[i]];
        }
        free(ld);
        /* per rank: its blocks in block order, their sizes, their entries (gid, copy) */
        uint64_t sum = 0;
        for (int r = 0; r < P; r++) {
            bcnt[r] = 0;
            uint64_t c = 0;
            for (size_t b = 0; b < nb; b++)
                if (owner[b] == r) {
                    bcnt[r]++;
                    c += bm[b];
                }
            if (c > INT32_MAX || sum + c > INT32_MAX)
                nfm_die(m, "--windows: too many articles for one scatter");
            cnt[r] = (int)c;
            dsp[r] = (int)sum;
            sum += c;
        }
        bdsp[0] = 0;
        for (int r = 1; r < P; r++)
            bdsp[r] = bdsp[r - 1] + bcnt[r - 1];
        sizes = nfm_xmalloc(m, (nb + 1) * sizeof *sizes);
        lists = nfm_xmalloc(m, (sum + 1) * sizeof *lists);
        int *bat = nfm_xmalloc(m, 2 * (size_t)P * sizeof *bat), *eat = bat + P;
        for (int r = 0; r < P; r++) {
            bat[r] = bdsp[r];
            eat[r] = dsp[r];
        }
        for (size_t b = 0; b < nb; b++) {
            int r = owner[b];
            sizes[bat[r]++] = bm[b];
            for (size_t j = 0; j < bm[b]; j++)
                lists[eat[r]++] = (went){agid[pos[b][j]], cps[b][j]};
            free(cps[b]);
        }
        free(bat);
        free(cps);
    }
    if (!nfm_all_ok(m, rc == NF_OK)) {
        if (rc)
            fprintf(stderr, "newsfold fold: --windows: %s\n", nf_strerror(rc));
        rc = rc ? rc : NF_EINVAL;
        goto done;
    }
    int mycnt[2];
    int *pair = nfm_xmalloc(m, 2 * (size_t)P * sizeof *pair);
    for (int r = 0; m->rank == 0 && r < P; r++) {
        pair[2 * r] = bcnt[r];
        pair[2 * r + 1] = cnt[r];
    }
    NFM(m, MPI_Scatter(pair, 2, MPI_INT, mycnt, 2, MPI_INT, 0, m->comm));
    free(pair);
    size_t myb = (size_t)mycnt[0], n = (size_t)mycnt[1];
    uint64_t *mysz = nfm_xmalloc(m, (myb + 1) * sizeof *mysz);
    NFM(m, MPI_Scatterv(sizes, bcnt, bdsp, MPI_UINT64_T, mysz, (int)myb, MPI_UINT64_T, 0,
                        m->comm));
    went *L = nfm_xmalloc(m, (n + 1) * sizeof *L);
    MPI_Datatype tw;
    NFM(m, MPI_Type_contiguous((int)sizeof(went), MPI_BYTE, &tw));
    NFM(m, MPI_Type_commit(&tw));
    NFM(m, MPI_Scatterv(lists, cnt, dsp, tw, L, (int)n, tw, 0, m->comm));
    NFM(m, MPI_Type_free(&tw));
    if (m->rank == 0) {
        uint64_t sum = (uint64_t)dsp[P - 1] + (uint64_t)cnt[P - 1];
        m->sent_bytes += sizeof(went) * (sum - (uint64_t)cnt[0]) + 8 * (nb - (size_t)bcnt[0]);
    }
    free(lists);
    free(sizes);
    lists = NULL;
    sizes = NULL;
    /* 2. fetch the texts of every article in this rank's lists, once each */
    uint64_t *u = nfm_xmalloc(m, (n + 1) * sizeof *u);
    for (size_t j = 0; j < n; j++)
        u[j] = L[j].gid;
    size_t nu = nfm_uniq_u64(u, n);
    nf_article *ua = nfm_xmalloc(m, (nu + 1) * sizeof *ua);
    nf_buf text;
    nf_buf_init(&text, 0);
    fetch_articles(m, ids, arts, u, nu, ua, &text);
    nfm_fault(m, "windows");
    /* 3. fold each block with the library's call, as the plain verb does */
    double c0 = nfm_now();
    nf_article *a = nfm_xmalloc(m, (n + 1) * sizeof *a);
    int64_t *cp = nfm_xmalloc(m, (n + 1) * sizeof *cp);
    uint64_t *stj = nfm_xmalloc(m, (n + 1) * sizeof *stj);
    for (size_t j = 0; j < n; j++) {
        a[j] = ua[nfm_find_u64(u, nu, L[j].gid)];
        cp[j] = L[j].copy;
    }
    free(L);
    uint64_t merges = 0;
    rc = NF_OK;
    for (size_t b = 0, at = 0; b < myb && !rc; at += mysz[b++]) {
        uint64_t mg = 0;
        rc = nf_foldwin_fold(a + at, (size_t)mysz[b], cp + at, o, refine, stj + at, &mg);
        merges += mg;
    }
    st->fold_secs = nfm_now() - c0;
    st->nblocks = myb;
    nfm_barrier_idle(m);       /* ranks done early sleep instead of spinning in a collective */
    free(a);
    free(cp);
    free(ua);
    free(u);
    free(mysz);
    nf_buf_reset(&text);
    st->merges = nfm_sum_u64(m, merges);
    if (!nfm_all_ok(m, rc == NF_OK)) {
        if (rc)
            fprintf(stderr, "newsfold fold: rank %d: %s\n", m->rank, nf_strerror(rc));
        free(stj);
        rc = rc ? rc : NF_EIO;
        goto done;
    }
    /* 4. rank 0 gathers every block's stories and joins them across the borders */
    uint64_t *gst = NULL;
    if (m->rank == 0)
        gst = nfm_xmalloc(m, ((uint64_t)dsp[P - 1] + (uint64_t)cnt[P - 1] + 1) * sizeof *gst);
    NFM(m, MPI_Gatherv(stj, (int)n, MPI_UINT64_T, gst, cnt, dsp, MPI_UINT64_T, 0, m->comm));
    if (m->rank != 0)
        m->sent_bytes += 8 * n;
    free(stj);
    if (m->rank == 0) {
        const uint64_t **sp = nfm_xmalloc(m, (nb + 1) * sizeof *sp);
        int *eat = nfm_xmalloc(m, (size_t)P * sizeof *eat);
        for (int r = 0; r < P; r++)
            eat[r] = dsp[r];
        for (size_t b = 0; b < nb; b++) {       /* each rank's blocks went in block order */
            sp[b] = gst + eat[owner[b]];
            eat[owner[b]] += (int)bm[b];
        }
        free(eat);
        uint64_t *fin = nfm_xmalloc(m, (total + 1) * sizeof *fin);
        nf_foldwin_stats ws = {.merges = st->merges};
        rc = nf_foldwin_join(blocks, nb, bm, (const uint64_t *const *)pos, sp, copy,
                             (size_t)total, fin, &ws);
        free(sp);
        if (!rc) {
            for (uint64_t k = 0; k < total; k++) {
                uint64_t gk = agid[k];
                all[2 * gk] = agid[fin[k]];
                all[2 * gk + 1] = acopy[k] == UINT64_MAX ? UINT64_MAX : agid[acopy[k]];
            }
            st->blocks = ws.blocks;
            st->warmup = ws.warmup;
            st->unions = ws.unions;
            st->stories = ws.stories;
        }
        free(fin);
        free(gst);
    }
    if (!nfm_all_ok(m, rc == NF_OK)) {
        if (rc)
            fprintf(stderr, "newsfold fold: --windows: %s\n", nf_strerror(rc));
        rc = rc ? rc : NF_EIO;
    }
done:
    free(lists);
    free(sizes);
    for (size_t b = 0; pos && b < nb; b++)
        free(pos[b]);
    free(pos);
    free(bm);
    free(owner);
    free(order);
    free(copy);
    free(blocks);
    free(cnt);
    return rc;
}
