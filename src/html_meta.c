/*
 * html_meta.c — an HTML page's metadata: title, publication date, outlet, canonical URL.
 *
 * Key idea: candidates are gathered while the page is walked (meta tags, <title>, the first
 * <h1>, <time> elements, JSON-LD objects) and decided once at the end, in a fixed order of trust:
 *   title   og:title / twitter:title, JSON-LD headline, <title>, first <h1>; then cleaned of a
 *           " | Site" part (a part naming the site or host, or a short tail after | · » ::)
 *   date    JSON-LD datePublished, meta (article:published_time, datePublished, pubdate ...),
 *           the first <time datetime>, a /YYYY/MM/DD/ date in the URL; the source is recorded
 *   outlet  og:site_name, JSON-LD publisher.name, else the URL host without "www."
 *   url     <link rel=canonical>, og:url, else the caller's hint
 * Invariants: the first candidate of each kind wins (pages repeat tags further down in related
 * blocks); strings are trimmed and whitespace-collapsed; dates are parsed as UTC when they
 * carry no offset.
 */
#include "nf_int.h"
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>

void nf_html_set(char **dst, const char *s, size_t n)
{
    if (*dst || !s)
        return;
    char *o = malloc(n + 1);
    if (!o)
        return;
    size_t k = 0;
    bool sp = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)) {
            if (c == 0xC2)
                i++;
            if (!sp)
                o[k++] = ' ';
            sp = true;
            continue;
        }
        o[k++] = (char)c;
        sp = false;
    }
    while (k && o[k - 1] == ' ')
        k--;
    o[k] = 0;
    if (!k) {
        free(o);
        return;
    }
    *dst = o;
}

void nf_html_meta_reset(nf_html_meta *m)
{
    char **f[] = {&m->og_title, &m->title_tag, &m->h1, &m->ld_headline, &m->site_name,
                  &m->ld_publisher, &m->canonical, &m->og_url, &m->ld_date, &m->meta_date,
                  &m->time_date, &m->ld_body};
    for (size_t i = 0; i < NF_ARRAY_LEN(f); i++) {
        free(*f[i]);
        *f[i] = NULL;
    }
}

