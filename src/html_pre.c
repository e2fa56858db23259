/*
 * html_pre.c — bytes to clean UTF-8 HTML before the parser sees it: charset, pre-scan. (gzip
 * pages are inflated by the readers' decoder, nf_decompress in read.c.)
 *
 * Key idea: the HTML5 parser (gumbo) is the slow part of extraction and most bytes of a news page
 * are scripts, styles, inline SVG and comments that can never be article text. A linear pre-scan
 * that understands just enough of the tokenizer (tags with quoted attribute values, comments,
 * raw-text elements ending at their close tag) removes them first, keeping the JSON-LD scripts
 * aside for the metadata, so the parser sees about a third of the bytes.
 *
 * Invariants: the output is valid UTF-8 (invalid sequences become U+FFFD after conversion);
 * every growth is bounded by NF_HTML_MAX (64 MiB of decoded HTML); the scan is O(n).
 * Charset policy: a BOM wins, then the first <meta charset> / http-equiv content-type in the
 * first 16 KiB; names iconv does not know fall back to UTF-8 with repair; windows-1252 is used
 * for "iso-8859-1" and "us-ascii" as browsers do (WHATWG encoding standard).
 */
#include "nf_int.h"
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- charset ---- */

static bool ci_prefix(const char *s, const char *end, const char *lit)
{
    for (; *lit; s++, lit++)
        if (s >= end || tolower((unsigned char)*s) != *lit)
            return false;
    return true;
}

static const char *ci_find(const char *s, const char *end, const char *lit)
{
    size_t l = strlen(lit);
    for (; s + l <= end; s++) {
        s = memchr(s, lit[0], (size_t)(end - s));
        if (!s || s + l > end)
            return NULL;
        if (ci_prefix(s, end, lit))
            return s;
    }
    return NULL;
}

/* The charset named in the first <meta> that declares one, into name (lower case). */
static bool sniff_charset(const char *s, size_t n, char *name, size_t cap)
{
    const char *end = s + NF_MIN(n, (size_t)16384);
    for (const char *p = s; (p = ci_find(p, end, "<meta")) != NULL; p += 5) {
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt)
            return false;
        const char *c = ci_find(p, gt, "charset");
        if (!c)
            continue;
        c += 7;
        while (c < gt && (*c == ' ' || *c == '='))
            c++;
        while (c < gt && (*c == '"' || *c == '\''))
            c++;
        size_t k = 0;
        while (c < gt && k + 1 < cap && (isalnum((unsigned char)*c) || *c == '-' || *c == '_' ||
                                        *c == ':' || *c == '.'))
            name[k++] = (char)tolower((unsigned char)*c++);
        name[k] = 0;
        if (k)
            return true;
    }
    return false;
}

static bool is_utf8_name(const char *cs)
{
    return !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") || !strcmp(cs, "unicode-1-1-utf-8");
}

/* Append s converted from charset cs to UTF-8; undecodable bytes become U+FFFD. */
static nf_rc convert(const char *s, size_t n, const char *cs, size_t max, nf_buf *out)
{
    if (!strcmp(cs, "iso-8859-1") || !strcmp(cs, "latin1") || !strcmp(cs, "us-ascii") ||
        !strcmp(cs, "ascii") || !strcmp(cs, "iso8859-1"))
        cs = "windows-1252";
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return NF_EFORMAT;
    nf_rc rc = NF_OK;
    char *in = (char *)s;
    size_t inleft = n;
    while (inleft > 0) {
        if ((rc = nf_buf_reserve(out, inleft * 2 + 64)) != NF_OK)
            break;
        if (max && out->n > max) {
            rc = NF_ETOOBIG;
            break;
        }
        char *o = out->p + out->n;
        size_t oleft = out->cap - out->n - 1;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        out->n = (size_t)(o - out->p);
        out->p[out->n] = 0;
        if (r == (size_t)-1 && errno != E2BIG) {
            /* EILSEQ / EINVAL: one bad byte, replace and go on */
            if ((rc = nf_buf_append(out, "\xEF\xBF\xBD", 3)) != NF_OK)
                break;
            in++;
            inleft--;
        }
    }
    iconv_close(cd);
    return rc;
}

/* Append s to out with NUL bytes dropped and invalid UTF-8 repaired as the readers repair it
 * (nf_utf8_repair: one U+FFFD per maximal ill-formed subpart). */
