/*
 * cmd_report.c — `newsfold report -o report.html`: one self-contained static HTML page comparing
 * every story: outlets, primary sources, shared and echoed quotes (highlighted in each article's
 * text), sources and who did not respond, additions, omissions, differences.
 *
 * Safety policy: every byte that comes from an article (text, title, outlet, id, names, quotes)
 * goes through html_text(), which escapes & < > " ' — nothing from the input is ever written
 * raw, so "<script>" or "\"><img onerror=...>" in an article renders as text. The page has
 * inline CSS, no script and no external asset (no CDN, no font, no image).
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static void html_text(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t')
                fputc(' ', f);
            else
                fputc(c, f);
        }
    }
}

static void html_str(FILE *f, const char *s)
{
    if (s)
        html_text(f, s, strlen(s));
}

static void html_span(FILE *f, const nf_article *a, nf_span sp)
{
    if (sp.end <= a->text_len && sp.start <= sp.end)
        html_text(f, a->text + sp.start, sp.end - sp.start);
}

static const char *outlet(const nf_article *a)
{
    return a->outlet ? a->outlet : a->id ? a->id : "?";
}

static void tag(FILE *f, const nf_article *const *arts, uint32_t i)
{
    fprintf(f, "<span class=o>[%u ", i);
    html_str(f, outlet(arts[i]));
    fputs("]</span>", f);
}

typedef struct mark {
    uint32_t start, end, q;
} mark;

static int cmp_mark(const void *a, const void *b)
{
    const mark *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The article text with shared-quote spans marked; overlapping spans keep the first. */
static void article_text(FILE *f, const nf_comparison *c, const nf_article *a, uint32_t art)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nquote; i++)
        n += c->quote[i].ncar;
    mark *m = malloc((n + 1) * sizeof *m);
    size_t k = 0;
    for (size_t i = 0; m && i < c->nquote; i++)
        for (size_t j = 0; j < c->quote[i].ncar; j++)
            if (c->quote[i].car[j].article == art)
                m[k++] = (mark){c->quote[i].car[j].span.start, c->quote[i].car[j].span.end,
                                (uint32_t)i};
    if (m)
        qsort(m, k, sizeof *m, cmp_mark);
    uint32_t pos = 0;
    for (size_t i = 0; i < k; i++) {
        if (m[i].start < pos || m[i].end > a->text_len)
            continue;
        html_text(f, a->text + pos, m[i].start - pos);
        fprintf(f, "<mark title=\"quote %u\">", m[i].q + 1);
        html_text(f, a->text + m[i].start, m[i].end - m[i].start);
        fputs("</mark>", f);
        pos = m[i].end;
    }
    html_text(f, a->text + pos, a->text_len - pos);
    free(m);
}

