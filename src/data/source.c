/* Source options (iv_source): parsing and validating each option's value, the one
 * string-keyed setter, the value-mapping lookup and the timestamp reader ingestion uses
 * (also public: iv_source_parse_time, iv_source_parse_times), and profiles (INI files of options,
 * iv_source_load). */
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>

#include "source.h"
#include "strptime.h"
#include "text.h"
#include "timefmt.h"
#include "wire.h"

IV_API int iv_source_new(iv_source **out)
{
    iv__alloc a;
    iv_source *s;
    if (!out)
        return iv__error(IV_EINVAL, "iv_source_new: NULL argument");
    *out = NULL;
    iv__alloc_init(&a, NULL, NULL);
    s = iv__calloc(&a, 1, sizeof *s);
    if (!s)
        return iv__nomem("a source");
    s->alloc = a;
    s->decimal = '.';
    *out = s;
    return IV_OK;
}

IV_API void iv_source_free(iv_source *s)
{
    const iv__alloc *a;
    size_t i, j;
    if (!s)
        return;
    a = &s->alloc;
    for (i = 0; i < s->nformats; i++)
        iv__strfree(a, s->formats[i]);
    iv__free(a, s->formats, s->capformats * sizeof *s->formats);
    iv__strfree(a, s->tzname);
    iv__tz_free(s->tz, a);
    for (i = 0; i < s->nmap; i++) {
        iv__free(a, s->map[i].src, s->map[i].nsrc + 1);
        iv__free(a, s->map[i].dst, s->map[i].ndst + 1);
    }
    iv__free(a, s->map, s->capmap * sizeof *s->map);
    for (i = 0; i < s->nset; i++) {
        iv__free(a, s->set[i].field, s->set[i].nfield + 1);
        iv__free(a, s->set[i].value, s->set[i].nvalue + 1);
    }
    iv__free(a, s->set, s->capset * sizeof *s->set);
    for (i = 0; i < s->nvals; i++) {
        iv__srcvals *v = &s->vals[i];
        for (j = 0; j < v->n; j++) {
            iv__free(a, v->p[j].from, v->p[j].nfrom + 1);
            iv__free(a, v->p[j].to, v->p[j].nto + 1);
        }
        iv__free(a, v->p, v->cap * sizeof *v->p);
        iv__free(a, v->field, v->nfield + 1);
    }
    iv__free(a, s->vals, s->capvals * sizeof *s->vals);
    iv__free(a, s, sizeof *s);
}

static int iv__src_add_map(iv_source *s, const char *src, size_t nsrc, const char *dst, size_t ndst,
                           int optional)
{
    iv__srcmap *m;
    size_t i;
    iv__trim(&src, &nsrc);
    iv__trim(&dst, &ndst);
    if (!nsrc || !ndst)
        return iv__error(IV_EINVAL, "map: '%.*s=%.*s' has an empty name", (int)IV__MIN(nsrc, 64), src,
                         (int)IV__MIN(ndst, 64), dst);
    for (i = 0; i < s->nmap; i++)
        if (iv__ieqn(s->map[i].src, s->map[i].nsrc, src, nsrc) &&
            iv__ieqn(s->map[i].dst, s->map[i].ndst, dst, ndst)) {
            s->map[i].optional &= optional; /* the same rename twice: required wins */
            return IV_OK;
        }
    if (s->nmap >= s->capmap && iv__grow(&s->alloc, (void **)&s->map, &s->capmap, s->nmap + 1, sizeof *s->map))
        return IV_ENOMEM;
    m = &s->map[s->nmap];
    m->src = iv__strndup(&s->alloc, src, nsrc);
    m->dst = iv__strndup(&s->alloc, dst, ndst);
    if (!m->src || !m->dst) {
        iv__free(&s->alloc, m->src, nsrc + 1);
        iv__free(&s->alloc, m->dst, ndst + 1);
        return iv__nomem("the map");
    }
    m->nsrc = nsrc;
    m->ndst = ndst;
    m->optional = optional;
    s->nmap++;
    return IV_OK;
}

int iv__source_add_map(iv_source *s, const char *src, size_t nsrc, const char *dst, size_t ndst)
{
    return iv__src_add_map(s, src, nsrc, dst, ndst, 0);
}

