/*
 * test_token.c — nf_tokenize: table cases for words, numbers, sentences and quotes; the rebuild
 * property (tokens + gaps == text, gaps are white space) and quote nesting on random strings and
 * on every article of the shared data; golden quoted spans of the two seeds.
 */
#include "harness.h"
#include "newsfold.h"
#include <jansson.h>
#include <stdint.h>
#include <stdbool.h>

#define NF_ARRAY_LEN_T(a) (sizeof(a) / sizeof((a)[0]))

/* Tokens joined by "|" (kind letter in front for non-words when kinds is set). */
static void joined(const char *s, const nf_tokens *t, char *out, size_t cap, int kinds)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < t->ntok && o + 8 < cap; i++) {
        if (i) out[o++] = '|';
        if (kinds && t->tok[i].kind == NF_TOK_NUM) out[o++] = '#';
        size_t l = t->tok[i].end - t->tok[i].start;
        if (o + l + 2 >= cap) break;
        memcpy(out + o, s + t->tok[i].start, l);
        o += l;
    }
    out[o] = 0;
}

static void test_words(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"don't stop", "don't|stop"},
        {"Russia's U.S. policy", "Russia's|U.S.|policy"},
        {"the U.K. and e.g. a.m.", "the|U.K.|and|e.g.|a.m."},
        {"Levada-Center, 33-year-old", "Levada-Center|,|33-year-old"},
        {"1,200.5 and 80% in 2024.", "#1,200.5|and|#80%|in|#2024|."},
        {"3.5 million", "#3.5|million"},
        {"family 's rep do n't", "family|'s|rep|do|n't"},
        {"the '90s rock", "the|'90s|rock"},
        {"`` Hi , '' he said", "``|Hi|,|''|he|said"},
        {"wait... what", "wait|...|what"},
        {"Москва и Питер", "Москва|и|Питер"},
        {"it\xE2\x80\x99s \xE2\x80\x9Cok\xE2\x80\x9D", "it\xE2\x80\x99s|\xE2\x80\x9C|ok|\xE2\x80\x9D"},
        {"caf\xC3\xA9 na\xC3\xAFve", "caf\xC3\xA9|na\xC3\xAFve"},
        {"a\xC2\xA0" "b", "a|b"},                     /* NBSP separates */
        {"x\xFFy", "x|\xFF|y"},                       /* a bad byte is its own token */
        {"reported.Valentina", "reported|.|Valentina"},
        {"", ""},
    };
    nf_tokens t;
    nf_tokens_init(&t);
    for (size_t i = 0; i < NF_ARRAY_LEN_T(cases); i++) {
        char got[512];
        CHECK_EQ_INT(nf_tokenize(cases[i].in, strlen(cases[i].in), &t), NF_OK);
        joined(cases[i].in, &t, got, sizeof got, 1);
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "case %zu: \"%s\" -> \"%s\", want \"%s\"", i,
                  cases[i].in, got, cases[i].want);
    }
    /* flags */
    const char *s = "Hello world. Next one\n\nPara two";
    nf_tokenize(s, strlen(s), &t);
    CHECK_EQ_INT(t.ntok, 7);
    CHECK(t.tok[0].flags & NF_TF_CAP);
    CHECK(t.tok[0].flags & NF_TF_SENT);
    CHECK(t.tok[0].flags & NF_TF_PARA);
    CHECK(!(t.tok[1].flags & (NF_TF_CAP | NF_TF_SENT)));
    CHECK(t.tok[3].flags & NF_TF_SENT);
    CHECK(!(t.tok[3].flags & NF_TF_PARA));
    CHECK(t.tok[5].flags & NF_TF_PARA);
    CHECK(t.tok[5].flags & NF_TF_SENT);
    nf_tokens_reset(&t);
}



