/*
 * date.c — ISO 8601 dates and date-times to seconds since the epoch, and the host of a URL.
 *
 * Dates: a strict hand-written parser (no strptime, no locale, no TZ): calendar dates in the
 * extended (2023-03-20) or basic (20230320) form, optionally followed by 'T', 't' or one space
 * and a time hh[:mm[:ss[.frac]]] (or hhmm[ss]), then a zone or nothing (read as UTC).
 * Dates in English words, as web pages write them, are read too: RFC 2822 ("Mon, 20 Mar 2023
 * 10:00:00 +0000", "20 Mar 2023 10:00 GMT"), "March 20, 2023[, 10:00 AM EST]", "Mar. 20, 2023
 * at 10:00", JavaScript's "Mon Mar 20 2023 10:00:00 GMT+0000 (UTC)": an optional weekday, day
 * and month (full or three-letter English name) in either order, a four-digit year, then an
 * optional h:mm[:ss] time (12-hour with am/pm/a.m./p.m.) after ",", " " or " at ".
 * Zones: 'Z', +hh[:mm], -hh[:mm], +hhmm, UT/UTC/GMT (optionally with an offset: GMT+0000) and
 * RFC 2822's North American names (EST, EDT, CST, CDT, MST, MDT, PST, PDT), optionally after
 * one space and followed by a parenthesised comment. Fields are range-checked against the
 * calendar (leap years included); 24:00[:00] is the end of the day; a leap second 60 is
 * accepted and lands on the next minute; fractions of a second are truncated. Surrounding white
 * space is ignored. Everything else (text before or after the date included) is NF_EPARSE.
 * Days are counted with the proleptic Gregorian "days from civil" formula (era of 400 years).
 *
 * URL host: scheme and "//" skipped, user info and port dropped, IPv6 brackets kept, ASCII
 * lower-cased, a trailing dot and a leading "www." (when a dotted domain remains) removed.
 */
#include "nf_int.h"
#include <ctype.h>
#include <strings.h>

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Exactly k digits at s[*i] into *v. */
static bool digits(const char *s, size_t n, size_t *i, unsigned k, unsigned *v)
{
    if (n - *i < k)
        return false;
    unsigned x = 0;
    for (unsigned j = 0; j < k; j++) {
        char c = s[*i + j];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (unsigned)(c - '0');
    }
    *i += k;
    *v = x;
    return true;
}

static bool at(const char *s, size_t n, size_t i, char c)
{
    return i < n && s[i] == c;
}

/* hh[:mm[:ss[.frac]]] or hhmm[ss][.frac] at s[*i]; seconds of the day into *secs. */
static bool parse_time(const char *s, size_t n, size_t *i, int64_t *secs)
{
    unsigned hh, mm = 0, ss = 0;
    bool frac = false;
    if (!digits(s, n, i, 2, &hh))
        return false;
    bool ext = at(s, n, *i, ':');
    if (ext || (*i < n && isdigit((unsigned char)s[*i]))) {
        *i += ext;
        if (!digits(s, n, i, 2, &mm))
            return false;
        bool more = ext ? at(s, n, *i, ':') : *i < n && isdigit((unsigned char)s[*i]);
        if (more) {
            *i += ext;
            if (!digits(s, n, i, 2, &ss))
                return false;
            if (at(s, n, *i, '.') || at(s, n, *i, ',')) {
                size_t j = ++*i;
                while (*i < n && isdigit((unsigned char)s[*i])) {
                    frac |= s[*i] != '0';
                    ++*i;
                }
                if (*i == j)
                    return false;
            }
        }
    }
    if (mm > 59 || ss > 60 || hh > 24 || (hh == 24 && (mm || ss || frac)))
        return false;
    *secs = (int64_t)hh * 3600 + mm * 60 + ss;
    return true;
}

/* A run of ASCII letters at s[i]: its length. */
static size_t letters(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && isalpha((unsigned char)s[j]))
        j++;
    return j - i;
}

/* The English name (full or first three letters, any case) of w[0..l) in names[k]: its index
 * + 1, or 0. "Sept" is also September. */
static int name_of(const char *w, size_t l, const char *const *names, int k)
{
    for (int i = 0; i < k; i++) {
        size_t full = strlen(names[i]);
        if ((l == 3 || l == full || (i == 8 && k == 12 && l == 4)) && l <= full &&
            !strncasecmp(w, names[i], l))
            return i + 1;
    }
    return 0;
}

static const char *const MONTHS[12] = {"january", "february", "march",     "april",
                                       "may",     "june",     "july",      "august",
                                       "september", "october", "november", "december"};
static const char *const WEEKDAYS[7] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

static void spaces(const char *s, size_t n, size_t *i)
{
    while (*i < n && s[*i] == ' ')
        ++*i;
}

