/*
 * html.c — the article body of an HTML page: blocks, scores, the main container, the text.
 *
 * Key idea (written here from the published ideas of Readability, boilerpipe, jusText and
 * trafilatura): the page is flattened into text blocks — the runs of text between block-level
 * tags — each remembering the element that holds it, its length, link text and punctuation.
 * Blocks are classified: BAD (inside nav/footer/aside/hidden elements or elements whose class/id
 * says comment, related, share, cookie ...; mostly link text; a boilerplate line such as
 * "Advertisement"), GOOD (long prose: enough characters and sentence punctuation) or SHORT.
 * The main container is the element that maximises good text minus a share of the bad text
 * under it (a maximal-subtree form of boilerpipe's text density), nudged towards <article> /
 * <main> / itemprop=articleBody when they hold nearly the same good text. The body is the
 * container's non-bad blocks from its first good block to its last (jusText's context rule for
 * short blocks: headings and short paragraphs count only between good ones). A JSON-LD
 * articleBody is a second opinion: when the DOM text covers little of it, it is used instead.
 *
 * Invariants: the walk is bounded in depth (NF_HTML_DEPTH; deeper text is still collected as
 * plain text of the deepest element kept); every buffer has a ceiling; output is UTF-8 with
 * paragraphs separated by "\n\n" and no leading/trailing space in a paragraph.
 */
#include "nf_int.h"
#include <ctype.h>
#include <gumbo.h>
#include <stdlib.h>

#define NF_HTML_DEPTH 400

/* element flags */
enum {
    F_BLOCK = 1 << 0,    /* breaks text into blocks */
    F_STRUCT = 1 << 1,   /* nav, footer, aside, header, figure ... */
    F_NEG = 1 << 2,      /* class/id says boilerplate */
    F_POS = 1 << 3,      /* class/id says content */
    F_HIDDEN = 1 << 4,
    F_ARTICLE = 1 << 5,  /* <article>, itemprop=articleBody, role=article */
    F_MAIN = 1 << 6,     /* <main>, role=main */
    F_LINK = 1 << 7,     /* inside <a> */
    F_HEAD = 1 << 8,     /* h1-h6 */
    F_LI = 1 << 9,
    F_P = 1 << 10,
    F_BADTAG = 1 << 11   /* effective: this element or an ancestor makes its text bad */
};

typedef struct hnode {
    int32_t parent;
    uint16_t tag;
    uint16_t flags;           /* own | inherited */
    uint16_t own;             /* this element's own flags */
    uint32_t b0, b1;          /* blocks [b0, b1) lie inside */
    double good, bad;          /* good / bad characters in the subtree */
} hnode;

enum { B_GOOD = 1, B_BAD = 2, B_SHORT = 3 };

typedef struct hblock {
    uint32_t off, len;         /* bytes in hx.txt */
    uint32_t chars, link, punct, commas;
    uint32_t lead;             /* characters of link text before any plain text */
    int32_t elem;              /* innermost element holding the block */
    uint16_t flags;            /* element flags of elem (inherited) */
    uint8_t cls;
} hblock;

typedef struct hx {
    unsigned off;
    nf_buf txt;
    hblock *b; size_t nb, capb;
    hnode *e; size_t ne, cape;
    size_t cur;                /* start of the open block in txt */
    uint32_t chars, link, punct, commas, lead;
    bool space;                /* the open block ends with a space (or is empty) */
    nf_html_meta *m;
    nf_rc rc;
} hx;

/* ---- element classification ---- */

static bool is_inline(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_A: case GUMBO_TAG_ABBR: case GUMBO_TAG_B: case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO: case GUMBO_TAG_CITE: case GUMBO_TAG_CODE: case GUMBO_TAG_DATA:
    case GUMBO_TAG_DFN: case GUMBO_TAG_EM: case GUMBO_TAG_FONT: case GUMBO_TAG_I:
    case GUMBO_TAG_KBD: case GUMBO_TAG_MARK: case GUMBO_TAG_Q: case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP: case GUMBO_TAG_SMALL: case GUMBO_TAG_SPAN: case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB: case GUMBO_TAG_SUP: case GUMBO_TAG_TIME: case GUMBO_TAG_U:
    case GUMBO_TAG_VAR: case GUMBO_TAG_WBR: case GUMBO_TAG_LABEL: case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_TT: case GUMBO_TAG_BIG: case GUMBO_TAG_NOBR: case GUMBO_TAG_INS:
    case GUMBO_TAG_DEL: case GUMBO_TAG_ACRONYM: case GUMBO_TAG_IMG: case GUMBO_TAG_RUBY:
    case GUMBO_TAG_RT: case GUMBO_TAG_RP: case GUMBO_TAG_RB: case GUMBO_TAG_BLINK:
        return true;
    default:
        return false;
    }
}

/* Elements whose content is never article text. */
static bool is_dropped(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_CANVAS: case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO: case GUMBO_TAG_SELECT: case GUMBO_TAG_OPTION: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_INPUT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_MAP: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_DATALIST: case GUMBO_TAG_OUTPUT: case GUMBO_TAG_APPLET:
    case GUMBO_TAG_FRAMESET: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOEMBED:
        return true;
    default:
        return false;
    }
}

