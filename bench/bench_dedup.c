/*
 * bench_dedup.c — copy detection benchmarks: signature speed, the syndication benchmark
 * (precision/recall per edit kind and per true Jaccard bucket), the near duplicates inside NP4E,
 * and a generator + runner for large corpora. A program that prints figures, never a test.
 *
 *   bench_dedup                     speed + synd + np4e (what `make bench` runs)
 *   bench_dedup speed|synd|np4e     one part
 *   bench_dedup gen N OUT.jsonl     write N generated articles (about 1 in 5 a labelled copy)
 *   bench_dedup scale FILE.jsonl [threads]   read + sketch + cluster in memory, with timings
 *
 * Data comes from $SHARED/data (../shared by default). Everything is seeded: the same run prints
 * the same quality figures.
 */
#include "nf_int.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <pthread.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: stable when other jobs share the cores */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *shared(void)
{
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

/* ---- a tiny deterministic RNG ---- */
static uint64_t rng_state = 42;
static uint64_t rnd(void) { return nf_splitmix64(rng_state++); }
static size_t rndn(size_t n) { return n ? (size_t)(rnd() % n) : 0; }
static double rndf(void) { return (rnd() >> 11) * (1.0 / 9007199254740992.0); }

/* ---- articles ---- */
typedef struct doc {
    char *text;
    size_t len;
    char *story;    /* gold story label (originals) */
    char *id;
    int origin;     /* index of the original it copies, or its own index */
    int kind;       /* edit kind, -1 for originals */
} doc;

typedef struct docs {
    doc *d;
    size_t n, cap;
} docs;

static void push(docs *v, doc x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->d = realloc(v->d, v->cap * sizeof *v->d);
    }
    v->d[v->n++] = x;
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void load_jsonl(docs *v, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        json_error_t e;
        json_t *o = json_loadb(line, (size_t)len, 0, &e);
        if (!o)
            continue;
        json_t *t = json_object_get(o, "text"), *s = json_object_get(o, "story"),
               *id = json_object_get(o, "id");
        if (json_is_string(t)) {
            doc x = {0};
            x.text = dupn(json_string_value(t), json_string_length(t));
            x.len = json_string_length(t);
            x.story = json_is_string(s) ? strdup(json_string_value(s))
                      : json_is_integer(s) ? (char *)NULL : NULL;
            if (json_is_integer(s)) {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)json_integer_value(s));
                x.story = strdup(b);
            }
            x.id = json_is_string(id) ? strdup(json_string_value(id)) : NULL;
            x.kind = -1;
            push(v, x);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
}

static void load_file(docs *v, const char *path, const char *story)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = 0;
    doc x = {.text = buf, .len = n, .story = strdup(story), .id = strdup(path), .kind = -1};
    push(v, x);
}

static void load_originals(docs *v)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/data/ecbplus-dev.jsonl", shared());
    load_jsonl(v, p);
    snprintf(p, sizeof p, "%s/data/newswcl50.jsonl", shared());
    size_t before = v->n;
    load_jsonl(v, p);
    for (size_t i = before; i < v->n; i++) {   /* keep story labels apart between sets */
        char b[256];
        snprintf(b, sizeof b, "wcl:%s", v->d[i].story ? v->d[i].story : "");
        free(v->d[i].story);
        v->d[i].story = strdup(b);
    }
    snprintf(p, sizeof p, "%s/seeds/000_9352d1c620ab8b06.txt", shared());
    load_file(v, p, "seed");
    snprintf(p, sizeof p, "%s/seeds/003_38795c60894fa36b.txt", shared());
    load_file(v, p, "seed");
}

/* ---- edits that syndication applies ---- */
enum {
    E_HEADLINE, E_BOILER_ADD, E_BOILER_RM, E_TRIM10, E_TRIM20, E_TRIM30, E_TRIM40, E_TRIM50,
    E_SENT_INS, E_SENT_DROP, E_TYPO, E_PUNCT, E_QUOTES, E_NKINDS
};
static const char *kind_name[E_NKINDS] = {
    "headline", "boiler_add", "boiler_rm", "trim10", "trim20", "trim30", "trim40", "trim50",
    "sent_ins", "sent_drop", "typo1pct", "punct", "quotes"};

typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_puts(sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static const char *boiler[] = {
    "Read more: The latest on this story at our live blog",
    "Sign up for our morning newsletter and get the news you need to start your day.",
    "Photo: Reuters/Staff photographer",
    "By Jane Holloway, Staff Writer",
    "Click here to read the original article on the wire.",
    "Follow us on Twitter and Facebook for updates.",
    "(Reporting by Tom Miles; Editing by Alison Williams)",
    "Read the original article on Business Insider",
    "Advertisement",
};

/* sentence boundaries: after . ! ? followed by a space or newline */
static size_t sentences(const char *s, size_t n, size_t *starts, size_t max)
{
    size_t k = 0;
    starts[k++] = 0;
    for (size_t i = 1; i + 1 < n && k < max; i++)
        if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && (s[i + 1] == ' ' || s[i + 1] == '\n'))
            starts[k++] = i + 1;
    return k;
}