static nf_rc utf8_clean(const char *s, size_t n, nf_buf *out)
{
    nf_rc rc = nf_buf_reserve(out, n);
    uint32_t nrep = 0;
    for (const char *p = s, *e = s + n; rc == NF_OK && p < e;) {
        const char *z = memchr(p, 0, (size_t)(e - p));
        const char *q = z ? z : e;
        rc = nf_utf8_repair(p, (size_t)(q - p), out, &nrep);
        p = z ? z + 1 : e;
    }
    return rc;
}

nf_rc nf_html_decode(const char *s, size_t n, size_t max, nf_buf *out, char *cs, size_t cscap)
{
    char name[48] = "utf-8";
    bool bom16 = false;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        n -= 3;
    } else if (n >= 2 && (!memcmp(s, "\xFF\xFE", 2) || !memcmp(s, "\xFE\xFF", 2))) {
        snprintf(name, sizeof name, "%s", s[0] == '\xFF' ? "utf-16le" : "utf-16be");
        bom16 = true;
        s += 2;
        n -= 2;
    } else if (!sniff_charset(s, n, name, sizeof name)) {
        snprintf(name, sizeof name, "utf-8");
    }
    if ((!strncmp(name, "utf-16", 6) || !strncmp(name, "utf-32", 6)) && !bom16)
        snprintf(name, sizeof name, "utf-8"); /* a page that says utf-16 in ASCII is not */
    if (cs)
        snprintf(cs, cscap, "%s", name);
    if (max && n > max)
        return NF_ETOOBIG;
    if (!is_utf8_name(name)) {
        nf_buf tmp;
        nf_buf_init(&tmp, max ? max * 4 : 0);
        nf_rc rc = convert(s, n, name, max ? max * 4 : 0, &tmp);
        if (rc == NF_OK)
            rc = utf8_clean(tmp.p ? tmp.p : "", tmp.n, out);
        nf_buf_reset(&tmp);
        if (rc != NF_EFORMAT)
            return rc;
        if (cs)
            snprintf(cs, cscap, "utf-8");
    }
    return utf8_clean(s, n, out);
}

/* ---- pre-scan ---- */

static const char *const RAW_DROP[] = {"script", "style", "noscript", "template", "svg",
                                       "math", "iframe", "textarea", "select", "object"};

/* End of the tag opened at p ('<'): the byte after its '>', honouring quoted values. */
static const char *tag_end(const char *p, const char *e)
{
    char q = 0;
    bool after_eq = false;
    for (p++; p < e; p++) {
        char c = *p;
        if (q) {
            if (c == q)
                q = 0;
            continue;
        }
        if (c == '>')
            return p + 1;
        if ((c == '"' || c == '\'') && after_eq) {
            q = c;
            continue;
        }
        if (c == '=')
            after_eq = true;
        else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            after_eq = false;
    }
    return NULL;
}

/* The first "</name" (any case) at or after p, or NULL. */
static const char *close_tag(const char *p, const char *e, const char *name, size_t nl)
{
    while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        if (p + 2 + nl <= e && p[1] == '/' && ci_prefix(p + 2, e, name)) {
            char c = p + 2 + nl < e ? p[2 + nl] : '>';
            if (!isalnum((unsigned char)c))
                return p;
        }
        p++;
    }
    return NULL;
}

/* Attributes the extractor reads; the parser never sees the others (src, srcset, href, data-*,
 * onclick ...), which are most of the bytes of a modern page's markup. */
