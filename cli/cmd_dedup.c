/*
 * cmd_dedup.c — `newsfold dedup`: find exact and near copies among articles and print every
 * article as JSONL with copy_of, copy_cluster, similarity and copy_kind.
 *
 * Key idea: clusters are known only after all articles are in (batch union-find), so each
 * article's JSON line is spooled to a temporary file as it is read and only its sketch stays in
 * memory; after nf_dedup_finish the lines are copied to stdout in input order with the copy
 * fields appended. Input files are sorted by name first, so the output does not depend on the
 * order they were given in, nor (nf_dedup guarantees it) on --threads.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CHUNK_ARTICLES = 8192, CHUNK_BYTES = 64 << 20 };

typedef struct dedup_ctx {
    nf_dedup *d;
    bool raw;
    FILE *spool;
    int werr;
    nf_rc err;
    char **ids;             /* per article: id (or NULL) */
    uint32_t *linelen;      /* per article: spooled JSON bytes, without the closing brace */
    size_t n, cap;
    char **tx;              /* pending texts for the next batch */
    size_t *tl, ntx, txbytes;
    uint64_t text_bytes;
    nf_cleaning cl;
    nf_buf kept;
    cli_input *in;
} dedup_ctx;

static int flush_batch(dedup_ctx *c)
{
    if (!c->ntx)
        return 0;
    nf_rc rc = nf_dedup_add_batch(c->d, (const char *const *)c->tx, c->tl, c->ntx);
    for (size_t i = 0; i < c->ntx; i++)
        free(c->tx[i]);
    c->ntx = 0;
    c->txbytes = 0;
    if (rc && !c->err)
        c->err = rc;
    return rc ? -1 : 0;
}

/* The text to sketch: the article without scrape residue (unless raw), in *kept or the
 * article's own text; *n its length. cl and kept are scratch kept between articles. */
const char *cli_dedup_text(const nf_article *a, bool raw, nf_cleaning *cl, nf_buf *kept,
                           size_t *n)
{
    const char *s = a->text;
    *n = a->text_len;
    if (!raw && nf_clean(a->text, a->text_len, cl) == NF_OK) {
        kept->n = 0;
        if (nf_clean_apply(a->text, a->text_len, cl, kept) == NF_OK) {
            s = kept->p ? kept->p : "";
            *n = kept->n;
        }
    }
    return s;
}

/* A copy of the text to sketch (cli_dedup_text). */
static int take_text(dedup_ctx *c, const nf_article *a, char **out, size_t *len)
{
    size_t n;
    const char *s = cli_dedup_text(a, c->raw, &c->cl, &c->kept, &n);
    *out = malloc(n + 1);
    if (!*out)
        return -1;
    memcpy(*out, s, n);
    (*out)[n] = 0;
    *len = n;
    return 0;
}

static int on_article(nf_article *a, void *vctx)
{
    dedup_ctx *c = vctx;
    if (c->err)
        return 0;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 4096;
        char **ni = realloc(c->ids, nc * sizeof *ni);
        if (ni)
            c->ids = ni;
        uint32_t *nl = realloc(c->linelen, nc * sizeof *nl);
        if (nl)
            c->linelen = nl;
        if (!ni || !nl) {
            c->err = NF_ENOMEM;
            return 0;
        }
        c->cap = nc;
    }
    json_t *o = cli_article_json(a);
    char *js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    size_t jl = js ? strlen(js) : 0;
    if (!js || jl < 2 || jl - 1 > UINT32_MAX) {
        free(js);
        c->err = NF_ENOMEM;
        return 0;
    }
    if (fwrite(js, 1, jl - 1, c->spool) != jl - 1)      /* without the closing '}' */
        c->werr = 1;
    free(js);
    c->linelen[c->n] = (uint32_t)(jl - 1);
    c->ids[c->n] = a->id ? strdup(a->id) : NULL;
    c->n++;
    char *t;
    size_t tl;
    if (take_text(c, a, &t, &tl)) {
        c->err = NF_ENOMEM;
        return 0;
    }
    c->tx[c->ntx] = t;
    c->tl[c->ntx++] = tl;
    c->txbytes += tl;
    c->text_bytes += a->text_len;
    if (c->ntx == CHUNK_ARTICLES || c->txbytes >= CHUNK_BYTES)
        flush_batch(c);
    return 0;
}

