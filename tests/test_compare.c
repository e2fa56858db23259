/*
 * test_compare.c — the story comparison: the acceptance case on the two seeds (shared quotes,
 * the echoed phrase, speakers, sources, primary source, non-responders, additions, no false
 * differences), each kind of difference on small article pairs and the look-alikes that must
 * not fire, copies, and the JSON (spans rebuild the quoted text).
 */
#include "harness.h"
#include "nf_int.h"
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>

static nf_article art(const char *id, const char *outlet, const char *text)
{
    nf_article a = {0};
    a.id = strdup(id);
    a.outlet = strdup(outlet);
    a.text = strdup(text);
    a.text_len = strlen(text);
    a.time = NF_NO_TIME;
    return a;
}

static void art_free(nf_article *a)
{
    free(a->id);
    free(a->outlet);
    free(a->text);
}

/* text of a file, without the seeds' leading " date YYYY-MM-DD " header */
static char *seed_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *s = buf;
    if (!strncmp(s, " date ", 6) && n > 17) {
        s += 17;
        while (*s == ' ')
            s++;
    }
    return strdup(s);
}

static int has_text(const nf_article *a, nf_span sp, const char *needle)
{
    return sp.end <= a->text_len && memmem(a->text + sp.start, sp.end - sp.start, needle, strlen(needle)) != NULL;
}

/* words of s, lower-case letters only, for comparing quote texts loosely */
static void squash(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 1 < cap; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            out[k++] = (char)(*s | 32);
    out[k] = 0;
}

static const nf_source *src_named(const nf_comparison *c, const char *name)
{
    for (size_t i = 0; i < c->nsrc; i++)
        if (strstr(c->src[i].name, name))
            return &c->src[i];
    return NULL;
}

