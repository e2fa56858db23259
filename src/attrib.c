/*
 * attrib.c — sources and attribution inside one article: who is cited, with which cue, and who
 * spoke each quote.
 *
 * Key idea: attribution in news English is carried by a small set of cues around a name —
 * "X said/told/reported", "said X", "according to X", "citing X", "(as) per X", "told X",
 * "X could not confirm", "X did not respond to a request for comment", datelines and wire
 * credits. Each cue fixes where the name must stand (before the verb, right after the cue word);
 * the name is the capitalised run found there ("Dmitry Peskov", "Embassy of the Russian
 * Federation"), skipping an appositive between commas ("Peskov, the Kremlin spokesman, said").
 * Where a lower-case phrase stands instead ("one official told", "the report said") the cue has
 * no named source: speakers keep it as a description, the source graph leaves it out. Pronouns
 * ("he said") and definite roles ("the spokesperson said") resolve to the nearest earlier named
 * speaker; "the newspaper reported" to the nearest earlier cited organisation.
 *
 * Policies: a cue never fires on a name without its cue ("a former Reuters reporter"); a
 * capitalised word that only starts the sentence ("The", "However") is not a name; nationality
 * adjectives ("Russian", "American") are not names; weekdays and months are not names.
 * Relays (second-hand chains) are set within one sentence: "told Kommersant, according to a
 * Reuters translation" or "as per Reuters" makes Reuters relay Kommersant; "X reported, citing
 * Y" makes X relay Y.
 *
 * Invariants: citations come out in text order; via indexes an earlier or later citation of
 * the same sentence, never itself.
 */
#include "nf_int.h"
#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>

/* ---- word classes ---- */


static const char *const SPEECH[] = {
    "said", "says", "say", "told", "tells", "added", "adds", "stated", "wrote", "writes",
    "explained", "noted", "insisted", "warned", "claimed", "argued", "tweeted", "replied",
    "announced", "declared", "recalled", "recounted", "acknowledged", "conceded", "admitted",
    "asked", "responded", "commented", "remarked", "continued", "stressed", "emphasized",
    "emphasised", "testified", "posted", NULL};
static const char *const REPORT[] = {"reported", "reports", "report", "revealed", NULL};
static const char *const AUX[] = {
    "has", "have", "had", "was", "were", "is", "are", "also", "reportedly", "later", "previously",
    "then", "would", "will", "had", "once", "first", "further", "again", "repeatedly", "publicly",
    "separately", "earlier", "recently", "allegedly", "apparently", "still", "already", "just",
    "to", "said", "been", "be", NULL};
static const char *const TITLES[] = {
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "president", "spokesman", "spokeswoman",
    "spokesperson", "secretary", "minister", "senator", "governor", "director", "chief", "leader",
    "judge", "ambassador", "chairman", "chairwoman", "ceo", "general", "adviser", "advisor",
    "lawyer", "attorney", "prosecutor", "analyst", "professor", "mayor", "king", "queen", "pope",
    "prince", "premier", "chancellor", "lt", "col", "capt", "sgt", "officer", "commander",
    "representative", "speaker", "head", "deputy", "sheriff", "inspector", "vice", "prime",
    "foreign", "defense", "defence", "interior", "finance", "justice", "attorney-general",
    "st", "mx", "sir", "lord", "lady", "dame", "assistant", "associate", "former", "chair", "chairperson", "founder",
    "executive", "mp", "mep", "lawmaker", "congressman", "congresswoman", "councillor",
    "councilman", "councilwoman", "rabbi", "reverend", "rev", "bishop", "cardinal", NULL};
static const char *const ORGWORDS[] = {
    "inc", "corp", "corporation", "company", "co", "ltd", "llc", "plc", "agency", "ministry",
    "embassy", "center", "centre", "platform", "press", "news", "times", "post", "journal",
    "party", "department", "office", "council", "house", "committee", "university", "bank",
    "group", "tv", "radio", "network", "institute", "association", "union", "court",
    "commission", "service", "administration", "kremlin", "federation", "organization",
    "organisation", "fund", "foundation", "airlines", "police", "army", "forces", "force",
    "government", "parliament", "congress", "senate", "reuters", "bloomberg", "tribune",
    "herald", "daily", "gazette", "guardian", "telegraph", "mail", "express", "insider",
    "magazine", "channel", "broadcasting", "media", "club", "board", "bureau", "authority",
    "nations", "assembly", "cabinet", "ministry", "police", "school", "hospital", "church",
    "fbi", "cia", "nato", "pentagon", "twitter", "facebook", "apple",
    "google", "microsoft", "amazon", "levada-center", "interfax", "tass", "xinhua", "afp", "ap",
    "cnn", "bbc", "nbc", "cbs", "abc", "fox", "msnbc", "npr", "axios", "politico", "kommersant",
    "international", "amnesty", "watch", "street", "dnc", "rnc", "gop", NULL};
static const char *const PLACEWORDS[] = {
    "korea", "states", "kingdom", "york", "arabia", "africa", "america", "city", "island",
    "islands", "sea", "river", "beach", "county", "street", "valley", "mountains", "coast",
    "republic", "emirates", "zealand", "kong", "lanka", "angeles", "francisco", "jersey",
    "carolina", "dakota", "virginia", "east", "west", "europe", "asia", "russia", "ukraine",
    "china", "moscow", "washington", "london", "paris", "iran", "syria", "israel", NULL};
static const char *const WIRES[] = {
    "reuters", "ap", "afp", "dpa", "xinhua", "bloomberg", "upi", "tass", "interfax", "ansa",
    "efe", "kyodo", "pa", "ians", "pti", "cnn", "ria", "anadolu", "yonhap", "aap", NULL};
static const char *const CALENDAR[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "today", "yesterday", NULL};
static const char *const PRONOUNS[] = {"he", "she", "they", "i", "we", NULL};
static const char *const ROLES[] = {
    "spokesperson", "spokesman", "spokeswoman", "president", "minister", "secretary",
    "director", "senator", "governor", "ambassador", "chairman", "official", NULL};