static bool is_struct(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_NAV: case GUMBO_TAG_FOOTER: case GUMBO_TAG_ASIDE: case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_MENU:
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_FORM: case GUMBO_TAG_FIELDSET:
        return true;
    default:
        return false;
    }
}

static const char *attr(const GumboElement *el, const char *name)
{
    GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);
    return a ? a->value : NULL;
}

/* Lower-case copy of class + " " + id into out (truncated). */
static size_t class_id(const GumboElement *el, char *out, size_t cap)
{
    size_t k = 0;
    const char *v[2] = {attr(el, "class"), attr(el, "id")};
    for (int i = 0; i < 2; i++) {
        if (!v[i])
            continue;
        for (const char *p = v[i]; *p && k + 2 < cap; p++)
            out[k++] = (char)tolower((unsigned char)*p);
        if (k + 1 < cap)
            out[k++] = ' ';
    }
    out[k] = 0;
    return k;
}

/* Substrings of class/id that mark boilerplate (comments, related links, sharing, consent,
 * promotion, navigation); checked only when no content word matches as well. */
static const char *const NEG_WORDS[] = {
    "comment", "related", "share", "sharing", "social", "cookie", "consent", "gdpr",
    "newsletter", "subscribe", "subscription", "promo", "sidebar", "sponsor", "advert",
    "breadcrumb", "footer", "masthead", "menu", "navbar", "nav-", "-nav", "navigation",
    "popup", "modal", "signup", "sign-up", "recommend", "outbrain", "taboola", "disqus",
    "widget", "byline", "author-info", "author-bio", "caption", "credit", "toolbar",
    "banner", "trending", "most-popular", "mostpopular", "read-more", "readmore",
    "more-stories", "also-read", "tags", "tag-list", "pagination", "pager", "rss",
    "skip-link", "print-only", "screen-reader", "sr-only", "visually-hidden", "hidden",
    "dateline", "timestamp", "meta-data", "post-meta", "article-meta", "entry-meta",
    "inline-ad", "ad-container", "ad-slot", "adslot", "advertising", "dfp",
    "newsletter", "follow", "login", "registration", "jump", "teaser", "headline",
    "subscribe", "byline", "contributor", "disclaimer", "copyright", "legal"};
static const char *const POS_WORDS[] = {
    "article-body", "articlebody", "article__body", "article-content", "articlecontent",
    "story-body", "storybody", "story-content", "post-body", "postbody", "post-content",
    "entry-content", "entrycontent", "main-content", "maincontent", "article-text",
    "body-text", "bodytext", "story-text", "content-body", "text-content", "richtext",
    "rich-text", "article_body", "story_body", "post_content", "entry_content"};

/* Whole class tokens that mark adverts ("ad", "ads", "advert"): substrings would hit "head". */
static bool ad_token(const char *s)
{
    for (const char *p = s; *p;) {
        while (*p && (*p == ' ' || *p == '_' || *p == '-'))
            p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '_' && *q != '-')
            q++;
        size_t l = (size_t)(q - p);
        if ((l == 2 && !memcmp(p, "ad", 2)) || (l == 3 && !memcmp(p, "ads", 3)))
            return true;
        p = q;
    }
    return false;
}

static unsigned hint_flags(const GumboElement *el)
{
    char ci[256];
    if (!class_id(el, ci, sizeof ci))
        return 0;
    for (size_t i = 0; i < NF_ARRAY_LEN(POS_WORDS); i++)
        if (strstr(ci, POS_WORDS[i]))
            return F_POS;
    for (size_t i = 0; i < NF_ARRAY_LEN(NEG_WORDS); i++)
        if (strstr(ci, NEG_WORDS[i]))
            return F_NEG;
    return ad_token(ci) ? F_NEG : 0;
}

static bool ci_contains(const char *s, const char *lit)
{
    size_t l = strlen(lit);
    for (; *s; s++)
        if (!strncasecmp(s, lit, l))
            return true;
    return false;
}

