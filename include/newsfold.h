/*
 * newsfold.h — the public API of libnewsfold, the one header a program needs.
 *
 * newsfold turns news articles from many outlets into stories: it reads articles (plain text,
 * JSONL, HTML), cleans and normalises their text, finds copies (exact and near duplicates),
 * folds independent reports of one event into a story and compares the coverage inside it.
 *
 * Conventions (see docs/api.md):
 *   - Every fallible call returns an nf_rc; results travel through out-parameters.
 *   - Pointers travel with lengths; text is UTF-8; positions are byte offsets into the caller's
 *     original text (nf_span), so every finding can point back at its source.
 *   - Ownership is in the verb: _new/_free (heap), _init/_reset (caller storage),
 *     _open/_close (resources). Every _free/_close accepts NULL.
 *
 * The header is organised in sections, one per pipeline stage, in pipeline order.
 */
#ifndef NEWSFOLD_H
#define NEWSFOLD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NF_VERSION "0.1.0"

/* ============================================================================================
 * Result codes. Values are pinned: they appear in logs and in the database.
 * ========================================================================================== */
typedef enum nf_rc {
    NF_OK = 0,
    NF_DONE = 1,        /* iteration finished (not an error) */
    NF_ENOMEM = 2,      /* allocation failed */
    NF_EIO = 3,         /* file could not be opened / read / written */
    NF_EPARSE = 4,      /* malformed input (JSON, HTML, date ...) */
    NF_EINVAL = 5,      /* invalid argument from the caller */
    NF_ETOOBIG = 6,     /* input exceeds a configured ceiling */
    NF_EEMPTY = 7,      /* no text where text is required */
    NF_EDUP = 8,        /* duplicate id */
    NF_EBINARY = 9,     /* binary data where text was expected */
    NF_ETRUNC = 10,     /* truncated compressed stream or file */
    NF_ENOTFOUND = 11,  /* no such id / file */
    NF_EFORMAT = 12,    /* unknown or unsupported format / version */
    NF_EDB = 13,        /* database error */
    NF_EMPI = 14        /* distributed run failed */
} nf_rc;

/* A static English description of rc; never NULL. */
const char *nf_strerror(nf_rc rc);
const char *nf_version(void);

/* ============================================================================================
 * Basic types: spans, growable buffers with ceilings, arenas.
 * ========================================================================================== */

/* A half-open byte range [start, end) into some original text. */
typedef struct nf_span {
    uint32_t start, end;
} nf_span;

/* A growable byte buffer with a ceiling (max == 0: no ceiling). Always NUL-terminated when
 * non-empty so that p can be passed to C string APIs; n excludes the terminator. */
typedef struct nf_buf {
    char *p;
    size_t n, cap, max;
} nf_buf;

void  nf_buf_init(nf_buf *b, size_t max);
void  nf_buf_reset(nf_buf *b);              /* frees memory */
nf_rc nf_buf_reserve(nf_buf *b, size_t extra);
nf_rc nf_buf_append(nf_buf *b, const void *p, size_t n);
nf_rc nf_buf_putc(nf_buf *b, int c);

/* A bump allocator for per-article scratch; nf_arena_clear keeps the first block for reuse. */
typedef struct nf_arena nf_arena;
nf_arena *nf_arena_new(size_t block_size);
void      nf_arena_free(nf_arena *a);
void     *nf_arena_alloc(nf_arena *a, size_t n);      /* 16-byte aligned; NULL on failure */
char     *nf_arena_strndup(nf_arena *a, const char *s, size_t n);
void      nf_arena_clear(nf_arena *a);

/* ============================================================================================
 * Articles and readers (src/read.c, src/date.c).
 * ========================================================================================== */

#define NF_NO_TIME INT64_MIN

/* One article. All strings are heap-owned NUL-terminated UTF-8 (NULL when absent) and released
 * by nf_article_reset. text is never NULL for an accepted article. */
typedef struct nf_article {
    char *id;
    char *outlet;        /* given, or derived from the URL host with "www." stripped */
    char *url;
    char *title;
    char *text;          /* the article text as read (invalid UTF-8 repaired to U+FFFD) */
    size_t text_len;
    char *label;         /* the value of nf_read_opts.label_field (gold story), if asked for */
    int64_t time;        /* publication time, seconds since 1970-01-01 UTC, or NF_NO_TIME */
    const char *source;  /* file it came from (owned by the reader; valid until it closes) */
    uint64_t line;       /* 1-based line (JSONL) or 0 (whole-file formats) */
    uint32_t repaired;   /* invalid UTF-8 sequences replaced by U+FFFD */
} nf_article;