static const char *const MEDIUMS[] = {
    "newspaper", "daily", "paper", "publication", "outlet", "agency", "broadcaster",
    "magazine", "channel", "tabloid", "weekly", NULL};
static const char *const CONNECT[] = {"of", "for", "de", "al", "bin", "van", "von", "la", "le",
                                      "du", "da", "der", "del", "and", "&", NULL};

static const char *const STARTERS[] = {"according", "although", "though", "explaining",
        "last", "next", "earlier", "later", "naturally", "everyone", "officials", "yes", "no",
        "meanwhile", "still", "instead", "asked", "speaking", "read", "various", "several",
        "many", "both", "multiple", "other", "others", "most", "all", "some", "since",
        "despite", "amid", "during", "yet", "thus", "hence", "unlike", "like", "including",
        "following", "without", "within", "upon", "whether", "perhaps", "maybe", NULL};
static const char *const CLAUSE[] = {"that", "but", "and", "which", "when", "as",
        "while", "because", "if", "so", "after", "before", "since", "where", NULL};

/* Word classes by hash: one open-addressing table from the folded word's hash (the same
 * nf_hash_str as nf_ctok.h) to a bit per list, built once. Membership tests then cost one
 * probe, not a strcmp per list entry. */
static const char *const *const LISTS[] = {SPEECH, REPORT, AUX, TITLES, ORGWORDS, PLACEWORDS,
    WIRES, CALENDAR, PRONOUNS, ROLES, MEDIUMS, CONNECT, STARTERS, CLAUSE};
#define CLASS_SLOTS 2048
static struct { uint64_t h; uint32_t mask; } classes[CLASS_SLOTS];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void classes_build(void)
{
    for (size_t l = 0; l < NF_ARRAY_LEN(LISTS); l++)
        for (const char *const *w = LISTS[l]; *w; w++) {
            uint64_t h = nf_hash_str(*w, strlen(*w));
            size_t k = h & (CLASS_SLOTS - 1);
            while (classes[k].mask && classes[k].h != h)
                k = (k + 1) & (CLASS_SLOTS - 1);
            classes[k].h = h;
            classes[k].mask |= 1u << l;
        }
}

static uint32_t class_of(uint64_t h)
{
    pthread_once(&classes_once, classes_build);
    for (size_t k = h & (CLASS_SLOTS - 1); classes[k].mask; k = (k + 1) & (CLASS_SLOTS - 1))
        if (classes[k].h == h)
            return classes[k].mask;
    return 0;
}

static uint32_t list_bit(const char *const *l)
{
    for (size_t i = 0; i < NF_ARRAY_LEN(LISTS); i++)
        if (LISTS[i] == l)
            return 1u << i;
    return 0;
}

static bool hash_in(uint64_t h, const char *const *l)
{
    uint32_t b = list_bit(l);
    assert(b);
    return (class_of(h) & b) != 0;
}

static const nf_ctok *T(const nf_cdoc *d, size_t i) { return &d->t[i]; }
static bool is_w(const nf_cdoc *d, size_t i) { return d->t[i].flags & NF_CT_WORD; }
static bool lw_is(const nf_cdoc *d, size_t i, const char *w) { return !strcmp(d->t[i].lw, w); }
static bool lw_in(const nf_cdoc *d, size_t i, const char *const *l) { return hash_in(d->t[i].h, l); }
static bool punct_is(const nf_cdoc *d, size_t i, char c)
{
    return d->t[i].kind == NF_TOK_PUNCT && d->t[i].lw[0] == c && d->t[i].lw[1] == 0;
}
static bool is_dash(const nf_cdoc *d, size_t i)
{
    return d->t[i].kind == NF_TOK_PUNCT && (d->t[i].lw[0] == '-' || !strcmp(d->t[i].lw, "\xe2\x80\x94")
                                            || !strcmp(d->t[i].lw, "\xe2\x80\x93"));
}
static bool is_quote_mark(const nf_cdoc *d, size_t i)
{
    const char *w = d->t[i].lw;
    return d->t[i].kind == NF_TOK_PUNCT && (w[0] == '"' || w[0] == '\'' || w[0] == '`'
                                            || !strncmp(w, "\xe2\x80", 2) || !strncmp(w, "\xc2\xab", 2)
                                            || !strncmp(w, "\xc2\xbb", 2));
}
static bool cap(const nf_cdoc *d, size_t i)
{
    if (!is_w(d, i) || d->t[i].kind != NF_TOK_WORD)
        return false;
    unsigned char c = (unsigned char)d->text[d->t[i].start];
    return (d->t[i].flags & NF_TF_CAP) || (c >= 'A' && c <= 'Z');
}
/* A title or role word, with or without its abbreviation dot ("Mr", "Mr.", "Sen.") */
static bool is_title(const nf_cdoc *d, size_t i)
{
    const nf_ctok *t = &d->t[i];
    if (t->kind != NF_TOK_WORD)
        return false;
    if (t->len > 1 && t->len < 8 && t->lw[t->len - 1] == '.') {
        char w[8];
        memcpy(w, t->lw, t->len - 1);
        w[t->len - 1] = 0;
        return hash_in(nf_hash_str(w, t->len - 1), TITLES);
    }
    return hash_in(t->h, TITLES);
}