static void seeds(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/seeds", nf_test_shared());
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "no seeds at %s", dir);
    if (!d)
        return;
    char *names[2];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 2)
        if (strstr(e->d_name, ".txt"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    CHECK_EQ_INT(n, 2);
    if (n != 2)
        return;
    if (strcmp(names[0], names[1]) > 0) {
        char *t = names[0];
        names[0] = names[1];
        names[1] = t;
    }
    nf_article a[2];
    const nf_article *pa[2];
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *t = seed_text(path);
        a[i] = art(names[i], i ? "003" : "000", t ? t : "");
        free(t);
        pa[i] = &a[i];
        free(names[i]);
    }
    nf_comparison *c = NULL;
    CHECK_EQ_INT(nf_compare(pa, 2, NULL, &c), NF_OK);
    if (!c)
        return;

    /* exactly the three shared quotes, each quoted in both; the echoed phrase */
    static const char *const want[3] = {
        "It's all over for the iPhone: either throw it away or give it to the children",
        "Any smartphone has a fairly transparent mechanism, no matter what operating system it has - Android or iOS",
        "Naturally, they are not used for official purposes"};
    size_t nshared = 0, found[3] = {0}, echo = 0;
    for (size_t i = 0; i < c->nquote; i++) {
        const nf_shared_quote *q = &c->quote[i];
        char qs[512], ws[512];
        squash(q->text, qs, sizeof qs);
        if (q->nquoted >= 2) {
            nshared++;
            CHECK_EQ_INT(q->ncar, 2);
            for (int k = 0; k < 3; k++) {
                squash(want[k], ws, sizeof ws);
                if (!strcmp(qs, ws))
                    found[k]++;
            }
        } else {
            squash("smartphones should not be used for official business", ws, sizeof ws);
            if (!strcmp(qs, ws) && q->ncar == 2) {
                echo++;
                for (size_t k = 0; k < q->ncar; k++)
                    CHECK_EQ_INT(q->car[k].quoted, q->car[k].article == 1);
                CHECK(q->speaker >= 0 && strstr(c->src[q->speaker].name, "Peskov"));
            }
        }
        /* spans point at the quoted words in each article */
        for (size_t k = 0; k < q->ncar; k++) {
            const nf_carrier *r = &q->car[k];
            char got[512];
            char *tx = strndup(a[r->article].text + r->span.start, r->span.end - r->span.start);
            squash(tx, got, sizeof got);
            free(tx);
            CHECK_EQ_STR(got, qs);
        }
    }
    CHECK_EQ_INT(nshared, 3);
    for (int k = 0; k < 3; k++)
        CHECK_MSG(found[k] == 1, "shared quote %d found %zu times", k, found[k]);
    CHECK_EQ_INT(echo, 1);
    /* Dmitry Peskov speaks the smartphone quotes, in both articles */
    for (size_t i = 0; i < c->nquote; i++)
        if (strstr(c->quote[i].text, "smartphone has"))
            for (size_t k = 0; k < c->quote[i].ncar; k++)
                CHECK(c->quote[i].car[k].speaker >= 0
                      && strstr(c->src[c->quote[i].car[k].speaker].name, "Peskov"));

    /* sources */
    const nf_source *kom = src_named(c, "Kommersant"), *reu = src_named(c, "Reuters"),
                    *pes = src_named(c, "Peskov");
    CHECK(kom && kom->narticles == 2 && kom->primary);
    CHECK(reu && reu->narticles == 2 && !reu->primary);
    CHECK(pes && pes->quoted && pes->narticles == 2);
    size_t nprimary = 0;
    for (size_t i = 0; i < c->nsrc; i++)
        nprimary += c->src[i].primary;
    CHECK_EQ_INT(nprimary, 1);
    int apple = 0, embassy = 0, relay = 0;
    for (size_t i = 0; i < c->ncit; i++) {
        const nf_citation *ct = &c->cit[i];
        if (ct->cue == NF_CUE_NO_RESPONSE) {
            CHECK_EQ_INT(ct->article, 1);
            apple |= !strcmp(c->src[ct->source].name, "Apple");
            embassy |= strstr(c->src[ct->source].name, "Embassy") != NULL;
        }
        if (ct->via >= 0 && !strcmp(c->src[ct->source].name, "Reuters")
            && !strcmp(c->src[c->cit[ct->via].source].name, "Kommersant"))
            relay |= 1 << ct->article;
    }
    CHECK(apple && embassy);
    CHECK_EQ_INT(relay, 3);   /* in both articles Reuters relays Kommersant */

    /* additions */
    int putin = 0, levada = 0, aurora = 0, sales = 0;
    for (size_t i = 0; i < c->nadd; i++) {
        const nf_sentref *r = &c->add[i];
        if (r->article == 0) {
            putin |= has_text(&a[0], r->span, "did not use a phone") || has_text(&a[0], r->span, "did not use smartphones");
            levada |= has_text(&a[0], r->span, "Levada-Center") && has_text(&a[0], r->span, "80 per cent");
        } else {
            aurora |= has_text(&a[1], r->span, "Aurora") && has_text(&a[1], r->span, "Open Mobile Platform");
            sales |= has_text(&a[1], r->span, "stopped product sales") || has_text(&a[1], r->span, "parallel-imports");
        }
    }
    CHECK(putin && levada && aurora && sales);
    /* the shared quotes are no addition */
    for (size_t i = 0; i < c->nadd; i++)
        CHECK(!has_text(&a[c->add[i].article], c->add[i].span, "It's all over for the iPhone"));
    CHECK_EQ_INT(c->ndiff, 0);

    /* JSON: parses, three shared quotes, the echoed one */
    nf_buf b;
    nf_buf_init(&b, 0);
    CHECK_EQ_INT(nf_comparison_json(c, pa, 0, &b), NF_OK);
    json_t *j = json_loadb(b.p, b.n, 0, NULL);
    CHECK(j != NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "shared_quotes")), 3);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "echoed_quotes")), 1);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "differences")), 0);
    json_decref(j);
    nf_buf_reset(&b);
    nf_comparison_free(c);
    art_free(&a[0]);
    art_free(&a[1]);
}

/* number of differences of this kind between two one-sentence articles */
static size_t diffs(const char *x, const char *y, uint32_t kind)
{
    nf_article a[2] = {art("a", "A", x), art("b", "B", y)};
    const nf_article *pa[2] = {&a[0], &a[1]};
    nf_comparison *c = NULL;
    size_t n = 999;
    if (nf_compare(pa, 2, NULL, &c) == NF_OK) {
        n = 0;
        for (size_t i = 0; i < c->ndiff; i++)
            if (c->diff[i].kind == kind) {
                n++;
                CHECK_EQ_INT(c->diff[i].nval, 2);
            }
    }
    nf_comparison_free(c);
    art_free(&a[0]);
    art_free(&a[1]);
    return n;
}