/* Sentences: the number of sentences and the first words of each. */
static void test_sentences(void)
{
    static const struct { const char *in; int n; const char *starts; } cases[] = {
        {"Mr. Smith went to Washington. He left.", 2, "Mr|He"},
        {"Gen. Lee and Sen. Warren met Dr. Who. Then Gov. Ames spoke.", 2, "Gen|Then"},
        {"J. K. Rowling wrote it. It sold.", 2, "J|It"},
        {"The U.S. economy grew 3.5 percent. Stocks rose.", 2, "The|Stocks"},
        {"It rose 3.5% on Jan. 5. Then it fell.", 2, "It|Then"},
        {"He said \"Go.\" Then he left.", 2, "He|Then"},
        {"Really? Yes! Sure.", 3, "Really|Yes|Sure"},
        {"one line\nsecond line", 2, "one|second"},
        {"ends at 5 p.m. on Monday. New one.", 2, "ends|New"},
        {"Is it e.g. this. Or that.", 2, "Is|Or"},
        {"He left. \"Why?\" she asked.", 2, "He|\""},
        {"Prices rose. 2024 was hard.", 2, "Prices|2024"},
        {"Not the end. but lower case", 1, "Not"},
        {"Acme Inc. said no.", 1, "Acme"},
        {"Word .\n`` Quote , '' said X .", 2, "Word|``"},
    };
    nf_tokens t;
    nf_tokens_init(&t);
    for (size_t i = 0; i < NF_ARRAY_LEN_T(cases); i++) {
        const char *s = cases[i].in;
        CHECK_EQ_INT(nf_tokenize(s, strlen(s), &t), NF_OK);
        char got[256] = "";
        size_t o = 0;
        for (size_t k = 0; k < t.ntok; k++) {
            if (!(t.tok[k].flags & NF_TF_SENT))
                continue;
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%.*s", o ? "|" : "",
                                  (int)(t.tok[k].end - t.tok[k].start), s + t.tok[k].start);
        }
        CHECK_MSG((int)t.nsent == cases[i].n && strcmp(got, cases[i].starts) == 0,
                  "case %zu: \"%s\": %zu sentences \"%s\", want %d \"%s\"", i, s, t.nsent, got,
                  cases[i].n, cases[i].starts);
    }
    nf_tokens_reset(&t);
}

/* Quotes: each case lists the inner texts "level:closed:text" joined by "|". */
static void test_quotes(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"He said \"go home\" and left.", "0:1:go home"},
        {"\xE2\x80\x9C" "Curly" "\xE2\x80\x9D too", "0:1:Curly"},
        {"\xC2\xAB" "Da" "\xC2\xBB, \xE2\x80\x9E" "Ja" "\xE2\x80\x9C.", "0:1:Da|0:1:Ja"},
        {"\"She said 'no way' today,\" he said.", "0:1:She said 'no way' today,|1:1:no way"},
        {"\"It's Russia's '90s,\" he said.", "0:1:It's Russia's '90s,"},
        {"\"The students' books,\" he said.", "0:1:The students' books,"},
        {"`` We appreciate , '' he said of the `` American Pie '' star .",
         "0:1:We appreciate ,|0:1:American Pie"},
        {"\" Since this , \" said X .\n\" Walikale is taken .\nBut we mop up , \" said Y .",
         "0:1:Since this ,|0:1:Walikale is taken .\nBut we mop up ,"},
        {"\"First para.\n\n\"Second para,\" he said.", "0:1:First para.\n\n\"Second para,"},
        {"\"Unclosed here.\n\nNext para.", "0:0:Unclosed here."},
        {"He said \"one\" and \"two\".", "0:1:one|0:1:two"},
        {"It was 6\" long.", ""},
        {"\xE2\x80\x9C" "A \xE2\x80\x98nested\xE2\x80\x99 one\xE2\x80\x9D",
         "0:1:A \xE2\x80\x98nested\xE2\x80\x99 one|1:1:nested"},
        {"\"Outer 'inner\" x", "0:1:Outer 'inner|1:0:inner"},
    };
    nf_tokens t;
    nf_tokens_init(&t);
    for (size_t i = 0; i < NF_ARRAY_LEN_T(cases); i++) {
        const char *s = cases[i].in;
        CHECK_EQ_INT(nf_tokenize(s, strlen(s), &t), NF_OK);
        char got[512] = "";
        size_t o = 0;
        for (size_t k = 0; k < t.nquote && o < sizeof got; k++) {
            const nf_quote *q = &t.quote[k];
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%d:%d:%.*s", k ? "|" : "", q->level,
                                  q->closed, (int)(q->inner.end - q->inner.start), s + q->inner.start);
        }
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "case %zu: \"%s\" -> \"%s\", want \"%s\"", i,
                  s, got, cases[i].want);
    }
    /* QUOTED marks the tokens inside, not the marks */
    const char *s = "a \"b c\" d";
    nf_tokenize(s, strlen(s), &t);
    CHECK_EQ_INT(t.ntok, 6);
    int q = 0;
    for (size_t k = 0; k < t.ntok; k++)
        q |= (t.tok[k].flags & NF_TF_QUOTED ? 1 : 0) << k;
    CHECK_EQ_INT(q, 0x0C);
    nf_tokens_reset(&t);
}