void nf_article_reset(nf_article *a);
/* Deep copy; dst must be empty. */
nf_rc nf_article_copy(nf_article *dst, const nf_article *src);

/* Field names and limits for the readers. Zero-initialised means the defaults. */
typedef struct nf_read_opts {
    const char *id_field, *outlet_field, *url_field, *date_field, *title_field, *text_field;
    const char *label_field;   /* extra string field captured into nf_article.label (eval) */
    size_t max_record;         /* ceiling on one record in bytes (default 64 MiB) */
} nf_read_opts;

/* A problem with one input record: where it is and what is wrong. */
typedef struct nf_diag {
    const char *file;
    uint64_t line;     /* 0 when the problem concerns the whole file */
    uint64_t col;      /* 1-based byte column, 0 when unknown */
    nf_rc code;
    char msg[240];
} nf_diag;

/* A reader over a list of inputs: files, directories (walked in sorted order), "-" for stdin.
 * Formats by name/content: .jsonl/.json/.ndjson (optionally .gz/.zst), .txt and other text
 * files in the seeds format (optional leading " date YYYY-MM-DD " header), .html/.htm(.gz).
 *
 * nf_reader_next returns:
 *   NF_OK     an accepted article in *a (caller owns it; reset it before the next call)
 *   NF_DONE   no more input
 *   other     one rejected record, described in *d; call again to continue.
 * Every record is either accepted or rejected: see nf_reader_counts. */
typedef struct nf_reader nf_reader;
nf_rc nf_reader_open(nf_reader **out, const char *const *paths, size_t npaths,
                     const nf_read_opts *opts);
nf_rc nf_reader_next(nf_reader *r, nf_article *a, nf_diag *d);
void  nf_reader_counts(const nf_reader *r, uint64_t *read, uint64_t *accepted,
                       uint64_t *rejected, uint64_t *bytes);
void  nf_reader_close(nf_reader *r);

/* Parse an ISO 8601 date or date-time ("2023-03-20", "2023-03-20T10:00:00Z", "+02:00" offsets,
 * fractional seconds) into seconds since the epoch, UTC. */
nf_rc nf_parse_date(const char *s, size_t n, int64_t *out);
/* Host of a URL without "www." into out (NUL-terminated, truncated to cap). */
nf_rc nf_url_host(const char *url, size_t n, char *out, size_t cap);

/* ============================================================================================
 * Text layer (src/norm.c, src/token.c, src/clean.c).
 * ========================================================================================== */

/* Normalise for matching: NFKC + case folding (utf8proc) with an ASCII fast path; typographic
 * quotes, apostrophes and dashes map to one form each (", ', -). Appends to out. */
nf_rc nf_normalize(const char *s, size_t n, nf_buf *out);

typedef enum nf_tok_kind {
    NF_TOK_WORD = 1,    /* letters, digits inside words, apostrophes and hyphens within words */
    NF_TOK_NUM = 2,     /* numbers incl. decimals and thousands separators: 1,200.5 */
    NF_TOK_PUNCT = 3    /* any other non-space character */
} nf_tok_kind;

enum {
    NF_TF_CAP = 1,        /* word starts with an upper-case letter */
    NF_TF_SENT = 2,       /* first token of a sentence */
    NF_TF_QUOTED = 4,     /* inside a quoted span */
    NF_TF_PARA = 8        /* first token of a paragraph */
};

typedef struct nf_token {
    uint32_t start, end;    /* bytes in the original text */
    uint16_t kind;          /* nf_tok_kind */
    uint16_t flags;         /* NF_TF_* */
} nf_token;

/* A quoted span: open/close are the spans of the marks, inner the text between them. */
typedef struct nf_quote {
    nf_span open, close, inner;
    uint16_t level;         /* 0 outermost, 1 nested single quotes inside double ... */
    uint16_t closed;        /* 0 when the text ended (or a paragraph ran on) without a close */
} nf_quote;

typedef struct nf_tokens {
    nf_token *tok;  size_t ntok, captok;
    nf_span *sent;  size_t nsent, capsent;    /* sentence spans, in order, covering tokens */
    nf_quote *quote; size_t nquote, capquote;
} nf_tokens;

void  nf_tokens_init(nf_tokens *t);
void  nf_tokens_reset(nf_tokens *t);          /* frees memory */
/* Tokenise s: words with byte offsets, sentence spans, quoted spans. Replaces t's contents. */
nf_rc nf_tokenize(const char *s, size_t n, nf_tokens *t);

/* Boilerplate cleaning: find scrape residue (captions and credits, "Read the original article
 * on X", "Sign up for ...", share/advert lines) as whole-line spans. Never rewrites kept text. */
