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

#define NF_HTML_MAX ((size_t)64 << 20)   /* default ceiling on one decoded page */

/* html_pre.c: gzip, charset, pre-scan (see the file comment). */
nf_rc nf_html_gunzip(const char *in, size_t n, size_t max, nf_buf *out);
nf_rc nf_html_decode(const char *s, size_t n, size_t max, nf_buf *out, char *cs, size_t cscap);
nf_rc nf_html_utf8_repair(const char *s, size_t n, nf_buf *out, uint32_t *repaired);
int   nf_html_u8len(const unsigned char *p, size_t n);   /* valid sequence length or -1 */
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

/* ---- stories ---- */

/* ---- coverage ---- */

/* ---- store ---- */

#endif
