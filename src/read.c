/*
 * read.c — the article reader: inputs, decompression, lines, format dispatch, accounting.
 *
 * Key idea: a reader is a flat list of inputs (paths, with directories expanded at open time in
 * sorted byte order, hidden entries skipped) walked one at a time through a streaming source
 * (plain, gzip or zstd — chosen by the data's magic bytes, not the name) into one line buffer.
 * The buffer holds at most one record: it grows only while a line has no newline yet, and a line
 * longer than max_record is skipped chunk by chunk without being kept, so memory stays below
 * max_record + 2 MiB whatever the input.
 *
 * Invariants:
 *   - every call of nf_reader_next that returns NF_OK counts one accepted record, every call
 *     that returns a rejection counts one rejected record, so read = accepted + rejected;
 *     the single exception is an input that cannot be opened or read (NF_EIO, line 0): it is
 *     an I/O error of the run, not a record, and is not counted;
 *   - an id is accepted at most once over all inputs (128-bit XXH3 of the id in an open-
 *     addressing set, with where it was first seen);
 *   - article text is valid UTF-8: ill-formed sequences are replaced by U+FFFD and counted.
 *
 * Formats by name (after an optional .gz/.zst/.zstd suffix): .jsonl .json .ndjson are JSONL
 * (src/jsonl.c), .html .htm are HTML (see HTML HOOK below), anything else is plain text in the
 * seeds format. "-" is standard input, read as JSONL. docs/input.md is the user-facing contract.
 */
#include "nf_int.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <zlib.h>
#include <zstd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#define CHUNK (1u << 20)            /* bytes asked of a source per read */
#define INBUF (256u << 10)          /* compressed input buffer */
#define BINARY_PROBE 8192           /* a NUL byte in this many leading bytes: a binary file */
#define DEFAULT_MAX_RECORD ((size_t)64 << 20)
#define MAX_DEPTH 64                /* directory nesting (symlink loops end here) */

/* ============================================================================================
 * UTF-8 validation and repair.
 *
 * Notes on invalid UTF-8: a well-formed sequence is one of Unicode table 3-7. Anything else is
 * cut into "maximal subparts" (the longest prefix of a well-formed sequence, or one byte when
 * even the first byte cannot start one) and each is replaced by one U+FFFD — the practice of
 * Unicode chapter 3 and the WHATWG decoder, so that e.g. a truncated 3-byte sequence gives one
 * U+FFFD, an overlong C0 80 gives two, a surrogate ED A0 80 gives three.
 * ========================================================================================== */

/* Length of the well-formed sequence at p (1..4), or 0 with *bad = its maximal subpart. */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned c = p[0], need, lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4) {
        *bad = 1;
        return 0;
    }
    if (c < 0xE0) {
        need = 1;
    } else if (c < 0xF0) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;          /* overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* surrogates */
    } else {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;          /* overlong */
        else if (c == 0xF4)
            hi = 0x8F;          /* > U+10FFFF */
    }
    for (unsigned k = 1; k <= need; k++) {
        if (k >= n || p[k] < lo || p[k] > hi) {
            *bad = k;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

size_t nf_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (;;) {
        /* ASCII fast path: 16 bytes per step, high bits tested together */
        while (i + 16 <= n) {
            uint64_t a, b;
            memcpy(&a, p + i, 8);
            memcpy(&b, p + i + 8, 8);
            if ((a | b) & 0x8080808080808080ull)
                break;
            i += 16;
        }
        while (i < n && p[i] < 0x80)
            i++;
        if (i >= n)
            return n;
        size_t bad, k = utf8_seq(p + i, n - i, &bad);
        if (!k)
            return i;
        i += k;
    }
}

nf_rc nf_utf8_repair(const char *s, size_t n, nf_buf *out, uint32_t *nrep)
{
    size_t i = 0;
    while (i < n) {
        size_t v = nf_utf8_valid(s + i, n - i);
        nf_rc rc = nf_buf_append(out, s + i, v);
        if (rc)
            return rc;
        i += v;
        if (i >= n)
            break;
        size_t bad = 1;
        utf8_seq((const unsigned char *)s + i, n - i, &bad);
        if ((rc = nf_buf_append(out, "\xEF\xBF\xBD", 3)))
            return rc;
        i += bad;
        if (*nrep < UINT32_MAX)
            ++*nrep;
    }
    return NF_OK;
}

bool nf_text_blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c != ' ' && (c < '\t' || c > '\r'))
                return false;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return false;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat != UTF8PROC_CATEGORY_ZS && cat != UTF8PROC_CATEGORY_ZL &&
            cat != UTF8PROC_CATEGORY_ZP && cp != 0x85 && cp != 0x200B && cp != 0xFEFF)
            return false;
        i += (size_t)k;
    }
    return true;
}

/* ============================================================================================
 * Sources: bytes of one input, decompressed. A source reports an error once, after every byte
 * it could decode has been delivered, so the records before a cut are not lost.
 * ========================================================================================== */

enum { SRC_RAW, SRC_GZIP, SRC_ZSTD };