static void differences(void)
{
    /* each kind fires */
    CHECK_EQ_INT(diffs("12 people were killed when the bridge collapsed in Genoa on Tuesday.",
                       "The bridge collapse in Genoa on Tuesday killed 15 people, officials said.",
                       NF_SLOT_COUNT), 1);
    CHECK_EQ_INT(diffs("Officials were told to change their phones by April 1, the order said.",
                       "Officials were told to change their phones by April 15, the order said.",
                       NF_SLOT_DATE), 1);
    CHECK_EQ_INT(diffs("The president's approval rating is 80% according to the independent survey.",
                       "The independent survey puts the president's approval rating at 70 per cent.",
                       NF_SLOT_PERCENT), 1);
    CHECK_EQ_INT(diffs("The company agreed to pay $5 million to settle the fraud lawsuit on Friday.",
                       "The company will pay $7 million to settle the fraud lawsuit, it said on Friday.",
                       NF_SLOT_AMOUNT), 1);
    CHECK_EQ_INT(diffs("Health Minister Jane Doe announced the new vaccine rules on Monday.",
                       "Health Minister John Smith announced the new vaccine rules on Monday.",
                       NF_SLOT_OFFICIAL), 1);

    /* restatements and agreeing values do not ("at least 12" agrees with 15) */
    CHECK_EQ_INT(diffs("At least 12 people were killed when the bridge collapsed in Genoa on Tuesday.",
                       "The bridge collapse in Genoa on Tuesday killed 15 people, officials said.",
                       NF_SLOT_COUNT), 0);
    CHECK_EQ_INT(diffs("The president's approval rating is over 80 per cent despite the war.",
                       "Despite the war the president's approval rating is more than 80%.",
                       NF_SLOT_PERCENT), 0);
    CHECK_EQ_INT(diffs("Officials must replace their iPhones by April 1, the Kremlin said.",
                       "Officials must replace their iPhones by the end of March, the Kremlin said.",
                       NF_SLOT_DATE), 0);
    CHECK_EQ_INT(diffs("Officials must replace their iPhones by April 1, the Kremlin said.",
                       "Officials must replace their iPhones by April, the Kremlin said.",
                       NF_SLOT_DATE), 0);
    CHECK_EQ_INT(diffs("About 100 people attended the rally in the city centre on Sunday.",
                       "Some 110 people attended the rally in the city centre on Sunday.",
                       NF_SLOT_COUNT), 0);
    CHECK_EQ_INT(diffs("Kremlin spokesman Dmitry Peskov said phones were risky for officials.",
                       "Kremlin spokesman Peskov said phones were risky for officials.",
                       NF_SLOT_OFFICIAL), 0);
    CHECK_EQ_INT(diffs("Twelve people were killed in the blast at the chemical plant.",
                       "The blast at the chemical plant killed 12 people.", NF_SLOT_COUNT), 0);

    /* unrelated numbers in different contexts do not */
    CHECK_EQ_INT(diffs("12 people were killed in the blast at the chemical plant on Monday.",
                       "Police arrested 15 people at a protest against the new tax law.",
                       NF_SLOT_COUNT), 0);
    CHECK_EQ_INT(diffs("The elections are scheduled to be held in March 2024.",
                       "Kiriyenko told aides to replace their phones by April 1.", NF_SLOT_DATE), 0);
    CHECK_EQ_INT(diffs("South Korean President Moon Jae-in met officials in Seoul.",
                       "President Donald Trump met officials in Washington.", NF_SLOT_OFFICIAL), 0);
}

static void copies_and_additions(void)
{
    const char *x = "The river flooded the old town on Sunday night. Rescue teams evacuated two hundred "
                    "residents from the lower streets. The mayor promised money for repairs.";
    const char *y = "Floods hit the old town on Sunday night as the river rose. Rescue teams evacuated two "
                    "hundred residents from the lower streets. A dam upstream had failed, engineers said.";
    nf_article a[3] = {art("a", "A", x), art("b", "B", y), art("c", "C", x)};
    const nf_article *pa[3] = {&a[0], &a[1], &a[2]};
    int32_t copy_of[3] = {-1, -1, 0};
    nf_comparison *c = NULL;
    CHECK_EQ_INT(nf_compare(pa, 3, copy_of, &c), NF_OK);
    if (c) {
        CHECK_EQ_INT(c->noutlets, 3);
        CHECK_EQ_INT(c->nindependent, 2);
        CHECK_EQ_INT(c->copy_of[2], 0);
        int mayor = 0, dam = 0, rescue = 0, fromcopy = 0;
        for (size_t i = 0; i < c->nadd; i++) {
            const nf_sentref *r = &c->add[i];
            mayor |= r->article == 0 && has_text(&a[0], r->span, "mayor");
            dam |= r->article == 1 && has_text(&a[1], r->span, "dam");
            rescue |= has_text(&a[r->article], r->span, "Rescue");
            fromcopy |= r->article == 2;
        }
        CHECK(mayor && dam && !rescue && !fromcopy);
    }
    nf_comparison_free(c);
    /* without copy_of the copy hides the original's additions */
    c = NULL;
    CHECK_EQ_INT(nf_compare(pa, 3, NULL, &c), NF_OK);
    if (c) {
        CHECK_EQ_INT(c->nindependent, 3);
        int mayor = 0;
        for (size_t i = 0; i < c->nadd; i++)
            mayor |= has_text(&a[c->add[i].article], c->add[i].span, "mayor");
        CHECK(!mayor);
    }
    nf_comparison_free(c);
    for (int i = 0; i < 3; i++)
        art_free(&a[i]);
    /* an empty story and a one-article story */
    c = NULL;
    CHECK_EQ_INT(nf_compare(NULL, 0, NULL, &c), NF_OK);
    CHECK(c && c->nquote == 0 && c->nadd == 0);
    nf_comparison_free(c);
    nf_comparison_free(NULL);
}

