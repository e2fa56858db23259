/*
 * date.c — ISO 8601 dates and date-times to seconds since the epoch, and the host of a URL.
 *
 * Dates: a strict hand-written parser (no strptime, no locale, no TZ): calendar dates in the
 * extended (2023-03-20) or basic (20230320) form, optionally followed by 'T', 't' or one space
 * and a time hh[:mm[:ss[.frac]]] (or hhmm[ss]), then 'Z', +hh[:mm], -hh[:mm] or nothing (read
 * as UTC). Fields are range-checked against the calendar (leap years included); 24:00[:00] is
 * the end of the day; a leap second 60 is accepted and lands on the next minute; fractions of
 * a second are truncated. Surrounding white space is ignored. Everything else is NF_EPARSE.
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

/* Z, +hh[:mm], -hh[:mm], +hhmm or nothing; the offset east of UTC in seconds. */
static bool parse_zone(const char *s, size_t n, size_t *i, int64_t *off)
{
    *off = 0;
    if (at(s, n, *i, 'Z') || at(s, n, *i, 'z')) {
        ++*i;
        return true;
    }
    if (!at(s, n, *i, '+') && !at(s, n, *i, '-'))
        return true;
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

nf_rc nf_parse_date(const char *s, size_t n, int64_t *out)
{
    if (!s || !out)
        return NF_EINVAL;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
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