typedef struct nf_src {
    int fd;                     /* -1: memory */
    bool own_fd;
    int kind;
    const unsigned char *in;    /* input window: inbuf or the caller's memory */
    size_t in_pos, in_end;
    unsigned char *inbuf;       /* INBUF bytes, owned by the reader (reused across inputs) */
    bool in_eof;
    bool done;                  /* no more output */
    bool mid;                   /* inside a compressed member / frame */
    nf_rc err;                  /* NF_OK, NF_EIO, NF_ETRUNC or NF_EPARSE once done */
    char emsg[120];
    z_stream z;
    bool z_init;
    ZSTD_DStream *zd;
} nf_src;

static void src_fail(nf_src *s, nf_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->emsg, sizeof s->emsg, fmt, ap);
    va_end(ap);
    s->err = rc;
    s->done = true;
}

/* Read more compressed input, appending when keep is set (the magic probe). */
static void src_refill(nf_src *s, bool keep)
{
    if (s->fd < 0) {
        s->in_eof = true;
        return;
    }
    if (!keep)
        s->in_pos = s->in_end = 0;
    ssize_t k;
    do
        k = read(s->fd, s->inbuf + s->in_end, INBUF - s->in_end);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        src_fail(s, NF_EIO, "read error: %s", strerror(errno));
    else if (k == 0)
        s->in_eof = true;
    else
        s->in_end += (size_t)k;
}

static void src_close(nf_src *s)
{
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    if (s->z_init)
        inflateEnd(&s->z);
    ZSTD_freeDStream(s->zd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

/* Start a source on fd (or on memory when fd < 0) reading through inbuf; probes the magic. */
static nf_rc src_open(nf_src *s, int fd, bool own_fd, unsigned char *inbuf, const void *mem,
                      size_t memn)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->own_fd = own_fd;
    s->inbuf = inbuf;
    if (fd < 0) {
        s->in = mem;
        s->in_end = memn;
        s->in_eof = true;
    } else {
        s->in = s->inbuf;
        while (s->in_end < 4 && !s->in_eof && !s->done)
            src_refill(s, true);
    }
    const unsigned char *p = s->in;
    size_t n = s->in_end;
    if (n >= 2 && p[0] == 0x1F && p[1] == 0x8B) {
        s->kind = SRC_GZIP;
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return NF_ENOMEM;
        s->z_init = true;
    } else if (n >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD) {
        s->kind = SRC_ZSTD;
        if (!(s->zd = ZSTD_createDStream()))
            return NF_ENOMEM;
        ZSTD_initDStream(s->zd);
    }
    return NF_OK;
}

static size_t src_read_raw(nf_src *s, char *out, size_t cap)
{
    if (s->in_pos < s->in_end) {
        size_t k = NF_MIN(cap, s->in_end - s->in_pos);
        memcpy(out, s->in + s->in_pos, k);
        s->in_pos += k;
        return k;
    }
    if (s->in_eof) {
        s->done = true;
        return 0;
    }
    ssize_t k;
    do
        k = read(s->fd, out, cap);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        src_fail(s, NF_EIO, "read error: %s", strerror(errno));
    else if (k == 0)
        s->done = true;
    return k > 0 ? (size_t)k : 0;
}

/* gzip, including concatenated members (what `cat a.gz b.gz` makes); zero padding after the
 * last member is ignored, other trailing bytes are an error. */
static size_t src_read_gzip(nf_src *s, char *out, size_t cap)
{
    z_stream *z = &s->z;
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)NF_MIN(cap, (size_t)UINT32_MAX);
    uInt avail0 = z->avail_out;
    while (z->avail_out == avail0 && !s->done) {
        if (s->in_pos == s->in_end) {
            if (!s->in_eof)
                src_refill(s, false);
            if (s->done)
                break;
            if (s->in_pos == s->in_end && s->in_eof) {
                if (s->mid)
                    src_fail(s, NF_ETRUNC, "truncated gzip stream");
                s->done = true;
                break;
            }
            continue;
        }
        if (!s->mid) {
            unsigned char c = s->in[s->in_pos];
            if (c == 0) {
                s->in_pos++;
                continue;
            }
            if (c != 0x1F) {
                src_fail(s, NF_EPARSE, "corrupt gzip stream: trailing data after the last member");
                break;
            }
            inflateReset(z);
            s->mid = true;
        }
        z->next_in = (Bytef *)(s->in + s->in_pos);
        z->avail_in = (uInt)NF_MIN(s->in_end - s->in_pos, (size_t)UINT32_MAX);
        int ret = inflate(z, Z_NO_FLUSH);
        s->in_pos = (size_t)((const unsigned char *)z->next_in - s->in);
        if (ret == Z_STREAM_END)
            s->mid = false;
        else if (ret != Z_OK && ret != Z_BUF_ERROR)
            src_fail(s, NF_EPARSE, "corrupt gzip stream: %s", z->msg ? z->msg : "bad data");
    }
    return avail0 - z->avail_out;
}

