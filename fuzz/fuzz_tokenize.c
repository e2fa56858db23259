/*
 * fuzz_tokenize.c — libFuzzer target for the text layer: nf_clean, nf_clean_apply, nf_normalize
 * and nf_tokenize on arbitrary bytes. Checks the invariants: tokens in range, non-empty, in
 * order, gaps are white space (so tokens + gaps rebuild the input), sentences in order, quotes
 * well nested inside the text, removed spans whole lines, kept text = input minus removed spans,
 * and normalising the normalised text changes nothing (idempotence).
 */
#include "newsfold.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

static bool gap_byte(uint8_t c) { return c <= ' ' || c == 127 || c >= 0x80; }

static void check_tokens(const uint8_t *s, size_t n, const nf_tokens *t)
{
    uint32_t pos = 0;
    for (size_t i = 0; i < t->ntok; i++) {
        const nf_token *k = &t->tok[i];
        FUZZ_ASSERT(k->start >= pos && k->end > k->start && k->end <= n);
        for (uint32_t j = pos; j < k->start; j++)
            FUZZ_ASSERT(gap_byte(s[j]));
        FUZZ_ASSERT(k->kind >= NF_TOK_WORD && k->kind <= NF_TOK_PUNCT);
        pos = k->end;
    }
    for (uint32_t j = pos; j < n; j++)
        FUZZ_ASSERT(gap_byte(s[j]));
    FUZZ_ASSERT(t->ntok == 0 || t->nsent > 0);
    for (size_t i = 0; i < t->nsent; i++) {
        FUZZ_ASSERT(t->sent[i].start < t->sent[i].end && t->sent[i].end <= n);
        FUZZ_ASSERT(i == 0 || t->sent[i].start >= t->sent[i - 1].end);
    }
    for (size_t i = 0; i < t->nquote; i++) {
        const nf_quote *a = &t->quote[i];
        FUZZ_ASSERT(a->open.start < a->open.end && a->open.end <= a->inner.start &&
                    a->inner.start <= a->inner.end && a->inner.end <= a->close.start &&
                    a->close.start <= a->close.end && a->close.end <= n);
        if (i + 1 < t->nquote) {
            const nf_quote *b = &t->quote[i + 1];
            FUZZ_ASSERT(b->open.start >= a->open.end);
            bool inside = b->close.end <= a->close.start;
            FUZZ_ASSERT(inside ? b->level > a->level : b->open.start >= a->close.end);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    nf_cleaning c = {0};
    nf_buf kept, norm, norm2;
    nf_tokens t;
    nf_buf_init(&kept, 0);
    nf_buf_init(&norm, 0);
    nf_buf_init(&norm2, 0);
    nf_tokens_init(&t);

    FUZZ_ASSERT(nf_clean(s, size, &c) == NF_OK);
    size_t removed = 0;
    for (size_t i = 0; i < c.n; i++) {
        nf_span sp = c.rm[i].span;
        FUZZ_ASSERT(sp.start < sp.end && sp.end <= size);
        FUZZ_ASSERT(i == 0 || sp.start >= c.rm[i - 1].span.end);
        FUZZ_ASSERT(sp.start == 0 || data[sp.start - 1] == '\n');
        FUZZ_ASSERT(sp.end == size || data[sp.end - 1] == '\n');
        FUZZ_ASSERT(nf_residue_name(c.rm[i].why)[0] != 'u');
        removed += sp.end - sp.start;
    }
    FUZZ_ASSERT(nf_clean_apply(s, size, &c, &kept) == NF_OK);
    FUZZ_ASSERT(kept.n + removed == size);

    FUZZ_ASSERT(nf_normalize(s, size, &norm) == NF_OK);
    FUZZ_ASSERT(nf_normalize(norm.p, norm.n, &norm2) == NF_OK);
    FUZZ_ASSERT(norm.n == norm2.n && (norm.n == 0 || memcmp(norm.p, norm2.p, norm.n) == 0));

    FUZZ_ASSERT(nf_tokenize(s, size, &t) == NF_OK);
    check_tokens(data, size, &t);
    FUZZ_ASSERT(nf_tokenize(norm.p, norm.n, &t) == NF_OK);
    check_tokens((const uint8_t *)norm.p, norm.n, &t);

    nf_tokens_reset(&t);
    nf_buf_reset(&kept);
    nf_buf_reset(&norm);
    nf_buf_reset(&norm2);
    nf_cleaning_reset(&c);
    return 0;
}