static int is_gap_byte(unsigned char c)
{
    return c <= ' ' || c == 127 || c >= 0x80;   /* ASCII space/controls, or a Unicode space */
}

/* The invariants every tokenisation must satisfy; returns the number of violations. */
static int check_invariants(const char *s, size_t n, const nf_tokens *t)
{
    int bad = 0;
    uint32_t pos = 0;
    for (size_t i = 0; i < t->ntok; i++) {
        const nf_token *k = &t->tok[i];
        if (k->start < pos || k->end <= k->start || k->end > n)
            return bad + 1;
        for (uint32_t j = pos; j < k->start; j++)
            bad += !is_gap_byte((unsigned char)s[j]);
        pos = k->end;
    }
    for (uint32_t j = pos; j < n; j++)
        bad += !is_gap_byte((unsigned char)s[j]);
    /* rebuild: tokens and gaps concatenated give back the text */
    char *r = malloc(n + 1);
    size_t o = 0;
    pos = 0;
    for (size_t i = 0; i < t->ntok; i++) {
        memcpy(r + o, s + pos, t->tok[i].start - pos);
        o += t->tok[i].start - pos;
        memcpy(r + o, s + t->tok[i].start, t->tok[i].end - t->tok[i].start);
        o += t->tok[i].end - t->tok[i].start;
        pos = t->tok[i].end;
    }
    memcpy(r + o, s + pos, n - pos);
    o += n - pos;
    bad += o != n || (n && memcmp(r, s, n) != 0);
    free(r);
    /* sentences in order, non-overlapping, within the text */
    for (size_t i = 0; i < t->nsent; i++)
        bad += t->sent[i].start >= t->sent[i].end || t->sent[i].end > n ||
               (i && t->sent[i].start < t->sent[i - 1].end);
    bad += t->ntok > 0 && t->nsent == 0;
    /* quotes within the text and well nested: open <= inner <= close, any two are disjoint or
     * one contains the other, in order of opening */
    for (size_t i = 0; i < t->nquote; i++) {
        const nf_quote *a = &t->quote[i];
        bad += !(a->open.start < a->open.end && a->open.end <= a->inner.start &&
                 a->inner.start <= a->inner.end && a->inner.end <= a->close.start &&
                 a->close.start <= a->close.end && a->close.end <= n);
        bad += a->closed ? a->close.end == a->close.start : a->close.end != a->close.start;
        for (size_t j = i + 1; j < t->nquote; j++) {
            const nf_quote *b = &t->quote[j];
            bad += b->open.start < a->open.start;
            bool inside = b->open.start >= a->open.end && b->close.end <= a->close.start;
            bool after = b->open.start >= a->close.end;
            bad += !(inside || after);
            bad += inside && b->level <= a->level;
        }
    }
    return bad;
}

static void test_random(void)
{
    static const char *pool[] = {"a", "Bob", " ", "\n", "\n\n", ".", "\"", "'", "``", "''",
                                 "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x98", "\xE2\x80\x99",
                                 "\xC2\xAB", "\xC2\xBB", "\xE2\x80\x9E", "3", ",", "-", "U.S.",
                                 "Mr.", "?", "\xFF", "\xC3", "\xC2\xA0", "(", ")", "%", "`"};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    nf_tokens t;
    nf_tokens_init(&t);
    int bad = 0;
    for (int it = 0; it < 20000; it++) {
        char s[512];
        size_t n = 0;
        int parts = 1 + (int)(x % 40);
        for (int p = 0; p < parts; p++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            const char *piece = pool[x % NF_ARRAY_LEN_T(pool)];
            memcpy(s + n, piece, strlen(piece));
            n += strlen(piece);
        }
        if (nf_tokenize(s, n, &t) != NF_OK || check_invariants(s, n, &t)) {
            if (bad++ < 3)
                fprintf(stderr, "invariant broken on \"%.*s\"\n", (int)n, s);
        }
    }
    CHECK_EQ_INT(bad, 0);
    nf_tokens_reset(&t);
}