static size_t src_read_zstd(nf_src *s, char *out, size_t cap)
{
    ZSTD_outBuffer ob = {out, cap, 0};
    while (ob.pos == 0 && !s->done) {
        if (s->in_pos == s->in_end && !s->in_eof) {
            src_refill(s, false);
            if (s->done)
                break;
        }
        ZSTD_inBuffer ib = {s->in, s->in_end, s->in_pos};
        size_t ret = ZSTD_decompressStream(s->zd, &ob, &ib);
        bool moved = ib.pos != s->in_pos || ob.pos > 0;
        s->in_pos = ib.pos;
        if (ZSTD_isError(ret)) {
            src_fail(s, NF_EPARSE, "corrupt zstd stream: %s", ZSTD_getErrorName(ret));
            break;
        }
        if (ret == 0)
            s->mid = false;     /* a frame decoded and flushed */
        else if (moved)
            s->mid = true;
        if (!moved && s->in_pos == s->in_end && s->in_eof) {
            if (s->mid)
                src_fail(s, NF_ETRUNC, "truncated zstd stream");
            s->done = true;
        }
    }
    return ob.pos;
}

/* Up to cap decoded bytes; 0 only when the source is done (then s->err tells why). */
static size_t src_read(nf_src *s, char *out, size_t cap)
{
    size_t k = 0;
    while (k == 0 && !s->done) {
        switch (s->kind) {
        case SRC_GZIP: k = src_read_gzip(s, out, cap); break;
        case SRC_ZSTD: k = src_read_zstd(s, out, cap); break;
        default: k = src_read_raw(s, out, cap); break;
        }
    }
    return k;
}

/* Every decoded byte of s appended to out (out->max, when set, is the ceiling: NF_ETOOBIG, with
 * the whole decoded size in *total). Returns NF_OK or the source's error. */
static nf_rc src_drain(nf_src *s, nf_buf *out, uint64_t *total)
{
    char probe[4096];
    *total = out->n;
    for (;;) {
        size_t want = 64u << 10;
        if (out->max)
            want = out->n < out->max ? NF_MIN(want, out->max - out->n) : 0;
        if (want == 0)
            break;
        nf_rc rc = nf_buf_reserve(out, want);
        if (rc)
            return rc;
        size_t k = src_read(s, out->p + out->n, want);
        out->n += k;
        out->p[out->n] = 0;
        *total = out->n;
        if (k == 0)
            return s->err;
    }
    /* at the ceiling: anything more is too much; count it without keeping it */
    size_t k;
    while ((k = src_read(s, probe, sizeof probe)) > 0)
        *total += k;
    if (*total > out->n)
        return NF_ETOOBIG;
    return s->err;
}

nf_rc nf_decompress(const void *in, size_t n, nf_buf *out, char *msg, size_t msgcap)
{
    if (!out || (!in && n))
        return NF_EINVAL;
    nf_src s;
    uint64_t total;
    nf_rc rc = src_open(&s, -1, false, NULL, in ? in : "", n);
    if (rc == NF_OK)
        rc = src_drain(&s, out, &total);
    if (msg && msgcap)
        snprintf(msg, msgcap, "%s", s.err ? s.emsg : rc ? nf_strerror(rc) : "");
    src_close(&s);
    return rc;
}

/* open(2) for reading, refusing directories (EISDIR): -1 with errno set on failure. */
static int open_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    return fd;
}

static nf_rc load_fail(nf_diag *d, const char *path, nf_rc code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    d->file = path;
    d->line = d->col = 0;
    d->code = code;
    return code;
}

nf_rc nf_file_load(const char *path, nf_buf *out, nf_diag *d)
{
    if (!path || !out || !d)
        return NF_EINVAL;
    memset(d, 0, sizeof *d);
    bool is_stdin = !strcmp(path, "-");   /* as the reader: "-" is standard input */
    int fd = is_stdin ? STDIN_FILENO : open_file(path);
    if (fd < 0)
        return load_fail(d, path, NF_EIO, "cannot open: %s", strerror(errno));
    unsigned char *inbuf = malloc(INBUF);
    if (!inbuf) {
        if (!is_stdin)
            close(fd);
        return load_fail(d, path, NF_ENOMEM, "out of memory");
    }
    nf_src s;
    uint64_t total = 0;
    nf_rc rc = src_open(&s, fd, !is_stdin, inbuf, NULL, 0);
    if (rc == NF_OK)
        rc = src_drain(&s, out, &total);
    if (rc == NF_ETOOBIG)
        load_fail(d, path, rc, "file of %llu bytes exceeds the limit of %zu",
                  (unsigned long long)total, out->max);
    else if (rc && s.err)
        load_fail(d, path, rc, "%s", s.emsg);
    else if (rc)
        load_fail(d, path, rc, "%s", nf_strerror(rc));
    src_close(&s);
    free(inbuf);
    return rc;
}

/* ============================================================================================
 * Inputs and the reader.
 * ========================================================================================== */

enum { FMT_TEXT, FMT_JSONL, FMT_HTML };

typedef struct nf_input {
    char *path;          /* as shown in diagnostics and nf_article.source */
    int err;             /* errno from the walk (0: fine) */
    uint8_t fmt;
    bool is_stdin;
} nf_input;

typedef struct id_slot {
    uint64_t lo, hi;     /* XXH3-128 of the id; lo == hi == 0 marks an empty slot */
    uint64_t line;
    uint32_t input;
    uint32_t pad;
} id_slot;