/* A nationality or group adjective: "Russian", "American", "Chinese", "British", "Western". */
static bool demonym(const nf_cdoc *d, size_t i)
{
    const char *w = d->t[i].lw;
    size_t n = d->t[i].len;
    static const char *const suf[] = {"ian", "ese", "ish", "ern", "can", "ean", "ic", "i", NULL};
    if (n < 5)
        return false;
    for (const char *const *s = suf; *s; s++) {
        size_t k = strlen(*s);
        if (n > k && !strcmp(w + n - k, *s))
            return !lw_in(d, i, ORGWORDS);
    }
    return false;
}
/* A capitalised word that can be part of a name. */
static bool name_word(const nf_cdoc *d, size_t i)
{
    if (!cap(d, i) || lw_in(d, i, CALENDAR) || lw_in(d, i, PRONOUNS))
        return false;
    /* a capital that only marks the start of the sentence */
    if ((d->t[i].flags & (NF_TF_SENT | NF_TF_PARA)) && nf_cdoc_is_stop(d->t[i].lw, d->t[i].len))
        return false;
    if (i > 0 && is_quote_mark(d, i - 1) && nf_cdoc_is_stop(d->t[i].lw, d->t[i].len))
        return false;

    if ((d->t[i].flags & NF_TF_SENT) && lw_in(d, i, STARTERS))
        return false;
    /* an upper-case word opening a paragraph is a dateline ("KINSHASA 1997-02-17"), not a
     * speaker; dateline() reads those */
    if ((d->t[i].flags & NF_TF_PARA) && d->t[i].len >= 3) {
        const char *w = d->text + d->t[i].start;
        bool upper = true;
        for (uint32_t k = 0; k < d->t[i].end - d->t[i].start && upper; k++)
            upper = !(w[k] >= 'a' && w[k] <= 'z');
        if (upper)
            return false;
    }
    /* "Aides said": a sentence-initial capital on a word the article also writes in lower case */
    if ((d->t[i].flags & (NF_TF_SENT | NF_TF_PARA)) && (d->t[i].flags & NF_CT_COMMON)
        && !(i + 1 < d->nt && cap(d, i + 1)))
        return false;
    return true;
}
/* single capital letter initial followed by "." ("Michael T. Flynn") */
static bool initial(const nf_cdoc *d, size_t i, size_t e)
{
    return i + 1 < e && cap(d, i) && d->t[i].len == 1 && punct_is(d, i + 1, '.');
}

/* The capitalised run that starts at i (within [i, e)): name words, initials, connectors
 * between name words, "." after a title abbreviation. Returns its end (exclusive). */
static size_t run_fwd(const nf_cdoc *d, size_t i, size_t e)
{
    size_t j = i, last = i;
    while (j < e) {
        if (name_word(d, j) || (j > i && cap(d, j) && !lw_in(d, j, CALENDAR))) {
            if (initial(d, j, e)) {
                j += 2;
                continue;
            }
            last = ++j;
            if (j < e && punct_is(d, j, '.') && is_title(d, j - 1) && j + 1 < e && cap(d, j + 1))
                j++;
            continue;
        }
        if (j > i && is_w(d, j) && lw_in(d, j, CONNECT)) {
            size_t k = j + 1;
            if (k < e && lw_is(d, k, "the"))
                k++;
            if (k < e && cap(d, k) && !lw_is(d, j, "and")) {
                j = k;
                continue;
            }
        }
        break;
    }
    return last;
}

/* The start of the capitalised run that ends at e (exclusive), looking no further back than b. */
static size_t run_bwd(const nf_cdoc *d, size_t b, size_t e)
{
    size_t j = e;
    while (j > b) {
        size_t k = j - 1;
        if (cap(d, k) && (name_word(d, k) || j < e)) {
            j = k;
            continue;
        }
        if (punct_is(d, k, '.') && k > b && cap(d, k - 1) && (d->t[k - 1].len == 1
                                                               || is_title(d, k - 1))) {
            j = k;
            continue;
        }
        if (is_w(d, k) && lw_in(d, k, CONNECT) && !lw_is(d, k, "and") && k > b && j < e) {
            j = k;
            continue;
        }
        if (lw_is(d, k, "the") && k > b && lw_in(d, k - 1, CONNECT) && j < e) {
            j = k;
            continue;
        }
        /* "Embassy of the Russian Federation in the US": "in the" between two names */
        if (lw_is(d, k, "the") && k > b + 1 && lw_is(d, k - 1, "in") && cap(d, k - 2) && j < e) {
            j = k - 1;
            continue;
        }
        break;
    }
    /* the run cannot start with a connector or with a sentence-start stop word */
    while (j < e && (!cap(d, j) || !name_word(d, j)))
        j++;
    return j;
}

/* Canonical key: folded words, titles and "the" dropped at the front, possessive 's dropped. */
/* The tokens of the name proper inside the run [t0, t1): after the last title ("House
 * Intelligence Committee Chairman Devin Nunes", "Secretary of State Mike Pompeo"), before a
 * trailing "of Place" of a person ("Shinzo Abe of Japan"). Organisations keep their words. */
static void name_core(const nf_cdoc *d, uint32_t t0, uint32_t t1, uint32_t *c0, uint32_t *c1,
                      bool *titled)
{
    uint32_t a = t0, z = t1;
    *titled = false;
    for (uint32_t k = t0; k < t1; k++)
        if (is_title(d, k)) {
            uint32_t m = k + 1;
            while (m < t1 && punct_is(d, m, '.'))
                m++;
            if (m + 1 < t1 && lw_is(d, m, "of") && cap(d, m + 1))
                m += 2;
            bool org = false;
            for (uint32_t q = m; q < t1; q++)
                org |= lw_in(d, q, ORGWORDS);
            if (m < t1 && cap(d, m) && !org) {
                a = m;
                *titled = true;
            }
        }
    while (a + 1 < z && (lw_is(d, a, "the") || !is_w(d, a)))
        a++;
    uint32_t words = 0;
    bool org = false;
    for (uint32_t k = a; k < z; k++) {
        if (lw_is(d, k, "of") && words >= 2 && !org) {
            z = k;
            break;
        }
        org |= lw_in(d, k, ORGWORDS);
        words += is_w(d, k);
    }
    *c0 = a;
    *c1 = z;
}