static bool kept_attr(const char *a, size_t n)
{
    static const char *const KEEP[] = {"class", "id", "style", "hidden", "aria-hidden", "role",
                                       "itemprop", "property", "name", "content", "rel",
                                       "datetime", "charset", "http-equiv", "type"};
    for (size_t i = 0; i < NF_ARRAY_LEN(KEEP); i++)
        if (strlen(KEEP[i]) == n && !strncasecmp(a, KEEP[i], n))
            return true;
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Copy the tag [p, te) without the attributes the extractor does not read; <img>, <source>
 * and <picture> carry no text and go whole. <link> keeps its href (rel=canonical). */
static nf_rc copy_tag(const char *p, const char *te, nf_buf *out)
{
    const char *q = p + 1;
    if (*q == '/' || *q == '!')
        return nf_buf_append(out, p, (size_t)(te - p));
    while (q < te && !is_space(*q) && *q != '>' && *q != '/')
        q++;
    size_t nl = (size_t)(q - p - 1);
    if ((nl == 3 && !strncasecmp(p + 1, "img", 3)) || (nl == 6 && !strncasecmp(p + 1, "source", 6)) ||
        (nl == 7 && !strncasecmp(p + 1, "picture", 7)))
        return NF_OK;
    bool link = nl == 4 && !strncasecmp(p + 1, "link", 4);
    nf_rc rc = nf_buf_append(out, p, (size_t)(q - p));
    while (rc == NF_OK && q < te) {
        while (q < te && (is_space(*q) || *q == '/'))
            q++;
        if (q >= te || *q == '>')
            break;
        const char *an = q;
        while (q < te && !is_space(*q) && *q != '=' && *q != '>' && (*q != '/' || q == an))
            q++;
        size_t al = (size_t)(q - an);
        const char *ve = q;
        const char *w = q;
        while (w < te && is_space(*w))
            w++;
        if (w < te && *w == '=') {
            w++;
            while (w < te && is_space(*w))
                w++;
            if (w < te && (*w == '"' || *w == '\'')) {
                const char *cl = memchr(w + 1, *w, (size_t)(te - w - 1));
                w = cl ? cl + 1 : te - 1;
            } else {
                while (w < te && !is_space(*w) && *w != '>')
                    w++;
            }
            ve = w;
        }
        q = ve > q ? ve : q;
        if (al == 0) {
            q++;
            continue;
        }
        if (kept_attr(an, al) || (link && al == 4 && !strncasecmp(an, "href", 4))) {
            if ((rc = nf_buf_putc(out, ' ')) == NF_OK)
                rc = nf_buf_append(out, an, (size_t)(ve - an));
        }
    }
    if (rc == NF_OK)
        rc = nf_buf_putc(out, '>');
    return rc;
}

nf_rc nf_html_prescan(const char *s, size_t n, nf_buf *out, nf_buf *jsonld)
{
    const char *p = s, *e = s + n;
    nf_rc rc = nf_buf_reserve(out, n / 2 + 16);
    if (rc)
        return rc;
    while (p < e) {
        const char *lt = memchr(p, '<', (size_t)(e - p));
        if (!lt) {
            rc = nf_buf_append(out, p, (size_t)(e - p));
            break;
        }
        if ((rc = nf_buf_append(out, p, (size_t)(lt - p))) != NF_OK)
            return rc;
        p = lt;
        if (e - p >= 4 && !memcmp(p, "<!--", 4)) {
            const char *c = p + 4;
            const char *end = NULL;
            while (c + 3 <= e && (c = memchr(c, '-', (size_t)(e - c))) != NULL) {
                if (c + 3 <= e && c[1] == '-' && c[2] == '>') {
                    end = c + 3;
                    break;
                }
                c++;
            }
            p = end ? end : e;
            continue;
        }
        if (e - p < 2 || !(isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!')) {
            if ((rc = nf_buf_putc(out, '<')) != NF_OK)
                return rc;
            p++;
            continue;
        }
        const char *te = tag_end(p, e);
        if (!te) { /* an unterminated tag: the parser drops it at EOF as well */
            break;
        }
        size_t drop = NF_ARRAY_LEN(RAW_DROP);
        if (isalpha((unsigned char)p[1])) {
            for (size_t k = 0; k < NF_ARRAY_LEN(RAW_DROP); k++) {
                size_t nl = strlen(RAW_DROP[k]);
                if (p + 1 + nl < e && ci_prefix(p + 1, e, RAW_DROP[k]) &&
                    !isalnum((unsigned char)p[1 + nl]) && p[1 + nl] != '-') {
                    drop = k;
                    break;
                }
            }
        }
        if (drop == NF_ARRAY_LEN(RAW_DROP) || te[-2] == '/') {
            if (drop == NF_ARRAY_LEN(RAW_DROP) && (rc = copy_tag(p, te, out)) != NF_OK)
                return rc;
            p = te;
            continue;
        }
        const char *name = RAW_DROP[drop];
        const char *ct = close_tag(te, e, name, strlen(name));
        if (drop == 0 && jsonld && ci_find(p, te, "ld+json")) {
            const char *je = ct ? ct : e;
            if ((rc = nf_buf_append(jsonld, te, (size_t)(je - te))) != NF_OK ||
                (rc = nf_buf_putc(jsonld, 0)) != NF_OK)
                return rc;
        }
        if (!ct) {
            p = e;
            break;
        }
        const char *cte = tag_end(ct, e);
        p = cte ? cte : e;
        /* keep a space so that words on either side do not join */
        if ((rc = nf_buf_putc(out, ' ')) != NF_OK)
            return rc;
    }
    return rc;
}
