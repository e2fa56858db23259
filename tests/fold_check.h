/*
 * fold_check.h — helpers shared by the folding tests (test_story, test_foldpipe, test_terms):
 * a growing list of texts to collect with nf_test_each_text, and field-by-field equality of two
 * fold results (story, scores and evidence strings), for "same results on every path" checks.
 */
#ifndef NF_FOLD_CHECK_H
#define NF_FOLD_CHECK_H
#include "newsfold.h"
#include <stdlib.h>
#include <string.h>

typedef struct corpus {
    char **text;
    size_t n, cap;
} corpus;

/* nf_test_each_text callback: append a copy of s (n bytes) to the corpus ctx. */
static inline void add_text(const char *s, size_t n, void *ctx)
{
    corpus *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->text = realloc(c->text, c->cap * sizeof *c->text);
    }
    c->text[c->n] = malloc(n + 1);
    memcpy(c->text[c->n], s, n + 1);
    c->n++;
}

static inline void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->text[i]);
    free(c->text);
    memset(c, 0, sizeof *c);
}

static inline int same_result(const nf_fold_result *x, const nf_fold_result *y)
{
    int ok = x->article == y->article && x->story == y->story && x->joined == y->joined &&
             x->copy == y->copy && x->similarity == y->similarity &&
             x->term_sim == y->term_sim && x->entity_sim == y->entity_sim &&
             x->time_factor == y->time_factor && x->quote_shingles == y->quote_shingles &&
             x->candidates == y->candidates && x->nterms == y->nterms &&
             x->nentities == y->nentities;
    for (uint32_t k = 0; ok && k < x->nterms; k++)
        ok = !strcmp(x->terms[k], y->terms[k]);
    for (uint32_t k = 0; ok && k < x->nentities; k++)
        ok = !strcmp(x->entities[k], y->entities[k]);
    return ok;
}
#endif