char *nf_attrib_key2(const nf_cdoc *d, uint32_t t0, uint32_t t1, uint32_t *kind, uint32_t *k0,
                     uint32_t *k1)
{
    nf_buf b;
    nf_buf_init(&b, 4096);
    bool titled = false, org = false, place = false;
    size_t nw = 0;
    uint32_t i, z;
    name_core(d, t0, t1, &i, &z, &titled);
    if (k0)
        *k0 = i;
    if (k1)
        *k1 = z;
    if (t0 > 0 && is_title(d, t0 - 1))
        titled = true;
    if (t0 > 1 && punct_is(d, t0 - 1, '.') && is_title(d, t0 - 2))
        titled = true;
    for (; i < z; i++) {
        if (!is_w(d, i))
            continue;
        const char *w = d->t[i].lw;
        size_t n = d->t[i].len;
        if (n > 2 && w[n - 2] == '\'' && w[n - 1] == 's')
            n -= 2;
        if (n && w[n - 1] == '.')
            n--;
        /* middle initials do not name anyone differently: "Stephen E. Boyd" = "Stephen Boyd" */
        if (n == 1 && nw > 0 && i + 1 < z)
            continue;
        if (b.n && nf_buf_putc(&b, ' '))
            break;
        for (size_t k = 0; k < n; k++)
            if (nf_buf_putc(&b, w[k] == '-' ? ' ' : w[k]))
                break;
        org |= lw_in(d, i, ORGWORDS);
        place |= lw_in(d, i, PLACEWORDS);
        nw++;
    }
    if (kind) {
        bool letters = true;
        for (uint32_t k = t0; k < t1; k++)
            if (d->t[k].kind == NF_TOK_NUM)
                letters = false;
        if (org)
            *kind = NF_SRC_ORG;
        else if (titled)
            *kind = NF_SRC_PERSON;
        else if (place)
            *kind = NF_SRC_PLACE;
        else if (nw >= 2 && nw <= 4 && letters)
            *kind = NF_SRC_PERSON;
        else
            *kind = NF_SRC_ORG;
    }
    if (!b.p)
        return strdup("");
    return b.p;
}

char *nf_attrib_key(const nf_cdoc *d, uint32_t t0, uint32_t t1, uint32_t *kind)
{
    return nf_attrib_key2(d, t0, t1, kind, NULL, NULL);
}

/* ---- finding the name a cue points at ---- */

typedef struct np {
    uint32_t n0, n1;     /* name tokens, n0 == n1 when none */
    uint32_t d0, d1;     /* the noun phrase (description) */
} np;

/* Name right after a cue word at p: skip at most `skip` determiners, lower-case words and
 * nationality adjectives; stop at punctuation. */
static bool name_after(const nf_cdoc *d, size_t p, size_t e, int skip, np *out)
{
    size_t j = p;
    out->d0 = (uint32_t)p;
    for (int k = 0; j < e && k <= skip; k++) {
        if (!is_w(d, j) || (d->t[j].flags & NF_TF_QUOTED && !(d->t[p].flags & NF_TF_QUOTED)))
            break;
        if (name_word(d, j) && !demonym(d, j)) {
            size_t r = run_fwd(d, j, e);
            out->n0 = (uint32_t)j;
            out->n1 = (uint32_t)r;
            out->d1 = (uint32_t)r;
            return true;
        }
        if (cap(d, j) && !demonym(d, j) && !lw_in(d, j, CALENDAR) && !(d->t[j].flags & NF_TF_SENT))
            break;
        if (lw_in(d, j, SPEECH) || lw_is(d, j, "that") || lw_in(d, j, REPORT))
            break;
        j++;
    }
    out->n0 = out->n1 = 0;
    out->d1 = (uint32_t)j;
    return false;
}

/* The subject before a verb at v (sentence starts at b): skip auxiliaries and adverbs, an
 * appositive between commas, then take the last capitalised run of the noun phrase. */
static bool subject_before(const nf_cdoc *d, size_t b, size_t v, np *out)
{
    size_t j = v;
    while (j > b && is_w(d, j - 1) && (lw_in(d, j - 1, AUX) || lw_is(d, j - 1, "not")
                                       || lw_is(d, j - 1, "n't") || lw_is(d, j - 1, "could")
                                       || lw_is(d, j - 1, "did") || lw_is(d, j - 1, "does")))
        j--;
    out->n0 = out->n1 = out->d0 = out->d1 = 0;
    if (j > b && punct_is(d, j - 1, ',')) {
        /* ", APPOSITIVE," or ", NAME," */
        size_t c2 = j - 1;
        while (c2 > b && c2 + 14 > j && !punct_is(d, c2 - 1, ',') && !is_quote_mark(d, c2 - 1))
            c2--;
        if (c2 > b && punct_is(d, c2 - 1, ',')) {
            size_t seg = c2, end = j - 1;
            if (seg < end && name_word(d, seg) && !demonym(d, seg)) {
                size_t r = run_fwd(d, seg, end);
                if (r == end) {
                    out->n0 = (uint32_t)seg;
                    out->n1 = (uint32_t)r;
                    out->d0 = out->n0;
                    out->d1 = out->n1;
                    return true;
                }
            }
            j = c2 - 1;   /* skip the appositive and its opening comma */
        } else {
            return false;
        }
    }
    /* the noun phrase: words back to punctuation or a clause word, at most 8 */
    size_t s = j;

    while (s > b && j - s < 10 && is_w(d, s - 1) && !lw_in(d, s - 1, CLAUSE)
           && !(d->t[s - 1].flags & NF_TF_QUOTED && !(d->t[j > 0 ? j - 1 : 0].flags & NF_TF_QUOTED))
           && !lw_in(d, s - 1, SPEECH) && !lw_in(d, s - 1, REPORT))
        s--;
    if (s == j)
        return false;
    out->d0 = (uint32_t)s;
    out->d1 = (uint32_t)j;
    /* the last name run in [s, j) that reaches the verb end of the phrase */
    size_t r0 = run_bwd(d, s, j);
    /* "a defence ministry official in Kinshasa said": a name after a preposition is where the
     * subject is, not who */
    static const char *const PREP[] = {"in", "at", "from", "near", "outside", "inside", "across",
                                       "on", "with", "to", NULL};
    if (r0 < j && r0 > s) {
        for (const char *const *w = PREP; *w; w++)
            if (lw_is(d, r0 - 1, *w))
                return false;
    }
    if (r0 < j) {
        out->n0 = (uint32_t)r0;
        out->n1 = (uint32_t)j;
        return true;
    }
    return false;
}

