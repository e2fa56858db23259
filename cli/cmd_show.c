/*
 * cmd_show.c — `newsfold show`: one story's comparison as a readable terminal view: outlets,
 * primary sources, shared quotes with who carries them, each outlet's additions, omissions,
 * differences. ANSI colour when stdout is a terminal (and NO_COLOR is unset), plain when piped.
 * Article text is printed as is, except control characters, which are shown as spaces so an
 * article cannot drive the terminal.
 */
#include "cli.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct view {
    FILE *f;
    bool color;
    const nf_article *const *arts;
    const nf_comparison *c;
} view;

static const char *on(const view *v, const char *code) { return v->color ? code : ""; }
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define OFF "\033[0m"

/* text with control bytes (incl. ESC) and newlines shown as spaces */
static void put_text(const view *v, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, v->f);
    }
}

static void put_span(const view *v, uint32_t art, nf_span sp)
{
    const nf_article *a = v->arts[art];
    if (sp.end <= a->text_len && sp.start <= sp.end)
        put_text(v, a->text + sp.start, sp.end - sp.start);
}

static const char *outlet(const view *v, uint32_t i)
{
    const nf_article *a = v->arts[i];
    return a->outlet ? a->outlet : a->id ? a->id : "?";
}

static void tag(const view *v, uint32_t i)
{
    fprintf(v->f, "%s[%u %s]%s", on(v, CYAN), i, outlet(v, i), on(v, OFF));
}

static void heading(const view *v, const char *h, size_t n)
{
    fprintf(v->f, "\n%s%s%s (%zu)\n", on(v, BOLD), h, on(v, OFF), n);
}

static void show_articles(const view *v, const char *story, bool folded)
{
    const nf_comparison *c = v->c;
    fprintf(v->f, "%sStory %s%s: %zu articles, %u outlets, %u independent%s\n", on(v, BOLD), story,
            folded ? "" : " (folded here)", c->narticles, c->noutlets, c->nindependent, on(v, OFF));
    for (uint32_t i = 0; i < c->narticles; i++) {
        const nf_article *a = v->arts[i];
        char date[32];
        cli_format_time(a->time, date, sizeof date);
        fprintf(v->f, "  ");
        tag(v, i);
        fprintf(v->f, " %s %s", a->id ? a->id : "", date);
        if (a->title) {
            fputs(" ", v->f);
            put_text(v, a->title, strlen(a->title));
        }
        if (c->copy_of[i] >= 0)
            fprintf(v->f, " %s(copy of [%d])%s", on(v, YELLOW), c->copy_of[i], on(v, OFF));
        fputc('\n', v->f);
    }
}

static void show_sources(const view *v)
{
    const nf_comparison *c = v->c;
    fprintf(v->f, "\n%sPrimary sources:%s ", on(v, BOLD), on(v, OFF));
    int k = 0;
    for (size_t i = 0; i < c->nsrc; i++)
        if (c->src[i].primary)
            fprintf(v->f, "%s%s%s%s", k++ ? ", " : "", on(v, GREEN), c->src[i].name, on(v, OFF));
    fprintf(v->f, "%s\n", k ? "" : "none named by two or more articles");
    size_t shown = 0;
    for (size_t i = 0; i < c->nsrc; i++)
        shown += c->src[i].narticles > 0;
    heading(v, "Sources (articles leading back to each)", shown);
    for (size_t i = 0; i < c->nsrc; i++) {
        const nf_source *s = &c->src[i];
        if (!s->narticles)
            continue;
        fprintf(v->f, "  %s%s%s %u/%zu%s", on(v, s->primary ? GREEN : ""), s->name,
                on(v, s->primary ? OFF : ""), s->narticles, c->narticles,
                s->kind == NF_SRC_PERSON ? " person" : "");
        if (s->quoted)
            fputs(" (quoted)", v->f);
        /* cues and relays */
        const char *cues[16];
        size_t nc = 0;
        for (size_t j = 0; j < c->ncit; j++) {
            if (c->cit[j].source != i)
                continue;
            const char *nm = nf_cue_name(c->cit[j].cue);
            bool seen = false;
            for (size_t q = 0; q < nc; q++)
                seen |= !strcmp(cues[q], nm);
            if (!seen && nc < 16)
                cues[nc++] = nm;
            if (c->cit[j].via >= 0) {
                uint32_t t = c->cit[c->cit[j].via].source;
                bool dup = false;
                for (size_t q = 0; q < j; q++)
                    dup |= c->cit[q].source == i && c->cit[q].via >= 0
                           && c->cit[c->cit[q].via].source == t;
                if (!dup)
                    fprintf(v->f, " relays %s", c->src[t].name);
            }
        }
        fputs(" —", v->f);
        for (size_t q = 0; q < nc; q++)
            fprintf(v->f, " %s", cues[q]);
        fputc('\n', v->f);
    }
    size_t nr = 0;
    for (size_t j = 0; j < c->ncit; j++)
        nr += c->cit[j].cue == NF_CUE_NO_RESPONSE;
    if (nr) {
        heading(v, "Did not respond", nr);
        for (size_t j = 0; j < c->ncit; j++)
            if (c->cit[j].cue == NF_CUE_NO_RESPONSE) {
                fprintf(v->f, "  %s ", c->src[c->cit[j].source].name);
                tag(v, c->cit[j].article);
                fputc('\n', v->f);
            }
    }
}

