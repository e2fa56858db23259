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

/* Union-find over indices: p[i] == i marks a root. Find halves the path as it walks; union makes
 * the smaller root the parent, so the result does not depend on the order of the unions. */
static inline uint32_t nf_uf_find(uint32_t *p, uint32_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

static inline void nf_uf_union(uint32_t *p, uint32_t a, uint32_t b)
{
    a = nf_uf_find(p, a);
    b = nf_uf_find(p, b);
    if (a < b)
        p[b] = a;
    else if (b < a)
        p[a] = b;
}

/* nf_uf_find over 64-bit indices (joins whose item count may pass 2^32). */
static inline uint64_t nf_uf_find64(uint64_t *p, uint64_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

/* Grow *p (an array of elem-byte items with capacity *cap) to hold at least need items. */
nf_rc nf_grow(void **p, size_t *cap, size_t need, size_t elem);
/* nf_grow, and the new elements [old cap, new cap) are zeroed. */
nf_rc nf_grow_zero(void **p, size_t *cap, size_t need, size_t elem);

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
/* Decode gzip or zstd data held in memory (other data is copied) into out, through the
 * readers' decoder: concatenated members, the same errors (NF_ETRUNC, NF_EPARSE, with the
 * reader's message in msg when given), out->max the ceiling (NF_ETOOBIG). */
nf_rc nf_decompress(const void *in, size_t n, nf_buf *out, char *msg, size_t msgcap);

/* JSONL (src/jsonl.c). Parse one line (valid UTF-8, no newline) into *a, which must be empty.
 * Field names come from o (defaults filled in by the caller). a->id stays NULL when the record
 * has none; outlet is derived from the URL host when absent. On rejection returns the code and
 * fills d->code, d->col (when known) and d->msg; a is left empty. */
nf_rc nf_jsonl_parse(const char *line, size_t n, const nf_read_opts *o, nf_article *a,
                     nf_diag *d);

/* ---- text ---- */

/* ---- html ---- */

#define NF_HTML_MAX ((size_t)64 << 20)   /* default ceiling on one decoded page */

/* html_pre.c: charset, pre-scan (see the file comment); gzip pages go through nf_decompress. */
nf_rc nf_html_decode(const char *s, size_t n, size_t max, nf_buf *out, char *cs, size_t cscap);
/* Copy s to out without comments and script/style/svg/... elements; JSON-LD script bodies are
 * appended to jsonld, each followed by a NUL. */
nf_rc nf_html_prescan(const char *s, size_t n, nf_buf *out, nf_buf *jsonld);

/* html_meta.c: metadata candidates gathered while walking the page, decided at the end. */
typedef struct nf_html_meta {
    char *og_title, *title_tag, *h1, *ld_headline;
    char *site_name, *ld_publisher;
    char *canonical, *og_url;
    char *ld_date, *meta_date, *time_date;
    char *ld_body;             /* JSON-LD articleBody (longest) */
} nf_html_meta;
void  nf_html_meta_reset(nf_html_meta *m);
/* A <meta> tag: key is its property / name / itemprop (any case), content its value. */
void  nf_html_meta_tag(nf_html_meta *m, const char *key, const char *content);
/* JSON-LD script texts (NUL-separated as nf_html_prescan leaves them). */
void  nf_html_meta_jsonld(nf_html_meta *m, const char *s, size_t n);
/* Decide title, date, outlet, url into out (text untouched). */
nf_rc nf_html_meta_finish(nf_html_meta *m, const char *url_hint, unsigned off, nf_extracted *out);
/* Dates are parsed by nf_parse_date and hosts found by nf_url_host (date.c); a page date must
 * fall in [NF_HTML_DATE_MIN, NF_HTML_DATE_END) (1900-01-01 .. 2200-01-01 UTC). */
#define NF_HTML_DATE_MIN (-2208988800LL)
#define NF_HTML_DATE_END 7258118400LL
/* The first /YYYY/MM/DD or /YYYY-MM-DD date in a URL path: epoch seconds and "YYYY-MM-DD". */
bool  nf_html_url_date(const char *url, int64_t *t, char ymd[11]);
/* Set *dst to a trimmed, whitespace-collapsed copy of s (unless *dst is already set). */
void  nf_html_set(char **dst, const char *s, size_t n);

/* html_file.c: an .html / .htm / .html.gz file's bytes as an article (for the readers).
 * Returns NF_OK, or a code with d filled (d->file = path). */
nf_rc nf_html_article(const char *bytes, size_t n, const char *path, nf_article *a, nf_diag *d);

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

/* dedup.c: the pair verdict, shared with the MPI build (mpi/dedup.c) so both give the same
 * bytes. a, b: sketches with their o->sketch.bins signature bins sa, sb; o: filled options
 * (nf_dedup_get_opts). Returns the kind (NF_COPY_NONE: not copies) and the similarity into *sim
 * (may be NULL): 1 for exact, Jaccard for near and originals, containment for contained. */
nf_copy_kind nf_dedup_judge(const nf_dedup_opts *o, const nf_sketch *a, const uint16_t *sa,
                            const nf_sketch *b, const uint16_t *sb, double *sim);
/* nf_dedup_add with the sketch computed elsewhere (nf_sketch_text with the options of
 * nf_dedup_get_opts: same bins), e.g. by another MPI rank: the same answer as nf_dedup_add on
 * the text. */
nf_rc nf_dedup_add_sketch(nf_dedup *d, const nf_sketch *info, const uint16_t *sig, nf_copy *out);
/* The --link rule for a verified pair between two clusters of nx and ny members (exact-group
 * members counted) whose current roots are x and y: always under NF_LINK_ANY; under NF_LINK_REP
 * when one cluster is a single article or the roots are copies too. */
bool nf_dedup_rep_joins(const nf_dedup_opts *o, uint64_t nx, uint64_t ny, const nf_sketch *x,
                        const uint16_t *sx, const nf_sketch *y, const uint16_t *sy);

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
 * flags), stemmed terms, entities and numbers, each with an id and a document frequency. One
 * extraction at a time per dictionary (its entries carry that extraction's scratch marks). */
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
    int no_quotes;         /* leave the quote shingles empty (a caller that never reads them) */
} nf_terms_cfg;

/* One article's features: L2-normalised tf-idf vectors sorted by id, and the sorted hashes of
 * its quoted 6-word shingles. Scratch buffers inside are reused between articles. */
typedef struct nf_feats {
    nf_tw *term; size_t nterm, capterm;
    nf_tw *ent;  size_t nent, capent;
    uint64_t *quote; size_t nquote, capquote;
    /* scratch */
    nf_tw *raw; size_t nraw, capraw;         /* one entry per distinct id, in first-seen order */
    uint32_t *capw; size_t ncapw, capcapw;
    uint64_t *wh; size_t nwh, capwh;
    nf_tokens tok;
    nf_buf low, seq;
    /* set by nf_folder_extract (haskeys): the heaviest query_terms and index_terms keys of
     * term + ent, heaviest first (what folding queries and indexes); nf_feats_extract clears */
    nf_tw *qkey, *ikey; size_t nqkey, nikey, capqkey, capikey;
    int haskeys;
    uint32_t *wsel; size_t capwsel;
    nf_buf lows;                             /* the scan's lower-cased words, back to back */
    uint32_t *lowoff, *lowlen; uint64_t *lowh, *lowhe; size_t caplow;   /* per token */
    /* per token of the last scan: its surface id (UINT32_MAX none), entity id when looked up
     * before the scan (UINT32_MAX unknown), prepare_words' state; capacity caplow */
    uint32_t *sid, *eid; uint8_t *wst;
} nf_feats;

/* What a lede pass may reuse from the main pass over the same text (another dictionary):
 * the main pass's text tokens and their main-dictionary surface ids (nf_feats.tok, .sid), and
 * a map from main surface ids to the lede dictionary's surface ids of the same words
 * (UINT32_MAX unknown), kept by the caller across articles. A lede token equal to main token i
 * (same start, end, kind: the same bytes, so the same lower-cased word) whose word the map
 * knows skips hashing and the look-up; every other token takes the ordinary path and teaches
 * the map. The lede dictionary's ids, frequencies and weights are those without the hint. */
typedef struct nf_lhint {
    const nf_token *tok;
    const uint32_t *sid;
    size_t ntok;
    uint32_t **map;
    size_t *capmap;
} nf_lhint;

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
/* The same, for a lede pass given the main pass's hint h (NULL: nf_feats_extract). */
nf_rc nf_feats_extract_hint(nf_dict *d, const nf_terms_cfg *cfg, const char *title,
                            const char *text, size_t n, nf_feats *f, const nf_lhint *h);
double nf_tw_dot(const nf_tw *a, size_t na, const nf_tw *b, size_t nb);

/* ---- coverage ---- */

/* An article prepared for comparison (compare.c): its tokens with case-folded forms, hashes and
 * stems, sentences, quoted spans. Tokens inside scrape residue (nf_clean) are dropped, so no
 * finding points into a caption or a "Read the original article" line. Every span stays a byte
 * range of the original text. */
enum {
    NF_CT_STOP = 0x100,     /* a stop word (no stem hash) */
    NF_CT_WORD = 0x200,     /* kind is NF_TOK_WORD or NF_TOK_NUM */
    NF_CT_COMMON = 0x400    /* capitalised, but the article also has the word in lower case */
};

typedef struct nf_ctok {
    uint32_t start, end;    /* bytes in the text */
    uint32_t sent;          /* index into nf_cdoc.sent */
    uint16_t kind;          /* nf_tok_kind */
    uint16_t flags;         /* NF_TF_* | NF_CT_* */
    const char *lw;         /* case-folded, normalised form, NUL-terminated */
    uint32_t len;           /* strlen(lw) */
    uint64_t h;             /* hash of lw */
    uint64_t stem;          /* hash of the Snowball stem of lw; 0 for stop words and punctuation */
} nf_ctok;

typedef struct nf_cdoc {
    const char *text;
    size_t len;
    nf_ctok *t; size_t nt;
    uint32_t *word; size_t nword;       /* token indices of the words (quote matching) */
    nf_span *sent; size_t nsent;        /* sentence byte spans (kept tokens only) */
    uint32_t *sent_t0;                  /* nsent + 1 entries: first token of each sentence */
    nf_quote *quote; size_t nquote;     /* outermost quoted spans (level 0) */
    nf_arena *arena;                    /* lw strings */
} nf_cdoc;

/* Snowball English stems with a cache keyed by the folded word's hash: a story repeats its
 * words, so each distinct word is stemmed once. Not thread-safe; one per comparison. */
typedef struct nf_stemmer nf_stemmer;
nf_stemmer *nf_stemmer_new(void);
void nf_stemmer_free(nf_stemmer *s);
/* Build d from text; stem may be NULL (then stems hash the folded word). */
nf_rc nf_cdoc_build(nf_cdoc *d, const char *text, size_t len, nf_stemmer *stem);
void  nf_cdoc_reset(nf_cdoc *d);
bool  nf_cdoc_is_stop(const char *lw, size_t n);
uint64_t nf_hash_str(const char *s, size_t n);
/* Stable radix sort of n 16-byte records by their leading uint64_t key. */
nf_rc nf_sort_key64(void *recs, size_t n);

/* attrib.c: names and attribution inside one article. A raw citation points at tokens. */
typedef struct nf_rawcite {
    uint32_t cue;            /* nf_cue */
    uint32_t sent;
    uint32_t t0, t1;         /* name tokens [t0, t1) */
    uint32_t kind;           /* nf_source_kind guessed from the name and its context */
    int32_t via;             /* index (in the same array) of the citation this one relays */
    char *key;               /* canonical name ("dmitry peskov"), heap */
    char *name;              /* the name as printed, titles stripped, heap */
} nf_rawcite;

typedef struct nf_rawcites {
    nf_rawcite *c; size_t n, cap;
} nf_rawcites;

/* The speaker of the quoted tokens [q0, q1) of d: a name (tokens [*n0, *n1), resolved through
 * pronouns to the nearest earlier speaker) or an unnamed description ([*d0, *d1)). Returns
 * 1 named, 2 unnamed, 0 none. */
int   nf_attrib_speaker(const nf_cdoc *d, const nf_rawcites *rc, uint32_t q0, uint32_t q1,
                        uint32_t *n0, uint32_t *n1, uint32_t *d0, uint32_t *d1);
/* Every citation of d, in text order, with relays (via) set inside each sentence. */
nf_rc nf_attrib_article(const nf_cdoc *d, nf_rawcites *out);
void  nf_rawcites_reset(nf_rawcites *rc);
nf_rc nf_attrib_people(const nf_cdoc *d, char ***out, size_t *n, size_t *cap);
/* Canonical key of a name in tokens [t0, t1): folded words joined by spaces, titles dropped. */
char *nf_attrib_key(const nf_cdoc *d, uint32_t t0, uint32_t t1, uint32_t *kind);
/* The same, also giving the tokens [*k0, *k1) of the name proper (titles dropped). */
char *nf_attrib_key2(const nf_cdoc *d, uint32_t t0, uint32_t t1, uint32_t *kind, uint32_t *k0,
                     uint32_t *k1);

/* quote.c: quoted material shared across the story's documents. */
typedef struct nf_qocc {     /* one occurrence: doc, word range */
    uint32_t doc, w0, w1;
    uint32_t quoted;
} nf_qocc;
typedef struct nf_qgroup {
    nf_qocc *occ; size_t nocc;  /* merged: at most one occurrence range per doc, sorted by doc */
} nf_qgroup;
typedef struct nf_qgroups {
    nf_qgroup *g; size_t n;
} nf_qgroups;
/* Find runs of >= NF_QUOTE_MIN_WORDS equal words that start inside a quoted span of one doc and
 * occur in another doc; merge overlapping runs into groups. skip[i] != 0 leaves doc i out. */
#define NF_QUOTE_MIN_WORDS 6
nf_rc nf_quotes_match(const nf_cdoc *docs, size_t n, const uint8_t *skip, nf_qgroups *out);
void  nf_qgroups_reset(nf_qgroups *q);

/* compare.c: numeric and name slots for differences (exposed for tests). */
typedef struct nf_slot {
    uint32_t kind;           /* nf_slot_kind */
    uint32_t t0, t1;         /* tokens of the value */
    uint32_t sent;
    double lo, hi;           /* value interval (dates: days since year 0 within a year, or
                              * absolute when the year is known) */
    int32_t year;            /* dates: year or 0 */
    int32_t day;             /* dates: day of the month or 0 */
    uint64_t unit;           /* hash of the unit / role key; 0 none */
    char norm[48];
} nf_slot;
nf_rc nf_slots_sentence(const nf_cdoc *d, uint32_t sent, nf_slot **out, size_t *n, size_t *cap);

/* Folding in two stages (src/story.c; the pipeline over them is src/foldpipe.c).
 *
 * Stage 1, extraction: an article's features depend on the articles before it (dictionary ids
 * and document frequencies, learned in arrival order) but never on a folding decision. Two
 * independent extractions, each touching only its own dictionary inside the folder:
 *   nf_folder_extract      full features (terms, entities, quotes) with the main dictionary;
 *   nf_folder_extract_lede lede features (title + first sentences) with the lede dictionary.
 * Each must be called once per non-copy article, in arrival order (copies are not extracted:
 * they do not count in document frequencies). The two may run in two different threads, and
 * either may run ahead of stage 2 by any number of articles: copy out[i]'s term/ent/quote
 * (and qkey/ikey, with haskeys) arrays before reusing out. nf_folder_extract also leaves the
 * query and index keys (out->qkey, ikey, haskeys), which placement would otherwise compute.
 * Not dictionary-free: ids and document frequencies come from the folder's dictionaries, so
 * extraction is sequential in arrival order (one thread or rank per dictionary). A distributed
 * extraction would split it further: tokens -> lower-cased words and their key hashes
 * (prepare_words in terms.c, dictionary-free, parallel), then the sequential id / df mapping.
 * Stage 2, placement: nf_folder_place folds one article given its two feature sets (ft, lf;
 * ignored for a copy, copy_of >= 0), in arrival order. It reads no dictionary when ev is given
 * (the evidence ids go to *ev; nf_folder_evidence turns them into the result's strings later,
 * when no extraction is running), so it may run concurrently with stage 1.
 * nf_folder_add(f, a, c, r) == extract + extract_lede + place(..., NULL). */
typedef struct nf_fold_ev {
    uint32_t t[NF_EVIDENCE_MAX], e[NF_EVIDENCE_MAX];   /* dictionary ids of r->terms, entities */
} nf_fold_ev;
nf_rc nf_folder_extract(nf_folder *f, const nf_article *a, nf_feats *out);
nf_rc nf_folder_extract_lede(nf_folder *f, const nf_article *a, nf_feats *out);
/* The same, reusing the main pass's work on a's text: tok, sid, ntok are that pass's
 * nf_feats tok.tok, sid, tok.ntok (or a prefix of them; ntok 0: no hint). Identical results;
 * call it where the lede extraction runs (it updates the folder's map, like the lede
 * dictionary). */
nf_rc nf_folder_extract_lede_hint(nf_folder *f, const nf_article *a, nf_feats *out,
                                  const nf_token *tok, const uint32_t *sid, size_t ntok);
/* The bytes of a's text the lede pass reads. */
size_t nf_folder_lede_len(const nf_article *a);
nf_rc nf_folder_place(nf_folder *f, const nf_article *a, int64_t copy_of, const nf_feats *ft,
                      const nf_feats *lf, nf_fold_result *r, nf_fold_ev *ev);
void  nf_folder_evidence(const nf_folder *f, const nf_fold_ev *ev, nf_fold_result *r);
const nf_fold_opts *nf_folder_opts(const nf_folder *f);
/* Thread CPU seconds spent by nf_folder_add_many's pipeline so far (a bench figure): [0] the
 * main extraction worker, [1] the lede worker (threads >= 3), [2] the calling thread
 * (placement; with threads 2 the lede extractions are shared between [0] and [2]). Threads 1
 * adds nothing. */
double *nf_folder_stage_cpu(nf_folder *f);

/* ---- store ---- */

#endif