static void story_html(FILE *f, const char *id, const nf_article *const *arts,
                       const nf_comparison *c)
{
    fputs("<section><h2>Story ", f);
    html_str(f, id);
    fprintf(f, "</h2><p class=meta>%zu articles, %u outlets, %u independent</p>\n", c->narticles,
            c->noutlets, c->nindependent);
    fputs("<table><tr><th>#</th><th>outlet</th><th>id</th><th>date</th><th>title</th><th></th></tr>\n", f);
    for (uint32_t i = 0; i < c->narticles; i++) {
        char date[32];
        cli_format_time(arts[i]->time, date, sizeof date);
        fprintf(f, "<tr><td>%u</td><td>", i);
        html_str(f, outlet(arts[i]));
        fputs("</td><td>", f);
        html_str(f, arts[i]->id);
        fprintf(f, "</td><td>%s</td><td>", date);
        html_str(f, arts[i]->title);
        fputs("</td><td>", f);
        if (c->copy_of[i] >= 0)
            fprintf(f, "copy of %d", c->copy_of[i]);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h3>Primary sources</h3><p>", f);
    int k = 0;
    for (size_t i = 0; i < c->nsrc; i++)
        if (c->src[i].primary) {
            fputs(k++ ? ", <b>" : "<b>", f);
            html_str(f, c->src[i].name);
            fputs("</b>", f);
        }
    fputs(k ? "</p>\n" : "none named by two or more articles</p>\n", f);

    fputs("<h3>Sources</h3><ul>", f);
    for (size_t i = 0; i < c->nsrc; i++) {
        const nf_source *s = &c->src[i];
        if (!s->narticles)
            continue;
        fputs("<li>", f);
        html_str(f, s->name);
        fprintf(f, " <span class=n>%u/%zu articles%s%s</span>", s->narticles, c->narticles,
                s->kind == NF_SRC_PERSON ? ", person" : "", s->quoted ? ", quoted" : "");
        for (size_t j = 0; j < c->ncit; j++)
            if (c->cit[j].source == i && c->cit[j].via >= 0) {
                fputs(" relays ", f);
                html_str(f, c->src[c->cit[c->cit[j].via].source].name);
                break;
            }
        fputs("</li>", f);
    }
    fputs("</ul>\n", f);
    bool nores = false;
    for (size_t j = 0; j < c->ncit; j++)
        if (c->cit[j].cue == NF_CUE_NO_RESPONSE) {
            if (!nores)
                fputs("<h3>Did not respond</h3><ul>", f);
            nores = true;
            fputs("<li>", f);
            html_str(f, c->src[c->cit[j].source].name);
            fputs(" ", f);
            tag(f, arts, c->cit[j].article);
            fputs("</li>", f);
        }
    if (nores)
        fputs("</ul>\n", f);

    for (int pass = 0; pass < 2; pass++) {
        fputs(pass ? "<h3>Echoed quotes <small>(in marks in one article, verbatim without in another)"
                     "</small></h3><ol>"
                   : "<h3>Shared quotes</h3><ol>", f);
        for (size_t i = 0; i < c->nquote; i++) {
            const nf_shared_quote *q = &c->quote[i];
            if ((q->nquoted >= 2) == (pass == 1))
                continue;
            fprintf(f, "<li value=%zu><q>", i + 1);
            html_str(f, q->text);
            fputs("</q>", f);
            if (q->speaker >= 0) {
                fputs(" — ", f);
                html_str(f, c->src[q->speaker].name);
            }
            fputs("<br>", f);
            for (size_t j = 0; j < q->ncar; j++) {
                tag(f, arts, q->car[j].article);
                fputs(q->car[j].quoted ? " " : " (without marks) ", f);
            }
            fputs("</li>\n", f);
        }
        fputs("</ol>\n", f);
    }

    fprintf(f, "<h3>Additions <small>(%zu sentences only one article has)</small></h3>", c->nadd);
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < c->nadd; i++) {
        if (c->add[i].article != last) {
            if (last != UINT32_MAX)
                fputs("</ul>", f);
            fputs("<h4>", f);
            tag(f, arts, c->add[i].article);
            fputs("</h4><ul>", f);
            last = c->add[i].article;
        }
        fputs("<li>", f);
        html_span(f, arts[c->add[i].article], c->add[i].span);
        fputs("</li>\n", f);
    }
    if (last != UINT32_MAX)
        fputs("</ul>", f);
    if (c->nomit) {
        fputs("<h3>Omissions</h3><ul>", f);
        for (size_t i = 0; i < c->nomit; i++) {
            fputs("<li>", f);
            tag(f, arts, c->omit_by[i]);
            fputs(" leaves out: ", f);
            html_span(f, arts[c->omit[i].article], c->omit[i].span);
            fputs("</li>\n", f);
        }
        fputs("</ul>", f);
    }
    fprintf(f, "<h3>Differences</h3>%s", c->ndiff ? "<ul>" : "<p>none found</p>");
    for (size_t i = 0; i < c->ndiff; i++) {
        const nf_difference *d = &c->diff[i];
        fprintf(f, "<li><b>%s</b> ", nf_slot_kind_name(d->kind));
        html_str(f, d->key);
        fputs("<ul>", f);
        for (size_t j = 0; j < d->nval; j++) {
            fputs("<li>", f);
            tag(f, arts, d->val[j].article);
            fputs(" <b class=v>", f);
            html_span(f, arts[d->val[j].article], d->val[j].value);
            fputs("</b>: ", f);
            html_span(f, arts[d->val[j].article], d->val[j].sentence);
            fputs("</li>", f);
        }
        fputs("</ul></li>\n", f);
    }
    if (c->ndiff)
        fputs("</ul>", f);
    fputs("<h3>Articles</h3>", f);
    for (uint32_t i = 0; i < c->narticles; i++) {
        fputs("<details><summary>", f);
        tag(f, arts, i);
        fputs(" ", f);
        html_str(f, arts[i]->title ? arts[i]->title : arts[i]->id);
        fputs("</summary><div class=art>", f);
        article_text(f, c, arts[i], i);
        fputs("</div></details>\n", f);
    }
    fputs("</section>\n", f);
}