/* +hh[:mm], -hh[:mm], +hhmm at s[*i] into *off (seconds east of UTC). */
static bool parse_offset(const char *s, size_t n, size_t *i, int64_t *off)
{
    int sign = s[*i] == '-' ? -1 : 1;
    ++*i;
    unsigned hh, mm = 0;
    if (!digits(s, n, i, 2, &hh))
        return false;
    if (at(s, n, *i, ':')) {
        ++*i;
        if (!digits(s, n, i, 2, &mm))
            return false;
    } else if (*i < n && isdigit((unsigned char)s[*i]) && !digits(s, n, i, 2, &mm)) {
        return false;
    }
    if (hh > 23 || mm > 59)
        return false;
    *off = sign * ((int64_t)hh * 3600 + mm * 60);
    return true;
}

/* A zone or nothing, optionally after one space, then an optional " (comment)": Z, offsets,
 * UT/UTC/GMT[offset], RFC 2822's EST..PDT. The offset east of UTC in seconds. */
static bool parse_zone(const char *s, size_t n, size_t *i, int64_t *off)
{
    static const struct { const char *name; int hours; } NAMES[] = {
        {"Z", 0},   {"UT", 0},  {"UTC", 0}, {"GMT", 0}, {"EST", -5}, {"EDT", -4},
        {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    *off = 0;
    size_t j = *i + at(s, n, *i, ' ');
    size_t l = letters(s, n, j);
    if (at(s, n, j, '+') || at(s, n, j, '-')) {
        if (!parse_offset(s, n, &j, off))
            return false;
    } else if (l) {
        size_t k = 0;
        while (k < NF_ARRAY_LEN(NAMES) &&
               (strlen(NAMES[k].name) != l || strncasecmp(s + j, NAMES[k].name, l)))
            k++;
        if (k == NF_ARRAY_LEN(NAMES))
            return false;
        j += l;
        *off = (int64_t)NAMES[k].hours * 3600;
        if (NAMES[k].hours == 0 && l > 1 && (at(s, n, j, '+') || at(s, n, j, '-')) &&
            !parse_offset(s, n, &j, off))
            return false;
    } else if (j != *i) {
        j = *i;                 /* a lone space: no zone */
    }
    *i = j;
    if (at(s, n, j, ' ') && at(s, n, j + 1, '(')) {
        const char *e = memchr(s + j + 2, ')', n - j - 2);
        if (!e)
            return false;
        *i = (size_t)(e - s) + 1;
    }
    return true;
}

/* h[h]:mm[:ss[.frac]] then an optional am/pm (a.m./p.m.), at s[*i]; seconds of the day. */
static bool parse_clock(const char *s, size_t n, size_t *i, int64_t *secs)
{
    unsigned hh, mm, ss = 0;
    if (!digits(s, n, i, 2, &hh) && !digits(s, n, i, 1, &hh))
        return false;
    if (!at(s, n, *i, ':'))
        return false;
    ++*i;
    if (!digits(s, n, i, 2, &mm))
        return false;
    if (at(s, n, *i, ':')) {
        ++*i;
        if (!digits(s, n, i, 2, &ss))
            return false;
        if (at(s, n, *i, '.') && *i + 1 < n && isdigit((unsigned char)s[*i + 1]))
            while (++*i < n && isdigit((unsigned char)s[*i]))
                ;
    }
    size_t j = *i;
    spaces(s, n, &j);
    char c = j < n ? (char)tolower((unsigned char)s[j]) : 0;
    if ((c == 'a' || c == 'p') && j + 1 < n) {
        size_t k = j + 1;
        bool dots = at(s, n, k, '.');
        k += dots;
        if (k < n && tolower((unsigned char)s[k]) == 'm' &&
            !(k + 1 < n && isalpha((unsigned char)s[k + 1]))) {
            k++;
            if (dots) {
                if (!at(s, n, k, '.'))
                    return false;
                k++;
            }
            if (hh < 1 || hh > 12)
                return false;
            hh = hh % 12 + (c == 'p' ? 12 : 0);
            *i = k;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60)
        return false;
    *secs = (int64_t)hh * 3600 + mm * 60 + ss;
    return true;
}

/* A month name at s[*i] (a '.' after an abbreviation) into *m. */
static bool month_word(const char *s, size_t n, size_t *i, unsigned *m)
{
    size_t l = letters(s, n, *i);
    if (!(*m = (unsigned)name_of(s + *i, l, MONTHS, 12)))
        return false;
    *i += l;
    *i += at(s, n, *i, '.') && l < 5;
    return true;
}

/* A one- or two-digit day at s[*i] into *d. */
static bool day_digits(const char *s, size_t n, size_t *i, unsigned *d)
{
    return digits(s, n, i, 2, d) || digits(s, n, i, 1, d);
}

/* A date in words (see the top of the file) at s[i..n): epoch seconds into *out. */
static nf_rc parse_words(const char *s, size_t n, size_t i, int64_t *out)
{
    size_t l = letters(s, n, i);
    if (l && name_of(s + i, l, WEEKDAYS, 7)) {
        i += l;
        i += at(s, n, i, ',');
        spaces(s, n, &i);
    }
    unsigned y, m, d;
    bool month_first = i < n && isalpha((unsigned char)s[i]);  /* March 20, 2023 */
    if (!(month_first ? month_word(s, n, &i, &m) : day_digits(s, n, &i, &d)) ||
        !at(s, n, i, ' '))
        return NF_EPARSE;
    spaces(s, n, &i);
    if (!(month_first ? day_digits(s, n, &i, &d) : month_word(s, n, &i, &m)))
        return NF_EPARSE;
    i += month_first && at(s, n, i, ',');
    if (!at(s, n, i, ' '))
        return NF_EPARSE;
    spaces(s, n, &i);
    if (!digits(s, n, &i, 4, &y) || (i < n && isdigit((unsigned char)s[i])))
        return NF_EPARSE;
    if (d < 1 || d > days_in_month(y, m))
        return NF_EPARSE;
    int64_t secs = 0, off = 0;
    if (i < n) {
        i += at(s, n, i, ',');
        if (!at(s, n, i, ' '))
            return NF_EPARSE;
        spaces(s, n, &i);
        if (n - i > 3 && !strncasecmp(s + i, "at ", 3)) {
            i += 3;
            spaces(s, n, &i);
        }
        if (!parse_clock(s, n, &i, &secs) || !parse_zone(s, n, &i, &off) || i != n)
            return NF_EPARSE;
    }
    *out = days_from_civil(y, m, d) * 86400 + secs - off;
    return NF_OK;
}

nf_rc nf_parse_date(const char *s, size_t n, int64_t *out)
{
    if (!s || !out)
        return NF_EINVAL;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    if (i < n && (isalpha((unsigned char)s[i]) ||
                  (isdigit((unsigned char)s[i]) && (n - i < 4 || !isdigit((unsigned char)s[i + 1]) ||
                                                    !isdigit((unsigned char)s[i + 2]) ||
                                                    !isdigit((unsigned char)s[i + 3])))))
        return parse_words(s, n, i, out);
    unsigned y, m, d;
    if (!digits(s, n, &i, 4, &y))
        return NF_EPARSE;
    bool ext = at(s, n, i, '-');
    i += ext;
    if (!digits(s, n, &i, 2, &m) || (ext && !at(s, n, i, '-')))
        return NF_EPARSE;
    i += ext;
    if (!digits(s, n, &i, 2, &d))
        return NF_EPARSE;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return NF_EPARSE;
    int64_t secs = 0, off = 0;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return NF_EPARSE;
        i++;
        if (!parse_time(s, n, &i, &secs) || !parse_zone(s, n, &i, &off) || i != n)
            return NF_EPARSE;
    }
    *out = days_from_civil(y, m, d) * 86400 + secs - off;
    return NF_OK;
}

nf_rc nf_url_host(const char *url, size_t n, char *out, size_t cap)
{
    if (!url || !out || !cap)
        return NF_EINVAL;
    out[0] = 0;
    size_t i = 0;
    while (i < n && isspace((unsigned char)url[i]))
        i++;
    /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) "://" */
    size_t j = i;
    while (j < n && (isalnum((unsigned char)url[j]) || url[j] == '+' || url[j] == '-' ||
                     url[j] == '.'))
        j++;
    if (j > i && isalpha((unsigned char)url[i]) && n - j >= 3 && !memcmp(url + j, "://", 3))
        i = j + 3;
    else if (n - i >= 2 && url[i] == '/' && url[i + 1] == '/')
        i += 2;
    else if (j < n && url[j] == ':' && !(j + 1 < n && isdigit((unsigned char)url[j + 1])))
        return NF_EPARSE;       /* mailto:, urn: ... have no host */
    /* authority: up to / ? # or white space; the host follows the last '@' */
    size_t a = i, e = i;
    while (e < n && url[e] != '/' && url[e] != '?' && url[e] != '#' &&
           !isspace((unsigned char)url[e]))
        e++;
    for (size_t k = a; k < e; k++)
        if (url[k] == '@')
            a = k + 1;
    size_t h = a, he;
    if (h < e && url[h] == '[') {
        const char *rb = memchr(url + h, ']', e - h);
        if (!rb)
            return NF_EPARSE;
        he = (size_t)(rb - url) + 1;
    } else {
        he = h;
        while (he < e && url[he] != ':')
            he++;
    }
    while (he > h && url[he - 1] == '.')
        he--;
    /* "www." goes when a domain with a dot remains: www.bbc.co.uk, not www.com */
    if (he - h > 4 && !strncasecmp(url + h, "www.", 4) && memchr(url + h + 4, '.', he - h - 4))
        h += 4;
    if (he == h)
        return NF_EPARSE;
    size_t k = 0;
    for (; h < he && k + 1 < cap; h++)
        out[k++] = (char)tolower((unsigned char)url[h]);
    out[k] = 0;
    return NF_OK;
}
