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

/* The id of a whole-file article (plain text, HTML page; docs/input.md): the file name without
 * its directory, one compression suffix (.gz .zst .zstd) and then its last extension, if any
 * ("a/b.html.gz" -> "b", "x.y.txt" -> "x.y", ".hidden" stays). Heap string; NULL: no memory. */
char *nf_file_id(const char *path);
/* The whole of one file as the readers see it (gzip or zstd data decompressed; "-" is standard
 * input, read to its end and left open), appended to out, whose max (0: none) is the ceiling on the decoded bytes. On failure d says what, as the
 * reader would, with d->file = path and d->line = 0: NF_EIO "cannot open: ..." (a directory
 * too) or "read error: ...", NF_ETRUNC, NF_EPARSE (corrupt data), NF_ETOOBIG, NF_ENOMEM. */
nf_rc nf_file_load(const char *path, nf_buf *out, nf_diag *d);

/* Parse an ISO 8601 date or date-time ("2023-03-20", "2023-03-20T10:00:00Z", "+02:00" offsets,
 * fractional seconds, "2023-03-20 10:00:00 GMT") or an English date as web pages write it
 * (RFC 2822 "Mon, 20 Mar 2023 10:00:00 +0000", "March 20, 2023, 10:00 AM EST") into seconds
 * since the epoch, UTC. The whole string must be the date (surrounding white space aside). */
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

/* Sentence spans are byte spans from the first token's start to the last token's end (closing
 * quotes after the terminal mark belong to the sentence). Quotes are in order of their opening
 * mark and well nested; inner excludes the marks and surrounding white space. A quote that runs
 * across a paragraph break (the next paragraph re-opens with a mark, or, for one-sentence-a-line
 * text, the next lines close it) is one span. See docs/text.md. */