/* The JSON value naming article i: its id as a string, else its 0-based index. */
static void put_ref(FILE *f, const dedup_ctx *c, uint64_t i)
{
    if (c->ids[i]) {
        json_t *s = json_string(c->ids[i]);
        char *e = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        fputs(e ? e : "null", f);
        free(e);
        json_decref(s);
    } else {
        fprintf(f, "%llu", (unsigned long long)i);
    }
}

static int write_output(dedup_ctx *c, bool drop)
{
    if (fflush(c->spool) || fseek(c->spool, 0, SEEK_SET))
        return -1;
    char *line = NULL;
    size_t cap = 0;
    for (uint64_t i = 0; i < c->n; i++) {
        size_t l = c->linelen[i];
        if (l + 1 > cap) {
            cap = (l + 1) * 2;
            char *nl = realloc(line, cap);
            if (!nl) {
                free(line);
                return -1;
            }
            line = nl;
        }
        if (fread(line, 1, l, c->spool) != l) {
            free(line);
            return -1;
        }
        nf_copy r;
        nf_dedup_result(c->d, i, &r);
        if (drop && r.copy_of >= 0)
            continue;
        fwrite(line, 1, l, stdout);
        fputs(",\"copy_of\":", stdout);
        if (r.copy_of >= 0)
            put_ref(stdout, c, (uint64_t)r.copy_of);
        else
            fputs("null", stdout);
        fputs(",\"copy_cluster\":", stdout);
        put_ref(stdout, c, r.cluster);
        if (r.copy_of >= 0)
            printf(",\"similarity\":%.4f", r.similarity);
        else
            fputs(",\"similarity\":null", stdout);
        printf(",\"copy_kind\":\"%s\"}\n", nf_copy_kind_name(r.kind));
        cli_progress(c->in, "writing", i + 1, 0);
    }
    free(line);
    cli_progress_end(c->in);
    return ferror(stdout) ? -1 : 0;
}

static void help(void)
{
    printf("usage: newsfold dedup [options] FILES... > out.jsonl\n"
           "\nFind copies: exact copies (same words after normalisation) and near copies (MinHash\n"
           "over word shingles, LSH, union-find), including trimmed reprints that keep at least\n"
           "half of the longer text. Prints every article as one JSON line with copy_of (the id of\n"
           "its cluster's representative, the earliest article, or null), copy_cluster (the\n"
           "representative's id, or its own), similarity (estimate against the representative,\n"
           "null for originals) and copy_kind (original, exact, near, contained). Input files are\n"
           "read in sorted order; the output does not depend on --threads. A summary goes to\n"
           "stderr. Algorithm and defaults: docs/dedup.md.\n"
           "\n  --threshold J      Jaccard threshold for a near copy (default 0.5)\n"
           "  --containment C    share of the shorter text found in the longer (default 0.8)\n"
           "  --shingle N        words per shingle (default 5, at most 16)\n"
           "  --hashes K         signature length, a multiple of 8 up to 1024 (default 128)\n"
           "  --threads N        threads for sketching and banding (default: online CPUs)\n"
           "  --link rep|any     rep (default): two clusters merge only if their representatives\n"
           "                     are copies too; any: every verified pair merges (single link)\n"
           "  --drop-copies      print only originals (representatives): corpus cleaning\n"
           "  --raw              sketch the text as read, without removing scrape residue\n%s",
           cli_input_help());
}

/* The value of option argv[*i] as a number in [lo, hi]; -1 after saying why. */
int cli_dedup_num_arg(int argc, char **argv, int *i, double lo, double hi, double *out)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "newsfold dedup: %s needs a value\n", argv[*i]);
        return -1;
    }
    char *end;
    double v = strtod(argv[*i + 1], &end);
    if (*end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "newsfold dedup: %s: expected a number in [%g, %g], got '%s'\n",
                argv[*i], lo, hi, argv[*i + 1]);
        return -1;
    }
    ++*i;
    *out = v;
    return 0;
}

