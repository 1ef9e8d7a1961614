/* This file implements the text toolkit of text.h: blanks and trimming, positioned parse
 * errors, finite numbers, separated lists, the INI tokenizer and the CSV field writer. */
#include <math.h>
#include <stdio.h>

#include "numparse.h"
#include "text.h"

int iv__text_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void iv__trim(const char **s, size_t *n)
{
    while (*n && iv__text_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && iv__text_space((*s)[*n - 1]))
        (*n)--;
}

static int iv__vparse_error(const char *origin, long line, const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (origin)
        return iv__error(IV_EPARSE, "%s:%ld: %s", origin, line, msg);
    return iv__error(IV_EPARSE, "line %ld: %s", line, msg);
}

int iv__parse_error(const char *origin, long line, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = iv__vparse_error(origin, line, fmt, ap);
    va_end(ap);
    return rc;
}

int iv__parse_finite(const char *s, size_t n, double *out)
{
    double v;
    if (n == 0 || iv__num_parse(s, n, &v) != IV_OK || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int iv__list_next(const char *s, size_t n, char sep, size_t *pos, const char **item,
                  size_t *len)
{
    size_t i = *pos, j = i;
    if (i > n)
        return 0;
    while (j < n && s[j] != sep)
        j++;
    *item = s + i;
    *len = j - i;
    iv__trim(item, len);
    *pos = j + 1;
    return 1;
}

/* ---- INI ---- */

void iv__ini_init(iv__ini *t, const char *text, size_t len, const char *origin)
{
    memset(t, 0, sizeof *t);
    t->text = text ? text : "";
    t->len = text ? len : 0;
    t->origin = origin;
    if (t->len >= 3 && memcmp(t->text, "\xEF\xBB\xBF", 3) == 0)
        t->pos = 3;
}

int iv__ini_error(const iv__ini *t, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = iv__vparse_error(t->origin, t->line, fmt, ap);
    va_end(ap);
    return rc;
}

static int iv__ini_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* A header line s[0..n), s[0] == '['. The closing ']' is the first outside quotes. */
static int iv__ini_section(iv__ini *t, const char *s, size_t n)
{
    size_t i, close = n;
    int in_quote = 0;
    for (i = 1; i < n; i++) {
        if (in_quote && s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '"')
            in_quote = !in_quote;
        else if (s[i] == ']' && !in_quote) {
            close = i;
            break;
        }
    }
    if (close == n)
        return iv__ini_error(t, "section header without ']'");
    for (i = close + 1; i < n && iv__text_space(s[i]); i++)
        ;
    if (i < n && s[i] != ';' && s[i] != '#')
        return iv__ini_error(t, "unexpected text after [%.*s]", (int)(close - 1), s + 1);
    t->section = s + 1;
    t->section_len = close - 1;
    iv__trim(&t->section, &t->section_len);
    return IV__INI_SECTION;
}

/* A free-form key: s[0..n) up to the first '=' (trimmed), or a "quoted key". Sets *eq
 * to the position of the '='. */
static int iv__ini_free_key(iv__ini *t, const char *s, size_t n, size_t *eq)
{
    size_t i;
    if (s[0] == '"') {
        const char *close = memchr(s + 1, '"', n - 1);
        if (!close)
            return iv__ini_error(t, "unterminated quoted key: '%.*s'", (int)n, s);
        t->key = s + 1;
        t->key_len = (size_t)(close - t->key);
        for (i = (size_t)(close - s) + 1; i < n && iv__text_space(s[i]); i++)
            ;
        if (i >= n || s[i] != '=')
            return iv__ini_error(t, "expected '=' after the quoted key: '%.*s'", (int)n, s);
        *eq = i;
        return IV_OK;
    }
    for (i = 0; i < n && s[i] != '='; i++)
        ;
    if (i == n)
        return iv__ini_error(t, "expected 'key = value', '[section]' or a comment: '%.*s'",
                             (int)(n > 80 ? 80 : n), s);
    t->key = s;
    t->key_len = i;
    iv__trim(&t->key, &t->key_len);
    *eq = i;
    return IV_OK;
}

static int iv__ini_pair(iv__ini *t, const char *s, size_t n)
{
    size_t eq = 0, i, vn, kn;
    const char *k = s, *v;
    if (t->free_form) {
        int rc = iv__ini_free_key(t, s, n, &eq);
        if (rc != IV_OK)
            return rc;
        k = t->key;
        kn = t->key_len;
    } else {
        for (eq = 0; eq < n && s[eq] != '='; eq++)
            ;
        if (eq == n)
            return iv__ini_error(t, "expected 'key = value', '[section]' or a comment");
        kn = eq;
        iv__trim(&k, &kn);
        for (i = 0; i < kn; i++)
            if (!iv__ini_key_char(k[i]))
                return iv__ini_error(t, "bad key '%.*s'", (int)kn, k);
    }
    if (kn == 0)
        return iv__ini_error(t, "missing key before '='");
    v = s + eq + 1;
    vn = n - eq - 1;
    if (!t->free_form)
        for (vn = 0; eq + 1 + vn < n && v[vn] != ';' && v[vn] != '#'; vn++)
            ;
    iv__trim(&v, &vn);
    t->key = k;
    t->key_len = kn;
    t->value = v;
    t->value_len = vn;
    return IV__INI_PAIR;
}

int iv__ini_next(iv__ini *t)
{
    while (t->pos < t->len) {
        size_t end = t->pos, n;
        const char *s;
        while (end < t->len && t->text[end] != '\n')
            end++;
        t->line++;
        s = t->text + t->pos;
        n = end - t->pos;
        t->pos = end + 1;
        if (memchr(s, '\0', n))
            return iv__ini_error(t, "NUL byte in the text");
        iv__trim(&s, &n);
        if (n == 0 || s[0] == ';' || s[0] == '#')
            continue;
        if (s[0] == '[')
            return iv__ini_section(t, s, n);
        return iv__ini_pair(t, s, n);
    }
    return IV__INI_END;
}

/* ---- CSV ---- */

void iv__csv_put_field(const char *s, char delim, iv__put_fn put, void *payload)
{
    size_t n = strlen(s), i, from = 0;
    int quote = n && (iv__text_space(s[0]) || iv__text_space(s[n - 1]));
    for (i = 0; i < n && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        put(payload, s, n);
        return;
    }
    put(payload, "\"", 1);
    for (i = 0; i < n; i++)
        if (s[i] == '"') {
            put(payload, s + from, i + 1 - from); /* through the quote, then it again */
            from = i;
        }
    put(payload, s + from, n - from);
    put(payload, "\"", 1);
}
