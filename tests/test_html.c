/*
 * test_html.c — article extraction: hand-written pages for each rule (boilerplate left out,
 * charset conversion, title cleaning, date sources, JSON-LD, empty pages with a reason, bad
 * input), and a regression guard on the shared benchmark (mean F1 over a subsample >= 0.90).
 */
#include "newsfold.h"
#include "harness.h"
#include "../bench/extract_metric.h"
#include <dirent.h>
#include <jansson.h>
#include <zlib.h>

#define P1 "<p>The city council voted on Tuesday to approve the new budget, which raises spending " \
           "on schools and parks by four percent, the mayor said.</p>"
#define P2 "<p>Opponents argued that the plan, drafted in a hurry, leaves the transport fund short " \
           "of money for the winter, and they promised to appeal.</p>"
#define P3 "<p>The budget takes effect in January; a final reading is planned for next month, " \
           "officials said after the meeting ended late in the evening.</p>"

static int has(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

static void extract(const char *html, const char *url, nf_extracted *x)
{
    nf_extracted_init(x);
    nf_rc rc = nf_extract_html(html, strlen(html), url, x);
    CHECK_EQ_INT(rc, NF_OK);
}

static void test_boilerplate(void)
{
    const char *page =
        "<!doctype html><html><head><title>Council approves budget | Daily Bugle</title></head>"
        "<body><div class=cookie-banner><p>We use cookies to improve your experience on this site, "
        "by continuing you agree to our cookie policy and terms.</p></div>"
        "<nav><ul><li><a href=/>Home</a></li><li><a href=/news>News</a></li></ul></nav>"
        "<article><h1>Council approves budget</h1><p class=byline>By Jane Roe</p>"
        P1 "<figure><img src=x.jpg><figcaption>The council chamber, photographed on Tuesday by "
        "a staff photographer for this newspaper.</figcaption></figure>" P2
        "<div class=ad>Advertisement</div><p>Advert</p>" P3 "</article>"
        "<aside class=related><h3>Related</h3><p>Another story about the council and its long "
        "meetings, with many details that are not part of this article at all.</p></aside>"
        "<section id=comments><article class=comment-body><p>Great article, I completely agree with the council on this, it "
        "is about time they spent money on the parks, says a reader.</p></article></section>"
        "<footer><p>Copyright 2024 Daily Bugle, all rights reserved, no reproduction.</p></footer>"
        "<script>var x = '<p>not text</p>';</script></body></html>";
    nf_extracted x;
    extract(page, "https://www.dailybugle.com/2024/03/05/budget", &x);
    CHECK(has(x.text, "The city council voted"));
    CHECK(has(x.text, "Opponents argued"));
    CHECK(has(x.text, "takes effect in January"));
    CHECK(!has(x.text, "cookies"));
    CHECK(!has(x.text, "Home"));
    CHECK(!has(x.text, "council chamber"));
    CHECK(!has(x.text, "Another story"));
    CHECK(!has(x.text, "Great article"));
    CHECK(!has(x.text, "Copyright"));
    CHECK(!has(x.text, "Advertisement"));
    CHECK(!has(x.text, "not text"));
    CHECK(!has(x.text, "Jane Roe"));
    CHECK_EQ_INT(x.paragraphs, 3);
    CHECK(has(x.text, "percent, the mayor said.\n\nOpponents"));
    CHECK_EQ_STR(x.title, "Council approves budget");
    CHECK_EQ_STR(x.outlet, "dailybugle.com");
    CHECK_EQ_INT(x.date_source, NF_DATE_URL);
    CHECK_EQ_STR(x.date, "2024-03-05");
    CHECK(x.reason == NULL);
    nf_extracted_reset(&x);
}

static void test_charset(void)
{
    /* ISO-8859-1: e-acute is 0xE9, "caf\xE9" */
    const char *page =
        "<html><head><meta charset=\"iso-8859-1\"><title>Caf\xE9 news</title></head><body>"
        "<div><p>The caf\xE9 on the corner reopened this week after a long renovation, the owner "
        "said, and na\xEFve visitors queued for hours to get in.</p></div></body></html>";
    nf_extracted x;
    extract(page, NULL, &x);
    CHECK_EQ_STR(x.charset, "iso-8859-1");
    CHECK(has(x.text, "The caf\xC3\xA9 on the corner"));
    CHECK(has(x.text, "na\xC3\xAFve"));
    CHECK_EQ_STR(x.title, "Caf\xC3\xA9 news");
    nf_extracted_reset(&x);

    const char *page2 =
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
        "</head><body><p>\xcf\xf0\xe8\xe2\xe5\xf2, this line mixes Cyrillic and Latin text so that the "
        "block is long enough, with commas, to count as prose.</p></body></html>";
    extract(page2, NULL, &x);
    CHECK_EQ_STR(x.charset, "windows-1251");
    CHECK(has(x.text, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")); /* Привет */
    nf_extracted_reset(&x);

    /* invalid UTF-8 is repaired as the readers repair it (nf_utf8_repair: one U+FFFD per
     * maximal ill-formed subpart, so a cut 3-byte sequence is one, not two), NUL bytes dropped */
    static const char page3[] =
        "<html><body><p>The price rose to 12\xE2\x82 on Tuesday, a\0 figure that the council, "
        "meeting late into the evening, called too high for the schools it pays for.</p></body></html>";
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html(page3, sizeof page3 - 1, NULL, &x), NF_OK);
    CHECK(has(x.text, "rose to 12\xEF\xBF\xBD on Tuesday, a figure"));
    nf_extracted_reset(&x);
}

static void test_title(void)
{
    static const struct { const char *title, *site, *want; } cases[] = {
        {"Headline of the day | Site", NULL, "Headline of the day"},
        {"Headline of the day - The Daily Bugle", "The Daily Bugle", "Headline of the day"},
        {"Daily Bugle | Headline of the day", "Daily Bugle", "Headline of the day"},
        {"Spider-Man - the real story of a hero", NULL, "Spider-Man - the real story of a hero"},
        {"Just a headline", NULL, "Just a headline"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char page[1024];
        snprintf(page, sizeof page, "<html><head><title>%s</title>%s%s%s</head><body>" P1 "</body></html>",
                 cases[i].title, cases[i].site ? "<meta property=og:site_name content=\"" : "",
                 cases[i].site ? cases[i].site : "", cases[i].site ? "\">" : "");
        nf_extracted x;
        extract(page, NULL, &x);
        CHECK_EQ_STR(x.title, cases[i].want);
        nf_extracted_reset(&x);
    }
    /* og:title wins over <title> */
    nf_extracted x;
    extract("<html><head><title>Other | S</title><meta property=\"og:title\" content=\"From OG\">"
            "</head><body>" P1 "</body></html>", NULL, &x);
    CHECK_EQ_STR(x.title, "From OG");
    nf_extracted_reset(&x);
}

static void test_dates(void)
{
    nf_extracted x;
    /* JSON-LD beats meta, meta beats <time>, <time> beats the URL */
    const char *ld = "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
                     "\"@type\":\"NewsArticle\",\"headline\":\"LD headline\",\"datePublished\":"
                     "\"2023-03-20T10:00:00+02:00\",\"publisher\":{\"@type\":\"Organization\","
                     "\"name\":\"LD Times\"}}</script>";
    const char *meta = "<meta property=\"article:published_time\" content=\"2023-03-21\">";
    const char *tm = "<time datetime=\"2023-03-22T08:00:00Z\">22 March</time>";
    char page[4096];

    snprintf(page, sizeof page, "<html><head>%s%s</head><body>%s" P1 "</body></html>", ld, meta, tm);
    extract(page, "https://x.org/2023/03/23/a", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_JSONLD);
    CHECK_EQ_INT(x.time, 1679299200); /* 2023-03-20T08:00:00Z */
    CHECK_EQ_STR(x.title, "LD headline");
    CHECK_EQ_STR(x.outlet, "LD Times");
    nf_extracted_reset(&x);

    snprintf(page, sizeof page, "<html><head>%s</head><body>%s" P1 "</body></html>", meta, tm);
    extract(page, "https://x.org/2023/03/23/a", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_META);
    CHECK_EQ_STR(x.date, "2023-03-21");
    nf_extracted_reset(&x);

    snprintf(page, sizeof page, "<html><body>%s" P1 "</body></html>", tm);
    extract(page, "https://x.org/2023/03/23/a", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_TIME);
    CHECK_EQ_INT(x.time, 1679472000);
    nf_extracted_reset(&x);

    extract("<html><body>" P1 "</body></html>", "https://x.org/news/2023/03/23/a", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_URL);
    CHECK_EQ_INT(x.time, 1679529600);
    nf_extracted_reset(&x);

    /* an RFC 2822 meta date; a placeholder year-1 date and an impossible URL day are skipped */
    extract("<html><head><meta name=\"pubdate\" content=\"0001-01-01T00:00:00Z\">"
            "<meta name=\"date\" content=\"Thu, 23 Mar 2023 10:00:00 -0200\"></head><body>" P1
            "</body></html>", NULL, &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_META);
    CHECK_EQ_INT(x.time, 1679572800); /* 2023-03-23T12:00:00Z */
    nf_extracted_reset(&x);
    extract("<html><head><meta name=\"pubdate\" content=\"0001-01-01T00:00:00Z\"></head><body>" P1
            "</body></html>", "https://x.org/2023/02/30/a/2023-03-24/b", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_URL);
    CHECK_EQ_STR(x.date, "2023-03-24");
    nf_extracted_reset(&x);

    extract("<html><body>" P1 "</body></html>", "https://x.org/a", &x);
    CHECK_EQ_INT(x.date_source, NF_DATE_NONE);
    CHECK(x.time == NF_NO_TIME);
    CHECK_EQ_STR(nf_date_source_name(NF_DATE_JSONLD), "json-ld");
    nf_extracted_reset(&x);
}

static void test_jsonld_body(void)
{
    /* the DOM holds only a teaser; the JSON-LD articleBody holds the article */
    const char *page =
        "<html><head><script type=\"application/ld+json\">[{\"@type\":\"WebSite\"},{\"@graph\":"
        "[{\"@type\":\"NewsArticle\",\"articleBody\":\"First paragraph of the real article, with "
        "enough words to be counted as the body of the page, and some more words to make it long.\\nSecond paragraph of the real "
        "article, also long enough, ending the story here for the test.\"}]}]</script></head>"
        "<body><div><p>Subscribe to read this article, and get unlimited access to all of our "
        "journalism, for one low price.</p></div></body></html>";
    nf_extracted x;
    extract(page, NULL, &x);
    CHECK(has(x.text, "First paragraph of the real article"));
    CHECK(has(x.text, "long.\n\nSecond paragraph"));
    CHECK_EQ_INT(x.paragraphs, 2);
    nf_extracted_reset(&x);
    /* with the heuristic off, the DOM text stays */
    nf_extract_opts o = {NF_EX_NO_JSONLD, 0};
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html_opts(page, strlen(page), NULL, &o, &x), NF_OK);
    CHECK(!has(x.text, "real article"));
    nf_extracted_reset(&x);
}

static size_t gzip_into(const char *s, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)strlen(s);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

static void test_empty_and_bad(void)
{
    nf_extracted x;
    extract("<html><body><nav><a href=/a>A</a> <a href=/b>B</a></nav></body></html>", NULL, &x);
    CHECK_EQ_STR(x.text, "");
    CHECK(x.reason != NULL && x.reason[0]);
    nf_extracted_reset(&x);

    extract("", NULL, &x);
    CHECK(x.reason != NULL);
    nf_extracted_reset(&x);

    /* binary data with an .html name */
    unsigned char bin[2048];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 7 + (i >> 3));
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html((const char *)bin, sizeof bin, NULL, &x), NF_EBINARY);
    CHECK(x.text == NULL && x.reason != NULL);
    nf_extracted_reset(&x);

    /* gzip, whole and truncated */
    const char *page = "<html><body>" P1 P2 "</body></html>";
    unsigned char gz[4096];
    size_t gn = gzip_into(page, gz, sizeof gz);
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html((const char *)gz, gn, NULL, &x), NF_OK);
    CHECK(has(x.text, "Opponents argued"));
    nf_extracted_reset(&x);
    CHECK_EQ_INT(nf_extract_html((const char *)gz, gn / 2, NULL, &x), NF_ETRUNC);
    nf_extracted_reset(&x);
    /* one gzip decoder with the readers: two members back to back (cat a.gz b.gz) are one
     * page, as a reader sees a .html.gz file (the first member alone lost P2); trailing bytes
     * that are not a member are corrupt data, not silently dropped; the ceiling is on the
     * inflated page */
    const char *half1 = "<html><body>" P1, *half2 = P2 "</body></html>";
    size_t g1 = gzip_into(half1, gz, sizeof gz);
    size_t g2 = gzip_into(half2, gz + g1, sizeof gz - g1);
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html((const char *)gz, g1 + g2, NULL, &x), NF_OK);
    CHECK(has(x.text, "city council voted") && has(x.text, "Opponents argued"));
    nf_extracted_reset(&x);
    memcpy(gz + g1 + g2, "junk", 4);
    CHECK_EQ_INT(nf_extract_html((const char *)gz, g1 + g2 + 4, NULL, &x), NF_EPARSE);
    nf_extracted_reset(&x);
    nf_extract_opts small = {0, strlen(half1) + strlen(half2) - 1};
    CHECK_EQ_INT(nf_extract_html_opts((const char *)gz, g1 + g2, NULL, &small, &x), NF_ETOOBIG);
    nf_extracted_reset(&x);
    small.max_bytes++;
    CHECK_EQ_INT(nf_extract_html_opts((const char *)gz, g1 + g2, NULL, &small, &x), NF_OK);
    nf_extracted_reset(&x);

    /* truncated HTML and tag soup still give the text that is there */
    extract("<html><body><div><p>The city council voted on Tuesday to approve the new budget, "
            "which raises spending on schools and parks by four percent, the mayor", NULL, &x);
    CHECK(has(x.text, "the mayor"));
    nf_extracted_reset(&x);
    extract("<p><b><i>Tag soup, with <div>misnested</b> elements and </i> stray closers "
            "</table></td> everywhere, still a sentence of text that is long enough.</p><<<>>", NULL, &x);
    CHECK(has(x.text, "stray closers"));
    nf_extracted_reset(&x);

    /* over the ceiling */
    nf_extract_opts o = {0, 64};
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html_opts(page, strlen(page), NULL, &o, &x), NF_ETOOBIG);
    nf_extracted_reset(&x);

    /* deep nesting: no stack exhaustion, text kept */
    size_t depth = 20000;
    nf_buf b;
    nf_buf_init(&b, 0);
    for (size_t i = 0; i < depth; i++)
        nf_buf_append(&b, "<div>", 5);
    nf_buf_append(&b, P1, strlen(P1));
    nf_extracted_init(&x);
    CHECK_EQ_INT(nf_extract_html(b.p, b.n, NULL, &x), NF_OK);
    CHECK(has(x.text, "city council"));
    nf_extracted_reset(&x);
    nf_buf_reset(&b);
}

