/*
 * clean.c — find scrape residue inside article text: photo captions and credits, "Read the
 * original article on X", newsletter sign-ups, share buttons, advert markers, bylines.
 *
 * Key idea: residue comes in whole lines, and each kind has a recognisable shape: a fixed lead
 * phrase ("Read the original article on", "Sign up for ... newsletter"), a fixed whole line
 * ("Advertisement", "Share this article"), or a photo credit at the end ("... / Associated
 * Press", "(AP Photo/Evan Vucci)", "REUTERS/Name"). A caption is a line that opens like one
 * ("A headshot of", "Pictured:", "File photo") or that sits directly on top of a credit line.
 *
 * Policy: conservative. Deleting a sentence of the article is worse than keeping a stray credit,
 * so every rule requires a short line (residue is short), and lines that open with a quotation
 * mark or run longer than CLEAN_MAX_LINE bytes are never residue. Lines are judged one by one
 * (plus the next line for captions), so the bullet summary at the top of a Business Insider
 * story ("  • Some Russian officials ...") stays: it matches no rule.
 *
 * Invariants: removed spans are whole lines including their newline, in order, disjoint;
 * nf_clean_apply copies the kept bytes unchanged.
 */
#include "nf_int.h"
#include <stdlib.h>
#include <strings.h>

#define CLEAN_MAX_LINE 400      /* longer lines are content, always */

typedef struct line { const char *p; size_t n; } line;

static bool is_sp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Trim ASCII white space and NBSP at both ends. */
static line trim(const char *p, size_t n)
{
    for (;;) {
        if (n && is_sp(p[0])) { p++; n--; }
        else if (n >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) { p += 2; n -= 2; }
        else break;
    }
    for (;;) {
        if (n && is_sp(p[n - 1])) n--;
        else if (n >= 2 && (unsigned char)p[n - 2] == 0xC2 && (unsigned char)p[n - 1] == 0xA0) n -= 2;
        else break;
    }
    return (line){p, n};
}

static bool starts(line l, const char *pre)
{
    size_t k = strlen(pre);
    return l.n >= k && strncasecmp(l.p, pre, k) == 0;
}

static bool ends(line l, const char *suf)
{
    size_t k = strlen(suf);
    return l.n >= k && strncasecmp(l.p + l.n - k, suf, k) == 0;
}

static bool contains(line l, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= l.n; i++)
        if (strncasecmp(l.p + i, w, k) == 0)
            return true;
    return false;
}

/* The line without trailing punctuation and spaces, compared whole, ignoring case. */
static bool is_whole(line l, const char *w)
{
    while (l.n && (l.p[l.n - 1] == '.' || l.p[l.n - 1] == ':' || l.p[l.n - 1] == '!' ||
                   is_sp(l.p[l.n - 1])))
        l.n--;
    return l.n == strlen(w) && strncasecmp(l.p, w, l.n) == 0;
}

static bool any_starts(line l, const char *const *list)
{
    for (; *list; list++)
        if (starts(l, *list))
            return true;
    return false;
}

static bool any_whole(line l, const char *const *list)
{
    for (; *list; list++)
        if (is_whole(l, *list))
            return true;
    return false;
}

static bool terminal(line l)
{
    if (!l.n)
        return false;
    char c = l.p[l.n - 1];
    return c == '.' || c == '!' || c == '?' || c == '"' ||
           ((unsigned char)c == 0x9D && ends(l, "\xE2\x80\x9D"));
}

static bool opens_quote(line l)
{
    if (!l.n || !(l.p[0] == '"' || l.p[0] == '`' || (unsigned char)l.p[0] == 0xE2 ||
                  (unsigned char)l.p[0] == 0xC2))
        return false;
    return starts(l, "\"") || starts(l, "\xE2\x80\x9C") || starts(l, "\xC2\xAB") ||
           starts(l, "\xE2\x80\x9E") || starts(l, "``");
}