static const char *const DATE_KEYS[] = {
    "article:published_time", "og:published_time", "datepublished", "article.published",
    "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "sailthru.date", "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.created", "date", "og:article:published_time", "article:published"};

void nf_html_meta_tag(nf_html_meta *m, const char *key, const char *content)
{
    size_t n = strlen(content);
    if (!strcmp(key, "<title>"))
        nf_html_set(&m->title_tag, content, n);
    else if (!strcmp(key, "<h1>"))
        nf_html_set(&m->h1, content, n);
    else if (!strcmp(key, "<time>")) {
        int64_t t;
        if (!m->time_date && nf_html_parse_date(content, &t))
            nf_html_set(&m->time_date, content, n);
    } else if (!strcmp(key, "canonical"))
        nf_html_set(&m->canonical, content, n);
    else if (!strcasecmp(key, "og:title") || !strcasecmp(key, "twitter:title"))
        nf_html_set(&m->og_title, content, n);
    else if (!strcasecmp(key, "og:site_name"))
        nf_html_set(&m->site_name, content, n);
    else if (!strcasecmp(key, "og:url"))
        nf_html_set(&m->og_url, content, n);
    else {
        for (size_t i = 0; i < NF_ARRAY_LEN(DATE_KEYS); i++)
            if (!strcasecmp(key, DATE_KEYS[i])) {
                int64_t t;
                if (!m->meta_date && nf_html_parse_date(content, &t))
                    nf_html_set(&m->meta_date, content, n);
                break;
            }
    }
}

/* ---- JSON-LD ---- */

static bool article_type(json_t *o)
{
    json_t *t = json_object_get(o, "@type");
    const char *names[4];
    size_t k = 0;
    if (json_is_string(t))
        names[k++] = json_string_value(t);
    else if (json_is_array(t))
        for (size_t i = 0; i < json_array_size(t) && k < 4; i++)
            if (json_is_string(json_array_get(t, i)))
                names[k++] = json_string_value(json_array_get(t, i));
    for (size_t i = 0; i < k; i++)
        if (strstr(names[i], "Article") || strstr(names[i], "BlogPosting") ||
            !strcmp(names[i], "Report") || strstr(names[i], "NewsArticle") ||
            !strcmp(names[i], "LiveBlogPosting"))
            return true;
    return false;
}

static void take(char **dst, json_t *v)
{
    if (json_is_string(v))
        nf_html_set(dst, json_string_value(v), json_string_length(v));
}

static void ld_object(nf_html_meta *m, json_t *o, int depth)
{
    if (depth > 8)
        return;
    if (json_is_array(o)) {
        for (size_t i = 0; i < json_array_size(o); i++)
            ld_object(m, json_array_get(o, i), depth + 1);
        return;
    }
    if (!json_is_object(o))
        return;
    json_t *graph = json_object_get(o, "@graph");
    if (graph)
        ld_object(m, graph, depth + 1);
    if (!article_type(o))
        return;
    take(&m->ld_headline, json_object_get(o, "headline"));
    int64_t t;
    json_t *d = json_object_get(o, "datePublished");
    if (json_is_string(d) && nf_html_parse_date(json_string_value(d), &t))
        take(&m->ld_date, d);
    json_t *body = json_object_get(o, "articleBody");
    if (json_is_string(body)) {
        /* the longest body wins; keep paragraph breaks as they are */
        size_t l = json_string_length(body);
        if (!m->ld_body || strlen(m->ld_body) < l) {
            char *c = malloc(l + 1);
            if (c) {
                memcpy(c, json_string_value(body), l);
                c[l] = 0;
                free(m->ld_body);
                m->ld_body = c;
            }
        }
    }
    json_t *pub = json_object_get(o, "publisher");
    if (json_is_array(pub))
        pub = json_array_get(pub, 0);
    if (json_is_object(pub))
        take(&m->ld_publisher, json_object_get(pub, "name"));
}

void nf_html_meta_jsonld(nf_html_meta *m, const char *s, size_t n)
{
    const char *e = s + n;
    while (s < e) {
        size_t l = strnlen(s, (size_t)(e - s));
        json_error_t err;
        json_t *j = json_loadb(s, l, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (j) {
            ld_object(m, j, 0);
            json_decref(j);
        }
        s += l + 1;
    }
}

/* ---- dates ---- */

static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static const char *const MONTHS[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static int month_name(const char *s)
{
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, MONTHS[i], 3))
            return i + 1;
    return 0;
}

static bool valid_ymd(int y, int mo, int d)
{
    return y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

/* "19 Nov 2019", "Nov 19, 2019", "Tue, 19 Nov 2019 10:00:00 GMT" (time of day ignored). */
static bool parse_words_date(const char *s, int64_t *t)
{
    int d = 0, mo = 0, y = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            long v = strtol(p, (char **)&p, 10);
            if (v >= 1900 && v <= 2200 && !y)
                y = (int)v;
            else if (v >= 1 && v <= 31 && !d)
                d = (int)v;
            p--;
        } else if (isalpha((unsigned char)*p)) {
            const char *q = p;
            while (isalpha((unsigned char)*q))
                q++;
            if (!mo && q - p >= 3)
                mo = month_name(p);
            p = q - 1;
        }
    }
    if (!valid_ymd(y, mo, d))
        return false;
    *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    return true;
}

