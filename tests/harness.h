/*
 * harness.h — the test harness: CHECK records a failure with file:line and goes on; each test
 * program ends with nf_test_done(), which prints "N passed, N failed" for tests/run.sh to sum.
 * A "test" here is one CHECK. SHARED_DIR is the ../shared folder (env SHARED), for data tests.
 */
#ifndef NF_HARNESS_H
#define NF_HARNESS_H
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nf_t_pass, nf_t_fail;

#define CHECK(cond) do { if (cond) nf_t_pass++; else { nf_t_fail++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { if (cond) nf_t_pass++; else { nf_t_fail++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    CHECK_MSG(_a == _b, "%lld != %lld", _a, _b); } while (0)
#define CHECK_EQ_STR(a, b) do { const char *_a = (a), *_b = (b); \
    CHECK_MSG(_a && _b && strcmp(_a, _b) == 0, "\"%s\" != \"%s\"", _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)
#define CHECK_NEAR(a, b, eps) do { double _a = (a), _b = (b); \
    CHECK_MSG(_a - _b <= (eps) && _b - _a <= (eps), "%.6f != %.6f", _a, _b); } while (0)

static inline const char *nf_test_shared(void)
{
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

/* A whole file, NUL-terminated (free() it); NULL when it cannot be opened. */
static inline char *nf_test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)l + 1);
    *n = fread(p, 1, (size_t)l, f);
    p[*n] = 0;
    fclose(f);
    return p;
}

/* Call fn(text, strlen(text), ctx) for the "text" of each line of SHARED/data/<name> (JSONL);
 * lines without one are skipped. One CHECK that the file opens; returns -1 when it does not. */
static inline int nf_test_each_text(const char *name,
                                    void (*fn)(const char *s, size_t n, void *ctx), void *ctx)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/%s", nf_test_shared(), name);
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "cannot open %s", path);
    if (!fp)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *s = json_string_value(json_object_get(o, "text"));
        if (s)
            fn(s, strlen(s), ctx);
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return 0;
}

static inline int nf_test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, nf_t_pass, nf_t_fail);
    return nf_t_fail ? 1 : 0;
}
#endif