/* ---- citations ---- */

void nf_rawcites_reset(nf_rawcites *rc)
{
    for (size_t i = 0; i < rc->n; i++) {
        free(rc->c[i].key);
        free(rc->c[i].name);
    }
    free(rc->c);
    memset(rc, 0, sizeof *rc);
}

/* Not a name: a lone pronoun or stop word, "I'm", a possessive inside ("Israel's Claims"). */
static bool junk_name(const nf_cdoc *d, uint32_t a, uint32_t z)
{
    if (z == a + 1 && (lw_in(d, a, PRONOUNS) || (d->t[a].flags & NF_CT_STOP)))
        return true;
    for (uint32_t k = a; k < z; k++) {
        const char *w = d->t[k].lw;
        size_t n = d->t[k].len;
        if (w[0] == 'i' && w[1] == '\'')
            return true;
        if (k + 1 < z && n > 2 && w[n - 2] == '\'' && w[n - 1] == 's')
            return true;
    }
    return false;
}

static nf_rc add_cite(const nf_cdoc *d, nf_rawcites *rc, uint32_t cue, uint32_t sent,
                      uint32_t n0, uint32_t n1, uint32_t kind_hint)
{
    if (n1 <= n0)
        return NF_OK;
    uint32_t kind = 0, c0 = n0, c1 = n1;
    char *key = nf_attrib_key2(d, n0, n1, &kind, &c0, &c1);
    if (!key)
        return NF_ENOMEM;
    /* a run that ends in a nationality adjective is a modifier: "South Korean (officials)" */
    if (!*key || demonym(d, n1 - 1) || is_title(d, c1 - 1) || junk_name(d, c0, c1)) {
        free(key);
        return NF_OK;
    }
    for (size_t i = rc->n; i-- > 0 && rc->c[i].sent == sent;)
        if (rc->c[i].cue == cue && !strcmp(rc->c[i].key, key)) {
            free(key);
            return NF_OK;
        }
    if (nf_grow((void **)&rc->c, &rc->cap, rc->n + 1, sizeof *rc->c)) {
        free(key);
        return NF_ENOMEM;
    }
    /* the name as printed, without titles */
    uint32_t p0 = c0;
    n1 = c1;
    size_t a = d->t[p0].start, z = d->t[n1 - 1].end;
    if (z - a > 2 && (!strncmp(d->text + z - 2, "'s", 2)))
        z -= 2;
    else if (z - a > 4 && !strncmp(d->text + z - 4, "\xe2\x80\x99s", 4))
        z -= 4;
    char *name = strndup(d->text + a, z - a);
    if (!name) {
        free(key);
        return NF_ENOMEM;
    }
    nf_rawcite *c = &rc->c[rc->n++];
    c->cue = cue;
    c->sent = sent;
    c->t0 = p0;
    c->t1 = n1;
    c->kind = kind_hint ? kind_hint : kind;
    c->via = -1;
    c->key = key;
    c->name = name;
    return NF_OK;
}

/* The nearest earlier citation (before token t) of a named person speaking, else -1. */
static int32_t last_speaker(const nf_rawcites *rc, uint32_t t)
{
    for (size_t i = rc->n; i-- > 0;)
        if (rc->c[i].t0 < t && rc->c[i].kind == NF_SRC_PERSON
            && (rc->c[i].cue == NF_CUE_SAID || rc->c[i].cue == NF_CUE_TOLD
                || rc->c[i].cue == NF_CUE_NO_CONFIRM))
            return (int32_t)i;
    return -1;
}

static int32_t last_org(const nf_rawcites *rc, uint32_t t)
{
    for (size_t i = rc->n; i-- > 0;)
        if (rc->c[i].t0 < t && rc->c[i].kind == NF_SRC_ORG && rc->c[i].cue != NF_CUE_NO_RESPONSE
            && rc->c[i].cue != NF_CUE_WIRE)
            return (int32_t)i;
    return -1;
}

/* A lower-case subject that stands for a name: a pronoun or "the spokesperson" -> the last
 * named speaker; "the newspaper" -> the last cited organisation. */
static bool resolve_unnamed(const nf_cdoc *d, const nf_rawcites *rc, const np *p, np *out)
{
    if (p->d1 <= p->d0)
        return false;
    uint32_t h = p->d1 - 1;
    int32_t k = -1;
    if (p->d1 - p->d0 == 1 && (lw_is(d, h, "he") || lw_is(d, h, "she")))
        k = last_speaker(rc, p->d0);
    else if (p->d1 - p->d0 <= 3 && lw_is(d, p->d0, "the") && lw_in(d, h, ROLES)
             && !lw_is(d, h, "official")) {
        /* "the president said": the nearest earlier "President NAME" of the article, else
         * the last named speaker */
        for (uint32_t t = p->d0; t-- > 0;)
            if (d->t[t].h == d->t[h].h && cap(d, t) && t + 1 < d->nt && name_word(d, t + 1)) {
                size_t e = d->sent_t0[d->t[t].sent + 1];
                out->n0 = t + 1;
                out->n1 = (uint32_t)run_fwd(d, t + 1, e);
                if (out->n1 > out->n0)
                    return true;
            }
        k = last_speaker(rc, p->d0);
    }
    else if (p->d1 - p->d0 <= 3 && lw_is(d, p->d0, "the") && lw_in(d, h, MEDIUMS))
        k = last_org(rc, p->d0);
    if (k < 0)
        return false;
    out->n0 = rc->c[k].t0;
    out->n1 = rc->c[k].t1;
    return true;
}