/* Photo agencies and credit words that close a credit ("Name / Agency", "Name/Getty Images"). */
static const char *const agencies[] = {
    "Associated Press", "AP", "AP Photo", "Reuters", "AFP", "AFP via Getty Images",
    "Getty Images", "Getty", "EPA", "EPA-EFE", "Bloomberg", "Bloomberg via Getty Images",
    "Shutterstock", "Alamy", "Alamy Stock Photo", "Sipa", "Sipa USA", "Xinhua", "TASS", "Sputnik",
    "Anadolu Agency", "NurPhoto", "SOPA Images", "ZUMA Press", "ZUMA Wire", "PA", "PA Images",
    "PA Wire", "UPI", "Pool", "Handout", "iStock", "Wikimedia Commons", "Business Insider",
    "The New York Times", "The Washington Post", "Kremlin Pool", "Sputnik/Kremlin", "Courtesy",
    NULL};

static bool credit_tail(line l)
{
    if (!memchr(l.p, '/', l.n) && !memmem(l.p, l.n, "via ", 4))
        return false;
    for (const char *const *a = agencies; *a; a++) {
        if (!ends(l, *a))
            continue;
        size_t k = l.n - strlen(*a);
        while (k && is_sp(l.p[k - 1]))
            k--;
        if (k && l.p[k - 1] == '/')
            return true;                            /* ... / Associated Press */
        if (k >= 3 && strncasecmp(l.p + k - 3, "via", 3) == 0)
            return true;                            /* ... via Getty Images */
    }
    return false;
}

static bool is_credit(line l)
{
    static const char *const lead[] = {"Photo:", "Photo by ", "Photograph:", "Photograph by ",
                                       "Photos:", "Image:", "Image credit", "Picture:",
                                       "Credit:", "Photo credit", "(Photo:", "(Photo by ",
                                       "(AP Photo", "(Reuters/", "(REUTERS/", "(Getty", NULL};
    static const char *const whole[] = {"Getty Images", "Getty", "Associated Press", "AP Photo",
                                        "Reuters", "AFP", "Shutterstock", "AFP via Getty Images",
                                        NULL};
    if (l.n > 300)
        return false;
    if (credit_tail(l) || any_starts(l, lead) || (l.n < 48 && any_whole(l, whole)))
        return true;
    if (memmem(l.p, l.n, "AP Photo/", 9) || memmem(l.p, l.n, "REUTERS/", 8))
        return true;                                /* case matters: "a Reuters/Ipsos poll" */
    /* "Reuters/Jane Doe" as a short unpunctuated line; "a Reuters/Ipsos poll found ..." ends
     * with a full stop and stays */
    if (l.n < 200 && !terminal(l) &&
        (memmem(l.p, l.n, "Reuters/", 8) || memmem(l.p, l.n, "Getty Images", 12)))
        return true;
    return false;
}

/* The lead words of every prefix and whole-line rule, lower case, by first character. A line
 * that starts with none of them skips those rule lists; credit rules need a '/', "via " or
 * "Getty Images" instead. This gate keeps the cleaner fast on article text; it must stay a
 * superset of the rules (test_clean runs an example line of each rule). */
static const char *const lead_by_char[26] = {
    ['a' - 'a'] = "a headshot|a photo|an image|advertisement|article continues|ap photo|"
                  "associated|afp",
    ['b' - 'a'] = "by ",
    ['c' - 'a'] = "click|continue|credit|comments",
    ['e' - 'a'] = "email",
    ['f' - 'a'] = "follow|file",
    ['g' - 'a'] = "get our|get the|getty",
    ['i' - 'a'] = "in this|image",
    ['l' - 'a'] = "like us",
    ['o' - 'a'] = "originally",
    ['p' - 'a'] = "photo|picture|print",
    ['r' - 'a'] = "read|related|reuters",
    ['s' - 'a'] = "sign up|subscribe|share|story continues|skip|sponsored|see also|shutterstock",
    ['t' - 'a'] = "this article|this story|tweet",
};

