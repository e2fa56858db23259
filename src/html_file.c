/*
 * html_file.c — one saved HTML page as an nf_article, for the readers (.html/.htm/.html.gz).
 *
 * Key idea: the reader hands over the whole (decompressed) page; the extractor finds body,
 * title, date, outlet and URL; a page with no article body is a rejected record whose message
 * says why, so nothing is dropped silently. The id is left to the reader (the file name).
 */
#include "nf_int.h"
#include <stdio.h>
#include <stdlib.h>

static void diag(nf_diag *d, const char *path, nf_rc code, const char *what)
{
    if (!d)
        return;
    d->file = path;
    d->line = 0;
    d->col = 0;
    d->code = code;
    snprintf(d->msg, sizeof d->msg, "HTML: %s", what);
}

nf_rc nf_html_article(const char *bytes, size_t n, const char *path, nf_article *a, nf_diag *d)
{
    nf_extracted x;
    nf_extracted_init(&x);
    nf_rc rc = nf_extract_html(bytes, n, NULL, &x);
    if (rc != NF_OK) {
        diag(d, path, rc, nf_strerror(rc));
        nf_extracted_reset(&x);
        return rc;
    }
    if (x.text_len == 0) {
        diag(d, path, NF_EEMPTY, x.reason ? x.reason : "no article text");
        nf_extracted_reset(&x);
        return NF_EEMPTY;
    }
    a->text = x.text;
    a->text_len = x.text_len;
    a->title = x.title;
    a->url = x.url;
    a->outlet = x.outlet;
    a->time = x.time;
    free(x.date);
    return NF_OK;
}