static unsigned elem_flags(const GumboElement *el, GumboTag t)
{
    unsigned f = is_inline(t) ? 0 : F_BLOCK;
    if (t == GUMBO_TAG_UNKNOWN)
        f = F_BLOCK;
    if (is_struct(t))
        f |= F_STRUCT;
    if (t == GUMBO_TAG_ARTICLE)
        f |= F_ARTICLE;
    if (t == GUMBO_TAG_MAIN)
        f |= F_MAIN;
    if (t == GUMBO_TAG_A)
        f |= F_LINK;
    if (t >= GUMBO_TAG_H1 && t <= GUMBO_TAG_H6)
        f |= F_HEAD;
    if (t == GUMBO_TAG_LI || t == GUMBO_TAG_DT || t == GUMBO_TAG_DD)
        f |= F_LI;
    if (t == GUMBO_TAG_P)
        f |= F_P;
    if (el->attributes.length == 0)
        return f;
    const char *v;
    if (attr(el, "hidden"))
        f |= F_HIDDEN;
    if ((v = attr(el, "aria-hidden")) && !strcasecmp(v, "true"))
        f |= F_HIDDEN;
    if ((v = attr(el, "style")) && (ci_contains(v, "display:none") ||
                                    ci_contains(v, "display: none") ||
                                    ci_contains(v, "visibility:hidden")))
        f |= F_HIDDEN;
    if ((v = attr(el, "itemprop")) && ci_contains(v, "articlebody"))
        f |= F_ARTICLE | F_POS;
    if ((v = attr(el, "role"))) {
        if (!strcasecmp(v, "main"))
            f |= F_MAIN;
        else if (!strcasecmp(v, "article"))
            f |= F_ARTICLE;
        else if (!strcasecmp(v, "navigation") || !strcasecmp(v, "contentinfo") ||
                 !strcasecmp(v, "complementary") || !strcasecmp(v, "banner") ||
                 !strcasecmp(v, "dialog") || !strcasecmp(v, "alertdialog") ||
                 !strcasecmp(v, "menu") || !strcasecmp(v, "menubar"))
            f |= F_STRUCT;
    }
    f |= hint_flags(el);
    if ((f & F_POS) && (f & F_NEG))
        f &= ~(unsigned)F_NEG;
    return f;
}

/* ---- the walk ---- */

static void flush(hx *x, int32_t elem)
{
    if (x->txt.n > x->cur && x->txt.p[x->txt.n - 1] == ' ') {
        x->txt.n--;
        x->txt.p[x->txt.n] = 0;
    }
    if (x->chars > 0 && x->txt.n > x->cur) {
        nf_rc rc = nf_grow((void **)&x->b, &x->capb, x->nb + 1, sizeof *x->b);
        if (rc) {
            x->rc = rc;
        } else {
            hblock *b = &x->b[x->nb++];
            memset(b, 0, sizeof *b);
            b->off = (uint32_t)x->cur;
            b->len = (uint32_t)(x->txt.n - x->cur);
            b->chars = x->chars;
            b->link = x->link;
            b->punct = x->punct;
            b->commas = x->commas;
            b->lead = x->lead;
            b->elem = elem;
            b->flags = elem >= 0 ? x->e[elem].flags : 0;
        }
    } else {
        x->txt.n = x->cur;
        if (x->txt.p)
            x->txt.p[x->txt.n] = 0;
    }
    x->cur = x->txt.n;
    x->chars = x->link = x->punct = x->commas = x->lead = 0;
    x->space = true;
}

/* Append a text node with whitespace collapsed; count characters, link text, punctuation. */
static void add_text(hx *x, const char *s, bool in_link)
{
    size_t n = strlen(s);
    if (nf_buf_reserve(&x->txt, n + 1) != NF_OK) {
        x->rc = NF_ETOOBIG;
        return;
    }
    char *o = x->txt.p + x->txt.n;
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    uint32_t chars = 0, punct = 0, commas = 0;
    bool space = x->space;
    while (p < e) {
        unsigned c = *p;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            if (!space)
                *o++ = ' ';
            space = true;
            p++;
            continue;
        }
        if (c == 0xC2 && p + 1 < e && p[1] == 0xA0) { /* no-break space */
            if (!space)
                *o++ = ' ';
            space = true;
            p += 2;
            continue;
        }
        space = false;
        if (c < 0x80) {
            if (c == ',')
                commas++;
            else if (c == '.' || c == '!' || c == '?' || c == ';' || c == ':')
                punct++;
            *o++ = (char)c;
            p++;
            chars++;
            continue;
        }
        if (c == 0xEF && p + 2 < e && p[1] == 0xBC && (p[2] == 0x8C || p[2] == 0x8E))
            commas++; /* fullwidth comma / full stop */
        else if (c == 0xE3 && p + 2 < e && p[1] == 0x80 && (p[2] == 0x81 || p[2] == 0x82))
            punct++;  /* ideographic comma / full stop */
        *o++ = (char)c;
        p++;
        while (p < e && (*p & 0xC0) == 0x80)
            *o++ = (char)*p++;
        chars++;
    }
    x->txt.n = (size_t)(o - x->txt.p);
    x->txt.p[x->txt.n] = 0;
    x->space = space;
    x->punct += punct;
    x->commas += commas;
    if (in_link) {
        if (x->lead == x->chars)
            x->lead += chars;
        x->link += chars;
    }
    x->chars += chars;
}

static void meta_from(hx *x, const GumboElement *el, GumboTag t)
{
    if (t == GUMBO_TAG_META) {
        const char *k = attr(el, "property");
        if (!k)
            k = attr(el, "name");
        if (!k)
            k = attr(el, "itemprop");
        const char *c = attr(el, "content");
        if (k && c)
            nf_html_meta_tag(x->m, k, c);
    } else if (t == GUMBO_TAG_LINK) {
        const char *rel = attr(el, "rel"), *href = attr(el, "href");
        if (rel && href && !strcasecmp(rel, "canonical"))
            nf_html_meta_tag(x->m, "canonical", href);
    } else if (t == GUMBO_TAG_TITLE && el->children.length > 0) {
        const GumboNode *c = el->children.data[0];
        if (c->type == GUMBO_NODE_TEXT)
            nf_html_meta_tag(x->m, "<title>", c->v.text.text);
    }
}