static bool lead_match(line l)
{
    if (l.p[0] == '(')
        return true;
    char low[24];
    size_t k = NF_MIN(l.n, sizeof low);
    for (size_t i = 0; i < k; i++)
        low[i] = (char)(l.p[i] >= 'A' && l.p[i] <= 'Z' ? l.p[i] + 32 : l.p[i]);
    if (low[0] < 'a' || low[0] > 'z' || !lead_by_char[low[0] - 'a'])
        return false;
    for (const char *p = lead_by_char[low[0] - 'a']; *p;) {
        const char *e = strchr(p, '|');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m <= k && memcmp(low, p, m) == 0)
            return true;
        p += m + (e != NULL);
    }
    return false;
}

static int classify(line l)
{
    static const char *const readmore[] = {"Read the original article on", "Read more:",
                                           "Read More:", "Read more at", "Read more from",
                                           "Read more here", "Read next:", "Related:",
                                           "This article originally appeared on",
                                           "This article was originally published",
                                           "This story originally appeared on",
                                           "Originally published on", "Click here to read",
                                           "Continue reading", "Read the full story", NULL};
    static const char *const readmore_whole[] = {"Read more", "Read More", "See also", NULL};
    static const char *const signup[] = {"Sign up for", "Sign up to", "Sign up here",
                                         "Subscribe to", "Subscribe now", "Subscribe for",
                                         "Get our free", "Get the latest", NULL};
    static const char *const share[] = {"Share this article", "Share this story",
                                        "Share on Facebook", "Share on Twitter", "Follow us on",
                                        "Click here", "Like us on Facebook", NULL};
    static const char *const share_whole[] = {"Share", "Tweet", "Email", "Print", "Share this",
                                              "Comments", NULL};
    static const char *const advert[] = {"Advertisement", "ADVERTISEMENT", "Story continues below",
                                         "Story continues below advertisement",
                                         "Article continues below", "Continue reading below",
                                         "Skip Advertisement", "Sponsored", "Sponsored content",
                                         NULL};
    static const char *const caption[] = {"A headshot of", "Pictured:", "Pictured above",
                                          "File photo", "FILE PHOTO", "FILE -", "FILE:",
                                          "In this photo", "In this file photo",
                                          "Photo illustration", "A photo of", "An image of", NULL};
    if (l.n == 0 || l.n > CLEAN_MAX_LINE || opens_quote(l))
        return 0;
    if (!lead_match(l)) {
        /* credit forms without a lead word end in an agency name (no full stop) or hold '/' */
        if ((!terminal(l) || memchr(l.p, '/', l.n)) && is_credit(l))
            return NF_RES_CREDIT;
        return 0;
    }
    if (any_starts(l, readmore) || (l.n < 40 && any_whole(l, readmore_whole)))
        return NF_RES_READMORE;
    if (l.n < 200 && any_starts(l, signup) &&
        (contains(l, "newsletter") || contains(l, "email") || contains(l, "inbox") ||
         contains(l, "alerts") || contains(l, "updates") || contains(l, "briefing") ||
         contains(l, "free") || contains(l, "podcast") || contains(l, "our ")))
        return NF_RES_SIGNUP;
    if ((l.n < 120 && any_starts(l, share)) || (l.n < 48 && any_whole(l, share_whole)))
        return NF_RES_SHARE;
    if (l.n < 48 && any_whole(l, advert))
        return NF_RES_ADVERT;
    if (any_starts(l, caption))
        return NF_RES_CAPTION;
    if (is_credit(l))
        return NF_RES_CREDIT;
    return 0;
}

