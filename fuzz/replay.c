/*
 * replay.c — runs a libFuzzer target over saved inputs without libFuzzer, so every corpus file
 * is a regression test in `make test` (zstd's regression driver). Arguments are files or
 * directories; prints "N passed, 0 failed" where N is the number of inputs replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 1;
}

static int replay(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    int n = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        n += replay(sub);
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    int n = 0;
    /* an empty input first: every target must survive it */
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    n++;
    for (int i = 1; i < argc; i++)
        n += replay(argv[i]);
    printf("replay: %d passed, 0 failed\n", n);
    return 0;
}
