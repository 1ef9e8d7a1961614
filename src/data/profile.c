/* Source profiles (iv_source_load): an INI file of source options (doc/SOURCES.md,
 * "Profiles"), found by path or, by NAME, among the profiles installed with the library.
 *
 * Sections: [source] (scalar options; time_format may repeat; map/set/values as their
 * option values), [map] `src = dst`, [set] `field = value`, [values.FIELD] `from = to`.
 * Keys of [map] and [values.FIELD] are column names and source values, which hold spaces
 * and other punctuation, so lines are split at the first '=' here rather than with the
 * INI tokenizer (whose keys are identifiers); a key may be quoted ("a = b" = c). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "source.h"
#include "text.h"
#include "wire.h"

#ifndef IV_PROFILE_DIR
#define IV_PROFILE_DIR "/usr/local/share/libiv/profiles"
#endif

enum { S_NONE, S_SOURCE, S_MAP, S_SET, S_VALUES };

typedef struct pstate {
    iv_source *src;
    const char *origin;
    long line;
    int sec;
    char field[64]; /* FIELD of [values.FIELD] */
} pstate;

static int perr(const pstate *p, const char *fmt, const char *s, size_t n)
{
    return iv__parse_error(p->origin, p->line, fmt, (int)(n > 80 ? 80 : n), s);
}

static int section(pstate *p, const char *s, size_t n)
{
    const char *name = s + 1;
    size_t k = n > 1 && s[n - 1] == ']' ? n - 2 : 0;
    if (n < 2 || s[n - 1] != ']')
        return perr(p, "section header without ']': '%.*s'", s, n);
    iv__trim(&name, &k);
    if (iv__ieq(name, k, "source"))
        p->sec = S_SOURCE;
    else if (iv__ieq(name, k, "map"))
        p->sec = S_MAP;
    else if (iv__ieq(name, k, "set"))
        p->sec = S_SET;
    else if (k > 7 && iv__ieq(name, 7, "values.")) {
        const char *f = name + 7;
        size_t fn = k - 7;
        iv__trim(&f, &fn);
        if (fn == 0 || fn >= sizeof p->field)
            return perr(p, "bad field name in [%.*s]", name, k);
        memcpy(p->field, f, fn);
        p->field[fn] = '\0';
        p->sec = S_VALUES;
    } else {
        return perr(p, "unknown section [%.*s] (expected [source], [map], [set] or "
                       "[values.FIELD])", name, k);
    }
    return IV_OK;
}

/* key = value: the key is everything before the first '=' (or a "quoted" key). */
static int pair(pstate *p, const char *s, size_t n)
{
    const char *key = s, *val;
    size_t kn, vn, eq = 0;
    char kbuf[1024], vbuf[1024];
    int rc;
    if (n && s[0] == '"') {
        const char *close = memchr(s + 1, '"', n - 1);
        if (!close)
            return perr(p, "unterminated quoted key: '%.*s'", s, n);
        key = s + 1;
        kn = (size_t)(close - key);
        eq = (size_t)(close - s) + 1;
        while (eq < n && (s[eq] == ' ' || s[eq] == '\t'))
            eq++;
        if (eq >= n || s[eq] != '=')
            return perr(p, "expected '=' after the quoted key: '%.*s'", s, n);
    } else {
        while (eq < n && s[eq] != '=')
            eq++;
        if (eq == n)
            return perr(p, "expected 'key = value', '[section]' or a comment: '%.*s'", s, n);
        kn = eq;
        iv__trim(&key, &kn);
    }
    val = s + eq + 1;
    vn = n - eq - 1;
    iv__trim(&val, &vn);
    if (kn == 0)
        return perr(p, "missing key before '=': '%.*s'", s, n);
    if (kn >= sizeof kbuf || vn >= sizeof vbuf)
        return perr(p, "line too long: '%.*s'", s, n);
    memcpy(kbuf, key, kn);
    kbuf[kn] = '\0';
    memcpy(vbuf, val, vn);
    vbuf[vn] = '\0';
    switch (p->sec) {
    case S_SOURCE: rc = iv_source_set(p->src, kbuf, vbuf); break;
    case S_MAP: rc = iv__source_add_map(p->src, key, kn, val, vn); break;
    case S_SET: rc = iv__source_add_set(p->src, key, kn, val, vn); break;
    case S_VALUES:
        rc = iv__source_add_value(p->src, p->field, strlen(p->field), key, kn, val, vn);
        break;
    default: return perr(p, "key '%.*s' outside a section", key, kn);
    }
    if (rc == IV_EINVAL) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", iv_error_last());
        return iv__parse_error(p->origin, p->line, "%s", msg);
    }
    return rc;
}

static int parse(iv_source *src, const char *origin, const char *text, size_t len)
{
    pstate p;
    size_t pos = 0;
    int rc = IV_OK;
    memset(&p, 0, sizeof p);
    p.src = src;
    p.origin = origin;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len && rc == IV_OK) {
        size_t end = pos, n;
        const char *s = text + pos;
        while (end < len && text[end] != '\n')
            end++;
        n = end - pos;
        pos = end + 1;
        p.line++;
        if (memchr(s, '\0', n))
            return perr(&p, "NUL byte in the text%.*s", "", 0);
        iv__trim(&s, &n);
        if (n == 0 || s[0] == '#' || s[0] == ';')
            continue;
        rc = s[0] == '[' ? section(&p, s, n) : pair(&p, s, n);
    }
    return rc;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A NAME: letters, digits, '_' and '-' only (never a path). */
static int is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Look NAME.ini up in the directories of IV_PROFILE_PATH (':'-separated), then in the
 * installed profile directory. */
static int find_profile(const char *name, char *out, size_t cap)
{
    const char *env = getenv("IV_PROFILE_PATH");
    const char *dirs[2];
    int d;
    dirs[0] = env && *env ? env : NULL;
    dirs[1] = IV_PROFILE_DIR;
    for (d = 0; d < 2; d++) {
        const char *s = dirs[d];
        while (s && *s) {
            const char *colon = strchr(s, ':');
            size_t n = colon ? (size_t)(colon - s) : strlen(s);
            if (n && (size_t)snprintf(out, cap, "%.*s/%s.ini", (int)n, s, name) < cap &&
                is_file(out))
                return 1;
            s = colon ? colon + 1 : NULL;
        }
    }
    return 0;
}

IV_API int iv_source_load(iv_source *src, const char *file_or_name)
{
    char path[4096];
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    if (!src || !file_or_name)
        return iv__error(IV_EINVAL, "iv_source_load: NULL argument");
    if (is_file(file_or_name) || !is_name(file_or_name)) {
        snprintf(path, sizeof path, "%s", file_or_name);
    } else if (!find_profile(file_or_name, path, sizeof path)) {
        return iv__error(IV_ENOTFOUND,
                         "no source profile '%s' (not a file; looked for %s.ini in "
                         "IV_PROFILE_PATH and %s; shipped: hubspot, salesforce, zendesk, "
                         "intercom, segment)", file_or_name, file_or_name, IV_PROFILE_DIR);
    }
    if ((rc = iv__read_file(&src->alloc, path, IV__TEXT_FILE_LIMIT, &buf, &len)) != IV_OK)
        return rc;
    rc = parse(src, path, (const char *)buf, len);
    iv__free(&src->alloc, buf, len);
    return rc;
}
