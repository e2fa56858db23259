/*
 * test_attrib.c — attribution cues on small hand-written sentences: each cue fires with the
 * right name, and look-alikes do not (a name without its cue, "said" without a named subject,
 * "per cent", a lower-case recipient). Speakers of quotes, pronoun resolution, relays.
 */
#include "harness.h"
#include "nf_int.h"

static nf_stemmer *st;

/* 1 when the text yields a citation with this cue and key */
static int has(const char *text, uint32_t cue, const char *key)
{
    nf_cdoc d;
    nf_rawcites rc = {0};
    int found = 0;
    if (nf_cdoc_build(&d, text, strlen(text), st) != NF_OK)
        return -1;
    if (nf_attrib_article(&d, &rc) == NF_OK)
        for (size_t i = 0; i < rc.n; i++)
            if (rc.c[i].cue == cue && (!key || !strcmp(rc.c[i].key, key)))
                found = 1;
    nf_rawcites_reset(&rc);
    nf_cdoc_reset(&d);
    return found;
}

static size_t count(const char *text)
{
    nf_cdoc d;
    nf_rawcites rc = {0};
    size_t n = 0;
    if (nf_cdoc_build(&d, text, strlen(text), st) != NF_OK)
        return 999;
    if (nf_attrib_article(&d, &rc) == NF_OK)
        n = rc.n;
    nf_rawcites_reset(&rc);
    nf_cdoc_reset(&d);
    return n;
}

/* the key of the speaker of the first quote of text, or "" / the description */
static void speaker(const char *text, char *out, size_t cap)
{
    nf_cdoc d;
    nf_rawcites rc = {0};
    out[0] = 0;
    if (nf_cdoc_build(&d, text, strlen(text), st) != NF_OK)
        return;
    nf_attrib_article(&d, &rc);
    if (d.nquote) {
        uint32_t q0 = 0, q1 = 0, n0 = 0, n1 = 0, d0 = 0, d1 = 0;
        while (q0 < d.nt && d.t[q0].start < d.quote[0].inner.start)
            q0++;
        q1 = q0;
        while (q1 < d.nt && d.t[q1].end <= d.quote[0].inner.end)
            q1++;
        int k = nf_attrib_speaker(&d, &rc, q0, q1, &n0, &n1, &d0, &d1);
        if (k == 1) {
            char *key = nf_attrib_key(&d, n0, n1, NULL);
            snprintf(out, cap, "%s", key);
            free(key);
        } else if (k == 2) {
            snprintf(out, cap, "~%.*s", (int)(d.t[d1 - 1].end - d.t[d0].start), d.text + d.t[d0].start);
        }
    }
    nf_rawcites_reset(&rc);
    nf_cdoc_reset(&d);
}

static int relays(const char *text, const char *who, const char *whom)
{
    nf_cdoc d;
    nf_rawcites rc = {0};
    int found = 0;
    if (nf_cdoc_build(&d, text, strlen(text), st) != NF_OK)
        return -1;
    nf_attrib_article(&d, &rc);
    for (size_t i = 0; i < rc.n; i++)
        if (!strcmp(rc.c[i].key, who) && rc.c[i].via >= 0 && !strcmp(rc.c[rc.c[i].via].key, whom))
            found = 1;
    nf_rawcites_reset(&rc);
    nf_cdoc_reset(&d);
    return found;
}