/* qsort order of C strings (the input paths) */
int cli_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cmd_dedup(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    dedup_ctx c = {0};
    c.in = &in;
    nf_dedup_opts o = {0};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = ncpu > 0 ? (uint32_t)(ncpu < 64 ? ncpu : 64) : 1;
    bool drop = false;
    int status = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            cli_input_free(&in);
            return 0;
        } else if (!strcmp(a, "--drop-copies")) {
            drop = true;
        } else if (!strcmp(a, "--raw")) {
            c.raw = true;
        } else if (!strcmp(a, "--link")) {
            if (i + 1 >= argc || (strcmp(argv[i + 1], "rep") && strcmp(argv[i + 1], "any"))) {
                fprintf(stderr, "newsfold dedup: --link needs 'rep' or 'any'\n");
                goto done;
            }
            o.link = !strcmp(argv[++i], "any") ? NF_LINK_ANY : NF_LINK_REP;
        } else if (!strcmp(a, "--threshold")) {
            if (cli_dedup_num_arg(argc, argv, &i, 0.01, 1, &v))
                goto done;
            o.threshold = v;
        } else if (!strcmp(a, "--containment")) {
            if (cli_dedup_num_arg(argc, argv, &i, 0.01, 1, &v))
                goto done;
            o.containment = v;
        } else if (!strcmp(a, "--shingle")) {
            if (cli_dedup_num_arg(argc, argv, &i, 1, 16, &v))
                goto done;
            o.sketch.shingle = (uint32_t)v;
        } else if (!strcmp(a, "--hashes")) {
            if (cli_dedup_num_arg(argc, argv, &i, 8, 1024, &v))
                goto done;
            o.sketch.bins = (uint32_t)v;
        } else if (!strcmp(a, "--threads")) {
            if (cli_dedup_num_arg(argc, argv, &i, 1, 64, &v))
                goto done;
            o.threads = (uint32_t)v;
        } else {
            int r = cli_input_arg(&in, argc, argv, &i);
            if (r < 0)
                goto done;
            if (r == 0) {
                fprintf(stderr, "newsfold dedup: unknown option '%s' (see --help)\n", a);
                goto done;
            }
        }
    }
    nf_rc rc = nf_dedup_new(&c.d, &o);
    if (rc) {
        fprintf(stderr, "newsfold dedup: invalid options: %s (--hashes must be a multiple of 8)\n",
                nf_strerror(rc));
        goto done;
    }
    c.spool = tmpfile();
    c.tx = malloc(CHUNK_ARTICLES * sizeof *c.tx);
    c.tl = malloc(CHUNK_ARTICLES * sizeof *c.tl);
    if (!c.spool || !c.tx || !c.tl) {
        fprintf(stderr, "newsfold dedup: cannot create a temporary file or buffers\n");
        goto done;
    }
    nf_buf_init(&c.kept, 0);
    if (in.npaths > 1)
        qsort(in.paths, in.npaths, sizeof *in.paths, cli_cmp_str);
    double t0 = cli_now();
    rc = cli_read_all(&in, on_article, &c);
    flush_batch(&c);
    if (!c.err)
        c.err = nf_dedup_finish(c.d);
    if (c.err) {
        fprintf(stderr, "newsfold dedup: %s\n", nf_strerror(c.err));
        goto done;
    }
    if (c.werr || write_output(&c, drop)) {
        fprintf(stderr, "newsfold dedup: cannot write the output\n");
        goto done;
    }
    double dt = cli_now() - t0;
    nf_dedup_stats st;
    nf_dedup_get_stats(c.d, &st);
    if (!in.quiet)
        fprintf(stderr,
                "dedup: %llu articles, %llu exact copies, %llu near copies (%llu of them "
                "contained), %llu clusters; %.2f s, %.1f MB/s\n",
                (unsigned long long)st.articles, (unsigned long long)st.exact,
                (unsigned long long)(st.near + st.contained), (unsigned long long)st.contained,
                (unsigned long long)st.clusters, dt, dt > 0 ? c.text_bytes / 1e6 / dt : 0.0);
    status = cli_exit_status(&in, rc);
done:
    if (c.spool)
        fclose(c.spool);
    for (size_t i = 0; i < c.n; i++)
        free(c.ids[i]);
    for (size_t i = 0; i < c.ntx; i++)
        free(c.tx[i]);
    free(c.ids);
    free(c.linelen);
    free(c.tx);
    free(c.tl);
    nf_cleaning_reset(&c.cl);
    nf_buf_reset(&c.kept);
    nf_dedup_free(c.d);
    cli_input_free(&in);
    return status;
}
