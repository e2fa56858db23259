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
 * blocks); strings are trimmed and whitespace-collapsed; dates are read by the readers'
 * nf_parse_date (date.c: ISO 8601, RFC 2822, "March 20, 2023"; UTC when they carry no offset)
 * and must fall in 1900..2199 (CMS placeholders such as 0001-01-01 are not dates); the host
 * is nf_url_host's.
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

/* ---- dates ---- */

/* A date string (nf_parse_date's forms) that is a plausible publication time: CMS placeholders
 * such as 0001-01-01T00:00:00Z are not dates. */
static bool page_date(const char *s, int64_t *t)
{
    int64_t v;
    if (nf_parse_date(s, strlen(s), &v) != NF_OK || v < NF_HTML_DATE_MIN || v >= NF_HTML_DATE_END)
        return false;
    *t = v;
    return true;
}

bool nf_html_url_date(const char *url, int64_t *t, char ymd[11])
{
    if (!url)
        return false;
    for (const char *p = strchr(url, '/'); p; p = strchr(p + 1, '/')) {
        /* "/yyyy/mm/dd" or "/yyyy-mm-dd", not followed by a further digit */
        const char *q = p + 1;
        size_t k = 0;
        while (k < 10 && q[k] &&
               (k == 4 || k == 7 ? q[k] == q[4] && (q[k] == '/' || q[k] == '-')
                                 : isdigit((unsigned char)q[k])))
            k++;
        if (k < 10 || isdigit((unsigned char)q[10]))
            continue;
        memcpy(ymd, q, 10);
        ymd[4] = ymd[7] = '-';
        ymd[10] = 0;
        if (page_date(ymd, t))
            return true;
    }
    return false;
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
        if (!m->time_date && page_date(content, &t))
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
                if (!m->meta_date && page_date(content, &t))
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
    if (json_is_string(d) && page_date(json_string_value(d), &t))
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
    char host[256] = "";
    const char *hu = out->url ? out->url : url_hint;
    if (!hu || nf_url_host(hu, strlen(hu), host, sizeof host) != NF_OK)
        host[0] = 0;
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
        if (dates[i].s && page_date(dates[i].s, &v)) {
            out->date = dup(dates[i].s);
            out->time = v;
            out->date_source = dates[i].src;
            break;
        }
    if (out->date_source == NF_DATE_NONE) {
        char ymd[11];
        const char *u = out->url ? out->url : url_hint;
        if (nf_html_url_date(u, &v, ymd) || nf_html_url_date(url_hint, &v, ymd)) {
            out->date = dup(ymd);
            out->time = v;
            out->date_source = NF_DATE_URL;
        }
    }
    return NF_OK;
}