bool nf_html_parse_date(const char *s, int64_t *t)
{
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s;
    int y = digits(&p, 4);
    if (y < 0 || (*p != '-' && *p != '/')) {
        return parse_words_date(s, t);
    }
    char sep = *p++;
    int mo = digits(&p, 2);
    if (mo < 0 || *p++ != sep)
        return false;
    int d = digits(&p, 2);
    if (d < 0 || !valid_ymd(y, mo, d))
        return false;
    int64_t v = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    if (*p == 'T' || *p == ' ') {
        const char *q = p + 1;
        int hh = digits(&q, 2), mm = -1, ss = 0;
        if (hh >= 0 && *q == ':') {
            q++;
            mm = digits(&q, 2);
        }
        if (hh >= 0 && hh < 24 && mm >= 0 && mm < 60) {
            if (*q == ':') {
                q++;
                ss = digits(&q, 2);
                if (ss < 0 || ss > 60)
                    ss = 0;
            }
            while (*q == '.' || *q == ',' || isdigit((unsigned char)*q))
                q++;
            v += hh * 3600 + mm * 60 + ss;
            if (*q == '+' || *q == '-') {
                int sign = *q == '-' ? -1 : 1;
                q++;
                int oh = digits(&q, 2), om = 0;
                if (*q == ':')
                    q++;
                if (isdigit((unsigned char)*q))
                    om = digits(&q, 2);
                if (oh >= 0 && oh < 24 && om >= 0 && om < 60)
                    v -= sign * (oh * 3600 + om * 60);
            }
        }
    }
    *t = v;
    return true;
}

bool nf_html_url_date(const char *url, int64_t *t)
{
    if (!url)
        return false;
    for (const char *p = url; *p; p++) {
        if (*p != '/' || !isdigit((unsigned char)p[1]))
            continue;
        const char *q = p + 1;
        int y = digits(&q, 4);
        if (y < 0 || (*q != '/' && *q != '-'))
            continue;
        char sep = *q++;
        int mo = digits(&q, 2);
        if (mo < 0 || *q++ != sep)
            continue;
        int d = digits(&q, 2);
        if (d < 0 || isdigit((unsigned char)*q) || !valid_ymd(y, mo, d))
            continue;
        *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
        return true;
    }
    return false;
}

void nf_html_url_host(const char *url, char *out, size_t cap)
{
    out[0] = 0;
    if (!url || !cap)
        return;
    const char *p = strstr(url, "://");
    p = p ? p + 3 : (url[0] == '/' && url[1] == '/' ? url + 2 : NULL);
    if (!p)
        return;
    const char *at = p;
    while (*at && *at != '/' && *at != '@')
        at++;
    if (*at == '@')
        p = at + 1;
    if (!strncasecmp(p, "www.", 4))
        p += 4;
    size_t k = 0;
    while (p[k] && p[k] != '/' && p[k] != ':' && p[k] != '?' && p[k] != '#' && k + 1 < cap) {
        out[k] = (char)tolower((unsigned char)p[k]);
        k++;
    }
    out[k] = 0;
}

/* ---- title ---- */

static const char *const SEPS[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: ",
                                   " \xC2\xB7 ", " \xC2\xBB ", " / "};

/* Does part (len l) name the site: equal to site name, or to the host's main label? */
static bool names_site(const char *part, size_t l, const char *site, const char *host)
{
    if (site && strlen(site) == l && !strncasecmp(part, site, l))
        return true;
    if (!host || !*host)
        return false;
    /* compare letters only: "The Verge" ~ "theverge.com" */
    char a[128], b[128];
    size_t ka = 0, kb = 0;
    for (size_t i = 0; i < l && ka + 1 < sizeof a; i++)
        if (isalnum((unsigned char)part[i]))
            a[ka++] = (char)tolower((unsigned char)part[i]);
    a[ka] = 0;
    for (const char *h = host; *h && *h != '.' && kb + 1 < sizeof b; h++)
        if (isalnum((unsigned char)*h))
            b[kb++] = (char)tolower((unsigned char)*h);
    b[kb] = 0;
    if (ka < 3 || kb < 3)
        return false;
    return !strcmp(a, b) || (ka > kb && strstr(a, b)) || (kb > ka && strstr(b, a));
}

static size_t words(const char *s, size_t l)
{
    size_t w = 0;
    bool in = false;
    for (size_t i = 0; i < l; i++) {
        bool sp = s[i] == ' ';
        if (!sp && !in)
            w++;
        in = !sp;
    }
    return w;
}

