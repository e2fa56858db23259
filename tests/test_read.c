/* test_read.c — the readers: UTF-8 repair, every rejection kind, the counts invariant, directory
 * order, the seeds header, gzip/zstd (whole, concatenated, truncated, corrupt), 50 MB lines. */
#include "harness.h"
#include "nf_int.h"
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <zlib.h>
#include <zstd.h>

static char dir[256];

static const char *tmp_path(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(2);
    }
    fclose(f);
    return p;
}

/* The outcome of reading some inputs: accepted ids in order, and the problems. */
#define MAXR 4096
typedef struct result {
    size_t nacc, nrej, nio;
    char *ids[MAXR];
    nf_diag diag[64];
    size_t ndiag;
    uint64_t read, accepted, rejected, bytes;
    int64_t time0;
    uint32_t repaired;          /* summed over accepted articles */
    size_t maxlen;              /* longest accepted text */
    char *outlet0, *label0;
    int badart;                 /* accepted articles or diagnostics not well formed */
} result;

static void result_free(result *res)
{
    for (size_t i = 0; i < res->nacc && i < MAXR; i++)
        free(res->ids[i]);
    free(res->outlet0);
    free(res->label0);
    memset(res, 0, sizeof *res);
}

static void drain(nf_reader *r, result *res)
{
    nf_article a = {0};
    nf_diag d;
    for (;;) {
        nf_rc rc = nf_reader_next(r, &a, &d);
        if (rc == NF_DONE)
            break;
        if (rc == NF_OK) {
            res->badart += !(a.text != NULL && a.text_len > 0 && a.id != NULL && a.source);
            res->badart += nf_utf8_valid(a.text, a.text_len) != a.text_len;
            if (res->nacc == 0) {
                res->time0 = a.time;
                res->outlet0 = a.outlet ? strdup(a.outlet) : NULL;
                res->label0 = a.label ? strdup(a.label) : NULL;
            }
            if (res->nacc < MAXR)
                res->ids[res->nacc] = strdup(a.id);
            res->nacc++;
            res->repaired += a.repaired;
            res->maxlen = NF_MAX(res->maxlen, a.text_len);
            nf_article_reset(&a);
        } else {
            res->badart += !(d.code == rc && d.file != NULL && d.msg[0]);
            if (res->ndiag < NF_ARRAY_LEN(res->diag))
                res->diag[res->ndiag++] = d;
            if (rc == NF_EIO && d.line == 0)
                res->nio++;
            else
                res->nrej++;
        }
    }
    nf_reader_counts(r, &res->read, &res->accepted, &res->rejected, &res->bytes);
    CHECK_EQ_INT(res->badart, 0);
    /* the invariant, and that every call was accounted for */
    CHECK_EQ_INT(res->read, res->accepted + res->rejected);
    CHECK_EQ_INT(res->accepted, res->nacc);
    CHECK_EQ_INT(res->rejected, res->nrej);
    CHECK_EQ_INT(nf_reader_next(r, &a, &d), NF_DONE);   /* stays done */
}

static void read_paths(const char *const *paths, size_t n, const nf_read_opts *o, result *res)
{
    memset(res, 0, sizeof *res);
    nf_reader *r = NULL;
    CHECK_EQ_INT(nf_reader_open(&r, paths, n, o), NF_OK);
    if (r)
        drain(r, res);
    nf_reader_close(r);
}

static void read_one(const char *path, const nf_read_opts *o, result *res)
{
    read_paths(&path, 1, o, res);
}

static bool has_diag(const result *res, nf_rc code, uint64_t line, const char *needle)
{
    for (size_t i = 0; i < res->ndiag; i++)
        if (res->diag[i].code == code && res->diag[i].line == line &&
            strstr(res->diag[i].msg, needle))
            return true;
    return false;
}

/* (diag.file belongs to the closed reader: not shown) */
static void dump(const result *res)
{
    for (size_t i = 0; i < res->ndiag; i++)
        fprintf(stderr, "  diag line %llu col %llu code %d: %s\n",
                (unsigned long long)res->diag[i].line, (unsigned long long)res->diag[i].col,
                res->diag[i].code, res->diag[i].msg);
}