struct nf_reader {
    nf_read_opts o;
    nf_input *in;
    size_t nin, capin, cur;
    bool active;                 /* in[cur] is open */
    const void *mem;             /* nf_reader_open_mem */
    size_t memn;
    nf_src src;
    unsigned char *inbuf;        /* compressed input for file sources (INBUF bytes) */
    char *buf;                   /* line buffer: unread bytes are [pos, end) */
    size_t cap, pos, end, scan;  /* scan: bytes after pos known to hold no newline */
    bool eager;                  /* the last read filled the buffer: grow it (read-ahead) */
    uint64_t lineno;             /* lines consumed in the current input */
    uint64_t toolong;            /* size of the record just skipped */
    nf_buf fix;                  /* UTF-8 repair scratch */
    id_slot *ids;
    size_t nids, capids;         /* capids: power of two */
    uint64_t nread, nacc, nrej, nbytes;
};

static bool has_suffix(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

/* Length of name without a compression suffix. */
static size_t strip_compression(const char *name, size_t n)
{
    static const char *const sufs[] = {".gz", ".zst", ".zstd"};
    for (size_t i = 0; i < NF_ARRAY_LEN(sufs); i++)
        if (has_suffix(name, n, sufs[i]))
            return n - strlen(sufs[i]);
    return n;
}

static uint8_t format_of(const char *path)
{
    size_t n = strip_compression(path, strlen(path));
    if (has_suffix(path, n, ".jsonl") || has_suffix(path, n, ".json") ||
        has_suffix(path, n, ".ndjson"))
        return FMT_JSONL;
    if (has_suffix(path, n, ".html") || has_suffix(path, n, ".htm"))
        return FMT_HTML;
    return FMT_TEXT;
}

static nf_rc add_input(nf_reader *r, const char *path, int err, bool is_stdin)
{
    nf_rc rc = nf_grow((void **)&r->in, &r->capin, r->nin + 1, sizeof *r->in);
    if (rc)
        return rc;
    char *p = strdup(path);
    if (!p)
        return NF_ENOMEM;
    r->in[r->nin++] = (nf_input){p, err, is_stdin ? FMT_JSONL : format_of(path), is_stdin};
    return NF_OK;
}

static int not_hidden(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int by_bytes(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The directories on the path being walked, to stop at symlink loops. */
typedef struct walk_dirs {
    dev_t dev[MAX_DEPTH];
    ino_t ino[MAX_DEPTH];
} walk_dirs;

/* nf_input.err of a FIFO, socket or device met inside a directory: opening a FIFO with no
 * writer would wait for ever, and none of them is a saved article. Named inputs may be any of
 * them (a shell's <(...) is a pipe). */
#define ERR_NOT_REGULAR (-1)

/* Add path: a file, or a directory walked in sorted byte order without hidden entries. A
 * directory already on the walked path (a symlink loop) is reported as an input error. */
static nf_rc add_path(nf_reader *r, const char *path, int depth, walk_dirs *up)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return add_input(r, path, errno, false);
    if (!S_ISDIR(st.st_mode))
        return add_input(r, path, depth > 0 && !S_ISREG(st.st_mode) ? ERR_NOT_REGULAR : 0, false);
    if (depth >= MAX_DEPTH)
        return add_input(r, path, ELOOP, false);
    for (int i = 0; i < depth; i++)
        if (up->dev[i] == st.st_dev && up->ino[i] == st.st_ino)
            return add_input(r, path, ELOOP, false);
    up->dev[depth] = st.st_dev;
    up->ino[depth] = st.st_ino;
    struct dirent **list = NULL;
    int n = scandir(path, &list, not_hidden, by_bytes);
    if (n < 0)
        return add_input(r, path, errno, false);
    nf_rc rc = NF_OK;
    size_t plen = strlen(path);
    bool slash = plen && path[plen - 1] == '/';
    for (int i = 0; i < n; i++) {
        if (rc == NF_OK) {
            size_t need = plen + strlen(list[i]->d_name) + 2;
            char *sub = malloc(need);
            if (!sub) {
                rc = NF_ENOMEM;
            } else {
                snprintf(sub, need, "%s%s%s", path, slash ? "" : "/", list[i]->d_name);
                rc = add_path(r, sub, depth + 1, up);
                free(sub);
            }
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

static nf_rc reader_new(nf_reader **out, const nf_read_opts *opts)
{
    nf_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NF_ENOMEM;
    if (opts)
        r->o = *opts;
    nf_read_opts *o = &r->o;
    o->id_field = o->id_field ? o->id_field : "id";
    o->outlet_field = o->outlet_field ? o->outlet_field : "outlet";
    o->url_field = o->url_field ? o->url_field : "url";
    o->date_field = o->date_field ? o->date_field : "date";
    o->title_field = o->title_field ? o->title_field : "title";
    o->text_field = o->text_field ? o->text_field : "text";
    o->max_record = o->max_record ? o->max_record : DEFAULT_MAX_RECORD;
    if (o->max_record > SIZE_MAX / 8)
        o->max_record = SIZE_MAX / 8;
    /* a repaired record can be three times its input (every byte an U+FFFD) */
    nf_buf_init(&r->fix, 3 * o->max_record + 16);
    r->src.fd = -1;
    *out = r;
    return NF_OK;
}

nf_rc nf_reader_open(nf_reader **out, const char *const *paths, size_t npaths,
                     const nf_read_opts *opts)
{
    if (!out || (npaths && !paths))
        return NF_EINVAL;
    *out = NULL;
    nf_reader *r;
    walk_dirs up;
    nf_rc rc = reader_new(&r, opts);
    for (size_t i = 0; rc == NF_OK && i < npaths; i++) {
        if (!paths[i])
            rc = NF_EINVAL;
        else if (!strcmp(paths[i], "-"))
            rc = add_input(r, "<stdin>", 0, true);
        else
            rc = add_path(r, paths[i], 0, &up);
    }
    if (rc) {
        nf_reader_close(r);
        return rc;
    }
    *out = r;
    return NF_OK;
}

nf_rc nf_reader_open_mem(nf_reader **out, const void *data, size_t n, const char *name,
                         const nf_read_opts *opts)
{
    if (!out || (!data && n) || !name)
        return NF_EINVAL;
    *out = NULL;
    nf_reader *r;
    nf_rc rc = reader_new(&r, opts);
    if (rc == NF_OK)
        rc = add_input(r, name, 0, false);
    if (rc) {
        nf_reader_close(r);
        return rc;
    }
    r->mem = data ? data : "";
    r->memn = n;
    *out = r;
    return NF_OK;
}

void nf_reader_counts(const nf_reader *r, uint64_t *read, uint64_t *accepted,
                      uint64_t *rejected, uint64_t *bytes)
{
    if (read)
        *read = r ? r->nread : 0;
    if (accepted)
        *accepted = r ? r->nacc : 0;
    if (rejected)
        *rejected = r ? r->nrej : 0;
    if (bytes)
        *bytes = r ? r->nbytes : 0;
}

void nf_reader_close(nf_reader *r)
{
    if (!r)
        return;
    src_close(&r->src);
    for (size_t i = 0; i < r->nin; i++)
        free(r->in[i].path);
    free(r->in);
    free(r->buf);
    free(r->inbuf);
    free(r->ids);
    nf_buf_reset(&r->fix);
    free(r);
}

/* ---- articles ---- */

void nf_article_reset(nf_article *a)
{
    if (!a)
        return;
    free(a->id);
    free(a->outlet);
    free(a->url);
    free(a->title);
    free(a->text);
    free(a->label);
    memset(a, 0, sizeof *a);
    a->time = NF_NO_TIME;
}

static nf_rc dup_str(char **dst, const char *s)
{
    *dst = NULL;
    if (s && !(*dst = strdup(s)))
        return NF_ENOMEM;
    return NF_OK;
}

nf_rc nf_article_copy(nf_article *dst, const nf_article *src)
{
    if (!dst || !src)
        return NF_EINVAL;
    *dst = *src;
    dst->id = dst->outlet = dst->url = dst->title = dst->text = dst->label = NULL;
    nf_rc rc = NF_OK;
    rc = rc ? rc : dup_str(&dst->id, src->id);
    rc = rc ? rc : dup_str(&dst->outlet, src->outlet);
    rc = rc ? rc : dup_str(&dst->url, src->url);
    rc = rc ? rc : dup_str(&dst->title, src->title);
    rc = rc ? rc : dup_str(&dst->label, src->label);
    if (rc == NF_OK && src->text) {
        if (!(dst->text = malloc(src->text_len + 1)))
            rc = NF_ENOMEM;
        else {
            memcpy(dst->text, src->text, src->text_len);
            dst->text[src->text_len] = 0;
        }
    }
    if (rc)
        nf_article_reset(dst);
    return rc;
}

/* ---- diagnostics and counts ---- */

/* Fill d (all but msg) and count the record, unless it is an unreadable input: that is an I/O
 * error of the run, not a record. */
static nf_rc reject_keep(nf_reader *r, nf_diag *d, nf_rc code, uint64_t line, uint64_t col)
{
    d->file = r->in[r->cur].path;
    d->line = line;
    d->col = col;
    d->code = code;
    if (code != NF_EIO || line != 0) {
        r->nread++;
        r->nrej++;
    }
    return code;
}

static nf_rc reject(nf_reader *r, nf_diag *d, nf_rc code, uint64_t line, uint64_t col,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return reject_keep(r, d, code, line, col);
}

/* ---- the id set ---- */

static id_slot *id_find(nf_reader *r, uint64_t lo, uint64_t hi)
{
    size_t mask = r->capids - 1;
    for (size_t i = (size_t)lo & mask;; i = (i + 1) & mask) {
        id_slot *s = &r->ids[i];
        if ((s->lo == lo && s->hi == hi) || (s->lo == 0 && s->hi == 0))
            return s;
    }
}

static nf_rc id_grow(nf_reader *r)
{
    size_t ncap = r->capids ? r->capids * 2 : 1024;
    id_slot *old = r->ids;
    size_t ocap = r->capids;
    if (!(r->ids = calloc(ncap, sizeof *r->ids))) {
        r->ids = old;
        return NF_ENOMEM;
    }
    r->capids = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].lo || old[i].hi)
            *id_find(r, old[i].lo, old[i].hi) = old[i];
    free(old);
    return NF_OK;
}

/* NF_OK and the id recorded, or NF_EDUP with *first = where it was seen. */
static nf_rc id_claim(nf_reader *r, const char *id, uint64_t line, const id_slot **first)
{
    if ((r->nids + 1) * 4 > r->capids * 3) {
        nf_rc rc = id_grow(r);
        if (rc)
            return rc;
    }
    XXH128_hash_t h = XXH3_128bits(id, strlen(id));
    if (h.low64 == 0 && h.high64 == 0)
        h.low64 = 1;
    id_slot *s = id_find(r, h.low64, h.high64);
    if (s->lo || s->hi) {
        *first = s;
        return NF_EDUP;
    }
    *s = (id_slot){h.low64, h.high64, line, (uint32_t)r->cur, 0};
    r->nids++;
    return NF_OK;
}

/* Final checks shared by every format: the id is set and new. Consumes a on rejection. */
static nf_rc finish(nf_reader *r, nf_article *a, nf_diag *d, uint64_t line)
{
    const nf_input *in = &r->in[r->cur];
    if (!a->id) {
        const char *base = in->is_stdin ? "stdin" : strrchr(in->path, '/');
        base = base ? (base[0] == '/' ? base + 1 : base) : in->path;
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s:%llu", base, (unsigned long long)line);
        if (!(a->id = strdup(tmp))) {
            nf_article_reset(a);
            return reject(r, d, NF_ENOMEM, line, 0, "out of memory");
        }
    }
    const id_slot *first = NULL;
    nf_rc rc = id_claim(r, a->id, line, &first);
    if (rc == NF_EDUP) {
        char where[64] = "";
        if (first->line)
            snprintf(where, sizeof where, ":%llu", (unsigned long long)first->line);
        reject(r, d, NF_EDUP, line, 0, "duplicate id '%.80s' (first seen at %.80s%s)", a->id,
               r->in[first->input].path, where);
        nf_article_reset(a);
        return NF_EDUP;
    }
    if (rc) {
        nf_article_reset(a);
        return reject(r, d, rc, line, 0, "out of memory");
    }
    a->source = in->path;
    a->line = line;
    r->nread++;
    r->nacc++;
    return NF_OK;
}

/* ---- the line buffer ---- */

/* Room for more bytes after end: compact, then grow within the ceiling. The buffer starts at
 * 64 KiB and doubles while reads keep filling it (up to 4 MiB: reads of 1 MiB), or while one
 * record does not fit; so a small input costs little and a large one is read in big chunks. */
static nf_rc buf_room(nf_reader *r)
{
    size_t want = NF_MIN((size_t)CHUNK, r->cap / 2);
    if (r->cap && !r->eager && r->cap - r->end >= want)
        return NF_OK;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->cap && !r->eager && r->cap - r->end >= want)
        return NF_OK;
    r->eager = false;
    size_t ceiling = r->o.max_record + 2 * (size_t)CHUNK;
    if (r->cap >= ceiling)
        return r->cap > r->end ? NF_OK : NF_ETOOBIG;
    size_t ncap = r->cap ? r->cap * 2 : (size_t)64 << 10;
    ncap = NF_MIN(ncap, ceiling);
    char *nb = realloc(r->buf, ncap);
    if (!nb)
        return NF_ENOMEM;
    r->buf = nb;
    r->cap = ncap;
    return NF_OK;
}

/* Read more into the buffer; false when the source is done (or memory ran out). */
static bool buf_fill(nf_reader *r)
{
    if (r->src.done)
        return false;
    if (buf_room(r)) {
        src_fail(&r->src, NF_ENOMEM, "out of memory");
        return false;
    }
    size_t ask = r->cap - r->end;
    size_t k = src_read(&r->src, r->buf + r->end, ask);
    r->end += k;
    r->nbytes += k;
    r->eager = k == ask && r->cap < 4 * (size_t)CHUNK;
    return k > 0;
}

/* Skip the rest of an over-long record without keeping it; its size goes to r->toolong. */
static void skip_record(nf_reader *r, bool to_newline)
{
    uint64_t n = r->end - r->pos;
    r->pos = r->end = r->scan = 0;
    while (!r->src.done) {
        size_t k = src_read(&r->src, r->buf, r->cap);
        r->nbytes += k;
        const char *nl = to_newline ? memchr(r->buf, '\n', k) : NULL;
        if (nl) {
            n += (uint64_t)(nl - r->buf);
            r->pos = (size_t)(nl - r->buf) + 1;
            r->end = k;
            break;
        }
        n += k;
    }
    r->toolong = n;
}

enum { LINE_EOF, LINE_OK, LINE_LONG, LINE_ERR };

/* The next line [*lp, *lp + *ln) without its newline. LINE_ERR: the source failed, and the
 * incomplete record at the cut (r->toolong bytes) is dropped. */
static int next_line(nf_reader *r, const char **lp, size_t *ln)
{
    for (;;) {
        size_t have = r->end - r->pos;
        const char *nl = have > r->scan ? memchr(r->buf + r->pos + r->scan, '\n', have - r->scan)
                                        : NULL;
        if (nl) {
            *lp = r->buf + r->pos;
            *ln = (size_t)(nl - *lp);
            r->pos += *ln + 1;
            r->scan = 0;
            r->lineno++;
            if (*ln > r->o.max_record) {     /* whole line already here, still too long */
                r->toolong = *ln;
                return LINE_LONG;
            }
            return LINE_OK;
        }
        r->scan = have;
        if (have > r->o.max_record) {
            skip_record(r, true);
            r->lineno++;
            return LINE_LONG;
        }
        if (!buf_fill(r)) {
            have = r->end - r->pos;
            r->pos = r->end;
            r->scan = 0;
            if (r->src.err) {
                r->toolong = have;
                return LINE_ERR;
            }
            if (!have)
                return LINE_EOF;
            *lp = r->buf + r->end - have;
            *ln = have;
            r->lineno++;
            return LINE_OK;
        }
    }
}

/* ---- inputs ---- */

static void input_end(nf_reader *r)
{
    src_close(&r->src);
    r->pos = r->end = r->scan = 0;
    r->active = false;
    r->cur++;
}

/* A rejection that ends the current input. */
static nf_rc reject_input(nf_reader *r, nf_diag *d, nf_rc rc)
{
    input_end(r);
    return rc;
}

static nf_rc src_error(nf_reader *r, nf_diag *d, uint64_t line)
{
    nf_src *s = &r->src;
    if (s->err == NF_EIO || s->err == NF_ENOMEM)
        return reject(r, d, s->err, s->err == NF_EIO ? 0 : line, 0, "%s", s->emsg);
    if (r->toolong)
        return reject(r, d, s->err, line, 0, "%s (incomplete last record of %llu bytes dropped)",
                      s->emsg, (unsigned long long)r->toolong);
    return reject(r, d, s->err, line, 0, "%s", s->emsg);
}

/* Open in[cur]. NF_OK: active. Otherwise a diagnostic for the input, which is done. */
static nf_rc input_begin(nf_reader *r, nf_diag *d)
{
    nf_input *in = &r->in[r->cur];
    r->lineno = 0;
    r->toolong = 0;
    if (in->err)
        return reject_input(r, d, reject(r, d, NF_EIO, 0, 0, "cannot open: %s",
                                         in->err == ERR_NOT_REGULAR
                                             ? "not a regular file (a FIFO, socket or device in a "
                                               "directory is not read)"
                                             : strerror(in->err)));
    int fd = -1;
    if (in->is_stdin) {
        fd = 0;
    } else if (!r->mem) {
        fd = open_file(in->path);
        if (fd < 0)
            return reject_input(r, d, reject(r, d, NF_EIO, 0, 0, "cannot open: %s", strerror(errno)));
    }
    if (fd >= 0 && !r->inbuf && !(r->inbuf = malloc(INBUF))) {
        if (!in->is_stdin)
            close(fd);
        return reject_input(r, d, reject(r, d, NF_ENOMEM, 1, 0, "out of memory"));
    }
    nf_rc rc = src_open(&r->src, fd, !in->is_stdin, r->inbuf, r->mem, r->memn);
    if (rc == NF_OK && r->src.err)
        return reject_input(r, d, src_error(r, d, 0));
    if (rc)
        return reject_input(r, d, reject(r, d, rc, 1, 0, "out of memory"));
    r->active = true;
    /* the binary probe, before anything else: a device or a huge binary file is not read
     * through, and a whole file is one rejection */
    while (r->end < BINARY_PROBE && buf_fill(r))
        ;
    const char *nul = r->end ? memchr(r->buf, 0, NF_MIN(r->end, (size_t)BINARY_PROBE)) : NULL;
    if (nul) {
        reject(r, d, NF_EBINARY, 0, 0, "binary file (NUL byte at offset %zu)",
               (size_t)(nul - r->buf));
        return reject_input(r, d, NF_EBINARY);
    }
    /* JSONL: a UTF-8 byte order mark goes before the first line (whole files drop it too) */
    if (in->fmt == FMT_JSONL && r->end >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3))
        r->pos = 3;
    return NF_OK;
}

/* The line as valid UTF-8: itself, or repaired into r->fix. */
static nf_rc valid_line(nf_reader *r, const char **lp, size_t *ln, uint32_t *nrep)
{
    *nrep = 0;
    size_t v = nf_utf8_valid(*lp, *ln);
    if (v == *ln)
        return NF_OK;
    r->fix.n = 0;               /* the valid prefix is copied, not checked a second time */
    nf_rc rc = nf_buf_append(&r->fix, *lp, v);
    if (rc == NF_OK)
        rc = nf_utf8_repair(*lp + v, *ln - v, &r->fix, nrep);
    if (rc == NF_OK) {
        *lp = r->fix.p;
        *ln = r->fix.n;
    }
    return rc;
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* One JSONL record, or NF_DONE at the end of the input. */
static nf_rc jsonl_step(nf_reader *r, nf_article *a, nf_diag *d)
{
    for (;;) {
        const char *p = NULL;
        size_t n = 0;
        int k = next_line(r, &p, &n);
        if (k == LINE_EOF)
            return NF_DONE;
        if (k == LINE_ERR)
            return reject_input(r, d, src_error(r, d, r->lineno + 1));
        if (k == LINE_LONG)
            return reject(r, d, NF_ETOOBIG, r->lineno, 0,
                          "record of %llu bytes exceeds the limit of %zu",
                          (unsigned long long)r->toolong, r->o.max_record);
        if (blank_line(p, n))
            continue;
        if (p[n - 1] == '\r')
            n--;
        uint32_t nrep;
        nf_rc rc = valid_line(r, &p, &n, &nrep);
        if (rc)
            return reject(r, d, rc, r->lineno, 0, "%s", nf_strerror(rc));
        memset(a, 0, sizeof *a);
        a->time = NF_NO_TIME;
        rc = nf_jsonl_parse(p, n, &r->o, a, d);
        if (rc)
            return reject_keep(r, d, rc, r->lineno, d->col);
        a->repaired = nrep;
        return finish(r, a, d, r->lineno);
    }
}

/* The seeds header: optional white space, "date", white space, an ISO date, white space. */
static size_t seeds_header(const char *s, size_t n, int64_t *t)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i < 5 || memcmp(s + i, "date", 4) || (s[i + 4] != ' ' && s[i + 4] != '\t'))
        return 0;
    i += 5;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t j = i;
    while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r')
        j++;
    if (j == i || nf_parse_date(s + i, j - i, t) != NF_OK)
        return 0;
    while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
        j++;
    return j;
}