static char *edit(const doc *o, int kind, const docs *pool, size_t *outlen)
{
    sb b = {0};
    const char *s = o->text;
    size_t n = o->len;
    static size_t st[4096];
    switch (kind) {
    case E_HEADLINE: {
        const doc *x = &pool->d[rndn(pool->n)];
        sb_puts(&b, "UPDATE 2-");
        sb_add(&b, x->text, NF_MIN(x->len, 60));
        sb_puts(&b, "\n\n");
        sb_add(&b, s, n);
        break;
    }
    case E_BOILER_ADD:
        sb_puts(&b, boiler[rndn(NF_ARRAY_LEN(boiler))]);
        sb_puts(&b, "\n");
        sb_add(&b, s, n);
        sb_puts(&b, "\n");
        sb_puts(&b, boiler[rndn(NF_ARRAY_LEN(boiler))]);
        sb_puts(&b, "\n");
        sb_puts(&b, boiler[rndn(NF_ARRAY_LEN(boiler))]);
        sb_puts(&b, "\n");
        break;
    case E_BOILER_RM: {
        /* drop short lines (datelines, bylines, captions): under 60 bytes */
        size_t i = 0;
        while (i < n) {
            const char *e = memchr(s + i, '\n', n - i);
            size_t l = e ? (size_t)(e - (s + i)) + 1 : n - i;
            if (l >= 60)
                sb_add(&b, s + i, l);
            i += l;
        }
        break;
    }
    case E_TRIM10: case E_TRIM20: case E_TRIM30: case E_TRIM40: case E_TRIM50: {
        double keep = 1.0 - 0.1 * (kind - E_TRIM10 + 1);
        size_t cut = (size_t)(n * keep);
        while (cut < n && s[cut] != ' ' && s[cut] != '\n')
            cut++;
        sb_add(&b, s, cut);
        break;
    }
    case E_SENT_INS: case E_SENT_DROP: {
        size_t k = sentences(s, n, st, 4096);
        size_t at = k > 2 ? 1 + rndn(k - 2) : 0;
        size_t a = st[at], e = at + 1 < k ? st[at + 1] : n;
        if (kind == E_SENT_INS) {
            const doc *x = &pool->d[rndn(pool->n)];
            size_t xk = sentences(x->text, x->len, st, 4096);
            size_t xa = st[xk / 2], xe = xk / 2 + 1 < xk ? st[xk / 2 + 1] : x->len;
            sb_add(&b, s, a);
            sb_add(&b, x->text + xa, xe - xa);
            sb_add(&b, s + a, n - a);
        } else {
            sb_add(&b, s, a);
            sb_add(&b, s + e, n - e);
        }
        break;
    }
    case E_TYPO:
        sb_add(&b, s, n);
        for (size_t i = 0; i + 1 < b.n; i++)      /* swap two ASCII bytes (stays valid UTF-8) */
            if (rndf() < 0.01 && b.p[i] > 0 && b.p[i + 1] > 0) {
                char t = b.p[i];
                b.p[i] = b.p[i + 1];
                b.p[i + 1] = t;
                i++;
            }
        break;
    case E_PUNCT:
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if ((c == ',' || c == ';' || c == ':') && rndf() < 0.5)
                continue;                     /* dropped */
            if (c == '.' && rndf() < 0.2) {
                sb_puts(&b, " .");            /* tokenised-style spacing */
                continue;
            }
            if (c == '-' && rndf() < 0.5) {
                sb_puts(&b, "\xe2\x80\x94");  /* em dash */
                continue;
            }
            sb_add(&b, &c, 1);
        }
        break;
    case E_QUOTES: {
        int open = 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"') {
                sb_puts(&b, open ? "\xe2\x80\x9c" : "\xe2\x80\x9d");
                open = !open;
            } else if (c == '\'') {
                sb_puts(&b, "\xe2\x80\x99");
            } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                       ((unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9d)) {
                sb_puts(&b, (unsigned char)s[i + 2] >= 0x9c ? "\"" : "'");
                i += 2;
            } else {
                sb_add(&b, s + i, 1);
            }
        }
        break;
    }
    }
    if (!b.p)
        sb_add(&b, "", 0);
    *outlen = b.n;
    return b.p;
}

/* ---- exact Jaccard / containment from shingle sets ---- */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct shset {
    uint64_t *h;
    size_t n;
} shset;

static shset shingle_set(nf_sketcher *sk, const char *s, size_t n)
{
    shset r = {0};
    size_t cap = 0;
    nf_sketch_shingles(sk, s, n, &r.h, &r.n, &cap);
    if (r.n)
        qsort(r.h, r.n, sizeof *r.h, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < r.n; i++)
        if (!m || r.h[m - 1] != r.h[i])
            r.h[m++] = r.h[i];
    r.n = m;
    return r;
}

