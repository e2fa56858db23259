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
    uint32_t posting_cap;     /* most recent stories kept per index key (256) */
    uint32_t max_candidates;  /* stories scored per article, most query hits first (16) */
    uint32_t story_terms_cap; /* entries kept in a story centroid (512) */
    double idf_prior_docs;    /* pseudo-documents added to N in idf, for the stream's start (100) */
    double merge_threshold;   /* refine: merge stories whose average link is >= this (0.27) */
    double attach_threshold;  /* refine: a fragment joins its best larger story at this link (0.12) */
    uint32_t attach_max_members; /* refine: fragment = story of at most this many members (2) */
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

/* ============================================================================================
 * Coverage: quotes, attribution, additions, differences (src/quote.c, src/attrib.c, src/compare.c).
 * ========================================================================================== */

/* ============================================================================================
 * Store: SQLite database (src/store.c).
 * ========================================================================================== */

#ifdef __cplusplus
}
#endif
#endif /* NEWSFOLD_H */
