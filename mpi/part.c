/*
 * part.c — input partitioning: which bytes of the input each rank reads.
 *
 * Key idea: lay the inputs end to end in the 1-process order (one unit per path; a directory or
 * stdin is one unit, since the reader walks it itself) and cut that byte line into P equal
 * ranges, one per rank. A unit that cannot be split (compressed, plain text, HTML, a directory,
 * a small file) goes whole to the rank whose range holds its first byte. A large plain JSONL file
 * is split: rank r reads the lines that START inside its part of the file. A rank whose part
 * starts mid-line skips to the byte after the next newline; the rank before it reads that line to
 * its end. Both sides apply the same rule to the shared border, so the parts tile the file and
 * every line is read exactly once. Ranks therefore hold contiguous blocks of the global order.
 * Standard input ("-") reaches rank 0 only, so with it among the inputs rank 0 reads them all.
 *
 * Invariants: rank 0 alone looks at the file system (stat) and broadcasts the units, so all ranks
 * plan from the same sizes; pieces are in global order; a piece's start is 0 or follows a '\n'.
 */
#include "nf_mpi.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcasecmp(s + n - k, suf);
}

/* Bytes under a directory (recursively), for balancing only. */
static uint64_t dir_bytes(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (!d || depth > 32) {
        if (d)
            closedir(d);
        return 0;
    }
    uint64_t sum = 0;
    struct dirent *e;
    char sub[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(sub, &st))
            continue;
        sum += S_ISDIR(st.st_mode) ? dir_bytes(sub, depth + 1) : (uint64_t)st.st_size;
    }
    closedir(d);
    return sum;
}

/* A file the reader would see as compressed (magic bytes) or binary (a NUL in its first 8 KiB)
 * is read whole, by path, as the 1-process run reads it. */
static int plain_text_file(const char *path)
{
    unsigned char b[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t k = read(fd, b, sizeof b);
    close(fd);
    if (k < 4)
        return 0;
    if ((b[0] == 0x1f && b[1] == 0x8b) || (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f &&
                                           b[3] == 0xfd))
        return 0;
    return memchr(b, 0, (size_t)k) == NULL;
}

/* Rank 0: units as (size u64, split u8, path NUL) records. */
static void describe(const char *const *paths, size_t n, uint64_t split_min, nf_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t size = 0;
        uint8_t split = 0;
        struct stat st;
        if (strcmp(paths[i], "-") && stat(paths[i], &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                size = dir_bytes(paths[i], 0);
            } else {
                size = (uint64_t)st.st_size;
                split = S_ISREG(st.st_mode) && size >= split_min && size > 0 &&
                        (has_suffix(paths[i], ".jsonl") || has_suffix(paths[i], ".ndjson")) &&
                        plain_text_file(paths[i]);
            }
        }
        nf_buf_append(out, &size, sizeof size);
        nf_buf_append(out, &split, 1);
        nf_buf_append(out, paths[i], strlen(paths[i]) + 1);
    }
}

static void add_piece(nfm *m, nfm_plan *p, nfm_piece pc)
{
    p->piece = nfm_xrealloc(m, p->piece, (p->npiece + 1) * sizeof *p->piece);
    p->piece[p->npiece++] = pc;
}

/* First line start at or after x in fd (size bytes): x itself when x is 0, size, or follows
 * a '\n'; otherwise the byte after the next '\n' (or size). */
static nf_rc line_start(int fd, uint64_t size, uint64_t x, uint64_t *out)
{
    if (x == 0 || x >= size) {
        *out = NF_MIN(x, size);
        return NF_OK;
    }
    char buf[65536];
    uint64_t at = x - 1;
    while (at < size) {
        ssize_t k = pread(fd, buf, sizeof buf, (off_t)at);
        if (k <= 0)
            return NF_EIO;
        char *nl = memchr(buf, '\n', (size_t)k);
        if (nl) {
            *out = at + (uint64_t)(nl - buf) + 1;
            return NF_OK;
        }
        at += (uint64_t)k;
    }
    *out = size;
    return NF_OK;
}

static uint64_t range_lo(uint64_t total, int r, int P)
{
    return (uint64_t)(((unsigned __int128)total * (unsigned)r) / (unsigned)P);
}