/* ---- UTF-8 ---- */

static void test_utf8_table(void)
{
#define R "\xEF\xBF\xBD"
    static const struct { const char *in, *out; unsigned nrep; } t[] = {
        {"plain ascii", "plain ascii", 0},
        {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 0},
        {"\xC0\x80", R R, 2},                    /* overlong NUL: C0 can never start */
        {"\xC1\xBF", R R, 2},
        {"\xE0\x80\x80", R R R, 3},              /* overlong 3-byte */
        {"\xF0\x80\x80\x80", R R R R, 4},        /* overlong 4-byte */
        {"\xED\xA0\x80", R R R, 3},              /* surrogate D800 */
        {"\xED\xBF\xBF", R R R, 3},              /* surrogate DFFF */
        {"\xF4\x90\x80\x80", R R R R, 4},        /* above U+10FFFF */
        {"\xFF", R, 1},
        {"\xFE\xFF", R R, 2},
        {"a\xE2\x82", "a" R, 1},                 /* truncated at the end: one subpart */
        {"\xE2\x82x", R "x", 1},
        {"\xF0\x9F\x98", R, 1},
        {"\xF0\x9F\x98 ok", R " ok", 1},
        {"\x80\x80", R R, 2},                    /* lone continuation bytes */
        {"\xC3", R, 1},
        {"\xC3\xA9\xC3", "\xC3\xA9" R, 1},
        {"0123456789abcdef0123456789abcd\xFF" "ef0123456789abcdef", /* fast path then slow */
         "0123456789abcdef0123456789abcd" R "ef0123456789abcdef", 1},
    };
#undef R
    for (size_t i = 0; i < NF_ARRAY_LEN(t); i++) {
        nf_buf b;
        nf_buf_init(&b, 0);
        uint32_t nrep = 0;
        size_t n = strlen(t[i].in);
        CHECK_EQ_INT(nf_utf8_repair(t[i].in, n, &b, &nrep), NF_OK);
        CHECK_MSG(b.n == strlen(t[i].out) && !memcmp(b.p, t[i].out, b.n) && nrep == t[i].nrep,
                  "case %zu: %u replacements", i, nrep);
        CHECK_EQ_INT(nf_utf8_valid(t[i].in, n) == n, t[i].nrep == 0);
        nf_buf_reset(&b);
    }
}

/* Random bytes: validity agrees with utf8proc, repair output is valid, repair is idempotent. */
static void test_utf8_random(void)
{
    uint64_t x = 88172645463325252ull;
    int disagree = 0, badout = 0;
    for (int round = 0; round < 20000; round++) {
        unsigned char s[40];
        size_t n = (size_t)(round % 40);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly high bytes from the interesting ranges */
            static const unsigned char pick[] = {'a', 0x80, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0,
                                                 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x8F, 0x90};
            s[i] = (x >> 32) & 1 ? pick[(x >> 40) % 16] : (unsigned char)(x >> 48);
        }
        bool ref = true;
        for (size_t i = 0; i < n;) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
            if (k <= 0) {
                ref = false;
                break;
            }
            i += (size_t)k;
        }
        disagree += ref != (nf_utf8_valid((const char *)s, n) == n);
        nf_buf b, c;
        nf_buf_init(&b, 0);
        nf_buf_init(&c, 0);
        uint32_t r1 = 0, r2 = 0;
        nf_utf8_repair((const char *)s, n, &b, &r1);
        nf_utf8_repair(b.p ? b.p : "", b.n, &c, &r2);
        badout += nf_utf8_valid(b.p ? b.p : "", b.n) != b.n || r2 != 0 || b.n != c.n ||
                  (r1 == 0) != ref;
        nf_buf_reset(&b);
        nf_buf_reset(&c);
    }
    CHECK_EQ_INT(disagree, 0);
    CHECK_EQ_INT(badout, 0);
}

