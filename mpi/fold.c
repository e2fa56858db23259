/*
 * fold.c — `mpirun -np N newsfold fold FILES...`: parallel reading and per-article preparation,
 * one sequential folder on rank 0, parallel output.
 *
 * Key idea: the folder (src/story.c, src/terms.c) is an online algorithm whose idf is learned
 * from the stream in arrival order (date, then input order) and whose copy detection
 * (nf_dedup_add) is online too. A result that does not depend on N therefore needs one folder
 * that sees every article in the 1-process arrival order, with the document frequencies of
 * exactly the articles before it. So:
 *   1. every rank reads and checks its share (part.c, input.c; duplicate ids over all ranks,
 *      dupid.c) and keeps its articles;
 *   2. each rank sorts its own articles by (date, gid) and encodes for each a compact record
 *      (fold_rec.c: the dedup sketch and what the folder reads), the per-article work that needs
 *      no shared state — this runs on all ranks at once;
 *   3. rank 0 merges the records of all ranks into the global arrival order (stream.c, bounded
 *      batches) and runs the sequential part: copy lookup with the sketch, folding with the
 *      document frequencies learned so far — exactly the 1-process sequence of calls — then
 *      refinement;
 *   4. rank 0 scatters each article's story and copy_of (as gids, plus the evidence with
 *      --evidence) to the rank that holds it; each rank fetches the id strings it needs from
 *      their owners, formats its own lines as cmd_fold.c does, and the parts are written in
 *      rank order (output.c) — input order, as the plain verb writes.
 *
 * Invariants: the output is byte-identical to `newsfold fold` with the same arguments, for any
 * N (the same library calls in the same order on the same inputs); with -o it appears only
 * complete (output.c). Texts never travel for output: only records to rank 0 and results back.
 */
#include "nfm_cli.h"
#include "fold_rec.h"
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Articles rank 0 hands to nf_folder_add_many at a time (its extraction threads, --threads as
 * in the plain verb, run ahead within one call). */
enum { FOLD_WINDOW = 512 };

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

/* ---- the sequential part, on rank 0 ---- */

typedef struct root {
    nfm_fold_rx rx;            /* decodes records and folds them (fold_rec.c) */
    uint64_t *agid;            /* arrival position -> gid */
    uint64_t *acopy;           /* arrival position -> arrival position of the original */
    int64_t *atime;            /* arrival position -> date (--windows) */
    nf_fold_result *res;       /* by gid, with --evidence */
    uint64_t n, ncopies;
} root;

static nf_rc consume(int64_t key, uint64_t gid, const char *p, size_t n, void *ctx)
{
    root *r = ctx;
    int64_t copy_of = -1;
    nf_rc rc = nfm_fold_rx_add(&r->rx, key, gid, p, n, &copy_of);
    if (rc)
        return rc;
    r->agid[r->n] = gid;
    if (r->atime)
        r->atime[r->n] = key;
    r->acopy[r->n] = copy_of >= 0 ? (uint64_t)copy_of : UINT64_MAX;
    r->ncopies += copy_of >= 0;
    r->n++;
    return NF_OK;
}

/* ---- output on every rank ---- */

typedef struct idctx {
    mfold *c;
    uint64_t lo;
} idctx;

/* payload: 1 byte (1: the article has an id) then the id */
static void give_id(uint64_t gid, void *ctx, nf_buf *out)
{
    idctx *x = ctx;
    const char *id = x->c->a[gid - x->lo].id;
    char has = id != NULL;
    nf_buf_append(out, &has, 1);
    if (id)
        nf_buf_append(out, id, strlen(id));
}