typedef enum nf_residue {
    NF_RES_CAPTION = 1, NF_RES_CREDIT = 2, NF_RES_READMORE = 3, NF_RES_SIGNUP = 4,
    NF_RES_SHARE = 5, NF_RES_ADVERT = 6, NF_RES_BYLINE = 7, NF_RES_OTHER = 8
} nf_residue;

typedef struct nf_removed {
    nf_span span;
    uint32_t why;           /* nf_residue */
} nf_removed;

typedef struct nf_cleaning {
    nf_removed *rm; size_t n, cap;
} nf_cleaning;

void  nf_cleaning_reset(nf_cleaning *c);      /* frees memory */
nf_rc nf_clean(const char *s, size_t n, nf_cleaning *c);
/* The kept text: s without the removed spans, appended to out. */
nf_rc nf_clean_apply(const char *s, size_t n, const nf_cleaning *c, nf_buf *out);
const char *nf_residue_name(uint32_t why);

/* ============================================================================================
 * HTML extraction (src/html.c).
 * ========================================================================================== */

/* ============================================================================================
 * Copies: exact and near-duplicate detection (src/sketch.c, src/lsh.c, src/dedup.c).
 * ========================================================================================== */

/* ============================================================================================
 * Stories: online folding (src/terms.c, src/story.c) and evaluation metrics (src/eval.c).
 * ========================================================================================== */

/* ============================================================================================
 * Coverage: quotes, attribution, additions, differences (src/quote.c, src/attrib.c, src/compare.c).
 * ========================================================================================== */

/* ============================================================================================
 * Store: SQLite database (src/store.c).
 * ========================================================================================== */

/* The story store: articles, copies, story members, stories and each story's comparison in one
 * SQLite file (schema in docs/store.md, versioned by PRAGMA user_version, marked by PRAGMA
 * application_id). WAL mode; writes are grouped in explicit transactions (one per batch) and a
 * commit always leaves stories consistent with their members. */
#define NF_STORE_SCHEMA 1
#define NF_STORE_APP_ID 0x4e464c44    /* "NFLD" */

typedef struct nf_store nf_store;

enum {
    NF_STORE_READONLY = 1,   /* open an existing database read-only (server GETs) */
    NF_STORE_CREATE = 2      /* create the file and schema when missing */
};

/* Open path. On failure *out is NULL and err (if given) holds a readable reason: NF_EIO (cannot
 * open), NF_EFORMAT (not a newsfold database, or a newer schema), NF_EDB (SQLite error). */
nf_rc nf_store_open(nf_store **out, const char *path, int flags, char *err, size_t errcap);
void  nf_store_close(nf_store *s);
const char *nf_store_errmsg(const nf_store *s);   /* last SQLite message, never NULL */

/* Transactions: begin, then commit (refreshes the rows of every story whose members changed
 * inside the transaction before COMMIT) or rollback. */
nf_rc nf_store_begin(nf_store *s);
nf_rc nf_store_commit(nf_store *s);
nf_rc nf_store_rollback(nf_store *s);

typedef enum nf_put_status {
    NF_PUT_NEW = 0,          /* a new id: stored */
    NF_PUT_SAME = 1,         /* id and text already stored: nothing written */
    NF_PUT_UPDATED = 2       /* id stored with different text or metadata: updated in place */
} nf_put_status;

/* Store one article (upsert by id). *seq (optional) receives its insertion number, which with
 * the publication time defines arrival order. */
nf_rc nf_store_put_article(nf_store *s, const nf_article *a, nf_put_status *status, int64_t *seq);
/* Read one article by id into *a (empty on entry); NF_ENOTFOUND when absent. */
nf_rc nf_store_get_article(nf_store *s, const char *id, nf_article *a);

/* Membership and copies. story < 0 removes the article from its story. copy_of NULL: not a copy. */
nf_rc nf_store_set_story(nf_store *s, const char *article_id, int64_t story);
nf_rc nf_store_set_copy(nf_store *s, const char *article_id, const char *copy_of,
                        double similarity);
/* Next unused story id (max + 1). */
nf_rc nf_store_next_story_id(nf_store *s, int64_t *id);
/* The comparison of a story as JSON text (format owned by coverage; stored verbatim). */
nf_rc nf_store_set_comparison(nf_store *s, int64_t story, const char *json, size_t n);
/* *json is malloc'ed (caller frees); NF_ENOTFOUND when the story has none. */
nf_rc nf_store_get_comparison(nf_store *s, int64_t story, char **json);

/* One stored article with its story facts, as iterators hand it out (valid during the call). */
typedef struct nf_stored {
    const nf_article *a;
    int64_t seq;
    int64_t story;           /* -1 when not yet folded */
    const char *copy_of;     /* NULL when not a copy */
    double similarity;
    uint32_t revisions;      /* times the text under this id changed */
} nf_stored;