static void test_blank(void)
{
    CHECK(nf_text_blank(" \t\r\n\v\f", 6));
    CHECK(nf_text_blank("\xC2\xA0\xE3\x80\x80\xE2\x80\x8B\xEF\xBB\xBF", 11));
    CHECK(!nf_text_blank(" a ", 3));
    CHECK(!nf_text_blank("\xC3\xA9", 2));
}

/* ---- JSONL: every per-line rejection, field policy ---- */

static void test_jsonl_lines(void)
{
    const char *data =
        "{\"id\":\"a\",\"text\":\"first article\",\"date\":\"2023-03-20T12:00:00+02:00\","
        "\"url\":\"https://www.example.com/x\",\"story\":7}\n"             /* 1 ok */
        "\n"                                                               /* 2 blank: skipped */
        "{\"id\":\"b\",\"text\":\"unterminated}\n"                         /* 3 bad JSON */
        "[1,2,3]\n"                                                        /* 4 not an object */
        "{\"id\":\"c\"}\n"                                                 /* 5 no text */
        "{\"id\":\"d\",\"text\":42}\n"                                     /* 6 text not a string */
        "{\"id\":\"e\",\"text\":\"\"}\n"                                   /* 7 empty string */
        "{\"id\":\"f\",\"text\":\" \\n\\t\\u00a0 \"}\n"                   /* 8 white space only */
        "{\"id\":\"a\",\"text\":\"again\"}\n"                              /* 9 duplicate id */
        "{\"text\":\"no id here\"}\r\n"                                    /* 10 ok, id from line */
        "{\"id\":\"g\",\"text\":\"bad \xFF\xC0 bytes\",\"date\":\"soon\"}\n" /* 11 ok, repaired */
        "   \t\r\n"                                                        /* 12 blank */
        "{\"id\":17,\"text\":\"numeric id\"}";                            /* 13 ok, no newline */
    const char *p = write_file("lines.jsonl", data, strlen(data));
    nf_read_opts o = {.label_field = "story"};
    result res;
    read_one(p, &o, &res);
    CHECK_EQ_INT(res.nacc, 4);
    CHECK_EQ_INT(res.nrej, 7);
    CHECK_EQ_INT(res.read, 11);
    CHECK(res.nacc >= 4 && !strcmp(res.ids[0], "a") && !strcmp(res.ids[1], "lines.jsonl:10") &&
          !strcmp(res.ids[2], "g") && !strcmp(res.ids[3], "17"));
    CHECK_EQ_INT(res.time0, 1679306400);
    CHECK_EQ_STR(res.outlet0, "example.com");
    CHECK_EQ_STR(res.label0, "7");
    CHECK_EQ_INT(res.repaired, 2);
    CHECK(has_diag(&res, NF_EPARSE, 3, "invalid JSON"));
    CHECK(res.ndiag > 0 && res.diag[0].col > 0);
    CHECK(has_diag(&res, NF_EPARSE, 4, "not a JSON object"));
    CHECK(has_diag(&res, NF_EEMPTY, 5, "no text"));
    CHECK(has_diag(&res, NF_EEMPTY, 6, "no text"));
    CHECK(has_diag(&res, NF_EEMPTY, 7, "no text"));
    CHECK(has_diag(&res, NF_EEMPTY, 8, "empty article"));
    CHECK(has_diag(&res, NF_EDUP, 9, "duplicate id 'a' (first seen at "));
    CHECK(has_diag(&res, NF_EDUP, 9, "lines.jsonl:1)"));
    CHECK_EQ_INT(res.bytes, strlen(data));
    if (nf_t_fail)
        dump(&res);
    result_free(&res);

    /* field names are settable */
    const char *d2 = "{\"body\":\"text in body\",\"key\":\"k1\",\"when\":\"2020-01-01\"}\n"
                     "{\"text\":\"no body\"}\n";
    p = write_file("fields.ndjson", d2, strlen(d2));
    nf_read_opts o2 = {.text_field = "body", .id_field = "key", .date_field = "when"};
    read_one(p, &o2, &res);
    CHECK(res.nacc == 1 && !strcmp(res.ids[0], "k1") && res.time0 == 1577836800);
    CHECK(has_diag(&res, NF_EEMPTY, 2, "field 'body' is missing"));
    result_free(&res);
}