static void walk(hx *x, const GumboNode *node, int32_t parent, int32_t container, unsigned inh,
                 int depth);

static void walk_children(hx *x, const GumboVector *kids, int32_t parent, int32_t container,
                          unsigned inh, int depth)
{
    for (unsigned i = 0; i < kids->length && x->rc == NF_OK; i++)
        walk(x, kids->data[i], parent, container, inh, depth + 1);
}

/* Text of an element's subtree appended to b (for <time>, <h1> and over-deep subtrees):
 * iterative, through gumbo's parent links, so no depth can exhaust the stack. */
static void plain_text(const GumboNode *root, nf_buf *b)
{
    const GumboNode *n = root;
    while (n) {
        bool descend = false;
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
            n->type == GUMBO_NODE_CDATA) {
            if (nf_buf_append(b, n->v.text.text, strlen(n->v.text.text)) ||
                nf_buf_putc(b, ' '))
                return;
        } else if ((n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) &&
                   (n == root || !is_dropped(n->v.element.tag)) &&
                   n->v.element.children.length > 0) {
            descend = true;
        }
        if (descend) {
            n = n->v.element.children.data[0];
            continue;
        }
        /* next sibling, climbing as needed */
        while (n != root) {
            const GumboNode *p = n->parent;
            size_t k = n->index_within_parent + 1;
            if (p && k < p->v.element.children.length) {
                n = p->v.element.children.data[k];
                break;
            }
            n = p;
        }
        if (n == root)
            return;
    }
}

static void walk_element(hx *x, const GumboNode *node, int32_t parent, int32_t container,
                         unsigned inh, int depth)
{
    const GumboElement *el = &node->v.element;
    GumboTag t = el->tag;
    if (t == GUMBO_TAG_META || t == GUMBO_TAG_LINK || t == GUMBO_TAG_TITLE) {
        meta_from(x, el, t);
        return;
    }
    if (t == GUMBO_TAG_HEAD) {
        for (unsigned i = 0; i < el->children.length; i++) {
            const GumboNode *c = el->children.data[i];
            if (c->type == GUMBO_NODE_ELEMENT)
                meta_from(x, &c->v.element, c->v.element.tag);
        }
        return;
    }
    if (is_dropped(t) || t == GUMBO_TAG_BR || t == GUMBO_TAG_HR) {
        if (t == GUMBO_TAG_BR || t == GUMBO_TAG_HR)
            flush(x, container);
        else if (!x->space)
            add_text(x, " ", false);
        return;
    }
    if (t == GUMBO_TAG_TIME || t == GUMBO_TAG_H1) {
        const char *dt = t == GUMBO_TAG_TIME ? attr(el, "datetime") : NULL;
        nf_buf b;
        nf_buf_init(&b, 8192);
        if (!dt)
            plain_text(node, &b);
        nf_html_meta_tag(x->m, t == GUMBO_TAG_TIME ? "<time>" : "<h1>", dt ? dt : b.p ? b.p : "");
        nf_buf_reset(&b);
    }
    unsigned own = elem_flags(el, t);
    if ((own & F_HIDDEN) && !(x->off & NF_EX_NO_HIDDEN))
        return;
    unsigned fl = (inh & ~(unsigned)F_BLOCK) | own;
    bool separate = (own & F_BLOCK) || (own & (F_STRUCT | F_NEG | F_POS | F_ARTICLE | F_MAIN));
    int32_t me = container;
    if (separate) {
        if (nf_grow((void **)&x->e, &x->cape, x->ne + 1, sizeof *x->e)) {
            x->rc = NF_ENOMEM;
            return;
        }
        me = (int32_t)x->ne++;
        hnode *h = &x->e[me];
        h->parent = parent;
        h->tag = (uint16_t)t;
        h->flags = (uint16_t)fl;
        h->own = (uint16_t)own;
        h->good = h->bad = 0;
        parent = me;
    }
    if (separate)
        flush(x, container);
    uint32_t b0 = (uint32_t)x->nb;
    if (depth >= NF_HTML_DEPTH) {
        /* too deep to keep structure: the text still counts, as part of this block */
        nf_buf b;
        nf_buf_init(&b, x->txt.max);
        plain_text(node, &b);
        if (b.p)
            add_text(x, b.p, fl & F_LINK);
        nf_buf_reset(&b);
    } else {
        walk_children(x, &el->children, parent, separate ? me : container, fl, depth);
    }
    if (separate)
        flush(x, me);
    if (separate) {
        x->e[me].b0 = b0;
        x->e[me].b1 = (uint32_t)x->nb;
    }
}

static void walk(hx *x, const GumboNode *node, int32_t parent, int32_t container, unsigned inh,
                 int depth)
{
    switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
        add_text(x, node->v.text.text, inh & F_LINK);
        break;
    case GUMBO_NODE_WHITESPACE:
        if (!x->space)
            add_text(x, " ", false);
        break;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
        walk_element(x, node, parent, container, inh, depth);
        break;
    case GUMBO_NODE_DOCUMENT:
        walk_children(x, &node->v.document.children, parent, container, inh, depth);
        break;
    default:
        break;
    }
}