nf_rc nfm_plan_make(nfm *m, const char *const *paths, size_t npaths, uint64_t split_min,
                    nfm_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    nf_buf desc;
    nf_buf_init(&desc, 0);
    if (m->rank == 0)
        describe(paths, npaths, split_min, &desc);
    uint64_t dn = desc.n;
    NFM(m, MPI_Bcast(&dn, 1, MPI_UINT64_T, 0, m->comm));
    if (m->rank != 0 && nf_buf_reserve(&desc, dn))
        nfm_die(m, "out of memory");
    if (dn > (uint64_t)1 << 30)
        nfm_die(m, "input list too long (%llu bytes)", (unsigned long long)dn);
    NFM(m, MPI_Bcast(desc.p, (int)dn, MPI_BYTE, 0, m->comm));
    desc.n = dn;
    plan->unit = nfm_xmalloc(m, npaths * sizeof *plan->unit);
    const char *q = desc.p;
    uint64_t total = 0;
    for (size_t i = 0; i < npaths; i++) {
        nfm_unit *u = &plan->unit[i];
        memcpy(&u->size, q, 8);
        u->split = q[8];
        u->path = strdup(q + 9);
        if (!u->path)
            nfm_die(m, "out of memory");
        q += 9 + strlen(q + 9) + 1;
        total += NF_MAX(u->size, 1);     /* an empty or unknown unit still has an owner */
    }
    plan->nunit = npaths;
    nf_buf_reset(&desc);
    int P = m->size, me = m->rank;
    /* mpirun forwards standard input to rank 0 only: with "-" among the inputs, rank 0 reads
     * everything (still in order), the other ranks nothing */
    int has_stdin = 0;
    for (size_t i = 0; i < npaths; i++)
        has_stdin |= !strcmp(plan->unit[i].path, "-");
    if (has_stdin)
        P = 1;
    uint64_t lo = me < P ? range_lo(total, me, P) : total + 1;
    uint64_t hi = me < P ? range_lo(total, me + 1, P) : total + 1;
    uint64_t off = 0;
    nf_rc rc = NF_OK;
    for (size_t i = 0; i < npaths; i++) {
        nfm_unit *u = &plan->unit[i];
        uint64_t w = NF_MAX(u->size, 1), a = NF_MAX(off, lo), b = NF_MIN(off + w, hi);
        if (!u->split) {
            if (off >= lo && off < hi)
                add_piece(m, plan, (nfm_piece){.unit = (uint32_t)i, .whole = 1});
        } else if (a < b) {
            int fd = open(u->path, O_RDONLY);
            uint64_t s = 0, e = 0;
            if (fd < 0 || line_start(fd, u->size, a - off, &s) ||
                line_start(fd, u->size, b - off, &e)) {
                fprintf(stderr, "%s: cannot read: %s\n", u->path, strerror(errno));
                rc = NF_EIO;
            } else if (s < e) {
                add_piece(m, plan, (nfm_piece){.unit = (uint32_t)i, .start = s, .end = e});
            }
            if (fd >= 0)
                close(fd);
        }
        off += w;
    }
    return rc;
}

void nfm_plan_free(nfm_plan *plan)
{
    for (size_t i = 0; i < plan->nunit; i++)
        free(plan->unit[i].path);
    free(plan->unit);
    free(plan->piece);
    memset(plan, 0, sizeof *plan);
}

nf_rc nfm_piece_map(const nfm_plan *plan, const nfm_piece *p, nfm_map *out)
{
    memset(out, 0, sizeof *out);
    if (p->end <= p->start)
        return NF_OK;
    int fd = open(plan->unit[p->unit].path, O_RDONLY);
    if (fd < 0)
        return NF_EIO;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), at = p->start / page * page;
    size_t len = (size_t)(p->end - at);
    void *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)at);
    close(fd);
    if (base == MAP_FAILED)
        return NF_EIO;
    madvise(base, len, MADV_SEQUENTIAL);
    out->base = base;
    out->len = len;
    out->p = (const char *)base + (p->start - at);
    out->n = (size_t)(p->end - p->start);
    return NF_OK;
}

void nfm_piece_unmap(nfm_map *mp)
{
    if (mp->base)
        munmap(mp->base, mp->len);
    memset(mp, 0, sizeof *mp);
}

/* Every rank contributes (unit, newlines) of its split pieces; a piece's line0 is the sum over
 * earlier pieces of the same unit — earlier ranks, then this rank's earlier pieces. */
void nfm_plan_lines(nfm *m, nfm_plan *plan)
{
    int P = m->size;
    uint64_t *mine = nfm_xmalloc(m, 2 * plan->npiece * sizeof *mine);
    int nmine = 0;
    for (size_t i = 0; i < plan->npiece; i++)
        if (!plan->piece[i].whole) {
            mine[2 * nmine] = plan->piece[i].unit;
            mine[2 * nmine + 1] = plan->piece[i].nlines;
            nmine++;
        }
    int *cnt = nfm_xmalloc(m, 2 * (size_t)P * sizeof *cnt), *dsp = cnt + P;
    int two = 2 * nmine;
    NFM(m, MPI_Allgather(&two, 1, MPI_INT, cnt, 1, MPI_INT, m->comm));
    size_t tot = 0;
    for (int r = 0; r < P; r++) {
        dsp[r] = (int)tot;
        tot += (size_t)cnt[r];
    }
    uint64_t *all = nfm_xmalloc(m, tot * sizeof *all);
    NFM(m, MPI_Allgatherv(mine, two, MPI_UINT64_T, all, cnt, dsp, MPI_UINT64_T, m->comm));
    for (size_t i = 0; i < plan->npiece; i++) {
        nfm_piece *pc = &plan->piece[i];
        if (pc->whole)
            continue;
        uint64_t before = 0;
        for (int r = 0; r < m->rank; r++)
            for (int k = 0; k < cnt[r]; k += 2)
                if (all[dsp[r] + k] == pc->unit)
                    before += all[dsp[r] + k + 1];
        for (size_t j = 0; j < i; j++)
            if (!plan->piece[j].whole && plan->piece[j].unit == pc->unit)
                before += plan->piece[j].nlines;
        pc->line0 = before;
    }
    free(all);
    free(cnt);
    free(mine);
}
