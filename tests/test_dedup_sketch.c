/*
 * test_dedup_sketch.c — nf_dedup_add_sketch (the online copy detection fed sketches computed
 * elsewhere, as the MPI fold does on other ranks) answers exactly as nf_dedup_add on the text:
 * same copy_of, kind and similarity for every article of the shared data, each text also
 * repeated, trimmed and edited so that there are copies of every kind.
 */
#include "harness.h"
#include "nf_int.h"

typedef struct ctx {
    nf_dedup *a, *b;          /* a: nf_dedup_add, b: nf_dedup_add_sketch */
    nf_sketcher *sk;
    uint16_t *sig;
    uint32_t bins;
    size_t n, copies, kinds[4];
    char *buf;
} ctx;

static void one(ctx *c, const char *s, size_t n)
{
    nf_copy x = {.copy_of = -1}, y = {.copy_of = -1};
    nf_sketch info;
    nf_rc ra = nf_dedup_add(c->a, s, n, &x);
    nf_rc rs = nf_sketch_text(c->sk, s, n, &info, c->sig);
    nf_rc rb = rs ? rs : nf_dedup_add_sketch(c->b, &info, c->sig, &y);
    CHECK_EQ_INT(ra, NF_OK);
    CHECK_EQ_INT(rb, NF_OK);
    CHECK_MSG(x.copy_of == y.copy_of && x.kind == y.kind && x.similarity == y.similarity,
              "article %zu: copy_of %lld/%lld kind %d/%d sim %.4f/%.4f", c->n,
              (long long)x.copy_of, (long long)y.copy_of, (int)x.kind, (int)y.kind,
              x.similarity, y.similarity);
    c->n++;
    c->copies += x.copy_of >= 0;
    if ((unsigned)x.kind < 4)
        c->kinds[x.kind]++;
}

static void each(const char *s, size_t n, void *vc)
{
    ctx *c = vc;
    one(c, s, n);
    one(c, s, n);                         /* exact copy */
    one(c, s, n * 3 / 4);                 /* trimmed */
    c->buf = realloc(c->buf, n + 8);
    memcpy(c->buf, "Update: ", 8);
    memcpy(c->buf + 8, s, n);             /* edited */
    one(c, c->buf, n + 8);
}

int main(void)
{
    ctx c = {0};
    nf_dedup_opts o;
    CHECK_EQ_INT(nf_dedup_new(&c.a, NULL), NF_OK);
    CHECK_EQ_INT(nf_dedup_new(&c.b, NULL), NF_OK);
    nf_dedup_get_opts(c.a, &o);
    c.bins = o.sketch.bins;
    CHECK_EQ_INT(nf_sketcher_new(&c.sk, &o.sketch), NF_OK);
    c.sig = calloc(c.bins, sizeof *c.sig);
    nf_test_each_text("np4e.jsonl", each, &c);
    nf_test_each_text("newswcl50.jsonl", each, &c);
    CHECK(c.n >= 4 * 140);
    CHECK(c.copies >= c.n / 2);           /* the repeats and edits were found */
    CHECK(c.kinds[NF_COPY_EXACT] > 0 && c.kinds[NF_COPY_NEAR] + c.kinds[NF_COPY_CONTAINED] > 0);
    /* a sketch with the wrong mode is refused like nf_dedup_add after a batch */
    nf_dedup *bt = NULL;
    CHECK_EQ_INT(nf_dedup_new(&bt, NULL), NF_OK);
    const char *t = "one two three four five six seven";
    size_t tl = strlen(t);
    CHECK_EQ_INT(nf_dedup_add_batch(bt, &t, &tl, 1), NF_OK);
    nf_sketch info;
    CHECK_EQ_INT(nf_sketch_text(c.sk, t, tl, &info, c.sig), NF_OK);
    CHECK_EQ_INT(nf_dedup_add_sketch(bt, &info, c.sig, NULL), NF_EINVAL);
    nf_dedup_free(bt);
    free(c.buf);
    free(c.sig);
    nf_sketcher_free(c.sk);
    nf_dedup_free(c.a);
    nf_dedup_free(c.b);
    return nf_test_done("test_dedup_sketch");
}