int iv__source_add_map_optional(iv_source *s, const char *src, size_t nsrc, const char *dst, size_t ndst)
{
    return iv__src_add_map(s, src, nsrc, dst, ndst, 1);
}

int iv__source_add_set(iv_source *s, const char *field, size_t nfield, const char *value, size_t nvalue)
{
    iv__srcset *e = NULL;
    char *f, *v;
    size_t i;
    iv__trim(&field, &nfield);
    iv__trim(&value, &nvalue);
    if (!nfield)
        return iv__error(IV_EINVAL, "set: '=%.*s' has no field name", (int)IV__MIN(nvalue, 64), value);
    v = iv__strndup(&s->alloc, value, nvalue);
    if (!v)
        return iv__nomem("a constant");
    for (i = 0; i < s->nset; i++)
        if (iv__ieqn(s->set[i].field, s->set[i].nfield, field, nfield)) {
            e = &s->set[i];
            iv__free(&s->alloc, e->value, e->nvalue + 1);
            e->value = v;
            e->nvalue = nvalue;
            return IV_OK;
        }
    if (s->nset >= s->capset && iv__grow(&s->alloc, (void **)&s->set, &s->capset, s->nset + 1, sizeof *s->set)) {
        iv__free(&s->alloc, v, nvalue + 1);
        return IV_ENOMEM;
    }
    f = iv__strndup(&s->alloc, field, nfield);
    if (!f) {
        iv__free(&s->alloc, v, nvalue + 1);
        return iv__nomem("a constant");
    }
    e = &s->set[s->nset++];
    e->field = f;
    e->nfield = nfield;
    e->value = v;
    e->nvalue = nvalue;
    return IV_OK;
}

const iv__srcvals *iv__source_vals(const iv_source *s, const char *field, size_t n)
{
    size_t i;
    for (i = 0; s && i < s->nvals; i++)
        if (iv__ieqn(s->vals[i].field, s->vals[i].nfield, field, n))
            return &s->vals[i];
    return NULL;
}

int iv__source_add_value(iv_source *s, const char *field, size_t nfield, const char *from, size_t nfrom,
                         const char *to, size_t nto)
{
    iv__srcvals *v = NULL;
    iv__srcpair *p;
    char *cf, *ct;
    size_t i;
    iv__trim(&field, &nfield);
    iv__trim(&from, &nfrom);
    iv__trim(&to, &nto);
    if (!nfield)
        return iv__error(IV_EINVAL, "values: no field name (expected FIELD:from=to,...)");
    if (!nfrom)
        return iv__error(IV_EINVAL, "values: '%.*s': an empty 'from' value", (int)IV__MIN(nfield, 64), field);
    for (i = 0; i < s->nvals; i++)
        if (iv__ieqn(s->vals[i].field, s->vals[i].nfield, field, nfield))
            v = &s->vals[i];
    if (!v) {
        char *fn;
        if (s->nvals >= s->capvals &&
            iv__grow(&s->alloc, (void **)&s->vals, &s->capvals, s->nvals + 1, sizeof *s->vals))
            return IV_ENOMEM;
        fn = iv__strndup(&s->alloc, field, nfield);
        if (!fn)
            return iv__nomem("a value mapping");
        v = &s->vals[s->nvals++];
        memset(v, 0, sizeof *v);
        v->field = fn;
        v->nfield = nfield;
    }
    ct = iv__strndup(&s->alloc, to, nto);
    if (!ct)
        return iv__nomem("a value mapping");
    for (i = 0; i < v->n; i++)
        if (iv__ieqn(v->p[i].from, v->p[i].nfrom, from, nfrom)) {
            iv__free(&s->alloc, v->p[i].to, v->p[i].nto + 1);
            v->p[i].to = ct;
            v->p[i].nto = nto;
            return IV_OK;
        }
    cf = iv__strndup(&s->alloc, from, nfrom);
    if (!cf || (v->n >= v->cap && iv__grow(&s->alloc, (void **)&v->p, &v->cap, v->n + 1, sizeof *v->p))) {
        iv__free(&s->alloc, cf, nfrom + 1);
        iv__free(&s->alloc, ct, nto + 1);
        return iv__nomem("a value mapping");
    }
    p = &v->p[v->n++];
    p->from = cf;
    p->nfrom = nfrom;
    p->to = ct;
    p->nto = nto;
    return IV_OK;
}