static bool no_response_at(const nf_cdoc *d, size_t i, size_t e, size_t *verb)
{
    /* "did not (immediately) respond|reply|return ... comment", "declined to comment",
     * "could not be reached (for comment)" */
    if ((lw_is(d, i, "respond") || lw_is(d, i, "reply") || lw_is(d, i, "return")
         || lw_is(d, i, "responded") || lw_is(d, i, "replied") || lw_is(d, i, "returned"))) {
        bool neg = false;
        size_t k = i;
        while (k > 0 && i - k < 3) {
            k--;
            if (lw_is(d, k, "not") || lw_is(d, k, "n't") || lw_is(d, k, "never")) {
                neg = true;
                break;
            }
        }
        if (!neg)
            return false;
        for (size_t j = i + 1; j < e && j < i + 10; j++)
            if (!strncmp(d->t[j].lw, "comment", 7) || lw_is(d, j, "inquiry")
                || lw_is(d, j, "inquiries") || lw_is(d, j, "messages") || lw_is(d, j, "calls")
                || lw_is(d, j, "emails")) {
                while (k > 0 && (lw_is(d, k - 1, "did") || lw_is(d, k - 1, "has") || lw_is(d, k - 1, "have")
                                 || lw_is(d, k - 1, "does") || lw_is(d, k - 1, "had")))
                    k--;
                *verb = k;
                return true;
            }
        return false;
    }
    if ((lw_is(d, i, "declined") || lw_is(d, i, "refused")) && i + 2 < e && lw_is(d, i + 1, "to")
        && !strncmp(d->t[i + 2].lw, "comment", 7)) {
        *verb = i;
        return true;
    }
    if (lw_is(d, i, "reached") && i >= 3 && lw_is(d, i - 1, "be") && lw_is(d, i - 2, "not")
        && (lw_is(d, i - 3, "could") || lw_is(d, i - 3, "can"))) {
        *verb = i - 3;
        return true;
    }
    return false;
}

static bool no_confirm_at(const nf_cdoc *d, size_t i, size_t e, size_t *verb)
{
    if (!(lw_is(d, i, "confirm") || lw_is(d, i, "verify")))
        return false;
    size_t k = i;
    if (k > 0 && (lw_is(d, k - 1, "independently") || lw_is(d, k - 1, "immediately")))
        k--;
    if (k >= 2 && lw_is(d, k - 1, "not") && (lw_is(d, k - 2, "could") || lw_is(d, k - 2, "did")
                                             || lw_is(d, k - 2, "would") || lw_is(d, k - 2, "can"))) {
        *verb = k - 2;
        return true;
    }
    if (k >= 2 && lw_is(d, k - 1, "to") && (lw_is(d, k - 2, "declined") || lw_is(d, k - 2, "unable")
                                            || lw_is(d, k - 2, "refused"))) {
        *verb = lw_is(d, k - 2, "unable") && k >= 3 ? k - 3 : k - 2;
        return true;
    }
    return false;
}

static bool is_wire_name(const nf_cdoc *d, size_t a, size_t z)
{
    return z == a + 1 && lw_in(d, a, WIRES);
}

/* Dateline at the start of one of the first paragraphs: an upper-case place followed by a date,
 * a dash or a wire credit ("KINSHASA 1997-02-17", "WASHINGTON —", "WEST PALM BEACH, Fla. —"). */
static nf_rc dateline(const nf_cdoc *d, size_t i, nf_rawcites *rc)
{
    size_t j = i;
    while (j < d->nt && j < i + 6 && is_w(d, j) && d->t[j].kind == NF_TOK_WORD && d->t[j].len >= 2) {
        const char *s = d->text + d->t[j].start;
        bool upper = true;
        for (uint32_t k = 0; k < d->t[j].end - d->t[j].start; k++)
            if (islower((unsigned char)s[k]))
                upper = false;
        if (!upper)
            break;
        j++;
    }
    if (j == i || j >= d->nt)
        return NF_OK;
    size_t k = j;
    if (punct_is(d, k, ',')) {  /* ", Fla. —" */
        size_t m = k + 1;
        while (m < d->nt && m < k + 5 && !is_dash(d, m))
            m++;
        if (m < d->nt && is_dash(d, m))
            k = m;
    }
    if (is_dash(d, k) || d->t[k].kind == NF_TOK_NUM || punct_is(d, k, '('))
        return add_cite(d, rc, NF_CUE_DATELINE, d->t[i].sent, (uint32_t)i, (uint32_t)j, NF_SRC_PLACE);
    return NF_OK;
}

static nf_rc wire(const nf_cdoc *d, size_t i, nf_rawcites *rc)
{
    if (!punct_is(d, i, '('))
        return NF_OK;
    size_t a = i + 1, z = a;
    while (z < d->nt && z < a + 4 && cap(d, z))
        z++;
    if (z == a || z >= d->nt || !punct_is(d, z, ')'))
        return NF_OK;
    bool early = d->t[i].start < 400 && z + 1 < d->nt && is_dash(d, z + 1);
    if (is_wire_name(d, a, z) || early)
        return add_cite(d, rc, NF_CUE_WIRE, d->t[i].sent, (uint32_t)a, (uint32_t)z, NF_SRC_ORG);
    return NF_OK;
}