static void true_sim(const shset *a, const shset *b, double *jac, double *cont)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < a->n && j < b->n) {
        if (a->h[i] < b->h[j])
            i++;
        else if (a->h[i] > b->h[j])
            j++;
        else {
            inter++;
            i++;
            j++;
        }
    }
    size_t uni = a->n + b->n - inter, lo = NF_MIN(a->n, b->n);
    *jac = uni ? (double)inter / uni : 0;
    *cont = lo ? (double)inter / lo : 0;
}

/* ---- speed ---- */
static void bench_speed(void)
{
    docs v = {0};
    load_originals(&v);
    size_t total = 0;
    for (size_t i = 0; i < v.n; i++)
        total += v.d[i].len;
    int reps = (int)(64e6 / (total + 1)) + 1;
    printf("speed: %zu articles, %.1f MB, x%d passes, 1 thread\n", v.n, total / 1e6, reps);
    static const char *mname[] = {"OPH+densify", "k-hash MinHash"};
    uint16_t sig[NF_SKETCH_MAX_BINS];
    uint32_t mlast = getenv("BENCH_OPH_ONLY") ? 0 : 1;
    for (uint32_t method = 0; method <= mlast; method++) {
        for (uint32_t bins = 64; bins <= 128; bins *= 2) {
            nf_sketch_opts o = {.shingle = 5, .bins = bins, .method = method};
            nf_sketcher *sk;
            nf_sketcher_new(&sk, &o);
            int r = method == NF_SKETCH_KMIN ? NF_MAX(1, reps / 8) : reps;
            double t0 = now(), c0 = cpu_now();
            uint64_t check = 0;
            nf_sketch info;
            for (int p = 0; p < r; p++)
                for (size_t i = 0; i < v.n; i++) {
                    nf_sketch_text(sk, v.d[i].text, v.d[i].len, &info, sig);
                    check += sig[0] ^ info.nshingles;
                }
            double dt = now() - t0, dc = cpu_now() - c0;
            printf("  %-15s K=%3u  %7.1f MB per CPU-second  %8.0f articles per CPU-second  "
                   "(wall: %.1f MB/s; checksum %llu)\n", mname[method], bins,
                   total * (double)r / dc / 1e6, v.n * (double)r / dc,
                   total * (double)r / dt / 1e6, (unsigned long long)check);
            nf_sketcher_free(sk);
        }
    }
}

/* ---- syndication benchmark ---- */
static void report_pairs(const char *what, uint64_t tp, uint64_t fp)
{
    printf("  %-32s predicted pairs %6llu  true %6llu  false %4llu  precision %.4f\n", what,
           (unsigned long long)(tp + fp), (unsigned long long)tp, (unsigned long long)fp,
           tp + fp ? (double)tp / (tp + fp) : 1.0);
}

