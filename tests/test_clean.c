/*
 * test_clean.c — nf_clean: residue lines that must go (with the reason), article lines that
 * must stay (a sentence mentioning Reuters, "Read" as a verb, a quote, the bullet summary),
 * whole-line spans, nf_clean_apply keeping bytes unchanged, the golden seed 003, and the clean
 * shared data sets (edited text: next to nothing may be removed).
 */
#include "harness.h"
#include "newsfold.h"
#include <jansson.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_lines(void)
{
    static const struct { const char *line; int why; } cases[] = {
        /* residue */
        {"Read the original article on Business Insider", NF_RES_READMORE},
        {"Read more: Putin bans iPhones", NF_RES_READMORE},
        {"This article originally appeared on The Conversation.", NF_RES_READMORE},
        {"Sign up for our daily newsletter", NF_RES_SIGNUP},
        {"Subscribe to our free email alerts.", NF_RES_SIGNUP},
        {"Share this article", NF_RES_SHARE},
        {"Follow us on Twitter @newsfold", NF_RES_SHARE},
        {"Click here to get the app", NF_RES_SHARE},
        {"Advertisement", NF_RES_ADVERT},
        {"Story continues below advertisement", NF_RES_ADVERT},
        {"A headshot of Sergei Kiriyenko, first deputy head.", NF_RES_CAPTION},
        {"Pictured: the Kremlin at dusk", NF_RES_CAPTION},
        {"FILE PHOTO: The Kremlin in Moscow", NF_RES_CAPTION},
        {"Valentina Petrova / Associated Press", NF_RES_CREDIT},
        {"Officials were told to ditch iPhones.Valentina Petrova / Associated Press", NF_RES_CREDIT},
        {"Photo: Jane Doe", NF_RES_CREDIT},
        {"Getty Images", NF_RES_CREDIT},
        {"(AP Photo/Evan Vucci)", NF_RES_CREDIT},
        {"REUTERS/Maxim Shemetov", NF_RES_CREDIT},
        {"Mikhail Klimentyev/Sputnik/Kremlin via Getty Images", NF_RES_CREDIT},
        {"By Jane Doe and John Roe", NF_RES_BYLINE},
        /* content that must stay */
        {"The official told Reuters that the order was final.", 0},
        {"A Reuters/Ipsos poll found 40% support for the plan.", 0},
        {"Read the statement carefully, the lawyer said, before signing.", 0},
        {"\"Read the original article on Business Insider,\" he joked.", 0},
        {"\"Sign up for the army,\" the poster said.", 0},
        {"  \xE2\x80\xA2 Some Russian officials were told to ditch their iPhones, a Russian "
         "newspaper, Kommersant, reported.", 0},
        {"Getty Images, the photo agency, reported higher profits on Tuesday.", 0},
        {"Apple did not immediately respond to a request for comment.", 0},
        {"By Tuesday, officials had replaced their phones.", 0},
        {"Shares of Apple fell 2% on Monday.", 0},
        {"Subscribers to the service were told on Monday.", 0},
        {"The Kremlin has reportedly told Russian officials to throw away their iPhones", 0},
    };
    nf_cleaning c = {0};
    for (size_t i = 0; i < LEN(cases); i++) {
        const char *l = cases[i].line;
        CHECK_EQ_INT(nf_clean(l, strlen(l), &c), NF_OK);
        int why = c.n ? (int)c.rm[0].why : 0;
        CHECK_MSG(why == cases[i].why, "line %zu \"%s\": %s, want %s", i, l,
                  why ? nf_residue_name((uint32_t)why) : "kept",
                  cases[i].why ? nf_residue_name((uint32_t)cases[i].why) : "kept");
        if (c.n)
            CHECK(c.n == 1 && c.rm[0].span.start == 0 && c.rm[0].span.end == strlen(l));
    }
    nf_cleaning_reset(&c);
}

/* Multi-line text: spans are whole lines with their newline; a short line right on top of a
 * credit line is its caption; apply keeps everything else byte for byte. */