/* ---- classification ---- */

/* Short lines that are page furniture, not article text (compared case-insensitively at the
 * start of a block of at most 100 characters). */
static const char *const BOILER[] = {
    "advertisement", "advertisment", "sponsored", "read more", "read also", "see also",
    "also read", "related:", "related articles", "related stories", "share this", "share on",
    "share:", "follow us", "follow me", "sign up", "subscribe", "click here", "photo:",
    "photo by", "photograph:", "image:", "image credit", "credit:", "getty images",
    "\xC2\xA9", "copyright", "all rights reserved", "listen to", "watch:", "recommended",
    "more from", "you may also like", "you might also like", "updated:", "published:",
    "last updated", "posted by", "posted on", "by ", "reporting by", "editing by",
    "this article", "this story", "comments", "leave a comment", "skip to", "loading",
    "we use cookies", "cookie", "newsletter", "get the latest", "download the",
    "continue reading", "story continues", "trending", "most read", "most popular",
    "(ap photo", "(photo", "file photo", "tweet", "email", "print"};

static bool boiler_line(const char *s, uint32_t len, uint32_t chars)
{
    if (chars > 100)
        return false;
    while (len && (*s == '(' || *s == '[' || *s == '-' || *s == '|' || *s == '*')) {
        s++;
        len--;
    }
    if (chars <= 16 && len >= 6 && !strncasecmp(s, "advert", 6))
        return true; /* "Advert", "ADVERTISING" as a label, not a sentence about adverts */
    for (size_t i = 0; i < NF_ARRAY_LEN(BOILER); i++) {
        size_t l = strlen(BOILER[i]);
        if (l <= len && !strncasecmp(s, BOILER[i], l))
            return true;
    }
    return false;
}

static unsigned bad_mask(unsigned off)
{
    unsigned m = 0;
    if (!(off & NF_EX_NO_TAGS))
        m |= F_STRUCT;
    if (!(off & NF_EX_NO_HINTS))
        m |= F_NEG;
    return m;
}

/* Effective badness per element, top-down: an element is bad when it or an ancestor is
 * structural / negatively hinted, except that content (article, main, positive hints) inside
 * a hinted element stays eligible and the body or an <article> is never discarded whole. */
static void mark_bad(hx *x, unsigned mask)
{
    /* which elements hold marked content (article, main, positive hint) below them */
    enum { HOLDS = 1 << 15 };
    for (size_t i = 0; i < x->ne; i++)
        x->e[i].flags &= (uint16_t)~(F_BADTAG | HOLDS);
    for (size_t i = x->ne; i-- > 0;) {
        hnode *h = &x->e[i];
        if (h->parent >= 0 && ((h->flags & HOLDS) || (h->own & (F_MAIN | F_POS))))
            x->e[h->parent].flags |= HOLDS;
    }
    for (size_t i = 0; i < x->ne; i++) {
        hnode *h = &x->e[i];
        bool pbad = h->parent >= 0 && (x->e[h->parent].flags & F_BADTAG);
        /* a wrapper whose class says "sidebar" but which holds the article is not boilerplate */
        bool self = (h->own & mask) && !(h->flags & HOLDS) && h->tag != GUMBO_TAG_BODY &&
                    h->tag != GUMBO_TAG_HTML && h->tag != GUMBO_TAG_ARTICLE &&
                    h->tag != GUMBO_TAG_MAIN;
        if (pbad || self)
            h->flags |= F_BADTAG;
    }
}

/* A teaser card: a small element of several blocks, one of them a link (a headline linking
 * elsewhere) — the shape of "related", "more from" and river lists, whatever their classes. */
static void mark_cards(hx *x)
{
    for (size_t i = 0; i < x->ne; i++) {
        const hnode *h = &x->e[i];
        if (h->b1 - h->b0 < 2 || h->b1 - h->b0 > 6 ||
            (h->flags & (F_ARTICLE | F_MAIN)) || h->tag == GUMBO_TAG_BODY)
            continue;
        uint32_t chars = 0, link = 0, linkblocks = 0;
        for (uint32_t k = h->b0; k < h->b1; k++) {
            chars += x->b[k].chars;
            link += x->b[k].link;
            if (x->b[k].link * 10 >= x->b[k].chars * 7 && x->b[k].chars >= 15)
                linkblocks++;
        }
        if (chars < 600 && linkblocks >= 1 && link * 5 >= chars)
            for (uint32_t k = h->b0; k < h->b1; k++)
                x->b[k].cls = B_BAD;
    }
}