static void bench_synd(int online)
{
    docs orig = {0};
    load_originals(&orig);
    rng_state = 20261123;
    size_t norig = orig.n;
    for (size_t i = 0; i < norig; i++)
        orig.d[i].origin = (int)i;
    /* 250 originals with at least 60 words get one copy of each kind */
    docs pool = {0};
    for (size_t i = 0; i < norig; i++)
        push(&pool, orig.d[i]);
    size_t want = 250, made = 0;
    size_t *picked = calloc(norig, sizeof *picked);
    for (size_t tries = 0; made < want && tries < 100000; tries++) {
        size_t i = rndn(norig);
        if (picked[i] || orig.d[i].len < 400)
            continue;
        picked[i] = 1;
        made++;
        for (int k = 0; k < E_NKINDS; k++) {
            doc c = {0};
            c.text = edit(&orig.d[i], k, &orig, &c.len);
            c.origin = (int)i;
            c.kind = k;
            c.story = orig.d[i].story;
            push(&pool, c);
        }
    }
    /* as the CLI does: remove scrape residue (nf_clean) before sketching, unless BENCH_RAW */
    size_t n = pool.n;
    int raw = getenv("BENCH_RAW") != NULL;
    if (!raw) {
        nf_cleaning cl = {0};
        nf_buf kept;
        nf_buf_init(&kept, 0);
        for (size_t i = 0; i < n; i++) {
            kept.n = 0;
            if (nf_clean(pool.d[i].text, pool.d[i].len, &cl) == NF_OK &&
                nf_clean_apply(pool.d[i].text, pool.d[i].len, &cl, &kept) == NF_OK) {
                pool.d[i].text = dupn(kept.p ? kept.p : "", kept.n);   /* the original leaks: bench */
                pool.d[i].len = kept.n;
            }
        }
        nf_cleaning_reset(&cl);
        nf_buf_reset(&kept);
    }
    nf_dedup_opts o = {0};
    o.threads = 2;
    if (getenv("BENCH_THRESHOLD"))
        o.threshold = atof(getenv("BENCH_THRESHOLD"));
    if (getenv("BENCH_LINK_ANY"))
        o.link = NF_LINK_ANY;
    if (getenv("BENCH_BINS"))
        o.sketch.bins = (uint32_t)atoi(getenv("BENCH_BINS"));
    nf_dedup *d;
    if (nf_dedup_new(&d, &o)) {
        printf("synd: bad options\n");
        return;
    }
    double t0 = now();
    nf_copy *res = calloc(n, sizeof *res);
    if (online) {
        for (size_t i = 0; i < n; i++)
            nf_dedup_add(d, pool.d[i].text, pool.d[i].len, &res[i]);
    } else {
        const char **tx = malloc(n * sizeof *tx);
        size_t *ln = malloc(n * sizeof *ln);
        for (size_t i = 0; i < n; i++) {
            tx[i] = pool.d[i].text;
            ln[i] = pool.d[i].len;
        }
        nf_dedup_add_batch(d, tx, ln, n);
        nf_dedup_finish(d);
        for (size_t i = 0; i < n; i++)
            nf_dedup_result(d, i, &res[i]);
        free(tx);
        free(ln);
    }
    double dt = now() - t0;
    nf_dedup_get_opts(d, &o);
    nf_dedup_stats st;
    nf_dedup_get_stats(d, &st);
    printf("synd (%s%s): %zu originals (ECB+ dev, NewsWCL50, seeds), %zu copied x %d kinds, "
           "pool %zu; K=%u shingle=%u threshold=%.2f containment=%.2f bands=%u rows=%u; "
           "link %s; %.3f s, candidates %llu, verified %llu\n",
           online ? "one at a time" : "batch", raw ? ", raw text" : ", nf_clean first", norig, made, E_NKINDS, n, o.sketch.bins,
           o.sketch.shingle, o.threshold, o.containment, o.bands, o.rows,
           o.link == NF_LINK_ANY ? "any" : "rep", dt,
           (unsigned long long)st.candidates, (unsigned long long)st.verified);

    /* true shingle sets */
    nf_sketcher *sk;
    nf_sketcher_new(&sk, &o.sketch);
    shset *ss = calloc(n, sizeof *ss);
    for (size_t i = 0; i < n; i++)
        ss[i] = shingle_set(sk, pool.d[i].text, pool.d[i].len);

    /* Ground truth among originals: some ECB+ articles are rewrites of one wire story (true J up
     * to 0.98). Originals overlapping as copies on their exact shingle sets (J >= 0.5, or the
     * shorter keeps >= half of the longer and containment >= 0.8) form one true class. */
    int *cls = malloc(n * sizeof *cls);
    for (size_t i = 0; i < norig; i++)
        cls[i] = (int)i;
    uint64_t real_pairs = 0;
    for (size_t a = 0; a < norig; a++)
        for (size_t b = a + 1; b < norig; b++) {
            double j, c;
            true_sim(&ss[a], &ss[b], &j, &c);
            double lo = NF_MIN(ss[a].n, ss[b].n), hi = NF_MAX(ss[a].n, ss[b].n);
            if (j >= 0.5 || (lo >= 0.5 * hi && c >= 0.8)) {
                real_pairs++;
                int x = cls[a], y = cls[b];
                while (cls[x] != x) x = cls[x];
                while (cls[y] != y) y = cls[y];
                if (x != y)
                    cls[NF_MAX(x, y)] = NF_MIN(x, y);
            }
        }
    for (size_t i = 0; i < norig; i++) {
        int x = cls[i];
        while (cls[x] != x) x = cls[x];
        cls[i] = x;
    }
    for (size_t i = norig; i < n; i++)
        cls[i] = cls[pool.d[i].origin];
    printf("  originals that really overlap as copies (exact shingle sets): %llu pairs\n",
           (unsigned long long)real_pairs);
    /* The exact version of the rule over the whole pool: union-find over every pair whose exact
     * shingle sets pass it. Against these classes, errors are the sketch's and LSH's own. */
    int *xcls = malloc(n * sizeof *xcls);
    for (size_t i = 0; i < n; i++)
        xcls[i] = (int)i;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            double lo = NF_MIN(ss[a].n, ss[b].n), hi = NF_MAX(ss[a].n, ss[b].n);
            if (!lo || lo < 0.5 * hi)
                continue;           /* neither J >= 0.5 nor rule (c) possible */
            double j, c;
            true_sim(&ss[a], &ss[b], &j, &c);
            if (j >= 0.5 || c >= 0.8) {
                int x = xcls[a], y = xcls[b];
                while (xcls[x] != x) x = xcls[x];
                while (xcls[y] != y) y = xcls[y];
                if (x != y)
                    xcls[NF_MAX(x, y)] = NF_MIN(x, y);
            }
        }
    for (size_t i = 0; i < n; i++) {
        int x = xcls[i];
        while (xcls[x] != x) x = xcls[x];
        xcls[i] = x;
    }

    /* recall per kind and per true Jaccard bucket: copy c found iff same cluster as origin */
    uint64_t kfound[E_NKINDS] = {0}, ktot[E_NKINDS] = {0};
    uint64_t bfound[10] = {0}, btot[10] = {0};
    uint64_t trim_found = 0, trim_tot = 0;
    for (size_t i = norig; i < n; i++) {
        const doc *c = &pool.d[i];
        double j, cont;
        true_sim(&ss[i], &ss[c->origin], &j, &cont);
        int found = res[i].cluster == res[c->origin].cluster;
        if (!found && getenv("BENCH_VERBOSE")) {
            uint16_t sa[NF_SKETCH_MAX_BINS], sg[NF_SKETCH_MAX_BINS];
            nf_sketch ia, ib;
            nf_sketch_text(sk, c->text, c->len, &ia, sa);
            nf_sketch_text(sk, pool.d[c->origin].text, pool.d[c->origin].len, &ib, sg);
            int shared = 0;
            for (uint32_t b = 0; b < o.bands; b++)
                shared += nf_lsh_band_key(sa, b, o.rows) == nf_lsh_band_key(sg, b, o.rows);
            printf("    missed %s copy %zu of %d: true J %.3f est J %.3f shingles %u/%u, %d shared "
                   "bands, clusters %llu/%llu\n", kind_name[c->kind], i, c->origin, j,
                   nf_sketch_jaccard(sa, sg, o.sketch.bins), ia.nshingles, ib.nshingles, shared,
                   (unsigned long long)res[i].cluster, (unsigned long long)res[c->origin].cluster);
        }
        ktot[c->kind]++;
        kfound[c->kind] += found;
        int bk = NF_MIN(9, (int)(j * 10));
        btot[bk]++;
        bfound[bk] += found;
        if (c->kind >= E_TRIM10 && c->kind <= E_TRIM50) {
            double kept = ss[c->origin].n ? (double)ss[i].n / ss[c->origin].n : 0;
            if (kept >= 0.5) {
                trim_tot++;
                trim_found += found;
            }
        }
    }
    printf("  recall per edit kind:\n");
    for (int k = 0; k < E_NKINDS; k++)
        printf("    %-11s %4llu/%4llu = %.4f\n", kind_name[k], (unsigned long long)kfound[k],
               (unsigned long long)ktot[k], ktot[k] ? (double)kfound[k] / ktot[k] : 0);
    printf("  recall per true 5-gram Jaccard bucket (copy vs its original):\n");
    uint64_t hf = 0, ht = 0;
    for (int b = 0; b < 10; b++) {
        if (btot[b])
            printf("    [%.1f,%.1f%c %4llu/%4llu = %.4f\n", b / 10.0, (b + 1) / 10.0,
                   b == 9 ? ']' : ')', (unsigned long long)bfound[b],
                   (unsigned long long)btot[b], (double)bfound[b] / btot[b]);
        if (b >= 8) {
            hf += bfound[b];
            ht += btot[b];
        }
    }
    printf("  recall, true Jaccard >= 0.8: %llu/%llu = %.4f (target >= 0.99)\n",
           (unsigned long long)hf, (unsigned long long)ht, ht ? (double)hf / ht : 0);
    printf("  recall, trimmed keeping >= 50%% of shingles: %llu/%llu = %.4f (target >= 0.95)\n",
           (unsigned long long)trim_found, (unsigned long long)trim_tot,
           trim_tot ? (double)trim_found / trim_tot : 0);

    /* precision over all predicted pairs (same cluster) */
    uint64_t tp = 0, fp = 0, fp_story = 0, fp_seed = 0, orig_orig = 0, oo_high = 0;
    uint64_t ctp = 0, cfp = 0, cfn = 0, xtp = 0, xfp = 0, xfn = 0;
    uint64_t pb_tp[10] = {0}, pb_fp[10] = {0};
    /* group members by cluster */
    size_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 0; i < n; i++)      /* counting sort by cluster */
        ;
    uint64_t *cnt = calloc(n + 1, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[res[i].cluster + 1]++;
    for (size_t i = 0; i < n; i++)
        cnt[i + 1] += cnt[i];
    for (size_t i = 0; i < n; i++)
        order[cnt[res[i].cluster]++] = i;
    for (size_t s = 0, e; s < n; s = e) {
        for (e = s + 1; e < n && res[order[e]].cluster == res[order[s]].cluster; e++)
            ;
        for (size_t x = s; x < e; x++)
            for (size_t y = x + 1; y < e; y++) {
                const doc *a = &pool.d[order[x]], *b = &pool.d[order[y]];
                double j, cont;
                true_sim(&ss[order[x]], &ss[order[y]], &j, &cont);
                int bk = NF_MIN(9, (int)(j * 10));
                if (cls[order[x]] == cls[order[y]])
                    ctp++;
                else
                    cfp++;
                if (xcls[order[x]] == xcls[order[y]])
                    xtp++;
                else
                    xfp++;
                if (a->origin == b->origin) {
                    tp++;
                    pb_tp[bk]++;
                    continue;
                }
                fp++;
                pb_fp[bk]++;
                if (a->story && b->story && !strcmp(a->story, b->story))
                    fp_story++;
                if (a->story && !strcmp(a->story, "seed") && b->story && !strcmp(b->story, "seed"))
                    fp_seed++;
                if (a->kind < 0 && b->kind < 0) {
                    orig_orig++;
                    if (j >= 0.5 || cont >= 0.8)
                        oo_high++;
                    if (getenv("BENCH_VERBOSE"))
                        printf("    originals joined: %s ~ %s  true J %.3f containment %.3f\n",
                               a->id ? a->id : "?", b->id ? b->id : "?", j, cont);
                }
            }
    }
    report_pairs("strict (label: same origin)", tp, fp);
    printf("  false pairs: same story %llu, the two seeds %llu, original-original %llu (of which "
           "really overlapping, true J >= 0.5 or containment >= 0.8: %llu)\n",
           (unsigned long long)fp_story, (unsigned long long)fp_seed,
           (unsigned long long)orig_orig, (unsigned long long)oo_high);
    /* pairs of one true class never predicted together */
    {
        uint64_t *pc = calloc(n, sizeof *pc);
        for (size_t i = 0; i < n; i++)
            pc[cls[i]]++;
        uint64_t class_pairs = 0;
        for (size_t i = 0; i < n; i++)
            class_pairs += pc[i] * (pc[i] - (pc[i] > 0)) / 2;
        cfn = class_pairs - ctp;
        free(pc);
    }
    {
        uint64_t *pc = calloc(n, sizeof *pc);
        for (size_t i = 0; i < n; i++)
            pc[xcls[i]]++;
        uint64_t class_pairs = 0;
        for (size_t i = 0; i < n; i++)
            class_pairs += pc[i] * (pc[i] - (pc[i] > 0)) / 2;
        xfn = class_pairs - xtp;
        free(pc);
    }
    report_pairs("labels + real overlaps of originals", ctp, cfp);
    printf("  pair recall (labels + real overlaps): %llu/%llu = %.4f\n", (unsigned long long)ctp,
           (unsigned long long)(ctp + cfn), ctp + cfn ? (double)ctp / (ctp + cfn) : 0);
    report_pairs("exact rule on exact shingle sets", xtp, xfp);
    printf("  pair recall (exact rule): %llu/%llu = %.4f\n", (unsigned long long)xtp,
           (unsigned long long)(xtp + xfn), xtp + xfn ? (double)xtp / (xtp + xfn) : 0);
    /* per article: a predicted copy is right when its representative is in its class */
    uint64_t pc_all = 0, pc_lab = 0, pc_x = 0, pc_strict = 0;
    for (size_t i = 0; i < n; i++) {
        if (res[i].copy_of < 0)
            continue;
        size_t r = (size_t)res[i].copy_of;
        pc_all++;
        pc_strict += pool.d[i].origin == pool.d[r].origin;
        pc_lab += cls[i] == cls[r];
        pc_x += xcls[i] == xcls[r];
    }
    printf("  per article: %llu predicted copies; representative right by strict labels %.4f, "
           "labels + real overlaps %.4f, exact rule %.4f\n", (unsigned long long)pc_all,
           pc_all ? (double)pc_strict / pc_all : 1, pc_all ? (double)pc_lab / pc_all : 1,
           pc_all ? (double)pc_x / pc_all : 1);
    free(xcls);
    printf("  predicted pairs per true Jaccard bucket (true/false):");
    for (int b = 0; b < 10; b++)
        printf(" %.1f:%llu/%llu", b / 10.0, (unsigned long long)pb_tp[b],
               (unsigned long long)pb_fp[b]);
    printf("\n");
    /* the seeds: never a copy */
    size_t s0 = norig - 2, s1 = norig - 1;
    double j, cont;
    true_sim(&ss[s0], &ss[s1], &j, &cont);
    printf("  seeds: true J %.3f containment %.3f, same cluster: %s\n", j, cont,
           res[s0].cluster == res[s1].cluster ? "YES (wrong)" : "no");
    /* same-story pairs of originals: distribution of true J, to see the margin */
    double maxj = 0;
    uint64_t ss_pairs = 0;
    for (size_t a = 0; a < norig; a++)
        for (size_t b = a + 1; b < norig; b++)
            if (orig.d[a].story && orig.d[b].story && !strcmp(orig.d[a].story, orig.d[b].story)) {
                true_sim(&ss[a], &ss[b], &j, &cont);
                ss_pairs++;
                if (j > maxj && j < 0.5)
                    maxj = j;
            }
    printf("  same-story original pairs: %llu, largest true J below 0.5: %.3f\n",
           (unsigned long long)ss_pairs, maxj);
    nf_sketcher_free(sk);
    nf_dedup_free(d);
    free(res);
    free(order);
    free(cnt);
    free(picked);
    free(cls);
}