static const char CSS[] =
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}"
    "h2{border-bottom:2px solid #444;margin-top:2em}h3{margin-bottom:.3em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    ".o{color:#06c;font-weight:600}.n,.meta{color:#666}mark{background:#fe8}"
    ".art{white-space:pre-wrap;border-left:3px solid #ddd;padding-left:1em}"
    "q{font-style:italic}.v{color:#b00}";

typedef struct id_list {
    int64_t *id;
    size_t n, cap;
    int64_t articles;
    bool oom;
} id_list;

static int keep_id(const nf_story_info *si, void *ctx)
{
    id_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int64_t *ni = realloc(l->id, cap * sizeof *ni);
        if (!ni) {
            l->oom = true;
            return 1;
        }
        l->id = ni;
        l->cap = cap;
    }
    l->id[l->n++] = si->id;
    l->articles += si->size;
    return 0;
}

/* Open outp ("-": standard output) and write the page head; NULL after saying why. */
static FILE *report_open(const char *outp, size_t stories, long long articles)
{
    FILE *f = strcmp(outp, "-") ? fopen(outp, "w") : stdout;
    if (!f) {
        fprintf(stderr, "newsfold report: cannot write %s\n", outp);
        return NULL;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
               "<meta name=viewport content=\"width=device-width\">"
               "<title>newsfold report</title><style>%s</style></head><body>\n"
               "<h1>newsfold: coverage of %zu stories, %lld articles</h1>\n",
            CSS, stories, articles);
    return f;
}

/* report --db: the listed stories (or one), each compared from its stored members. */
static int report_db(const char *db, const char *story, int64_t limit, const char *outp)
{
    nf_store *s = cli_db_open("report", db);
    if (!s)
        return EXIT_USAGE;
    id_list l = {0};
    int status = EXIT_USAGE;
    FILE *f = NULL;
    cli_db_story d;
    if (story) {
        /* resolved (and checked) by cli_db_story_load below */
        if (cli_db_story_load("report", s, db, story, &d))
            goto done;
        keep_id(&(nf_story_info){.id = d.id, .size = (int64_t)d.n}, &l);
        cli_db_story_free(&d);
    } else if (nf_store_stories(s, NULL, NF_NO_TIME, limit ? limit : -1, 0, keep_id, &l, NULL)) {
        fprintf(stderr, "newsfold report: %s: %s\n", db, nf_store_errmsg(s));
        goto done;
    }
    if (l.oom) {
        fprintf(stderr, "newsfold report: out of memory\n");
        goto done;
    }
    f = report_open(outp, l.n, (long long)l.articles);
    if (!f)
        goto done;
    bool failed = false;
    for (size_t k = 0; k < l.n; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)l.id[k]);
        if (cli_db_story_load("report", s, db, id, &d)) {
            failed = true;
            continue;
        }
        nf_comparison *c = NULL;
        nf_rc crc = cli_db_story_compare(&d, &c);
        if (crc) {
            fprintf(stderr, "newsfold report: story %s: %s\n", d.idstr, nf_strerror(crc));
            failed = true;
        } else {
            story_html(f, d.idstr, d.ptrs, c);
        }
        nf_comparison_free(c);
        cli_db_story_free(&d);
    }
    fputs("</body></html>\n", f);
    if (fflush(f) != 0 || ferror(f))
        fprintf(stderr, "newsfold report: cannot write %s\n", outp);
    else
        status = failed ? EXIT_USAGE : 0;