static void classify(hx *x)
{
    for (size_t i = 0; i < x->nb; i++) {
        hblock *b = &x->b[i];
        unsigned ef = b->elem >= 0 ? x->e[b->elem].flags : 0;
        double ld = b->chars ? (double)b->link / b->chars : 0;
        const char *t = x->txt.p + b->off;
        if (ef & F_BADTAG)
            b->cls = B_BAD;
        else if (!(x->off & NF_EX_NO_LINKS) && (ld > 0.5 || (ld > 0.4 && b->chars < 150)))
            b->cls = B_BAD;
        else if (!(x->off & NF_EX_NO_BOILER) && boiler_line(t, b->len, b->chars))
            b->cls = B_BAD;
        else if (t[0] == '<' && memchr(t, '=', NF_MIN(b->len, 200u)))
            b->cls = B_BAD; /* markup shown as text (escaped or from a broken noscript) */
        else if ((b->chars >= 60 || (b->len >= 2 * b->chars && b->chars >= 30)) &&
                 !(ef & F_HEAD) &&
                 ((x->off & NF_EX_NO_PUNCT) || b->punct + b->commas > 0 || b->chars >= 200))
            b->cls = B_GOOD;
        else
            b->cls = B_SHORT;
    }
    if (!(x->off & NF_EX_NO_LINKS))
        mark_cards(x);
    /* a page of short paragraphs only: sentences of 40+ characters are its prose */
    size_t good = 0;
    for (size_t i = 0; i < x->nb; i++)
        good += x->b[i].cls == B_GOOD;
    for (size_t i = 0; i < x->nb && !good; i++) {
        hblock *b = &x->b[i];
        if (b->cls == B_SHORT && b->chars >= 40 && b->punct + b->commas > 0 && !(b->flags & F_HEAD))
            b->cls = B_GOOD;
    }
}

/* Sum good and bad characters bottom-up (children come after parents in e[]). */
static void sum_up(hx *x)
{
    for (size_t i = 0; i < x->ne; i++)
        x->e[i].good = x->e[i].bad = 0;
    for (size_t i = 0; i < x->nb; i++) {
        hblock *b = &x->b[i];
        if (b->elem < 0)
            continue;
        double w = b->chars;
        if (b->cls == B_GOOD) {
            /* prose in <p> counts more than text in bare divs (Readability's paragraph rule) */
            x->e[b->elem].good += w * ((b->flags & F_P) ? 1.0 : 0.8);
        } else if (b->cls == B_BAD) {
            x->e[b->elem].bad += w;
        }
    }
    for (size_t i = x->ne; i-- > 1;) {
        hnode *h = &x->e[i];
        if (h->parent >= 0) {
            x->e[h->parent].good += h->good;
            x->e[h->parent].bad += h->bad;
        }
    }
}

/* The element maximising good - LAMBDA * bad; then <article>/<main> preference. */
#define LAMBDA 0.8
static int32_t pick(hx *x)
{
    int32_t best = -1;
    double bs = 0;
    for (size_t i = 0; i < x->ne; i++) {
        const hnode *h = &x->e[i];
        if (h->flags & F_BADTAG)
            continue;
        double s = h->good - LAMBDA * h->bad;
        if (best < 0 || s > bs) {
            best = (int32_t)i;
            bs = s;
        }
    }
    if (best < 0 || (x->off & NF_EX_NO_ARTICLE))
        return best;
    /* a container inside the chosen one that holds nearly all its good text: take it */
    int32_t art = -1;
    for (size_t i = (size_t)best + 1; i < x->ne && x->e[i].b0 < x->e[best].b1; i++) {
        const hnode *h = &x->e[i];
        if (!(h->flags & (F_ARTICLE | F_MAIN | F_POS)) || (h->flags & F_BADTAG))
            continue;
        if (h->good >= 0.9 * x->e[best].good && (art < 0 || h->good >= x->e[art].good * 0.999))
            art = (int32_t)i;
    }
    if (art >= 0)
        return art;
    /* the chosen one inside an article that has more good text around it: climb */
    for (int32_t p = x->e[best].parent; p >= 0; p = x->e[p].parent) {
        const hnode *h = &x->e[p];
        if ((h->flags & (F_ARTICLE | F_POS)) && !(h->flags & F_BADTAG) &&
            h->good - LAMBDA * h->bad > 0.7 * bs && h->good < 2.5 * x->e[best].good)
            best = p;
    }
    return best;
}

/* ---- output ---- */

/* A short block that reads as a sentence: ends in . ! ? or a closing quote after one. */
static bool sentence(const hblock *b, const hx *x)
{
    const char *t = x->txt.p + b->off;
    if (b->chars < 30 || (b->flags & F_HEAD) || b->link * 2 > b->chars)
        return false;
    const char *e = t + b->len;
    while (e > t && ((unsigned char)e[-1] >= 0x80 || e[-1] == '"' || e[-1] == '\'' || e[-1] == ')'))
        e--;
    return e > t && (e[-1] == '.' || e[-1] == '!' || e[-1] == '?');
}