/* Format this rank's lines (input order) as cmd_fold.c does. res: local evidence or NULL. */
static nf_rc format_part(nfm *m, mfold *c, const nfm_ids *ids, const uint64_t *sc,
                         const nf_fold_result *res, FILE *out, uint64_t *outn)
{
    /* ids of every story and original these lines name, fetched from their owners */
    uint64_t *want = nfm_xmalloc(m, (2 * c->n + 1) * sizeof *want);
    size_t nw = 0;
    for (size_t i = 0; i < c->n; i++) {
        want[nw++] = sc[2 * i];
        if (sc[2 * i + 1] != UINT64_MAX)
            want[nw++] = sc[2 * i + 1];
    }
    nw = nfm_uniq_u64(want, nw);
    size_t *off = NULL;
    char *data = NULL;
    idctx x = {c, ids->lo};
    nfm_fetch(m, ids, want, nw, give_id, &x, &off, &data);
    int werr = 0;
    for (size_t i = 0; i < c->n && !werr; i++) {
        json_t *a = cli_article_json(&c->a[i]);
        const char *str[2] = {NULL, NULL};
        for (int k = 0; k < 2; k++) {
            uint64_t g = sc[2 * i + (size_t)k];
            if (g == UINT64_MAX)
                continue;
            size_t j = nfm_find_u64(want, nw, g), len = off[j + 1] - off[j];
            if (len == 0 || !data[off[j]])
                continue;     /* no id: str stays NULL */
            /* entries are not NUL-terminated: copy out */
            char *s = nfm_xmalloc(m, len);
            memcpy(s, data + off[j] + 1, len - 1);
            s[len - 1] = 0;
            str[k] = s;
        }
        char buf[32];
        const char *sid = str[0];
        if (!sid) {
            snprintf(buf, sizeof buf, "s%zu", (size_t)sc[2 * i]);
            sid = buf;
        }
        json_object_set_new(a, "story", json_string(sid));
        json_object_set_new(a, "copy_of", sc[2 * i + 1] == UINT64_MAX ? json_null() :
                            json_string(str[1] ? str[1] : ""));
        if (res)
            json_object_set_new(a, "evidence", cli_fold_evidence_json(&res[i]));
        werr |= cli_write_jsonl(out, a);
        json_decref(a);
        free((char *)str[0]);
        free((char *)str[1]);
    }
    free(off);
    free(data);
    free(want);
    werr |= fflush(out) != 0;
    off_t end = ftello(out);
    if (werr || end < 0)
        return NF_EIO;
    *outn = (uint64_t)end;
    return NF_OK;
}

typedef struct phase {
    const char *name;
    double t, cpu;
} phase;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void help(void)
{
    printf("usage: mpirun -np N newsfold fold [options] FILES... [-o stories.jsonl]\n"
           "\nThe MPI build of `newsfold fold`: every rank reads its share of the input and\n"
           "prepares each of its articles (copy sketch, features); rank 0 merges them into the\n"
           "1-process arrival order and folds them with the library's sequential folder, so the\n"
           "output is identical to the 1-process run for any N; each rank writes its own lines.\n"
           "docs/mpi.md.\n"
           "\n  --evidence         add the join evidence to each line\n"
           "  --no-dedup         do not look for copies first\n"
           "  --windows DAYS     the windowed fold of `newsfold fold --windows DAYS`: blocks\n"
           "                     of DAYS days folded on the ranks, borders joined; identical\n"
           "                     to that 1-process run for any N (docs/mpi.md)\n%s%s%s",
           cli_fold_help(), nfm_opts_help(), cli_input_help());
}

typedef struct keyed {
    int64_t t;
    size_t i;
} keyed;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

typedef struct enc_ctx {
    nfm *m;
    nfm_fold_tx *tx;
} enc_ctx;