/* The regression guard: mean F1 over every 3rd page of the benchmark stays >= 0.90. */
static void test_benchmark(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/extraction/ground-truth.json", nf_test_shared());
    json_t *gt = json_load_file(path, 0, NULL);
    CHECK_MSG(gt != NULL, "cannot read %s", path);
    if (!gt)
        return;
    em_page pg[128];
    size_t n = 0, k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(gt, key, v) {
        if (k++ % 3 || n >= 128)
            continue;
        snprintf(path, sizeof path, "%s/data/extraction/html/%s.html.gz", nf_test_shared(), key);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *buf = malloc(4 << 20);
        size_t len = fread(buf, 1, 4 << 20, f);
        fclose(f);
        nf_extracted x;
        nf_extracted_init(&x);
        nf_extract_html(buf, len, json_string_value(json_object_get(v, "url")), &x);
        pg[n++] = em_match(json_string_value(json_object_get(v, "articleBody")), x.text ? x.text : "");
        nf_extracted_reset(&x);
        free(buf);
    }
    em_sum s = em_summary(pg, n);
    CHECK_MSG(n >= 50, "only %zu pages", n);
    CHECK_MSG(s.f1 >= 0.90, "F1 %.3f (P %.3f R %.3f) on %zu pages", s.f1, s.p, s.r, n);
    printf("benchmark subsample: %zu pages, P %.3f R %.3f F1 %.3f\n", n, s.p, s.r, s.f1);
    json_decref(gt);
}

/* The metric itself: the reference examples of the definition. */
static void test_metric(void)
{
    em_page p = em_match("one two three four five", "one two three four five");
    CHECK_NEAR(em_precision(p), 1, 1e-12);
    p = em_match("one two three four five", "one two three four");
    CHECK_NEAR(p.tp, 0.5, 1e-12);   /* 1 shared, 1 missed */
    CHECK_NEAR(em_recall(p), 0.5, 1e-12);
    CHECK_NEAR(em_precision(p), 1, 1e-12);
    p = em_match("a b", "a b");     /* fewer than 4 tokens: one shingle */
    CHECK_NEAR(em_precision(p), 1, 1e-12);
    p = em_match("caf\xC3\xA9 na\xC3\xAFve x_y 42", "caf\xC3\xA9, na\xC3\xAFve! x_y (42)");
    CHECK_NEAR(em_precision(p), 1, 1e-12);
    p = em_match("Word", "word");   /* case kept */
    CHECK_NEAR(p.tp, 0, 1e-12);
}

int main(void)
{
    test_metric();
    test_boilerplate();
    test_charset();
    test_title();
    test_dates();
    test_jsonld_body();
    test_empty_and_bad();
    test_benchmark();
    return nf_test_done("test_html");
}
