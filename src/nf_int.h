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

/* ---- stories ---- */

/* ---- coverage ---- */

/* ---- store ---- */

#endif