/* Remove " | Site" (or "Site | ") from title in place. */
static void clean_title(char *t, const char *site, const char *host)
{
    for (int round = 0; round < 3; round++) {
        size_t n = strlen(t);
        bool changed = false;
        for (size_t k = 0; k < NF_ARRAY_LEN(SEPS) && !changed; k++) {
            size_t sl = strlen(SEPS[k]);
            /* last occurrence: tail part */
            const char *last = NULL;
            for (const char *p = t; (p = strstr(p, SEPS[k])) != NULL; p++)
                last = p;
            if (!last)
                continue;
            const char *tail = last + sl;
            size_t tl = n - (size_t)(tail - t);
            size_t hl = (size_t)(last - t);
            bool strong = k == 0 || k == 4 || k == 5 || k == 6;
            if (names_site(tail, tl, site, host) ||
                (strong && words(tail, tl) <= 4 && hl > tl)) {
                t[hl] = 0;
                changed = true;
                break;
            }
            /* first occurrence: head part ("Site | Headline") */
            const char *first = strstr(t, SEPS[k]);
            size_t fl = (size_t)(first - t);
            if (names_site(t, fl, site, host)) {
                memmove(t, first + sl, n - fl - sl + 1);
                changed = true;
            }
        }
        if (!changed)
            break;
    }
}

/* ---- decide ---- */

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *absolute(const char *u, const char *base)
{
    if (!u)
        return NULL;
    if (u[0] == '/' && u[1] != '/' && base) {
        const char *p = strstr(base, "://");
        if (p) {
            const char *slash = strchr(p + 3, '/');
            size_t bl = slash ? (size_t)(slash - base) : strlen(base);
            char *o = malloc(bl + strlen(u) + 1);
            if (o) {
                memcpy(o, base, bl);
                strcpy(o + bl, u);
            }
            return o;
        }
    }
    return strdup(u);
}

nf_rc nf_html_meta_finish(nf_html_meta *m, const char *url_hint, unsigned off, nf_extracted *out)
{
    (void)off;
    const char *base = url_hint ? url_hint : m->og_url;
    out->url = absolute(m->canonical ? m->canonical : m->og_url ? m->og_url : url_hint, base);
    char host[256];
    nf_html_url_host(out->url ? out->url : url_hint, host, sizeof host);
    const char *site = m->site_name ? m->site_name : m->ld_publisher;
    out->outlet = site ? dup(site) : host[0] ? dup(host) : NULL;

    const char *t = m->og_title ? m->og_title
                    : m->ld_headline ? m->ld_headline
                    : m->title_tag ? m->title_tag : m->h1;
    if (t) {
        out->title = dup(t);
        if (out->title)
            clean_title(out->title, site, host);
    }

    int64_t v;
    struct { const char *s; nf_date_source src; } dates[] = {
        {m->ld_date, NF_DATE_JSONLD}, {m->meta_date, NF_DATE_META}, {m->time_date, NF_DATE_TIME}};
    for (size_t i = 0; i < NF_ARRAY_LEN(dates); i++)
        if (dates[i].s && nf_html_parse_date(dates[i].s, &v)) {
            out->date = dup(dates[i].s);
            out->time = v;
            out->date_source = dates[i].src;
            break;
        }
    if (out->date_source == NF_DATE_NONE) {
        const char *u = out->url ? out->url : url_hint;
        if (nf_html_url_date(u, &v) || nf_html_url_date(url_hint, &v)) {
            char buf[48];
            int64_t days = v / 86400;
            /* civil_from_days for the string */
            int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
            unsigned doe = (unsigned)(z - era * 146097);
            unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
            unsigned mo = mp < 10 ? mp + 3 : mp - 9;
            int64_t y = (int64_t)yoe + era * 400 + (mo <= 2);
            snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, mo, d);
            out->date = dup(buf);
            out->time = v;
            out->date_source = NF_DATE_URL;
        }
    }
    return NF_OK;
}