/* Duplicates across inputs, plain text ids, the seeds header. */
static void test_text_files(void)
{
    mkdir(tmp_path("t"), 0700);
    write_file("t/one.txt", " date 2023-03-20 The text starts here.", 38);
    write_file("t/two", "date garbage is text", 20);
    write_file("t/three.txt", " date 2023-03-20 \n  ", 20);
    write_file("t/four.txt", "", 0);
    const char *dup = "{\"id\":\"one\",\"text\":\"clash\"}\n";
    const char *paths[] = {tmp_path("t"), write_file("dup.jsonl", dup, strlen(dup))};
    result res;
    read_paths(paths, 2, NULL, &res);
    /* sorted: four three two one? no: byte order four.txt, one.txt, three.txt, two */
    CHECK_EQ_INT(res.nacc, 2);
    CHECK(res.nacc == 2 && !strcmp(res.ids[0], "one") && !strcmp(res.ids[1], "two"));
    CHECK_EQ_INT(res.time0, 1679270400);
    CHECK(has_diag(&res, NF_EEMPTY, 0, "empty article"));      /* four.txt and three.txt */
    CHECK_EQ_INT(res.nrej, 3);
    CHECK(has_diag(&res, NF_EDUP, 1, "duplicate id 'one' (first seen at "));
    result_free(&res);
}

static void test_dir_order(void)
{
    mkdir(tmp_path("d"), 0700);
    mkdir(tmp_path("d/c"), 0700);
    mkdir(tmp_path("d/.git"), 0700);
    const char *names[] = {"d/b.txt", "d/a.txt", "d/B.txt", "d/c/z.txt", "d/c/y.txt",
                           "d/.hidden.txt", "d/.git/x.txt", "d/ab.txt"};
    for (size_t i = 0; i < NF_ARRAY_LEN(names); i++)
        write_file(names[i], names[i], strlen(names[i]));
    result res;
    read_one(tmp_path("d"), NULL, &res);
    static const char *const want[] = {"B", "a", "ab", "b", "y", "z"};
    CHECK_EQ_INT(res.nacc, NF_ARRAY_LEN(want));
    for (size_t i = 0; i < NF_ARRAY_LEN(want) && i < res.nacc; i++)
        CHECK_EQ_STR(res.ids[i], want[i]);
    result_free(&res);

    /* symlink loops end: two links back to the top would otherwise walk 2^64 paths */
    char link1[600], link2[600];
    snprintf(link1, sizeof link1, "%s/d/c/up", dir);
    snprintf(link2, sizeof link2, "%s/d/c/up2", dir);
    CHECK(symlink("..", link1) == 0 && symlink("..", link2) == 0);
    read_one(tmp_path("d"), NULL, &res);
    CHECK_EQ_INT(res.nacc, NF_ARRAY_LEN(want));
    CHECK_EQ_INT(res.nio, 2);
    CHECK(has_diag(&res, NF_EIO, 0, "cannot open: Too many levels of symbolic links"));
    result_free(&res);
    unlink(link1);
    unlink(link2);
}

static void test_missing_binary_html(void)
{
    char bin[100] = "looks like text";
    bin[50] = 0;
    const char *paths[] = {
        tmp_path("does-not-exist.jsonl"),
        write_file("bin.txt", bin, sizeof bin),
        write_file("bin.jsonl", bin, sizeof bin),
        write_file("page.html", "<html><p>hi</p></html>", 22),
        write_file("ok.txt", "fine", 4),
    };
    result res;
    read_paths(paths, NF_ARRAY_LEN(paths), NULL, &res);
    CHECK_EQ_INT(res.nio, 1);                /* not a record */
    CHECK_EQ_INT(res.read, 4);
    CHECK_EQ_INT(res.nacc, 1);
    CHECK(has_diag(&res, NF_EIO, 0, "cannot open"));
    CHECK(res.ndiag > 2 && res.diag[1].code == NF_EBINARY && res.diag[2].code == NF_EBINARY);
    CHECK(has_diag(&res, NF_EBINARY, 0, "binary file"));
    CHECK(has_diag(&res, NF_EEMPTY, 0, "HTML: "));   /* a page without an article body */
    result_free(&res);
}

