/* JSON Lines (https://jsonlines.org/): each line is one JSON value (RFC 8259); libiv
 * wants an object whose members are scalars. Strings are unescaped per RFC 8259
 * section 7, \uXXXX surrogate pairs combined into one code point and written as UTF-8
 * (RFC 3629). Nested objects and arrays are skipped, never recursed into, with a depth
 * counter checked against max_depth, and make the row bad. */
#include <stdio.h>

#include "jsonl.h"

typedef struct iv__jp {
    iv__jsonl *j;
    const char *s, *e, *base;
    char *out; /* next free byte of scratch */
} iv__jp;

void iv__jsonl_init(iv__jsonl *j, const iv__alloc *a, size_t max_members, size_t max_depth)
{
    memset(j, 0, sizeof *j);
    j->alloc = a;
    j->max_members = max_members;
    j->max_depth = max_depth;
}

void iv__jsonl_free(iv__jsonl *j)
{
    iv__free(j->alloc, j->kbuf, j->capk);
    j->kbuf = NULL;
    j->capk = 0;
    iv__free(j->alloc, j->m, j->cap * sizeof *j->m);
    j->m = NULL;
    j->cap = 0;
}

static int iv__jbad(iv__jp *p, const char *at, const char *fmt, const char *arg)
{
    snprintf(p->j->why, sizeof p->j->why, fmt, arg);
    p->j->err_col = (size_t)(at - p->base) + 1;
    return 1;
}

static void iv__jws(iv__jp *p)
{
    while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\r' || *p->s == '\n'))
        p->s++;
}

static int iv__hex4(const char *s, unsigned *v)
{
    unsigned x = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)s[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= c - '0';
        else if (c >= 'a' && c <= 'f')
            x |= c - 'a' + 10u;
        else if (c >= 'A' && c <= 'F')
            x |= c - 'A' + 10u;
        else
            return 0;
    }
    *v = x;
    return 1;
}