int iv__source_map_value(const iv__srcvals *v, const char *s, size_t n, const char **out, size_t *nout)
{
    size_t i;
    iv__trim(&s, &n);
    for (i = 0; i < v->n; i++)
        if (v->p[i].nfrom == n && iv__ieqn(v->p[i].from, v->p[i].nfrom, s, n)) {
            *out = v->p[i].to;
            *nout = v->p[i].nto;
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------- the setter ----- */

/* Call add(s, a, na, b, nb) for each "a=b" of a comma list. */
static int iv__src_pairs(iv_source *s, const char *opt, const char *v,
                         int (*add)(iv_source *, const char *, size_t, const char *, size_t))
{
    const char *p = v;
    int rc;
    if (!*v)
        return iv__error(IV_EINVAL, "%s: empty value (expected a=b,...)", opt);
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return iv__error(IV_EINVAL, "%s: '%.*s' is not name=value (in '%s')", opt, (int)IV__MIN(len, 64), p, v);
        if ((rc = add(s, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1)) != IV_OK) {
            if (rc == IV_EINVAL) {
                char msg[256];
                snprintf(msg, sizeof msg, "%s", iv_error_last());
                return iv__error(IV_EINVAL, "%s (in '%s')", msg, v);
            }
            return rc;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return IV_OK;
}

static int iv__src_values(iv_source *s, const char *v)
{
    const char *colon = strchr(v, ':'), *p;
    size_t nfield;
    if (!colon)
        return iv__error(IV_EINVAL, "values: '%s' is not FIELD:from=to,from=to,...", v);
    nfield = (size_t)(colon - v);
    p = colon + 1;
    if (!*p)
        return iv__error(IV_EINVAL, "values: '%s' has no from=to pair", v);
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        int rc;
        if (!eq)
            return iv__error(IV_EINVAL, "values: '%.*s' is not from=to (in '%s')", (int)IV__MIN(len, 64), p, v);
        rc = iv__source_add_value(s, v, nfield, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1);
        if (rc)
            return rc;
        if (!end)
            break;
        p = end + 1;
    }
    return IV_OK;
}

static int iv__src_bad(const char *name, const char *value, const char *expected)
{
    return iv__error(IV_EINVAL, "source option %s: '%s' is not %s", name, value, expected);
}

IV_API int iv_source_set(iv_source *s, const char *name, const char *value)
{
    if (!s || !name || !value)
        return iv__error(IV_EINVAL, "iv_source_set: NULL argument");
    if (strcmp(name, "profile") == 0) /* a file or NAME of options (the profiles below) */
        return iv_source_load(s, value);
    if (strcmp(name, "delimiter") == 0) {
        if (strcmp(value, "auto") == 0)
            s->delim = IV__DELIM_AUTO;
        else if (strcmp(value, "tab") == 0 || strcmp(value, "\\t") == 0 || strcmp(value, "\t") == 0)
            s->delim = '\t';
        else if (strlen(value) == 1 && value[0] != '"' && value[0] != '\n' && value[0] != '\r')
            s->delim = (unsigned char)value[0];
        else
            return iv__src_bad(name, value, "one character (not a quote or line break), 'tab' or 'auto'");
        return IV_OK;
    }
    if (strcmp(name, "encoding") == 0) {
        if (iv__ieq(value, strlen(value), "utf-8") || iv__ieq(value, strlen(value), "utf8"))
            s->encoding = IV__ENC_UTF8;
        else if (iv__ieq(value, strlen(value), "latin1") || iv__ieq(value, strlen(value), "latin-1") ||
                 iv__ieq(value, strlen(value), "iso-8859-1"))
            s->encoding = IV__ENC_LATIN1;
        else if (iv__ieq(value, strlen(value), "windows-1252") || iv__ieq(value, strlen(value), "cp1252"))
            s->encoding = IV__ENC_CP1252;
        else
            return iv__src_bad(name, value, "utf-8, latin1 or windows-1252");
        return IV_OK;
    }
    if (strcmp(name, "time_format") == 0) {
        char *f;
        int rc = iv__strptime_check(value);
        if (rc)
            return rc;
        if (s->nformats >= s->capformats &&
            iv__grow(&s->alloc, (void **)&s->formats, &s->capformats, s->nformats + 1, sizeof *s->formats))
            return IV_ENOMEM;
        if (!(f = iv__strndup(&s->alloc, value, strlen(value))))
            return iv__nomem("a time format");
        s->formats[s->nformats++] = f;
        return IV_OK;
    }
    if (strcmp(name, "timezone") == 0) {
        iv__tz *tz = NULL;
        char *copy;
        int rc = iv__tz_load(&tz, &s->alloc, value);
        if (rc)
            return rc;
        if (!(copy = iv__strndup(&s->alloc, value, strlen(value)))) {
            iv__tz_free(tz, &s->alloc);
            return iv__nomem("a time zone");
        }
        iv__tz_free(s->tz, &s->alloc);
        iv__strfree(&s->alloc, s->tzname);
        if (iv__tz_is_utc(tz)) {
            iv__tz_free(tz, &s->alloc);
            iv__strfree(&s->alloc, copy);
            tz = NULL;
            copy = NULL;
        }
        s->tz = tz;
        s->tzname = copy;
        return IV_OK;
    }
    if (strcmp(name, "epoch_unit") == 0) {
        if (strcmp(value, "s") == 0)
            s->epoch_unit = IV__EPOCH_S;
        else if (strcmp(value, "ms") == 0)
            s->epoch_unit = IV__EPOCH_MS;
        else if (strcmp(value, "us") == 0)
            s->epoch_unit = IV__EPOCH_US;
        else
            return iv__src_bad(name, value, "s, ms or us");
        return IV_OK;
    }
    if (strcmp(name, "decimal") == 0) {
        if (strcmp(value, ".") != 0 && strcmp(value, ",") != 0)
            return iv__src_bad(name, value, "'.' or ','");
        s->decimal = value[0];
        return IV_OK;
    }
    if (strcmp(name, "thousands") == 0) {
        char t;
        if (strcmp(value, "none") == 0 || !*value)
            t = 0;
        else if (strcmp(value, "space") == 0 || strcmp(value, " ") == 0)
            t = ' ';
        else if (strcmp(value, ",") == 0 || strcmp(value, ".") == 0 || strcmp(value, "'") == 0)
            t = value[0];
        else
            return iv__src_bad(name, value, "none, ',', '.', space or \"'\"");
        s->thousands = t;
        return IV_OK;
    }
    if (strcmp(name, "map") == 0)
        return iv__src_pairs(s, "map", value, iv__source_add_map);
    if (strcmp(name, "set") == 0)
        return iv__src_pairs(s, "set", value, iv__source_add_set);
    if (strcmp(name, "values") == 0)
        return iv__src_values(s, value);
    if (strcmp(name, "dedup") == 0) {
        if (strcmp(value, "none") == 0)
            s->dedup = 0;
        else if (strcmp(value, "id") == 0)
            s->dedup = 1;
        else
            return iv__src_bad(name, value, "none or id");
        return IV_OK;
    }
    return iv__error(IV_EINVAL, "unknown source option '%s' (known: delimiter, encoding, time_format, timezone, "
                     "epoch_unit, decimal, thousands, map, set, values, dedup)", name);
}

/* ---- Profiles ------------------------------------------------------------------------
   Source profiles (iv_source_load): an INI file of source options (doc/SOURCES.md,
 * "Profiles"), found by path or, by NAME, among the profiles installed with the library.
 *
 * Sections: [source] (scalar options; time_format may repeat; map/set/values as their
 * option values), [map] `src = dst`, [map.optional] `src = dst` for columns an export
 * may lack, [set] `field = value`, [values.FIELD] `from = to`.
 * Keys of [map] and [values.FIELD] are column names and source values, which hold spaces
 * and other punctuation, so lines are split at the first '=' here rather than with the
 * INI tokenizer (whose keys are identifiers); a key may be quoted ("a = b" = c).
 */

#ifndef IV_PROFILE_DIR
#define IV_PROFILE_DIR "/usr/local/share/libiv/profiles"
#endif

enum { S_NONE, S_SOURCE, S_MAP, S_MAP_OPTIONAL, S_SET, S_VALUES };

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

/* [name]: the section name as the tokenizer gives it (trimmed, without brackets). */
static int section(pstate *p, const char *name, size_t k)
{
    if (iv__ieq(name, k, "source"))
        p->sec = S_SOURCE;
    else if (iv__ieq(name, k, "map"))
        p->sec = S_MAP;
    else if (iv__ieq(name, k, "map.optional"))
        p->sec = S_MAP_OPTIONAL;
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
        return perr(p, "unknown section [%.*s] (expected [source], [map], [map.optional], [set] "
                       "or [values.FIELD])", name, k);
    }
    return IV_OK;
}

/* key = value of the current section (the tokenizer's free-form keys and values). */
static int pair(pstate *p, const char *key, size_t kn, const char *val, size_t vn)
{
    char kbuf[1024], vbuf[1024];
    int rc;
    if (kn >= sizeof kbuf || vn >= sizeof vbuf)
        return perr(p, "line too long: '%.*s'", key, kn);
    memcpy(kbuf, key, kn);
    kbuf[kn] = '\0';
    memcpy(vbuf, val, vn);
    vbuf[vn] = '\0';
    switch (p->sec) {
    case S_SOURCE: rc = iv_source_set(p->src, kbuf, vbuf); break;
    case S_MAP: rc = iv__source_add_map(p->src, key, kn, val, vn); break;
    case S_MAP_OPTIONAL: rc = iv__source_add_map_optional(p->src, key, kn, val, vn); break;
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
    iv__ini t;
    int rc;
    memset(&p, 0, sizeof p);
    p.src = src;
    p.origin = origin;
    iv__ini_init(&t, text, len, origin);
    t.free_form = 1;
    while ((rc = iv__ini_next(&t)) > 0) {
        p.line = t.line;
        rc = rc == IV__INI_SECTION ? section(&p, t.section, t.section_len)
                                   : pair(&p, t.key, t.key_len, t.value, t.value_len);
        if (rc != IV_OK)
            return rc;
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

/* ------------------------------------------------------------- timestamps ----- */

void iv__source_time_tried(const iv_source *src, char *buf, size_t cap)
{
    /* The built-in formats always fit; patterns that would not are counted, not cut. */
    static const char iso[] = "ISO 8601 (YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh:mm]), epoch ";
    static const char more[] = "and 18446744073709551615 more time_format patterns, ";
    const char *unit = !src || src->epoch_unit == IV__EPOCH_S ? "seconds"
                       : src->epoch_unit == IV__EPOCH_MS ? "milliseconds" : "microseconds";
    size_t i = 0, o = 0, tail = sizeof iso + sizeof "microseconds" + sizeof more;
    buf[0] = '\0';
    for (; src && i < src->nformats; i++) {
        size_t need = strlen(src->formats[i]) + sizeof "time_format '', ";
        if (o + need + tail > cap)
            break;
        o += (size_t)snprintf(buf + o, cap - o, "time_format '%s', ", src->formats[i]);
    }
    if (src && i < src->nformats && o + sizeof more < cap)
        o += (size_t)snprintf(buf + o, cap - o, "and %zu more time_format patterns, ", src->nformats - i);
    if (o < cap)
        snprintf(buf + o, cap - o, "%s%s", iso, unit);
}

/* Integer epoch text in the source's unit. 0 ok, 1 not an integer, 2 out of range. */
static int iv__source_epoch(const iv_source *src, const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    int64_t v = 0, lim = 100000000000LL;
    int unit = src ? src->epoch_unit : IV__EPOCH_S;
    if (n && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return 1;
    lim *= unit == IV__EPOCH_S ? 1 : unit == IV__EPOCH_MS ? 1000 : 1000000;
    for (; i < n; i++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (c > 9)
            return 1;
        if (v <= lim)
            v = v * 10 + (int64_t)c;
    }
    if (v > lim)
        return 2;
    if (neg)
        v = -v;
    if (unit == IV__EPOCH_S)
        v *= 1000;
    else if (unit == IV__EPOCH_US)
        v = v >= 0 ? v / 1000 : -((-v + 999) / 1000); /* floor to milliseconds */
    *out = v;
    return 0;
}

int iv__source_time(const iv_source *src, iv__tzcache *tzc, const char *s, size_t n, int64_t *out,
                    const char **why)
{
    int64_t t;
    size_t i;
    int rc, utc;
    *why = NULL;
    for (i = 0; src && i < src->nformats; i++) {
        rc = iv__strptime(src->formats[i], s, n, &t, &utc, why);
        if (rc == 1)
            continue;
        if (rc == 2)
            return IV__TS_FORMAT;
        goto got;
    }
    rc = iv__source_epoch(src, s, n, &t);
    if (rc == 0)
        return iv__time_check_range(s, n, t, out) ? IV__TS_RANGE : IV__TS_OK;
    if (rc == 2)
        return IV__TS_RANGE;
    if (n < 5 || s[4] != '-')
        return IV__TS_NOMATCH;
    if (iv__time_parse_wall(s, n, &t, &utc) != IV_OK) {
        const char *msg = iv_error_last(), *colon = strstr(msg, "': ");
        *why = colon ? colon + 3 : msg;
        return IV__TS_WALL;
    }
got:
    if (!utc && src && src->tz) {
        int64_t sec = t >= 0 ? t / 1000 : -((-t + 999) / 1000), ms = t - sec * 1000, u;
        if (iv__tz_to_utc(src->tz, tzc, sec, &u))
            return IV__TS_GAP;
        t = u * 1000 + ms;
    }
    return iv__time_check_range(s, n, t, out) ? IV__TS_RANGE : IV__TS_OK;
}

IV_API int iv_source_parse_time(const iv_source *src, const char *text, size_t len, int64_t *ms)
{
    iv__tzcache tzc = {0, 0, 0, 0};
    const char *why = NULL;
    char tried[320], reason[160];
    const char *s = text;
    size_t n = len;
    if (!text || !ms)
        return iv__error(IV_EINVAL, "iv_source_parse_time: NULL argument");
    *ms = IV_TIME_NONE;
    iv__trim(&s, &n);
    if (n == 0)
        return iv__error(IV_EPARSE, "empty timestamp");
    switch (iv__source_time(src, &tzc, s, n, ms, &why)) {
    case IV__TS_OK:
        return IV_OK;
    case IV__TS_GAP:
        return iv__error(IV_EPARSE, "timestamp '%.*s' does not exist in time zone %s (a daylight-saving gap)",
                         (int)IV__MIN(n, 64), s, src->tzname);
    case IV__TS_RANGE:
        *ms = IV_TIME_NONE;
        return iv__error(IV_EPARSE, "timestamp '%.*s' is out of range (years 1900 to 2200)",
                         (int)IV__MIN(n, 64), s);
    default:
        /* why may point into iv_error_last()'s buffer, which iv__error rewrites */
        snprintf(reason, sizeof reason, "%s", why ? why : "no format matches");
        iv__source_time_tried(src, tried, sizeof tried);
        return iv__error(IV_EPARSE, "bad timestamp '%.*s': %s; tried %s; give its format with the "
                         "time_format option", (int)IV__MIN(n, 40), s, reason, tried);
    }
}

IV_API int iv_source_parse_times(const iv_source *src, const char *const *text, size_t n, int64_t *ms,
                                 size_t *failed)
{
    iv__tzcache tzc = {0, 0, 0, 0};
    const char *why = NULL;
    size_t i, len;
    int rc;
    if ((n && (!text || !ms)) || !failed)
        return iv__error(IV_EINVAL, "iv_source_parse_times: NULL argument");
    *failed = n;
    for (i = 0; i < n; i++) {
        const char *s = text[i];
        if (!s) {
            ms[i] = IV_TIME_NONE;
            continue;
        }
        len = strlen(s);
        iv__trim(&s, &len);
        if (len == 0) {             /* an empty cell: not given, as in a file */
            ms[i] = IV_TIME_NONE;
            continue;
        }
        if (iv__source_time(src, &tzc, s, len, &ms[i], &why) == IV__TS_OK)
            continue;
        /* the one that failed, with the single reader's message */
        *failed = i;
        rc = iv_source_parse_time(src, text[i], strlen(text[i]), &ms[i]);
        return rc != IV_OK ? rc : iv__error(IV_EPARSE, "timestamp %zu could not be read", i);
    }
    return IV_OK;
}