static nf_rc encode(size_t i, void *ctx, nf_buf *out)
{
    enc_ctx *e = ctx;
    if (e->tx->recs == 64)
        nfm_fault(e->m, "stream");       /* test hook: die in the middle of the stream */
    return nfm_fold_tx_encode(e->tx, &e->tx->arts[i], out);
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
    int refine = 1, want_ev = 0, no_dedup = 0, windows = 0, status = EXIT_USAGE;
    double block_days = 0;      /* --windows DAYS */
    mfold c = {.m = m};
    FILE *part = NULL;
    uint64_t partn = 0;
    nfm_ids ids = {0};
    root R = {0};
    nfm_fold_tx tx = {0};
    uint64_t *sc = NULL;
    nf_fold_result *lres = NULL;
    size_t *order = NULL;
    int64_t *key = NULL;
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
        int w = cli_windows_arg(argc, argv, &i, &block_days, m->rank != 0);
        if (w < 0)
            goto done;
        if (w) {
            windows = 1;
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
    if (windows && want_ev) {
        if (m->rank == 0)
            fprintf(stderr, "newsfold fold: --windows gives neither --evidence nor --db\n");
        goto done;
    }
    static const char *stdin_path[] = {"-"};
    const char *const *paths = in.npaths ? in.paths : stdin_path;
    size_t npaths = in.npaths ? in.npaths : 1;
    phase ph[8];
    int nph = 0;
    double t0 = nfm_now(), t = t0, t1, c0 = cpu_now(), c1;
#define PHASE(nm) (t1 = nfm_now(), c1 = cpu_now(), ph[nph++] = (phase){nm, t1 - t, c1 - c0}, \
                   t = t1, c0 = c1)
    if (nfm_output_begin(m, mo.out))
        goto done;
    nfm_read rs;
    nf_rc rrc = nfm_read_share(m, paths, npaths, mo.split_min, &in, keep_article, &c, &rs);
    nfm_fault(m, "read");
    char **idv = nfm_xmalloc(m, (c.n + 1) * sizeof *idv);
    for (size_t i = 0; i < c.n; i++)
        idv[i] = c.a[i].id;
    uint8_t *keep = nfm_xmalloc(m, c.n + 1);
    size_t ndup = nfm_dup_ids(m, idv, c.n, give_where, &c, in.max_errors, &rs.shown, keep);
    free(idv);
    if (ndup) {
        size_t w = 0;
        for (size_t i = 0; i < c.n; i++) {
            if (keep[i]) {
                c.a[w] = c.a[i];
                c.src[w++] = c.src[i];
            } else {
                nf_article_reset(&c.a[i]);
            }
        }
        c.n = w;
    }
    free(keep);
    rs.accepted -= ndup;
    rs.rejected += ndup;
    nfm_read_summary(m, &in, &rs);
    nfm_ids_make(m, c.n, &ids);
    PHASE("read");
    nfm_fault(m, "exchange");
    /* local arrival order: (date, input order) */
    keyed *kv = nfm_xmalloc(m, (c.n + 1) * sizeof *kv);
    for (size_t i = 0; i < c.n; i++)
        kv[i] = (keyed){c.a[i].time, i};
    if (c.n)
        qsort(kv, c.n, sizeof *kv, cmp_keyed);
    order = nfm_xmalloc(m, (c.n + 1) * sizeof *order);
    key = nfm_xmalloc(m, (c.n + 1) * sizeof *key);
    for (size_t i = 0; i < c.n; i++) {
        order[i] = kv[i].i;
        key[i] = c.a[i].time;
    }
    free(kv);
    nf_rc frc = nfm_fold_tx_init(&tx, &o, !no_dedup);
    tx.arts = c.a;
    tx.no_text = windows;
    if (m->rank == 0) {
        R.agid = nfm_xmalloc(m, (ids.total + 1) * sizeof *R.agid);
        R.acopy = nfm_xmalloc(m, (ids.total + 1) * sizeof *R.acopy);
        if (windows)
            R.atime = nfm_xmalloc(m, (ids.total + 1) * sizeof *R.atime);
        if (want_ev)
            R.res = calloc(ids.total + 1, sizeof *R.res);
        if (!frc && want_ev && !R.res)
            frc = NF_ENOMEM;
        if (!frc)
            frc = nfm_fold_rx_init(&R.rx, &o, !no_dedup, FOLD_WINDOW, R.res);
        R.rx.no_fold = windows;
    }
    if (!nfm_all_ok(m, frc == NF_OK)) {
        if (frc)
            fprintf(stderr, "newsfold fold: rank %d: %s\n", m->rank, nf_strerror(frc));
        goto done;
    }
    double tf0 = nfm_now();
    nfm_stream_stats sst;
    enc_ctx ec = {m, &tx};
    frc = nfm_stream_ordered(m, &ids, order, key, encode, &ec, consume, &R, &sst);
    PHASE("stream");
    uint64_t merges = 0;
    if (m->rank == 0 && !frc && !windows)
        frc = nfm_fold_rx_flush(&R.rx);
    if (m->rank == 0 && !frc && refine && !windows)
        frc = nf_folder_refine(R.rx.f, &merges);
    double fsecs = nfm_now() - tf0;
    /* everyone waits for rank 0's folder without spinning */
    nfm_barrier_idle(m);
    PHASE(windows ? "copies" : "refine");
    nfm_fault(m, "results");
    if (!nfm_all_ok(m, frc == NF_OK)) {
        if (m->rank == 0)
            fprintf(stderr, "newsfold fold: %s\n", nf_strerror(frc));
        goto done;
    }
    /* (story gid, copy_of gid) of every article, by gid, scattered to the owners */
    uint64_t *all = NULL;
    if (m->rank == 0)
        all = nfm_xmalloc(m, (2 * ids.total + 1) * sizeof *all);
    nfm_win_stats ws = {0};
    if (windows) {
        double tw0 = nfm_now();
        if (nfm_fold_windows(m, &ids, c.a, &o, refine, block_days, R.agid, R.acopy, R.atime, all,
                             &ws)) {
            free(all);
            goto done;
        }
        merges = ws.merges;
        fsecs += nfm_now() - tw0;
        PHASE("windows");
    } else if (m->rank == 0) {
        for (uint64_t k = 0; k < R.n; k++) {
            uint64_t g = R.agid[k];
            all[2 * g] = R.agid[nf_folder_story(R.rx.f, k)];
            all[2 * g + 1] = R.acopy[k] == UINT64_MAX ? UINT64_MAX : R.agid[R.acopy[k]];
        }
    }
    int P = m->size;
    int *cnt = nfm_xmalloc(m, 2 * (size_t)P * sizeof *cnt), *dsp = cnt + P;
    for (int r = 0; r < P; r++) {
        if (ids.base[r + 1] - ids.base[r] > INT32_MAX || ids.base[r] > INT32_MAX)
            nfm_die(m, "too many articles for one scatter (%llu)",
                    (unsigned long long)ids.total);
        cnt[r] = (int)(ids.base[r + 1] - ids.base[r]);
        dsp[r] = (int)ids.base[r];
    }
    sc = nfm_xmalloc(m, (2 * c.n + 1) * sizeof *sc);
    MPI_Datatype t2;
    NFM(m, MPI_Type_contiguous(2, MPI_UINT64_T, &t2));
    NFM(m, MPI_Type_commit(&t2));
    NFM(m, MPI_Scatterv(all, cnt, dsp, t2, sc, (int)c.n, t2, 0, m->comm));
    NFM(m, MPI_Type_free(&t2));
    if (m->rank == 0)
        m->sent_bytes += 16 * (ids.total - c.n);
    free(all);
    if (want_ev) {
        lres = nfm_xmalloc(m, (c.n + 1) * sizeof *lres);
        MPI_Datatype tr;
        NFM(m, MPI_Type_contiguous((int)sizeof *lres, MPI_BYTE, &tr));
        NFM(m, MPI_Type_commit(&tr));
        NFM(m, MPI_Scatterv(R.res, cnt, dsp, tr, lres, (int)c.n, tr, 0, m->comm));
        NFM(m, MPI_Type_free(&tr));
        if (m->rank == 0)
            m->sent_bytes += sizeof *lres * (ids.total - c.n);
    }
    free(cnt);
    uint64_t back = m->rank == 0 ? m->sent_bytes : 0;
    nf_rc orc = (part = tmpfile()) ? format_part(m, &c, &ids, sc, lres, part, &partn) : NF_EIO;
    PHASE("format");
    if (!nfm_all_ok(m, orc == NF_OK)) {
        if (orc)
            fprintf(stderr, "newsfold fold: rank %d: cannot write a temporary file in %s\n",
                    m->rank, P_tmpdir);
        goto done;
    }
    if (m->rank == 0 && !in.quiet)
        fprintf(stderr, "fold: %zu articles, %zu copies, %llu stories (%llu merged by "
                "refinement), %.3f s, %.0f articles/s\n", (size_t)ids.total,
                (size_t)R.ncopies,
                (unsigned long long)(windows ? ws.stories : nf_folder_stories(R.rx.f)),
                (unsigned long long)merges, fsecs, fsecs > 0 ? (double)ids.total / fsecs : 0.0);
    if (m->rank == 0 && !in.quiet && windows)
        fprintf(stderr, "fold --windows %g: %llu blocks, %llu warm-up articles folded, %llu "
                "stories joined across borders\n", block_days, (unsigned long long)ws.blocks,
                (unsigned long long)ws.warmup, (unsigned long long)ws.unions);
    if (nfm_output_write(m, mo.out, part, partn))
        goto done;
    PHASE("output");
    if (mo.stats) {
        for (int i = 0; i < nph; i++) {
            double lo = nfm_min_dbl(m, ph[i].t), hi = nfm_max_dbl(m, ph[i].t);
            double clo = nfm_min_dbl(m, ph[i].cpu), chi = nfm_max_dbl(m, ph[i].cpu);
            if (m->rank == 0)
                fprintf(stderr, "mpi: phase %-8s wall %.3f..%.3f s, cpu %.3f..%.3f s (min..max "
                        "over ranks; rank 0 %.3f s wall, %.3f s cpu)\n", ph[i].name, lo, hi,
                        clo, chi, ph[i].t, ph[i].cpu);
        }
        uint64_t recb = nfm_sum_u64(m, m->rank == 0 ? 0 : sst.bytes);
        uint64_t allrec = nfm_sum_u64(m, tx.bytes + 24 * tx.recs);   /* with record heads */
        double wmax = nfm_max_dbl(m, m->rank == 0 ? 0 : sst.wait);
        double tot = nfm_max_dbl(m, nfm_now() - t0);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        uint64_t rss = (uint64_t)ru.ru_maxrss, rss_other = nfm_max_u64(m, m->rank ? rss : 0);
        if (m->rank == 0)
            fprintf(stderr, "mpi: peak memory (max RSS) rank 0 %.1f MB, other ranks up to %.1f "
                    "MB\n", rss / 1024.0, rss_other / 1024.0);
        uint64_t bytes = nfm_sum_u64(m, m->sent_bytes);
        if (m->rank == 0)
            fprintf(stderr, "mpi: %d ranks; records %.1f bytes per article (%llu in all, %llu "
                    "sent by other ranks); rank 0 sent %llu bytes; exchanged %llu bytes "
                    "(%.1f per article); rank 0 waited %.3f s for records, senders up to %.3f "
                    "s for rank 0; total %.3f s\n", m->size,
                    ids.total ? (double)allrec / ids.total : 0.0, (unsigned long long)allrec,
                    (unsigned long long)recb, (unsigned long long)back,
                    (unsigned long long)bytes, ids.total ? (double)bytes / ids.total : 0.0,
                    sst.wait, wmax, tot);
    }
    if (mo.stats && windows) {
        double flo = nfm_min_dbl(m, ws.fold_secs), fhi = nfm_max_dbl(m, ws.fold_secs);
        uint64_t blo = (uint64_t)nfm_min_dbl(m, (double)ws.nblocks);
        uint64_t bhi = (uint64_t)nfm_max_dbl(m, (double)ws.nblocks);
        if (m->rank == 0)
            fprintf(stderr, "mpi: windows: %llu blocks (%llu..%llu per rank), %llu warm-up "
                    "articles folded, %llu stories joined across borders, %llu refinement "
                    "merges; folding %.3f..%.3f s over ranks\n", (unsigned long long)ws.blocks,
                    (unsigned long long)blo, (unsigned long long)bhi,
                    (unsigned long long)ws.warmup, (unsigned long long)ws.unions,
                    (unsigned long long)ws.merges, flo, fhi);
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
    free(order);
    free(key);
    free(sc);
    free(lres);
    free(R.agid);
    free(R.acopy);
    free(R.atime);
    free(R.res);
    nfm_fold_rx_free(&R.rx);
    nfm_fold_tx_free(&tx);
    nfm_ids_free(&ids);
    cli_input_free(&in);
    return status;
}
