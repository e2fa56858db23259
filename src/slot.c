/*
 * slot.c — the values of one sentence that can disagree across outlets: counts ("12 people"),
 * amounts ("$5 million"), percentages ("over 80 per cent"), dates ("by April 1", "March
 * 2024") and officials' names in a role ("Health Minister Jane Doe").
 *
 * Key idea: a value is an interval, not a number, so restatements agree by construction.
 * "over 80 per cent" and "more than 80%" are both [80, inf); "about 80%" is [68, 92]; "April"
 * is April 1-30 and "the end of March" runs to April 1. Two values differ only when their
 * intervals are disjoint. Each slot also carries a unit key (the counted noun, the currency,
 * "%", the role) so that only like is compared with like; dates carry no unit and rely on the
 * caller's context alignment.
 *
 * Policies: a number inside a name ("iPhone 14", "Rossiya-24") is no slot; a four-digit number
 * 1900-2099 is a year, not a count; weekdays and relative dates are ignored.
 */
#include "nf_int.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>

static const char *const MONTHS[] = {"january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december"};
static const char *const MON3[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
    "sep", "oct", "nov", "dec"};
static const char *const NUMWORDS[] = {"zero", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
    "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
static const char *const ROLEWORDS[] = {"spokesman", "spokeswoman", "spokesperson", "minister",
    "secretary", "director", "president", "chief", "governor", "mayor", "ambassador", "chairman",
    "chairwoman", "ceo", "adviser", "advisor", "commissioner", "prosecutor", "general", "leader",
    "premier", "chancellor", "attorney", "sheriff", "commander", "head", NULL};

static bool lw_is(const nf_cdoc *d, size_t i, const char *w) { return !strcmp(d->t[i].lw, w); }

/* Months, number words and role words by hash (the folded word's nf_hash_str): one probe per
 * token instead of a strcmp per list entry. value: month 1-12 | (number word + 1) << 8 |
 * role << 16. */
#define WORD_SLOTS 512
static struct { uint64_t h; uint32_t v; } words[WORD_SLOTS];
static pthread_once_t words_once = PTHREAD_ONCE_INIT;

static void words_put(const char *w, uint32_t v)
{
    uint64_t h = nf_hash_str(w, strlen(w));
    size_t k = h & (WORD_SLOTS - 1);
    while (words[k].v && words[k].h != h)
        k = (k + 1) & (WORD_SLOTS - 1);
    words[k].h = h;
    words[k].v |= v;
}

static void words_build(void)
{
    for (uint32_t m = 0; m < 12; m++) {
        words_put(MONTHS[m], m + 1);
        if (m != 4)
            words_put(MON3[m], m + 1);
        char dot[8];
        snprintf(dot, sizeof dot, "%s.", MON3[m]);
        words_put(dot, m + 1);
    }
    words_put("sept", 9);
    words_put("sept.", 9);
    for (uint32_t k = 0; k < NF_ARRAY_LEN(NUMWORDS); k++)
        words_put(NUMWORDS[k], (k + 1) << 8);
    for (const char *const *w = ROLEWORDS; *w; w++)
        words_put(*w, 1u << 16);
}

static uint32_t word_class(const nf_cdoc *d, size_t i)
{
    pthread_once(&words_once, words_build);
    uint64_t h = d->t[i].h;
    for (size_t k = h & (WORD_SLOTS - 1); words[k].v; k = (k + 1) & (WORD_SLOTS - 1))
        if (words[k].h == h)
            return words[k].v;
    return 0;
}
static bool is_w(const nf_cdoc *d, size_t i) { return d->t[i].flags & NF_CT_WORD; }
static bool capw(const nf_cdoc *d, size_t i)
{
    unsigned char c = (unsigned char)d->text[d->t[i].start];
    return d->t[i].kind == NF_TOK_WORD && ((d->t[i].flags & NF_TF_CAP) || (c >= 'A' && c <= 'Z'));
}

static bool punct_is_dot(const nf_cdoc *d, size_t i)
{
    return d->t[i].kind == NF_TOK_PUNCT && !strcmp(d->t[i].lw, ".");
}

static int month_of(const nf_cdoc *d, size_t i)
{
    if (!is_w(d, i))
        return 0;
    return (int)(word_class(d, i) & 0xff);
}

/* numeric value of token i: digits with separators, or a number word; NAN when none */
static double num_of(const nf_cdoc *d, size_t i)
{
    if (d->t[i].kind == NF_TOK_NUM) {
        char buf[48];
        size_t k = 0;
        for (const char *p = d->t[i].lw; *p && k + 1 < sizeof buf; p++)
            if (*p != ',')
                buf[k++] = *p;
        buf[k] = 0;
        char *end;
        double v = strtod(buf, &end);
        return end != buf && (*end == 0 || !strcmp(end, "%") || !strcmp(end, "th") || !strcmp(end, "st")
                              || !strcmp(end, "nd") || !strcmp(end, "rd")) ? v : NAN;
    }
    if (is_w(d, i)) {
        uint32_t v = (word_class(d, i) >> 8) & 0xff;
        if (v)
            return (double)(v - 1);
    }
    return NAN;
}

/* a qualifier before token i: returns 1 at least, -1 at most, 2 approximately, 0 exact */
static int qualifier(const nf_cdoc *d, size_t b, size_t i)
{
    static const char *const up1[] = {"over", "above", "exceeding", NULL};
    static const char *const up2[][2] = {{"more", "than"}, {"at", "least"}, {"upwards", "of"},
                                         {"greater", "than"}, {"higher", "than"}};
    static const char *const dn2[][2] = {{"less", "than"}, {"fewer", "than"}, {"up", "to"},
                                         {"at", "most"}, {"lower", "than"}};
    static const char *const dn1[] = {"under", "below", "nearly", "almost", NULL};
    static const char *const ap1[] = {"about", "around", "roughly", "approximately", "some",
                                      "estimated", "circa", "nearly", NULL};
    if (i > b && d->t[i - 1].kind == NF_TOK_PUNCT && (d->t[i - 1].lw[0] == '$'
        || !strncmp(d->t[i - 1].lw, "\xe2\x82\xac", 3) || !strncmp(d->t[i - 1].lw, "\xc2\xa3", 2)))
        i--;
    if (i == b)
        return 0;
    for (const char *const *w = up1; *w; w++)
        if (lw_is(d, i - 1, *w))
            return 1;
    for (const char *const *w = dn1; *w; w++)
        if (lw_is(d, i - 1, *w))
            return -1;
    for (const char *const *w = ap1; *w; w++)
        if (lw_is(d, i - 1, *w))
            return 2;
    if (i - 1 > b)
        for (size_t k = 0; k < NF_ARRAY_LEN(up2); k++)
            if (lw_is(d, i - 2, up2[k][0]) && lw_is(d, i - 1, up2[k][1]))
                return 1;
    if (i - 1 > b)
        for (size_t k = 0; k < NF_ARRAY_LEN(dn2); k++)
            if (lw_is(d, i - 2, dn2[k][0]) && lw_is(d, i - 1, dn2[k][1]))
                return -1;
    return 0;
}

static void interval(double v, int q, double *lo, double *hi)
{
    *lo = *hi = v;
    if (q == 1)
        *hi = INFINITY;
    else if (q == -1)
        *lo = -INFINITY;
    else if (q == 2)
        *lo = v * 0.85, *hi = v * 1.15;
}

static nf_rc push(nf_slot **out, size_t *n, size_t *cap, const nf_slot *s)
{
    if (nf_grow((void **)out, cap, *n + 1, sizeof **out))
        return NF_ENOMEM;
    (*out)[(*n)++] = *s;
    return NF_OK;
}

static bool is_year(double v) { return v >= 1900 && v <= 2099 && v == floor(v); }

/* dates: "April 1", "1 April", "April 1, 2023", "March 2024", "end of March", "in 2020" */
static size_t date_at(const nf_cdoc *d, size_t b, size_t e, size_t i, nf_slot *s)
{
    int m = month_of(d, i);
    size_t z = i + 1;
    double day = NAN, year = NAN;
    if (m) {
        /* "may" is a month only next to a number */
        if (m == 5 && !(z < e && !isnan(num_of(d, z))) && !(i > b && !isnan(num_of(d, i - 1))))
            return 0;
        if (z < e && punct_is_dot(d, z) && z + 1 < e && d->t[z + 1].kind == NF_TOK_NUM)
            z++;     /* "Feb . 8" */
        if (z < e && d->t[z].kind == NF_TOK_NUM) {
            double v = num_of(d, z);
            if (v >= 1 && v <= 31) {
                day = v;
                z++;
                if (z + 1 < e && d->t[z].lw[0] == ',' && d->t[z + 1].kind == NF_TOK_NUM
                    && is_year(num_of(d, z + 1))) {
                    year = num_of(d, z + 1);
                    z += 2;
                }
            } else if (is_year(v)) {
                year = v;
                z++;
            }
        }
        if (isnan(day) && i > b && d->t[i - 1].kind == NF_TOK_NUM) {
            double v = num_of(d, i - 1);
            if (v >= 1 && v <= 31) {
                day = v;
                s->t0 = (uint32_t)(i - 1);
            }
        }
        if (s->t0 != i - 1 || isnan(day))
            s->t0 = (uint32_t)i;
        double base = (m - 1) * 31.0;
        if (!isnan(day)) {
            s->lo = s->hi = base + day;
        } else {
            s->lo = base + 1;
            s->hi = base + 31;
            /* "the end of March" reaches the first of the next month; "early/mid/late" narrow */
            if (i >= 2 && lw_is(d, i - 1, "of") && lw_is(d, i - 2, "end"))
                s->lo = base + 20, s->hi = base + 32;
            else if (i >= 1 && (lw_is(d, i - 1, "late")))
                s->lo = base + 18;
            else if (i >= 1 && (lw_is(d, i - 1, "early")))
                s->hi = base + 12;
        }
        s->year = isnan(year) ? 0 : (int32_t)year;
        s->t1 = (uint32_t)z;
        s->day = isnan(day) ? 0 : (int32_t)day;
        if (s->year)
            snprintf(s->norm, sizeof s->norm, "%04d-%02d-%02d", s->year, m, isnan(day) ? 0 : (int)day);
        else
            snprintf(s->norm, sizeof s->norm, "%02d-%02d", m, isnan(day) ? 0 : (int)day);
        return z;
    }
    if (d->t[i].kind == NF_TOK_NUM && is_year(num_of(d, i)) && i > b
        && (lw_is(d, i - 1, "in") || lw_is(d, i - 1, "since") || lw_is(d, i - 1, "by")
            || lw_is(d, i - 1, "until") || lw_is(d, i - 1, "of"))) {
        s->year = (int32_t)num_of(d, i);
        s->lo = 1;
        s->hi = 12 * 31;
        s->t0 = (uint32_t)i;
        s->t1 = (uint32_t)(i + 1);
        snprintf(s->norm, sizeof s->norm, "%04d", s->year);
        return i + 1;
    }
    return 0;
}

static bool role_word(const nf_cdoc *d, size_t i)
{
    return (word_class(d, i) >> 16) & 1;
}

/* "Kremlin spokesman Dmitry Peskov", "Health Minister Jane Doe", "Secretary of State Mike
 * Pompeo": a role word right before a name of >= 2 capitalised words. */
static size_t official_at(const nf_cdoc *d, size_t b, size_t e, size_t i, nf_slot *s)
{
    if (!is_w(d, i) || !role_word(d, i))
        return 0;
    size_t r = i + 1;
    if (r + 1 < e && lw_is(d, r, "of") && capw(d, r + 1))
        r += 2;
    size_t n0 = r, n = r;
    while (n < e && capw(d, n) && n - n0 < 4 && !role_word(d, n))
        n++;
    if (n - n0 < 2)
        return 0;
    /* the role: up to two words before the role word that are modifiers (not stop words) */
    size_t r0 = i;
    while (r0 > b && i - r0 < 2 && is_w(d, r0 - 1) && !(d->t[r0 - 1].flags & NF_CT_STOP)
           && d->t[r0 - 1].kind == NF_TOK_WORD)
        r0--;
    if (r0 == i && r == i + 1)
        return 0;   /* a bare "President": which country's? a role needs a modifier */
    uint64_t key = 0x51ed27;
    for (size_t k = r0; k < r; k++)
        key = key * 31 + d->t[k].h;
    s->unit = key | 1;
    s->t0 = (uint32_t)n0;
    s->t1 = (uint32_t)n;
    s->lo = s->hi = 0;
    size_t o = 0;
    for (size_t k = n0; k < n && o + 1 < sizeof s->norm; k++) {
        int w = snprintf(s->norm + o, sizeof s->norm - o, "%s%s", o ? " " : "", d->t[k].lw);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (o >= sizeof s->norm)
        s->norm[sizeof s->norm - 1] = 0;
    return n;
}

nf_rc nf_slots_sentence(const nf_cdoc *d, uint32_t sent, nf_slot **out, size_t *n, size_t *cap)
{
    size_t b = d->sent_t0[sent], e = d->sent_t0[sent + 1];
    for (size_t i = b; i < e;) {
        nf_slot s;
        memset(&s, 0, sizeof s);
        s.sent = sent;
        size_t z;
        if ((z = date_at(d, b, e, i, &s))) {
            s.kind = NF_SLOT_DATE;
            if (push(out, n, cap, &s))
                return NF_ENOMEM;
            i = z;
            continue;
        }
        if ((z = official_at(d, b, e, i, &s))) {
            s.kind = NF_SLOT_OFFICIAL;
            if (push(out, n, cap, &s))
                return NF_ENOMEM;
            i = z;
            continue;
        }
        double v = num_of(d, i);
        if (isnan(v) || (d->t[i].kind == NF_TOK_WORD && i > b && (d->t[i].flags & NF_TF_SENT) == 0
                         && (lw_is(d, i, "one")))) {
            i++;
            continue;
        }
        /* a number inside a name, a year, a time of day, a number glued to a word */
        if ((i > b && capw(d, i - 1) && d->t[i].kind == NF_TOK_NUM) || (d->t[i].kind == NF_TOK_NUM
            && is_year(v)) || (i + 1 < e && d->t[i + 1].lw[0] == ':')) {
            i++;
            continue;
        }
        int q = qualifier(d, b, i);
        size_t j = i + 1;
        double mult = 1;
        if (j < e && (lw_is(d, j, "million") || lw_is(d, j, "m")))
            mult = 1e6, j++;
        else if (j < e && (lw_is(d, j, "billion") || lw_is(d, j, "bn")))
            mult = 1e9, j++;
        else if (j < e && lw_is(d, j, "trillion"))
            mult = 1e12, j++;
        else if (j < e && lw_is(d, j, "thousand"))
            mult = 1e3, j++;
        else if (j < e && lw_is(d, j, "hundred"))
            mult = 1e2, j++;
        v *= mult;
        bool cur = i > b && d->t[i - 1].kind == NF_TOK_PUNCT && (d->t[i - 1].lw[0] == '$'
                   || !strncmp(d->t[i - 1].lw, "\xe2\x82\xac", 3) || !strncmp(d->t[i - 1].lw, "\xc2\xa3", 2));
        s.t0 = (uint32_t)(cur ? i - 1 : i);
        bool glued = d->t[i].kind == NF_TOK_NUM && d->t[i].len > 1
                     && d->t[i].lw[d->t[i].len - 1] == '%';     /* "80%" as one token */
        if (glued || (j < e && (d->t[j].lw[0] == '%' || lw_is(d, j, "percent") || lw_is(d, j, "pct")
                      || (lw_is(d, j, "per") && j + 1 < e && lw_is(d, j + 1, "cent"))))) {
            s.kind = NF_SLOT_PERCENT;
            if (!glued)
                j += lw_is(d, j, "per") ? 2 : 1;
            s.unit = nf_hash_str("%", 1);
            snprintf(s.norm, sizeof s.norm, "%s%g%%", q == 1 ? ">=" : q == -1 ? "<=" : q == 2 ? "~" : "", v);
        } else if (cur || (j < e && (lw_is(d, j, "dollars") || lw_is(d, j, "euros")
                                     || lw_is(d, j, "pounds") || lw_is(d, j, "rubles")
                                     || lw_is(d, j, "roubles") || lw_is(d, j, "yuan")))) {
            s.kind = NF_SLOT_AMOUNT;
            const char *c = cur ? d->t[i - 1].lw : d->t[j].lw;
            s.unit = nf_hash_str(c, strlen(c)) | 1;
            if (!cur)
                j++;
            snprintf(s.norm, sizeof s.norm, "%s%s%g", q == 1 ? ">=" : q == -1 ? "<=" : q == 2 ? "~" : "",
                     cur ? c : "", v);
        } else {
            /* a count: the counted noun after it, else the content word before it */
            s.kind = NF_SLOT_COUNT;
            size_t u = j;
            while (u < e && u < j + 2 && is_w(d, u) && (d->t[u].flags & NF_CT_STOP) == 0
                   && d->t[u].kind == NF_TOK_WORD && !capw(d, u) && u + 1 < e && is_w(d, u + 1)
                   && !(d->t[u + 1].flags & NF_CT_STOP) && !capw(d, u + 1)
                   && d->t[u + 1].kind == NF_TOK_WORD && month_of(d, u + 1) == 0)
                u++;    /* "three rebel towns": the noun is the last of a short run */
            if (j < e && is_w(d, j) && d->t[j].kind == NF_TOK_WORD && !(d->t[j].flags & NF_CT_STOP)
                && !capw(d, j)) {
                /* the whole counted phrase: "three ballistic missiles" is not "23 missiles" */
                s.unit = d->t[j].stem;
                for (size_t k = j + 1; k <= u; k++)
                    s.unit = (s.unit * 0x100000001b3ull) ^ d->t[k].stem;
                s.unit |= 1;
                if (u == j)
                    j++;
                else
                    j = u + 1;
            } else {
                size_t k = i;
                while (k > b && i - k < 3 && !(is_w(d, k - 1) && d->t[k - 1].stem))
                    k--;
                if (k > b && is_w(d, k - 1) && d->t[k - 1].stem)
                    s.unit = d->t[k - 1].stem;
            }
            if (!s.unit) {
                i = j;
                continue;
            }
            snprintf(s.norm, sizeof s.norm, "%s%g", q == 1 ? ">=" : q == -1 ? "<=" : q == 2 ? "~" : "", v);
        }
        interval(v, q, &s.lo, &s.hi);
        s.t1 = (uint32_t)j;
        if (push(out, n, cap, &s))
            return NF_ENOMEM;
        i = j;
    }
    return NF_OK;
}

const char *nf_slot_kind_name(uint32_t kind)
{
    static const char *const names[] = {"", "count", "amount", "percent", "date", "official"};
    return kind < NF_ARRAY_LEN(names) ? names[kind] : "unknown";
}