static void test_apply(void)
{
    const char *s = "Title line\n\nKremlin at dusk\nJane Doe / Reuters\nBody text here.\n"
                    "Advertisement\nMore body.\nRead the original article on X";
    const char *want = "Title line\n\nBody text here.\nMore body.\n";
    nf_cleaning c = {0};
    CHECK_EQ_INT(nf_clean(s, strlen(s), &c), NF_OK);
    CHECK_EQ_INT(c.n, 4);
    if (c.n == 4) {
        CHECK_EQ_INT(c.rm[0].why, NF_RES_CAPTION);
        CHECK_EQ_INT(c.rm[1].why, NF_RES_CREDIT);
        CHECK_EQ_INT(c.rm[2].why, NF_RES_ADVERT);
        CHECK_EQ_INT(c.rm[3].why, NF_RES_READMORE);
    }
    for (size_t i = 0; i < c.n; i++) {
        nf_span sp = c.rm[i].span;
        CHECK(sp.start == 0 || s[sp.start - 1] == '\n');
        CHECK(sp.end == strlen(s) || s[sp.end - 1] == '\n');
        CHECK(i == 0 || sp.start >= c.rm[i - 1].span.end);
    }
    nf_buf b;
    nf_buf_init(&b, 0);
    CHECK_EQ_INT(nf_clean_apply(s, strlen(s), &c, &b), NF_OK);
    CHECK_EQ_STR(b.p, want);
    nf_buf_reset(&b);
    /* empty text, and a text of only residue */
    CHECK_EQ_INT(nf_clean("", 0, &c), NF_OK);
    CHECK_EQ_INT(c.n, 0);
    nf_buf_init(&b, 0);
    CHECK_EQ_INT(nf_clean("Advertisement\n", 14, &c), NF_OK);
    CHECK_EQ_INT(nf_clean_apply("Advertisement\n", 14, &c, &b), NF_OK);
    CHECK_EQ_INT(b.n, 0);
    nf_buf_reset(&b);
    /* a bad span is refused, not followed */
    nf_removed bad = {{5, 3}, NF_RES_OTHER};
    nf_cleaning cb = {&bad, 1, 1};
    CHECK_EQ_INT(nf_clean_apply("abcdefgh", 8, &cb, &b), NF_EINVAL);
    nf_buf_reset(&b);
    CHECK_EQ_STR(nf_residue_name(NF_RES_CREDIT), "credit");
    CHECK_EQ_STR(nf_residue_name(999), "unknown");
    nf_cleaning_reset(&c);
}

/* Seed 003: the caption, the caption+credit line and "Read the original article" go, nothing
 * else; seed 000 (clean) loses nothing. */
static void test_seeds(void)
{
    char path[1024];
    size_t n;
    nf_cleaning c = {0};
    snprintf(path, sizeof path, "%s/seeds/003_38795c60894fa36b.txt", nf_test_shared());
    char *s = nf_test_read_file(path, &n);
    CHECK_MSG(s != NULL, "cannot read %s", path);
    if (s) {
        CHECK_EQ_INT(nf_clean(s, n, &c), NF_OK);
        CHECK_EQ_INT(c.n, 3);
        static const char *lead[] = {"A headshot of Sergei Kiriyenko", "Sergei Kiriyenko, the first",
                                     "Read the original article on Business Insider"};
        for (size_t i = 0; i < c.n && i < 3; i++)
            CHECK_MSG(!strncmp(s + c.rm[i].span.start, lead[i], strlen(lead[i])),
                      "removed span %zu: \"%.40s\"", i, s + c.rm[i].span.start);
        if (c.n >= 2)
            CHECK(!memcmp(s + c.rm[1].span.end - 37, "Valentina Petrova / Associated Press\n", 37));
        nf_buf b;
        nf_buf_init(&b, 0);
        nf_clean_apply(s, n, &c, &b);
        CHECK(strstr(b.p, "\xE2\x80\xA2 Some Russian officials were told") != NULL);
        CHECK(strstr(b.p, "Apple did not immediately respond") != NULL);
        CHECK(strstr(b.p, "Read the original") == NULL && strstr(b.p, "headshot") == NULL);
        nf_buf_reset(&b);
        free(s);
    }
    snprintf(path, sizeof path, "%s/seeds/000_9352d1c620ab8b06.txt", nf_test_shared());
    s = nf_test_read_file(path, &n);
    CHECK_MSG(s != NULL, "cannot read %s", path);
    if (s) {
        CHECK_EQ_INT(nf_clean(s, n, &c), NF_OK);
        CHECK_EQ_INT(c.n, 0);
        free(s);
    }
    nf_cleaning_reset(&c);
}

/* The labelled data sets are edited article text: at most 1 line in 1000 may look like residue,
 * and no removed line may be a quotation. */
typedef struct clean_tally {
    nf_cleaning c;
    long lines, removed, quoted;
} clean_tally;

static void clean_text(const char *s, size_t n, void *ctx)
{
    clean_tally *t = ctx;
    for (const char *p = s; *p; p++)
        t->lines += *p == '\n';
    t->lines++;
    CHECK_EQ_INT(nf_clean(s, n, &t->c), NF_OK);
    t->removed += (long)t->c.n;
    for (size_t i = 0; i < t->c.n; i++)
        t->quoted += s[t->c.rm[i].span.start] == '"';
}

static void test_shared_data(void)
{
    const char *files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    clean_tally t = {0};
    for (size_t f = 0; f < LEN(files); f++) {
        t.lines = t.removed = t.quoted = 0;
        if (nf_test_each_text(files[f], clean_text, &t) < 0)
            continue;
        long lines = t.lines, removed = t.removed, quoted = t.quoted;
        printf("%s: %ld lines, %ld removed\n", files[f], lines, removed);
        CHECK_MSG(removed * 1000 <= lines, "%s: %ld of %ld lines removed", files[f], removed, lines);
        CHECK_EQ_INT(quoted, 0);
    }
    nf_cleaning_reset(&t.c);
}

int main(void)
{
    test_lines();
    test_apply();
    test_seeds();
    test_shared_data();
    return nf_test_done("test_clean");
}
