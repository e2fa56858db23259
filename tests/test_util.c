/* test_util.c — result codes, buffers with ceilings, arena. */
#include "harness.h"
#include "nf_int.h"

static void test_strerror(void)
{
    for (int rc = NF_OK; rc <= NF_EMPI; rc++)
        CHECK(nf_strerror((nf_rc)rc) != NULL && strcmp(nf_strerror((nf_rc)rc), "unknown error"));
    CHECK_EQ_STR(nf_strerror((nf_rc)999), "unknown error");
}

static void test_buf(void)
{
    nf_buf b;
    nf_buf_init(&b, 10);
    CHECK_EQ_INT(nf_buf_append(&b, "hello", 5), NF_OK);
    CHECK_EQ_INT(nf_buf_append(&b, "world", 5), NF_OK);
    CHECK_EQ_STR(b.p, "helloworld");
    CHECK_EQ_INT(nf_buf_putc(&b, '!'), NF_ETOOBIG);   /* ceiling holds */
    CHECK_EQ_INT(b.n, 10);
    nf_buf_reset(&b);
    CHECK(b.p == NULL && b.n == 0);
    nf_buf_init(&b, 0);
    for (int i = 0; i < 100000; i++)
        nf_buf_putc(&b, 'a' + i % 26);
    CHECK_EQ_INT(b.n, 100000);
    CHECK(b.p[26] == 'a' && b.p[100000] == 0);
    nf_buf_reset(&b);
}

static void test_arena(void)
{
    nf_arena *a = nf_arena_new(256);
    CHECK(a != NULL);
    char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = nf_arena_alloc(a, (size_t)(i * 7 + 1));
        CHECK(((uintptr_t)p[i] & 15) == 0);
        memset(p[i], i, (size_t)(i * 7 + 1));
    }
    int intact = 1;   /* no chunk overlaps another */
    for (int i = 0; i < 100; i++)
        for (int j = 0; j < i * 7 + 1; j++)
            intact &= p[i][j] == (char)i;
    CHECK(intact);
    char *big = nf_arena_alloc(a, 100000);
    CHECK(big != NULL);
    memset(big, 1, 100000);
    char *s = nf_arena_strndup(a, "abcdef", 3);
    CHECK_EQ_STR(s, "abc");
    nf_arena_clear(a);
    CHECK(nf_arena_alloc(a, 10) != NULL);
    nf_arena_free(a);
    nf_arena_free(NULL);
}

int main(void)
{
    test_strerror();
    test_buf();
    test_arena();
    return nf_test_done("test_util");
}