/* ---- compressed inputs ---- */

static size_t make_lines(char *out, size_t cap, int n, const char *tag)
{
    size_t k = 0;
    for (int i = 0; i < n && k + 256 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k,
                              "{\"id\":\"%s%d\",\"text\":\"article %d: %08x %08x words words "
                              "and more words so the line is not tiny\"}\n",
                              tag, i, i, (unsigned)(i * 2654435761u), (unsigned)(i * 40503u));
    return k;
}

static size_t gzip_bytes(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t k = z.total_out;
    deflateEnd(&z);
    return k;
}

static void test_gzip(void)
{
    size_t cap = 1 << 20;
    char *plain = malloc(cap);
    unsigned char *gz = malloc(cap);
    size_t n = make_lines(plain, cap, 3000, "g");
    size_t m = gzip_bytes(plain, n, gz, cap);
    result res;

    read_one(write_file("all.jsonl.gz", gz, m), NULL, &res);
    CHECK(res.nacc == 3000 && res.nrej == 0 && res.bytes == n);
    result_free(&res);

    /* two members back to back (cat a.gz b.gz), then zero padding */
    size_t n2 = make_lines(plain, cap, 50, "h");
    size_t m2 = gzip_bytes(plain, n2, gz + m, cap - m);
    memset(gz + m + m2, 0, 64);
    read_one(write_file("two.jsonl.gz", gz, m + m2 + 64), NULL, &res);
    CHECK(res.nacc == 3050 && res.nrej == 0);
    result_free(&res);

    /* truncated: the records before the cut, then exactly one problem */
    read_one(write_file("cut.jsonl.gz", gz, m / 2), NULL, &res);
    CHECK(res.nacc > 100 && res.nacc < 3000);
    CHECK_EQ_INT(res.nrej, 1);
    CHECK(res.ndiag == 1 && res.diag[0].code == NF_ETRUNC &&
          strstr(res.diag[0].msg, "truncated gzip stream") &&
          res.diag[0].line == res.nacc + 1);
    bool prefix = true;
    for (size_t i = 0; i < res.nacc && i < MAXR; i++) {
        char want[32];
        snprintf(want, sizeof want, "g%zu", i);
        prefix &= !strcmp(res.ids[i], want);
    }
    CHECK(prefix);
    result_free(&res);

    /* a cut inside the gzip header, and corrupt data */
    read_one(write_file("hdr.jsonl.gz", gz, 5), NULL, &res);
    CHECK(res.nacc == 0 && res.nrej == 1 && res.diag[0].code == NF_ETRUNC);
    result_free(&res);
    for (size_t i = m / 3; i < m / 3 + 64; i++)
        gz[i] ^= 0x5A;
    read_one(write_file("bad.jsonl.gz", gz, m), NULL, &res);
    CHECK(res.nrej >= 1 && res.nacc < 3000);
    CHECK(res.read == res.nacc + res.nrej);
    result_free(&res);

    /* a plain text file compressed: one article, id without .txt.gz */
    m = gzip_bytes("compressed words", 16, gz, cap);
    read_one(write_file("note.txt.gz", gz, m), NULL, &res);
    CHECK(res.nacc == 1 && !strcmp(res.ids[0], "note") && res.bytes == 16);
    result_free(&res);
    free(plain);
    free(gz);
}

/* An HTML page is named after its file, without .html/.htm and a compression suffix, as plain
 * text is and as `newsfold extract` names it; two pages with one name are a duplicate id. */