static nf_rc emit(hx *x, int32_t c, nf_buf *out, uint32_t *paras)
{
    const hnode *h = &x->e[c];
    uint32_t first = h->b1, last = h->b0;
    for (uint32_t i = h->b0; i < h->b1; i++)
        if (x->b[i].cls == B_GOOD) {
            if (first == h->b1)
                first = i;
            last = i;
        }
    if (first == h->b1)
        return NF_OK;
    if (x->off & NF_EX_NO_TRIM) {
        first = h->b0;
        last = h->b1 - 1;
    } else {
        /* the article may end in a list or table of short lines: keep them up to the first
         * bad block; at the head, keep short sentences (a lead-in), not bylines or titles */
        while (last + 1 < h->b1 && x->b[last + 1].cls == B_SHORT)
            last++;
        while (first > h->b0 && x->b[first - 1].cls == B_SHORT && sentence(&x->b[first - 1], x))
            first--;
    }
    nf_rc rc = NF_OK;
    for (uint32_t i = first; i <= last && rc == NF_OK; i++) {
        const hblock *b = &x->b[i];
        if (b->cls == B_BAD)
            continue;
        if (out->n && (rc = nf_buf_append(out, "\n\n", 2)) != NF_OK)
            break;
        rc = nf_buf_append(out, x->txt.p + b->off, b->len);
        ++*paras;
    }
    return rc;
}

/* ---- JSON-LD check: share of articleBody's word 4-grams present in the DOM text ---- */

#define XXH_INLINE_ALL
#include <xxhash.h>

static size_t word_hashes(const char *s, uint64_t **out)
{
    size_t n = strlen(s), cap = n / 4 + 4, k = 0;
    uint64_t *h = malloc(cap * sizeof *h);
    if (!h)
        return 0;
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        while (p < e && *p < 0x80 && !isalnum(*p))
            p++;
        const unsigned char *q = p;
        while (q < e && (*q >= 0x80 || isalnum(*q)))
            q++;
        if (q > p && k < cap)
            h[k++] = XXH3_64bits(p, (size_t)(q - p));
        p = q;
    }
    *out = h;
    return k;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t grams(const uint64_t *w, size_t n, uint64_t *g)
{
    if (n < 4)
        return 0;
    for (size_t i = 0; i + 4 <= n; i++)
        g[i] = w[i] * 0x9E3779B97F4A7C15ull ^ (w[i + 1] * 31 + w[i + 2]) * 0xC2B2AE3D27D4EB4Full ^ w[i + 3];
    qsort(g, n - 3, sizeof *g, cmp_u64);
    return n - 3;
}

/* Fraction of a's 4-grams found in b (0 when a has none). */
static double covered(const char *a, const char *b)
{
    uint64_t *wa = NULL, *wb = NULL;
    size_t na = word_hashes(a, &wa), nb = word_hashes(b, &wb);
    double r = 0;
    if (na >= 4 && nb >= 4) {
        size_t ga = grams(wa, na, wa), gb = grams(wb, nb, wb), hit = 0;
        for (size_t i = 0, j = 0; i < ga; i++) {
            while (j < gb && wb[j] < wa[i])
                j++;
            if (j < gb && wb[j] == wa[i])
                hit++;
        }
        r = (double)hit / ga;
    }
    free(wa);
    free(wb);
    return r;
}

/* ---- driver ---- */

static const char *run_dom(hx *x, unsigned off, nf_buf *out, uint32_t *paras)
{
    x->off = off;
    mark_bad(x, bad_mask(off));
    classify(x);
    sum_up(x);
    int32_t c = pick(x);
    out->n = 0;
    *paras = 0;
    if (c < 0)
        return "no text in the page";
    if (x->e[c].good <= 0)
        return "no block of prose found (menus, links or short lines only)";
    nf_rc rc = emit(x, c, out, paras);
    if (rc)
        x->rc = rc;
    return out->n ? NULL : "no block of prose found";
}

static bool looks_binary(const char *s, size_t n)
{
    size_t k = NF_MIN(n, (size_t)4096), ctl = 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f'))
            ctl++;
    }
    if (ctl * 10 > k)
        return true;
    /* HTML has a tag early on */
    return k >= 512 && !memchr(s, '<', k);
}

static char *dup_buf(const nf_buf *b)
{
    char *s = malloc(b->n + 1);
    if (s) {
        if (b->n)
            memcpy(s, b->p, b->n);
        s[b->n] = 0;
    }
    return s;
}

