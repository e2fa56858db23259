/*
 * fuzz_jsonl.c — libFuzzer target for the JSONL reader, through an in-memory input (no disk).
 * Every input is read to the end; the properties checked are the reader's invariants: read =
 * accepted + rejected, every accepted article has an id and non-empty valid UTF-8 text, every
 * rejection carries a message. Inputs whose size is a multiple of 3 run with a 64-byte record
 * limit so the over-long-record path is explored too; gzip/zstd inputs are decompressed.
 */
#include "nf_int.h"
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nf_read_opts o = {.label_field = "story", .max_record = size % 3 == 0 ? 64 : 0};
    nf_reader *r = NULL;
    if (nf_reader_open_mem(&r, data, size, "fuzz.jsonl", &o) != NF_OK)
        abort();
    nf_article a = {0};
    nf_diag d;
    uint64_t ok = 0, bad = 0;
    for (;;) {
        nf_rc rc = nf_reader_next(r, &a, &d);
        if (rc == NF_DONE)
            break;
        if (rc == NF_OK) {
            if (!a.id || !a.text || !a.text_len || nf_utf8_valid(a.text, a.text_len) != a.text_len)
                abort();
            nf_article_reset(&a);
            ok++;
        } else {
            if (!d.msg[0] || d.code != rc)
                abort();
            bad++;
        }
    }
    uint64_t read, acc, rej, bytes;
    nf_reader_counts(r, &read, &acc, &rej, &bytes);
    if (read != acc + rej || acc != ok || rej != bad)
        abort();
    nf_reader_close(r);
    return 0;
}