static void test_html_ids(void)
{
    static const char page[] =
        "<html><head><title>Budget approved</title></head><body><article>"
        "<p>The city council voted on Tuesday to approve the new budget, which raises spending "
        "on schools and libraries across the city.</p><p>Opponents argued that the plan, drafted "
        "in a hurry, leaves the transport fund short of money for the coming year.</p>"
        "</article></body></html>";
    unsigned char gz[4096];
    size_t m = gzip_bytes(page, sizeof page - 1, gz, sizeof gz);
    const char *paths[] = {
        write_file("story.html", page, sizeof page - 1),
        write_file("zipped.html.gz", gz, m),
        write_file("Old.Page.HTM", page, sizeof page - 1),
        write_file("story.htm", page, sizeof page - 1),
    };
    result res;
    read_paths(paths, NF_ARRAY_LEN(paths), NULL, &res);
    CHECK_EQ_INT(res.nacc, 3);
    static const char *const want[] = {"story", "zipped", "Old.Page"};
    for (size_t i = 0; i < NF_ARRAY_LEN(want) && i < res.nacc; i++)
        CHECK_EQ_STR(res.ids[i], want[i]);
    CHECK(has_diag(&res, NF_EDUP, 0, "duplicate id 'story'"));
    result_free(&res);
}

/* One id rule for every whole-file article (nf_file_id), used by the readers and by
 * `newsfold extract`: the reader names a file exactly as nf_file_id does. */
static void test_file_id(void)
{
    static const char *const cases[][2] = {
        {"seeds/000_9352d1c620ab8b06.txt", "000_9352d1c620ab8b06"},
        {"/a/b/story.html.gz", "story"},
        {"x.y.txt", "x.y"},
        {"Old.Page.HTM", "Old.Page"},
        {"index.php", "index"},
        {"page.xhtml", "page"},
        {"a.tar.zst", "a"},
        {"NOTE.TXT.GZ", "NOTE"},
        {"noext", "noext"},
        {".hidden", ".hidden"},
        {".gz", ".gz"},
        {"d/.profile.txt", ".profile"},
    };
    for (size_t i = 0; i < NF_ARRAY_LEN(cases); i++) {
        char *id = nf_file_id(cases[i][0]);
        CHECK_EQ_STR(id, cases[i][1]);
        free(id);
    }
    CHECK(nf_file_id(NULL) == NULL);
    const char *paths[] = {
        write_file("idrule.x.txt", "some words", 10),
        write_file("idrule.y", "other words", 11),
    };
    result res;
    read_paths(paths, NF_ARRAY_LEN(paths), NULL, &res);
    CHECK_EQ_INT(res.nacc, 2);
    for (size_t i = 0; i < NF_ARRAY_LEN(paths) && i < res.nacc; i++) {
        char *id = nf_file_id(paths[i]);
        CHECK_EQ_STR(res.ids[i], id);
        free(id);
    }
    result_free(&res);
}

/* nf_file_load: a whole file as the readers decode it, with the reader's errors. */
static void load_check(const char *path, size_t max, nf_rc want, const char *msg,
                       const char *text, size_t n)
{
    nf_buf b;
    nf_diag d;
    nf_buf_init(&b, max);
    nf_rc rc = nf_file_load(path, &b, &d);
    CHECK_MSG(rc == want, "%s: rc %d, want %d (%s)", path, rc, want, d.msg);
    if (rc) {
        CHECK_MSG(d.code == rc && d.file == path && d.line == 0 && strstr(d.msg, msg),
                  "%s: \"%s\" lacks \"%s\"", path, d.msg, msg);
    } else {
        CHECK_MSG(b.n == n && (n == 0 || !memcmp(b.p, text, n)), "%s: %zu bytes, want %zu",
                  path, b.n, n);
    }
    nf_buf_reset(&b);
}

