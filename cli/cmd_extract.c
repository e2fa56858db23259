/*
 * cmd_extract.c — `newsfold extract PAGE...`: the article in each HTML page, one JSON object a
 * line: id (nf_file_id: the file name without compression suffix and extension, as the readers
 * name a page), url, title, date, date_source, outlet, text, and reason when no body was found.
 * Pages are loaded as the readers load a file (nf_file_load: gzip/zstd decoded, directories
 * refused). A page that cannot be opened or read, or is not HTML, is reported on stderr as
 * "file: what" and counted as failed; the others go on. pages = extracted + empty + failed.
 * "-" is one page read from standard input (id "stdin", "<stdin>" in messages).
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: newsfold extract [options] PAGE...\n"
        "\n"
        "Extract the article (body text, title, date, outlet, canonical URL) from saved HTML\n"
        "pages (.html, .htm, .html.gz; any declared charset; - reads one page from standard\n"
        "input, whose id is \"stdin\") and print one JSON object per page:\n"
        "  {\"id\", \"url\", \"title\", \"date\", \"date_source\", \"outlet\", \"text\", \"reason\"}\n"
        "id is the file name without compression suffix and extension, as `newsfold read`\n"
        "names a page; date_source is json-ld, meta, time, url or\n"
        "none; text holds paragraphs separated by blank lines; reason says why text is empty.\n"
        "\n"
        "options:\n"
        "  --url URL      where the page came from (for the outlet and URL date), one page only\n"
        "  --max-bytes N  refuse pages larger than N bytes once decoded (default 64 MiB)\n"
        "  -q, --quiet    no summary line\n"
        "  -h, --help     this text\n"
        "\n"
        "exit status: 0 every page read; 1 some pages were not HTML (binary, truncated or\n"
        "corrupt gzip, too large); 2 usage error, or a page that could not be opened or read\n"
        "(a directory, a missing or unreadable file; the other pages are still read).\n");
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}

int cmd_extract(int argc, char **argv)
{
    const char *url = NULL;
    nf_extract_opts opts = {0, 0};
    int quiet = 0, npages = 0;
    const char **pages = calloc((size_t)argc, sizeof *pages);
    if (!pages)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            free(pages);
            return 0;
        } else if (!strcmp(a, "--url") && i + 1 < argc) {
            url = argv[++i];
        } else if (!strcmp(a, "--max-bytes") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            unsigned long long mb = strtoull(v, &end, 10);
            if (!*v || *end || *v == '-' || mb == 0 || mb > SIZE_MAX / 8) {
                fprintf(stderr, "newsfold extract: --max-bytes: not a byte count: %s\n", v);
                free(pages);
                return EXIT_USAGE;
            }
            opts.max_bytes = (size_t)mb;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "newsfold extract: unknown option %s\n", a);
            usage(stderr);
            free(pages);
            return EXIT_USAGE;
        } else {
            pages[npages++] = a;
        }
    }
    if (npages == 0) {
        usage(stderr);
        free(pages);
        return EXIT_USAGE;
    }
    /* the extractor's default ceiling (nf_extract_opts.max_bytes) bounds the decoded page */
    size_t max = opts.max_bytes ? opts.max_bytes : (size_t)64 << 20;
    int failed = 0, empty = 0, ioerr = 0;
    nf_buf page;
    nf_buf_init(&page, max);
    for (int i = 0; i < npages; i++) {
        nf_diag d;
        page.n = 0;
        int from_stdin = !strcmp(pages[i], "-");
        const char *shown = from_stdin ? "<stdin>" : pages[i];
        nf_rc rc = nf_file_load(pages[i], &page, &d);
        if (rc != NF_OK) {
            fprintf(stderr, "%s: %s\n", shown, d.msg);
            failed++;
            ioerr += rc == NF_EIO;
            continue;
        }
        nf_extracted x;
        nf_extracted_init(&x);
        rc = nf_extract_html_opts(page.p ? page.p : "", page.n, npages == 1 ? url : NULL, &opts,
                                  &x);
        if (rc != NF_OK) {
            fprintf(stderr, "%s: %s\n", shown, nf_strerror(rc));
            failed++;
            nf_extracted_reset(&x);
            continue;
        }
        json_t *o = json_object();
        char *id = from_stdin ? strdup("stdin") : nf_file_id(pages[i]);
        set_str(o, "id", id);
        free(id);
        set_str(o, "url", x.url);
        set_str(o, "title", x.title);
        char when[40];
        if (x.time != NF_NO_TIME) {
            cli_format_time(x.time, when, sizeof when);
            set_str(o, "date", when);
        } else {
            set_str(o, "date", NULL);
        }
        set_str(o, "date_source", nf_date_source_name(x.date_source));
        set_str(o, "outlet", x.outlet);
        set_str(o, "text", x.text ? x.text : "");
        if (x.reason) {
            set_str(o, "reason", x.reason);
            empty++;
        }
        int werr = cli_write_jsonl(stdout, o);
        json_decref(o);
        nf_extracted_reset(&x);
        if (werr)
            break;
    }
    nf_buf_reset(&page);
    free(pages);
    /* an output that cannot be written is an I/O error too (buffered: seen at the flush) */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "newsfold extract: cannot write output\n");
        return EXIT_USAGE;
    }
    if (!quiet)
        fprintf(stderr, "pages %d, extracted %d, empty %d, failed %d\n", npages,
                npages - failed - empty, empty, failed);
    /* as `newsfold read`: 2 when an input could not be opened or read, else 1 for rejections */
    return ioerr ? EXIT_USAGE : failed ? EXIT_SOME_REJECTED : EXIT_ALL_OK;
}