static void show_quotes(const view *v)
{
    const nf_comparison *c = v->c;
    size_t ns = 0;
    for (size_t i = 0; i < c->nquote; i++)
        ns += c->quote[i].nquoted >= 2;
    for (int pass = 0; pass < 2; pass++) {
        heading(v, pass ? "Echoed quotes (in marks in one article, verbatim without in another)"
                        : "Shared quotes", pass ? c->nquote - ns : ns);
        for (size_t i = 0; i < c->nquote; i++) {
            const nf_shared_quote *q = &c->quote[i];
            if ((q->nquoted >= 2) == (pass == 1))
                continue;
            fprintf(v->f, "  %s\"", on(v, GREEN));
            put_text(v, q->text, strlen(q->text));
            fprintf(v->f, "\"%s", on(v, OFF));
            if (q->speaker >= 0)
                fprintf(v->f, " — %s", c->src[q->speaker].name);
            fputs("\n     in:", v->f);
            for (size_t k = 0; k < q->ncar; k++) {
                const nf_carrier *r = &q->car[k];
                fputc(' ', v->f);
                tag(v, r->article);
                if (!r->quoted)
                    fputs(" (without marks)", v->f);
                if (r->speaker < 0 && r->speaker_desc) {
                    fputs(" (", v->f);
                    put_text(v, r->speaker_desc, strlen(r->speaker_desc));
                    fputc(')', v->f);
                }
            }
            fputc('\n', v->f);
        }
    }
}

static void show_additions(const view *v)
{
    const nf_comparison *c = v->c;
    heading(v, "Additions (what only one article says)", c->nadd);
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < c->nadd; i++) {
        if (c->add[i].article != last) {
            fputs("  ", v->f);
            tag(v, c->add[i].article);
            fputc('\n', v->f);
            last = c->add[i].article;
        }
        fputs("    - ", v->f);
        put_span(v, c->add[i].article, c->add[i].span);
        fputc('\n', v->f);
    }
    if (c->nomit) {
        heading(v, "Omissions (what most other articles say)", c->nomit);
        for (size_t i = 0; i < c->nomit; i++) {
            fputs("  ", v->f);
            tag(v, c->omit_by[i]);
            fputs(" leaves out: ", v->f);
            put_span(v, c->omit[i].article, c->omit[i].span);
            fputs(" ", v->f);
            fprintf(v->f, "%s(as [%u])%s\n", on(v, DIM), c->omit[i].article, on(v, OFF));
        }
    }
}

static void show_differences(const view *v)
{
    const nf_comparison *c = v->c;
    heading(v, "Differences", c->ndiff);
    for (size_t i = 0; i < c->ndiff; i++) {
        const nf_difference *d = &c->diff[i];
        fprintf(v->f, "  %s%s%s%s%s\n", on(v, YELLOW), nf_slot_kind_name(d->kind),
                d->key && *d->key ? " / " : "", d->key ? d->key : "", on(v, OFF));
        for (size_t k = 0; k < d->nval; k++) {
            const nf_slot_value *sv = &d->val[k];
            fputs("    ", v->f);
            tag(v, sv->article);
            fprintf(v->f, " %s", on(v, RED));
            put_span(v, sv->article, sv->value);
            fprintf(v->f, "%s: ", on(v, OFF));
            put_span(v, sv->article, sv->sentence);
            fputc('\n', v->f);
        }
    }
}

/* The whole view of one story to v->f; -1 (after saying so) when it cannot be written. */
static int show_all(view *v, const char *id, bool folded)
{
    show_articles(v, id, folded);
    show_sources(v);
    show_quotes(v);
    show_additions(v);
    show_differences(v);
    if (fflush(v->f) != 0) {
        fprintf(stderr, "newsfold show: cannot write output\n");
        return -1;
    }
    return 0;
}

static void help(void)
{
    printf("usage: newsfold show [--story ID] [options] FILES...\n"
           "       newsfold show --db PATH [--story ID] [--color|--no-color]\n"
           "\nThe comparison of one story (see newsfold compare --help) as a readable view:\n"
           "outlets, primary sources, sources, shared and echoed quotes with who carries them,\n"
           "each outlet's additions and omissions, differences. Colour when standard output is\n"
           "a terminal (NO_COLOR turns it off), plain text when piped.\n"
           "\nStories: grouped by the `story` field of the inputs (from `newsfold fold`); inputs\n"
           "with no story field are folded first, as `newsfold fold` does. With --db PATH the\n"
           "story is read from a database written by `newsfold fold FILES --db PATH` (ids as\n"
           "`newsfold stories --db PATH` prints them; copies as stored) and compared.\n"
           "\n  --db PATH          read the story from this database instead of FILES\n"
           "  --story ID         the story to show (default: the one with most articles;\n"
           "                     with --db, the first one `newsfold stories` lists)\n"
           "  --color, --no-color  force colour on or off\n%s",
           cli_input_help());
}

int cmd_show(int argc, char **argv)
{
    cli_input in;
    cli_input_init(&in);
    cli_story_view sv = {0};
    const char *story = NULL, *db;
    int status = EXIT_USAGE;
    const char *nc = getenv("NO_COLOR");
    int color = isatty(1) && !(nc && *nc);
    bool *extra = calloc((size_t)argc + 1, sizeof *extra);
    if (!extra)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--color"))
            color = 1, extra[i] = true;
        else if (!strcmp(argv[i], "--no-color"))
            color = 0, extra[i] = true;
    }
    if (cli_story_opts("show", argc, argv, &in, &story, &db, extra, help, &status) < 0 ||
        cli_story_open("show", &in, db, story, &sv) || cli_story_compute("show", &sv))
        goto done;
    view v = {stdout, color != 0, sv.arts, sv.c};
    if (show_all(&v, sv.id, sv.folded) == 0)
        status = cli_exit_status(&in, sv.read_rc);
done:
    free(extra);
    cli_story_close(&sv);
    cli_input_free(&in);
    return status;
}