static void test_file_load(void)
{
    size_t cap = 1 << 20;
    char *plain = malloc(cap);
    unsigned char *gz = malloc(cap);
    size_t n = make_lines(plain, cap, 2000, "L");
    size_t m = gzip_bytes(plain, n / 2, gz, cap);
    size_t m2 = gzip_bytes(plain + n / 2, n - n / 2, gz + m, cap - m);   /* two members */

    load_check(write_file("load.txt", plain, n), 0, NF_OK, "", plain, n);
    load_check(write_file("load.txt.gz", gz, m + m2), 0, NF_OK, "", plain, n);
    load_check(tmp_path("load.txt.gz"), n, NF_OK, "", plain, n);      /* exactly the ceiling */
    char want[96];
    snprintf(want, sizeof want, "file of %zu bytes exceeds the limit of %zu", n, n - 1);
    load_check(tmp_path("load.txt.gz"), n - 1, NF_ETOOBIG, want, NULL, 0);
    load_check(write_file("cut.html.gz", gz, m / 2), 0, NF_ETRUNC, "truncated gzip stream",
               NULL, 0);
    memcpy(gz + m + m2, "junk", 4);
    load_check(write_file("junk.html.gz", gz, m + m2 + 4), 0, NF_EPARSE,
               "corrupt gzip stream: trailing data", NULL, 0);
    size_t zn = ZSTD_compress(gz, cap, plain, n, 1);
    load_check(write_file("load.zst", gz, zn), 0, NF_OK, "", plain, n);
    load_check(dir, 0, NF_EIO, "cannot open: Is a directory", NULL, 0);
    load_check(tmp_path("no-such-page.html"), 0, NF_EIO, "cannot open: No such file", NULL, 0);
    if (access("/proc/self/mem", R_OK) == 0)     /* opens, then read(2) fails */
        load_check("/proc/self/mem", 0, NF_EIO, "read error: ", NULL, 0);

    /* in memory, through the same decoder */
    m = gzip_bytes(plain, n, gz, cap);
    nf_buf b;
    char msg[120];
    nf_buf_init(&b, 0);
    CHECK_EQ_INT(nf_decompress(gz, m, &b, msg, sizeof msg), NF_OK);
    CHECK(b.n == n && !memcmp(b.p, plain, n));
    b.n = 0;
    CHECK_EQ_INT(nf_decompress(gz, m - 9, &b, msg, sizeof msg), NF_ETRUNC);
    CHECK(strstr(msg, "truncated gzip stream") != NULL);
    nf_buf_reset(&b);
    free(plain);
    free(gz);
}

static void test_zstd(void)
{
    size_t cap = 2 << 20;
    char *plain = malloc(cap);
    size_t n = make_lines(plain, cap, 8000, "z");
    size_t zcap = ZSTD_compressBound(n);
    unsigned char *zs = malloc(zcap);
    size_t m = ZSTD_compress(zs, zcap, plain, n, 3);
    CHECK(!ZSTD_isError(m));
    result res;
    read_one(write_file("all.jsonl.zst", zs, m), NULL, &res);
    CHECK(res.nacc == 8000 && res.nrej == 0 && res.bytes == n);
    result_free(&res);

    read_one(write_file("cut.jsonl.zst", zs, m * 2 / 3), NULL, &res);
    CHECK(res.nacc > 100 && res.nacc < 8000);
    CHECK_EQ_INT(res.nrej, 1);
    CHECK(res.ndiag == 1 && res.diag[0].code == NF_ETRUNC &&
          strstr(res.diag[0].msg, "truncated zstd stream"));
    result_free(&res);

    /* through memory, as the fuzz target reads */
    nf_reader *r = NULL;
    CHECK_EQ_INT(nf_reader_open_mem(&r, zs, m, "mem.jsonl", NULL), NF_OK);
    drain(r, &res);
    CHECK(res.nacc == 8000);
    nf_reader_close(r);
    result_free(&res);
    free(plain);
    free(zs);
}

/* ---- size limits: 50 MB lines ---- */