/* The id of a whole-file article, for the reader and `newsfold extract` alike: the file name
 * without compression suffix and extension. */
char *nf_file_id(const char *path)
{
    if (!path)
        return NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strip_compression(base, strlen(base));
    if (n == 0)                 /* ".gz": the name is all suffix, keep it */
        n = strlen(base);
    const char *dot = memrchr(base, '.', n);
    if (dot && dot > base)
        n = (size_t)(dot - base);
    return strndup(base, n);
}

/* HTML HOOK: the html helper replaces this rejection with its extractor, called with the whole
 * page (decoded, NUL-free in its first 8 KiB, at most max_record bytes); it fills a (text,
 * title, url, date ...) and returns NF_OK, or a rejection code with d->msg. whole_step() then
 * names the article after its file (nf_file_id, as for plain text) and finish() checks duplicates. */
static nf_rc html_record(nf_reader *r, const char *page, size_t n, nf_article *a, nf_diag *d)
{
    return nf_html_article(page, n, r->in[r->cur].path, a, d);
}

/* Plain text (seeds format) or HTML: the whole input is one record. */
static nf_rc whole_step(nf_reader *r, nf_article *a, nf_diag *d)
{
    const nf_input *in = &r->in[r->cur];
    /* input_begin has probed for binary data */
    while (r->end - r->pos <= r->o.max_record && buf_fill(r))
        ;
    if (r->src.err) {
        r->toolong = 0;
        return reject_input(r, d, src_error(r, d, 0));
    }
    if (r->end - r->pos > r->o.max_record) {
        skip_record(r, false);
        reject(r, d, NF_ETOOBIG, 0, 0, "record of %llu bytes exceeds the limit of %zu",
               (unsigned long long)r->toolong, r->o.max_record);
        return reject_input(r, d, NF_ETOOBIG);
    }
    const char *s = r->buf + r->pos;
    size_t n = r->end - r->pos;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        n -= 3;
    }
    memset(a, 0, sizeof *a);
    a->time = NF_NO_TIME;
    nf_rc rc;
    if (in->fmt == FMT_HTML) {
        rc = html_record(r, s, n, a, d);
        if (rc) {
            nf_article_reset(a);
            reject_keep(r, d, rc, 0, 0);
            return reject_input(r, d, rc);
        }
        /* the file name, as for plain text and as `newsfold extract` names the page */
        if (!a->id && !(a->id = nf_file_id(in->path))) {
            nf_article_reset(a);
            reject(r, d, NF_ENOMEM, 0, 0, "out of memory");
            return reject_input(r, d, NF_ENOMEM);
        }
    } else {
        uint32_t nrep;
        if ((rc = valid_line(r, &s, &n, &nrep))) {
            reject(r, d, rc, 0, 0, "%s", nf_strerror(rc));
            return reject_input(r, d, rc);
        }
        size_t h = seeds_header(s, n, &a->time);
        s += h;
        n -= h;
        if (n == 0 || nf_text_blank(s, n)) {
            reject(r, d, NF_EEMPTY, 0, 0, "empty article");
            return reject_input(r, d, NF_EEMPTY);
        }
        a->repaired = nrep;
        a->text = malloc(n + 1);
        a->id = nf_file_id(in->path);
        if (!a->text || !a->id) {
            nf_article_reset(a);
            reject(r, d, NF_ENOMEM, 0, 0, "out of memory");
            return reject_input(r, d, NF_ENOMEM);
        }
        memcpy(a->text, s, n);
        a->text[n] = 0;
        a->text_len = n;
    }
    rc = finish(r, a, d, 0);
    /* finish() names r->in[r->cur]: close only afterwards */
    input_end(r);
    return rc;
}

nf_rc nf_reader_next(nf_reader *r, nf_article *a, nf_diag *d)
{
    if (!r || !a || !d)
        return NF_EINVAL;
    memset(d, 0, sizeof *d);
    for (;;) {
        if (!r->active) {
            if (r->cur >= r->nin)
                return NF_DONE;
            nf_rc rc = input_begin(r, d);
            if (rc)
                return rc;
        }
        nf_rc rc = r->in[r->cur].fmt == FMT_JSONL ? jsonl_step(r, a, d) : whole_step(r, a, d);
        if (rc != NF_DONE)
            return rc;
        input_end(r);
    }
}
