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

/* ---- text ---- */

/* ---- html ---- */

/* ---- copies ---- */

/* ---- stories ---- */

/* ---- coverage ---- */

/* ---- store ---- */

#endif