/* Relays inside one sentence, citations [c0, c1). */
static void relays(nf_rawcites *rc, size_t c0, size_t c1)
{
    for (size_t i = c0; i < c1; i++) {
        nf_rawcite *y = &rc->c[i];
        if (y->kind != NF_SRC_ORG)
            continue;
        if (y->cue == NF_CUE_CITING) {
            for (size_t j = c0; j < c1; j++)
                if (j != i && rc->c[j].kind == NF_SRC_ORG && rc->c[j].via < 0
                    && (rc->c[j].cue == NF_CUE_REPORTED || rc->c[j].cue == NF_CUE_SAID)
                    && strcmp(rc->c[j].key, y->key))
                    rc->c[j].via = (int32_t)i;
        } else if (y->cue == NF_CUE_ACCORDING || y->cue == NF_CUE_PER
                   || y->cue == NF_CUE_REPORTED) {
            for (size_t j = i; j-- > c0;)
                if (rc->c[j].kind == NF_SRC_ORG && strcmp(rc->c[j].key, y->key)
                    && (rc->c[j].cue == NF_CUE_TOLD_TO || rc->c[j].cue == NF_CUE_REPORTED)) {
                    if (y->via < 0 && rc->c[j].via != (int32_t)i)
                        y->via = (int32_t)j;
                    break;
                }
        }
    }
}

static nf_rc sentence_cites(const nf_cdoc *d, uint32_t s, nf_rawcites *rc)
{
    size_t b = d->sent_t0[s], e = d->sent_t0[s + 1];
    size_t c0 = rc->n;
    nf_rc r = NF_OK;
    for (size_t i = b; i < e && !r; i++) {
        const nf_ctok *t = T(d, i);
        np p = {0};
        size_t v;
        if (t->flags & NF_TF_QUOTED)
            continue;
        if ((t->flags & NF_TF_PARA) && d->t[i].start < 2000)
            r = dateline(d, i, rc);
        if (!r)
            r = wire(d, i, rc);
        if (r || !is_w(d, i))
            continue;
        if (lw_is(d, i, "according") && i + 1 < e && lw_is(d, i + 1, "to")) {
            if (name_after(d, i + 2, e, 5, &p))
                r = add_cite(d, rc, NF_CUE_ACCORDING, s, p.n0, p.n1, 0);
            else if (resolve_unnamed(d, rc, &p, &p) && p.n1 > p.n0)
                r = add_cite(d, rc, NF_CUE_ACCORDING, s, p.n0, p.n1, 0);
        } else if (lw_is(d, i, "citing") || (lw_is(d, i, "cited") && i + 1 < e && !lw_is(d, i + 1, "by"))) {
            if (name_after(d, i + 1, e, 4, &p))
                r = add_cite(d, rc, NF_CUE_CITING, s, p.n0, p.n1, 0);
        } else if (lw_is(d, i, "per") && i + 1 < e && cap(d, i + 1)) {
            if (name_after(d, i + 1, e, 0, &p))
                r = add_cite(d, rc, NF_CUE_PER, s, p.n0, p.n1, 0);
        } else if ((lw_in(d, i, REPORT) && !(i > b && lw_is(d, i - 1, "the")))
                   || (lw_is(d, i, "published") && i + 1 < e && lw_is(d, i + 1, "by"))) {
            if (i + 1 < e && lw_is(d, i + 1, "by")) {
                if (name_after(d, i + 2, e, 1, &p))
                    r = add_cite(d, rc, NF_CUE_REPORTED, s, p.n0, p.n1, 0);
            } else if (subject_before(d, b, i, &p) || resolve_unnamed(d, rc, &p, &p)) {
                r = add_cite(d, rc, NF_CUE_REPORTED, s, p.n0, p.n1, 0);
            }
        } else if (no_response_at(d, i, e, &v)) {
            if (subject_before(d, b, v, &p) || resolve_unnamed(d, rc, &p, &p))
                r = add_cite(d, rc, NF_CUE_NO_RESPONSE, s, p.n0, p.n1, 0);
        } else if (no_confirm_at(d, i, e, &v)) {
            if (subject_before(d, b, v, &p) || resolve_unnamed(d, rc, &p, &p))
                r = add_cite(d, rc, NF_CUE_NO_CONFIRM, s, p.n0, p.n1, 0);
        } else if (lw_in(d, i, SPEECH)) {
            bool told = lw_is(d, i, "told") || lw_is(d, i, "tells");
            bool passive = i > b && (lw_is(d, i - 1, "was") || lw_is(d, i - 1, "were")
                                     || lw_is(d, i - 1, "is") || lw_is(d, i - 1, "been"));
            if (told && i + 1 < e && name_word(d, i + 1) && !demonym(d, i + 1)) {
                size_t z = run_fwd(d, i + 1, e);
                r = add_cite(d, rc, NF_CUE_TOLD_TO, s, (uint32_t)(i + 1), (uint32_t)z, 0);
            }
            if (r || passive)
                continue;
            /* "X told officials to change their phones" is an instruction, not a statement */
            if (told) {
                bool instr = false;
                for (size_t k = i + 1; k < e && k < i + 16; k++) {
                    if (!is_w(d, k) || lw_is(d, k, "that"))
                        break;
                    if (lw_is(d, k, "to")) {
                        instr = true;
                        break;
                    }
                }
                if (instr)
                    continue;
            }
            uint32_t cue = told ? NF_CUE_TOLD : NF_CUE_SAID;
            if (subject_before(d, b, i, &p)) {
                r = add_cite(d, rc, cue, s, p.n0, p.n1, 0);
            } else if (p.d1 > p.d0) {
                if (resolve_unnamed(d, rc, &p, &p))
                    r = add_cite(d, rc, cue, s, p.n0, p.n1, 0);
            } else if (!told && i + 1 < e && (i == b || !is_w(d, i - 1))
                       && name_after(d, i + 1, e, 2, &p)) {
                /* inverted: "..., said Dmitry Peskov" */
                r = add_cite(d, rc, cue, s, p.n0, p.n1, 0);
            }
        }
    }
    if (!r)
        relays(rc, c0, rc->n);
    return r;
}

nf_rc nf_attrib_article(const nf_cdoc *d, nf_rawcites *out)
{
    for (uint32_t s = 0; s < d->nsent; s++) {
        nf_rc r = sentence_cites(d, s, out);
        if (r)
            return r;
    }
    return NF_OK;
}

/* Keys of every multi-word person name in d ("dmitry peskov"), appended to *out: the story
 * links a lone surname to the one full name that ends with it. */