/* names across the story: a lone surname joins its full name, unless two people share it */
static void names(void)
{
    nf_article a[2] = {art("a", "A", "Kremlin spokesman Dmitry Peskov said the order was final. "
                                     "The talks resumed on Monday in the capital."),
                       art("b", "B", "Peskov said the order would stand for a long time. "
                                     "Mr. Peskov said nothing else about the matter.")};
    const nf_article *pa[2] = {&a[0], &a[1]};
    nf_comparison *c = NULL;
    CHECK_EQ_INT(nf_compare(pa, 2, NULL, &c), NF_OK);
    if (c) {
        const nf_source *p = src_named(c, "Peskov");
        CHECK(p && !strcmp(p->name, "Dmitry Peskov") && p->narticles == 2 && p->kind == NF_SRC_PERSON);
        size_t n = 0;
        for (size_t i = 0; i < c->nsrc; i++)
            n += strstr(c->src[i].name, "Peskov") != NULL;
        CHECK_EQ_INT(n, 1);
    }
    nf_comparison_free(c);
    art_free(&a[0]);
    art_free(&a[1]);
    nf_article b[2] = {art("a", "A", "Mike Pompeo met Jane Pompeo. Mike Pompeo and Jane Pompeo left."),
                       art("b", "B", "Pompeo said the talks went well, officials added.")};
    const nf_article *pb[2] = {&b[0], &b[1]};
    c = NULL;
    CHECK_EQ_INT(nf_compare(pb, 2, NULL, &c), NF_OK);
    if (c) {
        const nf_source *p = src_named(c, "Pompeo");
        CHECK(p && !strcmp(p->name, "Pompeo"));
    }
    nf_comparison_free(c);
    art_free(&b[0]);
    art_free(&b[1]);
}

/* odd input: every article shape the readers can accept; no crash, spans inside the text */
static void odd_input(void)
{
    static const char *const texts[] = {
        "", "\"", "\"\"\"\"", "\xe2\x80\x9c unclosed quote that runs on and on and on and on and on",
        "(Reuters) (AP) (AFP) - - - \xe2\x80\x94", "12 12 12 12 12 12 12 12 % % per cent $ $",
        "said said said told told according to according to per per citing",
        "\"a b c d e f g h\" \"a b c d e f g h\" a b c d e f g h", "\xef\xbf\xbd\xef\xbf\xbd \x01\x02 April 31, 2023 May 99",
        "Mr. . . Dr. the The THE of of Of Embassy of the in the of", "A.B.C.D.E.F.G.H.I.J.K.L.M.N.O.P",
    };
    size_t n = NF_ARRAY_LEN(texts);
    nf_article a[16];
    const nf_article *pa[16];
    for (size_t i = 0; i < n; i++) {
        a[i] = art("x", i % 2 ? "A" : "B", texts[i]);
        pa[i] = &a[i];
    }
    nf_comparison *c = NULL;
    CHECK_EQ_INT(nf_compare(pa, n, NULL, &c), NF_OK);
    if (c) {
        for (size_t i = 0; i < c->nquote; i++)
            for (size_t k = 0; k < c->quote[i].ncar; k++) {
                const nf_carrier *r = &c->quote[i].car[k];
                CHECK(r->span.start <= r->span.end && r->span.end <= a[r->article].text_len);
            }
        for (size_t i = 0; i < c->nadd; i++)
            CHECK(c->add[i].span.end <= a[c->add[i].article].text_len);
        nf_buf b;
        nf_buf_init(&b, 0);
        CHECK_EQ_INT(nf_comparison_json(c, pa, 0, &b), NF_OK);
        nf_buf_reset(&b);
    }
    nf_comparison_free(c);
    for (size_t i = 0; i < n; i++)
        art_free(&a[i]);
}

int main(void)
{
    odd_input();
    names();
    seeds();
    differences();
    copies_and_additions();
    return nf_test_done("test_compare");
}