static void test_long_lines(void)
{
    size_t big = 50u * 1000 * 1000;
    const char *head = "{\"id\":\"small1\",\"text\":\"before\"}\n{\"id\":\"big\",\"text\":\"";
    const char *tail = "\"}\n{\"id\":\"small2\",\"text\":\"after\"}\n";
    /* in memory (same buffer path as files, without writing 50 MB to disk) */
    size_t hl = strlen(head), tl = strlen(tail), total = hl + big + tl;
    char *mem = malloc(total);
    memcpy(mem, head, hl);
    memset(mem + hl, 'x', big);
    for (size_t i = 0; i < big; i += 997)
        mem[hl + i] = ' ';
    memcpy(mem + hl + big, tail, tl);
    size_t linelen = strlen("{\"id\":\"big\",\"text\":\"") + big + 2;

    result res;
    nf_reader *r = NULL;
    CHECK_EQ_INT(nf_reader_open_mem(&r, mem, total, "big.jsonl", NULL), NF_OK);
    memset(&res, 0, sizeof res);
    drain(r, &res);                       /* default 64 MiB: accepted */
    nf_reader_close(r);
    CHECK_EQ_INT(res.nacc, 3);
    CHECK_EQ_INT(res.maxlen, big);
    CHECK_EQ_INT(res.bytes, total);
    result_free(&res);

    nf_read_opts o = {.max_record = 10u << 20};
    CHECK_EQ_INT(nf_reader_open_mem(&r, mem, total, "big.jsonl", &o), NF_OK);
    memset(&res, 0, sizeof res);
    drain(r, &res);                       /* over a lowered limit: skipped, neighbours kept */
    nf_reader_close(r);
    CHECK(res.nacc == 2 && !strcmp(res.ids[0], "small1") && !strcmp(res.ids[1], "small2"));
    char want[96];
    snprintf(want, sizeof want, "record of %zu bytes exceeds the limit of %u", linelen,
             10u << 20);
    CHECK(has_diag(&res, NF_ETOOBIG, 2, want));
    if (!has_diag(&res, NF_ETOOBIG, 2, want))
        dump(&res);
    result_free(&res);
    free(mem);

    /* a whole-file record over the limit */
    char txt[3000];
    memset(txt, 'w', sizeof txt);
    nf_read_opts o2 = {.max_record = 1000};
    read_one(write_file("long.txt", txt, sizeof txt), &o2, &res);
    CHECK(res.nacc == 0 && has_diag(&res, NF_ETOOBIG, 0, "record of 3000 bytes"));
    result_free(&res);
    /* the limit itself is allowed */
    read_one(write_file("edge.jsonl", "{\"text\":\"abc\"}\n", 15), &(nf_read_opts){.max_record = 14},
             &res);
    CHECK(res.nacc == 1);
    result_free(&res);
    read_one(tmp_path("edge.jsonl"), &(nf_read_opts){.max_record = 13}, &res);
    CHECK(res.nacc == 0 && res.nrej == 1);
    result_free(&res);
}

static void test_article_copy(void)
{
    nf_article a = {0}, b = {0};
    a.id = strdup("x");
    a.text = strdup("hello");
    a.text_len = 5;
    a.time = 5;
    CHECK_EQ_INT(nf_article_copy(&b, &a), NF_OK);
    CHECK(b.id != a.id && !strcmp(b.id, "x") && b.text_len == 5 && !strcmp(b.text, "hello"));
    CHECK(b.url == NULL && b.time == 5);
    nf_article_reset(&a);
    nf_article_reset(&b);
    CHECK(a.id == NULL && a.time == NF_NO_TIME);
    nf_article_reset(NULL);
    nf_reader_close(NULL);
    nf_reader *r = NULL;
    CHECK_EQ_INT(nf_reader_open(&r, NULL, 1, NULL), NF_EINVAL);
    CHECK_EQ_INT(nf_reader_open(&r, NULL, 0, NULL), NF_OK);   /* no inputs: done at once */
    nf_diag d;
    CHECK_EQ_INT(nf_reader_next(r, &a, &d), NF_DONE);
    nf_reader_close(r);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nf_test_read.XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    test_utf8_table();
    test_utf8_random();
    test_blank();
    test_jsonl_lines();
    test_text_files();
    test_dir_order();
    test_missing_binary_html();
    test_gzip();
    test_zstd();
    test_html_ids();
    test_file_id();
    test_file_load();
    test_long_lines();
    test_article_copy();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return nf_test_done("test_read");
}