typedef struct nf_tokens {
    nf_token *tok;  size_t ntok, captok;
    nf_span *sent;  size_t nsent, capsent;    /* sentence spans, in order, covering tokens */
    nf_quote *quote; size_t nquote, capquote;
    uint8_t *aux;   size_t capaux;            /* private per-token scratch, reused */
    uint32_t *cand; size_t ncand, capcand;    /* private: punctuation and paragraph starts */
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

/* Where the publication date came from, in the order they are tried. */
typedef enum nf_date_source {
    NF_DATE_NONE = 0, NF_DATE_JSONLD = 1, NF_DATE_META = 2, NF_DATE_TIME = 3, NF_DATE_URL = 4
} nf_date_source;
const char *nf_date_source_name(nf_date_source s);   /* "json-ld", "meta", "time", "url", "none" */

/* Heuristics of the extractor, each of which can be switched off (for the ablation bench). */
enum {
    NF_EX_NO_TAGS = 1 << 0,      /* skip nav, footer, aside, header, figure, form controls */
    NF_EX_NO_HINTS = 1 << 1,     /* class/id hints (comment, related, share ... vs article) */
    NF_EX_NO_LINKS = 1 << 2,     /* link density of blocks */
    NF_EX_NO_ARTICLE = 1 << 3,   /* prefer <article>, <main>, itemprop=articleBody */
    NF_EX_NO_JSONLD = 1 << 4,    /* JSON-LD articleBody as a check and a fallback */
    NF_EX_NO_BOILER = 1 << 5,    /* boilerplate line patterns ("Advertisement", "Read more") */
    NF_EX_NO_TRIM = 1 << 6,      /* drop short blocks before the first / after the last good one */
    NF_EX_NO_HIDDEN = 1 << 7,    /* hidden elements (hidden, aria-hidden, display:none) */
    NF_EX_NO_PUNCT = 1 << 8,     /* punctuation as evidence of prose */
    NF_EX_NO_RETRY = 1 << 9      /* second pass without hints when the first finds too little */
};

typedef struct nf_extract_opts {
    unsigned off;          /* NF_EX_* heuristics switched off; 0 = all on */
    size_t max_bytes;      /* ceiling on the decoded page (0: 64 MiB); larger pages: NF_ETOOBIG */
} nf_extract_opts;

/* What nf_extract_html found. Strings are heap-owned UTF-8 or NULL; text is "" when no article
 * body was found, and then reason says why. Paragraphs in text are separated by "\n\n". */
typedef struct nf_extracted {
    char *text;
    size_t text_len;
    char *title;
    char *date;            /* the date string as found (trimmed) */
    int64_t time;          /* parsed publication time or NF_NO_TIME */
    nf_date_source date_source;
    char *outlet;          /* og:site_name / JSON-LD publisher, else URL host without www. */
    char *url;             /* canonical (link rel=canonical, og:url), else url_hint */
    const char *reason;    /* static English text when text is empty, else NULL */
    char charset[32];      /* declared charset the page was decoded from */
    uint32_t paragraphs;   /* number of paragraphs in text */
} nf_extracted;

void nf_extracted_init(nf_extracted *x);
void nf_extracted_reset(nf_extracted *x);   /* frees the strings, back to the init state */
/* Extract the article from one HTML page (raw bytes in any declared charset, or gzip data).
 * url_hint (may be NULL) is where the page came from. Returns NF_OK with a body or with an
 * empty text and a reason; NF_EBINARY for data that is not HTML, NF_ETOOBIG over the ceiling,
 * NF_ETRUNC for a truncated gzip stream, NF_ENOMEM. */
nf_rc nf_extract_html(const char *html, size_t n, const char *url_hint, nf_extracted *out);
nf_rc nf_extract_html_opts(const char *html, size_t n, const char *url_hint,
                           const nf_extract_opts *opts, nf_extracted *out);

/* ============================================================================================
 * Copies: exact and near-duplicate detection (src/sketch.c, src/lsh.c, src/dedup.c).
 * ========================================================================================== */

/* Sketches (src/sketch.c; layout in docs/dedup.md, pinned by golden vectors).
 * Words are maximal runs of word characters (ASCII letters and digits; non-ASCII code points of
 * Unicode category L, M or N); each word is NFKC + case folded and hashed (XXH3-64, seed 0).
 * A shingle is `shingle` consecutive words (a text with fewer words has one shingle of all of
 * them); its hash mixes the word hashes. The signature holds `bins` 16-bit values:
 *   NF_SKETCH_OPH   one-permutation hashing with optimal densification (one hash per shingle)
 *   NF_SKETCH_KMIN  classic MinHash with `bins` multiply-shift hash functions (bench reference)
 * exact[] is XXH3-128 of the word-hash sequence: equal for texts with the same words in the same
 * order (case, punctuation, quotes and whitespace ignored). */
enum { NF_SKETCH_OPH = 0, NF_SKETCH_KMIN = 1 };
#define NF_SKETCH_MAX_BINS 1024

typedef struct nf_sketch_opts {
    uint32_t shingle;   /* words per shingle (default 5) */
    uint32_t bins;      /* signature length K, multiple of 8 up to NF_SKETCH_MAX_BINS (128) */
    uint32_t method;    /* NF_SKETCH_OPH (default) or NF_SKETCH_KMIN */
} nf_sketch_opts;

typedef struct nf_sketch {
    uint64_t exact[2];      /* XXH3-128 of the word hashes: low64, high64 */
    uint32_t nwords;
    uint32_t nshingles;     /* shingle positions (0: no words, the signature is all 0xffff) */
} nf_sketch;

/* Per-thread scratch; not shared between threads. */
typedef struct nf_sketcher nf_sketcher;
nf_rc nf_sketcher_new(nf_sketcher **out, const nf_sketch_opts *opts);
void  nf_sketcher_free(nf_sketcher *sk);
/* Sketch s[0..n): fills *info and sig[0..bins). */
nf_rc nf_sketch_text(nf_sketcher *sk, const char *s, size_t n, nf_sketch *info, uint16_t *sig);
/* Share of equal bins: the Jaccard estimate of two signatures of the same opts. */
double nf_sketch_jaccard(const uint16_t *a, const uint16_t *b, uint32_t bins);

/* LSH banding (src/lsh.c). bands x rows <= bins, chosen for a Jaccard threshold by minimising
 * fp_weight * P(false positive) + fn_weight * P(false negative), both integrated over the
 * S-curve 1 - (1 - s^rows)^bands (as datasketch's _optimal_param). */
nf_rc nf_lsh_params(double threshold, uint32_t bins, double fp_weight, double fn_weight,
                    uint32_t *bands, uint32_t *rows);
/* The key of band `band` of sig: XXH3-64 (seed = band) of its rows as little-endian uint16. */
uint64_t nf_lsh_band_key(const uint16_t *sig, uint32_t band, uint32_t rows);

/* Copy detection (src/dedup.c).
 * A pair is a copy when (a) the exact hashes are equal, or (b) estimated Jaccard >= threshold,
 * or (c) the shorter text keeps >= min_kept of the longer's shingles and estimated containment
 * of the shorter in the longer >= containment (trimmed reprints). Copies are joined into
 * clusters; the representative is the member added first (smallest index). */
typedef enum nf_copy_kind {
    NF_COPY_NONE = 0,       /* an original: the representative of its cluster */
    NF_COPY_EXACT = 1,      /* same words as the representative */
    NF_COPY_NEAR = 2,       /* Jaccard >= threshold (or linked through other copies) */
    NF_COPY_CONTAINED = 3   /* contained in / containing the representative (trimmed copy) */
} nf_copy_kind;
const char *nf_copy_kind_name(nf_copy_kind k);     /* "original", "exact", "near", "contained" */

/* How verified pairs join clusters (batch). */
enum {
    NF_LINK_REP = 0,    /* a single article joins through any verified pair; two clusters of
                         * several articles merge only if their representatives are copies */
    NF_LINK_ANY = 1     /* plain union-find: any verified pair merges (single linkage) */
};

typedef struct nf_dedup_opts {
    nf_sketch_opts sketch;  /* zero: 5 words, 128 bins, OPH */
    double threshold;       /* Jaccard threshold (0: default 0.5, chosen on bench/bench_dedup) */
    double containment;     /* containment threshold (0: default 0.8) */
    double min_kept;        /* shorter/longer shingle ratio for (c) (0: default 0.5) */
    uint32_t bands, rows;   /* 0: nf_lsh_params at the lowest Jaccard a copy can have */
    uint32_t threads;       /* batch sketching and banding threads (0: 1) */
    uint32_t max_bucket;    /* band runs longer than this are chained, not all-pairs (0: 16) */
    uint32_t link;          /* NF_LINK_REP (default) or NF_LINK_ANY */
} nf_dedup_opts;

typedef struct nf_copy {
    int64_t copy_of;        /* index of the representative, -1 for an original */
    uint64_t cluster;       /* index of the representative, own index for an original */
    double similarity;      /* estimate against the representative (1 exact, 0 original) */
    nf_copy_kind kind;
} nf_copy;

typedef struct nf_dedup_stats {
    uint64_t articles, exact, near, contained;  /* copies by kind */
    uint64_t clusters;                  /* clusters with at least one copy */
    uint64_t candidates, verified;      /* candidate pairs checked, pairs accepted */
    uint32_t bands, rows;
    size_t index_bytes;                 /* memory held by the index for all articles */
} nf_dedup_stats;

/* Indices are 0, 1, 2 ... in the order of adding. One object is used either one at a time
 * (nf_dedup_add: the answer is final at once; clusters never merge later) or in batch
 * (nf_dedup_add_batch ... nf_dedup_finish, then nf_dedup_result: union-find over the verified
 * pairs in index order, see opts.link). Batch results do not depend on the thread count. */
typedef struct nf_dedup nf_dedup;
nf_rc nf_dedup_new(nf_dedup **out, const nf_dedup_opts *opts);   /* opts may be NULL */
void  nf_dedup_free(nf_dedup *d);
nf_rc nf_dedup_add(nf_dedup *d, const char *text, size_t len, nf_copy *out);
nf_rc nf_dedup_add_batch(nf_dedup *d, const char *const *texts, const size_t *lens, size_t n);
nf_rc nf_dedup_finish(nf_dedup *d);
nf_rc nf_dedup_result(const nf_dedup *d, uint64_t index, nf_copy *out);
void  nf_dedup_get_stats(const nf_dedup *d, nf_dedup_stats *st);
/* The effective options (defaults filled in, bands/rows chosen). */
void  nf_dedup_get_opts(const nf_dedup *d, nf_dedup_opts *opts);

/* ============================================================================================
 * Stories: online folding (src/terms.c, src/story.c) and evaluation metrics (src/eval.c).
 * ========================================================================================== */

/* Folding options. nf_fold_opts_init sets the documented defaults (docs/fold.md); the defaults
 * are one configuration for every input, calibrated once. */
typedef struct nf_fold_opts {
    double threshold;         /* join the best candidate story when similarity >= this (0.40) */
    double entity_weight;     /* similarity = (1-w) * term part + w * entity part (0.6) */
    double quote_bonus;       /* added for shared verbatim quotes of >= 6 words (0.5, scaled) */
    double sigma_days;        /* Gaussian time proximity when both sides are dated (7) */
    double window_days;       /* stories idle longer than this are not candidates (30) */
    double lede_weight;       /* weight of title and the first lede_sentences sentences (2) */
    double tail_weight;       /* weight of sentences from body_sentences on (0.3) */
    uint32_t lede_sentences;  /* 3 */
    uint32_t body_sentences;  /* 10 */
    uint32_t query_terms;     /* top-weight terms + entities of an article used as queries (24) */
    uint32_t index_terms;     /* top-weight terms + entities of an article put in the index (12) */
    uint32_t posting_cap;     /* newest index entries per key an article walks (256) */
    uint32_t max_candidates;  /* stories scored per article, most query hits first (16) */
    uint32_t story_terms_cap; /* entries kept in a story centroid (512) */
    double idf_prior_docs;    /* pseudo-documents added to N in idf, for the stream's start (100) */
    double merge_threshold;   /* refine: merge stories whose average link is >= this (0.27) */
    double attach_threshold;  /* refine: a fragment joins its best larger story at this link (0.12) */
    uint32_t attach_max_members; /* refine: fragment = story of at most this many members (2) */
    uint32_t threads;         /* nf_folder_add_many: 2 extracts features in a second thread,
                                 pipelined with folding; 3 the lede features in a third;
                                 1 one thread; 0 (default) 2 when more than one CPU is online.
                                 nf_folder_refine collects candidate pairs on as many threads.
                                 Same results in every case */
} nf_fold_opts;

void nf_fold_opts_init(nf_fold_opts *o);

#define NF_EVIDENCE_MAX 5

#define NF_EVIDENCE_LEN 48

/* What nf_folder_add decided and why (strings are copied in, truncated to NF_EVIDENCE_LEN-1). */
typedef struct nf_fold_result {
    uint64_t article;         /* this article's sequence number in the folder (0-based) */
    uint64_t story;           /* story id: sequence number of the story's first article */
    int joined;               /* 1 joined an existing story, 0 started a new one */
    int copy;                 /* 1 placed by copy_of (inherited its original's story) */
    double similarity;        /* combined similarity with the chosen story (0 when new) */
    double term_sim, entity_sim, time_factor;
    uint32_t quote_shingles;  /* 6-word quoted shingles shared with the story */
    uint32_t candidates;      /* stories scored */
    uint32_t nterms, nentities;
    char terms[NF_EVIDENCE_MAX][NF_EVIDENCE_LEN];     /* top shared stemmed terms */
    char entities[NF_EVIDENCE_MAX][NF_EVIDENCE_LEN];  /* top shared entities (names, numbers) */
} nf_fold_result;

typedef struct nf_folder nf_folder;

nf_rc nf_folder_new(nf_folder **out, const nf_fold_opts *opts);   /* opts NULL: defaults */
/* Fold one article. copy_of: sequence number of an earlier article this one copies (from
 * dedup), or -1; a copy inherits that article's story without being scored. Articles should
 * arrive in date order, then input order (the CLI sorts). */
nf_rc nf_folder_add(nf_folder *f, const nf_article *a, int64_t copy_of, nf_fold_result *r);
/* Fold a[0..n) in this order, exactly as n calls of nf_folder_add would (same results, same
 * folder state); copy_of: n entries (or NULL: no copies), r: n results (or NULL). With
 * opts.threads >= 2, the features of the next articles are extracted in a second thread while
 * this one folds (src/foldpipe.c). On error, *done (may be NULL) says how many were folded. */
nf_rc nf_folder_add_many(nf_folder *f, const nf_article *a, size_t n, const int64_t *copy_of,
                         nf_fold_result *r, size_t *done);
/* Optional refinement after the online pass: merge stories whose average link (mean pairwise
 * similarity of their members) is >= merge_threshold, best pair first; then attach fragments
 * (<= attach_max_members) to their best larger story at attach_threshold. *merges may be NULL. */
nf_rc nf_folder_refine(nf_folder *f, uint64_t *merges);
/* The current story id of article seq (changes only through nf_folder_refine). */
uint64_t nf_folder_story(nf_folder *f, uint64_t seq);
uint64_t nf_folder_articles(const nf_folder *f);
uint64_t nf_folder_stories(const nf_folder *f);      /* live stories (after merges) */
size_t   nf_folder_memory(const nf_folder *f);       /* bytes held */
void     nf_folder_free(nf_folder *f);

/* Clustering quality against gold labels. Labels are arbitrary integers per item. */
typedef struct nf_cluster_scores {
    double ari;                         /* adjusted Rand index over all pairs */
    double bcubed_p, bcubed_r, bcubed_f1;
    double pair_p, pair_r, pair_f1;     /* pairwise precision / recall / F1 */
    uint64_t n, pred_clusters, gold_clusters;
} nf_cluster_scores;

nf_rc nf_cluster_score(const uint64_t *gold, const uint64_t *pred, size_t n,
                       nf_cluster_scores *s);

/* ---- Windowed fold (src/foldwin.c; branch mpiwin; docs/mpi.md "fold --windows") ----
 * The arrival order (date, then input order, undated first) is cut into blocks of block_days
 * of dated articles, counted from the first dated article: block b holds the articles with
 * floor((time - t_first) / block_days) = b (empty blocks are skipped), the first block also
 * every undated article. Each block is folded by a fresh folder of its own after a warm-up:
 * the undated articles and the dated articles of the window_days before the block's first
 * article. Borders are reconciled by union-find: a story whose first article (in its block's
 * folder) is a warm-up article continues that article's story in the block that owns it. A
 * final story is named by its earliest article. The result depends only on the articles, the
 * copies, the options and block_days, never on which thread or rank folds which block; with
 * one block (undated input, or block_days > last date - first date) it is exactly the plain
 * fold. */
typedef struct nf_foldwin_block {
    uint64_t pre;             /* the folder first folds arrival positions [0, pre) (undated) */
    uint64_t warm;            /* then the dated warm-up [warm, start) */
    uint64_t start, end;      /* then the block's own articles [start, end) */
} nf_foldwin_block;

typedef struct nf_foldwin_stats {
    uint64_t blocks;          /* non-empty blocks */
    uint64_t warmup;          /* warm-up articles folded (sum over blocks) */
    uint64_t unions;          /* stories joined across borders */
    uint64_t stories;         /* final stories */
    uint64_t merges;          /* refinement merges, all blocks */
} nf_foldwin_stats;

/* Cut n arrival-ordered times (NF_NO_TIME first, then ascending) into blocks; *blocks is
 * malloc'd (NULL when n == 0). NF_EINVAL: block_days not > 0 and finite, or times not sorted. */
nf_rc nf_foldwin_plan(const int64_t *time, size_t n, double block_days, double window_days,
                      nf_foldwin_block **blocks, size_t *nblocks);
/* Entries of a block's list (what its folder folds): nf_foldwin_list_max(b) at most. */
uint64_t nf_foldwin_list_max(const nf_foldwin_block *b);
/* The order to hand blocks to workers (threads, ranks): largest list (list_max) first, ties by
 * block index; order[0..nblocks) gets block indices. Speed only: results never depend on it.
 * NF_ENOMEM or NF_OK. */
nf_rc nf_foldwin_order(const nf_foldwin_block *blocks, size_t nblocks, size_t *order);
/* The list of block b, in folding order: pos[j] an arrival position, cp[j] the list index of
 * its original (-1: none). copy_of[k]: arrival position of k's original or -1 (NULL: no
 * copies). A copy whose original is not in the list is left out (nf_foldwin_join gives it its
 * original's final story). Returns the number of entries. */
size_t nf_foldwin_list(const nf_foldwin_block *b, const int64_t *copy_of, uint64_t *pos,
                       int64_t *cp);
/* Fold one list a[0..m) (cp as from nf_foldwin_list) with a fresh folder (o: threads as in
 * nf_folder_add_many), then nf_folder_refine when refine; story[j] = list index of the first
 * article of j's story. *merges (may be NULL) gets the refinement merges. */
nf_rc nf_foldwin_fold(const nf_article *a, size_t m, const int64_t *cp, const nf_fold_opts *o,
                      int refine, uint64_t *story, uint64_t *merges);
/* Reconcile: for every block b, m[b] list entries pos[b][] and their stories story[b][] (as
 * from nf_foldwin_fold); final[k] = arrival position of the earliest article of k's story.
 * The blocks must cover [0, n) in order (as from nf_foldwin_plan), else NF_EINVAL. st (may be
 * NULL) gets the counts; st->merges is carried through (the caller's sum of fold merges). */
nf_rc nf_foldwin_join(const nf_foldwin_block *blocks, size_t nblocks, const size_t *m,
                      const uint64_t *const *pos, const uint64_t *const *story,
                      const int64_t *copy_of, size_t n, uint64_t *final, nf_foldwin_stats *st);
/* All of it in one process: a[0..n) in arrival order, copy_of as above; blocks are folded on
 * o->threads threads (0: 2 when 2+ CPUs), each with a one-thread folder (a single block gets
 * the folder's own threads). story[k] = arrival position of the earliest article of k's story.
 * st may be NULL. */
nf_rc nf_fold_windows(const nf_article *a, size_t n, const int64_t *copy_of,
                      const nf_fold_opts *o, double block_days, int refine, uint64_t *story,
                      nf_foldwin_stats *st);
/* ---- end of windowed fold ---- */

/* ============================================================================================
 * Coverage: quotes, attribution, additions, differences (src/quote.c, src/attrib.c, src/compare.c).
 * ========================================================================================== */

/* The comparison of one story's coverage. Every finding names an article by its index in the
 * array given to nf_compare and carries byte spans into that article's text, so a page can
 * highlight it. All strings are heap-owned and released by nf_comparison_free.
 * The algorithms and the JSON layout are in docs/compare.md. */

/* Attribution cues (pinned values: they appear in JSON as names, see nf_cue_name). */
typedef enum nf_cue {
    NF_CUE_REPORTED = 1,     /* "X reported", "X reports", "the X newspaper reported" */
    NF_CUE_ACCORDING = 2,    /* "according to X" */
    NF_CUE_CITING = 3,       /* "citing X", "X cited" as the relay */
    NF_CUE_SAID = 4,         /* "X said", "said X", "X says", "X added", "X wrote" ... */
    NF_CUE_TOLD = 5,         /* "X told ..." (X is the speaker) */
    NF_CUE_TOLD_TO = 6,      /* "... told X" (X received the statement: a medium) */
    NF_CUE_PER = 7,          /* "as per X", "per X" */
    NF_CUE_NO_CONFIRM = 8,   /* "X could not confirm", "X declined to confirm" */
    NF_CUE_NO_RESPONSE = 9,  /* "X did not respond to a request for comment", "declined to comment" */
    NF_CUE_DATELINE = 10,    /* "KINSHASA 1997-02-17", "WASHINGTON —" at the start of the text */
    NF_CUE_WIRE = 11         /* wire credit "(Reuters)", "(AP)" */
} nf_cue;
const char *nf_cue_name(uint32_t cue);

typedef enum nf_source_kind {
    NF_SRC_ORG = 1,          /* organisation, medium, agency, company, government body */
    NF_SRC_PERSON = 2,       /* a named person */
    NF_SRC_PLACE = 3,        /* a dateline place */
    NF_SRC_UNNAMED = 4       /* "one official", "the spokesperson", "a report" */
} nf_source_kind;

/* One cited source of the story (names merged across articles: "Mr. Peskov" -> "Dmitry Peskov"). */
typedef struct nf_source {
    char *name;
    uint32_t kind;           /* nf_source_kind */
    uint32_t narticles;      /* articles that cite it directly or lead back to it through a relay */
    uint32_t ndirect;        /* articles that cite it directly */
    uint32_t primary;        /* 1 for the story's primary sources */
    uint32_t quoted;         /* 1 when it is the speaker of a quote */
} nf_source;

/* One attribution in one article: article -> source, with the cue and where it stands. */
typedef struct nf_citation {
    uint32_t article;
    uint32_t source;         /* index into nf_comparison.src */
    uint32_t cue;            /* nf_cue */
    int32_t via;             /* index of the citation this one relays (second-hand chain:
                              * "told Kommersant, according to a Reuters translation" gives
                              * Reuters with via = the Kommersant citation), or -1 */
    nf_span name;            /* the source's name as printed */
    nf_span sentence;
} nf_citation;

/* One article carrying a quote: where, whether in quotation marks, and who it says spoke. */
typedef struct nf_carrier {
    uint32_t article;
    uint32_t quoted;         /* 1 in quotation marks, 0 printed verbatim without them */
    nf_span span;            /* the matched words */
    int32_t speaker;         /* index into nf_comparison.src, or -1 */
    char *speaker_desc;      /* unnamed speaker as printed ("one official"), or NULL */
} nf_carrier;

/* Quoted material found in two or more articles. Shared: in quotation marks in at least two
 * articles. Echoed: in marks in one, verbatim without marks in the others. */
typedef struct nf_shared_quote {
    char *text;              /* canonical text: the longest version printed */
    int32_t speaker;         /* the named speaker most carriers give, or -1 */
    uint32_t nquoted, nunquoted;
    nf_carrier *car; size_t ncar;
} nf_shared_quote;

/* A sentence of one article (additions, omissions, differences). */
typedef struct nf_sentref {
    uint32_t article;
    nf_span span;
} nf_sentref;

typedef enum nf_slot_kind {
    NF_SLOT_COUNT = 1,       /* 12 people, three towns */
    NF_SLOT_AMOUNT = 2,      /* $5 million */
    NF_SLOT_PERCENT = 3,     /* 80%, over 80 per cent */
    NF_SLOT_DATE = 4,        /* April 1, March 2024, 2018 */
    NF_SLOT_OFFICIAL = 5     /* the person named in a role: Health Minister Jane Doe */
} nf_slot_kind;
const char *nf_slot_kind_name(uint32_t kind);

/* One value of a slot in one article. */
typedef struct nf_slot_value {
    uint32_t article;
    nf_span value;           /* the value as printed ("15", "April 15", "Jane Doe") */
    nf_span sentence;
    char *norm;              /* normalised value ("15", ">=80%", "04-15", "jane doe") */
} nf_slot_value;

/* A difference: the same slot (kind, key, aligned context) with incompatible values. */
typedef struct nf_difference {
    uint32_t kind;           /* nf_slot_kind */
    char *key;               /* what the slot is: the unit or role and the context words */
    nf_slot_value *val; size_t nval;
} nf_difference;

typedef struct nf_comparison {
    size_t narticles;
    int32_t *copy_of;              /* narticles entries: index of the original, or -1 */
    uint32_t noutlets, nindependent; /* distinct outlets; distinct outlets among non-copies */
    nf_source *src; size_t nsrc;
    nf_citation *cit; size_t ncit;
    nf_shared_quote *quote; size_t nquote;   /* shared first (nquoted >= 2), then echoed */
    nf_sentref *add; size_t nadd;            /* additions: sentences only one article says */
    nf_sentref *omit; size_t nomit;          /* omissions: content most others carry */
    uint32_t *omit_by;                       /* nomit entries: the article that omits it */
    nf_difference *diff; size_t ndiff;
    uint32_t nsentences, naligned;           /* sentences compared, sentences aligned */
} nf_comparison;

/* Compare the coverage of one story. arts are its n articles; copy_of (may be NULL) gives for
 * each the index of the article it copies, or -1. Copies are listed but take no part in the
 * alignment, so they neither hide the original's additions nor count as independent outlets. */
nf_rc nf_compare(const nf_article *const *arts, size_t n, const int32_t *copy_of,
                 nf_comparison **out);
void  nf_comparison_free(nf_comparison *c);
/* The comparison as one JSON object (layout in docs/compare.md), appended to out. arts must be
 * the articles given to nf_compare (for ids, outlets and the quoted text of spans). */
nf_rc nf_comparison_json(const nf_comparison *c, const nf_article *const *arts, int indent,
                         nf_buf *out);

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

/* Every article in arrival order: publication time (undated first, as fold), then insertion. */
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
 * in some member's title or lead, among the 2000 most recently stored matching articles
 * (NULL/empty: all stories); since: only stories whose last article is
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
/* PRAGMA data_version: changes whenever another connection (or process) has committed to the
 * database since this connection last asked. */
nf_rc nf_store_data_version(nf_store *s, int64_t *v);

/* Refold (src/ingest.c): feed every stored article, in arrival order, to a fresh folder and write
 * the story and copy assignments that changed, batch articles per transaction (0: default 2000).
 * The stories are then exactly those of one run over all stored articles. */
typedef struct nf_refold_stats {
    size_t folded;           /* articles fed to the folder */
    size_t changed;          /* assignments written */
    size_t stories;          /* stories the folder made */
    int64_t *touched;        /* stories whose members changed (heap; the caller frees it) */
    size_t ntouched;
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
/* Store, fold and assign n articles in one transaction; res has n entries. The comparisons of
 * the stories that changed are marked stale (JSON text "null") in the same transaction. */
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
    size_t cache_bytes;      /* answer cache of the GET API (default 128 MiB; SIZE_MAX: off) */
    /* Computes and stores one story's comparison through the writer w (called under the write
     * lock when a story of two or more articles is read and its comparison is marked stale: a
     * POST marks the comparisons of the stories it changes, so they are recomputed on first
     * read); may be NULL. */
    nf_rc (*compare)(void *ctx, nf_store *w, int64_t story);
    void *compare_ctx;
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
