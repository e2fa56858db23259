/*
 * nf_int.h — declarations shared inside libnewsfold, not part of the public API.
 * Sections follow the pipeline order of newsfold.h.
 */
#ifndef NF_INT_H
#define NF_INT_H

#include "newsfold.h"
#include <stdbool.h>
#include <string.h>

#define NF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NF_MAX(a, b) ((a) > (b) ? (a) : (b))
#define NF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Grow *p (an array of elem-byte items with capacity *cap) to hold at least need items. */
nf_rc nf_grow(void **p, size_t *cap, size_t need, size_t elem);

/* ---- read ---- */

/* UTF-8 (src/read.c). The longest valid prefix of s; n when s is all valid. Valid means the
 * well-formed sequences of Unicode 15 table 3-7 (no overlongs, no surrogates, <= U+10FFFF). */
size_t nf_utf8_valid(const char *s, size_t n);
/* Append s to out with each maximal ill-formed subpart replaced by U+FFFD (the Unicode / WHATWG
 * practice); adds the number of replacements to *nrep (saturating). */
nf_rc nf_utf8_repair(const char *s, size_t n, nf_buf *out, uint32_t *nrep);
/* True when s (valid UTF-8) holds only white space (ASCII, Unicode Zs/Zl/Zp, U+0085, U+200B,
 * U+FEFF): such a text is an "empty article". */
bool nf_text_blank(const char *s, size_t n);

/* A reader over one in-memory input (fuzzing, tests): name picks the format as a path would
 * ("x.jsonl", "x.txt"); gzip/zstd data is decompressed as from a file. data must outlive r. */
nf_rc nf_reader_open_mem(nf_reader **out, const void *data, size_t n, const char *name,
                         const nf_read_opts *opts);

/* JSONL (src/jsonl.c). Parse one line (valid UTF-8, no newline) into *a, which must be empty.
 * Field names come from o (defaults filled in by the caller). a->id stays NULL when the record
 * has none; outlet is derived from the URL host when absent. On rejection returns the code and
 * fills d->code, d->col (when known) and d->msg; a is left empty. */
nf_rc nf_jsonl_parse(const char *line, size_t n, const nf_read_opts *o, nf_article *a,
                     nf_diag *d);

/* ---- text ---- */

/* ---- html ---- */

/* ---- copies ---- */

#define NF_SHINGLE_MAX 16

/* sketch.c: the mixing functions and pieces of the signature layout (docs/dedup.md). */
uint64_t nf_splitmix64(uint64_t x);
uint64_t nf_fmix64(uint64_t k);
uint32_t nf_sketch_word_class(int32_t cp);          /* 1: word character */
nf_rc    nf_sketch_opts_fill(nf_sketch_opts *o);    /* defaults; NF_EINVAL when out of range */
uint64_t nf_word_hash(const void *p, size_t len);   /* of folded word bytes */
uint64_t nf_shingle_hash(const uint64_t *w, uint32_t k, const uint64_t *mix);
uint32_t nf_oph_probe(uint32_t i, uint32_t j, uint32_t bins);
/* The shingle hashes of s, one per position in order, into *out (capacity *cap, grown). */
nf_rc nf_sketch_shingles(nf_sketcher *sk, const char *s, size_t n, uint64_t **out, size_t *nout,
                         size_t *cap);

/* lsh.c: sort-based grouping. Items are (key, doc); nf_lsh_sort orders them by key, stably
 * (so equal keys keep doc order when filled in doc order), using tmp (n items) as scratch. */
typedef struct nf_lsh_item {
    uint64_t key;
    uint32_t doc;
    uint32_t aux;
} nf_lsh_item;
nf_rc nf_lsh_sort(nf_lsh_item *a, nf_lsh_item *tmp, size_t n);
/* Probability that a pair of Jaccard s becomes a candidate. */
double nf_lsh_prob(double s, uint32_t bands, uint32_t rows);

/* ---- stories ---- */

/* A term dictionary shared by the features of one folder: surface words (with their stem and
 * flags), stemmed terms, entities and numbers, each with an id and a document frequency. */
typedef struct nf_dict nf_dict;

enum { NF_K_SURFACE = 0, NF_K_TERM = 1, NF_K_ENTITY = 2, NF_K_NUMBER = 3 };

typedef struct nf_tw {
    uint32_t id;
    float w;
} nf_tw;

/* How text becomes weighted features (a subset of nf_fold_opts). */
typedef struct nf_terms_cfg {
    float lede_weight, tail_weight;
    uint32_t lede_sentences, body_sentences;
    double idf_prior_docs;
} nf_terms_cfg;

/* One article's features: L2-normalised tf-idf vectors sorted by id, and the sorted hashes of
 * its quoted 6-word shingles. Scratch buffers inside are reused between articles. */
typedef struct nf_feats {
    nf_tw *term; size_t nterm, capterm;
    nf_tw *ent;  size_t nent, capent;
    uint64_t *quote; size_t nquote, capquote;
    /* scratch */
    nf_tw *raw; size_t nraw, capraw;         /* one entry per distinct id, in first-seen order */
    uint32_t *rawpos, *rawstamp; size_t caprawpos; uint32_t stamp;   /* id -> entry in raw */
    uint32_t *capw; size_t ncapw, capcapw;
    uint64_t *wh; size_t nwh, capwh;
    nf_tokens tok;
    nf_buf low, seq;
} nf_feats;

nf_rc nf_dict_new(nf_dict **out);
void  nf_dict_free(nf_dict *d);
const char *nf_dict_str(const nf_dict *d, uint32_t id);   /* key without its kind */
uint32_t nf_dict_kind(const nf_dict *d, uint32_t id);
uint32_t nf_dict_size(const nf_dict *d);
size_t nf_dict_memory(const nf_dict *d);

void  nf_feats_init(nf_feats *f);
void  nf_feats_reset(nf_feats *f);
/* Extract and weigh the features of (title, text); counts the article into the document
 * frequencies first, so idf is learned from the stream itself. */
nf_rc nf_feats_extract(nf_dict *d, const nf_terms_cfg *cfg, const char *title,
                       const char *text, size_t n, nf_feats *f);
double nf_tw_dot(const nf_tw *a, size_t na, const nf_tw *b, size_t nb);

/* ---- coverage ---- */

/* ---- store ---- */

#endif