typedef int (*nf_stored_fn)(const nf_stored *st, void *ctx);   /* non-zero stops */

/* Every article in arrival order: publication time (undated last), then insertion order. */
nf_rc nf_store_each_article(nf_store *s, nf_stored_fn fn, void *ctx);
/* The members of one story in arrival order; NF_ENOTFOUND when the story does not exist. */
nf_rc nf_store_story_members(nf_store *s, int64_t story, nf_stored_fn fn, void *ctx);
/* One article with its story facts. */
nf_rc nf_store_article_info(nf_store *s, const char *id, nf_stored_fn fn, void *ctx);

/* A story row. */
typedef struct nf_story_info {
    int64_t id;
    int64_t size;            /* members */
    int64_t outlets;         /* independent outlets: distinct outlets of members that are not copies */
    int64_t first_time, last_time;   /* NF_NO_TIME when no member is dated */
    const char *headline;    /* title of the earliest independent member (may be NULL) */
} nf_story_info;

typedef int (*nf_story_fn)(const nf_story_info *st, void *ctx);

/* Stories, most independent outlets first, then size, then id. query: words that must all occur
 * in some member's title or text head (NULL/empty: all); since: only stories whose last article is
 * at or after this time (NF_NO_TIME: all). *total (optional) gets the number matching. */
nf_rc nf_store_stories(nf_store *s, const char *query, int64_t since, int64_t limit,
                       int64_t offset, nf_story_fn fn, void *ctx, int64_t *total);
nf_rc nf_store_story(nf_store *s, int64_t id, nf_story_info *out, nf_buf *headline);

/* Counts for summaries and checks. */
typedef struct nf_store_counts {
    int64_t articles, stories, members, copies, comparisons, unfolded;
    int64_t inconsistent;    /* stories whose size differs from their member count (must be 0) */
} nf_store_counts;
nf_rc nf_store_count(nf_store *s, nf_store_counts *c);

/* Refold (src/ingest.c): feed every stored article, in arrival order, to a fresh folder and write
 * the story and copy assignments that changed, batch articles per transaction (0: default 2000).
 * The stories are then exactly those of one run over all stored articles. */
typedef struct nf_refold_stats {
    size_t folded;           /* articles fed to the folder */
    size_t changed;          /* assignments written */
    size_t stories;          /* stories the folder made */
} nf_refold_stats;
nf_rc nf_store_refold(nf_store *s, size_t batch, nf_refold_stats *stats);

/* Online ingest (server POST): one folder fed once with the stored articles, then each new one. */
typedef struct nf_ingest nf_ingest;
typedef struct nf_ingest_result {
    nf_put_status status;
    int64_t story;
    char *copy_of;           /* heap; NULL when not a copy (nf_ingest_result_reset frees) */
} nf_ingest_result;
nf_rc nf_ingest_open(nf_ingest **out, nf_store *s);
/* Store, fold and assign n articles in one transaction; res has n entries. */
nf_rc nf_ingest_add(nf_ingest *g, const nf_article *arts, size_t n, nf_ingest_result *res);
void  nf_ingest_result_reset(nf_ingest_result *res, size_t n);
void  nf_ingest_close(nf_ingest *g);

/* HTTP server (src/serve.c): JSON API over the store and the page, on libmicrohttpd. Listens on
 * loopback unless told otherwise; beyond loopback it refuses to start without a token, and POST
 * always needs the token when one is set. Zero fields mean the defaults. */
typedef struct nf_serve_opts {
    const char *db_path;
    const char *listen;      /* "127.0.0.1:8080" (default); port 0 picks a free port */
    const char *token;       /* bearer token for writing, or NULL */
    const char *page;        /* the HTML page served at / */
    size_t page_len;
    unsigned threads;        /* polling threads (default 2) */
    size_t max_body;         /* bytes (default 16 MiB): larger bodies get 413 */
    size_t max_header;       /* per-connection memory for headers (default 32 KiB) */
    unsigned max_conns;      /* default 1000 */
    unsigned timeout_s;      /* idle seconds before a connection is closed (default 15) */
} nf_serve_opts;

typedef struct nf_server nf_server;
/* Start serving in background threads; err gets a readable reason on failure. */
nf_rc nf_server_start(nf_server **out, const nf_serve_opts *opts, char *err, size_t errcap);
uint16_t nf_server_port(const nf_server *s);   /* the bound port */
void  nf_server_stop(nf_server *s);

#ifdef __cplusplus
}
#endif
#endif /* NEWSFOLD_H */