static char *iv__utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* A string at p->s (the opening quote). Returns 0 and the unescaped bytes, or 1 (bad). */
static int iv__jstring(iv__jp *p, const char **out, size_t *n)
{
    const char *s = p->s + 1, *start = s;
    char *o;
    /* fast path: no escapes */
    while (s < p->e && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
        s++;
    if (s < p->e && *s == '"') {
        *out = start;
        *n = (size_t)(s - start);
        p->s = s + 1;
        return 0;
    }
    o = p->out;
    memcpy(o, start, (size_t)(s - start));
    o += s - start;
    while (s < p->e) {
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            *out = p->out;
            *n = (size_t)(o - p->out);
            p->out = o;
            p->s = s + 1;
            return 0;
        }
        if (c < 0x20)
            return iv__jbad(p, s, "control character inside a string%s", "");
        if (c != '\\') {
            *o++ = (char)c;
            s++;
            continue;
        }
        if (s + 1 >= p->e)
            break;
        switch (s[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (p->e - s < 6 || !iv__hex4(s + 2, &cp))
                return iv__jbad(p, s, "bad \\u escape%s", "");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* a high surrogate must be followed by \u and a low surrogate */
                if (p->e - s < 12 || s[6] != '\\' || s[7] != 'u' || !iv__hex4(s + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return iv__jbad(p, s, "unpaired UTF-16 surrogate in \\u escape%s", "");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return iv__jbad(p, s, "unpaired UTF-16 surrogate in \\u escape%s", "");
            }
            if (cp == 0)
                return iv__jbad(p, s, "NUL character (\\u0000) in a string%s", "");
            o = iv__utf8(o, cp);
            s += 6;
            continue;
        }
        default:
            return iv__jbad(p, s, "bad escape in a string%s", "");
        }
        s += 2;
    }
    return iv__jbad(p, p->s, "unterminated string%s", "");
}

/* RFC 8259 section 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int iv__jnumber(iv__jp *p, const char **out, size_t *n)
{
    const char *s = p->s, *e = p->e, *start = s;
    if (s < e && *s == '-')
        s++;
    if (s < e && *s == '0') {
        s++;
    } else if (s < e && *s >= '1' && *s <= '9') {
        while (s < e && (unsigned)(*s - '0') < 10)
            s++;
    } else {
        return iv__jbad(p, start, "invalid JSON value%s", "");
    }
    if (s < e && *s == '.') {
        const char *d = ++s;
        while (s < e && (unsigned)(*s - '0') < 10)
            s++;
        if (s == d)
            return iv__jbad(p, start, "invalid JSON number%s", "");
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        const char *d;
        s++;
        if (s < e && (*s == '+' || *s == '-'))
            s++;
        d = s;
        while (s < e && (unsigned)(*s - '0') < 10)
            s++;
        if (s == d)
            return iv__jbad(p, start, "invalid JSON number%s", "");
    }
    *out = start;
    *n = (size_t)(s - start);
    p->s = s;
    return 0;
}

/* Skip a nested object or array starting at p->s, at nesting depth depth (the
 * enclosing object is depth 1). Strings inside are skipped escape-aware; structure
 * is only checked for balance, the row being bad anyway. */
static int iv__jskip(iv__jp *p, size_t depth, const char *key)
{
    const char *at = p->s;
    size_t d = 0;
    while (p->s < p->e) {
        char c = *p->s;
        if (c == '{' || c == '[') {
            d++;
            if (depth + d > p->j->max_depth)
                return iv__jbad(p, p->s, "JSON nested deeper than max_depth%s", "");
            p->s++;
        } else if (c == '}' || c == ']') {
            d--;
            p->s++;
            if (d == 0) {
                if (p->j->flatten)
                    return 0;
                return iv__jbad(p, at, "nested object or array for key '%s' (only flat objects are rows; "
                                "a map with a dotted path, key.name=field, reads inside it)", key);
            }
        } else if (c == '"') {
            const char *s = p->s + 1;
            while (s < p->e && *s != '"')
                s += (*s == '\\') ? 2 : 1;
            if (s >= p->e)
                break;
            p->s = s + 1;
        } else {
            p->s++;
        }
    }
    return iv__jbad(p, at, "unterminated nested value for key '%s'", key);
}

/* Flatten mode: append a[0..na) "." b[0..nb) (or just b when the member is at the top,
 * nested 0) to the key arena; *off receives where. The parent's path may be empty (a
 * member of an object under the key ""): it is still followed by the dot, so the stored
 * path is always na + 1 + nb bytes long below the top. The arena may move: callers keep
 * offsets. */
static int iv__jkey_put(iv__jsonl *j, size_t *used, int nested, size_t aoff, size_t na, const char *b,
                        size_t nb, size_t *off)
{
    size_t need = *used + na + 1 + nb;
    if (need > j->capk) {
        size_t cap = j->capk;
        if (iv__grow(j->alloc, (void **)&j->kbuf, &cap, need, 1))
            return IV_ENOMEM;
        j->capk = cap;
    }
    *off = *used;
    if (nested) {
        memcpy(j->kbuf + *used, j->kbuf + aoff, na);
        j->kbuf[*used + na] = '.';
        *used += na + 1;
    }
    memcpy(j->kbuf + *used, b, nb);
    *used += nb;
    return IV_OK;
}

/* The members of the object at p->s ('{'), at nesting depth depth (the line's object
 * is 1). In flatten mode the path of this object is kbuf[poff..poff+plen) (plen 0 at
 * depth 1). Returns IV_OK (with *bad when the record is bad) or IV_ENOMEM. */
static int iv__jobject(iv__jp *p, size_t depth, size_t poff, size_t plen, size_t *kused, int *bad)
{
    iv__jsonl *j = p->j;
    const char *line = p->base;
    *bad = 1;
    if (depth > j->max_depth) {
        iv__jbad(p, p->s, "JSON nested deeper than max_depth%s", "");
        return IV_OK;
    }
    p->s++;
    iv__jws(p);
    if (p->s < p->e && *p->s == '}') {
        p->s++;
        *bad = 0;
        return IV_OK;
    }
    for (;;) {
        iv__jmember m;
        char keyz[48];
        size_t koff = 0;
        iv__jws(p);
        if (p->s >= p->e || *p->s != '"') {
            iv__jbad(p, p->s, "expected a string key%s", "");
            return IV_OK;
        }
        m.col = (size_t)(p->s - line) + 1;
        m.nested = depth > 1;
        if (iv__jstring(p, &m.key, &m.nkey))
            return IV_OK;
        iv__jws(p);
        if (p->s >= p->e || *p->s != ':') {
            iv__jbad(p, p->s, "expected ':' after a key%s", "");
            return IV_OK;
        }
        p->s++;
        iv__jws(p);
        if (p->s >= p->e) {
            iv__jbad(p, p->s, "missing value%s", "");
            return IV_OK;
        }
        if (j->flatten && (depth > 1 || *p->s == '{' || *p->s == '[')) {
            /* the member's full path goes to the arena */
            if (iv__jkey_put(j, kused, depth > 1, poff, plen, m.key, m.nkey, &koff))
                return IV_ENOMEM;
            m.nkey = depth > 1 ? plen + 1 + m.nkey : m.nkey;
            m.key = NULL; /* set from koff once the arena stops moving */
        }
        switch (*p->s) {
        case '"':
            m.kind = IV__JV_STRING;
            if (iv__jstring(p, &m.val, &m.nval))
                return IV_OK;
            break;
        case '{':
        case '[':
            if (!j->flatten) {
                snprintf(keyz, sizeof keyz, "%.*s", (int)IV__MIN(m.nkey, 40), m.key);
                iv__jskip(p, depth, keyz);
                return IV_OK;
            }
            m.kind = IV__JV_NESTED;
            m.val = p->s;
            if (*p->s == '{') {
                int rc, b2;
                size_t nk = m.nkey;
                /* the object's own member first, then its members */
                if (j->n >= j->max_members) {
                    iv__jbad(p, line + m.col - 1, "too many keys%s", "");
                    return IV_OK;
                }
                if (j->n >= j->cap && (rc = iv__grow(j->alloc, (void **)&j->m, &j->cap, j->n + 1, sizeof *j->m)))
                    return rc;
                m.nval = 0;
                m.key = (const char *)(uintptr_t)koff;
                j->m[j->n++] = m;
                if ((rc = iv__jobject(p, depth + 1, koff, nk, kused, &b2)) != IV_OK || b2)
                    return rc;
                goto next;
            }
            snprintf(keyz, sizeof keyz, "%.*s", (int)IV__MIN(m.nkey, 40), m.key ? m.key : "");
            if (iv__jskip(p, depth, keyz))
                return IV_OK;
            m.nval = (size_t)(p->s - m.val);
            break;
        case 't':
        case 'f':
        case 'n': {
            static const char *const lit[3] = { "true", "false", "null" };
            int w = *p->s == 't' ? 0 : *p->s == 'f' ? 1 : 2;
            size_t l = strlen(lit[w]);
            if ((size_t)(p->e - p->s) < l || memcmp(p->s, lit[w], l) != 0) {
                iv__jbad(p, p->s, "invalid JSON value%s", "");
                return IV_OK;
            }
            m.kind = w == 2 ? IV__JV_NULL : IV__JV_BOOL;
            m.val = p->s;
            m.nval = l;
            p->s += l;
            break;
        }
        default:
            m.kind = IV__JV_NUMBER;
            if (iv__jnumber(p, &m.val, &m.nval))
                return IV_OK;
            break;
        }
        if (j->n >= j->max_members) {
            iv__jbad(p, line + m.col - 1, "too many keys%s", "");
            return IV_OK;
        }
        if (j->n >= j->cap) {
            int rc = iv__grow(j->alloc, (void **)&j->m, &j->cap, j->n + 1, sizeof *j->m);
            if (rc)
                return rc;
        }
        if (!m.key)
            m.key = (const char *)(uintptr_t)koff;
        j->m[j->n++] = m;
    next:
        iv__jws(p);
        if (p->s < p->e && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->e && *p->s == '}') {
            p->s++;
            break;
        }
        iv__jbad(p, p->s, "expected ',' or '}'%s", "");
        return IV_OK;
    }
    *bad = 0;
    return IV_OK;
}

int iv__jsonl_parse(iv__jsonl *j, const char *line, size_t len, char *scratch, int *bad)
{
    iv__jp p;
    size_t kused = 0, i;
    int rc;
    p.j = j;
    p.s = p.base = line;
    p.e = line + len;
    p.out = scratch;
    j->n = 0;
    j->why[0] = '\0';
    j->err_col = 0;
    *bad = 1;

    iv__jws(&p);
    if (p.s >= p.e || *p.s != '{') {
        iv__jbad(&p, p.s, "not a JSON object%s", "");
        return IV_OK;
    }
    if ((rc = iv__jobject(&p, 1, 0, 0, &kused, bad)) != IV_OK || *bad)
        return rc;
    *bad = 1;
    iv__jws(&p);
    if (p.s != p.e) {
        iv__jbad(&p, p.s, "characters after the JSON object%s", "");
        return IV_OK;
    }
    if (j->flatten)
        for (i = 0; i < j->n; i++)
            if (j->m[i].nested || j->m[i].kind == IV__JV_NESTED)
                j->m[i].key = j->kbuf + (size_t)(uintptr_t)j->m[i].key;
    *bad = 0;
    return IV_OK;
}