/* Seeds: spans a careful reader counts (docs/text.md): 000 has five quoted spans (its "Any
 * smartphone ..." quote runs on over "Naturally, ..." inside one pair of marks), 003 has four.
 * The three quotes the two reports share must be found in each. */
static void test_seeds(void)
{
    static const struct { const char *file; size_t nquote; } seeds[] = {
        {"seeds/000_9352d1c620ab8b06.txt", 5}, {"seeds/003_38795c60894fa36b.txt", 4}};
    static const char *shared[] = {"It's all over for the iPhone: either throw it away",
                                   "Any smartphone has a fairly transparent mechanism",
                                   "Naturally, they are not used for official purposes."};
    nf_tokens t;
    nf_tokens_init(&t);
    for (size_t f = 0; f < 2; f++) {
        char path[1024];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", nf_test_shared(), seeds[f].file);
        char *s = nf_test_read_file(path, &n);
        CHECK_MSG(s != NULL, "cannot read %s", path);
        if (!s)
            continue;
        CHECK_EQ_INT(nf_tokenize(s, n, &t), NF_OK);
        CHECK_EQ_INT(check_invariants(s, n, &t), 0);
        CHECK_EQ_INT(t.nquote, seeds[f].nquote);
        for (size_t q = 0; q < t.nquote; q++)
            CHECK(t.quote[q].closed && t.quote[q].level == 0);
        for (size_t k = 0; k < 3; k++) {
            int found_start = 0, found_in = 0;
            for (size_t q = 0; q < t.nquote; q++) {
                const char *in = s + t.quote[q].inner.start;
                size_t l = t.quote[q].inner.end - t.quote[q].inner.start;
                found_start |= l >= strlen(shared[k]) && !memcmp(in, shared[k], strlen(shared[k]));
                found_in |= memmem(in, l, shared[k], strlen(shared[k])) != NULL;
            }
            CHECK_MSG(found_in, "%s: shared quote \"%s\" not inside a span", seeds[f].file, shared[k]);
            /* in 003 each shared quote opens its own span */
            if (f == 1)
                CHECK_MSG(found_start, "%s: no span starts \"%s\"", seeds[f].file, shared[k]);
        }
        free(s);
    }
    nf_tokens_reset(&t);
}

/* Every article of the shared data: invariants hold; quotes mostly close. */
typedef struct token_tally {
    nf_tokens t;
    const char *file;
    long arts, bad, quotes, unclosed, sents;
} token_tally;

static void token_text(const char *s, size_t n, void *ctx)
{
    token_tally *x = ctx;
    x->arts++;
    if (nf_tokenize(s, n, &x->t) != NF_OK || check_invariants(s, n, &x->t)) {
        if (x->bad++ < 3)
            fprintf(stderr, "%s: article %ld breaks an invariant\n", x->file, x->arts);
    }
    x->quotes += (long)x->t.nquote;
    x->sents += (long)x->t.nsent;
    for (size_t q = 0; q < x->t.nquote; q++)
        x->unclosed += !x->t.quote[q].closed;
}

static void test_shared_data(void)
{
    const char *files[] = {"ecbplus-dev.jsonl", "newswcl50.jsonl", "np4e.jsonl"};
    token_tally x;
    nf_tokens_init(&x.t);
    for (size_t f = 0; f < 3; f++) {
        x.file = files[f];
        x.arts = x.bad = x.quotes = x.unclosed = x.sents = 0;
        if (nf_test_each_text(files[f], token_text, &x) < 0)
            continue;
        long arts = x.arts, bad = x.bad, quotes = x.quotes, unclosed = x.unclosed, sents = x.sents;
        printf("%s: %ld articles, %ld sentences, %ld quotes, %ld unclosed\n", files[f], arts,
               sents, quotes, unclosed);
        CHECK_MSG(arts > 0 && bad == 0, "%s: %ld of %ld articles break invariants", files[f],
                  bad, arts);
        /* these texts are edited news: fewer than 5% of their quotes may run unclosed */
        CHECK_MSG(quotes > 0 && unclosed * 20 < quotes, "%s: %ld of %ld quotes unclosed",
                  files[f], unclosed, quotes);
    }
    nf_tokens_reset(&x.t);
}

int main(void)
{
    test_words();
    test_sentences();
    test_quotes();
    test_random();
    test_seeds();
    test_shared_data();
    return nf_test_done("test_token");
}