int main(void)
{
    st = nf_stemmer_new();

    /* each cue fires */
    CHECK(has("The plan was approved, Kommersant reported.", NF_CUE_REPORTED, "kommersant"));
    CHECK(has("The plan was approved, according to Reuters.", NF_CUE_ACCORDING, "reuters"));
    CHECK(has("The report said, citing a Russian daily Kommersant.", NF_CUE_CITING, "kommersant"));
    CHECK(has("Prices rose, Jane Smith said on Monday.", NF_CUE_SAID, "jane smith"));
    CHECK(has("Prices rose, said Jane Smith.", NF_CUE_SAID, "jane smith"));
    CHECK(has("Jane Smith told the committee that prices rose.", NF_CUE_TOLD, "jane smith"));
    CHECK(has("One official told Kommersant that the order stands.", NF_CUE_TOLD_TO, "kommersant"));
    CHECK(has("The order stands, as per Reuters.", NF_CUE_PER, "reuters"));
    CHECK(has("The order comes amid concerns, per Kommersant.", NF_CUE_PER, "kommersant"));
    CHECK(has("Kremlin spokesman Dmitry Peskov could not confirm the report.", NF_CUE_NO_CONFIRM,
              "dmitry peskov"));
    CHECK(has("Apple did not immediately respond to a request for comment.", NF_CUE_NO_RESPONSE,
              "apple"));
    CHECK(has("The Embassy of the Russian Federation did not respond to a request for comment.",
              NF_CUE_NO_RESPONSE, "embassy of the russian federation"));
    CHECK(has("The ministry declined to comment. Acme Corp declined to comment.",
              NF_CUE_NO_RESPONSE, "acme corp"));
    CHECK(has("KINSHASA 1997-02-17\nZaire said on Monday its warplanes were bombing towns.",
              NF_CUE_DATELINE, "kinshasa"));
    CHECK(has("WASHINGTON \xe2\x80\x94 President Trump spoke on Tuesday.", NF_CUE_DATELINE,
              "washington"));
    CHECK(has("MOSCOW (Reuters) - The Kremlin said on Monday it was ready.", NF_CUE_WIRE, "reuters"));
    CHECK(has("The talks failed (AP).", NF_CUE_WIRE, "ap"));
    CHECK(has("Dmitry Peskov, the Kremlin spokesman, said the talks failed.", NF_CUE_SAID,
              "dmitry peskov"));
    CHECK(has("The Kremlin press secretary, Dmitry Peskov, told reporters it was so.",
              NF_CUE_TOLD, "dmitry peskov"));
    CHECK(has("Sergei Kiriyenko, the first deputy head, was said to have told aides that it was over.",
              NF_CUE_TOLD, "sergei kiriyenko"));
    CHECK(has("The story was first published by The Associated Press.", NF_CUE_REPORTED,
              "associated press"));

    /* ... and must not fire */
    CHECK_EQ_INT(count("A former Reuters journalist joined the team in Moscow."), 0);
    CHECK_EQ_INT(count("The report said prices rose sharply."), 0);
    CHECK_EQ_INT(count("Over 80 per cent of voters approve, and prices rose 5 per cent."), 0);
    CHECK_EQ_INT(count("He said nothing about it."), 0);
    CHECK(!has("Kiriyenko told officials to change their phones.", NF_CUE_TOLD_TO, NULL));
    /* a name after a preposition is where the speaker is, not who */
    CHECK(!has("A defence ministry official in Kinshasa said the towns were hit.", NF_CUE_SAID, NULL));
    /* an instruction is no attribution */
    CHECK(!has("Sergei Kiriyenko told officials to change their phones.", NF_CUE_TOLD, NULL));
    CHECK(!has("The army did not respond to the attack.", NF_CUE_NO_RESPONSE, NULL));
    CHECK(!has("Officials said on Monday that talks would resume.", NF_CUE_SAID, "monday"));
    CHECK_EQ_INT(count("However, said the minister, it will pass."), 0);
    CHECK(!has("NATO, the alliance, met in Brussels.", NF_CUE_DATELINE, NULL));
    CHECK(!has("The FAZ (Zaire army) has been bombing Bukavu.", NF_CUE_WIRE, NULL));
    CHECK(!has("According to the report, nothing changed.", NF_CUE_ACCORDING, NULL));

    /* pronouns and roles resolve to the last named speaker */
    CHECK(has("Dmitry Peskov said the order stood. He said it was final.", NF_CUE_SAID,
              "dmitry peskov"));
    CHECK(has("The Kremlin chose Kommersant first. Later the newspaper reported the plan.",
              NF_CUE_REPORTED, NULL) == 0);
    CHECK(has("The plan was described, Kommersant reported. The newspaper reported more.",
              NF_CUE_REPORTED, "kommersant"));

    /* relays: second-hand chains */
    CHECK(relays("\"It is over,\" one official told Kommersant, according to a Reuters translation.",
                 "reuters", "kommersant"));
    CHECK(relays("\"It is over,\" one official told Kommersant as per Reuters.", "reuters",
                 "kommersant"));
    CHECK(relays("Interfax reported, citing Kommersant, that the order stands.", "interfax",
                 "kommersant"));
    CHECK(!relays("Kommersant reported the order. Reuters said it was final.", "reuters",
                  "kommersant"));

    /* speakers */
    char sp[256];
    speaker("\"Any smartphone is transparent,\" he said, according to Reuters. Dmitry Peskov "
            "had spoken first.", sp, sizeof sp);
    CHECK_EQ_STR(sp, "");
    speaker("Dmitry Peskov, the spokesman, told reporters about it. \"Any smartphone is "
            "transparent,\" he said, according to Reuters.", sp, sizeof sp);
    CHECK_EQ_STR(sp, "dmitry peskov");
    speaker("Kremlin spokesman Dmitry Peskov said phones were risky. \"Any smartphone is "
            "transparent.\"", sp, sizeof sp);
    CHECK_EQ_STR(sp, "dmitry peskov");
    speaker("\"It is all over for the iPhone,\" one official told Kommersant as per Reuters.",
            sp, sizeof sp);
    CHECK_EQ_STR(sp, "~one official");
    speaker("\"We will win,\" said Jane Smith, the mayor.", sp, sizeof sp);
    CHECK_EQ_STR(sp, "jane smith");
    /* "the president said" is the president named earlier, not the last speaker */
    speaker("President Jane Smith met Bob Jones on Monday. Bob Jones said little. \"We will win "
            "this fight for everyone,\" the president said.", sp, sizeof sp);
    CHECK_EQ_STR(sp, "jane smith");

    nf_stemmer_free(st);
    return nf_test_done("test_attrib");
}
