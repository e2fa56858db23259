/*
 * cmd_read.c — `newsfold read`: read articles, remove scrape residue, print them as JSONL with
 * the removed spans, and the counts.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

typedef struct read_ctx {
    bool raw;
    int werr;
    nf_cleaning cl;
    nf_buf kept;
} read_ctx;

static int on_article(nf_article *a, void *vctx)
{
    read_ctx *c = vctx;
    json_t *o = cli_article_json(a);
    if (a->repaired)
        json_object_set_new(o, "repaired_utf8", json_integer(a->repaired));
    if (!c->raw && nf_clean(a->text, a->text_len, &c->cl) == NF_OK) {
        c->kept.n = 0;
        if (nf_clean_apply(a->text, a->text_len, &c->cl, &c->kept) == NF_OK)
            json_object_set_new(o, "text", json_stringn(c->kept.p ? c->kept.p : "", c->kept.n));
        json_t *rm = json_array();
        for (size_t i = 0; i < c->cl.n; i++) {
            const nf_removed *r = &c->cl.rm[i];
            json_t *e = json_object();
            json_object_set_new(e, "start", json_integer(r->span.start));
            json_object_set_new(e, "end", json_integer(r->span.end));
            json_object_set_new(e, "why", json_string(nf_residue_name(r->why)));
            json_object_set_new(e, "text", json_stringn(a->text + r->span.start,
                                                        r->span.end - r->span.start));
            json_array_append_new(rm, e);
        }
        json_object_set_new(o, "removed", rm);
    }
    if (cli_write_jsonl(stdout, o))
        c->werr = 1;
    json_decref(o);
    return 0;
}

static void help(void)
{
    printf("usage: newsfold read [options] FILES...\n"
           "\nRead articles, remove scrape residue (captions, credits, \"Read the original article\",\n"
           "sign-up and share lines) and print each accepted article as one JSON line: id, outlet,\n"
           "url, date, title, text (cleaned) and removed (the spans taken out, with byte offsets\n"
           "into the original text and the reason). The counts go to stderr.\n"
           "\n  --raw              print the text as read, without cleaning\n%s",
           cli_input_help());
}

int cmd_read(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    read_ctx c = {0};
    nf_buf_init(&c.kept, 0);
    int status = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            status = 0;
            goto done;
        }
        if (!strcmp(argv[i], "--raw")) {
            c.raw = true;
            continue;
        }
        int k = cli_input_arg(&in, argc, argv, &i);
        if (k < 0)
            goto done;
        if (k == 0) {
            fprintf(stderr, "newsfold read: unknown option %s\n", argv[i]);
            goto done;
        }
    }
    nf_rc rc = cli_read_all(&in, on_article, &c);
    if (fflush(stdout) != 0 || c.werr) {
        fprintf(stderr, "newsfold read: cannot write output\n");
        goto done;
    }
    status = cli_exit_status(&in, rc);
done:
    nf_cleaning_reset(&c.cl);
    nf_buf_reset(&c.kept);
    cli_input_free(&in);
    return status;
}