nf_rc nf_attrib_people(const nf_cdoc *d, char ***out, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < d->nt;) {
        if (!name_word(d, i) || demonym(d, i)) {
            i++;
            continue;
        }
        size_t e = d->sent_t0[d->t[i].sent + 1];
        size_t z = run_fwd(d, i, e);
        if (z <= i) {
            i++;
            continue;
        }
        /* "CIA Director Mike Pompeo": the person starts after the last title */
        uint32_t kind = 0, c0 = 0, c1 = 0;
        char *key = nf_attrib_key2(d, (uint32_t)i, (uint32_t)z, &kind, &c0, &c1);
        if (!key)
            return NF_ENOMEM;
        size_t a = c0;
        z = c1;
        if (kind == NF_SRC_PERSON && strchr(key, ' ') && !junk_name(d, c0, c1)) {
            /* "key\0printed name" in one allocation */
            size_t kl = strlen(key), nl = d->t[z - 1].end - d->t[a].start;
            const char *pe = d->text + d->t[a].start;
            if (nl > 2 && !strncmp(pe + nl - 2, "'s", 2))
                nl -= 2;
            else if (nl > 4 && !strncmp(pe + nl - 4, "\xe2\x80\x99s", 4))
                nl -= 4;
            char *e2 = realloc(key, kl + nl + 2);
            if (!e2) {
                free(key);
                return NF_ENOMEM;
            }
            key = e2;
            memcpy(key + kl + 1, d->text + d->t[a].start, nl);
            key[kl + 1 + nl] = 0;
            if (nf_grow((void **)out, cap, *n + 1, sizeof **out)) {
                free(key);
                return NF_ENOMEM;
            }
            (*out)[(*n)++] = key;
        } else {
            free(key);
        }
        i = z;
    }
    return NF_OK;
}

/* ---- speakers of quotes ---- */

/* Look for a speech cue in sentence s outside the quoted tokens [q0, q1); nearest first. */
static int speaker_in(const nf_cdoc *d, const nf_rawcites *rc, uint32_t s, uint32_t q0,
                      uint32_t q1, np *out)
{
    size_t b = d->sent_t0[s], e = d->sent_t0[s + 1];
    int best = 0;
    bool speech = false;
    size_t bestdist = SIZE_MAX;
    for (size_t i = b; i < e; i++) {
        if (lw_in(d, i, SPEECH) && !(d->t[i].flags & NF_TF_QUOTED))
            speech = true;
        if ((i >= q0 && i < q1) || (d->t[i].flags & NF_TF_QUOTED) || !is_w(d, i))
            continue;
        np p = {0};
        int got = 0;
        if (lw_in(d, i, SPEECH) && !(i > b && (lw_is(d, i - 1, "was") || lw_is(d, i - 1, "were")))) {
            if (subject_before(d, b, i, &p))
                got = 1;
            else if (p.d1 > p.d0)
                got = resolve_unnamed(d, rc, &p, &p) ? 1 : 2;
            else if (!lw_is(d, i, "told") && (i == b || !is_w(d, i - 1))
                     && name_after(d, i + 1, e, 2, &p))
                got = 1;
            else if (!lw_is(d, i, "told") && (i == b || !is_w(d, i - 1)) && p.d1 > p.d0)
                got = 2;
            else if (i > b && (lw_is(d, i - 1, "but") || lw_is(d, i - 1, "and"))) {
                /* "Peskov could not confirm the report but said ...": the earlier subject */
                for (size_t k = rc->n; k-- > 0;)
                    if (rc->c[k].sent == s && rc->c[k].t1 <= i && rc->c[k].kind == NF_SRC_PERSON) {
                        p.n0 = rc->c[k].t0;
                        p.n1 = rc->c[k].t1;
                        got = 1;
                        break;
                    }
            }
        } else if (lw_is(d, i, "according") && i + 1 < e && lw_is(d, i + 1, "to")) {
            if (name_after(d, i + 2, e, 2, &p))
                got = 1;
        }
        if (got == 2 && p.d1 - p.d0 == 1 && lw_in(d, p.d0, PRONOUNS))
            got = 0;
        if (!got)
            continue;
        size_t dist = i < q0 ? q0 - i : i - q1;
        /* a speech verb beats "according to" at any distance */
        if (lw_is(d, i, "according"))
            dist += 1000;
        if (dist >= 1000 && speech)
            continue;
        if (dist < bestdist) {
            bestdist = dist;
            best = got;
            *out = p;
        }
    }
    return best;
}

int nf_attrib_speaker(const nf_cdoc *d, const nf_rawcites *rc, uint32_t q0, uint32_t q1,
                      uint32_t *n0, uint32_t *n1, uint32_t *d0, uint32_t *d1)
{
    if (q0 >= d->nt)
        return 0;
    np p = {0};
    uint32_t s = d->t[q0].sent;
    int got = speaker_in(d, rc, s, q0, q1, &p);
    /* a quote standing alone: the sentence before it names the speaker; then the one after */
    if (!got && s > 0)
        got = speaker_in(d, rc, s - 1, q0, q1, &p);
    if (!got && q1 > 0 && d->t[q1 - 1].sent + 1 < d->nsent && d->t[q1 - 1].sent == s) {
        uint32_t nx = s + 1;
        if (d->sent_t0[nx + 1] - d->sent_t0[nx] <= 8)
            got = speaker_in(d, rc, nx, q0, q1, &p);
    }
    (void)0;
    if (got == 1) {
        *n0 = p.n0;
        *n1 = p.n1;
    } else if (got == 2) {
        *d0 = p.d0;
        *d1 = p.d1;
    }
    return got;
}

const char *nf_cue_name(uint32_t cue)
{
    static const char *const names[] = {"", "reported", "according_to", "citing", "said", "told",
        "told_to", "per", "could_not_confirm", "no_response", "dateline", "wire"};
    return cue < NF_ARRAY_LEN(names) ? names[cue] : "unknown";
}