nf_rc nf_extract_html_opts(const char *html, size_t n, const char *url_hint,
                           const nf_extract_opts *opts, nf_extracted *out)
{
    static const nf_extract_opts defaults;
    if (!opts)
        opts = &defaults;
    if (!out || (!html && n))
        return NF_EINVAL;
    nf_extracted_reset(out);
    size_t max = opts->max_bytes ? opts->max_bytes : NF_HTML_MAX;
    nf_buf raw, dec, pre, ld, body;
    nf_buf_init(&raw, max);
    nf_buf_init(&dec, max * 3 + 16);
    nf_buf_init(&pre, max * 3 + 16);
    nf_buf_init(&ld, max * 3 + 16);
    nf_buf_init(&body, max * 3 + 16);
    nf_html_meta meta;
    memset(&meta, 0, sizeof meta);
    hx x;
    memset(&x, 0, sizeof x);
    nf_buf_init(&x.txt, max * 3 + 16);
    x.m = &meta;
    GumboOutput *g = NULL;
    nf_rc rc = NF_OK;

    if (n >= 2 && (unsigned char)html[0] == 0x1f && (unsigned char)html[1] == 0x8b) {
        if ((rc = nf_decompress(html, n, &raw, NULL, 0)) != NF_OK)   /* the readers' decoder */
            goto done;
        html = raw.p ? raw.p : "";
        n = raw.n;
    }
    if (n > max) {
        rc = NF_ETOOBIG;
        goto done;
    }
    if (looks_binary(html, n)) {
        rc = NF_EBINARY;
        goto done;
    }
    if ((rc = nf_html_decode(html, n, max, &dec, out->charset, sizeof out->charset)) != NF_OK)
        goto done;
    if ((rc = nf_html_prescan(dec.p ? dec.p : "", dec.n, &pre, &ld)) != NF_OK)
        goto done;
    nf_buf_reset(&dec);
    GumboOptions go = kGumboDefaultOptions;
    go.max_errors = 0;
    g = gumbo_parse_with_options(&go, pre.p ? pre.p : "", pre.n);
    if (!g) {
        rc = NF_ENOMEM;
        goto done;
    }
    x.cur = 0;
    x.space = true;
    walk(&x, g->document, -1, -1, 0, 0);
    flush(&x, -1);
    gumbo_destroy_output(&go, g);
    g = NULL;
    nf_buf_reset(&pre);
    if (x.rc) {
        rc = x.rc;
        goto done;
    }
    if (ld.n)
        nf_html_meta_jsonld(&meta, ld.p, ld.n);

    uint32_t paras = 0;
    const char *why = run_dom(&x, opts->off, &body, &paras);
    /* too little: the hints may have thrown the article away (Readability's retry) */
    if (!(opts->off & NF_EX_NO_RETRY) && body.n < 250 && !x.rc) {
        nf_buf alt;
        nf_buf_init(&alt, body.max);
        uint32_t ap = 0;
        const char *w2 = run_dom(&x, opts->off | NF_EX_NO_HINTS | NF_EX_NO_TAGS, &alt, &ap);
        if (alt.n > body.n * 2 && alt.n >= 250) {
            nf_buf_reset(&body);
            body = alt;
            paras = ap;
            why = w2;
        } else {
            nf_buf_reset(&alt);
        }
    }
    if (x.rc) {
        rc = x.rc;
        goto done;
    }
    /* JSON-LD articleBody: when the DOM text covers little of it, it is the better body */
    if (!(opts->off & NF_EX_NO_JSONLD) && meta.ld_body && strlen(meta.ld_body) >= 200 &&
        !strchr(meta.ld_body, '<')) {
        double cov = body.n ? covered(meta.ld_body, body.p) : 0;
        if (cov < 0.5) {
            body.n = 0;
            paras = 0;
            const char *s = meta.ld_body;
            while (*s) {
                const char *nl = strchr(s, '\n');
                size_t l = nl ? (size_t)(nl - s) : strlen(s);
                size_t a = 0, b = l;
                while (a < b && isspace((unsigned char)s[a]))
                    a++;
                while (b > a && isspace((unsigned char)s[b - 1]))
                    b--;
                if (b > a) {
                    if (body.n)
                        nf_buf_append(&body, "\n\n", 2);
                    nf_buf_append(&body, s + a, b - a);
                    paras++;
                }
                s += l + (nl != NULL);
            }
            why = body.n ? NULL : why;
        }
    }
    out->text = dup_buf(&body);
    if (!out->text) {
        rc = NF_ENOMEM;
        goto done;
    }
    out->text_len = body.n;
    out->paragraphs = paras;
    out->reason = body.n ? NULL : (why ? why : "no article text found");
    rc = nf_html_meta_finish(&meta, url_hint, opts->off, out);
done:
    if (g)
        gumbo_destroy_output(&kGumboDefaultOptions, g);
    nf_html_meta_reset(&meta);
    free(x.b);
    free(x.e);
    nf_buf_reset(&x.txt);
    nf_buf_reset(&raw);
    nf_buf_reset(&dec);
    nf_buf_reset(&pre);
    nf_buf_reset(&ld);
    nf_buf_reset(&body);
    if (rc != NF_OK) {
        char cs[32];
        memcpy(cs, out->charset, sizeof cs);
        nf_extracted_reset(out);
        memcpy(out->charset, cs, sizeof cs);
        out->reason = nf_strerror(rc);
    }
    return rc;
}

nf_rc nf_extract_html(const char *html, size_t n, const char *url_hint, nf_extracted *out)
{
    return nf_extract_html_opts(html, n, url_hint, NULL, out);
}

void nf_extracted_init(nf_extracted *x)
{
    memset(x, 0, sizeof *x);
    x->time = NF_NO_TIME;
}

void nf_extracted_reset(nf_extracted *x)
{
    free(x->text);
    free(x->title);
    free(x->date);
    free(x->outlet);
    free(x->url);
    nf_extracted_init(x);
}

const char *nf_date_source_name(nf_date_source s)
{
    switch (s) {
    case NF_DATE_JSONLD: return "json-ld";
    case NF_DATE_META: return "meta";
    case NF_DATE_TIME: return "time";
    case NF_DATE_URL: return "url";
    default: return "none";
    }
}