static void bench_np4e(void)
{
    docs v = {0};
    char p[4096];
    snprintf(p, sizeof p, "%s/data/np4e.jsonl", shared());
    load_jsonl(&v, p);
    nf_dedup *d;
    nf_dedup_new(&d, NULL);
    const char **tx = malloc(v.n * sizeof *tx);
    size_t *ln = malloc(v.n * sizeof *ln);
    for (size_t i = 0; i < v.n; i++) {
        tx[i] = v.d[i].text;
        ln[i] = v.d[i].len;
    }
    nf_dedup_add_batch(d, tx, ln, v.n);
    nf_dedup_finish(d);
    nf_dedup_opts o;
    nf_dedup_get_opts(d, &o);
    nf_sketcher *sk;
    nf_sketcher_new(&sk, &o.sketch);
    shset *ss = calloc(v.n, sizeof *ss);
    for (size_t i = 0; i < v.n; i++)
        ss[i] = shingle_set(sk, v.d[i].text, v.d[i].len);
    nf_copy *r = calloc(v.n, sizeof *r);
    for (size_t i = 0; i < v.n; i++)
        nf_dedup_result(d, i, &r[i]);
    printf("np4e: %zu articles (no tuning on this file)\n", v.n);
    int high = 0, high_found = 0, found = 0;
    for (size_t a = 0; a < v.n; a++)
        for (size_t b = a + 1; b < v.n; b++) {
            double j, c;
            true_sim(&ss[a], &ss[b], &j, &c);
            int same = r[a].cluster == r[b].cluster;
            if (j >= 0.5) {
                high++;
                high_found += same;
            }
            if (same || j >= 0.5 || c >= 0.8) {
                found += same;
                printf("  %-14s %-14s true J %.3f containment %.3f sizes %zu/%zu  %s\n",
                       v.d[a].id, v.d[b].id, j, c, ss[a].n, ss[b].n,
                       same ? "same cluster" : "apart");
            }
        }
    printf("  pairs with true J >= 0.5: %d, in one cluster: %d; pairs in one cluster: %d\n", high,
           high_found, found);
    nf_sketcher_free(sk);
    nf_dedup_free(d);
}

