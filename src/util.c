/*
 * util.c — result codes, growable buffers with ceilings, and the arena.
 *
 * nf_buf keeps a NUL after its bytes so callers may hand p to C string APIs; every growth is
 * checked against the buffer's ceiling (max) before memory is touched, so one hostile input can
 * cost at most max bytes. The arena hands out 16-byte aligned chunks from a chain of blocks;
 * clearing keeps the first block so per-article reuse does not call malloc in steady state.
 */
#include "nf_int.h"
#include <string.h>
#include <stdlib.h>

const char *nf_strerror(nf_rc rc)
{
    switch (rc) {
    case NF_OK: return "ok";
    case NF_DONE: return "done";
    case NF_ENOMEM: return "out of memory";
    case NF_EIO: return "input/output error";
    case NF_EPARSE: return "malformed input";
    case NF_EINVAL: return "invalid argument";
    case NF_ETOOBIG: return "input too large";
    case NF_EEMPTY: return "empty text";
    case NF_EDUP: return "duplicate id";
    case NF_EBINARY: return "binary data";
    case NF_ETRUNC: return "truncated input";
    case NF_ENOTFOUND: return "not found";
    case NF_EFORMAT: return "unsupported format";
    case NF_EDB: return "database error";
    case NF_EMPI: return "distributed run failed";
    }
    return "unknown error";
}

const char *nf_version(void) { return NF_VERSION; }

nf_rc nf_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return NF_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return NF_ENOMEM;
        ncap *= 2;
    }
    void *np = realloc(*p, ncap * elem);
    if (!np)
        return NF_ENOMEM;
    *p = np;
    *cap = ncap;
    return NF_OK;
}

nf_rc nf_grow_zero(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t old = *cap;
    nf_rc rc = nf_grow(p, cap, need, elem);
    if (rc == NF_OK && *cap > old)
        memset((char *)*p + old * elem, 0, (*cap - old) * elem);
    return rc;
}

void nf_buf_init(nf_buf *b, size_t max)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->max = max;
}

void nf_buf_reset(nf_buf *b)
{
    free(b->p);
    nf_buf_init(b, b->max);
}

nf_rc nf_buf_reserve(nf_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->n - 1)
        return NF_ETOOBIG;
    size_t need = b->n + extra + 1;
    if (b->max && need > b->max + 1)
        return NF_ETOOBIG;
    if (need <= b->cap)
        return NF_OK;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    char *np = realloc(b->p, ncap);
    if (!np)
        return NF_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return NF_OK;
}

nf_rc nf_buf_append(nf_buf *b, const void *p, size_t n)
{
    nf_rc rc = nf_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
    return NF_OK;
}

nf_rc nf_buf_putc(nf_buf *b, int c)
{
    char ch = (char)c;
    return nf_buf_append(b, &ch, 1);
}

/* ---- arena ---- */

typedef struct nf_block {
    struct nf_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} nf_block;

struct nf_arena {
    nf_block *head;
    size_t block_size;
};

static nf_block *block_new(size_t size)
{
    nf_block *b = malloc(sizeof(nf_block) + size);
    if (b) {
        b->next = NULL;
        b->size = size;
        b->used = 0;
    }
    return b;
}

nf_arena *nf_arena_new(size_t block_size)
{
    nf_arena *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->head = block_new(a->block_size);
    if (!a->head) {
        free(a);
        return NULL;
    }
    return a;
}

void nf_arena_free(nf_arena *a)
{
    if (!a)
        return;
    for (nf_block *b = a->head, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
    free(a);
}

void *nf_arena_alloc(nf_arena *a, size_t n)
{
    if (n > SIZE_MAX - 15)
        return NULL;
    n = n ? (n + 15) & ~(size_t)15 : 16;
    nf_block *b = a->head;
    if (b->size - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    nf_block *nb = block_new(n > a->block_size ? n : a->block_size);
    if (!nb)
        return NULL;
    if (n > a->block_size) {
        /* a dedicated block behind the current one, which stays current */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    nb->used = n;
    return nb->data;
}

char *nf_arena_strndup(nf_arena *a, const char *s, size_t n)
{
    char *p = nf_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* The first block ever allocated is always the tail of the chain: keep it, free the rest. */
void nf_arena_clear(nf_arena *a)
{
    nf_block *b = a->head;
    while (b->next) {
        nf_block *nx = b->next;
        free(b);
        b = nx;
    }
    b->used = 0;
    a->head = b;
}