/* "By Jane Doe" / "By Jane Doe and John Roe": 2-6 capitalised words, no digits, no stop. */
static bool is_byline(line l)
{
    if (l.n < 3 || l.n > 80 || (l.p[0] != 'B' && l.p[0] != 'b') || !starts(l, "By ") || terminal(l))
        return false;
    int words = 0;
    for (size_t i = 3; i < l.n;) {
        while (i < l.n && (l.p[i] == ' ' || l.p[i] == ','))
            i++;
        if (i >= l.n)
            break;
        size_t j = i;
        while (j < l.n && l.p[j] != ' ' && l.p[j] != ',')
            j++;
        bool cap = (l.p[i] >= 'A' && l.p[i] <= 'Z') || (unsigned char)l.p[i] >= 0x80;
        bool joiner = (j - i == 3 && !strncmp(l.p + i, "and", 3)) ||
                      (j - i <= 3 && l.p[i] >= 'a' && l.p[i] <= 'z' && words > 0);
        if (!cap && !joiner)
            return false;
        for (size_t k = i; k < j; k++)
            if (l.p[k] >= '0' && l.p[k] <= '9')
                return false;
        words++;
        i = j;
    }
    return words >= 2 && words <= 6;
}

static nf_rc add(nf_cleaning *c, size_t a, size_t b, int why)
{
    if (nf_grow((void **)&c->rm, &c->cap, c->n + 1, sizeof *c->rm))
        return NF_ENOMEM;
    c->rm[c->n++] = (nf_removed){{(uint32_t)a, (uint32_t)b}, (uint32_t)why};
    return NF_OK;
}

void nf_cleaning_reset(nf_cleaning *c)
{
    free(c->rm);
    c->rm = NULL;
    c->n = c->cap = 0;
}

nf_rc nf_clean(const char *s, size_t n, nf_cleaning *c)
{
    c->n = 0;
    if (n > UINT32_MAX - 1)
        return NF_ETOOBIG;
    if (n && !s)
        return NF_EINVAL;
    size_t a = 0;
    int pending = 0;                /* class of the previous line, if it may be a caption */
    size_t pa = 0, pb = 0;
    while (a < n) {
        const char *nl = memchr(s + a, '\n', n - a);
        size_t b = nl ? (size_t)(nl - s) + 1 : n;
        line l = trim(s + a, (nl ? (size_t)(nl - s) : n) - a);
        int why = classify(l);
        if (!why && is_byline(l))
            why = NF_RES_BYLINE;
        /* a short line sitting directly on a credit line is that photo's caption */
        if (why == NF_RES_CREDIT && pending && add(c, pa, pb, NF_RES_CAPTION))
            return NF_ENOMEM;
        pending = 0;
        if (why && add(c, a, b, why))
            return NF_ENOMEM;
        if (!why && l.n > 0 && l.n <= 300 && !opens_quote(l)) {
            pending = 1;
            pa = a;
            pb = b;
        }
        a = b;
    }
    return NF_OK;
}

nf_rc nf_clean_apply(const char *s, size_t n, const nf_cleaning *c, nf_buf *out)
{
    size_t pos = 0;
    nf_rc rc;
    for (size_t i = 0; i < c->n; i++) {
        nf_span sp = c->rm[i].span;
        if (sp.start < pos || sp.end < sp.start || sp.end > n)
            return NF_EINVAL;
        if ((rc = nf_buf_append(out, s + pos, sp.start - pos)))
            return rc;
        pos = sp.end;
    }
    return nf_buf_append(out, s + pos, n - pos);
}

const char *nf_residue_name(uint32_t why)
{
    switch (why) {
    case NF_RES_CAPTION: return "caption";
    case NF_RES_CREDIT: return "credit";
    case NF_RES_READMORE: return "read-more";
    case NF_RES_SIGNUP: return "sign-up";
    case NF_RES_SHARE: return "share";
    case NF_RES_ADVERT: return "advert";
    case NF_RES_BYLINE: return "byline";
    case NF_RES_OTHER: return "other";
    }
    return "unknown";
}