/* ---- generated corpora ---- */
static void json_text(FILE *f, const char *s, size_t n)
{
    json_t *t = json_stringn(s, n);
    json_dumpf(t, f, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(t);
}

static void gen(uint64_t count, const char *path)
{
    docs v = {0};
    load_originals(&v);
    /* sentence pool */
    typedef struct { const char *s; size_t n; } span;
    span *sent = NULL;
    size_t ns = 0, caps = 0;
    static size_t st[4096];
    for (size_t i = 0; i < v.n; i++) {
        size_t k = sentences(v.d[i].text, v.d[i].len, st, 4096);
        for (size_t j = 0; j < k; j++) {
            size_t a = st[j], e = j + 1 < k ? st[j + 1] : v.d[i].len;
            if (e - a < 30)
                continue;
            if (ns == caps) {
                caps = caps ? caps * 2 : 4096;
                sent = realloc(sent, caps * sizeof *sent);
            }
            sent[ns++] = (span){v.d[i].text + a, e - a};
        }
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    rng_state = 7;
    enum { RING = 4096 };
    doc *ring = calloc(RING, sizeof *ring);
    uint64_t copies = 0;
    for (uint64_t i = 0; i < count; i++) {
        doc x = {0};
        int kind = -1;
        if (i > 100 && rndf() < 0.2) {
            doc *o = &ring[rndn(NF_MIN(i, RING))];
            kind = (int)rndn(E_NKINDS);
            x.text = edit(o, kind, &v, &x.len);
            copies++;
        } else {
            sb b = {0};
            size_t m = 8 + rndn(25);
            for (size_t j = 0; j < m; j++) {
                span *s = &sent[rndn(ns)];
                sb_add(&b, s->s, s->n);
                if (rndf() < 0.3)
                    sb_puts(&b, "\n");
            }
            x.text = b.p;
            x.len = b.n;
        }
        fprintf(f, "{\"id\":\"g%08llu\",\"outlet\":\"outlet%llu\",\"url\":null,\"date\":\"2023-0%d-1%d\","
                   "\"title\":null,\"edit\":\"%s\",\"text\":",
                (unsigned long long)i, (unsigned long long)rndn(500), 1 + (int)rndn(9),
                (int)rndn(10), kind < 0 ? "original" : kind_name[kind]);
        json_text(f, x.text, x.len);
        fputs("}\n", f);
        doc *slot = &ring[i % RING];
        free(slot->text);
        *slot = x;
    }
    fclose(f);
    fprintf(stderr, "wrote %llu articles (%llu copies) to %s\n", (unsigned long long)count,
            (unsigned long long)copies, path);
}

/* Parse a chunk of JSONL lines in threads: each takes every T-th line and keeps its text. */
typedef struct parse_job {
    char **lines;
    size_t *lens;
    size_t n, t, nt;
    char **tx;
    size_t *ln;
} parse_job;

static void *parse_lines(void *arg)
{
    parse_job *j = arg;
    for (size_t i = j->t; i < j->n; i += j->nt) {
        json_error_t e;
        json_t *obj = json_loadb(j->lines[i], j->lens[i], 0, &e);
        json_t *t = obj ? json_object_get(obj, "text") : NULL;
        if (json_is_string(t)) {
            j->tx[i] = dupn(json_string_value(t), json_string_length(t));
            j->ln[i] = json_string_length(t);
        } else {
            j->tx[i] = NULL;
            j->ln[i] = 0;
        }
        json_decref(obj);
    }
    return NULL;
}

static void scale(const char *path, uint32_t threads)
{
    double t0 = now();
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return;
    }
    nf_dedup_opts o = {0};
    o.threads = threads;
    nf_dedup *d;
    nf_dedup_new(&d, &o);
    enum { CHUNK = 16384 };
    char **lines = calloc(CHUNK, sizeof *lines), **tx = calloc(CHUNK, sizeof *tx);
    size_t *lcap = calloc(CHUNK, sizeof *lcap), *llen = calloc(CHUNK, sizeof *llen);
    size_t *ln = calloc(CHUNK, sizeof *ln);
    double t_sketch = 0, t_parse = 0;
    uint64_t n = 0, bytes = 0, bad = 0, file_bytes = 0;
    for (int eof = 0; !eof;) {
        size_t m = 0;
        while (m < CHUNK) {
            ssize_t len = getline(&lines[m], &lcap[m], f);
            if (len <= 0) {
                eof = 1;
                break;
            }
            llen[m++] = (size_t)len;
            file_bytes += (uint64_t)len;
        }
        double a = now();
        pthread_t th[64];
        parse_job pj[64];
        for (uint32_t t = 0; t < threads && t < 64; t++) {
            pj[t] = (parse_job){lines, llen, m, t, threads, tx, ln};
            if (t)
                pthread_create(&th[t], NULL, parse_lines, &pj[t]);
        }
        parse_lines(&pj[0]);
        for (uint32_t t = 1; t < threads && t < 64; t++)
            pthread_join(th[t], NULL);
        size_t k = 0;
        for (size_t i = 0; i < m; i++) {
            if (!tx[i]) {
                bad++;
                continue;
            }
            tx[k] = tx[i];
            ln[k++] = ln[i];
            bytes += ln[i];
        }
        double b2 = now();
        t_parse += b2 - a;
        nf_dedup_add_batch(d, (const char *const *)tx, ln, k);
        t_sketch += now() - b2;
        for (size_t i = 0; i < k; i++)
            free(tx[i]);
        n += k;
    }
    fclose(f);
    double t1 = now();
    nf_dedup_finish(d);
    double t2 = now();
    nf_dedup_stats st;
    nf_dedup_get_stats(d, &st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("scale %s: %llu articles (%llu lines not parsed), %.1f MB file, %.1f MB text, "
           "%u threads, bands %u x rows %u\n", path, (unsigned long long)n,
           (unsigned long long)bad, file_bytes / 1e6, bytes / 1e6, threads, st.bands, st.rows);
    printf("  read %.2f s + JSON parse %.2f s + sketch %.2f s (%.0f MB/s of text on %u threads) "
           "+ cluster %.2f s = %.2f s\n",
           t1 - t0 - t_parse - t_sketch, t_parse, t_sketch, bytes / 1e6 / t_sketch, threads,
           t2 - t1, t2 - t0);
    printf("  end to end %.1f MB/s of JSONL, %.0f articles/s; exact %llu near %llu contained "
           "%llu clusters %llu; candidates %llu verified %llu\n",
           file_bytes / 1e6 / (t2 - t0), n / (t2 - t0), (unsigned long long)st.exact,
           (unsigned long long)st.near, (unsigned long long)st.contained,
           (unsigned long long)st.clusters, (unsigned long long)st.candidates,
           (unsigned long long)st.verified);
    printf("  index %.0f bytes/article (+ %zu bytes/article/thread transient while banding), "
           "peak RSS %.1f MB\n",
           n ? (double)st.index_bytes / n : 0, 2 * sizeof(nf_lsh_item), ru.ru_maxrss / 1024.0);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec * 1e-6;
    printf("  CPU time %.2f s (%.1f MB/s of JSONL per CPU-second; wall-clock figures depend on "
           "what else runs)\n", cpu, file_bytes / 1e6 / cpu);
    nf_dedup_free(d);
    for (size_t i = 0; i < CHUNK; i++)
        free(lines[i]);
    free(lines);
    free(tx);
    free(ln);
    free(lcap);
    free(llen);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    if (!strcmp(what, "gen") && argc > 3) {
        gen(strtoull(argv[2], NULL, 10), argv[3]);
        return 0;
    }
    if (!strcmp(what, "scale") && argc > 2) {
        scale(argv[2], argc > 3 ? (uint32_t)atoi(argv[3]) : 2);
        return 0;
    }
    if (!strcmp(what, "all") || !strcmp(what, "speed"))
        bench_speed();
    if (!strcmp(what, "all") || !strcmp(what, "synd"))
        bench_synd(0);
    if (!strcmp(what, "all") || !strcmp(what, "online"))
        bench_synd(1);
    if (!strcmp(what, "all") || !strcmp(what, "np4e"))
        bench_np4e();
    return 0;
}
