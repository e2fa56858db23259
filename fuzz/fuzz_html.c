/*
 * fuzz_html.c — libFuzzer target for nf_extract_html: any bytes (HTML, gzip, other charsets,
 * binary) must give NF_OK or an error code, never a crash, a leak or undefined behaviour; on
 * NF_OK the text is valid UTF-8 with no NUL and, when empty, a reason is given.
 */
#include "nf_int.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nf_extracted x;
    nf_extracted_init(&x);
    nf_extract_opts o = {0, 1 << 20};
    /* the first byte picks heuristics to switch off, so every path gets fuzzed */
    if (size > 0)
        o.off = data[0] & 0x3ff ? (unsigned)(data[0] & 0x0f) << (data[0] >> 6) : 0;
    nf_rc rc = nf_extract_html_opts((const char *)data, size, "https://example.com/2020/01/02/x",
                                    &o, &x);
    if (rc == NF_OK) {
        if (!x.text)
            abort();
        if (x.text_len == 0 && !x.reason)
            abort();
        if (nf_utf8_valid(x.text, x.text_len) != x.text_len || memchr(x.text, 0, x.text_len))
            abort();
    }
    nf_extracted_reset(&x);
    return 0;
}