done:
    if (f && f != stdout)
        fclose(f);
    free(l.id);
    nf_store_close(s);
    return status;
}

static void help(void)
{
    printf("usage: newsfold report -o report.html [options] FILES...\n"
           "       newsfold report -o report.html --db PATH [--story ID] [--limit N]\n"
           "\nWrite one self-contained static HTML page (inline CSS, no script, no external\n"
           "asset) comparing every story of the input: outlets, primary sources, sources, who did\n"
           "not respond, shared and echoed quotes (highlighted in each article), additions,\n"
           "omissions, differences. All article text is HTML-escaped.\n"
           "\nStories: grouped by the `story` field of the inputs (from `newsfold fold`); inputs\n"
           "with no story field are folded first, as `newsfold fold` does. With --db PATH the\n"
           "stories come from a database written by `newsfold fold FILES --db PATH`, in the\n"
           "order `newsfold stories --db PATH` lists them (most independent outlets first).\n"
           "\n  -o, --output FILE  the page to write ('-' for standard output; required)\n"
           "  --db PATH          read the stories from this database instead of FILES\n"
           "  --story ID         only this story\n"
           "  --limit N          with --db: the first N stories (default 100, 0 for all)\n%s",
           cli_input_help());
}

int cmd_report(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    cli_stories S = {0};
    const char *outp = NULL, *story = NULL;
    int status = EXIT_USAGE;
    FILE *f = NULL;
    bool *extra = calloc((size_t)argc + 1, sizeof *extra);
    if (!extra)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++)
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            outp = argv[i + 1];
            extra[i] = extra[i + 1] = true;
            i++;
        }
    int64_t limit = 100;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            char *end;
            long long x = strtoll(argv[i + 1], &end, 10);
            if (!argv[i + 1][0] || *end || x < 0) {
                fprintf(stderr, "newsfold report: --limit: not a non-negative number: %s\n",
                        argv[i + 1]);
                goto done;
            }
            limit = x;
            extra[i] = extra[i + 1] = true;
            i++;
        }
    const char *db = cli_db_arg(argc, argv, extra);
    if (cli_story_args("report", argc, argv, &in, &story, extra, help, &status) < 0)
        goto done;
    if (!outp) {
        fprintf(stderr, "newsfold report: -o FILE is required (see --help)\n");
        goto done;
    }
    if (db && in.npaths) {
        fprintf(stderr, "newsfold report: give either --db PATH or FILES, not both\n");
        goto done;
    }
    if (db) {
        status = report_db(db, story, limit, outp);
        goto done;
    }
    nf_rc rc = cli_stories_load(&in, &S);
    if (rc == NF_ENOMEM) {
        fprintf(stderr, "newsfold report: out of memory\n");
        goto done;
    }
    f = report_open(outp, S.nst, (long long)S.n);
    if (!f)
        goto done;
    if (!S.folded && S.n)
        fputs("<p class=meta>The inputs carry no story field: they were folded into stories "
              "here.</p>\n", f);
    bool failed = false;
    for (size_t k = 0; k < S.nst; k++) {
        if (story && strcmp(S.st[k].id, story))
            continue;
        const nf_article **arts = NULL;
        nf_comparison *c = NULL;
        nf_rc crc = cli_story_compare(&S, k, &arts, &c);
        if (crc) {
            fprintf(stderr, "newsfold report: story %s: %s\n", S.st[k].id, nf_strerror(crc));
            failed = true;
            continue;
        }
        story_html(f, S.st[k].id, arts, c);
        nf_comparison_free(c);
        free(arts);
    }
    fputs("</body></html>\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        fprintf(stderr, "newsfold report: cannot write %s\n", outp);
        goto done;
    }
    status = failed ? EXIT_USAGE : cli_exit_status(&in, rc);
done:
    if (f && f != stdout)
        fclose(f);
    free(extra);
    cli_stories_free(&S);
    cli_input_free(&in);
    return status;
}
