/*
 * jsonl.c — one JSONL line into an nf_article (jansson), with the field policy of docs/input.md.
 *
 * The reader (read.c) hands over one line that is already valid UTF-8 (repaired), so a jansson
 * error here is a JSON error. Policy, field by field (names from nf_read_opts):
 *   text    must be a non-empty string ("no text" otherwise) and not only white space ("empty
 *           article"); it may hold U+0000 (escaped), hence text_len.
 *   id      a non-empty string, or a number written in decimal; else NULL (the reader then
 *           names the record "<file>:<line>").
 *   label   like id (gold story labels are strings or numbers).
 *   outlet  a non-empty string; else the URL's host without "www.".
 *   url, title  non-empty strings; else NULL.
 *   date    an ISO 8601 string (nf_parse_date) or an integer count of seconds since the epoch;
 *           anything else, unparsable strings included, leaves time = NF_NO_TIME and the
 *           article is still accepted.
 * Invariant: on rejection *a holds nothing (every string freed).
 */
#include "nf_int.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* A copy of a non-empty string field; numbers too when numbers is set. *ok = false on ENOMEM. */
static char *str_field(json_t *root, const char *name, bool numbers, bool *ok)
{
    json_t *v = name ? json_object_get(root, name) : NULL;
    char *s = NULL;
    if (json_is_string(v)) {
        if (json_string_length(v) == 0)
            return NULL;
        s = strdup(json_string_value(v));
    } else if (numbers && json_is_integer(v)) {
        s = malloc(24);
        if (s)
            snprintf(s, 24, "%lld", (long long)json_integer_value(v));
    } else if (numbers && json_is_real(v)) {
        s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    } else {
        return NULL;
    }
    if (!s)
        *ok = false;
    return s;
}

static int64_t date_field(json_t *root, const char *name)
{
    json_t *v = json_object_get(root, name);
    int64_t t;
    if (json_is_string(v) &&
        nf_parse_date(json_string_value(v), json_string_length(v), &t) == NF_OK)
        return t;
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    return NF_NO_TIME;
}

static nf_rc fail(nf_diag *d, nf_rc rc, uint64_t col, const char *fmt, const char *a,
                  const char *b)
{
    d->code = rc;
    d->col = col;
    snprintf(d->msg, sizeof d->msg, fmt, a, b);
    return rc;
}

static nf_rc text_field(json_t *root, const nf_read_opts *o, nf_article *a, nf_diag *d)
{
    json_t *v = json_object_get(root, o->text_field);
    if (!v)
        return fail(d, NF_EEMPTY, 0, "no text: field '%.60s' is missing%s", o->text_field, "");
    if (!json_is_string(v))
        return fail(d, NF_EEMPTY, 0, "no text: field '%.60s' is %s", o->text_field,
                    type_name(v));
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0)
        return fail(d, NF_EEMPTY, 0, "no text: field '%.60s' is empty%s", o->text_field, "");
    if (nf_text_blank(s, n))
        return fail(d, NF_EEMPTY, 0, "empty article%s%s", "", "");
    if (!(a->text = malloc(n + 1)))
        return fail(d, NF_ENOMEM, 0, "out of memory%s%s", "", "");
    memcpy(a->text, s, n);
    a->text[n] = 0;
    a->text_len = n;
    return NF_OK;
}

nf_rc nf_jsonl_parse(const char *line, size_t n, const nf_read_opts *o, nf_article *a,
                     nf_diag *d)
{
    json_error_t err;
    json_t *root = json_loadb(line, n, JSON_ALLOW_NUL, &err);
    if (!root)
        return fail(d, NF_EPARSE, err.position > 0 ? (uint64_t)err.position : 1,
                    "invalid JSON: %.180s%s", err.text, "");
    nf_rc rc = NF_OK;
    if (!json_is_object(root)) {
        rc = fail(d, NF_EPARSE, 1, "not a JSON object (%s)%s", type_name(root), "");
        goto done;
    }
    if ((rc = text_field(root, o, a, d)))
        goto done;
    bool ok = true;
    a->id = str_field(root, o->id_field, true, &ok);
    a->url = str_field(root, o->url_field, false, &ok);
    a->title = str_field(root, o->title_field, false, &ok);
    a->outlet = str_field(root, o->outlet_field, false, &ok);
    a->label = str_field(root, o->label_field, true, &ok);
    a->time = date_field(root, o->date_field);
    if (ok && !a->outlet && a->url) {
        char host[256];
        if (nf_url_host(a->url, strlen(a->url), host, sizeof host) == NF_OK &&
            !(a->outlet = strdup(host)))
            ok = false;
    }
    if (!ok)
        rc = fail(d, NF_ENOMEM, 0, "out of memory%s%s", "", "");
done:
    json_decref(root);
    if (rc)
        nf_article_reset(a);
    return rc;
}
